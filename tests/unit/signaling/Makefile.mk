# unit tests of libtalk-signaling and its backend library (fragment filled by its component)

# ---- talk-signaling core (sig-core): tests/unit/test-signaling ----
check_PROGRAMS += tests/unit/test-signaling
TESTS += tests/unit/test-signaling
tests_unit_test_signaling_CPPFLAGS = $(AM_CPPFLAGS) $(CPPUNIT_CFLAGS) $(LIBEV_CFLAGS) $(JSON_CFLAGS) $(NATS_CFLAGS)
tests_unit_test_signaling_SOURCES = \
	tests/unit/signaling/HubFixture.hpp \
	tests/unit/signaling/HubTest.cpp \
	tests/unit/signaling/MessageCodecTest.cpp \
	tests/unit/signaling/SessionIdCodecTest.cpp
tests_unit_test_signaling_LDADD = $(TEST_MAIN_LIBS) $(TALK_SIGNALING_LIBS)
# ---- end of talk-signaling core block ----
