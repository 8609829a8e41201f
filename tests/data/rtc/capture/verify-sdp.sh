#!/bin/sh
# Shows headless Chromium and Firefox ESR what talk-sfu answers and offers (via rtc-sdp-tool,
# built by `make check`), fails if either browser rejects one, and stores their answers to our
# subscriber offers in tests/data/rtc/. Run by hand: sh tests/data/rtc/capture/verify-sdp.sh BUILDDIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/.." && pwd)
tool=$(cd "${1:?build directory}" && pwd)/tests/unit/rtc/rtc-sdp-tool
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
status=0

python3 "$here/capture-server.py" "$port" "$out" 60 verify.html "$tool" &
srv=$!
sleep 1
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$tmp/chrome" --use-fake-ui-for-media-stream \
  --use-fake-device-for-media-stream --remote-debugging-port=0 "http://127.0.0.1:$port/?prefix=chromium" \
  >"$tmp/chromium.log" 2>&1 &
browser=$!
wait "$srv" || status=1
kill "$browser" 2>/dev/null || true
wait "$browser" 2>/dev/null || true

python3 "$here/capture-server.py" "$port" "$out" 90 verify.html "$tool" &
srv=$!
mkdir -p "$tmp/ff" "$tmp/home"
cat >"$tmp/ff/user.js" <<PREFS
user_pref("media.navigator.streams.fake", true);
user_pref("media.navigator.permission.disabled", true);
user_pref("media.devices.insecure.enabled", true);
user_pref("media.getusermedia.insecure.enabled", true);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("app.update.enabled", false);
PREFS
sleep 1
HOME="$tmp/home" MOZ_HEADLESS=1 firefox-esr --headless --no-remote --profile "$tmp/ff" \
  "http://127.0.0.1:$port/?prefix=firefox" >"$tmp/firefox.log" 2>&1 &
browser=$!
wait "$srv" || status=1
kill "$browser" 2>/dev/null || true
wait "$browser" 2>/dev/null || true
exit $status
