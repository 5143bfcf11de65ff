#!/usr/bin/env bash
# make bench, part "block": the 128x32x32 hex cantilever block end to end, twinfe vs CalculiX.
#
# inputs/bench/block_128.yaml: a steel block 4 m x 1 m x 1 m, 128 x 32 x 32 Q1 hexahedra
# (140 481 nodes, 418 176 free DOFs), clamped at xmin, a 1 MPa downward traction on xmax.
# scripts/bench/block_inp.py writes the same mesh (same node numbering), material, support and
# consistent nodal load as a CalculiX .inp with C3D8 elements (full 2x2x2 integration: the same
# element as twinfe's Q1 hexahedron), so the tip deflections must agree to the solver
# tolerance and to the 7 digits of ccx's .dat: both are printed with their relative difference.
#
#   twinfe: mpiexec -n NP bin/twinfe run DECK --overwrite -log_view -mechanics_ksp_rtol 1e-10
#           wall time from launch to exit (deck read to twin.h5 written, MPI start-up
#           included); peak memory = sum over ranks of the max RSS (/usr/bin/time %M per rank)
#   ccx:    ccx -i block (the default solver of a *STATIC step: SPOOLES, direct, in Debian's
#           CalculiX 2.20), OMP_NUM_THREADS = CCX_NPROC_EQUATION_SOLVER = CCX_NPROC_STIFFNESS
#           = NP threads (the same cores as twinfe's ranks); wall time of the ccx process (.inp
#           read to .frd/.dat written); peak memory = its max RSS. The .inp is written before
#           the timer starts.
#
# Rows appended to $BENCH_ROWS (scripts/bench/summary.py): wall time, peak memory, tip deflection.
# Exit status: nonzero only when a run fails (error, crash, no result); never because of a
# timing, a ccx time-out or a missing ccx.
#
# Environment:
#   MPIEXEC             MPI launcher (default mpiexec --oversubscribe --bind-to none)
#   BENCH_NP            twinfe ranks and ccx threads (default 2)
#   BENCH_BLOCK_DECK    the deck (default inputs/bench/block_128.yaml)
#   BENCH_CCX           0: twinfe only (default 1)
#   BENCH_CCX_TIMEOUT   ccx time limit in seconds (default 900)
#   BENCH_CCX_MIN_MEM_GB  run ccx only if MemAvailable is at least this (default 12; about
#                       10 GB needed at 128x32x32)
set -u
cd "$(dirname "$0")/../.." || exit 1

MPIEXEC=${MPIEXEC:-mpiexec --oversubscribe --bind-to none}
NP=${BENCH_NP:-2}
DECK=${BENCH_BLOCK_DECK:-inputs/bench/block_128.yaml}
CCX_ON=${BENCH_CCX:-1}
CCX_TIMEOUT=${BENCH_CCX_TIMEOUT:-900}
CCX_MIN_MEM_GB=${BENCH_CCX_MIN_MEM_GB:-12}
PY=/usr/bin/python3
OUT=build/bench
LOGS=$OUT/logs
WORK=$OUT/block
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
BENCH_ROWS=${BENCH_ROWS:-$PWD/$OUT/rows.tsv}
mkdir -p "$LOGS" "$WORK"
rm -f "$LOGS"/block-* "$WORK"/block.*

failed=0
note() { echo "bench block: $*"; }
# run NAME TIMEOUT CMD..., launch NAME NP, rss_mb NAME (scripts/bench/lib.sh)
. scripts/bench/lib.sh
status() { cut -d' ' -f1 "$LOGS/$1.status" 2>/dev/null; }
wall_of() { awk '{print $NF}' "$LOGS/$1.status" 2>/dev/null; }
# max-over-ranks time of a -log_view event of the twinfe log
ev() { awk -v e="$1" '$1==e{printf "%.2f", $4; exit}' "$LOGS/block-twinfe.log"; }

[ -x bin/twinfe ] || { note "bin/twinfe missing (run through make bench)"; exit 1; }
[ -f "$DECK" ] || { note "$DECK missing"; exit 1; }

note "$(getconf _NPROCESSORS_ONLN) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), twinfe $NP ranks x OMP_NUM_THREADS=$OMP_NUM_THREADS, ccx $NP threads"
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- twinfe ---------------------------------------------------------------------------------
launch block-twinfe "$NP"
run block-twinfe 900 "${L[@]}" bin/twinfe run "$DECK" --overwrite -log_view -mechanics_ksp_rtol 1e-10
tw_st=$(status block-twinfe)
tw_wall=$(wall_of block-twinfe)
tw_mb=$(rss_mb block-twinfe)
# the output folder (from the run's "wrote DIR/twin.h5" line)
tw_h5=$(sed -n 's/^twinfe: wrote \(.*twin\.h5\) and .*/\1/p' "$LOGS/block-twinfe.log" | tail -n 1)
tw_dofs=$(sed -n 's/^twinfe: mechanics: \([0-9]*\) free DOFs.*/\1/p' "$LOGS/block-twinfe.log")
tw_its=$(sed -n 's/.*solve: \([0-9]*\) iterations.*/\1/p' "$LOGS/block-twinfe.log")
tw_cells=$(sed -n 's/^twinfe: [^:]*: \([0-9]*\) cells, \([0-9]*\) vertices.*/\1 cells, \2 nodes/p' "$LOGS/block-twinfe.log")

# ---- CalculiX ------------------------------------------------------------------------------
ccx_st=skipped
ccx_why=""
if [ "$CCX_ON" = 0 ]; then
  ccx_why="BENCH_CCX=0"
else
  if ! command -v ccx >/dev/null; then
    note "ccx missing: installing the benchmark extras (TWINFE_DEPS_EXTRA=1 scripts/install-deps.sh)"
    TWINFE_DEPS_EXTRA=1 ./scripts/install-deps.sh >"$LOGS/block-deps.log" 2>&1 ||
      note "install-deps failed (see $LOGS/block-deps.log)"
  fi
  avail_gb=$(awk '/^MemAvailable:/{printf "%d", $2/1048576}' /proc/meminfo)
  if ! command -v ccx >/dev/null; then
    ccx_why="ccx not installed (package calculix-ccx: TWINFE_DEPS_EXTRA=1 scripts/install-deps.sh)"
  elif [ "${avail_gb:-0}" -lt "$CCX_MIN_MEM_GB" ]; then
    ccx_why="only ${avail_gb} GB available < BENCH_CCX_MIN_MEM_GB=$CCX_MIN_MEM_GB"
  elif ! $PY scripts/bench/block_inp.py inp "$DECK" "$WORK/block.inp" >"$LOGS/block-inp.log" 2>&1; then
    note "writing the .inp FAILED:"; sed 's/^/    /' "$LOGS/block-inp.log"
    ccx_why="no .inp"; failed=1
  else
    ccx_ver=$(ccx -v 2>/dev/null | sed -n 's/.*Version \([0-9.]*\).*/\1/p' | head -n 1)
    note "ccx ${ccx_ver:-?}: $NP threads, time limit $CCX_TIMEOUT s (BENCH_CCX_TIMEOUT), ${avail_gb} GB available"
    # ccx writes next to its input: run it in $WORK
    # shellcheck disable=SC2016
    run block-ccx "$CCX_TIMEOUT" env OMP_NUM_THREADS="$NP" CCX_NPROC_EQUATION_SOLVER="$NP" \
      CCX_NPROC_STIFFNESS="$NP" CCX_NPROC_RESULTS="$NP" \
      /usr/bin/time -f "bench-maxrss-kb %M" -o "$LOGS/block-ccx.rss.0" \
      sh -c 'cd "$0" && exec ccx -i block' "$WORK"
    ccx_st=$(status block-ccx)
    # ccx can print *ERROR and still exit 0
    if [ "$ccx_st" = ok ] && { grep -q '\*ERROR' "$LOGS/block-ccx.log" || ! grep -q 'displacements' "$WORK/block.dat" 2>/dev/null; }; then
      note "block-ccx: FAILED (an *ERROR or no displacements in $WORK/block.dat); last lines of $LOGS/block-ccx.log:"
      tail -n 15 "$LOGS/block-ccx.log" | sed 's/^/    /'
      ccx_st=fail; failed=1
    fi
  fi
fi
[ -n "$ccx_why" ] && note "ccx not run: $ccx_why"
ccx_wall=$(wall_of block-ccx)
ccx_mb=$(rss_mb block-ccx)
ccx_neq=$(awk '/number of equations/{getline; print $1; exit}' "$LOGS/block-ccx.log" 2>/dev/null)
ccx_nnz=$(awk '/number of nonzero lower triangular/{getline; print $1; exit}' "$LOGS/block-ccx.log" 2>/dev/null)

# ---- tip deflections ---------------------------------------------------------------------------
tip=""
if [ "$tw_st" = ok ] && [ "$ccx_st" = ok ]; then
  if ! tip=$($PY scripts/bench/block_inp.py tip "$DECK" "$tw_h5" "$WORK/block.dat" 2>"$LOGS/block-tip.log"); then
    note "reading the tip deflections FAILED:"; sed 's/^/    /' "$LOGS/block-tip.log"
    tip=""; failed=1
  fi
fi
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- table and summary rows ------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if (a>0 && b>0) printf "%.1fx", a/b}'; }
label="$(basename "$DECK" .yaml)"
# "128x32x32" from the deck's cells: [128, 32, 32]
dims=$(sed -n 's/.*cells: *\[ *\([0-9]*\), *\([0-9]*\), *\([0-9]*\) *\].*/\1x\2x\3/p' "$DECK" | head -n 1)
echo
echo "make bench: $label, twinfe ($NP ranks) vs CalculiX ccx ${ccx_ver:-} ($NP threads, SPOOLES); load ${load0} -> ${load1}"
printf '  %-36s %s\n' "mesh" "${tw_cells:-?} (Q1 hex = C3D8), $DECK"
printf '  %-36s %s\n' "free DOFs twinfe / ccx equations" "${tw_dofs:-?} / ${ccx_neq:--}"
printf '  %-36s %s\n' "twinfe CG+GAMG iterations (rtol 1e-10)" "${tw_its:--}"
[ -n "$ccx_nnz" ] && printf '  %-36s %s\n' "ccx lower-triangle nonzeros" "$ccx_nnz"
printf '  %-36s %s\n' "twinfe wall (deck to twin.h5)" "${tw_wall:--} s ($tw_st)"
printf '  %-36s %s\n' "ccx wall (.inp to .frd/.dat)" "${ccx_wall:--} s ($ccx_st${ccx_why:+: $ccx_why})"
printf '  %-36s %s\n' "wall ratio ccx/twinfe" "$(ratio "$ccx_wall" "$tw_wall")"
printf '  %-36s %s\n' "twinfe peak memory (sum of ranks)" "${tw_mb:--} MB"
printf '  %-36s %s\n' "ccx peak memory" "${ccx_mb:--} MB"
printf '  %-36s %s\n' "memory ratio ccx/twinfe" "$(ratio "$ccx_mb" "$tw_mb")"
if [ "$tw_st" = ok ]; then
  printf '  %-36s' "twinfe time: where it goes (s)"
  for e in TwinMeshCreate TwinMeshDistrib TwinSetup TwinMatPattern TwinAssemblyMat PCSetUp KSPSolve TwinStress TwinOutputWrite; do
    printf ' %s %s' "$e" "$(ev $e)"
  done
  echo
  printf '  %-36s %s\n' "" "(-log_view max over ranks; TwinMatPattern is inside TwinSetup; Time (sec) $(awk '/^Time \(sec\):/{print $3; exit}' "$LOGS/block-twinfe.log"))"
fi
if [ -n "$tip" ]; then
  IFS=$'\t' read -r twc cxc rc twm cxm rm maxr nn <<<"$tip"
  printf '  %-36s %s\n' "tip deflection, xmax centre node" "twinfe $twc m, ccx $cxc m, relative difference $rc"
  printf '  %-36s %s\n' "tip deflection, mean of $nn xmax nodes" "twinfe $twm m, ccx $cxm m, relative difference $rm"
  printf '  %-36s %s\n' "largest xmax nodal difference" "$maxr of the largest deflection (ccx .dat has 7 digits)"
fi
echo

ccx_name="CalculiX ccx ${ccx_ver:-2.20} (SPOOLES, $NP thr)"
if [ "$tw_st" = ok ]; then
  case $ccx_st in
  ok) cw="$ccx_wall s"; cr=$(ratio "$ccx_wall" "$tw_wall"); cm="$ccx_mb MB"; mr=$(ratio "$ccx_mb" "$tw_mb") ;;
  timeout) cw="> $CCX_TIMEOUT s (time-out)"; cr=">= $(ratio "$ccx_wall" "$tw_wall")"; cm="> ${ccx_mb:-?} MB (time-out)"; mr="-" ;;
  *) cw="- ($ccx_st)"; cr="-"; cm="-"; mr="-" ;;
  esac
  # shellcheck disable=SC2059
  {
    printf "${dims} hex block end to end ($NP ranks)\t%s s\t%s\t%s\t%s\t>= 20x\n" "$tw_wall" "$ccx_name" "$cw" "$cr"
    printf "${dims} hex block peak memory ($NP ranks)\t%s MB\t%s\t%s\t%s\t>= 5x (at most a fifth)\n" "$tw_mb" "$ccx_name" "$cm" "$mr"
    if [ -n "$tip" ]; then
      printf "${dims} hex block tip deflection (xmax centre)\t%s m\t%s\t%s m\t%s rel. diff.\tagree\n" "$twc" "$ccx_name" "$cxc" "$rc"
    fi
  } >>"$BENCH_ROWS"
fi
exit $failed
