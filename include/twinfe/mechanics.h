/* mechanics.h: the linear-elastic structural model on a TwinMesh.
 *
 * Life cycle (PETSc style): TwinMechanicsCreate() lays out the DOFs (a PetscSection whose
 * constraints are the Dirichlet DOFs), maps every cell's closure to kernel node order and
 * builds the COO pattern once; TwinMechanicsAssemble() fills the matrix and load vector
 * with the kernels of kernels/ in an OpenMP loop; TwinMechanicsSolve() runs KSP (options
 * prefix mechanics_, CG + GAMG with the rigid-body near-nullspace by default);
 * TwinMechanicsRecoverStress() computes nodal (averaged) and cell stresses. */
#ifndef TWINFE_MECHANICS_H
#define TWINFE_MECHANICS_H

#include <petscksp.h>
#include <twinfe/mesh.h>
#include <twk.h>

typedef struct {
  PetscInt   face, cell;       /* local boundary face and its cell */
  PetscReal  traction[3];      /* constant traction */
  PetscReal  pressure;         /* pressure (positive into the body) */
  PetscInt   fvert[4];         /* face kernel vertex k is cell kernel vertex fvert[k] */
  PetscInt   fnode[9];         /* face kernel node b is cell kernel node fnode[b] */
} TwinFaceLoad;

/* A vector function of position, v[0..dim) = f(x); used for manufactured solutions and for
 * loads and boundary values that vary in space. */
typedef void (*TwinPointFunction)(PetscInt dim, const PetscReal x[], PetscReal v[], void *ctx);

typedef struct _TwinMechanics *TwinMechanics;
struct _TwinMechanics {
  TwinMesh      mesh;          /* borrowed */
  TwinDeck      deck;          /* borrowed */
  PetscInt      dim, order;
  TwkElement    elem;          /* field element of the cells */
  TwkElement    face;          /* field element of the boundary faces */
  TwkElement    geom;          /* order-1 element (geometry, point location) */
  PetscInt      nen, nedof, nverts;
  PetscInt      vertexNode[TWK_MAX_VERTS]; /* kernel node at each geometry vertex */
  PetscSection  section;       /* local DOF layout, Dirichlet DOFs as constraints */
  PetscInt     *cellDofs;      /* [ncells*nen]: local offset of each kernel node's first DOF */
  PetscInt     *cellVerts;     /* [ncells*nverts]: local coordinate offset of each kernel vertex */
  PetscInt     *cellMat;       /* [ncells]: material index */
  PetscBool    *cellLifted;    /* [ncells]: has a nonzero Dirichlet value */
  TwkElasticity *mats;         /* per material */
  PetscReal    *bodyForce;     /* per material, [nmat*3] */
  TwinFaceLoad *faceLoads;
  PetscInt      nfaceLoads;
  PetscInt      blockSize;     /* dim when every node is entirely free or entirely fixed */
  PetscCount    ncoo;          /* COO entries: one dim x dim block per coupled node pair */
  PetscScalar  *cooValues;     /* assembled blocks, summed over the cells that share them */
  PetscInt     *cellBlocks;    /* [ncells*nen*nen]: block of node pair (a, b) of each cell */
  PetscInt      chunk;         /* cells per assembly chunk (consecutive local cells) */
  PetscInt      ncolors;       /* chunks of one colour share no vertex: assembled without atomics */
  PetscInt     *colorStart;    /* [ncolors+1] into colorCells */
  PetscInt     *colorCells;    /* chunk numbers, colour after colour */
  Mat           A;
  KSP           ksp;
  Vec           u, b;          /* global: solution and load, free DOFs only */
  Vec           ulocal;        /* local: solution with Dirichlet values */
  Vec           bcLocal;       /* local: Dirichlet values, zero elsewhere */
  const PetscScalar *coords;   /* local vertex coordinates (borrowed array of the DM) */
  PetscInt      ndofGlobal;
  TwinPointFunction bodyFn;    /* optional body force f(x), added to the deck's */
  void         *bodyCtx;
  /* results of the last solve */
  PetscInt      iterations;
  PetscReal     residual;
  PetscReal    *vertexStress;  /* [nlocalverts*6] nodal-averaged Voigt stress (all local vertices) */
  PetscReal    *vertexVonMises;
  PetscReal    *cellStress;    /* [ncells*6] stress at cell centroids */
  PetscReal    *cellVonMises;
};

/* Set up the model of a deck on a mesh. Collective. Errors for unknown boundaries or regions
 * and cells without material name the deck line and column. */
PETSC_EXTERN PetscErrorCode TwinMechanicsCreate(TwinMesh mesh, TwinDeck deck, TwinMechanics *mech);
/* Body force varying in space, added to the deck's constant one. Not collective. */
PETSC_EXTERN PetscErrorCode TwinMechanicsSetBodyForceFunction(TwinMechanics mech, TwinPointFunction f, void *ctx);
/* Prescribed displacement u(x) for every constrained DOF (replacing the deck's constant values on
 * those DOFs), evaluated at the node positions. Not collective. */
PETSC_EXTERN PetscErrorCode TwinMechanicsSetDirichletFunction(TwinMechanics mech, TwinPointFunction f, void *ctx);
/* Squared L2 norms over the whole mesh of u_h - u_exact and of u_exact, with a quadrature of
 * degree qorder (manufactured-solution tests). Collective. */
PETSC_EXTERN PetscErrorCode TwinMechanicsErrorL2(TwinMechanics mech, TwinPointFunction exact, void *ctx, PetscInt qorder, PetscReal *err2, PetscReal *norm2);
/* Assemble matrix and load vector. Collective. */
PETSC_EXTERN PetscErrorCode TwinMechanicsAssemble(TwinMechanics mech);
/* Solve; an unconverged solve is an error (PETSC_ERR_NOT_CONVERGED). Collective. */
PETSC_EXTERN PetscErrorCode TwinMechanicsSolve(TwinMechanics mech);
/* Stresses from the last solution. Collective. */
PETSC_EXTERN PetscErrorCode TwinMechanicsRecoverStress(TwinMechanics mech);
/* Evaluate displacement and stress at physical points (probes). Every rank gets the values;
 * found[i] is false for a point outside the mesh. Stress is the average over the cells that
 * contain the point. Collective. */
PETSC_EXTERN PetscErrorCode TwinMechanicsEvaluate(TwinMechanics mech, PetscInt n, const PetscReal x[],
                                                  PetscReal disp[], PetscReal stress[], PetscBool found[]);
/* Whether points lie inside the mesh (probes are checked at set-up, before any solve). Collective. */
PETSC_EXTERN PetscErrorCode TwinMechanicsLocatePoints(TwinMechanics mech, PetscInt n, const PetscReal x[], PetscBool found[]);
/* Local displacement of kernel node order for a cell: ue[nedof]. Not collective. */
PETSC_EXTERN PetscErrorCode TwinMechanicsCellDisplacement(TwinMechanics mech, PetscInt c, const PetscScalar *ul, PetscReal *ue);
PETSC_EXTERN PetscErrorCode TwinMechanicsDestroy(TwinMechanics *mech);

#endif
