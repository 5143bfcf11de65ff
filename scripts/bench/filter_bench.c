/* filter_bench.c: the cost of one analysis (TwinFilterAnalyse) on a synthetic ensemble.
 *
 * usage: filter_bench NROW N NOBS RADIUS REPS [GRID [EXACT]]
 *
 * State rows sit on a structured grid of nodes in the box [0, 1] x [0, 1] x [0, 0.1] (one row
 * per node, as the thermal state of a twin), observations at NOBS random points of the box with
 * unit error variance; member values and predicted observations are random normals. Runs ETKF
 * and LETKF (Gaspari-Cohn support RADIUS m; one transform per row when EXACT is 1 (default), and
 * with weight interpolation on a grid of spacing GRID m when GRID > 0) REPS times each on 1 rank
 * (the analysis has no communication: with P ranks each analyses NROW/P rows) and prints "filter
 * NAME SECONDS" lines with the best time, for scripts/bench/twin.sh. */
#include <twinfe/filter.h>
#include <twinfe/ensemble.h>
#include <stdio.h>

int main(int argc, char **argv)
{
  PetscInt          nrow, N, nobs, reps;
  PetscReal         radius;
  PetscReal        *X0, *X, *rowx, *HX0, *HX, *y, *r, *ox, *P0, *P;
  TwinFilterStats   st;
  TwinFilterOptions opt;
  TwinEnsembleView  E;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCheck(argc >= 6, PETSC_COMM_WORLD, PETSC_ERR_USER,
             "usage: filter_bench NROW N NOBS RADIUS REPS");
  nrow            = atoi(argv[1]);
  N               = atoi(argv[2]);
  nobs            = atoi(argv[3]);
  radius          = atof(argv[4]);
  reps            = atoi(argv[5]);
  PetscReal grid  = argc > 6 ? atof(argv[6]) : 0.0;
  int       exact = argc > 7 ? atoi(argv[7]) : 1;
  PetscCall(PetscMalloc5((size_t)nrow * N, &X0, (size_t)nrow * N, &X, 3 * (size_t)nrow, &rowx,
                         nobs * N, &HX0, nobs * N, &HX));
  PetscCall(PetscMalloc5(nobs, &y, nobs, &r, 3 * nobs, &ox, 2 * N, &P0, 2 * N, &P));
  { /* nodes of an nx x nx x nz grid, nz = nx / 10 (at least 2) */
    PetscInt nz = 2, nx;
    for (;;) {
      nx = (PetscInt)PetscCeilReal(PetscSqrtReal((PetscReal)nrow / nz));
      if (nx / 10 <= nz) break;
      nz = nx / 10;
    }
    for (PetscInt i = 0; i < nrow; i++) {
      PetscInt a = i % nx, b = (i / nx) % nx, c = i / (nx * nx);
      rowx[3 * i]     = (PetscReal)a / (nx - 1);
      rowx[3 * i + 1] = (PetscReal)b / (nx - 1);
      rowx[3 * i + 2] = 0.1 * (PetscReal)c / PetscMax(1, nz - 1);
    }
  }
  for (size_t i = 0; i < (size_t)nrow * N; i++)
    X0[i] = TwinNormalInverseCDF(TwinRandomUniform(1, 0, 1, i));
  for (PetscInt i = 0; i < nobs * N; i++)
    HX0[i] = TwinNormalInverseCDF(TwinRandomUniform(1, 1, 1, (uint64_t)i));
  for (PetscInt i = 0; i < 2 * N; i++)
    P0[i] = TwinNormalInverseCDF(TwinRandomUniform(1, 2, 1, (uint64_t)i));
  for (PetscInt i = 0; i < nobs; i++) {
    y[i]          = TwinNormalInverseCDF(TwinRandomUniform(1, 3, 1, (uint64_t)i));
    r[i]          = 1.0;
    ox[3 * i]     = TwinRandomUniform(1, 4, 1, (uint64_t)(3 * i));
    ox[3 * i + 1] = TwinRandomUniform(1, 4, 1, (uint64_t)(3 * i + 1));
    ox[3 * i + 2] = 0.1 * TwinRandomUniform(1, 4, 1, (uint64_t)(3 * i + 2));
  }
  for (int f = 0; f < 3; f++) {
    PetscLogDouble best = 1e30;
    if ((f == 1 && !exact) || (f == 2 && !(grid > 0))) continue;
    for (PetscInt rep = 0; rep < reps; rep++) {
      PetscLogDouble t0, t1;
      PetscCall(PetscArraycpy(X, X0, (size_t)nrow * N));
      PetscCall(PetscArraycpy(HX, HX0, nobs * N));
      PetscCall(PetscArraycpy(P, P0, 2 * N));
      PetscCall(PetscMemzero(&opt, sizeof(opt)));
      opt.kind      = f == 0 ? TWIN_FILTER_ETKF : TWIN_FILTER_LETKF;
      opt.inflation = 1.02;
      opt.radius    = f == 0 ? 0.0 : radius;
      opt.grid      = f == 2 ? grid : 0.0;
      opt.alpha     = 1.0;
      opt.seed      = 1;
      E.N           = N;
      E.nrow        = nrow;
      E.X           = X;
      E.rowx        = rowx;
      E.np          = 2;
      E.P           = P;
      E.nobs        = nobs;
      E.HX          = HX;
      E.y           = y;
      E.r           = r;
      E.obsx        = ox;
      PetscCall(PetscTime(&t0));
      PetscCall(TwinFilterAnalyse(&opt, &E, &st));
      PetscCall(PetscTime(&t1));
      best = PetscMin(best, t1 - t0);
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                          "filter %s %.6f rows %d members %d obs %d local_analyses %d\n",
                          f == 0 ? "etkf" : (f == 1 ? "letkf" : "letkf_grid"), (double)best,
                          (int)nrow, (int)N, (int)nobs, (int)st.nlocal_analyses));
  }
  PetscCall(PetscFree5(X0, X, rowx, HX0, HX));
  PetscCall(PetscFree5(y, r, ox, P0, P));
  PetscCall(PetscFinalize());
  return 0;
}
