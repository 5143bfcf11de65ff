#!/usr/bin/python3
"""Compare twinfe results with the reference values of the validation cases.

usage: compare.py [--require-run] [CASE ...]      (default: every folder of validation/ with a case.txt)
       compare.py --outdir CASE                    (print the case's output folder and exit)

For each case it reads CASE/case.txt, the deck's output.directory (default CASE/out) and
OUTDIR/twin.h5, evaluates every check and prints one table:
    case | quantity | computed | reference | rel. error | tolerance | result | src
followed by the list of sources. run.sh leaves CASE/out/run.rc (exit status of the run) and
CASE/out/run.log; a nonzero run.rc, a missing run.rc under --require-run, a missing or
unreadable twin.h5, a missing probe, a NaN or a malformed case.txt is a FAIL line.
Exit status 0 when every check passes, 1 otherwise.

case.txt (one statement per line, '#' starts a comment line; on check lines a trailing
' # ...' is a comment too):
    source  TEXT                     citation (may repeat; joined with '; ')
    ranks   N                        MPI ranks for run.sh (default 2)
    deck    FILE                     deck file in the case folder (default deck.yaml)
    timeout SECONDS                  run.sh time limit for this case (default 900)
    probe   NAME QUANTITY REF TOL    value at a deck probe (/probes/...)
    node    X Y [Z] QUANTITY REF TOL nodal field (/fields/...) at the mesh vertex at (X, Y, Z)
    linear_field TOL ux = EXPR uy = EXPR [uz = EXPR]
                                     every vertex: max |u_h - u| / max |u| <= TOL, EXPR a
                                     polynomial in x, y, z (numbers, + - * / ** and parentheses)
QUANTITY: displacement_{x,y,z,r,t,mag}, stress_{xx,yy,zz,yz,xz,xy}, stress_{rr,tt,rt} (polar
about the z axis through the origin, angle from the point's x, y), von_mises, temperature
(thermal runs: /probes/temperature or /fields/temperature, at the final time, in the deck's
temperature unit); a leading '-' negates. Error: |computed - REF| / |REF|, or |computed| when
REF = 0 (TOL is then absolute).
"""
import ast
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def rel(path):
    """A path as written from the top of the tree."""
    r = os.path.relpath(path, ROOT)
    return os.path.abspath(path) if r.startswith("..") else r
VOIGT = {"xx": 0, "yy": 1, "zz": 2, "yz": 3, "xz": 4, "xy": 5}


class CaseError(Exception):
    pass


# ------------------------------------------------------------------------------- case.txt
def parse_case(folder):
    path = os.path.join(folder, "case.txt")
    case = {"name": os.path.basename(os.path.normpath(folder)), "folder": folder, "sources": [],
            "ranks": 2, "deck": "deck.yaml", "timeout": 900, "checks": []}
    with open(path) as f:
        lines = f.read().splitlines()
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, rest = line.partition(" ")
        rest = rest.strip()
        where = f"{path}:{no}"
        if key == "source":
            case["sources"].append(rest)
            continue
        rest = re.sub(r"\s+#.*$", "", rest)
        tok = rest.split()
        try:
            if key == "ranks":
                case["ranks"] = int(tok[0])
            elif key == "deck":
                case["deck"] = tok[0]
            elif key == "timeout":
                case["timeout"] = float(tok[0])
            elif key == "probe":
                if len(tok) != 4:
                    raise CaseError("expected: probe NAME QUANTITY REF TOL")
                check_quantity(tok[1])
                case["checks"].append({"kind": "probe", "probe": tok[0], "q": tok[1],
                                       "ref": float(tok[2]), "tol": float(tok[3]), "where": where})
            elif key == "node":
                if len(tok) not in (5, 6):
                    raise CaseError("expected: node X Y [Z] QUANTITY REF TOL")
                x = [float(v) for v in tok[:-3]] + [0.0] * (6 - len(tok))
                check_quantity(tok[-3])
                case["checks"].append({"kind": "node", "x": x, "q": tok[-3], "ref": float(tok[-2]),
                                       "tol": float(tok[-1]), "where": where})
            elif key == "linear_field":
                tol = float(tok[0])
                body = rest[len(tok[0]):]
                parts = re.split(r"\b(u[xyz])\s*=", body)
                if parts[0].strip() or len(parts) < 3:
                    raise CaseError("expected: linear_field TOL ux = EXPR uy = EXPR [uz = EXPR]")
                exprs = {}
                for comp, expr in zip(parts[1::2], parts[2::2]):
                    exprs["xyz".index(comp[1])] = compile_expr(expr.strip())
                case["checks"].append({"kind": "linear_field", "tol": tol, "exprs": exprs,
                                       "text": " ".join(body.split()), "where": where})
            else:
                raise CaseError(f"unknown statement '{key}'")
        except (ValueError, IndexError) as e:
            raise CaseError(f"{where}: {e}") from None
        except CaseError as e:
            raise CaseError(f"{where}: {e}") from None
    if not case["checks"]:
        raise CaseError(f"{path}: no checks")
    return case


ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Load,
           ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


def compile_expr(text):
    tree = ast.parse(text, mode="eval")
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED) or (isinstance(node, ast.Name) and node.id not in "xyz"):
            raise CaseError(f"bad expression '{text}': only numbers, x, y, z, + - * / **")
    return compile(tree, "<expr>", "eval")


def check_quantity(q):
    q = q.lstrip("-")
    ok = (q in ("von_mises", "temperature") or re.fullmatch(r"displacement_(x|y|z|r|t|mag)", q)
          or re.fullmatch(r"stress_(xx|yy|zz|yz|xz|xy|rr|tt|rt)", q))
    if not ok:
        raise CaseError(f"unknown quantity '{q}'")


def quantity(q, x, u, s, vm):
    """q at position x from displacement u[3], stress s[6] (Voigt), von Mises vm; for
    q = temperature, u is the temperature (a scalar)."""
    sign = -1.0 if q.startswith("-") else 1.0
    q = q.lstrip("-")
    th = math.atan2(x[1], x[0])
    c, n = math.cos(th), math.sin(th)
    if q == "temperature":
        v = u[0] if getattr(u, "ndim", 0) else u  # [np] or [np, 1] datasets
    elif q == "von_mises":
        v = vm
    elif q.startswith("displacement_"):
        k = q[13:]
        v = {"x": lambda: u[0], "y": lambda: u[1], "z": lambda: u[2],
             "r": lambda: c * u[0] + n * u[1], "t": lambda: -n * u[0] + c * u[1],
             "mag": lambda: math.sqrt(u[0] ** 2 + u[1] ** 2 + u[2] ** 2)}[k]()
    else:
        k = q[7:]
        if k in VOIGT:
            v = s[VOIGT[k]]
        else:
            sxx, syy, sxy = s[0], s[1], s[5]
            v = {"rr": c * c * sxx + n * n * syy + 2 * c * n * sxy,
                 "tt": n * n * sxx + c * c * syy - 2 * c * n * sxy,
                 "rt": c * n * (syy - sxx) + (c * c - n * n) * sxy}[k]
    return sign * float(v)


# ------------------------------------------------------------------------------- results
def output_dir(case):
    """The deck's output.directory relative to the case folder (default out)."""
    d = "out"
    try:
        import yaml
        with open(os.path.join(case["folder"], case["deck"])) as f:
            deck = yaml.safe_load(f) or {}
        d = str((deck.get("output") or {}).get("directory", "out"))
    except ImportError:
        pass
    except Exception as e:  # the run itself will report a bad deck; fall back to out/
        print(f"warning: {case['name']}: cannot read {case['deck']}: {e}", file=sys.stderr)
    return os.path.normpath(os.path.join(case["folder"], d))


def run_status(case, require_run):
    """None when the run is fine (or not tracked), else a reason string."""
    rc_file = os.path.join(case["folder"], "out", "run.rc")
    log = rel(os.path.join(case["folder"], "out", "run.log"))
    if not os.path.exists(rc_file):
        return "not run (no out/run.rc)" if require_run else None
    with open(rc_file) as f:
        text = f.read().strip()
    if text != "0":
        what = {"124": "timed out", "127": "command not found"}.get(text, f"exit status {text}")
        return f"run failed: {what}, see {log}"
    return None


def evaluate(case, require_run):
    """Return the rows (case, quantity, computed, reference, relerr, tol, ok, note)."""
    import numpy as np
    rows = []

    def label(ch):
        if ch["kind"] == "probe":
            return f"{ch['probe']}: {ch['q']}"
        if ch["kind"] == "node":
            return "node (" + ", ".join(f"{v:g}" for v in ch["x"]) + f"): {ch['q']}"
        return f"linear_field {ch['text']}"

    def fail_all(reason):
        for ch in case["checks"]:
            rows.append((label(ch), None, ch.get("ref"), None, ch["tol"], False, reason))
        return rows

    bad = run_status(case, require_run)
    if bad:
        return fail_all(bad)
    h5path = os.path.join(output_dir(case), "twin.h5")
    if not os.path.exists(h5path):
        return fail_all(f"no results: {rel(h5path)} is missing")
    try:
        import h5py
        f = h5py.File(h5path, "r")
    except Exception as e:
        return fail_all(f"cannot open {rel(h5path)}: {e}")

    def ds(name):
        if name not in f:
            raise CaseError(f"{name} missing in twin.h5")
        return np.asarray(f[name][()])

    with f:
        for ch in case["checks"]:
            try:
                if ch["kind"] == "probe":
                    names = [n.decode() if isinstance(n, bytes) else str(n) for n in ds("/probes/names")]
                    if ch["probe"] not in names:
                        raise CaseError(f"probe '{ch['probe']}' not in twin.h5 (have {', '.join(names)})")
                    i = names.index(ch["probe"])
                    if ch["q"].lstrip("-") == "temperature":
                        val = quantity(ch["q"], ds("/probes/coordinates")[i], ds("/probes/temperature")[i],
                                       None, None)
                    else:
                        val = quantity(ch["q"], ds("/probes/coordinates")[i], ds("/probes/displacement")[i],
                                       ds("/probes/stress")[i], ds("/probes/von_mises")[i])
                    rows.append(finish(label(ch), val, ch["ref"], ch["tol"]))
                elif ch["kind"] == "node":
                    X = ds("/mesh/coordinates")
                    d = np.linalg.norm(X - np.asarray(ch["x"]), axis=1)
                    i = int(np.argmin(d))
                    size = float(np.linalg.norm(X.max(0) - X.min(0)))
                    if d[i] > 1e-8 * size:
                        raise CaseError(f"no mesh vertex at the point (nearest is {d[i]:.3g} away)")
                    if ch["q"].lstrip("-") == "temperature":
                        val = quantity(ch["q"], X[i], ds("/fields/temperature")[i], None, None)
                    else:
                        val = quantity(ch["q"], X[i], ds("/fields/displacement")[i], ds("/fields/stress")[i],
                                       ds("/fields/von_mises")[i])
                    rows.append(finish(label(ch), val, ch["ref"], ch["tol"]))
                else:
                    X, U = ds("/mesh/coordinates"), ds("/fields/displacement")
                    if X.shape[0] != U.shape[0]:
                        raise CaseError(f"{X.shape[0]} vertices but {U.shape[0]} displacements")
                    env = {"x": X[:, 0], "y": X[:, 1], "z": X[:, 2], "__builtins__": {}}
                    err, umax, worst = 0.0, 0.0, 0
                    for k, code in ch["exprs"].items():
                        ue = np.broadcast_to(np.asarray(eval(code, env), dtype=float), X[:, 0].shape)
                        if not np.all(np.isfinite(U[:, k])):
                            raise CaseError("non-finite displacement")
                        d = np.abs(U[:, k] - ue)
                        if float(d.max()) > err:
                            err, worst = float(d.max()), int(np.argmax(d))
                        umax = max(umax, float(np.max(np.abs(ue))))
                    relerr = err / umax if umax > 0 else err
                    rows.append((f"{label(ch)} ({X.shape[0]} vertices)", err, umax, relerr, ch["tol"],
                                 relerr <= ch["tol"], "computed = max |u_h - u| (worst: vertex %d at %s), reference = max |u|"
                                 % (worst, np.array2string(X[worst], precision=4, separator=", "))))
            except CaseError as e:
                rows.append((label(ch), None, ch.get("ref"), None, ch["tol"], False, str(e)))
            except Exception as e:  # malformed file: report, do not crash the table
                rows.append((label(ch), None, ch.get("ref"), None, ch["tol"], False,
                             f"{type(e).__name__}: {e}"))
    return rows


def finish(lab, val, ref, tol):
    if not math.isfinite(val):
        return (lab, val, ref, None, tol, False, "non-finite value (probe not located?)")
    relerr = abs(val - ref) / abs(ref) if ref != 0 else abs(val)
    return (lab, val, ref, relerr, tol, relerr <= tol,
            "outside tolerance" + (" (reference 0: absolute error)" if ref == 0 else ""))


# ------------------------------------------------------------------------------- table
def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main(argv):
    require_run = "--require-run" in argv
    args = [a for a in argv if a != "--require-run"]
    if args and args[0] == "--outdir":
        print(output_dir(parse_case(args[1])))
        return 0
    folders = args or sorted(os.path.join(HERE, d) for d in os.listdir(HERE)
                             if os.path.exists(os.path.join(HERE, d, "case.txt")))
    table, sources, notes = [], [], []
    for folder in folders:
        name = os.path.basename(os.path.normpath(folder))
        try:
            case = parse_case(folder)
        except (OSError, CaseError, SyntaxError) as e:
            table.append((name, "case.txt", None, None, None, None, False, "-", str(e)))
            continue
        src = "; ".join(case["sources"]) or "(no source given)"
        if src not in sources:
            sources.append(src)
        sid = f"[{sources.index(src) + 1}]"
        for lab, val, ref, err, tol, ok, note in evaluate(case, require_run):
            table.append((name, lab, val, ref, err, tol, ok, sid, note))
    head = ("case", "quantity", "computed", "reference", "rel. error", "tolerance", "result", "src")
    body = [(c, q, fmt(v, ".6g"), fmt(r, ".6g"), fmt(e, ".2e"), fmt(t, ".1e"),
             "PASS" if ok else "FAIL", s) for c, q, v, r, e, t, ok, s, _ in table]
    w = [max(len(str(x[i])) for x in [head] + body) for i in range(len(head))]
    line = lambda x: " | ".join(str(v).ljust(w[i]) if i < 2 else str(v).rjust(w[i])
                                for i, v in enumerate(x)).rstrip()
    print(line(head))
    print("-+-".join("-" * n for n in w))
    for row, full in zip(body, table):
        print(line(row))
    for c in dict.fromkeys(r[0] for r in table):  # failure reasons, once per case and reason
        fails = [r for r in table if r[0] == c and not r[6]]
        for reason in dict.fromkeys(r[8] for r in fails):
            which = [r[1] for r in fails if r[8] == reason]
            n_all = sum(1 for r in table if r[0] == c)
            what = f"all {n_all} checks" if len(which) == n_all and n_all > 1 else ", ".join(which)
            notes.append(f"{c}: {what}: {reason}")
    npass = sum(1 for r in table if r[6])
    print(f"\n{npass} of {len(table)} checks passed, {len(table) - npass} failed")
    if notes:
        print("\nFailures:")
        for n in notes:
            print(f"  {n}")
    print("\nSources:")
    for i, s in enumerate(sources, 1):
        print(f"  [{i}] {s}")
    return 0 if npass == len(table) and table else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
