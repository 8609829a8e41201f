# Probe programs for the turn-*.sh integration scripts and scripts/bench-turn (built by
# `make check`).
check_PROGRAMS += tests/integration/tools/turn-probe tests/integration/tools/turn-fuzz-client \
	tests/integration/tools/nice-relay-probe tests/integration/tools/turn-alloc-burst

TURN_TOOLS_COMMON = tests/integration/tools/StunProbe.cpp tests/integration/tools/StunProbe.hpp

tests_integration_tools_turn_probe_SOURCES = tests/integration/tools/turn-probe.cpp $(TURN_TOOLS_COMMON)
tests_integration_tools_turn_probe_LDADD = $(TALK_COMMON_LIBS)

tests_integration_tools_turn_fuzz_client_CPPFLAGS = $(AM_CPPFLAGS) $(OPENSSL_CFLAGS)
tests_integration_tools_turn_fuzz_client_SOURCES = tests/integration/tools/turn-fuzz-client.cpp $(TURN_TOOLS_COMMON)
tests_integration_tools_turn_fuzz_client_LDADD = $(TALK_COMMON_LIBS) $(OPENSSL_LIBS)

tests_integration_tools_nice_relay_probe_CPPFLAGS = $(AM_CPPFLAGS) $(NICE_CFLAGS)
tests_integration_tools_nice_relay_probe_SOURCES = tests/integration/tools/nice-relay-probe.cpp
tests_integration_tools_nice_relay_probe_LDADD = $(NICE_LIBS)

# Allocation burst for scripts/bench-turn (allocations/s, memory per allocation).
tests_integration_tools_turn_alloc_burst_SOURCES = tests/integration/tools/turn-alloc-burst.cpp $(TURN_TOOLS_COMMON)
tests_integration_tools_turn_alloc_burst_LDADD = $(TALK_COMMON_LIBS)
