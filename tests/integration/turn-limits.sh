#!/bin/bash
# Allocation accounting (spec §5, §9): per-user and total quotas answer 486, an exhausted
# relay port range answers 508, ports come back when allocations are deleted, and an expired
# NONCE is answered with 438 and a fresh nonce that the client can use at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/turn-lib.sh"

BURST=$(tt_tool turn-alloc-burst)
PROBE=$(tt_tool turn-probe)
if [ -z "$BURST" ] || [ -z "$PROBE" ]; then
  echo "turn-alloc-burst/turn-probe not built (make check builds them)"
  T_FAILED=1
  finish
  exit 1
fi

# burst NAME USER COUNT [HOLD]: COUNT allocations for USER, output in $T_DIR/NAME.out. With
# HOLD seconds it runs in the background and returns once they are up (bounded).
burst() {
  local name=$1 user=$2 count=$3 hold=${4:-0} i
  local pw
  pw=$(tt_rest_password "$TURN_SECRET" "$user")
  rm -f "$T_DIR/$name.ready"
  if [ "$hold" -gt 0 ]; then
    "$BURST" --server "127.0.0.1:$TURN_PORT" --user "$user" --password "$pw" --count "$count" \
      --hold-seconds "$hold" --ready-file "$T_DIR/$name.ready" --timeout 10 >"$T_DIR/$name.out" 2>&1 &
    T_PIDS+=("$!")
    eval "BURST_PID_$name=$!"
    for i in $(seq 150); do [ -f "$T_DIR/$name.ready" ] && break; sleep 0.1; done
    cat "$T_DIR/$name.out"
    grep -q "allocated $count/$count" "$T_DIR/$name.out"
  else
    "$BURST" --server "127.0.0.1:$TURN_PORT" --user "$user" --password "$pw" --count "$count" \
      --timeout 10 >"$T_DIR/$name.out" 2>&1
    local rc=$?
    cat "$T_DIR/$name.out"
    return $rc
  fi
}
# refused NAME CODE GRANTED: the last burst granted GRANTED and was refused with CODE.
refused() {
  cat "$T_DIR/$1.out"
  grep -q "error $2" "$T_DIR/$1.out" && grep -q "allocated $3/" "$T_DIR/$1.out"
}
# Bounded wait until a held burst finished (it deletes its allocations on exit).
burst_done() {
  local pid_var="BURST_PID_$1" i
  for i in $(seq 300); do kill -0 "${!pid_var}" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

now=$(date +%s)
alice="$((now + 3600)):alice"
bob="$((now + 3600)):bob"
carol="$((now + 3600)):carol"

TT_RELAY_PORTS=20 check "server starts (quota: 2 per user, 5 in total)" \
  tt_start quota user_quota=2 total_quota=5
check "alice gets her 2 allocations" burst a1 "$alice" 2 20
burst a2 "$alice" 1 >/dev/null
check "alice's third allocation -> 486" refused a2 486 0
check "bob (another user) gets 2" burst b1 "$bob" 2 20
burst c1 "$carol" 2 >/dev/null
check "carol: 1 granted, then the total quota of 5 -> 486" refused c1 486 1
check "server still alive, no sanitizer report" tt_server_healthy
kill "$TURN_PID"

TT_RELAY_PORTS=4 check "server starts (4 relay ports)" tt_start ports
check "4 allocations take every relay port" burst p1 "$alice" 4 3
burst p2 "$bob" 1 >/dev/null
check "a fifth allocation -> 508 (no relay port)" refused p2 508 0
check "the first 4 allocations were deleted (client sent Refresh 0)" burst_done p1
ports_freed() {
  local i
  # The deletes are UDP: give them a moment, bounded.
  for i in $(seq 10); do
    burst p3 "$carol" 4 && return 0
    sleep 0.5
  done
  return 1
}
check "deleted allocations return their ports: 4 new allocations fit" ports_freed
check "server still alive, no sanitizer report" tt_server_healthy
kill "$TURN_PID"

check "server starts (nonce lifetime 2 s)" tt_start nonce nonce_lifetime=2
stale_nonce() {
  local out
  out=$(timeout 30 "$PROBE" --server "127.0.0.1:$TURN_PORT" --user "$alice" \
    --password "$(tt_rest_password "$TURN_SECRET" "$alice")" \
    allocate 0 sleep 3.5 permission 127.0.0.1:9 0 refresh 600 0 channelbind 0x4000 127.0.0.1:9 0 2>&1)
  local rc=$?
  echo "$out"
  [ "$rc" -eq 0 ] && grep -q "stale nonce (438)" <<<"$out"
}
check "expired nonce -> 438 with a new nonce; the retry succeeds" stale_nonce
check "server still alive, no sanitizer report" tt_server_healthy
finish
