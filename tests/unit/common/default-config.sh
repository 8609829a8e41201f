#!/bin/sh
# etc/talk.cfg must be exactly what the binaries dump as talk.cfg's defaults; the script
# itself must notice drift. Prints the "N passed, N failed" line CI reads.
set -u
top_src=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
top_build=${TOP_BUILDDIR:-$top_src/build}
check=$top_src/scripts/check-default-config.sh
daemon=$top_build/tests/unit/common/talk-test-daemon
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; }

if "$check" "$daemon" "$top_src/etc/talk.cfg" common; then
  ok "etc/talk.cfg matches --dump-default-config=common"
else
  fail "etc/talk.cfg matches --dump-default-config=common"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/default-config-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
sed 's/^  level = "info";/  level = "debug";/' "$top_src/etc/talk.cfg" >"$tmp/talk.cfg"
if cmp -s "$tmp/talk.cfg" "$top_src/etc/talk.cfg"; then
  fail "test edit changed the file"
fi
"$check" "$daemon" "$tmp/talk.cfg" common >"$tmp/out" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q '^+  level = "info";' "$tmp/out"; then
  ok "drift is reported with a diff and exit status 1"
else
  fail "drift is reported with a diff and exit status 1 (rc=$rc)"
  cat "$tmp/out"
fi

"$check" "$daemon" "$tmp/missing.cfg" common >/dev/null 2>&1
[ $? = 1 ] && ok "missing file is drift" || fail "missing file is drift"
"$check" "$tmp/no-such-binary" "$tmp/talk.cfg" common >/dev/null 2>&1
[ $? = 2 ] && ok "missing binary is a usage error" || fail "missing binary is a usage error"

"$check" --update "$daemon" "$tmp/new.cfg" common >/dev/null &&
  "$check" "$daemon" "$tmp/new.cfg" common >/dev/null && ok "--update writes a matching file" || fail "--update writes a matching file"

# The daemon's own file: talk-test-daemon has only metrics.listen.
"$daemon" --dump-default-config >"$tmp/own.cfg"
if "$check" "$daemon" "$tmp/own.cfg" >/dev/null && grep -q '^  listen = "";' "$tmp/own.cfg"; then
  ok "daemon file dump round-trips"
else
  fail "daemon file dump round-trips"
fi

# The shipped file is accepted by --check-config (with its TURN secret in place).
mkdir -p "$tmp/etc/secrets"
cp "$top_src/etc/talk.cfg" "$tmp/etc/talk.cfg"
"$daemon" --dump-default-config >"$tmp/etc/test-daemon.cfg"
echo "secret" >"$tmp/etc/secrets/turn-secret"
if out=$(env -u CREDENTIALS_DIRECTORY "$daemon" --config "$tmp/etc/test-daemon.cfg" --check-config 2>&1) && [ "$out" = "configuration OK" ]; then
  ok "shipped talk.cfg passes --check-config"
else
  fail "shipped talk.cfg passes --check-config: $out"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
