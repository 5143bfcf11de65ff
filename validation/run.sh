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
#   VALIDATION_RANKS     run every case on this many ranks instead of case.txt's "ranks N"
#
# Each case runs from the top of the tree as `$MPIEXEC N $TWINFE run validation/CASE/deck.yaml`
# with N from case.txt ("ranks N", default 2). Its output goes to CASE/out/run.log and its exit
# status to CASE/out/run.rc (124: timed out), which compare.py reports as a FAIL line.
# --no-run only compares the results already there. Exit status: nonzero if any check failed or
# any run failed.
#
# The manufactured-solution convergence study (validation/mms.c, built as build/validation/mms,
# override with MMS=...) runs too, on 2 ranks, when no CASE is given or when CASE is "mms"; its
# table follows the cases' table. Its output goes to validation/out/mms.log (stdout),
# mms.err (stderr) and mms.rc; --no-run prints the last mms.log again. MMS_TIMEOUT: seconds
# (default 300). A failed rate (exit 1) or a failed run fails the whole script.
# The time-step convergence study of the thermal model (validation/slab.c, build/validation/slab,
# override with SLAB=...; SLAB_TIMEOUT, default 300) runs the same way when no CASE is given or
# when CASE is "slab", with its output in validation/out/slab.{log,err,rc}. NAFEMS LE11
# (validation/le11.c, build/validation/le11, LE11=..., LE11_TIMEOUT default 300; its deck is
# validation/le11/deck.yaml) likewise, as CASE "le11", output validation/out/le11.{log,err,rc}.
# The ensemble-numerics studies run the same way, on 1 rank (serial programs): the Sobol'-index
# check on the Ishigami function (validation/ishigami.c, build/validation/ishigami, ISHIGAMI=...)
# as CASE "ishigami", and the ensemble-moment convergence study (validation/ensemble_moments.c,
# build/validation/ensemble_moments, MOMENTS=...) as CASE "ensemble_moments"; both when no CASE
# is given. ENSEMBLE_TIMEOUT: seconds (default 300). Output: validation/out/NAME.{log,err,rc}.
# The ensemble-filter benchmark on the Lorenz-96 model (validation/lorenz96.c,
# build/validation/lorenz96, LORENZ96=...: ETKF, LETKF and EnKF analysis RMSE against Sakov and
# Oke 2008) runs the same way, serial, as CASE "lorenz96" and when no CASE is given
# (LORENZ96_TIMEOUT, default 300); output validation/out/lorenz96.{log,err,rc}.
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

MMS=${MMS:-$root/build/validation/mms}
MMS_TIMEOUT=${MMS_TIMEOUT:-300}
SLAB=${SLAB:-$root/build/validation/slab}
SLAB_TIMEOUT=${SLAB_TIMEOUT:-300}
ISHIGAMI=${ISHIGAMI:-$root/build/validation/ishigami}
MOMENTS=${MOMENTS:-$root/build/validation/ensemble_moments}
ENSEMBLE_TIMEOUT=${ENSEMBLE_TIMEOUT:-300}
LORENZ96=${LORENZ96:-$root/build/validation/lorenz96}
LORENZ96_TIMEOUT=${LORENZ96_TIMEOUT:-300}
LE11=${LE11:-$root/build/validation/le11}
LE11_TIMEOUT=${LE11_TIMEOUT:-300}
run=1
cases=()
mms=0
slab=0
ishigami=0
moments=0
lorenz96=0
le11=0
ensbar=0
nargs=0
for a in "$@"; do
  case $a in
    --no-run) run=0 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1' "$0"; exit 0 ;;
    mms) mms=1; nargs=$((nargs + 1)) ;;
    slab) slab=1; nargs=$((nargs + 1)) ;;
    ishigami) ishigami=1; nargs=$((nargs + 1)) ;;
    ensemble_moments) moments=1; nargs=$((nargs + 1)) ;;
    lorenz96) lorenz96=1; nargs=$((nargs + 1)) ;;
    le11) le11=1; nargs=$((nargs + 1)) ;;
    ensemble_bar) ensbar=1; nargs=$((nargs + 1)) ;;
    *) nargs=$((nargs + 1))
       if [ -d "$a" ]; then cases+=("$(cd "$a" && pwd)"); else cases+=("$here/$a"); fi ;;
  esac
done
if [ $nargs -eq 0 ]; then
  mms=1
  slab=1
  ishigami=1
  moments=1
  lorenz96=1
  le11=1
  ensbar=1
  for c in "$here"/*/case.txt; do cases+=("$(dirname "$c")"); done
fi

# the value of a case.txt statement (first word after KEY), or a default
field() { awk -v k="$2" '$1 == k { print $2; exit }' "$1/case.txt" 2>/dev/null; }

read -r -a launcher <<< "$MPIEXEC"
last=${launcher[${#launcher[@]}-1]}

# run a convergence-study program NAME (BIN, TIMEOUT s) on RANKS ranks (default 2):
# validation/out/NAME.{log,err,rc}
run_study() {
  local name=$1 bin=$2 limit=$3 np=${4:-2} rc t0 dt
  mkdir -p "$here/out"
  rm -f "$here/out/$name.log" "$here/out/$name.err" "$here/out/$name.rc"
  case $last in -n|-np|-c) cmd=("${launcher[@]}" "$np") ;; *) cmd=("${launcher[@]}" -n "$np") ;; esac
  printf 'run.sh: %-24s %d ranks ... ' "$name" "$np" >&2
  t0=$(date +%s.%N)
  if [ -x "$bin" ]; then
    (cd "$root" && echo "+ ${cmd[*]} $bin" >&2 &&
       exec timeout -k 10 "$limit" "${cmd[@]}" "$bin") > "$here/out/$name.log" 2> "$here/out/$name.err"
    rc=$?
  else
    echo "$bin: not found (make $(realpath --relative-to="$root" "$bin"))" > "$here/out/$name.err"; rc=127
  fi
  echo $rc > "$here/out/$name.rc"
  dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  case $rc in
    0) printf 'ok (%s s)\n' "$dt" >&2 ;;
    1) printf 'done, some checks FAILED (%s s)\n' "$dt" >&2 ;;
    *) printf 'FAILED, exit status %d (%s s), see %s\n' $rc "$dt" "$(realpath --relative-to="$root" "$here/out/$name.err")" >&2
       tail -n 5 "$here/out/$name.err" | sed 's/^/    /' >&2 ;;
  esac
}

if [ $run = 1 ]; then
  [ -x "$TWINFE" ] || echo "run.sh: $TWINFE not found or not executable: every case will fail" >&2
  for c in "${cases[@]}"; do
    name=$(basename "$c")
    if [ ! -f "$c/case.txt" ]; then echo "run.sh: $c: no case.txt" >&2; continue; fi
    ranks=$(field "$c" ranks); ranks=${VALIDATION_RANKS:-${ranks:-2}}
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
      (cd "$root" && echo "+ ${cmd[*]} $TWINFE run $deckpath --overwrite" &&
         exec timeout -k 10 "$limit" "${cmd[@]}" "$TWINFE" run "$deckpath" --overwrite) > "$c/out/run.log" 2>&1
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
  [ $mms = 1 ] && run_study mms "$MMS" "$MMS_TIMEOUT"
  [ $slab = 1 ] && run_study slab "$SLAB" "$SLAB_TIMEOUT"
  [ $ishigami = 1 ] && run_study ishigami "$ISHIGAMI" "$ENSEMBLE_TIMEOUT" 1
  [ $moments = 1 ] && run_study ensemble_moments "$MOMENTS" "$ENSEMBLE_TIMEOUT" 1
  [ $lorenz96 = 1 ] && run_study lorenz96 "$LORENZ96" "$LORENZ96_TIMEOUT" 1
  [ $le11 = 1 ] && run_study le11 "$LE11" "$LE11_TIMEOUT"
  if [ $ensbar = 1 ]; then # ensembles of the FE model (a script: it runs three ensembles)
    mkdir -p "$here/out"
    printf 'run.sh: %-24s ... ' ensemble_bar >&2
    TWINFE="$TWINFE" "$here/ensemble_bar/run.sh" > "$here/out/ensemble_bar.log" 2> "$here/out/ensemble_bar.err"
    echo $? > "$here/out/ensemble_bar.rc"
    [ "$(cat "$here/out/ensemble_bar.rc")" = 0 ] && echo ok >&2 || echo FAILED >&2
  fi
  echo >&2
  status=0
  if [ ${#cases[@]} -gt 0 ]; then
    "$PYTHON" "$here/compare.py" --require-run "${cases[@]}" || status=1
  fi
else
  status=0
  if [ ${#cases[@]} -gt 0 ]; then
    "$PYTHON" "$here/compare.py" "${cases[@]}" || status=1
  fi
fi

# the convergence-study tables (validation/mms.c and slab.c print them in compare.py's style)
print_study() { # NAME BIN TITLE [RANKS]
  local name=$1 bin=$2 title=$3 np=${4:-2} rc what
  [ ${#cases[@]} -gt 0 ] || [ "$printed" = 1 ] && echo
  printed=1
  echo "$title ($(realpath --relative-to="$root" "$bin"), $np rank$([ "$np" = 1 ] || echo s)):"
  echo
  rc=$(cat "$here/out/$name.rc" 2>/dev/null || echo "not run")
  case $rc in
    0|1) cat "$here/out/$name.log"; [ "$rc" = 0 ] || status=1 ;;
    "not run")
      echo "$name | (all) | FAIL: not run (no validation/out/$name.rc)"; status=1 ;;
    *) what="exit status $rc"; [ "$rc" = 124 ] && what="timed out"; [ "$rc" = 127 ] && what="command not found"
       echo "$name | (all) | FAIL: run failed: $what, see $(realpath --relative-to="$root" "$here/out/$name.err")"
       [ -s "$here/out/$name.log" ] && cat "$here/out/$name.log"
       status=1 ;;
  esac
}
printed=0
[ $mms = 1 ] && print_study mms "$MMS" "Manufactured solutions"
[ $slab = 1 ] && print_study slab "$SLAB" "Transient thermal time-step convergence"
[ $ishigami = 1 ] && print_study ishigami "$ISHIGAMI" "Sobol' indices of the Ishigami function" 1
[ $moments = 1 ] && print_study ensemble_moments "$MOMENTS" "Ensemble moments: Monte Carlo and Latin hypercube convergence" 1
[ $lorenz96 = 1 ] && print_study lorenz96 "$LORENZ96" "Ensemble filters on Lorenz-96 (ETKF, LETKF, EnKF; Sakov and Oke 2008)" 1
[ $le11 = 1 ] && print_study le11 "$LE11" "NAFEMS LE11, prescribed temperature field"
[ $ensbar = 1 ] && print_study ensemble_bar "$here/ensemble_bar/run.sh" "Ensemble moments of the FE model (bar in tension: uncertain load, lognormal modulus; 2 groups)" 2
exit $status
