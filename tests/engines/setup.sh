#!/usr/bin/env bash
# What tests/engines/extra-engine.sh needs beyond the engine that
# docker/setup-engine.sh makes answer: dockerd (docker.io) and ip
# (iproute2). Idempotent; installs only what is missing (Debian, as root).
set -euo pipefail

say() { printf 'engines/setup: %s\n' "$*" >&2; }

missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v flock >/dev/null 2>&1 || missing+=(util-linux)
if [ ${#missing[@]} -eq 0 ]; then
  say "ip, dockerd and flock are there; nothing to install"
  exit 0
fi
command -v apt-get >/dev/null 2>&1 || { say "no apt-get: install ${missing[*]} by hand"; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
say "apt-get install ${missing[*]}"
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
