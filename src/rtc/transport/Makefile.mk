# libtalk-rtc-transport: ICE (libnice), DTLS, SRTP, SCTP data channels, WebRtcTransport.
noinst_LIBRARIES += src/rtc/transport/libtalk-rtc-transport.a

RTC_TRANSPORT_DEP_CFLAGS = $(LIBEV_CFLAGS) $(OPENSSL_CFLAGS) $(SRTP_CFLAGS) $(NICE_CFLAGS) \
	$(GLIB_CFLAGS) $(USRSCTP_CFLAGS)
src_rtc_transport_libtalk_rtc_transport_a_CPPFLAGS = $(AM_CPPFLAGS) $(RTC_TRANSPORT_DEP_CFLAGS)
src_rtc_transport_libtalk_rtc_transport_a_SOURCES = \
	src/rtc/transport/PacketDemux.cpp src/rtc/transport/PacketDemux.hpp \
	src/rtc/transport/DtlsCertificate.cpp src/rtc/transport/DtlsCertificate.hpp \
	src/rtc/transport/DtlsTransport.cpp src/rtc/transport/DtlsTransport.hpp \
	src/rtc/transport/SrtpSession.cpp src/rtc/transport/SrtpSession.hpp \
	src/rtc/transport/DataChannelProtocol.cpp src/rtc/transport/DataChannelProtocol.hpp \
	src/rtc/transport/SctpAssociation.cpp src/rtc/transport/SctpAssociation.hpp \
	src/rtc/transport/TransportLibraryScope.cpp src/rtc/transport/TransportLibraryScope.hpp \
	src/rtc/transport/IceAgent.cpp src/rtc/transport/IceAgent.hpp \
	src/rtc/transport/WebRtcTransport.cpp src/rtc/transport/WebRtcTransport.hpp

# What a program linking libtalk-rtc-transport needs (then libtalk-common: link order).
TALK_RTC_TRANSPORT_LIBS = src/rtc/transport/libtalk-rtc-transport.a $(TALK_COMMON_LIBS) \
	$(SRTP_LIBS) $(NICE_LIBS) $(GLIB_LIBS) $(USRSCTP_LIBS) $(OPENSSL_LIBS)

# SRTP crypto speed of the libsrtp2 we link (scripts/bench srtp); not installed.
noinst_PROGRAMS += tests/bench/srtp-bench
tests_bench_srtp_bench_CPPFLAGS = $(AM_CPPFLAGS) $(RTC_TRANSPORT_DEP_CFLAGS)
tests_bench_srtp_bench_SOURCES = tests/bench/srtp-bench.cpp
tests_bench_srtp_bench_LDADD = $(TALK_RTC_TRANSPORT_LIBS)

# WebRtcTransport through a TURN relay (tests/integration/rtc-transport-turn.sh).
check_PROGRAMS += tests/integration/tools/rtc-transport-probe
tests_integration_tools_rtc_transport_probe_CPPFLAGS = $(AM_CPPFLAGS) $(RTC_TRANSPORT_DEP_CFLAGS)
tests_integration_tools_rtc_transport_probe_SOURCES = tests/integration/tools/rtc-transport-probe.cpp
tests_integration_tools_rtc_transport_probe_LDADD = $(TALK_RTC_TRANSPORT_LIBS)
TESTS += tests/integration/rtc-transport-turn.sh
EXTRA_DIST += tests/integration/rtc-transport-turn.sh

# Answering peer for the browser interop check (tests/integration/rtc-transport-browser.sh).
check_PROGRAMS += tests/integration/tools/rtc-browser-peer
tests_integration_tools_rtc_browser_peer_CPPFLAGS = $(AM_CPPFLAGS) $(RTC_TRANSPORT_DEP_CFLAGS)
tests_integration_tools_rtc_browser_peer_SOURCES = tests/integration/tools/rtc-browser-peer.cpp
tests_integration_tools_rtc_browser_peer_LDADD = $(TALK_RTC_TRANSPORT_LIBS)
TESTS += tests/integration/rtc-transport-browser.sh
EXTRA_DIST += tests/integration/rtc-transport-browser.sh tests/integration/rtc-transport-browser.py
