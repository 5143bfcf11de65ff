#!/bin/bash
# Run the validation cases and print the validation table (validation/compare.py).
#
# usage: validation/run.sh [--no-run] [CASE ...]     CASE: a folder name under validation/ or a path
#                                                    (default: every folder with a case.txt)
# environment:
#   MPIEXEC   launcher (default "mpiexec --oversubscribe -n"); the rank count is appended, after
#             "-n" when MPIEXEC does not already end with -n/-np/-c (so the Makefile's
#             "mpiexec --oversubscribe --bind-to none" works too)
#   TWINFE    the engine (default bin/twinfe of this tree)
#   PYTHON    python3 with h5py and numpy (default /usr/bin/python3, the Debian one)
#   VALIDATION_TIMEOUT   seconds per case, unless case.txt says "timeout S" (default 900)
#
# Each case runs from the top of the tree as `$MPIEXEC N $TWINFE run validation/CASE/deck.yaml`
# with N from case.txt ("ranks N", default 2). Its output goes to CASE/out/run.log and its exit
# status to CASE/out/run.rc (124: timed out), which compare.py reports as a FAIL line.
# --no-run only compares the results already there. Exit status: nonzero if any check failed or
# any run failed.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
MPIEXEC=${MPIEXEC:-"mpiexec --oversubscribe -n"}
TWINFE=${TWINFE:-$root/bin/twinfe}
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python3
  [ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

run=1
cases=()
for a in "$@"; do
  case $a in
    --no-run) run=0 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) if [ -d "$a" ]; then cases+=("$(cd "$a" && pwd)"); else cases+=("$here/$a"); fi ;;
  esac
done
if [ ${#cases[@]} -eq 0 ]; then
  for c in "$here"/*/case.txt; do cases+=("$(dirname "$c")"); done
fi

# the value of a case.txt statement (first word after KEY), or a default
field() { awk -v k="$2" '$1 == k { print $2; exit }' "$1/case.txt" 2>/dev/null; }

read -r -a launcher <<< "$MPIEXEC"
last=${launcher[${#launcher[@]}-1]}

if [ $run = 1 ]; then
  [ -x "$TWINFE" ] || echo "run.sh: $TWINFE not found or not executable: every case will fail" >&2
  for c in "${cases[@]}"; do
    name=$(basename "$c")
    if [ ! -f "$c/case.txt" ]; then echo "run.sh: $c: no case.txt" >&2; continue; fi
    ranks=$(field "$c" ranks); ranks=${ranks:-2}
    deck=$(field "$c" deck); deck=${deck:-deck.yaml}
    limit=$(field "$c" timeout); limit=${limit:-${VALIDATION_TIMEOUT:-900}}
    mkdir -p "$c/out"
    # never compare against a previous run's results
    outdir=$("$PYTHON" "$here/compare.py" --outdir "$c" 2>/dev/null) || outdir="$c/out"
    rm -f "$outdir/twin.h5" "$c/out/run.rc"
    case $last in -n|-np|-c) cmd=("${launcher[@]}" "$ranks") ;; *) cmd=("${launcher[@]}" -n "$ranks") ;; esac
    deckpath=$(realpath --relative-to="$root" "$c/$deck")
    printf 'run.sh: %-24s %d ranks ... ' "$name" "$ranks" >&2
    t0=$(date +%s.%N)
    if [ -x "$TWINFE" ]; then
      (cd "$root" && echo "+ ${cmd[*]} $TWINFE run $deckpath" &&
         exec timeout -k 10 "$limit" "${cmd[@]}" "$TWINFE" run "$deckpath") > "$c/out/run.log" 2>&1
      rc=$?
    else
      echo "$TWINFE: not found" > "$c/out/run.log"; rc=127
    fi
    echo $rc > "$c/out/run.rc"
    dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    if [ $rc = 0 ]; then
      printf 'ok (%s s)\n' "$dt" >&2
    else
      printf 'FAILED, exit status %d (%s s), see %s\n' $rc "$dt" \
        "$(realpath --relative-to="$root" "$c/out/run.log")" >&2
      tail -n 5 "$c/out/run.log" | sed 's/^/    /' >&2
    fi
  done
  echo >&2
  exec "$PYTHON" "$here/compare.py" --require-run "${cases[@]}"
fi
exec "$PYTHON" "$here/compare.py" "${cases[@]}"
