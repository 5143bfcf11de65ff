/* stream.c (make bench, scripts/bench/stream.sh): memory bandwidth of twinfe's MatMult as a
 * fraction of a STREAM triad measured in the same process, the same solve on other matrix
 * formats, and the bandwidth of twinfe's HDF5 output against plain writes.
 *
 *   build/scripts/bench/stream DECK [OUTDIR] [-stream_mb MB] [-stream_reps N] [-mult_reps N]
 *                                   [-h5_reps N] [-formats aij,baij,sbaij] [-solve_formats aij,baij]
 *                                   [-h5_nosolve] (with -solve_formats none: write u = 0)
 *
 * 1. STREAM triad a[i] = b[i] + s*c[i] on every rank at once, each on its own three arrays of
 *    MB megabytes (default 80), best of N (default 10); the bandwidth is the sum over ranks
 *    (24 bytes per element per rank, no write-allocate traffic counted, as in STREAM), time =
 *    the slowest rank of the trial. OpenMP is not used.
 * 2. The deck's elasticity model is set up and assembled with the library (as
 *    scripts/bench/asm_omp.c does). Its matrix (type and block size printed) and copies made by
 *    MatConvert to MATBAIJ and MATSBAIJ are multiplied: 3 warm-up products, then N (default
 *    10) trials of 10 products, best trial. Bytes moved per product (a model: each byte of
 *    the matrix read once, x read once, y written once; the ghost values of x and the
 *    write-allocate reads of y not counted):
 *      AIJ    8 nnz + 4 nnz + 4 (rows + 2 ranks) [row pointers of the diagonal and
 *             off-diagonal parts] + 16 rows
 *      BAIJ   8 nnz + 4 nnz/bs^2 + 4 (rows/bs + 2 ranks) + 16 rows
 *      SBAIJ  the same with the stored (upper triangle) nonzeros
 *    nnz from MatGetInfo (MAT_GLOBAL_SUM, nz_used). Products of all formats are compared.
 * 3. CG + GAMG (twinfe's solver: rtol 1e-10 on the unpreconditioned residual, rigid-body
 *    near-nullspace) on each format of -solve_formats: KSPSetUp (PCSetUp) and KSPSolve
 *    times and iterations; a format the solver does not support is reported, not fatal.
 * 4. With OUTDIR: the solution of the AIJ solve is put into the model, stresses recovered and
 *    TwinOutputWriteMechanics(OUTDIR/h5) (the output of a static run: mesh, /steps/0000,
 *    /fields, attributes, XDMF, rename) timed -h5_reps times (default 3, best taken), then
 *    the same number of bytes written (a) by rank 0 alone with fwrite + fflush + fclose,
 *    (b) collectively with MPI-IO (each rank its contiguous half, MPI_File_write_at_all), (c)
 *    as one HDF5 dataset written collectively (H5Dwrite, contiguous layout, the fapl twinfe
 *    uses). None of them calls fsync (page cache; all the same); then each once more with an
 *    fsync of the file after closing it ("+fsync" lines).
 *
 * Output: lines "stream KEY VALUE..." that stream.sh parses. */
#define _DEFAULT_SOURCE 1 /* sync() */
#include <twinfe/mechanics.h>
#include <twinfe/output.h>
#include <hdf5.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

static PetscMPIInt rank_, size_;

/* ---- 1. STREAM triad ------------------------------------------------------------------ */
typedef struct {
  size_t  n;
  double *a, *b, *c;
} Triad;

/* One trial on every rank at once: the time of the slowest rank. */
static PetscErrorCode TriadTrial(Triad *t, double *time)
{
  double t0, tl, s = 3.0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  for (size_t i = 0; i < t->n; i++) t->a[i] = t->b[i] + s * t->c[i];
  tl = MPI_Wtime() - t0;
  PetscCallMPI(MPI_Allreduce(&tl, time, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
  PetscCheck(t->a[t->n / 2] + t->a[t->n - 1] == 14.0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "triad check failed");
  PetscFunctionReturn(0);
}

/* ---- 2. MatMult ----------------------------------------------------------------------- */
static PetscErrorCode MultBytes(Mat A, double *bytes, double *nnz)
{
  MatInfo   info;
  MatType   type;
  PetscInt  N, bs;
  PetscBool block;

  PetscFunctionBegin;
  PetscCall(MatGetInfo(A, MAT_GLOBAL_SUM, &info));
  PetscCall(MatGetSize(A, &N, NULL));
  PetscCall(MatGetBlockSize(A, &bs));
  PetscCall(MatGetType(A, &type));
  PetscCall(PetscStrendswith(type, "baij", &block)); /* baij and sbaij: one index per block */
  if (!block) bs = 1;
  *nnz   = info.nz_used;
  *bytes = 8.0 * info.nz_used + 4.0 * info.nz_used / (bs * bs) + 4.0 * (N / bs + 2.0 * size_) + 16.0 * N;
  PetscFunctionReturn(0);
}

/* One trial: 10 products, the time per product of the slowest rank. */
static PetscErrorCode MultTrial(Mat A, Vec x, Vec y, double *time)
{
  double         t0, t;
  const PetscInt inner = 10;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  for (PetscInt k = 0; k < inner; k++) PetscCall(MatMult(A, x, y));
  t = (MPI_Wtime() - t0) / inner;
  PetscCallMPI(MPI_Allreduce(&t, time, 1, MPI_DOUBLE, MPI_MAX, PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

/* AIJ (block size bs) -> BAIJ or SBAIJ (upper triangle) with exact block preallocation.
 * (PETSc 3.18's MatConvert MPIAIJ -> MPIBAIJ under-preallocates this matrix: "new nonzero
 * caused a malloc".) */
static PetscErrorCode ToBlock(Mat A, MatType type, Mat *B)
{
  PetscInt  bs, rstart, rend, cstart, cend, m, M, nbr, *dnz, *onz, *dnzu, *onzu, *mark;
  PetscBool sym;

  PetscFunctionBegin;
  PetscCall(PetscStrcmp(type, MATSBAIJ, &sym));
  PetscCall(MatGetBlockSize(A, &bs));
  PetscCall(MatGetOwnershipRange(A, &rstart, &rend));
  PetscCall(MatGetOwnershipRangeColumn(A, &cstart, &cend));
  PetscCall(MatGetSize(A, &M, NULL));
  m   = rend - rstart;
  nbr = m / bs;
  PetscCall(PetscCalloc4(nbr, &dnz, nbr, &onz, nbr, &dnzu, nbr, &onzu));
  PetscCall(PetscMalloc1(M / bs, &mark));
  for (PetscInt j = 0; j < M / bs; j++) mark[j] = -1;
  for (PetscInt ib = 0; ib < nbr; ib++) {
    PetscInt gb = (rstart / bs) + ib;
    for (PetscInt k = 0; k < bs; k++) {
      PetscInt        ncols;
      const PetscInt *cols;
      PetscCall(MatGetRow(A, rstart + ib * bs + k, &ncols, &cols, NULL));
      for (PetscInt j = 0; j < ncols; j++) {
        PetscInt cb = cols[j] / bs;
        if (mark[cb] == ib) continue;
        mark[cb] = ib;
        if (cols[j] >= cstart && cols[j] < cend) {
          dnz[ib]++;
          if (cb >= gb) dnzu[ib]++;
        } else {
          onz[ib]++;
          if (cb >= gb) onzu[ib]++;
        }
      }
      PetscCall(MatRestoreRow(A, rstart + ib * bs + k, &ncols, &cols, NULL));
    }
  }
  PetscCall(MatCreate(PetscObjectComm((PetscObject)A), B));
  PetscCall(MatSetSizes(*B, m, m, M, M));
  PetscCall(MatSetType(*B, type));
  PetscCall(MatSetBlockSize(*B, bs));
  PetscCall(MatXAIJSetPreallocation(*B, bs, dnz, onz, dnzu, onzu));
  PetscCall(MatSetOption(*B, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));
  if (sym) PetscCall(MatSetOption(*B, MAT_IGNORE_LOWER_TRIANGULAR, PETSC_TRUE));
  for (PetscInt i = rstart; i < rend; i++) {
    PetscInt           ncols;
    const PetscInt    *cols;
    const PetscScalar *vals;
    PetscCall(MatGetRow(A, i, &ncols, &cols, &vals));
    PetscCall(MatSetValues(*B, 1, &i, ncols, cols, vals, INSERT_VALUES));
    PetscCall(MatRestoreRow(A, i, &ncols, &cols, &vals));
  }
  PetscCall(MatAssemblyBegin(*B, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*B, MAT_FINAL_ASSEMBLY));
  PetscCall(MatSetOption(*B, MAT_SYMMETRIC, PETSC_TRUE));
  if (sym) PetscCall(MatSetOption(*B, MAT_SPD, PETSC_TRUE)); /* MPIBAIJ in 3.18: "unknown option" */
  PetscCall(PetscFree(mark));
  PetscCall(PetscFree4(dnz, onz, dnzu, onzu));
  PetscFunctionReturn(0);
}

/* ---- 3. CG + GAMG on a format --------------------------------------------------------- */
static PetscErrorCode Solve(Mat A, Mat P, MatNullSpace nsp, Vec b, const char *label, Vec *xout)
{
  KSP      ksp;
  PC       pc;
  Vec      x;
  double   t0, tsetup, tsolve;
  PetscInt its;
  KSPConvergedReason reason;

  PetscFunctionBegin;
  if (nsp) PetscCall(MatSetNearNullSpace(A, nsp));
  if (nsp) PetscCall(MatSetNearNullSpace(P, nsp));
  PetscCall(KSPCreate(PETSC_COMM_WORLD, &ksp));
  PetscCall(KSPSetOptionsPrefix(ksp, "stream_"));
  PetscCall(KSPSetType(ksp, KSPCG));
  PetscCall(KSPGetPC(ksp, &pc));
  PetscCall(PCSetType(pc, PCGAMG));
  PetscCall(KSPSetTolerances(ksp, 1e-10, PETSC_DEFAULT, PETSC_DEFAULT, 2000));
  PetscCall(KSPSetNormType(ksp, KSP_NORM_UNPRECONDITIONED));
  PetscCall(KSPSetFromOptions(ksp));
  PetscCall(KSPSetOperators(ksp, A, P));
  PetscCall(MatCreateVecs(A, &x, NULL));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  PetscCall(KSPSetUp(ksp));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  tsetup = MPI_Wtime() - t0;
  t0     = MPI_Wtime();
  PetscCall(KSPSolve(ksp, b, x));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  tsolve = MPI_Wtime() - t0;
  PetscCall(KSPGetIterationNumber(ksp, &its));
  PetscCall(KSPGetConvergedReason(ksp, &reason));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "stream solve %s its %" PetscInt_FMT " setup_s %.4f solve_s %.4f reason %s\n", label, its, tsetup, tsolve, KSPConvergedReasons[reason]));
  PetscCall(KSPDestroy(&ksp));
  if (xout) *xout = x;
  else PetscCall(VecDestroy(&x));
  PetscFunctionReturn(0);
}

/* ---- 4. output ------------------------------------------------------------------------ */
static PetscErrorCode FsyncPath(const char *path, double *t)
{
  double t0 = MPI_Wtime();

  PetscFunctionBegin;
  *t = 0;
  if (rank_ == 0) {
    int fd = open(path, O_RDONLY);
    PetscCheck(fd >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open %s", path);
    PetscCheck(fsync(fd) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "fsync %s failed", path);
    close(fd);
  }
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  *t = MPI_Wtime() - t0;
  PetscFunctionReturn(0);
}

static PetscErrorCode SyncAll(void)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  if (rank_ == 0) sync(); /* start every trial with no dirty pages of earlier ones */
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  PetscFunctionReturn(0);
}

static PetscErrorCode Output(TwinMechanics m, const char *outdir, PetscInt reps)
{
  char      dir[PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN];
  double    best = 1e300, tfs = 0, size = 0, dbytes;
  TwinMesh  mesh = m->mesh;
  PetscInt  nvpc = m->sp->nverts;
  struct stat st;
  char     *buf;
  size_t    nb;

  PetscFunctionBegin;
  /* the datasets of a static mechanics run: coordinates (3), topology (nvpc int64) and twice
     (/steps/0000 and /fields) displacement 3 + stress 6 + von Mises 1 per vertex, cell stress
     6 + cell von Mises 1 per cell; probes none in the bench decks */
  dbytes = 8.0 * ((double)mesh->nvglobal * (3 + 2 * 10) + (double)mesh->ncglobal * (nvpc + 2 * 7));
  PetscCall(PetscSNPrintf(dir, sizeof(dir), "%s/h5", outdir));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/twin.h5", dir));
  for (PetscInt r = 0; r <= reps; r++) {
    double t0, t;
    if (rank_ == 0) unlink(path);
    PetscCall(SyncAll());
    t0 = MPI_Wtime();
    PetscCall(TwinOutputWriteMechanics(m, dir));
    PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
    t = MPI_Wtime() - t0;
    if (r < reps) best = PetscMin(best, t);
    else { /* the last one: with an fsync of the file */
      PetscCall(FsyncPath(path, &tfs));
      tfs += t;
    }
  }
  if (rank_ == 0 && stat(path, &st) == 0) size = (double)st.st_size;
  PetscCallMPI(MPI_Bcast(&size, 1, MPI_DOUBLE, 0, PETSC_COMM_WORLD));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "stream h5 twinfe vertices %" PetscInt_FMT " cells %" PetscInt_FMT " dataset_mb %.2f file_mb %.2f best_s %.4f mbs %.1f fsync_s %.4f fsync_mbs %.1f\n",
                        mesh->nvglobal, mesh->ncglobal, dbytes / 1e6, size / 1e6, best, dbytes / best / 1e6, tfs, dbytes / tfs / 1e6));

  /* the same number of bytes (the dataset bytes) written plainly */
  nb = (size_t)dbytes;
  PetscCall(PetscMalloc1(nb, &buf));
  for (size_t i = 0; i < nb; i++) buf[i] = (char)(i * 7);
  { /* (a) one process, fwrite */
    char   p[PETSC_MAX_PATH_LEN];
    double bst = 1e300, tf = 0;
    PetscCall(PetscSNPrintf(p, sizeof(p), "%s/plain.bin", dir));
    for (PetscInt r = 0; r <= reps; r++) {
      double t0, t;
      if (rank_ == 0) unlink(p);
      PetscCall(SyncAll());
      t0 = MPI_Wtime();
      if (rank_ == 0) {
        FILE *fp = fopen(p, "wb");
        int   fd;
        PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create %s", p);
        PetscCheck(fwrite(buf, 1, nb, fp) == nb, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "fwrite %s", p);
        PetscCheck(fflush(fp) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "fflush %s", p);
        fd = fileno(fp);
        if (r == reps) PetscCheck(fsync(fd) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "fsync %s", p);
        fclose(fp);
      }
      PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
      t = MPI_Wtime() - t0;
      if (r < reps) bst = PetscMin(bst, t);
      else tf = t;
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "stream h5 fwrite mb %.2f best_s %.4f mbs %.1f fsync_s %.4f fsync_mbs %.1f\n", dbytes / 1e6, bst, dbytes / bst / 1e6, tf, dbytes / tf / 1e6));
    if (rank_ == 0) unlink(p);
  }
  { /* (b) MPI-IO, collective, each rank a contiguous part */
    char       p[PETSC_MAX_PATH_LEN];
    double     bst = 1e300, tf = 0;
    MPI_Offset off = (MPI_Offset)(nb / size_) * rank_;
    size_t     mine = rank_ == size_ - 1 ? nb - (nb / size_) * rank_ : nb / size_;
    PetscCall(PetscSNPrintf(p, sizeof(p), "%s/mpiio.bin", dir));
    for (PetscInt r = 0; r <= reps; r++) {
      double  t0, t;
      MPI_File fh;
      if (rank_ == 0) unlink(p);
      PetscCall(SyncAll());
      t0 = MPI_Wtime();
      PetscCallMPI(MPI_File_open(PETSC_COMM_WORLD, p, MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh));
      PetscCallMPI(MPI_File_write_at_all(fh, off, buf + off, (int)mine, MPI_BYTE, MPI_STATUS_IGNORE));
      if (r == reps) PetscCallMPI(MPI_File_sync(fh));
      PetscCallMPI(MPI_File_close(&fh));
      PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
      t = MPI_Wtime() - t0;
      if (r < reps) bst = PetscMin(bst, t);
      else tf = t;
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "stream h5 mpiio mb %.2f best_s %.4f mbs %.1f fsync_s %.4f fsync_mbs %.1f\n", dbytes / 1e6, bst, dbytes / bst / 1e6, tf, dbytes / tf / 1e6));
    if (rank_ == 0) unlink(p);
  }
  { /* (c) one HDF5 dataset, collective, twinfe's fapl */
    char   p[PETSC_MAX_PATH_LEN];
    double bst = 1e300, tf = 0;
    size_t n8 = nb / 8, lo = (n8 / size_) * rank_, mine = rank_ == size_ - 1 ? n8 - lo : n8 / size_;
    PetscCall(PetscSNPrintf(p, sizeof(p), "%s/plain.h5", dir));
    for (PetscInt r = 0; r <= reps; r++) {
      double  t0, t;
      hid_t   fapl, file, fspace, mspace, dset, dxpl;
      hsize_t dims = n8, start = lo, count = mine;
      if (rank_ == 0) unlink(p);
      PetscCall(SyncAll());
      t0   = MPI_Wtime();
      fapl = H5Pcreate(H5P_FILE_ACCESS);
      PetscCallHDF5(H5Pset_fapl_mpio, (fapl, PETSC_COMM_WORLD, MPI_INFO_NULL));
      file = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
      PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot create %s", p);
      fspace = H5Screate_simple(1, &dims, NULL);
      dset   = H5Dcreate2(file, "data", H5T_IEEE_F64LE, fspace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      mspace = H5Screate_simple(1, &count, NULL);
      PetscCallHDF5(H5Sselect_hyperslab, (fspace, H5S_SELECT_SET, &start, NULL, &count, NULL));
      dxpl = H5Pcreate(H5P_DATASET_XFER);
      PetscCallHDF5(H5Pset_dxpl_mpio, (dxpl, H5FD_MPIO_COLLECTIVE));
      PetscCallHDF5(H5Dwrite, (dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, (double *)buf + lo));
      PetscCallHDF5(H5Pclose, (dxpl));
      PetscCallHDF5(H5Sclose, (mspace));
      PetscCallHDF5(H5Sclose, (fspace));
      PetscCallHDF5(H5Dclose, (dset));
      PetscCallHDF5(H5Fclose, (file));
      PetscCallHDF5(H5Pclose, (fapl));
      PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
      t = MPI_Wtime() - t0;
      if (r < reps) bst = PetscMin(bst, t);
      else {
        double ts;
        PetscCall(FsyncPath(p, &ts));
        tf = t + ts;
      }
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "stream h5 plainh5 mb %.2f best_s %.4f mbs %.1f fsync_s %.4f fsync_mbs %.1f\n", dbytes / 1e6, bst, dbytes / bst / 1e6, tf, dbytes / tf / 1e6));
    if (rank_ == 0) unlink(p);
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

static PetscBool InList(const char *list, const char *name)
{
  char buf[256], *tok, *save = NULL;
  PetscStrncpy(buf, list, sizeof(buf));
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
    if (!strcmp(tok, name)) return PETSC_TRUE;
  return PETSC_FALSE;
}

int main(int argc, char **argv)
{
  TwinDeck       deck;
  TwinMesh       mesh;
  TwinMechanics  mech;
  PetscInt       mb = 80, sreps = 10, mreps = 10, hreps = 3;
  char           formats[256] = "aij,baij,sbaij", sformats[256] = "aij,baij,sbaij";
  const char    *outdir = NULL;
  Mat            conv[3] = {NULL, NULL, NULL};
  const char    *names[3] = {"aij", "baij", "sbaij"};
  Vec            y[3] = {NULL, NULL, NULL}, xsol = NULL;
  MatNullSpace   nsp;
  PetscErrorCode ierr;

  if (argc < 2 || argv[1][0] == '-') {
    fprintf(stderr, "usage: stream DECK [OUTDIR] [-stream_mb MB] [-stream_reps N] [-mult_reps N] [-h5_reps N] [-formats aij,baij,sbaij] [-solve_formats ...]\n");
    return 1;
  }
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank_));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size_));
  if (argc > 2 && argv[2][0] != '-') outdir = argv[2];
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-stream_mb", &mb, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-stream_reps", &sreps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-mult_reps", &mreps, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-h5_reps", &hreps, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-formats", formats, sizeof(formats), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-solve_formats", sformats, sizeof(sformats), NULL));

  PetscCall(TwinInitializePackage());
  PetscCall(TwinDeckLoad(PETSC_COMM_WORLD, argv[1], &deck));
  PetscCall(TwinMeshCreate(PETSC_COMM_WORLD, deck, &mesh));
  PetscCall(TwinMechanicsCreate(mesh, deck, &mech));
  PetscCall(TwinMechanicsAssemble(mech));
  PetscCall(MatGetNearNullSpace(mech->A, &nsp));
  PetscCall(PetscObjectReference((PetscObject)nsp));

  conv[0] = mech->A;
  PetscCall(PetscObjectReference((PetscObject)conv[0]));
  for (int f = 1; f < 3; f++) {
    if (!InList(formats, names[f]) && !InList(sformats, names[f])) continue;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = ToBlock(mech->A, f == 1 ? MATBAIJ : MATSBAIJ, &conv[f]);
    PetscCall(PetscPopErrorHandler());
    if (ierr) {
      const char *txt = NULL;
      char       *spec = NULL;
      PetscErrorMessage(ierr, &txt, &spec);
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "stream matmult %s unsupported conversion error %d: %s\n", names[f], (int)ierr, spec ? spec : (txt ? txt : "")));
      conv[f] = NULL;
    }
  }
  { /* the triad and the products, interleaved trial by trial (the machine may be shared:
       every kind sees the same load), best of each */
    Triad  tr;
    double best[4] = {1e300, 1e300, 1e300, 1e300}, t;
    Vec    x[3] = {NULL, NULL, NULL};
    tr.n = (size_t)mb * 1000000 / 8;
    PetscCall(PetscMalloc3(tr.n, &tr.a, tr.n, &tr.b, tr.n, &tr.c));
    for (size_t i = 0; i < tr.n; i++) { tr.a[i] = 0.0; tr.b[i] = 1.0; tr.c[i] = 2.0; }
    PetscCall(TriadTrial(&tr, &t)); /* warm-up */
    for (int f = 0; f < 3; f++) {
      if (!conv[f] || !InList(formats, names[f])) continue;
      PetscCall(MatCreateVecs(conv[f], &x[f], &y[f]));
      PetscCall(VecSetRandom(x[f], NULL));
      for (PetscInt k = 0; k < 3; k++) PetscCall(MatMult(conv[f], x[f], y[f])); /* warm-up */
    }
    for (PetscInt r = 0; r < PetscMax(sreps, mreps); r++) {
      if (r < sreps) {
        PetscCall(TriadTrial(&tr, &t));
        best[3] = PetscMin(best[3], t);
      }
      for (int f = 0; f < 3 && r < mreps; f++) {
        if (!x[f]) continue;
        PetscCall(MultTrial(conv[f], x[f], y[f], &t));
        best[f] = PetscMin(best[f], t);
      }
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "stream triad ranks %d array_mb %" PetscInt_FMT " best_s %.6f gbs %.3f\n", size_, mb, best[3], 24.0 * tr.n * size_ / best[3] / 1e9));
    PetscCall(PetscFree3(tr.a, tr.b, tr.c));
    for (int f = 0; f < 3; f++) {
      MatType  type;
      PetscInt bs, N;
      double   bytes = 0, nnz = 0;
      if (!x[f]) continue;
      PetscCall(MultBytes(conv[f], &bytes, &nnz));
      PetscCall(MatGetType(conv[f], &type));
      PetscCall(MatGetBlockSize(conv[f], &bs));
      PetscCall(MatGetSize(conv[f], &N, NULL));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "stream matmult %s type %s bs %" PetscInt_FMT " rows %" PetscInt_FMT " nnz %.0f mb %.1f best_s %.6f gbs %.3f triad_fraction %.3f\n", names[f], type, bs,
                            N, nnz, bytes / 1e6, best[f], bytes / best[f] / 1e9, (bytes / best[f]) / (24.0 * tr.n * size_ / best[3])));
      /* the same x for every format, to compare the products */
      PetscCall(VecSet(x[f], 1.0));
      PetscCall(MatMult(conv[f], x[f], y[f]));
      PetscCall(VecDestroy(&x[f]));
    }
  }
  for (int f = 1; f < 3; f++)
    if (y[0] && y[f]) {
      PetscReal d, n;
      PetscCall(VecNorm(y[0], NORM_INFINITY, &n));
      PetscCall(VecAXPY(y[f], -1.0, y[0]));
      PetscCall(VecNorm(y[f], NORM_INFINITY, &d));
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "stream matmult %s max_rel_diff_vs_aij %.2e\n", names[f], (double)(d / n)));
    }
  for (int f = 0; f < 3; f++) PetscCall(VecDestroy(&y[f]));

  for (int f = 0; f < 3; f++) {
    if (!conv[f] || !InList(sformats, names[f])) continue;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = Solve(conv[f], conv[f], nsp, mech->b, names[f], f == 0 ? &xsol : NULL);
    PetscCall(PetscPopErrorHandler());
    if (ierr) {
      const char *txt = NULL;
      char       *spec = NULL;
      PetscErrorMessage(ierr, &txt, &spec);
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "stream solve %s unsupported error %d: %s\n", names[f], (int)ierr, spec ? spec : (txt ? txt : "")));
    }
  }
  if (conv[1] && InList(sformats, "baij")) {
    /* GAMG needs AIJ (3.18: no creategraph for BAIJ): BAIJ as the operator (CG and the
       finest-level smoother multiply with it), twinfe's AIJ matrix to build the hierarchy */
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = Solve(conv[1], conv[0], nsp, mech->b, "baij/aij", NULL);
    PetscCall(PetscPopErrorHandler());
    if (ierr) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "stream solve baij/aij unsupported error %d\n", (int)ierr));
  }
  for (int f = 0; f < 3; f++) PetscCall(MatDestroy(&conv[f]));

  if (outdir) {
    PetscBool nosolve = PETSC_FALSE;
    PetscCall(PetscOptionsGetBool(NULL, NULL, "-h5_nosolve", &nosolve, NULL));
    if (xsol) PetscCall(VecCopy(xsol, mech->u));
    else if (nosolve) PetscCall(VecSet(mech->u, 0.0)); /* the values do not change the bytes */
    else PetscCall(TwinMechanicsSolve(mech));
    PetscCall(VecCopy(mech->bcLocal, mech->ulocal));
    PetscCall(DMGlobalToLocal(mech->sp->dm, mech->u, INSERT_VALUES, mech->ulocal));
    PetscCall(TwinMechanicsRecoverStress(mech));
    PetscCall(Output(mech, outdir, hreps));
  }
  PetscCall(VecDestroy(&xsol));
  PetscCall(MatNullSpaceDestroy(&nsp));
  PetscCall(TwinMechanicsDestroy(&mech));
  PetscCall(TwinMeshDestroy(&mesh));
  PetscCall(TwinDeckDestroy(&deck));
  PetscCall(PetscFinalize());
  return 0;
}
