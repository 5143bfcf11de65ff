#!/bin/bash
# Regenerate the meshes of the thermal and thermo-mechanical validation cases from their .geo
# sources with the Debian gmsh (4.8), then check them (same conventions as generate.sh: ASCII
# format 2.2, first-order straight-sided elements, twinfe builds order-2 nodes itself).
# Physical groups carry explicit tags that no elementary entity of the same dimension uses
# (see the note in hotspot.geo: PETSc 3.18's format-2.2 reader also labels by elementary tag).
set -euo pipefail
cd "$(dirname "$0")"
G="gmsh -format msh22 -v 2"
$G -2 hotspot.geo -o hotspot.msh       # NAFEMS T1 variant: circular hot spot, triangles
./check_msh.py hotspot.msh
$G -3 le11.geo -o le11.msh             # NAFEMS LE11: revolved hexahedra
./check_msh.py le11.msh
