#!/bin/bash
# Unpacks nextcloud-spreed-signaling from bookworm-backports (the current protocol, the
# anchor of the signaling acceptance suite) into a cache directory, without touching the
# system's apt configuration or its installed 0.4.1. Idempotent: does nothing when the
# server binary is already there.
#
# usage: tests/backend/fetch-spreed-backports.sh [DEST]
#   DEST defaults to $SPREED_CACHE or /var/cache/talk-hpb/spreed-backports
# Prints the path of the unpacked server binary on success.
set -euo pipefail
DEST=${1:-${SPREED_CACHE:-/var/cache/talk-hpb/spreed-backports}}
BIN="$DEST/root/usr/bin/nextcloud-spreed-signaling-server"
if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
mkdir -p "$DEST"
APT="$DEST/apt"
mkdir -p "$APT/lists/partial" "$APT/archives/partial" "$APT/cache"
echo "deb http://deb.debian.org/debian bookworm-backports main" >"$APT/sources.list"
opts=(-o "Dir::Etc::sourcelist=$APT/sources.list" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache"
  -o "Dir::Cache::archives=$APT/archives" -o "APT::Get::List-Cleanup=0"
  -o "Debug::NoLocking=1")
[ "$(id -u)" = 0 ] && opts+=(-o "APT::Sandbox::User=root")
apt-get -q "${opts[@]}" update >&2
(cd "$DEST" && rm -f nextcloud-spreed-signaling_*.deb &&
  apt-get -q "${opts[@]}" download nextcloud-spreed-signaling/bookworm-backports >&2)
deb=$(ls "$DEST"/nextcloud-spreed-signaling_*.deb | head -n1)
rm -rf "$DEST/root.tmp"
dpkg -x "$deb" "$DEST/root.tmp"
mv "$DEST/root.tmp" "$DEST/root"
dpkg-deb -f "$deb" Version >"$DEST/VERSION"
echo "$BIN"
