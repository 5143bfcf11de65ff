/* deckfunction.c: values that vary in time (thermal boundary values and sources). The deck
 * validator fills a TwinFunction (numbers checked finite, tables sorted, periods positive);
 * these evaluate it. Pure functions of their arguments: no PETSc calls, not collective. */
#include <math.h>
#include <twinfe/deck.h>

/* Value of f at time t (s). Tables are linear between rows and constant outside them. */
PetscReal TwinFunctionEval(const TwinFunction *f, PetscReal t)
{
  switch (f->kind) {
  case TWIN_FN_CONSTANT:
    return f->value;
  case TWIN_FN_TABLE: {
    PetscInt lo = 0, hi = f->ntable - 1;
    if (f->ntable < 1) return 0;
    if (t <= f->tt[0]) return f->tv[0];
    if (t >= f->tt[hi]) return f->tv[hi];
    while (hi - lo > 1) { /* tt[lo] < t < tt[hi] */
      PetscInt mid = (lo + hi) / 2;
      if (f->tt[mid] <= t)
        lo = mid;
      else
        hi = mid;
    }
    return f->tv[lo] + (f->tv[hi] - f->tv[lo]) * (t - f->tt[lo]) / (f->tt[hi] - f->tt[lo]);
  }
  case TWIN_FN_SIN:
    return f->mean + f->amplitude * PetscSinReal(2 * PETSC_PI * (t - f->phase) / f->period);
  case TWIN_FN_RAMP:
    if (t <= f->t0) return f->v0;
    if (t >= f->t1) return f->v1;
    return f->v0 + (f->v1 - f->v0) * (t - f->t0) / (f->t1 - f->t0);
  case TWIN_FN_STEP:
    return t < f->t0 ? f->v0 : f->v1;
  }
  return 0;
}

/* Constant in time: a number, or a table, sine, ramp or step that never changes its value. */
PetscBool TwinFunctionIsConstant(const TwinFunction *f)
{
  switch (f->kind) {
  case TWIN_FN_CONSTANT:
    return PETSC_TRUE;
  case TWIN_FN_TABLE:
    for (PetscInt i = 1; i < f->ntable; i++)
      if (f->tv[i] != f->tv[0]) return PETSC_FALSE;
    return PETSC_TRUE;
  case TWIN_FN_SIN:
    return f->amplitude == 0 ? PETSC_TRUE : PETSC_FALSE;
  case TWIN_FN_RAMP:
  case TWIN_FN_STEP:
    return f->v0 == f->v1 ? PETSC_TRUE : PETSC_FALSE;
  }
  return PETSC_FALSE;
}
