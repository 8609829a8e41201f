#!/bin/bash
# Interop of libtalk-rtc's WebRtcTransport with a real browser (headless Chromium, fake
# microphone) in a private network namespace (testing.md recipe): the browser offers audio
# + a "status" data channel, our transport answers as the SFU answers publishers (DTLS
# passive, full ICE and ICE-lite), then SRTP audio must arrive and a data channel message
# must come back; the same with Firefox ESR (full ICE). Also prints the SRTP profile each
# browser negotiated (GCM or AES-CM). Needs root (ip netns), chromium and firefox-esr.
. "$(dirname "$0")/lib.sh"

PEER="$TOP_BUILDDIR/tests/integration/tools/rtc-browser-peer"
NS="talk-rtc-$$"
ADDR=10.99.0.1
cleanup_ns() {
  local pids
  pids=$(ip netns pids "$NS" 2>/dev/null)
  [ -n "$pids" ] && kill -9 $pids 2>/dev/null
  ip netns del "$NS" 2>/dev/null
}
trap 'cleanup_ns; t_cleanup' EXIT

setup_ns() {
  [ -x "$PEER" ] || { echo "rtc-browser-peer not built"; return 1; }
  command -v chromium >/dev/null || { echo "chromium not installed"; return 1; }
  ip netns add "$NS" &&
    ip netns exec "$NS" ip link set lo up &&
    ip netns exec "$NS" ip link add v0 type veth peer name v1 &&
    ip netns exec "$NS" ip addr add $ADDR/24 dev v0 &&
    ip netns exec "$NS" ip addr add 10.99.0.2/24 dev v1 &&
    ip netns exec "$NS" ip link set v0 up && ip netns exec "$NS" ip link set v1 up
}

browser_call() {
  local mode=$1 port profile_dir log
  port=$(t_free_port)
  profile_dir=$(mktemp -d "$T_DIR/chromium.XXXXXX")
  log="$T_DIR/browser-$mode.log"
  local lite=()
  [ "$mode" = lite ] && lite=(--lite)
  timeout 60 ip netns exec "$NS" python3 "$TOP_SRCDIR/tests/integration/rtc-transport-browser.py" \
    --address $ADDR --port "$port" --peer "$PEER" "${lite[@]}" --timeout 40 >"$log" 2>&1 &
  local server=$!
  for _ in $(seq 50); do grep -q listening "$log" 2>/dev/null && break; sleep 0.1; done
  if [ "${2:-chromium}" = firefox ]; then
    cat >"$profile_dir/user.js" <<PREFS
user_pref("media.navigator.streams.fake", true);
user_pref("media.navigator.permission.disabled", true);
user_pref("media.devices.insecure.enabled", true);
user_pref("media.getusermedia.insecure.enabled", true);
PREFS
    HOME="$profile_dir" MOZ_HEADLESS=1 timeout 50 ip netns exec "$NS" firefox-esr --headless --no-remote \
      --profile "$profile_dir" "http://$ADDR:$port/" >"$T_DIR/firefox-$mode.log" 2>&1 &
  else
    timeout 50 ip netns exec "$NS" chromium --headless --no-sandbox --disable-gpu --disable-quic \
      --no-first-run --disable-background-networking --disable-component-update --disable-sync \
      --user-data-dir="$profile_dir" --use-fake-ui-for-media-stream --use-fake-device-for-media-stream \
      --unsafely-treat-insecure-origin-as-secure=http://$ADDR:$port --remote-debugging-port=0 \
      "http://$ADDR:$port/" >"$T_DIR/chromium-$mode.log" 2>&1 &
  fi
  local browser=$!
  wait "$server"
  local rc=$?
  kill "$browser" 2>/dev/null
  wait "$browser" 2>/dev/null
  grep -E '^(peer: (connected|datachannel|message|RESULT|failed)|browser: |verdict)' "$log"
  return $rc
}

check "network namespace with a veth pair" setup_ns
check "Chromium -> WebRtcTransport (full ICE): SRTP audio arrives, data channel echoes" browser_call full
grep -E 'peer: (connected|RESULT)|browser: echo' "$T_DIR/check.out" | sed 's/^/#   /'
check "Chromium -> WebRtcTransport (ICE-lite): SRTP audio arrives, data channel echoes" browser_call lite
grep -E 'peer: (connected|RESULT)|browser: echo' "$T_DIR/check.out" | sed 's/^/#   /'
check "Firefox ESR -> WebRtcTransport (full ICE): SRTP audio arrives, data channel echoes" browser_call full firefox
grep -E 'peer: (connected|RESULT)|browser: echo' "$T_DIR/check.out" | sed 's/^/#   /'
finish
