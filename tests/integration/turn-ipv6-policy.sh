#!/bin/bash
# The peer policy's IPv6 table (spec §7) through real IPv6 allocations over ::1: with
# allow_loopback off, every IPv6 spelling of a forbidden destination is refused with 403 on
# CreatePermission and ChannelBind of an IPv6 (and a dual) allocation: loopback and
# unspecified, IPv4-mapped, IPv4-compatible, NAT64, 6to4 and Teredo forms of loopback,
# private and metadata IPv4 addresses, ULA, site-local, link-local, multicast and
# documentation prefixes. A global IPv6 peer is allowed (the table is not "deny all"), one
# refused peer fails the whole CreatePermission, and a Send to a refused peer gets no echo.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/turn-lib.sh"

PROBE=$(tt_tool turn-probe)
[ -n "$PROBE" ] || { echo "turn-probe not built (make check builds it)"; T_FAILED=1; finish; exit 1; }
if ! ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then
  tt_skip "IPv6 peer policy over ::1" "no ::1 on this host (IPv6 disabled)"
  finish
  exit 0
fi
if [ "$TURN_IMPL" = coturn ]; then
  tt_skip "IPv6 peer policy" "coturn 4.6.1 relays to ULA, link-local and documentation peers by default"
  finish
  exit 0
fi

check "server ([::1] listeners, IPv6 relay, allow_loopback off) starts" tt_start turn ipv6=1 allow_loopback=0
tt_start_peer ::1
PEER6=$PEER_PORT
user=$(tt_rest_user 3600 policy6)
password=$(tt_rest_password "$TURN_SECRET" "$user")
probe() {
  local opts=()
  [ "$1" = --timeout-ms ] && { opts=("$1" "$2"); shift 2; }
  timeout 60 "$PROBE" --server "[::1]:$TURN_PORT" --user "$user" --password "$password" "${opts[@]}" "$@"
}
denied_before=$(tt_metric talk_turn_denied_peers_total 2>/dev/null || echo 0)

# Teredo 2001:0:SERVER:FLAGS:~PORT:~IPV4 for a client at IPv4:PORT.
teredo() { # ipv4 port
  local a b c d p
  IFS=. read -r a b c d <<<"$1"
  p=$2
  printf '2001:0:4136:e378:8000:%x:%x:%x' $((~p & 0xFFFF)) $(((~a & 0xFF) << 8 | (~b & 0xFF))) \
    $(((~c & 0xFF) << 8 | (~d & 0xFF)))
}
T_LOOP=$(teredo 127.0.0.1 3478)
T_PRIV=$(teredo 10.0.0.1 3478)
T_META=$(teredo 169.254.169.254 80)

forms=(
  "[::1]:$PEER6" "[::]:3478"                                     # loopback, unspecified
  "[::ffff:127.0.0.1]:3478" "[::ffff:10.0.0.1]:3478" "[::ffff:169.254.169.254]:80"  # IPv4-mapped
  "[::127.0.0.1]:3478" "[::10.0.0.1]:3478"                       # IPv4-compatible
  "[64:ff9b::7f00:1]:3478" "[64:ff9b::a9fe:a9fe]:80"             # NAT64
  "[2002:7f00:1::]:3478" "[2002:a00:1::1]:3478"                  # 6to4
  "[$T_LOOP]:3478" "[$T_PRIV]:3478" "[$T_META]:80"               # Teredo
  "[fc00::1]:3478" "[fd12:3456::1]:3478" "[fec0::1]:3478"        # ULA, site-local
  "[fe80::1]:3478" "[febf::1]:3478"                              # link-local
  "[ff02::1]:3478" "[ff0e::1]:3478" "[ff05::1:3]:3478"           # multicast
  "[2001:db8::1]:3478" "[2001:db8:ffff::1]:3478"                 # documentation
)
steps=()
n=0
for f in "${forms[@]}"; do
  steps+=(permission "$f" 403 channelbind $((0x4000 + n)) "$f" 403)
  n=$((n + 1))
done
check "IPv6 allocation: ${#forms[@]} forbidden IPv6 forms -> 403 (CreatePermission and ChannelBind)" \
  probe allocate-family 6 0 relays 6 "${steps[@]}"
check "IPv6 allocation: a global IPv6 peer is allowed" probe allocate-family 6 0 permission "[2001:4860:4860::8888]:3478" 0
check "IPv6 allocation: one forbidden peer among allowed ones -> 403 for all" \
  probe allocate-family 6 0 permission "[2001:4860:4860::8888]:3478,[fe80::1]:3478" 403
check "dual allocation: the same forms -> 403" probe allocate-dual 0 relays 4,6 "${steps[@]}"
check_fails "IPv6 allocation: Send to the refused ::1 peer gets no echo (nothing relayed)" \
  probe --timeout-ms 2000 allocate-family 6 0 send "[::1]:$PEER6"
denied_metric_grew() {
  local after
  after=$(tt_metric talk_turn_denied_peers_total) || { echo "metric talk_turn_denied_peers_total missing"; return 1; }
  echo "denied peers: before=$denied_before after=$after"
  [ "${after%.*}" -ge $((${denied_before%.*} + 4 * ${#forms[@]})) ]
}
check "denied-peer metric counts every refusal" denied_metric_grew
# The first refusals are logged (then the log is rate-limited to 10 lines a second).
log_names_v6_peer() {
  tt_server_log | grep 'peer denied' | grep -q "peer=\[::1\]:$PEER6 rule=loopback-denied"
}
check "server log names a refused IPv6 peer" log_names_v6_peer
check "server still alive, no sanitizer report" tt_server_healthy
finish
