/* test_filter.c: the ensemble filters (src/filter, filter.h) against closed-form references.
 * One rank, no MPI.
 *   - ETKF = Kalman filter when the prior ensemble reproduces (m, B) exactly and H is linear
 *     (both the observation-space path, nobs < N, and the ensemble-space path, nobs >= N; with
 *     and without inflation; parameters are part of the Kalman state);
 *   - LETKF without localization = ETKF; with a finite radius every row equals an ETKF of that
 *     row alone with the observations within the radius and r / GC(distance) (random 3-D
 *     positions: checks the bucket search), rows beyond the radius of every observation are
 *     unchanged; Gaspari-Cohn values;
 *   - EnKF: with centred perturbations the mean is the Kalman mean, the covariance error falls
 *     like N^-1/2 (N = 50, 200, 800, 16 seeds each); ES-MDA with alpha = 1 is the EnKF;
 *   - inflation and RTPS; bad input returns an error code. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <twinfe/ensemble.h>
#include <twinfe/filter.h>
#include "suites.h"

typedef struct {
  int     n, np, nobs, N, nz; /* nz = n + np: the Kalman state */
  double *X, *P, *HX, *y, *r, *H, *m, *B, *rowx, *obsx;
} Problem;

static uint64_t counter;
static double   Rand(uint64_t seed) /* uniform in (-0.5, 0.5) */
{
  return TwinRandomUniform(seed, 0, TWIN_PURPOSE_SAMPLE, counter++) - 0.5;
}

static void FreeProblem(Problem *p)
{
  free(p->X);
  free(p->P);
  free(p->HX);
  free(p->y);
  free(p->r);
  free(p->H);
  free(p->m);
  free(p->B);
  free(p->rowx);
  free(p->obsx);
}

/* an ensemble whose sample mean is m and sample covariance is B = L L^T exactly: anomalies
 * sqrt(N - 1) L Q^T with Q (N x nz) orthonormal columns orthogonal to 1 (Gram-Schmidt); exact
 * only when nz <= N - 1 */
static void MakeProblem(Problem *p, int n, int np, int nobs, int N, uint64_t seed)
{
  const int nz = n + np;
  double   *L = calloc((size_t)nz * nz, sizeof(double)), *Q = calloc((size_t)N * (nz + 1), sizeof(double));

  memset(p, 0, sizeof(*p));
  p->n = n, p->np = np, p->nobs = nobs, p->N = N, p->nz = nz;
  p->X    = calloc((size_t)n * N + 1, sizeof(double));
  p->P    = calloc((size_t)np * N + 1, sizeof(double));
  p->HX   = calloc((size_t)nobs * N + 1, sizeof(double));
  p->y    = calloc((size_t)nobs + 1, sizeof(double));
  p->r    = calloc((size_t)nobs + 1, sizeof(double));
  p->H    = calloc((size_t)nobs * n + 1, sizeof(double));
  p->m    = calloc((size_t)nz, sizeof(double));
  p->B    = calloc((size_t)nz * nz, sizeof(double));
  p->rowx = calloc((size_t)n * 3 + 1, sizeof(double));
  p->obsx = calloc((size_t)nobs * 3 + 1, sizeof(double));
  counter = 0;
  for (int a = 0; a < nz; a++) {
    p->m[a] = 10 * Rand(seed);
    for (int b = 0; b < a; b++) L[a * nz + b] = Rand(seed);
    L[a * nz + a] = 1.0 + Rand(seed);
  }
  for (int a = 0; a < nz; a++)
    for (int b = 0; b < nz; b++)
      for (int c = 0; c < nz; c++) p->B[a * nz + b] += L[a * nz + c] * L[b * nz + c];
  /* Q column 0 = 1 / sqrt(N), columns 1..nz orthonormal to it and to each other */
  for (int j = 0; j < N; j++) Q[j * (nz + 1)] = 1.0 / sqrt((double)N);
  for (int c = 1; c <= nz; c++) {
    double s = 0;
    for (int j = 0; j < N; j++) Q[j * (nz + 1) + c] = Rand(seed);
    if (c >= N) { /* more state than members (LETKF tests): random anomalies, (m, B) not exact */
      for (int j = 0; j < N; j++) Q[j * (nz + 1) + c] *= sqrt(12.0 / N);
      continue;
    }
    for (int pass = 0; pass < 2; pass++)
      for (int c2 = 0; c2 < c; c2++) {
        double dot = 0;
        for (int j = 0; j < N; j++) dot += Q[j * (nz + 1) + c] * Q[j * (nz + 1) + c2];
        for (int j = 0; j < N; j++) Q[j * (nz + 1) + c] -= dot * Q[j * (nz + 1) + c2];
      }
    for (int j = 0; j < N; j++) s += Q[j * (nz + 1) + c] * Q[j * (nz + 1) + c];
    for (int j = 0; j < N; j++) Q[j * (nz + 1) + c] /= sqrt(s);
  }
  for (int a = 0; a < nz; a++)
    for (int j = 0; j < N; j++) {
      double z = p->m[a];
      for (int b = 0; b <= a; b++) z += sqrt((double)(N - 1)) * L[a * nz + b] * Q[j * (nz + 1) + 1 + b];
      if (a < n) p->X[a * N + j] = z;
      else p->P[(a - n) * N + j] = z;
    }
  for (int i = 0; i < nobs; i++) {
    double hm = 0;
    for (int a = 0; a < n; a++) {
      p->H[i * n + a] = Rand(seed) * 2;
      hm += p->H[i * n + a] * p->m[a];
    }
    p->y[i] = hm + 2 * Rand(seed);
    p->r[i] = 0.5 + Rand(seed);
    for (int j = 0; j < N; j++) {
      double h = 0;
      for (int a = 0; a < n; a++) h += p->H[i * n + a] * p->X[a * N + j];
      p->HX[i * N + j] = h;
    }
  }
  free(L);
  free(Q);
}

static TwinEnsembleView View(Problem *p)
{
  TwinEnsembleView E = {p->N, p->n, p->X, p->rowx, p->np, p->P, p->nobs, p->HX, p->y, p->r, p->obsx};
  return E;
}

/* solve A x = b for nrhs right-hand sides (A n x n, b n x nrhs, row-major), Gauss-Jordan with
 * partial pivoting; A and b are overwritten */
static void Solve(int n, double *A, int nrhs, double *b)
{
  for (int c = 0; c < n; c++) {
    int piv = c;
    for (int i = c + 1; i < n; i++)
      if (fabs(A[i * n + c]) > fabs(A[piv * n + c])) piv = i;
    for (int k = 0; k < n; k++) {
      double t = A[c * n + k];
      A[c * n + k] = A[piv * n + k], A[piv * n + k] = t;
    }
    for (int k = 0; k < nrhs; k++) {
      double t = b[c * nrhs + k];
      b[c * nrhs + k] = b[piv * nrhs + k], b[piv * nrhs + k] = t;
    }
    for (int i = 0; i < n; i++) {
      double f;
      if (i == c) continue;
      f = A[i * n + c] / A[c * n + c];
      for (int k = c; k < n; k++) A[i * n + k] -= f * A[c * n + k];
      for (int k = 0; k < nrhs; k++) b[i * nrhs + k] -= f * b[c * nrhs + k];
    }
  }
  for (int i = 0; i < n; i++)
    for (int k = 0; k < nrhs; k++) b[i * nrhs + k] /= A[i * n + i];
}

/* Kalman analysis of (m, rho^2 B) with observation matrix [H 0]: ma [nz], Pa [nz x nz] */
static void Kalman(const Problem *p, double rho, double *ma, double *Pa)
{
  const int nz = p->nz, n = p->n, m = p->nobs;
  double   *HB = calloc((size_t)m * nz, sizeof(double)), *S = calloc((size_t)m * m, sizeof(double));
  double   *rhs = calloc((size_t)m * (nz + 1), sizeof(double));

  for (int i = 0; i < m; i++)
    for (int b = 0; b < nz; b++)
      for (int a = 0; a < n; a++) HB[i * nz + b] += p->H[i * n + a] * rho * rho * p->B[a * nz + b];
  for (int i = 0; i < m; i++) {
    for (int k = 0; k < m; k++)
      for (int a = 0; a < n; a++) S[i * m + k] += HB[i * nz + a] * p->H[k * n + a];
    S[i * m + i] += p->r[i];
    for (int b = 0; b < nz; b++) rhs[i * (nz + 1) + b] = HB[i * nz + b];
    rhs[i * (nz + 1) + nz] = p->y[i];
    for (int a = 0; a < n; a++) rhs[i * (nz + 1) + nz] -= p->H[i * n + a] * p->m[a];
  }
  Solve(m, S, nz + 1, rhs); /* S^-1 [H B, y - H m] */
  for (int a = 0; a < nz; a++) {
    ma[a] = p->m[a];
    for (int i = 0; i < m; i++) ma[a] += HB[i * nz + a] * rhs[i * (nz + 1) + nz];
    for (int b = 0; b < nz; b++) {
      Pa[a * nz + b] = rho * rho * p->B[a * nz + b];
      for (int i = 0; i < m; i++) Pa[a * nz + b] -= HB[i * nz + a] * rhs[i * (nz + 1) + b];
    }
  }
  free(HB);
  free(S);
  free(rhs);
}

/* ensemble mean and covariance of the stacked state [X; P] */
static void Moments(const Problem *p, double *mean, double *cov)
{
  const int nz = p->nz, N = p->N;
  for (int a = 0; a < nz; a++) {
    const double *za = a < p->n ? p->X + a * N : p->P + (a - p->n) * N;
    mean[a] = 0;
    for (int j = 0; j < N; j++) mean[a] += za[j] / N;
  }
  for (int a = 0; a < nz; a++)
    for (int b = 0; b < nz; b++) {
      const double *za = a < p->n ? p->X + a * N : p->P + (a - p->n) * N;
      const double *zb = b < p->n ? p->X + b * N : p->P + (b - p->n) * N;
      double        s  = 0;
      for (int j = 0; j < N; j++) s += (za[j] - mean[a]) * (zb[j] - mean[b]);
      cov[a * nz + b] = s / (N - 1);
    }
}

static double MaxAbs(int n, const double *a)
{
  double m = 0;
  for (int i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
  return m;
}
static double MaxDiff(int n, const double *a, const double *b)
{
  double m = 0;
  for (int i = 0; i < n; i++) m = fmax(m, fabs(a[i] - b[i]));
  return m;
}

static TwinFilterOptions Options(TwinFilterKind kind)
{
  TwinFilterOptions o = {kind, 1.0, 0.0, 0.0, 1.0, 12345, 0, 0.0};
  return o;
}

/* 1. ETKF = Kalman */
static void TestETKFKalman(void)
{
  const struct {
    int    nobs;
    double rho;
  } cfg[] = {{3, 1.0}, {12, 1.0}, {3, 1.2}, {12, 1.1}};
  for (size_t c = 0; c < sizeof(cfg) / sizeof(cfg[0]); c++) {
    Problem           p;
    TwinEnsembleView  E;
    TwinFilterOptions o = Options(TWIN_FILTER_ETKF);
    TwinFilterStats   st;
    double            ma[7], Pa[49], em[7], ec[49], innov = 0, spread = 0, arms = 0;
    PetscErrorCode    ierr;

    MakeProblem(&p, 5, 2, cfg[c].nobs, 8, 100 + c);
    Moments(&p, em, ec); /* the construction itself: exact prior */
    CU_ASSERT(MaxDiff(7, em, p.m) <= 1e-12 * MaxAbs(7, p.m));
    CU_ASSERT(MaxDiff(49, ec, p.B) <= 1e-12 * MaxAbs(49, p.B));
    for (int i = 0; i < p.nobs; i++) {
      double m = 0, v = 0;
      for (int j = 0; j < p.N; j++) m += p.HX[i * p.N + j] / p.N;
      for (int j = 0; j < p.N; j++) v += (p.HX[i * p.N + j] - m) * (p.HX[i * p.N + j] - m) / (p.N - 1);
      innov += (p.y[i] - m) * (p.y[i] - m) / p.r[i] / p.nobs; /* in units of sigma */
      spread += cfg[c].rho * cfg[c].rho * v / p.r[i] / p.nobs;
    }
    Kalman(&p, cfg[c].rho, ma, Pa);
    o.inflation = cfg[c].rho;
    E           = View(&p);
    ierr        = TwinFilterAnalyse(&o, &E, &st);
    CU_ASSERT_EQUAL(ierr, 0);
    Moments(&p, em, ec);
    CU_ASSERT(MaxDiff(7, em, ma) <= 1e-10 * MaxAbs(7, ma));
    CU_ASSERT(MaxDiff(49, ec, Pa) <= 1e-10 * MaxAbs(49, Pa));
    /* the analysis really moved (the check above is not vacuous) */
    CU_ASSERT(MaxDiff(7, p.m, ma) > 1e-3);
    /* HX is the linearised analysis: its mean is H ma and its spread H Pa H^T */
    for (int i = 0; i < p.nobs; i++) {
      double hm = 0, m = 0;
      for (int a = 0; a < p.n; a++) hm += p.H[i * p.n + a] * ma[a];
      for (int j = 0; j < p.N; j++) m += p.HX[i * p.N + j] / p.N;
      CU_ASSERT(fabs(m - hm) <= 1e-10 * (1 + fabs(hm)));
      for (int j = 0; j < p.N; j++) {
        double h = 0;
        for (int a = 0; a < p.n; a++) h += p.H[i * p.n + a] * p.X[a * p.N + j];
        CU_ASSERT(fabs(h - p.HX[i * p.N + j]) <= 1e-10 * (1 + fabs(h)));
      }
      arms += (p.y[i] - m) * (p.y[i] - m) / p.r[i] / p.nobs;
    }
    CU_ASSERT(fabs(st.innovation_rms - sqrt(innov)) <= 1e-12 * sqrt(innov));
    CU_ASSERT(fabs(st.spread_rms - sqrt(spread)) <= 1e-12 * sqrt(spread));
    CU_ASSERT(fabs(st.analysis_rms - sqrt(arms)) <= 1e-12 * sqrt(arms));
    CU_ASSERT(st.analysis_rms < st.innovation_rms);
    CU_ASSERT_EQUAL(st.nlocal_analyses, 0);
    FreeProblem(&p);
  }
}

/* a copy of the problem's ensemble arrays */
typedef struct {
  double *X, *P, *HX;
} Copy;
static Copy CopyOf(const Problem *p)
{
  Copy c;
  c.X  = malloc(sizeof(double) * (p->n * p->N + 1));
  c.P  = malloc(sizeof(double) * (p->np * p->N + 1));
  c.HX = malloc(sizeof(double) * (p->nobs * p->N + 1));
  memcpy(c.X, p->X, sizeof(double) * p->n * p->N);
  memcpy(c.P, p->P, sizeof(double) * p->np * p->N);
  memcpy(c.HX, p->HX, sizeof(double) * p->nobs * p->N);
  return c;
}
static void Restore(Problem *p, const Copy *c)
{
  memcpy(p->X, c->X, sizeof(double) * p->n * p->N);
  memcpy(p->P, c->P, sizeof(double) * p->np * p->N);
  memcpy(p->HX, c->HX, sizeof(double) * p->nobs * p->N);
}
static void FreeCopy(Copy *c)
{
  free(c->X);
  free(c->P);
  free(c->HX);
}

static void TestGaspariCohn(void)
{
  const double R = 3.0;
  CU_ASSERT_DOUBLE_EQUAL(TwinGaspariCohn(0, R), 1.0, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(TwinGaspariCohn(R / 2, R), 5.0 / 24.0, 1e-15); /* 0.208333 */
  CU_ASSERT_DOUBLE_EQUAL(TwinGaspariCohn(-R / 2, R), 5.0 / 24.0, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(TwinGaspariCohn(R / 4, R), 0.68489583333333333, 1e-14); /* z = 1/2 */
  CU_ASSERT_DOUBLE_EQUAL(TwinGaspariCohn(3 * R / 4, R), 0.01649305555555556, 1e-14); /* z = 3/2: 19/1152 */
  CU_ASSERT_EQUAL(TwinGaspariCohn(R, R), 0.0);
  CU_ASSERT_EQUAL(TwinGaspariCohn(1.5 * R, R), 0.0);
  CU_ASSERT_EQUAL(TwinGaspariCohn(1e300, R), 0.0);
  CU_ASSERT_EQUAL(TwinGaspariCohn(5.0, 0.0), 1.0);      /* no localization */
  CU_ASSERT_EQUAL(TwinGaspariCohn(5.0, INFINITY), 1.0); /* no localization */
  /* continuous (both branches meet at c) and decreasing */
  CU_ASSERT(fabs(TwinGaspariCohn(R / 2 * (1 - 1e-9), R) - TwinGaspariCohn(R / 2 * (1 + 1e-9), R)) < 1e-8);
  CU_ASSERT(TwinGaspariCohn(R * (1 - 1e-6), R) > 0 && TwinGaspariCohn(R * (1 - 1e-6), R) < 1e-12);
  for (int k = 1; k <= 1000; k++) CU_ASSERT(TwinGaspariCohn(R * k / 1000.0, R) < TwinGaspariCohn(R * (k - 1) / 1000.0, R));
}

/* 2a. LETKF without localization (radius 0, inf, and a radius far larger than the domain, which
 * runs the local code path) equals the ETKF */
static void TestLETKFNoLocalization(void)
{
  const double radius[] = {0.0, INFINITY, -1.0, 1e12};
  for (int nobs = 3; nobs <= 12; nobs += 9) {
    Problem           p;
    TwinEnsembleView  E;
    TwinFilterOptions o = Options(TWIN_FILTER_ETKF);
    TwinFilterStats   st;
    Copy              prior, etkf;

    MakeProblem(&p, 5, 2, nobs, 8, 7 + nobs);
    for (int i = 0; i < 3 * p.n; i++) p.rowx[i] = 5 * Rand(3);
    for (int i = 0; i < 3 * p.nobs; i++) p.obsx[i] = 5 * Rand(3);
    prior       = CopyOf(&p);
    o.inflation = 1.05;
    o.rtps      = 0.3;
    E           = View(&p);
    CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, NULL), 0);
    etkf = CopyOf(&p);
    for (size_t k = 0; k < sizeof(radius) / sizeof(radius[0]); k++) {
      o        = Options(TWIN_FILTER_LETKF);
      o.inflation = 1.05;
      o.rtps   = 0.3;
      o.radius = radius[k];
      Restore(&p, &prior);
      E = View(&p);
      CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, &st), 0);
      CU_ASSERT(MaxDiff(p.n * p.N, p.X, etkf.X) <= 1e-12 * MaxAbs(p.n * p.N, etkf.X));
      CU_ASSERT(MaxDiff(p.np * p.N, p.P, etkf.P) <= 1e-12 * MaxAbs(p.np * p.N, etkf.P));
      CU_ASSERT(MaxDiff(p.nobs * p.N, p.HX, etkf.HX) <= 1e-12 * MaxAbs(p.nobs * p.N, etkf.HX));
      CU_ASSERT(MaxDiff(p.n * p.N, p.X, prior.X) > 1e-3);
      /* the finite radius computes one transform per distinct position: 5 rows + nobs observations */
      CU_ASSERT_EQUAL(st.nlocal_analyses, isfinite(radius[k]) && radius[k] > 0 ? p.n + p.nobs : 0);
    }
    FreeCopy(&prior);
    FreeCopy(&etkf);
    FreeProblem(&p);
  }
}

/* 2b. LETKF with a finite radius: every row equals the ETKF of that row alone with the
 * observations within the radius and error variances r / GC(d); random 3-D positions (several
 * bucket cells, negative coordinates), pairs of rows sharing a position; rows farther than the
 * radius from every observation are unchanged */
static void TestLETKFLocal(void)
{
  const int    n = 60, nobs = 30, N = 10;
  const double radius = 0.35;
  Problem      p;
  Copy         prior;
  double      *rr = malloc(sizeof(double) * nobs), *yy = malloc(sizeof(double) * nobs);
  double      *hx = malloc(sizeof(double) * nobs * N), row[10];
  int          nfar = 0, nnear = 0;

  MakeProblem(&p, n, 2, nobs, N, 77);
  for (int i = 0; i < n; i += 2) /* rows in pairs at the same position, in [-0.6, 0.6]^3 or far away */
    for (int k = 0; k < 3; k++) p.rowx[3 * i + k] = p.rowx[3 * (i + 1) + k] = (i >= n - 6 ? 10.0 : 1.2 * Rand(5));
  for (int i = 0; i < 3 * nobs; i++) p.obsx[i] = Rand(5);
  prior = CopyOf(&p);
  for (int rtpsCase = 0; rtpsCase < 2; rtpsCase++) {
    TwinFilterOptions o = Options(TWIN_FILTER_LETKF);
    TwinEnsembleView  E;
    TwinFilterStats   st;
    PetscInt          expect = nobs; /* every observation is local to its own position */

    o.radius    = radius;
    o.inflation = rtpsCase ? 1.0 : 1.07;
    o.rtps      = rtpsCase ? 0.6 : 0.0;
    Restore(&p, &prior);
    E = View(&p);
    CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, &st), 0);
    /* parameters: the global ETKF */
    {
      Problem          q = p;
      Copy             gl;
      TwinEnsembleView G;
      TwinFilterOptions og = o;
      og.kind = TWIN_FILTER_ETKF;
      gl = CopyOf(&p);
      Restore(&q, &prior);
      G = View(&q);
      CU_ASSERT_EQUAL(TwinFilterAnalyse(&og, &G, NULL), 0);
      CU_ASSERT(MaxDiff(2 * N, gl.P, q.P) <= 1e-12 * MaxAbs(2 * N, q.P));
      Restore(&p, &gl);
      FreeCopy(&gl);
    }
    /* every state row and every predicted-observation row against its own ETKF */
    for (int i = 0; i < n + nobs; i++) {
      const double     *pos = i < n ? p.rowx + 3 * i : p.obsx + 3 * (i - n);
      const double     *now = i < n ? p.X + i * N : p.HX + (i - n) * N;
      const double     *was = i < n ? prior.X + i * N : prior.HX + (i - n) * N;
      int               L   = 0;
      double            gmax = 0;
      TwinEnsembleView  R   = {N, 1, row, NULL, 0, NULL, 0, hx, yy, rr, NULL};
      TwinFilterOptions oe  = o;
      oe.kind               = TWIN_FILTER_ETKF;
      for (int k = 0; k < nobs; k++) {
        const double *q = p.obsx + 3 * k;
        double        d = sqrt((pos[0] - q[0]) * (pos[0] - q[0]) + (pos[1] - q[1]) * (pos[1] - q[1]) + (pos[2] - q[2]) * (pos[2] - q[2]));
        double        g = TwinGaspariCohn(d, radius);
        if (g <= 0) continue;
        gmax  = fmax(gmax, g);
        rr[L] = p.r[k] / g;
        yy[L] = p.y[k];
        memcpy(hx + L * N, prior.HX + k * N, sizeof(double) * N);
        L++;
      }
      memcpy(row, was, sizeof(double) * N);
      R.nobs = L;
      CU_ASSERT_EQUAL(TwinFilterAnalyse(&oe, &R, NULL), 0);
      CU_ASSERT(MaxDiff(N, now, row) <= 1e-12 * MaxAbs(N, row));
      if (pos[0] == 10.0) CU_ASSERT_EQUAL(L, 0); /* far from every observation */
      if (L == 0) {
        if (o.inflation == 1.0) CU_ASSERT(MaxDiff(N, now, was) == 0.0); /* untouched */
        nfar++;
      } else {
        if (gmax > 0.05) CU_ASSERT(MaxDiff(N, now, was) > 1e-6);
        nnear++;
        if (i < n && i % 2 == 0) expect++;
      }
    }
    CU_ASSERT_EQUAL(st.nlocal_analyses, expect);
  }
  CU_ASSERT(nfar >= 2 * 6 && nnear > 2 * (nobs + 20));
  FreeCopy(&prior);
  FreeProblem(&p);
  free(rr);
  free(yy);
  free(hx);
}

/* 3. EnKF: mean = Kalman (centred perturbations), covariance error ~ N^-1/2 */
/* LETKF weight interpolation (opt.grid > 0): rows on the grid nodes get the exact LETKF; rows in
 * between converge to the exact LETKF as the grid is refined (trilinear: error O(h^2), so
 * halving h divides it by about 4; asserted > 2.5 per halving). */
static void TestLETKFGrid(void)
{
  const int    nobs = 25, N = 12, nside = 9, n = nside * nside * 2;
  const double radius = 0.5;
  Problem      p;
  Copy         prior;
  double      *exact = malloc(sizeof(double) * n * N), err[3];

  MakeProblem(&p, n, 2, nobs, N, 31);
  for (int i = 0; i < 3 * nobs; i++) p.obsx[i] = 0.5 + Rand(9); /* in [0, 1]^3 */
  /* 1. rows exactly on a grid of spacing 0.125 over [0, 1]^2 x {0, 0.125} */
  for (int i = 0; i < n; i++) {
    p.rowx[3 * i]     = 0.0 + (i % nside) * 0.125;
    p.rowx[3 * i + 1] = 0.0 + ((i / nside) % nside) * 0.125;
    p.rowx[3 * i + 2] = 0.0 + (i / (nside * nside)) * 0.125;
  }
  prior = CopyOf(&p);
  {
    TwinFilterOptions o = Options(TWIN_FILTER_LETKF);
    TwinEnsembleView  E;
    o.radius = radius;
    E        = View(&p);
    CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, NULL), 0);
    memcpy(exact, p.X, sizeof(double) * n * N);
    Restore(&p, &prior);
    o.grid = 0.125;
    E      = View(&p);
    CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, NULL), 0);
    CU_ASSERT(MaxDiff(n * N, p.X, exact) <= 1e-12 * MaxAbs(n * N, exact));
    CU_ASSERT(MaxDiff(n * N, p.X, prior.X) > 1e-3); /* the analysis moved the rows */
  }
  FreeCopy(&prior);
  /* 2. random rows: the interpolation error falls like h^2 */
  for (int i = 0; i < 3 * n; i++) p.rowx[i] = 0.5 + Rand(11);
  prior = CopyOf(&p);
  {
    TwinFilterOptions o = Options(TWIN_FILTER_LETKF);
    TwinEnsembleView  E;
    o.radius = radius;
    E        = View(&p);
    CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, NULL), 0);
    memcpy(exact, p.X, sizeof(double) * n * N);
    for (int k = 0; k < 3; k++) {
      Restore(&p, &prior);
      o.grid = 0.2 / (1 << k);
      E      = View(&p);
      CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, NULL), 0);
      err[k] = MaxDiff(n * N, p.X, exact);
    }
    CU_ASSERT(err[0] > 0 && err[0] / err[1] > 2.5 && err[1] / err[2] > 2.5);
    /* measured: 0.342, 0.095, 0.0197 at h = 0.2, 0.1, 0.05 (radius 0.5), max increment 1.08 */
    CU_ASSERT(err[2] < 5e-2 * MaxDiff(n * N, exact, prior.X)); /* h = radius / 10: small against the increment */
  }
  FreeCopy(&prior);
  FreeProblem(&p);
  free(exact);
}

static void TestEnKFConvergence(void)
{
  const int Ns[3] = {50, 200, 800}, nseed = 16;
  double    errP[3], sx = 0, sy = 0, sxx = 0, sxy = 0, slope;
  for (int l = 0; l < 3; l++) {
    errP[l] = 0;
    for (int s = 0; s < nseed; s++) {
      Problem           p;
      TwinEnsembleView  E;
      TwinFilterOptions o = Options(TWIN_FILTER_ENKF);
      double            ma[7], Pa[49], em[7], ec[49];

      MakeProblem(&p, 5, 2, 3, Ns[l], 1000 + s);
      Kalman(&p, 1.0, ma, Pa);
      o.seed  = 1 + s;
      o.cycle = 3;
      E       = View(&p);
      CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, NULL), 0);
      Moments(&p, em, ec);
      CU_ASSERT(MaxDiff(7, em, ma) <= 1e-10 * MaxAbs(7, ma));
      errP[l] += MaxDiff(49, ec, Pa) / MaxAbs(49, Pa) / nseed;
      FreeProblem(&p);
    }
  }
  for (int l = 0; l < 3; l++) {
    sx += log(Ns[l]), sy += log(errP[l]), sxx += log(Ns[l]) * log(Ns[l]), sxy += log(Ns[l]) * log(errP[l]);
  }
  slope = (3 * sxy - sx * sy) / (3 * sxx - sx * sx);
  CU_ASSERT(slope >= -0.7 && slope <= -0.3);
  CU_ASSERT(errP[0] > 1e-3 && errP[0] < 0.5); /* a real sampling error, not a vacuous zero */
  if (!(slope >= -0.7 && slope <= -0.3)) fprintf(stderr, "EnKF covariance error slope %g (errors %g %g %g)\n", slope, errP[0], errP[1], errP[2]);
}

/* ES-MDA with alpha = 1 is the EnKF; other cycles and seeds give other perturbations */
static void TestESMDA(void)
{
  Problem           p;
  Copy              prior, enkf;
  TwinEnsembleView  E;
  TwinFilterOptions o = Options(TWIN_FILTER_ENKF);

  MakeProblem(&p, 5, 2, 4, 20, 9);
  prior = CopyOf(&p);
  E     = View(&p);
  CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, NULL), 0);
  enkf   = CopyOf(&p);
  o.kind = TWIN_FILTER_ESMDA;
  Restore(&p, &prior);
  CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, NULL), 0);
  CU_ASSERT(MaxDiff(5 * 20, p.X, enkf.X) == 0.0);
  o.cycle = 1;
  Restore(&p, &prior);
  CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, NULL), 0);
  CU_ASSERT(MaxDiff(5 * 20, p.X, enkf.X) > 1e-6);
  /* alpha > 1 weakens the update: smaller mean increment */
  {
    double ma1[7], m0[7], c[49], m2[7], d1 = 0, d2 = 0;
    Moments(&p, ma1, c);
    Restore(&p, &prior);
    Moments(&p, m0, c);
    o.alpha = 4;
    CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, NULL), 0);
    Moments(&p, m2, c);
    for (int a = 0; a < 7; a++) d1 += fabs(ma1[a] - m0[a]), d2 += fabs(m2[a] - m0[a]);
    CU_ASSERT(d2 < 0.8 * d1);
  }
  FreeCopy(&prior);
  FreeCopy(&enkf);
  FreeProblem(&p);
}

static void RowStats(const double *x, int N, double *m, double *s)
{
  double a = 0, b = 0;
  for (int j = 0; j < N; j++) a += x[j] / N;
  for (int j = 0; j < N; j++) b += (x[j] - a) * (x[j] - a);
  *m = a, *s = sqrt(b / (N - 1));
}

/* 4. inflation with uninformative observations scales the spread; RTPS restores it */
static void TestInflationRTPS(void)
{
  const TwinFilterKind kinds[3] = {TWIN_FILTER_ETKF, TWIN_FILTER_LETKF, TWIN_FILTER_ENKF};
  for (int kk = 0; kk < 3; kk++) {
    Problem           p;
    Copy              prior, plain;
    TwinEnsembleView  E;
    TwinFilterOptions o = Options(kinds[kk]);
    TwinFilterStats   st;

    MakeProblem(&p, 5, 2, 3, 8, 31);
    for (int i = 0; i < p.nobs; i++) p.r[i] = 1e30;
    o.inflation = 1.1;
    o.radius    = kinds[kk] == TWIN_FILTER_LETKF ? 2.0 : 0.0; /* all positions 0: every obs local */
    prior       = CopyOf(&p);
    E           = View(&p);
    CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, &st), 0);
    for (int i = 0; i < p.n + p.np + p.nobs; i++) {
      const double *now = i < p.n ? p.X + i * 8 : i < p.n + p.np ? p.P + (i - p.n) * 8 : p.HX + (i - p.n - p.np) * 8;
      const double *was = i < p.n ? prior.X + i * 8 : i < p.n + p.np ? prior.P + (i - p.n) * 8 : prior.HX + (i - p.n - p.np) * 8;
      double        m0, s0, m1, s1;
      RowStats(was, 8, &m0, &s0);
      RowStats(now, 8, &m1, &s1);
      CU_ASSERT(fabs(s1 / s0 - 1.1) < 1e-12);
      CU_ASSERT(fabs(m1 - m0) < 1e-12 * (1 + fabs(m0)));
    }
    CU_ASSERT(fabs(st.spread_rms / st.innovation_rms) > 0); /* stats defined */
    /* RTPS: rtps = 1 restores the prior spread per row, keeps the analysis mean; rtps = 0.5 is halfway */
    for (int i = 0; i < p.nobs; i++) p.r[i] = 0.3;
    o.inflation = 1.0;
    Restore(&p, &prior);
    CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, NULL), 0);
    plain = CopyOf(&p);
    for (int half = 0; half < 2; half++) {
      o.rtps = half ? 0.5 : 1.0;
      Restore(&p, &prior);
      CU_ASSERT_EQUAL(TwinFilterAnalyse(&o, &E, NULL), 0);
      for (int i = 0; i < p.n + p.np + p.nobs; i++) {
        const double *now = i < p.n ? p.X + i * 8 : i < p.n + p.np ? p.P + (i - p.n) * 8 : p.HX + (i - p.n - p.np) * 8;
        const double *was = i < p.n ? prior.X + i * 8 : i < p.n + p.np ? prior.P + (i - p.n) * 8 : prior.HX + (i - p.n - p.np) * 8;
        const double *pl  = i < p.n ? plain.X + i * 8 : i < p.n + p.np ? plain.P + (i - p.n) * 8 : plain.HX + (i - p.n - p.np) * 8;
        double        m0, s0, m1, s1, ma, sa;
        RowStats(was, 8, &m0, &s0);
        RowStats(now, 8, &m1, &s1);
        RowStats(pl, 8, &ma, &sa);
        if (i >= p.n + p.np) CU_ASSERT(sa < 0.95 * s0); /* the analysis did shrink the observed spread */
        CU_ASSERT(fabs(s1 - (o.rtps * s0 + (1 - o.rtps) * sa)) < 1e-12 * s0);
        CU_ASSERT(fabs(m1 - ma) < 1e-12 * (1 + fabs(ma)));
      }
    }
    FreeCopy(&prior);
    FreeCopy(&plain);
    FreeProblem(&p);
  }
}

/* 5. bad input: an error code, no crash, the ensemble untouched */
static void TestBadInput(void)
{
  Problem p;
  Copy    prior;

  MakeProblem(&p, 5, 2, 3, 8, 5);
  prior = CopyOf(&p);
  (void)PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  for (int c = 0; c < 12; c++) {
    TwinFilterOptions o = Options(TWIN_FILTER_ETKF);
    TwinEnsembleView  E = View(&p);
    PetscErrorCode    ierr;
    double            save = 0;
    switch (c) {
    case 0: E.N = 1; break;
    case 1: save = p.r[1], p.r[1] = 0; break;
    case 2: save = p.r[1], p.r[1] = -1; break;
    case 3: save = p.y[2], p.y[2] = NAN; break;
    case 4: save = p.X[7], p.X[7] = INFINITY; break;
    case 5: save = p.HX[3], p.HX[3] = NAN; break;
    case 6: o.inflation = 0.9; break;
    case 7: o.rtps = 1.5; break;
    case 8: o.kind = TWIN_FILTER_LETKF, o.radius = 1, E.rowx = NULL; break;
    case 9: o.kind = TWIN_FILTER_ENKF, o.alpha = 0; break;
    case 10: save = p.P[2], p.P[2] = NAN; break;
    case 11: save = p.r[0], p.r[0] = INFINITY; break;
    }
    ierr = TwinFilterAnalyse(&o, &E, NULL);
    CU_ASSERT_NOT_EQUAL(ierr, 0);
    if (c == 3 || c == 4 || c == 5 || c == 10) CU_ASSERT_EQUAL(ierr, PETSC_ERR_FP);
    if (c == 0 || c == 1 || c == 2 || c == 6 || c == 7) CU_ASSERT_EQUAL(ierr, PETSC_ERR_ARG_OUTOFRANGE);
    switch (c) {
    case 1: case 2: p.r[1] = save; break;
    case 3: p.y[2] = save; break;
    case 4: p.X[7] = save; break;
    case 5: p.HX[3] = save; break;
    case 10: p.P[2] = save; break;
    case 11: p.r[0] = save; break;
    }
    CU_ASSERT(MaxDiff(5 * 8, p.X, prior.X) == 0 && MaxDiff(2 * 8, p.P, prior.P) == 0);
  }
  (void)PetscPopErrorHandler();
  FreeCopy(&prior);
  FreeProblem(&p);
}

int TwinTestFilterRegister(void)
{
  CU_pSuite s = CU_add_suite("filter", NULL, NULL);
  if (!s) return 1;
  if (!CU_add_test(s, "ETKF = Kalman filter (exact prior ensemble, linear H)", TestETKFKalman) ||
      !CU_add_test(s, "Gaspari-Cohn values", TestGaspariCohn) ||
      !CU_add_test(s, "LETKF without localization = ETKF", TestLETKFNoLocalization) ||
      !CU_add_test(s, "LETKF rows = per-row ETKF with localized R; far rows unchanged", TestLETKFLocal) ||
      !CU_add_test(s, "LETKF weight interpolation: exact at grid nodes, O(h^2) between", TestLETKFGrid) ||
      !CU_add_test(s, "EnKF mean = Kalman, covariance error ~ N^-1/2", TestEnKFConvergence) ||
      !CU_add_test(s, "ES-MDA alpha and perturbation streams", TestESMDA) ||
      !CU_add_test(s, "inflation and RTPS", TestInflationRTPS) ||
      !CU_add_test(s, "bad input returns an error", TestBadInput))
    return 1;
  return 0;
}
