/* ensstats.c: ensemble statistics fields of one output step (shared by the Monte Carlo driver
 * and the twin cycle). */
#include "ensimpl.h"

PetscErrorCode TwinEnsembleWriteStatistics(TwinOutput out, const TwinEnsembleSpec *spec,
                                           const Layout *L, PetscInt nown, PetscInt M,
                                           const PetscInt status[], const PetscReal F[], PetscInt t,
                                           PetscBool last)
{
  PetscInt    nstat = 2 + spec->nquantiles + (spec->exceed_field[0] ? 1 : 0);
  PetscReal  *stat, *col;
  const char *fname[5] = {"temperature", "displacement_x", "displacement_y", "displacement_z",
                          "von_mises"};
  PetscInt    f0       = L->therm ? 0 : 1;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(nown + 1, &stat, M + 1, &col));
  for (PetscInt f = 0; f < L->nfield; f++) {
    const char *fn = fname[f0 + f];
    for (PetscInt s = 0; s < nstat; s++) {
      char path[TWIN_PATH_LEN], name[TWIN_NAME_LEN];
      for (PetscInt i = 0; i < nown; i++) {
        PetscInt n = 0;
        for (PetscInt m = 0; m < M; m++)
          if (status[m]) col[n++] = F[((size_t)m * nown + i) * L->nfield + f];
        if (s == 0 || s == 1) {
          double mean, std;
          TwinStatsMeanStd(n, col, 1, &mean, &std);
          stat[i] = s == 0 ? mean : std;
        } else if (s < 2 + spec->nquantiles)
          stat[i] = TwinStatsQuantile(n, col, spec->quantiles[s - 2]);
        else {
          PetscInt  over = 0;
          PetscReal lim  = spec->exceed_limit;
          for (PetscInt j = 0; j < n; j++)
            over += col[j] > lim;
          stat[i] = (PetscReal)over / n;
        }
      }
      if (s == 0)
        PetscCall(PetscSNPrintf(name, sizeof(name), "mean_%s", fn));
      else if (s == 1)
        PetscCall(PetscSNPrintf(name, sizeof(name), "std_%s", fn));
      else if (s < 2 + spec->nquantiles)
        PetscCall(PetscSNPrintf(name, sizeof(name), "q%02d_%s",
                                (int)(100 * spec->quantiles[s - 2] + 0.5), fn));
      else {
        if (strcmp(spec->exceed_field, fn)) continue;
        PetscCall(PetscSNPrintf(name, sizeof(name), "p_exceed_%s", fn));
      }
      PetscCall(
          PetscSNPrintf(path, sizeof(path), "/steps/%04" PetscInt_FMT "/statistics/%s", t, name));
      PetscCall(TwinOutputWriteVertexField(out, path, name, 1, stat));
      if (last) { /* the final state also at /statistics (time-independent readers) */
        PetscCall(PetscSNPrintf(path, sizeof(path), "/statistics/%s", name));
        PetscCall(TwinOutputWriteVertexField(out, path, name, 1, stat));
      }
    }
  }
  if (L->mech && !strcmp(spec->exceed_field, "displacement_magnitude")) {
    PetscInt fx = L->therm ? 1 : 0; /* displacement_x column */
    for (PetscInt i = 0; i < nown; i++) {
      PetscInt n = 0, over = 0;
      for (PetscInt m = 0; m < M; m++) {
        const PetscReal *u = &F[((size_t)m * nown + i) * L->nfield + fx];
        if (!status[m]) continue;
        n++;
        over += PetscSqrtReal(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]) > spec->exceed_limit;
      }
      stat[i] = n ? (PetscReal)over / n : 0.0;
    }
    char path[TWIN_PATH_LEN];
    PetscCall(PetscSNPrintf(path, sizeof(path),
                            "/steps/%04" PetscInt_FMT "/statistics/p_exceed_displacement_magnitude",
                            t));
    PetscCall(TwinOutputWriteVertexField(out, path, "p_exceed_displacement_magnitude", 1, stat));
    if (last)
      PetscCall(TwinOutputWriteVertexField(out, "/statistics/p_exceed_displacement_magnitude",
                                           "p_exceed_displacement_magnitude", 1, stat));
  }
  PetscCall(PetscFree2(stat, col));
  PetscFunctionReturn(0);
}
