/* main.c: the unit-test binary. Runs every CUnit suite; exit status is the number of failures.
 * Runs on one rank (PETSc is initialized for the deck tests, which use PETSc errors). */
#include <CUnit/Basic.h>
#include <petscsys.h>
#include "suites.h"

int main(int argc, char **argv)
{
  unsigned int failures;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if (CU_initialize_registry() != CUE_SUCCESS) return 1;
  if (TwinTestKernelsRegister() || TwinTestThermalKernelsRegister() || TwinTestDeckRegister() ||
      TwinTestEnsembleRegister() || TwinTestFilterRegister()) {
    fprintf(stderr, "unit tests: suite registration failed: %s\n", CU_get_error_msg());
    return 1;
  }
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  CU_cleanup_registry();
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
