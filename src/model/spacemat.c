/* spacemat.c: the matrix of a space, laid out by twinfe instead of PETSc's COO set-up.
 *
 * Element matrices are added into a block array: one ncomp x ncomp block per coupled pair of
 * local nodes (TwinSpaceAddElementMatrix). TwinSpaceMatSetValues() moves that array into the
 * AIJ matrix:
 *   - blocks of an owned row node go straight into the diagonal (Ad) and off-diagonal (Ao)
 *     parts of the matrix. All free rows of a node have the same columns (every cell couples
 *     all components) and a node's free DOFs are numbered consecutively, so one position per
 *     block (where the column node's first free DOF sits in the row) locates all its entries;
 *   - entries of rows owned by another rank (the interface) are packed and sent once per call
 *     through a PetscSF to slots known to the owner.
 * The pattern is built here too: owned node rows from the local blocks, plus the (row, column)
 * pairs the other ranks send for the interface, then MatXAIJ preallocation from CSR.
 *
 * Why not MatSetPreallocationCOO: in PETSc 3.18 it took 6.7 s and kept about 1 GB of maps (64-bit
 * permutations per entry) for the 420k DOF benchmark block; this layout keeps one integer per
 * node block. -twin_matrix_petsc_coo selects PETSc's COO path instead (for comparison). */
#include <twinfe/space.h>

/* Free components of local node n: their number, and the first global DOF (-1 if none). */
static inline PetscInt NodeFree(const PetscInt *ng, PetscInt nc, PetscInt n, PetscInt *first)
{
  PetscInt k = 0;
  *first     = -1;
  for (PetscInt c = 0; c < nc; c++)
    if (ng[n * nc + c] >= 0) {
      if (!k) *first = ng[n * nc + c];
      k++;
    }
  return k;
}

static PetscErrorCode GetParts(Mat A, Mat *Ad, Mat *Ao, const PetscInt **garray, PetscInt *nAoCols)
{
  PetscBool mpi;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)A, MATMPIAIJ, &mpi));
  *Ao      = NULL;
  *garray  = NULL;
  *nAoCols = 0;
  if (mpi) {
    PetscCall(MatMPIAIJGetSeqAIJ(A, Ad, Ao, garray));
    PetscCall(MatGetSize(*Ao, NULL, nAoCols));
  } else *Ad = A;
  PetscFunctionReturn(0);
}

static PetscErrorCode GetRowPointers(Mat M, const PetscInt **ia, const PetscInt **ja)
{
  PetscInt  n;
  PetscBool done;

  PetscFunctionBegin;
  PetscCall(MatGetRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &n, ia, ja, &done));
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_SUP, "matrix part gives no row pointers");
  { /* SeqAIJ hands out its own arrays: they stay valid while the pattern stands */
    const PetscInt *ci = *ia, *cj = *ja;
    PetscCall(MatRestoreRowIJ(M, 0, PETSC_FALSE, PETSC_FALSE, &n, &ci, &cj, &done));
  }
  PetscFunctionReturn(0);
}

/* Position of global column g among the sorted columns cols[0..n) of a node row, as an offset
   in the row of Ad (>= 0) or -1-offset in the row of Ao; nd/lo: the row's Ad columns are
   cols[lo..lo+nd). */
static inline PetscInt SplitPos(PetscInt pos, PetscInt lo, PetscInt nd)
{
  if (pos >= lo && pos < lo + nd) return pos - lo;
  return -1 - (pos < lo ? pos : pos - nd);
}

/* The Ad columns of a sorted node row: cl[lo..lo+nd) lie in [rstart, rend). */
static inline void RowSplit(const PetscInt *cl, PetscInt nl, PetscInt rstart, PetscInt rend, PetscInt *lo, PetscInt *nd)
{
  PetscInt a = 0, b;
  while (a < nl && cl[a] < rstart) a++;
  b = a;
  while (b < nl && cl[b] < rend) b++;
  *lo = a;
  *nd = b - a;
}

/* The matrix works on arrays it does not free: a container composed on it frees them with it. */
typedef struct {
  PetscInt    *di, *dj, *oi, *oj;
  PetscScalar *da, *oa;
} MatArrays;

static PetscErrorCode MatArraysDestroy(void *ctx)
{
  MatArrays *m = (MatArrays *)ctx;

  PetscFunctionBegin;
  PetscCall(PetscFree2(m->di, m->oi));
  PetscCall(PetscFree2(m->dj, m->oj));
  PetscCall(PetscFree2(m->da, m->oa));
  PetscCall(PetscFree(m));
  PetscFunctionReturn(0);
}

static PetscErrorCode ComposeArrays(Mat B, PetscInt *di, PetscInt *dj, PetscScalar *da, PetscInt *oi, PetscInt *oj, PetscScalar *oa)
{
  MatArrays     *m;
  PetscContainer c;

  PetscFunctionBegin;
  PetscCall(PetscNew(&m));
  *m = (MatArrays){di, dj, oi, oj, da, oa};
  PetscCall(PetscContainerCreate(PETSC_COMM_SELF, &c));
  PetscCall(PetscContainerSetPointer(c, m));
  PetscCall(PetscContainerSetUserDestroy(c, MatArraysDestroy));
  PetscCall(PetscObjectCompose((PetscObject)B, "twinfe_arrays", (PetscObject)c));
  PetscCall(PetscContainerDestroy(&c));
  PetscFunctionReturn(0);
}

/*@C
  TwinSpaceSetUpMatrix_Private - Preallocate A from the space's node-block pattern and build the
  maps of TwinSpaceMatSetValues().

  Collective

  Input Parameters:
+ sp         - the space, with nnodes, adjStart, adj set (local node adjacency, sorted rows)
. A          - an AIJ matrix with sizes and block size set
- nodeGlobal - [nnodes*ncomp] global index of each local DOF (-1 constrained)
@*/
PetscErrorCode TwinSpaceSetUpMatrix_Private(TwinSpace sp, Mat A, const PetscInt *nodeGlobal)
{
  MPI_Comm        comm = PetscObjectComm((PetscObject)A);
  PetscInt        nc = sp->ncomp, nnodes = sp->nnodes, rstart, rend, nrow, *nodeFirst, *nodeCnt;
  PetscInt       *colStart, *cols, *rowNode, *sendPairs = NULL, *recvPairs = NULL;
  PetscMPIInt     size, rank, *scount, *sdispl, *rcount, *rdispl, *rootOff;
  PetscInt       *ranges;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  { /* row ownership from the local sizes (the matrix is not set up yet) */
    PetscInt n = sp->nlocal;
    PetscCall(PetscMalloc1(size + 1, &ranges));
    ranges[0] = 0;
    PetscCallMPI(MPI_Allgather(&n, 1, MPIU_INT, &ranges[1], 1, MPIU_INT, comm));
    for (PetscMPIInt r = 0; r < size; r++) ranges[r + 1] += ranges[r];
    rstart = ranges[rank];
    rend   = ranges[rank + 1];
  }
  nrow = rend - rstart;
  PetscCall(PetscMalloc1(nnodes * nc, &sp->nodeGlobal));
  PetscCall(PetscArraycpy(sp->nodeGlobal, nodeGlobal, nnodes * nc));
  PetscCall(PetscMalloc2(nnodes, &nodeFirst, nnodes, &nodeCnt));
  for (PetscInt n = 0; n < nnodes; n++) nodeCnt[n] = NodeFree(nodeGlobal, nc, n, &nodeFirst[n]);

  /* 1. interface: (row, column) pairs of rows owned elsewhere, grouped by owner */
  PetscCall(PetscCalloc4(size, &scount, size + 1, &sdispl, size, &rcount, size + 1, &rdispl));
  for (int pass = 0; pass < 2; pass++) {
    PetscInt *fill = NULL;
    if (pass) {
      for (PetscMPIInt r = 0; r < size; r++) sdispl[r + 1] = sdispl[r] + scount[r];
      sp->nsend = sdispl[size];
      PetscCall(PetscMalloc1(2 * sp->nsend, &sendPairs));
      PetscCall(PetscMalloc1(sp->nsend, &sp->sendIdx));
      PetscCall(PetscMalloc1(size, &fill));
      for (PetscMPIInt r = 0; r < size; r++) fill[r] = sdispl[r];
    }
    for (PetscInt A0 = 0, owner = 0; A0 < nnodes; A0++) {
      if (!nodeCnt[A0] || (nodeFirst[A0] >= rstart && nodeFirst[A0] < rend)) continue;
      while (owner > 0 && nodeFirst[A0] < ranges[owner]) owner--;
      while (nodeFirst[A0] >= ranges[owner + 1]) owner++;
      PetscCheck(owner != rank, PETSC_COMM_SELF, PETSC_ERR_PLIB, "row ownership");
      for (PetscInt k = sp->adjStart[A0]; k < sp->adjStart[A0 + 1]; k++) {
        PetscInt B = sp->adj[k];
        for (PetscInt c = 0; c < nc; c++) {
          PetscInt row = nodeGlobal[A0 * nc + c];
          if (row < 0) continue;
          for (PetscInt d = 0; d < nc; d++) {
            PetscInt col = nodeGlobal[B * nc + d];
            if (col < 0) continue;
            if (!pass) scount[owner]++;
            else {
              PetscInt s              = fill[owner]++;
              sendPairs[2 * s]        = row;
              sendPairs[2 * s + 1]    = col;
              sp->sendIdx[s]          = ((PetscInt)k * nc + c) * nc + d;
            }
          }
        }
      }
    }
    PetscCall(PetscFree(fill));
  }
  PetscCallMPI(MPI_Alltoall(scount, 1, MPI_INT, rcount, 1, MPI_INT, comm));
  for (PetscMPIInt r = 0; r < size; r++) rdispl[r + 1] = rdispl[r] + rcount[r];
  sp->nrecv = rdispl[size];
  PetscCall(PetscMalloc1(2 * sp->nrecv + 1, &recvPairs));
  {
    PetscMPIInt *sc2, *sd2, *rc2, *rd2;
    PetscCall(PetscMalloc4(size, &sc2, size, &sd2, size, &rc2, size, &rd2));
    for (PetscMPIInt r = 0; r < size; r++) {
      sc2[r] = 2 * scount[r];
      sd2[r] = 2 * sdispl[r];
      rc2[r] = 2 * rcount[r];
      rd2[r] = 2 * rdispl[r];
    }
    PetscCallMPI(MPI_Alltoallv(sendPairs, sc2, sd2, MPIU_INT, recvPairs, rc2, rd2, MPIU_INT, comm));
    PetscCall(PetscFree4(sc2, sd2, rc2, rd2));
  }
  /* every sender learns where its values land in each owner's receive buffer */
  PetscCall(PetscMalloc1(size, &rootOff));
  PetscCallMPI(MPI_Alltoall(rdispl, 1, MPI_INT, rootOff, 1, MPI_INT, comm));

  /* 2. columns of every owned node row: local blocks plus received pairs, sorted, unique */
  PetscCall(PetscMalloc1(nrow + 1, &rowNode));
  for (PetscInt r = 0; r < nrow; r++) rowNode[r] = -1;
  PetscCall(PetscCalloc1(nnodes + 1, &colStart));
  for (PetscInt n = 0; n < nnodes; n++) {
    if (!nodeCnt[n] || nodeFirst[n] < rstart || nodeFirst[n] >= rend) continue;
    for (PetscInt c = 0; c < nodeCnt[n]; c++) rowNode[nodeFirst[n] - rstart + c] = n;
    for (PetscInt k = sp->adjStart[n]; k < sp->adjStart[n + 1]; k++) colStart[n + 1] += nodeCnt[sp->adj[k]];
  }
  for (PetscInt i = 0; i < sp->nrecv; i++) {
    PetscInt r = recvPairs[2 * i] - rstart;
    PetscCheck(r >= 0 && r < nrow && rowNode[r] >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "received row %" PetscInt_FMT " is not a local node row", recvPairs[2 * i]);
    colStart[rowNode[r] + 1]++;
  }
  for (PetscInt n = 0; n < nnodes; n++) colStart[n + 1] += colStart[n];
  PetscCall(PetscMalloc1(colStart[nnodes] + 1, &cols));
  {
    PetscInt *fill;
    PetscCall(PetscMalloc1(nnodes, &fill));
    for (PetscInt n = 0; n < nnodes; n++) fill[n] = colStart[n];
    for (PetscInt n = 0; n < nnodes; n++) {
      if (colStart[n + 1] == colStart[n]) continue;
      for (PetscInt k = sp->adjStart[n]; k < sp->adjStart[n + 1]; k++) {
        PetscInt B = sp->adj[k];
        for (PetscInt d = 0; d < nc; d++)
          if (nodeGlobal[B * nc + d] >= 0) cols[fill[n]++] = nodeGlobal[B * nc + d];
      }
    }
    for (PetscInt i = 0; i < sp->nrecv; i++) cols[fill[rowNode[recvPairs[2 * i] - rstart]]++] = recvPairs[2 * i + 1];
    /* sort and compress every node's list in place */
    PetscInt total = 0;
    for (PetscInt n = 0; n < nnodes; n++) {
      PetscInt len = colStart[n + 1] - colStart[n], start = colStart[n];
      PetscCall(PetscSortRemoveDupsInt(&len, &cols[start]));
      PetscCall(PetscArraymove(&cols[total], &cols[start], len));
      colStart[n] = total;
      total += len;
    }
    colStart[nnodes] = total;
    PetscCall(PetscFree(fill));
  }

  /* 3. the matrix, built on arrays made here (no MatSetValues pass: PETSc 3.18's CSR preallocation
     inserts row by row, 2.7 s for the benchmark block). Every free row of a node gets the node's
     columns: those this rank owns go to the diagonal part (local numbers), the others to the
     off-diagonal part (global numbers, compacted by PETSc at assembly). */
  {
    PetscInt   *di, *dj, *oi, *oj;
    PetscScalar *da, *oa;
    Mat          B;
    PetscBool    mpi;
    const char  *prefix;
    PetscInt     bs;
    PetscCall(PetscMalloc2(nrow + 1, &di, nrow + 1, &oi));
    di[0] = oi[0] = 0;
    for (PetscInt r = 0; r < nrow; r++) {
      PetscInt n = rowNode[r], nl, lo, nd;
      PetscCheck(n >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "owned row %" PetscInt_FMT " belongs to no local node", r + rstart);
      nl = colStart[n + 1] - colStart[n];
      RowSplit(&cols[colStart[n]], nl, rstart, rend, &lo, &nd);
      di[r + 1] = di[r] + nd;
      oi[r + 1] = oi[r] + nl - nd;
    }
    PetscCall(PetscMalloc2(di[nrow] + 1, &dj, oi[nrow] + 1, &oj));
    PetscCall(PetscCalloc2(di[nrow] + 1, &da, oi[nrow] + 1, &oa));
    for (PetscInt r = 0; r < nrow; r++) {
      PetscInt  n = rowNode[r], nl = colStart[n + 1] - colStart[n], lo, nd;
      PetscInt *cl = &cols[colStart[n]];
      RowSplit(cl, nl, rstart, rend, &lo, &nd);
      for (PetscInt q = 0; q < nd; q++) dj[di[r] + q] = cl[lo + q] - rstart;
      for (PetscInt q = 0; q < lo; q++) oj[oi[r] + q] = cl[q];
      for (PetscInt q = lo + nd; q < nl; q++) oj[oi[r] + q - nd] = cl[q];
    }
    PetscCall(PetscObjectTypeCompare((PetscObject)A, MATMPIAIJ, &mpi));
    if (mpi) PetscCall(MatCreateMPIAIJWithSplitArrays(comm, nrow, nrow, PETSC_DETERMINE, PETSC_DETERMINE, di, dj, da, oi, oj, oa, &B));
    else PetscCall(MatCreateSeqAIJWithArrays(comm, nrow, nrow, di, dj, da, &B));
    PetscCall(ComposeArrays(B, di, dj, da, oi, oj, oa));
    PetscCall(MatGetOptionsPrefix(A, &prefix));
    PetscCall(MatSetOptionsPrefix(B, prefix));
    PetscCall(MatGetBlockSize(A, &bs));
    PetscCall(MatSetBlockSize(B, bs));
    PetscCall(MatHeaderReplace(A, &B));
  }
  PetscCall(MatSetOption(A, MAT_NEW_NONZERO_LOCATION_ERR, PETSC_TRUE));

  /* 4. where each block and each received entry lands, checked against the matrix */
  {
    Mat             Ad, Ao;
    const PetscInt *garray, *ai, *aj, *bi = NULL, *bj = NULL;
    PetscInt        nAoCols;
    PetscCall(GetParts(A, &Ad, &Ao, &garray, &nAoCols));
    PetscCall(GetRowPointers(Ad, &ai, &aj));
    if (Ao) PetscCall(GetRowPointers(Ao, &bi, &bj));
    PetscCall(PetscMalloc1(sp->adjStart[nnodes], &sp->blkPos));
    PetscCall(PetscMalloc2(nnodes, &sp->nodeRow, nnodes, &sp->nodeFree));
    sp->nghostBlocks = 0;
    for (PetscInt n = 0; n < nnodes; n++) {
      PetscBool owned = nodeCnt[n] && nodeFirst[n] >= rstart && nodeFirst[n] < rend ? PETSC_TRUE : PETSC_FALSE;
      sp->nodeFree[n] = nodeCnt[n];
      sp->nodeRow[n]  = !nodeCnt[n] ? -1 : owned ? nodeFirst[n] - rstart : -2;
      if (sp->nodeRow[n] != -2) continue;
      for (PetscInt k = sp->adjStart[n]; k < sp->adjStart[n + 1]; k++) /* ghost row: one slot per block with free columns */
        sp->blkPos[k] = nodeCnt[sp->adj[k]] ? sp->nghostBlocks++ : TWIN_NOBLOCK;
    }
    for (PetscInt n = 0; n < nnodes; n++) {
      PetscInt  nl = colStart[n + 1] - colStart[n], lo, nd, r0;
      PetscInt *cl = &cols[colStart[n]];
      if (sp->nodeRow[n] == -2) continue;
      for (PetscInt k = sp->adjStart[n]; k < sp->adjStart[n + 1]; k++) sp->blkPos[k] = TWIN_NOBLOCK;
      if (!nl) continue;
      r0 = nodeFirst[n] - rstart;
      RowSplit(cl, nl, rstart, rend, &lo, &nd);
      for (PetscInt c = 0; c < nodeCnt[n]; c++) { /* the matrix holds exactly these columns */
        PetscInt r = r0 + c, nb = bi ? bi[r + 1] - bi[r] : 0;
        PetscCheck(ai[r + 1] - ai[r] == nd && nb == nl - nd, PETSC_COMM_SELF, PETSC_ERR_PLIB, "matrix row %" PetscInt_FMT " has %" PetscInt_FMT "+%" PetscInt_FMT " entries, expected %" PetscInt_FMT "+%" PetscInt_FMT, r + rstart, ai[r + 1] - ai[r], nb, nd, nl - nd);
        for (PetscInt q = 0; q < nl; q++) {
          PetscInt s = SplitPos(q, lo, nd), g = s >= 0 ? aj[ai[r] + s] + rstart : garray[bj[bi[r] - 1 - s]];
          PetscCheck(g == cl[q], PETSC_COMM_SELF, PETSC_ERR_PLIB, "matrix row %" PetscInt_FMT ": column %" PetscInt_FMT " where %" PetscInt_FMT " was expected", r + rstart, g, cl[q]);
        }
      }
      for (PetscInt k = sp->adjStart[n]; k < sp->adjStart[n + 1]; k++) {
        PetscInt first, q;
        if (!NodeFree(nodeGlobal, nc, sp->adj[k], &first)) continue;
        PetscCall(PetscFindInt(first, nl, cl, &q));
        PetscCheck(q >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "block column not in its row");
        sp->blkPos[k] = SplitPos(q, lo, nd);
      }
    }
    PetscCall(PetscMalloc1(sp->nrecv + 1, &sp->recvTarget));
    for (PetscInt i = 0; i < sp->nrecv; i++) {
      PetscInt r = recvPairs[2 * i] - rstart, n = rowNode[r], nl = colStart[n + 1] - colStart[n], q, lo, nd;
      PetscInt *cl = &cols[colStart[n]];
      RowSplit(cl, nl, rstart, rend, &lo, &nd);
      PetscCall(PetscFindInt(recvPairs[2 * i + 1], nl, cl, &q));
      PetscCheck(q >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "received column not in its row");
      q                 = SplitPos(q, lo, nd);
      sp->recvTarget[i] = q >= 0 ? ai[r] + q : -1 - (bi[r] + (-1 - q));
    }
  }

  PetscCall(PetscMalloc1((PetscCount)sp->nghostBlocks * nc * nc + 1, &sp->ghostVals));
  PetscCall(PetscMalloc1(sp->nsend + 1, &sp->sendGhostIdx));
  for (PetscInt i = 0; i < sp->nsend; i++) { /* the same entry in the ghost block array */
    PetscInt e = sp->sendIdx[i], k = e / (nc * nc);
    sp->sendGhostIdx[i] = sp->blkPos[k] * nc * nc + e % (nc * nc);
  }

  /* 5. the value transfer: one leaf per sent entry, one root per received entry */
  {
    PetscSFNode *remote;
    PetscCall(PetscMalloc1(sp->nsend, &remote));
    for (PetscMPIInt r = 0; r < size; r++)
      for (PetscInt s = sdispl[r]; s < sdispl[r + 1]; s++) {
        remote[s].rank  = r;
        remote[s].index = rootOff[r] + (s - sdispl[r]);
      }
    PetscCall(PetscSFCreate(comm, &sp->sf));
    PetscCall(PetscSFSetGraph(sp->sf, sp->nrecv, sp->nsend, NULL, PETSC_OWN_POINTER, remote, PETSC_OWN_POINTER));
    PetscCall(PetscSFSetUp(sp->sf));
    PetscCall(PetscMalloc2(sp->nsend + 1, &sp->sendBuf, sp->nrecv + 1, &sp->recvBuf));
  }
  {
    PetscInt r0;
    PetscCall(MatGetOwnershipRange(A, &r0, NULL));
    PetscCheck(r0 == rstart, PETSC_COMM_SELF, PETSC_ERR_PLIB, "matrix rows start at %" PetscInt_FMT ", not %" PetscInt_FMT, r0, rstart);
    sp->rstart = rstart;
  }
  PetscCall(PetscFree(ranges));
  PetscCall(PetscFree(cols));
  PetscCall(PetscFree(colStart));
  PetscCall(PetscFree(rowNode));
  PetscCall(PetscFree(rootOff));
  PetscCall(PetscFree(recvPairs));
  PetscCall(PetscFree(sendPairs));
  PetscCall(PetscFree4(scount, sdispl, rcount, rdispl));
  PetscCall(PetscFree2(nodeFirst, nodeCnt));
  PetscFunctionReturn(0);
}

/* The parts of A and their value arrays, for writing (MatSetValues and the direct calls). */
static PetscErrorCode GetValueArrays(Mat A, TwinMatDirect *w)
{
  const PetscInt *garray, *aj, *bj;
  PetscInt        nAoCols;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(w, sizeof(*w)));
  PetscCall(GetParts(A, &w->Ad, &w->Ao, &garray, &nAoCols));
  PetscCall(GetRowPointers(w->Ad, &w->ai, &aj));
  PetscCall(MatSeqAIJGetArray(w->Ad, &w->aa));
  if (w->Ao) {
    PetscCall(GetRowPointers(w->Ao, &w->bi, &bj));
    PetscCall(MatSeqAIJGetArray(w->Ao, &w->ba));
  }
  PetscFunctionReturn(0);
}

/* After the local writes and PetscSFReduceBegin of the interface entries: add what the other
   ranks sent, give the arrays back and assemble (no stash, no new nonzeros: cheap; it raises A's
   state, so solvers see the new values, and drops cached inverse diagonals). */
static PetscErrorCode FinishValues(TwinSpace sp, Mat A, TwinMatDirect *w)
{
  PetscFunctionBegin;
  PetscCall(PetscSFReduceEnd(sp->sf, MPIU_SCALAR, sp->sendBuf, sp->recvBuf, MPI_REPLACE));
  for (PetscInt i = 0; i < sp->nrecv; i++) {
    PetscInt t = sp->recvTarget[i];
    if (t >= 0) w->aa[t] += sp->recvBuf[i];
    else w->ba[-1 - t] += sp->recvBuf[i];
  }
  PetscCall(MatSeqAIJRestoreArray(w->Ad, &w->aa));
  if (w->Ao) PetscCall(MatSeqAIJRestoreArray(w->Ao, &w->ba));
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/*@C
  TwinSpaceMatSetValues - Set the values of A (INSERT) from the space's node-block array v, laid
  out as sp->cellBlocks says (what TwinSpaceAddElementMatrix() fills). Replaces
  MatSetValuesCOO(); A is the space's matrix or a duplicate of it.

  Collective
@*/
PetscErrorCode TwinSpaceMatSetValues(TwinSpace sp, const PetscScalar v[], Mat A)
{
  const PetscInt *ng = sp->nodeGlobal;
  PetscInt        nc = sp->ncomp;
  TwinMatDirect   w;

  PetscFunctionBegin;
  if (sp->petscCOO) {
    PetscCall(MatSetValuesCOO(A, v, INSERT_VALUES));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.MatSetValues, A, 0, 0, 0));
  for (PetscInt s = 0; s < sp->nsend; s++) sp->sendBuf[s] = v[sp->sendIdx[s]];
  PetscCall(PetscSFReduceBegin(sp->sf, MPIU_SCALAR, sp->sendBuf, sp->recvBuf, MPI_REPLACE));
  PetscCall(GetValueArrays(A, &w));
  /* slots that receive from other ranks start at zero; local blocks then overwrite theirs */
  for (PetscInt i = 0; i < sp->nrecv; i++) {
    PetscInt t = sp->recvTarget[i];
    if (t >= 0) w.aa[t] = 0;
    else w.ba[-1 - t] = 0;
  }
#pragma omp parallel for schedule(static)
  for (PetscInt n = 0; n < sp->nnodes; n++) {
    PetscInt r0 = sp->nodeRow[n];
    if (r0 < 0) continue; /* fixed, or owned by another rank */
    for (PetscInt k = sp->adjStart[n]; k < sp->adjStart[n + 1]; k++) {
      PetscInt           p = sp->blkPos[k], B = sp->adj[k], r = r0;
      const PetscScalar *vb = &v[(PetscCount)k * nc * nc];
      if (p == TWIN_NOBLOCK) continue;
      for (PetscInt c = 0; c < nc; c++) {
        PetscScalar *dst;
        if (ng[n * nc + c] < 0) continue;
        dst = p >= 0 ? &w.aa[w.ai[r] + p] : &w.ba[w.bi[r] - 1 - p];
        r++;
        for (PetscInt d = 0, j = 0; d < nc; d++)
          if (ng[B * nc + d] >= 0) dst[j++] = vb[c * nc + d];
      }
    }
  }
  PetscCall(FinishValues(sp, A, &w));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.MatSetValues, A, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TwinSpaceMatDirectBegin - Zero A (the space's matrix, laid out by twinfe) and hand out its value
  arrays for TwinSpaceAddElementMatrixDirect().

  Not collective
@*/
PetscErrorCode TwinSpaceMatDirectBegin(TwinSpace sp, Mat A, TwinMatDirect *w)
{
  PetscInt nzd, nzo = 0;

  PetscFunctionBegin;
  PetscCheck(!sp->petscCOO, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "direct assembly needs twinfe's matrix layout, not PETSc's COO");
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.MatSetValues, A, 0, 0, 0));
  PetscCall(GetValueArrays(A, w));
  nzd = w->ai[sp->nlocal];
  if (w->Ao) nzo = w->bi[sp->nlocal];
  w->gv = sp->ghostVals; /* kept by the space: no allocation per assembly */
  PetscCall(PetscArrayzero(w->gv, (PetscCount)sp->nghostBlocks * sp->ncomp * sp->ncomp));
  /* zero with the threads that will write (first touch, when it is the first) */
#pragma omp parallel for schedule(static)
  for (PetscInt i = 0; i < nzd; i++) w->aa[i] = 0;
#pragma omp parallel for schedule(static)
  for (PetscInt i = 0; i < nzo; i++) w->ba[i] = 0;
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.MatSetValues, A, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TwinSpaceMatDirectEnd - Send the ghost-row blocks to their owners, add what arrives, assemble A.

  Collective
@*/
PetscErrorCode TwinSpaceMatDirectEnd(TwinSpace sp, Mat A, TwinMatDirect *w)
{
  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.MatSetValues, A, 0, 0, 0));
  for (PetscInt s = 0; s < sp->nsend; s++) sp->sendBuf[s] = w->gv[sp->sendGhostIdx[s]];
  PetscCall(PetscSFReduceBegin(sp->sf, MPIU_SCALAR, sp->sendBuf, sp->recvBuf, MPI_REPLACE));
  PetscCall(FinishValues(sp, A, w));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.MatSetValues, A, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Free what TwinSpaceSetUpMatrix_Private() built. */
PetscErrorCode TwinSpaceDestroyMatrix_Private(TwinSpace sp)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(sp->nodeGlobal));
  PetscCall(PetscFree(sp->blkPos));
  PetscCall(PetscFree(sp->sendIdx));
  PetscCall(PetscFree(sp->recvTarget));
  PetscCall(PetscFree(sp->sendGhostIdx));
  PetscCall(PetscFree(sp->ghostVals));
  PetscCall(PetscFree2(sp->nodeRow, sp->nodeFree));
  PetscCall(PetscFree(sp->cellNodes));
  PetscCall(PetscFree2(sp->sendBuf, sp->recvBuf));
  PetscCall(PetscSFDestroy(&sp->sf));
  PetscCall(PetscFree(sp->adj));
  PetscCall(PetscFree(sp->adjStart));
  PetscFunctionReturn(0);
}
