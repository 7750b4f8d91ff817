#!/usr/bin/env bash
# Floods and volume (issue 13's table, see docs/benchmarks.md): each case
# timed side by side in one run, with shakedown's peak RSS.
#
#   short     500 MB of short lines ("y\n") through img.run, against
#             `docker run --rm IMG sh -c "yes | head -c 500000000" > /dev/null`
#   long      the same 500 MB as one long line (`head -c … /dev/zero | tr '\0' a`)
#   wait_log  c.wait_log("never matches", 10) on a container running
#             `yes 'a line of chatter'`: when it gives up, and the RSS
#   checks    200 checks of `img.run(["true"]).ok`, with --jobs 4 and --jobs 8
#
# Usage, from anywhere in the repository:
#
#   bash benches/floods.sh [CASE…]        # default: every case
#
# Environment:
#   BENCH_RUNS         counted rounds per case (default 1)
#   BENCH_WARMUP       1 runs a warm-up round first, not counted (default 0:
#                      a flood case takes minutes with the docker CLI)
#   BENCH_BYTES        the flood's size in bytes (default 500000000)
#   SHAKEDOWN_BIN      the binary to time (default target/release/shakedown,
#                      built with `cargo build --release` when missing or stale)
#   BENCH_BEFORE       another shakedown binary (e.g. one built from an older
#                      commit) timed alongside as the contender "before"
#   BENCH_CONTENDERS   only these contenders (space-separated names)
#
# Contenders of `short` and `long`: `docker` (the CLI, the engine's default
# json-file log driver, as the issue's baseline), `docker-nolog` (the CLI with
# --log-driver none: the output's transport alone), `shakedown` and `before`.
# Rounds rotate which contender goes first. The table reports median, min and
# max wall time and the peak RSS (GNU time's %M) over all rounds, then the
# ratios of the medians. It never judges the figures. Exit 1 if a contender
# fails its checks, 2 if it cannot set up, 0 otherwise.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

RUNS="${BENCH_RUNS:-1}"
WARMUP="${BENCH_WARMUP:-0}"
BYTES="${BENCH_BYTES:-500000000}"
IMAGE="shakedown-bench/busybox:latest"
BEFORE="${BENCH_BEFORE:-}"
read -r -a ONLY <<<"${BENCH_CONTENDERS:-}"
say() { echo "floods.sh: $*" >&2; }

if ! [[ "$RUNS" =~ ^[1-9][0-9]*$ ]]; then say "BENCH_RUNS must be a positive integer, got '$RUNS'"; exit 2; fi
if ! [[ "$BYTES" =~ ^[1-9][0-9]*$ ]]; then say "BENCH_BYTES must be a positive integer, got '$BYTES'"; exit 2; fi
[ -x /usr/bin/time ] || { say "GNU time is needed for the RSS figures (apt-get install -y time)"; exit 2; }
command -v python3 >/dev/null || { say "python3 is needed to read the JSON reports"; exit 2; }

stale() { [ ! -x "$1" ] || [ -n "$(find src Cargo.toml Cargo.lock -newer "$1" -print -quit)" ]; }
if [ -n "${SHAKEDOWN_BIN:-}" ]; then
  BIN=$SHAKEDOWN_BIN
else
  BIN=target/release/shakedown
  if stale "$BIN"; then
    say "building the release binary (cargo build --release)..."
    cargo build --release --quiet || { say "cargo build --release failed"; exit 2; }
  fi
fi

if [ ! -f docker/base/busybox ]; then
  bash docker/setup-engine.sh >&2 || { say "docker/setup-engine.sh failed"; exit 2; }
fi
docker build -q -t "$IMAGE" docker/base >/dev/null || { say "could not build $IMAGE"; exit 2; }

BASE=$(mktemp -d)
TMP=$BASE
# shellcheck source=benches/lib.sh
source benches/lib.sh
trap 'rm -rf "$BASE"' EXIT

# Runs a command under GNU time, appending its peak RSS (kB) to $TMP/<name>.rss.
measured() {
  local name=$1
  shift
  /usr/bin/time -a -o "$TMP/$name.rss" -f %M "$@"
}

# shakedown BINARY NAME ARGS…: a run with a JSON report kept in $TMP/<name>.json.
shakedown_run() {
  local bin=$1 name=$2 rc
  shift 2
  measured "$name" "$bin" run --format json --var "image=$IMAGE" "$@" >"$TMP/$name.json"
  rc=$?
  cat "$TMP/$name.json"
  return $rc
}

# The first record's value in a contender's last JSON report.
last_record() {
  python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(next(r["value"] for t in d["tasks"] for r in t["records"]))' "$TMP/$1.json"
}

keep_only() {
  local name kept=()
  [ ${#ONLY[@]} -eq 0 ] && return
  for name in "${CONTENDERS[@]}"; do
    [[ " ${ONLY[*]} " == *" $name "* ]] && kept+=("$name")
  done
  CONTENDERS=("${kept[@]}")
}

rss_mb() {
  if [ -s "$TMP/$1.rss" ]; then
    sort -n "$TMP/$1.rss" | tail -n 1 | awk '{ printf "%.1f", $1 / 1024 }'
  else
    echo "-"
  fi
}

print_case() {
  local name med min max
  declare -gA MED=()
  printf '%-14s %10s %8s %8s %12s\n' contender "median s" "min s" "max s" "peak RSS MB"
  for name in "${CONTENDERS[@]}"; do
    read -r med min max < <(stats "$TMP/$name")
    MED[$name]=$med
    printf '%-14s %10s %8s %8s %12s\n' "$name" "$med" "$min" "$max" "$(rss_mb "$name")"
  done
}

ratio() {
  [ -n "${MED[$1]:-}" ] && [ -n "${MED[$2]:-}" ] &&
    awk -v a="${MED[$1]}" -v b="${MED[$2]}" -v n="$1/$2" -v g="$3" 'BEGIN { printf "ratio %s = %.2f%s\n", n, a / b, g }'
}

flood_case() {
  local title=$1 cmd=$2
  CONTENDERS=(docker docker-nolog shakedown)
  [ -n "$BEFORE" ] && CONTENDERS+=(before)
  keep_only
  run_contender() {
    case "$1" in
      docker) measured docker docker run --rm "$IMAGE" sh -c "$cmd" >/dev/null ;;
      docker-nolog) measured docker-nolog docker run --rm --log-driver none "$IMAGE" sh -c "$cmd" >/dev/null ;;
      shakedown) shakedown_run "$BIN" shakedown --var "cmd=$cmd" benches/flood-run.rhai ;;
      before) shakedown_run "$BEFORE" before --var "cmd=$cmd" benches/flood-run.rhai ;;
    esac
  }
  echo "== $title: sh -c \"$cmd\""
  TMP=$BASE/$title && mkdir -p "$TMP"
  run_rounds
  print_case
  ratio shakedown docker " (goal <= 1.5)"
  ratio shakedown docker-nolog ""
  ratio before docker ""
  echo
}

wait_log_case() {
  local name
  CONTENDERS=(shakedown)
  [ -n "$BEFORE" ] && CONTENDERS+=(before)
  keep_only
  run_contender() {
    case "$1" in
      shakedown) shakedown_run "$BIN" shakedown benches/flood-wait-log.rhai ;;
      before) shakedown_run "$BEFORE" before benches/flood-wait-log.rhai ;;
    esac
    local rc=$?
    last_record "$1" >>"$TMP/$1.gaveup"
    return $rc
  }
  echo "== wait_log on a flooding container (yes 'a line of chatter'), timeout 10 s"
  TMP=$BASE/wait_log && mkdir -p "$TMP"
  run_rounds
  print_case
  for name in "${CONTENDERS[@]}"; do
    printf '%s gave up after (s, each round): %s (goal <= 11)\n' "$name" "$(tr '\n' ' ' <"$TMP/$name.gaveup")"
  done
  echo
}

checks_case() {
  CONTENDERS=(jobs4 jobs8)
  [ -n "$BEFORE" ] && CONTENDERS+=(before-jobs4 before-jobs8)
  keep_only
  run_contender() {
    case "$1" in
      jobs4) shakedown_run "$BIN" jobs4 --jobs 4 benches/checks-200.rhai ;;
      jobs8) shakedown_run "$BIN" jobs8 --jobs 8 benches/checks-200.rhai ;;
      before-jobs4) shakedown_run "$BEFORE" before-jobs4 --jobs 4 benches/checks-200.rhai ;;
      before-jobs8) shakedown_run "$BEFORE" before-jobs8 --jobs 8 benches/checks-200.rhai ;;
    esac
  }
  echo "== 200 checks of img.run([\"true\"]).ok"
  TMP=$BASE/checks && mkdir -p "$TMP"
  run_rounds
  print_case
  ratio jobs4 before-jobs4 " (goal <= 1.1)"
  ratio jobs8 before-jobs8 " (goal <= 1.1)"
  echo
}

CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(short long wait_log checks)

echo "shakedown benchmark: floods and volume"
echo "date:       $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine:    $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "engine:     Docker $(docker version --format '{{.Server.Version}}' 2>/dev/null), log driver $(docker info --format '{{.LoggingDriver}}' 2>/dev/null)"
echo "shakedown:  $("$BIN" --version) ($BIN)${BEFORE:+; before: $BEFORE}"
echo "rounds:     $RUNS counted per case ($WARMUP warm-up), rotating; flood $BYTES bytes"
echo

for case in "${CASES[@]}"; do
  case "$case" in
    short) flood_case "short lines" "yes | head -c $BYTES" ;;
    long) flood_case "long lines" "head -c $BYTES /dev/zero | tr '\\0' a" ;;
    wait_log) wait_log_case ;;
    checks) checks_case ;;
    *) say "unknown case '$case' (short, long, wait_log, checks)"; exit 2 ;;
  esac
done
