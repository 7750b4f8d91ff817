#!/usr/bin/env bash
# What calling a module's function costs (issue 12): a module function runs
# in its module (its own functions, imports and file name), so each call
# sets up that context. Timed side by side in one run:
#
#   script   N calls of a function the script defines
#   module   N calls of the same function imported from benches/lib/arith.rhai
#
# both with target/release/shakedown run benches/modules.rhai. No engine is
# used. Usage, from anywhere in the repository:
#
#   bash benches/modules.sh
#
# Environment:
#   BENCH_RUNS   counted runs of each contender (default 5)
#   BENCH_CALLS  calls per run (default 200000)
#
# Prints median, min and max wall time per contender, the cost of one call
# of each (the run's time less an empty run's, over N) and their ratio.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

RUNS="${BENCH_RUNS:-5}"
CALLS="${BENCH_CALLS:-200000}"
BIN="target/release/shakedown"

say() { echo "modules.sh: $*" >&2; }

if [ ! -x "$BIN" ] || [ -n "$(find src Cargo.toml Cargo.lock -newer "$BIN" -print -quit)" ]; then
  say "building the release binary (cargo build --release)..."
  cargo build --release --quiet || { say "cargo build --release failed"; exit 2; }
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# shellcheck source=benches/lib.sh
. benches/lib.sh

run_contender() {
  case $1 in
    empty) "$BIN" run benches/modules.rhai --var how=script --var n=1 ;;
    script) "$BIN" run benches/modules.rhai --var how=script --var "n=$CALLS" ;;
    module) "$BIN" run benches/modules.rhai --var how=module --var "n=$CALLS" ;;
  esac
}

CONTENDERS=(empty script module)
run_rounds
declare -A MED
echo "$CALLS calls of a two-argument function, $RUNS runs each"
print_table
per_call() { awk -v t="$1" -v e="${MED[empty]}" -v n="$CALLS" 'BEGIN { printf "%.2f", (t - e) * 1e6 / n }'; }
script_us=$(per_call "${MED[script]}")
module_us=$(per_call "${MED[module]}")
echo "one call: script function ${script_us} µs, module function ${module_us} µs"
awk -v m="$module_us" -v s="$script_us" 'BEGIN { if (s > 0) printf "ratio module/script: %.2f\n", m / s }'
