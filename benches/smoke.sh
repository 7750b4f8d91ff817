#!/usr/bin/env bash
# The smoke test timed two ways on the same prebuilt image
# shakedown-demo/facecraft:cpu (see docs/benchmarks.md):
#
#   shakedown  shakedown run --var image=… scripts/demo-smoke.rhai
#   shell      bash benches/seed-smoke.sh   (docker run -d, curl loop, exec, cp, trap)
#
# Usage, from anywhere in the repository:
#
#   bash benches/smoke.sh
#
# Environment:
#   BENCH_RUNS      counted rounds (default 10); one warm-up round more is run
#                   first and not counted
#   SHAKEDOWN_BIN   the binary to time (default: target/release/shakedown when
#                   it is up to date, else target/debug/shakedown, built with
#                   `cargo build` when missing or stale)
#
# Rounds alternate which contender goes first, so a noisy machine slows both
# alike; the table reports median, min and max wall time and the ratio of the
# medians. Every run's exit code is checked: exit 1 if a contender fails,
# 2 if it cannot set up, 0 otherwise. It never judges the timings.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

RUNS="${BENCH_RUNS:-10}"
IMAGE="shakedown-demo/facecraft:cpu"
say() { echo "smoke.sh: $*" >&2; }

if ! [[ "$RUNS" =~ ^[1-9][0-9]*$ ]]; then
  say "BENCH_RUNS must be a positive integer, got '$RUNS'"
  exit 2
fi
stale() { [ ! -x "$1" ] || [ -n "$(find src Cargo.toml Cargo.lock -newer "$1" -print -quit)" ]; }
if [ -n "${SHAKEDOWN_BIN:-}" ]; then
  BIN=$SHAKEDOWN_BIN
elif ! stale target/release/shakedown; then
  BIN=target/release/shakedown
else
  BIN=target/debug/shakedown
  if stale "$BIN"; then
    say "building the dev binary (cargo build)..."
    cargo build --quiet || { say "cargo build failed"; exit 2; }
  fi
fi
command -v curl >/dev/null || { say "curl is needed by the shell contender (apt-get install -y curl)"; exit 2; }

if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  say "$IMAGE is missing: building it with scripts/demo-smoke.rhai..."
  "$BIN" run scripts/demo-smoke.rhai >&2 || { say "could not build $IMAGE"; exit 2; }
fi

CONTENDERS=(shakedown shell)
TMP=$(mktemp -d)
# shellcheck source=benches/lib.sh
source benches/lib.sh
trap 'rm -rf "$TMP"' EXIT

run_contender() {
  case "$1" in
    shakedown) "$BIN" run --format json --var "image=$IMAGE" scripts/demo-smoke.rhai ;;
    shell) bash benches/seed-smoke.sh "$IMAGE" ;;
  esac
}



echo "shakedown benchmark: smoke test on $IMAGE"
echo "date:       $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine:    $(nproc) cores, $(uname -sr)"
echo "engine:     Docker $(docker version --format '{{.Server.Version}}' 2>/dev/null) (CLI $(docker version --format '{{.Client.Version}}' 2>/dev/null)), $(curl --version | head -n 1 | cut -d' ' -f1-2)"
echo "shakedown:  $("$BIN" --version) ($BIN)"
echo "rounds:     $RUNS counted + 1 warm-up, alternating"
echo

run_rounds

declare -A MED
print_table
echo
awk -v s="${MED[shakedown]}" -v sh="${MED[shell]}" 'BEGIN { printf "ratio shakedown/shell = %.2f\n", s / sh }'
