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
#include <twinfe/space.h>
#include <twinfe/thermal.h>

typedef struct {
  TwinFace   f;                /* the face and its node maps */
  PetscInt   bc;               /* its condition in deck->mechanics.bcs */
  PetscReal  traction[3];      /* constant traction */
  PetscReal  pressure;         /* pressure (positive into the body) */
} TwinFaceLoad;

/* A vector function of position, v[0..dim) = f(x); used for manufactured solutions and for
 * loads and boundary values that vary in space. */
typedef void (*TwinPointFunction)(PetscInt dim, const PetscReal x[], PetscReal v[], void *ctx);

typedef struct _TwinMechanics *TwinMechanics;
struct _TwinMechanics {
  TwinMesh      mesh;          /* borrowed */
  TwinDeck      deck;          /* borrowed */
  TwinSpace     sp;            /* displacement: dim components per node, Dirichlet constraints */
  PetscInt      dim, order;
  PetscBool    *cellLifted;    /* [ncells]: has a nonzero Dirichlet value */
  PetscInt     *cellMat;       /* [ncells]: material index */
  TwkElasticity *mats;         /* per material */
  PetscReal    *bodyForce;     /* per material, [nmat*3] */
  TwinFaceLoad *faceLoads;
  PetscInt      nfaceLoads;
  PetscScalar  *cooValues;     /* assembled node blocks (layout of sp->cellBlocks), only on PETSc's COO path */
  Mat           A;
  KSP           ksp;
  Vec           u, b;          /* global: solution and load, free DOFs only */
  Vec           ulocal;        /* local: solution with Dirichlet values */
  Vec           bcLocal;       /* local: Dirichlet values, zero elsewhere */
  PetscInt      ndofGlobal;
  TwinThermal   thermal;       /* coupling: temperature drives thermal strain (borrowed), or NULL */
  PetscBool     matAssembled;  /* the stiffness does not depend on temperature: assemble once */
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
/* Couple to a thermal model on the same mesh and order: loads and stresses use its current
 * temperature (thermal strain alpha (T - Tref) per material). Not collective. */
PETSC_EXTERN PetscErrorCode TwinMechanicsSetTemperature(TwinMechanics mech, TwinThermal th);
/* Re-read changed deck values (materials, loads, boundary values); the stiffness and its
 * preconditioner are kept when no material constant changed. Not collective. */
PETSC_EXTERN PetscErrorCode TwinMechanicsUpdate(TwinMechanics mech);
/* Assemble, solve and recover stresses: one quasi-static state at the current temperature (the
 * stiffness is assembled once, the load every call). Collective. */
PETSC_EXTERN PetscErrorCode TwinMechanicsSolveState(TwinMechanics mech);
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
/* Local displacement of kernel node order for a cell: ue[nedof]. Not collective. */
PETSC_EXTERN PetscErrorCode TwinMechanicsCellDisplacement(TwinMechanics mech, PetscInt c, const PetscScalar *ul, PetscReal *ue);
PETSC_EXTERN PetscErrorCode TwinMechanicsDestroy(TwinMechanics *mech);

#endif
