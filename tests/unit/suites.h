/* suites.h: every CUnit suite of the unit-test binary registers itself through one function. */
#ifndef TWINFE_TESTS_SUITES_H
#define TWINFE_TESTS_SUITES_H
#include <CUnit/CUnit.h>

int TwinTestKernelsRegister(void); /* tests/unit/test_kernels.c */
int TwinTestDeckRegister(void);    /* tests/unit/test_deck.c */
int TwinTestThermalKernelsRegister(void);
int TwinTestEnsembleRegister(void); /* tests/unit/test_ensemble.c */
int TwinTestFilterRegister(void);   /* tests/unit/test_filter.c */

#endif
