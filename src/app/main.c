/* main.c: the twinfe command. Subcommands:
 *   twinfe run DECK [PETSc options]     solve and write OUTDIR/twin.h5 + twin.xmf
 *   twinfe check DECK                   validate deck and mesh, print sizes and a memory estimate
 *   twinfe info                         versions, ranks, threads, hwloc topology and binding
 * Errors the user can fix (deck, mesh, boundary names, unconverged solves) print one message
 * "twinfe: error: FILE:LINE:COL: ..." and exit with status 1; internal errors exit with 2. */
#include <twinfe/output.h>
#include <hwloc.h>
#include <hdf5.h>
#include <omp.h>
#include <time.h>
#include <stdlib.h>

static const char *Usage = "usage: twinfe run DECK [PETSc options]\n"
                           "       twinfe check DECK\n"
                           "       twinfe info\n"
                           "Options: -log_view (where time goes), -mechanics_ksp_monitor, -mechanics_ksp_rtol R, any PETSc option.\n";

/* Errors raised while this is true are raised identically on every rank (the deck is parsed
   everywhere), so every rank can exit cleanly; later errors may be raised on one rank only while
   the others wait in a collective call, so the job must be aborted. */
static PetscBool CollectivePhase = PETSC_FALSE;
static MPI_Comm  ErrorComm       = MPI_COMM_NULL; /* used only to agree on failures */
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
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.DeckLoad, 0, 0, 0, 0));
  if ((*deck)->solver_options[0]) {
    /* deck options first, then the command line again so that it wins */
    PetscCall(PetscOptionsInsertString(NULL, (*deck)->solver_options));
    PetscCall(PetscOptionsInsert(NULL, &Argc, &Argv, NULL));
  }
  CollectivePhase = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode CommandRun(const char *deckPath)
{
  TwinDeck      deck = NULL;
  TwinMesh      mesh = NULL;
  TwinMechanics mech = NULL;
  PetscLogDouble t0, t1, t2, t3, t4;
  char          outdir[TWIN_PATH_LEN];

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(LoadDeck(deckPath, &deck));
  if (deck->output.has_directory) PetscCall(PetscStrncpy(outdir, deck->output.directory, sizeof(outdir)));
  else PetscCall(PetscSNPrintf(outdir, sizeof(outdir), "out/%s", deck->name));
  PetscCall(TwinMeshCreate(PETSC_COMM_WORLD, deck, &mesh));
  PetscCall(TwinMechanicsCreate(mesh, deck, &mech));
  PetscCall(PetscTime(&t1));
  PetscCall(TwinMechanicsAssemble(mech));
  PetscCall(PetscTime(&t2));
  PetscCall(TwinMechanicsSolve(mech));
  PetscCall(PetscTime(&t3));
  PetscCall(TwinMechanicsRecoverStress(mech));
  PetscCall(TwinOutputWriteMechanics(mech, outdir));
  PetscCall(PetscTime(&t4));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "twinfe: %s: %" PetscInt_FMT " cells, %" PetscInt_FMT " vertices, %" PetscInt_FMT " free DOFs, order %" PetscInt_FMT
                        "; solve: %" PetscInt_FMT " iterations, residual %.3e\n",
                        deck->name, mesh->ncglobal, mesh->nvglobal, mech->ndofGlobal, mech->order, mech->iterations, (double)mech->residual));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "twinfe: time: set-up %.3f s, assembly %.3f s, solve %.3f s, stress+output %.3f s\n", t1 - t0, t2 - t1, t3 - t2, t4 - t3));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "twinfe: wrote %s/twin.h5 and %s/twin.xmf\n", outdir, outdir));
  PetscCall(TwinMechanicsDestroy(&mech));
  PetscCall(TwinMeshDestroy(&mesh));
  PetscCall(TwinDeckDestroy(&deck));
  PetscFunctionReturn(0);
}

static PetscErrorCode CommandCheck(const char *deckPath)
{
  TwinDeck      deck = NULL;
  TwinMesh      mesh = NULL;
  TwinMechanics mech = NULL;
  MatInfo       info;
  PetscLogDouble mem;

  PetscFunctionBegin;
  PetscCall(LoadDeck(deckPath, &deck));
  PetscCall(TwinMeshCreate(PETSC_COMM_WORLD, deck, &mesh));
  PetscCall(TwinMechanicsCreate(mesh, deck, &mech));
  PetscCall(MatGetInfo(mech->A, MAT_GLOBAL_SUM, &info));
  /* matrix (values + column indices) + GAMG hierarchy (about 1.5x the matrix) + PETSc's COO maps
     (about 12 bytes per entry) + our assembled COO values + about 20 vectors */
  {
    double ncooTotal = (double)mech->sp->ncoo;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ncooTotal, 1, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD));
    mem = info.nz_allocated * (8.0 + 4.0) * 2.5 + ncooTotal * (12.0 + 8.0) + 20.0 * 8.0 * mech->ndofGlobal;
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "deck %s: OK\n", deck->path));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  mesh: %s, dimension %" PetscInt_FMT ", %s cells, order %" PetscInt_FMT "\n", mesh->source, mesh->dim,
                        mesh->dim == 2 ? (mesh->simplex ? "triangle" : "quadrilateral") : (mesh->simplex ? "tetrahedron" : "hexahedron"), mech->order));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  cells: %" PetscInt_FMT ", vertices: %" PetscInt_FMT "\n", mesh->ncglobal, mesh->nvglobal));
  {
    char list[1024] = "";
    for (PetscInt i = 0; i < mesh->nboundaries; i++) {
      PetscCall(PetscStrlcat(list, i ? ", " : "", sizeof(list)));
      PetscCall(PetscStrlcat(list, mesh->boundaries[i], sizeof(list)));
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  boundaries: %s\n", list));
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  free DOFs: %" PetscInt_FMT ", matrix nonzeros: %.0f, block size %" PetscInt_FMT "\n", mech->ndofGlobal, info.nz_allocated,
                        mech->sp->blockSize));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  materials: %" PetscInt_FMT ", boundary conditions: %" PetscInt_FMT ", probes: %" PetscInt_FMT "\n", deck->nmaterials,
                        deck->mechanics.nbcs, deck->output.nprobes));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "  memory estimate: %.1f MiB (all ranks)\n", mem / 1048576.0));
  PetscCall(TwinMechanicsDestroy(&mech));
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
  if (strcmp(cmd, "run") && strcmp(cmd, "check") && strcmp(cmd, "info")) {
    fprintf(stderr, "twinfe: error: unknown command '%s'\n%s", cmd, Usage);
    return 1;
  }
  if (strcmp(cmd, "info") && (!deck || deck[0] == '-')) {
    fprintf(stderr, "twinfe: error: '%s' needs a deck file\n%s", cmd, Usage);
    return 1;
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
  PetscCall(PetscFinalize());
  return 0;
}
