/* ex56_kuhn.h (make bench, scripts/bench/asmrate.sh): included into a copy of PETSc 3.18's
 * snes/tutorials/ex56.c so that it runs on tetrahedra. 3.18's DMPlexCreateBoxMesh needs a mesh
 * generator (ctetgen/tetgen, absent from Debian's PETSc) for a 3D simplex box and has no
 * hex-to-tet transform, so -ex56_kuhn makes the box [0,1]^3 of cells[0] x cells[1] x cells[2]
 * cubes, each split into six tetrahedra around its main diagonal (the same Kuhn split as
 * twinfe's box generator, src/mesh/meshbox.c), on rank 0, interpolated; ex56 then labels,
 * scales and distributes it as its own box. The FE is made simplicial by the second patch. */
static PetscErrorCode Ex56KuhnBox(MPI_Comm comm, const PetscInt n[3], DM *dm)
{
  PetscMPIInt rank;
  PetscInt    nx = n[0] + 1, ny = n[1] + 1, nv = 0, nc = 0, *cells = NULL;
  PetscReal  *coords = NULL;
  static const PetscInt perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    PetscInt k = 0;
    nv = nx * ny * (n[2] + 1);
    nc = 6 * n[0] * n[1] * n[2];
    PetscCall(PetscMalloc2(3 * nv, &coords, 4 * nc, &cells));
    for (PetscInt z = 0; z <= n[2]; z++)
      for (PetscInt j = 0; j < ny; j++)
        for (PetscInt i = 0; i < nx; i++, k++) {
          coords[3 * k + 0] = (PetscReal)i / n[0];
          coords[3 * k + 1] = (PetscReal)j / n[1];
          coords[3 * k + 2] = (PetscReal)z / n[2];
        }
    k = 0;
    for (PetscInt z = 0; z < n[2]; z++)
      for (PetscInt j = 0; j < n[1]; j++)
        for (PetscInt i = 0; i < n[0]; i++)
          for (PetscInt t = 0; t < 6; t++) {
            PetscInt  off[3] = {0, 0, 0}, v[4];
            PetscReal e[3][3], det;
            v[0] = i + nx * (j + ny * z);
            for (PetscInt s = 0; s < 3; s++) {
              off[perm[t][s]] = 1;
              v[s + 1] = (i + off[0]) + nx * ((j + off[1]) + ny * (z + off[2]));
            }
            for (PetscInt s = 0; s < 3; s++)
              for (PetscInt d = 0; d < 3; d++) e[s][d] = coords[3 * v[s + 1] + d] - coords[3 * v[0] + d];
            det = e[0][0] * (e[1][1] * e[2][2] - e[1][2] * e[2][1]) - e[0][1] * (e[1][0] * e[2][2] - e[1][2] * e[2][0]) +
                  e[0][2] * (e[1][0] * e[2][1] - e[1][1] * e[2][0]);
            if (det > 0) { PetscInt tmp = v[1]; v[1] = v[2]; v[2] = tmp; } /* Plex orientation */
            for (PetscInt s = 0; s < 4; s++) cells[k++] = v[s];
          }
  }
  PetscCall(DMPlexCreateFromCellListPetsc(comm, 3, nc, nv, 4, PETSC_TRUE, cells, 3, coords, dm));
  if (rank == 0) PetscCall(PetscFree2(coords, cells));
  PetscFunctionReturn(0);
}
