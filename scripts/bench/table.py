#!/usr/bin/python3
"""Print the make-bench table from the logs of scripts/bench/run.sh (standard library only).

usage: table.py LOGDIR NP "100k 800k" OMP_DECK [THERMAL_DECK]

Every time comes from -log_view (the "twinfe: time:" summary line of twinfe run is not used);
DOF and iteration counts from the summary lines. Definitions (times: maximum over ranks):
  assembly  twinfe: TwinAssemblyMat (element kernels + TwinMatSetValues);
            ex56:   SNESJacobianEval (DMPlexJacobianFE: PetscFE integration + MatSetValues +
                    MatAssembly). Neither includes building the sparsity pattern (twinfe:
                    TwinMatPattern inside TwinSetup; ex56: DMPlexPrealloc), shown separately.
  solve     PCSetUp + KSPSolve (GAMG set-up and CG iterations; KSPSolve is logged without
            PCSetUp in PETSc 3.18).
  peak mem  maximum resident set size of every rank (/usr/bin/time %M, one file per rank:
            LOGDIR/NAME.rss.RANK), summed over ranks, per free DOF. Includes MPI/PETSc start-up
            (about 50 MB a rank) and every phase: mesh, set-up, matrix, preconditioner, output.
  thermal   runs of THERMAL_DECK: thermal-1-R (time.end = one step) and thermal-n-R (N steps),
            R = 1, 2, ... alternated; of each kind the run with the smallest total time is used.
            first step = the whole thermal-1 run ("Time (sec)" of -log_view: start-up, mesh,
            set-up, operator assembly, GAMG set-up, step 1, flux and output at t = 0 and end);
            later step = the difference thermal-n - thermal-1 of a step's own events,
            TwinAssemblyRhs + TwinSolve - PCSetUp (right-hand side, CG solve; the GAMG set-up is
            done once in either run), / (N - 1); as a check the same difference of the whole
            runs' "Time (sec)", / (N - 1), which also carries the noise of mesh and set-up.
"""
import glob
import os
import re
import sys


def summary_row(*cols):
    """Append a row to the make-bench summary ($BENCH_ROWS, scripts/bench/summary.py)."""
    path = os.environ.get("BENCH_ROWS")
    if path:
        with open(path, "a") as f:
            f.write("\t".join(str(c) for c in cols) + "\n")


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return None


def status(logdir, name):
    s = read(os.path.join(logdir, name + ".status"))
    return s.split() if s else ["missing"]


def event(log, name):
    """Max-over-ranks time of a -log_view event, summed over the stages it appears in."""
    if not log:
        return None
    total, found = 0.0, False
    for line in log.splitlines():
        tok = line.split()
        if len(tok) >= 4 and tok[0] == name:
            try:
                total += float(tok[3])
                found = True
            except ValueError:
                pass
    return total if found else None


def rss_mb(logdir, name, nranks):
    """Sum over ranks of the peak RSS in LOGDIR/NAME.rss.* (None unless every rank wrote one)."""
    v = []
    for p in glob.glob(os.path.join(logdir, name + ".rss.*")):
        m = re.search(r"^bench-maxrss-kb (\d+)", read(p) or "", re.M)
        if m:
            v.append(int(m.group(1)))
    return sum(v) / 1024.0 if v and len(v) == nranks else None


def total_time(log):
    """-log_view "Time (sec):" max over ranks (PetscInitialize to PetscFinalize)."""
    m = re.search(r"^Time \(sec\):\s+(\S+)", log or "", re.M)
    return float(m.group(1)) if m else None


def event_any(log, *names):
    """The first of several event names that the log has (twinfe's own matrix layout logs
    TwinMatPattern/TwinMatSetValues; -twin_matrix_petsc_coo logs PETSc's MatSetPreallCOO/
    MatSetValuesCOO)."""
    for n in names:
        t = event(log, n)
        if t is not None:
            return t
    return None


def twinfe(logdir, name, nranks):
    log = read(os.path.join(logdir, name + ".log"))
    st = status(logdir, name)
    r = {"status": st[0], "log": log}
    if st[0] != "ok" or not log:
        return r
    m = re.search(r"(\d+) free DOFs.*solve: (\d+) iterations", log)
    r["dof"] = int(m.group(1)) if m else None
    r["its"] = int(m.group(2)) if m else None
    r["wall"] = total_time(log)
    r["asm"] = event(log, "TwinAssemblyMat")
    r["coo"] = event_any(log, "TwinMatSetValues", "MatSetValuesCOO")
    pc, ksp = event(log, "PCSetUp"), event(log, "KSPSolve")
    r["pcsetup"], r["ksp"] = pc, ksp
    r["solve"] = pc + ksp if pc is not None and ksp is not None else event(log, "TwinSolve")
    for k, e in (("meshcreate", "TwinMeshCreate"), ("distrib", "TwinMeshDistrib"), ("setup", "TwinSetup"),
                 ("rhs", "TwinAssemblyRhs"), ("stress", "TwinStress"),
                 ("output", "TwinOutputWrite"), ("total", "TwinSolve")):
        r[k] = event(log, e)
    r["prealloc"] = event_any(log, "TwinMatPattern", "MatSetPreallCOO")
    r["mem"] = rss_mb(logdir, name, nranks)
    return r


def ex56(logdir, name, nranks):
    log = read(os.path.join(logdir, name + ".log"))
    st = status(logdir, name)
    r = {"status": st[0], "st": st, "log": log}
    if st[0] != "ok" or not log:
        return r
    m = re.search(r"rows=(\d+)", log)
    r["dof"] = int(m.group(1)) if m else None
    m = re.search(r"Linear solve \w+ due to \w+ iterations (\d+)", log)
    r["its"] = int(m.group(1)) if m else None
    r["asm"] = event(log, "SNESJacobianEval")
    pc, ksp = event(log, "PCSetUp"), event(log, "KSPSolve")
    r["pcsetup"], r["ksp"] = pc, ksp
    r["solve"] = pc + ksp if pc is not None and ksp is not None else None
    r["prealloc"] = event(log, "DMPlexPrealloc")
    r["distrib"] = event(log, "DMPlexDistribute")
    r["mem"] = rss_mb(logdir, name, nranks)
    return r


def f(x, fmt="%.3f"):
    return fmt % x if x is not None else "-"


def main():
    logdir, np_, sizes, omp_deck = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4]
    thermal_deck = sys.argv[5] if len(sys.argv) > 5 else None
    nranks = int(np_)
    rows, notes, detail = [], [], []
    for s in sizes:
        t, e = twinfe(logdir, "twinfe-" + s, nranks), ex56(logdir, "ex56-" + s, nranks)
        dof = t.get("dof") or e.get("dof")
        ratio = e["asm"] / t["asm"] if t.get("asm") and e.get("asm") else None
        why = {"ok": "", "missing": "not run", "skipped": "not run", "timeout": "time limit", "fail": "FAILED"}
        if e["status"] == "skipped":
            notes.append("ex56 %s not run: projected %s s (8 x the 32^3 run) exceeds the %s s limit (set BENCH_EX56_MAX_S=900 to run it anyway)" % (s, e["st"][1], e["st"][2]))
        elif e["status"] == "timeout":
            notes.append("ex56 %s stopped at the time limit after %s s" % (s, e["st"][1]))
        elif e["status"] == "missing":
            notes.append("ex56 %s not run (ex56 unavailable)" % s)
        if e.get("dof") and t.get("dof") and e["dof"] != t["dof"]:
            notes.append("%s: DOF differ: twinfe %d, ex56 %d" % (s, t["dof"], e["dof"]))

        def solve(r):
            if r.get("solve") is None:
                return why.get(r["status"], r["status"]) or "-"
            return "%.2f (%s)" % (r["solve"], r.get("its", "?"))

        def mem(r):
            if r.get("mem") is None or not dof:
                return "-"
            return "%.2e (%.0f MB)" % (r["mem"] / dof, r["mem"])

        rows.append([s, str(dof or "-"), f(t.get("asm")), f(e.get("asm")) if e["status"] == "ok" else why.get(e["status"], "-"),
                     f(ratio, "%.0fx"), solve(t), solve(e), mem(t), mem(e)])
        if t["status"] == "ok":
            detail.append(t | {"size": s, "ex": e})

    hdr = ["size", "DOF", "twinfe asm s", "ex56 asm s", "ex56/twinfe", "twinfe solve s (its)", "ex56 solve s (its)",
           "twinfe peak MB/DOF (total)", "ex56 peak MB/DOF (total)"]
    w = [max([len(hdr[i])] + [len(r[i]) for r in rows]) for i in range(len(hdr))]
    print("twinfe benchmark: 3D linear elasticity, Q1 hexahedra (3 DOF/node), unit box clamped at xmin, "
          "loaded at xmax; %s MPI ranks; vs PETSc 3.18 snes/tutorials/ex56 (DMPlex + PetscFE)" % np_)
    print("  ".join(h.rjust(w[i]) for i, h in enumerate(hdr)))
    print("  ".join("-" * w[i] for i in range(len(hdr))))
    for r in rows:
        print("  ".join(c.rjust(w[i]) for i, c in enumerate(r)))
    print()
    print("assembly: twinfe TwinAssemblyMat (kernels + TwinMatSetValues) vs ex56 SNESJacobianEval (PetscFE + MatSetValues"
          " + MatAssembly); neither includes building the nonzero pattern (below). solve: PCSetUp (GAMG) + KSPSolve (CG),"
          " rtol 1e-10 unpreconditioned, same options. peak: max RSS per rank (/usr/bin/time) summed over ranks,"
          " including MPI/PETSc start-up. Times: max over ranks, from -log_view. DOF: free (unconstrained) DOFs.")
    print("load differs slightly: ex56 adds a twist (-z, +y) to the constant x-pull on xmax.")
    for n in notes:
        print("note: " + n)
    best = [float(r[4][:-1]) for r in rows if r[4] != "-"]
    if best:
        print("goal (twinfe assembly >= 30x faster than ex56): %s (ratio %s)" %
              ("met" if min(best) >= 30 else "NOT met", ", ".join(r[4] + " at " + r[0] for r in rows if r[4] != "-")))
    for r in rows:
        if r[4] != "-":
            summary_row("hex8 elasticity assembly, %s DOF, %s ranks" % (r[1], np_), r[2] + " s", "PETSc ex56 (PetscFE)", r[3] + " s", r[4], ">= 50x")

    if detail:
        print()
        print("where the time goes (s, max over ranks; twinfe set-up includes the matrix pattern, TwinMatPattern):")
        cols = ["size", "mesh", "distribute", "set-up", "pattern", "assembly", "MatSetValues", "rhs", "PCSetUp",
                "KSPSolve", "stress", "output", "set-up/asm", "| ex56 pattern", "ex56 distribute"]
        tab = []
        for d in detail:
            ex = d["ex"]
            tab.append([d["size"]] + [f(d[k], "%.2f") for k in ("meshcreate", "distrib", "setup", "prealloc", "asm", "coo", "rhs",
                                                                  "pcsetup", "ksp", "stress", "output")]
                       + [f(d["setup"] / d["asm"] if d.get("setup") and d.get("asm") else None, "%.0fx"),
                          "| " + f(ex.get("prealloc"), "%.2f"), f(ex.get("distrib"), "%.2f")])
        w2 = [max([len(cols[i])] + [len(r[i]) for r in tab]) for i in range(len(cols))]
        print("  ".join(c.rjust(w2[i]) for i, c in enumerate(cols)))
        for r in tab:
            print("  ".join(c.rjust(w2[i]) for i, c in enumerate(r)))
        for d in detail:
            ex = d["ex"]
            if d.get("prealloc") is not None and ex.get("prealloc") is not None and ex.get("asm"):
                tw, pe = d["asm"] + d["prealloc"], ex["asm"] + ex["prealloc"]
                print("%s: matrix pattern + assembly: twinfe %.2f s (TwinMatPattern + TwinAssemblyMat), ex56 %.2f s "
                      "(DMPlexPrealloc + SNESJacobianEval): ex56/twinfe %.1fx" % (d["size"], tw, pe, pe / tw))

    cold, warm = {}, {}
    for n in ("omp-12", "omp-21"):
        for t, kind, v in re.findall(r"^asm_omp threads (\d+) (cold|warm) ([\d.]+)", read(os.path.join(logdir, n + ".log")) or "", re.M):
            d = cold if kind == "cold" else warm
            d[int(t)] = min(d.get(int(t), 1e300), float(v))
    print()
    if 1 in warm and 2 in warm:
        print("OpenMP (1 rank, %s; TwinAssemblyMat, element kernels + TwinMatSetValues):" % omp_deck)
        print("  warm (best of 4-5 calls): 1 thread %.3f s, 2 threads %.3f s: speed-up %.2fx" % (warm[1], warm[2], warm[1] / warm[2]))
        summary_row("assembly on 2 OpenMP threads (1 rank, hex_100k)", "%.3f s" % warm[2], "1 thread", "%.3f s" % warm[1], "%.2fx" % (warm[1] / warm[2]), ">= 1.7x")
        if 1 in cold and 2 in cold:
            print("  cold (first call of a process): 1 thread %.3f s, 2 threads %.3f s: speed-up %.2fx" % (cold[1], cold[2], cold[1] / cold[2]))
    else:
        print("OpenMP: asm_omp runs missing or failed (%s, %s)" % (status(logdir, "omp-12")[0], status(logdir, "omp-21")[0]))
    if thermal_deck:
        print()
        thermal_table(logdir, nranks, thermal_deck)
    return 0


def thermal_run(logdir, name, nranks):
    log = read(os.path.join(logdir, name + ".log"))
    st = status(logdir, name)
    r = {"status": st[0]}
    if st[0] != "ok" or not log:
        return r
    m = re.search(r"thermal: (\d+) free DOFs, (\d+) steps, (\d+) solver iterations in all", log)
    if m:
        r["dof"], r["steps"], r["its"] = (int(x) for x in m.groups())
    r["total"] = total_time(log)
    r["prealloc"] = event_any(log, "TwinMatPattern", "MatSetPreallCOO")
    for k, e in (("mesh", "TwinMeshCreate"), ("distrib", "TwinMeshDistrib"), ("setup", "TwinSetup"),
                 ("asm", "TwinAssemblyMat"), ("rhs", "TwinAssemblyRhs"),
                 ("solve", "TwinSolve"), ("pcsetup", "PCSetUp"), ("ksp", "KSPSolve"), ("flux", "TwinStress"),
                 ("output", "TwinOutputWrite")):
        r[k] = event(log, e)
    r["mem"] = rss_mb(logdir, name, nranks)
    return r


def best_run(logdir, kind, nranks):
    """The fastest ("Time (sec)") of the runs LOGDIR/KIND-R.log; a failed or missing one if none is ok."""
    names = sorted(os.path.basename(p)[:-7] for p in glob.glob(os.path.join(logdir, kind + "-*.status")))
    runs = [thermal_run(logdir, nm, nranks) for nm in names] or [{"status": "missing"}]
    ok = [r for r in runs if r["status"] == "ok" and r.get("total") is not None]
    if not ok:
        return runs[0]
    best = min(ok, key=lambda r: r["total"])
    best["of"] = len(ok)
    best["spread"] = max(r["total"] for r in ok) - best["total"]
    return best


def thermal_table(logdir, nranks, deck):
    one, n = best_run(logdir, "thermal-1", nranks), best_run(logdir, "thermal-n", nranks)
    print("thermal transient step (%s, %d MPI ranks; CG + GAMG, operator M/dt + theta K assembled once, "
          "KSP and preconditioner reused):" % (deck, nranks))
    if one["status"] != "ok" or n["status"] != "ok":
        print("  runs missing or failed (1 step: %s, N steps: %s)" % (one["status"], n["status"]))
        return
    need = ("dof", "steps", "its", "total", "rhs", "solve")
    if any(one.get(k) is None for k in need) or any(n.get(k) is None for k in need) or n["steps"] <= one["steps"]:
        print("  could not read the step counts or the -log_view times from the logs")
        return
    dof, N, dn = n["dof"], n["steps"], n["steps"] - one["steps"]
    def own(r):  # a run's step work: rhs + solve without the one GAMG set-up
        return r["rhs"] + r["solve"] - (r.get("pcsetup") or 0.0)
    later = (own(n) - own(one)) / dn
    later_tot = (n["total"] - one["total"]) / dn
    its_first, its_later = one["its"] / one["steps"], (n["its"] - one["its"]) / dn
    cols = ["DOF", "steps", "set-up+first step s", "later step s", "(whole runs)", "ns/DOF/step", "its first",
            "its/later step", "ns/DOF/iteration", "first/later", "peak MB (total)"]
    row = [str(dof), "1, %d" % N, "%.2f" % one["total"], "%.3f" % later, "%.3f" % later_tot,
           "%.0f" % (later / dof * 1e9), "%d" % its_first, "%.1f" % its_later,
           "%.0f" % (later / dof / its_later * 1e9) if its_later > 0 else "-",
           "%.0fx" % (one["total"] / later) if later > 0 else "-",
           "%.0f" % n["mem"] if n.get("mem") is not None else "-"]
    w = [max(len(c), len(v)) for c, v in zip(cols, row)]
    print("  " + "  ".join(c.rjust(w[i]) for i, c in enumerate(cols)))
    print("  " + "  ".join("-" * w[i] for i in range(len(cols))))
    print("  " + "  ".join(v.rjust(w[i]) for i, v in enumerate(row)))
    print("  set-up+first step: the whole 1-step run (-log_view Time). later step: (%d-step run - 1-step run) of"
          " TwinAssemblyRhs + TwinSolve - PCSetUp, / %d; (whole runs): the same difference of the runs' -log_view Time."
          " ns/DOF/step: later step / DOF (wall time on %d ranks, not CPU time). its: CG iterations, rtol 1e-10"
          " (unpreconditioned residual)." % (N, dn, nranks))
    print("  runs: best of %d (1 step, slowest +%.2f s) and of %d (%d steps, slowest +%.2f s)" %
          (one["of"], one["spread"], n["of"], N, n["spread"]))
    if later <= 0 or later_tot <= 0:
        print("  note: a difference is not positive: the machine was too noisy for this method")
    elif abs(later_tot - later) > 0.25 * later:
        print("  note: the two estimates of a later step differ by more than 25%: noisy machine; the first is the"
              " less exposed (it excludes mesh, set-up and GAMG set-up)")
    fs = (one.get("solve") or 0) - (one.get("pcsetup") or 0)
    print("  first step, where the time goes (s): mesh %s, distribute %s, set-up %s (matrix pattern %s), operator "
          "assembly %s, GAMG set-up %s, step rhs %s, step KSPSolve %s, flux %s, output %s" %
          (tuple(f(one.get(k), "%.2f") for k in ("mesh", "distrib", "setup", "prealloc", "asm", "pcsetup", "rhs"))
           + (f(fs, "%.2f"), f(one.get("flux"), "%.2f"), f(one.get("output"), "%.2f"))))
    print("  %d-step run, mean per step (event / count, step 1 included): TwinAssemblyRhs %.3f s, KSPSolve %s s;"
          " step 1 alone (1-step run): TwinAssemblyRhs %.3f s, KSPSolve %s s" %
          (N, n["rhs"] / N, f(n["ksp"] / N if n.get("ksp") is not None else None), one["rhs"], f(one.get("ksp"))))


if __name__ == "__main__":
    sys.exit(main())
