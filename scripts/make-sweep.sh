#!/bin/bash
# make-sweep.sh: submit a job-array scenario sweep of a twinfe deck, and its summary job.
#
#   scripts/make-sweep.sh [options] TABLE.csv BASE_DECK SWEEP_DIR [-- twinfe options]
#
# TABLE.csv: a header `name,PATH,PATH,...` (deck paths, e.g. thermal.boundaries[1].value,
# materials.steel.conductivity) and one row per scenario: its name and the values (an empty
# cell keeps the base value). See scripts/deck_set.py.
#
# What it does:
#   1. checks the table against the deck (every path exists, names unique and file-safe) and,
#      unless --no-check, builds every scenario deck in a temporary folder and runs
#      `twinfe check` on it — a bad table fails here, before anything is queued;
#   2. freezes the inputs in SWEEP_DIR: scenarios.csv (the table) and base.yaml (the deck,
#      relative mesh/sensor paths made absolute), so later edits do not change a queued sweep;
#   3. submits slurm/sweep.sbatch as an array of N tasks (one per row; task I builds
#      SWEEP_DIR/NAME/deck.yaml and runs it, results in SWEEP_DIR/NAME/), logs in
#      SWEEP_DIR/logs/task-I.out;
#   4. submits slurm/sweep-summary.sbatch with --dependency=afterany:ARRAY_JOB, which writes
#      SWEEP_DIR/summary.csv and SWEEP_DIR/summary.png (scripts/sweep_summary.py);
#   5. writes SWEEP_DIR/jobs (array_job=, summary_job=) and prints them.
#
# Options:
#   -n RANKS            MPI ranks per scenario (default 2)
#   -c THREADS          OpenMP threads per rank (default 1)
#   -t TIME             time limit per scenario (sbatch -t, e.g. 00:30:00)
#   -p PARTITION        partition
#   --groups G          ensemble groups per scenario (TWINFE_GROUPS)
#   --launcher L        mpirun (default) or srun
#   --max-parallel M    at most M scenarios at once (--array=0-N%M)
#   --sbatch OPT        one more sbatch option for the array job (repeatable)
#   --force             reuse a SWEEP_DIR that already holds a sweep (its results are replaced)
#   --no-check          skip the `twinfe check` of every scenario deck
# Needs SLURM_CONF for the local cluster (eval "$(scripts/slurm-local.sh env)").
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
RANKS=2 THREADS=1 TIME="" PART="" GROUPS_="" LAUNCHER="" MAXPAR="" FORCE=0 CHECK=1
EXTRA=()
die() { echo "make-sweep: error: $*" >&2; exit 1; }
usage() { sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-1}"; }

while [ $# -gt 0 ]; do
    case "$1" in
        -n) RANKS=${2:?}; shift 2 ;;
        -c) THREADS=${2:?}; shift 2 ;;
        -t) TIME=${2:?}; shift 2 ;;
        -p) PART=${2:?}; shift 2 ;;
        --groups) GROUPS_=${2:?}; shift 2 ;;
        --launcher) LAUNCHER=${2:?}; shift 2 ;;
        --max-parallel) MAXPAR=${2:?}; shift 2 ;;
        --sbatch) EXTRA+=("${2:?}"); shift 2 ;;
        --force) FORCE=1; shift ;;
        --no-check) CHECK=0; shift ;;
        -h|--help) usage 0 ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) break ;;
    esac
done
[ $# -ge 3 ] || usage 1
TABLE=$1 BASE=$2 SWEEP=$3; shift 3
if [ $# -gt 0 ]; then [ "$1" = "--" ] || die "unexpected argument '$1' (twinfe options go after --)"; shift; fi
[[ "$RANKS" =~ ^[1-9][0-9]*$ ]] || die "-n needs a positive number of ranks, not '$RANKS'"
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "-c needs a positive number of threads, not '$THREADS'"
[ -f "$TABLE" ] || die "scenario table '$TABLE' not found"
[ -f "$BASE" ] || die "base deck '$BASE' not found"
command -v sbatch >/dev/null || die "sbatch not found: install slurm-client, or start the local cluster (scripts/slurm-local.sh start)"
"$PY" -c 'import yaml' 2>/dev/null || die "PyYAML missing for $PY: apt-get install python3-yaml"
BIN=${TWINFE_BIN:-$ROOT/bin/twinfe}

# 1. the table against the deck
NAMES=$("$PY" "$ROOT/scripts/deck_set.py" --check-table "$TABLE" "$BASE") || die "the scenario table does not fit the deck (message above)"
N=$(echo "$NAMES" | wc -l)
echo "make-sweep: $N scenarios: $(echo $NAMES)"
if [ $CHECK -eq 1 ]; then
    [ -x "$BIN" ] || die "$BIN not found: build with 'make' (or --no-check)"
    tmp=$(mktemp -d /tmp/twinfe-sweep-check.XXXXXX)
    trap 'rm -rf "$tmp"' EXIT
    for ((i = 0; i < N; i++)); do
        d=$("$PY" "$ROOT/scripts/deck_set.py" --table "$TABLE" --row $i "$BASE" "$tmp") || die "cannot build scenario $i"
        if ! out=$("$BIN" check "$d" 2>&1); then
            echo "$out" >&2
            die "scenario $(basename "$(dirname "$d")") (row $i): 'twinfe check' rejects its deck (above)"
        fi
    done
    echo "make-sweep: twinfe check: all $N scenario decks OK"
fi

# 2. freeze the inputs
if [ -f "$SWEEP/jobs" ] && [ $FORCE -eq 0 ]; then
    die "$SWEEP already holds a sweep ($(tr '\n' ' ' < "$SWEEP/jobs")); use another folder or --force"
fi
mkdir -p "$SWEEP/logs" || die "cannot create $SWEEP"
SWEEP=$(cd "$SWEEP" && pwd)
if [ $FORCE -eq 1 ]; then
    for n in $NAMES; do rm -rf "${SWEEP:?}/$n"; done
    rm -rf "$SWEEP/failed-tasks" "$SWEEP/logs"/* "$SWEEP"/summary.* "$SWEEP/summary_status"
fi
cp "$TABLE" "$SWEEP/scenarios.csv"
"$PY" "$ROOT/scripts/deck_set.py" "$BASE" "$SWEEP/base.yaml" || die "cannot copy the base deck"

# 3. the array, 4. the summary
ARR="0-$((N - 1))${MAXPAR:+%$MAXPAR}"
OPTS=(--parsable -n "$RANKS" -c "$THREADS" --array="$ARR" --chdir="$SWEEP"
      --output="$SWEEP/logs/task-%a.out" --job-name="sweep-$(basename "$SWEEP")")
[ -n "$TIME" ] && OPTS+=(-t "$TIME")
[ -n "$PART" ] && OPTS+=(-p "$PART")
OPTS+=("${EXTRA[@]}")
export TWINFE_ROOT=$ROOT TWINFE_SWEEP_DIR=$SWEEP
[ -n "$GROUPS_" ] && export TWINFE_GROUPS=$GROUPS_
[ -n "$LAUNCHER" ] && export TWINFE_LAUNCHER=$LAUNCHER
[ -n "${TWINFE_BIN:-}" ] && export TWINFE_BIN
ARRAY_JOB=$(sbatch "${OPTS[@]}" "$ROOT/slurm/sweep.sbatch" "$@") || die "sbatch of the array failed"
ARRAY_JOB=${ARRAY_JOB%%;*}
SOPTS=(--parsable --dependency="afterany:$ARRAY_JOB" --chdir="$SWEEP"
       --output="$SWEEP/logs/summary.out" --job-name="summary-$(basename "$SWEEP")")
[ -n "$PART" ] && SOPTS+=(-p "$PART")
SUMMARY_JOB=$(sbatch "${SOPTS[@]}" "$ROOT/slurm/sweep-summary.sbatch" "$SWEEP") || {
    scancel "$ARRAY_JOB"; die "sbatch of the summary job failed (array job $ARRAY_JOB cancelled)"; }
SUMMARY_JOB=${SUMMARY_JOB%%;*}
printf 'array_job=%s\nsummary_job=%s\nscenarios=%s\nsubmitted=%s\n' "$ARRAY_JOB" "$SUMMARY_JOB" "$N" \
    "$(date -u +%FT%TZ)" > "$SWEEP/jobs"
echo "make-sweep: array job $ARRAY_JOB ($N tasks x $RANKS ranks), summary job $SUMMARY_JOB (afterany:$ARRAY_JOB)"
echo "make-sweep: results in $SWEEP/<scenario>/twin.h5, logs in $SWEEP/logs/, summary $SWEEP/summary.csv + summary.png"
echo "ARRAY_JOB=$ARRAY_JOB SUMMARY_JOB=$SUMMARY_JOB"
