# libtalk-sfu: everything of talk-sfu except main.cpp (style.md rule 1).
noinst_LIBRARIES += src/sfu/libtalk-sfu.a

# Janus control plane (protocol + domain, no I/O, no media): unit-tested with a fake engine.
SFU_CONTROL_SOURCES = \
	src/sfu/MediaEngine.hpp \
	src/sfu/control/JanusErrors.hpp \
	src/sfu/control/JanusRequest.cpp src/sfu/control/JanusRequest.hpp \
	src/sfu/control/VideoRoom.cpp src/sfu/control/VideoRoom.hpp \
	src/sfu/control/JanusApi.cpp src/sfu/control/JanusApi.hpp

# The daemon: settings, WebSocket transport of the API, composition root.
SFU_DAEMON_SOURCES = \
	src/sfu/media/SignalingOnlyEngine.cpp src/sfu/media/SignalingOnlyEngine.hpp \
	src/sfu/control/JanusApiServer.cpp src/sfu/control/JanusApiServer.hpp \
	src/sfu/SfuSettings.cpp src/sfu/SfuSettings.hpp \
	src/sfu/SfuServer.cpp src/sfu/SfuServer.hpp \
	src/sfu/SfuDaemon.cpp src/sfu/SfuDaemon.hpp

src_sfu_libtalk_sfu_a_CPPFLAGS = $(AM_CPPFLAGS) $(JSON_CFLAGS) $(LIBEV_CFLAGS) $(OPENSSL_CFLAGS)
src_sfu_libtalk_sfu_a_SOURCES = $(SFU_CONTROL_SOURCES) $(SFU_DAEMON_SOURCES)

sbin_PROGRAMS += src/sfu/talk-sfu
src_sfu_talk_sfu_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEV_CFLAGS)
src_sfu_talk_sfu_SOURCES = src/sfu/main.cpp
src_sfu_talk_sfu_LDADD = $(TALK_SFU_LIBS)

# What a program or test linking libtalk-sfu needs (common after sfu: link order).
TALK_SFU_LIBS = src/sfu/libtalk-sfu.a $(TALK_COMMON_LIBS)
