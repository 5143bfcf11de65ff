/* asm_rate.c (make bench, scripts/bench/asmrate.sh): twinfe's matrix assembly rate.
 *   mpiexec -n P build/scripts/bench/asm_rate DECK mech|heat [REPS]
 * Sets the deck's model up once, then assembles its matrix REPS times (default 5) and prints
 * the best time (each call's time is the maximum over ranks) and the cells:
 *   asm_rate kind mech cells C ranks P best SECONDS first SECONDS flop F
 * mech: the TwinAssemblyMat event of TwinMechanicsAssemble() (element stiffness kernels, the
 *   scatter into the block array, TwinMatSetValues); m->matAssembled is cleared before
 *   every call (otherwise the stiffness is assembled once per model).
 * heat: the TwinAssemblyMat event of the thermal operator (conductivity and capacity kernels,
 *   block scatter, convection faces) plus one TwinSpaceMatSetValues of the system matrix, timed here.
 *   The operator is rebuilt by a steady solve with th->assembled cleared; the solve itself is
 *   made trivial (-thermal_ksp_type preonly -thermal_pc_type none
 *   -thermal_ksp_initial_guess_nonzero 0) and not timed. */
#include <twinfe/mechanics.h>
#include <twinfe/thermal.h>
#include "benchlog.h"

int main(int argc, char **argv)
{
  TwinDeck       deck;
  TwinMesh       mesh;
  PetscInt       reps = 5, cells;
  PetscMPIInt    size;
  PetscBool      heat;
  PetscLogDouble best = 1e300, first = -1;

  if (argc < 3) {
    fprintf(stderr, "usage: asm_rate DECK mech|heat [REPS]\n");
    return 1;
  }
  heat = strcmp(argv[2], "heat") == 0 ? PETSC_TRUE : PETSC_FALSE;
  if (argc > 3) reps = atoi(argv[3]);
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscLogDefaultBegin());
  PetscCall(PetscOptionsInsertString(NULL, "-thermal_ksp_type preonly -thermal_pc_type none -thermal_ksp_initial_guess_nonzero 0"));
  PetscCall(TwinInitializePackage());
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(TwinDeckLoad(PETSC_COMM_WORLD, argv[1], &deck));
  PetscCall(TwinMeshCreate(PETSC_COMM_WORLD, deck, &mesh));
  cells = mesh->cEnd - mesh->cStart;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &cells, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD));
  if (!heat) {
    TwinMechanics mech;
    PetscCall(TwinMechanicsCreate(mesh, deck, &mech));
    for (PetscInt r = 0; r < reps; r++) {
      PetscLogDouble t0 = 0, t1 = 0, dt;
      mech->matAssembled = PETSC_FALSE;
      PetscCall(EventTime(TWIN_EVENTS.AssemblyMat, &t0));
      PetscCall(TwinMechanicsAssemble(mech));
      PetscCall(EventTime(TWIN_EVENTS.AssemblyMat, &t1));
      dt = t1 - t0;
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &dt, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
      if (first < 0) first = dt;
      best = PetscMin(best, dt);
    }
    PetscCall(TwinMechanicsDestroy(&mech));
  } else {
    TwinThermal th;
    PetscCall(TwinThermalCreate(mesh, deck, &th));
    PetscCall(TwinThermalInitialize(th));
    for (PetscInt r = 0; r < reps; r++) {
      PetscLogDouble t0 = 0, t1 = 0, s0, s1, dt;
      th->assembled = PETSC_FALSE;
      PetscCall(EventTime(TWIN_EVENTS.AssemblyMat, &t0));
      PetscCall(TwinThermalSolveSteady(th, 0.0));
      PetscCall(EventTime(TWIN_EVENTS.AssemblyMat, &t1));
      PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
      PetscCall(PetscTime(&s0));
      PetscCall(TwinSpaceMatSetValues(th->sp, th->cooA, th->A));
      PetscCall(PetscTime(&s1));
      dt = (t1 - t0) + (s1 - s0);
      if (getenv("ASM_RATE_VERBOSE")) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "rep %d kernels %.6f coo %.6f\n", (int)r, t1 - t0, s1 - s0));
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &dt, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
      if (first < 0) first = dt;
      best = PetscMin(best, dt);
    }
    PetscCall(TwinThermalDestroy(&th));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "asm_rate kind %s cells %" PetscInt_FMT " ranks %d best %.6f first %.6f\n", heat ? "heat" : "mech", cells, size,
                        best, first));
  PetscCall(TwinMeshDestroy(&mesh));
  PetscCall(TwinDeckDestroy(&deck));
  PetscCall(PetscFinalize());
  return 0;
}
