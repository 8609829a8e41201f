#!/bin/bash
# Interop: Debian's nextcloud-spreed-signaling (0.4.1) configured with talk-sfu as its Janus
# MCU accepts it: it connects over janus-protocol, reads `info` (data channels, the
# VideoRoom plugin), creates its session and master handle, and talk-sfu holds exactly
# those. When the signaling server goes away, talk-sfu destroys what it created.
. "$(dirname "$0")/lib.sh"

BIN=$(t_bin talk-sfu)
SIGNALING=$(command -v nextcloud-spreed-signaling-server || true)
if [ -z "$BIN" ] || [ -z "$SIGNALING" ] || ! command -v nats-server >/dev/null; then
  echo "needs talk-sfu, nextcloud-spreed-signaling-server and nats-server"
  T_FAILED=1
  finish
  exit 1
fi

sed -e "s|@pkgsysconfdir[@]|$T_DIR|g" -e "s|@sysconfdir[@]|$T_DIR|g" "$TOP_SRCDIR/etc/talk.cfg" >"$T_DIR/talk.cfg"
SFU_PORT=$(t_free_port)
METRICS=$(t_free_port)
printf 'janus: { listen = "127.0.0.1:%s"; };\nmetrics: { listen = "127.0.0.1:%s"; };\n' "$SFU_PORT" "$METRICS" >"$T_DIR/sfu.cfg"
t_start sfu "$BIN" --config "$T_DIR/sfu.cfg"
t_wait_port "$SFU_PORT" t 20
t_start_nats
SIG_PORT=$(t_free_port)
cat >"$T_DIR/server.conf" <<CONF
[http]
listen = 127.0.0.1:$SIG_PORT
[sessions]
hashkey = $(openssl rand -hex 16)
blockkey = $(openssl rand -hex 8)
[clients]
internalsecret = $(openssl rand -hex 16)
[backend]
allowall = true
secret = $(openssl rand -hex 16)
[nats]
url = $NATS_URL
[mcu]
type = janus
url = ws://127.0.0.1:$SFU_PORT
CONF
t_start signaling "$SIGNALING" -config "$T_DIR/server.conf"
SIG_PID=$T_LAST_PID

wait_log() { # pattern: bounded wait for a line in the signaling log
  for _ in $(seq 200); do
    grep -q "$1" "$T_DIR/signaling.log" && return 0
    sleep 0.1
  done
  cat "$T_DIR/signaling.log"
  return 1
}
check "signaling server connects and reads info" wait_log "Connected to talk-sfu"
check "it finds the VideoRoom plugin" grep -q "Found talk-sfu VideoRoom" "$T_DIR/signaling.log"
check "it accepts the data channel support" grep -q "Data channels are supported" "$T_DIR/signaling.log"
check "it creates its Janus session and handle" wait_log "Created Janus handle"
check "it uses talk-sfu as its MCU" wait_log "Using janus MCU"
metric() { curl -fsS "http://127.0.0.1:$METRICS/metrics" | grep -q "^$1 $2\$"; }
check "talk-sfu holds one session and one handle" bash -c "$(declare -f metric); METRICS=$METRICS; metric talk_sfu_sessions 1 && metric talk_sfu_handles 1"
check_fails "no MCU errors in the signaling log" grep -Ei "error|refus|not supported" "$T_DIR/signaling.log"
kill "$SIG_PID"
gone() {
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$METRICS/metrics" | grep -q '^talk_sfu_sessions 0$' && return 0
    sleep 0.1
  done
  return 1
}
check "its session is destroyed when the signaling server goes away" gone
finish
