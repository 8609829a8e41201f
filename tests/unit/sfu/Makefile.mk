# Unit tests of libtalk-sfu: the Janus control plane driven through a fake media engine.
check_PROGRAMS += tests/unit/test-sfu
TESTS += tests/unit/test-sfu
tests_unit_test_sfu_CPPFLAGS = $(AM_CPPFLAGS) $(CPPUNIT_CFLAGS) $(JSON_CFLAGS) $(LIBEV_CFLAGS) -I$(top_srcdir)/tests/unit/sfu
tests_unit_test_sfu_SOURCES = \
	tests/unit/sfu/FakeMediaEngine.hpp \
	tests/unit/sfu/JanusHarness.hpp \
	tests/unit/sfu/JanusRequestTest.cpp \
	tests/unit/sfu/JanusCoreTest.cpp \
	tests/unit/sfu/VideoRoomTest.cpp \
	tests/unit/sfu/SfuSettingsTest.cpp
tests_unit_test_sfu_LDADD = $(TEST_MAIN_LIBS) $(TALK_SFU_LIBS)
