# libFuzzer targets (configure --enable-fuzzing CXX=clang++; run by scripts/fuzz-smoke).
# Other components append their targets to FUZZ_TARGETS and their programs inside `if FUZZING`.
# Seed corpora: tests/fuzz/corpus/<target name without the fuzz- prefix>/.
TALK_FUZZ_LINKFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
FUZZ_TARGETS =
EXTRA_DIST += tests/fuzz/corpus

if FUZZING
FUZZ_TARGETS += tests/fuzz/fuzz-stun-message tests/fuzz/fuzz-channel-data tests/fuzz/fuzz-config tests/fuzz/fuzz-nats-subject
noinst_PROGRAMS += tests/fuzz/fuzz-stun-message tests/fuzz/fuzz-channel-data tests/fuzz/fuzz-config tests/fuzz/fuzz-nats-subject

tests_fuzz_fuzz_stun_message_SOURCES = tests/fuzz/FuzzStunMessage.cpp
tests_fuzz_fuzz_stun_message_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_stun_message_LDADD = $(TALK_TURN_LIBS)

tests_fuzz_fuzz_channel_data_SOURCES = tests/fuzz/FuzzChannelData.cpp
tests_fuzz_fuzz_channel_data_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_channel_data_LDADD = $(TALK_TURN_LIBS)

tests_fuzz_fuzz_config_SOURCES = tests/fuzz/FuzzConfig.cpp
tests_fuzz_fuzz_config_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_config_LDADD = $(TALK_TURN_LIBS)

tests_fuzz_fuzz_nats_subject_SOURCES = tests/fuzz/FuzzNatsSubject.cpp
tests_fuzz_fuzz_nats_subject_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_nats_subject_LDADD = $(TALK_NATS_LIBS)

FUZZ_TARGETS += tests/fuzz/fuzz-janus-request
noinst_PROGRAMS += tests/fuzz/fuzz-janus-request
tests_fuzz_fuzz_janus_request_CPPFLAGS = $(AM_CPPFLAGS) $(JSON_CFLAGS) -I$(top_srcdir)/tests/unit/sfu
tests_fuzz_fuzz_janus_request_SOURCES = tests/fuzz/FuzzJanusRequest.cpp
tests_fuzz_fuzz_janus_request_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_janus_request_LDADD = $(TALK_SFU_LIBS)
endif

# ---- libtalk-signaling-backend (owned by "sig-backend") ----
if FUZZING
FUZZ_TARGETS += tests/fuzz/fuzz-backend-request tests/fuzz/fuzz-hello-token tests/fuzz/fuzz-nextcloud-response
noinst_PROGRAMS += tests/fuzz/fuzz-backend-request tests/fuzz/fuzz-hello-token tests/fuzz/fuzz-nextcloud-response
TALK_FUZZ_BACKEND_CPPFLAGS = $(AM_CPPFLAGS) $(LIBEV_CFLAGS) $(OPENSSL_CFLAGS) $(LIBCONFIG_CFLAGS) $(JSON_CFLAGS) $(CURL_CFLAGS)

tests_fuzz_fuzz_backend_request_SOURCES = tests/fuzz/FuzzBackendRequest.cpp
tests_fuzz_fuzz_backend_request_CPPFLAGS = $(TALK_FUZZ_BACKEND_CPPFLAGS)
tests_fuzz_fuzz_backend_request_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_backend_request_LDADD = $(TALK_SIGNALING_BACKEND_LIBS)

tests_fuzz_fuzz_hello_token_SOURCES = tests/fuzz/FuzzHelloToken.cpp
tests_fuzz_fuzz_hello_token_CPPFLAGS = $(TALK_FUZZ_BACKEND_CPPFLAGS)
tests_fuzz_fuzz_hello_token_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_hello_token_LDADD = $(TALK_SIGNALING_BACKEND_LIBS)

tests_fuzz_fuzz_nextcloud_response_SOURCES = tests/fuzz/FuzzNextcloudResponse.cpp
tests_fuzz_fuzz_nextcloud_response_CPPFLAGS = $(TALK_FUZZ_BACKEND_CPPFLAGS)
tests_fuzz_fuzz_nextcloud_response_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_nextcloud_response_LDADD = $(TALK_SIGNALING_BACKEND_LIBS)
endif


# ---- rtc-transport targets: demux + DTLS/SRTP input path, DCEP ----
if FUZZING
FUZZ_TARGETS += tests/fuzz/fuzz-rtc-transport-input tests/fuzz/fuzz-dcep
noinst_PROGRAMS += tests/fuzz/fuzz-rtc-transport-input tests/fuzz/fuzz-dcep

tests_fuzz_fuzz_rtc_transport_input_CPPFLAGS = $(AM_CPPFLAGS) $(RTC_TRANSPORT_DEP_CFLAGS)
tests_fuzz_fuzz_rtc_transport_input_SOURCES = tests/fuzz/FuzzRtcTransportInput.cpp
tests_fuzz_fuzz_rtc_transport_input_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_rtc_transport_input_LDADD = $(TALK_RTC_TRANSPORT_LIBS)

tests_fuzz_fuzz_dcep_CPPFLAGS = $(AM_CPPFLAGS) $(RTC_TRANSPORT_DEP_CFLAGS)
tests_fuzz_fuzz_dcep_SOURCES = tests/fuzz/FuzzDcep.cpp
tests_fuzz_fuzz_dcep_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_dcep_LDADD = $(TALK_RTC_TRANSPORT_LIBS)
endif

# ---- libtalk-rtc protocol parsers (owned by rtc-proto) ----
if FUZZING
FUZZ_TARGETS += tests/fuzz/fuzz-rtp-packet tests/fuzz/fuzz-rtcp-compound tests/fuzz/fuzz-sdp
noinst_PROGRAMS += tests/fuzz/fuzz-rtp-packet tests/fuzz/fuzz-rtcp-compound tests/fuzz/fuzz-sdp

tests_fuzz_fuzz_rtp_packet_SOURCES = tests/fuzz/FuzzRtpPacket.cpp
tests_fuzz_fuzz_rtp_packet_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_rtp_packet_LDADD = $(TALK_RTC_LIBS)

tests_fuzz_fuzz_rtcp_compound_SOURCES = tests/fuzz/FuzzRtcpCompound.cpp
tests_fuzz_fuzz_rtcp_compound_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_rtcp_compound_LDADD = $(TALK_RTC_LIBS)

tests_fuzz_fuzz_sdp_SOURCES = tests/fuzz/FuzzSdp.cpp
tests_fuzz_fuzz_sdp_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_sdp_LDADD = $(TALK_RTC_LIBS)

FUZZ_TARGETS += tests/fuzz/fuzz-signaling-message
noinst_PROGRAMS += tests/fuzz/fuzz-signaling-message
tests_fuzz_fuzz_signaling_message_CPPFLAGS = $(AM_CPPFLAGS) $(JSON_CFLAGS)
tests_fuzz_fuzz_signaling_message_SOURCES = tests/fuzz/FuzzSignalingMessage.cpp
tests_fuzz_fuzz_signaling_message_LDFLAGS = $(TALK_FUZZ_LINKFLAGS)
tests_fuzz_fuzz_signaling_message_LDADD = $(TALK_SIGNALING_LIBS)
endif

# `make fuzz-targets` builds them all; `make fuzz-list` prints "FUZZ_TARGETS: <paths>" (for scripts).
.PHONY: fuzz-targets fuzz-list
fuzz-targets: $(FUZZ_TARGETS)
fuzz-list:
	@echo "FUZZ_TARGETS: $(FUZZ_TARGETS)"
