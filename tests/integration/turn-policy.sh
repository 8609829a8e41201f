#!/bin/bash
# Peer-address policy (spec §7): with allow_loopback off, relaying to a 127.0.0.1 peer must
# fail (403 on CreatePermission/ChannelBind, nothing reaches the peer), and every address of
# the spec §9 filter list is refused with 403, whatever its spelling (IPv4-mapped,
# -compatible, NAT64, 6to4). Always-denied ranges stay denied even with allow_loopback on.
# The server logs the rejection and counts it in its metrics.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/turn-lib.sh"

PROBE=$(tt_tool turn-probe)
[ -n "$PROBE" ] || { echo "turn-probe not built (make check builds it)"; T_FAILED=1; finish; exit 1; }

check "server (allow_loopback off) starts" tt_start turn allow_loopback=0
tt_start_peer
user=$(tt_rest_user 3600 policy)
password=$(tt_rest_password "$TURN_SECRET" "$user")
probe() {
  timeout 30 "$PROBE" --server "127.0.0.1:$TURN_PORT" --user "$user" --password "$password" allocate 0 "$@"
}

if [ "$TURN_IMPL" = talk-turn ]; then
  denied_before=$(tt_metric talk_turn_denied_peers_total 2>/dev/null || echo 0)
fi

W=(-W "$TURN_SECRET" -e 127.0.0.1 -r "$PEER_PORT")
check "uclient UDP (ChannelBind) to a loopback peer gets nothing through" tt_uclient_blocked "${W[@]}" -c
check "uclient saw 403 for the loopback peer" grep -q "403" "$T_DIR/uclient.out"
check "uclient UDP -s (CreatePermission + Send) to a loopback peer gets nothing through" tt_uclient_blocked "${W[@]}" -s -c
check "uclient TCP to a loopback peer gets nothing through" tt_uclient_blocked "${W[@]}" -t
# Relaying to the server's own relay address must work (spec §8: uclient -y, two Talk clients
# behind one server), even though that address is 127.0.0.1 here. coturn 4.6.1 refuses it.
if [ "$TURN_IMPL" = coturn ]; then
  check "uclient -y (peer = own relay address on 127.0.0.1) refused by coturn" tt_uclient_blocked -W "$TURN_SECRET" -y
else
  check "uclient -y (peer = own relay address) still relays, zero loss (spec §8)" tt_uclient_ok -W "$TURN_SECRET" -y
fi
check "CreatePermission/ChannelBind to 127.0.0.1 -> 403" \
  probe permission "127.0.0.1:$PEER_PORT" 403 channelbind 0x4000 "127.0.0.1:$PEER_PORT" 403 permission 127.1.2.3 403

# coturn 4.6.1 answers 443 for IPv6 peers on an IPv4 relay instead of decoding the embedded
# IPv4 address, and relays to link-local/multicast/private peers unless told otherwise; our
# spec requires 403 for all of these.
if [ "$TURN_IMPL" = coturn ]; then V6=403,443; else V6=403; fi
check "spec §9 filter list, IPv4 spellings -> 403" probe permission 0.0.0.0 403 permission 0.0.0.0:3478 403
check "spec §9 filter list, IPv6 spellings of loopback/unspecified -> 403" \
  probe permission :: "$V6" permission ::1 "$V6" permission ::ffff:127.0.0.1 "$V6" \
  permission ::127.0.0.1 "$V6" permission 64:ff9b::7f00:1 "$V6" permission 2002:7f00:1:: "$V6" \
  channelbind 0x4001 "[::ffff:127.0.0.1]:$PEER_PORT" "$V6"
if [ "$TURN_IMPL" = coturn ]; then
  tt_skip "link-local, multicast, private and metadata peers -> 403" "coturn relays to them by default"
else
  check "link-local, metadata, multicast, broadcast -> 403" \
    probe permission 169.254.169.254 403 permission 169.254.1.1 403 permission fe80::1 403 \
    permission 224.0.0.1 403 permission 239.255.255.250 403 permission 255.255.255.255 403 permission ff02::1 403
  check "private and special ranges denied by default -> 403" \
    probe permission 10.0.0.1 403 permission 172.16.0.1 403 permission 192.168.1.1 403 \
    permission 100.64.0.1 403 permission 198.18.0.1 403 permission fc00::1 403 permission ::ffff:10.0.0.1 403
  check "peer port 0 -> refused" probe channelbind 0x4003 192.0.2.1:0 err
fi
# Spec §7.9: every rejection is logged with the peer (coturn logs the 403 without the peer).
log_names_denied_peer() {
  local ip='127\.0\.0\.1'
  [ "$TURN_IMPL" = coturn ] && ip=.
  tt_server_log | grep -Ei '403|forbidden|denied|refus' | grep "$ip" | tail -n 3 | grep .
}
check "server log records the refused loopback peer" log_names_denied_peer
if [ "$TURN_IMPL" = talk-turn ]; then
  denied_metric_grew() {
    local after
    after=$(tt_metric talk_turn_denied_peers_total) || { echo "metric talk_turn_denied_peers_total missing"; return 1; }
    echo "denied peers: before=$denied_before after=$after"
    [ "${after%.*}" -gt "${denied_before%.*}" ]
  }
  check "denied-peer metric increased" denied_metric_grew
else
  tt_skip "denied-peer metric increased" "coturn 4.6.1 (Debian) has no metrics endpoint"
fi
check "server still alive, no sanitizer report" tt_server_healthy

# Always-denied ranges are not opened by the loopback development switch.
kill "$TURN_PID"
check "server (allow_loopback on) starts" tt_start turn2 allow_loopback=1
if [ "$TURN_IMPL" = coturn ]; then
  tt_skip "allow_loopback keeps link-local/multicast/unspecified denied" "coturn allows link-local/multicast"
  check "allow_loopback: loopback peer allowed, 0.0.0.0 still denied" \
    probe permission "127.0.0.1:$PEER_PORT" 0 permission 0.0.0.0 403
else
  check "allow_loopback: loopback allowed; unspecified, link-local, multicast still 403" \
    probe permission "127.0.0.1:$PEER_PORT" 0 permission 0.0.0.0 403 permission 169.254.169.254 403 \
    permission 224.0.0.1 403 permission fe80::1 403 permission :: 403
  check "CreatePermission with an allowed and a refused peer -> 403 (all or nothing)" \
    probe permission "127.0.0.1:$PEER_PORT,10.0.0.1" 403
fi
check "allow_loopback: uclient via loopback peer relays with zero loss" tt_uclient_ok "${W[@]}" -c
check "server still alive, no sanitizer report" tt_server_healthy
finish
