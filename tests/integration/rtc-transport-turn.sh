#!/bin/bash
# libtalk-rtc's WebRtcTransport behind TURN (the load tools' and recorder's client side):
# a transport forced through a relay of the TURN server under test (TURN_IMPL=talk-turn or
# coturn, see turn-lib.sh) reaches a host-candidate peer over UDP and TCP to the relay;
# DTLS, SRTP and a data channel run end to end through it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/turn-lib.sh"

PROBE=$(tt_tool rtc-transport-probe)
if [ -z "$PROBE" ]; then
  echo "rtc-transport-probe not built (make check builds it)"
  T_FAILED=1
  finish
  exit 1
fi

check "server starts and answers Binding" tt_start turn allow_loopback=1
user=$(tt_rest_user 86400 "$(openssl rand -hex 8)")
password=$(tt_rest_password "$TURN_SECRET" "$user")

through_relay() {
  timeout 60 "$PROBE" --server 127.0.0.1 --port "$TURN_PORT" --user "$user" --password "$password" \
    --transport "$1" --packets 50 --timeout 30 2>&1
}

check "WebRtcTransport through TURN/UDP: relayed pair, SRTP both ways, data channel" through_relay udp
check "WebRtcTransport through TURN/TCP: relayed pair, SRTP both ways, data channel" through_relay tcp
password=$(tt_rest_password "wrong-$TURN_SECRET" "$user")
check_fails "a wrong TURN password gives no relayed path" through_relay udp
check "server still alive, no sanitizer report" tt_server_healthy
finish
