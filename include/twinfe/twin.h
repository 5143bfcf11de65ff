/* twin.h: the twin cycle. An ensemble of the deck's model is forecast to each sensor snapshot,
 * the snapshot is assimilated (filter.h) into the member states and the estimated parameters,
 * statistics are written, and after the last snapshot the ensemble is forecast to the prediction
 * horizon. `twinfe synthesize` makes the snapshots of a known truth for twin experiments.
 * Outputs: docs/formats.md ("Twin results", "Forecast file"). */
#ifndef TWINFE_TWIN_H
#define TWINFE_TWIN_H
#include <twinfe/deck.h>
#include <signal.h>

/* Run the twin of a deck with assimilation (with "path=value" overrides) on G groups of ranks.
 * restart: resume from OUTDIR/checkpoint-gNN.h5 (same ranks and groups). stop: set
 * asynchronously (SIGTERM/SIGUSR1) to checkpoint at the next cycle boundary and return with
 * *checkpointed = true (the command exits with status 3); may be NULL. Checkpoints are also
 * written every checkpoint.every seconds of model time. PETSc option -twin_assimilation_off runs
 * the same ensemble without analyses (the free run that twin experiments compare against).
 * Collective. */
PETSC_EXTERN PetscErrorCode TwinAssimilationRun(MPI_Comm world, const char deckPath[], PetscInt nset, const char *const set[], PetscInt G, PetscBool restart, volatile sig_atomic_t *stop, PetscBool *checkpointed);
/* Run one truth member (ensemble parameters at synthesize.truth, others at their prior mean),
 * write noisy snapshots every synthesize.every to synthesize.end into synthesize.directory, and
 * the true fields at those times to DIRECTORY/truth.h5. Collective. */
PETSC_EXTERN PetscErrorCode TwinSynthesize(MPI_Comm comm, const char deckPath[], PetscInt nset,
                                           const char *const set[]);
#endif
