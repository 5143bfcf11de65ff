#!/bin/bash
# The parallel box generator (TwinMeshCreateBoxParallel) against the serial path.
#
#  1. build/tests/mpi/boxmesh (tests/mpi/boxmesh.c) on 2, 3 and 4 ranks: coordinates, natural
#     numbers, cell vertex order, labels, point SF, partition and its reproduction, against the
#     serial generator (see the file for the list);
#  2. a hex and a tet deck (tests/mpi/decks/hex_p1_cantilever.yaml, tet_p2_pressure.yaml) on 2
#     and 3 ranks, generated in parallel and with -twin_box_parallel 0 (made on rank 0 and
#     distributed): tests/mpi/compare_h5.py compares every twin.h5 with the 1-rank run (mesh
#     and probes identical, fields within 1e-8 relative); the log must say which path ran
#     (-info :sys prints "generated in parallel" for the parallel generator).
#
# usage: tests/mpi/box_parallel.sh
# environment (tests/mpi/env.sh): MPIEXEC (default "mpiexec --oversubscribe --bind-to none"; the
#   rank count is appended after -n), TWINFE (default bin/twinfe), BOXMESH (default build/tests/mpi/boxmesh),
#   PYTHON (default /usr/bin/python3). Exit status 0 when everything passes, 1 otherwise.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
BOXMESH=${BOXMESH:-$root/build/tests/mpi/boxmesh}
. "$here/env.sh"
for exe in "$TWINFE" "$BOXMESH"; do
  [ -x "$exe" ] || { echo "tests/mpi/box_parallel.sh: $exe not found (make bin/twinfe $BOXMESH)" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/twinfe-boxpar.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
status=0
mpi() { local n=$1; shift; timeout -k 10 300 "${launcher[@]}" "$n" "$@"; }

for n in 2 3 4; do
  if mpi "$n" "$BOXMESH" > "$tmp/boxmesh-$n.log" 2>&1; then
    echo "boxmesh: $n ranks: ok ($(grep -c ' ok$' "$tmp/boxmesh-$n.log") checks)"
  else
    echo "boxmesh: $n ranks: FAIL"
    grep -v ' ok$' "$tmp/boxmesh-$n.log" | sed 's/^/    /'
    status=1
  fi
done

for deck in hex_p1_cantilever tet_p2_pressure; do
  h5s=()
  names=()
  for run in 1 2 3 2s 3s; do
    n=${run%s}
    opts=(-mechanics_ksp_rtol 1e-13 -info :sys)
    [ "$run" != "$n" ] && opts+=(-twin_box_parallel 0)
    out="$tmp/$deck-$run"
    if ! mpi "$n" "$TWINFE" run "$here/decks/$deck.yaml" --overwrite --set "output.directory=$out" "${opts[@]}" > "$out.log" 2>&1; then
      echo "$deck: $run: FAIL run failed"; tail -n 5 "$out.log" | sed 's/^/    /'; status=1; continue
    fi
    par=$(grep -c "generated in parallel" "$out.log")
    if [ "$n" = 1 ] || [ "$run" != "$n" ]; then want=0; else want=$n; fi
    if [ "$par" != "$want" ]; then
      echo "$deck: $run: FAIL $par ranks report the parallel generator, expected $want"; status=1
    fi
    h5s+=("$out/twin.h5")
    if [ "$run" = "$n" ]; then names+=("${n}rk"); else names+=("${n}rk-serial"); fi
  done
  [ ${#h5s[@]} -ge 2 ] || { status=1; continue; }
  if ! "$PYTHON" "$here/compare_h5.py" --tol 1e-8 --label "$deck" --names "$(IFS=,; echo "${names[*]}")" "${h5s[@]}" > "$tmp/$deck.cmp"; then
    grep FAIL "$tmp/$deck.cmp"; status=1
  fi
  echo "$deck: $(grep -c 'OK' "$tmp/$deck.cmp") comparisons with the 1-rank run ok, $(grep -c FAIL "$tmp/$deck.cmp") failed (${names[*]:1})"
done

if [ $status = 0 ]; then
  echo "tests/mpi/box_parallel: parallel box generator: passed"
else
  echo "tests/mpi/box_parallel: parallel box generator: FAILED"
fi
exit $status
