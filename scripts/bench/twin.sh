#!/bin/bash
# Analysis cost vs forecast cost of the twin (printed, never pass/fail).
#
# 1. Demo size: the demo twin (inputs/demo/twin.yaml, 24 members, 1088 thermal DOF, 9 sensors,
#    15 cycles) on 2 ranks, 2 groups, with LETKF (as shipped) and with ETKF (a copy of the deck);
#    TwinAnalysis and TwinForecast from -log_view (both include their waits for the other
#    group; max over ranks).
# 2. About 1 M state DOF, 64 members, 1000 sensors: the analysis is timed by filter_bench on 2
#    ranks (each rank analyses its half of the rows, as in a twin with one group of 2 ranks;
#    rows on a grid of nodes over 1 x 1 x 0.1 m, 1000 sensors at random, LETKF radius 0.1 m,
#    weight-interpolation grid 0.02 m; the exact per-node LETKF too with BENCH_LETKF_EXACT=1,
#    about 1-5 minutes). The forecast of one cycle is 64 members x 12 steps of the 1 M DOF
#    thermal model (inputs/bench/thermal_1m.yaml), one member step measured as the difference
#    of a 3-step and a 1-step run on 2 ranks, over 2.
set -u
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
TWINFE=${TWINFE:-$root/bin/twinfe}
FB=${FILTER_BENCH:-$root/build/scripts/bench/filter_bench}
MPIRUN="mpiexec --oversubscribe --bind-to none"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/twinfe-bench-twin.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
fail=0

# max over ranks of an event's time in a -log_view
ev() { awk -v e="$1" '$1 == e { print $4; exit }' "$2"; }

mkdir -p "$tmp/demo/sensors"
cp "$root"/inputs/demo/sensors/snap_*.h5 "$tmp/demo/sensors/"
sed -e 's|directory: ../../out/demo-twin|directory: out|' "$root/inputs/demo/twin.yaml" > "$tmp/demo/letkf.yaml"
sed -e 's|filter: letkf|filter: etkf|' -e '/localization:/d' "$tmp/demo/letkf.yaml" > "$tmp/demo/etkf.yaml"
declare -A A F W
for f in letkf etkf; do
  t0=$(date +%s.%N)
  if ! (cd "$tmp/demo" && $MPIRUN -n 2 "$TWINFE" run $f.yaml --groups 2 --overwrite -log_view > $f.log 2>&1); then
    echo "bench twin: demo $f failed:"; tail -5 "$tmp/demo/$f.log"; fail=1; continue
  fi
  W[$f]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  A[$f]=$(ev TwinAnalysis "$tmp/demo/$f.log"); F[$f]=$(ev TwinForecast "$tmp/demo/$f.log")
done
# member throughput of the group layout at this size: the LETKF twin in 2 groups of 1 rank and in
# 1 group of 2 ranks, alternated twice without -log_view, best of each
for rep in 1 2; do
  for g in 2 1; do
    t0=$(date +%s.%N)
    if (cd "$tmp/demo" && $MPIRUN -n 2 "$TWINFE" run letkf.yaml --groups $g --overwrite > g$g.log 2>&1); then
      w=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
      W[g$g]=$(awk -v a="${W[g$g]:-1e9}" -v b="$w" 'BEGIN { print (b < a ? b : a) }')
    else
      echo "bench twin: demo letkf --groups $g failed:"; tail -5 "$tmp/demo/g$g.log"; fail=1
    fi
  done
done

# 1 M DOF: forecast step
cp "$root/inputs/bench/thermal_1m.yaml" "$tmp/t3.yaml"
sed -e 's|end: 30|end: 10|' "$tmp/t3.yaml" > "$tmp/t1.yaml"
sed -i -e "s|directory: ../../build/bench/out/thermal_1m|directory: out|" "$tmp/t1.yaml" "$tmp/t3.yaml"
declare -A S
for k in 1 3; do
  if ! (cd "$tmp" && $MPIRUN -n 2 "$TWINFE" run t$k.yaml --overwrite -log_view > t$k.log 2>&1); then
    echo "bench twin: thermal_1m ($k steps) failed:"; tail -5 "$tmp/t$k.log"; fail=1
  fi
  S[$k]=$(awk '$1 == "TwinSolve" || $1 == "TwinAssemblyRhs" { s += $4 } END { print s + 0 }' "$tmp/t$k.log")
done
step=$(awk -v a="${S[1]}" -v b="${S[3]}" 'BEGIN { printf "%.3f", (b - a) / 2 }')
# 1 M DOF: analysis on 2 ranks, each half of the rows
exact=${BENCH_LETKF_EXACT:-0}
if ! $MPIRUN -n 2 "$FB" 500000 64 1000 0.1 1 0.02 "$exact" > "$tmp/fb.log" 2>&1; then
  echo "bench twin: filter_bench failed:"; tail -5 "$tmp/fb.log"; fail=1
fi
fbt() { awk -v f="$1" '$1 == "filter" && $2 == f { print $3; exit }' "$tmp/fb.log"; }

echo
echo "Twin analysis vs forecast (2 ranks):"
printf '  %-58s %10s %10s %10s\n' "case" "analysis s" "forecast s" "ratio"
for f in etkf letkf; do
  [ -n "${A[$f]:-}" ] && printf '  %-58s %10s %10s %9.1f%%\n' "demo twin, $f (24 members, 1088 DOF, 9 sensors, 15 cycles; run ${W[$f]} s)" "${A[$f]}" "${F[$f]}" \
    "$(awk -v a="${A[$f]}" -v b="${F[$f]}" 'BEGIN { print 100 * a / b }')"
done
fc=$(awk -v s="$step" 'BEGIN { printf "%.1f", s * 64 * 12 }')
echo "  1 M DOF: one member step of thermal_1m (1 003 520 DOF) on 2 ranks: $step s; one cycle (64 members x 12 steps): $fc s"
for f in etkf letkf letkf_grid; do
  t=$(fbt $f); [ -z "$t" ] && continue
  printf '  %-58s %10s %10s %9.1f%%\n' "1 M DOF, 64 members, 1000 sensors, $f$([ $f = letkf_grid ] && echo ' (grid 0.02 m)')" "$t" "$fc" \
    "$(awk -v a="$t" -v b="$fc" 'BEGIN { print 100 * a / b }')"
done
echo "  (goal: analysis at most 10 % of the forecast at the demo size)"
[ -n "${W[g1]:-}" ] && [ -n "${W[g2]:-}" ] && awk -v a="${W[g1]}" -v b="${W[g2]}" 'BEGIN {
  printf "  demo twin (LETKF, 24 members): 2 groups of 1 rank %.1f s, 1 group of 2 ranks %.1f s (best of 2 each): %.2fx the member throughput\n", b, a, a / b }'
if [ -n "${BENCH_ROWS:-}" ] && [ -n "${W[g1]:-}" ] && [ -n "${W[g2]:-}" ]; then
  awk -v a="${W[g1]}" -v b="${W[g2]}" 'BEGIN {
    printf "ensemble member throughput, 2 groups vs 1 (2 ranks, demo twin, 24 members, 1088 DOF)\t%.1f s\t1 group of 2 ranks\t%.1f s\t%.2fx\t>= 1.6x\n", b, a, a / b }' >>"$BENCH_ROWS"
fi
if [ -n "${BENCH_ROWS:-}" ]; then
  for f in etkf letkf; do
    [ -n "${A[$f]:-}" ] && awk -v f="$f" -v a="${A[$f]}" -v b="${F[$f]}" 'BEGIN {
      printf "twin analysis, demo size, %s (24 members, 15 cycles)\t%.3f s\tforecast\t%.2f s\t%.1f %%\t<= 10 %%\n", f, a, b, 100 * a / b }' >>"$BENCH_ROWS"
  done
  for f in etkf letkf_grid; do
    t=$(fbt $f); [ -z "$t" ] && continue
    awk -v f="$f" -v a="$t" -v b="$fc" 'BEGIN {
      printf "twin analysis, 1 M DOF, 64 members, 1000 sensors, %s\t%.2f s\tforecast of a cycle\t%.0f s\t%.1f %%\t-\n", f, a, b, 100 * a / b }' >>"$BENCH_ROWS"
  done
fi
exit $fail
