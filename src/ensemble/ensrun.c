/* ensrun.c: running a Monte Carlo ensemble of the forward model on groups of ranks.
 *
 * Layout (PDAF's): the P ranks are split into G groups of P/G ranks; group g runs members
 * g, g+G, g+2G, ... Every group builds the same mesh with the same partition, so rank r of every
 * group holds the same vertices; ranks with the same rank in their group form the ensemble
 * communicator, over which the members' fields are gathered for the statistics. Parameter
 * values are a pure function of the deck (seed, sampler), so results do not depend on G. */
#include <twinfe/ensemble.h>
#include <twinfe/output.h>
#include <stdio.h>

#include "ensimpl.h"

/* The output times of a run: t = 0 and every output.every, and the end (steady: one state). */
static PetscErrorCode OutputTimes(TwinDeck deck, PetscInt *nt, PetscReal **times)
{
  PetscReal end = deck->time.end, every = deck->output.every > 0 ? deck->output.every : end;
  PetscInt  cap = 2;

  PetscFunctionBegin;
  if (deck->time.transient) cap = (PetscInt)PetscCeilReal(end / every) + 2;
  PetscCall(PetscMalloc1(cap, times));
  *nt               = 0;
  (*times)[(*nt)++] = 0.0;
  if (deck->time.transient) {
    for (PetscReal t = every; t < end - 1e-9 * deck->time.step && *nt < cap - 1; t += every)
      (*times)[(*nt)++] = t;
    (*times)[(*nt)++] = end;
  }
  PetscFunctionReturn(0);
}

/* Owned-vertex fields of the current state, and this rank's maxima. */
PetscErrorCode TwinEnsembleCaptureFields(TwinMesh mesh, TwinMechanics mech, TwinThermal th,
                                    const Layout *L, PetscReal *fields, PetscReal qmax[3])
{
  PetscInt k = 0;

  PetscFunctionBegin;
  /* owned-vertex fields */
  {
    const PetscScalar *tl = NULL, *ul = NULL;
    qmax[0] =
        -PETSC_MAX_REAL; /* max T, max |u|, max von Mises (this rank; reduced by the caller) */
    qmax[1] = qmax[2] = 0;
    if (th) PetscCall(VecGetArrayRead(th->Tlocal, &tl));
    if (mech) PetscCall(VecGetArrayRead(mech->ulocal, &ul));
    for (PetscInt v = mesh->vStart; v < mesh->vEnd; v++) {
      PetscInt   off;
      PetscReal *f;
      if (PetscBTLookup(mesh->ghost, v - mesh->pStart)) continue;
      f = &fields[k * L->nfield];
      if (th) {
        PetscCall(PetscSectionGetOffset(th->sp->section, v, &off));
        f[0]    = PetscRealPart(tl[off]);
        qmax[0] = PetscMax(qmax[0], f[0]);
        f++;
      }
      if (mech) {
        PetscReal un = 0;
        PetscCall(PetscSectionGetOffset(mech->sp->section, v, &off));
        for (PetscInt d = 0; d < 3; d++) {
          f[d] = d < mech->dim ? PetscRealPart(ul[off + d]) : 0.0;
          un += f[d] * f[d];
        }
        f[3]    = mech->vertexVonMises[v - mesh->vStart];
        qmax[1] = PetscMax(qmax[1], PetscSqrtReal(un));
        qmax[2] = PetscMax(qmax[2], f[3]);
      }
      k++;
    }
    if (th) PetscCall(VecRestoreArrayRead(th->Tlocal, &tl));
    if (mech) PetscCall(VecRestoreArrayRead(mech->ulocal, &ul));
  }
  PetscFunctionReturn(0);
}

/* Run one member's physics on the group's mesh with the (modified) deck; fill the owned-vertex
 * fields (temperature | displacement x,y,z, von Mises) at every output time (stride `tstride`
 * between times) and the QoIs of the final state. Errors return a code. */
static PetscErrorCode RunMember(TwinMesh mesh, TwinDeck deck, TwinMechanics mech, TwinThermal th,
                                const Layout *L, PetscInt nt, const PetscReal *times,
                                PetscReal *fields, size_t tstride, PetscReal *qoi)
{
  PetscInt  nq = 0, it = 0;
  PetscReal qmax[3];
  MPI_Comm  comm = PetscObjectComm((PetscObject)mesh->dm);

  PetscFunctionBegin;
  /* the models were set up once for the group: take this member's deck values; operators and
     preconditioners are kept when only loads and boundary values changed */
  if (th) {
    PetscCall(TwinThermalUpdate(th));
    PetscCall(TwinThermalInitialize(th));
    if (!deck->time.transient) PetscCall(TwinThermalSolveSteady(th, 0.0));
  }
  if (mech) PetscCall(TwinMechanicsUpdate(mech));
  if (mech) PetscCall(TwinMechanicsSolveState(mech));
  PetscCall(TwinEnsembleCaptureFields(mesh, mech, th, L, &fields[0], qmax));
  it = 1;
  if (deck->time.transient && th) {
    PetscInt nsteps = (PetscInt)PetscCeilReal(deck->time.end / deck->time.step - 1e-9);
    for (PetscInt n = 1; n <= nsteps; n++) {
      PetscCall(TwinThermalStep(th, PetscMin(deck->time.step, deck->time.end - th->t)));
      if (it < nt && (n == nsteps || th->t >= times[it] - 1e-9 * deck->time.step)) {
        if (mech && mech->thermal) PetscCall(TwinMechanicsSolveState(mech));
        PetscCall(TwinEnsembleCaptureFields(mesh, mech, th, L, &fields[it * tstride], qmax));
        it++;
      }
    }
  }
  for (; it < nt; it++)
    PetscCall(PetscArraycpy(&fields[it * tstride], &fields[(it - 1) * tstride],
                            tstride)); /* static structure: unchanged */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, qmax, 3, MPIU_REAL, MPI_MAX, comm));
  if (th) qoi[nq++] = qmax[0];
  if (mech) {
    qoi[nq++] = qmax[1];
    qoi[nq++] = qmax[2];
  }
  if (deck->output.nprobes) {
    PetscInt   np = deck->output.nprobes;
    PetscReal *x, *u, *s, *T;
    PetscBool *found;
    PetscCall(PetscMalloc5(3 * np, &x, 3 * np, &u, 6 * np, &s, np, &T, np, &found));
    for (PetscInt i = 0; i < np; i++)
      for (PetscInt d = 0; d < 3; d++)
        x[3 * i + d] = deck->output.probes[i].x[d];
    if (th) PetscCall(TwinThermalEvaluate(th, np, x, T, found));
    if (mech) PetscCall(TwinMechanicsEvaluate(mech, np, x, u, s, found));
    for (PetscInt i = 0; i < np; i++) {
      if (th) qoi[nq++] = T[i];
      if (mech) {
        for (PetscInt d = 0; d < mech->dim; d++)
          qoi[nq++] = u[3 * i + d];
        qoi[nq++] = TwkVonMises(3, &s[6 * i], 0.0);
      }
    }
    PetscCall(PetscFree5(x, u, s, T, found));
  }
  PetscFunctionReturn(0);
}

static PetscBool AllFinite(PetscInt n, const PetscReal *x)
{
  for (PetscInt i = 0; i < n; i++)
    if (PetscIsInfOrNanReal(x[i])) return PETSC_FALSE;
  return PETSC_TRUE;
}

/*@C
  TwinEnsembleRun - Run the deck's ensemble on G groups of ranks and write statistics.

  Collective on world

  Input Parameters:
+ world    - all ranks (P divisible by G)
. deckPath - the deck
- G        - number of groups
@*/
PetscErrorCode TwinEnsembleRun(MPI_Comm world, const char deckPath[], PetscInt nset, const char *const set[], PetscInt G)
{
  PetscMPIInt      rank, size, grank;
  MPI_Comm         gcomm, ecomm;
  TwinDeck         deck0 = NULL, deck = NULL;
  TwinEnsembleSpec spec;
  TwinMesh         mesh = NULL;
  Layout           L    = {0};
  TwinMechanics    mech = NULL;
  TwinThermal      th   = NULL;
  PetscInt         M, k, g, nown = 0, nok = 0;
  double          *values;
  PetscReal       *fields, *qoi;
  PetscInt        *status, nt = 0;
  PetscReal       *times;
  size_t           tstride;
  char             outdir[TWIN_PATH_LEN];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(world, &rank));
  PetscCallMPI(MPI_Comm_size(world, &size));
  PetscCheck(G >= 1 && size % G == 0, world, PETSC_ERR_USER,
             "--groups %" PetscInt_FMT " must divide the number of ranks (%d)", G, size);
  g = rank / (size / G);
  PetscCallMPI(MPI_Comm_split(world, (int)g, rank, &gcomm));
  PetscCallMPI(MPI_Comm_rank(gcomm, &grank));
  PetscCallMPI(MPI_Comm_split(world, grank, rank, &ecomm));

  /* the deck and the samples: the same on every rank */
  PetscCall(TwinDeckLoad(world, deckPath, &deck0));
  PetscCall(TwinDeckSetList(deck0, nset, set)); /* --set overrides */
  PetscCall(TwinEnsembleSpecFromDeck(deck0, &spec));
  PetscCheck(spec.enabled, world, PETSC_ERR_USER, "%s: the deck has no ensemble: section",
             deckPath);
  k = spec.nparams;
  PetscCheck(
      !(spec.sensitivity && spec.correlated), world, PETSC_ERR_USER,
      "%s:%d:%d: sensitivity: true needs independent parameters (Sobol' indices of correlated "
      "inputs are not defined by the Saltelli design); remove the correlation or the sensitivity",
      deckPath, spec.line, spec.col);
  M = spec.sensitivity ? spec.members * (k + 2) : spec.members;
  PetscCall(PetscMalloc1(M * k + 1, &values));
  if (spec.sensitivity)
    PetscCall(TwinSaltelliDesign(k, spec.members, &spec, values));
  else
    PetscCall(TwinEnsembleSample(&spec, M, values));
  if (deck0->output.has_directory)
    PetscCall(PetscStrncpy(outdir, deck0->output.directory, sizeof(outdir)));
  else
    PetscCall(PetscSNPrintf(outdir, sizeof(outdir), "out/%s", deck0->name));

  /* each group: its own copy of the deck and the mesh (same partition in every group) */
  PetscCall(TwinDeckLoad(gcomm, deckPath, &deck));
  PetscCall(TwinDeckSetList(deck, nset, set));
  PetscCall(TwinMeshCreate(gcomm, deck, &mesh));
  for (PetscInt v = mesh->vStart; v < mesh->vEnd; v++)
    if (!PetscBTLookup(mesh->ghost, v - mesh->pStart)) nown++;
  L.therm  = deck->thermal.enabled;
  L.mech   = deck->has_mechanics;
  L.nfield = (L.therm ? 1 : 0) + (L.mech ? 4 : 0);
  if (L.therm) PetscCall(PetscStrncpy(L.qname[L.nq++], "max_temperature", TWIN_NAME_LEN));
  if (L.mech) {
    PetscCall(PetscStrncpy(L.qname[L.nq++], "max_displacement", TWIN_NAME_LEN));
    PetscCall(PetscStrncpy(L.qname[L.nq++], "max_von_mises", TWIN_NAME_LEN));
  }
  for (PetscInt i = 0; i < deck->output.nprobes; i++) {
    const char *pn = deck->output.probes[i].name;
    if (L.therm) PetscCall(PetscSNPrintf(L.qname[L.nq++], TWIN_NAME_LEN, "%s.temperature", pn));
    if (L.mech) {
      for (PetscInt d = 0; d < mesh->dim; d++)
        PetscCall(
            PetscSNPrintf(L.qname[L.nq++], TWIN_NAME_LEN, "%s.displacement_%c", pn, "xyz"[d]));
      PetscCall(PetscSNPrintf(L.qname[L.nq++], TWIN_NAME_LEN, "%s.von_mises", pn));
    }
    PetscCheck(L.nq < QOI_MAX - 8, world, PETSC_ERR_SUP,
               "too many probes for the QoI table (%d quantities at most)", QOI_MAX);
  }
  /* the models, once per group: spaces, patterns and (when only loads vary) operators are shared */
  if (deck->thermal.enabled) PetscCall(TwinThermalCreate(mesh, deck, &th));
  if (deck->has_mechanics) {
    PetscCall(TwinMechanicsCreate(mesh, deck, &mech));
    if (deck->mechanics.coupled) PetscCall(TwinMechanicsSetTemperature(mech, th));
  }
  /* members' results; members of other groups stay zero and are summed in below */
  PetscCall(OutputTimes(deck, &nt, &times));
  tstride = (size_t)M * nown * L.nfield; /* one output time of every member */
  PetscCall(PetscCalloc3(nt * tstride + 1, &fields, (size_t)M * L.nq + 1, &qoi, M, &status));
  PetscBool share =
      PETSC_TRUE; /* -twin_ensemble_share 0: set every member up from scratch (benchmarks) */
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-twin_ensemble_share", &share, NULL));
  for (PetscInt m = g; m < M; m += G) {
    PetscErrorCode ierr    = 0;
    PetscInt       attempt = 0;
    for (;;) {
      char assign[TWIN_PATH_LEN + 64];
      for (PetscInt j = 0; j < k && !ierr; j++) {
        snprintf(assign, sizeof(assign), "%s=%.17g", spec.params[j].target, values[m * k + j]);
        PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
        ierr = TwinDeckSet(deck, assign);
        PetscCall(PetscPopErrorHandler());
      }
      if (!ierr && !share) { /* no sharing: new models for this member */
        PetscCall(TwinMechanicsDestroy(&mech));
        PetscCall(TwinThermalDestroy(&th));
        if (deck->thermal.enabled) PetscCall(TwinThermalCreate(mesh, deck, &th));
        if (deck->has_mechanics) {
          PetscCall(TwinMechanicsCreate(mesh, deck, &mech));
          if (deck->mechanics.coupled) PetscCall(TwinMechanicsSetTemperature(mech, th));
        }
      }
      if (!ierr) {
        PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
        ierr = RunMember(mesh, deck, mech, th, &L, nt, times, &fields[(size_t)m * nown * L.nfield],
                         tstride, &qoi[m * L.nq]);
        PetscCall(PetscPopErrorHandler());
      }
      PetscBool finite = PETSC_TRUE;
      for (PetscInt t = 0; t < nt && !ierr; t++)
        finite = finite &&
                 AllFinite(nown * L.nfield, &fields[t * tstride + (size_t)m * nown * L.nfield]);
      if (!ierr && finite) {
        status[m] = 1;
        break;
      }
      { /* report which member, which parameters, why */
        char *why = NULL, line[2048];
        int   len;
        if (ierr) PetscErrorMessage(ierr, NULL, &why);
        len = snprintf(line, sizeof(line),
                       "twinfe: ensemble member %" PetscInt_FMT " failed (%s) with", m,
                       ierr ? (why ? why : "solver error") : "non-finite values");
        for (PetscInt j = 0; j < k && len < (int)sizeof(line) - 64; j++)
          len += snprintf(line + len, sizeof(line) - len, " %s = %.6g", spec.params[j].name,
                          values[m * k + j]);
        if (!grank) fprintf(stderr, "%s\n", line);
      }
      ierr = 0;
      for (PetscInt t = 0; t < nt; t++)
        PetscCall(
            PetscArrayzero(&fields[t * tstride + (size_t)m * nown * L.nfield], nown * L.nfield));
      if (spec.failed != TWIN_FAILED_REDRAW || spec.sensitivity || ++attempt > 5) break;
      /* re-draw this member's parameters from a stream of its own */
      for (PetscInt j = 0; j < k; j++)
        values[m * k + j] = TwinDistributionQuantile(
            &spec.params[j].dist, TwinRandomUniform(spec.seed, (uint64_t)m, TWIN_PURPOSE_REDRAW,
                                                    (uint64_t)(attempt * k + j)));
    }
  }
  /* every member's results to every rank with the same group rank (same rows) */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, fields, (PetscMPIInt)(nt * tstride),
                             MPIU_REAL, MPI_SUM, ecomm));
  PetscCallMPI(
      MPI_Allreduce(MPI_IN_PLACE, qoi, (PetscMPIInt)(M * L.nq), MPIU_REAL, MPI_SUM, ecomm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, status, (PetscMPIInt)M, MPIU_INT, MPI_SUM, ecomm));
  { /* redrawn values live on the member's group: share them too */
    double *mine;
    PetscCall(PetscCalloc1(M * k + 1, &mine));
    for (PetscInt m = g; m < M; m += G)
      for (PetscInt j = 0; j < k; j++)
        mine[m * k + j] = values[m * k + j];
    PetscCallMPI(MPI_Allreduce(mine, values, (PetscMPIInt)(M * k), MPI_DOUBLE, MPI_SUM, ecomm));
    PetscCall(PetscFree(mine));
  }
  for (PetscInt m = 0; m < M; m++)
    nok += status[m] ? 1 : 0;
  PetscCheck(nok >= spec.min_members, world, PETSC_ERR_USER,
             "%s: only %" PetscInt_FMT " of %" PetscInt_FMT
             " ensemble members succeeded; the deck asks for at least %" PetscInt_FMT
             " (ensemble.min_members)",
             deckPath, nok, M, spec.min_members);

  /* statistics and output by group 0 */
  if (g == 0) {
    TwinOutput  out;
    TwinSpace   sp;
    PetscCall(TwinSpaceCreate(mesh, 1, 1, 0, &sp));
    {
      Mat A;
      PetscCall(TwinSpaceSetUp(sp, "twin_output_", &A));
      PetscCall(MatDestroy(&A));
    }
    PetscCall(TwinOutputCreate(mesh, deck, sp, outdir, &out));
    for (PetscInt t = 0; t < nt; t++) { /* statistics at every output time */
      PetscCall(TwinOutputWriteStep(out, times[t], NULL, NULL));
      PetscCall(TwinEnsembleWriteStatistics(out, &spec, &L, nown, M, status, &fields[t * tstride], t, t == nt - 1));
    }
    /* the member table: parameters, status, quantities of interest */
    {
      const char *pnames[TWIN_MAX_PARAMS], *qn[QOI_MAX];
      double     *st;
      for (PetscInt j = 0; j < k; j++)
        pnames[j] = spec.params[j].name;
      for (PetscInt q = 0; q < L.nq; q++)
        qn[q] = L.qname[q];
      PetscCall(PetscMalloc1(M, &st));
      for (PetscInt m = 0; m < M; m++)
        st[m] = status[m];
      PetscCall(TwinOutputWriteNames(out, "/ensemble/parameter_names", k, pnames));
      PetscCall(TwinOutputWriteTable(out, "/ensemble/parameters", M, k, values));
      PetscCall(TwinOutputWriteTable(out, "/ensemble/status", M, 1, st));
      PetscCall(TwinOutputWriteNames(out, "/ensemble/qoi_names", L.nq, qn));
      PetscCall(TwinOutputWriteTable(out, "/ensemble/qoi", M, L.nq, qoi));
      PetscCall(PetscFree(st));
      if (spec.sensitivity) {
        double *S1, *ST, *y;
        PetscCheck(nok == M, world, PETSC_ERR_USER,
                   "%s: Sobol indices need every member of the Saltelli design; %" PetscInt_FMT
                   " failed",
                   deckPath, M - nok);
        PetscCall(PetscMalloc3(L.nq * k, &S1, L.nq * k, &ST, M, &y));
        for (PetscInt q = 0; q < L.nq; q++) {
          for (PetscInt m = 0; m < M; m++)
            y[m] = qoi[m * L.nq + q];
          PetscCall(TwinSobolIndices(k, spec.members, y, &S1[q * k], &ST[q * k]));
        }
        PetscCall(TwinOutputWriteTable(out, "/ensemble/sobol_first", L.nq, k, S1));
        PetscCall(TwinOutputWriteTable(out, "/ensemble/sobol_total", L.nq, k, ST));
        PetscCall(PetscFree3(S1, ST, y));
      }
    }
    PetscCall(TwinOutputWriteAttribute(out, "ensemble_members", (double)M));
    PetscCall(TwinOutputWriteAttribute(out, "ensemble_succeeded", (double)nok));
    PetscCall(TwinOutputWriteAttribute(out, "groups", (double)G));
    PetscCall(TwinOutputWriteAttribute(out, "ranks_per_group", (double)(size / G)));
    PetscCall(TwinOutputWriteAttribute(out, "seed", (double)spec.seed));
    PetscCall(TwinOutputSetPhysics(
        out, L.mech && L.therm ? "thermo-mechanical ensemble"
                               : (L.therm ? "thermal ensemble" : "mechanical ensemble")));
    PetscCall(TwinOutputClose(&out, NULL, NULL));
    PetscCall(TwinSpaceDestroy(&sp));
  }
  PetscCall(PetscPrintf(
      world,
      "twinfe: ensemble %s: %" PetscInt_FMT " members (%s%s) on %" PetscInt_FMT
      " group(s) of %d rank(s): %" PetscInt_FMT " succeeded\n",
      deck0->name, M,
      spec.sampler == TWIN_SAMPLER_MC ? "mc" : (spec.sampler == TWIN_SAMPLER_LHS ? "lhs" : "sobol"),
      spec.sensitivity ? ", Saltelli design" : "", G, size / (int)G, nok));
  PetscCall(PetscPrintf(world, "twinfe: wrote %s/twin.h5 and %s/twin.xmf\n", outdir, outdir));
  PetscCall(PetscFree3(fields, qoi, status));
  PetscCall(PetscFree(times));
  PetscCall(PetscFree(values));
  PetscCall(TwinMechanicsDestroy(&mech));
  PetscCall(TwinThermalDestroy(&th));
  PetscCall(TwinMeshDestroy(&mesh));
  PetscCall(TwinDeckDestroy(&deck));
  PetscCall(TwinDeckDestroy(&deck0));
  PetscCallMPI(MPI_Comm_free(&gcomm));
  PetscCallMPI(MPI_Comm_free(&ecomm));
  PetscFunctionReturn(0);
}
