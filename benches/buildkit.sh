#!/usr/bin/env bash
# BuildKit against the classic builder (issue 11), side by side in one run:
#
#   bk-cold / classic-cold   benches/buildkit.rhai with no_cache: two
#                            independent ~2 s stages and a final stage
#                            copying from both (benches/buildkit/Dockerfile)
#   bk-warm / classic-warm   the same with everything cached
#   bk-demo / classic-demo   scripts/demo.rhai end to end (--approve)
#
# Usage, from anywhere in the repository:
#
#   bash benches/buildkit.sh
#   BENCH_RUNS=5 bash benches/buildkit.sh
#
# Environment:
#   BENCH_RUNS   counted rounds (default 3; one warm-up round runs first)
#   BENCH_BIN    the shakedown binary (default target/debug/shakedown: the
#                time is the engine's, and both builders use the same binary)
#
# It prints each contender's median, min and max wall time, then the ratios
# of the medians against the goals: cold BuildKit ≤ 0.6× classic, warm
# BuildKit ≤ 1.1× classic. A measurement, not a test: it exits 1 only when a
# contender fails its checks, 2 when it cannot set up.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

RUNS="${BENCH_RUNS:-3}"
BIN="${BENCH_BIN:-target/debug/shakedown}"

say() { echo "buildkit.sh: $*" >&2; }

if [ ! -x "$BIN" ]; then
  say "building $BIN (cargo build)..."
  cargo build --quiet || { say "cargo build failed"; exit 2; }
fi
if ! "$BIN" run --format json tests/fixtures/base.rhai >/dev/null 2>&1; then
  say "building the busybox base image (tests/fixtures/base.rhai) failed"
  exit 2
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=benches/lib.sh
source benches/lib.sh

run_contender() {
  case $1 in
    bk-cold) "$BIN" run --format json --builder buildkit --var cold=true benches/buildkit.rhai ;;
    classic-cold) "$BIN" run --format json --builder classic --var cold=true benches/buildkit.rhai ;;
    bk-warm) "$BIN" run --format json --builder buildkit --var cold=false benches/buildkit.rhai ;;
    classic-warm) "$BIN" run --format json --builder classic --var cold=false benches/buildkit.rhai ;;
    bk-demo) "$BIN" run --format json --approve --builder buildkit scripts/demo.rhai ;;
    classic-demo) "$BIN" run --format json --approve --builder classic scripts/demo.rhai ;;
  esac
}

CONTENDERS=(bk-cold classic-cold bk-warm classic-warm bk-demo classic-demo)
say "$RUNS rounds of ${CONTENDERS[*]} (plus one warm-up round)"
run_rounds

declare -A MED
print_table
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
printf 'cold: BuildKit / classic = %s (goal <= 0.60)\n' "$(ratio "${MED[bk-cold]}" "${MED[classic-cold]}")"
printf 'warm: BuildKit / classic = %s (goal <= 1.10)\n' "$(ratio "${MED[bk-warm]}" "${MED[classic-warm]}")"
printf 'demo: BuildKit / classic = %s\n' "$(ratio "${MED[bk-demo]}" "${MED[classic-demo]}")"
