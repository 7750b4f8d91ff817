#!/usr/bin/env bash
# A Docker Engine of its own beside the machine's, for tests that must not
# touch the shared one (freeze it, give it TLS, stop it):
#
#   bash tests/engines/extra-engine.sh start NAME [DOCKERD FLAGS…]
#   bash tests/engines/extra-engine.sh stop NAME
#   bash tests/engines/extra-engine.sh pids NAME     # dockerd's pid, then containerd's
#
# `start` runs a dockerd with its own --data-root, --exec-root, --pidfile and
# unix socket (under /run/shakedown-engines/NAME and
# /var/lib/shakedown-engines/NAME), its own containerd (dockerd starts one
# under its exec root), and its own bridge `sde-NAME` on a free 10.213.X.0/24
# subnet, which this script creates. Extra flags go to dockerd as they are,
# e.g. `-H tcp://127.0.0.1:2376 --tlsverify --tlscacert … --tlscert … --tlskey …`.
# It prints `DOCKER_HOST=unix://…` on stdout once the engine answers.
#
# The extra engine never touches the first engine's docker0 or its iptables
# rules: it runs with --iptables=false --ip-masq=false --ip-forward=false on
# its own bridge (a second dockerd with --bridge none, or one that rewrites
# the NAT rules, leaves the first engine unable to network its containers).
# So its containers reach the host and each other, not the internet.
#
# `stop` ends only what `start` started, by the pids it recorded: SIGTERM,
# then SIGKILL after 20 s; then it unmounts what the engine left mounted,
# deletes the bridge and the engine's directories. Safe to call twice, or
# after a failed start. Needs root, dockerd and ip (iproute2).
set -euo pipefail

usage() { echo "usage: $0 start|stop|pids NAME [DOCKERD FLAGS…]" >&2; exit 2; }
say() { printf 'extra-engine: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ $# -ge 2 ] || usage
action=$1
name=$2
shift 2
[[ "$name" =~ ^[a-z0-9][a-z0-9-]{0,9}$ ]] || die "NAME must be 1-10 of a-z, 0-9, - (it names a network interface): '$name'"

run=/run/shakedown-engines/$name
data=/var/lib/shakedown-engines/$name
bridge=sde-$name
sock=$run/docker.sock
pidfile=$run/dockerd.pid
log=$run/dockerd.log

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

containerd_pid() {
  local f
  for f in "$run/exec/containerd/containerd.pid" "$run/containerd.pid"; do
    if [ -s "$f" ]; then cat "$f"; return 0; fi
  done
  return 1
}

# Ends a process we started, by pid: SIGTERM, then SIGKILL.
end() {
  local pid=$1 what=$2 i
  alive "$pid" || return 0
  kill -CONT "$pid" 2>/dev/null || true # a frozen engine cannot end otherwise
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  say "$what ($pid) did not end on SIGTERM within 20 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

stop() {
  local pid cpid mnt
  pid=$(cat "$pidfile" 2>/dev/null || true)
  cpid=$(containerd_pid || true)
  [ -n "$cpid" ] && kill -CONT "$cpid" 2>/dev/null || true
  [ -n "$pid" ] && end "$pid" dockerd
  [ -n "$cpid" ] && end "$cpid" containerd
  # What a killed engine leaves mounted under its directories.
  for mnt in $(awk -v d="$data" -v r="$run" 'index($2, d) == 1 || index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$mnt" 2>/dev/null || true
  done
  if ip link show "$bridge" >/dev/null 2>&1; then ip link delete "$bridge" type bridge; fi
  rm -rf "$run" "$data"
}

# A 10.213.X.0/24 no interface or route of this machine uses; the lock
# keeps two starts from taking the same one.
free_subnet() {
  local x
  for ((x = 1; x < 255; x++)); do
    if ! ip -4 route show | grep -q "^10\.213\.$x\.0/24" &&
      ! ip -4 addr show | grep -q "inet 10\.213\.$x\."; then
      echo "$x"
      return 0
    fi
  done
  return 1
}

start() {
  local x i
  [ "$(id -u)" = 0 ] || die "needs root (it creates a bridge and runs dockerd)"
  command -v dockerd >/dev/null || die "dockerd not found (bash docker/setup-engine.sh installs docker.io)"
  command -v ip >/dev/null || die "ip not found (apt-get install -y iproute2)"
  if [ -s "$pidfile" ] && alive "$(cat "$pidfile")"; then die "engine '$name' is already running (pid $(cat "$pidfile"))"; fi
  stop # what a failed start or a killed session left
  mkdir -p "$run" "$data" /run/shakedown-engines
  exec 9>/run/shakedown-engines/.lock
  flock 9
  x=$(free_subnet) || die "no free 10.213.X.0/24 subnet"
  ip link add "$bridge" type bridge
  ip addr add "10.213.$x.1/24" dev "$bridge"
  ip link set "$bridge" up
  flock -u 9
  say "starting dockerd '$name' on $sock (bridge $bridge, 10.213.$x.0/24; log: $log)"
  setsid dockerd \
    --host "unix://$sock" \
    --data-root "$data" \
    --exec-root "$run/exec" \
    --pidfile "$pidfile" \
    --bridge "$bridge" \
    --iptables=false --ip-masq=false --ip-forward=false \
    --userland-proxy=true \
    "$@" >"$log" 2>&1 </dev/null &
  for ((i = 0; i < 600; i++)); do
    if [ -S "$sock" ] && DOCKER_HOST="unix://$sock" timeout 5 docker version >/dev/null 2>&1; then
      echo "DOCKER_HOST=unix://$sock"
      return 0
    fi
    if [ $i -gt 20 ] && ! alive "$(cat "$pidfile" 2>/dev/null || true)" && ! jobs -r | grep -q .; then
      break
    fi
    sleep 0.1
  done
  tail -n 20 "$log" >&2 || true
  stop
  die "dockerd '$name' did not answer within 60 s"
}

case "$action" in
  start) start "$@" ;;
  stop) stop ;;
  pids)
    [ -s "$pidfile" ] || die "engine '$name' is not running"
    echo "$(cat "$pidfile")"
    cpid=$(containerd_pid) && echo "$cpid"
    ;;
  *) usage ;;
esac
