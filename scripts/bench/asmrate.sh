#!/usr/bin/env bash
# make bench, part "asmrate": matrix assembly rate (cells per second per core) of twinfe and of
# PETSc's generic DMPlex + PetscFE path, on the same mesh and ranks, for
#   hex8 elasticity   twinfe inputs/bench/asmrate_hex8.yaml   vs ex56 (Q1 hexahedra)
#   tet4 elasticity   twinfe inputs/bench/asmrate_tet4.yaml   vs ex56 -ex56_kuhn, P1
#   tet10 elasticity  twinfe inputs/bench/asmrate_tet10.yaml  vs ex56 -ex56_kuhn, P2
#   hex8 heat         twinfe inputs/bench/asmrate_heat_hex8.yaml vs ex12 (3D Q1 Poisson)
# twinfe: build/scripts/bench/asm_rate (scripts/bench/asm_rate.c) sets the model up once and
# assembles the matrix BENCH_ASMRATE_REPS times (default 5): best call, each call's time the
# maximum over ranks (mechanics: TwinAssemblyMat = kernels writing straight into the matrix + TwinMatSetValues;
# heat: the thermal TwinAssemblyMat, conductivity + capacity kernels, block scatter and the
# convection faces, plus one TwinMatSetValues of the system matrix).
# PETSc: SNESJacobianEval of one run (-snes_type ksponly; max over ranks, from -log_view):
# DMPlexComputeJacobian_Internal, PetscFE integration + MatSetValues + MatAssembly. The linear
# solve is made trivial (-ksp_type preonly -pc_type none) and is not timed.
# Tetrahedra: PETSc 3.18's DMPlexCreateBoxMesh needs tetgen/ctetgen (not in Debian's PETSc) for
# a 3D simplex box and has no hex-to-tet transform, so ex56 is compiled from a copy patched by
# sed (build/bench/asmrate/ex56s.c): -ex56_kuhn creates the box as n^3 cubes split into 6
# tetrahedra each (scripts/bench/ex56_kuhn.h, the split of twinfe's box generator), and the FE
# is created simplicial when the cells are (DMPlexIsSimplex). Without -ex56_kuhn it is ex56.
# Rate = cells / time / ranks. Cells are read from the PETSc run's -dm_view (sum over ranks)
# and from twinfe's mesh; the script warns when they differ.
#
# Environment: MPIEXEC, BENCH_NP (2), BENCH_ROWS (summary rows), BENCH_ASMRATE_REPS (5),
#   BENCH_ASMRATE_N="hex8 tet4 tet10 heat" cubes per direction (default "32 16 10 40"),
#   BENCH_ASMRATE_CASES subset of "hex8 tet4 tet10 heat", BENCH_ASMRATE_MAX_S time limit of a
#   PETSc run (default 120 s).
# Exit status nonzero only when a run fails. Logs: build/bench/logs/asmrate-*.log.
set -u
cd "$(dirname "$0")/../.."

MPIEXEC=${MPIEXEC:-mpiexec --oversubscribe --bind-to none}
NP=${BENCH_NP:-2}
REPS=${BENCH_ASMRATE_REPS:-5}
CASES=${BENCH_ASMRATE_CASES:-hex8 tet4 tet10 heat}
MAXS=${BENCH_ASMRATE_MAX_S:-120}
read -r N_HEX8 N_TET4 N_TET10 N_HEAT <<<"${BENCH_ASMRATE_N:-32 16 10 40}"
OUT=build/bench/asmrate
LOGS=build/bench/logs
TUT=/usr/share/petsc/3.18/share/petsc/examples/src/snes/tutorials
ASM=build/scripts/bench/asm_rate
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
mkdir -p "$OUT" "$LOGS"
rm -f "$LOGS"/asmrate-*.log
note() { echo "asmrate: $*"; }
failed=0

[ -x "$ASM" ] || make --no-print-directory "$ASM" >/dev/null 2>&1 || { note "$ASM missing and could not be built"; exit 1; }
[ -f "$TUT/ex56.c" ] || TWINFE_DEPS_EXTRA=1 ./scripts/install-deps.sh >/dev/null 2>&1
have_petsc=1
if [ ! -f "$TUT/ex56.c" ] || [ ! -f "$TUT/ex12.c" ]; then
  note "PETSc examples missing ($TUT, package libpetsc3.18-dev-examples): PETSc columns empty"
  have_petsc=0
fi
if [ $have_petsc = 1 ]; then
  # the patched ex56 (two sed edits, see the header) and ex12 as they are
  if [ ! -x "$OUT/ex56s" ] || [ "$TUT/ex56.c" -nt "$OUT/ex56s" ] || [ scripts/bench/ex56_kuhn.h -nt "$OUT/ex56s" ] || [ "$0" -nt "$OUT/ex56s" ]; then
    sed -e 's/^\( *\)PetscCall(PetscFECreateDefault(PetscObjectComm((PetscObject)dm), dim, dim, PETSC_FALSE,\(.*\)$/\1PetscBool ex56_simplex; \/* twinfe asmrate patch: the FE follows the cells *\/\n\1PetscCall(DMPlexIsSimplex(dm, \&ex56_simplex));\n\1PetscCall(PetscFECreateDefault(PetscObjectComm((PetscObject)dm), dim, dim, ex56_simplex,\2/' \
      -e 's/^\( *\)PetscCall(DMPlexCreateBoxMesh(comm, dim, PETSC_FALSE, cells, NULL, NULL, NULL, PETSC_TRUE, &dm));/\1PetscBool ex56_kuhn = PETSC_FALSE; \/* twinfe asmrate patch *\/\n\1PetscCall(PetscOptionsGetBool(NULL, NULL, "-ex56_kuhn", \&ex56_kuhn, NULL));\n\1if (ex56_kuhn) PetscCall(Ex56KuhnBox(comm, cells, \&dm));\n\1else PetscCall(DMPlexCreateBoxMesh(comm, dim, PETSC_FALSE, cells, NULL, NULL, NULL, PETSC_TRUE, \&dm));/' \
      -e 's|^int main(int argc, char \*\*args)$|#include "ex56_kuhn.h"\nint main(int argc, char **args)|' \
      "$TUT/ex56.c" >"$OUT/ex56s.c"
    if [ "$(grep -c 'twinfe asmrate patch\|ex56_kuhn.h' "$OUT/ex56s.c")" != 3 ]; then
      note "the ex56 patch did not apply (ex56.c changed?): no PETSc elasticity columns"; have_petsc=0
    # shellcheck disable=SC2046
    elif ! mpicc -O2 -Iscripts/bench -o "$OUT/ex56s" "$OUT/ex56s.c" $(pkg-config --cflags --libs petsc) -lm >"$LOGS/asmrate-build.log" 2>&1; then
      note "ex56s build FAILED"; sed 's/^/    /' "$LOGS/asmrate-build.log"; have_petsc=0; failed=1
    fi
  fi
  if [ ! -x "$OUT/ex12" ] || [ "$TUT/ex12.c" -nt "$OUT/ex12" ]; then
    # shellcheck disable=SC2046
    if ! mpicc -O2 -o "$OUT/ex12" "$TUT/ex12.c" $(pkg-config --cflags --libs petsc hdf5-openmpi) -lm >"$LOGS/asmrate-build12.log" 2>&1; then
      note "ex12 build FAILED"; sed 's/^/    /' "$LOGS/asmrate-build12.log"; failed=1
    fi
  fi
fi

# the deck with the chosen cubes per direction
deck() { # NAME N -> path
  sed -E "s/cells: \[[0-9]+, [0-9]+, [0-9]+\]/cells: [$2, $2, $2]/; s|^  directory: .*|  directory: $PWD/build/bench/out/asmrate_$1|" \
    "inputs/bench/asmrate_$1.yaml" >"$OUT/asmrate_$1.yaml"
  echo "$OUT/asmrate_$1.yaml"
}
# run NAME LIMIT CMD...: log to $LOGS/asmrate-NAME.log, nonzero when it failed or timed out
runlog() {
  local name=$1 limit=$2 rc
  shift 2
  timeout --signal=TERM --kill-after=10 "$limit" "$@" >"$LOGS/asmrate-$name.log" 2>&1
  rc=$?
  if [ $rc -ne 0 ]; then
    note "$name: FAILED or timed out (exit $rc); last lines of $LOGS/asmrate-$name.log:"
    tail -n 8 "$LOGS/asmrate-$name.log" | sed 's/^/    /'
    return 1
  fi
}
EX56_OPTS=(-max_conv_its 1 -run_type 0 -alpha 1 -snes_type ksponly -ksp_type preonly -pc_type none
  -use_mat_nearnullspace false -ex56_dm_view -log_view)
EX12_OPTS=(-dm_plex_dim 3 -dm_plex_simplex 0 -petscspace_degree 1 -snes_type ksponly -ksp_type preonly
  -pc_type none -dm_view -log_view)

note "load average $(cut -d' ' -f1-3 /proc/loadavg), $NP ranks, OMP_NUM_THREADS=$OMP_NUM_THREADS"
RES=$OUT/results.tsv
: >"$RES"
for c in $CASES; do
  case $c in
    hex8) n=$N_HEX8; label="hex8 elasticity"; kind=mech; d=hex8; cmp="PETSc ex56 (PetscFE)"
      pcmd=("$OUT/ex56s" -cells "$n,$n,$n" -petscspace_degree 1 "${EX56_OPTS[@]}") ;;
    tet4) n=$N_TET4; label="tet4 elasticity"; kind=mech; d=tet4; cmp="PETSc ex56 (PetscFE)"
      pcmd=("$OUT/ex56s" -ex56_kuhn -cells "$n,$n,$n" -petscspace_degree 1 "${EX56_OPTS[@]}") ;;
    tet10) n=$N_TET10; label="tet10 elasticity"; kind=mech; d=tet10; cmp="PETSc ex56 (PetscFE)"
      pcmd=("$OUT/ex56s" -ex56_kuhn -cells "$n,$n,$n" -petscspace_degree 2 "${EX56_OPTS[@]}") ;;
    heat) n=$N_HEAT; label="hex8 heat"; kind=heat; d=heat_hex8; cmp="PETSc ex12 (PetscFE)"
      pcmd=("$OUT/ex12" -dm_plex_box_faces "$n,$n,$n" "${EX12_OPTS[@]}") ;;
    *) note "unknown case $c"; continue ;;
  esac
  tw="" tc="" pt="" pc=""
  if runlog "twinfe-$c" 600 $MPIEXEC -n "$NP" "$ASM" "$(deck "$d" "$n")" "$kind" "$REPS"; then
    read -r tc tw < <(awk '/^asm_rate kind/{print $5, $9}' "$LOGS/asmrate-twinfe-$c.log")
  else failed=1; fi
  if [ $have_petsc = 1 ] && [ -x "${pcmd[0]}" ]; then
    if runlog "petsc-$c" "$MAXS" $MPIEXEC -n "$NP" "${pcmd[@]}"; then
      pt=$(awk '$1=="SNESJacobianEval"{print $4; exit}' "$LOGS/asmrate-petsc-$c.log")
      pc=$(awk '/Number of 3-cells per rank:/{s=0; for(i=6;i<=NF;i++) s+=$i; v=s} END{print v}' "$LOGS/asmrate-petsc-$c.log")
    else
      grep -q "^asm_rate\|SNESJacobianEval" "$LOGS/asmrate-petsc-$c.log" || true
      failed=1
    fi
  fi
  [ -n "$tc" ] && [ -n "$pc" ] && [ "$tc" != "$pc" ] && note "$c: cell counts differ: twinfe $tc, PETSc $pc"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$label" "${tc:--}" "${tw:--}" "$cmp" "${pc:--}" "${pt:--}" >>"$RES"
done
note "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"

/usr/bin/python3 - "$RES" "$NP" <<'EOF'
import os, sys
res, np_ = sys.argv[1], int(sys.argv[2])
rows = [l.rstrip("\n").split("\t") for l in open(res) if l.strip()]
def rate(cells, t):
    try:
        return float(cells) / float(t) / np_
    except (ValueError, ZeroDivisionError):
        return None
def fmt(r):
    return "-" if r is None else ("%.3g" % r if r < 1e3 else "%.0f" % r)
print(f"\nassembly rate, {np_} ranks (cells/s per core = cells / time / ranks; time: best of the twinfe calls, one PETSc call)")
hdr = ["element", "cells", "twinfe s", "twinfe cells/s/core", "comparator", "cells", "PETSc s", "PETSc cells/s/core", "twinfe/PETSc"]
out = []
summ = []
for case, label, tc, tw, cmp, pc, pt in rows:
    a, b = rate(tc, tw), rate(pc, pt)
    ratio = "%.0fx" % (a / b) if a and b else "-"
    out.append([label, tc, tw, fmt(a), cmp, pc, pt, fmt(b), ratio])
    summ.append([f"assembly rate, {label} ({np_} ranks)", (fmt(a) + " cells/s/core") if a else "-", cmp,
                 (fmt(b) + " cells/s/core") if b else "-", ratio, ">= 50x"])
w = [max(len(h), *(len(r[i]) for r in out)) if out else len(h) for i, h in enumerate(hdr)]
print("  ".join(h.ljust(w[i]) for i, h in enumerate(hdr)))
print("  ".join("-" * x for x in w))
for r in out:
    print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)))
print("twinfe: TwinAssemblyMat (kernels + direct matrix writes + TwinMatSetValues; heat: conductivity and capacity kernels + faces,"
      " + one TwinMatSetValues). PETSc: SNESJacobianEval (PetscFE integration + MatSetValues + MatAssembly).")
path = os.environ.get("BENCH_ROWS")
if path:
    with open(path, "a") as f:
        for r in summ:
            f.write("\t".join(r) + "\n")
EOF
exit $failed
