/* sys.c: package registration (log classes and events) and build information. */
#include <twinfe/sys.h>

TwinLogEvents    TWIN_EVENTS;
static PetscBool TwinPackageInitialized = PETSC_FALSE;

#ifndef TWINFE_GITREV
  #define TWINFE_GITREV "unknown"
#endif

/*@C
  TwinInitializePackage - Register twinfe's log class and events, once. Collective on PETSC_COMM_WORLD.
@*/
PetscErrorCode TwinInitializePackage(void)
{
  PetscFunctionBegin;
  if (TwinPackageInitialized) PetscFunctionReturn(0);
  TwinPackageInitialized = PETSC_TRUE;
  PetscCall(PetscClassIdRegister("twinfe", &TWIN_EVENTS.classid));
  PetscCall(PetscLogEventRegister("TwinDeckLoad", TWIN_EVENTS.classid, &TWIN_EVENTS.DeckLoad));
  PetscCall(PetscLogEventRegister("TwinMeshCreate", TWIN_EVENTS.classid, &TWIN_EVENTS.MeshCreate));
  PetscCall(PetscLogEventRegister("TwinMeshDistrib", TWIN_EVENTS.classid, &TWIN_EVENTS.MeshDistribute));
  PetscCall(PetscLogEventRegister("TwinSetup", TWIN_EVENTS.classid, &TWIN_EVENTS.Setup));
  PetscCall(PetscLogEventRegister("TwinAssemblyMat", TWIN_EVENTS.classid, &TWIN_EVENTS.AssemblyMat));
  PetscCall(PetscLogEventRegister("TwinMatPattern", TWIN_EVENTS.classid, &TWIN_EVENTS.MatPattern));
  PetscCall(PetscLogEventRegister("TwinMatSetValues", TWIN_EVENTS.classid, &TWIN_EVENTS.MatSetValues));
  PetscCall(PetscLogEventRegister("TwinAssemblyRhs", TWIN_EVENTS.classid, &TWIN_EVENTS.AssemblyRhs));
  PetscCall(PetscLogEventRegister("TwinSolve", TWIN_EVENTS.classid, &TWIN_EVENTS.Solve));
  PetscCall(PetscLogEventRegister("TwinStress", TWIN_EVENTS.classid, &TWIN_EVENTS.StressRecovery));
  PetscCall(PetscLogEventRegister("TwinOutputWrite", TWIN_EVENTS.classid, &TWIN_EVENTS.OutputWrite));
  PetscCall(PetscLogEventRegister("TwinForecast", TWIN_EVENTS.classid, &TWIN_EVENTS.Forecast));
  PetscCall(PetscLogEventRegister("TwinObsApply", TWIN_EVENTS.classid, &TWIN_EVENTS.ObsApply));
  PetscCall(PetscLogEventRegister("TwinAnalysis", TWIN_EVENTS.classid, &TWIN_EVENTS.Analysis));
  PetscCall(PetscLogEventRegister("TwinSnapshotRead", TWIN_EVENTS.classid, &TWIN_EVENTS.SnapshotRead));
  PetscFunctionReturn(0);
}

/*@C
  TwinGitRevision - The git revision twinfe was built from. Not collective.
@*/
const char *TwinGitRevision(void)
{
  return TWINFE_GITREV;
}
