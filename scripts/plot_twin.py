#!/usr/bin/python3
"""Plot a twin run: each sensor's observed values against the predicted mean and 90 % band.

usage: scripts/plot_twin.py OUTDIR [--truth TRUTH.h5] [--out PNG]

Reads OUTDIR/twin.h5 (docs/formats.md, "Twin results"): at every snapshot the forecast
(prior) ensemble of every sensor (mean, 5 % and 95 % quantiles) next to the observed value and
its sigma, then the prediction past the last snapshot. Writes OUTDIR/sensors.png (one panel per
sensor) and OUTDIR/parameters.png (posterior mean +- 2 std of each estimated parameter per
cycle; with --truth, the true values from a `twinfe synthesize` truth.h5 as dashed lines).
Needs the Debian python3-h5py, python3-numpy and python3-matplotlib.
"""
import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

KIND = {0: ("temperature", "C", 1.0), 1: ("displacement", "um", 1e6), 2: ("strain", "ue", 1e6)}


def names(ds):
    return [n.decode() if isinstance(n, bytes) else str(n) for n in ds[()]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir")
    ap.add_argument("--truth", help="truth.h5 written by twinfe synthesize")
    ap.add_argument("--out", help="sensor plot (default OUTDIR/sensors.png)")
    a = ap.parse_args()
    path = os.path.join(a.outdir, "twin.h5")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        sys.exit(f"plot_twin: cannot open {path}: {e}")
    with f:
        sn = names(f["/sensors/names"])
        kind = f["/sensors/kind"][()].reshape(-1).astype(int)
        t = f["/assimilation/time"][()].reshape(-1)
        obs = f["/assimilation/observed"][()]
        sig = f["/assimilation/sigma"][()]
        fm, f05, f95 = (f["/assimilation/forecast_" + q][()] for q in ("mean", "q05", "q95"))
        pred = "/prediction/time" in f
        if pred:
            pt = f["/prediction/time"][()].reshape(-1)
            pm, p05, p95 = (f["/prediction/" + q][()] for q in ("mean", "q05", "q95"))
        pnames = names(f["/assimilation/parameter_names"]) if "/assimilation/parameter_names" in f else []
        pmean = f["/assimilation/parameter_mean"][()] if "/assimilation/parameter_mean" in f else None
        pstd = f["/assimilation/parameter_std"][()] if "/assimilation/parameter_std" in f else None
        name = f.attrs.get("name", b"twin")
        name = name.decode() if isinstance(name, bytes) else str(name)
    ns = len(sn)
    ncol = 3 if ns > 4 else ns
    nrow = (ns + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.0 * nrow), squeeze=False, sharex=True)
    for s in range(ns):
        ax = axes[s // ncol][s % ncol]
        label, unit, sc = KIND.get(kind[s], ("value", "", 1.0))
        tt, mm, lo, hi = t, fm[:, s], f05[:, s], f95[:, s]
        ax.fill_between(tt / 60, lo * sc, hi * sc, color="tab:blue", alpha=0.25, lw=0, label="forecast 90 % band")
        ax.plot(tt / 60, mm * sc, color="tab:blue", lw=1.5, label="forecast mean")
        if pred:
            t2 = np.concatenate([[t[-1]], pt])
            ax.fill_between(t2 / 60, np.concatenate([[lo[-1]], p05[:, s]]) * sc, np.concatenate([[hi[-1]], p95[:, s]]) * sc, color="tab:orange", alpha=0.25, lw=0, label="prediction 90 % band")
            ax.plot(t2 / 60, np.concatenate([[mm[-1]], pm[:, s]]) * sc, color="tab:orange", lw=1.5, label="prediction mean")
            ax.axvline(t[-1] / 60, color="grey", ls=":", lw=1)
        ok = np.isfinite(obs[:, s])
        ax.errorbar(t[ok] / 60, obs[ok, s] * sc, yerr=sig[ok, s] * sc, fmt="o", ms=3, color="k", lw=0.8, label="observed (1 sigma)")
        ax.set_title(f"{sn[s]} ({label})", fontsize=10)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
    for s in range(ns, nrow * ncol):
        axes[s // ncol][s % ncol].axis("off")
    for c in range(ncol):
        axes[-1][c].set_xlabel("time (min)")
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.suptitle(f"{name}: sensors vs twin forecast", fontsize=12)
    fig.tight_layout()
    out = a.out or os.path.join(a.outdir, "sensors.png")
    fig.savefig(out, dpi=110)
    print(f"plot_twin: wrote {out}")

    if pmean is not None and len(pnames):
        truth = {}
        if a.truth:
            with h5py.File(a.truth, "r") as g:
                if "/truth/parameters" in g:
                    truth = dict(zip(names(g["/truth/parameter_names"]), g["/truth/parameters"][()].reshape(-1)))
        k = len(pnames)
        fig, axes = plt.subplots(1, k, figsize=(4.2 * k, 3.0), squeeze=False)
        for j in range(k):
            ax = axes[0][j]
            ax.fill_between(t / 60, pmean[:, j] - 2 * pstd[:, j], pmean[:, j] + 2 * pstd[:, j], alpha=0.3, color="tab:green", lw=0, label="mean +- 2 std")
            ax.plot(t / 60, pmean[:, j], color="tab:green", label="posterior mean")
            if pnames[j] in truth:
                ax.axhline(truth[pnames[j]], color="k", ls="--", lw=1, label="truth")
            ax.set_title(pnames[j])
            ax.set_xlabel("time (min)")
            ax.grid(alpha=0.3)
        axes[0][0].legend(fontsize=7)
        fig.tight_layout()
        out2 = os.path.join(os.path.dirname(out), "parameters.png")
        fig.savefig(out2, dpi=110)
        print(f"plot_twin: wrote {out2}")


if __name__ == "__main__":
    main()
