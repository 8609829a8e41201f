# libtalk-turn: everything of talk-turn except main.cpp (style.md rule 1).
noinst_LIBRARIES += src/turn/libtalk-turn.a

# Protocol and domain-policy layer (no I/O): STUN codec, ChannelData/stream framing,
# authentication, relay policy. Owned by "turnproto".
TURN_PROTOCOL_SOURCES = \
	src/turn/stun/Constants.cpp src/turn/stun/Constants.hpp \
	src/turn/stun/IntegrityKey.cpp src/turn/stun/IntegrityKey.hpp \
	src/turn/stun/Message.cpp src/turn/stun/Message.hpp \
	src/turn/stun/Attributes.cpp src/turn/stun/Attributes.hpp \
	src/turn/stun/MessageBuilder.cpp src/turn/stun/MessageBuilder.hpp \
	src/turn/stun/Framing.cpp src/turn/stun/Framing.hpp \
	src/turn/auth/KeyDerivation.cpp src/turn/auth/KeyDerivation.hpp \
	src/turn/auth/RestCredentials.cpp src/turn/auth/RestCredentials.hpp \
	src/turn/auth/StaticUsers.cpp src/turn/auth/StaticUsers.hpp \
	src/turn/auth/NonceManager.cpp src/turn/auth/NonceManager.hpp \
	src/turn/auth/CredentialStore.hpp \
	src/turn/auth/Authenticator.cpp src/turn/auth/Authenticator.hpp \
	src/turn/policy/IpPrefix.cpp src/turn/policy/IpPrefix.hpp \
	src/turn/policy/RelayPolicy.cpp src/turn/policy/RelayPolicy.hpp

# ---- Server block (owned by "turnserver"): listeners, allocations, TurnServer. ----
TURN_SERVER_SOURCES = \
	src/turn/TurnSettings.cpp src/turn/TurnSettings.hpp \
	src/turn/TurnDaemon.cpp src/turn/TurnDaemon.hpp \
	src/turn/server/FiveTuple.cpp src/turn/server/FiveTuple.hpp \
	src/turn/server/PortAllocator.cpp src/turn/server/PortAllocator.hpp \
	src/turn/server/QuotaTracker.cpp src/turn/server/QuotaTracker.hpp \
	src/turn/server/TimerWheel.cpp src/turn/server/TimerWheel.hpp \
	src/turn/server/SendBatcher.cpp src/turn/server/SendBatcher.hpp \
	src/turn/server/RecvBatch.cpp src/turn/server/RecvBatch.hpp \
	src/turn/server/RelaySocket.cpp src/turn/server/RelaySocket.hpp \
	src/turn/server/UdpListener.cpp src/turn/server/UdpListener.hpp \
	src/turn/server/TcpListener.cpp src/turn/server/TcpListener.hpp \
	src/turn/server/TlsContext.cpp src/turn/server/TlsContext.hpp \
	src/turn/server/StreamConnection.cpp src/turn/server/StreamConnection.hpp \
	src/turn/server/Allocation.cpp src/turn/server/Allocation.hpp \
	src/turn/server/AllocationManager.cpp src/turn/server/AllocationManager.hpp \
	src/turn/server/TurnMetrics.cpp src/turn/server/TurnMetrics.hpp \
	src/turn/server/TurnWorker.cpp src/turn/server/TurnWorker.hpp \
	src/turn/server/TurnWorkerDataPath.cpp src/turn/server/TurnWorkerAllocate.cpp \
	src/turn/server/TurnWorkerAllocationRequests.cpp \
	src/turn/server/TurnServer.cpp src/turn/server/TurnServer.hpp

sbin_PROGRAMS += src/turn/talk-turn
src_turn_talk_turn_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEV_CFLAGS) $(OPENSSL_CFLAGS)
src_turn_talk_turn_SOURCES = src/turn/main.cpp
src_turn_talk_turn_LDADD = $(TALK_TURN_LIBS)
# ---- end of server block ----

src_turn_libtalk_turn_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEV_CFLAGS) $(OPENSSL_CFLAGS)
src_turn_libtalk_turn_a_SOURCES = $(TURN_PROTOCOL_SOURCES) $(TURN_SERVER_SOURCES)

# What a program or test linking libtalk-turn needs (common after turn: link order).
TALK_TURN_LIBS = src/turn/libtalk-turn.a $(TALK_COMMON_LIBS)

# Loopback floor of scripts/bench turn: a plain recvmmsg/sendmmsg forwarder and its load.
noinst_PROGRAMS += tests/bench/udp-relay-floor
tests_bench_udp_relay_floor_SOURCES = tests/bench/udp-relay-floor.cpp
