check_PROGRAMS += tests/unit/test-nats
TESTS += tests/unit/test-nats
tests_unit_test_nats_CPPFLAGS = $(AM_CPPFLAGS) $(CPPUNIT_CFLAGS) $(LIBEV_CFLAGS) $(NATS_CFLAGS)
tests_unit_test_nats_SOURCES = \
	tests/unit/nats/BusContractTest.cpp \
	tests/unit/nats/LoopDriver.hpp \
	tests/unit/nats/NatsBusOnlyTest.cpp \
	tests/unit/nats/NatsServerProcess.cpp tests/unit/nats/NatsServerProcess.hpp \
	tests/unit/nats/SubjectTest.cpp
tests_unit_test_nats_LDADD = $(TEST_MAIN_LIBS) $(TALK_NATS_LIBS) $(TALK_COMMON_LIBS)
