/* main.c: the twinfe command. Subcommands:
 *   twinfe run DECK [PETSc options]     solve and write OUTDIR/twin.h5 + twin.xmf
 *   twinfe check DECK                   validate deck and mesh, print sizes and a memory estimate
 *   twinfe info                         versions, ranks, threads, hwloc topology and binding
 * Errors the user can fix (deck, mesh, boundary names, unconverged solves) print one message
 * "twinfe: error: FILE:LINE:COL: ..." and exit with status 1; internal errors exit with 2. */
#include <twinfe/output.h>
#include <twinfe/ensemble.h>
#include "runlog.h"
#include <petscviewerhdf5.h>
#include <signal.h>
#include <hwloc.h>
#include <hdf5.h>
#include <omp.h>
#include <twinfe/twin.h>
#include <twinfe/obs.h>
#include <time.h>
#include <stdlib.h>
#include <stdio.h>
#include <errno.h>

static const char *Usage = "usage: twinfe run DECK [--set PATH=VALUE]... [--groups G] [--restart | --overwrite] [PETSc options]\n"
                           "       twinfe check DECK [--set PATH=VALUE]...\n"
                           "       twinfe synthesize DECK [--set PATH=VALUE]...   (noisy sensor snapshots of a truth run)\n"
                           "       twinfe info\n"
                           "Options: -log_view (where time goes), -mechanics_ksp_monitor, -mechanics_ksp_rtol R,\n"
                           "         -thermal_ksp_monitor, -thermal_snes_monitor (radiation), any PETSc option.\n";

/* Errors raised while this is true are raised identically on every rank (the deck is parsed
   everywhere), so every rank can exit cleanly; later errors may be raised on one rank only while
   the others wait in a collective call, so the job must be aborted. */
static PetscBool CollectivePhase = PETSC_FALSE;
static MPI_Comm  ErrorComm       = MPI_COMM_NULL; /* used only to agree on failures */
static PetscInt  Groups = 1;                      /* --groups G: ensemble groups */
static PetscBool Restart = PETSC_FALSE;           /* --restart: resume from OUTDIR/checkpoint.h5 */
static PetscBool Overwrite = PETSC_FALSE;         /* --overwrite: replace results already in OUTDIR */
#define TWIN_MAX_SET 64
static const char *SetArgs[TWIN_MAX_SET];         /* --set path=value overrides */
static PetscInt    NSet = 0;
static PetscBool Checkpointed = PETSC_FALSE;      /* stopped after a checkpoint on a signal: exit 3 */
static volatile sig_atomic_t Signalled = 0;       /* SIGTERM or SIGUSR1 arrived */

static void OnSignal(int sig)
{
  Signalled = sig;
}

/* OUTDIR/checkpoint.h5, written under a temporary name and renamed: a kill during the write
   leaves the previous checkpoint usable. */
static PetscErrorCode WriteCheckpoint(const char *outdir, TwinDeck deck, TwinThermal th, TwinOutput out)
{
  char        path[TWIN_PATH_LEN], tmp[TWIN_PATH_LEN + 8];
  PetscViewer v;
  PetscMPIInt rank, size;
  PetscInt    ranks;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  ranks = size;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/checkpoint.h5", outdir));
  PetscCall(PetscSNPrintf(tmp, sizeof(tmp), "%s.tmp", path));
  PetscCall(PetscViewerHDF5Open(PETSC_COMM_WORLD, tmp, FILE_MODE_WRITE, &v));
  PetscCall(TwinThermalSaveState(th, v));
  PetscCall(TwinOutputSaveState(out, v));
  { /* the partition (natural cell -> rank), so that a resumed run distributes the mesh the same */
    PetscInt *part = NULL, n = th->mesh->ncglobal;
    Vec       pv;
    PetscCall(TwinMeshGetPartition(th->mesh, &part));
    PetscCall(VecCreateMPI(PETSC_COMM_WORLD, rank == 0 ? n : 0, n, &pv));
    PetscCall(PetscObjectSetName((PetscObject)pv, "partition"));
    if (!rank) {
      PetscScalar *a;
      PetscCall(VecGetArray(pv, &a));
      for (PetscInt i = 0; i < n; i++) a[i] = (PetscScalar)part[i];
      PetscCall(VecRestoreArray(pv, &a));
    }
    PetscCall(VecView(pv, v));
    PetscCall(VecDestroy(&pv));
    PetscCall(PetscFree(part));
  }
  PetscCall(PetscViewerHDF5WriteAttribute(v, NULL, "ranks", PETSC_INT, &ranks));
  PetscCall(PetscViewerHDF5WriteAttribute(v, NULL, "deck_name", PETSC_STRING, deck->name));
  PetscCall(PetscViewerDestroy(&v));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  if (!rank) PetscCheck(rename(tmp, path) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}
static int       Argc;                            /* the command line, re-read after deck options */
static char    **Argv;

/* Did every rank fail? A barrier on a private communicator, given a few seconds: ranks that
   did not fail never enter it, because they are waiting elsewhere. */
static PetscBool AllRanksFailed(void)
{
  MPI_Request req;
  int         done = 0;
  if (MPI_Ibarrier(ErrorComm, &req) != MPI_SUCCESS) return PETSC_FALSE;
  for (int i = 0; i < 300 && !done; i++) {
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    if (!done) nanosleep(&(struct timespec){0, 10000000}, NULL);
  }
  return done ? PETSC_TRUE : PETSC_FALSE;
}

static PetscErrorCode LoadDeck(const char *path, TwinDeck *deck)
{
  PetscFunctionBegin;
  CollectivePhase = PETSC_TRUE;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.DeckLoad, 0, 0, 0, 0));
  PetscCall(TwinDeckLoad(PETSC_COMM_WORLD, path, deck));
  PetscCall(TwinDeckSetList(*deck, NSet, SetArgs)); /* --set path=value, validated together */
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.DeckLoad, 0, 0, 0, 0));
  if ((*deck)->solver_options[0]) {
    /* deck options first, then the command line again so that it wins */
    PetscCall(PetscOptionsInsertString(NULL, (*deck)->solver_options));
    PetscCall(PetscOptionsInsert(NULL, &Argc, &Argv, NULL));
  }
  CollectivePhase = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Structural solve at the current temperature (if coupled): the stiffness is assembled once. */
static PetscErrorCode SolveMechanics(TwinMechanics mech)
{
  PetscFunctionBegin;
  PetscCall(TwinMechanicsSolveState(mech));
  PetscCall(TwinRunLog(PETSC_COMM_WORLD, "solve", "\"model\": \"mechanics\", \"iterations\": %d, \"residual\": %.6e", (int)mech->iterations, (double)mech->residual));
  PetscFunctionReturn(0);
}

static PetscErrorCode CommandRun(const char *deckPath)
{
  TwinDeck       deck = NULL;
  TwinMesh       mesh = NULL;
  TwinMechanics  mech = NULL;
  TwinThermal    th   = NULL;
  TwinOutput     out  = NULL;
  PetscLogDouble t0, t1, t2;
  char           outdir[TWIN_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(LoadDeck(deckPath, &deck));
  if (deck->output.has_directory) PetscCall(PetscStrncpy(outdir, deck->output.directory, sizeof(outdir)));
  else PetscCall(PetscSNPrintf(outdir, sizeof(outdir), "out/%s", deck->name));
  { /* results already in the output folder are kept unless the user says otherwise */
    char      path[TWIN_PATH_LEN];
    PetscBool exists;
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/twin.h5", outdir));
    PetscCall(PetscTestFile(path, 'r', &exists));
    PetscCheck(!exists || Overwrite || Restart, PETSC_COMM_WORLD, PETSC_ERR_USER,
               "%s already holds results (%s); run with --overwrite to replace them, --restart to resume an interrupted run, or set output.directory", outdir, path);
  }
  PetscCall(TwinMakeDirectory(PETSC_COMM_WORLD, outdir));
  PetscCall(TwinRunManifest(PETSC_COMM_WORLD, outdir, deck, NSet, SetArgs, Groups, Restart));
  {
    TwinNode ens = NULL;
    PetscCall(TwinNodeFind(deck->root, "ensemble", &ens));
    PetscCheck(!(ens && Restart && !deck->assimilation.enabled), PETSC_COMM_WORLD, PETSC_ERR_USER, "--restart: Monte Carlo ensembles are not checkpointed; run %s again (with --overwrite)", deck->path);
    if (ens && deck->assimilation.enabled) { /* a twin: ensemble + sensors + assimilation */
      struct sigaction sa; /* SIGTERM/SIGUSR1: checkpoint at the next cycle boundary, exit 3 */
      PetscCall(PetscMemzero(&sa, sizeof(sa)));
      sa.sa_handler = OnSignal;
      sigemptyset(&sa.sa_mask);
      sigaction(SIGTERM, &sa, NULL);
      sigaction(SIGUSR1, &sa, NULL);
      PetscCall(TwinDeckDestroy(&deck));
      PetscCall(TwinAssimilationRun(PETSC_COMM_WORLD, deckPath, NSet, SetArgs, Groups, Restart, &Signalled, &Checkpointed));
      PetscCall(TwinRunLog(PETSC_COMM_WORLD, "end", Checkpointed ? "\"status\": \"checkpointed\", \"exit\": 3" : "\"status\": \"ok\""));
      PetscCall(TwinRunLogClose());
      PetscFunctionReturn(0);
    }
    if (ens) { /* a Monte Carlo ensemble of this model */
      PetscCall(TwinDeckDestroy(&deck));
      PetscCall(TwinEnsembleRun(PETSC_COMM_WORLD, deckPath, NSet, SetArgs, Groups));
      PetscCall(TwinRunLog(PETSC_COMM_WORLD, "end", "\"status\": \"ok\""));
      PetscCall(TwinRunLogClose());
      PetscFunctionReturn(0);
    }
    PetscCheck(Groups == 1, PETSC_COMM_WORLD, PETSC_ERR_USER, "--groups needs a deck with an ensemble: section");
  }
  if (deck->output.has_directory) PetscCall(PetscStrncpy(outdir, deck->output.directory, sizeof(outdir)));
  else PetscCall(PetscSNPrintf(outdir, sizeof(outdir), "out/%s", deck->name));
  if (Restart) { /* the distribution of the interrupted run, from its checkpoint (rank 0 reads) */
    PetscInt   *part = NULL, bad = 0;
    PetscMPIInt rank;
    char        path[TWIN_PATH_LEN];
    PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/checkpoint.h5", outdir));
    {
      PetscBool exists;
      PetscCall(PetscTestFile(path, 'r', &exists));
      PetscCheck(exists, PETSC_COMM_WORLD, PETSC_ERR_USER, "--restart: no checkpoint %s (the run never wrote one, see checkpoint.every in the deck, or it completed)", path);
    }
    if (!rank) {
      hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), d = f >= 0 ? H5Dopen2(f, "/partition", H5P_DEFAULT) : -1;
      if (d < 0) bad = 1;
      else {
        hid_t    sp = H5Dget_space(d);
        hssize_t n  = H5Sget_simple_extent_npoints(sp);
        double  *buf;
        PetscCall(PetscMalloc1(n + 1, &buf));
        PetscCall(PetscMalloc1(n + 1, &part));
        if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) bad = 1;
        for (hssize_t i = 0; i < n; i++) part[i] = (PetscInt)buf[i];
        PetscCall(PetscFree(buf));
        H5Sclose(sp);
        H5Dclose(d);
      }
      if (f >= 0) H5Fclose(f);
    }
    PetscCallMPI(MPI_Bcast(&bad, 1, MPIU_INT, 0, PETSC_COMM_WORLD));
    PetscCheck(!bad, PETSC_COMM_WORLD, PETSC_ERR_USER, "--restart: %s is missing or has no partition (was it written by this version of twinfe?)", path);
    PetscCall(TwinMeshCreateWithPartition(PETSC_COMM_WORLD, deck, part, &mesh));
    PetscCall(PetscFree(part));
  } else PetscCall(TwinMeshCreate(PETSC_COMM_WORLD, deck, &mesh));
  if (deck->thermal.enabled) PetscCall(TwinThermalCreate(mesh, deck, &th));
  if (deck->has_mechanics) {
    PetscCall(TwinMechanicsCreate(mesh, deck, &mech));
    if (deck->mechanics.coupled) PetscCall(TwinMechanicsSetTemperature(mech, th));
  }
  PetscCheck(!Restart || deck->time.transient, PETSC_COMM_WORLD, PETSC_ERR_USER, "--restart resumes a transient run; %s has no time: section", deck->path);
  if (!Restart) {
    PetscMPIInt rank;
    char        path[TWIN_PATH_LEN];
    PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/checkpoint.h5", outdir));
    if (!rank) (void)remove(path); /* a checkpoint of an earlier run must not be resumed into this one */
    PetscCall(TwinOutputCreate(mesh, deck, mech ? mech->sp : th->sp, outdir, &out));
  }
  PetscCall(PetscTime(&t1));
  if (th) PetscCall(TwinThermalInitialize(th));
  if (!deck->time.transient) {
    if (th) {
      PetscCall(TwinThermalSolveSteady(th, 0.0));
      PetscCall(TwinThermalRecoverFlux(th));
    }
    if (mech) PetscCall(SolveMechanics(mech));
    PetscCall(TwinOutputWriteStep(out, 0.0, mech, th));
  } else {
    PetscReal end = deck->time.end, dt = deck->time.step, every = deck->output.every > 0 ? deck->output.every : end, next, ck = deck->checkpoint_every, nextCk;
    PetscInt  nsteps = (PetscInt)PetscCeilReal(end / dt - 1e-9), written = 1, n0 = 1, testSignalStep = -1;
    PetscCall(PetscOptionsGetInt(NULL, NULL, "-twin_test_signal_step", &testSignalStep, NULL));
    if (th) { /* SIGTERM and SIGUSR1 (Slurm's --signal) ask for a checkpoint at the next step
                 boundary; other runs keep the default action (they stop at once) */
      struct sigaction sa;
      memset(&sa, 0, sizeof(sa));
      sa.sa_handler = OnSignal;
      sigemptyset(&sa.sa_mask);
      sigaction(SIGTERM, &sa, NULL);
      sigaction(SIGUSR1, &sa, NULL);
    }
    if (Restart) { /* resume: state, results file in progress, the next output and checkpoint times */
      char        path[TWIN_PATH_LEN];
      PetscViewer v;
      PetscInt    ranks = 0;
      PetscMPIInt size;
      PetscBool   exists;
      PetscCall(PetscSNPrintf(path, sizeof(path), "%s/checkpoint.h5", outdir));
      PetscCall(PetscTestFile(path, 'r', &exists));
      PetscCheck(exists, PETSC_COMM_WORLD, PETSC_ERR_USER, "--restart: no checkpoint %s (the run never wrote one: see checkpoint.every in the deck)", path);
      PetscCall(PetscViewerHDF5Open(PETSC_COMM_WORLD, path, FILE_MODE_READ, &v));
      PetscCall(PetscViewerHDF5ReadAttribute(v, NULL, "ranks", PETSC_INT, NULL, &ranks));
      PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
      PetscCheck(ranks == size, PETSC_COMM_WORLD, PETSC_ERR_USER, "--restart: %s was written by %" PetscInt_FMT " ranks; resume it on %" PetscInt_FMT " ranks, not %d", path, ranks, ranks, size);
      PetscCall(TwinThermalLoadState(th, v));
      PetscCall(TwinOutputReopen(mesh, deck, mech ? mech->sp : th->sp, outdir, v, &out));
      PetscCall(PetscViewerDestroy(&v));
      n0 = th->step + 1;
      {
        char line[256];
        snprintf(line, sizeof(line), "twinfe: resuming %s at step %d (t = %g s)\n", deck->name, (int)th->step, (double)th->t);
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", line));
      }
    } else {
      if (th) PetscCall(TwinThermalRecoverFlux(th));
      if (mech) PetscCall(SolveMechanics(mech));
      PetscCall(TwinOutputWriteStep(out, 0.0, mech, th));
    }
    {
      PetscReal t = th ? th->t : 0.0;
      next   = every * (PetscFloorReal(t / every + 1e-9) + 1);
      nextCk = ck > 0 ? ck * (PetscFloorReal(t / ck + 1e-9) + 1) : PETSC_MAX_REAL;
    }
    for (PetscInt n = n0; n <= nsteps; n++) {
      PetscReal t = th ? th->t : (n - 1) * dt, h = PetscMin(dt, end - t);
      PetscBool last = n == nsteps ? PETSC_TRUE : PETSC_FALSE;
      PetscInt  sig;
      if (th) {
        PetscCall(TwinThermalStep(th, h));
        PetscCall(TwinRunLog(PETSC_COMM_WORLD, "step", "\"step\": %d, \"t\": %.17g, \"thermal_iterations\": %d", (int)n, (double)th->t, (int)th->iterations));
      }
      t += h;
      if (last || t >= next - 1e-9 * dt) {
        if (th) PetscCall(TwinThermalRecoverFlux(th));
        if (mech && mech->thermal) PetscCall(SolveMechanics(mech));
        PetscCall(TwinOutputWriteStep(out, t, mech, th));
        PetscCall(TwinRunLog(PETSC_COMM_WORLD, "output", "\"t\": %.17g", (double)t));
        written++;
        while (next <= t + 1e-9 * dt) next += every;
      }
      /* a checkpoint when due, or when Slurm (or anyone) asked us to stop: at a step boundary
         (-twin_test_signal_step N raises SIGUSR1 after step N: the restart tests use it) */
      if (n == testSignalStep) raise(SIGUSR1);
      sig = (PetscInt)Signalled;
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sig, 1, MPIU_INT, MPI_MAX, PETSC_COMM_WORLD));
      if (th && !last && (sig || t >= nextCk - 1e-9 * dt)) {
        PetscCall(WriteCheckpoint(outdir, deck, th, out));
        PetscCall(TwinRunLog(PETSC_COMM_WORLD, "checkpoint", "\"step\": %d, \"t\": %.17g, \"signal\": %d", (int)n, (double)t, (int)sig));
        while (nextCk <= t + 1e-9 * dt) nextCk += ck > 0 ? ck : PETSC_MAX_REAL;
        if (sig) {
          char line[TWIN_PATH_LEN + 256];
          snprintf(line, sizeof(line), "twinfe: signal %d: checkpoint written at step %d (t = %g s) to %s/checkpoint.h5; resume with --restart (exit status 3)\n", (int)sig, (int)n, (double)t, outdir);
          PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", line));
          Checkpointed = PETSC_TRUE;
          PetscCall(TwinRunLog(PETSC_COMM_WORLD, "end", "\"status\": \"checkpointed\", \"exit\": 3"));
          PetscCall(TwinRunLogClose());
          PetscCall(TwinOutputAbandon(&out));
          PetscCall(TwinMechanicsDestroy(&mech));
          PetscCall(TwinThermalDestroy(&th));
          PetscCall(TwinMeshDestroy(&mesh));
          PetscCall(TwinDeckDestroy(&deck));
          PetscFunctionReturn(0); /* the results file stays in progress (twin.h5.tmp) */
        }
      }
      if (n % PetscMax(1, nsteps / 10) == 0 || last) {
        PetscLogDouble now;
        char           line[256];
        PetscCall(PetscTime(&now));
        snprintf(line, sizeof(line), "twinfe: t = %g s of %g (%3.0f%%), step %d/%d, %d outputs, ETA %.1f s\n", (double)t, (double)end, 100.0 * n / nsteps, (int)n, (int)nsteps, (int)written,
                 (now - t1) / (n - n0 + 1) * (nsteps - n));
        PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", line));
      }
    }
  }
  PetscCall(TwinOutputClose(&out, mech, th));
  if (deck->checkpoint_every > 0 || Restart) { /* finished: the results are complete, nothing to resume */
    PetscMPIInt rank;
    char        path[TWIN_PATH_LEN];
    PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/checkpoint.h5", outdir));
    if (!rank) (void)remove(path);
  }
  PetscCall(TwinRunLog(PETSC_COMM_WORLD, "end", "\"status\": \"ok\""));
  PetscCall(TwinRunLogClose());
  PetscCall(PetscTime(&t2));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "twinfe: %s: %" PetscInt_FMT " cells, %" PetscInt_FMT " vertices, order %" PetscInt_FMT "\n", deck->name, mesh->ncglobal, mesh->nvglobal, deck->mesh.order));
  if (th) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "twinfe: thermal: %" PetscInt_FMT " free DOFs, %" PetscInt_FMT " steps, %" PetscInt_FMT " solver iterations in all%s\n", th->sp->nglobal, th->step, th->totalIterations, th->radiation ? " (Newton, radiation)" : ""));
  if (mech) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "twinfe: %s: %" PetscInt_FMT " free DOFs; solve: %" PetscInt_FMT " iterations, residual %.3e\n", th && mech->thermal ? "thermo-mechanics" : "mechanics", mech->ndofGlobal, mech->iterations, (double)mech->residual));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "twinfe: time: set-up %.3f s, solve and output %.3f s\n", t1 - t0, t2 - t1));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "twinfe: wrote %s/twin.h5 and %s/twin.xmf\n", outdir, outdir));
  PetscCall(TwinMechanicsDestroy(&mech));
  PetscCall(TwinThermalDestroy(&th));
  PetscCall(TwinMeshDestroy(&mesh));
  PetscCall(TwinDeckDestroy(&deck));
  PetscFunctionReturn(0);
}

static PetscErrorCode CommandCheck(const char *deckPath)
{
  TwinDeck       deck = NULL;
  TwinMesh       mesh = NULL;
  TwinMechanics  mech = NULL;
  TwinThermal    th   = NULL;
  PetscLogDouble mem  = 0;

  PetscFunctionBegin;
  PetscCall(LoadDeck(deckPath, &deck));
  PetscCall(TwinMeshCreate(PETSC_COMM_WORLD, deck, &mesh));
  if (deck->thermal.enabled) PetscCall(TwinThermalCreate(mesh, deck, &th));
  if (deck->has_mechanics) PetscCall(TwinMechanicsCreate(mesh, deck, &mech));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "deck %s: OK\n", deck->path));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  mesh: %s, dimension %" PetscInt_FMT ", %s cells, order %" PetscInt_FMT "\n", mesh->source, mesh->dim,
                        mesh->dim == 2 ? (mesh->simplex ? "triangle" : "quadrilateral") : (mesh->simplex ? "tetrahedron" : "hexahedron"), deck->mesh.order));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  cells: %" PetscInt_FMT ", vertices: %" PetscInt_FMT "\n", mesh->ncglobal, mesh->nvglobal));
  {
    char list[1024] = "";
    for (PetscInt i = 0; i < mesh->nboundaries; i++) {
      PetscCall(PetscStrlcat(list, i ? ", " : "", sizeof(list)));
      PetscCall(PetscStrlcat(list, mesh->boundaries[i], sizeof(list)));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  boundaries: %s\n", list));
  }
  /* per model: matrix (values + column indices) + GAMG hierarchy (about 1.5x the matrix) + the
     block arrays (8 bytes per entry; thermal keeps K, M and A; the mechanics writes straight into
     the matrix and has none, except on PETSc's COO path) + the layout maps (two integers per
     node block; PETSc's COO maps instead, about 12 bytes per entry, with -twin_matrix_petsc_coo)
     + about 20 vectors */
  for (PetscInt k = 0; k < 2; k++) {
    Mat       A  = k == 0 ? (mech ? mech->A : NULL) : (th ? th->A : NULL);
    TwinSpace sp = k == 0 ? (mech ? mech->sp : NULL) : (th ? th->sp : NULL);
    MatInfo   info;
    double    ncoo;
    if (!A) continue;
    PetscCall(MatGetInfo(A, MAT_GLOBAL_SUM, &info));
    ncoo = (double)sp->ncoo;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ncoo, 1, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD));
    /* nz_used: a matrix on twinfe's own arrays (spacemat.c) reports no "allocated" count */
    mem += info.nz_used * (8.0 + 4.0) * 2.5 + ncoo * ((sp->petscCOO ? 12.0 : 8.0 / (sp->ncomp * sp->ncomp)) + 8.0 * (k == 0 ? (sp->petscCOO ? 1 : 0) : 3)) + 20.0 * 8.0 * sp->nglobal;
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  %s: %" PetscInt_FMT " free DOFs, matrix nonzeros: %.0f, block size %" PetscInt_FMT "\n", k == 0 ? "mechanics" : "thermal", sp->nglobal,
                          info.nz_used, sp->blockSize));
  }
  if (deck->time.transient) {
    char line[256];
    snprintf(line, sizeof(line), "  time: %g s in steps of %g s, theta %g\n", (double)deck->time.end, (double)deck->time.step, (double)deck->time.theta);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s", line));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  materials: %" PetscInt_FMT ", probes: %" PetscInt_FMT "\n", deck->nmaterials, deck->output.nprobes));
  if (deck->sensors.enabled) { /* every sensor located in the mesh; the snapshot files present */
    TwinSensor     *sens;
    PetscInt        ns, nt = 0, nd = 0, ng = 0;
    TwinObsOperator H;
    PetscCall(TwinSensorsFromDeck(deck, &ns, &sens));
    PetscCall(TwinObsOperatorCreate(th, mech, ns, sens, &H));
    for (PetscInt i = 0; i < ns; i++) {
      nt += sens[i].kind == TWIN_SENSOR_TEMPERATURE;
      nd += sens[i].kind == TWIN_SENSOR_DISPLACEMENT;
      ng += sens[i].kind == TWIN_SENSOR_STRAIN;
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  sensors: %" PetscInt_FMT " (temperature %" PetscInt_FMT ", displacement %" PetscInt_FMT ", strain %" PetscInt_FMT "), all inside the mesh\n", ns, nt, nd, ng));
    PetscCall(TwinObsOperatorDestroy(&H));
    PetscCall(PetscFree(sens));
  }
  if (deck->assimilation.enabled) {
    PetscInt n;
    char   **files;
    PetscCall(TwinSnapshotGlob(PETSC_COMM_WORLD, deck->assimilation.snapshots, &n, &files));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  snapshots: %" PetscInt_FMT " file(s) match %s\n", n, deck->assimilation.snapshots));
    for (PetscInt i = 0; i < n; i++) PetscCall(PetscFree(files[i]));
    PetscCall(PetscFree(files));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  memory estimate: %.1f MiB (all ranks)\n", mem / 1048576.0));
  PetscCall(TwinMechanicsDestroy(&mech));
  PetscCall(TwinThermalDestroy(&th));
  PetscCall(TwinMeshDestroy(&mesh));
  PetscCall(TwinDeckDestroy(&deck));
  PetscFunctionReturn(0);
}

static PetscErrorCode CommandInfo(void)
{
  PetscMPIInt     rank, size;
  char            pv[128], mv[MPI_MAX_LIBRARY_VERSION_STRING], bind[256] = "unbound";
  int             len, ncores, npus;
  unsigned        h5maj, h5min, h5rel;
  hwloc_topology_t topo;
  hwloc_bitmap_t  set;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscGetVersion(pv, sizeof(pv)));
  PetscCallMPI(MPI_Get_library_version(mv, &len));
  for (char *p = mv; *p; p++)
    if (*p == '\n' || *p == ',') { *p = 0; break; }
  H5get_libversion(&h5maj, &h5min, &h5rel);
  hwloc_topology_init(&topo);
  hwloc_topology_load(topo);
  ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
  npus   = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
  set    = hwloc_bitmap_alloc();
  if (!hwloc_get_cpubind(topo, set, HWLOC_CPUBIND_PROCESS)) hwloc_bitmap_list_snprintf(bind, sizeof(bind), set);
  hwloc_bitmap_free(set);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "twinfe %s (git %s)\n  %s\n  MPI: %s\n  HDF5: %u.%u.%u (parallel)\n  hwloc: %s\n", TWINFE_VERSION, TwinGitRevision(), pv, mv,
                        h5maj, h5min, h5rel, HWLOC_VERSION));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  machine: %d cores, %d hardware threads\n  ranks: %d, OpenMP threads per rank: %d\n", ncores, npus, size, omp_get_max_threads()));
  PetscCall(PetscSynchronizedPrintf(PETSC_COMM_WORLD, "  rank %d bound to PUs %s\n", rank, bind));
  PetscCall(PetscSynchronizedFlush(PETSC_COMM_WORLD, PETSC_STDOUT));
  if (size * omp_get_max_threads() > ncores)
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  warning: %d ranks x %d threads = %d exceeds the %d cores: expect oversubscription slow-downs\n", size, omp_get_max_threads(),
                          size * omp_get_max_threads(), ncores));
  hwloc_topology_destroy(topo);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscErrorCode ierr;
  const char    *cmd = argc > 1 ? argv[1] : NULL, *deck = argc > 2 ? argv[2] : NULL;
  PetscMPIInt    rank, size;

  if (!cmd || !strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
    fputs(Usage, cmd ? stdout : stderr);
    return cmd ? 0 : 1;
  }
  if (strcmp(cmd, "run") && strcmp(cmd, "check") && strcmp(cmd, "info") && strcmp(cmd, "synthesize")) {
    fprintf(stderr, "twinfe: error: unknown command '%s'\n%s", cmd, Usage);
    return 1;
  }
  if (strcmp(cmd, "info") && (!deck || deck[0] == '-')) {
    fprintf(stderr, "twinfe: error: '%s' needs a deck file\n%s", cmd, Usage);
    return 1;
  }
  /* --groups G (before PETSc sees the arguments) */
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--groups")) {
      char *end = NULL;
      if (i + 1 >= argc || (Groups = strtol(argv[i + 1], &end, 10)) < 1 || *end) {
        fprintf(stderr, "twinfe: error: --groups needs a positive integer\n");
        return 1;
      }
      for (int j = i; j + 2 <= argc; j++) argv[j] = argv[j + 2];
      argc -= 2;
      break;
    }
  /* --restart, --overwrite, --set path=value (before PETSc sees the arguments) */
  for (int i = 1; i < argc;) {
    int take = 0;
    if (!strcmp(argv[i], "--restart")) Restart = PETSC_TRUE, take = 1;
    else if (!strcmp(argv[i], "--overwrite")) Overwrite = PETSC_TRUE, take = 1;
    else if (!strcmp(argv[i], "--set")) {
      if (i + 1 >= argc || !strchr(argv[i + 1], '=')) {
        fprintf(stderr, "twinfe: error: --set needs PATH=VALUE (e.g. --set materials.steel.E=2.1e11)\n");
        return 1;
      }
      if (NSet == TWIN_MAX_SET) {
        fprintf(stderr, "twinfe: error: more than %d --set overrides\n", TWIN_MAX_SET);
        return 1;
      }
      SetArgs[NSet++] = argv[i + 1];
      take = 2;
    }
    if (!take) {
      i++;
      continue;
    }
    for (int j = i; j + take <= argc; j++) argv[j] = argv[j + take];
    argc -= take;
  }
  /* one OpenMP thread per rank unless asked: ranks already fill the cores */
  if (!getenv("OMP_NUM_THREADS")) omp_set_num_threads(1);
  ierr = PetscInitialize(&argc, &argv, NULL, NULL);
  if (ierr) return 2;
  Argc = argc;
  Argv = argv;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(TwinInitializePackage());
  PetscCallMPI(MPI_Comm_dup(MPI_COMM_WORLD, &ErrorComm));

  {
    /* -twin_traceback keeps PETSc's traceback handler (for developers) */
    PetscBool tb = PETSC_FALSE;
    PetscCall(PetscOptionsGetBool(NULL, NULL, "-twin_traceback", &tb, NULL));
    if (!tb) PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    else PetscCall(PetscPushErrorHandler(PetscTraceBackErrorHandler, NULL));
  }
  if (!strcmp(cmd, "run")) ierr = CommandRun(deck);
  else if (!strcmp(cmd, "check")) ierr = CommandCheck(deck);
  else if (!strcmp(cmd, "synthesize")) ierr = TwinSynthesize(PETSC_COMM_WORLD, deck, NSet, SetArgs);
  else ierr = CommandInfo();
  PetscCall(PetscPopErrorHandler());
  if (ierr) {
    const char *text;
    char       *specific = NULL;
    PetscErrorMessage(ierr, &text, &specific);
    PetscBool user = (ierr == PETSC_ERR_USER || ierr == PETSC_ERR_NOT_CONVERGED || ierr == PETSC_ERR_FILE_OPEN || ierr == PETSC_ERR_FILE_UNEXPECTED || ierr == PETSC_ERR_FILE_READ)
                       ? PETSC_TRUE
                       : PETSC_FALSE;
    const char *msg = specific && specific[0] ? specific : text;
    { /* the log says how the run ended */
      char esc[1024];
      size_t k = 0;
      for (const char *p = msg ? msg : ""; *p && k + 2 < sizeof(esc); p++) {
        if (*p == '"' || *p == '\\') esc[k++] = '\\';
        esc[k++] = (*p == '\n') ? ' ' : *p;
      }
      esc[k] = 0;
      TwinRunLog(PETSC_COMM_WORLD, "end", "\"status\": \"error\", \"exit\": %d, \"message\": \"%s\"", user ? 1 : 2, esc);
      TwinRunLogClose();
    }
    if (CollectivePhase || size == 1 || AllRanksFailed()) {
      /* the same error everywhere: say it once */
      if (!rank) {
        if (user) fprintf(stderr, "twinfe: error: %s\n", msg);
        else fprintf(stderr, "twinfe: internal error: %s [%s]\n", msg, text ? text : "");
      }
      MPI_Comm_free(&ErrorComm);
      PetscFinalize();
      return user ? 1 : 2;
    }
    /* only some ranks failed: do not leave the others waiting */
    if (user) fprintf(stderr, "twinfe: error (rank %d): %s\n", rank, msg);
    else fprintf(stderr, "twinfe: internal error (rank %d): %s [%s]\n", rank, msg, text ? text : "");
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, user ? 1 : 2);
    return user ? 1 : 2;
  }
  PetscCallMPI(MPI_Comm_free(&ErrorComm));
  if (Checkpointed) {
    PetscCall(PetscFinalize());
    return 3; /* checkpointed on a signal: requeue and resume with --restart */
  }
  PetscCall(PetscFinalize());
  return 0;
}
