#!/bin/bash
# tests/slurm/run.sh (make slurmtest): the Slurm operations layer on a real, private,
# single-node Slurm started on this machine (scripts/slurm-local.sh; root, Debian 12).
#
#   1. start the cluster (its own state dir and ports, so a cluster started by hand with
#      scripts/slurm-local.sh is left alone) — fails loudly when it cannot;
#   2. a 3-scenario sweep (tests/slurm/scenarios.csv on tests/slurm/plate.yaml, 2 ranks each,
#      scripts/make-sweep.sh) and its dependent summary job;
#   3. a 2-scenario sweep of an ensemble deck (--groups 2): the summary's mean and std;
#   4. the requeue contract of slurm/twinfe-run.sbatch with the real twinfe on a transient deck
#      (SIGUSR1 sent to the batch shell -> forwarded to the ranks -> checkpoint, exit 3 ->
#      scontrol requeue -> the job runs again with --restart and finishes);
#   5. checks (states from `scontrol show job`, as accounting is off, and the exit-status files
#      of the scripts), then stops the cluster and prints PASS/FAIL.
# Environment: TWINFE_SLURMTEST_TIMEOUT (seconds for all jobs, default 300),
# TWINFE_SLURMTEST_KEEP=1 keeps the work folder and the cluster running.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
export TWINFE_SLURM_DIR=/tmp/twinfe-slurmtest-cluster
export TWINFE_SLURM_PORT=6827
export SLURM_CONF=$TWINFE_SLURM_DIR/etc/slurm.conf
TIMEOUT=${TWINFE_SLURMTEST_TIMEOUT:-300}
WORK=$(mktemp -d /tmp/twinfe-slurmtest.XXXXXX)
PY=/usr/bin/python3
PASS=0 FAIL=0
RESULTS=()

ok()   { PASS=$((PASS + 1)); RESULTS+=("PASS  $1"); echo "slurmtest: PASS  $1"; }
bad()  { FAIL=$((FAIL + 1)); RESULTS+=("FAIL  $1"); echo "slurmtest: FAIL  $1" >&2; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
summary() {
    echo
    echo "================ slurmtest summary ================"
    printf '  %s\n' "${RESULTS[@]}"
    echo "  ---"
    if [ $FAIL -eq 0 ] && [ $PASS -gt 0 ]; then echo "  PASS: $PASS checks"; else echo "  FAIL: $FAIL of $((PASS + FAIL)) checks failed"; fi
    echo "  work folder: $WORK$([ "${TWINFE_SLURMTEST_KEEP:-0}" = 1 ] || echo ' (removed)')"
    echo "==================================================="
}
cleanup() {
    local rc=$?
    if [ "${TWINFE_SLURMTEST_KEEP:-0}" != 1 ]; then
        scripts/slurm-local.sh stop >/dev/null 2>&1
        rm -rf "$WORK"
    else
        echo "slurmtest: kept the cluster (SLURM_CONF=$SLURM_CONF) and $WORK"
    fi
    return $rc
}
trap cleanup EXIT
abort() {
    bad "$1"
    [ -f "$TWINFE_SLURM_DIR/log/slurmctld.log" ] && tail -n 20 "$TWINFE_SLURM_DIR/log/slurmctld.log" | sed 's/^/    slurmctld: /' >&2
    summary
    exit 1
}

# job state and exit code from scontrol (accounting is off: sacct has nothing)
job_field() { scontrol show job "$1" 2>/dev/null | grep -o "$2=[^ ]*" | head -n 1 | cut -d= -f2; }
wait_jobs() { # wait_jobs JOBID... : until none is pending/running
    local t0=$SECONDS j busy
    while [ $((SECONDS - t0)) -lt "$TIMEOUT" ]; do
        busy=0
        for j in "$@"; do
            [ -n "$(squeue -h -j "$j" -t PD,R,CG,CF,S,RQ,RS 2>/dev/null)" ] && busy=1
        done
        [ $busy -eq 0 ] && return 0
        # a job that can never start: say so now rather than at the timeout
        if squeue -h -o '%i %r' -t PD 2>/dev/null | grep -E 'PartitionConfig|PartitionNodeLimit|BadConstraints'; then
            echo "slurmtest: jobs cannot start (above): the node has $(sinfo -h -o %c) CPU(s)" >&2
            return 1
        fi
        sleep 1
    done
    squeue
    return 1
}

[ -x bin/twinfe ] || abort "bin/twinfe missing (run 'make' first; 'make slurmtest' does)"
# a private copy of the binary: the tree may be rebuilt while the jobs run
export TWINFE_BIN=$WORK/twinfe
for _ in $(seq 30); do
    cp bin/twinfe "$TWINFE_BIN" 2>/dev/null && "$TWINFE_BIN" info >/dev/null 2>&1 && break
    rm -f "$TWINFE_BIN"; sleep 2
done
[ -x "$TWINFE_BIN" ] || abort "bin/twinfe does not run ('bin/twinfe info' fails; is it being rebuilt?)"
[ "$(id -u)" -eq 0 ] || abort "must run as root (the private cluster runs SlurmUser=root)"

echo "slurmtest: ---- 1. start the private Slurm ($TWINFE_SLURM_DIR, ports $TWINFE_SLURM_PORT/$((TWINFE_SLURM_PORT + 1)))"
scripts/slurm-local.sh stop >/dev/null 2>&1
if ! scripts/slurm-local.sh start; then abort "the local Slurm did not start (message above)"; fi
ok "local Slurm started, node idle"
if scripts/slurm-local.sh start >/dev/null 2>&1 && scripts/slurm-local.sh status >/dev/null 2>&1; then
    ok "slurm-local.sh start is idempotent (second start: still running)"
else bad "second 'slurm-local.sh start' or 'status' failed"; fi

# 2-rank jobs on a 1-CPU machine need --overcommit
NCPU=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
OVER=(); [ "$NCPU" -lt 2 ] && OVER=(--sbatch --overcommit)
echo "slurmtest: ---- 2. 3-scenario sweep of tests/slurm/plate.yaml (2 ranks each)"
SW=$WORK/sweep
out=$(scripts/make-sweep.sh -n 2 -t 00:05:00 "${OVER[@]}" tests/slurm/scenarios.csv tests/slurm/plate.yaml "$SW" 2>&1)
rc=$?; echo "$out"
[ $rc -eq 0 ] || abort "make-sweep.sh failed (status $rc)"
ARRAY=$(sed -n 's/^array_job=//p' "$SW/jobs"); SUMJ=$(sed -n 's/^summary_job=//p' "$SW/jobs")

echo "slurmtest: ---- 3. 2-scenario sweep of the ensemble deck tests/slurm/ensemble.yaml (--groups 2)"
SE=$WORK/ensemble
out=$(scripts/make-sweep.sh -n 2 --groups 2 -t 00:05:00 "${OVER[@]}" tests/slurm/ensemble-scenarios.csv tests/slurm/ensemble.yaml "$SE" 2>&1)
rc=$?; echo "$out"
[ $rc -eq 0 ] || abort "make-sweep.sh (ensemble) failed (status $rc)"
EARRAY=$(sed -n 's/^array_job=//p' "$SE/jobs"); ESUMJ=$(sed -n 's/^summary_job=//p' "$SE/jobs")

echo "slurmtest: ---- 4. requeue with the real twinfe: a transient run, SIGUSR1 -> checkpoint -> exit 3 -> requeue -> --restart"
RT=$WORK/checkpoint; mkdir -p "$RT"
"$PY" scripts/deck_set.py tests/slurm/transient.yaml "$RT/deck.yaml" --output-dir "$RT/out" || abort "deck_set.py failed"
RTJ=$(cd "$RT" && TWINFE_ROOT=$ROOT TWINFE_STATUS_FILE=$RT/status sbatch --parsable -n 2 \
      $([ "$NCPU" -lt 2 ] && echo --overcommit) -t 00:05:00 -o "$RT/slurm.out" \
      "$ROOT/slurm/twinfe-run.sbatch" "$RT/deck.yaml") || abort "sbatch of the checkpoint job failed"
echo "slurmtest: checkpoint job $RTJ submitted"

echo "slurmtest: ---- waiting for the jobs (timeout ${TIMEOUT} s)"
t0=$SECONDS
# the real run: signal it once it is stepping (its run log has a step line)
t1=$SECONDS
while [ $((SECONDS - t1)) -lt "$TIMEOUT" ] && ! grep -q '"step"' "$RT/out/log.jsonl" 2>/dev/null; do
    [ -z "$(squeue -h -j "$RTJ" 2>/dev/null)" ] && break; sleep 0.5; done
sleep 1
scancel --signal=USR1 --batch "$RTJ" && echo "slurmtest: sent SIGUSR1 to the batch shell of job $RTJ"
for _ in $(seq 60); do
    [ "$(job_field "$RTJ" Restarts)" = 1 ] && [ "$(job_field "$RTJ" JobState)" = PENDING ] && break
    sleep 1
done
scontrol update jobid="$RTJ" starttime=now && echo "slurmtest: released requeued job $RTJ (starttime=now)"
wait_jobs "$ARRAY" "$SUMJ" "$EARRAY" "$ESUMJ" "$RTJ" || abort "jobs still running after ${TIMEOUT} s"
echo "slurmtest: all jobs ended after $((SECONDS - t0)) s"
scontrol show job "$ARRAY" | grep -E 'JobId=|JobState=' | paste - - | sed 's/^/    /'

echo "slurmtest: ---- 5. checks"
# states: every array task and the summary job COMPLETED with exit code 0:0
states_ok() {
    local j n=0 bad_=0 line
    for j in "$@"; do
        while read -r line; do
            n=$((n + 1))
            st=$(echo "$line" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
            ec=$(echo "$line" | grep -o 'ExitCode=[0-9:]*' | cut -d= -f2)
            [ "$st" = COMPLETED ] && [ "$ec" = 0:0 ] || { echo "    job $j: state $st exit $ec" >&2; bad_=1; }
        done < <(scontrol show job "$j" 2>/dev/null | grep -E 'JobState=|ExitCode=' | paste -d' ' - -)
    done
    [ $n -gt 0 ] && [ $bad_ -eq 0 ]
}
check "sweep: 3 array tasks + summary job COMPLETED, ExitCode 0:0 (scontrol show job)" states_ok "$ARRAY" "$SUMJ"
[ "$(scontrol show job "$ARRAY" | grep -c 'JobState=')" = 3 ] && ok "sweep: the array job has 3 tasks" || bad "sweep: the array job does not have 3 tasks"
all_exit0() { local d n=0; for d in "$1"/*/exit_status; do grep -qx 'exit=0' "$d" || return 1; n=$((n + 1)); done; [ $n -eq "$2" ]; }
check "sweep: 3 exit_status files say exit=0" all_exit0 "$SW" 3
check "sweep: summary_status says exit=0" grep -qx 'exit=0' "$SW/summary_status"
check "sweep: summary.csv exists" test -s "$SW/summary.csv"
csv_ok() {
    "$PY" - "$SW/summary.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
ok = True
def need(cond, msg):
    global ok
    print(("    ok: " if cond else "    WRONG: ") + msg)
    ok = ok and cond
need(len(rows) == 3, f"3 rows (got {len(rows)})")
r = {x["scenario"]: x for x in rows}
need(set(r) == {"low-flux", "base", "high-flux-low-k"}, f"scenario names {sorted(r)}")
need(all(x["status"] == "ok" and x["exit"] == "0" and x["kind"] == "single" for x in rows), "every row ok, exit 0, single run")
T = {k: float(v["max_temperature"]) for k, v in r.items()}
S = {k: float(v["max_von_mises"]) for k, v in r.items()}
need(T["low-flux"] < T["base"] < T["high-flux-low-k"], f"max temperature rises with the flux: {T}")
need(S["low-flux"] < S["base"] < S["high-flux-low-k"], f"max von Mises rises with the flux: {S}")
# a steady flux into a plate held at 20 C: T - 20 is linear in the flux at fixed conductivity
ratio = (T["low-flux"] - 20) / (T["base"] - 20)
need(abs(ratio - 3e4 / 5e4) < 1e-6, f"(T-20) scales with the flux: ratio {ratio:.8f} vs 0.6")
need(r["base"]["thermal.boundaries[1].value"] == "5e4", "the override values are in the table")
need(all(x["max_temperature_std"] == "" for x in rows), "no std for single runs")
sys.exit(0 if ok else 1)
EOF
}
check "sweep: summary.csv has 3 rows with the expected differences" csv_ok
png_ok() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && [ "$(stat -c %s "$1")" -gt 10000 ]; }
check "sweep: summary.png is a PNG image" png_ok "$SW/summary.png"
overrides_ok() { grep -q "directory: $SW/low-flux" "$SW/low-flux/deck.yaml" &&
    grep -q "type: flux, value: 3e4" "$SW/low-flux/deck.yaml" && grep -q "conductivity: 150" "$SW/high-flux-low-k/deck.yaml"; }
check "sweep: deck overrides applied (flux 3e4, conductivity 150, output in the scenario folder)" overrides_ok
typo_rejected() {
    printf 'name,materials.alu.conductivty\nx,100\n' > "$WORK/typo.csv"
    local msg; msg=$(scripts/make-sweep.sh "$WORK/typo.csv" tests/slurm/plate.yaml "$WORK/typo" 2>&1)
    local rc=$?; echo "    $msg" | tail -n 2
    [ $rc -ne 0 ] && echo "$msg" | grep -q "did you mean 'conductivity'" && [ ! -e "$WORK/typo/jobs" ]
}
check "make-sweep: a table with a misspelt deck path is rejected before submitting" typo_rejected

check "ensemble sweep: 2 tasks + summary COMPLETED, ExitCode 0:0" states_ok "$EARRAY" "$ESUMJ"
ens_ok() {
    "$PY" - "$SE/summary.csv" <<'EOF'
import csv, sys
rows = {x["scenario"]: x for x in csv.DictReader(open(sys.argv[1]))}
lo, hi = rows["ens-low"], rows["ens-high"]
ok = (len(rows) == 2 and lo["kind"] == hi["kind"] == "ensemble" and lo["members"] == hi["members"] == "6/6"
      and float(lo["max_temperature_std"]) > 0 and float(hi["max_temperature_std"]) > 0
      and float(lo["max_temperature"]) < float(hi["max_temperature"]))
print("    ensemble rows:", {k: (v["max_temperature"], v["max_temperature_std"], v["members"]) for k, v in rows.items()})
sys.exit(0 if ok else 1)
EOF
}
check "ensemble sweep: mean and std (> 0) per scenario, 6/6 members, mean rises with the flux" ens_ok
check "ensemble sweep: summary.png is a PNG image" png_ok "$SE/summary.png"

echo "    checkpoint job history:"; sed 's/^/      /' "$RT/status.history" 2>/dev/null
grep -E 'signal|resum|checkpoint|exited' "$RT/slurm.out" | sed 's/^/      /'
check "checkpoint: real twinfe checkpointed on the forwarded SIGUSR1 and exited 3" grep -q 'restart=0 exit=3' "$RT/status.history"
check "checkpoint: Slurm requeued the job, the second attempt ran with --restart and exited 0" \
    test "$(job_field "$RTJ" Restarts)/$(job_field "$RTJ" JobState)/$(job_field "$RTJ" ExitCode)" = "1/COMPLETED/0:0" -a \
         -n "$(grep 'command: .* --restart' "$RT/slurm.out")"
final_ok() { "$PY" -c "import h5py,sys; a=h5py.File(sys.argv[1]).attrs; sys.exit(0 if abs(float(a['final_time'])-40000)<1e-6 else 1)" "$RT/out/twin.h5"; }
check "checkpoint: the resumed run finished (twin.h5 final_time 40000 s)" final_ok

echo "slurmtest: ---- stop the cluster"
if [ "${TWINFE_SLURMTEST_KEEP:-0}" != 1 ]; then
    scripts/slurm-local.sh stop
    check "slurm-local.sh stop: daemons gone, state removed" test ! -d "$TWINFE_SLURM_DIR"
fi
summary
[ $FAIL -eq 0 ]
