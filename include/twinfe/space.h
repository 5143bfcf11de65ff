/* space.h: a finite-element space on a TwinMesh. Lagrange nodes of order 1 or 2 carrying
 * ncomp components each (dim for displacement, 1 for temperature), laid out by a PetscSection
 * on the space's own clone of the mesh DM, with Dirichlet DOFs as section constraints. The
 * space maps every cell and boundary face to the kernels' node order and owns the matrix
 * pattern: a unique node-block pattern set once (spacemat.c), and a colouring of cell chunks for
 * threaded assembly. Models (mechanics, thermal) each own a space and add their physics. */
#ifndef TWINFE_SPACE_H
#define TWINFE_SPACE_H

#include <petscmat.h>
#include <twinfe/mesh.h>
#include <twinfe/deck.h>
#include <twk.h>

/* A boundary face owned by this rank, mapped to its cell's kernel nodes. */
typedef struct {
  PetscInt face, cell;   /* local mesh points */
  PetscInt fvert[4];     /* face kernel vertex k is cell kernel vertex fvert[k] */
  PetscInt fnode[9];     /* face kernel node b is cell kernel node fnode[b] */
} TwinFace;

typedef struct _TwinSpace *TwinSpace;
struct _TwinSpace {
  TwinMesh           mesh;          /* borrowed */
  DM                 dm;            /* clone of mesh->dm carrying this space's section */
  PetscInt           dim, order, ncomp;
  TwkElement         elem, face, geom; /* cell, boundary-face and order-1 geometry elements */
  PetscInt           nen, nverts, nedof;
  PetscInt           vertexNode[TWK_MAX_VERTS]; /* kernel node at each geometry vertex */
  PetscSection       section;       /* local layout with constraints */
  PetscInt          *bcid;          /* [npoints*ncomp]: id of the Dirichlet condition on each DOF, -1 free */
  PetscInt          *pointGlobal;   /* [npoints*ncomp]: global index of each DOF, -1 constrained */
  PetscInt          *cellDofs;      /* [ncells*nen]: local offset of each kernel node's first DOF */
  PetscInt          *cellVerts;     /* [ncells*nverts]: local coordinate offset of each kernel vertex */
  const PetscScalar *coords;        /* local vertex coordinates (borrowed array of the DM) */
  PetscInt           blockSize;     /* ncomp when every node is entirely free or entirely fixed */
  PetscInt           nlocal, nglobal; /* free DOFs */
  PetscCount         ncoo;          /* block array entries: one ncomp x ncomp block per coupled node pair */
  PetscInt          *cellBlocks;    /* [ncells*nen*nen]: block of node pair (a, b) of each cell */
  /* matrix layout (spacemat.c): the block array goes into the AIJ matrix by TwinSpaceMatSetValues */
  PetscBool          petscCOO;      /* -twin_matrix_petsc_coo (or a non-AIJ matrix type): PETSc's COO path */
  PetscInt           nnodes, *adjStart, *adj; /* local node adjacency: block k couples node n to adj[k] */
  PetscInt          *nodeGlobal;    /* [nnodes*ncomp]: global index of each node DOF, -1 constrained */
  PetscInt          *blkPos;        /* [nblocks]: offset of the column node in its row of Ad (>= 0) or Ao (-1-offset); ghost rows: slot in the ghost block array */
  PetscInt          *cellNodes;     /* [ncells*nen]: local node of each kernel node */
  PetscInt          *nodeRow;       /* [nnodes]: local row of the first free DOF (owned), -2 owned elsewhere, -1 all fixed */
  PetscInt          *nodeFree;      /* [nnodes]: number of free components */
  PetscInt           nghostBlocks, *sendGhostIdx; /* ghost-row blocks, and where each sent entry sits among them */
  PetscScalar       *ghostVals;     /* [nghostBlocks*ncomp*ncomp]: their values during direct assembly */
  PetscInt           rstart, nsend, nrecv, *sendIdx, *recvTarget; /* interface rows owned elsewhere */
  PetscSF            sf;            /* sent entries (leaves) to the owners' received entries (roots) */
  PetscScalar       *sendBuf, *recvBuf;
  PetscInt           chunk, ncolors, *colorStart, *colorCells; /* coloured chunks of cells */
  PetscBool          setup;
};

/* Create the DOF layout (no constraints yet). qorder: quadrature degree of the cell element
 * (<= 0: the stiffness default, 2*order). Collective. */
PETSC_EXTERN PetscErrorCode TwinSpaceCreate(TwinMesh mesh, PetscInt order, PetscInt ncomp, PetscInt qorder, TwinSpace *sp);
/* Constrain the components with active[c] on the closure of every point of label `name`, tagged
 * with `id` (later calls win). Before TwinSpaceSetUp(). Not collective. */
PETSC_EXTERN PetscErrorCode TwinSpaceConstrain(TwinSpace sp, const char name[], const PetscBool active[], PetscInt id);
/* Finish: make constraints consistent over ranks, number the DOFs, map cells, lay out a new
 * matrix A (spacemat.c) (options prefix `prefix`). Collective. */
PETSC_EXTERN PetscErrorCode TwinSpaceSetUp(TwinSpace sp, const char prefix[], Mat *A);
/* Boundary faces of label `name` owned by this rank, mapped to kernel nodes. Not collective. */
PETSC_EXTERN PetscErrorCode TwinSpaceGetFaces(TwinSpace sp, const char name[], PetscInt *n, TwinFace **faces);
/* Kernel-ordered vertex coordinates X[nverts*dim] of local cell lc. */
static inline void TwinSpaceCellCoordinates(TwinSpace sp, PetscInt lc, double *X)
{
  const PetscInt *cv = &sp->cellVerts[lc * sp->nverts];
  for (PetscInt k = 0; k < sp->nverts; k++)
    for (PetscInt d = 0; d < sp->dim; d++) X[k * sp->dim + d] = PetscRealPart(sp->coords[cv[k] + d]);
}
/* Kernel-ordered vertex coordinates Xf[face nverts*dim] of a boundary face, taken from its cell's
 * coordinates X (TwinSpaceCellCoordinates). */
static inline void TwinSpaceFaceCoordinates(TwinSpace sp, const TwinFace *f, const double *X, double *Xf)
{
  for (PetscInt k = 0; k < sp->face.nverts; k++)
    for (PetscInt d = 0; d < sp->dim; d++) Xf[k * sp->dim + d] = X[f->fvert[k] * sp->dim + d];
}
/* Kernel-ordered values ue[nedof] of local cell lc from a local vector array. */
static inline void TwinSpaceCellValues(TwinSpace sp, PetscInt lc, const PetscScalar *ul, double *ue)
{
  for (PetscInt a = 0; a < sp->nen; a++)
    for (PetscInt c = 0; c < sp->ncomp; c++) ue[a * sp->ncomp + c] = PetscRealPart(ul[sp->cellDofs[lc * sp->nen + a] + c]);
}
/* Position of a mesh point carrying nodes: the mean of its vertices. */
PETSC_EXTERN PetscErrorCode TwinSpacePointPosition(TwinSpace sp, PetscInt p, PetscReal x[]);
/* Add an element matrix Ke[nedof*nedof] of local cell lc into a block value array v (layout of
 * sp->cellBlocks; moved into a matrix by TwinSpaceMatSetValues). */
static inline void TwinSpaceAddElementMatrix(TwinSpace sp, PetscInt lc, const double *Ke, PetscScalar *v)
{
  const PetscInt *blk = &sp->cellBlocks[lc * sp->nen * sp->nen];
  PetscInt        nc = sp->ncomp, ne = sp->nedof;
  for (PetscInt a = 0; a < sp->nen; a++)
    for (PetscInt b = 0; b < sp->nen; b++) {
      PetscScalar *w = &v[(PetscCount)blk[a * sp->nen + b] * nc * nc];
      for (PetscInt c = 0; c < nc; c++)
        for (PetscInt d = 0; d < nc; d++) w[c * nc + d] += Ke[(a * nc + c) * ne + b * nc + d];
    }
}
/* Set the values of A (INSERT) from a block array (what TwinSpaceAddElementMatrix fills); A is the
 * space's matrix or a duplicate of it. Replaces MatSetValuesCOO. Collective. */
PETSC_EXTERN PetscErrorCode TwinSpaceMatSetValues(TwinSpace sp, const PetscScalar v[], Mat A);
PETSC_EXTERN PetscErrorCode TwinSpaceSetUpMatrix_Private(TwinSpace sp, Mat A, const PetscInt *nodeGlobal);
PETSC_EXTERN PetscErrorCode TwinSpaceDestroyMatrix_Private(TwinSpace sp);
/* Default preconditioner of a model's KSP: a sparse direct factorization up to
 * -twin_direct_max_dofs global DOFs (default 20000; CHOLMOD on one rank, MUMPS on more), GAMG
 * above. spd: Cholesky, else LU. Before KSPSetFromOptions. Collective. */
#include <petscksp.h>
PETSC_EXTERN PetscErrorCode TwinSolverSetDefaults(KSP ksp, Mat A, PetscBool spd, PetscBool *direct);
/* Direct assembly into the space's AIJ matrix (no block array), for spaces not on PETSc's COO path:
 * TwinSpaceMatDirectBegin zeroes the matrix, threads add element matrices of cells of one colour
 * with TwinSpaceAddElementMatrixDirect (no two share a node, so no two write one row), and
 * TwinSpaceMatDirectEnd sends the interface rows to their owners and assembles. */
typedef struct {
  PetscScalar    *aa, *ba, *gv; /* values of Ad, Ao, and of the ghost-row blocks */
  const PetscInt *ai, *bi;      /* row starts of Ad, Ao */
  Mat             Ad, Ao;
} TwinMatDirect;
PETSC_EXTERN PetscErrorCode TwinSpaceMatDirectBegin(TwinSpace sp, Mat A, TwinMatDirect *w);
PETSC_EXTERN PetscErrorCode TwinSpaceMatDirectEnd(TwinSpace sp, Mat A, TwinMatDirect *w);
#define TWIN_NOBLOCK PETSC_MIN_INT
static inline void TwinSpaceAddElementMatrixDirect(TwinSpace sp, const TwinMatDirect *w, PetscInt lc, const double *Ke)
{
  const PetscInt  nen = sp->nen, nc = sp->ncomp, ne = sp->nedof;
  const PetscInt *blk = &sp->cellBlocks[lc * nen * nen], *cn = &sp->cellNodes[lc * nen], *ng = sp->nodeGlobal;
  for (PetscInt a = 0; a < nen; a++) {
    PetscInt A = cn[a], r0 = sp->nodeRow[A];
    if (r0 == -1) continue; /* every DOF of the row node is fixed */
    for (PetscInt b = 0; b < nen; b++) {
      PetscInt      k = blk[a * nen + b], p = sp->blkPos[k], B = sp->adj[k];
      const double *ke = &Ke[a * nc * ne + b * nc];
      if (p == TWIN_NOBLOCK) continue;
      if (r0 < 0) { /* a row owned by another rank: the ghost block, sent at the end */
        PetscScalar *g = &w->gv[(PetscCount)p * nc * nc];
        for (PetscInt c = 0; c < nc; c++)
          for (PetscInt d = 0; d < nc; d++) g[c * nc + d] += ke[c * ne + d];
      } else if (sp->nodeFree[A] == nc && sp->nodeFree[B] == nc) { /* all free: a dense block */
        for (PetscInt c = 0; c < nc; c++) {
          PetscScalar *dst = p >= 0 ? &w->aa[w->ai[r0 + c] + p] : &w->ba[w->bi[r0 + c] - 1 - p];
          for (PetscInt d = 0; d < nc; d++) dst[d] += ke[c * ne + d];
        }
      } else {
        for (PetscInt c = 0, r = r0; c < nc; c++) {
          PetscScalar *dst;
          if (ng[A * nc + c] < 0) continue;
          dst = p >= 0 ? &w->aa[w->ai[r] + p] : &w->ba[w->bi[r] - 1 - p];
          r++;
          for (PetscInt d = 0, j = 0; d < nc; d++)
            if (ng[B * nc + d] >= 0) dst[j++] += ke[c * ne + d];
        }
      }
    }
  }
}
/* Reference coordinates xi of physical point x in the cell with vertex coordinates X (Newton on
 * the geometry map); returns whether x lies in the cell (with a small tolerance). */
PETSC_EXTERN PetscBool TwinSpaceLocateInCell(TwinSpace sp, const double *X, const double *x, double *xi);
/* Whether points lie in the mesh, and the deck's probes checked at set-up. Collective. */
PETSC_EXTERN PetscErrorCode TwinSpaceLocatePoints(TwinSpace sp, PetscInt n, const PetscReal x[], PetscBool found[]);
PETSC_EXTERN PetscErrorCode TwinSpaceCheckProbes(TwinSpace sp, TwinDeck deck);
PETSC_EXTERN PetscErrorCode TwinSpaceDestroy(TwinSpace *sp);

#endif
