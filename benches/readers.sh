#!/usr/bin/env bash
# file() and compose() on large inputs (issue 14, points 9 and 10), timed
# side by side in one run:
#
#   shakedown  target/release/shakedown run benches/readers.rhai
#   baseline   the same with $BENCH_BASELINE (another shakedown binary, e.g.
#              one built from main before the line index), when set
#   shell      grep -c and wc -l on the same file (for file() only)
#
# Usage, from anywhere in the repository:
#
#   bash benches/readers.sh
#   BENCH_BASELINE=/tmp/shakedown-main bash benches/readers.sh
#
# Environment:
#   BENCH_RUNS      counted runs of each contender per size (default 3)
#   BENCH_TIMEOUT   seconds after which a run is given up (default 120)
#
# For each input it prints wall time (median of the runs) and peak RSS
# (GNU time's maximum resident set size) of each contender, then the
# ratios. A run that passes its timeout is shown as ">TIMEOUT s". This is a
# measurement, not a test: it exits 1 only when a contender fails its check
# (other than by the timeout), 2 when it cannot set up.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

RUNS="${BENCH_RUNS:-3}"
LIMIT="${BENCH_TIMEOUT:-120}"
BIN="target/release/shakedown"
BASELINE="${BENCH_BASELINE:-}"

say() { echo "readers.sh: $*" >&2; }

if [ ! -x /usr/bin/time ]; then
  say "GNU time is needed for peak RSS: apt-get install -y time"
  exit 2
fi
if [ ! -x "$BIN" ] || [ -n "$(find src Cargo.toml Cargo.lock -newer "$BIN" -print -quit)" ]; then
  say "building the release binary (cargo build --release)..."
  cargo build --release --quiet || { say "cargo build --release failed"; exit 2; }
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# A text file of about $1 MB: 80-byte log lines, one "needle" in the middle.
make_text() {
  local mb=$1 out=$2
  python3 - "$mb" "$out" <<'PY'
import sys
mb, out = int(sys.argv[1]), sys.argv[2]
line = "a line of a large log file, with a timestamp and a message of some length\n"
lines = mb * 1_000_000 // 80
with open(out, "w") as f:
    for i in range(lines):
        f.write("the needle is here\n" if i == lines // 2 else f"{i:05d} {line}")
PY
}

# A compose file whose one service has $1 environment keys.
make_compose() {
  local keys=$1 out=$2
  { printf 'services:\n  api:\n    image: x\n    environment:\n'
    seq 0 $((keys - 1)) | sed 's/.*/      KEY_&: value-&/'; } >"$out"
}

# Runs one contender once: prints "seconds rss_kb", or "timeout rss_kb".
run_once() {
  local bin=$1 what=$2 input=$3 extra=$4 rc
  case $bin in
    shell)
      /usr/bin/time -f "%e %M" -o "$TMP/time" sh -c \
        'wc -l <"$1" >/dev/null && grep -c needle "$1" >/dev/null && grep -n needle "$1" >/dev/null' \
        _ "$input" >/dev/null 2>&1
      rc=$? ;;
    *)
      /usr/bin/time -f "%e %M" -o "$TMP/time" timeout "$LIMIT" "$bin" run benches/readers.rhai \
        --allow-path "$TMP" --var "what=$what" --var "text=$input" --var "compose=$input" \
        --var "keys=$extra" >/dev/null 2>"$TMP/err"
      rc=$? ;;
  esac
  if [ "$rc" -eq 124 ]; then echo "timeout $(awk 'END { print $2 }' "$TMP/time")"; return; fi
  if [ "$rc" -ne 0 ]; then
    say "$bin failed on $input (exit $rc):"; cat "$TMP/err" >&2; exit 1
  fi
  awk 'END { print $1, $2 }' "$TMP/time"
}

# Median seconds and the largest RSS of $RUNS runs; gives up after a timeout.
measure() {
  local bin=$1 what=$2 input=$3 extra=$4 i secs rss times=() peak=0
  for ((i = 0; i < RUNS; i++)); do
    read -r secs rss < <(run_once "$bin" "$what" "$input" "$extra")
    [ "$rss" -gt "$peak" ] && peak=$rss
    if [ "$secs" = timeout ]; then echo ">$LIMIT $peak"; return; fi
    times+=("$secs")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v peak="$peak" \
    '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)], peak }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^>/ || b ~ /^>/ || b == 0) print "-"; else printf "%.2f", a / b }'; }

CONTENDERS=(shakedown)
[ -n "$BASELINE" ] && CONTENDERS+=(baseline)

printf '%-22s %-10s %10s %10s %12s\n' input contender "median s" "peak MB" "× input"
row() {
  local label=$1 name=$2 secs=$3 rss=$4 bytes=$5
  printf '%-22s %-10s %10s %10.0f %12s\n' "$label" "$name" "$secs" "$((rss / 1000))" \
    "$(awk -v r="$rss" -v b="$bytes" 'BEGIN { printf "%.2f", r * 1000 / b }')"
}

declare -A SECS
for mb in 1 8 200; do
  input="$TMP/text-$mb.txt"
  make_text "$mb" "$input"
  bytes=$(stat -c %s "$input")
  for name in "${CONTENDERS[@]}" shell; do
    bin=$BIN; [ "$name" = baseline ] && bin=$BASELINE; [ "$name" = shell ] && bin=shell
    read -r secs rss < <(measure "$bin" file "$input" 0)
    SECS[$name]=$secs
    row "file() $mb MB" "$name" "$secs" "$rss" "$bytes"
  done
  echo "  ratios: shakedown/shell $(ratio "${SECS[shakedown]}" "${SECS[shell]}")${BASELINE:+, shakedown/baseline $(ratio "${SECS[shakedown]}" "${SECS[baseline]}")}"
  rm -f "$input"
done

for keys in 10000 20000 100000; do
  input="$TMP/compose-$keys.yml"
  make_compose "$keys" "$input"
  bytes=$(stat -c %s "$input")
  for name in "${CONTENDERS[@]}"; do
    bin=$BIN; [ "$name" = baseline ] && bin=$BASELINE
    read -r secs rss < <(measure "$bin" compose "$input" "$keys")
    SECS[$name]=$secs
    row "compose() ${keys} keys" "$name" "$secs" "$rss" "$bytes"
  done
  [ -n "$BASELINE" ] && echo "  ratio: shakedown/baseline $(ratio "${SECS[shakedown]}" "${SECS[baseline]}")"
done
exit 0
