#!/bin/bash
# Regenerate every .msh in mesh/ from its .geo source with the Debian gmsh (4.8), then check them.
# ASCII format 2.2, first-order (straight-sided) elements; twinfe builds order-2 nodes itself.
set -euo pipefail
cd "$(dirname "$0")"
G="gmsh -format msh22 -v 2"
$G -2 -setnumber nt 61 -setnumber nr 41 le1.geo -o le1.msh            # fine: 60 x 40 quads
$G -2 -setnumber nt 13 -setnumber nr 7  le1.geo -o le1_coarse.msh     # coarse: 12 x 6 quads
$G -2 -setnumber quads 1 cylinder.geo -o cylinder_quad.msh            # 40 x 20 quads
$G -2 -setnumber quads 0 cylinder.geo -o cylinder_tri.msh             # unstructured triangles
$G -2 -setnumber quads 0 patch_square.geo -o patch_tri.msh
$G -2 -setnumber quads 1 -setnumber lc 0.2 patch_square.geo -o patch_quad.msh
$G -3 patch_cube.geo -o patch_tet.msh
./check_msh.py le1.msh le1_coarse.msh cylinder_quad.msh cylinder_tri.msh \
  patch_tri.msh patch_quad.msh patch_tet.msh
