#!/bin/bash
# Hostile input against a running TURN server: malformed, truncated, oversized and random
# datagrams (UDP) and streams (TCP, TLS: garbage first byte, half-written frames left open,
# a huge declared length, slowloris, an idle-connection flood) from tools/turn-fuzz-client.
# Afterwards the server must answer Binding, relay a uclient run with zero loss, still be
# running, and (sanitizer build) have logged no AddressSanitizer/UBSan report.
# TT_FUZZ_SEED picks the random part (printed, so a failure can be replayed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/turn-lib.sh"

FUZZ=$(tt_tool turn-fuzz-client)
if [ -z "$FUZZ" ]; then
  echo "turn-fuzz-client not built (make check builds it)"
  T_FAILED=1
  finish
  exit 1
fi
SEED=${TT_FUZZ_SEED:-$RANDOM}
echo "# fuzz seed $SEED (TT_FUZZ_SEED=$SEED replays it)"
# talk-turn must also close streams that start with garbage (spec §1.4); coturn leaves them open.
STRICT=()
[ "$TURN_IMPL" = talk-turn ] && STRICT=(--strict)

check "server starts and answers Binding" tt_start turn allow_loopback=1
tt_start_peer

check "UDP: malformed/truncated/oversized/random datagrams, then Binding answered" \
  "$FUZZ" --proto udp --server "127.0.0.1:$TURN_PORT" --seed "$SEED" --rounds 5000
check "UDP: second round with another seed" \
  "$FUZZ" --proto udp --server "127.0.0.1:$TURN_PORT" --seed "$((SEED + 1))" --rounds 5000
fuzz_user=$(tt_rest_user 3600 fuzz)
check "UDP on a live allocation: hostile authenticated requests, ChannelData with lying lengths" \
  "$FUZZ" --proto udp-auth --server "127.0.0.1:$TURN_PORT" --seed "$SEED" --rounds 3000 \
  --user "$fuzz_user" --password "$(tt_rest_password "$TURN_SECRET" "$fuzz_user")"
check "TCP: garbage, half frames, huge length, slowloris, flood; Binding still answered" \
  "$FUZZ" --proto tcp --server "127.0.0.1:$TURN_PORT" --seed "$SEED" "${STRICT[@]}"
check "TLS: the same inside TLS plus raw bytes on the TLS port; Binding still answered" \
  "$FUZZ" --proto tls --server "127.0.0.1:$TURN_TLS_PORT" --seed "$SEED" "${STRICT[@]}"
check "STUN Binding (turnutils_stunclient) still answered" tt_binding
check "uclient UDP via echo peer still relays with zero loss" \
  tt_uclient_ok -W "$TURN_SECRET" -e 127.0.0.1 -r "$PEER_PORT" -n 20
check "uclient TCP -y still relays with zero loss" tt_uclient_ok -W "$TURN_SECRET" -y -t
check "server still alive, no sanitizer report" tt_server_healthy
finish
