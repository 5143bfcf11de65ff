#!/bin/bash
# Ensemble moments of the FE model against exact ones (see check.py): three ensembles of a bar
# in tension on 2 ranks as 2 groups of 1 rank, then the comparison. Writes under this folder.
set -u
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
TWINFE=${TWINFE:-$root/bin/twinfe}; PYTHON=${PYTHON:-/usr/bin/python3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
cd "$here" || exit 1
for d in load modulus load_lhs; do
  if ! timeout 300 mpiexec --oversubscribe -n 2 "$TWINFE" run "$d.yaml" --groups 2 --overwrite > "run-$d.log" 2>&1; then
    echo "ensemble_bar | $d | FAIL: run failed, see validation/ensemble_bar/run-$d.log"; tail -3 "run-$d.log"; exit 1
  fi
done
exec "$PYTHON" "$here/check.py" "$here"
