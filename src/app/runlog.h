/* runlog.h: the run's manifest and JSON-lines log (src/app only). */
#ifndef TWINFE_APP_RUNLOG_H
#define TWINFE_APP_RUNLOG_H
#include <twinfe/deck.h>

PetscErrorCode TwinRunManifest(MPI_Comm comm, const char outdir[], TwinDeck deck, PetscInt nset, const char *const set[], PetscInt groups, PetscBool restart);
PetscErrorCode TwinRunLog(MPI_Comm comm, const char event[], const char fields[], ...) PETSC_ATTRIBUTE_FORMAT(3, 4);
PetscErrorCode TwinRunLogClose(void);
#endif
