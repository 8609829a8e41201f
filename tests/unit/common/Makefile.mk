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
tests_unit_test_common_LDADD = $(TEST_MAIN_LIBS) $(TALK_COMMON_LIBS)
