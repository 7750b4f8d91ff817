#!/usr/bin/env bash
# img.to() against `docker save IMAGE | docker -H OTHER load`: the same
# image copied from the shared engine to a second engine of this script's
# own (tests/engines/extra-engine.sh), side by side, rounds alternating.
# Two images: the demo's CPU image (small) and a 200 MB image built FROM
# scratch with 200 MB of random bytes. Before each timed copy the image is
# removed from the second engine, so both contenders load it in full.
# shakedown's peak RSS comes from /usr/bin/time -v (its "Maximum resident
# set size").
#
#   bash benches/img-to.sh            (RUNS=5 rounds; SHAKEDOWN=path/to/binary)
#
# Needs root (the second engine), about 700 MB of free disk, and the demo's
# CPU image (built here from scripts/ if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
SHAKEDOWN=${SHAKEDOWN:-}
if [ -z "$SHAKEDOWN" ]; then
  if [ -x target/release/shakedown ]; then SHAKEDOWN=target/release/shakedown; else SHAKEDOWN=target/debug/shakedown; fi
fi
NAME=bto$$
NAME=${NAME:0:10}
BIG=shakedown-bench/random:200mb
DEMO=shakedown-demo/facecraft:cpu
TMP=$(mktemp -d)
say() { printf 'img-to: %s\n' "$*" >&2; }

cleanup() {
  docker rmi -f "$BIG" >/dev/null 2>&1 || true
  bash tests/engines/extra-engine.sh stop "$NAME" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

unset DOCKER_HOST
if ! docker image inspect "$DEMO" >/dev/null 2>&1; then
  say "building $DEMO"
  "$SHAKEDOWN" run --filter "CPU image" --approve scripts/demo.rhai >/dev/null
fi
say "building $BIG (200 MB of random bytes on scratch)"
mkdir -p "$TMP/big"
head -c 200000000 /dev/urandom >"$TMP/big/random.bin"
printf 'FROM scratch\nCOPY random.bin /random.bin\n' >"$TMP/big/Dockerfile"
docker build -q -t "$BIG" "$TMP/big" >/dev/null
rm -f "$TMP/big/random.bin"

say "starting a second engine ($NAME)"
OTHER=$(bash tests/engines/extra-engine.sh start "$NAME" 2>/dev/null | sed -n 's/^DOCKER_HOST=//p')

forget() { docker -H "$OTHER" rmi -f "$1" >/dev/null 2>&1 || docker -H "$OTHER" rmi -f "$(docker image inspect -f '{{.Id}}' "$1")" >/dev/null 2>&1 || true; }

# Times one copy of image $2 by contender $1; appends microseconds to
# $TMP/$1-$2 and, for shakedown, the peak RSS (KB) to $TMP/rss-$2.
copy_once() {
  local who=$1 image=$2 t0 t1 key
  key=$(echo "$image" | tr '/:' '__')
  forget "$image"
  t0=${EPOCHREALTIME/./}
  case $who in
    shakedown)
      /usr/bin/time -v -o "$TMP/time" "$SHAKEDOWN" run benches/img-to.rhai \
        --engine "bench=$OTHER" --var "image=$image" --format json >"$TMP/out" 2>&1 ||
        { say "shakedown failed:"; cat "$TMP/out" "$TMP/time" >&2; exit 1; }
      ;;
    docker)
      docker save "$image" | docker -H "$OTHER" load -q >"$TMP/out" 2>&1 ||
        { say "docker save | load failed:"; cat "$TMP/out" >&2; exit 1; }
      ;;
  esac
  t1=${EPOCHREALTIME/./}
  echo $((t1 - t0)) >>"$TMP/$who-$key"
  if [ "$who" = shakedown ]; then
    sed -n 's/.*Maximum resident set size (kbytes): //p' "$TMP/time" >>"$TMP/rss-$key"
  fi
  docker -H "$OTHER" image inspect "$image" >/dev/null || { say "$image is not on the second engine after $who"; exit 1; }
}

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maximum() { sort -n "$1" | tail -n 1; }

say "binary: $SHAKEDOWN; $RUNS rounds per image, after one warm-up round"
printf '%-30s %14s %14s %8s %16s\n' image "shakedown s" "save|load s" ratio "peak RSS MB"
for image in "$DEMO" "$BIG"; do
  key=$(echo "$image" | tr '/:' '__')
  copy_once shakedown "$image"; copy_once docker "$image" # warm-up
  : >"$TMP/shakedown-$key"; : >"$TMP/docker-$key"; : >"$TMP/rss-$key"
  for ((round = 0; round < RUNS; round++)); do
    if ((round % 2)); then
      copy_once docker "$image"; copy_once shakedown "$image"
    else
      copy_once shakedown "$image"; copy_once docker "$image"
    fi
  done
  s=$(median "$TMP/shakedown-$key")
  d=$(median "$TMP/docker-$key")
  rss=$(maximum "$TMP/rss-$key")
  awk -v i="$image" -v s="$s" -v d="$d" -v r="$rss" \
    'BEGIN { printf "%-30s %14.3f %14.3f %8.2f %16.1f\n", i, s / 1e6, d / 1e6, s / d, r / 1024 }'
done
echo "ratio = shakedown / (docker save | docker load), medians; peak RSS is the largest of the rounds"
