#!/usr/bin/python3
"""tests/twin/check.py: the checks of tests/twin/run.sh on twinfe's HDF5 output (h5py, numpy).

  check.py experiment TWIN.h5 FREE.h5 TRUTH.h5 LABEL [MIN_RATIO]
      (a) every estimated parameter's truth (TRUTH.h5 /truth/parameters) lies inside the final
          posterior 95 % interval, mean +- 1.96 std of the last cycle's /assimilation/parameters,
          and the posterior std is below half the prior std (FREE.h5 keeps the prior sample);
      (b) the analysis RMSE of the ensemble-mean temperature against the truth, averaged over the
          cycles (twin.h5 steps of phase 1 vs TRUTH.h5 steps at the same times), is at least
          MIN_RATIO (default 5) times below that of FREE.h5, the same ensemble without analysis.
  check.py invariance REF.h5 OTHER.h5 LABEL [TOL]
      /assimilation/parameters and every step's mean_temperature agree to a relative TOL (1e-8).
  check.py forecast OUTDIR
      OUTDIR/forecast.h5 opens, has /steps/0000/statistics/mean_temperature, /prediction/* and
      the history; no *.tmp file is left in OUTDIR.
  check.py files TWIN.h5 NAME... [--]
      /assimilation/files is exactly NAME... (in this order) and /assimilation/time increases.
  check.py feed SRC LIVE OUTDIR NNNN:MODE...
      Follow mode: put SRC/snap_NNNN.h5 into LIVE one at a time (MODE mv: written under a
      temporary name and renamed; slow: written in place in 8 pieces 0.05 s apart) and wait (60 s
      at most) until OUTDIR/forecast.h5 lists it in /assimilation/files; forecast.h5 must open
      whole every time it is read. MODE skip: mv, then 1.5 s for the twin to skip it.
  check.py calibrate TWIN.h5 TRUTH.h5 LABEL NAME PRIOR_STD [MAX_STD_RATIO]
      ES-MDA: the truth of parameter NAME inside the posterior 95 % interval (last iteration's
      members) and its posterior std below MAX_STD_RATIO (default 0.3) times PRIOR_STD (the
      deck's prior: twin.h5 records the members after each iteration, not the prior sample).
Prints one line per check with the measured numbers; exit status 1 if any check fails.
"""
import os
import sys

import h5py
import numpy as np

bad = 0


def report(ok, text):
    global bad
    bad += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {text}")


def names(ds):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in ds[()]]


def posterior(f):
    """Parameters of the members after the last cycle: (names, [M, k]) over alive members."""
    M = int(f.attrs["ensemble_members"])
    P = f["assimilation/parameters"][()]
    P = P.reshape(P.shape[0], -1)  # one parameter: written as a vector
    last = P[-M:]
    last = last[np.all(np.isfinite(last), axis=1)]
    return names(f["assimilation/parameter_names"]), last, P[:M]


def steps_by_time(f, phase=None):
    out = {}
    ph = f["twin/step_phase"][()] if "twin/step_phase" in f else None
    for i, k in enumerate(sorted(f["steps"])):
        if phase is not None and (ph is None or ph[i] != phase):
            continue
        out[round(float(f["steps"][k].attrs["time"]), 6)] = f["steps"][k]
    return out


def truth_values(tf):
    return dict(zip(names(tf["truth/parameter_names"]), np.ravel(tf["truth/parameters"][()])))


def experiment(twin, free, truth, label, min_ratio=5.0):
    f, g, t = h5py.File(twin, "r"), h5py.File(free, "r"), h5py.File(truth, "r")
    tv = truth_values(t)
    pn, last, _ = posterior(f)
    for j, n in enumerate(pn):
        m, s = last[:, j].mean(), last[:, j].std(ddof=1)
        lo, hi = m - 1.96 * s, m + 1.96 * s
        report(lo <= tv[n] <= hi,
               f"{label}: {n} true {tv[n]:.6g} in posterior 95 % [{lo:.6g}, {hi:.6g}] "
               f"(mean {m:.6g}, std {s:.3g}, {len(last)} members)")
    _, _, prior = posterior(g)  # the free run keeps the prior sample
    for j, n in enumerate(pn):
        s, s0 = last[:, j].std(ddof=1), prior[:, j].std(ddof=1)
        report(s < 0.5 * s0, f"{label}: {n} posterior std {s:.3g} / prior std {s0:.3g} = "
               f"{s / s0:.3f} (< 0.5)")
    ttrue = {round(float(s.attrs["time"]), 6): s for s in t["steps"].values()}
    an, fr = steps_by_time(f, 1.0), steps_by_time(g, 1.0)
    times = sorted(an)
    if not times or any(x not in ttrue or x not in fr for x in times):
        report(False, f"{label}: analysis times {times} not all in the truth and free runs")
        return
    ea, ef = [], []
    for x in times:
        T = ttrue[x]["temperature"][()]
        ea.append(np.sqrt(np.mean((an[x]["statistics/mean_temperature"][()] - T) ** 2)))
        ef.append(np.sqrt(np.mean((fr[x]["statistics/mean_temperature"][()] - T) ** 2)))
    ra, rf = float(np.mean(ea)), float(np.mean(ef))
    report(rf >= min_ratio * ra,
           f"{label}: temperature RMSE over {len(times)} cycles: analysis {ra:.4g} K, free run "
           f"{rf:.4g} K, ratio {rf / max(ra, 1e-300):.1f} (>= {min_ratio:g})")


def invariance(ref, other, label, tol=1e-8):
    a, b = h5py.File(ref, "r"), h5py.File(other, "r")
    pa, pb = a["assimilation/parameters"][()], b["assimilation/parameters"][()]
    if pa.shape != pb.shape:
        report(False, f"{label}: /assimilation/parameters shapes {pa.shape} vs {pb.shape}")
    else:
        rel = np.abs(pa - pb).max() / np.abs(pa).max()
        report(rel < tol, f"{label}: /assimilation/parameters rel {rel:.2e} (< {tol:g})")
    sa, sb = sorted(a["steps"]), sorted(b["steps"])
    if sa != sb:
        report(False, f"{label}: steps {len(sa)} vs {len(sb)}")
        return
    worst = 0.0
    for k in sa:
        x = a["steps"][k]["statistics/mean_temperature"][()]
        y = b["steps"][k]["statistics/mean_temperature"][()]
        worst = max(worst, np.abs(x - y).max() / np.abs(x).max())
    report(worst < tol, f"{label}: mean_temperature of {len(sa)} steps rel {worst:.2e} (< {tol:g})")


def forecast(outdir):
    path = os.path.join(outdir, "forecast.h5")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        report(False, f"forecast.h5 does not open: {e}")
        return
    need = ["steps/0000/statistics/mean_temperature", "steps/0000/statistics/std_temperature",
            "prediction/time", "prediction/mean", "prediction/std", "prediction/q05",
            "prediction/q95", "assimilation/files", "assimilation/parameters"]
    miss = [k for k in need if k not in f]
    report(not miss, f"forecast.h5 opens, {len(f['steps'])} steps, missing: {miss or 'none'}")
    if not miss:
        pt = f["prediction/time"][()]
        ok = (f["prediction/mean"].shape[0] == len(pt) and np.all(np.diff(pt) > 0)
              and np.all(np.isfinite(f["prediction/mean"][()])))
        report(ok, f"forecast.h5 /prediction: {len(pt)} times to {pt[-1]:g} s, finite")
    tmp = [n for n in os.listdir(outdir) if n.endswith(".tmp") or ".tmp" in n]
    report(not tmp, f"no temporary files left in {outdir}: {tmp or 'none'}")


def files(twin, expect):
    f = h5py.File(twin, "r")
    got = names(f["assimilation/files"]) if "assimilation/files" in f else []
    t = f["assimilation/time"][()] if "assimilation/time" in f else np.zeros(0)
    report(got == expect, f"/assimilation/files {got} (expected {expect})")
    report(len(t) == len(got) and np.all(np.diff(t) > 0), f"/assimilation/time {list(t)} increases")


def feed(src, live, outdir, specs):
    import shutil
    import time
    fc = os.path.join(outdir, "forecast.h5")
    i = -1
    for spec in list(specs):
        num, mode = spec.split(":")
        i += mode != "skip"
        name = f"snap_{num}.h5"
        dst = os.path.join(live, name)
        t0 = time.time()
        if mode == "skip":  # expected to be skipped: mv, give the twin 1.5 s, expect no change
            shutil.copyfile(os.path.join(src, name), dst + ".tmp")
            os.rename(dst + ".tmp", dst)
            time.sleep(1.5)
            specs = [x for x in specs if x != spec]
            continue
        if mode == "mv":
            shutil.copyfile(os.path.join(src, name), dst + ".tmp")
            os.rename(dst + ".tmp", dst)
        else:
            data = open(os.path.join(src, name), "rb").read()
            with open(dst, "wb") as f:
                for p in range(8):
                    f.write(data[p * len(data) // 8:(p + 1) * len(data) // 8])
                    f.flush()
                    if p < 7:
                        time.sleep(0.05)
        reads, got = 0, []
        while time.time() - t0 < 60:
            if os.path.exists(fc):
                try:
                    with h5py.File(fc, "r") as f:
                        got = names(f["assimilation/files"]) if "assimilation/files" in f else []
                        reads += 1
                except (OSError, KeyError) as e:
                    report(False, f"follow: {fc} did not open whole while {name} was pending: {e}")
                    return
            if len(got) > i:
                break
            time.sleep(0.1)
        ok = got == [f"snap_{s.split(':')[0]}.h5" for s in specs[:i + 1]]
        report(ok, f"follow: {name} ({'temporary name + mv' if mode == 'mv' else 'written in place, 8 pieces over 0.35 s'}) "
                   f"assimilated after {time.time() - t0:.1f} s; forecast.h5 read {reads} times, "
                   f"whole every time, lists {got}")
        if not ok:
            return


def calibrate(twin, truth, label, name, prior_std, max_ratio=0.3):
    f, t = h5py.File(twin, "r"), h5py.File(truth, "r")
    tv = truth_values(t)
    pn, last, _ = posterior(f)
    if name not in pn:
        report(False, f"{label}: no parameter {name} in {pn}")
        return
    j = pn.index(name)
    m, s = last[:, j].mean(), last[:, j].std(ddof=1)
    lo, hi = m - 1.96 * s, m + 1.96 * s
    report(lo <= tv[name] <= hi,
           f"{label}: {name} true {tv[name]:.6g} in posterior 95 % [{lo:.6g}, {hi:.6g}] "
           f"(mean {m:.6g}, {len(last)} members)")
    report(s < max_ratio * prior_std,
           f"{label}: {name} posterior std {s:.3g} / prior std {prior_std:.3g} = "
           f"{s / prior_std:.3f} (< {max_ratio:g})")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "experiment":
        experiment(*args[:4], *(float(x) for x in args[4:5]))
    elif cmd == "invariance":
        invariance(*args[:3], *(float(x) for x in args[3:4]))
    elif cmd == "forecast":
        forecast(args[0])
    elif cmd == "files":
        files(args[0], args[1:])
    elif cmd == "feed":
        feed(args[0], args[1], args[2], args[3:])
    elif cmd == "calibrate":
        calibrate(*args[:4], *(float(x) for x in args[4:6]))
    else:
        sys.exit(f"check.py: unknown command {cmd}")
    sys.exit(1 if bad else 0)
