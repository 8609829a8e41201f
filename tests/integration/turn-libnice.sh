#!/bin/bash
# libnice (the ICE agent inside Janus, Talk's HPB media server) against the TURN server under
# test: it must gather a RELAYED candidate in the server's relay range over UDP and TCP with
# TURN REST credentials, and an ICE session forced through that relay must reach READY and
# carry 50 packets each way (over TCP libnice pads ChannelData to 4 bytes, spec §6).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/turn-lib.sh"

PROBE=$(tt_tool nice-relay-probe)
if [ -z "$PROBE" ]; then
  echo "nice-relay-probe not built (make check builds it)"
  T_FAILED=1
  finish
  exit 1
fi

check "server starts and answers Binding" tt_start turn allow_loopback=1
user=$(tt_rest_user 86400 "$(openssl rand -hex 8)")
password=$(tt_rest_password "$TURN_SECRET" "$user")

# Gathers with libnice; passes when a relayed candidate on 127.0.0.1 in the relay range shows up.
nice_gathers() {
  local transport=$1 out port
  out=$(timeout 30 "$PROBE" --server 127.0.0.1 --port "$TURN_PORT" --user "$user" \
    --password "$password" --transport "$transport" --timeout 15 2>&1)
  local rc=$?
  echo "$out"
  [ "$rc" -eq 0 ] || return 1
  port=$(sed -n 's/^relayed 127\.0\.0\.1:\([0-9]*\)$/\1/p' <<<"$out" | head -n1)
  [ -n "$port" ] && [ "$port" -ge "$RELAY_MIN" ] && [ "$port" -le "$RELAY_MAX" ] ||
    { echo "relayed port '$port' not in $RELAY_MIN-$RELAY_MAX"; return 1; }
}

nice_connects() {
  timeout 40 "$PROBE" --server 127.0.0.1 --port "$TURN_PORT" --user "$user" \
    --password "$password" --transport "$1" --timeout 25 --connect --packets 50 2>&1
}

check "libnice gathers a relayed candidate over TURN/UDP" nice_gathers udp
check "libnice gathers a relayed candidate over TURN/TCP" nice_gathers tcp
check "libnice ICE through the relay (TURN/UDP), 50 packets each way" nice_connects udp
check "libnice ICE through the relay (TURN/TCP, padded ChannelData), 50 packets each way" nice_connects tcp
password=$(tt_rest_password "wrong-$TURN_SECRET" "$user")
check_fails "libnice with a wrong REST password gathers no relayed candidate" nice_gathers udp
check "server still alive, no sanitizer report" tt_server_healthy
finish
