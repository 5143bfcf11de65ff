/* boxmesh.c: the parallel box generator against the serial one (tests/mpi/box_parallel.sh runs
 * it on 2, 3 and 4 ranks; on 1 rank it checks the generator on one brick).
 *
 * For a hexahedron, tetrahedron, quadrilateral and triangle box with uneven cell counts and
 * bounds that are not round numbers, every rank builds the serial box (TwinMeshCreateBox on
 * PETSC_COMM_SELF) as the reference and the parallel one (TwinMeshCreateBoxParallel) on the
 * process grid of TwinMeshBoxProcessGrid, and checks
 *  - vertex coordinates bit for bit, by natural number;
 *  - every cell: its natural number, its rank (TwinMeshBoxCellRank), the natural numbers of its
 *    vertices in closure order, a positive Jacobian determinant; also whether the edges and faces
 * of the closure come in the serial order (reported, not required: DMPlexCreateBoxMesh builds its
 * own faces);
 *  - labels xmin..zmax: every labelled face is a serial face of that label and the counts
 *    summed over ranks equal the serial counts (interface faces are not labelled);
 *  - the point SF: every leaf has the same vertices as its root; every vertex and cell is
 *    owned exactly once;
 * and through TwinMeshCreate on a deck (hex and tet): boundaries, global counts, natural
 * numbers and the partition (bricks) against -twin_box_parallel 0, and that
 * TwinMeshCreateWithPartition reproduces both distributions (the bricks' by the parallel path,
 * point for point; another by the serial path). Also the process grids of a few sizes.
 * Prints one line per check; exit status 1 on any failure. */
#include <twinfe/mesh.h>
#include <twinfe/sys.h>
#include <stdio.h>
#include <string.h>

static int Failures = 0;

static PetscErrorCode Report(MPI_Comm comm, const char *what, PetscInt bad)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_SUM, comm));
  PetscCall(PetscPrintf(comm, "  %-68s %s", what, bad ? "FAIL" : "ok"));
  if (bad) PetscCall(PetscPrintf(comm, " (%" PetscInt_FMT " mismatches)", bad));
  PetscCall(PetscPrintf(comm, "\n"));
  if (bad) Failures++;
  PetscFunctionReturn(0);
}

/* A 64-bit key of a set of vertex numbers (order-independent) */
static PetscInt64 Key(PetscInt n, const PetscInt v[])
{
  PetscInt64 s = 0, q = 0;
  for (PetscInt i = 0; i < n; i++) {
    s += v[i];
    q += (PetscInt64)v[i] * v[i] + 7919 * (PetscInt64)v[i] * v[i] * v[i];
  }
  return s * 1000003 + q * 65537 + n;
}

/* The key of point p: its vertices' numbers nat[] */
static PetscErrorCode PointKey(DM dm, PetscInt p, const PetscInt nat[], PetscInt pStart,
                               PetscInt64 *key)
{
  PetscInt *cl = NULL, ncl, vS, vE, nv = 0, v[32];

  PetscFunctionBegin;
  PetscCall(DMPlexGetDepthStratum(dm, 0, &vS, &vE));
  PetscCall(DMPlexGetTransitiveClosure(dm, p, PETSC_TRUE, &ncl, &cl));
  for (PetscInt i = 0; i < ncl; i++)
    if (cl[2 * i] >= vS && cl[2 * i] < vE && nv < 32) v[nv++] = nat[cl[2 * i] - pStart];
  PetscCall(DMPlexRestoreTransitiveClosure(dm, p, PETSC_TRUE, &ncl, &cl));
  *key = Key(nv, v);
  PetscFunctionReturn(0);
}

static int CmpInt64(const void *a, const void *b)
{
  PetscInt64 x = *(const PetscInt64 *)a, y = *(const PetscInt64 *)b;
  return x < y ? -1 : x > y;
}

static PetscBool InSorted(PetscInt n, const PetscInt64 a[], PetscInt64 k)
{
  return bsearch(&k, a, (size_t)n, sizeof(PetscInt64), CmpInt64) ? PETSC_TRUE : PETSC_FALSE;
}

static const char *FaceNames[6] = {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax"};

static PetscErrorCode CheckGenerator(MPI_Comm comm, PetscInt dim, TwinCellKind kind,
                                     const PetscInt cells[], const PetscReal lo[],
                                     const PetscReal hi[])
{
  DM          sdm, pdm;
  PetscMPIInt rank, size;
  PetscInt    procs[3], *nat, *snat, pS, pE, cS, cE, vS, vE, spS, spE, scS, scE, svS, svE, nv, nc,
      cdim;
  PetscBool          found;
  Vec                cv, scv;
  const PetscScalar *x, *sx;
  PetscSection       cs, scs;
  char               what[128];
  const char        *kname = kind == TWIN_CELL_HEX    ? "hex"
                             : kind == TWIN_CELL_TET  ? "tet"
                             : kind == TWIN_CELL_QUAD ? "quad"
                                                      : "tri";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(TwinMeshBoxProcessGrid(size, dim, cells, procs, &found));
  if (!found) {
    PetscCall(PetscPrintf(comm, "%s box: no process grid for %d ranks (serial path): skipped\n",
                          kname, size));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscPrintf(
      comm,
      "%s box %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT
      ", process grid %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT ":\n",
      kname, cells[0], cells[1], dim == 3 ? cells[2] : 1, procs[0], procs[1], procs[2]));
  PetscCall(TwinMeshCreateBox(PETSC_COMM_SELF, dim, kind, cells, lo, hi, &sdm));
  PetscCall(TwinMeshCreateBoxParallel(comm, dim, kind, cells, lo, hi, procs, &pdm, &nat));
  PetscCall(DMPlexGetChart(sdm, &spS, &spE));
  PetscCall(DMPlexGetHeightStratum(sdm, 0, &scS, &scE));
  PetscCall(DMPlexGetDepthStratum(sdm, 0, &svS, &svE));
  nv = svE - svS;
  nc = scE - scS;
  PetscCall(PetscMalloc1(spE - spS, &snat));
  for (PetscInt p = spS; p < spE; p++)
    snat[p - spS] = p >= svS && p < svE ? p - svS : (p >= scS && p < scE ? p - scS : -1);
  PetscCall(DMPlexGetChart(pdm, &pS, &pE));
  PetscCall(DMPlexGetHeightStratum(pdm, 0, &cS, &cE));
  PetscCall(DMPlexGetDepthStratum(pdm, 0, &vS, &vE));
  PetscCall(DMGetCoordinateDim(pdm, &cdim));

  { /* coordinates, bit for bit */
    PetscInt bad = cdim != dim;
    PetscCall(DMGetCoordinatesLocal(pdm, &cv));
    PetscCall(DMGetCoordinateSection(pdm, &cs));
    PetscCall(DMGetCoordinatesLocal(sdm, &scv));
    PetscCall(DMGetCoordinateSection(sdm, &scs));
    PetscCall(VecGetArrayRead(cv, &x));
    PetscCall(VecGetArrayRead(scv, &sx));
    for (PetscInt v = vS; v < vE; v++) {
      PetscInt n = nat[v - pS], off, soff;
      if (n < 0 || n >= nv) {
        bad++;
        continue;
      }
      PetscCall(PetscSectionGetOffset(cs, v, &off));
      PetscCall(PetscSectionGetOffset(scs, svS + n, &soff));
      for (PetscInt d = 0; d < dim; d++)
        if (x[off + d] != sx[soff + d]) bad++;
    }
    PetscCall(VecRestoreArrayRead(cv, &x));
    PetscCall(VecRestoreArrayRead(scv, &sx));
    PetscCall(Report(comm, "vertex coordinates identical (by natural number)", bad));
  }
  { /* cells: rank, vertices in closure order, edges/faces of the closure */
    PetscInt bad[3] = {0, 0, 0};
    for (PetscInt c = cS; c < cE; c++) {
      PetscInt    n = nat[c - pS], *cl = NULL, *scl = NULL, ncl, nscl;
      PetscMPIInt r;
      if (n < 0 || n >= nc) {
        bad[0]++;
        continue;
      }
      PetscCall(TwinMeshBoxCellRank(dim, kind, cells, procs, n, &r));
      if (r != rank) bad[0]++;
      PetscCall(DMPlexGetTransitiveClosure(pdm, c, PETSC_TRUE, &ncl, &cl));
      PetscCall(DMPlexGetTransitiveClosure(sdm, scS + n, PETSC_TRUE, &nscl, &scl));
      if (ncl != nscl)
        bad[1]++;
      else {
        PetscInt a[8], b[8], na = 0, nb = 0;
        for (PetscInt i = 0; i < ncl; i++) {
          if (cl[2 * i] >= vS && cl[2 * i] < vE && na < 8) a[na++] = nat[cl[2 * i] - pS];
          if (scl[2 * i] >= svS && scl[2 * i] < svE && nb < 8) b[nb++] = scl[2 * i] - svS;
        }
        if (na != nb) bad[1]++;
        for (PetscInt i = 0; i < na && na == nb; i++)
          if (a[i] != b[i]) {
            bad[1]++;
            break;
          }
        for (PetscInt i = 0; i < ncl; i++) { /* the other closure points, by their vertex sets */
          PetscInt64 ka, kb;
          PetscCall(PointKey(pdm, cl[2 * i], nat, pS, &ka));
          PetscCall(PointKey(sdm, scl[2 * i], snat, spS, &kb));
          if (ka != kb) {
            bad[2]++;
            break;
          }
        }
      }
      PetscCall(DMPlexRestoreTransitiveClosure(pdm, c, PETSC_TRUE, &ncl, &cl));
      PetscCall(DMPlexRestoreTransitiveClosure(sdm, scS + n, PETSC_TRUE, &nscl, &scl));
    }
    PetscCall(Report(comm, "cells: natural number in range, on its brick's rank", bad[0]));
    PetscCall(
        Report(comm, "cells: vertices (natural numbers) in the serial closure order", bad[1]));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad[2], 1, MPIU_INT, MPI_SUM, comm));
    PetscCall(PetscPrintf(comm, "  %-68s %s\n",
                          "cells: edges and faces in the serial closure order (not required)",
                          bad[2] ? "differ" : "same"));
  }
  { /* orientation: DMPlex's Jacobian determinant positive in every cell (at the reference centroid)
     */
    PetscInt  bad = 0;
    PetscReal v0[3], J[9], invJ[9], detJ;
    for (PetscInt c = cS; c < cE; c++) {
      PetscCall(DMPlexComputeCellGeometryFEM(pdm, c, NULL, v0, J, invJ, &detJ));
      if (!(detJ > 0)) bad++;
    }
    PetscCall(Report(comm, "cells: positively oriented (det J > 0)", bad));
  }
  { /* labels */
    PetscInt fS, fE, sfS, sfE;
    PetscCall(DMPlexGetHeightStratum(pdm, 1, &fS, &fE));
    PetscCall(DMPlexGetHeightStratum(sdm, 1, &sfS, &sfE));
    for (PetscInt l = 0; l < 2 * dim; l++) {
      DMLabel     sl, pl;
      PetscInt    ns = 0, np = 0, bad = 0;
      PetscInt64 *skeys;
      PetscCall(DMGetLabel(sdm, FaceNames[l], &sl));
      PetscCall(DMGetLabel(pdm, FaceNames[l], &pl));
      if (!pl) {
        PetscCall(Report(comm, "label missing", 1));
        continue;
      }
      PetscCall(PetscMalloc1(sfE - sfS + 1, &skeys));
      for (PetscInt f = sfS; f < sfE; f++) {
        PetscInt val;
        PetscCall(DMLabelGetValue(sl, f, &val));
        if (val == 1) PetscCall(PointKey(sdm, f, snat, spS, &skeys[ns++]));
      }
      qsort(skeys, (size_t)ns, sizeof(PetscInt64), CmpInt64);
      for (PetscInt p = pS; p < pE; p++) {
        PetscInt   val;
        PetscInt64 k;
        PetscCall(DMLabelGetValue(pl, p, &val));
        if (val == -1) continue;
        if (val != 1 || p < fS || p >= fE) {
          bad++;
          continue;
        }
        np++;
        PetscCall(PointKey(pdm, p, nat, pS, &k));
        if (!InSorted(ns, skeys, k)) bad++;
      }
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &np, 1, MPIU_INT, MPI_SUM, comm));
      if (np != ns) bad++;
      PetscCall(PetscSNPrintf(what, sizeof(what),
                              "label %s: %" PetscInt_FMT
                              " faces, all serial %s faces (serial: %" PetscInt_FMT ")",
                              FaceNames[l], np, FaceNames[l], ns));
      PetscCall(Report(comm, what, bad));
      PetscCall(PetscFree(skeys));
    }
  }
  { /* point SF and ownership */
    PetscSF            sf;
    PetscInt           nleaves, bad = 0, *vcount, *ccount;
    const PetscInt    *leaves;
    const PetscSFNode *remote;
    PetscInt64        *key, *rkey;
    PetscBT            leaf;
    PetscCall(DMGetPointSF(pdm, &sf));
    PetscCall(PetscSFGetGraph(sf, NULL, &nleaves, &leaves, &remote));
    PetscCall(PetscMalloc2(pE - pS, &key, pE - pS, &rkey));
    for (PetscInt p = pS; p < pE; p++) {
      PetscCall(PointKey(pdm, p, nat, pS, &key[p - pS]));
      rkey[p - pS] = key[p - pS];
    }
    PetscCall(PetscSFBcastBegin(sf, MPIU_INT64, key, rkey, MPI_REPLACE));
    PetscCall(PetscSFBcastEnd(sf, MPIU_INT64, key, rkey, MPI_REPLACE));
    for (PetscInt p = pS; p < pE; p++)
      if (key[p - pS] != rkey[p - pS]) bad++;
    PetscCall(Report(comm, "point SF: every leaf has its root's vertices", bad));
    PetscCall(PetscBTCreate(pE - pS, &leaf));
    for (PetscInt i = 0; i < nleaves; i++)
      PetscCall(PetscBTSet(leaf, (leaves ? leaves[i] : i) - pS));
    PetscCall(PetscCalloc2(nv, &vcount, nc, &ccount));
    for (PetscInt v = vS; v < vE; v++)
      if (!PetscBTLookup(leaf, v - pS)) vcount[nat[v - pS]]++;
    for (PetscInt c = cS; c < cE; c++) {
      if (PetscBTLookup(leaf, c - pS)) bad++;
      ccount[nat[c - pS]]++;
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, vcount, (PetscMPIInt)nv, MPIU_INT, MPI_SUM, comm));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, ccount, (PetscMPIInt)nc, MPIU_INT, MPI_SUM, comm));
    bad = 0;
    for (PetscInt i = 0; i < nv; i++)
      bad += vcount[i] != 1;
    for (PetscInt i = 0; i < nc; i++)
      bad += ccount[i] != 1;
    if (rank) bad = 0;
    PetscCall(PetscSNPrintf(what, sizeof(what),
                            "ownership: each of %" PetscInt_FMT " vertices and %" PetscInt_FMT
                            " cells owned once",
                            nv, nc));
    PetscCall(Report(comm, what, bad));
    PetscCall(PetscFree2(vcount, ccount));
    PetscCall(PetscBTDestroy(&leaf));
    PetscCall(PetscFree2(key, rkey));
  }
  PetscCall(PetscFree(nat));
  PetscCall(PetscFree(snat));
  PetscCall(DMDestroy(&pdm));
  PetscCall(DMDestroy(&sdm));
  PetscFunctionReturn(0);
}

/* Compare two meshes of the same deck by natural numbers: boundaries, global counts. */
static PetscErrorCode SameBoundaries(TwinMesh a, TwinMesh b, PetscInt *bad)
{
  PetscFunctionBegin;
  *bad = (a->nboundaries != b->nboundaries) + (a->nregions != b->nregions) +
         (a->nvglobal != b->nvglobal) + (a->ncglobal != b->ncglobal) + (a->simplex != b->simplex);
  for (PetscInt i = 0; i < a->nboundaries && !*bad; i++) {
    PetscBool has;
    PetscCall(TwinMeshHasBoundary(b, a->boundaries[i], &has));
    *bad += !has;
  }
  PetscFunctionReturn(0);
}

/* Number of labelled faces of a boundary over all ranks (owned faces). */
static PetscErrorCode CountBoundary(TwinMesh m, const char *name, PetscInt *n)
{
  DMLabel  label;
  PetscInt fS, fE;

  PetscFunctionBegin;
  *n = 0;
  PetscCall(DMGetLabel(m->dm, name, &label));
  PetscCall(DMPlexGetHeightStratum(m->dm, 1, &fS, &fE));
  for (PetscInt f = fS; f < fE; f++) {
    PetscInt val;
    PetscCall(DMLabelGetValue(label, f, &val));
    if (val == 1 && !PetscBTLookup(m->ghost, f - m->pStart)) (*n)++;
  }
  PetscCallMPI(
      MPI_Allreduce(MPI_IN_PLACE, n, 1, MPIU_INT, MPI_SUM, PetscObjectComm((PetscObject)m->dm)));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckDeck(MPI_Comm comm, const char *box)
{
  char        text[1024];
  TwinDeck    deck;
  TwinMesh    par, ser, again, again2;
  PetscInt   *ppart = NULL, *spart = NULL, *apart = NULL, bad = 0, procs[3];
  PetscMPIInt rank, size;
  PetscBool   found;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscSNPrintf(
      text, sizeof(text),
      "twinfe: 1\nname: boxmesh\nmesh:\n  box: %s\nmaterials:\n  m: {E: 1e9, nu: "
      "0.3}\nmechanics:\n  boundaries:\n    - {on: xmin, type: displacement, value: [0, 0, 0]}\n",
      box));
  PetscCall(TwinDeckLoadString(comm, "boxmesh.yaml", "/tmp", text, strlen(text), &deck));
  PetscCall(PetscPrintf(comm, "TwinMeshCreate, %s:\n", box));
  PetscCall(TwinMeshBoxProcessGrid(size, deck->mesh.dim, deck->mesh.cells, procs, &found));
  PetscCall(TwinMeshCreate(comm, deck, &par));
  PetscCall(PetscOptionsSetValue(NULL, "-twin_box_parallel", "0"));
  PetscCall(TwinMeshCreate(comm, deck, &ser));
  PetscCall(PetscOptionsClearValue(NULL, "-twin_box_parallel"));
  PetscCall(SameBoundaries(par, ser, &bad));
  for (PetscInt l = 0; l < par->nboundaries; l++) {
    PetscInt np, ns;
    PetscCall(CountBoundary(par, par->boundaries[l], &np));
    PetscCall(CountBoundary(ser, par->boundaries[l], &ns));
    bad += np != ns;
  }
  PetscCall(Report(comm, "same boundaries, face counts, global counts as -twin_box_parallel 0",
                   rank ? 0 : bad));
  PetscCall(TwinMeshGetPartition(par, &ppart));
  PetscCall(TwinMeshGetPartition(ser, &spart));
  bad = 0;
  if (!rank && size > 1 && found)
    for (PetscInt c = 0; c < par->ncglobal; c++) {
      PetscMPIInt r;
      PetscCall(
          TwinMeshBoxCellRank(deck->mesh.dim, deck->mesh.cell, deck->mesh.cells, procs, c, &r));
      bad += ppart[c] != r;
    }
  PetscCall(Report(comm, "partition: the bricks of the process grid", bad));
  { /* the parallel mesh reproduced from its partition: the same points in the same order */
    PetscCall(TwinMeshCreateWithPartition(comm, deck, ppart, &again));
    bad = (again->pEnd - again->pStart != par->pEnd - par->pStart) +
          (again->vEnd - again->vStart != par->vEnd - par->vStart) +
          (again->cEnd - again->cStart != par->cEnd - par->cStart);
    for (PetscInt v = 0; v < par->vEnd - par->vStart && !bad; v++)
      bad += again->vnatural[v] != par->vnatural[v];
    for (PetscInt c = 0; c < par->cEnd - par->cStart && !bad; c++)
      bad += again->cnatural[c] != par->cnatural[c];
    PetscCall(Report(comm, "WithPartition(bricks): the same local points, same order", bad));
    PetscCall(TwinMeshDestroy(&again));
  }
  { /* another partition (the serial path's SFC) is reproduced by the serial path */
    PetscCall(TwinMeshCreateWithPartition(comm, deck, spart, &again2));
    PetscCall(TwinMeshGetPartition(again2, &apart));
    bad = 0;
    if (!rank)
      for (PetscInt c = 0; c < ser->ncglobal; c++)
        bad += apart[c] != spart[c];
    PetscCall(Report(comm, "WithPartition(SFC of -twin_box_parallel 0): reproduced", bad));
    PetscCall(TwinMeshDestroy(&again2));
  }
  { /* natural numbers: every natural vertex/cell present with the same coordinates on both */
    PetscInt *pv, *sv;
    PetscCall(PetscCalloc2(par->nvglobal, &pv, par->nvglobal, &sv));
    for (PetscInt v = par->vStart; v < par->vEnd; v++)
      if (!PetscBTLookup(par->ghost, v - par->pStart)) pv[par->vnatural[v - par->vStart]]++;
    for (PetscInt v = ser->vStart; v < ser->vEnd; v++)
      if (!PetscBTLookup(ser->ghost, v - ser->pStart)) sv[ser->vnatural[v - ser->vStart]]++;
    PetscCallMPI(
        MPI_Allreduce(MPI_IN_PLACE, pv, (PetscMPIInt)par->nvglobal, MPIU_INT, MPI_SUM, comm));
    PetscCallMPI(
        MPI_Allreduce(MPI_IN_PLACE, sv, (PetscMPIInt)par->nvglobal, MPIU_INT, MPI_SUM, comm));
    bad = 0;
    for (PetscInt i = 0; i < par->nvglobal; i++)
      bad += pv[i] != 1 || sv[i] != 1;
    PetscCall(
        Report(comm, "vnatural: every natural vertex owned once on both paths", rank ? 0 : bad));
    PetscCall(PetscFree2(pv, sv));
  }
  PetscCall(PetscFree(ppart));
  PetscCall(PetscFree(spart));
  PetscCall(PetscFree(apart));
  PetscCall(TwinMeshDestroy(&par));
  PetscCall(TwinMeshDestroy(&ser));
  PetscCall(TwinDeckDestroy(&deck));
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckGrid(MPI_Comm comm, PetscMPIInt size, PetscInt dim, PetscInt n0,
                                PetscInt n1, PetscInt n2, PetscInt e0, PetscInt e1, PetscInt e2,
                                PetscBool efound)
{
  PetscInt  cells[3] = {n0, n1, n2}, procs[3];
  PetscBool found;
  char      what[128];

  PetscFunctionBegin;
  PetscCall(TwinMeshBoxProcessGrid(size, dim, cells, procs, &found));
  PetscCall(PetscSNPrintf(what, sizeof(what),
                          "process grid, %d ranks, %" PetscInt_FMT " x %" PetscInt_FMT
                          " x %" PetscInt_FMT " cells: %" PetscInt_FMT " x %" PetscInt_FMT
                          " x %" PetscInt_FMT "%s",
                          size, n0, n1, n2, procs[0], procs[1], procs[2], found ? "" : " (none)"));
  PetscCall(
      Report(comm, what,
             (found != efound) || (found && (procs[0] != e0 || procs[1] != e1 || procs[2] != e2))));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  MPI_Comm comm;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  comm = PETSC_COMM_WORLD;
  PetscCall(TwinInitializePackage());
  {
    const PetscInt  c3[3] = {7, 5, 3}, t3[3] = {4, 3, 5}, q2[3] = {9, 4, 0}, r2[3] = {5, 7, 0};
    const PetscReal lo[3] = {0.1, -0.3, 0.05}, hi[3] = {1.3, 0.4, 0.77};
    PetscCall(CheckGenerator(comm, 3, TWIN_CELL_HEX, c3, lo, hi));
    PetscCall(CheckGenerator(comm, 3, TWIN_CELL_TET, t3, lo, hi));
    PetscCall(CheckGenerator(comm, 2, TWIN_CELL_QUAD, q2, lo, hi));
    PetscCall(CheckGenerator(comm, 2, TWIN_CELL_TRI, r2, lo, hi));
  }
  PetscCall(
      CheckDeck(comm, "{lower: [0, 0, 0], upper: [1, 0.6, 0.4], cells: [6, 4, 3], cell: hex}"));
  PetscCall(
      CheckDeck(comm, "{lower: [0, 0, 0], upper: [0.2, 0.1, 0.05], cells: [4, 3, 2], cell: tet}"));
  PetscCall(PetscPrintf(comm, "process grids:\n"));
  PetscCall(CheckGrid(comm, 2, 3, 128, 32, 32, 2, 1, 1, PETSC_TRUE));
  PetscCall(CheckGrid(comm, 4, 3, 128, 32, 32, 4, 1, 1, PETSC_TRUE));
  PetscCall(CheckGrid(comm, 8, 3, 32, 32, 32, 2, 2, 2, PETSC_TRUE));
  PetscCall(CheckGrid(comm, 6, 3, 60, 40, 20, 3, 2, 1, PETSC_TRUE));
  PetscCall(CheckGrid(comm, 2, 3, 10, 10, 10, 1, 1, 2, PETSC_TRUE));
  PetscCall(CheckGrid(comm, 7, 3, 6, 4, 3, 1, 1, 1, PETSC_FALSE));
  PetscCall(CheckGrid(comm, 4, 2, 24, 6, 0, 4, 1, 1, PETSC_TRUE));
  PetscCall(CheckGrid(comm, 3, 2, 2, 2, 0, 1, 1, 1, PETSC_FALSE));
  PetscCall(PetscPrintf(comm, "boxmesh: %s\n", Failures ? "FAILED" : "all checks passed"));
  PetscCall(PetscFinalize());
  return Failures ? 1 : 0;
}
