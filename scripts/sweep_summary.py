#!/usr/bin/python3
"""sweep_summary.py: one table and one plot comparing the scenarios of a sweep.

  sweep_summary.py SWEEP_DIR [--csv OUT.csv] [--png OUT.png] [--plot QOI,QOI,...]

Reads SWEEP_DIR/scenarios.csv (the scenario table, written by make-sweep.sh), every
SWEEP_DIR/NAME/twin.h5 and SWEEP_DIR/NAME/exit_status, and writes (defaults)
SWEEP_DIR/summary.csv and SWEEP_DIR/summary.png.

Quantities of interest (QoI), named as in an ensemble's /ensemble/qoi_names:
  single run (final state, /fields and /probes):
    max_temperature   max of /fields/temperature          (thermal decks)
    max_displacement  max of |/fields/displacement|       (mechanics)
    max_von_mises     max of /fields/von_mises            (mechanics)
    P.temperature, P.displacement_x/_y/_z, P.von_mises    per probe P (/probes)
  ensemble deck (/ensemble/qoi over the members whose /ensemble/status is 1):
    every QoI of /ensemble/qoi_names: its mean, and its std (ddof=1) in the column QOI_std.
CSV columns: scenario, status (ok | failed | missing), exit (twinfe's exit status, from
exit_status), the override columns of the table (their values), kind (single | ensemble),
members (succeeded/total for ensembles), then QOI and QOI_std for every QoI found (std empty for
a single run). The PNG has one panel per plotted QoI (default: the max_* QoIs and the
temperature of the first probe, at most 6), a bar per scenario, error bars of +-1 std where a
scenario is an ensemble.
Exit status: 0 every scenario has results, 1 some scenario failed or has none (the CSV and PNG
are still written when one has), 2 no scenario has results or SWEEP_DIR is not a sweep.
"""
import csv
import math
import os
import sys

try:
    import h5py
    import numpy as np
except ImportError as e:
    sys.stderr.write(f"sweep_summary.py: error: {e}: apt-get install python3-h5py python3-numpy\n")
    sys.exit(2)


def read_status(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    out[k] = v
    except OSError:
        pass
    return out


def names_of(ds):
    return [n.decode().rstrip("\0") if isinstance(n, bytes) else str(n) for n in ds[()]]


def read_single(f):
    q = {}
    fl = f.get("fields")
    if fl is not None:
        if "temperature" in fl:
            q["max_temperature"] = float(np.max(fl["temperature"][()]))
        if "displacement" in fl:
            u = fl["displacement"][()]
            q["max_displacement"] = float(np.max(np.linalg.norm(u.reshape(len(u), -1), axis=1)))
        if "von_mises" in fl:
            q["max_von_mises"] = float(np.max(fl["von_mises"][()]))
    pr = f.get("probes")
    if pr is not None and "names" in pr:
        names = names_of(pr["names"])
        T = pr["temperature"][()] if "temperature" in pr else None
        U = pr["displacement"][()] if "displacement" in pr else None
        V = pr["von_mises"][()] if "von_mises" in pr else None
        for i, n in enumerate(names):
            if T is not None:
                q[f"{n}.temperature"] = float(np.ravel(T)[i])
            if U is not None:
                for j, c in enumerate("xyz"):
                    q[f"{n}.displacement_{c}"] = float(U[i][j])
            if V is not None:
                q[f"{n}.von_mises"] = float(np.ravel(V)[i])
    return q, {}


def read_ensemble(f):
    e = f["ensemble"]
    qn = names_of(e["qoi_names"])
    Q = np.atleast_2d(e["qoi"][()])
    ok = np.ravel(e["status"][()]) == 1 if "status" in e else np.ones(len(Q), bool)
    mean, std = {}, {}
    for j, n in enumerate(qn):
        y = Q[ok, j]
        mean[n] = float(np.mean(y)) if len(y) else math.nan
        std[n] = float(np.std(y, ddof=1)) if len(y) > 1 else math.nan
    return mean, std, f"{int(ok.sum())}/{len(ok)}"


def fmt(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:.10g}" if isinstance(x, float) else str(x)


def main(argv):
    args = list(argv)
    opts = {}
    for key in ("--csv", "--png", "--plot"):
        if key in args:
            k = args.index(key)
            if k + 1 >= len(args):
                sys.stderr.write(f"sweep_summary.py: error: {key} needs a value\n")
                return 2
            opts[key] = args[k + 1]
            del args[k:k + 2]
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    sweep = args[0]
    table = os.path.join(sweep, "scenarios.csv")
    try:
        with open(table, newline="") as f:
            rows = [r for r in csv.reader(f) if r and any(c.strip() for c in r)
                    and not r[0].lstrip().startswith("#")]
    except OSError as e:
        sys.stderr.write(f"sweep_summary.py: error: {table}: {e.strerror} (is {sweep} a sweep folder made by make-sweep.sh?)\n")
        return 2
    head = [h.strip() for h in rows[0]]
    params = head[1:]
    results, qois = [], []
    for r in rows[1:]:
        r = [c.strip() for c in r] + [""] * (len(head) - len(r))
        name = r[0]
        d = os.path.join(sweep, name)
        st = read_status(os.path.join(d, "exit_status"))
        rec = {"scenario": name, "exit": st.get("exit", ""), "params": r[1:len(head)],
               "kind": "", "members": "", "mean": {}, "std": {}}
        h5 = os.path.join(d, "twin.h5")
        if not os.path.exists(h5):
            rec["status"] = "missing"
            why = st.get("meaning", "no exit_status: the task did not run or was killed")
            sys.stderr.write(f"sweep_summary.py: scenario {name}: no twin.h5 ({why})\n")
        else:
            try:
                with h5py.File(h5, "r") as f:
                    if "ensemble" in f and "qoi" in f["ensemble"]:
                        rec["mean"], rec["std"], rec["members"] = read_ensemble(f)
                        rec["kind"] = "ensemble"
                    else:
                        rec["mean"], rec["std"] = read_single(f)
                        rec["kind"] = "single"
                rec["status"] = "ok" if st.get("exit", "0") == "0" else "failed"
            except (OSError, KeyError, ValueError) as e:
                rec["status"] = "failed"
                sys.stderr.write(f"sweep_summary.py: scenario {name}: cannot read {h5}: {e}\n")
        for q in rec["mean"]:
            if q not in qois:
                qois.append(q)
        results.append(rec)

    out_csv = opts.get("--csv", os.path.join(sweep, "summary.csv"))
    cols = ["scenario", "status", "exit"] + params + ["kind", "members"]
    for q in qois:
        cols += [q, q + "_std"]
    tmp = out_csv + ".tmp"
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for rec in results:
            row = [rec["scenario"], rec["status"], rec["exit"]] + rec["params"] + [rec["kind"], rec["members"]]
            for q in qois:
                row += [fmt(rec["mean"].get(q)), fmt(rec["std"].get(q))]
            w.writerow(row)
    os.replace(tmp, out_csv)
    ok = [r for r in results if r["status"] == "ok"]
    have = [r for r in results if r["mean"]]
    print(f"sweep_summary: {len(results)} scenarios, {len(ok)} ok; wrote {out_csv}")

    if have:
        if "--plot" in opts:
            plot = [q for q in opts["--plot"].split(",") if q in qois]
        else:
            plot = [q for q in qois if q.startswith("max_")]
            plot += [q for q in qois if q.endswith(".temperature")][:1]
            plot += [q for q in qois if q.endswith(".von_mises")][:1]
            plot = plot[:6]
        if plot:
            out_png = opts.get("--png", os.path.join(sweep, "summary.png"))
            write_png(out_png, sweep, results, plot)
            print(f"sweep_summary: wrote {out_png} ({', '.join(plot)})")
    for r in results:
        line = f"  {r['scenario']:<20} {r['status']:<8} exit={r['exit'] or '?':<4}"
        for q in qois[:3]:
            v = r["mean"].get(q)
            if v is not None:
                s = r["std"].get(q)
                line += f" {q}={v:.6g}" + (f"±{s:.3g}" if s is not None and not math.isnan(s) else "")
        print(line)
    if not have:
        sys.stderr.write("sweep_summary.py: error: no scenario has results\n")
        return 2
    return 0 if len(ok) == len(results) else 1


def write_png(path, sweep, results, plot):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    n = len(plot)
    ncol = min(n, 3)
    nrow = (n + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.4 * nrow), squeeze=False)
    names = [r["scenario"] for r in results]
    x = np.arange(len(results))
    for k, q in enumerate(plot):
        ax = axes[k // ncol][k % ncol]
        y = np.array([r["mean"].get(q, math.nan) for r in results], float)
        s = np.array([r["std"].get(q, math.nan) for r in results], float)
        colors = ["C0" if r["status"] == "ok" else "C3" for r in results]
        has_err = bool(np.any(np.isfinite(s)))
        ax.bar(x, np.nan_to_num(y), color=colors, yerr=np.where(np.isfinite(s), s, 0) if has_err else None,
               capsize=4 if has_err else 0)
        for i in np.where(~np.isfinite(y))[0]:
            ax.text(x[i], 0, "no data", ha="center", va="bottom", fontsize=7, rotation=90)
        ax.set_title(q + (" (mean ± std)" if has_err else ""), fontsize=9)
        ax.set_xticks(x)
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
        lo, hi = np.nanmin(y - np.nan_to_num(s)) if np.any(np.isfinite(y)) else 0, np.nanmax(y + np.nan_to_num(s)) if np.any(np.isfinite(y)) else 1
        if np.isfinite(lo) and np.isfinite(hi) and hi > lo and lo > 0:
            ax.set_ylim(lo - 0.15 * (hi - lo), hi + 0.1 * (hi - lo))  # show the differences
        ax.grid(axis="y", alpha=0.3)
    for k in range(n, nrow * ncol):
        axes[k // ncol][k % ncol].axis("off")
    fig.suptitle(f"sweep {os.path.basename(os.path.abspath(sweep))}: {len(results)} scenarios (red: failed)", fontsize=10)
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
