/* meshbox.c: the built-in generator of rectangles and boxes. Tensor cells come from
 * DMPlexCreateBoxMesh; simplices are made here by splitting every square into two triangles
 * and every cube into six tetrahedra around its main diagonal (a conforming Kuhn split), so
 * no external mesh generator is needed. Boundaries xmin..zmax are labelled geometrically. */
#include <twinfe/mesh.h>

static const char *BoxFaceNames[6] = {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax"};

static PetscErrorCode CreateSimplexBox(MPI_Comm comm, PetscInt dim, const PetscInt n[],
                                       const PetscReal lo[], const PetscReal hi[], DM *dm)
{
  PetscMPIInt rank;
  PetscInt    nv = 0, nc = 0, nvc = dim + 1, *cells = NULL;
  PetscReal  *coords = NULL;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    PetscInt nx = n[0] + 1, ny = n[1] + 1, nz = dim == 3 ? n[2] + 1 : 1, k = 0;
    nv = nx * ny * nz;
    nc = dim == 2 ? 2 * n[0] * n[1] : 6 * n[0] * n[1] * n[2];
    PetscCall(PetscMalloc2(nv * dim, &coords, nc * nvc, &cells));
    for (PetscInt kz = 0; kz < nz; kz++)
      for (PetscInt j = 0; j < ny; j++)
        for (PetscInt i = 0; i < nx; i++, k++) {
          coords[k * dim + 0] = lo[0] + (hi[0] - lo[0]) * i / n[0];
          coords[k * dim + 1] = lo[1] + (hi[1] - lo[1]) * j / n[1];
          if (dim == 3) coords[k * dim + 2] = lo[2] + (hi[2] - lo[2]) * kz / n[2];
        }
#define VID(i, j, kk) ((i) + nx * ((j) + ny * (kk)))
    k = 0;
    if (dim == 2) {
      for (PetscInt j = 0; j < n[1]; j++)
        for (PetscInt i = 0; i < n[0]; i++) { /* counterclockwise triangles */
          PetscInt a = VID(i, j, 0), b = VID(i + 1, j, 0), c = VID(i + 1, j + 1, 0), d = VID(i, j + 1, 0);
          cells[k++] = a; cells[k++] = b; cells[k++] = c;
          cells[k++] = a; cells[k++] = c; cells[k++] = d;
        }
    } else {
      /* Kuhn split: each tet is the path 0 -> e_p0 -> e_p0+e_p1 -> (1,1,1) for a permutation p */
      static const PetscInt perm[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
      for (PetscInt kz = 0; kz < n[2]; kz++)
        for (PetscInt j = 0; j < n[1]; j++)
          for (PetscInt i = 0; i < n[0]; i++)
            for (PetscInt t = 0; t < 6; t++) {
              PetscInt off[3] = {0, 0, 0}, v[4];
              v[0] = VID(i, j, kz);
              for (PetscInt s = 0; s < 3; s++) {
                off[perm[t][s]] = 1;
                v[s + 1] = VID(i + off[0], j + off[1], kz + off[2]);
              }
              { /* DMPlex wants the face (0,1,2) to point away from vertex 3: negative volume */
                PetscReal e[3][3], det;
                for (PetscInt s = 0; s < 3; s++)
                  for (PetscInt d = 0; d < 3; d++) e[s][d] = coords[v[s + 1] * 3 + d] - coords[v[0] * 3 + d];
                det = e[0][0] * (e[1][1] * e[2][2] - e[1][2] * e[2][1]) - e[0][1] * (e[1][0] * e[2][2] - e[1][2] * e[2][0]) +
                      e[0][2] * (e[1][0] * e[2][1] - e[1][1] * e[2][0]);
                if (det > 0) { PetscInt tmp = v[1]; v[1] = v[2]; v[2] = tmp; }
              }
              for (PetscInt s = 0; s < 4; s++) cells[k++] = v[s];
            }
    }
#undef VID
  }
  PetscCall(DMPlexCreateFromCellListPetsc(comm, dim, nc, nv, nvc, PETSC_TRUE, cells, dim, coords, dm));
  PetscCall(PetscFree2(coords, cells));
  PetscFunctionReturn(0);
}

/* Label the boundary faces lying on each side of the box. */
static PetscErrorCode LabelBoxFaces(DM dm, PetscInt dim, const PetscReal lo[], const PetscReal hi[])
{
  PetscInt     fStart, fEnd, vStart, vEnd;
  Vec          coords;
  PetscSection cs;
  const PetscScalar *x;
  DMLabel      labels[6];

  PetscFunctionBegin;
  for (PetscInt s = 0; s < 2 * dim; s++) {
    PetscCall(DMCreateLabel(dm, BoxFaceNames[s]));
    PetscCall(DMGetLabel(dm, BoxFaceNames[s], &labels[s]));
  }
  PetscCall(DMPlexGetHeightStratum(dm, 1, &fStart, &fEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(DMGetCoordinatesLocal(dm, &coords));
  PetscCall(DMGetCoordinateSection(dm, &cs));
  PetscCall(VecGetArrayRead(coords, &x));
  for (PetscInt f = fStart; f < fEnd; f++) {
    PetscInt  support, *closure = NULL, nclosure, nv = 0;
    PetscReal c[3] = {0, 0, 0};
    PetscCall(DMPlexGetSupportSize(dm, f, &support));
    if (support != 1) continue;
    PetscCall(DMPlexGetTransitiveClosure(dm, f, PETSC_TRUE, &nclosure, &closure));
    for (PetscInt i = 0; i < nclosure; i++) {
      PetscInt p = closure[2 * i], off;
      if (p < vStart || p >= vEnd) continue;
      PetscCall(PetscSectionGetOffset(cs, p, &off));
      for (PetscInt d = 0; d < dim; d++) c[d] += PetscRealPart(x[off + d]);
      nv++;
    }
    PetscCall(DMPlexRestoreTransitiveClosure(dm, f, PETSC_TRUE, &nclosure, &closure));
    for (PetscInt d = 0; d < dim; d++) {
      PetscReal tol = 1e-10 * (hi[d] - lo[d]);
      c[d] /= nv;
      if (PetscAbsReal(c[d] - lo[d]) < tol) PetscCall(DMLabelSetValue(labels[2 * d], f, 1));
      if (PetscAbsReal(c[d] - hi[d]) < tol) PetscCall(DMLabelSetValue(labels[2 * d + 1], f, 1));
    }
  }
  PetscCall(VecRestoreArrayRead(coords, &x));
  PetscFunctionReturn(0);
}

/*@C
  TwinMeshCreateBox - Create a rectangle (dim 2) or box (dim 3) mesh on rank 0 of comm.

  Collective

  Input Parameters:
+ comm  - communicator (the mesh is created on its rank 0, empty elsewhere)
. dim   - 2 or 3
. cell  - TWIN_CELL_TRI, TWIN_CELL_QUAD (dim 2), TWIN_CELL_TET or TWIN_CELL_HEX (dim 3)
. cells - cells per direction
- lower, upper - the box corners

  Output Parameter:
. dm - an interpolated DMPlex with face labels xmin, xmax, ymin, ymax (, zmin, zmax)
@*/
PetscErrorCode TwinMeshCreateBox(MPI_Comm comm, PetscInt dim, TwinCellKind cell, const PetscInt cells[],
                                 const PetscReal lower[], const PetscReal upper[], DM *dm)
{
  PetscBool simplex = (cell == TWIN_CELL_TRI || cell == TWIN_CELL_TET) ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBegin;
  PetscCheck(dim == 2 || dim == 3, comm, PETSC_ERR_ARG_OUTOFRANGE, "box meshes are 2D or 3D, not %" PetscInt_FMT "D", dim);
  if (simplex) PetscCall(CreateSimplexBox(comm, dim, cells, lower, upper, dm));
  else PetscCall(DMPlexCreateBoxMesh(comm, dim, PETSC_FALSE, cells, lower, upper, NULL, PETSC_TRUE, dm));
  PetscCall(LabelBoxFaces(*dm, dim, lower, upper));
  PetscCall(PetscObjectSetName((PetscObject)*dm, "box"));
  PetscFunctionReturn(0);
}
