#!/bin/bash
# Package test: build the .debs from this tree, install them, check what they put on the
# system (files, conffiles, secrets, programs, units), run lintian, then remove, purge and
# check that nothing is left. Needs root for dpkg; units are checked statically because
# systemd need not be running. Ends with "N passed, N failed" (tests/integration/lib.sh).
#
# Environment: DEB_BUILD_OPTIONS is passed on (e.g. nocheck); TALK_PKG_KEEP=DIR copies the
# built .debs and logs to DIR. The build uses ccache when it is installed.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    exec sudo --preserve-env=DEB_BUILD_OPTIONS,TALK_PKG_KEEP,TMPDIR bash "$0" "$@"
  fi
  echo "not ok - tests/package/run.sh needs root (dpkg -i/--purge): run it as root or allow sudo"
  echo "0 passed, 1 failed"
  exit 1
fi

# shellcheck source=../integration/lib.sh
. "$REPO/tests/integration/lib.sh"

# One package test at a time per machine: they install the same packages.
exec 9>"${TMPDIR:-/tmp}/talk-hpb-package-test.lock"
if ! flock -w 900 9; then
  echo "not ok - another package test holds ${TMPDIR:-/tmp}/talk-hpb-package-test.lock"
  T_FAILED=1
  finish
  exit 1
fi

W=$T_DIR # removed by lib.sh on exit
# Package steps (build, install, purge) are slower than a test client: bound each at 10 min.
T_TIMEOUT=${T_TIMEOUT:-600}
mapfile -t PKGS < <(awk '/^Package:/ { print $2 }' "$REPO/debian/control")
VERSION=$(dpkg-parsechangelog -l "$REPO/debian/changelog" -S Version)
UPSTREAM=${VERSION%%-*}

installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }
known() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qv '^not-installed$'; }

# Files (not directories) of our installed packages, one per line.
package_files() {
  local p f
  for p in "${PKGS[@]}"; do
    installed "$p" || continue
    while read -r f; do
      [ -d "$f" ] || echo "$f"
    done < <(dpkg -L "$p")
  done | sort -u
}

# --- 0. a clean start ------------------------------------------------------------------
leftover=()
for p in "${PKGS[@]}"; do known "$p" && leftover+=("$p"); done
if [ ${#leftover[@]} -gt 0 ]; then
  echo "# purging packages left from an earlier run: ${leftover[*]}"
  dpkg --purge "${leftover[@]}" >/dev/null
fi

# --- 1. build ---------------------------------------------------------------------------
copy_tree() {
  mkdir -p "$W/src/talk-hpb"
  if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
    # what git would commit: tracked and new files, without anything .gitignore names
    # (build trees, generated configure); files deleted in the work tree are skipped
    (cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
      tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -x -C "$W/src/talk-hpb"
  else
    (cd "$REPO" && tar --exclude='./build*' --exclude=./.git -cf - .) | tar -x -C "$W/src/talk-hpb"
  fi
}

build_debs() {
  local opts path=$PATH
  opts="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}"
  local cache_dir=${CCACHE_DIR:-}
  if [ -d /usr/lib/ccache ]; then
    path=/usr/lib/ccache:$PATH
    # debhelper points HOME into the build tree: name the real cache explicitly.
    [ -n "$cache_dir" ] || cache_dir=$(ccache -k cache_dir 2>/dev/null)
  fi
  # CCACHE_BASEDIR makes cached objects reusable from any temporary directory.
  (cd "$W/src/talk-hpb" &&
    DEB_BUILD_OPTIONS=$opts PATH=$path CCACHE_BASEDIR="$W/src" CCACHE_DIR=$cache_dir \
      timeout 3000 dpkg-buildpackage -b -us -uc) >"$W/build.txt" 2>&1 || {
    tail -n 60 "$W/build.txt"
    return 1
  }
}

check "copy the source tree" copy_tree
start=$SECONDS
check "dpkg-buildpackage -b -us -uc" build_debs
echo "# package build took $((SECONDS - start)) s"
mapfile -t DEBS < <(find "$W/src" -maxdepth 1 -name '*.deb' ! -name '*-dbgsym_*' | sort)
CHANGES=$(find "$W/src" -maxdepth 1 -name '*.changes' | head -n1)
if [ -n "${TALK_PKG_KEEP:-}" ]; then
  mkdir -p "$TALK_PKG_KEEP" && cp "$W"/src/*.deb "$W"/src/*.changes "$W/build.txt" "$TALK_PKG_KEEP"/ 2>/dev/null
fi
if [ ${#DEBS[@]} -ne ${#PKGS[@]} ]; then
  echo "not ok - one .deb per package in debian/control (${PKGS[*]}), got: ${DEBS[*]:-none}"
  T_FAILED=$((T_FAILED + 1))
  finish
  exit 1
fi

# --- 2. lintian -------------------------------------------------------------------------
run_lintian() {
  # lintian warns when run as root; that line is not a tag
  timeout 600 lintian --fail-on error --display-info "$CHANGES" 2>&1 | grep -v 'running with root privileges' |
    tee "$W/lintian.txt"
  return "${PIPESTATUS[0]}"
}
check "lintian: no errors" run_lintian
if [ -s "$W/lintian.txt" ]; then
  echo "# lintian tags (warnings and infos allowed):"
  sed 's/^/#   /' "$W/lintian.txt"
fi

# --- 3. install -------------------------------------------------------------------------
check "dpkg -i ${DEBS[*]##*/}" dpkg -i "${DEBS[@]}"
for p in "${PKGS[@]}"; do
  check "$p is installed" installed "$p"
done

all_files_present() {
  local f missing=0
  for p in "${PKGS[@]}"; do
    while read -r f; do
      [ -e "$f" ] || { echo "missing: $f ($p)"; missing=1; }
    done < <(dpkg -L "$p")
  done
  return $missing
}
check "every file dpkg lists is on disk" all_files_present
package_files >"$W/files.txt"

etc_files_are_conffiles() {
  local p f bad=0 conf
  for p in "${PKGS[@]}"; do
    conf=$(dpkg-query -W -f='${Conffiles}\n' "$p")
    while read -r f; do
      grep -q "^ $f " <<<"$conf" || { echo "$f ($p) is not a conffile"; bad=1; }
    done < <(dpkg -L "$p" | grep '^/etc/' | while read -r x; do [ -f "$x" ] && echo "$x"; done)
  done
  return $bad
}
check "/etc/talk/talk.cfg is a conffile of talk-common" \
  grep -q '^ /etc/talk/talk.cfg ' <(dpkg-query -W -f='${Conffiles}\n' talk-common)
check "every file under /etc is a conffile" etc_files_are_conffiles

# Man pages: every page renders without groff warnings (checked like lintian does; layout
# notes about a long unbreakable word are not errors), and talk.cfg(5) is there.
man_pages_render() {
  local f err bad=0
  while read -r f; do
    err=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$f" 2>&1 >/dev/null |
      grep -vE "cannot adjust line|can't break line")
    [ -z "$err" ] || { echo "$f: $err"; bad=1; }
  done < <(grep '^/usr/share/man/' "$W/files.txt")
  return $bad
}
check "talk.cfg(5) installed" test -f /usr/share/man/man5/talk.cfg.5.gz
check "man pages render without warnings" man_pages_render

# Programs: each one answers --version with the package version.
programs_report_version() {
  local f out bad=0 n=0
  while read -r f; do
    n=$((n + 1))
    out=$(timeout 10 "$f" --version 2>&1) || { echo "$f --version failed: $out"; bad=1; continue; }
    grep -qF "$UPSTREAM" <<<"$out" || { echo "$f --version does not name $UPSTREAM: $out"; bad=1; }
  done < <(grep -E '^/usr/s?bin/' "$W/files.txt")
  [ "$n" -gt 0 ] || { echo "no programs installed"; return 1; }
  return $bad
}
check "talk-nats --version" bash -c "talk-nats --version | grep -qF '$UPSTREAM'"
check "every program answers --version with $UPSTREAM" programs_report_version

# Secrets: directory 0700 root, generated secret 0600 root, random, kept on reinstall.
SECRET=/etc/talk/secrets/turn-secret
secret_ok() {
  [ "$(stat -c '%a %U %G' /etc/talk/secrets)" = "700 root root" ] || { stat /etc/talk/secrets; return 1; }
  [ "$(stat -c '%a %U %G %F' "$SECRET")" = "600 root root regular file" ] || { stat "$SECRET"; return 1; }
  grep -qxE '[0-9a-f]{64}' "$SECRET" || { echo "unexpected secret format"; return 1; }
}
check "/etc/talk/secrets 0700 and turn-secret 0600 root, 64 hex digits" secret_ok
sum_before=$(sha256sum "$SECRET" 2>/dev/null)
# The shipped configuration must start as installed: the unit's ExecStartPre runs exactly this.
check "talk-turn --check-config accepts the shipped /etc/talk config" \
  bash -c 'talk-turn --check-config 2>&1 | tee /dev/stderr | grep -q "configuration OK"'
check "reinstalling the packages succeeds" dpkg -i "${DEBS[@]}"
check "reinstalling keeps turn-secret unchanged" test "$(sha256sum "$SECRET" 2>/dev/null)" = "$sum_before"
printf 'admin-chosen\n' >"$SECRET"
check "dpkg-reconfigure talk-common keeps an admin's secret" \
  bash -c "dpkg-reconfigure -fnoninteractive talk-common && grep -qx admin-chosen '$SECRET'"
rm -f "$SECRET"
check "dpkg-reconfigure talk-common regenerates a missing secret" \
  bash -c "dpkg-reconfigure -fnoninteractive talk-common && [ \"\$(stat -c %a '$SECRET')\" = 600 ] && \
           grep -qxE '[0-9a-f]{64}' '$SECRET' && [ \"\$(sha256sum < '$SECRET')\" != \"${sum_before%% *}  -\" ]"

# Units: static checks of every unit our packages ship; enabled where they say so.
mapfile -t UNITS < <(grep -E '^(/usr)?/lib/systemd/system/[^/]+\.(service|socket|timer)$' "$W/files.txt")
if [ ${#UNITS[@]} -eq 0 ]; then
  echo "# no systemd units shipped yet"
else
  check "systemd-analyze verify + security (<= 2.5): ${UNITS[*]##*/}" \
    bash "$REPO/scripts/unit-security.sh" --threshold=2.5 "${UNITS[@]}"
  units_enabled() {
    local u name bad=0
    for u in "${UNITS[@]}"; do
      name=${u##*/}
      case $name in *@.*) continue ;; esac # templates are never enabled automatically
      while read -r target; do
        [ -L "/etc/systemd/system/$target.wants/$name" ] ||
          { echo "$name not enabled in $target.wants"; bad=1; }
      done < <(sed -n 's/^WantedBy=//p' "$u" | tr ' ' '\n' | grep .)
    done
    return $bad
  }
  check "units with WantedBy= are enabled" units_enabled
fi

# The autopkgtest smoke test, run here against the same installation.
check "debian/tests/smoke (autopkgtest)" timeout 300 "$REPO/debian/tests/smoke"

# --- 4. remove, then purge --------------------------------------------------------------
check "dpkg -r ${PKGS[*]}" dpkg -r "${PKGS[@]}"
removed_keeps_config() {
  [ -f /etc/talk/talk.cfg ] || { echo "talk.cfg removed by 'remove'"; return 1; }
  [ -f "$SECRET" ] || { echo "secret removed by 'remove'"; return 1; }
  ! grep -E '^/usr/' "$W/files.txt" | while read -r f; do [ -e "$f" ] && echo "left: $f"; done | grep .
}
check "remove keeps conffiles and secrets, deletes programs" removed_keeps_config

check "dpkg --purge ${PKGS[*]}" dpkg --purge "${PKGS[@]}"
nothing_left() {
  local p f bad=0
  for p in "${PKGS[@]}"; do
    known "$p" && { echo "$p still known to dpkg"; bad=1; }
  done
  [ -e /etc/talk ] && { echo "/etc/talk still exists:"; find /etc/talk; bad=1; }
  while read -r f; do
    [ -e "$f" ] || [ -L "$f" ] && { echo "left: $f"; bad=1; }
  done <"$W/files.txt"
  for f in /etc/systemd/system/*.wants/talk-* /var/lib/systemd/deb-systemd-helper-enabled/talk-*; do
    [ -e "$f" ] || [ -L "$f" ] && { echo "left: $f"; bad=1; }
  done
  return $bad
}
check "purge leaves nothing (no /etc/talk, no files, no unit links)" nothing_left

finish
