/* filter.h: ensemble data assimilation on an abstract ensemble. The ensemble is N members of
 * local state rows (this rank's part of the state, any layout) plus global parameters (the same
 * on every rank); the observations are global (every rank holds the predicted observations of
 * every member). The analysis needs no communication: each filter computes N x N transforms
 * from the (replicated) observation-space ensemble and applies them to the local rows, so every
 * rank updates its own rows consistently. Dense algebra through PETSc's BLAS/LAPACK.
 *
 *   ETKF   Bishop et al. (2001), Hunt et al. (2007): symmetric square-root transform.
 *   LETKF  Hunt et al. (2007): one transform per distinct row position, observations weighted
 *          by Gaspari-Cohn (1999) of their distance (R^-1 localization; zero beyond `radius`).
 *          Parameters (no position) get the global ETKF transform.
 *   EnKF   Burgers et al. (1998): perturbed observations from the stream (seed, member,
 *          TWIN_PURPOSE_OBSNOISE, cycle * nobs + i), so results do not depend on ranks.
 *   ES-MDA Emerick and Reynolds (2013): EnKF update with R multiplied by alpha (the driver
 *          repeats it `iterations` times with alpha = iterations).
 * Inflation: the forecast anomalies are multiplied by `inflation` before the analysis
 * (state, parameters and predicted observations alike). RTPS (Whitaker and Hamill 2012): after
 * the analysis each row's anomalies are scaled by 1 + rtps (sigma_b - sigma_a) / sigma_a. */
#ifndef TWINFE_FILTER_H
#define TWINFE_FILTER_H
#include <twinfe/deck.h>

typedef struct {
  TwinFilterKind kind;
  PetscReal      inflation; /* multiplicative, >= 1 (1: none) */
  PetscReal      rtps;      /* relaxation to prior spread, in [0, 1] (0: none) */
  PetscReal      radius;    /* LETKF: Gaspari-Cohn support radius (weight 0 at and beyond), m; <= 0 or
                               infinite: no localization (then LETKF equals ETKF) */
  PetscReal      alpha;     /* EnKF/ES-MDA: observation-error multiplier (1 for EnKF) */
  uint64_t       seed;      /* EnKF/ES-MDA perturbations */
  PetscInt       cycle;     /* analysis counter, keys the perturbation stream */
  PetscReal      grid;      /* LETKF: > 0: compute the local transforms on a uniform grid of this
                               spacing (m) and interpolate them trilinearly to the state rows
                               (weight interpolation); 0: one transform per row position (exact) */
} TwinFilterOptions;

typedef struct {
  PetscInt         N;     /* members, >= 2 */
  PetscInt         nrow;  /* local state rows */
  PetscReal       *X;     /* [nrow * N], row-major: X[i * N + j] is member j at row i; updated */
  const PetscReal *rowx;  /* [nrow * 3] row positions (LETKF; may be NULL for other filters) */
  PetscInt         np;    /* global parameters */
  PetscReal       *P;     /* [np * N] row-major, updated (transformed space, e.g. log of positive ones) */
  PetscInt         nobs;  /* observations used (missing ones removed by the caller) */
  PetscReal       *HX;    /* [nobs * N] predicted observations; updated to the linearised analysis HX T */
  const PetscReal *y;     /* [nobs] observed values */
  const PetscReal *r;     /* [nobs] observation error variances (> 0) */
  const PetscReal *obsx;  /* [nobs * 3] observation positions (LETKF) */
} TwinEnsembleView;

typedef struct {
  PetscReal innovation_rms;   /* rms of (y - mean(HX)) / sigma (forecast; sigma = sqrt(r)) */
  PetscReal spread_rms;       /* rms over observations of std(HX) / sigma (forecast, after inflation) */
  PetscReal analysis_rms;     /* rms of (y - mean(HX_a)) / sigma (linearised analysis) */
  PetscInt  nlocal_analyses;  /* LETKF: local transforms computed on this rank */
} TwinFilterStats;

/* Analysis in place: E->X, E->P and E->HX hold the analysis ensemble on return. Not collective
 * (every rank calls it on its own rows with the same observations and parameters). */
PETSC_EXTERN PetscErrorCode TwinFilterAnalyse(const TwinFilterOptions *opt, TwinEnsembleView *E, TwinFilterStats *stats);
/* Gaspari-Cohn (1999) fifth-order piecewise rational correlation at distance d for support
 * radius `radius` (1 at d = 0, 0 for d >= radius). */
PETSC_EXTERN PetscReal TwinGaspariCohn(PetscReal d, PetscReal radius);

#endif
