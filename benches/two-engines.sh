#!/usr/bin/env bash
# The demo's checklist (scripts/demo.rhai: base, CPU and GPU images, the
# checkpoint) on one engine, against the same plan split over two engines
# (scripts/demo-two-engines.rhai: the GPU image built and verified on a
# second engine of this script's own, tests/engines/extra-engine.sh, after
# img.to() copied the base image there). Side by side, rounds rotating which
# goes first; median, min, max wall time and the ratio.
#
#   bash benches/two-engines.sh        (RUNS=5; SHAKEDOWN=path/to/binary)
#
# Both engines run on this machine, so the split buys no extra cores here:
# the figure shows what spreading a run costs (the copy, a second engine's
# answers), not what a real GPU host would save.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
SHAKEDOWN=${SHAKEDOWN:-}
if [ -z "$SHAKEDOWN" ]; then
  if [ -x target/release/shakedown ]; then SHAKEDOWN=target/release/shakedown; else SHAKEDOWN=target/debug/shakedown; fi
fi
NAME=bte$$
NAME=${NAME:0:10}
TMP=$(mktemp -d)
say() { printf 'two-engines: %s\n' "$*" >&2; }
trap 'bash tests/engines/extra-engine.sh stop "$NAME" >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT

unset DOCKER_HOST
say "starting a second engine ($NAME)"
OTHER=$(bash tests/engines/extra-engine.sh start "$NAME" 2>/dev/null | sed -n 's/^DOCKER_HOST=//p')

run_contender() {
  case $1 in
    one) "$SHAKEDOWN" run scripts/demo.rhai --approve --format json ;;
    two) "$SHAKEDOWN" run scripts/demo-two-engines.rhai --engine "gpu=$OTHER" --approve --format json ;;
  esac
}
CONTENDERS=(one two)
# shellcheck source=benches/lib.sh
source benches/lib.sh

say "binary: $SHAKEDOWN; $RUNS rounds after one warm-up round"
run_rounds
declare -A MED
print_table
awk -v a="${MED[two]}" -v b="${MED[one]}" 'BEGIN { printf "ratio two/one = %.2f\n", a / b }'
