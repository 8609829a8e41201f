# Unit tests of libtalk-turn (protocol layer: STUN codec, framing, auth, relay policy).
check_PROGRAMS += tests/unit/test-turn
TESTS += tests/unit/test-turn
tests_unit_test_turn_CPPFLAGS = $(AM_CPPFLAGS) $(CPPUNIT_CFLAGS) $(LIBEV_CFLAGS) -I$(top_srcdir)/tests/unit/turn
tests_unit_test_turn_SOURCES = \
	tests/unit/turn/FakeClock.hpp \
	tests/unit/turn/Rfc5769Vectors.hpp \
	tests/unit/turn/TestUtil.hpp \
	tests/unit/turn/StunMessageTest.cpp \
	tests/unit/turn/MessageBuilderTest.cpp \
	tests/unit/turn/AttributesTest.cpp \
	tests/unit/turn/FramingTest.cpp \
	tests/unit/turn/CredentialsTest.cpp \
	tests/unit/turn/AuthenticatorTest.cpp \
	tests/unit/turn/RelayPolicyTest.cpp
# ---- Server tests (owned by "turnserver") append here: ----
TURN_SERVER_TEST_SOURCES = \
	tests/unit/turn/PortAllocatorTest.cpp \
	tests/unit/turn/TimerWheelTest.cpp \
	tests/unit/turn/AllocationTest.cpp \
	tests/unit/turn/AllocationManagerTest.cpp \
	tests/unit/turn/SendBatcherTest.cpp \
	tests/unit/turn/TurnWorkerTest.cpp
tests_unit_test_turn_SOURCES += $(TURN_SERVER_TEST_SOURCES)
tests_unit_test_turn_LDADD = $(TEST_MAIN_LIBS) $(TALK_TURN_LIBS)
