#!/bin/bash
# talk-turn's life cycle: --check-config on the shipped etc/turn.cfg + etc/talk.cfg, config
# errors named file:line: key with exit 78, SIGHUP secret rotation (old credentials stop
# working, new ones work; with auth.previous_secret_file both work), a bad reload keeps the
# old configuration, SIGTERM with live allocations exits 0 quickly, and the metrics endpoint
# counts allocations, relayed packets and authentication failures.
# talk-turn only: coturn has no equivalent of these options (TURN_IMPL=coturn skips).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/turn-lib.sh"

if [ "$TURN_IMPL" != talk-turn ]; then
  tt_skip "talk-turn life cycle" "TURN_IMPL=$TURN_IMPL"
  finish
  exit
fi
BIN=$(t_bin talk-turn)
if [ -z "$BIN" ]; then
  echo "talk-turn not built under $TOP_BUILDDIR/src"
  T_FAILED=1
  finish
  exit 1
fi

# --- configuration checks -------------------------------------------------------------
shipped="$T_DIR/shipped"
mkdir -p "$shipped/secrets"
for f in turn.cfg talk.cfg; do
  sed -e "s|@pkgsysconfdir[@]|$shipped|g" -e "s|@sysconfdir[@]|$shipped|g" \
    "$TOP_SRCDIR/etc/$f" >"$shipped/$f"
done
openssl rand -hex 32 >"$shipped/secrets/turn-secret"
chmod 600 "$shipped/secrets/turn-secret"
check "--check-config accepts the shipped etc/turn.cfg + etc/talk.cfg" \
  "$BIN" --config "$shipped/turn.cfg" --check-config
check "--version exits 0" "$BIN" --version

dump_roundtrip() {
  local d="$T_DIR/dumped"
  mkdir -p "$d/secrets"
  "$BIN" --dump-default-config >"$d/turn.cfg" || return 1
  "$BIN" --dump-default-config=common >"$d/talk.cfg" || return 1
  cp "$shipped/secrets/turn-secret" "$d/secrets/"
  "$BIN" --config "$d/turn.cfg" --check-config
}
check "--dump-default-config output passes --check-config" dump_roundtrip

# expect_config_error NAME EXPECTED-REGEX: --check-config on $T_DIR/NAME/turn.cfg must exit 78
# and print the expected file:line: key.
expect_config_error() {
  local dir="$T_DIR/$1" out rc
  out=$("$BIN" --config "$dir/turn.cfg" --check-config 2>&1)
  rc=$?
  echo "exit $rc: $out"
  [ "$rc" -eq 78 ] && grep -Eq "$2" <<<"$out"
}
make_bad() {
  mkdir -p "$T_DIR/$1/secrets"
  cp "$shipped/talk.cfg" "$shipped/turn.cfg" "$T_DIR/$1/"
  cp "$shipped/secrets/turn-secret" "$T_DIR/$1/secrets/"
}
make_bad unknown
line=$(($(wc -l <"$T_DIR/unknown/turn.cfg") + 1))
echo 'bogus_key = 1;' >>"$T_DIR/unknown/turn.cfg"
check "unknown key -> exit 78, names turn.cfg:$line and the key" \
  expect_config_error unknown "turn\.cfg:$line.*bogus_key"
make_bad badtype
line=$(grep -n '^threads' "$T_DIR/badtype/turn.cfg" | cut -d: -f1)
sed -i 's/^threads = .*/threads = "many";/' "$T_DIR/badtype/turn.cfg"
check "wrong type -> exit 78, names turn.cfg:$line: threads" \
  expect_config_error badtype "turn\.cfg:$line.*threads"
make_bad syntax
printf 'relay = {\n  min_port = 5000\n' >>"$T_DIR/syntax/turn.cfg"
check "syntax error -> exit 78, names turn.cfg and a line" expect_config_error syntax 'turn\.cfg:[0-9]+'
make_bad nosecret
rm "$T_DIR/nosecret/secrets/turn-secret"
check "missing secret file -> exit 78, names turn.secret_file" \
  expect_config_error nosecret 'talk\.cfg:[0-9]+.*turn\.secret_file|turn\.secret_file.*turn-secret'
make_bad badrange
sed -i 's/^\( *\)min_port = .*/\1min_port = 60000;/; s/^\( *\)max_port = .*/\1max_port = 50000;/' "$T_DIR/badrange/turn.cfg"
check "relay.max_port below relay.min_port -> exit 78" expect_config_error badrange 'relay\.max_port'
make_bad badlisten
sed -i 's|^listen = .*|listen = [ "udp://nonsense" ];|' "$T_DIR/badlisten/turn.cfg"
check "malformed listen address -> exit 78, names listen" expect_config_error badlisten 'turn\.cfg:[0-9]+.*listen'
# The same files must also stop a real start with 78 (what systemd would see).
expect_start_error() {
  local out rc
  out=$(timeout 10 "$BIN" --config "$T_DIR/$1/turn.cfg" --foreground 2>&1)
  rc=$?
  echo "exit $rc: $(tail -n 3 <<<"$out")"
  [ "$rc" -eq 78 ] && grep -Eq "$2" <<<"$out"
}
check "start with relay.max_port below relay.min_port -> exit 78" expect_start_error badrange 'relay\.max_port'
check "start with a malformed listen address -> exit 78" expect_start_error badlisten 'turn\.cfg:[0-9]+.*listen'

# --- running server -----------------------------------------------------------------------
check "server starts and answers Binding" tt_start turn allow_loopback=1
tt_start_peer
W=(-e 127.0.0.1 -r "$PEER_PORT" -c -n 10)

metrics_text() { curl -fsS --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics"; }
# One exact sample (name with labels as printed), 0 when absent.
sample() { metrics_text | awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'; }
# Bounded wait until talk_config_reloads_total{result=RESULT} exceeds $2.
wait_reload() {
  local result=$1 before=$2 i now
  for i in $(seq 50); do
    now=$(sample "talk_config_reloads_total{result=\"$result\"}")
    [ "${now%.*}" -gt "${before%.*}" ] && return 0
    sleep 0.1
  done
  echo "no $result reload counted (still $now)"
  return 1
}

created_before=$(sample talk_turn_allocations_created_total)
check "uclient with the first secret relays, zero loss" tt_uclient_ok -W "$TURN_SECRET" "${W[@]}"
check "metrics endpoint serves talk_turn_ counters" bash -c "curl -fsS --max-time 5 http://127.0.0.1:$METRICS_PORT/metrics | grep -q '^talk_turn_allocations_created_total'"
# Counters are summed from the worker threads periodically: poll, bounded.
allocations_counted() {
  local now pkts i
  for i in $(seq 50); do
    now=$(sample talk_turn_allocations_created_total)
    pkts=$(tt_metric talk_turn_relayed_packets_total)
    [ "${now%.*}" -gt "${created_before%.*}" ] && [ "${pkts%.*}" -ge 20 ] && break
    sleep 0.1
  done
  echo "allocations created: $created_before -> $now; relayed packets: $pkts"
  [ "${now%.*}" -gt "${created_before%.*}" ] && [ "${pkts%.*}" -ge 20 ]
}
check "metrics: allocations created and relayed packets counted" allocations_counted
# uclient leaves one of its two UDP allocations to expire, so use TCP, where closing the
# connection ends the allocation.
allocations_back_to_zero() {
  local i v
  for i in $(seq 50); do
    v=$(tt_metric talk_turn_allocations)
    [ "${v%.*}" -eq 0 ] && return 0
    sleep 0.1
  done
  echo "talk_turn_allocations still $v after the TCP clients closed their connections"
  tt_server_log | grep 'allocation ended' | tail -n 5
  return 1
}
T_UDP_LEFT=$(tt_metric talk_turn_allocations)
closed_before=$(sample 'talk_turn_allocations_ended_total{reason="connection_closed"}')
check "uclient over TCP relays, zero loss" tt_uclient_ok -W "$TURN_SECRET" -t "${W[@]}"
udp_left_only() {
  local i v c
  for i in $(seq 50); do
    v=$(tt_metric talk_turn_allocations)
    c=$(sample 'talk_turn_allocations_ended_total{reason="connection_closed"}')
    [ "${c%.*}" -gt "${closed_before%.*}" ] && [ "${v%.*}" -le "${T_UDP_LEFT%.*}" ] && return 0
    sleep 0.1
  done
  echo "live allocations $v (was $T_UDP_LEFT before the TCP run); ended by connection close: $closed_before -> $c"
  return 1
}
check "metrics: TCP allocations end with their connections (gauge back down)" udp_left_only
fails_before=$(tt_metric talk_turn_auth_failures_total || echo 0)
tt_uclient_run -W "wrong-$TURN_SECRET" "${W[@]}"
auth_failures_counted() {
  local now
  now=$(tt_metric talk_turn_auth_failures_total)
  echo "auth failures: $fails_before -> $now"
  [ "${now%.*}" -gt "${fails_before%.*}" ]
}
check "metrics: a wrong secret counts an authentication failure" auth_failures_counted

# Rotation without overlap: the secret file changes, SIGHUP, only the new secret works.
old=$TURN_SECRET
new=$(openssl rand -hex 24)
reloads=$(sample 'talk_config_reloads_total{result="success"}')
printf '%s\n' "$new" >"$TURN_CONF_DIR/secrets/turn-secret"
kill -HUP "$TURN_PID"
check "SIGHUP reload succeeds (talk_config_reloads_total{result=\"success\"})" wait_reload success "$reloads"
check "after rotation the new secret works" tt_uclient_ok -W "$new" "${W[@]}"
check "after rotation the old secret is refused" tt_uclient_blocked -W "$old" "${W[@]}"
static_pw_after=$TURN_PASSWORD
check "static user still works after reload" tt_uclient_ok -u "$TURN_USER" -w "$static_pw_after" "${W[@]}"

# Rotation with overlap: auth.previous_secret_file keeps the old one valid.
newer=$(openssl rand -hex 24)
reloads=$(sample 'talk_config_reloads_total{result="success"}')
TURN_SECRET=$newer TURN_PREVIOUS_SECRET=$new tt_write_talk_turn_config "$TURN_CONF_DIR"
kill -HUP "$TURN_PID"
check "SIGHUP with auth.previous_secret_file succeeds" wait_reload success "$reloads"
check "during rotation the new secret works" tt_uclient_ok -W "$newer" "${W[@]}"
check "during rotation the previous secret still works" tt_uclient_ok -W "$new" "${W[@]}"
check "during rotation a retired secret is refused" tt_uclient_blocked -W "$old" "${W[@]}"
TURN_SECRET=$newer

# A broken configuration on SIGHUP: logged, counted, the running one stays.
failed=$(sample 'talk_config_reloads_total{result="failure"}')
echo 'bogus_key = 1;' >>"$TURN_CONF_DIR/turn.cfg"
kill -HUP "$TURN_PID"
check "SIGHUP with a bad key is counted as a failed reload" wait_reload failure "$failed"
check "server still running after the failed reload" kill -0 "$TURN_PID"
check "the previous configuration stays in force" tt_uclient_ok -W "$newer" "${W[@]}"
bad_reload_logged() { grep -E "turn\.cfg:[0-9]+.*bogus_key" "$TURN_LOG"; }
check "the failed reload is logged with file:line: key" bad_reload_logged
check "server alive, no sanitizer report" tt_server_healthy

# SIGTERM while allocations are live: exit 0 within 5 s.
BURST=$(tt_tool turn-alloc-burst)
if [ -n "$BURST" ]; then
  user=$(tt_rest_user 3600 lifecycle)
  "$BURST" --server "127.0.0.1:$TURN_PORT" --user "$user" --password "$(tt_rest_password "$newer" "$user")" \
    --count 50 --hold-seconds 20 --ready-file "$T_DIR/held" >"$T_DIR/burst.out" 2>&1 &
  burst_pid=$!
  T_PIDS+=("$burst_pid")
  for _ in $(seq 100); do [ -f "$T_DIR/held" ] && break; sleep 0.1; done
  check "50 allocations live before SIGTERM" grep -q "allocated 50/50" "$T_DIR/burst.out"
fi
sigterm_exits_zero() {
  local start end rc
  start=$(date +%s%N)
  kill -TERM "$TURN_PID"
  for _ in $(seq 50); do kill -0 "$TURN_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$TURN_PID" 2>/dev/null; then
    echo "still running 5 s after SIGTERM"
    return 1
  fi
  wait "$TURN_PID"
  rc=$?
  end=$(date +%s%N)
  echo "exit status $rc after $(((end - start) / 1000000)) ms"
  [ "$rc" -eq 0 ]
}
check "SIGTERM with live allocations exits 0 within 5 s" sigterm_exits_zero
check "no sanitizer report in the log (incl. leaks at exit)" \
  bash -c "! grep -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' '$TURN_LOG'"
finish
