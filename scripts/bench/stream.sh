#!/usr/bin/env bash
# make bench part "stream" (called by scripts/bench/run.sh; runs alone too, after
# `make bin/twinfe build/scripts/bench/stream`). Printed, never pass/fail: the exit status is
# nonzero only when a run fails (crash, error, no convergence), never because of a timing.
#
# 1. Memory bandwidth: build/scripts/bench/stream (scripts/bench/stream.c) on STREAM_DECK
#    (default inputs/bench/hex_800k.yaml) on BENCH_NP ranks: a STREAM triad (every rank its own
#    3 x 80 MB arrays, sum over ranks) and MatMult of twinfe's assembled elasticity matrix
#    (MPIAIJ, block size 3) and of BAIJ and SBAIJ copies, trials interleaved (the machine may
#    be shared), best of 10 each; GB/s from a byte model (stream.c's header) and the fraction
#    of the triad. Then CG + GAMG on AIJ and with the BAIJ copy as the operator (GAMG itself
#    needs AIJ in PETSc 3.18).
# 2. Solver scaling: bin/twinfe run of the hex elasticity deck (hex_100k.yaml with
#    --set mesh.box.cells=[n,n,n]) for n in STREAM_CELLS (default "16 32 64") on BENCH_NP ranks,
#    -log_view: CG iterations (twinfe's summary line), PCSetUp + KSPSolve (max over ranks), s per
#    million free DOFs.
# 3. HDF5 output (from the same stream run as 1): TwinOutputWriteMechanics of the 800k model
#    (mesh, /steps/0000, /fields) vs the same bytes written by one process with fwrite+fflush,
#    by MPI-IO (collective, each rank its half) and as one collective HDF5 dataset; without
#    fsync (page cache) for all, and once with fsync for all.
#
# Rows go to $BENCH_ROWS (scripts/bench/summary.py). Logs: build/bench/stream/.
# Environment: MPIEXEC, BENCH_NP (2), BENCH_ROWS, STREAM_DECK, STREAM_CELLS,
#   STREAM_TIMEOUT (seconds per run, default 900).
set -u
cd "$(dirname "$0")/../.."

MPIEXEC=${MPIEXEC:-mpiexec --oversubscribe --bind-to none}
NP=${BENCH_NP:-2}
DECK=${STREAM_DECK:-inputs/bench/hex_800k.yaml}
CELLS=${STREAM_CELLS:-16 32 64}
LIMIT=${STREAM_TIMEOUT:-900}
PY=/usr/bin/python3
OUT=build/bench/stream
BIN=build/scripts/bench/stream
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMP_NUM_THREADS=1 # the triad and the products are measured without OpenMP
export BENCH_ROWS=${BENCH_ROWS:-$PWD/build/bench/rows.tsv}
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/*.status
failed=0
note() { echo "bench stream: $*"; }

# run NAME CMD...: log to $OUT/NAME.log, status "ok", "timeout" or "fail RC" in NAME.status
run() {
  local name=$1 rc t0
  shift
  t0=$(date +%s)
  timeout --signal=TERM --kill-after=10 "$LIMIT" "$@" >"$OUT/$name.log" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then
    echo ok >"$OUT/$name.status"; note "$name: done in $(($(date +%s) - t0)) s"
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    echo timeout >"$OUT/$name.status"; note "$name: stopped at the $LIMIT s time limit (not a failure)"
  else
    echo "fail $rc" >"$OUT/$name.status"; failed=1
    note "$name: FAILED (exit $rc); last lines of $OUT/$name.log:"; tail -n 15 "$OUT/$name.log" | sed 's/^/    /'
  fi
}

for b in bin/twinfe "$BIN"; do
  [ -x "$b" ] || { note "$b missing (make bin/twinfe $BIN)"; exit 1; }
done
note "$(getconf _NPROCESSORS_ONLN) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $NP ranks"

# 1 + 3
run membw $MPIEXEC -n "$NP" "$BIN" "$DECK" "$PWD/$OUT/out"
# 2
for n in $CELLS; do
  run "gamg-$n" $MPIEXEC -n "$NP" bin/twinfe run inputs/bench/hex_100k.yaml --set "mesh.box.cells=[$n, $n, $n]" \
    --set "output.directory=$PWD/$OUT/out/gamg-$n" --set "name=bench-hex-$n" --overwrite -log_view -twin_direct_max_dofs 0
done
note "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"

$PY - "$OUT" "$NP" "$DECK" "$CELLS" "$BENCH_ROWS" <<'EOF' || failed=1
import os, re, sys
out, np_, deck, cells, rowsfile = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5]
rows = []
deckname = os.path.basename(deck).replace(".yaml", "")

def read(name):
    try:
        return open(os.path.join(out, name + ".log"), errors="replace").read()
    except OSError:
        return ""

def kv(line):
    t = line.split()
    return {t[i]: t[i + 1] for i in range(0, len(t) - 1)}

log = read("membw")
triad, mult, solve, h5 = None, {}, {}, {}
for line in log.splitlines():
    t = line.split()
    if len(t) < 3 or t[0] != "stream":
        continue
    if t[1] == "triad":
        triad = kv(" ".join(t[2:]))
    elif t[1] == "matmult" and len(t) > 3 and t[3] == "type":
        mult[t[2]] = kv(" ".join(t[3:]))
    elif t[1] == "solve" and len(t) > 3 and t[3] == "its":
        solve[t[2]] = kv(" ".join(t[3:]))
    elif t[1] == "solve":
        solve[t[2]] = {"error": " ".join(t[3:])}
    elif t[1] == "h5":
        h5[t[2]] = kv(" ".join(t[3:]))

print()
print(f"Memory bandwidth ({deckname}, {np_} ranks, OMP_NUM_THREADS=1; best of interleaved trials)")
if triad:
    print(f"  STREAM triad, sum over ranks ({triad['array_mb']} MB arrays x 3 per rank): {float(triad['gbs']):.1f} GB/s")
    print("  format  type      MB moved/product  s/product   GB/s   fraction of triad")
    for f in ("aij", "baij", "sbaij"):
        if f in mult:
            m = mult[f]
            print(f"  {f:6s}  {m['type']:8s}  {float(m['mb']):16.1f}  {float(m['best_s']):9.5f}  {float(m['gbs']):5.2f}  {100*float(m['triad_fraction']):5.1f} %")
    print("  CG + GAMG (rtol 1e-10): format  its  PCSetUp s  KSPSolve s")
    for f, s in solve.items():
        if "error" in s:
            print(f"    {f:9s} not supported: {s['error']}")
        else:
            print(f"    {f:9s} {s['its']:>4s}  {float(s['setup_s']):8.3f}  {float(s['solve_s']):9.3f}")
    if "aij" in mult:
        m = mult["aij"]
        rows.append([f"MatMult bandwidth / STREAM triad (twinfe AIJ bs 3, {deckname}, {np_} ranks)", f"{float(m['gbs']):.2f} GB/s",
                     "STREAM triad in the same process", f"{float(triad['gbs']):.1f} GB/s", f"{100*float(m['triad_fraction']):.0f} %", ">= 70 %"])
    if "baij" in mult and "aij" in mult:
        m = mult["baij"]
        rows.append([f"MatMult BAIJ bs 3 copy (proposal) / STREAM triad", f"{float(m['gbs']):.2f} GB/s",
                     "STREAM triad in the same process", f"{float(triad['gbs']):.1f} GB/s",
                     f"{100*float(m['triad_fraction']):.0f} % (time {float(mult['aij']['best_s'])/float(m['best_s']):.2f}x faster than AIJ)", ">= 70 %"])
else:
    print("  (no result: see " + os.path.join(out, "membw.log") + ")")

print()
print(f"CG + GAMG scaling (hex Q1 elasticity, {np_} ranks; times: max over ranks, -log_view)")
print("  cells   free DOFs  its  PCSetUp s  KSPSolve s  s per MDOF")
res = {}
for n in cells:
    lg = read(f"gamg-{n}")
    m = re.search(r"mechanics: (\d+) free DOFs; solve: (\d+) iterations", lg)
    ev = {}
    for line in lg.splitlines():
        t = line.split()
        if len(t) > 4 and t[0] in ("PCSetUp", "KSPSolve"):
            ev[t[0]] = float(t[3])
    if not m or len(ev) < 2:
        print(f"  {n}^3    (no result: see {out}/gamg-{n}.log)")
        continue
    dof, its = int(m.group(1)), int(m.group(2))
    spm = (ev["PCSetUp"] + ev["KSPSolve"]) / (dof / 1e6)
    res[n] = (dof, its, spm)
    print(f"  {n:>3s}^3 {dof:10d}  {its:3d}  {ev['PCSetUp']:9.3f}  {ev['KSPSolve']:10.3f}  {spm:10.2f}")
if res:
    c0 = min(res, key=lambda k: res[k][0])
    for n in res:
        if n == c0:
            continue
        dof, its, spm = res[n]
        rows.append([f"CG+GAMG its, s/MDOF at {n}^3 ({dof/1e3:.0f}k DOF) vs {c0}^3, {np_} ranks", f"{its} its, {spm:.2f} s/MDOF",
                     f"coarsest refinement {c0}^3", f"{res[c0][1]} its, {res[c0][2]:.2f} s/MDOF",
                     f"its x{its/res[c0][1]:.2f}, s/MDOF x{spm/res[c0][2]:.2f}", "iterations ~constant"])

print()
print(f"HDF5 output write ({deckname}, {np_} ranks; MB = 1e6 bytes of dataset payload)")
if "twinfe" in h5:
    w = h5["twinfe"]
    print(f"  {w['vertices']} vertices, {w['cells']} cells: {float(w['dataset_mb']):.1f} MB of datasets, file {float(w['file_mb']):.1f} MB")
    print("  writer                                    no fsync MB/s   with fsync MB/s")
    label = {"twinfe": "twinfe TwinOutputWriteMechanics", "fwrite": "1 process fwrite+fflush",
             "mpiio": "MPI-IO write_at_all, each rank half", "plainh5": "1 HDF5 dataset, collective"}
    for k in ("twinfe", "fwrite", "mpiio", "plainh5"):
        if k in h5:
            print(f"  {label[k]:40s}  {float(h5[k]['mbs']):13.0f}   {float(h5[k]['fsync_mbs']):13.0f}")
    if "fwrite" in h5:
        f = h5["fwrite"]
        rows.append([f"HDF5 output write bandwidth ({deckname}, {float(w['dataset_mb']):.0f} MB, {np_} ranks, no fsync)", f"{float(w['mbs']):.0f} MB/s",
                     "same bytes, 1 process fwrite+fflush, no fsync", f"{float(f['mbs']):.0f} MB/s", f"{100*float(w['mbs'])/float(f['mbs']):.1f} %", "-"])
        rows.append([f"HDF5 output write bandwidth, with fsync", f"{float(w['fsync_mbs']):.0f} MB/s",
                     "same bytes, 1 process fwrite+fflush+fsync", f"{float(f['fsync_mbs']):.0f} MB/s", f"{100*float(w['fsync_mbs'])/float(f['fsync_mbs']):.1f} %", "-"])
else:
    print("  (no result: see " + os.path.join(out, "membw.log") + ")")

if rowsfile:
    with open(rowsfile, "a") as fp:
        for r in rows:
            fp.write("\t".join(r) + "\n")
EOF
exit $failed
