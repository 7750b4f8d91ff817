# Shared by the benchmark scripts (sourced, not run). The sourcing script
# defines `say` and `run_contender NAME` and sets TMP to a scratch folder.

# Runs one contender once, checks it passed, and appends its wall time in
# microseconds to $TMP/<name> (when $2 is "count").
time_one() {
  local name=$1 t0 t1 rc
  t0=${EPOCHREALTIME/./}
  run_contender "$name" >"$TMP/out" 2>&1
  rc=$?
  t1=${EPOCHREALTIME/./}
  if [ "$rc" -ne 0 ]; then
    say "$name FAILED its checks (exit code $rc); its output:"
    cat "$TMP/out" >&2
    exit 1
  fi
  if [ "$2" = count ]; then echo $((t1 - t0)) >>"$TMP/$name"; fi
}

# median, min, max (seconds) of the microsecond figures in a file.
stats() {
  sort -n "$1" | awk '{ v[NR] = $1 }
    END {
      med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%.3f %.3f %.3f\n", med / 1e6, v[1] / 1e6, v[NR] / 1e6
    }'
}

# One warm-up round (not counted; none when WARMUP=0), then $RUNS counted
# rounds of every contender in $CONTENDERS, the first contender rotating from
# round to round so that a noisy machine slows all of them alike.
run_rounds() {
  local name round k
  if [ "${WARMUP:-1}" != 0 ]; then
    for name in "${CONTENDERS[@]}"; do time_one "$name" warmup; done
  fi
  for ((round = 0; round < RUNS; round++)); do
    for ((k = 0; k < ${#CONTENDERS[@]}; k++)); do
      time_one "${CONTENDERS[(round + k) % ${#CONTENDERS[@]}]}" count
    done
  done
}

# Prints median, min and max per contender and fills MED[name] with the
# medians (declare -A MED before calling).
print_table() {
  local name med min max
  printf '%-10s %10s %8s %8s\n' contender "median s" "min s" "max s"
  for name in "${CONTENDERS[@]}"; do
    read -r med min max < <(stats "$TMP/$name")
    MED[$name]=$med
    printf '%-10s %10s %8s %8s\n' "$name" "$med" "$min" "$max"
  done
}
