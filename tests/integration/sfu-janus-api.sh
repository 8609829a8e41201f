#!/bin/bash
# talk-sfu's Janus WebSocket API, driven over real WebSockets (python3-websockets):
# configuration checks, info, the control-plane flow (rooms, joins, 428 before webrtcup,
# trickle before SDP, destroy/detach idempotency), core and plugin error codes, malformed
# and oversized input (the daemon keeps serving other sessions), connection loss cleanup,
# session expiry, metrics, SIGHUP and SIGTERM.
. "$(dirname "$0")/lib.sh"

BIN=$(t_bin talk-sfu)
PROBE="/usr/bin/python3 $TOP_SRCDIR/tests/integration/tools/janus-probe.py"
if [ -z "$BIN" ]; then
  echo "talk-sfu not built under $TOP_BUILDDIR/src"
  T_FAILED=1
  finish
  exit 1
fi

# --- configuration ---------------------------------------------------------------------
shipped="$T_DIR/shipped"
mkdir -p "$shipped/secrets"
for f in sfu.cfg talk.cfg; do
  sed -e "s|@pkgsysconfdir[@]|$shipped|g" -e "s|@sysconfdir[@]|$shipped|g" "$TOP_SRCDIR/etc/$f" >"$shipped/$f"
done
openssl rand -hex 32 >"$shipped/secrets/turn-secret"
check "--check-config accepts the shipped etc/sfu.cfg" "$BIN" --config "$shipped/sfu.cfg" --check-config
check "etc/sfu.cfg equals --dump-default-config" "$TOP_SRCDIR/scripts/check-default-config.sh" "$BIN" "$TOP_SRCDIR/etc/sfu.cfg"

bad="$T_DIR/bad"
mkdir -p "$bad"
cp "$shipped/talk.cfg" "$bad/"
printf 'janus: { listen = "nowhere"; };\n' >"$bad/sfu.cfg"
bad_listen() {
  "$BIN" --config "$bad/sfu.cfg" --check-config >"$T_DIR/bad.out" 2>&1
  [ $? -eq 78 ] && grep -q "sfu.cfg:1.*janus.listen" "$T_DIR/bad.out"
}
check "a bad janus.listen exits 78 naming file:line: key" bad_listen
printf 'janus: { tokens_file = "missing-tokens"; };\n' >"$bad/sfu.cfg"
bad_tokens() {
  "$BIN" --config "$bad/sfu.cfg" --check-config >"$T_DIR/bad.out" 2>&1
  [ $? -eq 78 ] && grep -q "janus.tokens_file" "$T_DIR/bad.out"
}
check "a missing tokens file exits 78" bad_tokens

# --- a running daemon --------------------------------------------------------------------
start_sfu() { # name session_timeout [metrics]
  local dir="$T_DIR/$1" attempt
  mkdir -p "$dir"
  cp "$shipped/talk.cfg" "$dir/"
  # Free ports are only likely free (other tests and ephemeral client ports race us):
  # a daemon that could not bind is started again on new ones.
  for attempt in 1 2 3; do
    PORT=$(t_free_port)
    METRICS=$(t_free_port)
    echo "janus: { listen = \"127.0.0.1:$PORT\"; session_timeout = $2; };" >"$dir/sfu.cfg"
    [ "${3:-}" = metrics ] && echo "metrics: { listen = \"127.0.0.1:$METRICS\"; };" >>"$dir/sfu.cfg"
    t_start "$1" "$BIN" --config "$dir/sfu.cfg"
    SFU_PID=$T_LAST_PID
    t_wait_port "$PORT" t 20 && kill -0 "$SFU_PID" 2>/dev/null && return 0
    cat "$T_DIR/$1.log" >>"$T_DIR/$1-failed-starts.txt"
    kill "$SFU_PID" 2>/dev/null
  done
  return 1
}

start_sfu sfu 60 metrics
URL="ws://127.0.0.1:$PORT/"
for scenario in info no_subprotocol control_plane errors malformed connection_close concurrency; do
  check "janus api: $scenario" $PROBE "$URL" "$scenario"
done
metrics_count() {
  curl -fsS "http://127.0.0.1:$METRICS/metrics" >"$T_DIR/metrics.txt" || return 1
  grep -q '^talk_sfu_sessions ' "$T_DIR/metrics.txt" && grep -q '^talk_sfu_janus_requests [1-9]' "$T_DIR/metrics.txt" &&
    grep -q '^talk_sfu_janus_errors [1-9]' "$T_DIR/metrics.txt" && grep -q 'talk_sfu_streams{role="publisher"}' "$T_DIR/metrics.txt"
}
check "metrics count sessions, requests and errors" metrics_count
check "SIGHUP reloads and the API still answers" bash -c "kill -HUP $SFU_PID && sleep 0.5 && $PROBE $URL info"
graceful_stop() {
  kill -TERM "$SFU_PID"
  for _ in $(seq 100); do
    kill -0 "$SFU_PID" 2>/dev/null || break
    sleep 0.1
  done
  ! kill -0 "$SFU_PID" 2>/dev/null && wait "$SFU_PID"
}
check "SIGTERM exits 0" graceful_stop

start_sfu sfu-timeout 1
check "janus api: session_timeout" $PROBE "ws://127.0.0.1:$PORT/" session_timeout
finish
