/* sampler.c: parameter values of the ensemble members.
 *   mc     member m, parameter j: u = TwinRandomUniform(seed, m, SAMPLE, j)
 *   lhs    Latin hypercube (McKay, Beckman & Conover 1979): per parameter j a random permutation
 *          pi_j of the N strata, drawn from the stream (seed, 0, LHS) with counters j 2^32 + i + 1
 *          (a pure function of seed and N, so every rank agrees), and a jitter per member from
 *          (seed, m, LHS) with counter j 2^32: u = (pi_j(m) + jitter) / N
 *   sobol  point m + 1 of the Sobol' sequence (point 0, the origin, is skipped), Joe & Kuo's
 *          new-joe-kuo-6.21201 direction numbers, Gray-code order (the order of Joe & Kuo's
 *          reference generator and of scipy.stats.qmc.Sobol without scrambling)
 * With a correlation matrix (spec->correlated; spec->corr[i * nparams + j], row-major with row
 * length nparams, as the deck reader stores it) the uniforms become normal scores
 * z = Phi^-1(u), are correlated as L z with L the Cholesky factor of the matrix and mapped back
 * by Phi (Gaussian copula) before the marginal quantiles. */
#include <math.h>
#include <twinfe/ensemble.h>

#define SOBOL_MAXDIM 21
#define SOBOL_BITS 32

/* S. Joe and F. Y. Kuo, Constructing Sobol sequences with better two-dimensional projections,
 * SIAM J. Sci. Comput. 30, 2635-2654 (2008); file new-joe-kuo-6.21201, dimensions 2..21:
 * degree s, polynomial coefficients a, initial direction numbers m_1..m_s. */
static const struct {
  int s, a, m[7];
} JoeKuo[SOBOL_MAXDIM - 1] = {
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
    {6, 19, {1, 1, 1, 15, 7, 5}},
    {6, 22, {1, 3, 1, 15, 13, 25}},
    {6, 25, {1, 1, 5, 5, 19, 61}},
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},
};

/* direction numbers V[d][b] (scaled by 2^32) of dimensions d = 0..dim-1 */
static void SobolDirections(PetscInt dim, uint32_t V[][SOBOL_BITS])
{
  for (int b = 0; b < SOBOL_BITS; b++)
    V[0][b] = 1u << (SOBOL_BITS - 1 - b);
  for (PetscInt d = 1; d < dim; d++) {
    const int s = JoeKuo[d - 1].s, a = JoeKuo[d - 1].a;
    for (int b = 0; b < s && b < SOBOL_BITS; b++)
      V[d][b] = (uint32_t)JoeKuo[d - 1].m[b] << (SOBOL_BITS - 1 - b);
    for (int b = s; b < SOBOL_BITS; b++) {
      uint32_t v = V[d][b - s] ^ (V[d][b - s] >> s);
      for (int l = 1; l < s; l++)
        if ((a >> (s - 1 - l)) & 1) v ^= V[d][b - l];
      V[d][b] = v;
    }
  }
}

static void SobolEval(PetscInt dim, uint32_t V[][SOBOL_BITS], uint64_t i, double *x)
{
  uint64_t g = i ^ (i >> 1); /* Gray code: point i of the reference generator's order */
  for (PetscInt d = 0; d < dim; d++) {
    uint32_t w = 0;
    for (int b = 0; b < SOBOL_BITS; b++)
      if ((g >> b) & 1) w ^= V[d][b];
    x[d] = (double)w * 0x1.0p-32;
  }
}

PetscErrorCode TwinSobolPoint(PetscInt dim, uint64_t i, double *x)
{
  uint32_t V[SOBOL_MAXDIM][SOBOL_BITS];

  PetscFunctionBegin;
  PetscCheck(dim >= 1 && dim <= SOBOL_MAXDIM, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Sobol' sequence: %" PetscInt_FMT " dimensions, at most %d are available", dim,
             SOBOL_MAXDIM);
  PetscCheck(i < ((uint64_t)1 << SOBOL_BITS), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Sobol' sequence: point %llu beyond 2^%d", (unsigned long long)i, SOBOL_BITS);
  SobolDirections(dim, V);
  SobolEval(dim, V, i, x);
  PetscFunctionReturn(0);
}

/* lower Cholesky factor L (k x k, row-major) of the spec's correlation matrix */
static PetscErrorCode CorrelationCholesky(const TwinEnsembleSpec *spec, double *L)
{
  const PetscInt k = spec->nparams;
  const double  *C = spec->corr;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < k; i++) {
    PetscCheck(PetscAbsReal(C[i * k + i] - 1.0) < 1e-12, PETSC_COMM_SELF, PETSC_ERR_USER,
               "correlation matrix: diagonal entry %" PetscInt_FMT " (%s) is %g, not 1", i,
               spec->params[i].name, C[i * k + i]);
    for (PetscInt j = 0; j < i; j++) {
      double cij = C[i * k + j], cji = C[j * k + i];
      PetscCheck(PetscAbsReal(cij - cji) <= 1e-12, PETSC_COMM_SELF, PETSC_ERR_USER,
                 "correlation matrix is not symmetric: entries (%" PetscInt_FMT ", %" PetscInt_FMT
                 ") %g and (%" PetscInt_FMT ", %" PetscInt_FMT ") %g",
                 i, j, cij, j, i, cji);
    }
  }
  for (PetscInt j = 0; j < k; j++) {
    double s = C[j * k + j];
    for (PetscInt l = 0; l < j; l++)
      s -= L[j * k + l] * L[j * k + l];
    PetscCheck(s > 1e-12, PETSC_COMM_SELF, PETSC_ERR_USER,
               "correlation matrix is not positive definite");
    L[j * k + j] = sqrt(s);
    for (PetscInt i = j + 1; i < k; i++) {
      double t = C[i * k + j];
      for (PetscInt l = 0; l < j; l++)
        t -= L[i * k + l] * L[j * k + l];
      L[i * k + j] = t / L[j * k + j];
    }
    for (PetscInt i = 0; i < j; i++)
      L[i * k + j] = 0;
  }
  PetscFunctionReturn(0);
}

static inline double ClampUnit(double u)
{
  /* Phi of a large score rounds to 1; keep quantiles finite */
  return PetscMin(PetscMax(u, 1e-300), 1.0 - 0x1.0p-53);
}

PetscErrorCode TwinEnsembleSample(const TwinEnsembleSpec *spec, PetscInt nmembers, double *values)
{
  const PetscInt k = spec->nparams, N = nmembers;
  double        *u = NULL;

  PetscFunctionBegin;
  PetscCheck(k >= 1 && k <= TWIN_MAX_PARAMS, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "ensemble: %" PetscInt_FMT " parameters, expected 1 to %d", k, TWIN_MAX_PARAMS);
  PetscCheck(N >= 1, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "ensemble: %" PetscInt_FMT " members", N);
  if (spec->sensitivity) { /* the members are the Saltelli design */
    PetscCheck(N % (k + 2) == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
               "ensemble with sensitivity: %" PetscInt_FMT
               " members is not a multiple of k + 2 = %" PetscInt_FMT,
               N, k + 2);
    PetscCall(TwinSaltelliDesign(k, N / (k + 2), spec, values));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1((size_t)N * k, &u));
  switch (spec->sampler) {
  case TWIN_SAMPLER_MC:
    for (PetscInt m = 0; m < N; m++)
      for (PetscInt j = 0; j < k; j++)
        u[m * k + j] = TwinRandomUniform(spec->seed, (uint64_t)m, TWIN_PURPOSE_SAMPLE, (uint64_t)j);
    break;
  case TWIN_SAMPLER_LHS: {
    PetscInt *perm;
    PetscCall(PetscMalloc1(N, &perm));
    for (PetscInt j = 0; j < k; j++) {
      const uint64_t key = (uint64_t)j << 32;
      for (PetscInt i = 0; i < N; i++)
        perm[i] = i;
      for (PetscInt i = N - 1; i > 0; i--) { /* Fisher-Yates */
        PetscInt r = (PetscInt)(TwinRandomUniform(spec->seed, 0, TWIN_PURPOSE_LHS,
                                                  key | (uint64_t)(i + 1)) *
                                (double)(i + 1)),
                 t;
        if (r > i) r = i;
        t       = perm[i];
        perm[i] = perm[r];
        perm[r] = t;
      }
      for (PetscInt m = 0; m < N; m++)
        u[m * k + j] =
            ((double)perm[m] + TwinRandomUniform(spec->seed, (uint64_t)m, TWIN_PURPOSE_LHS, key)) /
            (double)N;
    }
    PetscCall(PetscFree(perm));
  } break;
  case TWIN_SAMPLER_SOBOL: {
    uint32_t V[SOBOL_MAXDIM][SOBOL_BITS];
    PetscCheck(k <= SOBOL_MAXDIM, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "sampler sobol: %" PetscInt_FMT " parameters, at most %d", k, SOBOL_MAXDIM);
    PetscCheck((uint64_t)N < ((uint64_t)1 << SOBOL_BITS), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "sampler sobol: too many members");
    SobolDirections(k, V);
    for (PetscInt m = 0; m < N; m++)
      SobolEval(k, V, (uint64_t)m + 1, &u[m * k]);
  } break;
  default:
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "ensemble: unknown sampler %d",
            (int)spec->sampler);
  }
  if (spec->correlated && k > 1) {
    double *L, z[TWIN_MAX_PARAMS];
    PetscCall(PetscMalloc1((size_t)k * k, &L));
    PetscCall(CorrelationCholesky(spec, L));
    for (PetscInt m = 0; m < N; m++) {
      double *um = &u[m * k];
      for (PetscInt j = 0; j < k; j++)
        z[j] = TwinNormalInverseCDF(um[j]);
      for (PetscInt i = k - 1; i >= 0; i--) { /* L z in place, from the last row (L is lower) */
        double s = 0;
        for (PetscInt j = 0; j <= i; j++)
          s += L[i * k + j] * z[j];
        z[i] = s;
      }
      for (PetscInt j = 0; j < k; j++)
        um[j] = ClampUnit(TwinNormalCDF(z[j]));
    }
    PetscCall(PetscFree(L));
  }
  for (PetscInt m = 0; m < N; m++)
    for (PetscInt j = 0; j < k; j++)
      values[m * k + j] = TwinDistributionQuantile(&spec->params[j].dist, u[m * k + j]);
  PetscCall(PetscFree(u));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinSaltelliDesign(PetscInt k, PetscInt N, const TwinEnsembleSpec *spec,
                                  double *values)
{
  uint32_t V[SOBOL_MAXDIM][SOBOL_BITS];
  double   x[SOBOL_MAXDIM];

  PetscFunctionBegin;
  PetscCheck(k >= 1 && 2 * k <= SOBOL_MAXDIM, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Saltelli design: %" PetscInt_FMT
             " parameters, 1 to %d are supported (2k Sobol' dimensions)",
             k, SOBOL_MAXDIM / 2);
  PetscCheck(k == spec->nparams, PETSC_COMM_SELF, PETSC_ERR_ARG_INCOMP,
             "Saltelli design: k = %" PetscInt_FMT " but the ensemble has %" PetscInt_FMT
             " parameters",
             k, spec->nparams);
  PetscCheck(N >= 2 && (uint64_t)N < ((uint64_t)1 << SOBOL_BITS), PETSC_COMM_SELF,
             PETSC_ERR_ARG_OUTOFRANGE, "Saltelli design: base size N = %" PetscInt_FMT, N);
  PetscCheck(!spec->correlated, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "Sobol' indices (sensitivity) need independent parameters: remove the correlation");
  SobolDirections(2 * k, V);
  for (PetscInt i = 0; i < N; i++) {
    SobolEval(2 * k, V, (uint64_t)i + 1, x);
    for (PetscInt j = 0; j < k; j++) {
      double a                = TwinDistributionQuantile(&spec->params[j].dist, x[j]);
      double b                = TwinDistributionQuantile(&spec->params[j].dist, x[k + j]);
      values[i * k + j]       = a; /* A */
      values[(N + i) * k + j] = b; /* B */
      for (PetscInt c = 0; c < k; c++)
        values[((2 + c) * N + i) * k + j] = (c == j) ? b : a; /* AB_c */
    }
  }
  PetscFunctionReturn(0);
}
