# Helpers shared by the turn-*.sh integration scripts (sourced after lib.sh, never run).
#
# The server under test is pluggable: TURN_IMPL=talk-turn (default) runs our daemon from the
# build tree (or the installed one with TALK_INSTALLED=1); TURN_IMPL=coturn runs coturn's
# `turnserver` with equivalent settings, which is how these scripts were validated and how a
# check can be told apart from a bug in our server. Clients are coturn's real test clients
# (turnutils_uclient, turnutils_stunclient, turnutils_peer) plus the probes in tools/.
#
# Everything listens on 127.0.0.1. Relay ports come from 61000-65499, above Linux's ephemeral
# range and above lib.sh's t_free_port range, so peers and relays never collide; concurrent
# scripts claim disjoint relay ranges (tt_claim_relay_range).

TURN_IMPL=${TURN_IMPL:-talk-turn}
TURN_REALM=talk.test
TURN_USER=alice
TURN_PASSWORD=$(openssl rand -hex 12)
TURN_SECRET=$(openssl rand -hex 24)
TT_CONFIGS="$TOP_SRCDIR/tests/integration/configs"
TT_RANGE_FDS=()
# A run of uclient is bounded; a normal run takes 2-8 s.
TT_UCLIENT_TIMEOUT=${TT_UCLIENT_TIMEOUT:-45}

# Path of one of our test tools (build tree only; autopkgtest ships none).
tt_tool() {
  local p="$TOP_BUILDDIR/tests/integration/tools/$1"
  [ -x "$p" ] && echo "$p"
}

# REST password for a username: base64(HMAC-SHA1(secret, username)), as Nextcloud makes it.
tt_rest_password() {
  printf '%s' "$2" | openssl dgst -sha1 -hmac "$1" -binary | base64
}

# A REST username valid for $1 seconds from now (negative: already expired).
tt_rest_user() {
  echo "$(($(date +%s) + ${1:-3600})):${2:-talkuser}"
}

tt_make_cert() {
  [ -f "$T_DIR/cert.pem" ] && return 0
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" -days 2 -subj /CN=localhost \
    >/dev/null 2>&1
}

# Fill a configs/*.in template: every @NAME@ whose shell variable NAME is set is replaced.
tt_fill() {
  local in=$1 out=$2 args=() v
  for v in TURN_PORT TURN_TLS_PORT RELAY_MIN RELAY_MAX TURN_REALM TURN_USER TURN_PASSWORD \
    ALLOW_LOOPBACK THREADS METRICS_PORT CERT KEY SECRET_FILE STATIC_USERS_FILE \
    PREVIOUS_SECRET_FILE LOG_LEVEL REJECT_RATE NONCE_LIFETIME USER_QUOTA TOTAL_QUOTA \
    LISTEN_V6 RELAY_ADDRESSES; do
    [ -n "${!v+x}" ] && args+=(-e "s|@$v@|${!v}|g")
  done
  sed "${args[@]}" "$in" >"$out"
}

# Relay port ranges of concurrently running scripts (make -j check, other users of the
# machine running these tests) must not overlap: a reserved port (EVEN-PORT R=1) taken by
# another server's relay makes the follow-up Allocate fail with 508. 61000-65499 is cut into
# 18 units of 250 ports; a range takes consecutive units, each held with flock(1) on a lock
# file until this shell starts its next server or exits. Sets RELAY_MIN.
tt_claim_relay_range() {
  local span=$1 units=$(((${1} + 249) / 250)) dir="${TMPDIR:-/tmp}/talk-turn-relay-units"
  local try first u fd fds
  mkdir -p "$dir" 2>/dev/null
  # One server at a time per script: the previous server's units go back first.
  for fd in "${TT_RANGE_FDS[@]}"; do exec {fd}>&-; done
  TT_RANGE_FDS=()
  for try in $(seq 200); do
    first=$((RANDOM % (19 - units)))
    fds=()
    for u in $(seq "$first" $((first + units - 1))); do
      exec {fd}>>"$dir/$u.lock" || break
      if ! flock -n "$fd"; then
        exec {fd}>&-
        break
      fi
      fds+=("$fd")
    done
    if [ "${#fds[@]}" -eq "$units" ]; then
      TT_RANGE_FDS=("${fds[@]}")
      RELAY_MIN=$((61000 + first * 250))
      return 0
    fi
    for fd in "${fds[@]}"; do exec {fd}>&-; done
    sleep 0.05
  done
  return 1
}

# Write the talk-turn config directory $1 (turn.cfg + talk.cfg + secrets) for the current
# port/option variables.
# TURN_PREVIOUS_SECRET, when set, is accepted as well (rotation).
tt_write_talk_turn_config() {
  local dir=$1
  mkdir -p "$dir/secrets"
  chmod 700 "$dir/secrets"
  SECRET_FILE="$dir/secrets/turn-secret"
  printf '%s\n' "$TURN_SECRET" >"$SECRET_FILE"
  STATIC_USERS_FILE="$dir/secrets/static-users"
  printf '# test users\n%s:%s\n' "$TURN_USER" "$TURN_PASSWORD" >"$STATIC_USERS_FILE"
  PREVIOUS_SECRET_FILE=
  if [ -n "${TURN_PREVIOUS_SECRET:-}" ]; then
    PREVIOUS_SECRET_FILE="$dir/secrets/turn-previous-secret"
    printf '%s\n' "$TURN_PREVIOUS_SECRET" >"$PREVIOUS_SECRET_FILE"
  fi
  chmod 600 "$dir"/secrets/*
  CERT="$T_DIR/cert.pem" KEY="$T_DIR/key.pem" tt_fill "$TT_CONFIGS/turn-talk.cfg.in" "$dir/talk.cfg"
  CERT="$T_DIR/cert.pem" KEY="$T_DIR/key.pem" tt_fill "$TT_CONFIGS/turn.cfg.in" "$dir/turn.cfg"
}

# tt_start NAME [allow_loopback=1] [threads=1] [secret=S] [nonce_lifetime=600]
#   [user_quota=0] [total_quota=0] [ipv6=1] [relays=A,B|default]: start the server under test with
# ipv6=1 adds UDP and TCP listeners on [::1]:TURN_PORT and ::1 as a second relay address;
# relays= replaces the relay addresses (127.0.0.1 by default; "default" = none configured,
# the server picks the host's own);
# fresh ports; sets TURN_PORT (UDP+TCP), TURN_TLS_PORT, METRICS_PORT, RELAY_MIN/MAX, TURN_PID,
# TURN_LOG, TURN_CONF_DIR. Returns non-zero if it is not answering Binding within 15 s.
tt_start() {
  local name=$1 opt
  shift
  ALLOW_LOOPBACK=true
  THREADS=1
  NONCE_LIFETIME=600
  USER_QUOTA=0
  TOTAL_QUOTA=0
  LISTEN_V6=
  local relays=127.0.0.1 ipv6=0
  LOG_LEVEL=${TT_LOG_LEVEL:-info}
  # 401/438 answers per second per source IP, as shipped (100/s after a burst of 200);
  # every client here shares 127.0.0.1, and TT_REJECT_RATE=0 lifts the limit.
  REJECT_RATE=${TT_REJECT_RATE:-100}
  for opt in "$@"; do
    case $opt in
    allow_loopback=1) ALLOW_LOOPBACK=true ;;
    allow_loopback=0) ALLOW_LOOPBACK=false ;;
    threads=*) THREADS=${opt#threads=} ;;
    secret=*) TURN_SECRET=${opt#secret=} ;;
    nonce_lifetime=*) NONCE_LIFETIME=${opt#nonce_lifetime=} ;;
    user_quota=*) USER_QUOTA=${opt#user_quota=} ;;
    total_quota=*) TOTAL_QUOTA=${opt#total_quota=} ;;
    ipv6=1) ipv6=1; relays=127.0.0.1,::1 ;;
    relays=*) relays=${opt#relays=} ;;
    *) echo "tt_start: unknown option $opt" >&2; return 2 ;;
    esac
  done
  TURN_PORT=$(t_free_port)
  TURN_TLS_PORT=$(t_free_port)
  [ "$ipv6" = 1 ] && LISTEN_V6=", \"udp://[::1]:$TURN_PORT\", \"tcp://[::1]:$TURN_PORT\""
  RELAY_ADDRESSES=
  if [ "$relays" != default ]; then
    RELAY_ADDRESSES=$(tr ',' '\n' <<<"$relays" | sed 's/.*/"&"/' | paste -sd, -)
  fi
  METRICS_PORT=$(t_free_port)
  local span=${TT_RELAY_PORTS:-500}
  if [ -n "${TT_RELAY_MIN:-}" ]; then
    RELAY_MIN=$TT_RELAY_MIN
  else
    tt_claim_relay_range "$span" || { echo "no free relay port range" >&2; return 1; }
  fi
  RELAY_MAX=$((RELAY_MIN + span - 1))
  TURN_CONF_DIR="$T_DIR/$name"
  TURN_LOG="$T_DIR/$name.log"
  mkdir -p "$TURN_CONF_DIR"
  tt_make_cert || return 1
  case $TURN_IMPL in
  talk-turn)
    local bin
    bin=$(t_bin talk-turn)
    [ -n "$bin" ] || { echo "talk-turn binary not found under $TOP_BUILDDIR/src" >&2; return 1; }
    tt_write_talk_turn_config "$TURN_CONF_DIR"
    # ASan reports go to the log as well; keep going after the first so the log tells all.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
      t_start "$name" "$bin" --config "$TURN_CONF_DIR/turn.cfg" --foreground
    ;;
  coturn)
    local lb=() ips=(--listening-ip=127.0.0.1) r
    [ "$ALLOW_LOOPBACK" = true ] && lb=(--allow-loopback-peers)
    [ "$ipv6" = 1 ] && ips+=(--listening-ip=::1)
    for r in ${relays//,/ }; do [ "$r" = default ] || ips+=(--relay-ip="$r"); done
    # coturn cannot mix static users with the REST secret: static-user checks skip for it.
    local verbose=(-v)
    [ "${TT_COTURN_VERBOSE:-1}" = 1 ] || verbose=()
    t_start "$name" turnserver -n "${verbose[@]}" "${ips[@]}" \
      --listening-port="$TURN_PORT" --tls-listening-port="$TURN_TLS_PORT" \
      --min-port="$RELAY_MIN" --max-port="$RELAY_MAX" --relay-threads="$THREADS" \
      --use-auth-secret --static-auth-secret="$TURN_SECRET" --realm="$TURN_REALM" \
      --cert="$T_DIR/cert.pem" --pkey="$T_DIR/key.pem" --no-dtls --no-cli --no-rfc5780 \
      --no-software-attribute --fingerprint "${lb[@]}" --stale-nonce="$NONCE_LIFETIME" \
      --user-quota="$USER_QUOTA" --total-quota="$TOTAL_QUOTA" \
      --pidfile="$TURN_CONF_DIR/turnserver.pid" --userdb="$TURN_CONF_DIR/turndb" \
      --log-file="$TURN_CONF_DIR/turnserver.log" --simple-log
    ;;
  *)
    echo "TURN_IMPL must be talk-turn or coturn" >&2
    return 2
    ;;
  esac
  TURN_PID=$T_LAST_PID
  tt_wait_ready 15
}

# The log to search for server-side evidence (coturn writes its own file).
tt_server_log() {
  if [ "$TURN_IMPL" = coturn ]; then
    cat "$TURN_CONF_DIR/turnserver.log" 2>/dev/null
  fi
  cat "$TURN_LOG" 2>/dev/null
}

# Bounded wait until the server listens on its TCP port and answers a Binding over UDP.
tt_wait_ready() {
  local limit=${1:-15} i
  for i in $(seq $((limit * 5))); do
    kill -0 "$TURN_PID" 2>/dev/null || { echo "server exited during start-up" >&2; return 1; }
    if [ -n "$(ss -Hlnt "( sport = :$TURN_PORT )" 2>/dev/null)" ] &&
      timeout 2 turnutils_stunclient -p "$TURN_PORT" 127.0.0.1 >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  echo "server not ready after ${limit}s" >&2
  return 1
}

# A STUN Binding over UDP returns our own reflexive address.
tt_binding() {
  local out
  out=$(timeout 5 turnutils_stunclient -p "$TURN_PORT" 127.0.0.1 2>&1) || { echo "$out"; return 1; }
  echo "$out"
  grep -q "UDP reflexive addr: 127.0.0.1:[0-9]" <<<"$out"
}

# Start turnutils_peer (UDP echo) on a free port, on 127.0.0.1 or the address given; sets
# PEER_PORT.
tt_start_peer() {
  PEER_PORT=$(t_free_port)
  t_start "peer-$PEER_PORT" turnutils_peer -L "${1:-127.0.0.1}" -p "$PEER_PORT"
  t_wait_port "$PEER_PORT" u 10
}

# Run turnutils_uclient against the server (port and address appended); output kept in
# $T_DIR/uclient.out (server TT_SERVER_HOST, default 127.0.0.1). Sets UC_RC, UC_SENT, UC_RECV, UC_LOST from its closing summary.
tt_uclient_run() {
  local port=$TURN_PORT a
  for a in "$@"; do [ "$a" = -S ] && port=$TURN_TLS_PORT; done
  timeout "$TT_UCLIENT_TIMEOUT" turnutils_uclient "$@" -p "$port" "${TT_SERVER_HOST:-127.0.0.1}" >"$T_DIR/uclient.out" 2>&1
  UC_RC=$?
  UC_SENT=$(sed -n 's/.*start_mclient: tot_send_msgs=\([0-9]*\), tot_recv_msgs=\([0-9]*\)$/\1/p' "$T_DIR/uclient.out" | tail -n1)
  UC_RECV=$(sed -n 's/.*start_mclient: tot_send_msgs=\([0-9]*\), tot_recv_msgs=\([0-9]*\)$/\2/p' "$T_DIR/uclient.out" | tail -n1)
  UC_LOST=$(sed -n 's/.*Total lost packets \([0-9]*\) .*/\1/p' "$T_DIR/uclient.out" | tail -n1)
  UC_SENT=${UC_SENT:-0} UC_RECV=${UC_RECV:-0} UC_LOST=${UC_LOST:-}
}

tt_uclient_summary() {
  echo "uclient $* -> rc=$UC_RC sent=$UC_SENT recv=$UC_RECV lost=${UC_LOST:-none}"
  grep -E "ERROR|error|lost packets" "$T_DIR/uclient.out" | sort | uniq -c | head -n 12
}

# Passes when uclient exits 0, sent something, and lost at most $TT_MAX_LOSS packets (0).
tt_uclient_ok() {
  tt_uclient_run "$@"
  tt_uclient_summary "$@"
  [ "$UC_RC" -eq 0 ] && [ "$UC_SENT" -gt 0 ] && [ -n "$UC_LOST" ] &&
    [ "$UC_LOST" -le "${TT_MAX_LOSS:-0}" ] && [ $((UC_SENT - UC_RECV)) -le "${TT_MAX_LOSS:-0}" ]
}

# Passes when uclient got no data through at all (allocation refused or peer denied).
tt_uclient_blocked() {
  tt_uclient_run "$@"
  tt_uclient_summary "$@"
  [ "$UC_RC" -ne 0 ] || [ "$UC_RECV" -eq 0 ]
}

# A check that does not apply to the server under test (counted as neither).
tt_skip() {
  echo "ok - $1 # SKIP $2"
}

# The server process is still running and its log shows no sanitizer report.
tt_server_healthy() {
  kill -0 "$TURN_PID" 2>/dev/null || { echo "server pid $TURN_PID is gone"; return 1; }
  if tt_server_log | grep -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:"; then
    return 1
  fi
  return 0
}

# Value of a Prometheus sample (sum over all label sets) from the metrics endpoint.
tt_metric() {
  [ "$TURN_IMPL" = talk-turn ] || return 1
  curl -fsS --max-time 5 "http://127.0.0.1:$METRICS_PORT/metrics" |
    awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $NF; f = 1 } END { if (f) print s; else exit 1 }'
}
