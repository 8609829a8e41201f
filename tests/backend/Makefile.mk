# The Nextcloud emulator and the signaling acceptance suite (Python 3, Debian's
# python3-websockets and python3-cryptography).
#
# make check runs the emulator's own unit tests and the black-box acceptance suite against
# talk-signaling on one node (tests/integration/signaling-acceptance.sh; by hand also
# SIGNALING_IMPL=spreed for the 1.2.4 anchor, SIGNALING_CLUSTER=1 for two nodes over NATS).
# Cases talk-signaling does not pass yet are listed in tests/backend/acceptance/pending.py.
TESTS += tests/backend/test-emulator.sh
TESTS += tests/integration/signaling-acceptance.sh
EXTRA_DIST += tests/backend/test-emulator.sh tests/backend/test_emulator.py \
	tests/backend/nextcloud_emulator.py tests/backend/signaling_client.py \
	tests/backend/fetch-spreed-backports.sh tests/backend/README.md \
	tests/backend/acceptance/run.py tests/backend/acceptance/harness.py \
	tests/backend/acceptance/anchor.py tests/backend/acceptance/cases_hello.py \
	tests/backend/acceptance/cases_rooms.py tests/backend/acceptance/cases_messages.py \
	tests/backend/acceptance/cases_backend.py tests/backend/acceptance/cases_transient.py \
	tests/backend/acceptance/cases_internal.py tests/backend/acceptance/cases_robustness.py \
	tests/backend/acceptance/cases_cluster.py tests/backend/acceptance/cases_features.py \
	tests/backend/acceptance/pending.py \
	tests/integration/signaling-acceptance.sh \
	tests/integration/configs/signaling-spreed.conf.in \
	tests/integration/configs/signaling.cfg.in tests/integration/configs/signaling-talk.cfg.in
