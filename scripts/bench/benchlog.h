/* benchlog.h: shared by the bench programs in scripts/bench. */
#ifndef TWINFE_BENCHLOG_H
#define TWINFE_BENCHLOG_H
#include <petscsys.h>

/* Seconds logged so far by event e on this rank (main stage). */
static inline PetscErrorCode EventTime(PetscLogEvent e, PetscLogDouble *t)
{
  PetscEventPerfInfo info;

  PetscFunctionBegin;
  PetscCall(PetscLogEventGetPerfInfo(0, e, &info));
  *t = info.time;
  PetscFunctionReturn(0);
}
#endif
