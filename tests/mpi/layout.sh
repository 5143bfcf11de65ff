#!/bin/bash
# twinfe's own matrix layout (src/model/spacemat.c) against PETSc's COO path: the same decks on
# 3 ranks (an odd count, so interface rows meet partitions of different shapes), once as is and
# once with -twin_matrix_petsc_coo; every matrix handed to a solver is dumped
# (-mechanics_ksp_view_mat, -thermal_ksp_view_mat, PETSc binary) and compared: the same rows,
# the same columns in every row, values equal to 1e-13 of the largest entry (sums of interface
# contributions may be added in another order).
# usage: tests/mpi/layout.sh            environment: MPIEXEC, TWINFE, PYTHON (tests/mpi/env.sh)
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}   # the threaded transfer loop runs too
. "$here/env.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/twinfe-layout.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
status=0
# hex Q1 (clamped face: whole nodes fixed), tet P2 and tri P2 (partly fixed nodes: symmetry
# planes), a coupled thermal + tet P2 run, and radiation (the Newton Jacobian is a duplicate)
for deck in hex_p1_cantilever tet_p2_pressure cylinder_tri_p2 tet_p2_thermoelastic quad_radiation; do
  for path in twinfe petsc; do
    d="$tmp/$deck-$path"
    mkdir -p "$d"
    sed -e 's|^\(\s*directory:\).*|\1 out|' -e "s|file: *\(\.\./\)*|file: $root/|" "$here/decks/$deck.yaml" > "$d/deck.yaml"
    opt=()
    [ $path = petsc ] && opt=(-twin_matrix_petsc_coo)
    if ! (cd "$d" && timeout -k 10 600 "${launcher[@]}" 3 "$TWINFE" run deck.yaml "${opt[@]}" \
          -mechanics_ksp_view_mat "binary:$d/mech.bin" -thermal_ksp_view_mat "binary:$d/therm.bin") > "$d/run.log" 2>&1; then
      echo "layout: $deck ($path path): FAIL run failed"; tail -n 5 "$d/run.log" | sed 's/^/    /'
      status=1
    fi
  done
  for m in mech therm; do
    a="$tmp/$deck-twinfe/$m.bin" b="$tmp/$deck-petsc/$m.bin"
    [ -f "$a" ] || [ -f "$b" ] || continue
    if ! "$PYTHON" - "$a" "$b" "$deck $m" <<'PY'
import sys, os
import numpy as np
def mats(path):
    if not os.path.exists(path):
        sys.exit("%s: missing" % path)
    d, off, out = open(path, "rb").read(), 0, []
    while off < len(d):
        cid, M, N, nz = np.frombuffer(d[off:off + 16], ">i4"); off += 16
        assert cid == 1211216, "not a PETSc matrix"
        rl = np.frombuffer(d[off:off + 4 * M], ">i4"); off += 4 * M
        cj = np.frombuffer(d[off:off + 4 * nz], ">i4"); off += 4 * nz
        v = np.frombuffer(d[off:off + 8 * nz], ">f8"); off += 8 * nz
        out.append((M, N, nz, rl, cj, v))
    return out
A, B, name = mats(sys.argv[1]), mats(sys.argv[2]), sys.argv[3]
ok = len(A) == len(B) and len(A) > 0
worst = 0.0
for x, y in zip(A, B):
    if x[:3] != y[:3] or not (x[3] == y[3]).all() or not (x[4] == y[4]).all():
        ok = False
        break
    worst = max(worst, np.abs(x[5] - y[5]).max() / max(np.abs(y[5]).max(), 1e-300))
ok = ok and worst <= 1e-13
print("layout: %-28s %d matrices, %d rows, %d nonzeros, same pattern: %s, max rel diff %.1e  %s"
      % (name, len(A), A[0][0] if A else 0, A[0][2] if A else 0, "yes" if ok or worst > 1e-13 else "NO", worst, "ok" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
    then status=1; fi
  done
done
[ $status = 0 ] && echo "tests/mpi/layout: twinfe's matrix layout equals PETSc's COO path: passed" || echo "tests/mpi/layout: FAILED"
exit $status
