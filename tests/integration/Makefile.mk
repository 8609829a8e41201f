# Integration scripts: each starts real daemons/peers on loopback and ends with
# "N passed, N failed". Fragments of other components append their scripts here.
EXTRA_DIST += tests/integration/lib.sh
