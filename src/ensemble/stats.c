/* stats.c: ensemble statistics (mean, unbiased standard deviation, type-7 quantiles) and
 * Sobol' sensitivity indices from a Saltelli design:
 *   S1_i = mean(f_B (f_ABi - f_A)) / V        (Saltelli et al., Comput. Phys. Commun. 181, 259-270,
 * 2010) ST_i = mean((f_A - f_ABi)^2) / (2 V)       (Jansen, Comput. Phys. Commun. 117, 35-43, 1999)
 * with V the variance of the 2N outputs f_A, f_B. */
#include <math.h>
#include <stdlib.h>
#include <twinfe/ensemble.h>

void TwinStatsMeanStd(PetscInt n, const double *x, PetscInt stride, double *mean, double *std)
{
  double m = 0, s = 0;
  for (PetscInt i = 0; i < n; i++)
    m += x[i * stride];
  m = n > 0 ? m / (double)n : NAN;
  for (PetscInt i = 0; i < n; i++) { /* two passes: no cancellation */
    double d = x[i * stride] - m;
    s += d * d;
  }
  if (mean) *mean = m;
  if (std) *std = n > 1 ? sqrt(s / (double)(n - 1)) : (n == 1 ? 0.0 : NAN);
}

static int CompareDouble(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double TwinStatsQuantile(PetscInt n, double *sorted_scratch, double p)
{
  double h, f;
  size_t lo;

  if (n < 1) return NAN;
  qsort(sorted_scratch, (size_t)n, sizeof(double), CompareDouble);
  p  = PetscMin(PetscMax(p, 0.0), 1.0);
  h  = (double)(n - 1) * p;
  lo = (size_t)floor(h);
  if (lo >= (size_t)(n - 1)) return sorted_scratch[n - 1];
  f = h - (double)lo;
  return sorted_scratch[lo] + f * (sorted_scratch[lo + 1] - sorted_scratch[lo]);
}

PetscErrorCode TwinSobolIndices(PetscInt k, PetscInt N, const double *y, double *S1, double *ST)
{
  const double *fA = y, *fB = y + N;
  double        mean = 0, V = 0;

  PetscFunctionBegin;
  PetscCheck(k >= 1 && N >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "Sobol' indices: k = %" PetscInt_FMT ", N = %" PetscInt_FMT, k, N);
  for (PetscInt i = 0; i < 2 * N; i++)
    mean += y[i];
  mean /= 2.0 * (double)N;
  for (PetscInt i = 0; i < 2 * N; i++)
    V += (y[i] - mean) * (y[i] - mean);
  V /= 2.0 * (double)N - 1.0;
  for (PetscInt c = 0; c < k; c++) {
    const double *fAB = y + (2 + c) * N;
    double        s1 = 0, st = 0;
    for (PetscInt i = 0; i < N; i++) {
      s1 += fB[i] * (fAB[i] - fA[i]);
      st += (fA[i] - fAB[i]) * (fA[i] - fAB[i]);
    }
    /* a constant output (V = 0) has no sensitivity to any parameter: report 0 */
    if (V > 0 && isfinite(V)) {
      S1[c] = s1 / (double)N / V;
      ST[c] = 0.5 * st / (double)N / V;
    } else {
      S1[c] = 0;
      ST[c] = 0;
    }
  }
  PetscFunctionReturn(0);
}
