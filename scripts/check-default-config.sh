#!/bin/sh
# Fails when a shipped configuration file drifts from the defaults its daemon dumps.
#
#   scripts/check-default-config.sh [--update] BINARY FILE [common]
#
# Compares FILE with `BINARY --dump-default-config` (or `--dump-default-config=common`
# when the third argument is "common": the shared talk.cfg, which any daemon can dump).
# Exit status: 0 identical, 1 drift (a unified diff is printed), 2 usage error or the
# binary failed. --update rewrites FILE from the dump instead of comparing.
set -u

update=0
if [ "${1:-}" = "--update" ]; then
  update=1
  shift
fi
if [ $# -lt 2 ] || [ $# -gt 3 ] || { [ $# -eq 3 ] && [ "$3" != common ]; }; then
  echo "usage: $0 [--update] BINARY FILE [common]" >&2
  exit 2
fi
binary=$1
file=$2
option=--dump-default-config
[ $# -eq 3 ] && option=--dump-default-config=common

if [ ! -x "$binary" ]; then
  echo "$0: $binary is not an executable" >&2
  exit 2
fi
tmp=$(mktemp "${TMPDIR:-/tmp}/default-config.XXXXXX") || exit 2
trap 'rm -f "$tmp"' EXIT
if ! "$binary" "$option" >"$tmp"; then
  echo "$0: $binary $option failed" >&2
  exit 2
fi
if [ ! -s "$tmp" ]; then
  echo "$0: $binary $option printed nothing" >&2
  exit 2
fi

if [ "$update" = 1 ]; then
  cp "$tmp" "$file" || exit 2
  echo "updated $file"
  exit 0
fi
if [ ! -f "$file" ]; then
  echo "$0: $file does not exist (run with --update to create it)" >&2
  exit 1
fi
if ! diff -u --label "$file" --label "$(basename "$binary") $option" "$file" "$tmp"; then
  echo "$file differs from the defaults of $(basename "$binary"); run: $0 --update $binary $file${3:+ $3}" >&2
  exit 1
fi
echo "$file matches $(basename "$binary") $option"
