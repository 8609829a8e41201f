#!/bin/bash
# Static checks of systemd units: `systemd-analyze verify` and the offline sandbox score of
# `systemd-analyze security` (exposure must stay at or below the threshold, 2.5 by default;
# see style.md §4.1). Works without a running systemd.
#
# usage: scripts/unit-security.sh [--threshold=N] [--no-verify] UNIT-FILE...
#   --no-verify   skip `verify` (for units whose ExecStart binaries are not installed,
#                 e.g. the build tree's systemd/*.service)
# Without UNIT-FILE arguments it checks the units generated in the build directory given
# by $TOP_BUILDDIR (systemd/*.service). Ends with "N passed, N failed"; exit 1 on failure.
set -u

threshold=2.5
verify=1
units=()
for arg in "$@"; do
  case $arg in
    --threshold=*) threshold=${arg#--threshold=} ;;
    --no-verify) verify=0 ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "unit-security.sh: unknown option $arg" >&2; exit 2 ;;
    *) units+=("$arg") ;;
  esac
done
if [ ${#units[@]} -eq 0 ] && [ -n "${TOP_BUILDDIR:-}" ]; then
  shopt -s nullglob
  units=("$TOP_BUILDDIR"/systemd/*.service)
fi

# systemd 252 takes an integer threshold on its internal 0..100 scale (10x the printed level).
threshold10=$(awk -v t="$threshold" 'BEGIN { if (t !~ /^[0-9]+(\.[0-9]+)?$/) exit 1; printf "%d", t * 10 + 0.5 }') ||
  { echo "unit-security.sh: bad threshold $threshold" >&2; exit 2; }
passed=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for unit in "${units[@]}"; do
  name=$(basename "$unit")
  if [ "$verify" = 1 ]; then
    # verify prints problems but may still exit 0 for some of them: any output is a failure.
    if timeout 60 systemd-analyze verify "$unit" >"$out" 2>&1 && [ ! -s "$out" ]; then
      passed=$((passed + 1)); echo "ok - verify $name"
    else
      failed=$((failed + 1)); echo "not ok - verify $name"; sed 's/^/#   /' "$out"
    fi
  fi
  if timeout 60 systemd-analyze security --offline=yes --threshold="$threshold10" "$unit" >"$out" 2>&1; then
    passed=$((passed + 1))
    echo "ok - security $name: exposure $(sed -n "s/.*Overall exposure level for [^:]*: //p" "$out")"
  else
    failed=$((failed + 1))
    echo "not ok - security $name (threshold $threshold)"
    # the lines that cost points, and the total
    grep -E '^✗|Overall exposure' "$out" | sed 's/^/#   /'
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
