/* obs.h: sensors and observations. The sensor layout (inline in the deck or an HDF5 file),
 * snapshot files (one observation time each, untrusted input), and the observation operator
 * that evaluates every sensor on the current model state of a member.
 * File layouts: docs/formats.md ("Sensor layout", "Snapshot"). */
#ifndef TWINFE_OBS_H
#define TWINFE_OBS_H
#include <twinfe/mechanics.h>
#include <twinfe/thermal.h>

/* ---- sensor layout ----------------------------------------------------------------------- */
/* Read a layout file (untrusted): /sensors/name (strings), /sensors/kind (strings), /sensors/position
 * [n][3], /sensors/direction [n][3] (optional for temperature sensors), /sensors/sigma [n]. Rank 0
 * reads, every rank gets the list. A defect is PETSC_ERR_FILE_UNEXPECTED naming the file and the
 * defect. Collective. */
PETSC_EXTERN PetscErrorCode TwinSensorLayoutRead(MPI_Comm comm, const char path[], PetscInt *n, TwinSensor **sensors);
/* The parser behind TwinSensorLayoutRead, on the calling process only (no MPI, no PETSc error
 * handler; for tests and the fuzz target): 0 with *sensors allocated (PetscFree), or nonzero
 * with a one-line message "FILE: what is wrong (what was expected)" in msg and nothing left
 * allocated or open. Directions come out normalized (zero for temperature sensors). */
PETSC_EXTERN int TwinSensorLayoutParse(const char path[], PetscInt *n, TwinSensor **sensors, char msg[], size_t msglen);
/* Write a layout file (atomically: temporary name, then rename). Collective, rank 0 writes. */
PETSC_EXTERN PetscErrorCode TwinSensorLayoutWrite(MPI_Comm comm, const char path[], PetscInt n, const TwinSensor sensors[]);
/* The deck's sensors: the inline list or the layout file; checks unique names, unit directions
 * and positive sigma. *sensors is allocated (PetscFree). Collective. */
PETSC_EXTERN PetscErrorCode TwinSensorsFromDeck(TwinDeck deck, PetscInt *n, TwinSensor **sensors);

/* ---- snapshots --------------------------------------------------------------------------- */
typedef struct {
  char       file[TWIN_PATH_LEN];
  PetscReal  time;   /* model time, s */
  PetscInt   n;      /* observations in the file */
  PetscInt  *sensor; /* [n] index into the layout */
  PetscReal *value;  /* [n] observed values; NaN = missing */
  PetscReal *sigma;  /* [n] error standard deviation: the file's, else the layout's */
} TwinSnapshot;

/* Parse a snapshot file on the calling process only (no MPI, no PETSc error handler): 0 on
 * success; otherwise nonzero with a one-line message in msg ("FILE: what is wrong") and nothing
 * left allocated or open. start_epoch: Unix time of model time 0 for files that carry an ISO-8601
 * `timestamp` instead of `time` (NaN: the deck has no assimilation.start, such files are
 * refused). Used by TwinSnapshotRead and by the fuzz target. */
PETSC_EXTERN int TwinSnapshotParse(const char path[], PetscInt nsensors, const TwinSensor sensors[], double start_epoch, TwinSnapshot *snap, char msg[], size_t msglen);
/* Rank 0 parses, every rank gets the snapshot or the same error (PETSC_ERR_FILE_UNEXPECTED with
 * the message). Collective. */
PETSC_EXTERN PetscErrorCode TwinSnapshotRead(MPI_Comm comm, const char path[], PetscInt nsensors, const TwinSensor sensors[], double start_epoch, TwinSnapshot *snap);
/* Write a snapshot (attribute time, names, values, sigma) atomically. Collective, rank 0 writes. */
PETSC_EXTERN PetscErrorCode TwinSnapshotWrite(MPI_Comm comm, const char path[], const TwinSnapshot *snap, const TwinSensor sensors[]);
PETSC_EXTERN PetscErrorCode TwinSnapshotDestroy(TwinSnapshot *snap);
/* Files matching a glob pattern, sorted by name (rank 0 lists, broadcast). *files: PetscFree each
 * and the array. Collective. */
PETSC_EXTERN PetscErrorCode TwinSnapshotGlob(MPI_Comm comm, const char pattern[], PetscInt *n, char ***files);
/* ISO-8601 date-time ("2026-11-26T08:00:00Z", "...+01:00", fractional seconds allowed; no zone =
 * UTC) to Unix seconds. Returns 0 on success, nonzero for anything else. Not collective. */
PETSC_EXTERN int TwinParseTimestamp(const char text[], double *epoch);

/* ---- observation operator ---------------------------------------------------------------- */
typedef struct _TwinObsOperator *TwinObsOperator;
/* Locate every sensor once in the (distributed) mesh of the models: a sensor belongs to the first
 * rank whose cells contain it. A sensor outside the mesh, or of a kind whose model is absent
 * (temperature needs thermal:, displacement and strain need mechanics:), is an error naming it.
 * th or mech may be NULL. Collective on the models' communicator. */
PETSC_EXTERN PetscErrorCode TwinObsOperatorCreate(TwinThermal th, TwinMechanics mech, PetscInt n, const TwinSensor sensors[], TwinObsOperator *H);
/* Predicted observations of the models' current state: hx[n] on every rank (temperature,
 * displacement along the direction, total strain along the gauge axis). Collective. */
PETSC_EXTERN PetscErrorCode TwinObsOperatorApply(TwinObsOperator H, PetscReal hx[]);
/* Does any sensor need the mechanics solution? */
PETSC_EXTERN PetscBool TwinObsOperatorNeedsMechanics(TwinObsOperator H);
PETSC_EXTERN PetscErrorCode TwinObsOperatorDestroy(TwinObsOperator *H);

#endif
