# libtalk-common: loop, net, log, config, daemon, crypto, metrics.
noinst_LIBRARIES += src/common/libtalk-common.a

src_common_libtalk_common_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEV_CFLAGS) $(OPENSSL_CFLAGS) \
	$(LIBCONFIG_CFLAGS) $(SYSTEMD_CFLAGS) $(LWS_CFLAGS) $(ZLIB_CFLAGS)
src_common_libtalk_common_a_SOURCES = \
	src/common/crypto/Crypto.cpp src/common/crypto/Crypto.hpp \
	src/common/ev/EventLoop.cpp src/common/ev/EventLoop.hpp \
	src/common/ev/Watchers.cpp src/common/ev/Watchers.hpp \
	src/common/ev/AsyncInbox.hpp \
	src/common/log/Logger.cpp src/common/log/Logger.hpp \
	src/common/net/SocketAddress.cpp src/common/net/SocketAddress.hpp \
	src/common/net/UniqueFd.hpp \
	src/common/util/CHandle.hpp src/common/util/Clock.hpp \
	src/common/util/ByteReader.hpp src/common/util/ByteWriter.hpp \
	src/common/util/Error.cpp src/common/util/Error.hpp
src_common_libtalk_common_a_SOURCES += \
	src/common/config/CommonSettings.cpp src/common/config/CommonSettings.hpp \
	src/common/config/Schema.cpp src/common/config/Schema.hpp \
	src/common/config/Settings.cpp src/common/config/Settings.hpp \
	src/common/daemon/DaemonMain.cpp src/common/daemon/DaemonMain.hpp \
	src/common/daemon/LibraryScope.cpp src/common/daemon/LibraryScope.hpp \
	src/common/daemon/Service.hpp \
	src/common/metrics/MetricsServer.cpp src/common/metrics/MetricsServer.hpp \
	src/common/metrics/Registry.cpp src/common/metrics/Registry.hpp
# HTTP + WebSocket server and WebSocket client on lws (src/common/http).
src_common_libtalk_common_a_SOURCES += \
	src/common/http/LwsContext.cpp src/common/http/LwsContext.hpp \
	src/common/http/Message.cpp src/common/http/Message.hpp \
	src/common/http/Responder.hpp \
	src/common/http/Server.cpp src/common/http/Server.hpp \
	src/common/http/WebSocket.hpp \
	src/common/http/WsChannel.cpp src/common/http/WsChannel.hpp \
	src/common/http/WebSocketClient.cpp src/common/http/WebSocketClient.hpp

# What every program linking libtalk-common needs.
TALK_COMMON_LIBS = src/common/libtalk-common.a $(LIBEV_LIBS) $(OPENSSL_LIBS) $(LIBCONFIG_LIBS) \
	$(SYSTEMD_LIBS) $(LWS_LIBS) $(ZLIB_LIBS)

# Asynchronous HTTP client (libcurl multi on our loop). Programs that use it add
# $(TALK_HTTP_CLIENT_LIBS); the others never pull HttpClient.o out of the archive.
src_common_libtalk_common_a_CPPFLAGS += $(CURL_CFLAGS)
src_common_libtalk_common_a_SOURCES += src/common/http/HttpClient.cpp src/common/http/HttpClient.hpp
TALK_HTTP_CLIENT_LIBS = $(CURL_LIBS)
