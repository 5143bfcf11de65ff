/* meshbox.c: the built-in generator of rectangles and boxes, serial or parallel.
 *
 * Serial (TwinMeshCreateBox, on rank 0): tensor cells come from DMPlexCreateBoxMesh;
 * simplices are made here by splitting every square into two triangles and every cube into six
 * tetrahedra around its main diagonal (a conforming Kuhn split), so no external mesh generator
 * is needed.
 *
 * Parallel (TwinMeshCreateBoxParallel): the cell grid is cut into a process grid of bricks
 * (TwinMeshBoxProcessGrid) and every rank generates only its brick, with the same vertex
 * coordinates (bit for bit), the same cells in the same natural order and the same vertex order
 * within each cell as the serial generator, through DMPlexCreateFromCellListParallelPetsc.
 *
 * Both label the boundaries xmin..zmax geometrically. */
#include <twinfe/mesh.h>

static const char *BoxFaceNames[6] = {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax"};

/* Coordinate of grid line i of n between lo and hi, computed exactly as each serial generator
 * does (DMPlexCreateBoxMesh: lo + (hi - lo) / n * i; CreateSimplexBox: lo + (hi - lo) * i / n),
 * so that both paths give bit-identical coordinates. */
static inline PetscReal BoxCoord(PetscBool simplex, PetscReal lo, PetscReal hi, PetscInt n, PetscInt i)
{
  return simplex ? lo + (hi - lo) * i / n : lo + ((hi - lo) / n) * i;
}

/* Cells per grid cell and vertices per cell of each kind. */
static PetscInt BoxSubCells(TwinCellKind kind)
{
  return kind == TWIN_CELL_TRI ? 2 : (kind == TWIN_CELL_TET ? 6 : 1);
}

PetscInt TwinMeshBoxCellCount(PetscInt dim, TwinCellKind cell, const PetscInt cells[])
{
  return BoxSubCells(cell) * cells[0] * cells[1] * (dim == 3 ? cells[2] : 1);
}

static PetscInt BoxCorners(TwinCellKind kind)
{
  return kind == TWIN_CELL_TRI ? 3 : (kind == TWIN_CELL_HEX ? 8 : 4);
}

/* The grid indices corner[s][0..2] of the vertices of cell t (0 <= t < BoxSubCells) of grid cell
 * ijk, in the order DMPlex is given them (the z index is 0 in 2D):
 *  - quadrilateral: counterclockwise from (i, j), as DMPlexCreateBoxMesh;
 *  - hexahedron: the closure order of DMPlexCreateBoxMesh's cells: the bottom face (0,0,0),
 *    (0,1,0), (1,1,0), (1,0,0), then the top face (0,0,1), (1,0,1), (1,1,1), (0,1,1);
 *  - triangles: (0,0) (1,0) (1,1) and (0,0) (1,1) (0,1), counterclockwise;
 *  - tetrahedra (Kuhn split): tet t is the path 0 -> e_p0 -> e_p0+e_p1 -> (1,1,1) for the
 *    permutation p = perm[t], with vertices 1 and 2 swapped when the volume is positive (DMPlex
 *    wants the face (0,1,2) to point away from vertex 3), the sign taken from the coordinates. */
static void BoxCellCorners(TwinCellKind kind, PetscInt t, const PetscInt ijk[3], const PetscInt n[], const PetscReal lo[],
                           const PetscReal hi[], PetscInt corner[][3])
{
  static const PetscInt quad[4][3] = {{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}};
  static const PetscInt hex[8][3]  = {{0, 0, 0}, {0, 1, 0}, {1, 1, 0}, {1, 0, 0}, {0, 0, 1}, {1, 0, 1}, {1, 1, 1}, {0, 1, 1}};
  static const PetscInt tri[2][3][3] = {{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}}, {{0, 0, 0}, {1, 1, 0}, {0, 1, 0}}};
  static const PetscInt perm[6][3]   = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  const PetscInt        nc           = BoxCorners(kind);

  for (PetscInt s = 0; s < nc; s++) {
    const PetscInt *o = kind == TWIN_CELL_QUAD ? quad[s] : (kind == TWIN_CELL_HEX ? hex[s] : (kind == TWIN_CELL_TRI ? tri[t][s] : NULL));
    if (o)
      for (PetscInt d = 0; d < 3; d++) corner[s][d] = ijk[d] + o[d];
  }
  if (kind == TWIN_CELL_TET) {
    PetscInt  off[3] = {0, 0, 0};
    PetscReal x[4][3], e[3][3], det;
    for (PetscInt d = 0; d < 3; d++) corner[0][d] = ijk[d];
    for (PetscInt s = 0; s < 3; s++) {
      off[perm[t][s]] = 1;
      for (PetscInt d = 0; d < 3; d++) corner[s + 1][d] = ijk[d] + off[d];
    }
    for (PetscInt s = 0; s < 4; s++)
      for (PetscInt d = 0; d < 3; d++) x[s][d] = BoxCoord(PETSC_TRUE, lo[d], hi[d], n[d], corner[s][d]);
    for (PetscInt s = 0; s < 3; s++)
      for (PetscInt d = 0; d < 3; d++) e[s][d] = x[s + 1][d] - x[0][d];
    det = e[0][0] * (e[1][1] * e[2][2] - e[1][2] * e[2][1]) - e[0][1] * (e[1][0] * e[2][2] - e[1][2] * e[2][0]) +
          e[0][2] * (e[1][0] * e[2][1] - e[1][1] * e[2][0]);
    if (det > 0)
      for (PetscInt d = 0; d < 3; d++) {
        PetscInt tmp = corner[1][d];
        corner[1][d] = corner[2][d];
        corner[2][d] = tmp;
      }
  }
}

static PetscErrorCode CreateSimplexBox(MPI_Comm comm, PetscInt dim, TwinCellKind kind, const PetscInt n[], const PetscReal lo[],
                                       const PetscReal hi[], DM *dm)
{
  PetscMPIInt rank;
  PetscInt    nv = 0, nc = 0, nvc = BoxCorners(kind), nsub = BoxSubCells(kind), *cells = NULL;
  PetscReal  *coords = NULL;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    PetscInt nx = n[0] + 1, ny = n[1] + 1, nz = dim == 3 ? n[2] + 1 : 1, k = 0;
    nv = nx * ny * nz;
    nc = nsub * n[0] * n[1] * (dim == 3 ? n[2] : 1);
    PetscCall(PetscMalloc2(nv * dim, &coords, nc * nvc, &cells));
    for (PetscInt kz = 0; kz < nz; kz++)
      for (PetscInt j = 0; j < ny; j++)
        for (PetscInt i = 0; i < nx; i++, k++) {
          coords[k * dim + 0] = BoxCoord(PETSC_TRUE, lo[0], hi[0], n[0], i);
          coords[k * dim + 1] = BoxCoord(PETSC_TRUE, lo[1], hi[1], n[1], j);
          if (dim == 3) coords[k * dim + 2] = BoxCoord(PETSC_TRUE, lo[2], hi[2], n[2], kz);
        }
    k = 0;
    for (PetscInt kz = 0; kz < (dim == 3 ? n[2] : 1); kz++)
      for (PetscInt j = 0; j < n[1]; j++)
        for (PetscInt i = 0; i < n[0]; i++)
          for (PetscInt t = 0; t < nsub; t++) {
            PetscInt ijk[3] = {i, j, kz}, corner[8][3];
            BoxCellCorners(kind, t, ijk, n, lo, hi, corner);
            for (PetscInt s = 0; s < nvc; s++) cells[k++] = corner[s][0] + nx * (corner[s][1] + ny * corner[s][2]);
          }
  }
  PetscCall(DMPlexCreateFromCellListPetsc(comm, dim, nc, nv, nvc, PETSC_TRUE, cells, dim, coords, dm));
  PetscCall(PetscFree2(coords, cells));
  PetscFunctionReturn(0);
}

/* Label the boundary faces lying on each side of the box: faces with one cell whose centroid
 * lies on a side (tolerance 1e-10 of the box size). On a brick of a parallel box the faces
 * between bricks have one local cell too, but they lie inside the box, so they get no label. */
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
  if (simplex) PetscCall(CreateSimplexBox(comm, dim, cell, cells, lower, upper, dm));
  else PetscCall(DMPlexCreateBoxMesh(comm, dim, PETSC_FALSE, cells, lower, upper, NULL, PETSC_TRUE, dm));
  PetscCall(LabelBoxFaces(*dm, dim, lower, upper));
  PetscCall(PetscObjectSetName((PetscObject)*dm, "box"));
  PetscFunctionReturn(0);
}

/* ---- parallel generation ----------------------------------------------------------------------
 * A direction of n cells is cut into p parts as DMDA does: part q holds the cells
 * [PartStart(q), PartStart(q + 1)), the first n % p parts one cell more than the others. Part q
 * owns the vertices [PartStart(q), PartStart(q + 1)), and the last part also vertex n. A rank
 * (q0, q1, q2), rank = q0 + p0 (q1 + p1 q2), owns the tensor product of its vertex ranges,
 * numbered x fastest after the vertices of the ranks before it: this rank-contiguous numbering
 * is the one DMPlexCreateFromCellListParallelPetsc needs. In 2D the z direction has n = 0 cells,
 * p = 1 part and the single vertex 0. */
static inline PetscInt PartStart(PetscInt n, PetscInt p, PetscInt q)
{
  return q * (n / p) + PetscMin(q, n % p);
}

static inline PetscInt PartOfCell(PetscInt n, PetscInt p, PetscInt i)
{
  PetscInt b = n / p, r = n % p;
  return i < r * (b + 1) ? i / (b + 1) : r + (i - r * (b + 1)) / b;
}

static inline PetscInt PartOfVertex(PetscInt n, PetscInt p, PetscInt v)
{
  return v >= n ? p - 1 : PartOfCell(n, p, v);
}

static inline PetscInt PartVertices(PetscInt n, PetscInt p, PetscInt q)
{
  return PartStart(n, p, q + 1) - PartStart(n, p, q) + (q == p - 1 ? 1 : 0);
}

typedef struct {
  PetscInt  n[3], p[3]; /* cells and parts per direction (z: 0 and 1 in 2D) */
  PetscInt *offset;     /* offset[q]: the first parallel vertex number of rank q; offset[size] = total */
} BoxLayout;

/* Parallel number of grid vertex v[0..2] */
static PetscInt BoxVertexNumber(const BoxLayout *b, const PetscInt v[3])
{
  PetscInt q[3], l[3], c[3];
  for (PetscInt d = 0; d < 3; d++) {
    q[d] = PartOfVertex(b->n[d], b->p[d], v[d]);
    l[d] = v[d] - PartStart(b->n[d], b->p[d], q[d]);
    c[d] = PartVertices(b->n[d], b->p[d], q[d]);
  }
  return b->offset[q[0] + b->p[0] * (q[1] + b->p[1] * q[2])] + l[0] + c[0] * (l[1] + c[1] * l[2]);
}

/*@C
  TwinMeshBoxProcessGrid - The process grid of a box generated in parallel: procs[0] x procs[1]
  (x procs[2]) = size bricks of cells, the factorization of size with the smallest interface
  (number of cell faces between bricks), like DMDA; slabs along the longest direction when
  that is smallest. Ties go to more parts along z, then y (slabs of consecutive natural cells).

  Not collective

  Input Parameters:
+ size  - the number of ranks
. dim   - 2 or 3
- cells - cells per direction

  Output Parameters:
+ procs - parts per direction (procs[2] = 1 in 2D)
- found - PETSC_FALSE when no factorization has at most cells[d] parts in every direction (a
          rank would get no cells); procs is then 1, 1, 1

  Level: developer
@*/
PetscErrorCode TwinMeshBoxProcessGrid(PetscMPIInt size, PetscInt dim, const PetscInt cells[], PetscInt procs[], PetscBool *found)
{
  PetscInt64 best = -1;
  PetscInt64 n[3] = {cells[0], cells[1], dim == 3 ? cells[2] : 1};

  PetscFunctionBegin;
  procs[0] = procs[1] = procs[2] = 1;
  for (PetscInt pz = dim == 3 ? size : 1; pz >= 1; pz--) {
    if (size % pz || pz > n[2]) continue;
    for (PetscInt py = size / pz; py >= 1; py--) {
      PetscInt   px = size / pz / py;
      PetscInt64 cost;
      if ((size / pz) % py || py > n[1] || px > n[0]) continue;
      cost = (px - 1) * n[1] * n[2] + (py - 1) * n[0] * n[2] + (pz - 1) * n[0] * n[1];
      if (best < 0 || cost < best) {
        best     = cost;
        procs[0] = px;
        procs[1] = py;
        procs[2] = pz;
      }
    }
  }
  *found = best >= 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/*@C
  TwinMeshBoxCellRank - The rank holding natural cell c of a box generated in parallel on the
  process grid procs (TwinMeshBoxProcessGrid()).

  Not collective

  Input Parameters:
+ dim   - 2 or 3
. cell  - the cell kind (2 triangles per square, 6 tetrahedra per cube)
. cells - cells per direction
. procs - parts per direction
- c     - natural cell number

  Output Parameter:
. rank - its rank

  Level: developer
@*/
PetscErrorCode TwinMeshBoxCellRank(PetscInt dim, TwinCellKind cell, const PetscInt cells[], const PetscInt procs[], PetscInt c, PetscMPIInt *rank)
{
  PetscInt g = c / BoxSubCells(cell), i = g % cells[0], j = (g / cells[0]) % cells[1], k = dim == 3 ? g / (cells[0] * cells[1]) : 0;
  PetscInt q0 = PartOfCell(cells[0], procs[0], i), q1 = PartOfCell(cells[1], procs[1], j), q2 = dim == 3 ? PartOfCell(cells[2], procs[2], k) : 0;

  PetscFunctionBegin;
  *rank = (PetscMPIInt)(q0 + procs[0] * (q1 + procs[1] * q2));
  PetscFunctionReturn(0);
}

/*@C
  TwinMeshCreateBoxParallel - Create a rectangle or box mesh directly distributed: every rank
  generates only its brick of cells (process grid procs, see TwinMeshBoxProcessGrid()) with
  DMPlexCreateFromCellListParallelPetsc(), interpolated, without DMPlexDistribute(). Vertex
  coordinates, the natural numbers of vertices and cells and the vertex order of every cell are
  those of TwinMeshCreateBox().

  Collective

  Input Parameters:
+ comm  - communicator; its size must be procs[0] procs[1] procs[2]
. dim   - 2 or 3
. cell  - TWIN_CELL_TRI, TWIN_CELL_QUAD (dim 2), TWIN_CELL_TET or TWIN_CELL_HEX (dim 3)
. cells - cells per direction
. lower, upper - the box corners
- procs - parts per direction, at most cells[d] each (procs[2] = 1 in 2D)

  Output Parameters:
+ dm      - an interpolated, distributed DMPlex with face labels xmin, xmax, ymin, ymax (, zmin, zmax)
- natural - natural[p - pStart] for every point of the local chart: the natural number of a
            vertex (i + (nx + 1) (j + (ny + 1) k)) or of a cell (in TwinMeshCreateBox() order),
            -1 for edges and faces; free with PetscFree()

  Level: developer
@*/
PetscErrorCode TwinMeshCreateBoxParallel(MPI_Comm comm, PetscInt dim, TwinCellKind cell, const PetscInt cells[], const PetscReal lower[],
                                         const PetscReal upper[], const PetscInt procs[], DM *dm, PetscInt **natural)
{
  PetscBool   simplex = (cell == TWIN_CELL_TRI || cell == TWIN_CELL_TET) ? PETSC_TRUE : PETSC_FALSE;
  PetscMPIInt rank, size;
  BoxLayout   b;
  PetscInt    r[3], c0[3], c1[3], nvd[3], nvo, nco, nsub = BoxSubCells(cell), nvc = BoxCorners(cell), *cl, *cnat, *ownedNat, k;
  PetscInt    pStart, pEnd, cStart, cEnd, vStart, vEnd;
  PetscReal  *xo;
  PetscSF     vsf = NULL;

  PetscFunctionBegin;
  PetscCheck(dim == 2 || dim == 3, comm, PETSC_ERR_ARG_OUTOFRANGE, "box meshes are 2D or 3D, not %" PetscInt_FMT "D", dim);
  PetscCheck((dim == 2) == (cell == TWIN_CELL_TRI || cell == TWIN_CELL_QUAD), comm, PETSC_ERR_ARG_INCOMP, "a %" PetscInt_FMT "D box cannot have %s cells", dim,
             cell == TWIN_CELL_TRI ? "triangle" : cell == TWIN_CELL_QUAD ? "quadrilateral" : cell == TWIN_CELL_TET ? "tetrahedron" : "hexahedron");
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  for (PetscInt d = 0; d < 3; d++) {
    b.n[d] = d < dim ? cells[d] : 0;
    b.p[d] = d < dim ? procs[d] : 1;
    PetscCheck(d >= dim || (b.n[d] >= 1 && b.p[d] >= 1 && b.p[d] <= b.n[d]), comm, PETSC_ERR_ARG_OUTOFRANGE,
               "box process grid: %" PetscInt_FMT " parts of the %" PetscInt_FMT " cells in direction %" PetscInt_FMT "; each part needs at least one cell",
               b.p[d], b.n[d], d);
  }
  PetscCheck(b.p[0] * b.p[1] * b.p[2] == size, comm, PETSC_ERR_ARG_INCOMP, "box process grid %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT " does not match the %d ranks",
             b.p[0], b.p[1], b.p[2], size);
  r[0] = rank % b.p[0];
  r[1] = (rank / b.p[0]) % b.p[1];
  r[2] = rank / (b.p[0] * b.p[1]);
  for (PetscInt d = 0; d < 3; d++) {
    c0[d]  = PartStart(b.n[d], b.p[d], r[d]);
    c1[d]  = d < dim ? PartStart(b.n[d], b.p[d], r[d] + 1) : 1; /* 2D: one layer of cells at k = 0 */
    nvd[d] = PartVertices(b.n[d], b.p[d], r[d]);
  }
  /* first vertex number of every rank */
  PetscCall(PetscMalloc1(size + 1, &b.offset));
  b.offset[0] = 0;
  for (PetscMPIInt q = 0; q < size; q++) {
    PetscInt q0 = q % b.p[0], q1 = (q / b.p[0]) % b.p[1], q2 = q / (b.p[0] * b.p[1]);
    b.offset[q + 1] = b.offset[q] + PartVertices(b.n[0], b.p[0], q0) * PartVertices(b.n[1], b.p[1], q1) * PartVertices(b.n[2], b.p[2], q2);
  }
  nvo = nvd[0] * nvd[1] * nvd[2];
  nco = nsub * (c1[0] - c0[0]) * (c1[1] - c0[1]) * (c1[2] - c0[2]);
  PetscCall(PetscMalloc3(nvo * dim, &xo, nco * nvc, &cl, nco, &cnat));
  /* coordinates of the owned vertices, in their parallel order */
  k = 0;
  for (PetscInt kz = c0[2]; kz < c0[2] + nvd[2]; kz++)
    for (PetscInt j = c0[1]; j < c0[1] + nvd[1]; j++)
      for (PetscInt i = c0[0]; i < c0[0] + nvd[0]; i++, k++) {
        PetscInt ijk[3] = {i, j, kz};
        for (PetscInt d = 0; d < dim; d++) xo[k * dim + d] = BoxCoord(simplex, lower[d], upper[d], b.n[d], ijk[d]);
      }
  /* the cells of the brick in natural order, their vertices by parallel number */
  k = 0;
  for (PetscInt kz = c0[2]; kz < c1[2]; kz++)
    for (PetscInt j = c0[1]; j < c1[1]; j++)
      for (PetscInt i = c0[0]; i < c1[0]; i++)
        for (PetscInt t = 0; t < nsub; t++, k++) {
          PetscInt ijk[3] = {i, j, kz}, corner[8][3];
          BoxCellCorners(cell, t, ijk, b.n, lower, upper, corner);
          for (PetscInt s = 0; s < nvc; s++) cl[k * nvc + s] = BoxVertexNumber(&b, corner[s]);
          cnat[k] = (i + b.n[0] * (j + b.n[1] * kz)) * nsub + t;
        }
  /* verticesAdj is not asked for: with a pointer to NULL, PETSc 3.18.5 wrote to address 0 inside
     DMPlexBuildFromCellListParallel (as if *verticesAdj were a buffer the caller allocated); the
     vertex SF (owned -> local vertices) gives the same information */
  PetscCall(DMPlexCreateFromCellListParallelPetsc(comm, dim, nco, nvo, b.offset[size], nvc, PETSC_TRUE, cl, dim, xo, &vsf, NULL, dm));
  /* natural numbers: cells keep the order given; vertices get their owner's number through the
     vertex SF, as their coordinates do (DMPlexBuildCoordinatesFromCellListParallel) */
  PetscCall(DMPlexGetChart(*dm, &pStart, &pEnd));
  PetscCall(DMPlexGetHeightStratum(*dm, 0, &cStart, &cEnd));
  PetscCall(DMPlexGetDepthStratum(*dm, 0, &vStart, &vEnd));
  PetscCheck(cEnd - cStart == nco, PETSC_COMM_SELF, PETSC_ERR_PLIB, "parallel box: %" PetscInt_FMT " cells made of the %" PetscInt_FMT " given", cEnd - cStart, nco);
  {
    PetscInt lmin, lmax, *vnat;
    PetscCall(PetscSFGetLeafRange(vsf, &lmin, &lmax));
    PetscCheck(lmin >= 0 && lmax < vEnd - vStart, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "parallel box: vertex SF leaves %" PetscInt_FMT "..%" PetscInt_FMT " outside the %" PetscInt_FMT " local vertices", lmin, lmax, vEnd - vStart);
    PetscCall(PetscMalloc2(nvo, &ownedNat, vEnd - vStart, &vnat));
    k = 0;
    for (PetscInt kz = c0[2]; kz < c0[2] + nvd[2]; kz++)
      for (PetscInt j = c0[1]; j < c0[1] + nvd[1]; j++)
        for (PetscInt i = c0[0]; i < c0[0] + nvd[0]; i++, k++) ownedNat[k] = i + (b.n[0] + 1) * (j + (b.n[1] + 1) * kz);
    for (PetscInt v = 0; v < vEnd - vStart; v++) vnat[v] = -1;
    PetscCall(PetscSFBcastBegin(vsf, MPIU_INT, ownedNat, vnat, MPI_REPLACE));
    PetscCall(PetscSFBcastEnd(vsf, MPIU_INT, ownedNat, vnat, MPI_REPLACE));
    PetscCall(PetscMalloc1(pEnd - pStart, natural));
    for (PetscInt p = pStart; p < pEnd; p++) (*natural)[p - pStart] = -1;
    for (PetscInt c = cStart; c < cEnd; c++) (*natural)[c - pStart] = cnat[c - cStart];
    for (PetscInt v = vStart; v < vEnd; v++) {
      PetscCheck(vnat[v - vStart] >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "parallel box: local vertex %" PetscInt_FMT " got no natural number", v);
      (*natural)[v - pStart] = vnat[v - vStart];
    }
    PetscCall(PetscFree2(ownedNat, vnat));
  }
  PetscCall(PetscSFDestroy(&vsf));
  PetscCall(PetscFree3(xo, cl, cnat));
  PetscCall(PetscFree(b.offset));
  PetscCall(LabelBoxFaces(*dm, dim, lower, upper));
  PetscCall(PetscObjectSetName((PetscObject)*dm, "box"));
  PetscFunctionReturn(0);
}
