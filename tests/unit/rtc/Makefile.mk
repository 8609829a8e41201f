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
