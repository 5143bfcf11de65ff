/* test_ensemble.c: the ensemble numerics (src/ensemble): reproducible random streams, the
 * inverse normal CDF, distributions, samplers (MC, LHS, Sobol', Gaussian copula), statistics
 * and Sobol' indices. One rank, no MPI. */
#include <math.h>
#include <string.h>
#include <twinfe/ensemble.h>
#include "suites.h"

/* a spec on the heap (it holds deck paths: too large for comfort on the stack) */
static TwinEnsembleSpec *NewSpec(TwinSamplerKind sampler, uint64_t seed, PetscInt nparams)
{
  TwinEnsembleSpec *spec = calloc(1, sizeof(*spec));
  if (!spec) return NULL;
  spec->enabled = PETSC_TRUE;
  spec->sampler = sampler;
  spec->seed    = seed;
  spec->nparams = nparams;
  for (PetscInt j = 0; j < nparams; j++) {
    spec->params[j].dist = (TwinDistribution){TWIN_DIST_UNIFORM, 0.0, 1.0, -INFINITY, INFINITY};
    spec->corr[j * nparams + j] = 1.0; /* row-major, row length nparams */
  }
  return spec;
}

static void TestRandomReproducible(void)
{
  CU_ASSERT_EQUAL(TwinRandomUniform(42, 7, TWIN_PURPOSE_SAMPLE, 3),
                  TwinRandomUniform(42, 7, TWIN_PURPOSE_SAMPLE, 3));
  CU_ASSERT_NOT_EQUAL(TwinRandomUniform(42, 7, TWIN_PURPOSE_SAMPLE, 3),
                      TwinRandomUniform(42, 8, TWIN_PURPOSE_SAMPLE, 3));
  CU_ASSERT_NOT_EQUAL(TwinRandomUniform(42, 7, TWIN_PURPOSE_SAMPLE, 3),
                      TwinRandomUniform(43, 7, TWIN_PURPOSE_SAMPLE, 3));
  CU_ASSERT_NOT_EQUAL(TwinRandomUniform(42, 7, TWIN_PURPOSE_SAMPLE, 3),
                      TwinRandomUniform(42, 7, TWIN_PURPOSE_LHS, 3));
  CU_ASSERT_NOT_EQUAL(TwinRandomUniform(42, 7, TWIN_PURPOSE_SAMPLE, 3),
                      TwinRandomUniform(42, 7, TWIN_PURPOSE_SAMPLE, 4));
  /* different members: many distinct first draws */
  for (uint64_t m = 0; m < 1000; m++) {
    double u = TwinRandomUniform(1, m, TWIN_PURPOSE_SAMPLE, 0);
    CU_ASSERT(u > 0 && u < 1);
    CU_ASSERT_NOT_EQUAL(u, TwinRandomUniform(1, m + 1, TWIN_PURPOSE_SAMPLE, 0));
  }
}

/* mean and variance of 1e5 draws within 4 standard errors of 1/2 and 1/12; also across members */
static void TestRandomMoments(void)
{
  const int n = 100000;
  for (int layout = 0; layout < 2; layout++) {
    double s = 0, s2 = 0, mean, var;
    for (int i = 0; i < n; i++) {
      double u = layout ? TwinRandomUniform(2024, (uint64_t)i, TWIN_PURPOSE_SAMPLE, 0)
                        : TwinRandomUniform(2024, 0, TWIN_PURPOSE_SAMPLE, (uint64_t)i);
      CU_ASSERT(u > 0 && u < 1);
      s += u;
      s2 += u * u;
    }
    mean = s / n;
    var  = s2 / n - mean * mean;
    /* sd of the mean: sqrt(1/12 / n); sd of the sample variance: sqrt((1/80 - 1/144) / n) */
    CU_ASSERT(fabs(mean - 0.5) < 4 * sqrt(1.0 / 12 / n));
    CU_ASSERT(fabs(var - 1.0 / 12) < 4 * sqrt((1.0 / 80 - 1.0 / 144) / n));
  }
}

static void TestNormalInverseCDF(void)
{
  const struct {
    double p, z;
  } known[] = {
      {0.975, 1.959963984540054}, {1e-10, -6.361340902404056}, {0.5, 0.0},
      {0.8413447460685429, 1.0},  {0.02275013194817921, -2.0}, {1e-300, -37.047096299361199}};
  for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
    double z = TwinNormalInverseCDF(known[i].p);
    if (known[i].z == 0) {
      CU_ASSERT(fabs(z) < 1e-15);
    } else {
      CU_ASSERT(fabs(z - known[i].z) <= 1e-12 * fabs(known[i].z));
    }
  }
  CU_ASSERT(fabs(TwinNormalInverseCDF(0.025) + 1.959963984540054) <= 1e-12 * 1.96);
  /* round trip Phi(Phi^-1(p)) = p across the three branches */
  const double ps[] = {1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.05,     0.075,
                       0.2,    0.5,    0.7,   0.925, 0.95, 0.999, 1 - 1e-10};
  for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
    double p = ps[i], back = TwinNormalCDF(TwinNormalInverseCDF(p));
    /* above 1/2 the relative accuracy of 1 - p limits the check */
    double tol = p < 0.5 ? 1e-13 * p : 1e-13 * (1 - p) / p + 1e-16;
    CU_ASSERT(fabs(back - p) <= 10 * tol);
  }
  CU_ASSERT(fabs(TwinNormalCDF(1.959963984540054) - 0.975) < 1e-15);
  CU_ASSERT(fabs(TwinNormalCDF(0.0) - 0.5) < 1e-16);
}

/* every parameter: exactly one sample per stratum [i/N, (i+1)/N) */
static void TestLHSStrata(void)
{
  const PetscInt    N = 97, k = 5;
  TwinEnsembleSpec *spec = NewSpec(TWIN_SAMPLER_LHS, 12345, k);
  double           *v = malloc(sizeof(double) * N * k), *w = malloc(sizeof(double) * N * k);
  int               count[97];

  CU_ASSERT_FATAL(spec && v && w);
  CU_ASSERT_FATAL(TwinEnsembleSample(spec, N, v) == 0);
  for (PetscInt j = 0; j < k; j++) {
    memset(count, 0, sizeof(count));
    for (PetscInt m = 0; m < N; m++) {
      double u = v[m * k + j];
      int    s = (int)floor(u * N);
      CU_ASSERT(u > 0 && u < 1 && s >= 0 && s < N);
      if (s >= 0 && s < N) count[s]++;
    }
    for (PetscInt s = 0; s < N; s++)
      CU_ASSERT_EQUAL(count[s], 1);
  }
  /* a pure function of the spec; a different seed gives a different design */
  CU_ASSERT_FATAL(TwinEnsembleSample(spec, N, w) == 0);
  CU_ASSERT(memcmp(v, w, sizeof(double) * N * k) == 0);
  spec->seed = 12346;
  CU_ASSERT_FATAL(TwinEnsembleSample(spec, N, w) == 0);
  CU_ASSERT(memcmp(v, w, sizeof(double) * N * k) != 0);
  /* parameters are not permuted alike */
  CU_ASSERT(v[0] != v[1] || v[k] != v[k + 1]);
  free(v);
  free(w);
  free(spec);
}

/* Sobol' points 0..7 in 3 dimensions (Joe-Kuo new-joe-kuo-6.21201, Gray-code order; the same
 * as scipy.stats.qmc.Sobol(3, scramble=False)), and the sampler skips point 0 */
static void TestSobol(void)
{
  const double expect[8][3] = {
      {0, 0, 0},
      {0.5, 0.5, 0.5},
      {0.75, 0.25, 0.25},
      {0.25, 0.75, 0.75},
      {0.375, 0.375, 0.625},
      {0.875, 0.875, 0.125},
      {0.625, 0.125, 0.875},
      {0.125, 0.625, 0.375},
  };
  double x[21];
  for (int i = 0; i < 8; i++) {
    CU_ASSERT_FATAL(TwinSobolPoint(3, (uint64_t)i, x) == 0);
    for (int d = 0; d < 3; d++)
      CU_ASSERT_DOUBLE_EQUAL(x[d], expect[i][d], 0);
  }
  /* every dimension up to 21: the first 2^m points (m = 10) put one point in each dyadic cell
   * of size 2^-m of every one-dimensional projection (a (0, m, 1)-net) */
  {
    static int cell[21][1024];
    memset(cell, 0, sizeof(cell));
    for (uint64_t i = 0; i < 1024; i++) {
      CU_ASSERT_FATAL(TwinSobolPoint(21, i, x) == 0);
      for (int d = 0; d < 21; d++)
        cell[d][(int)(x[d] * 1024)]++;
    }
    for (int d = 0; d < 21; d++)
      for (int c = 0; c < 1024; c++)
        CU_ASSERT_EQUAL(cell[d][c], 1);
  }
  /* dimensions 20, 21: the first degree-7 rows (m = 1 3 7 11 23 15 103 and 1 3 7 13 13 15 69):
   * point 1 is 1/2, and the k-th direction number equals m_k / 2^k for k <= 7 (point 2^(k-1)
   * in Gray order is the XOR of directions k-1 and k) */
  {
    const int m20[7] = {1, 3, 7, 11, 23, 15, 103}, m21[7] = {1, 3, 7, 13, 13, 15, 69};
    double    v20[8], v21[8];
    for (int b = 1; b <= 7; b++) {
      double y[21];
      CU_ASSERT_FATAL(TwinSobolPoint(21, (uint64_t)1 << (b - 1), y) == 0);
      /* Gray code of 2^(b-1) sets bits b-1 and b-2: point = V_b xor V_(b-1) */
      v20[b] = y[19];
      v21[b] = y[20];
    }
    for (int b = 1; b <= 7; b++) {
      unsigned got20 = (unsigned)(v20[b] * 4294967296.0), got21 = (unsigned)(v21[b] * 4294967296.0);
      unsigned want20 = (unsigned)m20[b - 1] << (32 - b), want21 = (unsigned)m21[b - 1] << (32 - b);
      if (b > 1) {
        want20 ^= (unsigned)m20[b - 2] << (32 - b + 1);
        want21 ^= (unsigned)m21[b - 2] << (32 - b + 1);
      }
      CU_ASSERT_EQUAL(got20, want20);
      CU_ASSERT_EQUAL(got21, want21);
    }
  }
  /* the sampler: member m is point m + 1 */
  {
    TwinEnsembleSpec *spec = NewSpec(TWIN_SAMPLER_SOBOL, 0, 3);
    double            v[7 * 3];
    CU_ASSERT_FATAL(spec && TwinEnsembleSample(spec, 7, v) == 0);
    for (int m = 0; m < 7; m++)
      for (int d = 0; d < 3; d++)
        CU_ASSERT_DOUBLE_EQUAL(v[m * 3 + d], expect[m + 1][d], 0);
    free(spec);
  }
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  CU_ASSERT(TwinSobolPoint(22, 1, x) == PETSC_ERR_ARG_OUTOFRANGE);
  PetscPopErrorHandler();
}

/* Gaussian copula: rho = 0.7 between two normal parameters; correlation of 20000 MC samples */
static void TestCopula(void)
{
  const PetscInt    N    = 20000;
  TwinEnsembleSpec *spec = NewSpec(TWIN_SAMPLER_MC, 7, 2);
  double           *v = malloc(sizeof(double) * N * 2), m0, s0, m1, s1, c = 0;

  CU_ASSERT_FATAL(spec && v);
  spec->params[0].dist = (TwinDistribution){TWIN_DIST_NORMAL, 10.0, 2.0, -INFINITY, INFINITY};
  spec->params[1].dist = (TwinDistribution){TWIN_DIST_NORMAL, -1.0, 0.5, -INFINITY, INFINITY};
  spec->correlated     = PETSC_TRUE;
  spec->corr[1]        = 0.7;
  spec->corr[2]        = 0.7; /* (1, 0) */
  CU_ASSERT_FATAL(TwinEnsembleSample(spec, N, v) == 0);
  TwinStatsMeanStd(N, v, 2, &m0, &s0);
  TwinStatsMeanStd(N, v + 1, 2, &m1, &s1);
  for (PetscInt i = 0; i < N; i++)
    c += (v[2 * i] - m0) * (v[2 * i + 1] - m1);
  c /= (N - 1) * s0 * s1;
  CU_ASSERT(fabs(c - 0.7) < 0.02);
  CU_ASSERT(fabs(m0 - 10) < 4 * 2 / sqrt(N) && fabs(s0 - 2) < 0.05);
  CU_ASSERT(fabs(m1 + 1) < 4 * 0.5 / sqrt(N) && fabs(s1 - 0.5) < 0.0125);
  /* with LHS too */
  spec->sampler = TWIN_SAMPLER_LHS;
  CU_ASSERT_FATAL(TwinEnsembleSample(spec, N, v) == 0);
  TwinStatsMeanStd(N, v, 2, &m0, &s0);
  TwinStatsMeanStd(N, v + 1, 2, &m1, &s1);
  c = 0;
  for (PetscInt i = 0; i < N; i++)
    c += (v[2 * i] - m0) * (v[2 * i + 1] - m1);
  c /= (N - 1) * s0 * s1;
  CU_ASSERT(fabs(c - 0.7) < 0.02);
  /* not positive definite: an error */
  spec->corr[1] = spec->corr[2] = 1.2;
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  CU_ASSERT(TwinEnsembleSample(spec, 10, v) == PETSC_ERR_USER);
  PetscPopErrorHandler();
  {
    char *specific = NULL;
    PetscErrorMessage(PETSC_ERR_USER, NULL, &specific);
    CU_ASSERT(specific && strstr(specific, "correlation matrix is not positive definite"));
  }
  free(v);
  free(spec);
}

/* distributions: quantiles, moments, sample moments of lognormal and truncated normal */
static void TestDistributions(void)
{
  const PetscInt   N  = 200000;
  TwinDistribution ln = {TWIN_DIST_LOGNORMAL, 200e9, 20e9, -INFINITY, INFINITY};
  TwinDistribution tn = {TWIN_DIST_TRUNCNORMAL, 1.0, 2.0, 0.0, 3.0};
  TwinDistribution tu = {TWIN_DIST_TRUNCNORMAL, 0.0, 1.0, 6.0, INFINITY};
  TwinDistribution un = {TWIN_DIST_UNIFORM, -1.0, 3.0, 0, 0};
  double          *x  = malloc(sizeof(double) * N), mean, var, m, s;
  double           sl = sqrt(log(1 + 0.01));

  CU_ASSERT_FATAL(x != NULL);
  /* lognormal median exp(mu_l) = mean / sqrt(1 + cv^2) */
  CU_ASSERT(fabs(TwinDistributionQuantile(&ln, 0.5) - 200e9 / sqrt(1.01)) < 1e-6 * 200e9 * 1e-6);
  CU_ASSERT(fabs(TwinDistributionQuantile(&ln, 0.975) / (200e9 / sqrt(1.01)) -
                 exp(sl * 1.959963984540054)) < 1e-13);
  TwinDistributionMoments(&ln, &mean, &var);
  CU_ASSERT_DOUBLE_EQUAL(mean, 200e9, 1e-3);
  CU_ASSERT_DOUBLE_EQUAL(var, 400e18, 1e6);
  for (PetscInt i = 0; i < N; i++)
    x[i] = TwinDistributionQuantile(&ln, TwinRandomUniform(9, (uint64_t)i, TWIN_PURPOSE_SAMPLE, 0));
  TwinStatsMeanStd(N, x, 1, &m, &s);
  CU_ASSERT(fabs(m - 200e9) < 4 * 20e9 / sqrt(N));
  CU_ASSERT(fabs(s - 20e9) < 0.01 * 20e9);
  /* uniform */
  CU_ASSERT_DOUBLE_EQUAL(TwinDistributionQuantile(&un, 0.25), 0.0, 1e-15);
  TwinDistributionMoments(&un, &mean, &var);
  CU_ASSERT(mean == 1.0 && fabs(var - 16.0 / 12) < 1e-15);
  /* truncated normal: stays in [low, high], median by the CDF of the bounds, sample moments */
  {
    double pa = TwinNormalCDF(-0.5), pb = TwinNormalCDF(1.0);
    CU_ASSERT(fabs(TwinDistributionQuantile(&tn, 0.5) -
                   (1 + 2 * TwinNormalInverseCDF(0.5 * (pa + pb)))) < 1e-14);
  }
  TwinDistributionMoments(&tn, &mean, &var);
  for (PetscInt i = 0; i < N; i++) {
    x[i] =
        TwinDistributionQuantile(&tn, TwinRandomUniform(10, (uint64_t)i, TWIN_PURPOSE_SAMPLE, 0));
    CU_ASSERT(x[i] >= 0 && x[i] <= 3);
  }
  TwinStatsMeanStd(N, x, 1, &m, &s);
  CU_ASSERT(fabs(m - mean) < 4 * sqrt(var / N));
  CU_ASSERT(fabs(s * s - var) < 0.02 * var);
  /* far upper tail [6, inf): the survival-function branch; mean = phi(6) / Q(6) */
  {
    double q = TwinDistributionQuantile(&tu, 0.5);
    CU_ASSERT(q > 6 && q < 6.2 && isfinite(q));
    TwinDistributionMoments(&tu, &mean, &var);
    CU_ASSERT(fabs(mean - 6.1584826045446) < 1e-11); /* mpmath */
  }
  free(x);
}

static void TestQuantile(void)
{
  double a[] = {3, 1, 2, 4}, b[] = {10}, c[] = {5, 1, 4, 2, 3};
  /* numpy.quantile([1, 2, 3, 4], p): 0.25 -> 1.75, 0.5 -> 2.5, 0.9 -> 3.7 */
  CU_ASSERT_DOUBLE_EQUAL(TwinStatsQuantile(4, a, 0.25), 1.75, 1e-15);
  CU_ASSERT(a[0] == 1 && a[1] == 2 && a[2] == 3 && a[3] == 4); /* sorted in place */
  CU_ASSERT_DOUBLE_EQUAL(TwinStatsQuantile(4, a, 0.5), 2.5, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(TwinStatsQuantile(4, a, 0.9), 3.7, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(TwinStatsQuantile(4, a, 0.0), 1.0, 0);
  CU_ASSERT_DOUBLE_EQUAL(TwinStatsQuantile(4, a, 1.0), 4.0, 0);
  CU_ASSERT_DOUBLE_EQUAL(TwinStatsQuantile(1, b, 0.3), 10.0, 0);
  /* [1..5]: 0.05 -> 1.2, 0.95 -> 4.8 */
  CU_ASSERT_DOUBLE_EQUAL(TwinStatsQuantile(5, c, 0.05), 1.2, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(TwinStatsQuantile(5, c, 0.95), 4.8, 1e-15);
  {
    double x[] = {1, 100, 2, 200, 3, 300}, m, s;
    TwinStatsMeanStd(3, x, 2, &m, &s);
    CU_ASSERT_DOUBLE_EQUAL(m, 2.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(s, 1.0, 1e-15);
    TwinStatsMeanStd(3, x + 1, 2, &m, &s);
    CU_ASSERT_DOUBLE_EQUAL(m, 200.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(s, 100.0, 1e-12);
  }
}

/* y = 2 x1 + x2, x ~ U(0, 1): V = 5/12, S1 = ST = (4/5, 1/5) */
static void TestSobolIndicesLinear(void)
{
  const PetscInt    N = 4096, k = 2, n = N * (k + 2);
  TwinEnsembleSpec *spec = NewSpec(TWIN_SAMPLER_SOBOL, 0, k);
  double *v = malloc(sizeof(double) * n * k), *y = malloc(sizeof(double) * n), S1[2], ST[2];

  CU_ASSERT_FATAL(spec && v && y);
  CU_ASSERT_FATAL(TwinSaltelliDesign(k, N, spec, v) == 0);
  /* the design: AB_i is A with column i from B */
  for (PetscInt i = 0; i < N; i += 97) {
    CU_ASSERT(v[(2 * N + i) * k + 0] == v[(N + i) * k + 0] &&
              v[(2 * N + i) * k + 1] == v[i * k + 1]);
    CU_ASSERT(v[(3 * N + i) * k + 0] == v[i * k + 0] &&
              v[(3 * N + i) * k + 1] == v[(N + i) * k + 1]);
  }
  for (PetscInt i = 0; i < n; i++)
    y[i] = 2 * v[i * k] + v[i * k + 1];
  CU_ASSERT_FATAL(TwinSobolIndices(k, N, y, S1, ST) == 0);
  CU_ASSERT(fabs(S1[0] - 0.8) < 0.02 && fabs(S1[1] - 0.2) < 0.02);
  CU_ASSERT(fabs(ST[0] - 0.8) < 0.02 && fabs(ST[1] - 0.2) < 0.02);
  /* the ensemble sampler with sensitivity gives the same design */
  {
    double *w         = malloc(sizeof(double) * n * k);
    spec->sensitivity = PETSC_TRUE;
    CU_ASSERT_FATAL(w && TwinEnsembleSample(spec, n, w) == 0);
    CU_ASSERT(memcmp(v, w, sizeof(double) * n * k) == 0);
    free(w);
  }
  free(v);
  free(y);
  free(spec);
}

int TwinTestEnsembleRegister(void)
{
  CU_pSuite s = CU_add_suite("ensemble", NULL, NULL);
  if (!s) return 1;
  if (!CU_add_test(s, "random streams are reproducible and distinct", TestRandomReproducible) ||
      !CU_add_test(s, "uniform draws: mean 1/2, variance 1/12", TestRandomMoments) ||
      !CU_add_test(s, "inverse normal CDF (AS241) and normal CDF", TestNormalInverseCDF) ||
      !CU_add_test(s, "LHS: one sample per stratum, reproducible", TestLHSStrata) ||
      !CU_add_test(s, "Sobol' points (Joe-Kuo directions)", TestSobol) ||
      !CU_add_test(s, "Gaussian copula: correlation 0.7", TestCopula) ||
      !CU_add_test(s, "distributions: quantiles and moments", TestDistributions) ||
      !CU_add_test(s, "statistics: mean, std, type-7 quantile", TestQuantile) ||
      !CU_add_test(s, "Sobol' indices of y = 2 x1 + x2", TestSobolIndicesLinear))
    return 1;
  return 0;
}
