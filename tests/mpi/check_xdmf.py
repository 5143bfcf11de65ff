#!/usr/bin/python3
"""check_xdmf.py: is twin.xmf a correct description of twin.h5?

ParaView reads our results through the XDMF sidecar. Debian's VTK has no XDMF reader, so this
checks what the reader relies on: every HDF5 DataItem names an existing dataset of exactly the
declared dimensions and number type; every HyperSlab selects inside its dataset; topology and
geometry counts agree with the grid; attribute lengths match their centering; cell connectivity
refers to existing vertices; and every cell is positively oriented in VTK's convention (what
ParaView's volume and normal computations assume).

usage: check_xdmf.py OUTDIR [OUTDIR...]        exit status 1 on any problem
"""
import sys, os
import xml.etree.ElementTree as ET
import numpy as np
import h5py

NPC = {"Triangle": 3, "Quadrilateral": 4, "Tetrahedron": 4, "Hexahedron": 8}


def dims(item):
    return tuple(int(x) for x in item.get("Dimensions").split())


def hdf(item, base, h5):
    fname, path = item.text.strip().split(":", 1)
    if fname != "twin.h5" or not os.path.exists(os.path.join(base, fname)):
        raise ValueError(f"DataItem points at {fname}, not the twin.h5 beside it")
    if path not in h5:
        raise ValueError(f"dataset {path} named by the XDMF is missing")
    ds = h5[path]
    if tuple(ds.shape) != dims(item):
        raise ValueError(f"{path}: XDMF says {dims(item)}, file has {ds.shape}")
    want = item.get("NumberType", "Float")
    kind = "f" if want == "Float" else "i"
    if ds.dtype.kind != kind or ds.dtype.itemsize != int(item.get("Precision", "4")):
        raise ValueError(f"{path}: XDMF says {want}{item.get('Precision')}, file has {ds.dtype}")
    return ds[()]


def value(item, base, h5):
    if item.get("ItemType") == "HyperSlab":
        sel, src = list(item)
        start, stride, count = np.array(sel.text.split(), dtype=int).reshape(3, -1)
        data = hdf(src, base, h5)
        last = start + stride * (count - 1)
        if np.any(last >= np.array(data.shape)) or np.any(start < 0):
            raise ValueError(f"hyperslab {sel.text.strip()} outside {data.shape}")
        out = data[tuple(slice(s, l + 1, st) for s, l, st in zip(start, last, stride))]
        if tuple(out.shape) != dims(item):
            raise ValueError(f"hyperslab gives {out.shape}, XDMF says {dims(item)}")
        return out
    return hdf(item, base, h5)


def check_grid(grid, base, h5):
    problems = []
    topo = grid.find("Topology")
    ttype, ncell = topo.get("TopologyType"), int(topo.get("NumberOfElements"))
    conn = value(topo.find("DataItem"), base, h5)
    xyz = value(grid.find("Geometry/DataItem"), base, h5)
    nv = xyz.shape[0]
    if conn.shape != (ncell, NPC[ttype]):
        problems.append(f"topology {conn.shape} for {ncell} {ttype} cells")
    if conn.min() < 0 or conn.max() >= nv:
        problems.append(f"connectivity refers to vertices outside 0..{nv - 1}")
    p = xyz[conn]
    if ttype in ("Triangle", "Quadrilateral"):
        a, b = p[:, 1] - p[:, 0], p[:, -1] - p[:, 0]
        vol = a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]
    elif ttype == "Tetrahedron":
        vol = np.einsum("ij,ij->i", np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), p[:, 3] - p[:, 0])
    else:
        vol = np.einsum("ij,ij->i", np.cross(p[:, 1] - p[:, 0], p[:, 3] - p[:, 0]), p[:, 4] - p[:, 0])
    if np.any(vol <= 0):
        problems.append(f"{np.sum(vol <= 0)} of {ncell} cells are not positively oriented")
    nattr = 0
    for attr in grid.findall("Attribute"):
        nattr += 1
        v = value(attr.find("DataItem"), base, h5)
        n = nv if attr.get("Center") == "Node" else ncell
        if v.shape[0] != n:
            problems.append(f"attribute {attr.get('Name')}: {v.shape[0]} values for {n} {attr.get('Center')}s")
        if not np.all(np.isfinite(v)):
            problems.append(f"attribute {attr.get('Name')}: non-finite values")
    return problems, ttype, ncell, nattr


def check(outdir):
    """Every uniform grid (one per output time in a temporal collection) must be consistent."""
    tree = ET.parse(os.path.join(outdir, "twin.xmf"))
    with h5py.File(os.path.join(outdir, "twin.h5"), "r") as h5:
        grids = [g for g in tree.getroot().iter("Grid") if g.get("GridType", "Uniform") == "Uniform"]
        if not grids:
            return ["no uniform grid in the XDMF"], "?", 0, 0
        times = [float(g.find("Time").get("Value")) for g in grids if g.find("Time") is not None]
        problems = []
        if times and any(b < a for a, b in zip(times, times[1:])):
            problems.append("output times are not increasing")
        for g in grids:
            pr, ttype, ncell, nattr = check_grid(g, outdir, h5)
            problems += [f"{g.get('Name')}: {x}" for x in pr]
    return problems, ttype, ncell, nattr


status = 0
for d in sys.argv[1:]:
    try:
        problems, ttype, ncell, nattr = check(d)
    except (ValueError, KeyError, OSError, ET.ParseError) as e:
        problems, ttype, ncell, nattr = [str(e)], "?", 0, 0
    if problems:
        status = 1
        for p in problems:
            print(f"FAIL {d}/twin.xmf: {p}")
    else:
        print(f"ok   {d}/twin.xmf: {ncell} {ttype} cells, {nattr} attributes consistent with twin.h5, all cells positively oriented")
sys.exit(status)
