#!/bin/bash
# Black-box acceptance suite of the signaling server (tests/backend/acceptance) against
# emulated Nextclouds. The runner hosts the emulators; this script picks free ports,
# writes the server configuration and starts the server(s) under test.
#
#   SIGNALING_IMPL=talk-signaling (default) | spreed (the bookworm-backports anchor, to
#   validate the cases themselves; fetched by tests/backend/fetch-spreed-backports.sh)
#   SIGNALING_CLUSTER=1: two nodes over a real nats-server (spreed: + gRPC), runner --cluster
#   SPREED_BIN: with spreed, this server binary instead of the fetched one
#   SIGNALING_ARGS: extra runner arguments (e.g. "--only 'hello_*' --skip-slow")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
IMPL=${SIGNALING_IMPL:-talk-signaling}
CLUSTER=${SIGNALING_CLUSTER:-0}
PY=/usr/bin/python3
RUNNER="$TOP_SRCDIR/tests/backend/acceptance/run.py"
INTERNAL_SECRET=internal-$RANDOM$RANDOM$RANDOM
NODES=1
[ "$CLUSTER" = 1 ] && NODES=2

# Ports below the kernel's ephemeral range (32768+), so that no outgoing connection of the
# servers takes one before its listener binds it, and distinct from each other.
USED_PORTS=" "
port() {   # port VAR: a free port not yet used by this run, into VAR
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    [ -z "$(ss -Hlnt "( sport = :$p )" 2>/dev/null)" ] || continue
    case "$USED_PORTS" in *" $p "*) continue ;; esac
    USED_PORTS="$USED_PORTS$p "
    printf -v "$1" %s "$p"
    return 0
  done
}

# The emulated Nextclouds (what each one is: tests/backend/acceptance/harness.py EMULATORS).
BACKENDS="nc1 nc2 nced nclimit ncrs512 nces384 nces512 ncedraw ncnokey"
declare -A NC_PORT NC_SECRET
for nc in $BACKENDS; do
  port P && NC_PORT[$nc]=$P
  NC_SECRET[$nc]=secret-$nc-$RANDOM$RANDOM
done
backend_args=()
for nc in $BACKENDS; do backend_args+=(--backend "$nc:${NC_PORT[$nc]}:${NC_SECRET[$nc]}"); done

if [ "$CLUSTER" = 1 ]; then
  port P && t_start_nats "$P" || { echo "nats-server did not start"; exit 1; }
fi

# Fills a template: @PORT@ etc. from the variables of the same names, @<NC>_PORT@ and
# @<NC>_SECRET@ for every backend.
fill() {
  local args=() nc up
  for nc in $BACKENDS; do
    up=${nc^^}
    args+=(-e "s|@${up}_PORT@|${NC_PORT[$nc]}|g" -e "s|@${up}_SECRET@|${NC_SECRET[$nc]}|g")
  done
  sed -e "s|@PORT@|$PORT|g" -e "s|@INTERNAL_SECRET@|$INTERNAL_SECRET|g" \
    -e "s|@NATS_URL@|$NATS|g" -e "s|@GRPC@|$GRPC|g" "${args[@]}" \
    -e "s|@TOP_SRCDIR@|$TOP_SRCDIR|g" -e "s|@DIR@|$DIR|g" "$1"
}

server_args=()
declare -a PORTS GRPC_PORTS
for i in $(seq 0 $((NODES - 1))); do
  port P && PORTS[$i]=$P
  port P && GRPC_PORTS[$i]=$P
  server_args+=(--server "ws://127.0.0.1:${PORTS[$i]}/spreed")
done

# The runner binds the emulated Nextclouds at once and waits for the servers.
cluster_arg=()
[ "$CLUSTER" = 1 ] && cluster_arg=(--cluster)
start_runner() {
  # shellcheck disable=SC2086
  $PY "$RUNNER" "${server_args[@]}" "${backend_args[@]}" --internal-secret "$INTERNAL_SECRET" \
    --impl "$IMPL" "${cluster_arg[@]}" --wait-servers 30 ${SIGNALING_ARGS:-} >"$T_DIR/runner.out" 2>&1 &
  RUNNER_PID=$!
  T_PIDS+=("$RUNNER_PID")
}

if [ "$IMPL" = talk-signaling ]; then
  BIN=$(t_bin talk-signaling 2>/dev/null)
  if [ -z "$BIN" ]; then
    echo "talk-signaling is not built ($TOP_BUILDDIR/src/signaling/talk-signaling missing):"
    echo "every acceptance case fails"
    n=$($PY "$RUNNER" --list "${server_args[@]}" "${backend_args[@]}" --internal-secret x \
      "${cluster_arg[@]}" | wc -l)
    echo "0 passed, $n failed"
    exit 1
  fi
fi
start_runner
for i in $(seq 0 $((NODES - 1))); do
  PORT=${PORTS[$i]}
  DIR=$T_DIR/node$i
  mkdir -p "$DIR"
  case "$IMPL" in
    spreed)
      # SPREED_BIN: another build of the anchor (e.g. Debian's 0.4.1, to see the cases fail)
      BIN=${SPREED_BIN:-$("$TOP_SRCDIR/tests/backend/fetch-spreed-backports.sh" 2>"$T_DIR/fetch.log")} || {
        cat "$T_DIR/fetch.log"; echo "cannot fetch the spreed anchor"; exit 1; }
      if [ "$CLUSTER" = 1 ]; then
        NATS=$NATS_URL
        other=$(( (i + 1) % NODES ))
        GRPC="listen = 127.0.0.1:${GRPC_PORTS[$i]}\ntargettype = static\ntargets = 127.0.0.1:${GRPC_PORTS[$other]}"
      else
        NATS=${SPREED_NATS:-nats://loopback}   # 0.4.1 spells it :loopback:
        GRPC=""
      fi
      fill "$TOP_SRCDIR/tests/integration/configs/signaling-spreed.conf.in" | sed 's/\\n/\n/g' >"$DIR/server.conf"
      t_start "spreed$i" "$BIN" -config "$DIR/server.conf"
      ;;
    talk-signaling)
      # one node: in-process bus; cluster: the real nats-server
      if [ "$CLUSTER" = 1 ]; then NATS=$NATS_URL; else NATS=loopback; fi
      GRPC=""
      mkdir -p "$DIR/secrets"
      for nc in $BACKENDS; do printf %s "${NC_SECRET[$nc]}" >"$DIR/secrets/$nc-secret"; done
      printf %s "$INTERNAL_SECRET" >"$DIR/secrets/internal-secret"
      printf %s acceptance-turn-api-key >"$DIR/secrets/turn-api-key"
      printf %s acceptance-turn-secret >"$DIR/secrets/turn-secret"
      # equal on every node, so that ids made by one node are valid on the other
      printf %s "acceptance-hash-key-0123456789abcdef" >"$DIR/secrets/hash-key"
      printf %s "acceptance-block-key-0123456789a" >"$DIR/secrets/block-key"
      chmod 600 "$DIR"/secrets/*
      fill "$TOP_SRCDIR/tests/integration/configs/signaling.cfg.in" >"$DIR/signaling.cfg"
      fill "$TOP_SRCDIR/tests/integration/configs/signaling-talk.cfg.in" >"$DIR/talk.cfg"
      t_start "talk-signaling$i" "$BIN" --config "$DIR/signaling.cfg" --foreground
      ;;
    *) echo "unknown SIGNALING_IMPL=$IMPL"; exit 1 ;;
  esac
done
for i in $(seq 0 $((NODES - 1))); do
  t_wait_port "${PORTS[$i]}" t 20 || { echo "server $i did not listen on ${PORTS[$i]}"; t_dump_logs; exit 1; }
done

tail -n +1 -f "$T_DIR/runner.out" --pid="$RUNNER_PID" 2>/dev/null
wait "$RUNNER_PID"
rc=$?
[ -n "${SIGNALING_KEEP_LOGS:-}" ] && cp "$T_DIR"/*.log "$SIGNALING_KEEP_LOGS"/
[ "$rc" = 0 ] || for f in "$T_DIR"/*.log; do echo "# --- $(basename "$f")"; tail -n 15 "$f" | cut -c1-300 | sed "s/^/#   /"; done
exit "$rc"
