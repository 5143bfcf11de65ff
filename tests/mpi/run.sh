#!/bin/bash
# Rank-count invariance: results must not depend on the number of MPI ranks.
#
# NEEDS 4 MPI RANKS: every deck runs on 1, 2 and 4 ranks; on a 2-core machine the 4-rank runs
# are oversubscribed (the launcher gets --oversubscribe; OMP_NUM_THREADS defaults to 1).
#
# usage: tests/mpi/run.sh [--keep] [DECK ...]      (default: every tests/mpi/decks/*.yaml)
# environment:
#   MPIEXEC   launcher (default "mpiexec --oversubscribe -n"); the rank count is appended, after
#             "-n" when MPIEXEC does not already end with -n/-np/-c (as in validation/run.sh, so
#             the Makefile's "mpiexec --oversubscribe --bind-to none" works too)
#   TWINFE    the engine (default bin/twinfe of this tree)
#   PYTHON    python3 with h5py and numpy (default /usr/bin/python3, the Debian one)
#   MPITEST_TOL      relative tolerance of the fields (default 1e-8)
#   MPITEST_TIMEOUT  seconds per run (default 600)
#   MPITEST_RANKS    rank counts (default "1 2 4"; the first is the reference)
#
# Every run is `$MPIEXEC N $TWINFE run DECK -mechanics_ksp_rtol 1e-13` (the command line beats
# the deck's solver options). `twinfe run` has no output-directory option and a deck's
# output.directory is relative to the deck's folder, so each run gets a copy of the deck in its
# own folder under a temporary directory (mesh file paths made absolute, output.directory
# replaced by "out") and runs there; the results go to that folder's out/twin.h5 (the folder of
# the "wrote" line of twinfe). tests/mpi/compare_h5.py then compares the 2- and 4-rank files with
# the 1-rank file: mesh coordinates, topology and probe names/positions identical; displacement,
# stress, von Mises (vertex and cell) and probe values within max |diff| / max |ref| < 1e-8.
# One line per comparison. Exit status: 0 when everything passes, 1 otherwise.
# --keep leaves the temporary directory (its path is printed).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
MPIEXEC=${MPIEXEC:-"mpiexec --oversubscribe -n"}
TWINFE=${TWINFE:-$root/bin/twinfe}
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python3
  [ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi
TOL=${MPITEST_TOL:-1e-8}
LIMIT=${MPITEST_TIMEOUT:-600}
read -r -a ranks <<< "${MPITEST_RANKS:-1 2 4}"
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}

keep=0
decks=()
for a in "$@"; do
  case $a in
    --keep) keep=1 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) decks+=("$(realpath "$a")") ;;
  esac
done
if [ ${#decks[@]} -eq 0 ]; then
  for d in "$here"/decks/*.yaml; do decks+=("$d"); done
fi
if [ ! -x "$TWINFE" ]; then
  echo "tests/mpi/run.sh: $TWINFE not found or not executable (make bin/twinfe)" >&2
  exit 1
fi

read -r -a launcher <<< "$MPIEXEC"
last=${launcher[${#launcher[@]}-1]}
# the launcher must allow more ranks than cores
have_over=0
for w in "${launcher[@]}"; do [ "$w" = --oversubscribe ] && have_over=1; done
if [ $have_over = 0 ] && [[ ${launcher[0]} == *mpiexec* || ${launcher[0]} == *mpirun* ]]; then
  launcher=("${launcher[0]}" --oversubscribe "${launcher[@]:1}")
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/twinfe-mpitest.XXXXXX")
if [ $keep = 0 ]; then trap 'rm -rf "$tmp"' EXIT; else echo "tests/mpi/run.sh: results kept in $tmp" >&2; fi

# Copy DECK into DIR/deck.yaml with absolute mesh paths and output.directory: out.
copy_deck() {
  "$PYTHON" - "$1" "$2/deck.yaml" <<'EOF'
import os, re, sys
src, dst = sys.argv[1], sys.argv[2]
folder = os.path.dirname(os.path.abspath(src))
text = open(src).read()
def absfile(m):
    path = m.group(2).strip("'\"")
    return m.group(1) + (path if os.path.isabs(path) else os.path.normpath(os.path.join(folder, path)))
# mesh file (block or flow style) and output directory, outside comments; a quoted path keeps
# working unquoted unless it has spaces
lines, n = [], 0
for line in text.split("\n"):
    code, sep, comment = line.partition(" #") if not line.lstrip().startswith("#") else ("", "", line)
    code = re.sub(r"(\bfile:\s*)('[^']*'|\"[^\"]*\"|[^,}\s#]+)", absfile, code)
    code, k = re.subn(r"(\bdirectory:\s*)('[^']*'|\"[^\"]*\"|[^,}\s#]+)", r"\1out", code)
    n += k
    lines.append(code + sep + comment)
text = "\n".join(lines)
if n == 0:
    if re.search(r"^output:", text, re.M):
        text = re.sub(r"^output:[ \t]*\n", "output:\n  directory: out\n", text, count=1, flags=re.M)
        if "directory: out" not in text:
            sys.exit(f"{src}: cannot add output.directory (write 'output:' as a block map)")
    else:
        text += "\noutput:\n  directory: out\n"
open(dst, "w").write(text)
EOF
}

status=0
nfail=0
ncmp=0
for deck in "${decks[@]}"; do
  name=$(basename "$deck" .yaml)
  h5s=()
  tags=()
  runfail=0
  for n in "${ranks[@]}"; do
    dir="$tmp/$name/n$n"
    mkdir -p "$dir"
    if ! copy_deck "$deck" "$dir"; then runfail=1; break; fi
    case $last in -n|-np|-c) cmd=("${launcher[@]}" "$n") ;; *) cmd=("${launcher[@]}" -n "$n") ;; esac
    printf 'run.sh: %-24s %d ranks ... ' "$name" "$n" >&2
    t0=$(date +%s.%N)
    (cd "$dir" && echo "+ ${cmd[*]} $TWINFE run deck.yaml -mechanics_ksp_rtol 1e-13 -thermal_ksp_rtol 1e-13" &&
       exec timeout -k 10 "$LIMIT" "${cmd[@]}" "$TWINFE" run deck.yaml -mechanics_ksp_rtol 1e-13 -thermal_ksp_rtol 1e-13) > "$dir/run.log" 2>&1
    rc=$?
    dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    out=$(sed -n 's|^twinfe: wrote \(.*\)/twin\.h5 and .*|\1|p' "$dir/run.log" | tail -n 1)
    [ -n "$out" ] && case $out in /*) ;; *) out="$dir/$out" ;; esac
    if [ $rc != 0 ] || [ -z "$out" ] || [ ! -f "$out/twin.h5" ]; then
      printf 'FAILED, exit status %d (%s s)\n' $rc "$dt" >&2
      tail -n 8 "$dir/run.log" | sed 's/^/    /' >&2
      echo "$name: ${n} ranks: FAIL run failed (exit status $rc$([ $rc = 124 ] && echo ', timed out'))"
      runfail=1
      continue
    fi
    printf 'ok (%s s; %s)\n' "$dt" "$(grep -o 'solve: [0-9]* iterations, residual [^ ]*' "$dir/run.log")" >&2
    h5s+=("$out/twin.h5")
    tags+=("${n}rk")
  done
  if [ $runfail = 1 ] || [ ${#h5s[@]} -lt 2 ]; then
    status=1
    nfail=$((nfail + 1))
    [ ${#h5s[@]} -lt 2 ] && continue
  fi
  # the XDMF sidecar of every run must describe its twin.h5 (what ParaView reads)
  for h in "${h5s[@]}"; do
    if ! "$PYTHON" "$here/check_xdmf.py" "$(dirname "$h")"; then status=1; nfail=$((nfail + 1)); fi
    ncmp=$((ncmp + 1))
  done
  names=$(IFS=,; echo "${tags[*]}")
  "$PYTHON" "$here/compare_h5.py" --tol "$TOL" --label "$name" --names "$names" "${h5s[@]}" > "$tmp/$name/compare.txt"
  crc=$?
  cat "$tmp/$name/compare.txt"
  ncmp=$((ncmp + $(grep -c . "$tmp/$name/compare.txt")))
  if [ $crc != 0 ]; then
    status=1
    nfail=$((nfail + $(grep -c FAIL "$tmp/$name/compare.txt")))
  fi
done
echo
if [ $status = 0 ]; then
  echo "tests/mpi: rank-count invariance: all $ncmp comparisons passed (ranks ${ranks[*]}, tolerance $TOL)"
else
  echo "tests/mpi: rank-count invariance: FAILED ($nfail failures; ranks ${ranks[*]}, tolerance $TOL)"
fi
exit $status
