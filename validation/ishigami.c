/* ishigami.c: Sobol' sensitivity indices of the Ishigami function from the ensemble numerics
 * (src/ensemble: TwinSaltelliDesign, TwinSobolIndices).
 *
 *   build/validation/ishigami [-ishigami_n N]        (N: base size, default 2^14)
 *
 * f(x) = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i ~ U(-pi, pi) independent, a = 7, b = 0.1
 * (T. Ishigami and T. Homma, An importance quantification technique in uncertainty analysis
 * for computer models, Proc. ISUMA '90, 398-403 (1990)). Its variance decomposition is known in
 * closed form (A. Saltelli et al., Global Sensitivity Analysis: The Primer, Wiley (2008), §4):
 *   V1 = (1 + b pi^4 / 5)^2 / 2,  V2 = a^2 / 8,  V13 = b^2 pi^8 (1/18 - 1/50),  V = V1 + V2 + V13
 *   S1 = V1 / V = 0.3139, S2 = V2 / V = 0.4424, S3 = 0,
 *   ST1 = (V1 + V13) / V = 0.5576, ST2 = S2 = 0.4424, ST3 = V13 / V = 0.2437.
 * The model is evaluated on the Saltelli design (A, B, AB_i from a 6-dimensional Sobol' sequence,
 * Joe-Kuo directions, N (k + 2) = 5 N runs); S1 by the estimator of Saltelli et al., Comput.
 * Phys. Commun. 181, 259-270 (2010), ST by Jansen's, Comput. Phys. Commun. 117, 35-43 (1999).
 * The indices are printed for N = 2^10 .. N for information; the check is at the stated N:
 * every index within 0.02 of the exact value. Exit status 1 when a check fails, 2 on an
 * internal error. No MPI communication (runs on any number of ranks; rank 0 prints). */
#include <math.h>
#include <twinfe/ensemble.h>
#include "vtable.h"

#define NCOL 8
#define MAXROWS 64

static const double A = 7.0, B = 0.1, TOL = 0.02;

static double Ishigami(const double *x)
{
  double s = sin(x[0]);
  return s + A * sin(x[1]) * sin(x[1]) + B * pow(x[2], 4) * s;
}

typedef struct {
  char cell[NCOL][64];
} Row;

/* the table in the style of validation/compare.py */
/* S1, ST of the Ishigami function with base size N */
static PetscErrorCode Indices(TwinEnsembleSpec *spec, PetscInt N, double S1[3], double ST[3])
{
  const PetscInt k = 3, n = N * (k + 2);
  double        *v, *y;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2((size_t)n * k, &v, n, &y));
  PetscCall(TwinSaltelliDesign(k, N, spec, v));
  for (PetscInt i = 0; i < n; i++)
    y[i] = Ishigami(&v[i * k]);
  PetscCall(TwinSobolIndices(k, N, y, S1, ST));
  PetscCall(PetscFree2(v, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(PetscBool *allpass)
{
  const double pi = PETSC_PI, V1 = 0.5 * pow(1 + B * pow(pi, 4) / 5, 2), V2 = A * A / 8,
               V13 = B * B * pow(pi, 8) * (1.0 / 18 - 1.0 / 50);
  const double V = V1 + V2 + V13, exS1[3] = {V1 / V, V2 / V, 0},
               exST[3] = {(V1 + V13) / V, V2 / V, V13 / V};
  PetscInt          N = 1 << 14, nrows = 0, npass = 0, nchecks = 0;
  TwinEnsembleSpec *spec;
  Row              *rows;
  char              failures[2048] = "";

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-ishigami_n", &N, NULL));
  PetscCall(PetscCalloc1(1, &spec));
  PetscCall(PetscCalloc1(MAXROWS, &rows));
  spec->nparams = 3;
  spec->sampler = TWIN_SAMPLER_SOBOL;
  for (int j = 0; j < 3; j++) {
    PetscCall(PetscSNPrintf(spec->params[j].name, sizeof(spec->params[j].name), "x%d", j + 1));
    spec->params[j].dist =
        (TwinDistribution){TWIN_DIST_UNIFORM, -pi, pi, -PETSC_INFINITY, PETSC_INFINITY};
  }
  {
    const char *head[NCOL] = {"case",      "quantity", "N",         "computed",
                              "reference", "error",    "tolerance", "result"};
    for (int c = 0; c < NCOL; c++)
      PetscCall(PetscStrncpy(rows[0].cell[c], head[c], sizeof(rows[0].cell[c])));
    nrows = 1;
  }
  *allpass = PETSC_TRUE;
  /* convergence, for information: the largest index error at N = 2^10 .. N / 2 */
  for (PetscInt n = 1 << 10; n < N; n *= 2) {
    double S1[3], ST[3], e = 0;
    Row   *row = &rows[nrows++];
    PetscCall(Indices(spec, n, S1, ST));
    for (int i = 0; i < 3; i++)
      e = PetscMax(e, PetscMax(PetscAbsReal(S1[i] - exS1[i]), PetscAbsReal(ST[i] - exST[i])));
    PetscCall(PetscSNPrintf(row->cell[0], sizeof(row->cell[0]), "ishigami"));
    PetscCall(PetscSNPrintf(row->cell[1], sizeof(row->cell[1]), "max |index error| (information)"));
    PetscCall(PetscSNPrintf(row->cell[2], sizeof(row->cell[2]), "%" PetscInt_FMT, n));
    PetscCall(PetscSNPrintf(row->cell[3], sizeof(row->cell[3]), "-"));
    PetscCall(PetscSNPrintf(row->cell[4], sizeof(row->cell[4]), "-"));
    PetscCall(PetscSNPrintf(row->cell[5], sizeof(row->cell[5]), "%.4f", e));
    PetscCall(PetscSNPrintf(row->cell[6], sizeof(row->cell[6]), "-"));
    PetscCall(PetscSNPrintf(row->cell[7], sizeof(row->cell[7]), "-"));
  }
  {
    double S1[3], ST[3];
    PetscCall(Indices(spec, N, S1, ST));
    for (int t = 0; t < 2; t++)
      for (int i = 0; i < 3; i++) {
        double comp = t ? ST[i] : S1[i], ref = t ? exST[i] : exS1[i],
               err = PetscAbsReal(comp - ref);
        PetscBool ok =
            (PetscIsNormalReal(comp) || comp == 0) && err <= TOL ? PETSC_TRUE : PETSC_FALSE;
        Row *row = &rows[nrows++];
        nchecks++;
        if (ok)
          npass++;
        else {
          char msg[256];
          *allpass = PETSC_FALSE;
          PetscCall(PetscSNPrintf(msg, sizeof(msg),
                                  "  ishigami: %s%d = %.4f, exact %.4f, error %.4f > %.2f\n",
                                  t ? "ST" : "S", i + 1, comp, ref, err, TOL));
          PetscCall(PetscStrlcat(failures, msg, sizeof(failures)));
        }
        PetscCall(PetscSNPrintf(row->cell[0], sizeof(row->cell[0]), "ishigami"));
        PetscCall(PetscSNPrintf(row->cell[1], sizeof(row->cell[1]), "%s%d (%s)", t ? "ST" : "S",
                                i + 1, t ? "total, Jansen" : "first order, Saltelli 2010"));
        PetscCall(PetscSNPrintf(row->cell[2], sizeof(row->cell[2]), "%" PetscInt_FMT, N));
        PetscCall(PetscSNPrintf(row->cell[3], sizeof(row->cell[3]), "%.4f", comp));
        PetscCall(PetscSNPrintf(row->cell[4], sizeof(row->cell[4]), "%.4f", ref));
        PetscCall(PetscSNPrintf(row->cell[5], sizeof(row->cell[5]), "%.4f", err));
        PetscCall(PetscSNPrintf(row->cell[6], sizeof(row->cell[6]), "%.2f", TOL));
        PetscCall(PetscStrncpy(row->cell[7], ok ? "PASS" : "FAIL", sizeof(row->cell[7])));
      }
  }
  PetscCall(PrintTable(rows, nrows));
  PetscCall(PetscPrintf(
      PETSC_COMM_WORLD,
      "\nf = sin x1 + a sin^2 x2 + b x3^4 sin x1, x_i ~ U(-pi, pi), a = 7, b = 0.1; "
      "Saltelli design on a 6-dimensional Sobol' sequence\n"
      "(Joe-Kuo directions, point 0 skipped), N (k + 2) = %" PetscInt_FMT
      " model runs at N = %" PetscInt_FMT ". Pass: every index within %.2f of the exact value.\n",
      N * 5, N, TOL));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "\n%" PetscInt_FMT " of %" PetscInt_FMT " checks passed, %" PetscInt_FMT
                        " failed\n",
                        npass, nchecks, nchecks - npass));
  if (failures[0]) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nFailures:\n%s", failures));
  PetscCall(
      PetscPrintf(PETSC_COMM_WORLD,
                  "\nSources:\n"
                  "  [function]  T. Ishigami and T. Homma, Proc. ISUMA '90, 398-403 (1990)\n"
                  "  [exact]     A. Saltelli et al., Global Sensitivity Analysis: The Primer, "
                  "Wiley (2008), section 4\n"
                  "  [S1]        A. Saltelli et al., Comput. Phys. Commun. 181, 259-270 (2010)\n"
                  "  [ST]        M. J. W. Jansen, Comput. Phys. Commun. 117, 35-43 (1999)\n"
                  "  [sequence]  S. Joe and F. Y. Kuo, SIAM J. Sci. Comput. 30, 2635-2654 (2008), "
                  "new-joe-kuo-6.21201\n"));
  PetscCall(PetscFree(rows));
  PetscCall(PetscFree(spec));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return TwinValidationMain(argc, argv, Run);
}
