/* mesh.h: the distributed mesh. A TwinMesh is a DMPlex (interpolated, distributed without
 * overlap) plus what the rest of the engine needs to stay independent of the rank count:
 * the natural (input) number of every local vertex and cell, and named boundaries and
 * regions as DMLabels. */
#ifndef TWINFE_MESH_H
#define TWINFE_MESH_H

#include <petscdmplex.h>
#include <petscbt.h>
#include <petscsf.h>
#include <twinfe/deck.h>

typedef struct _TwinMesh *TwinMesh;
struct _TwinMesh {
  DM        dm;            /* distributed DMPlex */
  PetscInt  dim;           /* topological = coordinate dimension */
  PetscBool simplex;       /* triangles/tetrahedra, else quadrilaterals/hexahedra */
  PetscInt  cStart, cEnd;  /* local cells */
  PetscInt  vStart, vEnd;  /* local vertices */
  PetscInt *vnatural;      /* natural number of local vertex v - vStart */
  PetscInt *cnatural;      /* natural number of local cell c - cStart */
  PetscInt  nvglobal, ncglobal;
  PetscInt  pStart, pEnd;  /* local chart */
  PetscBT   ghost;         /* ghost[p - pStart]: point p is owned by another rank */
  char    **boundaries;    /* label names usable in `on:` */
  PetscInt  nboundaries;
  char    **regions;       /* label names usable as material regions */
  PetscInt  nregions;
  char      source[TWIN_PATH_LEN]; /* "box" or the file */
};

/* Build the mesh the deck describes (box generator or Gmsh file), distribute it over comm
 * and record natural numbers. Collective. A box on more than one rank is generated in
 * parallel, one brick per rank (unless -twin_box_parallel 0 or -twin_partition petsc). A box
 * gets boundaries xmin..zmax; a Gmsh file gets one label per physical group (boundaries:
 * dimension dim-1, regions: dimension dim). */
PETSC_EXTERN PetscErrorCode TwinMeshCreate(MPI_Comm comm, TwinDeck deck, TwinMesh *mesh);
/* Same with a given partition: cellRank[c] is the rank of natural cell c (read on rank 0 only;
 * NULL: the partitioner decides). Reproduces a distribution exactly (restarts, ensemble groups):
 * the bricks of a parallel box are generated in parallel again, any other partition is handed
 * to DMPlexDistribute. */
PETSC_EXTERN PetscErrorCode TwinMeshCreateWithPartition(MPI_Comm comm, TwinDeck deck, const PetscInt cellRank[], TwinMesh *mesh);
/* The partition of a distributed mesh: on rank 0, *cellRank[c] = rank of natural cell c
 * (ncglobal entries; the caller frees it); NULL elsewhere. Collective. */
PETSC_EXTERN PetscErrorCode TwinMeshGetPartition(TwinMesh mesh, PetscInt **cellRank);
/* Serial part of the above, exposed for tests: create on rank 0 (empty elsewhere). */
PETSC_EXTERN PetscErrorCode TwinMeshCreateBox(MPI_Comm comm, PetscInt dim, TwinCellKind cell,
                                              const PetscInt cells[], const PetscReal lower[],
                                              const PetscReal upper[], DM *dm);
/* The parallel box generator (TwinMeshCreate's default for a box on more than one rank): the
 * process grid of bricks for `size` ranks (found = PETSC_FALSE when there is none with a cell on
 * every rank), the rank of a natural cell in it, and the distributed mesh with the natural number
 * of every local point (-1 for edges and faces). Exposed for tests. */
PETSC_EXTERN PetscErrorCode TwinMeshBoxProcessGrid(PetscMPIInt size, PetscInt dim, const PetscInt cells[],
                                                   PetscInt procs[], PetscBool *found);
/* Number of cells of a box: grid cells times 2 (triangles) or 6 (tetrahedra) or 1. */
PETSC_EXTERN PetscInt       TwinMeshBoxCellCount(PetscInt dim, TwinCellKind cell, const PetscInt cells[]);
PETSC_EXTERN PetscErrorCode TwinMeshBoxCellRank(PetscInt dim, TwinCellKind cell, const PetscInt cells[],
                                                const PetscInt procs[], PetscInt c, PetscMPIInt *rank);
PETSC_EXTERN PetscErrorCode TwinMeshCreateBoxParallel(MPI_Comm comm, PetscInt dim, TwinCellKind cell,
                                                      const PetscInt cells[], const PetscReal lower[],
                                                      const PetscReal upper[], const PetscInt procs[],
                                                      DM *dm, PetscInt **natural);
PETSC_EXTERN PetscErrorCode TwinMeshCreateGmsh(MPI_Comm comm, const char file[], PetscReal scale,
                                               DM *dm);
/* Is `name` a boundary label of the mesh? */
PETSC_EXTERN PetscErrorCode TwinMeshHasBoundary(TwinMesh mesh, const char name[], PetscBool *has);
/* Mark the local cells of a region ("all" or a cell label); an unknown region is a deck error
 * at deckpath:line:col naming `what`. Collective. */
PETSC_EXTERN PetscErrorCode TwinMeshMarkRegion(TwinMesh mesh, const char region[], PetscInt value, const char deckpath[], int line, int col, const char what[], PetscInt mark[]);
PETSC_EXTERN PetscErrorCode TwinMeshDestroy(TwinMesh *mesh);
/* Sum per-point data acc[(p - pStart) * ncomp + c] over the ranks that share a point, and give
 * every copy the sum (point SF reduce then broadcast): the vertex averages of stress and flux
 * recovery. Collective. */
PETSC_EXTERN PetscErrorCode TwinMeshSumShared(TwinMesh mesh, PetscInt ncomp, PetscReal acc[]);

#endif
