/* ensemble_moments.c: convergence of ensemble statistics from the ensemble numerics
 * (src/ensemble: TwinEnsembleSample with sampler mc and lhs, TwinStatsMeanStd).
 *
 *   build/validation/ensemble_moments
 *
 * (a) A bar's elongation, linear in the load: y = c q with c = L / (E A) (L = 2 m,
 *     E = 200 GPa, A = 1e-4 m^2) and the load q ~ N(mu, s), mu = 10 kN, s = 1 kN. Exact:
 *     E[y] = c mu, Var[y] = c^2 s^2.
 * (b) The same bar with a fixed load F = 10 kN and an uncertain modulus, y = c / E with
 *     c = F L / A and E lognormal with mean 200 GPa and std 20 GPa (sigma_l^2 = ln(1 + 0.01),
 *     mu_l = ln(200 GPa) - sigma_l^2 / 2). 1/E is lognormal, so exactly
 *     E[y] = c exp(-mu_l + sigma_l^2 / 2), E[y^2] = c^2 exp(-2 mu_l + 2 sigma_l^2),
 *     Var[y] = E[y^2] - E[y]^2.
 * For N = 100, 400, 1600, 6400 members and 50 independent seeds per N, the sample mean and the
 * (unbiased) sample variance are compared with the exact values; RMS = root mean square of the
 * error over the seeds. Checks:
 *   - plain Monte Carlo: the fitted log-log slope of RMS(mean) and RMS(variance) against N is
 *     -1/2 +- 0.1 (the Monte Carlo rate: A. B. Owen, Monte Carlo theory, methods and examples
 *     (2013), ch. 2), and RMS(mean) agrees with the standard error sqrt(Var[y] / N) within a
 *     factor 0.65 .. 1.35 (50 seeds estimate an RMS to about 10 %);
 *   - Latin hypercube (M. D. McKay, R. J. Beckman and W. J. Conover, Technometrics 21, 239-245
 *     (1979)): for the linear function (a), RMS(mean) at least 2 times smaller than Monte
 *     Carlo's at every N (LHS removes the additive part of the variance exactly: Stein,
 *     Technometrics 29, 143-151 (1987)).
 * The example rows show one seed's sample mean and std at N = 6400 against the exact values
 * (information). Exit status 1 when a check fails, 2 on an internal error. No MPI
 * communication (rank 0 prints). */
#include <math.h>
#include <twinfe/ensemble.h>
#include "vtable.h"

#define NCOL 8
#define MAXROWS 64
#define NLEV 4
#define NSEED 50

static const PetscInt NS[NLEV] = {100, 400, 1600, 6400};

typedef struct {
  char cell[NCOL][64];
} Row;

typedef struct {
  Row      rows[MAXROWS];
  PetscInt nrows, npass, nchecks;
  char     failures[4096];
} Table;

/* the table in the style of validation/compare.py */
/* one row; check < 0: information only, else PASS/FAIL by check */
static PetscErrorCode AddRow(Table *t, const char *cs, const char *quantity, const char *n,
                             const char *computed, const char *reference, const char *error,
                             const char *tol, int check)
{
  Row *row = &t->rows[t->nrows++];

  PetscFunctionBegin;
  PetscCheck(t->nrows <= MAXROWS, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many rows");
  PetscCall(PetscStrncpy(row->cell[0], cs, sizeof(row->cell[0])));
  PetscCall(PetscStrncpy(row->cell[1], quantity, sizeof(row->cell[1])));
  PetscCall(PetscStrncpy(row->cell[2], n, sizeof(row->cell[2])));
  PetscCall(PetscStrncpy(row->cell[3], computed, sizeof(row->cell[3])));
  PetscCall(PetscStrncpy(row->cell[4], reference, sizeof(row->cell[4])));
  PetscCall(PetscStrncpy(row->cell[5], error, sizeof(row->cell[5])));
  PetscCall(PetscStrncpy(row->cell[6], tol, sizeof(row->cell[6])));
  PetscCall(PetscStrncpy(row->cell[7], check < 0 ? "-" : (check ? "PASS" : "FAIL"),
                         sizeof(row->cell[7])));
  if (check >= 0) {
    t->nchecks++;
    if (check)
      t->npass++;
    else {
      char msg[256];
      PetscCall(PetscSNPrintf(msg, sizeof(msg), "  %s: %s, N %s: %s (reference %s, tolerance %s)\n",
                              cs, quantity, n, computed, reference, tol));
      PetscCall(PetscStrlcat(t->failures, msg, sizeof(t->failures)));
    }
  }
  PetscFunctionReturn(0);
}

typedef double (*Model)(double x, double c);
static double Linear(double x, double c)
{
  return c * x;
}
static double Inverse(double x, double c)
{
  return c / x;
}

/* RMS over NSEED seeds of the errors of the sample mean and variance at each N */
static PetscErrorCode Study(TwinEnsembleSpec *spec, TwinSamplerKind sampler, Model f, double c,
                            double mean, double var, double rmsMean[NLEV], double rmsVar[NLEV],
                            double example[2])
{
  double *x;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(NS[NLEV - 1], &x));
  spec->sampler = sampler;
  for (int l = 0; l < NLEV; l++) {
    double se = 0, sv = 0;
    for (int s = 0; s < NSEED; s++) {
      double m, sd;
      spec->seed = 1 + (uint64_t)s + 1000 * (uint64_t)l; /* independent seeds at every N */
      PetscCall(TwinEnsembleSample(spec, NS[l], x));
      for (PetscInt i = 0; i < NS[l]; i++)
        x[i] = f(x[i], c);
      TwinStatsMeanStd(NS[l], x, 1, &m, &sd);
      se += (m - mean) * (m - mean);
      sv += (sd * sd - var) * (sd * sd - var);
      if (l == NLEV - 1 && s == 0) {
        example[0] = m;
        example[1] = sd;
      }
    }
    rmsMean[l] = sqrt(se / NSEED);
    rmsVar[l]  = sqrt(sv / NSEED);
  }
  PetscCall(PetscFree(x));
  PetscFunctionReturn(0);
}

/* least-squares slope of log(e) against log(N) */
static double Slope(const double e[NLEV])
{
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int l = 0; l < NLEV; l++) {
    double X = log((double)NS[l]), Y = log(e[l]);
    sx += X;
    sy += Y;
    sxx += X * X;
    sxy += X * Y;
  }
  return (NLEV * sxy - sx * sy) / (NLEV * sxx - sx * sx);
}

static PetscErrorCode Report(Table *t, const char *cs, double mean, double var,
                             const double rmsMean[NLEV], const double rmsVar[NLEV],
                             const double example[2], const double *lhsMean)
{
  char   n[32], a[64], b[64], e[64];
  double slope;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(n, sizeof(n), "%" PetscInt_FMT, NS[NLEV - 1]));
  PetscCall(PetscSNPrintf(a, sizeof(a), "%.6e", example[0]));
  PetscCall(PetscSNPrintf(b, sizeof(b), "%.6e", mean));
  PetscCall(PetscSNPrintf(e, sizeof(e), "%.2e", PetscAbsReal(example[0] - mean) / mean));
  PetscCall(AddRow(t, cs, "MC sample mean, seed 1 (rel. error)", n, a, b, e, "-", -1));
  PetscCall(PetscSNPrintf(a, sizeof(a), "%.6e", example[1]));
  PetscCall(PetscSNPrintf(b, sizeof(b), "%.6e", sqrt(var)));
  PetscCall(PetscSNPrintf(e, sizeof(e), "%.2e", PetscAbsReal(example[1] - sqrt(var)) / sqrt(var)));
  PetscCall(AddRow(t, cs, "MC sample std, seed 1 (rel. error)", n, a, b, e, "-", -1));
  for (int l = 0; l < NLEV; l++) {
    double se = sqrt(var / NS[l]), ratio = rmsMean[l] / se;
    PetscCall(PetscSNPrintf(n, sizeof(n), "%" PetscInt_FMT, NS[l]));
    PetscCall(PetscSNPrintf(a, sizeof(a), "%.4e", rmsMean[l]));
    PetscCall(PetscSNPrintf(b, sizeof(b), "%.4e", se));
    PetscCall(PetscSNPrintf(e, sizeof(e), "ratio %.3f", ratio));
    PetscCall(AddRow(t, cs, l ? "" : "MC RMS error of the mean vs sqrt(Var/N)", n, a, b, e,
                     "0.65 .. 1.35", ratio >= 0.65 && ratio <= 1.35));
  }
  slope = Slope(rmsMean);
  PetscCall(PetscSNPrintf(n, sizeof(n), "%" PetscInt_FMT "-%" PetscInt_FMT, NS[0], NS[NLEV - 1]));
  PetscCall(PetscSNPrintf(a, sizeof(a), "%.3f", slope));
  PetscCall(PetscSNPrintf(e, sizeof(e), "%.3f", PetscAbsReal(slope + 0.5)));
  PetscCall(AddRow(t, cs, "MC RMS error of the mean: log-log slope", n, a, "-0.5", e, "0.1",
                   PetscAbsReal(slope + 0.5) <= 0.1));
  for (int l = 0; l < NLEV; l++) {
    PetscCall(PetscSNPrintf(n, sizeof(n), "%" PetscInt_FMT, NS[l]));
    PetscCall(PetscSNPrintf(a, sizeof(a), "%.4e", rmsVar[l]));
    PetscCall(PetscSNPrintf(e, sizeof(e), "%.2e", rmsVar[l] / var));
    PetscCall(
        AddRow(t, cs, l ? "" : "MC RMS error of the variance (relative)", n, a, "-", e, "-", -1));
  }
  slope = Slope(rmsVar);
  PetscCall(PetscSNPrintf(n, sizeof(n), "%" PetscInt_FMT "-%" PetscInt_FMT, NS[0], NS[NLEV - 1]));
  PetscCall(PetscSNPrintf(a, sizeof(a), "%.3f", slope));
  PetscCall(PetscSNPrintf(e, sizeof(e), "%.3f", PetscAbsReal(slope + 0.5)));
  PetscCall(AddRow(t, cs, "MC RMS error of the variance: log-log slope", n, a, "-0.5", e, "0.1",
                   PetscAbsReal(slope + 0.5) <= 0.1));
  if (lhsMean) {
    for (int l = 0; l < NLEV; l++) {
      double gain = rmsMean[l] / lhsMean[l];
      PetscCall(PetscSNPrintf(n, sizeof(n), "%" PetscInt_FMT, NS[l]));
      PetscCall(PetscSNPrintf(a, sizeof(a), "%.4e", lhsMean[l]));
      PetscCall(PetscSNPrintf(b, sizeof(b), "MC %.4e", rmsMean[l]));
      PetscCall(PetscSNPrintf(e, sizeof(e), "MC/LHS %.1f", gain));
      PetscCall(
          AddRow(t, cs, l ? "" : "LHS RMS error of the mean vs MC", n, a, b, e, "> 2", gain > 2));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(PetscBool *allpass)
{
  const double      L = 2.0, E = 200e9, Ar = 1e-4, F = 1e4, mu = 1e4, s = 1e3;
  TwinEnsembleSpec *spec;
  Table            *t;
  double            rmsMean[NLEV], rmsVar[NLEV], lhsMean[NLEV], lhsVar[NLEV], ex[2], exl[2];

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(1, &spec));
  PetscCall(PetscCalloc1(1, &t));
  {
    const char *head[NCOL] = {"case",      "quantity", "N",         "computed",
                              "reference", "error",    "tolerance", "result"};
    for (int c = 0; c < NCOL; c++)
      PetscCall(PetscStrncpy(t->rows[0].cell[c], head[c], sizeof(t->rows[0].cell[c])));
    t->nrows = 1;
  }
  spec->nparams = 1;
  spec->corr[0] = 1;
  /* (a) y = c q, q ~ N(mu, s) */
  {
    const double c = L / (E * Ar);
    PetscCall(PetscStrncpy(spec->params[0].name, "q", sizeof(spec->params[0].name)));
    spec->params[0].dist =
        (TwinDistribution){TWIN_DIST_NORMAL, mu, s, -PETSC_INFINITY, PETSC_INFINITY};
    PetscCall(Study(spec, TWIN_SAMPLER_MC, Linear, c, c * mu, c * c * s * s, rmsMean, rmsVar, ex));
    PetscCall(
        Study(spec, TWIN_SAMPLER_LHS, Linear, c, c * mu, c * c * s * s, lhsMean, lhsVar, exl));
    PetscCall(Report(t, "linear_load", c * mu, c * c * s * s, rmsMean, rmsVar, ex, lhsMean));
  }
  /* (b) y = c / E, E lognormal */
  {
    const double c = F * L / Ar, sl2 = log1p(0.01), mul = log(E) - 0.5 * sl2;
    const double m = c * exp(-mul + 0.5 * sl2), m2 = c * c * exp(-2 * mul + 2 * sl2),
                 v = m2 - m * m;
    PetscCall(PetscStrncpy(spec->params[0].name, "E", sizeof(spec->params[0].name)));
    spec->params[0].dist =
        (TwinDistribution){TWIN_DIST_LOGNORMAL, E, 0.1 * E, -PETSC_INFINITY, PETSC_INFINITY};
    PetscCall(Study(spec, TWIN_SAMPLER_MC, Inverse, c, m, v, rmsMean, rmsVar, ex));
    PetscCall(Report(t, "inverse_lognormal", m, v, rmsMean, rmsVar, ex, NULL));
  }
  PetscCall(PrintTable(t->rows, t->nrows));
  PetscCall(
      PetscPrintf(PETSC_COMM_WORLD,
                  "\n(a) linear_load: y = L q / (E A), q ~ N(10 kN, 1 kN), L = 2 m, E = 200 GPa, A "
                  "= 1e-4 m^2 (y in m).\n"
                  "(b) inverse_lognormal: y = F L / (E A), F = 10 kN, E lognormal with mean 200 "
                  "GPa and std 20 GPa;\n"
                  "    exact E[y] = c exp(-mu_l + sigma_l^2/2), Var[y] = c^2 exp(-2 mu_l + 2 "
                  "sigma_l^2) - E[y]^2, c = F L / A.\n"
                  "RMS over %d independent seeds per N. Pass: MC log-log slopes within 0.1 of "
                  "-0.5, MC RMS(mean) / sqrt(Var/N) in 0.65 .. 1.35,\n"
                  "LHS RMS(mean) more than 2 times smaller than MC's for the linear output.\n",
                  NSEED));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "\n%" PetscInt_FMT " of %" PetscInt_FMT " checks passed, %" PetscInt_FMT
                        " failed\n",
                        t->npass, t->nchecks, t->nchecks - t->npass));
  if (t->failures[0]) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nFailures:\n%s", t->failures));
  PetscCall(PetscPrintf(
      PETSC_COMM_WORLD,
      "\nSources:\n"
      "  [MC rate]  A. B. Owen, Monte Carlo theory, methods and examples (2013), ch. 2\n"
      "  [LHS]      M. D. McKay, R. J. Beckman and W. J. Conover, Technometrics 21, 239-245 "
      "(1979);\n"
      "             M. Stein, Technometrics 29, 143-151 (1987) (variance of LHS means)\n"
      "  [moments]  N. L. Johnson, S. Kotz and N. Balakrishnan, Continuous Univariate "
      "Distributions 1, 2nd ed. (1994), ch. 14 (lognormal)\n"));
  *allpass = t->npass == t->nchecks ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscFree(t));
  PetscCall(PetscFree(spec));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return TwinValidationMain(argc, argv, Run);
}
