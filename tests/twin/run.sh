#!/bin/bash
# tests/twin/run.sh: twin experiments (the twin cycle of src/assim/cycle.c and `twinfe
# synthesize`). NEEDS 4 MPI RANKS (oversubscribed on 2 cores). Part of `make mpitest`.
#
# Every deck is copied into a scratch folder; `twinfe synthesize` writes the truth's snapshots and
# truth.h5 there at test time (nothing generated is kept). tests/twin/check.py reads the results.
#  1. twin experiment (plate.yaml: the demo plate, 16 x 8 x 1 cells, 16 members, 8 snapshots):
#     for ETKF, LETKF and EnKF, (a) each true parameter (k, q, h) inside the final posterior 95 %
#     interval, and its posterior std below half the prior's, (b) the analysis temperature RMSE
#     against truth.h5, averaged over the cycles, at least 5 x below that of the same ensemble
#     without analysis (-twin_assimilation_off); ETKF again with other ensemble and noise seeds;
#  2. invariance: ETKF on 1 rank, 2 ranks (1 group), 2 ranks (2 groups), 4 ranks (2 groups), and
#     LETKF on 1, 2 (1 group) and 4 (2 groups): /assimilation/parameters and every step's
#     mean_temperature to a relative 1e-8;
#  3. forecast.h5 after the run is a whole file (steps, /prediction, history), no *.tmp left;
#  4. follow mode from an empty folder: snapshots arrive one by one (temporary name + mv, one
#     written in place slowly); all assimilated in time order, forecast.h5 readable after each,
#     exit 0 after the idle timeout;
#  5. a bad snapshot (wrong /values shape; a repeated time): bad_snapshot: stop ends the run with
#     one error line naming the file (exit 1) and leaves the previous twin.h5 of that folder
#     intact; bad_snapshot: skip completes, warns, and /assimilation/files does not list it;
#     also in follow mode, a snapshot older than the last assimilated one arriving late (skip);
#  6. ES-MDA on a static deck (static.yaml, conductivity): truth inside the posterior 95 %
#     interval, posterior std < 0.3 x prior std;
#  7. a sensor outside the mesh (outside.yaml): `twinfe check` and `twinfe run` fail naming it.
#  8. checkpoint on a signal at a cycle boundary (exit 3) and --restart to the uninterrupted result.
# environment: TWINFE (default bin/twinfe), PYTHON (default /usr/bin/python3, h5py + numpy),
#   MPIEXEC (default "mpiexec --oversubscribe --bind-to none"), TWINTEST_KEEP=1 keeps the scratch,
#   TWINTEST_TIMEOUT seconds per twin run (default 900: 4 oversubscribed ranks on a loaded 2-core
#   machine took more than 300 s).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); root=$(cd "$here/../.." && pwd)
TWINFE=${TWINFE:-$root/bin/twinfe}; PYTHON=${PYTHON:-/usr/bin/python3}
read -r -a launcher <<< "${MPIEXEC:-mpiexec --oversubscribe --bind-to none}"
case ${launcher[${#launcher[@]}-1]} in -n|-np|-c) unset 'launcher[${#launcher[@]}-1]' ;; esac
have_over=0; for w in "${launcher[@]}"; do [ "$w" = --oversubscribe ] && have_over=1; done
[ $have_over = 0 ] && launcher=("${launcher[0]}" --oversubscribe "${launcher[@]:1}")
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe:-1}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
[ -x "$TWINFE" ] || { echo "tests/twin/run.sh: $TWINFE not found (make bin/twinfe)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/twinfe-twin.XXXXXX")
if [ "${TWINTEST_KEEP:-0}" = 1 ]; then echo "tests/twin: scratch kept in $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi
# one binary for the whole suite (a rebuild of bin/twinfe during the run must not break it)
cp "$TWINFE" "$tmp/twinfe" && TWINFE=$tmp/twinfe
start=$SECONDS
status=0
CHECK=("$PYTHON" "$here/check.py")
SOLVER=(-thermal_ksp_rtol 1e-13 -mechanics_ksp_rtol 1e-13)

fail() { echo "FAIL $*"; status=1; }
check() { "${CHECK[@]}" "$@" || status=1; }
# twin NAME RANKS GROUPS DECK [args...]: run in $w, results to $w/NAME (log: $w/NAME.log)
twin() {
  local name=$1 n=$2 g=$3 deck=$4; shift 4
  if (cd "$w" && timeout "${TWINTEST_TIMEOUT:-900}" "${launcher[@]}" -n "$n" "$TWINFE" run "$deck" --groups "$g" \
        --set output.directory="$name" "${SOLVER[@]}" "$@" > "$name.log" 2>&1); then
    echo "ok   run $name (-n $n --groups $g): $(grep -c -E '^twinfe: (cycle|ES-MDA iteration)' "$w/$name.log") cycles"
    return 0
  fi
  fail "run $name (-n $n --groups $g $*):"; grep -v '^ *$' "$w/$name.log" | tail -5; return 1
}
synthesize() { # synthesize [args...] (in $w)
  (cd "$w" && timeout 120 "$TWINFE" synthesize deck.yaml "$@" > synth.log 2>&1) ||
    { fail "twinfe synthesize in $w:"; tail -3 "$w/synth.log"; return 1; }
}
# filter variants of the plate deck as files (a command line could also switch them:
# --set assimilation.filter=letkf --set 'assimilation.localization={radius: 0.25}')
variants() {
  sed 's/^  filter: etkf$/  filter: letkf\n  localization: {radius: 0.25}/' "$w/deck.yaml" > "$w/letkf.yaml"
  sed 's/^  filter: etkf$/  filter: enkf/' "$w/deck.yaml" > "$w/enkf.yaml"
  grep -q 'filter: letkf' "$w/letkf.yaml" && grep -q 'filter: enkf' "$w/enkf.yaml" ||
    fail "cannot make the filter variants of plate.yaml"
}

echo "== 1. twin experiments (plate.yaml: 16 members, 8 snapshots, k q h estimated)"
w=$tmp/plate; mkdir -p "$w"; cp "$here/plate.yaml" "$w/deck.yaml"; variants
if synthesize; then
  twin free 1 1 deck.yaml -twin_assimilation_off
  for f in etkf letkf enkf; do
    deck=$f.yaml; [ $f = etkf ] && deck=deck.yaml
    twin $f 1 1 $deck && [ -f "$w/free/twin.h5" ] &&
      check experiment "$w/$f/twin.h5" "$w/free/twin.h5" "$w/sensors/truth.h5" "$f" 5
  done
fi
# the same with other seeds (ensemble sample and observation noise)
w2=$tmp/plate2; mkdir -p "$w2"; cp "$here/plate.yaml" "$w2/deck.yaml"
w0=$w; w=$w2
SEEDS=(--set ensemble.seed=77 --set synthesize.seed=5)
if synthesize "${SEEDS[@]}"; then
  twin free 1 1 deck.yaml "${SEEDS[@]}" -twin_assimilation_off &&
    twin etkf 1 1 deck.yaml "${SEEDS[@]}" &&
    check experiment "$w/etkf/twin.h5" "$w/free/twin.h5" "$w/sensors/truth.h5" "etkf (seeds 77, 5)" 5
fi
w=$w0

echo "== 2. invariance over ranks and groups (rel. 1e-8)"
for f in etkf letkf; do
  deck=$f.yaml; [ $f = etkf ] && deck=deck.yaml
  [ -f "$w/$f/twin.h5" ] || { fail "$f: no 1-rank reference"; continue; }
  runs="n2g1:2:1 n2g2:2:2 n4g2:4:2"; [ $f = letkf ] && runs="n2g1:2:1 n4g2:4:2"
  for r in $runs; do
    IFS=: read -r tag n g <<< "$r"
    twin $f-$tag "$n" "$g" $deck && check invariance "$w/$f/twin.h5" "$w/$f-$tag/twin.h5" "$f $tag vs n1g1" 1e-8
  done
done

echo "== 3. forecast.h5 after the run"
check forecast "$w/etkf"
check forecast "$w/etkf-n4g2"

echo "== 4. follow mode (poll 0.2 s, idle_timeout 6 s, empty folder at the start)"
mkdir -p "$w/live"
FOLLOW=(--set 'assimilation.snapshots=live/snap_*.h5' --set assimilation.follow=true
        --set assimilation.poll=0.2 --set assimilation.idle_timeout=6)
(cd "$w" && exec timeout 300 "${launcher[@]}" -n 2 "$TWINFE" run deck.yaml --groups 2 \
   --set output.directory=follow "${FOLLOW[@]}" "${SOLVER[@]}" > follow.log 2>&1) &
fpid=$!
sleep 1
# snap 1, 2, 4: temporary name + mv; snap 3: written in place in 8 pieces over 0.4 s (the
# driver takes a file only when its size is the same at two scans 0.2 s apart)
"${CHECK[@]}" feed "$w/sensors" "$w/live" "$w/follow" 0001:mv 0002:mv 0003:slow 0004:mv || status=1
fed=$SECONDS
wait $fpid; rc=$?
idle=$((SECONDS - fed))
if [ $rc = 0 ] && grep -q 'no new snapshot within assimilation.idle_timeout' "$w/follow.log" &&
   [ $idle -ge 5 ] && [ $idle -le 30 ]; then
  echo "ok   follow: exit 0, $idle s after the last snapshot was assimilated (idle_timeout 6 s)"
  check files "$w/follow/twin.h5" snap_0001.h5 snap_0002.h5 snap_0003.h5 snap_0004.h5
  check forecast "$w/follow"
else
  fail "follow: exit $rc, $idle s after the last snapshot (expected 0, about 6 s):"; tail -5 "$w/follow.log"
fi

echo "== 5. a bad snapshot among good ones"
# bad_values: snap_0003 with 7 values for 8 names; bad_time: snap_0005 = a copy of snap_0002
# (time 240 s again: not after the last assimilated snapshot)
for case in bad_values bad_time; do
  d=$w/$case; mkdir -p "$d"; cp "$w"/sensors/snap_000[1-4].h5 "$d/"
  if [ $case = bad_values ]; then badfile=snap_0003.h5
    "$PYTHON" -c "import h5py,sys; f=h5py.File(sys.argv[1],'r+'); v=f['values'][()]; del f['values']; f['values']=v[:-1]" "$d/$badfile"
  else badfile=snap_0005.h5; cp "$d/snap_0002.h5" "$d/$badfile"; fi
  SNAP=(--set "assimilation.snapshots=$case/snap_*.h5")
  # skip: completes without it
  if twin $case 1 1 deck.yaml "${SNAP[@]}" --set assimilation.bad_snapshot=skip; then
    if grep -q "warning: skipping snapshot.*$badfile" "$w/$case.log"; then
      echo "ok   $case skip: warned: $(grep -m1 'warning: skipping' "$w/$case.log" | cut -c1-160)"
    else fail "$case skip: no warning naming $badfile"; fi
    expect="snap_0001.h5 snap_0002.h5 snap_0003.h5 snap_0004.h5"
    [ $case = bad_values ] && expect="snap_0001.h5 snap_0002.h5 snap_0004.h5"
    check files "$w/$case/twin.h5" $expect
  fi
  # stop: exit 1, one error line naming the file, the previous twin.h5 intact
  before=$(md5sum < "$w/$case/twin.h5" 2>/dev/null)
  (cd "$w" && timeout 300 "${launcher[@]}" -n 2 "$TWINFE" run deck.yaml --overwrite \
     --set output.directory=$case "${SNAP[@]}" "${SOLVER[@]}" > $case-stop.log 2>&1); rc=$?
  nerr=$(grep -c '^twinfe: error:' "$w/$case-stop.log")
  msg=$(grep -m1 '^twinfe: error:' "$w/$case-stop.log")
  after=$(md5sum < "$w/$case/twin.h5" 2>/dev/null)
  if [ $rc = 1 ] && [ "$nerr" = 1 ] && [[ $msg == *"$badfile"* ]]; then
    echo "ok   $case stop: exit 1, one error line: ${msg:0:200}"
  else fail "$case stop: exit $rc, $nerr error line(s) (expected exit 1, 1 line naming $badfile):"
    tail -5 "$w/$case-stop.log"; fi
  if [ -n "$before" ] && [ "$before" = "$after" ] && "$PYTHON" -c "import h5py,sys; h5py.File(sys.argv[1],'r')['assimilation/files']" "$w/$case/twin.h5"; then
    echo "ok   $case stop: the previous twin.h5 is intact (md5 ${after%% *})"
  else fail "$case stop: the previous twin.h5 was changed or destroyed"; fi
done

# follow, bad_snapshot: skip: a snapshot older than the last assimilated one arrives late
mkdir -p "$w/late"
(cd "$w" && exec timeout 300 "${launcher[@]}" -n 1 "$TWINFE" run deck.yaml --set output.directory=late_out \
   "${FOLLOW[@]}" --set 'assimilation.snapshots=late/snap_*.h5' --set assimilation.idle_timeout=3 \
   --set assimilation.bad_snapshot=skip "${SOLVER[@]}" > late.log 2>&1) &
fpid=$!
sleep 1
"${CHECK[@]}" feed "$w/sensors" "$w/late" "$w/late_out" 0003:mv 0002:skip 0004:mv || status=1
wait $fpid; rc=$?
if [ $rc = 0 ] && grep -q "warning: skipping snapshot: late/snap_0002.h5: time 240 s is not after" "$w/late.log"; then
  echo "ok   follow, late snapshot: exit 0: $(grep -m1 'warning: skipping' "$w/late.log" | cut -c1-150)"
  check files "$w/late_out/twin.h5" snap_0003.h5 snap_0004.h5
else fail "follow, late snapshot: exit $rc (expected 0 and a warning naming late/snap_0002.h5):"; tail -5 "$w/late.log"; fi

echo "== 6. ES-MDA calibration of a static deck (static.yaml: conductivity, 4 iterations)"
w=$tmp/static; mkdir -p "$w"; cp "$here/static.yaml" "$w/deck.yaml"
if synthesize; then
  n=$(ls "$w"/sensors/snap_*.h5 2>/dev/null | wc -l)
  [ "$n" = 1 ] || fail "static synthesize wrote $n snapshots (expected 1)"
  twin esmda 1 1 deck.yaml && check calibrate "$w/esmda/twin.h5" "$w/sensors/truth.h5" esmda k 12 0.3
  twin esmda-n2g2 2 2 deck.yaml && check invariance "$w/esmda/twin.h5" "$w/esmda-n2g2/twin.h5" "esmda n2g2 vs n1g1" 1e-8
fi

echo "== 7. a sensor outside the mesh (outside.yaml: sensor 'in-the-bore')"
w=$tmp/outside; mkdir -p "$w"
sed "s|file: ../../mesh/|file: $root/mesh/|" "$here/outside.yaml" > "$w/deck.yaml"
(cd "$w" && "$TWINFE" check deck.yaml > check.log 2>&1); rc=$?
(cd "$w" && timeout 120 "${launcher[@]}" -n 2 "$TWINFE" run deck.yaml > run.log 2>&1); rc2=$?
for c in "check:$rc" "run:$rc2"; do
  what=${c%%:*}; code=${c#*:}
  msg=$(grep -m1 '^twinfe: error:' "$w/$what.log")
  if [ "$code" = 1 ] && [[ $msg == *"in-the-bore"*"outside the mesh"* ]]; then
    echo "ok   twinfe $what: exit 1: ${msg:0:200}"
  else fail "twinfe $what: exit $code, expected 1 and an error naming sensor 'in-the-bore':"; tail -3 "$w/$what.log"; fi
done

echo "== 8. checkpoint at a cycle boundary on a signal, exit 3, --restart (2 ranks, 2 groups)"
# -twin_test_signal_cycle 3 acts as a SIGTERM arriving during cycle 3 (Slurm's --signal). The
# resumed run must reach the uninterrupted run's result (etkf-n2g2, same solver options) to the
# solvers' tolerance (GAMG's eigenvalue estimates use a random stream that restarts), and
# leave no checkpoint or temporary file behind.
w=$tmp/plate
if [ -f "$w/etkf-n2g2/twin.h5" ]; then
  (cd "$w" && timeout "${TWINTEST_TIMEOUT:-900}" "${launcher[@]}" -n 2 "$TWINFE" run deck.yaml --groups 2 \
     --set output.directory=ck "${SOLVER[@]}" -twin_test_signal_cycle 3 > ck1.log 2>&1); rc=$?
  if [ $rc = 3 ] && [ -f "$w/ck/checkpoint-g00.h5" ] && [ -f "$w/ck/checkpoint-g01.h5" ] && [ -f "$w/ck/twin.h5.tmp" ] && [ ! -f "$w/ck/twin.h5" ]; then
    echo "ok   signalled run: exit 3 after $(grep -c '^twinfe: cycle' "$w/ck1.log") cycles, checkpoint-g00.h5 + checkpoint-g01.h5, twin.h5.tmp kept"
  else fail "signalled run: exit $rc, expected 3 with checkpoint files and twin.h5.tmp:"; ls "$w/ck"; tail -3 "$w/ck1.log"; fi
  (cd "$w" && timeout "${TWINTEST_TIMEOUT:-900}" "${launcher[@]}" -n 2 "$TWINFE" run deck.yaml --groups 2 \
     --set output.directory=ck "${SOLVER[@]}" --restart > ck2.log 2>&1); rc=$?
  if [ $rc = 0 ] && grep -q '^twinfe: resumed at cycle 3' "$w/ck2.log"; then
    echo "ok   --restart: exit 0, resumed at cycle 3, $(grep -c '^twinfe: cycle' "$w/ck2.log") more cycles"
    check invariance "$w/etkf-n2g2/twin.h5" "$w/ck/twin.h5" "restarted vs uninterrupted" 1e-6
    left=$(cd "$w/ck" && ls | grep -E 'checkpoint|\.tmp' || true)
    [ -z "$left" ] && echo "ok   no checkpoint or temporary file left after the resumed run" || fail "left in ck/: $left"
  else fail "--restart: exit $rc:"; tail -3 "$w/ck2.log"; fi
  (cd "$w" && "${launcher[@]}" -n 1 "$TWINFE" run deck.yaml --set output.directory=ck --restart > ck3.log 2>&1); rc=$?
  msg=$(grep -m1 '^twinfe: error:' "$w/ck3.log")
  [ $rc = 1 ] && [[ $msg == *"no twin checkpoint"* ]] && echo "ok   --restart without a checkpoint: exit 1: ${msg:0:160}" ||
    fail "--restart without a checkpoint: exit $rc: $msg"
else fail "checkpoint test: no uninterrupted etkf-n2g2 reference"; fi

echo "tests/twin: $((SECONDS - start)) s"
[ $status = 0 ] && echo "tests/twin: twin experiments: passed" || echo "tests/twin: FAILED"
exit $status
