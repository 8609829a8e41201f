#!/bin/bash
# IPv6 (RFC 6156, RFC 8656 dual allocation) end to end over ::1: listeners and relays on
# both loopback addresses, coturn's uclient with -x (IPv6 relay), -X (IPv4 relay) and -Z
# (dual allocation) relaying to IPv6 and IPv4 echo peers with zero loss, over UDP and TCP;
# REQUESTED-ADDRESS-FAMILY / ADDITIONAL-ADDRESS-FAMILY selection and its errors (440 for an
# unknown or unserved family, 400 for both attributes, 443 for a peer or Refresh of the
# other family) with turn-probe; relays of the host's own addresses when relay.addresses
# is empty. The peer policy's IPv6 table (spec §7) is in turn-ipv6-policy.sh. With
# TURN_IMPL=coturn the same checks run against coturn 4.6.1, except where it deviates from
# RFC 8656 (skipped, see rfc_check).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/turn-lib.sh"

PROBE=$(tt_tool turn-probe)
[ -n "$PROBE" ] || { echo "turn-probe not built (make check builds it)"; T_FAILED=1; finish; exit 1; }
if ! ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then
  tt_skip "IPv6 over ::1" "no ::1 on this host (IPv6 disabled)"
  finish
  exit 0
fi

check "server with [::1] listeners and relays 127.0.0.1 + ::1 starts" tt_start turn ipv6=1 allow_loopback=1
tt_start_peer ::1
PEER6=$PEER_PORT
tt_start_peer 127.0.0.1
PEER4=$PEER_PORT
user=$(tt_rest_user 3600 ipv6)
password=$(tt_rest_password "$TURN_SECRET" "$user")
# probe SERVER STEP...: one allocation per call, on the given listener. coturn 4.6.1 knows
# ADDITIONAL-ADDRESS-FAMILY only by its draft code point (talk-turn accepts both).
ADDITIONAL=0x8000
[ "$TURN_IMPL" = coturn ] && ADDITIONAL=0x8032
probe() {
  local server=$1
  shift
  timeout 40 "$PROBE" --server "$server" --user "$user" --password "$password" --additional-type "$ADDITIONAL" "$@"
}
V6="[::1]:$TURN_PORT"
V4="127.0.0.1:$TURN_PORT"

# The server must have relayed on an IPv6 relayed address: its log names the allocation.
relay_v6_logged() {
  tt_server_log | grep -q 'allocation created.*client=\[::1\].*relay=\[::1\]:'
}
export TT_SERVER_HOST=::1
check "uclient -x over [::1] UDP: IPv6 relay, IPv6 peer, channels, zero loss" \
  tt_uclient_ok -W "$TURN_SECRET" -x -e ::1 -r "$PEER6" -c -m 4 -n 50 -l 120
if [ "$TURN_IMPL" = coturn ]; then
  tt_skip "server log shows the IPv6 client and its IPv6 relayed address" "talk-turn's log format"
else
  check "server log shows the IPv6 client and its IPv6 relayed address" relay_v6_logged
fi
check "uclient -x -s over [::1] UDP: Send/Data indications, zero loss" \
  tt_uclient_ok -W "$TURN_SECRET" -x -s -e ::1 -r "$PEER6" -c -m 2 -n 50
check "uclient -x -t over [::1] TCP: IPv6 relay, zero loss" \
  tt_uclient_ok -W "$TURN_SECRET" -x -t -e ::1 -r "$PEER6" -c -m 2 -n 50
check "uclient -Z over [::1]: dual allocation, zero loss" \
  tt_uclient_ok -W "$TURN_SECRET" -Z -e ::1 -r "$PEER6" -m 2 -n 50
check "uclient -X over [::1]: IPv4 relay for an IPv6 client, IPv4 peer, zero loss" \
  tt_uclient_ok -W "$TURN_SECRET" -X -e 127.0.0.1 -r "$PEER4" -c -m 2 -n 50
unset TT_SERVER_HOST
check "uclient -x over 127.0.0.1: IPv6 relay for an IPv4 client, zero loss" \
  tt_uclient_ok -W "$TURN_SECRET" -x -e ::1 -r "$PEER6" -c -m 2 -n 50

check "REQUESTED-ADDRESS-FAMILY IPv6: IPv6 relay, data both ways, IPv4 peer -> 443, Refresh IPv4 -> 443" \
  probe "$V6" allocate-family 6 0 relays 6 permission "[::1]:$PEER6" 0 send "[::1]:$PEER6" \
  channelbind 0x4000 "[::1]:$PEER6" 0 channeldata 0x4000 "[::1]:$PEER6" \
  permission "127.0.0.1:$PEER4" 443 channelbind 0x4001 "127.0.0.1:$PEER4" 443 \
  refresh-family 4 600 443 refresh-family 6 600 0
check "REQUESTED-ADDRESS-FAMILY IPv4 over the IPv6 listener: IPv4 relay, IPv6 peer -> 443" \
  probe "$V6" allocate-family 4 0 relays 4 permission "127.0.0.1:$PEER4" 0 send "127.0.0.1:$PEER4" \
  permission "[::1]:$PEER6" 443
check "no family attribute: IPv4 relay (RFC 6156 default), also for an IPv6 client" \
  probe "$V6" allocate 0 relays 4
check "unknown family byte 0x03 -> 440" probe "$V6" allocate-family 3 440
check "REQUESTED- and ADDITIONAL-ADDRESS-FAMILY together -> 400" probe "$V6" allocate-conflict 400
# coturn 4.6.1 deviates from RFC 8656 in the next checks (skipped for it): a family-specific
# Refresh with LIFETIME 0 deletes nothing, a dual Allocate on an IPv4-only server gets two
# IPv4 relayed addresses and no ADDRESS-ERROR-CODE, and an IPv6-only server adds a
# 0.0.0.0:0 relayed address to IPv6 and dual allocations.
rfc_check() {
  if [ "$TURN_IMPL" = coturn ]; then
    tt_skip "$1" "coturn 4.6.1 deviates from RFC 8656 here"
  else
    check "$@"
  fi
}
rfc_check "dual allocation: two relays, data over both, Refresh of one family deletes only it" \
  probe "$V4" allocate-dual 0 relays 4,6 permission "[::1]:$PEER6,127.0.0.1:$PEER4" 0 \
  send "[::1]:$PEER6" send "127.0.0.1:$PEER4" channelbind 0x4002 "[::1]:$PEER6" 0 \
  channeldata 0x4002 "[::1]:$PEER6" refresh-family 6 0 0 permission "[::1]:$PEER6" 443 \
  refresh-family 6 600 443 send "127.0.0.1:$PEER4" refresh 0 0
check "server still alive, no sanitizer report" tt_server_healthy
kill "$TURN_PID"

# Only an IPv4 relay address: IPv6 requests get 440, dual ones an IPv4 relay and an
# ADDRESS-ERROR-CODE for IPv6.
check "server with an IPv4 relay only starts" tt_start v4only ipv6=1 relays=127.0.0.1 allow_loopback=1
check "IPv4-only relay: family IPv6 -> 440" \
  probe "[::1]:$TURN_PORT" allocate-family 6 440
rfc_check "IPv4-only relay: dual -> IPv4 relay + ADDRESS-ERROR-CODE 440 for IPv6" \
  probe "[::1]:$TURN_PORT" allocate-dual 0 relays 4 address-error 6 440
check "uclient -x against an IPv4-only relay gets nothing through" \
  tt_uclient_blocked -W "$TURN_SECRET" -x -e ::1 -r "$PEER6" -c -n 5
kill "$TURN_PID"

check "server with an IPv6 relay only starts" tt_start v6only ipv6=1 relays=::1 allow_loopback=1
rfc_check "IPv6-only relay: no family (IPv4 default) -> 440, IPv4 -> 440, IPv6 -> relay" \
  probe "[::1]:$TURN_PORT" allocate 440 allocate-family 4 440 allocate-family 6 0 relays 6 \
  permission "[::1]:$PEER6" 0 send "[::1]:$PEER6"
rfc_check "IPv6-only relay: dual -> IPv6 relay + ADDRESS-ERROR-CODE 440 for IPv4" \
  probe "127.0.0.1:$TURN_PORT" allocate-dual 0 relays 6 address-error 4 440
kill "$TURN_PID"

# relay.addresses = [] relays on the host's own addresses, one per family it has (spec
# default config): expect an IPv6 relay exactly when the host has a usable IPv6 address.
host_v6=$(ip -6 -o addr show scope global 2>/dev/null | grep -v -e tentative -e deprecated -e dadfailed |
  awk '{ sub("/.*", "", $4); print $4; exit }')
check "server with relay.addresses = [] starts" tt_start hostrelays ipv6=1 relays=default allow_loopback=1
if [ -n "$host_v6" ]; then
  check "default relays: IPv6 requested -> a relayed address on the host's IPv6 ($host_v6 or another)" \
    probe "[::1]:$TURN_PORT" allocate-family 6 0 relays 6
  check "default relays: dual -> both families" probe "[::1]:$TURN_PORT" allocate-dual 0 relays 4,6
else
  check "default relays: host without global IPv6 -> 440" probe "[::1]:$TURN_PORT" allocate-family 6 440
fi
check "default relays: IPv4 -> relayed" probe "127.0.0.1:$TURN_PORT" allocate-family 4 0 relays 4
check "server still alive, no sanitizer report" tt_server_healthy
finish
