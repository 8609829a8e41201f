#!/bin/bash
# talk-signaling as a daemon: the shipped configuration, start-up, the HTTP headers Talk
# checks, internal clients talking through one node and across two nodes over a real
# nats-server, SIGHUP with live sessions, SIGTERM closing every WebSocket with 1001.
# (Protocol behaviour against emulated Nextclouds: signaling-acceptance.sh.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PY=/usr/bin/python3
BIN=$(t_bin talk-signaling)
SECRET=smoke-internal-secret-$RANDOM$RANDOM

check "talk-signaling is built" test -x "$BIN"
check "etc/signaling.cfg equals --dump-default-config" \
  "$TOP_SRCDIR/scripts/check-default-config.sh" "$BIN" "$TOP_SRCDIR/etc/signaling.cfg"

mkdir -p "$T_DIR/shipped/secrets"
cp "$TOP_SRCDIR/etc/signaling.cfg" "$TOP_SRCDIR/etc/talk.cfg" "$T_DIR/shipped/"
for s in turn-secret signaling-internal-secret; do echo "x" >"$T_DIR/shipped/secrets/$s"; done
check "the shipped files pass --check-config" \
  env -u CREDENTIALS_DIRECTORY "$BIN" --config "$T_DIR/shipped/signaling.cfg" --check-config

# node DIR PORT NATS_URL: writes the configuration of one node
node() {
  mkdir -p "$1/secrets"
  printf %s "$SECRET" >"$1/secrets/internal"
  printf %s "smoke-hash-key" >"$1/secrets/hash"
  printf %s "secret" >"$1/secrets/backend"
  cat >"$1/signaling.cfg" <<CFG
http = { listen = "127.0.0.1:$2"; };
backends = ( { id = "cloud"; urls = [ "https://cloud.example.com/" ]; secret_file = "backend"; } );
clients = { internal_secret_file = "internal"; };
sessions = { hash_key_file = "hash"; block_key_file = "hash"; };
CFG
  printf 'nats = { url = "%s"; };\nturn = { secret_file = ""; };\n' "$3" >"$1/talk.cfg"
}

P1=$(t_free_port)
node "$T_DIR/a" "$P1" loopback
t_start node-a env -u CREDENTIALS_DIRECTORY "$BIN" --config "$T_DIR/a/signaling.cfg"
A_PID=$T_LAST_PID
check "node a listens" t_wait_port "$P1" t 20

headers() {
  curl -sS -D - -o /dev/null "http://127.0.0.1:$1/api/v1/welcome" | tr -d '\r' >"$T_DIR/headers"
  grep -q '^server: nextcloud-spreed-signaling/' "$T_DIR/headers" &&
    grep -qi '^date: ' "$T_DIR/headers" &&
    grep -i '^x-spreed-signaling-features:' "$T_DIR/headers" | grep -q 'hello-v2' &&
    grep -i '^x-spreed-signaling-features:' "$T_DIR/headers" | grep -q 'incall-all'
}
check "welcome endpoint carries Server, Date and the features header" headers "$P1"
check "stats from loopback" sh -c "curl -sf http://127.0.0.1:$P1/api/v1/stats | grep -q sessions"
check "metrics from loopback" sh -c "curl -sf http://127.0.0.1:$P1/metrics | grep -q signaling_sessions"

CLIENT="$TOP_SRCDIR/tests/integration/tools/signaling-smoke-client.py"
check "two internal clients exchange messages on one node" \
  $PY "$CLIENT" --secret "$SECRET" pair "ws://127.0.0.1:$P1/spreed" "ws://127.0.0.1:$P1/spreed"

# SIGHUP with a live session, then SIGTERM: the client sees 1001.
$PY "$CLIENT" --secret "$SECRET" hold "ws://127.0.0.1:$P1/spreed" >"$T_DIR/hold.out" 2>&1 &
HOLD=$!
sleep 1
kill -HUP "$A_PID"
sleep 0.5
check "node a survives SIGHUP" kill -0 "$A_PID"
check "welcome still served after reload" headers "$P1"
kill -TERM "$A_PID"
wait "$HOLD"
check "SIGTERM closes client WebSockets with 1001" grep -q "closed 1001" "$T_DIR/hold.out"
wait_exit() { for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done; return 1; }
check "node a exits after SIGTERM" wait_exit "$A_PID"

# Two nodes over a real nats-server share rooms and sessions.
if t_start_nats; then
  P2=$(t_free_port)
  P3=$(t_free_port)
  node "$T_DIR/b" "$P2" "$NATS_URL"
  node "$T_DIR/c" "$P3" "$NATS_URL"
  t_start node-b env -u CREDENTIALS_DIRECTORY "$BIN" --config "$T_DIR/b/signaling.cfg"
  t_start node-c env -u CREDENTIALS_DIRECTORY "$BIN" --config "$T_DIR/c/signaling.cfg"
  t_wait_port "$P2" t 20 && t_wait_port "$P3" t 20
  check "internal clients on two nodes exchange messages over NATS" \
    $PY "$CLIENT" --secret "$SECRET" pair "ws://127.0.0.1:$P2/spreed" "ws://127.0.0.1:$P3/spreed"
else
  t_count fail "nats-server starts"
fi

finish
