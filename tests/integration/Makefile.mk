# Integration scripts: each starts real daemons/peers on loopback and ends with
# "N passed, N failed". Fragments of other components append their scripts here.
EXTRA_DIST += tests/integration/lib.sh

# talk-turn (turn-*.sh; servers pluggable with TURN_IMPL=talk-turn|coturn)
TESTS += tests/integration/turn-uclient.sh tests/integration/turn-policy.sh \
	tests/integration/turn-robustness.sh tests/integration/turn-libnice.sh \
	tests/integration/turn-lifecycle.sh tests/integration/turn-limits.sh \
	tests/integration/turn-ipv6.sh tests/integration/turn-ipv6-policy.sh
EXTRA_DIST += tests/integration/turn-lib.sh tests/integration/turn-uclient.sh \
	tests/integration/turn-policy.sh tests/integration/turn-robustness.sh \
	tests/integration/turn-libnice.sh tests/integration/turn-lifecycle.sh \
	tests/integration/turn-limits.sh tests/integration/turn-ipv6.sh \
	tests/integration/turn-ipv6-policy.sh \
	tests/integration/configs/turn.cfg.in tests/integration/configs/turn-talk.cfg.in
include tests/integration/tools/Makefile.mk

# talk-nats CLI against a real nats-server.
TESTS += tests/integration/nats-cli.sh
EXTRA_DIST += tests/integration/nats-cli.sh

# talk-signaling as a daemon (config, headers, reload, drain, two nodes over nats-server).
TESTS += tests/integration/signaling-smoke.sh
EXTRA_DIST += tests/integration/signaling-smoke.sh tests/integration/tools/signaling-smoke-client.py
# talk-sfu's Janus API over WebSocket (python3-websockets probe).
TESTS += tests/integration/sfu-janus-api.sh
EXTRA_DIST += tests/integration/sfu-janus-api.sh tests/integration/tools/janus-probe.py
# Interop: nextcloud-spreed-signaling 0.4.1 uses talk-sfu as its Janus MCU.
TESTS += tests/integration/sfu-interop-signaling.sh
EXTRA_DIST += tests/integration/sfu-interop-signaling.sh
