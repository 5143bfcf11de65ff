/* cycle.c: the twin cycle (DESIGN.md section 1).
 *
 *   initial ensemble (parameters sampled from the deck's ensemble: section)
 *   for every snapshot, in time order:
 *     forecast every member to the snapshot time, predicted observations H(x) of every member
 *     analysis (ETKF / LETKF / EnKF) of the member states and the estimated parameters
 *     statistics of the analysis -> twin.h5 (a step) and forecast.h5 (replaced atomically)
 *   forecast past the last snapshot to prediction.horizon -> twin.h5 and forecast.h5
 * A static deck (no time:) is calibrated instead with ES-MDA over all snapshots.
 *
 * Layout (PDAF's, as the Monte Carlo driver): G groups of ranks; group g runs members g, g+G, ...
 * on its own copy of the mesh, distributed identically; ranks with the same group rank form the
 * ensemble communicator over which member rows are gathered for the analysis. Every rank holds the
 * predicted observations and the parameters of every member, so the filter transforms are
 * computed identically everywhere and applied to local rows. The state of a member is the
 * temperature at this rank's free DOFs; mechanics is quasi-static and follows from it. */
#include <twinfe/twin.h>
#include <twinfe/obs.h>
#include <twinfe/filter.h>
#include "../ensemble/ensimpl.h"
#include "../app/runlog.h"
#include <petscviewerhdf5.h>
#include <stdio.h>
#include <math.h>
#include <sys/stat.h>
#include <time.h>

typedef struct {
  MPI_Comm         world, gcomm, ecomm;
  PetscMPIInt      rank, size, grank;
  PetscInt         G, g;
  TwinDeck         deck0, deck; /* deck0: on world (the spec); deck: this group's working copy */
  TwinEnsembleSpec spec;
  TwinMesh         mesh;
  TwinThermal      th;
  TwinMechanics    mech;
  TwinObsOperator  H;
  Layout           L;
  PetscInt         nown; /* owned vertices */
  PetscInt         ns;   /* sensors */
  TwinSensor      *sens;
  PetscInt         M, k;
  double          *values; /* [M * k] parameter values of every member (replicated) */
  PetscInt         nest, est[TWIN_MAX_PARAMS];
  PetscBool        logp[TWIN_MAX_PARAMS];
  PetscInt        *status; /* [M] 1: alive */
  PetscInt         nrow;   /* state rows on this rank */
  PetscReal       *S;      /* [M * nrow] states of this group's members */
  PetscReal       *rowx;   /* [nrow * 3] */
  PetscReal        t;      /* model time of every member */
  PetscInt         step;
  PetscBool        transient, off, needsMech;
  char             outdir[TWIN_PATH_LEN];
  /* history (replicated), written to twin.h5 and forecast.h5 */
  PetscInt   ncyc, cap;
  PetscReal *ctime, *cobs, *csig, *cfm, *cam, *cpar, *cinn, *cspr, *cana;
  char (*cfile)[256];
  /* results file (group 0) */
  TwinOutput out;
  TwinSpace  osp;
  PetscInt   nsteps;
  PetscReal *phase; /* per twin.h5 step: 0 initial, 1 analysis, 2 prediction */
  PetscInt   phasecap;
} Twin;

static PetscBool Finite(PetscInt n, const PetscReal *x)
{
  for (PetscInt i = 0; i < n; i++)
    if (PetscIsInfOrNanReal(x[i])) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* This member's parameter values into the group's deck and models. */
static PetscErrorCode SetMember(Twin *tw, PetscInt m)
{
  PetscFunctionBegin;
  for (PetscInt j = 0; j < tw->k; j++) {
    char assign[TWIN_PATH_LEN + 64];
    snprintf(assign, sizeof(assign), "%s=%.17g", tw->spec.params[j].target,
             tw->values[m * tw->k + j]);
    PetscCall(TwinDeckSet(tw->deck, assign));
  }
  if (tw->th) PetscCall(TwinThermalUpdate(tw->th));
  if (tw->mech) PetscCall(TwinMechanicsUpdate(tw->mech));
  PetscFunctionReturn(0);
}

/* Forecast member m from tw->t to t1 (static decks: solve); its predicted observations and,
 * when fields != NULL, its owned-vertex fields at t1. Collective on the group. */
static PetscErrorCode ForecastMember(Twin *tw, PetscInt m, PetscReal t1, PetscReal *hx,
                                     PetscReal *fields)
{
  PetscReal qmax[3];

  PetscFunctionBegin;
  PetscCall(SetMember(tw, m));
  if (tw->transient) {
    PetscReal dt = tw->deck->time.step;
    PetscCall(TwinThermalSetState(tw->th, &tw->S[m * tw->nrow], tw->t, tw->step));
    while (tw->th->t < t1 - 1e-9 * dt)
      PetscCall(TwinThermalStep(tw->th, PetscMin(dt, t1 - tw->th->t)));
    PetscCall(TwinThermalGetState(tw->th, &tw->S[m * tw->nrow]));
  } else if (tw->th) {
    PetscCall(TwinThermalInitialize(tw->th));
    PetscCall(TwinThermalSolveSteady(tw->th, 0.0));
  }
  if (tw->mech && (tw->needsMech || fields)) PetscCall(TwinMechanicsSolveState(tw->mech));
  if (hx) PetscCall(TwinObsOperatorApply(tw->H, hx));
  if (fields)
    PetscCall(TwinEnsembleCaptureFields(tw->mesh, tw->mech, tw->th, &tw->L, fields, qmax));
  PetscFunctionReturn(0);
}

/* Report a failed member (rank 0 of its group). */
static void ReportFailure(Twin *tw, PetscInt m, PetscErrorCode ierr, const char *when)
{
  char *why = NULL, line[2048];
  int   len;
  if (ierr) PetscErrorMessage(ierr, NULL, &why);
  len =
      snprintf(line, sizeof(line), "twinfe: ensemble member %" PetscInt_FMT " failed %s (%s) with",
               m, when, ierr ? (why ? why : "solver error") : "non-finite values");
  for (PetscInt j = 0; j < tw->k && len < (int)sizeof(line) - 64; j++)
    len += snprintf(line + len, sizeof(line) - len, " %s = %.6g", tw->spec.params[j].name,
                    tw->values[m * tw->k + j]);
  if (!tw->grank) fprintf(stderr, "%s; it is dropped from the ensemble\n", line);
}

/* Every alive member to t1: HX[m * ns + s] on every rank; fields (if F) reduced to group 0:
 * F[(m * nown + i) * nfield + f]. Members that fail are dropped. Collective on world. */
static PetscErrorCode ForecastAll(Twin *tw, PetscReal t1, PetscReal *HX, PetscReal *F,
                                  const char *when)
{
  size_t   fstride = (size_t)tw->nown * tw->L.nfield;
  PetscInt alive   = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.Forecast, 0, 0, 0, 0));
  PetscCall(PetscArrayzero(HX, tw->M * tw->ns));
  if (F) PetscCall(PetscArrayzero(F, tw->M * fstride));
  for (PetscInt m = tw->g; m < tw->M; m += tw->G) {
    PetscErrorCode ierr;
    PetscInt       ok;
    if (!tw->status[m]) continue;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = ForecastMember(tw, m, t1, &HX[m * tw->ns], F ? &F[m * fstride] : NULL);
    PetscCall(PetscPopErrorHandler());
    ok = !ierr && Finite(tw->ns, &HX[m * tw->ns]) &&
         (!tw->transient || Finite(tw->nrow, &tw->S[m * tw->nrow])) &&
         (!F || Finite((PetscInt)fstride, &F[m * fstride]));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPIU_INT, MPI_MIN, tw->gcomm));
    if (!ok) {
      ReportFailure(tw, m, ierr, when);
      tw->status[m] = 0;
      PetscCall(PetscArrayzero(&HX[m * tw->ns], tw->ns));
      if (F) PetscCall(PetscArrayzero(&F[m * fstride], fstride));
    }
  }
  if (tw->transient) tw->step += (PetscInt)PetscCeilReal((t1 - tw->t) / tw->deck->time.step - 1e-9);
  if (tw->transient) tw->t = t1;
  PetscCallMPI(
      MPI_Allreduce(MPI_IN_PLACE, tw->status, (PetscMPIInt)tw->M, MPIU_INT, MPI_MIN, tw->world));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, HX, (PetscMPIInt)(tw->M * tw->ns), MPIU_REAL, MPI_SUM,
                             tw->ecomm));
  if (F) {
    if (tw->g == 0)
      PetscCallMPI(MPI_Reduce(MPI_IN_PLACE, F, (PetscMPIInt)(tw->M * fstride), MPIU_REAL, MPI_SUM,
                              0, tw->ecomm));
    else
      PetscCallMPI(
          MPI_Reduce(F, NULL, (PetscMPIInt)(tw->M * fstride), MPIU_REAL, MPI_SUM, 0, tw->ecomm));
  }
  for (PetscInt m = 0; m < tw->M; m++)
    alive += tw->status[m] ? 1 : 0;
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.Forecast, 0, 0, 0, 0));
  PetscCheck(alive >= PetscMax(2, tw->spec.min_members), tw->world, PETSC_ERR_USER,
             "%s: only %" PetscInt_FMT " of %" PetscInt_FMT
             " ensemble members are left (%s); the deck asks for at least %" PetscInt_FMT
             " (ensemble.min_members)",
             tw->deck0->path, alive, tw->M, when, PetscMax(2, tw->spec.min_members));
  PetscFunctionReturn(0);
}

/* Fields of every alive member's current state (after an analysis), reduced to group 0. */
static PetscErrorCode CaptureAll(Twin *tw, PetscReal *F)
{
  size_t fstride = (size_t)tw->nown * tw->L.nfield;

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(F, tw->M * fstride));
  for (PetscInt m = tw->g; m < tw->M; m += tw->G) {
    PetscErrorCode ierr = 0;
    PetscReal      qmax[3];
    PetscInt       ok;
    if (!tw->status[m]) continue;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = SetMember(tw, m);
    if (!ierr && tw->transient)
      ierr = TwinThermalSetState(tw->th, &tw->S[m * tw->nrow], tw->t, tw->step);
    if (!ierr && !tw->transient && tw->th) {
      ierr = TwinThermalInitialize(tw->th);
      if (!ierr) ierr = TwinThermalSolveSteady(tw->th, 0.0);
    }
    if (!ierr && tw->mech) ierr = TwinMechanicsSolveState(tw->mech);
    if (!ierr)
      ierr = TwinEnsembleCaptureFields(tw->mesh, tw->mech, tw->th, &tw->L, &F[m * fstride], qmax);
    PetscCall(PetscPopErrorHandler());
    ok = !ierr && Finite((PetscInt)fstride, &F[m * fstride]);
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPIU_INT, MPI_MIN, tw->gcomm));
    if (!ok) {
      ReportFailure(tw, m, ierr, "after the analysis");
      tw->status[m] = 0;
      PetscCall(PetscArrayzero(&F[m * fstride], fstride));
    }
  }
  PetscCallMPI(
      MPI_Allreduce(MPI_IN_PLACE, tw->status, (PetscMPIInt)tw->M, MPIU_INT, MPI_MIN, tw->world));
  if (tw->g == 0)
    PetscCallMPI(MPI_Reduce(MPI_IN_PLACE, F, (PetscMPIInt)(tw->M * fstride), MPIU_REAL, MPI_SUM, 0,
                            tw->ecomm));
  else
    PetscCallMPI(
        MPI_Reduce(F, NULL, (PetscMPIInt)(tw->M * fstride), MPIU_REAL, MPI_SUM, 0, tw->ecomm));
  PetscFunctionReturn(0);
}

/* The analysis of one snapshot (or of several merged, ES-MDA) from the forecast's predicted
 * observations HX (not changed); am[s]: the mean of the linearised analysis HX for the sensors
 * used (NaN elsewhere). */
static PetscErrorCode Analyse(Twin *tw, const TwinSnapshot *snap, const PetscReal *HX,
                              PetscInt cycle, TwinFilterKind kind, PetscReal alpha, PetscReal *am,
                              TwinFilterStats *st, PetscInt *nused)
{
  PetscInt          Na = 0, no = 0, *alive, *oidx;
  PetscReal        *X = NULL, *P, *HXs, *y, *r, *ox;
  TwinFilterOptions opt;
  TwinEnsembleView  E;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.Analysis, 0, 0, 0, 0));
  for (PetscInt s = 0; s < tw->ns; s++)
    am[s] = NAN;
  PetscCall(PetscMemzero(st, sizeof(*st)));
  PetscCall(PetscMalloc2(tw->M, &alive, snap->n + 1, &oidx));
  for (PetscInt m = 0; m < tw->M; m++)
    if (tw->status[m]) alive[Na++] = m;
  for (PetscInt j = 0; j < snap->n;
       j++) { /* usable observations: observed, predicted by every member */
    PetscInt  s  = snap->sensor[j];
    PetscBool ok = !PetscIsInfOrNanReal(snap->value[j]) && snap->sigma[j] > 0;
    for (PetscInt a = 0; a < Na && ok; a++)
      ok = !PetscIsInfOrNanReal(HX[alive[a] * tw->ns + s]);
    if (ok) oidx[no++] = j;
  }
  *nused = no;
  if (no && tw->off) { /* free run: the forecast's innovation and spread, no analysis */
    PetscReal inn = 0, spr = 0, *c;
    PetscCall(PetscMalloc1(Na, &c));
    for (PetscInt i = 0; i < no; i++) {
      PetscInt j = oidx[i], s = snap->sensor[j];
      double   mean, std, col;
      for (PetscInt a = 0; a < Na; a++)
        c[a] = HX[alive[a] * tw->ns + s];
      TwinStatsMeanStd(Na, c, 1, &mean, &std);
      col = (snap->value[j] - mean) / snap->sigma[j];
      inn += col * col;
      spr += std * std / (snap->sigma[j] * snap->sigma[j]);
    }
    PetscCall(PetscFree(c));
    st->innovation_rms = PetscSqrtReal(inn / no);
    st->spread_rms     = PetscSqrtReal(spr / no);
    st->analysis_rms   = NAN;
  }
  if (!no || tw->off) {
    PetscCall(PetscFree2(alive, oidx));
    PetscCall(PetscLogEventEnd(TWIN_EVENTS.Analysis, 0, 0, 0, 0));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc6(tw->nest * Na + 1, &P, no * Na, &HXs, no, &y, no, &r, 3 * no, &ox,
                         tw->nrow * Na + 1, &X));
  for (PetscInt i = 0; i < no; i++) {
    PetscInt j = oidx[i], s = snap->sensor[j];
    y[i] = snap->value[j];
    r[i] = snap->sigma[j] * snap->sigma[j] * alpha;
    for (PetscInt d = 0; d < 3; d++)
      ox[3 * i + d] = tw->sens[s].x[d];
    for (PetscInt a = 0; a < Na; a++)
      HXs[i * Na + a] = HX[alive[a] * tw->ns + s];
  }
  for (PetscInt e = 0; e < tw->nest; e++)
    for (PetscInt a = 0; a < Na; a++) {
      double v      = tw->values[alive[a] * tw->k + tw->est[e]];
      P[e * Na + a] = tw->logp[e] ? log(v) : v;
    }
  if (tw->transient) { /* every member's rows on every group: sum over the ensemble communicator */
    PetscCall(PetscArrayzero(X, tw->nrow * Na));
    for (PetscInt a = 0; a < Na; a++)
      if (alive[a] % tw->G == tw->g)
        for (PetscInt i = 0; i < tw->nrow; i++)
          X[i * Na + a] = tw->S[alive[a] * tw->nrow + i];
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, X, (PetscMPIInt)(tw->nrow * Na), MPIU_REAL, MPI_SUM,
                               tw->ecomm));
  }
  opt.kind      = kind;
  opt.inflation = tw->deck->assimilation.inflation;
  opt.rtps      = tw->deck->assimilation.rtps;
  opt.radius    = kind == TWIN_FILTER_LETKF ? tw->deck->assimilation.radius : 0.0;
  opt.grid      = kind == TWIN_FILTER_LETKF ? tw->deck->assimilation.grid : 0.0;
  opt.alpha     = alpha;
  opt.seed      = tw->spec.seed;
  opt.cycle     = cycle;
  E.N           = Na;
  E.nrow        = tw->transient ? tw->nrow : 0;
  E.X           = X;
  E.rowx        = tw->rowx;
  E.np          = tw->nest;
  E.P           = P;
  E.nobs        = no;
  E.HX          = HXs;
  E.y           = y;
  E.r           = r;
  E.obsx        = ox;
  PetscCall(TwinFilterAnalyse(&opt, &E, st));
  if (tw->transient)
    for (PetscInt a = 0; a < Na; a++)
      if (alive[a] % tw->G == tw->g)
        for (PetscInt i = 0; i < tw->nrow; i++)
          tw->S[alive[a] * tw->nrow + i] = X[i * Na + a];
  for (PetscInt e = 0; e < tw->nest; e++)
    for (PetscInt a = 0; a < Na; a++)
      tw->values[alive[a] * tw->k + tw->est[e]] = tw->logp[e] ? exp(P[e * Na + a]) : P[e * Na + a];
  for (PetscInt i = 0; i < no; i++) {
    PetscReal mean = 0;
    for (PetscInt a = 0; a < Na; a++)
      mean += HXs[i * Na + a];
    am[snap->sensor[oidx[i]]] = mean / Na;
  }
  PetscCall(PetscFree6(P, HXs, y, r, ox, X));
  PetscCall(PetscFree2(alive, oidx));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.Analysis, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* Mean, std, 5 % and 95 % quantiles over alive members of HX[m * ns + s]: out[4 * ns]. */
static PetscErrorCode SensorStats(Twin *tw, const PetscReal *HX, PetscReal *out)
{
  PetscReal *col;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(tw->M, &col));
  for (PetscInt s = 0; s < tw->ns; s++) {
    PetscInt n = 0;
    double   mean, std;
    for (PetscInt m = 0; m < tw->M; m++)
      if (tw->status[m]) col[n++] = HX[m * tw->ns + s];
    TwinStatsMeanStd(n, col, 1, &mean, &std);
    out[s]              = mean;
    out[tw->ns + s]     = std;
    out[2 * tw->ns + s] = TwinStatsQuantile(n, col, 0.05);
    out[3 * tw->ns + s] = TwinStatsQuantile(n, col, 0.95);
  }
  PetscCall(PetscFree(col));
  PetscFunctionReturn(0);
}

/* Room for `need` cycles in the history arrays. */
static PetscErrorCode GrowHistory(Twin *tw, PetscInt need)
{
  PetscInt ns = tw->ns, M = tw->M, k = tw->k;

  PetscFunctionBegin;
  while (tw->cap < need) {
    PetscInt cap = PetscMax(16, 2 * tw->cap);
    PetscCall(PetscRealloc(sizeof(PetscReal) * cap, &tw->ctime));
    PetscCall(PetscRealloc(sizeof(PetscReal) * cap * ns, &tw->cobs));
    PetscCall(PetscRealloc(sizeof(PetscReal) * cap * ns, &tw->csig));
    PetscCall(PetscRealloc(sizeof(PetscReal) * cap * M * ns, &tw->cfm));
    PetscCall(PetscRealloc(sizeof(PetscReal) * cap * ns, &tw->cam));
    PetscCall(PetscRealloc(sizeof(PetscReal) * cap * M * (k + 1), &tw->cpar));
    PetscCall(PetscRealloc(sizeof(PetscReal) * cap, &tw->cinn));
    PetscCall(PetscRealloc(sizeof(PetscReal) * cap, &tw->cspr));
    PetscCall(PetscRealloc(sizeof(PetscReal) * cap, &tw->cana));
    PetscCall(PetscRealloc(sizeof(*tw->cfile) * cap, &tw->cfile));
    tw->cap = cap;
  }
  PetscFunctionReturn(0);
}

/* Record one cycle in the history. */
static PetscErrorCode RecordCycle(Twin *tw, PetscReal t, const char *file, const TwinSnapshot *snap,
                                  const PetscReal *HXf, const PetscReal *am,
                                  const TwinFilterStats *st)
{
  PetscInt ns = tw->ns, M = tw->M, k = tw->k, c = tw->ncyc;

  PetscFunctionBegin;
  PetscCall(GrowHistory(tw, c + 1));
  tw->ctime[c] = t;
  for (PetscInt s = 0; s < ns; s++)
    tw->cobs[c * ns + s] = tw->csig[c * ns + s] = NAN;
  for (PetscInt j = 0; j < snap->n; j++) {
    tw->cobs[c * ns + snap->sensor[j]] = snap->value[j];
    tw->csig[c * ns + snap->sensor[j]] = snap->sigma[j];
  }
  for (PetscInt m = 0; m < M; m++)
    for (PetscInt s = 0; s < ns; s++)
      tw->cfm[(c * M + m) * ns + s] = tw->status[m] ? HXf[m * ns + s] : NAN;
  for (PetscInt s = 0; s < ns; s++)
    tw->cam[c * ns + s] = am[s];
  for (PetscInt m = 0; m < M; m++)
    for (PetscInt j = 0; j < k; j++)
      tw->cpar[(c * M + m) * k + j] = tw->status[m] ? tw->values[m * k + j] : NAN;
  tw->cinn[c] = st->innovation_rms;
  tw->cspr[c] = st->spread_rms;
  tw->cana[c] = st->analysis_rms;
  PetscCall(PetscStrncpy(tw->cfile[c], file, sizeof(tw->cfile[c])));
  tw->ncyc++;
  PetscFunctionReturn(0);
}

/* The assimilation history as tables under /assimilation (group 0, on an open output). */
static PetscErrorCode WriteHistory(Twin *tw, TwinOutput out)
{
  PetscInt     nc = tw->ncyc, ns = tw->ns, M = tw->M, k = tw->k;
  PetscReal   *fs, *ps, *col;
  const char **names, **files;

  PetscFunctionBegin;
  PetscCall(PetscMalloc5(4 * nc * ns + 1, &fs, 2 * nc * (k + 1) + 1, &ps, M, &col, ns + k + 1,
                         &names, nc + 1, &files));
  for (PetscInt c = 0; c < nc; c++) {
    for (PetscInt s = 0; s < ns; s++) { /* forecast statistics of each sensor at each cycle */
      PetscInt n    = 0;
      double   mean = NAN, std = NAN;
      for (PetscInt m = 0; m < M; m++)
        if (!PetscIsInfOrNanReal(tw->cfm[(c * M + m) * ns + s]))
          col[n++] = tw->cfm[(c * M + m) * ns + s];
      if (n > 1) TwinStatsMeanStd(n, col, 1, &mean, &std);
      fs[(0 * nc + c) * ns + s] = mean;
      fs[(1 * nc + c) * ns + s] = std;
      fs[(2 * nc + c) * ns + s] = n > 1 ? TwinStatsQuantile(n, col, 0.05) : NAN;
      fs[(3 * nc + c) * ns + s] = n > 1 ? TwinStatsQuantile(n, col, 0.95) : NAN;
    }
    for (PetscInt j = 0; j < k; j++) { /* parameter posterior moments */
      PetscInt n    = 0;
      double   mean = NAN, std = NAN;
      for (PetscInt m = 0; m < M; m++)
        if (!PetscIsInfOrNanReal(tw->cpar[(c * M + m) * k + j]))
          col[n++] = tw->cpar[(c * M + m) * k + j];
      if (n > 1) TwinStatsMeanStd(n, col, 1, &mean, &std);
      ps[c * k + j]        = mean;
      ps[(nc + c) * k + j] = std;
    }
    files[c] = tw->cfile[c];
  }
  for (PetscInt s = 0; s < ns; s++)
    names[s] = tw->sens[s].name;
  PetscCall(TwinOutputWriteNames(out, "/sensors/names", ns, names));
  {
    double *pos, *sig, *kind;
    PetscCall(PetscMalloc3(3 * ns + 1, &pos, ns + 1, &sig, ns + 1, &kind));
    for (PetscInt s = 0; s < ns; s++) {
      for (PetscInt d = 0; d < 3; d++)
        pos[3 * s + d] = tw->sens[s].x[d];
      sig[s]  = tw->sens[s].sigma;
      kind[s] = (double)tw->sens[s].kind;
    }
    PetscCall(TwinOutputWriteTable(out, "/sensors/position", ns, 3, pos));
    for (PetscInt s = 0; s < ns; s++)
      for (PetscInt d = 0; d < 3; d++)
        pos[3 * s + d] = tw->sens[s].dir[d];
    PetscCall(TwinOutputWriteTable(out, "/sensors/direction", ns, 3, pos));
    PetscCall(TwinOutputWriteTable(out, "/sensors/sigma", ns, 1, sig));
    PetscCall(TwinOutputWriteTable(out, "/sensors/kind", ns, 1, kind));
    PetscCall(PetscFree3(pos, sig, kind));
  }
  for (PetscInt j = 0; j < k; j++)
    names[j] = tw->spec.params[j].name;
  PetscCall(TwinOutputWriteNames(out, "/assimilation/parameter_names", k, names));
  if (nc) {
    PetscCall(TwinOutputWriteNames(out, "/assimilation/files", nc, files));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/time", nc, 1, tw->ctime));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/observed", nc, ns, tw->cobs));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/sigma", nc, ns, tw->csig));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/forecast_members", nc * M, ns, tw->cfm));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/forecast_mean", nc, ns, &fs[0]));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/forecast_std", nc, ns, &fs[nc * ns]));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/forecast_q05", nc, ns, &fs[2 * nc * ns]));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/forecast_q95", nc, ns, &fs[3 * nc * ns]));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/analysis_mean", nc, ns, tw->cam));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/parameters", nc * M, k, tw->cpar));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/parameter_mean", nc, k, ps));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/parameter_std", nc, k, &ps[nc * k]));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/innovation_rms", nc, 1, tw->cinn));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/spread_rms", nc, 1, tw->cspr));
    PetscCall(TwinOutputWriteTable(out, "/assimilation/analysis_rms", nc, 1, tw->cana));
  }
  PetscCall(PetscFree5(fs, ps, col, names, files));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteAttributes(Twin *tw, TwinOutput out)
{
  PetscInt nok = 0;

  PetscFunctionBegin;
  for (PetscInt m = 0; m < tw->M; m++)
    nok += tw->status[m] ? 1 : 0;
  PetscCall(TwinOutputWriteAttribute(out, "ensemble_members", (double)tw->M));
  PetscCall(TwinOutputWriteAttribute(out, "ensemble_succeeded", (double)nok));
  PetscCall(TwinOutputWriteAttribute(out, "groups", (double)tw->G));
  PetscCall(TwinOutputWriteAttribute(out, "ranks_per_group", (double)(tw->size / tw->G)));
  PetscCall(TwinOutputWriteAttribute(out, "seed", (double)tw->spec.seed));
  PetscCall(TwinOutputWriteAttribute(out, "cycles", (double)tw->ncyc));
  PetscCall(TwinOutputWriteAttribute(out, "filter", (double)tw->deck->assimilation.filter));
  PetscCall(TwinOutputWriteAttribute(out, "assimilation_off", (double)tw->off));
  PetscCall(TwinOutputSetPhysics(out, tw->off ? "twin free run (no analysis)"
                                              : (tw->transient ? "twin" : "twin calibration")));
  PetscFunctionReturn(0);
}

/* Append a statistics step to twin.h5 (group 0). */
static PetscErrorCode WriteStep(Twin *tw, PetscReal t, const PetscReal *F, PetscReal phase,
                                PetscBool last)
{
  PetscFunctionBegin;
  if (tw->g) PetscFunctionReturn(0);
  PetscCall(TwinOutputWriteStep(tw->out, t, NULL, NULL));
  PetscCall(TwinEnsembleWriteStatistics(tw->out, &tw->spec, &tw->L, tw->nown, tw->M, tw->status, F,
                                        tw->nsteps, last));
  if (tw->nsteps == tw->phasecap) {
    tw->phasecap = PetscMax(16, 2 * tw->phasecap);
    PetscCall(PetscRealloc(sizeof(PetscReal) * tw->phasecap, &tw->phase));
  }
  tw->phase[tw->nsteps++] = phase;
  PetscFunctionReturn(0);
}

/* /prediction/{time,mean,std,q05,q95}: predicted sensor values pHX[(i * M + m) * ns + s] at nt
 * times, statistics over the alive members (group 0, on an open output). */
static PetscErrorCode WritePredictionTables(Twin *tw, TwinOutput o, PetscInt nt,
                                            const PetscReal *times, const PetscReal *pHX)
{
  PetscReal *st, *tab;
  PetscInt   ns = tw->ns;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(4 * ns, &st, 4 * nt * ns + 1, &tab));
  for (PetscInt i = 0; i < nt; i++) {
    PetscCall(SensorStats(tw, &pHX[i * tw->M * ns], st));
    for (PetscInt q = 0; q < 4; q++)
      for (PetscInt s = 0; s < ns; s++)
        tab[(q * nt + i) * ns + s] = st[q * ns + s];
  }
  PetscCall(TwinOutputWriteTable(o, "/prediction/time", nt, 1, times));
  PetscCall(TwinOutputWriteTable(o, "/prediction/mean", nt, ns, &tab[0]));
  PetscCall(TwinOutputWriteTable(o, "/prediction/std", nt, ns, &tab[nt * ns]));
  PetscCall(TwinOutputWriteTable(o, "/prediction/q05", nt, ns, &tab[2 * nt * ns]));
  PetscCall(TwinOutputWriteTable(o, "/prediction/q95", nt, ns, &tab[3 * nt * ns]));
  PetscCall(PetscFree2(st, tab));
  PetscFunctionReturn(0);
}

/* forecast.h5: the latest analysis (one step) or the prediction (several), with the history so
 * far; written under a temporary name and renamed (group 0). */
static PetscErrorCode WriteForecastFile(Twin *tw, PetscInt nt, const PetscReal *times,
                                        const PetscReal *F, const PetscReal *pHX)
{
  TwinOutput fo;
  size_t     fstride = (size_t)tw->M * tw->nown * tw->L.nfield;

  PetscFunctionBegin;
  if (tw->g) PetscFunctionReturn(0);
  PetscCall(TwinOutputCreateNamed(tw->mesh, tw->deck, tw->osp, tw->outdir, "forecast", &fo));
  for (PetscInt i = 0; i < nt; i++) {
    PetscCall(TwinOutputWriteStep(fo, times[i], NULL, NULL));
    PetscCall(TwinEnsembleWriteStatistics(fo, &tw->spec, &tw->L, tw->nown, tw->M, tw->status,
                                          &F[i * fstride], i, i == nt - 1));
  }
  PetscCall(WriteHistory(tw, fo));
  if (pHX) PetscCall(WritePredictionTables(tw, fo, nt, times, pHX));
  PetscCall(WriteAttributes(tw, fo));
  PetscCall(TwinOutputWriteAttribute(fo, "time", (double)times[nt - 1]));
  PetscCall(TwinOutputClose(&fo, NULL, NULL));
  PetscFunctionReturn(0);
}

/* ---- snapshots --------------------------------------------------------------------------- */
typedef struct {
  char        *file;
  PetscReal    time;
  TwinSnapshot snap;
} Pending;

static int ComparePending(const void *a, const void *b)
{
  PetscReal d = ((const Pending *)a)->time - ((const Pending *)b)->time;
  return d < 0 ? -1 : (d > 0 ? 1 : strcmp(((const Pending *)a)->file, ((const Pending *)b)->file));
}

/* Read a snapshot; a defect stops the run or (bad_snapshot: skip) is reported and skipped. When
 * following a folder (mayDefer), a file that fails to read but was modified within the last
 * max(20 poll, 10) seconds is deferred instead (*deferred): a writer that pauses half-way through
 * a file in place is not a bad snapshot yet; the next scans try again. */
static PetscErrorCode ReadSnapshot(Twin *tw, const char *file, TwinSnapshot *snap,
                                   PetscBool mayDefer, PetscBool *ok, PetscBool *deferred)
{
  PetscErrorCode ierr;
  double epoch = tw->deck0->assimilation.has_start ? tw->deck0->assimilation.start_epoch : NAN;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.SnapshotRead, 0, 0, 0, 0));
  PetscCall(PetscMemzero(snap, sizeof(*snap)));
  *deferred = PETSC_FALSE;
  if (!tw->deck0->assimilation.skip_bad && !mayDefer) {
    PetscCall(TwinSnapshotRead(tw->world, file, tw->ns, tw->sens, epoch, snap));
    *ok = PETSC_TRUE;
  } else {
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = TwinSnapshotRead(tw->world, file, tw->ns, tw->sens, epoch, snap);
    PetscCall(PetscPopErrorHandler());
    *ok = ierr ? PETSC_FALSE : PETSC_TRUE;
    if (ierr && mayDefer) {
      int young = 0;
      if (!tw->rank) {
        struct stat sb;
        double      grace = PetscMax(20 * tw->deck0->assimilation.poll, 10.0);
        young             = !stat(file, &sb) && difftime(time(NULL), sb.st_mtime) < grace;
      }
      PetscCallMPI(MPI_Bcast(&young, 1, MPI_INT, 0, tw->world));
      if (young) {
        *deferred = PETSC_TRUE;
        PetscCall(PetscLogEventEnd(TWIN_EVENTS.SnapshotRead, 0, 0, 0, 0));
        PetscFunctionReturn(0);
      }
    }
    if (ierr) {
      char *why = NULL;
      PetscErrorMessage(ierr, NULL, &why);
      PetscCheck(tw->deck0->assimilation.skip_bad, tw->world, PETSC_ERR_FILE_UNEXPECTED, "%s",
                 why ? why : file);
      PetscCall(PetscPrintf(
          tw->world, "twinfe: warning: skipping snapshot: %s (assimilation.bad_snapshot: skip)\n",
          why ? why : file));
      PetscCall(TwinRunLog(tw->world, "snapshot_skipped", "\"file\": \"%s\"", file));
    }
  }
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.SnapshotRead, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* A snapshot that is not after the last assimilated time (or at time < 0). */
static PetscErrorCode CheckOrder(Twin *tw, Pending *p, const char *prevfile, PetscBool first,
                                 PetscBool *ok)
{
  PetscBool bad = (p->time < 0 || (!first && p->time <= tw->t) || (first && p->time < tw->t))
                      ? PETSC_TRUE
                      : PETSC_FALSE;
  char      msg[2 * TWIN_PATH_LEN + 128];

  PetscFunctionBegin;
  *ok = PETSC_TRUE;
  if (!bad || !tw->transient) PetscFunctionReturn(0);
  if (p->time < 0)
    snprintf(msg, sizeof(msg), "%s: time %g s is before the start of the model (0 s)", p->file,
             (double)p->time);
  else
    snprintf(msg, sizeof(msg),
             "%s: time %g s is not after the last assimilated snapshot %s (%g s); snapshot times "
             "must increase",
             p->file, (double)p->time, prevfile, (double)tw->t);
  PetscCheck(tw->deck0->assimilation.skip_bad, tw->world, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  PetscCall(PetscPrintf(
      tw->world, "twinfe: warning: skipping snapshot: %s (assimilation.bad_snapshot: skip)\n",
      msg));
  *ok = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* ---- the run ----------------------------------------------------------------------------- */
static PetscErrorCode Setup(Twin *tw, MPI_Comm world, const char deckPath[], PetscInt nset,
                            const char *const set[], PetscInt G)
{
  PetscFunctionBegin;
  tw->world = world;
  tw->G     = G;
  PetscCallMPI(MPI_Comm_rank(world, &tw->rank));
  PetscCallMPI(MPI_Comm_size(world, &tw->size));
  PetscCheck(G >= 1 && tw->size % G == 0, world, PETSC_ERR_USER,
             "--groups %" PetscInt_FMT " must divide the number of ranks (%d)", G, tw->size);
  tw->g = tw->rank / (tw->size / G);
  PetscCallMPI(MPI_Comm_split(world, (int)tw->g, tw->rank, &tw->gcomm));
  PetscCallMPI(MPI_Comm_rank(tw->gcomm, &tw->grank));
  PetscCallMPI(MPI_Comm_split(world, tw->grank, tw->rank, &tw->ecomm));
  PetscCall(TwinDeckLoad(world, deckPath, &tw->deck0));
  PetscCall(TwinDeckSetList(tw->deck0, nset, set));
  PetscCall(TwinEnsembleSpecFromDeck(tw->deck0, &tw->spec));
  PetscCheck(tw->spec.enabled && tw->deck0->assimilation.enabled && tw->deck0->sensors.enabled,
             world, PETSC_ERR_USER,
             "%s: a twin needs ensemble:, sensors: and assimilation: sections", deckPath);
  PetscCheck(
      !tw->spec.sensitivity, world, PETSC_ERR_USER,
      "%s:%d:%d: sensitivity: true (a Saltelli design) cannot be assimilated; remove it for a twin",
      deckPath, tw->spec.line, tw->spec.col);
  tw->M         = tw->spec.members;
  tw->k         = tw->spec.nparams;
  tw->transient = tw->deck0->time.transient;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-twin_assimilation_off", &tw->off, NULL));
  PetscCall(PetscMalloc2(tw->M * tw->k + 1, &tw->values, tw->M, &tw->status));
  PetscCall(TwinEnsembleSample(&tw->spec, tw->M, tw->values));
  for (PetscInt m = 0; m < tw->M; m++)
    tw->status[m] = 1;
  /* estimated parameters; positive ones (prior support > 0) in log space */
  for (PetscInt e = 0; e < tw->deck0->assimilation.nestimate; e++) {
    const char *name = tw->deck0->assimilation.estimate[e];
    PetscInt    j;
    for (j = 0; j < tw->k; j++)
      if (!strcmp(tw->spec.params[j].name, name)) break;
    PetscCheck(j < tw->k, world, PETSC_ERR_USER,
               "%s: assimilation.estimate names '%s', which is not an ensemble parameter", deckPath,
               name);
    tw->est[tw->nest] = j;
    {
      const TwinDistribution *d = &tw->spec.params[j].dist;
      tw->logp[tw->nest] =
          (d->kind == TWIN_DIST_LOGNORMAL || (d->kind == TWIN_DIST_UNIFORM && d->a > 0) ||
           (d->kind == TWIN_DIST_TRUNCNORMAL && d->low >= 0))
              ? PETSC_TRUE
              : PETSC_FALSE;
    }
    tw->nest++;
  }
  if (tw->deck0->output.has_directory)
    PetscCall(PetscStrncpy(tw->outdir, tw->deck0->output.directory, sizeof(tw->outdir)));
  else
    PetscCall(PetscSNPrintf(tw->outdir, sizeof(tw->outdir), "out/%s", tw->deck0->name));

  /* the group's deck, mesh, models and observation operator */
  PetscCall(TwinDeckLoad(tw->gcomm, deckPath, &tw->deck));
  PetscCall(TwinDeckSetList(tw->deck, nset, set));
  PetscCall(TwinMeshCreate(tw->gcomm, tw->deck, &tw->mesh));
  for (PetscInt v = tw->mesh->vStart; v < tw->mesh->vEnd; v++)
    if (!PetscBTLookup(tw->mesh->ghost, v - tw->mesh->pStart)) tw->nown++;
  tw->L.therm  = tw->deck->thermal.enabled;
  tw->L.mech   = tw->deck->has_mechanics;
  tw->L.nfield = (tw->L.therm ? 1 : 0) + (tw->L.mech ? 4 : 0);
  PetscCheck(!tw->transient || tw->L.therm, world, PETSC_ERR_USER,
             "%s: a transient twin needs a thermal: section (its state is the temperature field)",
             deckPath);
  if (tw->deck->thermal.enabled) PetscCall(TwinThermalCreate(tw->mesh, tw->deck, &tw->th));
  if (tw->deck->has_mechanics) {
    PetscCall(TwinMechanicsCreate(tw->mesh, tw->deck, &tw->mech));
    if (tw->deck->mechanics.coupled) PetscCall(TwinMechanicsSetTemperature(tw->mech, tw->th));
  }
  PetscCall(TwinSensorsFromDeck(tw->deck, &tw->ns, &tw->sens));
  PetscCall(TwinObsOperatorCreate(tw->th, tw->mech, tw->ns, tw->sens, &tw->H));
  tw->needsMech = TwinObsOperatorNeedsMechanics(tw->H);
  if (tw->transient) {
    PetscCall(VecGetLocalSize(tw->th->T, &tw->nrow));
    PetscCall(PetscMalloc2((size_t)tw->M * tw->nrow + 1, &tw->S, 3 * tw->nrow + 1, &tw->rowx));
    PetscCall(TwinThermalDofPositions(tw->th, tw->rowx));
  }
  if (tw->g == 0) {
    Mat A;
    PetscCall(TwinSpaceCreate(tw->mesh, 1, 1, 0, &tw->osp));
    PetscCall(TwinSpaceSetUp(tw->osp, "twin_output_", &A));
    PetscCall(MatDestroy(&A));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Teardown(Twin *tw)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(tw->ctime));
  PetscCall(PetscFree(tw->cobs));
  PetscCall(PetscFree(tw->csig));
  PetscCall(PetscFree(tw->cfm));
  PetscCall(PetscFree(tw->cam));
  PetscCall(PetscFree(tw->cpar));
  PetscCall(PetscFree(tw->cinn));
  PetscCall(PetscFree(tw->cspr));
  PetscCall(PetscFree(tw->cana));
  PetscCall(PetscFree(tw->cfile));
  PetscCall(PetscFree(tw->phase));
  if (tw->transient) PetscCall(PetscFree2(tw->S, tw->rowx));
  PetscCall(PetscFree2(tw->values, tw->status));
  PetscCall(PetscFree(tw->sens));
  PetscCall(TwinObsOperatorDestroy(&tw->H));
  PetscCall(TwinSpaceDestroy(&tw->osp));
  PetscCall(TwinMechanicsDestroy(&tw->mech));
  PetscCall(TwinThermalDestroy(&tw->th));
  PetscCall(TwinMeshDestroy(&tw->mesh));
  PetscCall(TwinDeckDestroy(&tw->deck));
  PetscCall(TwinDeckDestroy(&tw->deck0));
  PetscCallMPI(MPI_Comm_free(&tw->gcomm));
  PetscCallMPI(MPI_Comm_free(&tw->ecomm));
  PetscFunctionReturn(0);
}

/* One cycle: forecast to the snapshot, analyse, record, write the analysis step and forecast.h5. */
static PetscErrorCode Cycle(Twin *tw, Pending *p, PetscReal *HX, PetscReal *F)
{
  TwinFilterStats st;
  PetscReal      *am, pm[TWIN_MAX_PARAMS] = {0}, ps[TWIN_MAX_PARAMS] = {0};
  PetscInt        nused, c = tw->ncyc, nalive = 0;
  const char     *base = strrchr(p->file, '/') ? strrchr(p->file, '/') + 1 : p->file;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(tw->ns, &am));
  PetscCall(ForecastAll(tw, p->time, HX, NULL, base));
  PetscCall(Analyse(tw, &p->snap, HX, c, tw->deck->assimilation.filter, 1.0, am, &st, &nused));
  PetscCall(RecordCycle(tw, p->time, base, &p->snap, HX, am, &st));
  PetscCall(CaptureAll(tw, F));
  PetscCall(WriteStep(tw, p->time, F, 1.0, PETSC_FALSE));
  PetscCall(WriteForecastFile(tw, 1, &p->time, F, NULL));
  for (PetscInt e = 0; e < tw->nest && e < TWIN_MAX_PARAMS; e++) {
    PetscInt j = tw->est[e];
    nalive     = 0;
    for (PetscInt m = 0; m < tw->M; m++)
      if (tw->status[m]) {
        pm[e] += tw->values[m * tw->k + j];
        ps[e] += tw->values[m * tw->k + j] * tw->values[m * tw->k + j];
        nalive++;
      }
    pm[e] /= nalive;
    ps[e] = PetscSqrtReal(PetscMax(0, (ps[e] - nalive * pm[e] * pm[e]) / (nalive - 1)));
  }
  {
    char line[1024];
    int  len = snprintf(line, sizeof(line),
                        "twinfe: cycle %" PetscInt_FMT " t = %g s (%s): %" PetscInt_FMT
                        " observations, innovation rms %.3g, spread %.3g, analysis rms %.3g",
                        c + 1, (double)p->time, base, nused, (double)st.innovation_rms,
                        (double)st.spread_rms, (double)st.analysis_rms);
    for (PetscInt e = 0; e < tw->nest && len < (int)sizeof(line) - 80; e++)
      len += snprintf(line + len, sizeof(line) - len, "; %s = %.4g +- %.2g",
                      tw->spec.params[tw->est[e]].name, (double)pm[e], (double)ps[e]);
    PetscCall(PetscPrintf(tw->world, "%s%s\n", line, tw->off ? " (no analysis)" : ""));
    PetscCall(TwinRunLog(tw->world, "cycle",
                         "\"cycle\": %d, \"t\": %.17g, \"file\": \"%s\", \"observations\": %d, "
                         "\"innovation_rms\": %.6e, \"spread_rms\": %.6e",
                         (int)c, (double)p->time, base, (int)nused, (double)st.innovation_rms,
                         (double)st.spread_rms));
  }
  PetscCall(PetscFree(am));
  PetscFunctionReturn(0);
}

/* Forecast every member past the last snapshot to the horizon; statistics at every prediction
 * time to twin.h5, and the whole prediction to forecast.h5. */
static PetscErrorCode Predict(Twin *tw)
{
  PetscReal horizon = tw->deck->prediction.horizon, every = tw->deck->prediction.every, *times, *F,
            *pHX;
  PetscInt nt      = 0, cap;
  size_t   fstride = (size_t)tw->M * tw->nown * tw->L.nfield;

  PetscFunctionBegin;
  if (every <= 0) every = tw->deck->output.every > 0 ? tw->deck->output.every : horizon / 10;
  cap = (PetscInt)PetscCeilReal(horizon / every) + 1;
  PetscCall(
      PetscMalloc3(cap, &times, cap * fstride + 1, &F, (size_t)cap * tw->M * tw->ns + 1, &pHX));
  for (PetscReal t = tw->t + every; nt < cap; t += every) {
    times[nt++] = PetscMin(t, tw->t + horizon);
    if (t >= tw->t + horizon - 1e-9 * every) break;
  }
  for (PetscInt i = 0; i < nt; i++) {
    PetscCall(
        ForecastAll(tw, times[i], &pHX[i * tw->M * tw->ns], &F[i * fstride], "in the prediction"));
    PetscCall(WriteStep(tw, times[i], &F[i * fstride], 2.0, i == nt - 1));
  }
  PetscCall(WriteForecastFile(tw, nt, times, F, pHX));
  if (tw->g == 0) PetscCall(WritePredictionTables(tw, tw->out, nt, times, pHX));
  {
    char line[256];
    snprintf(line, sizeof(line),
             "twinfe: predicted %d times to t = %g s (horizon %g s past the last snapshot)\n",
             (int)nt, (double)times[nt - 1], (double)horizon);
    PetscCall(PetscPrintf(tw->world, "%s", line));
  }
  PetscCall(PetscFree3(times, F, pHX));
  PetscFunctionReturn(0);
}

/* ES-MDA calibration of a static deck on every snapshot's observations together. */
static PetscErrorCode Calibrate(Twin *tw, Pending *pend, PetscInt np, PetscReal *HX, PetscReal *F)
{
  TwinSnapshot all;
  PetscInt     Na = tw->deck->assimilation.iterations;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&all, sizeof(all)));
  for (PetscInt i = 0; i < np; i++)
    all.n += pend[i].snap.n;
  PetscCall(PetscMalloc3(all.n + 1, &all.sensor, all.n + 1, &all.value, all.n + 1, &all.sigma));
  all.n = 0;
  for (PetscInt i = 0; i < np; i++)
    for (PetscInt j = 0; j < pend[i].snap.n; j++) {
      all.sensor[all.n] = pend[i].snap.sensor[j];
      all.value[all.n]  = pend[i].snap.value[j];
      all.sigma[all.n]  = pend[i].snap.sigma[j];
      all.n++;
    }
  for (PetscInt it = 0; it < Na; it++) {
    TwinFilterStats st;
    PetscReal      *am;
    PetscInt        nused;
    char            label[64];
    PetscCall(PetscMalloc1(tw->ns, &am));
    snprintf(label, sizeof(label), "in ES-MDA iteration %d", (int)(it + 1));
    PetscCall(ForecastAll(tw, 0.0, HX, NULL, label));
    PetscCall(Analyse(tw, &all, HX, it, TWIN_FILTER_ESMDA, (PetscReal)Na, am, &st, &nused));
    PetscCall(RecordCycle(tw, (PetscReal)(it + 1), np == 1 ? pend[0].file : "all snapshots", &all,
                          HX, am, &st));
    {
      char line[256];
      snprintf(
          line, sizeof(line),
          "twinfe: ES-MDA iteration %d/%d: %d observations, innovation rms %.3g, spread %.3g\n",
          (int)(it + 1), (int)Na, (int)nused, (double)st.innovation_rms, (double)st.spread_rms);
      PetscCall(PetscPrintf(tw->world, "%s", line));
    }
    PetscCall(PetscFree(am));
  }
  PetscCall(ForecastAll(tw, 0.0, HX, F, "in the posterior run"));
  PetscCall(WriteStep(tw, 0.0, F, 1.0, PETSC_TRUE));
  {
    PetscReal zero = 0.0;
    PetscCall(WriteForecastFile(tw, 1, &zero, F, HX));
  }
  PetscCall(PetscFree3(all.sensor, all.value, all.sigma));
  PetscFunctionReturn(0);
}

/* Files of the pattern not seen before (names in seen[]), whose size is stable since the last
 * scan; rank 0 decides, every rank gets the list. */
static PetscErrorCode ScanNew(Twin *tw, PetscInt nseen, char **seen, PetscInt *nnew,
                              char ***newfiles, PetscInt *nprev, char ***prevname, long **prevsize)
{
  PetscInt n;
  char   **files;

  PetscFunctionBegin;
  *nnew = 0;
  PetscCall(TwinSnapshotGlob(tw->world, tw->deck0->assimilation.snapshots, &n, &files));
  PetscCall(PetscMalloc1(n + 1, newfiles));
  {
    PetscInt *take;
    long     *size;
    PetscCall(PetscCalloc2(n + 1, &take, n + 1, &size));
    if (!tw->rank)
      for (PetscInt i = 0; i < n; i++) {
        struct stat sb;
        PetscBool   known = PETSC_FALSE;
        for (PetscInt j = 0; j < nseen && !known; j++)
          known = strcmp(seen[j], files[i]) ? PETSC_FALSE : PETSC_TRUE;
        if (known || stat(files[i], &sb)) continue;
        size[i] = (long)sb.st_size;
        for (PetscInt j = 0; j < *nprev; j++) /* complete: the same size as at the previous scan */
          if (!strcmp((*prevname)[j], files[i]) && (*prevsize)[j] == size[i]) take[i] = 1;
      }
    PetscCallMPI(MPI_Bcast(take, (PetscMPIInt)n, MPIU_INT, 0, tw->world));
    for (PetscInt j = 0; j < *nprev; j++)
      PetscCall(PetscFree((*prevname)[j]));
    PetscCall(PetscFree(*prevname));
    PetscCall(PetscFree(*prevsize));
    PetscCall(PetscMalloc1(n + 1, prevname));
    PetscCall(PetscMalloc1(n + 1, prevsize));
    for (PetscInt i = 0; i < n; i++) {
      PetscCall(PetscStrallocpy(files[i], &(*prevname)[i]));
      (*prevsize)[i] = size[i];
      if (take[i]) PetscCall(PetscStrallocpy(files[i], &(*newfiles)[(*nnew)++]));
    }
    *nprev = n;
    PetscCall(PetscFree2(take, size));
  }
  for (PetscInt i = 0; i < n; i++)
    PetscCall(PetscFree(files[i]));
  PetscCall(PetscFree(files));
  PetscFunctionReturn(0);
}

/* ---- checkpoint and restart ---------------------------------------------------------------
 * Every group writes OUTDIR/checkpoint-gNN.h5 (its members' states in this run's layout, and the
 * replicated part: parameters, status, cycle history, snapshot files seen; group 0 also the state
 * of twin.h5 in progress), under a temporary name, renamed after every group has written. The
 * files carry the number of cycles done; a restart needs the same ranks and groups and files
 * from the same cycle. */
static PetscErrorCode CheckpointPath(Twin *tw, PetscInt g, char path[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, len, "%s/checkpoint-g%02d.h5", tw->outdir, (int)g));
  PetscFunctionReturn(0);
}

static PetscErrorCode CkArray(Twin *tw, PetscViewer v, const char *name, PetscInt n, PetscReal *a,
                              PetscBool load)
{
  PetscFunctionBegin;
  if (n > 0) PetscCall(TwinViewerArray(tw->gcomm, v, name, n, a, load));
  PetscFunctionReturn(0);
}

static PetscErrorCode CkStrings(PetscViewer v, const char *prefix, PetscInt n, char **strs,
                                size_t width, PetscBool load)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++) {
    char key[64];
    PetscCall(PetscSNPrintf(key, sizeof(key), "%s_%05d", prefix, (int)i));
    if (!load)
      PetscCall(PetscViewerHDF5WriteAttribute(v, NULL, key, PETSC_STRING, strs[i]));
    else {
      char *val = NULL;
      PetscCall(PetscViewerHDF5ReadAttribute(v, NULL, key, PETSC_STRING, NULL, &val));
      if (width)
        PetscCall(PetscStrncpy(strs[i], val, width));
      else
        PetscCall(PetscStrallocpy(val, &strs[i]));
      PetscCall(PetscFree(val));
    }
  }
  PetscFunctionReturn(0);
}

/* The replicated state and this group's members (load = false: write). */
static PetscErrorCode CkState(Twin *tw, PetscViewer v, PetscInt *nseen, char ***seen,
                              PetscInt *cseen, PetscBool load)
{
  PetscInt   ns = tw->ns, M = tw->M, k = tw->k, nc = tw->ncyc, ints[6];
  PetscReal *st;
  Vec        w;

  PetscFunctionBegin;
  ints[0] = tw->G, ints[1] = tw->size, ints[2] = M, ints[3] = tw->ncyc, ints[4] = tw->step,
  ints[5] = *nseen;
  if (!load) {
    const char *keys[6] = {"groups", "ranks", "members", "cycles", "step", "files_seen"};
    for (int i = 0; i < 6; i++)
      PetscCall(PetscViewerHDF5WriteAttribute(v, NULL, keys[i], PETSC_INT, &ints[i]));
    PetscCall(PetscViewerHDF5WriteAttribute(v, NULL, "time", PETSC_REAL, &tw->t));
    if (tw->g == 0)
      PetscCall(
          PetscViewerHDF5WriteAttribute(v, NULL, "output_steps_twin", PETSC_INT, &tw->nsteps));
  } else {
    const char *keys[6] = {"groups", "ranks", "members", "cycles", "step", "files_seen"};
    PetscInt    got[6];
    for (int i = 0; i < 6; i++)
      PetscCall(PetscViewerHDF5ReadAttribute(v, NULL, keys[i], PETSC_INT, NULL, &got[i]));
    PetscCheck(
        got[0] == tw->G && got[1] == tw->size && got[2] == M, tw->world, PETSC_ERR_USER,
        "--restart: the checkpoint was written by %d rank(s) in %d group(s) with %d members; this "
        "run has %d rank(s), %d group(s), %d members: resume with the same mpiexec -n and --groups",
        (int)got[1], (int)got[0], (int)got[2], tw->size, (int)tw->G, (int)M);
    PetscCall(PetscViewerHDF5ReadAttribute(v, NULL, "time", PETSC_REAL, NULL, &tw->t));
    tw->step = got[4];
    nc       = got[3];
    *nseen   = got[5];
    if (tw->g == 0)
      PetscCall(
          PetscViewerHDF5ReadAttribute(v, NULL, "output_steps_twin", PETSC_INT, NULL, &tw->nsteps));
    /* the history arrays at their size */
    PetscCall(GrowHistory(tw, nc));
    tw->ncyc = nc;
    if (*nseen > *cseen) {
      *cseen = *nseen;
      PetscCall(PetscRealloc(sizeof(char *) * (*cseen), seen));
    }
    if (tw->g == 0 && tw->nsteps > tw->phasecap) {
      tw->phasecap = tw->nsteps;
      PetscCall(PetscRealloc(sizeof(PetscReal) * tw->phasecap, &tw->phase));
    }
  }
  /* parameters and status of every member */
  PetscCall(PetscMalloc1(M + 1, &st));
  for (PetscInt m = 0; m < M; m++)
    st[m] = tw->status[m];
  PetscCall(CkArray(tw, v, "parameters", M * k, tw->values, load));
  PetscCall(CkArray(tw, v, "status", M, st, load));
  for (PetscInt m = 0; m < M; m++)
    tw->status[m] = (PetscInt)st[m];
  PetscCall(PetscFree(st));
  /* the history */
  PetscCall(CkArray(tw, v, "cycle_time", nc, tw->ctime, load));
  PetscCall(CkArray(tw, v, "cycle_observed", nc * ns, tw->cobs, load));
  PetscCall(CkArray(tw, v, "cycle_sigma", nc * ns, tw->csig, load));
  PetscCall(CkArray(tw, v, "cycle_forecast_members", nc * M * ns, tw->cfm, load));
  PetscCall(CkArray(tw, v, "cycle_analysis_mean", nc * ns, tw->cam, load));
  PetscCall(CkArray(tw, v, "cycle_parameters", nc * M * k, tw->cpar, load));
  PetscCall(CkArray(tw, v, "cycle_innovation_rms", nc, tw->cinn, load));
  PetscCall(CkArray(tw, v, "cycle_spread_rms", nc, tw->cspr, load));
  PetscCall(CkArray(tw, v, "cycle_analysis_rms", nc, tw->cana, load));
  {
    char **names;
    PetscCall(PetscMalloc1(nc + 1, &names));
    for (PetscInt c = 0; c < nc; c++)
      names[c] = tw->cfile[c];
    PetscCall(CkStrings(v, "cycle_file", nc, names, sizeof(tw->cfile[0]), load));
    PetscCall(PetscFree(names));
  }
  PetscCall(CkStrings(v, "seen", *nseen, *seen, 0, load));
  if (tw->g == 0) PetscCall(CkArray(tw, v, "output_phase", tw->nsteps, tw->phase, load));
  /* this group's members */
  if (tw->transient) {
    PetscCall(VecDuplicate(tw->th->T, &w));
    for (PetscInt m = tw->g; m < M; m += tw->G) {
      char         name[64];
      PetscScalar *a;
      PetscCall(PetscSNPrintf(name, sizeof(name), "member_%04d", (int)m));
      PetscCall(PetscObjectSetName((PetscObject)w, name));
      if (!load) {
        PetscCall(VecGetArray(w, &a));
        for (PetscInt i = 0; i < tw->nrow; i++)
          a[i] = tw->S[m * tw->nrow + i];
        PetscCall(VecRestoreArray(w, &a));
        PetscCall(VecView(w, v));
      } else {
        PetscCall(VecLoad(w, v));
        PetscCall(VecGetArray(w, &a));
        for (PetscInt i = 0; i < tw->nrow; i++)
          tw->S[m * tw->nrow + i] = PetscRealPart(a[i]);
        PetscCall(VecRestoreArray(w, &a));
      }
    }
    PetscCall(VecDestroy(&w));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteCheckpoint(Twin *tw, PetscInt nseen, char **seen)
{
  char        path[TWIN_PATH_LEN], tmp[TWIN_PATH_LEN + 8];
  PetscViewer v;
  PetscInt    cseen = nseen;

  PetscFunctionBegin;
  PetscCall(CheckpointPath(tw, tw->g, path, sizeof(path)));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", path));
  PetscCall(PetscViewerHDF5Open(tw->gcomm, tmp, FILE_MODE_WRITE, &v));
  PetscCall(CkState(tw, v, &nseen, &seen, &cseen, PETSC_FALSE));
  if (tw->g == 0) PetscCall(TwinOutputSaveState(tw->out, v));
  PetscCall(PetscViewerDestroy(&v));
  PetscCallMPI(MPI_Barrier(tw->world)); /* every group's file is whole before any is renamed */
  if (!tw->grank)
    PetscCheck(rename(tmp, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
               "cannot rename %s to %s", tmp, path);
  PetscCallMPI(MPI_Barrier(tw->world));
  PetscCall(TwinRunLog(tw->world, "checkpoint", "\"cycle\": %d, \"t\": %.17g", (int)tw->ncyc,
                       (double)tw->t));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadCheckpoint(Twin *tw, PetscInt *nseen, char ***seen, PetscInt *cseen)
{
  char        path[TWIN_PATH_LEN];
  PetscViewer v;
  PetscBool   exists;
  PetscInt    lo, hi;

  PetscFunctionBegin;
  PetscCall(CheckpointPath(tw, tw->g, path, sizeof(path)));
  PetscCall(PetscTestFile(path, 'r', &exists));
  lo = hi = exists ? 1 : 0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPIU_INT, MPI_MIN, tw->world));
  PetscCheck(lo, tw->world, PETSC_ERR_FILE_OPEN,
             "--restart: no twin checkpoint %s (a run checkpoints on SIGTERM/SIGUSR1 and every "
             "checkpoint.every s of model time)",
             path);
  PetscCall(PetscViewerHDF5Open(tw->gcomm, path, FILE_MODE_READ, &v));
  PetscCall(CkState(tw, v, nseen, seen, cseen, PETSC_TRUE));
  lo = hi = tw->ncyc;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPIU_INT, MPI_MIN, tw->world));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPIU_INT, MPI_MAX, tw->world));
  PetscCheck(lo == hi, tw->world, PETSC_ERR_FILE_UNEXPECTED,
             "--restart: the groups' checkpoint files are from different cycles (%d and %d): the "
             "run stopped while writing them; resume is not possible",
             (int)lo, (int)hi);
  if (tw->g == 0) PetscCall(TwinOutputReopen(tw->mesh, tw->deck, tw->osp, tw->outdir, v, &tw->out));
  PetscCall(PetscViewerDestroy(&v));
  PetscFunctionReturn(0);
}

static PetscErrorCode RemoveCheckpoint(Twin *tw)
{
  char path[TWIN_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(CheckpointPath(tw, tw->g, path, sizeof(path)));
  if (!tw->grank) (void)remove(path);
  PetscFunctionReturn(0);
}

/*@C
  TwinAssimilationRun - Run the twin of a deck: ensemble forecasts, analyses at every snapshot,
  statistics, and the prediction past the last snapshot.

  Collective on world
@*/
PetscErrorCode TwinAssimilationRun(MPI_Comm world, const char deckPath[], PetscInt nset,
                                   const char *const set[], PetscInt G, PetscBool restart,
                                   volatile sig_atomic_t *stop, PetscBool *checkpointed)
{
  Twin           tw_, *tw = &tw_;
  PetscReal     *HX, *F;
  PetscInt       nseen = 0, cseen = 0, nprev = 0;
  char         **seen = NULL, **prevname = NULL, prevfile[TWIN_PATH_LEN] = "(the initial state)";
  long          *prevsize  = NULL;
  PetscBool      first     = PETSC_TRUE;
  PetscLogDouble idleStart = -1;
  PetscReal      ckEvery = 0, nextCk = PETSC_MAX_REAL;
  PetscInt testStop = -1; /* -twin_test_signal_cycle N: act as if signalled after cycle N (tests) */

  PetscFunctionBegin;
  PetscCall(PetscMemzero(tw, sizeof(*tw)));
  PetscCall(Setup(tw, world, deckPath, nset, set, G));
  PetscCall(PetscMalloc2(tw->M * tw->ns + 1, &HX, (size_t)tw->M * tw->nown * tw->L.nfield + 1, &F));
  PetscCall(PetscPrintf(
      world,
      "twinfe: twin %s: %" PetscInt_FMT " members on %" PetscInt_FMT
      " group(s) of %d rank(s), %" PetscInt_FMT " sensors, filter %s%s\n",
      tw->deck0->name, tw->M, G, tw->size / (int)G, tw->ns,
      (const char *[]){"etkf", "letkf", "enkf", "esmda"}[tw->deck0->assimilation.filter],
      tw->off ? " (switched off: free run)" : ""));

  if (checkpointed) *checkpointed = PETSC_FALSE;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-twin_test_signal_cycle", &testStop, NULL));
  ckEvery = tw->deck0->checkpoint_every;
  if (restart) { /* members, parameters, history, files seen and twin.h5 in progress */
    PetscCheck(tw->transient, world, PETSC_ERR_USER,
               "--restart: a static twin (ES-MDA) is not checkpointed; run it again");
    PetscCall(ReadCheckpoint(tw, &nseen, &seen, &cseen));
    if (tw->ncyc) PetscCall(PetscStrncpy(prevfile, tw->cfile[tw->ncyc - 1], sizeof(prevfile)));
    {
      char line[256];
      snprintf(line, sizeof(line),
               "twinfe: resumed at cycle %d, t = %g s, %d snapshot file(s) already seen\n",
               (int)tw->ncyc, (double)tw->t, (int)nseen);
      PetscCall(PetscPrintf(world, "%s", line));
    }
  } else {
    if (tw->g == 0) PetscCall(TwinOutputCreate(tw->mesh, tw->deck, tw->osp, tw->outdir, &tw->out));
    /* the initial ensemble */
    if (tw->transient)
      for (PetscInt m = tw->g; m < tw->M; m += tw->G) {
        PetscCall(SetMember(tw, m));
        PetscCall(TwinThermalInitialize(tw->th));
        PetscCall(TwinThermalGetState(tw->th, &tw->S[m * tw->nrow]));
      }
    tw->t    = 0;
    tw->step = 0;
    if (tw->transient) {
      PetscCall(CaptureAll(tw, F));
      PetscCall(WriteStep(tw, 0.0, F, 0.0, PETSC_FALSE));
    }
  }
  if (ckEvery > 0) nextCk = (PetscFloorReal(tw->t / ckEvery + 1e-9) + 1) * ckEvery;

  for (;;) {
    PetscInt nfiles;
    char   **files;
    Pending *pend;
    PetscInt np = 0;

    /* the snapshots to assimilate now: every file at the start; new complete files when following
     */
    if (first)
      PetscCall(TwinSnapshotGlob(world, tw->deck0->assimilation.snapshots, &nfiles, &files));
    else
      PetscCall(ScanNew(tw, nseen, seen, &nfiles, &files, &nprev, &prevname, &prevsize));
    if (first && !tw->deck0->assimilation.follow)
      PetscCheck(nfiles > 0, world, PETSC_ERR_FILE_OPEN,
                 "%s: no snapshot file matches assimilation.snapshots '%s'", deckPath,
                 tw->deck0->assimilation.snapshots);
    PetscCall(PetscMalloc1(nfiles + 1, &pend));
    for (PetscInt i = 0; i < nfiles; i++) { /* read (and check) every file before any work */
      PetscBool ok, deferred, known = PETSC_FALSE;
      for (PetscInt q = 0; q < nseen && !known; q++)
        known = strcmp(seen[q], files[i]) ? PETSC_FALSE : PETSC_TRUE;
      if (known) continue; /* assimilated before a restart */
      if (nseen == cseen) {
        cseen = PetscMax(64, 2 * cseen);
        PetscCall(PetscRealloc(sizeof(char *) * cseen, &seen));
      }
      PetscCall(PetscStrallocpy(files[i], &seen[nseen++]));
      PetscCall(ReadSnapshot(tw, files[i], &pend[np].snap, !first, &ok, &deferred));
      if (deferred) { /* not complete yet: forget it, the next scans retry */
        PetscCall(PetscFree(seen[--nseen]));
        continue;
      }
      if (!ok) continue;
      pend[np].file = files[i];
      pend[np].time = pend[np].snap.time;
      np++;
    }
    qsort(pend, (size_t)np, sizeof(Pending), ComparePending);
    if (!tw->transient) {
      PetscCheck(np > 0, world, PETSC_ERR_FILE_UNEXPECTED,
                 "%s: no usable snapshot to calibrate with", deckPath);
      PetscCall(Calibrate(tw, pend, np, HX, F));
    } else
      for (PetscInt i = 0; i < np; i++) {
        PetscBool ok;
        PetscCall(CheckOrder(tw, &pend[i], prevfile, first && tw->ncyc == 0, &ok));
        if (!ok) continue;
        PetscCall(Cycle(tw, &pend[i], HX, F));
        PetscCall(PetscStrncpy(prevfile, pend[i].file, sizeof(prevfile)));
        { /* a signal (any rank) or a due checkpoint.every: checkpoint at this cycle boundary */
          int sig = (stop && *stop) || tw->ncyc == testStop;
          PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sig, 1, MPI_INT, MPI_MAX, world));
          if (sig || tw->t >= nextCk - 1e-9 * ckEvery) {
            /* the files of this batch not assimilated yet must be seen again after a restart */
            char   **ckseen;
            PetscInt keep = 0;
            PetscCall(PetscMalloc1(nseen + 1, &ckseen));
            for (PetscInt q = 0; q < nseen; q++) {
              PetscBool later = PETSC_FALSE;
              for (PetscInt j = i + 1; j < np && !later; j++)
                later = strcmp(seen[q], pend[j].file) ? PETSC_FALSE : PETSC_TRUE;
              if (!later) ckseen[keep++] = seen[q];
            }
            PetscCall(WriteCheckpoint(tw, keep, ckseen));
            PetscCall(PetscFree(ckseen));
            while (ckEvery > 0 && nextCk <= tw->t + 1e-9 * ckEvery)
              nextCk += ckEvery;
            if (sig) {
              char line[256];
              snprintf(line, sizeof(line),
                       "twinfe: checkpointed after cycle %d (t = %g s) on a signal; resume with "
                       "--restart (exit status 3)\n",
                       (int)tw->ncyc, (double)tw->t);
              PetscCall(PetscPrintf(world, "%s", line));
              if (tw->g == 0) PetscCall(TwinOutputAbandon(&tw->out));
              if (checkpointed) *checkpointed = PETSC_TRUE;
              for (PetscInt j = 0; j < np; j++)
                PetscCall(TwinSnapshotDestroy(&pend[j].snap));
              for (PetscInt j = 0; j < nfiles; j++)
                PetscCall(PetscFree(files[j]));
              PetscCall(PetscFree(files));
              PetscCall(PetscFree(pend));
              goto done;
            }
          }
        }
      }
    for (PetscInt i = 0; i < np; i++)
      PetscCall(TwinSnapshotDestroy(&pend[i].snap));
    for (PetscInt i = 0; i < nfiles; i++)
      PetscCall(PetscFree(files[i]));
    PetscCall(PetscFree(files));
    PetscCall(PetscFree(pend));
    if (!tw->transient || !tw->deck0->assimilation.follow) break;
    { /* follow: wait for the next complete file, until idle_timeout or a signal */
      PetscLogDouble now;
      int            quit = 0;
      PetscCall(PetscTime(&now));
      if (np || idleStart < 0) idleStart = now;
      if (!tw->rank) {
        PetscReal to = tw->deck0->assimilation.idle_timeout;
        if (to > 0 && now - idleStart >= to) quit = 1;
      }
      PetscCallMPI(MPI_Bcast(&quit, 1, MPI_INT, 0, world));
      {
        int sig = stop && *stop;
        PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sig, 1, MPI_INT, MPI_MAX, world));
        if (sig) { /* waiting for data: checkpoint and stop, to be resumed */
          PetscCall(WriteCheckpoint(tw, nseen, seen));
          PetscCall(PetscPrintf(world, "twinfe: follow: checkpointed on a signal while waiting for "
                                       "snapshots; resume with --restart (exit status 3)\n"));
          if (tw->g == 0) PetscCall(TwinOutputAbandon(&tw->out));
          if (checkpointed) *checkpointed = PETSC_TRUE;
          goto done;
        }
      }
      if (quit) {
        PetscCall(PetscPrintf(world,
                              "twinfe: follow: %s; %" PetscInt_FMT " snapshot(s) assimilated\n",
                              "no new snapshot within assimilation.idle_timeout", tw->ncyc));
        break;
      }
      if (np == 0) {
        struct timespec ts;
        double          poll = tw->deck0->assimilation.poll;
        ts.tv_sec            = (time_t)poll;
        ts.tv_nsec           = (long)((poll - (double)ts.tv_sec) * 1e9);
        nanosleep(&ts, NULL);
      }
    }
    first = PETSC_FALSE;
  }
  PetscCheck(tw->ncyc > 0 || tw->deck0->assimilation.follow, world, PETSC_ERR_FILE_UNEXPECTED,
             "%s: no snapshot could be assimilated", deckPath);
  if (tw->transient && tw->deck0->prediction.enabled) PetscCall(Predict(tw));

  /* twin.h5: history, attributes, close (rename into place) */
  if (tw->g == 0) {
    PetscCall(WriteHistory(tw, tw->out));
    PetscCall(TwinOutputWriteTable(tw->out, "/twin/step_phase", tw->nsteps, 1, tw->phase));
    PetscCall(WriteAttributes(tw, tw->out));
    PetscCall(TwinOutputClose(&tw->out, NULL, NULL));
  }
  PetscCall(RemoveCheckpoint(tw)); /* the run is complete */
  PetscCall(PetscPrintf(world, "twinfe: wrote %s/twin.h5, %s/twin.xmf and %s/forecast.h5\n",
                        tw->outdir, tw->outdir, tw->outdir));
done:
  for (PetscInt i = 0; i < nseen; i++)
    PetscCall(PetscFree(seen[i]));
  PetscCall(PetscFree(seen));
  for (PetscInt i = 0; i < nprev; i++)
    PetscCall(PetscFree(prevname[i]));
  PetscCall(PetscFree(prevname));
  PetscCall(PetscFree(prevsize));
  PetscCall(PetscFree2(HX, F));
  PetscCall(Teardown(tw));
  PetscFunctionReturn(0);
}
