#!/usr/bin/env bash
# make bench: twinfe performance figures, printed, never a pass/fail test.
#
# A 3D Q1-hexahedron elasticity problem (inputs/bench/hex_100k.yaml, hex_800k.yaml: 32^3 and
# 64^3 cells) is solved by twinfe and, on the same mesh, element, material, boundaries and
# ranks, by PETSc's own tutorial src/snes/tutorials/ex56.c (PETSc's generic DMPlex/PetscFE
# finite-element path; Debian package libpetsc3.18-dev-examples, built here into
# build/bench/ex56). Times come from -log_view, peak memory from /usr/bin/time (max RSS of
# each rank, one file per rank, summed). Then the OpenMP speed-up of twinfe's assembly (1 rank,
# 2 vs 1 thread, scripts/bench/asm_omp.c). Then the cost of a transient thermal time step
# (inputs/bench/thermal_185k.yaml, 21 backward-Euler steps, and a copy of it with one step:
# the difference of the two runs divided by 20 is the cost of a later step).
#
# Exit status: nonzero only when a run fails (crash, error, no convergence), never because of
# a timing. Logs: build/bench/logs/.
#
# Environment:
#   MPIEXEC          MPI launcher (the Makefile sets it)
#   BENCH_NP         ranks (default 2)
#   BENCH_EX56_MAX_S run ex56 at the large size only if its time, projected from the small
#                    size (x8), is at most this many seconds (default 300); also its time limit
#   BENCH_SIZES      subset of "100k 800k" (default both)
#   BENCH_THERMAL    0: skip the thermal time-step runs (default 1)
#   BENCH_THERMAL_REPS  runs of each thermal kind (1 step, N steps), alternated (default 2)
set -u
cd "$(dirname "$0")/../.."

MPIEXEC=${MPIEXEC:-mpiexec --oversubscribe --bind-to none}
NP=${BENCH_NP:-2}
EX56_MAX_S=${BENCH_EX56_MAX_S:-300}
SIZES=${BENCH_SIZES:-100k 800k}
THERMAL=${BENCH_THERMAL:-1}
THERMAL_REPS=${BENCH_THERMAL_REPS:-2}
THERMAL_DECK=inputs/bench/thermal_185k.yaml
PY=/usr/bin/python3
OUT=build/bench
LOGS=$OUT/logs
EX56_SRC=/usr/share/petsc/3.18/share/petsc/examples/src/snes/tutorials/ex56.c
EX56=$OUT/ex56/ex56
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
mkdir -p "$LOGS" "$OUT/ex56"
rm -f "$LOGS"/*.log "$LOGS"/*.status "$LOGS"/*.rss.* "$LOGS"/*.yaml

failed=0
note() { echo "bench: $*"; }
# every part appends its summary rows here (scripts/bench/summary.py prints them at the end)
export BENCH_ROWS=${BENCH_ROWS:-$PWD/$OUT/rows.tsv}
: >"$BENCH_ROWS"

# cells per direction of each size
cells_of() { case $1 in 100k) echo 32 ;; 800k) echo 64 ;; *) echo 0 ;; esac; }

# run NAME TIMEOUT CMD..., launch NAME NP, rss_mb NAME (scripts/bench/lib.sh)
. scripts/bench/lib.sh

# ---- PETSc ex56 (installed through the deps script; built here, never committed) ----------
have_ex56=1
if [ ! -f "$EX56_SRC" ]; then
  note "installing the benchmark extras (TWINFE_DEPS_EXTRA=1 scripts/install-deps.sh)"
  TWINFE_DEPS_EXTRA=1 ./scripts/install-deps.sh || note "install-deps failed: ex56 columns will be empty"
fi
if [ ! -f "$EX56_SRC" ]; then
  have_ex56=0
  note "ex56.c not found ($EX56_SRC): ex56 columns will be empty"
elif [ ! -x "$EX56" ] || [ "$EX56_SRC" -nt "$EX56" ]; then
  note "building $EX56"
  # shellcheck disable=SC2046
  if ! mpicc -O2 -o "$EX56" "$EX56_SRC" $(pkg-config --cflags --libs petsc) -lm >"$LOGS/ex56-build.log" 2>&1; then
    note "ex56 build FAILED:"; sed 's/^/    /' "$LOGS/ex56-build.log"
    have_ex56=0; failed=1
  fi
fi
# ex56 -run_type 0 is a cantilever [0,1]x[-.5,.5]^2 clamped at x=0 and loaded at x=1; -alpha 1
# makes the material uniform (mu = lambda = 0.4: E = 1, nu = 0.25). The solver options are
# twinfe's defaults (CG, GAMG with the rigid-body near-null space, rtol 1e-10 on the
# unpreconditioned residual); -snes_type ksponly: one Jacobian assembly, one linear solve.
EX56_OPTS=(-max_conv_its 1 -run_type 0 -alpha 1 -petscspace_degree 1 -snes_type ksponly
  -ksp_type cg -ksp_rtol 1e-10 -ksp_norm_type unpreconditioned -pc_type gamg
  -use_mat_nearnullspace true -ksp_converged_reason -ksp_view_mat ::ascii_info -log_view)

[ -x bin/twinfe ] || { note "bin/twinfe missing (run through make bench)"; exit 1; }

note "$(getconf _NPROCESSORS_ONLN) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $NP ranks, OMP_NUM_THREADS=$OMP_NUM_THREADS"
note "launcher: $MPIEXEC"

ex56_small_wall=""
for s in $SIZES; do
  n=$(cells_of "$s")
  [ "$n" -gt 0 ] || { note "unknown size $s"; continue; }
  launch "twinfe-$s" "$NP"; run "twinfe-$s" 900 "${L[@]}" bin/twinfe run "inputs/bench/hex_$s.yaml" --overwrite -log_view
  [ $have_ex56 = 1 ] || continue
  if [ "$n" -le 32 ]; then
    launch "ex56-$s" "$NP"; run "ex56-$s" 900 "${L[@]}" "$EX56" -cells "$n,$n,$n" "${EX56_OPTS[@]}"
    read -r st w _ <"$LOGS/ex56-$s.status"; [ "$st" = ok ] && ex56_small_wall=$w
  else
    # about linear in the cells: 8x the 32^3 run
    proj=""
    [ -n "$ex56_small_wall" ] && proj=$(awk -v w="$ex56_small_wall" -v n="$n" 'BEGIN{printf "%.0f", w*(n/32)^3}')
    if [ -z "$proj" ] || [ "$proj" -gt "$EX56_MAX_S" ]; then
      echo "skipped ${proj:-?} $EX56_MAX_S" >"$LOGS/ex56-$s.status"
      note "ex56-$s: not run: projected ${proj:-?} s (8 x the 32^3 run) > ${EX56_MAX_S} s (BENCH_EX56_MAX_S)"
    else
      launch "ex56-$s" "$NP"; run "ex56-$s" "$EX56_MAX_S" "${L[@]}" "$EX56" -cells "$n,$n,$n" "${EX56_OPTS[@]}"
    fi
  fi
done

# ---- OpenMP: twinfe assembly on 1 rank, 1 vs 2 threads, same deck --------------------------
# build/scripts/bench/asm_omp (scripts/bench/asm_omp.c, built by make bench) sets the model up
# once and assembles the matrix 5 times per thread count: cold (first call) and warm (best)
# times. Two runs, counts in both orders, give a cold time for each count.
omp_deck=inputs/bench/hex_100k.yaml
ASM_OMP=build/scripts/bench/asm_omp
if [ -x "$ASM_OMP" ]; then
  run omp-12 600 $MPIEXEC -n 1 "$ASM_OMP" "$omp_deck" 1,2 5
  run omp-21 600 $MPIEXEC -n 1 "$ASM_OMP" "$omp_deck" 2,1 5
else
  note "$ASM_OMP missing (run through make bench): no OpenMP figures"
fi

# ---- thermal: cost of a transient time step ------------------------------------------------
# The deck as it is (21 steps) and a copy whose time.end is one step (same mesh, set-up,
# operator assembly, GAMG set-up, first step, flux recovery and output at t = 0 and at the
# end). Both with -log_view, alternated BENCH_THERMAL_REPS times; table.py takes the fastest
# of each kind and the difference.
if [ "$THERMAL" != 0 ]; then
  one=$LOGS/thermal-1step.yaml
  sed -E -e 's/^time: \{end: [^,]+, step: ([^,}]+)/time: {end: \1, step: \1/' \
    -e "s|^  directory: .*|  directory: $PWD/$OUT/out/thermal-1step|" "$THERMAL_DECK" >"$one"
  if ! grep -Eq '^time: \{end: ([^,]+), step: \1[,}]' "$one" || ! grep -q "directory: $PWD/" "$one"; then
    note "could not make the one-step copy of $THERMAL_DECK (expected 'time: {end: E, step: S, ...}' and an output directory line)"
    failed=1
  else
    for r in $(seq 1 "$THERMAL_REPS"); do
      launch "thermal-1-$r" "$NP"; run "thermal-1-$r" 600 "${L[@]}" bin/twinfe run "$one" --overwrite -log_view
      launch "thermal-n-$r" "$NP"; run "thermal-n-$r" 600 "${L[@]}" bin/twinfe run "$THERMAL_DECK" --overwrite -log_view
    done
  fi
fi

note "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo
$PY scripts/bench/table.py "$LOGS" "$NP" "$SIZES" "$omp_deck" "$THERMAL_DECK" || failed=1
# ensemble throughput: groups and shared set-up (BENCH_ENSEMBLE=0 skips it)
if [ "${BENCH_ENSEMBLE:-1}" != 0 ]; then
  scripts/bench/ensemble.sh || failed=1
fi
# twin: analysis cost vs forecast cost, demo size and 1 M DOF (BENCH_TWIN=0 skips it)
if [ "${BENCH_TWIN:-1}" != 0 ]; then
  scripts/bench/twin.sh || failed=1
fi
# the other parts, each with its own script (BENCH_SKIP="name ..." skips some):
#   asmrate  assembly rates (cells/s per core) hex8/tet4/tet10 elasticity, hex8 heat vs PETSc FE
#   block    the 128x32x32 hex cantilever block end to end vs CalculiX ccx
#   stream   STREAM triad vs MatMult bandwidth; CG+GAMG per million DOF at three refinements;
#            HDF5 write bandwidth vs a plain sequential write
for part in asmrate block stream; do
  case " ${BENCH_SKIP:-} " in *" $part "*) note "$part skipped (BENCH_SKIP)"; continue ;; esac
  if [ -x "scripts/bench/$part.sh" ]; then
    scripts/bench/$part.sh || failed=1
  fi
done
$PY scripts/bench/summary.py "$BENCH_ROWS"
exit $failed
