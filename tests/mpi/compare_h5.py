#!/usr/bin/python3
"""Compare twinfe results (twin.h5) of the same deck run on different rank counts.

usage: compare_h5.py [--tol T] [--label NAME] [--names REF,OTHER,...] REF.h5 OTHER.h5 [OTHER.h5 ...]

--label prefixes every line (the deck); --names names the files in the lines (e.g. 1rk,2rk,4rk;
default: the paths).

Every OTHER file is compared with REF (the 1-rank run). Output is written in natural (input)
numbering, so it must not depend on the number of ranks:
  /mesh/coordinates, /mesh/topology, /probes/names, /probes/coordinates   identical (bit for bit)
  /fields/displacement, /fields/stress, /fields/von_mises, /fields/cell_stress,
  /fields/cell_von_mises, /probes/displacement, /probes/stress, /probes/von_mises,
  /fields/temperature, /fields/heat_flux, /fields/cell_heat_flux, /fields/cell_thermal_strain,
  /probes/temperature and /probes/history/* (those the reference has)
                                         max |other - ref| / max |ref| < T (default 1e-8)
                                         (absolute max |other - ref| when ref is all zero)
A dataset missing from REF is skipped only if it is optional (/fields/cell_*, /probes/* when
the deck has no probes); missing from OTHER while present in REF is a failure.
One line per comparison with the measured difference; exit status 1 on any failure.
"""
import sys

import h5py
import numpy as np

EXACT = ["/mesh/coordinates", "/mesh/topology", "/probes/names", "/probes/coordinates"]
FIELDS = ["/fields/displacement", "/fields/stress", "/fields/von_mises", "/fields/cell_stress",
          "/fields/cell_von_mises", "/probes/displacement", "/probes/stress", "/probes/von_mises",
          "/fields/temperature", "/fields/heat_flux", "/fields/cell_heat_flux",
          "/fields/cell_thermal_strain", "/probes/temperature", "/probes/history/time",
          "/probes/history/temperature", "/probes/history/displacement", "/probes/history/stress"]
# which fields exist depends on the physics of the deck (mechanics, thermal, transient); the
# reference run decides, and every other run must have the same ones
REQUIRED = {"/mesh/coordinates", "/mesh/topology"}


def read(f, name):
    return np.asarray(f[name][()]) if name in f else None


def main(argv):
    tol, label, files, names = 1e-8, "", [], None
    it = iter(argv)
    for a in it:
        if a == "--tol":
            tol = float(next(it))
        elif a == "--label":
            label = next(it) + ": "
        elif a == "--names":
            names = next(it).split(",")
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            files.append(a)
    if len(files) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    if names is None or len(names) != len(files):
        names = files
    ok = True
    try:
        ref = h5py.File(files[0], "r")
    except OSError as e:
        print(f"{label}FAIL cannot open {files[0]}: {e}")
        return 1
    with ref:
        for other_path, other_name in zip(files[1:], names[1:]):
            tag = f"{label}{other_name} vs {names[0]}"
            try:
                other = h5py.File(other_path, "r")
            except OSError as e:
                print(f"{tag}: FAIL cannot open {other_path}: {e}")
                ok = False
                continue
            with other:
                for name in EXACT + FIELDS:
                    a, b = read(ref, name), read(other, name)
                    if a is None:
                        if name in REQUIRED:
                            print(f"{tag}: {name:24s} FAIL missing in the reference {files[0]}")
                            ok = False
                        continue
                    if b is None:
                        print(f"{tag}: {name:24s} FAIL missing")
                        ok = False
                        continue
                    if a.shape != b.shape:
                        print(f"{tag}: {name:24s} FAIL shape {b.shape} != reference {a.shape}")
                        ok = False
                        continue
                    if name in EXACT:
                        if a.dtype.kind in "SUO":
                            nd = int(np.sum(a != b))
                            good = nd == 0
                            print(f"{tag}: {name:24s} {'identical' if good else f'{nd} differ'}"
                                  f"{'':28s}{'OK' if good else 'FAIL (must be identical)'}")
                        else:
                            d = float(np.max(np.abs(a.astype(float) - b.astype(float)))) if a.size else 0.0
                            good = bool(np.array_equal(a, b))
                            print(f"{tag}: {name:24s} max |diff| = {d:.3e}{'':17s}"
                                  f"{'OK (identical)' if good else 'FAIL (must be identical)'}")
                        ok &= good
                        continue
                    a = a.astype(float)
                    b = b.astype(float)
                    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
                        print(f"{tag}: {name:24s} FAIL non-finite values")
                        ok = False
                        continue
                    d = float(np.max(np.abs(a - b))) if a.size else 0.0
                    scale = float(np.max(np.abs(a))) if a.size else 0.0
                    r = d / scale if scale > 0 else d
                    good = r < tol
                    print(f"{tag}: {name:24s} max |diff| = {d:.3e}, rel = {r:.3e}  "
                          f"{'OK' if good else 'FAIL'} (< {tol:g}{', absolute: reference is 0' if scale == 0 else ''})")
                    ok &= good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
