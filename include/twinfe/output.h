/* output.h: results in HDF5 (written collectively, in natural numbering) with an XDMF sidecar
 * for ParaView. Files are written under a temporary name and renamed, so a reader never sees
 * half a file. Layout: docs/formats.md. */
#ifndef TWINFE_OUTPUT_H
#define TWINFE_OUTPUT_H

#include <twinfe/mechanics.h>
#include <twinfe/thermal.h>

#define TWIN_FORMAT_VERSION 2

typedef struct _TwinOutput *TwinOutput;

/* mkdir -p on rank 0, with the error on every rank. Collective. */
PETSC_EXTERN PetscErrorCode TwinMakeDirectory(MPI_Comm comm, const char dir[]);

/* Open OUTDIR/twin.h5 (a temporary name until closed) and write the mesh. Collective. */
PETSC_EXTERN PetscErrorCode TwinOutputCreate(TwinMesh mesh, TwinDeck deck, TwinSpace sp, const char outdir[], TwinOutput *out);
/* The same for OUTDIR/BASE.h5 and BASE.xmf (e.g. "forecast"). Collective. */
PETSC_EXTERN PetscErrorCode TwinOutputCreateNamed(TwinMesh mesh, TwinDeck deck, TwinSpace sp, const char outdir[], const char base[], TwinOutput *out);
/* Append the current state at time t as /steps/NNNN; record probe values. Collective. */
PETSC_EXTERN PetscErrorCode TwinOutputWriteStep(TwinOutput out, PetscReal t, TwinMechanics m, TwinThermal th);
/* A field at the owned vertices (increasing local vertex, ghosts skipped), written in natural
 * order and listed in the XDMF statistics grid as `name`. Collective. */
PETSC_EXTERN PetscErrorCode TwinOutputWriteVertexField(TwinOutput out, const char path[], const char name[], PetscInt ncomp, const PetscReal owned[]);
/* A dense table of doubles, and a list of names (rank 0's data). Collective. */
PETSC_EXTERN PetscErrorCode TwinOutputWriteTable(TwinOutput out, const char path[], PetscInt nrows, PetscInt ncols, const double data[]);
PETSC_EXTERN PetscErrorCode TwinOutputWriteNames(TwinOutput out, const char path[], PetscInt n, const char *names[]);
/* Root attributes: the physics label and numbers (ensemble size, groups, seed). */
PETSC_EXTERN PetscErrorCode TwinOutputSetPhysics(TwinOutput out, const char physics[]);
PETSC_EXTERN PetscErrorCode TwinOutputWriteAttribute(TwinOutput out, const char name[], double value);
/* Checkpoint support: record the state of the results file in progress (flushing it), and
 * reopen it in a resumed run. Collective. */
PETSC_EXTERN PetscErrorCode TwinOutputSaveState(TwinOutput out, PetscViewer v);
PETSC_EXTERN PetscErrorCode TwinOutputReopen(TwinMesh mesh, TwinDeck deck, TwinSpace sp, const char outdir[], PetscViewer v, TwinOutput *out);
/* A small replicated array of reals as a dataset of an HDF5 viewer on comm: write (rank 0's) or
 * read (to every rank). Checkpoints. Collective. */
PETSC_EXTERN PetscErrorCode TwinViewerArray(MPI_Comm comm, PetscViewer v, const char name[], PetscInt n, PetscReal a[], PetscBool load);
/* Close the file in progress without finishing it (a run stopping to be resumed). Collective. */
PETSC_EXTERN PetscErrorCode TwinOutputAbandon(TwinOutput *out);
/* Final state as /fields, probes, attributes; rename into place; write twin.xmf. Collective. */
PETSC_EXTERN PetscErrorCode TwinOutputClose(TwinOutput *out, TwinMechanics m, TwinThermal th);

/* Write OUTDIR/twin.h5 and OUTDIR/twin.xmf for a solved structural model (mesh, displacement,
 * stresses, von Mises, probes, run attributes). Creates OUTDIR. Collective. */
PETSC_EXTERN PetscErrorCode TwinOutputWriteMechanics(TwinMechanics mech, const char outdir[]);

#endif
