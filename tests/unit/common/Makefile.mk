check_PROGRAMS += tests/unit/test-common
TESTS += tests/unit/test-common
tests_unit_test_common_CPPFLAGS = $(AM_CPPFLAGS) $(CPPUNIT_CFLAGS) $(LIBEV_CFLAGS)
tests_unit_test_common_SOURCES = \
	tests/unit/common/CryptoTest.cpp \
	tests/unit/common/EventLoopTest.cpp \
	tests/unit/common/SocketAddressTest.cpp
tests_unit_test_common_SOURCES += \
	tests/unit/common/ConfigTest.cpp \
	tests/unit/common/DaemonTest.cpp \
	tests/unit/common/MetricsTest.cpp \
	tests/unit/common/MetricsServerTest.cpp \
	tests/unit/common/HttpGet.hpp tests/unit/common/TempDir.hpp
# src/common/http: server, WebSocket, client, robustness
tests_unit_test_common_SOURCES += \
	tests/unit/common/HttpRobustnessTest.cpp \
	tests/unit/common/HttpServerTest.cpp \
	tests/unit/common/HttpWebSocketTest.cpp \
	tests/unit/common/HttpTestSupport.hpp
tests_unit_test_common_LDADD = $(TEST_MAIN_LIBS) $(TALK_COMMON_LIBS)

# A minimal runDaemon program; dumps talk.cfg's defaults for check-default-config.sh.
check_PROGRAMS += tests/unit/common/talk-test-daemon
tests_unit_common_talk_test_daemon_SOURCES = tests/unit/common/TestDaemon.cpp
tests_unit_common_talk_test_daemon_LDADD = $(TALK_COMMON_LIBS)
# etc/talk.cfg == talk-test-daemon --dump-default-config=common
TESTS += tests/unit/common/default-config.sh
EXTRA_DIST += tests/unit/common/default-config.sh

# Memory per idle WebSocket (run by hand: tests/unit/common/http-idle-rss 2000)
check_PROGRAMS += tests/unit/common/http-idle-rss
tests_unit_common_http_idle_rss_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEV_CFLAGS)
tests_unit_common_http_idle_rss_SOURCES = tests/unit/common/HttpIdleRss.cpp tests/unit/common/HttpTestSupport.hpp
tests_unit_common_http_idle_rss_LDADD = $(TALK_COMMON_LIBS)
