# unit tests of libtalk-rtc (fragment filled by its component)

# ---- Transport tests (owned by "rtc-transport"): tests/unit/test-rtc-transport ----
check_PROGRAMS += tests/unit/test-rtc-transport
TESTS += tests/unit/test-rtc-transport
tests_unit_test_rtc_transport_CPPFLAGS = $(AM_CPPFLAGS) $(CPPUNIT_CFLAGS) $(RTC_TRANSPORT_DEP_CFLAGS)
tests_unit_test_rtc_transport_SOURCES = \
	tests/unit/rtc/transport/RunLoopUntil.hpp \
	tests/unit/rtc/transport/GlibContextBridgeTest.cpp \
	tests/unit/rtc/transport/PacketDemuxTest.cpp \
	tests/unit/rtc/transport/DtlsTransportTest.cpp \
	tests/unit/rtc/transport/DataChannelProtocolTest.cpp \
	tests/unit/rtc/transport/SctpAssociationTest.cpp \
	tests/unit/rtc/transport/WebRtcTransportTest.cpp \
	tests/unit/rtc/transport/SrtpSessionTest.cpp
tests_unit_test_rtc_transport_LDADD = $(TEST_MAIN_LIBS) $(TALK_RTC_TRANSPORT_LIBS)
# ---- end of transport tests ----
