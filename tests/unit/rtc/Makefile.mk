# unit tests of libtalk-rtc (fragment filled by its component)
# ---- Protocol-layer runner (owned by rtc-proto): RTP/RTCP/SDP, codec helpers, stream logic. ----
check_PROGRAMS += tests/unit/test-rtc
TESTS += tests/unit/test-rtc
tests_unit_test_rtc_CPPFLAGS = $(AM_CPPFLAGS) $(CPPUNIT_CFLAGS) -I$(top_srcdir)/tests/unit/rtc \
	-DRTC_TEST_DATA_DIR='"$(abs_top_srcdir)/tests/data/rtc"'
tests_unit_test_rtc_SOURCES = \
	tests/unit/rtc/RtcTestData.hpp \
	tests/unit/rtc/RtpPacketTest.cpp \
	tests/unit/rtc/RtcpTest.cpp \
	tests/unit/rtc/TransportCcTest.cpp \
	tests/unit/rtc/HeaderExtensionsTest.cpp \
	tests/unit/rtc/CodecTest.cpp \
	tests/unit/rtc/SeqManagerTest.cpp \
	tests/unit/rtc/NackGeneratorTest.cpp \
	tests/unit/rtc/SimulcastLayerSelectorTest.cpp \
	tests/unit/rtc/SdpTest.cpp \
	tests/unit/rtc/SdpAnswerBuilderTest.cpp
tests_unit_test_rtc_LDADD = $(TEST_MAIN_LIBS) $(TALK_RTC_LIBS)
EXTRA_DIST += tests/data/rtc

# Command-line front end of SdpAnswerBuilder for tests/data/rtc/capture/verify-sdp.sh (built by
# make check, run by hand against real browsers).
check_PROGRAMS += tests/unit/rtc/rtc-sdp-tool
tests_unit_rtc_rtc_sdp_tool_SOURCES = tests/unit/rtc/RtcSdpTool.cpp
tests_unit_rtc_rtc_sdp_tool_LDADD = $(TALK_RTC_LIBS)
# ---- end of protocol-layer runner ----
