#!/usr/bin/python3
"""Ensemble moments of an FE output against exact ones (validation/ensemble_bar).

The end displacement of a bar in uniform tension is u = q L / E, exactly representable by the
elements, so its exact mean and standard deviation are known for an uncertain load q (normal)
and for an uncertain modulus E (lognormal). The Monte Carlo sample moments must lie within 3
standard errors of the exact ones (mean: std/sqrt(N); std: std/sqrt(2(N-1))), and Latin
hypercube sampling with 50 members must beat the Monte Carlo standard error of the mean for 50
members by a factor of 10 (for a linear response LHS removes the first-order variance).
Sources: A. B. Owen, Monte Carlo theory, methods and examples (2013), ch. 2;
M. D. McKay, R. J. Beckman, W. J. Conover, Technometrics 21 (1979) 239-245.
usage: check.py DIR      (DIR holds out-load, out-modulus, out-load-lhs)
"""
import sys, math
import h5py, numpy as np

d = sys.argv[1]
L, q0, E0 = 1.0, 50e6, 200e9
rows, bad = [], 0


def tip(out):
    with h5py.File(f"{d}/{out}/twin.h5", "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["ensemble/qoi_names"][()].ravel()]
        ok = f["ensemble/status"][()].ravel() > 0
        return f["ensemble/qoi"][()][ok, names.index("tip.displacement_x")]


def check(label, computed, ref, tol):
    global bad
    err = abs(computed - ref)
    ok = err <= tol
    bad += not ok
    rows.append((label, computed, ref, err, tol, "PASS" if ok else "FAIL"))


# 1. load ~ N(50 MPa, 5 MPa), MC, N = 400
u = tip("out-load"); N = len(u)
m, s = q0 * L / E0, 5e6 * L / E0
check("load MC mean", u.mean(), m, 3 * s / math.sqrt(N))
check("load MC std", u.std(ddof=1), s, 3 * s / math.sqrt(2 * (N - 1)))
# 2. E lognormal (mean 200 GPa, std 20 GPa), MC, N = 400: u = q L / E
sl2 = math.log(1 + 0.1 ** 2); mul = math.log(E0) - sl2 / 2
e1, e2 = math.exp(-mul + sl2 / 2), math.exp(-2 * mul + 2 * sl2)
m2, s2 = q0 * L * e1, q0 * L * math.sqrt(e2 - e1 * e1)
u = tip("out-modulus"); N = len(u)
check("modulus MC mean", u.mean(), m2, 3 * s2 / math.sqrt(N))
check("modulus MC std", u.std(ddof=1), s2, 3 * s2 / math.sqrt(2 * (N - 1)))
# 3. LHS, N = 50: error of the mean well below the MC standard error at the same N
u = tip("out-load-lhs"); N = len(u)
check("load LHS mean (N=50)", u.mean(), m, 0.1 * s / math.sqrt(N))

print(f"{'quantity':24s} {'computed':>14s} {'exact':>14s} {'|error|':>11s} {'tolerance':>11s}")
for r in rows:
    print(f"{r[0]:24s} {r[1]:14.6e} {r[2]:14.6e} {r[3]:11.3e} {r[4]:11.3e}  {r[5]}")
print(f"{len(rows) - bad} of {len(rows)} ensemble-moment checks passed")
sys.exit(1 if bad else 0)
