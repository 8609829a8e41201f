# libtalk-signaling: everything of talk-signaling except main.cpp (style.md rule 1).
noinst_LIBRARIES += src/signaling/libtalk-signaling.a

SIGNALING_PROTOCOL_SOURCES = \
	src/signaling/protocol/Json.hpp \
	src/signaling/protocol/Messages.hpp \
	src/signaling/protocol/MessageCodec.cpp src/signaling/protocol/MessageCodec.hpp

SIGNALING_DOMAIN_SOURCES = \
	src/signaling/BackendGateway.hpp \
	src/signaling/ClientLink.hpp \
	src/signaling/Scheduler.hpp \
	src/signaling/EvScheduler.cpp src/signaling/EvScheduler.hpp \
	src/signaling/SessionIdCodec.cpp src/signaling/SessionIdCodec.hpp \
	src/signaling/Session.cpp src/signaling/Session.hpp src/signaling/Room.hpp \
	src/signaling/Hub.cpp src/signaling/Hub.hpp

SIGNALING_DAEMON_SOURCES = \
	src/signaling/ClientAddress.cpp src/signaling/ClientAddress.hpp \
	src/signaling/NextcloudGateway.cpp src/signaling/NextcloudGateway.hpp \
	src/signaling/SignalingSettings.cpp src/signaling/SignalingSettings.hpp \
	src/signaling/SignalingDaemon.cpp src/signaling/SignalingDaemon.hpp \
	src/signaling/SignalingServer.cpp src/signaling/SignalingServer.hpp

src_signaling_libtalk_signaling_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEV_CFLAGS) $(OPENSSL_CFLAGS) $(JSON_CFLAGS) $(NATS_CFLAGS) $(LIBCONFIG_CFLAGS) $(CURL_CFLAGS) $(LWS_CFLAGS)
src_signaling_libtalk_signaling_a_SOURCES = $(SIGNALING_PROTOCOL_SOURCES) $(SIGNALING_DOMAIN_SOURCES) $(SIGNALING_DAEMON_SOURCES)

# What a program or test linking libtalk-signaling needs (link order: signaling, nats, common).
TALK_SIGNALING_LIBS = src/signaling/libtalk-signaling.a $(TALK_NATS_LIBS) $(TALK_SIGNALING_BACKEND_LIBS)


sbin_PROGRAMS += src/signaling/talk-signaling
src_signaling_talk_signaling_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEV_CFLAGS)
src_signaling_talk_signaling_SOURCES = src/signaling/main.cpp
src_signaling_talk_signaling_LDADD = $(TALK_SIGNALING_LIBS)
