/* synthesize.c: `twinfe synthesize DECK`: one deterministic truth member of the deck's ensemble
 * (parameters at synthesize.truth, the others at their prior mean), observed by the deck's
 * sensors every synthesize.every seconds, with Gaussian noise of each sensor's sigma from the
 * stream (synthesize.seed, 0, TWIN_PURPOSE_OBSNOISE, k). Writes one snapshot per time (named
 * after the assimilation.snapshots pattern, or snap_NNNN.h5) and the true fields at those times
 * to DIRECTORY/truth.h5 (+ truth.xmf), so twin experiments can score the analysis. */
#include <twinfe/twin.h>
#include <twinfe/obs.h>
#include <twinfe/ensemble.h>
#include <twinfe/output.h>
#include <stdio.h>

/* The snapshot file name of index i: the pattern's file part with its first '*' replaced by
 * a 4-digit number (snap_*.h5 -> snap_0003.h5), else snap_NNNN.h5. */
static PetscErrorCode SnapshotName(const char *pattern, const char *dir, PetscInt i, char *out,
                                   size_t len)
{
  const char *base = strrchr(pattern, '/') ? strrchr(pattern, '/') + 1 : pattern;
  const char *star = strchr(base, '*');
  int         n;

  PetscFunctionBegin;
  if (star && !strpbrk(star + 1, "*?["))
    n = snprintf(out, len, "%s/%.*s%04d%s", dir, (int)(star - base), base, (int)i, star + 1);
  else
    n = snprintf(out, len, "%s/snap_%04d.h5", dir, (int)i);
  PetscCheck(n > 0 && (size_t)n < len, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "snapshot path in %s too long", dir);
  PetscFunctionReturn(0);
}

/*@C
  TwinSynthesize - Write the noisy snapshots and true fields of a truth run of the deck.

  Collective
@*/
PetscErrorCode TwinSynthesize(MPI_Comm comm, const char deckPath[], PetscInt nset,
                              const char *const set[])
{
  TwinDeck            deck = NULL;
  TwinEnsembleSpec    spec;
  TwinDeckSynthesize *sy;
  TwinMesh            mesh = NULL;
  TwinThermal         th   = NULL;
  TwinMechanics       mech = NULL;
  TwinObsOperator     H    = NULL;
  TwinOutput          out  = NULL;
  TwinSensor         *sens = NULL;
  PetscInt            ns, nsnap = 0;
  PetscReal          *hx;
  char                dir[TWIN_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(TwinDeckLoad(comm, deckPath, &deck));
  PetscCall(TwinDeckSetList(deck, nset, set));
  sy = &deck->synthesize;
  PetscCheck(sy->enabled, comm, PETSC_ERR_USER,
             "%s: `twinfe synthesize` needs a synthesize: section (truth values, every, directory)",
             deckPath);
  PetscCheck(deck->sensors.enabled, comm, PETSC_ERR_USER,
             "%s: `twinfe synthesize` needs a sensors: section", deckPath);
  PetscCall(TwinEnsembleSpecFromDeck(deck, &spec));
  /* the truth: synthesize.truth by name, the prior mean for the other parameters */
  for (PetscInt j = 0; j < (spec.enabled ? spec.nparams : 0); j++) {
    double v, var;
    char   assign[TWIN_PATH_LEN + 64];
    TwinDistributionMoments(&spec.params[j].dist, &v, &var);
    for (PetscInt i = 0; i < sy->ntruth; i++)
      if (!strcmp(sy->truth_name[i], spec.params[j].name)) v = sy->truth_value[i];
    snprintf(assign, sizeof(assign), "%s=%.17g", spec.params[j].target, v);
    PetscCall(TwinDeckSet(deck, assign));
    {
      char line[TWIN_NAME_LEN + 64];
      snprintf(line, sizeof(line), "twinfe: truth %s = %.6g\n", spec.params[j].name, v);
      PetscCall(PetscPrintf(comm, "%s", line));
    }
  }
  for (PetscInt i = 0; i < sy->ntruth; i++) {
    PetscBool known = PETSC_FALSE;
    for (PetscInt j = 0; j < (spec.enabled ? spec.nparams : 0); j++)
      known = known || !strcmp(sy->truth_name[i], spec.params[j].name);
    PetscCheck(known, comm, PETSC_ERR_USER,
               "%s:%d:%d: synthesize.truth names '%s', which is not an ensemble parameter",
               deckPath, sy->line, sy->col, sy->truth_name[i]);
  }
  PetscCall(PetscStrncpy(dir, sy->directory, sizeof(dir)));
  PetscCall(TwinMakeDirectory(comm, dir));

  PetscCall(TwinMeshCreate(comm, deck, &mesh));
  if (deck->thermal.enabled) PetscCall(TwinThermalCreate(mesh, deck, &th));
  if (deck->has_mechanics) {
    PetscCall(TwinMechanicsCreate(mesh, deck, &mech));
    if (deck->mechanics.coupled) PetscCall(TwinMechanicsSetTemperature(mech, th));
  }
  PetscCall(TwinSensorsFromDeck(deck, &ns, &sens));
  PetscCall(TwinObsOperatorCreate(th, mech, ns, sens, &H));
  PetscCall(PetscMalloc1(ns, &hx));
  PetscCall(TwinOutputCreateNamed(mesh, deck, th ? th->sp : mech->sp, dir, "truth", &out));
  if (th) PetscCall(TwinThermalInitialize(th));
  {
    PetscReal end = sy->end > 0 ? sy->end : deck->time.end, dt = deck->time.step;
    PetscInt  ntimes = deck->time.transient ? (PetscInt)PetscFloorReal(end / sy->every + 1e-9) : 1;
    for (PetscInt i = 1; i <= ntimes; i++) {
      PetscReal    t = deck->time.transient ? i * sy->every : 0.0;
      TwinSnapshot snap;
      char         path[TWIN_PATH_LEN];
      if (deck->time.transient)
        while (th->t < t - 1e-9 * dt)
          PetscCall(TwinThermalStep(th, PetscMin(dt, t - th->t)));
      else if (th)
        PetscCall(TwinThermalSolveSteady(th, 0.0));
      if (mech) PetscCall(TwinMechanicsSolveState(mech));
      if (th) PetscCall(TwinThermalRecoverFlux(th));
      PetscCall(TwinObsOperatorApply(H, hx));
      PetscCall(PetscMemzero(&snap, sizeof(snap)));
      snap.time = t;
      snap.n    = ns;
      PetscCall(PetscMalloc3(ns, &snap.sensor, ns, &snap.value, ns, &snap.sigma));
      for (PetscInt s = 0; s < ns; s++) {
        double z       = sy->noise
                             ? TwinNormalInverseCDF(TwinRandomUniform(sy->seed, 0, TWIN_PURPOSE_OBSNOISE,
                                                                      (uint64_t)((i - 1) * ns + s)))
                             : 0.0;
        snap.sensor[s] = s;
        snap.sigma[s]  = sens[s].sigma;
        snap.value[s]  = hx[s] + z * sens[s].sigma;
      }
      PetscCall(
          SnapshotName(deck->assimilation.enabled ? deck->assimilation.snapshots : "snap_*.h5", dir,
                       i, path, sizeof(path)));
      PetscCall(PetscStrncpy(snap.file, path, sizeof(snap.file)));
      PetscCall(TwinSnapshotWrite(comm, path, &snap, sens));
      PetscCall(PetscFree3(snap.sensor, snap.value, snap.sigma));
      PetscCall(TwinOutputWriteStep(out, t, mech, th));
      nsnap++;
    }
  }
  PetscCall(TwinOutputSetPhysics(out, "twin truth (synthesize)"));
  {
    PetscInt    k = spec.enabled ? spec.nparams : 0;
    double      tv[TWIN_MAX_PARAMS];
    const char *names[TWIN_MAX_PARAMS];
    for (PetscInt j = 0; j < k; j++) {
      double var;
      TwinDistributionMoments(&spec.params[j].dist, &tv[j], &var);
      for (PetscInt i = 0; i < sy->ntruth; i++)
        if (!strcmp(sy->truth_name[i], spec.params[j].name)) tv[j] = sy->truth_value[i];
      names[j] = spec.params[j].name;
    }
    if (k) {
      PetscCall(TwinOutputWriteNames(out, "/truth/parameter_names", k, names));
      PetscCall(TwinOutputWriteTable(out, "/truth/parameters", 1, k, tv));
    }
  }
  PetscCall(TwinOutputClose(&out, mech, th));
  PetscCall(PetscPrintf(comm,
                        "twinfe: synthesize: wrote %" PetscInt_FMT " snapshots of %" PetscInt_FMT
                        " sensors to %s (noise %s, seed %llu) and the true fields to %s/truth.h5\n",
                        nsnap, ns, dir, sy->noise ? "on" : "off", (unsigned long long)sy->seed,
                        dir));
  PetscCall(PetscFree(hx));
  PetscCall(PetscFree(sens));
  PetscCall(TwinObsOperatorDestroy(&H));
  PetscCall(TwinMechanicsDestroy(&mech));
  PetscCall(TwinThermalDestroy(&th));
  PetscCall(TwinMeshDestroy(&mesh));
  PetscCall(TwinDeckDestroy(&deck));
  PetscFunctionReturn(0);
}
