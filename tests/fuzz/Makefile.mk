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
