#!/usr/bin/env bash
# Make a Docker Engine answer on this machine, and put the static busybox the
# demo and test images are built from into their build contexts.
#
# Idempotent: when an engine already answers (DOCKER_HOST or the local
# socket) it installs and starts nothing. On Debian it installs `docker.io`
# and `busybox-static` when missing, starts `dockerd` in the background and
# waits until it answers.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log=${SHAKEDOWN_DOCKERD_LOG:-/var/log/shakedown-dockerd.log}
wait_secs=${SHAKEDOWN_ENGINE_WAIT:-60}

say() { printf 'setup-engine: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

engine_answers() { command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $* (run this script as root, or install it by hand)"; fi
}

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "no apt-get: install $* by hand (this script knows Debian only)"
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

busybox_path() {
  # Only Debian's busybox-static is known to be statically linked; the
  # dynamic `busybox` package would not run in a FROM scratch image.
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || return 1
  fi
  for p in /bin/busybox /usr/bin/busybox; do
    if [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  return 1
}

# 1. busybox for the FROM scratch images.
bb=$(busybox_path || true)
if [ -z "$bb" ]; then
  apt_install busybox-static
  bb=$(busybox_path) || die "busybox-static installed, but no static busybox found in /bin or /usr/bin"
fi
for ctx in "$here/base" "$here/../tests/fixtures/base"; do
  if [ -d "$ctx" ] && ! cmp -s "$bb" "$ctx/busybox" 2>/dev/null; then
    cp "$bb" "$ctx/busybox"
    say "copied $bb into ${ctx#"$here/"}"
  fi
done

# 2. The engine.
if engine_answers; then
  say "an engine answers (${DOCKER_HOST:-unix:///var/run/docker.sock}); nothing to start"
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then
  die "DOCKER_HOST=$DOCKER_HOST does not answer; start that engine, or unset DOCKER_HOST to use a local one"
fi
if ! command -v dockerd >/dev/null 2>&1; then
  apt_install docker.io
fi
command -v dockerd >/dev/null 2>&1 || die "dockerd not found after installing docker.io"

# A dockerd that is alive (not a zombie left by a killed session) may still
# be starting: wait for it rather than start a second one.
live_dockerd() {
  local pid state
  for pid in $(pgrep -x dockerd 2>/dev/null); do
    state=$(ps -o stat= -p "$pid" 2>/dev/null)
    case "$state" in Z*|"") ;; *) return 0 ;; esac
  done
  return 1
}
if ! live_dockerd; then
  # A killed dockerd leaves its pid file behind; a new one refuses to start
  # while it names a process.
  as_root rm -f /var/run/docker.pid
  say "starting dockerd (log: $log)"
  as_root bash -c "nohup dockerd >>'$log' 2>&1 </dev/null &"
fi
for _ in $(seq 1 "$wait_secs"); do
  if engine_answers; then say "engine is up"; exit 0; fi
  sleep 1
done
tail -n 20 "$log" >&2 2>/dev/null || true
die "dockerd did not answer within ${wait_secs}s; see $log"
