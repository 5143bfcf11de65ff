#!/usr/bin/python3
"""Sanity check of Gmsh ASCII meshes (format 2.2) used by twinfe.

For each file prints: node count, cells by type, physical groups (name, dim, element count),
area/volume, orphan nodes (not used by any cell), inverted cells, and the boundary facets of
the cell mesh that are in no physical boundary group. Exit status 1 on a problem:
orphan nodes, inverted or degenerate cells, mixed cell types, cells outside a physical group,
boundary facets not covered by a physical group, or physical facets that are not on the boundary.

usage: check_msh.py FILE.msh [...]
"""
import sys
from collections import Counter, defaultdict

import numpy as np

# gmsh type -> (name, dim, number of nodes)
TYPES = {1: ("line", 1, 2), 2: ("tri", 2, 3), 3: ("quad", 2, 4), 4: ("tet", 3, 4),
         5: ("hex", 3, 8), 15: ("point", 0, 1)}
# facets (local vertex lists) of each cell type
FACETS = {2: [(0, 1), (1, 2), (2, 0)], 3: [(0, 1), (1, 2), (2, 3), (3, 0)],
          4: [(0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3)],
          5: [(0, 1, 2, 3), (4, 5, 6, 7), (0, 1, 5, 4), (1, 2, 6, 5), (2, 3, 7, 6), (3, 0, 4, 7)]}


def read_msh22(path):
    with open(path) as f:
        lines = f.read().split("\n")
    i = 0
    names, nodes, elems = {}, {}, []
    while i < len(lines):
        s = lines[i].strip()
        if s == "$MeshFormat":
            ver = lines[i + 1].split()[0]
            if not ver.startswith("2."):
                raise SystemExit(f"{path}: format {ver}: only 2.2 is checked")
        elif s == "$PhysicalNames":
            n = int(lines[i + 1])
            for k in range(n):
                d, tag, name = lines[i + 2 + k].split(maxsplit=2)
                names[(int(d), int(tag))] = name.strip('"')
        elif s == "$Nodes":
            n = int(lines[i + 1])
            for k in range(n):
                t = lines[i + 2 + k].split()
                nodes[int(t[0])] = tuple(float(v) for v in t[1:4])
        elif s == "$Elements":
            n = int(lines[i + 1])
            for k in range(n):
                t = [int(v) for v in lines[i + 2 + k].split()]
                etype, ntags = t[1], t[2]
                tags = t[3:3 + ntags]
                elems.append((etype, tags[0] if ntags else 0, t[3 + ntags:]))
        i += 1
    return names, nodes, elems


def check(path):
    names, nodes, elems = read_msh22(path)
    bad = []
    types = Counter(e[0] for e in elems)
    for t in types:
        if t not in TYPES:
            bad.append(f"unsupported element type {t} (higher order?)")
    dim = max(TYPES[t][1] for t in types if t in TYPES)
    cells = [e for e in elems if TYPES.get(e[0], ("", -1))[1] == dim]
    facets = [e for e in elems if TYPES.get(e[0], ("", -1))[1] == dim - 1]
    ctypes = Counter(TYPES[e[0]][0] for e in cells)
    if len(ctypes) > 1:
        bad.append(f"mixed cell types {dict(ctypes)}")
    if any(e[1] == 0 or (dim, e[1]) not in names for e in cells):
        bad.append("cells outside a named physical group")
    X = np.array([nodes[k] for k in sorted(nodes)])
    idx = {k: i for i, k in enumerate(sorted(nodes))}
    used = set(v for e in cells for v in e[2])
    orphans = len(nodes) - len(used)
    if orphans:
        bad.append(f"{orphans} orphan nodes")
    # measure and orientation
    meas, neg = 0.0, 0
    for e in cells:
        P = X[[idx[v] for v in e[2]]]
        if e[0] == 2:
            m = 0.5 * np.cross(P[1, :2] - P[0, :2], P[2, :2] - P[0, :2])
        elif e[0] == 3:
            x, y = P[:, 0], P[:, 1]
            m = 0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))
            # each corner must be convex with the same orientation
            for k in range(4):
                a, b, c = P[k - 1, :2], P[k, :2], P[(k + 1) % 4, :2]
                if np.cross(b - a, c - b) * np.sign(m) <= 0:
                    bad.append(f"non-convex quad {e[2]}")
        elif e[0] == 4:
            m = np.dot(np.cross(P[1] - P[0], P[2] - P[0]), P[3] - P[0]) / 6
        elif e[0] == 5:  # split into 6 tets about the 0-6 diagonal
            m = 0.0
            for a, b in [(1, 2), (2, 3), (3, 7), (7, 4), (4, 5), (5, 1)]:
                m += np.dot(np.cross(P[a] - P[0], P[b] - P[0]), P[6] - P[0]) / 6
        if m <= 0:
            neg += 1
        meas += abs(m)
    if neg:
        bad.append(f"{neg} cells with non-positive measure (inverted or degenerate)")
    # boundary of the cell mesh
    count = Counter()
    for e in cells:
        for f in FACETS[e[0]]:
            count[frozenset(e[2][k] for k in f)] += 1
    bnd = set(f for f, c in count.items() if c == 1)
    groups = defaultdict(list)
    covered = set()
    for e in facets:
        key = frozenset(e[2])
        groups[names.get((dim - 1, e[1]), f"#{e[1]}")].append(key)
        covered.add(key)
        if key not in bnd:
            bad.append(f"physical facet {sorted(key)} is not on the boundary")
    missing = len(bnd - covered)
    if missing:
        bad.append(f"{missing} boundary facets in no physical group")
    cellgroups = Counter(names.get((dim, e[1]), f"#{e[1]}") for e in cells)
    print(f"{path}: dim {dim}, {len(nodes)} nodes, cells {dict(ctypes)}, "
          f"{'area' if dim == 2 else 'volume'} {meas:.6g}")
    print(f"  regions: " + ", ".join(f"{k} ({v} cells)" for k, v in sorted(cellgroups.items())))
    print(f"  boundaries: " + ", ".join(f"{k} ({len(v)} facets)" for k, v in sorted(groups.items())))
    lo, hi = X[sorted(idx[v] for v in used)].min(0), X[sorted(idx[v] for v in used)].max(0)
    print(f"  bounding box: {lo.tolist()} .. {hi.tolist()}")
    for b in sorted(set(bad))[:10]:
        print(f"  PROBLEM: {b}")
    return not bad


if __name__ == "__main__":
    ok = all([check(p) for p in sys.argv[1:]])
    sys.exit(0 if ok else 1)
