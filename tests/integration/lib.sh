# Shared helpers for integration scripts (sourced, never run).
# Every script: source lib.sh, run `check`s, then `finish`, which prints the line CI reads
# ("N passed, N failed") and exits non-zero on any failure.
# Binaries come from the build tree ($TOP_BUILDDIR, set by `make check`), or from the
# installed system when TALK_INSTALLED=1 (autopkgtest).
set -u

TOP_BUILDDIR=${TOP_BUILDDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T_PASSED=0
T_FAILED=0
T_PIDS=()
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/talk-it.XXXXXX")

t_cleanup() {
  local pid
  for pid in "${T_PIDS[@]}"; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${T_PIDS[@]}"; do
    # bounded wait, then force
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  rm -rf "$T_DIR"
}
trap t_cleanup EXIT

# Path of one of our programs: build tree or installed.
t_bin() {
  if [ "${TALK_INSTALLED:-0}" = 1 ]; then
    command -v "$1" || echo "/usr/sbin/$1"
  else
    find "$TOP_BUILDDIR/src" -maxdepth 3 -type f -perm -u+x -name "$1" | head -n1
  fi
}

# A TCP+UDP port nobody listens on (loopback), from 10000-32767: below the kernel's
# ephemeral range (32768-60999), so no outgoing connection can hold it, and below the TURN
# relay units (61000+). Another test may still take it before we bind: servers started
# with t_start_nats are retried on a new port when that happens.
t_free_port() {
  local p
  for _ in $(seq 200); do
    p=$((10000 + RANDOM % 22768))
    if [ -z "$(ss -Hlntu "( sport = :$p )" 2>/dev/null)" ]; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# Wait (bounded, seconds) until something listens on 127.0.0.1:port (tcp or udp).
t_wait_port() {
  local port=$1 proto=${2:-t} limit=${3:-10} i
  for i in $(seq $((limit * 10))); do
    [ -n "$(ss -Hln${proto} "( sport = :$port )" 2>/dev/null)" ] && return 0
    sleep 0.1
  done
  return 1
}

# Start a command in the background, logging to $T_DIR/<name>.log; remembers its pid.
t_start() {
  local name=$1
  shift
  "$@" >"$T_DIR/$name.log" 2>&1 &
  T_LAST_PID=$!
  T_PIDS+=("$T_LAST_PID")
}

# Start a real nats-server on a loopback port; sets NATS_PORT, NATS_PID and NATS_URL.
# With no port given, a port taken by someone else between choosing and binding (parallel
# tests) is retried on another one; ready means this server's log says it is ready.
t_start_nats() {
  local fixed=${1:-} name=${T_NATS_NAME:-nats-server} attempt i
  shift || true
  for attempt in 1 2 3 4 5; do
    NATS_PORT=${fixed:-$(t_free_port)}
    t_start "$name" nats-server -a 127.0.0.1 -p "$NATS_PORT" "$@"
    NATS_PID=$T_LAST_PID
    NATS_URL="nats://127.0.0.1:$NATS_PORT"
    for i in $(seq 100); do
      grep -q 'Server is ready' "$T_DIR/$name.log" 2>/dev/null && return 0
      kill -0 "$NATS_PID" 2>/dev/null || break
      sleep 0.1
    done
    [ -z "$fixed" ] || return 1
  done
  return 1
}

# Runs a check's command with its output in $T_DIR/check.out. A program is bounded by
# T_TIMEOUT seconds; a shell function runs in this shell (so what it sets stays visible to
# later checks) and must bound its own waits, since `timeout` cannot run a function.
t_run_check() {
  if declare -F "$1" >/dev/null; then
    "$@" >"$T_DIR/check.out" 2>&1
  else
    timeout "${T_TIMEOUT:-60}" "$@" >"$T_DIR/check.out" 2>&1
  fi
}

# t_count OUTCOME DESC: OUTCOME "pass" or "fail"; a failure shows the command's output.
t_count() {
  if [ "$1" = pass ]; then
    T_PASSED=$((T_PASSED + 1))
    echo "ok - $2"
  else
    T_FAILED=$((T_FAILED + 1))
    echo "not ok - $2"
    sed 's/^/#   /' "$T_DIR/check.out" | tail -n 40
  fi
}

# check "description" command...: passes when the command succeeds.
check() {
  local desc=$1
  shift
  if t_run_check "$@"; then t_count pass "$desc"; else t_count fail "$desc"; fi
}

# check_fails "description" command...: passes when the command fails.
check_fails() {
  local desc=$1
  shift
  if t_run_check "$@"; then t_count fail "$desc (unexpectedly succeeded)"; else t_count pass "$desc"; fi
}

# Show a daemon's log when something failed, to make CI output useful.
t_dump_logs() {
  local f
  for f in "$T_DIR"/*.log; do
    [ -f "$f" ] || continue
    echo "# --- $(basename "$f") (last 40 lines)"
    tail -n 40 "$f" | sed 's/^/#   /'
  done
}

finish() {
  [ "$T_FAILED" -gt 0 ] && t_dump_logs
  echo "$T_PASSED passed, $T_FAILED failed"
  [ "$T_FAILED" -eq 0 ]
}
