#!/bin/bash
# The default solver policy (src/model/solver.c): a model of at most -twin_direct_max_dofs free
# DOFs is solved with CG + sparse Cholesky (CHOLMOD on 1 rank, MUMPS on 2), a larger one with
# CG + GAMG. Checks, on a coupled thermal + structural deck (tet P2, 600 + 200 DOFs):
#   - the default run reports a factorization (ksp_view names cholesky and its package) and
#     CG converges in at most 2 iterations;
#   - -twin_direct_max_dofs 0 reports gamg and needs more iterations;
#   - the two runs' fields agree to 1e-8 (tests/mpi/compare_h5.py), on 1 and on 2 ranks.
# usage: tests/mpi/solver.sh            environment: MPIEXEC, TWINFE, PYTHON (tests/mpi/env.sh)
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/env.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/twinfe-solver.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
status=0
fail() { echo "solver: FAIL $*"; status=1; }
deck=tet_p2_thermoelastic
for n in 1 2; do
  pkg=cholmod; [ $n -gt 1 ] && pkg=mumps
  for mode in direct gamg; do
    d="$tmp/$mode-$n"
    mkdir -p "$d"
    sed -e 's|^\(\s*directory:\).*|\1 out|' "$here/decks/$deck.yaml" > "$d/deck.yaml"
    opt=(-mechanics_ksp_view -thermal_ksp_view)
    [ $mode = gamg ] && opt+=(-twin_direct_max_dofs 0)
    if ! (cd "$d" && timeout -k 10 300 "${launcher[@]}" $n "$TWINFE" run deck.yaml "${opt[@]}") > "$d/run.log" 2>&1; then
      fail "$deck $mode on $n rank(s): run failed"; tail -n 5 "$d/run.log" | sed 's/^/    /'; continue
    fi
    its=$(grep -oE 'mechanics: [0-9]+ free DOFs; solve: [0-9]+ iterations' "$d/run.log" | grep -oE '[0-9]+ iterations' | grep -oE '[0-9]+' | tail -1)
    if [ $mode = direct ]; then
      grep -q "type: cholesky" "$d/run.log" && grep -q "package used to perform factorization: $pkg" "$d/run.log" \
        || fail "$deck on $n rank(s): the default solver is not a $pkg Cholesky factorization"
      [ -n "$its" ] && [ "$its" -le 2 ] || fail "$deck on $n rank(s): the direct path took ${its:-?} CG iterations (expected <= 2)"
    else
      grep -q "type: gamg" "$d/run.log" || fail "$deck on $n rank(s): -twin_direct_max_dofs 0 did not select GAMG"
      [ -n "$its" ] && [ "$its" -gt 2 ] || fail "$deck on $n rank(s): GAMG took ${its:-?} iterations (expected > 2: is it really GAMG?)"
    fi
    echo "solver: $deck, $n rank(s), $mode: mechanics ${its:-?} CG iterations"
  done
  a="$tmp/direct-$n/out"; b="$tmp/gamg-$n/out"
  h5a=$(find "$a" -name twin.h5 | head -1); h5b=$(find "$b" -name twin.h5 | head -1)
  if [ -n "$h5a" ] && [ -n "$h5b" ]; then
    "$PYTHON" "$here/compare_h5.py" --tol 1e-8 --label "$deck ${n}rk" --names gamg,direct "$h5b" "$h5a" > "$tmp/cmp-$n" || { fail "direct and GAMG results differ on $n rank(s)"; cat "$tmp/cmp-$n"; }
  else fail "no twin.h5 on $n rank(s)"; fi
done
[ $status = 0 ] && echo "tests/mpi/solver: default direct solver for small models agrees with GAMG: passed" || echo "tests/mpi/solver: FAILED"
exit $status
