#!/bin/sh
# Captures RTP and RTCP packets from ffmpeg's RTP muxer on loopback (VP8, VP9, H.264, opus)
# into tests/data/rtc/*.rtp / *.rtcp (records: 2-byte big-endian length + datagram).
# Run by hand: sh tests/data/rtc/capture/capture-rtp.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$here/.." && pwd)
base=$(python3 -c 'import random; print(random.randrange(20000, 60000, 16))')

capture() { # name count ffmpeg-input-and-codec-args...
  name=$1; count=$2; shift 2
  python3 "$here/udp-capture.py" 20 "$count" "$base:$out/$name.rtp" "$((base + 1)):$out/$name.rtcp" &
  cap=$!
  sleep 0.5
  ffmpeg -hide_banner -loglevel error -re "$@" -t 6 -f rtp "rtp://127.0.0.1:$base?rtcpport=$((base + 1))" \
    >/dev/null </dev/null || true
  wait "$cap"
  base=$((base + 2))
}

capture vp8 40 -f lavfi -i testsrc=size=320x240:rate=15 -c:v libvpx -deadline realtime -b:v 150k -g 30 -auto-alt-ref 0
capture vp9 30 -f lavfi -i testsrc=size=320x240:rate=15 -c:v libvpx-vp9 -deadline realtime -b:v 150k -g 30 -strict experimental
capture h264 30 -f lavfi -i testsrc=size=320x240:rate=15 -pix_fmt yuv420p -c:v libx264 -profile:v baseline -tune zerolatency -g 30 -b:v 150k
capture opus 30 -f lavfi -i sine=frequency=440:sample_rate=48000 -c:a libopus -b:a 32k
ls -l "$out"/*.rtp "$out"/*.rtcp
