#!/bin/bash
# tests/restart/run.sh: checkpoint and restart (2 ranks).
#  1. a run stopped by SIGUSR1 (raised after step 7 with -twin_test_signal_step) writes a
#     checkpoint, exits with status 3 and leaves its results in progress as twin.h5.tmp, while
#     an earlier twin.h5 in the folder is untouched;
#  2. `twinfe run --restart` resumes and its twin.h5 equals the uninterrupted run's bit for bit
#     (every dataset), and its XDMF is consistent;
#  3. a checkpoint write killed half way (a truncated checkpoint.h5.tmp beside the last good
#     checkpoint.h5) does not prevent the resume;
#  4. resuming on another number of ranks is refused with a clear message.
set -u
here=$(cd "$(dirname "$0")" && pwd); root=$(cd "$here/../.." && pwd)
TWINFE=${TWINFE:-$root/bin/twinfe}; PYTHON=${PYTHON:-/usr/bin/python3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/twinfe-restart.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
status=0
say() { echo "$1 $2"; [ "$1" = ok ] || status=1; }
mpi() { timeout 300 mpiexec --oversubscribe -n "$@"; }
mkdir -p "$tmp/full" "$tmp/cut"
cp "$here/plate.yaml" "$tmp/full/deck.yaml"; cp "$here/plate.yaml" "$tmp/cut/deck.yaml"
(cd "$tmp/full" && mpi 2 "$TWINFE" run deck.yaml > run.log 2>&1) && say ok "uninterrupted run" || say FAIL "uninterrupted run (see $tmp/full/run.log)"
# an earlier result in the folder must survive the interrupted run
mkdir -p "$tmp/cut/out"; echo "earlier result" > "$tmp/cut/out/twin.h5"
(cd "$tmp/cut" && mpi 2 "$TWINFE" run deck.yaml --overwrite -twin_test_signal_step 7 > run1.log 2>&1); rc=$?
[ $rc = 3 ] && say ok "signalled run exits with status 3" || { say FAIL "signalled run exit status $rc, expected 3"; tail -5 "$tmp/cut/run1.log"; }
[ -f "$tmp/cut/out/checkpoint.h5" ] && [ -f "$tmp/cut/out/twin.h5.tmp" ] && say ok "checkpoint.h5 and twin.h5.tmp written" || say FAIL "checkpoint or results in progress missing"
grep -q "earlier result" "$tmp/cut/out/twin.h5" && say ok "earlier twin.h5 untouched by the interrupted run" || say FAIL "earlier twin.h5 was overwritten"
# a killed checkpoint write: garbage beside the good checkpoint
head -c 1000 /dev/urandom > "$tmp/cut/out/checkpoint.h5.tmp"
(cd "$tmp/cut" && mpi 1 "$TWINFE" run deck.yaml --restart > run-wrong.log 2>&1); rc=$?
[ $rc = 1 ] && grep -q "resume it on 2 ranks" "$tmp/cut/run-wrong.log" && say ok "resume on 1 rank refused: $(grep -o 'written by.*' "$tmp/cut/run-wrong.log" | head -1)" || say FAIL "resume on the wrong rank count not refused (status $rc)"
(cd "$tmp/cut" && mpi 2 "$TWINFE" run deck.yaml --restart > run2.log 2>&1); rc=$?
[ $rc = 0 ] && say ok "resumed run ($(grep -o 'resuming.*' "$tmp/cut/run2.log"))" || { say FAIL "resumed run exit status $rc"; tail -5 "$tmp/cut/run2.log"; }
"$PYTHON" - "$tmp/full/out/twin.h5" "$tmp/cut/out/twin.h5" <<'PY' && say ok "resumed results equal the uninterrupted run bit for bit" || say FAIL "resumed results differ"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
names = []
a.visit(lambda n: names.append(n) if isinstance(a[n], h5py.Dataset) else None)
bad = [n for n in names if n not in b or a[n].shape != b[n].shape or not np.array_equal(a[n][()], b[n][()])]
extra = []
b.visit(lambda n: extra.append(n) if isinstance(b[n], h5py.Dataset) and n not in a else None)
print(f"     {len(names)} datasets compared, {len(bad)} differ, {len(extra)} extra" + (f": {bad[:5]} {extra[:5]}" if bad or extra else ""))
sys.exit(1 if bad or extra or not names else 0)
PY
[ ! -e "$tmp/cut/out/checkpoint.h5" ] && say ok "checkpoint removed once the run completed" || say FAIL "a completed run left its checkpoint"
"$PYTHON" "$root/tests/mpi/check_xdmf.py" "$tmp/cut/out" > "$tmp/xdmf.txt" && say ok "resumed XDMF consistent" || { say FAIL "resumed XDMF"; cat "$tmp/xdmf.txt"; }
"$PYTHON" - "$tmp/cut/out" <<'PY' && say ok "manifest.json and log.jsonl: valid JSON, checkpoint and resume recorded" || say FAIL "manifest or log"
import sys, json
d = sys.argv[1]
m = json.load(open(f"{d}/manifest.json"))
assert m["ranks"] == 2 and m["restart"] is True and len(m["binding"]) == 2 and m["deck_fnv1a64"], m
ev = [json.loads(l) for l in open(f"{d}/log.jsonl")]
kinds = [e["event"] for e in ev]
# the signalled run, the refused resume on 1 rank, the resume
ends = [e for e in ev if e["event"] == "end"]
assert kinds.count("start") == 3 and "checkpoint" in kinds and kinds[-1] == "end", kinds
assert [e["status"] for e in ends] == ["checkpointed", "error", "ok"] and ends[0]["exit"] == 3 and ends[1]["exit"] == 1, ends
print(f"     {len(ev)} events: {kinds.count('step')} steps, {kinds.count('output')} outputs, {kinds.count('checkpoint')} checkpoints")
PY
# initial temperature from a field: a run started from the final temperature of the first one
mkdir -p "$tmp/cont"
sed "s|  initial: 20|  initial: {file: $tmp/full/out/twin.h5, dataset: /fields/temperature}|" "$here/plate.yaml" > "$tmp/cont/deck.yaml"
(cd "$tmp/cont" && mpi 2 "$TWINFE" run deck.yaml > run.log 2>&1) || { say FAIL "run from an initial field"; tail -3 "$tmp/cont/run.log"; }
"$PYTHON" - "$tmp/full/out/twin.h5" "$tmp/cont/out/twin.h5" <<'PY' && say ok "thermal.initial from a field: the second run starts at the first run's final temperature" || say FAIL "initial field not taken"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
d = np.abs(a["fields/temperature"][()] - b["steps/0000/temperature"][()]).max()
print(f"     max |T_end(first) - T_0(second)| = {d:.2e} (T up to {a['fields/temperature'][()].max():.2f})")
sys.exit(0 if d == 0 and a["fields/temperature"][()].max() > 25 else 1)
PY
[ $status = 0 ] && echo "tests/restart: checkpoint and restart: passed" || echo "tests/restart: FAILED"
exit $status
