/* ensemble.h: Monte Carlo what-if ensembles. Uncertain deck values (addressed by their deck
 * path), their distributions and correlation, samplers (plain Monte Carlo, Latin hypercube,
 * Sobol), reproducible random streams keyed by (seed, member, purpose), ensemble statistics and
 * Sobol sensitivity indices. The numerics use no MPI and no PETSc objects; the driver
 * (src/ensemble/ensrun.c) runs the members on groups of ranks. */
#ifndef TWINFE_ENSEMBLE_H
#define TWINFE_ENSEMBLE_H

#include <twinfe/deck.h>

/* ---- reproducible random numbers --------------------------------------------------------
 * A counter-based generator: the k-th draw of stream (seed, member, purpose) is a pure function
 * of those four integers, so results do not depend on which group runs which member. */
typedef enum { TWIN_PURPOSE_SAMPLE = 1, TWIN_PURPOSE_LHS = 2, TWIN_PURPOSE_REDRAW = 3, TWIN_PURPOSE_OBSNOISE = 4, TWIN_PURPOSE_SOBOL = 5 } TwinPurpose;
/* Uniform in (0, 1), never 0 or 1. */
PETSC_EXTERN double TwinRandomUniform(uint64_t seed, uint64_t member, uint64_t purpose, uint64_t k);
/* Standard normal (inverse CDF of a uniform draw, so LHS and copulas can reuse it). */
PETSC_EXTERN double TwinNormalInverseCDF(double p);
PETSC_EXTERN double TwinNormalCDF(double x);

/* ---- distributions ----------------------------------------------------------------------- */
typedef enum { TWIN_DIST_NORMAL, TWIN_DIST_LOGNORMAL, TWIN_DIST_UNIFORM, TWIN_DIST_TRUNCNORMAL } TwinDistKind;
typedef struct {
  TwinDistKind kind;
  double       a, b;       /* normal: mean, std; lognormal: mean, std OF THE VALUE (not of log);
                              uniform: low, high; truncnormal: mean, std of the parent normal */
  double       low, high;  /* truncnormal bounds (may be -inf/+inf) */
} TwinDistribution;
/* Value with cumulative probability p in (0, 1). */
PETSC_EXTERN double TwinDistributionQuantile(const TwinDistribution *d, double p);
/* Exact mean and variance (tests, reports). */
PETSC_EXTERN void TwinDistributionMoments(const TwinDistribution *d, double *mean, double *var);

/* ---- the ensemble description (from the deck's ensemble: section) ------------------------ */
typedef enum { TWIN_SAMPLER_MC, TWIN_SAMPLER_LHS, TWIN_SAMPLER_SOBOL } TwinSamplerKind;
#define TWIN_MAX_PARAMS 32
typedef struct {
  char             name[TWIN_NAME_LEN];
  char             target[TWIN_PATH_LEN];  /* deck path, e.g. materials.steel.E */
  TwinDistribution dist;
  int              line, col;
} TwinParameter;

typedef enum { TWIN_FAILED_SKIP, TWIN_FAILED_REDRAW } TwinFailedPolicy;

typedef struct {
  PetscBool        enabled;
  PetscInt         members;               /* >= 2 */
  TwinSamplerKind  sampler;
  uint64_t         seed;
  TwinParameter    params[TWIN_MAX_PARAMS];
  PetscInt         nparams;
  double           corr[TWIN_MAX_PARAMS * TWIN_MAX_PARAMS]; /* correlation (Gaussian copula), identity if absent */
  PetscBool        correlated;
  TwinFailedPolicy failed;                /* skip (default) or redraw */
  PetscInt         min_members;           /* the run fails below this many successes (default members/2) */
  PetscBool        sensitivity;           /* Saltelli design: members = N (k + 2) */
  /* statistics requested in output: */
  PetscReal        quantiles[16];         /* e.g. 0.05, 0.95 */
  PetscInt         nquantiles;
  char             exceed_field[TWIN_NAME_LEN]; /* e.g. von_mises; empty: none */
  PetscReal        exceed_limit;
  int              line, col;
} TwinEnsembleSpec;

/* Read and validate the deck's ensemble: section (enabled = false when absent). Every target
 * must name a numeric scalar of the deck (e.g. materials.steel.E, thermal.boundaries[0].value);
 * errors are FILE:LINE:COL with suggestions, like every deck error. Collective like TwinDeckLoad. */
PETSC_EXTERN PetscErrorCode TwinEnsembleSpecFromDeck(TwinDeck deck, TwinEnsembleSpec *spec);

/* Parameter values of every member: values[m * nparams + j]. Pure function of the spec: the
 * same on every rank. For sampler sobol the first point of the (scrambled-free) sequence is
 * skipped. With the spec's correlation, normal scores are correlated through a Cholesky factor
 * (Gaussian copula) before the marginal quantiles are applied. */
PETSC_EXTERN PetscErrorCode TwinEnsembleSample(const TwinEnsembleSpec *spec, PetscInt nmembers, double *values);
/* Sobol' low-discrepancy point i (i >= 0) in dim dimensions (dim <= 21), Joe-Kuo directions. */
PETSC_EXTERN PetscErrorCode TwinSobolPoint(PetscInt dim, uint64_t i, double *x);

/* ---- statistics -------------------------------------------------------------------------- */
/* Mean, standard deviation (unbiased) of n values; quantile by linear interpolation of the sorted
 * sample (type 7, as numpy's default); probability of exceeding a limit (fraction of members). */
PETSC_EXTERN void   TwinStatsMeanStd(PetscInt n, const double *x, PetscInt stride, double *mean, double *std);
PETSC_EXTERN double TwinStatsQuantile(PetscInt n, double *sorted_scratch, double p);
/* Saltelli design for k parameters with base size N: rows of A (N), B (N), and AB_i (N each, A
 * with column i from B): N (k + 2) points from a 2k-dimensional Sobol' sequence. Sobol' indices
 * from the model outputs y in that order: first order S1[i] (Saltelli 2010) and total ST[i]
 * (Jansen 1999). */
PETSC_EXTERN PetscErrorCode TwinSaltelliDesign(PetscInt k, PetscInt N, const TwinEnsembleSpec *spec, double *values);
PETSC_EXTERN PetscErrorCode TwinSobolIndices(PetscInt k, PetscInt N, const double *y, double *S1, double *ST);

/* Run the deck's ensemble (with "path=value" overrides) on G groups of ranks of world (P
 * divisible by G) and write the statistics fields and the member table. Collective. */
PETSC_EXTERN PetscErrorCode TwinEnsembleRun(MPI_Comm world, const char deckPath[], PetscInt nset, const char *const set[], PetscInt G);

#endif
