# scripts/bench/lib.sh: sourced by scripts/bench/run.sh and block.sh, which define note(),
# LOGS (log folder), MPIEXEC and failed before.
#
# run NAME LIMIT CMD...: CMD with a time limit (s), output to $LOGS/NAME.log; records "ok SECONDS",
# "fail RC SECONDS" or "timeout SECONDS" in NAME.status (a failure sets failed=1).
run() {
  local name=$1 limit=$2 t0 t1 rc
  shift 2
  t0=$(date +%s.%N)
  timeout --signal=TERM --kill-after=10 "$limit" "$@" >"$LOGS/$name.log" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  local wall
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
  if [ $rc -eq 0 ]; then
    echo "ok $wall" >"$LOGS/$name.status"
    note "$name: done in $wall s"
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    echo "timeout $wall" >"$LOGS/$name.status"
    note "$name: stopped at the $limit s time limit (not counted as a failure)"
  else
    echo "fail $rc $wall" >"$LOGS/$name.status"
    note "$name: FAILED (exit $rc); last lines of $LOGS/$name.log:"
    tail -n 15 "$LOGS/$name.log" | sed 's/^/    /'
    failed=1
  fi
}
# launch NAME NP: sets L to the launcher with NP ranks, each rank under /usr/bin/time writing
# its peak RSS to its own file $LOGS/NAME.rss.RANK (not to the shared log, where the ranks'
# lines could interleave with the program's output). Use: launch NAME NP; run NAME T "${L[@]}" CMD
launch() {
  # shellcheck disable=SC2206,SC2016
  L=($MPIEXEC -n "$2" sh -c 'exec /usr/bin/time -f "bench-maxrss-kb %M" -o "$0.rss.${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-$$}}" "$@"'
    "$LOGS/$1")
}
# sum of the peak RSS files of NAME, in MB ("" if none)
rss_mb() {
  cat "$LOGS/$1".rss.* 2>/dev/null | awk '/bench-maxrss-kb/{s+=$2; n++} END{if(n) printf "%.0f", s/1024}'
}
