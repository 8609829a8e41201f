#!/bin/bash
# talk-nats against a real nats-server: pub/sub, request/reply, no responders, wrong
# credentials, unreachable server, usage errors, bench output.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TALK_NATS=$(t_bin talk-nats)
if [ -z "$TALK_NATS" ] || [ ! -x "$TALK_NATS" ]; then
  echo "talk-nats not found (build it first)"
  echo "0 passed, 1 failed"
  exit 1
fi

# Bounded wait until a line shows up in a log file.
wait_for_line() {
  local file=$1 pattern=$2 limit=${3:-10}
  for _ in $(seq $((limit * 10))); do
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# Bounded wait for a background pid; returns its exit status (124 on timeout).
wait_pid() {
  local pid=$1 limit=${2:-10}
  for _ in $(seq $((limit * 10))); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"
      return $?
    fi
    sleep 0.1
  done
  return 124
}

# Runs a command, expects failure with exit status $1 and stderr matching $2, within $3 s.
fails_with() {
  local want=$1 pattern=$2 limit=$3
  shift 3
  local start end rc
  start=$(date +%s%N)
  "$@" >"$T_DIR/out" 2>"$T_DIR/err"
  rc=$?
  end=$(date +%s%N)
  cat "$T_DIR/err"
  [ "$rc" -eq "$want" ] || { echo "exit status $rc, wanted $want"; return 1; }
  grep -q -- "$pattern" "$T_DIR/err" || { echo "stderr does not match '$pattern'"; return 1; }
  [ $(((end - start) / 1000000)) -lt $((limit * 1000)) ] || { echo "took longer than $limit s"; return 1; }
}

oversized() {
  head -c 1048577 /dev/zero >"$T_DIR/big"
  fails_with 1 "exceeds the server's maximum" 5 "$TALK_NATS" pub big - <"$T_DIR/big" || return 1
  # exactly the limit goes through
  head -c 1048576 /dev/zero | "$TALK_NATS" pub big -
}

t_start_nats || { echo "nats-server did not start"; echo "0 passed, 1 failed"; exit 1; }
URL=$NATS_URL
# `check` runs its command under timeout(1): the helpers run in a child bash.
export NATS_URL URL T_DIR TALK_NATS

export -f t_start wait_for_line wait_pid fails_with oversized

check "--version prints the version" bash -c "'$TALK_NATS' --version | grep -q '^talk-nats [0-9]'"
check "--help describes the commands" bash -c "'$TALK_NATS' --help | grep -q 'request SUBJECT MSG'"

pubsub() {
  t_start sub "$TALK_NATS" sub 'greet.*' --count 3 --timeout 10
  local pid=$T_LAST_PID
  wait_for_line "$T_DIR/sub.log" "listening on greet" 10 || { cat "$T_DIR/sub.log"; return 1; }
  "$TALK_NATS" pub greet.world "hello there" --count 3 || return 1
  wait_pid "$pid" 10 || { echo "sub exit status $?"; cat "$T_DIR/sub.log"; return 1; }
  [ "$(grep -c '^greet.world hello there$' "$T_DIR/sub.log")" -eq 3 ] || { cat "$T_DIR/sub.log"; return 1; }
}
export -f pubsub
check "sub receives what pub sends (wildcard, --count)" bash -c pubsub

sub_timeout() {
  fails_with 1 "received 0 of 2" 5 "$TALK_NATS" sub quiet.subject --count 2 --timeout 1
}
export -f sub_timeout
check "sub with --count fails clearly when the messages do not come" bash -c sub_timeout

request_reply() {
  t_start reply "$TALK_NATS" reply svc.echo pong --count 1 --timeout 10
  local pid=$T_LAST_PID
  wait_for_line "$T_DIR/reply.log" "listening on svc.echo" 10 || { cat "$T_DIR/reply.log"; return 1; }
  local answer
  answer=$("$TALK_NATS" request svc.echo ping --timeout 5) || return 1
  [ "$answer" = pong ] || { echo "got '$answer'"; return 1; }
  wait_pid "$pid" 10 || return 1
  grep -q '^svc.echo ping$' "$T_DIR/reply.log"
}
export -f request_reply
check "request gets the answer of reply" bash -c request_reply

check "request without responder fails with 'no responders'" \
  bash -c 'fails_with "$@"' fails_with 1 "no responders on nobody.here" 5 "$TALK_NATS" request nobody.here hi --timeout 3
check "invalid subject is rejected clearly" \
  bash -c 'fails_with "$@"' fails_with 1 "invalid subject" 5 "$TALK_NATS" pub "bad subject" x
check "publishing a wildcard is rejected" \
  bash -c 'fails_with "$@"' fails_with 1 "wildcards are not allowed" 5 "$TALK_NATS" pub "a.>" x
check "oversized payload is rejected" bash -c oversized
check "usage error exits with 2" bash -c 'fails_with "$@"' fails_with 2 "takes 2 argument" 5 "$TALK_NATS" pub only-subject

# A second server that wants a password.
MAIN_NATS_URL=$NATS_URL
T_NATS_NAME=nats-auth t_start_nats "" --user alice --pass "correct-horse" ||
  echo "# the nats-server with authentication did not start"
AUTH_URL=$NATS_URL
NATS_URL=$MAIN_NATS_URL
check "wrong password fails clearly" \
  bash -c 'fails_with "$@"' fails_with 1 "rejected the credentials" 10 "$TALK_NATS" --server "$AUTH_URL" --user alice --password wrong pub a b
check "the password never appears in the error" \
  bash -c "! '$TALK_NATS' --server '$AUTH_URL' --user alice --password wrong-secret-xyz pub a b 2>&1 | grep -q wrong-secret-xyz"
check "missing credentials fail clearly" \
  bash -c 'fails_with "$@"' fails_with 1 "rejected the credentials" 10 "$TALK_NATS" --server "$AUTH_URL" pub a b
check "right password works" "$TALK_NATS" --server "$AUTH_URL" --user alice --password correct-horse pub a b
check "missing .creds file fails clearly" \
  bash -c 'fails_with "$@"' fails_with 1 "cannot read credentials file" 10 "$TALK_NATS" --creds "$T_DIR/none.creds" pub a b
check "user without password is a clear error" \
  bash -c 'fails_with "$@"' fails_with 1 "user and password must be given together" 5 "$TALK_NATS" --user alice pub a b

DEAD_PORT=$(t_free_port)
check "unreachable server fails within the connect timeout" \
  bash -c 'fails_with "$@"' fails_with 1 "cannot connect" 4 "$TALK_NATS" --server "nats://127.0.0.1:$DEAD_PORT" --connect-timeout 1 pub a b

bench_numbers() {
  "$TALK_NATS" --server "$URL" bench --msgs 5000 --size 64 --requests 200 >"$T_DIR/bench.out" || return 1
  cat "$T_DIR/bench.out"
  grep -Eq '^pubsub msgs=5000 size=64 seconds=[0-9.]+ msgs_per_s=[1-9][0-9]* mb_per_s=[0-9.]+' "$T_DIR/bench.out" &&
    grep -Eq '^request n=200 size=64 p50_us=[0-9.]+ p90_us=[0-9.]+ p99_us=[0-9.]+ errors=0$' "$T_DIR/bench.out"
}
export -f bench_numbers
check "bench prints throughput and latency percentiles" bash -c bench_numbers
check "bench --pub-only prints publish throughput" \
  bash -c "'$TALK_NATS' --server '$URL' bench --pub-only --msgs 5000 --requests 0 | grep -Eq '^pub msgs=5000 .*msgs_per_s=[1-9]'"

finish
