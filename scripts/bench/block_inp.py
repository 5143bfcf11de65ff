#!/usr/bin/python3
"""The CalculiX twin of a twinfe box deck, and the tip deflections of both (make bench, block.sh).

usage: block_inp.py inp DECK.yaml OUT.inp
       block_inp.py tip DECK.yaml TWIN.h5 CCX.dat

inp: writes the same mesh as the deck's `mesh.box` (hex, order 1) as CalculiX C3D8 elements
(full 2x2x2 integration, the element of twinfe's Q1 hexahedron), with the same node numbering
(node id = twinfe natural vertex number + 1; box generator order, x fastest), the deck's one
material (E, nu), every node of xmin clamped (*BOUNDARY 1-3) and the deck's uniform xmax
traction as consistent nodal forces (*CLOAD): each xmax node gets traction x cell-face area x
wy x wz, w = 1/2 on the first and last node line of a direction and 1 inside (corner 1/4,
edge 1/2, interior 1: the consistent load of a constant traction on bilinear faces). One
*STATIC step with the default solver (SPOOLES in Debian's ccx 2.20); the xmax nodes' U are
printed to the .dat (*NODE PRINT, NSET=NTIP), and the whole U and S fields written to the
.frd (*NODE FILE / *EL FILE), as twinfe writes displacement and stress to twin.h5.

tip: prints, tab-separated, "twinfe_center ccx_center reldiff_center twinfe_mean ccx_mean
reldiff_mean maxdiff_rel nodes": the load-direction displacement at the centre node of the xmax
face and its mean over the xmax nodes, from twin.h5 (/fields/displacement, natural numbering)
and from the ccx .dat, their relative differences, and the largest nodal difference of the
xmax face relative to the largest deflection there.

Only the deck shapes block.sh uses are accepted (a box of hexahedra, order 1, one material,
xmin displacement [0,0,0], an xmax traction); anything else is an error, never a silent guess.
"""
import sys

import numpy as np
import yaml


def die(msg):
    sys.exit(f"block_inp.py: {msg}")


def read_deck(path):
    with open(path) as f:
        d = yaml.safe_load(f)
    m = d.get("mesh", {})
    box = m.get("box")
    if not box or box.get("cell") != "hex" or int(m.get("order", 1)) != 1:
        die(f"{path}: needs mesh.box with cell: hex and order 1")
    lo = np.array(box["lower"], float)
    hi = np.array(box["upper"], float)
    n = [int(c) for c in box["cells"]]
    if len(lo) != 3 or len(n) != 3:
        die(f"{path}: needs a 3D box")
    mats = d.get("materials", {})
    if len(mats) != 1:
        die(f"{path}: needs exactly one material")
    mat = next(iter(mats.values()))
    E, nu = float(mat["E"]), float(mat["nu"])
    clamp = trac = None
    for b in d.get("mechanics", {}).get("boundaries", []):
        on = b.get("on", b.get(True))  # PyYAML (YAML 1.1) reads the key `on` as True
        on = on if isinstance(on, str) else None
        if on == "xmin" and b["type"] == "displacement" and [float(v) for v in b["value"]] == [0, 0, 0]:
            clamp = True
        elif on == "xmax" and b["type"] == "traction":
            trac = np.array(b["value"], float)
        else:
            die(f"{path}: boundary {b} not supported (xmin clamp and xmax traction only)")
    if not clamp or trac is None:
        die(f"{path}: needs an xmin displacement [0,0,0] and an xmax traction")
    return lo, hi, n, E, nu, trac


def node_id(n, i, j, k):
    """1-based CalculiX node id of vertex (i, j, k): twinfe's natural number + 1 (x fastest)."""
    return 1 + i + (n[0] + 1) * (j + (n[1] + 1) * k)


def xmax_nodes(n):
    j, k = np.meshgrid(np.arange(n[1] + 1), np.arange(n[2] + 1), indexing="ij")
    return j.ravel(), k.ravel(), node_id(n, n[0], j.ravel(), k.ravel())


def write_inp(deck, out):
    lo, hi, n, E, nu, trac = read_deck(deck)
    nx, ny, nz = n
    h = (hi - lo) / n
    with open(out, "w") as f:
        f.write(f"** written by scripts/bench/block_inp.py from {deck}\n")
        f.write(f"** {nx} x {ny} x {nz} C3D8, node id = twinfe natural vertex number + 1\n")
        f.write("*NODE, NSET=NALL\n")
        k, j, i = np.meshgrid(np.arange(nz + 1), np.arange(ny + 1), np.arange(nx + 1), indexing="ij")
        ids = node_id(n, i, j, k).ravel()
        xyz = np.stack([lo[0] + i * h[0], lo[1] + j * h[1], lo[2] + k * h[2]], -1).reshape(-1, 3)
        # exact end coordinates (no round-off at upper)
        for d, idx in enumerate((i, j, k)):
            xyz[(idx.ravel() == n[d]), d] = hi[d]
        order = np.argsort(ids)
        np.savetxt(f, np.column_stack([ids[order], xyz[order]]), fmt="%d, %.17g, %.17g, %.17g")
        # C3D8 (Abaqus numbering): the face zeta = -1 counter-clockwise seen from +z, then zeta = +1
        f.write("*ELEMENT, TYPE=C3D8, ELSET=EALL\n")
        k, j, i = np.meshgrid(np.arange(nz), np.arange(ny), np.arange(nx), indexing="ij")
        i, j, k = i.ravel(), j.ravel(), k.ravel()
        conn = [node_id(n, i + di, j + dj, k + dk) for dk in (0, 1) for di, dj in ((0, 0), (1, 0), (1, 1), (0, 1))]
        eid = 1 + i + nx * (j + ny * k)
        np.savetxt(f, np.column_stack([eid] + conn), fmt="%d", delimiter=", ")
        f.write("*NSET, NSET=NFIX\n")
        jj, kk = np.meshgrid(np.arange(ny + 1), np.arange(nz + 1), indexing="ij")
        fix = np.sort(node_id(n, 0, jj.ravel(), kk.ravel()))
        _write_ids(f, fix)
        jt, kt, tip = xmax_nodes(n)
        f.write("*NSET, NSET=NTIP\n")
        _write_ids(f, np.sort(tip))
        f.write("*MATERIAL, NAME=STEEL\n*ELASTIC\n")
        f.write(f"{E:.17g}, {nu:.17g}\n")
        f.write("*SOLID SECTION, ELSET=EALL, MATERIAL=STEEL\n")
        f.write("*BOUNDARY\nNFIX, 1, 3, 0.\n")
        f.write("*STEP\n*STATIC\n")
        wy = np.where((jt == 0) | (jt == ny), 0.5, 1.0)
        wz = np.where((kt == 0) | (kt == nz), 0.5, 1.0)
        area = h[1] * h[2]
        f.write("*CLOAD\n")
        for dof in range(3):
            if trac[dof] == 0:
                continue
            force = trac[dof] * area * wy * wz
            np.savetxt(f, np.column_stack([tip, np.full(tip.size, dof + 1), force]), fmt="%d, %d, %.17g")
        f.write("*NODE PRINT, NSET=NTIP\nU\n")
        f.write("*NODE FILE\nU\n*EL FILE\nS\n")
        f.write("*END STEP\n")


def _write_ids(f, ids):
    for s in range(0, len(ids), 16):
        f.write(", ".join(str(v) for v in ids[s : s + 16]) + "\n")


def read_dat(path):
    """{node: (ux, uy, uz)} of the last displacement block of a ccx .dat file."""
    u = {}
    with open(path) as f:
        inblock = False
        for line in f:
            s = line.split()
            if "displacements" in line:
                u, inblock = {}, True
                continue
            if not inblock or not s:
                continue
            try:
                u[int(s[0])] = tuple(float(v) for v in s[1:4])
            except ValueError:
                inblock = False
    if not u:
        die(f"{path}: no displacements")
    return u


def tip(deck, h5, dat):
    import h5py

    _, _, n, _, _, trac = read_deck(deck)
    dof = int(np.argmax(np.abs(trac)))
    jt, kt, ids = xmax_nodes(n)
    with h5py.File(h5, "r") as f:
        disp = f["/fields/displacement"][...]
    tw = disp[ids - 1, dof]
    uc = read_dat(dat)
    missing = [i for i in ids if i not in uc]
    if missing:
        die(f"{dat}: {len(missing)} xmax nodes missing (first {missing[0]})")
    cx = np.array([uc[i][dof] for i in ids])
    c = int(np.flatnonzero((jt == n[1] // 2) & (kt == n[2] // 2))[0])
    rel = lambda a, b: abs(a - b) / max(abs(b), 1e-300)
    maxrel = float(np.max(np.abs(tw - cx)) / max(np.max(np.abs(cx)), 1e-300))
    print(
        "\t".join(
            [
                f"{tw[c]:.9e}",
                f"{cx[c]:.9e}",
                f"{rel(tw[c], cx[c]):.2e}",
                f"{tw.mean():.9e}",
                f"{cx.mean():.9e}",
                f"{rel(tw.mean(), cx.mean()):.2e}",
                f"{maxrel:.2e}",
                str(len(ids)),
            ]
        )
    )


def main():
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "inp":
        write_inp(a[1], a[2])
    elif len(a) == 4 and a[0] == "tip":
        tip(a[1], a[2], a[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
