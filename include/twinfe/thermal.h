/* thermal.h: heat conduction on a TwinMesh. Steady or transient (theta scheme: backward Euler
 * by default, Crank-Nicolson with theta = 1/2), per-region conductivity, density and specific
 * heat, volumetric sources, and boundaries of fixed temperature, heat flux, convection and
 * radiation; values may vary in time. Linear problems assemble the operator once and reuse
 * the KSP (prefix thermal_) and its preconditioner for every step; radiation makes the problem
 * nonlinear and goes through SNES (prefix thermal_) with an exact Jacobian. */
#ifndef TWINFE_THERMAL_H
#define TWINFE_THERMAL_H

#include <petscsnes.h>
#include <twinfe/space.h>
#include <twinfe/deck.h>

typedef struct {
  TwinFace f;
  PetscInt bc; /* index in deck->thermal.bcs */
} TwinThermFace;

/* A sparse local vector (the nonzero entries of a cached load or lifting vector). */
typedef struct {
  PetscInt     n;
  PetscInt    *idx;
  PetscScalar *val;
} TwinSparseVec;
typedef struct _TwinThermal *TwinThermal;
struct _TwinThermal {
  TwinMesh       mesh;          /* borrowed */
  TwinDeck       deck;          /* borrowed */
  TwinSpace      sp;            /* temperature: one component per node */
  PetscInt       dim, order;
  PetscInt      *cellMat;       /* [ncells] material index */
  PetscInt      *cellSource;    /* [ncells] source index (last matching), -1 none */
  PetscReal      offset;        /* absolute temperature = T + offset (273.15 for C, 0 for K) */
  TwinThermFace *faces;         /* flux, convection and radiation faces owned here */
  PetscInt       nfaces;
  PetscBool      radiation;     /* nonlinear */
  PetscBool      convVaries;    /* a convection coefficient varies in time: reassemble K */
  PetscScalar   *cooK, *cooM, *cooA; /* assembled blocks: conductivity+convection, capacity, system */
  PetscScalar   *cooJ;          /* radiation Jacobian blocks (Newton scratch, allocated once) */
  Mat            K, M, A, J;    /* J: A plus the radiation Jacobian (radiation only) */
  KSP            ksp;
  SNES           snes;
  Vec            T, b, work;    /* global (free DOFs) */
  Vec            T0;            /* initial temperature from thermal.initial.file, or NULL */
  Vec            Tlocal;        /* local: current temperature with Dirichlet values */
  Vec            Told;          /* local: previous step */
  Vec            rhsLocal;      /* local scratch */
  PetscReal      t, dt, theta;  /* current time, step, scheme */
  PetscInt       step, iterations, totalIterations;
  PetscBool      assembled;
  PetscReal      sig[192];      /* the deck values the operator was built from (TwinThermalUpdate) */
  /* per-step right-hand side from cached vectors, scaled by the time functions' values:
     loads per unit value (flux, convection h T_amb, source) and lifting -M I, -K I per fixed-
     temperature condition (rebuilt with the operator; not used when h varies in time) */
  TwinSparseVec *cacheLoad;     /* [nbcs + nsources] */
  TwinSparseVec *cacheLiftM, *cacheLiftK; /* [nbcs] */
  PetscBool      loadCached, liftCached;
  PetscInt       nsig;
  /* results for output */
  PetscReal     *vertexFlux;    /* [nlocalverts*3] nodal-averaged heat flux */
  PetscReal     *cellFlux;      /* [ncells*3] at cell centroids */
};

/* Set up the thermal model of a deck. Collective. */
PETSC_EXTERN PetscErrorCode TwinThermalCreate(TwinMesh mesh, TwinDeck deck, TwinThermal *th);
/* Initial state (the deck's uniform initial temperature, Dirichlet values at t = 0). Collective. */
PETSC_EXTERN PetscErrorCode TwinThermalInitialize(TwinThermal th);
/* Read thermal.initial.file (a natural-ordered vertex field) into T0; checks shape, size and
 * values (the file is untrusted). Called by TwinThermalCreate(). Collective. */
PETSC_EXTERN PetscErrorCode TwinThermalReadInitial(TwinThermal th);
/* Replace the initial temperature by T0(x) at the nodes (tests, convergence studies). */
PETSC_EXTERN PetscErrorCode TwinThermalSetInitialFunction(TwinThermal th, void (*T0)(PetscInt dim, const PetscReal x[], PetscReal *T, void *ctx), void *ctx);
/* Steady state: solve for the temperature at time t (boundary values evaluated at t). */
PETSC_EXTERN PetscErrorCode TwinThermalSolveSteady(TwinThermal th, PetscReal t);
/* One theta step from th->t to th->t + dt. Collective. */
PETSC_EXTERN PetscErrorCode TwinThermalStep(TwinThermal th, PetscReal dt);
/* Nodal and cell heat flux -k grad T of the current state. Collective. */
PETSC_EXTERN PetscErrorCode TwinThermalRecoverFlux(TwinThermal th);
/* Temperature at physical points (averaged over the cells containing each point). Collective. */
PETSC_EXTERN PetscErrorCode TwinThermalEvaluate(TwinThermal th, PetscInt n, const PetscReal x[], PetscReal T[], PetscBool found[]);
/* Re-read changed deck values; keep the operator and preconditioner unless a conductivity,
 * capacity or convection coefficient changed. Not collective. */
PETSC_EXTERN PetscErrorCode TwinThermalUpdate(TwinThermal th);
/* Checkpoint: save and restore the transient state (temperature, time, step). Collective. */
PETSC_EXTERN PetscErrorCode TwinThermalSaveState(TwinThermal th, PetscViewer v);
PETSC_EXTERN PetscErrorCode TwinThermalLoadState(TwinThermal th, PetscViewer v);
/* Ensemble members share one model: swap a member's state (this rank's free DOFs of th->T, time,
 * step) in (collective) and out (not collective); positions of those rows (filter localization). */
PETSC_EXTERN PetscErrorCode TwinThermalSetState(TwinThermal th, const PetscReal T[], PetscReal t, PetscInt step);
PETSC_EXTERN PetscErrorCode TwinThermalGetState(TwinThermal th, PetscReal T[]);
PETSC_EXTERN PetscErrorCode TwinThermalDofPositions(TwinThermal th, PetscReal x[]);
PETSC_EXTERN PetscErrorCode TwinThermalDestroy(TwinThermal *th);

#endif
