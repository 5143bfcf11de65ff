/* asm_omp.c (make bench): OpenMP scaling of twinfe's matrix assembly on one rank.
 *   build/scripts/bench/asm_omp DECK T1,T2,... [REPS]
 * Sets up the deck's model once, then for each thread count in turn assembles REPS times and
 * prints the TwinAssemblyMat time of the first call ("cold": the first call of the process
 * writes the COO value array for the first time, so it includes the page faults of that
 * array) and the minimum over the calls ("warm"). Run it with the counts in both orders to
 * get a cold time for each. Output lines: "asm_omp threads T cold|warm SECONDS".
 * TwinMechanicsAssemble() assembles the stiffness only once per model (m->matAssembled; later
 * calls redo the load vector only), so the flag is cleared before every call here. */
#include <twinfe/mechanics.h>
#include <omp.h>
#include "benchlog.h"

int main(int argc, char **argv)
{
  TwinDeck      deck;
  TwinMesh      mesh;
  TwinMechanics mech;
  PetscInt      reps = 5;
  char          list[256];
  PetscBool     first = PETSC_TRUE;

  if (argc < 3) {
    fprintf(stderr, "usage: asm_omp DECK T1,T2,... [REPS]\n");
    return 1;
  }
  if (argc > 3) reps = atoi(argv[3]);
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscLogDefaultBegin());
  PetscCall(TwinInitializePackage());
  PetscCall(TwinDeckLoad(PETSC_COMM_WORLD, argv[1], &deck));
  PetscCall(TwinMeshCreate(PETSC_COMM_WORLD, deck, &mesh));
  PetscCall(TwinMechanicsCreate(mesh, deck, &mech));
  PetscCall(PetscStrncpy(list, argv[2], sizeof(list)));
  for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
    int            nt = atoi(tok);
    PetscLogDouble best = 1e300, cold = -1;
    omp_set_num_threads(nt);
    for (PetscInt r = 0; r < reps; r++) {
      PetscLogDouble t0 = 0, t1 = 0;
      mech->matAssembled = PETSC_FALSE; /* force the matrix, not only the loads */
      PetscCall(EventTime(TWIN_EVENTS.AssemblyMat, &t0));
      PetscCall(TwinMechanicsAssemble(mech));
      PetscCall(EventTime(TWIN_EVENTS.AssemblyMat, &t1));
      if (first) cold = t1 - t0;
      else best = PetscMin(best, t1 - t0);
      first = PETSC_FALSE;
    }
    if (cold >= 0) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "asm_omp threads %d cold %.6f\n", nt, cold));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "asm_omp threads %d warm %.6f\n", nt, best));
  }
  PetscCall(TwinMechanicsDestroy(&mech));
  PetscCall(TwinMeshDestroy(&mesh));
  PetscCall(TwinDeckDestroy(&deck));
  PetscCall(PetscFinalize());
  return 0;
}
