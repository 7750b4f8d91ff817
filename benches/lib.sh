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
