/* meshcreate.c: from the deck's mesh section to a distributed TwinMesh with natural numbers.
 *
 * Natural numbering: the serial mesh (on rank 0) numbers vertices and cells in input order.
 * Before distribution every serial point carries its number within its stratum; the
 * migration SF of DMPlexDistribute carries it to the local points, so every rank knows the
 * input number of each of its vertices and cells. Outputs are written by these numbers and do
 * not depend on the number of ranks or on the partitioner.
 *
 * A box on more than one rank is not made serially: every rank generates its own brick
 * (TwinMeshCreateBoxParallel in meshbox.c), which knows the natural numbers of its points from
 * their grid indices; nothing is distributed (see UseParallelBox for when the serial path is
 * kept). */
#include <twinfe/mesh.h>
#include <stdlib.h>

static const char *StandardLabels[] = {"depth", "celltype", "Cell Sets", "Face Sets", "Vertex Sets",
                                       "Edge Sets", "marker", "ghost", "vtk", NULL};

static PetscBool IsStandardLabel(const char *name)
{
  for (PetscInt i = 0; StandardLabels[i]; i++)
    if (!strcmp(name, StandardLabels[i])) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* Natural number of every point of the serial mesh (vertex and cell numbers, -1 elsewhere). */
static PetscErrorCode SerialNaturalNumbers(DM dm, PetscInt **nat)
{
  PetscInt pStart, pEnd, vStart, vEnd, cStart, cEnd;

  PetscFunctionBegin;
  PetscCall(DMPlexGetChart(dm, &pStart, &pEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vStart, &vEnd));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cStart, &cEnd));
  PetscCall(PetscMalloc1(pEnd - pStart, nat));
  for (PetscInt p = pStart; p < pEnd; p++) {
    PetscInt n = -1;
    if (p >= vStart && p < vEnd) n = p - vStart;
    else if (p >= cStart && p < cEnd) n = p - cStart;
    (*nat)[p - pStart] = n;
  }
  PetscFunctionReturn(0);
}

/* Sort the non-standard labels into boundaries (faces) and regions (cells). */
static PetscErrorCode ClassifyLabels(TwinMesh mesh)
{
  DM       dm = mesh->dm;
  PetscInt nl, cStart = mesh->cStart, cEnd = mesh->cEnd;
  MPI_Comm comm = PetscObjectComm((PetscObject)dm);

  PetscFunctionBegin;
  PetscCall(DMGetNumLabels(dm, &nl));
  PetscCall(PetscCalloc2(nl, &mesh->boundaries, nl, &mesh->regions));
  for (PetscInt l = 0; l < nl; l++) {
    const char *name;
    DMLabel     label;
    IS          valueIS;
    PetscInt    nvals, flags[2] = {0, 0}; /* has cells, has lower-dimensional points */
    PetscCall(DMGetLabelName(dm, l, &name));
    if (IsStandardLabel(name)) continue;
    PetscCall(DMGetLabel(dm, name, &label));
    PetscCall(DMLabelGetValueIS(label, &valueIS));
    PetscCall(ISGetLocalSize(valueIS, &nvals));
    if (nvals) {
      const PetscInt *vals;
      PetscCall(ISGetIndices(valueIS, &vals));
      for (PetscInt i = 0; i < nvals; i++) {
        IS              pointIS;
        PetscInt        np;
        const PetscInt *pts;
        PetscCall(DMLabelGetStratumIS(label, vals[i], &pointIS));
        if (!pointIS) continue;
        PetscCall(ISGetLocalSize(pointIS, &np));
        PetscCall(ISGetIndices(pointIS, &pts));
        for (PetscInt k = 0; k < np; k++) {
          if (pts[k] >= cStart && pts[k] < cEnd) flags[0] = 1;
          else flags[1] = 1;
        }
        PetscCall(ISRestoreIndices(pointIS, &pts));
        PetscCall(ISDestroy(&pointIS));
      }
      PetscCall(ISRestoreIndices(valueIS, &vals));
    }
    PetscCall(ISDestroy(&valueIS));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPIU_INT, MPI_MAX, comm));
    if (flags[0]) PetscCall(PetscStrallocpy(name, &mesh->regions[mesh->nregions++]));
    else if (flags[1]) PetscCall(PetscStrallocpy(name, &mesh->boundaries[mesh->nboundaries++]));
  }
  PetscFunctionReturn(0);
}

/* A deterministic partition of the serial mesh (on rank 0): cells sorted along a Morton
 * (Z-order) space-filling curve of their centroids, cut into `size` contiguous chunks of equal
 * size. Unlike PT-Scotch (threaded, not always reproducible here), the same mesh and rank count
 * always give the same distribution: checkpoints resume bit for bit and every ensemble group
 * holds the same rows. Chunks of a space-filling curve are compact, so the partition quality
 * is close to a graph partitioner's at moderate rank counts. */
static uint64_t Spread3(uint64_t v) /* 21 bits -> every third bit */
{
  v &= 0x1fffff;
  v = (v | v << 32) & 0x1f00000000ffffULL;
  v = (v | v << 16) & 0x1f0000ff0000ffULL;
  v = (v | v << 8) & 0x100f00f00f00f00fULL;
  v = (v | v << 4) & 0x10c30c30c30c30c3ULL;
  v = (v | v << 2) & 0x1249249249249249ULL;
  return v;
}

typedef struct {
  uint64_t key;
  PetscInt cell;
} SFCItem;

static int SFCCompare(const void *a, const void *b)
{
  const SFCItem *x = (const SFCItem *)a, *y = (const SFCItem *)b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->cell < y->cell ? -1 : (x->cell > y->cell);
}

static PetscErrorCode SFCPartition(DM dm, PetscMPIInt size, PetscInt **cellRank)
{
  PetscInt           cS, cE, vS, vE, dim, ncell;
  PetscReal          lo[3] = {PETSC_MAX_REAL, PETSC_MAX_REAL, PETSC_MAX_REAL}, hi[3] = {-PETSC_MAX_REAL, -PETSC_MAX_REAL, -PETSC_MAX_REAL};
  PetscReal         *cen;
  SFCItem           *items;
  Vec                cv;
  PetscSection       cs;
  const PetscScalar *x;

  PetscFunctionBegin;
  PetscCall(DMGetCoordinateDim(dm, &dim));
  PetscCall(DMPlexGetHeightStratum(dm, 0, &cS, &cE));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vS, &vE));
  ncell = cE - cS;
  PetscCall(PetscMalloc2(3 * ncell + 1, &cen, ncell + 1, &items));
  PetscCall(PetscMalloc1(ncell + 1, cellRank));
  PetscCall(DMGetCoordinatesLocal(dm, &cv));
  PetscCall(DMGetCoordinateSection(dm, &cs));
  PetscCall(VecGetArrayRead(cv, &x));
  for (PetscInt c = cS; c < cE; c++) {
    PetscInt *cl = NULL, ncl, nv = 0;
    PetscReal *m = &cen[3 * (c - cS)];
    m[0] = m[1] = m[2] = 0;
    PetscCall(DMPlexGetTransitiveClosure(dm, c, PETSC_TRUE, &ncl, &cl));
    for (PetscInt i = 0; i < ncl; i++) {
      PetscInt off, q = cl[2 * i];
      if (q < vS || q >= vE) continue;
      PetscCall(PetscSectionGetOffset(cs, q, &off));
      for (PetscInt d = 0; d < dim; d++) m[d] += PetscRealPart(x[off + d]);
      nv++;
    }
    PetscCall(DMPlexRestoreTransitiveClosure(dm, c, PETSC_TRUE, &ncl, &cl));
    for (PetscInt d = 0; d < dim; d++) {
      m[d] /= nv;
      lo[d] = PetscMin(lo[d], m[d]);
      hi[d] = PetscMax(hi[d], m[d]);
    }
  }
  PetscCall(VecRestoreArrayRead(cv, &x));
  for (PetscInt c = 0; c < ncell; c++) {
    uint64_t key = 0;
    for (PetscInt d = 0; d < dim; d++) {
      double   f = hi[d] > lo[d] ? (cen[3 * c + d] - lo[d]) / (hi[d] - lo[d]) : 0.0;
      uint64_t q = (uint64_t)(f * 2097151.0);
      key |= Spread3(q) << d;
    }
    items[c].key  = key;
    items[c].cell = c;
  }
  qsort(items, (size_t)ncell, sizeof(SFCItem), SFCCompare);
  for (PetscInt k = 0; k < ncell; k++) (*cellRank)[items[k].cell] = (PetscInt)(((PetscInt64)k * size) / ncell);
  PetscCall(PetscFree2(cen, items));
  PetscFunctionReturn(0);
}

/* -twin_partition sfc (default: deterministic, see SFCPartition) | petsc (PetscPartitioner,
   PT-Scotch by default, with its -petscpartitioner_* options); read on more than one rank. */
static PetscErrorCode GetPartitionMethod(MPI_Comm comm, char method[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(method, "sfc", len));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-twin_partition", method, len, NULL));
  PetscCheck(!strcmp(method, "sfc") || !strcmp(method, "petsc"), comm, PETSC_ERR_USER, "-twin_partition must be sfc or petsc, not '%s'", method);
  PetscFunctionReturn(0);
}

/* Whether the deck's box is generated in parallel (TwinMeshCreateBoxParallel, process grid
 * procs): yes on more than one rank, except
 *  - -twin_box_parallel 0 (the serial path, for comparison and bisecting),
 *  - -twin_partition petsc (the PetscPartitioner needs the serial mesh),
 *  - no process grid gives every rank a cell (e.g. 7 ranks for 6 x 4 x 3 cells),
 *  - a given partition (cellRank, on rank 0) that is not the bricks' (a checkpoint of a run
 *    made with -twin_box_parallel 0 or on the serial path); a checkpoint of a parallel run
 *    holds exactly the bricks, so its restart makes the same mesh the same way and resumes bit
 *    for bit.
 * Otherwise the box is made on rank 0 and distributed like a Gmsh mesh. Collective. */
static PetscErrorCode UseParallelBox(MPI_Comm comm, TwinDeck deck, const char method[], const PetscInt cellRank[], PetscInt procs[], PetscBool *use)
{
  const TwinDeckMesh *mesh = &deck->mesh;
  PetscMPIInt         size, rank;
  PetscBool           opt = PETSC_TRUE, found;
  PetscInt            given = cellRank ? 1 : 0;

  PetscFunctionBegin;
  *use = PETSC_FALSE;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!mesh->is_box || size == 1) PetscFunctionReturn(0);
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-twin_box_parallel", &opt, NULL));
  if (!opt || !strcmp(method, "petsc")) PetscFunctionReturn(0);
  PetscCall(TwinMeshBoxProcessGrid(size, mesh->dim, mesh->cells, procs, &found));
  if (!found) {
    PetscCall(PetscInfo(NULL, "box: no process grid of %d ranks with a cell on each; made on rank 0 and distributed\n", size));
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &given, 1, MPIU_INT, MPI_MAX, comm));
  if (given) {
    PetscInt same = cellRank ? 1 : 0;
    if (rank == 0 && cellRank) {
      PetscInt ncell = TwinMeshBoxCellCount(mesh->dim, mesh->cell, mesh->cells);
      for (PetscInt c = 0; c < ncell && same; c++) {
        PetscMPIInt r;
        PetscCall(TwinMeshBoxCellRank(mesh->dim, mesh->cell, mesh->cells, procs, c, &r));
        if (cellRank[c] != r) same = 0;
      }
    }
    PetscCallMPI(MPI_Bcast(&same, 1, MPIU_INT, 0, comm));
    if (!same) {
      PetscCall(PetscInfo(NULL, "box: the given partition is not the process grid's bricks; made on rank 0 and distributed\n"));
      PetscFunctionReturn(0);
    }
  }
  PetscCall(PetscInfo(NULL, "box: generated in parallel on a %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT " process grid\n", procs[0], procs[1], procs[2]));
  *use = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  TwinMeshCreate - Build, distribute and number the mesh of a deck.

  Collective

  Input Parameters:
+ comm - communicator over which the mesh is distributed
- deck - the validated deck

  Output Parameter:
. mesh - the mesh; destroy with TwinMeshDestroy()
@*/
PetscErrorCode TwinMeshCreate(MPI_Comm comm, TwinDeck deck, TwinMesh *mesh)
{
  PetscFunctionBegin;
  PetscCall(TwinMeshCreateWithPartition(comm, deck, NULL, mesh));
  PetscFunctionReturn(0);
}

/*@C
  TwinMeshCreateWithPartition - TwinMeshCreate() with a prescribed partition (natural cell to
  rank, on rank 0), so that a distribution is reproduced exactly. Collective.

  Options Database Keys:
+ -twin_partition <sfc,petsc> - how a mesh made on rank 0 is partitioned (default sfc)
- -twin_box_parallel <bool>   - generate a box in parallel, one brick per rank (default true);
                                0 makes it on rank 0 and distributes it, as a Gmsh mesh
@*/
PetscErrorCode TwinMeshCreateWithPartition(MPI_Comm comm, TwinDeck deck, const PetscInt cellRank[], TwinMesh *mesh)
{
  TwinMesh     m;
  DM           dm, pdm = NULL;
  PetscSF      sfMig = NULL;
  PetscInt    *serialNat = NULL, *localNat = NULL, pStart, pEnd, dim, cdim, procs[3];
  PetscMPIInt  size;
  PetscBool    parallelBox = PETSC_FALSE;
  char         method[16] = "sfc";
  DMPolytopeType ct;

  PetscFunctionBegin;
  PetscCall(TwinInitializePackage());
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size > 1) PetscCall(GetPartitionMethod(comm, method, sizeof(method)));
  PetscCall(UseParallelBox(comm, deck, method, cellRank, procs, &parallelBox));
  PetscCall(PetscNew(&m));
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.MeshCreate, 0, 0, 0, 0));
  if (parallelBox) {
    PetscCall(TwinMeshCreateBoxParallel(comm, deck->mesh.dim, deck->mesh.cell, deck->mesh.cells, deck->mesh.lower, deck->mesh.upper, procs, &dm, &localNat));
    PetscCall(PetscStrncpy(m->source, "box", sizeof(m->source)));
  } else if (deck->mesh.is_box) {
    PetscCall(TwinMeshCreateBox(comm, deck->mesh.dim, deck->mesh.cell, deck->mesh.cells, deck->mesh.lower, deck->mesh.upper, &dm));
    PetscCall(PetscStrncpy(m->source, "box", sizeof(m->source)));
  } else {
    PetscCall(TwinMeshCreateGmsh(comm, deck->mesh.file, deck->mesh.scale, &dm));
    PetscCall(PetscStrncpy(m->source, deck->mesh.file, sizeof(m->source)));
  }
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.MeshCreate, 0, 0, 0, 0));
  PetscCall(DMGetDimension(dm, &dim));
  PetscCall(DMGetCoordinateDim(dm, &cdim));
  PetscCheck(cdim == dim, comm, PETSC_ERR_SUP,
             "%s: mesh of dimension %" PetscInt_FMT " has %" PetscInt_FMT " coordinates per vertex; twinfe needs them equal (for a planar Gmsh mesh use -dm_plex_gmsh_spacedim 2)",
             m->source, dim, cdim);
  {
    PetscInt nc[2] = {0, 0}, cS, cE;
    PetscCall(DMPlexGetHeightStratum(dm, 0, &cS, &cE));
    nc[0] = cE - cS;
    PetscCall(DMPlexGetDepthStratum(dm, 0, &cS, &cE));
    nc[1] = cE - cS;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, nc, 2, MPIU_INT, MPI_SUM, comm));
    m->ncglobal = nc[0];
    m->nvglobal = nc[1];
    /* the bricks share their interface vertices: count the grid's */
    if (parallelBox) m->nvglobal = (deck->mesh.cells[0] + 1) * (deck->mesh.cells[1] + 1) * (dim == 3 ? deck->mesh.cells[2] + 1 : 1);
    PetscCheck(m->ncglobal > 0, comm, PETSC_ERR_FILE_UNEXPECTED, "%s: the mesh has no cells", m->source);
  }

  if (!parallelBox) PetscCall(SerialNaturalNumbers(dm, &serialNat));
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.MeshDistribute, 0, 0, 0, 0));
  if (size > 1 && !parallelBox) { /* a parallel box is distributed already: nothing to do */
    PetscPartitioner part;
    PetscCall(DMPlexGetPartitioner(dm, &part));
    PetscCall(PetscPartitionerSetFromOptions(part));
    PetscInt  given = cellRank ? 1 : 0;
    PetscInt *sfc   = NULL;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &given, 1, MPIU_INT, MPI_MAX, comm));
    if (!given && !strcmp(method, "sfc")) {
      PetscInt cS, cE;
      PetscCall(DMPlexGetHeightStratum(dm, 0, &cS, &cE));
      if (cE > cS) PetscCall(SFCPartition(dm, size, &sfc));
      cellRank = sfc;
      given    = 1;
    }
    if (given) { /* the serial mesh is on rank 0 (the others have no cells): its cells in natural
                    order, grouped by rank; every rank uses the shell partitioner */
      PetscInt *sizes, *points, cS, cE, ncell;
      PetscCall(DMPlexGetHeightStratum(dm, 0, &cS, &cE));
      ncell = cE - cS;
      PetscCall(PetscCalloc2(size, &sizes, ncell + 1, &points));
      PetscCheck(!ncell || cellRank, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "partition: the rank holding the serial mesh has no partition");
      for (PetscInt c = 0; c < ncell; c++) {
        PetscCheck(cellRank[c] >= 0 && cellRank[c] < size, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "partition: cell %" PetscInt_FMT " on rank %" PetscInt_FMT ", not in 0..%d", c, cellRank[c], size - 1);
        sizes[cellRank[c]]++;
      }
      {
        PetscInt *off;
        PetscCall(PetscCalloc1(size + 1, &off));
        for (PetscInt r = 0; r < size; r++) off[r + 1] = off[r] + sizes[r];
        for (PetscInt c = 0; c < ncell; c++) points[off[cellRank[c]]++] = cS + c;
        PetscCall(PetscFree(off));
      }
      PetscCall(PetscPartitionerSetType(part, PETSCPARTITIONERSHELL));
      PetscCall(PetscPartitionerShellSetPartition(part, size, sizes, points));
      PetscCall(PetscFree2(sizes, points));
    }
    PetscCall(PetscFree(sfc));
    PetscCall(DMPlexDistribute(dm, 0, &sfMig, &pdm));
  }
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.MeshDistribute, 0, 0, 0, 0));
  if (pdm) {
    PetscCall(DMPlexGetChart(pdm, &pStart, &pEnd));
    PetscCall(PetscMalloc1(pEnd - pStart, &localNat));
    for (PetscInt p = 0; p < pEnd - pStart; p++) localNat[p] = -1;
    PetscCall(PetscSFBcastBegin(sfMig, MPIU_INT, serialNat, localNat, MPI_REPLACE));
    PetscCall(PetscSFBcastEnd(sfMig, MPIU_INT, serialNat, localNat, MPI_REPLACE));
    PetscCall(PetscFree(serialNat));
    PetscCall(PetscSFDestroy(&sfMig));
    PetscCall(DMDestroy(&dm));
    dm = pdm;
  } else {
    if (!parallelBox) localNat = serialNat;
    PetscCall(DMPlexGetChart(dm, &pStart, &pEnd));
  }
  PetscCall(PetscObjectSetOptionsPrefix((PetscObject)dm, "twin_"));
  m->dm  = dm;
  m->dim = dim;
  PetscCall(DMPlexGetHeightStratum(dm, 0, &m->cStart, &m->cEnd));
  PetscCall(DMPlexGetDepthStratum(dm, 0, &m->vStart, &m->vEnd));
  { /* one supported cell type everywhere; decided collectively so every rank reports it */
    PetscInt flags[3] = {0, 0, -1}; /* simplex seen, tensor seen, unsupported type */
    for (PetscInt c = m->cStart; c < m->cEnd; c++) {
      PetscCall(DMPlexGetCellType(dm, c, &ct));
      if (ct == DM_POLYTOPE_TRIANGLE || ct == DM_POLYTOPE_TETRAHEDRON) flags[0] = 1;
      else if (ct == DM_POLYTOPE_QUADRILATERAL || ct == DM_POLYTOPE_HEXAHEDRON) flags[1] = 1;
      else flags[2] = PetscMax(flags[2], (PetscInt)ct);
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, flags, 3, MPIU_INT, MPI_MAX, comm));
    PetscCheck(flags[2] < 0, comm, PETSC_ERR_USER, "%s: cell type %s is not supported (triangles, quadrilaterals, tetrahedra or hexahedra)", m->source, DMPolytopeTypes[flags[2]]);
    PetscCheck(!(flags[0] && flags[1]), comm, PETSC_ERR_USER, "%s: the mesh mixes simplices and tensor cells; twinfe needs one cell type (regenerate it with or without Recombine)", m->source);
    m->simplex = flags[0] ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscCall(PetscMalloc2(m->vEnd - m->vStart, &m->vnatural, m->cEnd - m->cStart, &m->cnatural));
  for (PetscInt v = m->vStart; v < m->vEnd; v++) m->vnatural[v - m->vStart] = localNat[v - pStart];
  for (PetscInt c = m->cStart; c < m->cEnd; c++) m->cnatural[c - m->cStart] = localNat[c - pStart];
  PetscCall(PetscFree(localNat));
  {
    PetscSF         sf;
    PetscInt        nleaves;
    const PetscInt *leaves;
    m->pStart = pStart;
    m->pEnd   = pEnd;
    PetscCall(PetscBTCreate(pEnd - pStart, &m->ghost));
    PetscCall(DMGetPointSF(dm, &sf));
    PetscCall(PetscSFGetGraph(sf, NULL, &nleaves, &leaves, NULL));
    for (PetscInt i = 0; i < nleaves; i++) PetscCall(PetscBTSet(m->ghost, (leaves ? leaves[i] : i) - pStart));
  }
  PetscCall(ClassifyLabels(m));
  *mesh = m;
  PetscFunctionReturn(0);
}

/*@C
  TwinMeshHasBoundary - Whether a boundary of that name exists. Not collective.
@*/
PetscErrorCode TwinMeshHasBoundary(TwinMesh mesh, const char name[], PetscBool *has)
{
  PetscFunctionBegin;
  *has = PETSC_FALSE;
  for (PetscInt i = 0; i < mesh->nboundaries; i++)
    if (!strcmp(mesh->boundaries[i], name)) *has = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  TwinMeshDestroy - Destroy a mesh and set the handle to NULL. Collective.
@*/
PetscErrorCode TwinMeshDestroy(TwinMesh *mesh)
{
  PetscFunctionBegin;
  if (!*mesh) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < (*mesh)->nboundaries; i++) PetscCall(PetscFree((*mesh)->boundaries[i]));
  for (PetscInt i = 0; i < (*mesh)->nregions; i++) PetscCall(PetscFree((*mesh)->regions[i]));
  PetscCall(PetscFree2((*mesh)->boundaries, (*mesh)->regions));
  PetscCall(PetscFree2((*mesh)->vnatural, (*mesh)->cnatural));
  PetscCall(PetscBTDestroy(&(*mesh)->ghost));
  PetscCall(DMDestroy(&(*mesh)->dm));
  PetscCall(PetscFree(*mesh));
  PetscFunctionReturn(0);
}

/*@C
  TwinMeshGetPartition - The rank of every natural cell, gathered on rank 0. Collective.
@*/
PetscErrorCode TwinMeshGetPartition(TwinMesh mesh, PetscInt **cellRank)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)mesh->dm);
  PetscMPIInt rank, size, nloc = (PetscMPIInt)(mesh->cEnd - mesh->cStart);
  PetscMPIInt *counts = NULL, *displs = NULL;
  PetscInt    *nat = NULL;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  *cellRank = NULL;
  if (!rank) PetscCall(PetscMalloc3(size, &counts, size + 1, &displs, mesh->ncglobal + 1, &nat));
  PetscCallMPI(MPI_Gather(&nloc, 1, MPI_INT, counts, 1, MPI_INT, 0, comm));
  if (!rank) {
    displs[0] = 0;
    for (PetscMPIInt r = 0; r < size; r++) displs[r + 1] = displs[r] + counts[r];
  }
  PetscCallMPI(MPI_Gatherv(mesh->cnatural, nloc, MPIU_INT, nat, counts, displs, MPIU_INT, 0, comm));
  if (!rank) {
    PetscCall(PetscMalloc1(mesh->ncglobal + 1, cellRank));
    for (PetscMPIInt r = 0; r < size; r++)
      for (PetscMPIInt i = displs[r]; i < displs[r + 1]; i++) (*cellRank)[nat[i]] = r;
    PetscCall(PetscFree3(counts, displs, nat));
  }
  PetscFunctionReturn(0);
}
