/* sys.h: error handling, logging and version information shared by every twinfe module. */
#ifndef TWINFE_SYS_H
#define TWINFE_SYS_H

#include <petscsys.h>

#define TWINFE_VERSION_MAJOR 0
#define TWINFE_VERSION_MINOR 1
#define TWINFE_VERSION_PATCH 0
#define TWINFE_VERSION       "0.1.0"
#define TWIN_NAME_LEN        64

/* Wrap a call of a library that returns a negative value on failure (HDF5). */
#define PetscCallHDF5(func, args) \
  do { \
    if ((func args) < 0) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "HDF5 call %s() failed", #func); \
  } while (0)

/* Log events: every expensive phase is one, so -log_view shows where time goes. */
typedef struct {
  PetscClassId  classid;
  PetscLogEvent MeshCreate, MeshDistribute, DeckLoad, Setup, AssemblyMat, AssemblyRhs, Solve,
    StressRecovery, OutputWrite, Forecast, ObsApply, Analysis, SnapshotRead, MatPattern, MatSetValues;
} TwinLogEvents;
extern TwinLogEvents TWIN_EVENTS;

/* Register twinfe's log classes and events (collective, idempotent). */
PETSC_EXTERN PetscErrorCode TwinInitializePackage(void);

/* The git revision the library was built from ("unknown" outside a checkout). */
PETSC_EXTERN const char *TwinGitRevision(void);

#endif
