#!/bin/sh
# run.sh: bad sensor files. tests/sensors/gen.py writes one file per defect (and valid files)
# into a temporary folder with a manifest of the expected one-line messages; snapcheck reads
# every file with TwinSnapshotRead / TwinSensorLayoutRead on 1 and 2 ranks (same message on
# every rank, no HDF5 object left open), then runs the writer/reader round trips, timestamps,
# glob and TwinSensorsFromDeck checks. A run fails on any FAIL line, an exit status other than
# 0, a signal or timeout, or anything on stderr (an HDF5 error stack, a PETSc traceback, a
# sanitizer report).
# Usage (from anywhere): tests/sensors/run.sh [--keep]
# environment: PYTHON (default /usr/bin/python3: h5py and numpy), SNAPCHECK (default
#              build/tests/sensors/snapcheck; `make build/tests/sensors/snapcheck`), MPIEXEC
#              (default "mpiexec --oversubscribe")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
SNAPCHECK=${SNAPCHECK:-$root/build/tests/sensors/snapcheck}
MPIEXEC=${MPIEXEC:-mpiexec --oversubscribe}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
keep=0
[ "${1:-}" = "--keep" ] && keep=1
if [ ! -x "$SNAPCHECK" ]; then
  echo "sensor files: $SNAPCHECK not found (make build/tests/sensors/snapcheck first)" >&2
  exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/twinfe-sensors.XXXXXX")
if [ $keep -eq 1 ]; then echo "sensor files: keeping $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi
if ! "$PYTHON" "$here/gen.py" "$tmp/files" >"$tmp/gen.log" 2>&1; then
  echo "FAIL sensor files: $PYTHON $here/gen.py failed:"
  sed 's/^/     /' "$tmp/gen.log"
  exit 1
fi
failed=0
total=0
for ranks in 1 2; do
  for what in batch roundtrip; do
    total=$((total + 1))
    if [ $what = batch ]; then arg=$tmp/files/cases.tsv; else arg=$tmp/rt$ranks; mkdir -p "$arg"; fi
    timeout 300 $MPIEXEC -n $ranks "$SNAPCHECK" $what "$arg" >"$tmp/out" 2>"$tmp/err" </dev/null
    status=$?
    why=""
    if [ $status -eq 124 ]; then why="timed out after 300 s (hang)"
    elif [ $status -ge 128 ]; then why="exit status $status (killed by a signal)"
    elif grep -q "Segmentation\|Caught signal\|HDF5-DIAG\|PETSC ERROR\|Sanitizer" "$tmp/out" "$tmp/err"; then why="crash or error text in the output"
    elif [ -s "$tmp/err" ]; then why="output on stderr"
    elif [ $status -ne 0 ] || grep -q '^FAIL' "$tmp/out"; then why="failed checks"
    fi
    n=$(grep -c '^ok' "$tmp/out")
    if [ -z "$why" ]; then
      echo "ok   snapcheck $what on $ranks rank(s): $n checks"
    else
      failed=$((failed + 1))
      echo "FAIL snapcheck $what on $ranks rank(s): $why"
      grep -v '^ok' "$tmp/out" | sed 's/^/     /' | head -40
      sed 's/^/     stderr: /' "$tmp/err" | head -10
    fi
  done
done
echo "sensor files: $((total - failed))/$total passed ($(grep -c . "$tmp/files/cases.tsv") files per batch)"
[ $failed -eq 0 ]
