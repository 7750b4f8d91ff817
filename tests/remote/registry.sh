#!/usr/bin/env bash
# An image registry for the pull and push tests: Debian's `docker-registry`
# (distribution v2) on 127.0.0.1:5000 with htpasswd basic auth.
#
#   bash tests/remote/registry.sh          # start it (idempotent), or check it answers
#   bash tests/remote/registry.sh stop     # end the one this script started
#
# Its own config, htpasswd file (bcrypt, made with apache2-utils' htpasswd)
# and storage live under /var/lib/shakedown-registry; its pid and log under
# /run/shakedown-registry. It runs in the background by pid (setsid), not as
# a service, so it works where systemd does not run. The engine talks plain
# HTTP to it: dockerd treats registries on 127.0.0.0/8 as insecure by
# default (`docker info` lists "Insecure Registries: 127.0.0.0/8").
#
# The tests log in as USER with PASSWORD below (tests/common/registry.rs
# holds the same two values).
set -euo pipefail

USER_NAME=shakedown
PASSWORD=shakedown-registry-test
ADDR=127.0.0.1:5000

say() { printf 'remote/registry: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

data=/var/lib/shakedown-registry
run=/run/shakedown-registry
config=$data/config.yml
htpasswd_file=$data/htpasswd
pidfile=$run/registry.pid
log=$run/registry.log

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# 401 without credentials, 200 with them: the registry is up and its auth works.
answers() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$ADDR/v2/")" = 401 ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -u "$USER_NAME:$PASSWORD" "http://$ADDR/v2/")" = 200 ]
}

install() {
  local missing=()
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "no apt-get: install ${missing[*]} by hand"
  [ "$(id -u)" = 0 ] || die "needs root to install ${missing[*]}"
  say "apt-get install ${missing[*]}"
  # The package's own service (on :5000) is not wanted: this script runs
  # the registry. Keep services from starting during the install, as
  # Docker's Debian images do, unless a policy is already there.
  local policy=/usr/sbin/policy-rc.d placed=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    placed=1
  fi
  env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [ -n "$placed" ]; then rm -f "$policy"; fi
}

write_config() {
  mkdir -p "$data/storage" "$run"
  if [ ! -s "$htpasswd_file" ] || ! htpasswd -vb "$htpasswd_file" "$USER_NAME" "$PASSWORD" >/dev/null 2>&1; then
    htpasswd -Bbc "$htpasswd_file" "$USER_NAME" "$PASSWORD" 2>/dev/null
  fi
  cat >"$config.new" <<YAML
version: 0.1
log:
  level: info
  fields:
    service: shakedown-test-registry
storage:
  filesystem:
    rootdirectory: $data/storage
  delete:
    enabled: true
http:
  addr: $ADDR
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: shakedown-test-registry
    path: $htpasswd_file
YAML
  mv "$config.new" "$config"
}

stop() {
  local pid i
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

start() {
  local pid i
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if alive "$pid" && answers; then
    say "already answering on $ADDR (pid $pid)"
    return 0
  fi
  install
  write_config
  stop
  if curl -s -o /dev/null --max-time 2 "http://$ADDR/v2/"; then
    die "something else answers on $ADDR (the package's own service? \`service docker-registry stop\`); stop it or free the port"
  fi
  say "starting docker-registry on $ADDR (config $config, log $log)"
  setsid docker-registry serve "$config" >"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  for ((i = 0; i < 300; i++)); do
    if answers; then
      say "ready: $ADDR, basic auth as $USER_NAME (pid $(cat "$pidfile"))"
      return 0
    fi
    alive "$(cat "$pidfile")" || break
    sleep 0.1
  done
  tail -n 20 "$log" >&2 || true
  stop
  die "docker-registry did not answer on $ADDR within 30 s"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 [start|stop]" ;;
esac
