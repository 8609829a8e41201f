# Integration scripts: each starts real daemons/peers on loopback and ends with
# "N passed, N failed". Fragments of other components append their scripts here.
EXTRA_DIST += tests/integration/lib.sh

# talk-turn (turn-*.sh; servers pluggable with TURN_IMPL=talk-turn|coturn)
TESTS += tests/integration/turn-uclient.sh tests/integration/turn-policy.sh \
	tests/integration/turn-robustness.sh tests/integration/turn-libnice.sh \
	tests/integration/turn-lifecycle.sh tests/integration/turn-limits.sh
EXTRA_DIST += tests/integration/turn-lib.sh tests/integration/turn-uclient.sh \
	tests/integration/turn-policy.sh tests/integration/turn-robustness.sh \
	tests/integration/turn-libnice.sh tests/integration/turn-lifecycle.sh \
	tests/integration/turn-limits.sh \
	tests/integration/configs/turn.cfg.in tests/integration/configs/turn-talk.cfg.in
include tests/integration/tools/Makefile.mk

# talk-nats CLI against a real nats-server.
TESTS += tests/integration/nats-cli.sh
EXTRA_DIST += tests/integration/nats-cli.sh

# talk-signaling as a daemon (config, headers, reload, drain, two nodes over nats-server).
TESTS += tests/integration/signaling-smoke.sh
EXTRA_DIST += tests/integration/signaling-smoke.sh tests/integration/tools/signaling-smoke-client.py
