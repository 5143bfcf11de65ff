/* filter.c: the ensemble filters of filter.h on an abstract ensemble (no MPI: every rank calls
 * TwinFilterAnalyse on its own rows with the same, replicated, observations and parameters).
 *
 * Notation: N members, a = N - 1, inflation rho (multiplies the forecast anomalies), observation
 * anomalies scaled by R^-1/2:  S_ij = rho (HX_ij - ybar_i) / sqrt(r_i)  (nobs x N), scaled
 * innovation d_i = (y_i - ybar_i) / sqrt(r_i). Every filter builds one N x N transform T and
 * updates a row x (state, parameter or predicted-observation row) as
 *     x_a = xbar 1^T + rho x' T,     x' = x - xbar 1^T  (the forecast anomalies),
 * by one BLAS gemm per block of rows that share T.
 *
 * ETKF (Hunt, Kostelich and Szunyogh 2007, eqs. 20-24 with their rho folded into S):
 *     Pa~ = (a I + S^T S)^-1,  wbar = Pa~ S^T d,  W = sqrt(a) (a I + S^T S)^-1/2 (symmetric),
 *     T = W + wbar 1^T.
 *   With L observations and L >= N: eigendecomposition of the N x N matrix a I + S^T S.
 *   With L < N: eigendecomposition of the L x L matrix S S^T = U diag(mu) U^T and, with
 *   Z = S^T U (N x L),
 *     W = I + Z diag(g) Z^T,  g_k = -1 / (sqrt(a + mu_k) (sqrt(a) + sqrt(a + mu_k)))
 *     wbar = Z diag(1 / (a + mu_k)) U^T d           (push-through identity),
 *   exact for any mu_k >= 0 (g is the stable form of (sqrt(a / (a + mu)) - 1) / mu); T is then
 *   not formed but applied per row in 2 N L + 2 L^2 operations. L = 0 gives W = I, wbar = 0 and
 *   costs nothing (a row is bit-for-bit unchanged without inflation).
 * LETKF: the same with S and d of the observations at distance < radius of the row, their
 *   rows of S and d multiplied by sqrt(GC(distance)) (R^-1 localization). Observations are
 *   bucketed once per call in a uniform grid of cell size `radius` (sorted by cell), so a
 *   position looks at 27 cells; consecutive rows with the same position share the transform.
 *   The predicted-observation rows HX are updated with the local transform at the
 *   observation's own position, the parameters with the global (ETKF) transform.
 * EnKF (Burgers, van Leeuwen and Evensen 1998), ES-MDA (Emerick and Reynolds 2013):
 *     D~_ij = d_i + sqrt(alpha) e_ij - S_ij  (the scaled perturbed innovations),
 *     C~ = S S^T / a + alpha I  (R^-1/2 (HPH^T + alpha R) R^-1/2, Cholesky),
 *     T = I + S^T C~^-1 D~ / a.
 *   e_ij = Phi^-1(u), u from the stream (seed, member j, TWIN_PURPOSE_OBSNOISE,
 *   cycle * nobs + i), CENTRED over the members (e_ij - mean_j e_ij): with a linear H the
 *   analysis mean is then the Kalman update of the ensemble mean with the ensemble gain (no
 *   sampling noise from the perturbations in the mean); the covariance keeps the stochastic
 *   EnKF's sampling error. (Uncentred perturbations are Burgers' textbook version.)
 * RTPS (Whitaker and Hamill 2012) per row: sigma_b is the row's spread AFTER the
 *   multiplicative inflation (the background the analysis used), sigma_a after the analysis;
 *   the analysis anomalies are multiplied by 1 + rtps (sigma_b - sigma_a) / sigma_a when
 *   sigma_a > 0 (a row with sigma_a = 0 is left alone). Applied to state, parameter and
 *   predicted-observation rows alike. Rows without local observations (LETKF) get T = I: only
 *   the inflation acts, RTPS is then a no-op (sigma_a = sigma_b). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <petscsys.h>
#include <petscblaslapack.h>
#include <twinfe/ensemble.h>
#include <twinfe/filter.h>

#define CHUNK 256 /* rows per gemm when many rows share a transform */

/* The symmetric eigensolver: LAPACK dsyevd (divide and conquer), through PETSc's BLAS/LAPACK
 * name mangling. petscblaslapack.h 3.18 declares only syev (QR iteration), about 2x slower for
 * the 64 x 64 matrices of the ensemble-space transform with the reference LAPACK; every LAPACK
 * PETSc can link (reference, OpenBLAS, MKL) has dsyevd. */
#if !defined(LAPACKsyevd_)
#define LAPACKsyevd_ PETSCBLAS(syevd, SYEVD)
BLAS_EXTERN void LAPACKsyevd_(const char *, const char *, const PetscBLASInt *, PetscReal *,
                              const PetscBLASInt *, PetscReal *, PetscReal *, const PetscBLASInt *,
                              PetscBLASInt *, const PetscBLASInt *, PetscBLASInt *);
#endif

PetscReal TwinGaspariCohn(PetscReal d, PetscReal radius)
{
  PetscReal c, z;

  if (!(radius > 0) || PetscIsInfReal(radius)) return 1.0; /* no localization */
  d = PetscAbsReal(d);
  if (!(d < radius)) return 0.0; /* also NaN */
  c = 0.5 * radius;              /* Gaspari and Cohn's half-width: support 2c */
  z = d / c;
  if (z <= 1.0) return (((-0.25 * z + 0.5) * z + 0.625) * z - 5.0 / 3.0) * z * z + 1.0;
  return ((((z / 12.0 - 0.5) * z + 0.625) * z + 5.0 / 3.0) * z - 5.0) * z + 4.0 - 2.0 / (3.0 * z);
}

typedef struct {
  int64_t  c[3];
  PetscInt i;
} ObsCell;

typedef struct {
  PetscInt     N, nobs;
  PetscBLASInt bN;
  PetscReal    rho;
  PetscReal   *S, *d, *ybar; /* S[i * N + k] = S_ik: as a column-major N x nobs matrix it is S^T */
  /* transform workspace */
  PetscReal   *St, *dl, *A, *Z, *ev, *g, *v1, *v2, *work, *T, *p1, *p2;
  PetscBLASInt lwork, liwork, *iwork;
  PetscInt     L;         /* observations of the current transform */
  PetscBool    identity;  /* T = I */
  PetscBool    factored;  /* T = I + S^T U diag(g) U^T S + wbar 1^T, not formed */
  PetscBool    zfactored; /* T = Z Z^T + wbar 1^T (Z = V diag((a / lambda)^1/4)), not formed */
  PetscBool    formT;     /* ensemble space: form T (many rows per transform) or keep Z */
  /* application workspace */
  PetscReal *anom, *mu, *sb;
  /* LETKF */
  PetscReal        radius, h, org[3];
  PetscBool        brute;
  int64_t          cmin[3], cmax[3];
  ObsCell         *cells;
  PetscInt        *lidx;
  PetscReal       *lw;
  const PetscReal *obsx;
} Work;

static PetscErrorCode Eig(Work *w, PetscBLASInt n, PetscReal *A, PetscReal *ev)
{
  PetscBLASInt info = 0;

  PetscFunctionBegin;
  PetscCall(PetscFPTrapPush(PETSC_FP_TRAP_OFF));
  LAPACKsyevd_("V", "U", &n, A, &n, ev, w->work, &w->lwork, w->iwork, &w->liwork, &info);
  PetscCall(PetscFPTrapPop());
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "filter: LAPACK syevd failed (info %d) on a %d x %d matrix", (int)info, (int)n,
             (int)n);
  PetscFunctionReturn(0);
}

/* The transform from L observations idx (NULL: 0..L-1) with localization weights wt (NULL: 1).
 * L = 0: identity. L >= N: w->T (column-major N x N, T[k + j N] = T_kj). 0 < L < N: kept
 * factored, T = I + Z diag(g) Z^T + wbar 1^T with Z = S^T U: w->St (S^T, N x L), w->A (U, L x L),
 * w->g (L), w->v2 (wbar, N); ApplyRows then costs 2 N L + 2 L^2 per row instead of forming T
 * (N^2 L) and applying it (N^2 per row), which is what LETKF needs (few rows per transform). */
static PetscErrorCode ComputeTransform(Work *w, PetscInt L, const PetscInt *idx,
                                       const PetscReal *wt)
{
  const PetscInt  N = w->N;
  const PetscReal a = (PetscReal)(N - 1), sa = PetscSqrtReal(a);
  PetscBLASInt    bN = w->bN, bL, one = 1;
  const PetscReal fone = 1.0, fzero = 0.0;
  PetscReal      *T = w->T;

  PetscFunctionBegin;
  w->identity  = L == 0 ? PETSC_TRUE : PETSC_FALSE;
  w->factored  = PETSC_FALSE;
  w->zfactored = PETSC_FALSE;
  w->L         = L;
  if (L == 0) PetscFunctionReturn(0);
  PetscCall(PetscBLASIntCast(L, &bL));
  for (PetscInt l = 0; l < L; l++) {
    const PetscInt  i = idx ? idx[l] : l;
    const PetscReal s = wt ? PetscSqrtReal(wt[l]) : 1.0, *Si = w->S + (size_t)i * N;
    PetscReal      *col = w->St + (size_t)l * N;
    if (wt)
      for (PetscInt k = 0; k < N; k++)
        col[k] = s * Si[k];
    else
      PetscCall(PetscArraycpy(col, Si, N));
    w->dl[l] = s * w->d[i];
  }
  if (L < N) { /* observation space: S S^T = U diag(mu) U^T (L x L) */
    PetscCallBLAS("BLASsyrk", BLASsyrk_("U", "T", &bL, &bN, &fone, w->St, &bN, &fzero, w->A, &bL));
    PetscCall(Eig(w, bL, w->A, w->ev));
    PetscCallBLAS("BLASgemv", BLASgemv_("T", &bL, &bL, &fone, w->A, &bL, w->dl, &one, &fzero, w->v1,
                                        &one)); /* U^T d */
    for (PetscInt k = 0; k < L; k++) {
      const PetscReal mu = PetscMax(w->ev[k], 0.0), s = PetscSqrtReal(a + mu);
      w->g[k] = -1.0 / (s * (sa + s)); /* (sqrt(a / (a + mu)) - 1) / mu, stable */
      w->v1[k] /= a + mu;
    }
    PetscCallBLAS("BLASgemv", BLASgemv_("N", &bL, &bL, &fone, w->A, &bL, w->v1, &one, &fzero, w->Z,
                                        &one)); /* U (.) */
    PetscCallBLAS("BLASgemv", BLASgemv_("N", &bN, &bL, &fone, w->St, &bN, w->Z, &one, &fzero, w->v2,
                                        &one)); /* wbar = S^T U (.) */
    w->factored = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  /* ensemble space: a I + S^T S = V diag(lambda) V^T (N x N) */
  PetscCallBLAS("BLASsyrk", BLASsyrk_("U", "N", &bN, &bL, &fone, w->St, &bN, &fzero, w->A, &bN));
  for (PetscInt k = 0; k < N; k++)
    w->A[k + (size_t)k * N] += a;
  PetscCallBLAS("BLASgemv", BLASgemv_("N", &bN, &bL, &fone, w->St, &bN, w->dl, &one, &fzero, w->v2,
                                      &one)); /* S^T d */
  PetscCall(Eig(w, bN, w->A, w->ev));
  PetscCallBLAS("BLASgemv", BLASgemv_("T", &bN, &bN, &fone, w->A, &bN, w->v2, &one, &fzero, w->v1,
                                      &one)); /* V^T S^T d */
  for (PetscInt k = 0; k < N; k++) {
    const PetscReal lam = w->ev[k];
    PetscReal       f;
    PetscCheck(lam > 0 && !PetscIsInfOrNanReal(lam), PETSC_COMM_SELF, PETSC_ERR_FP,
               "filter: eigenvalue %g of (N-1) I + S^T S is not positive", (double)lam);
    w->v1[k] /= lam;
    f = PetscPowReal(a / lam, 0.25); /* W = Z Z^T, Z = V diag((a / lambda)^1/4) */
    for (PetscInt r = 0; r < N; r++)
      w->Z[r + (size_t)k * N] = f * w->A[r + (size_t)k * N];
  }
  PetscCallBLAS("BLASgemv", BLASgemv_("N", &bN, &bN, &fone, w->A, &bN, w->v1, &one, &fzero, w->v2,
                                      &one)); /* wbar */
  if (!w->formT) { /* LETKF: few rows per transform, x' T = (x' Z) Z^T + (x' wbar) 1^T, 2 N^2 per
                      row */
    w->zfactored = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  PetscCallBLAS("BLASgemm",
                BLASgemm_("N", "T", &bN, &bN, &bN, &fone, w->Z, &bN, w->Z, &bN, &fzero, T, &bN));
  for (PetscInt j = 0; j < N; j++)
    for (PetscInt k = 0; k < N; k++)
      T[k + (size_t)j * N] += w->v2[k];
  PetscFunctionReturn(0);
}

/* A row's mean, its anomalies an[] and its (inflated) spread rho * std. */
static inline PetscReal RowAnomalies(PetscInt N, const PetscReal *x, PetscReal rho, PetscReal *an,
                                     PetscReal *spread)
{
  PetscReal m = 0, s = 0;
  for (PetscInt k = 0; k < N; k++)
    m += x[k];
  m /= (PetscReal)N;
  for (PetscInt k = 0; k < N; k++) {
    an[k] = x[k] - m;
    s += an[k] * an[k];
  }
  *spread = rho * PetscSqrtReal(s / (PetscReal)(N - 1));
  return m;
}

/* x <- xbar + rho (ybar + f (y - ybar)) from y = x' T, with the RTPS factor f that brings the
 * analysis spread back towards sb (the inflated prior spread). y and x may alias. */
static inline void RowFinish(PetscInt N, const PetscReal *y, PetscReal xbar, PetscReal rho,
                             PetscReal rtps, PetscReal sb, PetscReal *x)
{
  PetscReal m = 0, f = 1.0;
  for (PetscInt k = 0; k < N; k++)
    m += y[k];
  m /= (PetscReal)N;
  if (rtps > 0) {
    PetscReal s = 0, sa;
    for (PetscInt k = 0; k < N; k++)
      s += (y[k] - m) * (y[k] - m);
    sa = rho * PetscSqrtReal(s / (PetscReal)(N - 1));
    if (sa > 0) f = 1.0 + rtps * (sb - sa) / sa;
  }
  for (PetscInt k = 0; k < N; k++)
    x[k] = xbar + rho * (m + f * (y[k] - m));
}

/* rows (nb x N, row-major) <- xbar + rho x' T, then RTPS */
static PetscErrorCode ApplyRows(Work *w, PetscInt nb, PetscReal *rows, PetscReal rtps)
{
  const PetscInt  N   = w->N;
  const PetscReal rho = w->rho, fzero = 0.0, fone = 1.0;
  PetscBLASInt    bN = w->bN, bnb;

  PetscFunctionBegin;
  if (nb == 0 || (w->identity && rho == 1.0))
    PetscFunctionReturn(0); /* rows left exactly as they are */
  for (PetscInt r = 0; r < nb; r++)
    w->mu[r] = RowAnomalies(N, rows + (size_t)r * N, rho, w->anom + (size_t)r * N, &w->sb[r]);
  if (w->identity) {
    for (PetscInt r = 0; r < nb; r++)
      for (PetscInt k = 0; k < N; k++)
        rows[(size_t)r * N + k] = w->mu[r] + rho * w->anom[(size_t)r * N + k];
    PetscFunctionReturn(0);
  }
  PetscCall(PetscBLASIntCast(nb, &bnb));
  /* column-major views: anom^T and rows^T are N x nb; rows^T <- T^T anom^T = (x' T)^T */
  if (w->factored) { /* x' T = x' + ((x' S^T U) diag(g)) U^T S + (x' wbar) 1^T */
    PetscBLASInt bL;
    PetscCall(PetscBLASIntCast(w->L, &bL));
    PetscCallBLAS("BLASgemm", BLASgemm_("T", "N", &bL, &bnb, &bN, &fone, w->St, &bN, w->anom, &bN,
                                        &fzero, w->p1, &bL)); /* S x'^T */
    PetscCallBLAS("BLASgemm", BLASgemm_("T", "N", &bL, &bnb, &bL, &fone, w->A, &bL, w->p1, &bL,
                                        &fzero, w->p2, &bL)); /* U^T . */
    for (PetscInt r = 0; r < nb; r++)
      for (PetscInt l = 0; l < w->L; l++)
        w->p2[l + (size_t)r * w->L] *= w->g[l];
    PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bL, &bnb, &bL, &fone, w->A, &bL, w->p2, &bL,
                                        &fzero, w->p1, &bL)); /* U . */
    for (PetscInt r = 0; r < nb; r++) {
      const PetscReal *an = w->anom + (size_t)r * N;
      PetscReal       *x = rows + (size_t)r * N, c = 0;
      for (PetscInt k = 0; k < N; k++)
        c += an[k] * w->v2[k];
      for (PetscInt k = 0; k < N; k++)
        x[k] = an[k] + c;
    }
    PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bN, &bnb, &bL, &fone, w->St, &bN, w->p1, &bL,
                                        &fone, rows, &bN)); /* + S^T . */
  } else if (w->zfactored) {                                /* x' T = (x' Z) Z^T + (x' wbar) 1^T */
    PetscCallBLAS("BLASgemm", BLASgemm_("T", "N", &bN, &bnb, &bN, &fone, w->Z, &bN, w->anom, &bN,
                                        &fzero, w->p1, &bN));
    PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bN, &bnb, &bN, &fone, w->Z, &bN, w->p1, &bN,
                                        &fzero, rows, &bN));
    for (PetscInt r = 0; r < nb; r++) {
      const PetscReal *an = w->anom + (size_t)r * N;
      PetscReal       *x = rows + (size_t)r * N, c = 0;
      for (PetscInt k = 0; k < N; k++)
        c += an[k] * w->v2[k];
      for (PetscInt k = 0; k < N; k++)
        x[k] += c;
    }
  } else {
    PetscCallBLAS("BLASgemm", BLASgemm_("T", "N", &bN, &bnb, &bN, &fone, w->T, &bN, w->anom, &bN,
                                        &fzero, rows, &bN));
  }
  for (PetscInt r = 0; r < nb; r++) /* rows hold x' T */
    RowFinish(N, rows + (size_t)r * N, w->mu[r], rho, rtps, w->sb[r], rows + (size_t)r * N);
  PetscFunctionReturn(0);
}

/* every row of a block with the current transform, CHUNK rows per gemm */
static PetscErrorCode ApplyAll(Work *w, PetscInt nrow, PetscReal *X, PetscReal rtps)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < nrow; i += CHUNK)
    PetscCall(ApplyRows(w, PetscMin(CHUNK, nrow - i), X + (size_t)i * w->N, rtps));
  PetscFunctionReturn(0);
}

/* ---- LETKF: observation buckets ------------------------------------------------------------ */
static int CompareCell(const void *pa, const void *pb)
{
  const ObsCell *a = pa, *b = pb;
  for (int k = 0; k < 3; k++)
    if (a->c[k] != b->c[k]) return a->c[k] < b->c[k] ? -1 : 1;
  return (a->i > b->i) - (a->i < b->i);
}

static PetscErrorCode BuildGrid(Work *w)
{
  const PetscInt nobs = w->nobs;
  PetscReal      hi[3];

  PetscFunctionBegin;
  w->h     = w->radius;
  w->brute = PETSC_FALSE;
  if (nobs == 0) PetscFunctionReturn(0);
  for (int k = 0; k < 3; k++) {
    w->org[k] = hi[k] = w->obsx[k];
    for (PetscInt i = 1; i < nobs; i++) {
      w->org[k] = PetscMin(w->org[k], w->obsx[3 * i + k]);
      hi[k]     = PetscMax(hi[k], w->obsx[3 * i + k]);
    }
    if ((hi[k] - w->org[k]) / w->h > 1e12)
      w->brute = PETSC_TRUE; /* a radius absurdly small for the domain */
  }
  if (w->brute) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < nobs; i++) {
    w->cells[i].i = i;
    for (int k = 0; k < 3; k++)
      w->cells[i].c[k] = (int64_t)PetscFloorReal((w->obsx[3 * i + k] - w->org[k]) / w->h);
  }
  qsort(w->cells, (size_t)nobs, sizeof(ObsCell), CompareCell);
  for (int k = 0; k < 3; k++) {
    w->cmin[k] = w->cmax[k] = w->cells[0].c[k];
    for (PetscInt i = 1; i < nobs; i++) {
      w->cmin[k] = PetscMin(w->cmin[k], w->cells[i].c[k]);
      w->cmax[k] = PetscMax(w->cmax[k], w->cells[i].c[k]);
    }
  }
  PetscFunctionReturn(0);
}

static inline void AddIfLocal(Work *w, const PetscReal *p, PetscInt i, PetscInt *L)
{
  const PetscReal *q  = w->obsx + 3 * (size_t)i;
  const PetscReal  dx = p[0] - q[0], dy = p[1] - q[1], dz = p[2] - q[2];
  const PetscReal  g = TwinGaspariCohn(PetscSqrtReal(dx * dx + dy * dy + dz * dz), w->radius);
  if (g > 0) {
    w->lidx[*L] = i;
    w->lw[*L]   = g;
    (*L)++;
  }
}

/* the observations of weight > 0 at position p: w->lidx, w->lw [L] */
static void LocalObs(Work *w, const PetscReal *p, PetscInt *L)
{
  int64_t c[3];

  *L = 0;
  if (w->nobs == 0) return;
  if (w->brute) {
    for (PetscInt i = 0; i < w->nobs; i++)
      AddIfLocal(w, p, i, L);
    return;
  }
  for (int k = 0; k < 3; k++) {
    const PetscReal cd = PetscFloorReal((p[k] - w->org[k]) / w->h);
    if (cd < (PetscReal)w->cmin[k] - 1.0 || cd > (PetscReal)w->cmax[k] + 1.0)
      return; /* no obs within one cell */
    c[k] = (int64_t)cd;
  }
  for (int64_t dx = -1; dx <= 1; dx++)
    for (int64_t dy = -1; dy <= 1; dy++)
      for (int64_t dz = -1; dz <= 1; dz++) {
        const ObsCell key = {{c[0] + dx, c[1] + dy, c[2] + dz}, -1};
        size_t        lo = 0, hi = (size_t)w->nobs;
        while (lo < hi) { /* first cell entry >= key */
          size_t mid = (lo + hi) / 2;
          if (CompareCell(&w->cells[mid], &key) < 0)
            lo = mid + 1;
          else
            hi = mid;
        }
        for (; lo < (size_t)w->nobs && w->cells[lo].c[0] == key.c[0] &&
               w->cells[lo].c[1] == key.c[1] && w->cells[lo].c[2] == key.c[2];
             lo++)
          AddIfLocal(w, p, w->cells[lo].i, L);
      }
}

static inline PetscBool SamePos(const PetscReal *a, const PetscReal *b)
{
  return (a[0] == b[0] && a[1] == b[1] && a[2] == b[2]) ? PETSC_TRUE : PETSC_FALSE;
}

/* rows with positions: one local transform per run of equal positions */
static PetscErrorCode LocalRows(Work *w, PetscInt nrow, PetscReal *X, const PetscReal *pos,
                                PetscReal rtps, PetscInt *nlocal)
{
  const PetscReal *last = NULL;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < nrow;) {
    const PetscReal *p  = pos + 3 * (size_t)i;
    PetscInt         nb = 1, L;
    while (i + nb < nrow && nb < CHUNK && SamePos(pos + 3 * (size_t)(i + nb), p))
      nb++;
    if (!last || !SamePos(p, last)) {
      LocalObs(w, p, &L);
      PetscCall(ComputeTransform(w, L, w->lidx, w->lw));
      if (L) (*nlocal)++;
      last = p;
    }
    PetscCall(ApplyRows(w, nb, X + (size_t)i * w->N, rtps));
    i += nb;
  }
  PetscFunctionReturn(0);
}

/* Form T (column-major, T[r + c N] = T_rc) of a transform ComputeTransform() kept factored
 * (fewer local observations than members): T = I + S^T U diag(g) U^T S + wbar 1^T. */
static PetscErrorCode FormFactored(Work *w)
{
  const PetscInt  N = w->N, L = w->L;
  const PetscReal fone = 1.0, fzero = 0.0;
  PetscBLASInt    bN = w->bN, bL;

  PetscFunctionBegin;
  PetscCall(PetscBLASIntCast(L, &bL));
  for (PetscInt l = 0; l < L; l++) /* p2 = U diag(g) (L x L) */
    for (PetscInt r = 0; r < L; r++)
      w->p2[r + (size_t)l * L] = w->A[r + (size_t)l * L] * w->g[l];
  PetscCallBLAS("BLASgemm", BLASgemm_("N", "T", &bL, &bL, &bL, &fone, w->p2, &bL, w->A, &bL, &fzero,
                                      w->p1, &bL)); /* M = U diag(g) U^T */
  PetscCallBLAS("BLASgemm", BLASgemm_("N", "N", &bN, &bL, &bL, &fone, w->St, &bN, w->p1, &bL,
                                      &fzero, w->p2, &bN)); /* B = S^T M (N x L) */
  PetscCallBLAS("BLASgemm", BLASgemm_("N", "T", &bN, &bN, &bL, &fone, w->p2, &bN, w->St, &bN,
                                      &fzero, w->T, &bN)); /* B S */
  for (PetscInt c = 0; c < N; c++)
    for (PetscInt r = 0; r < N; r++)
      w->T[r + (size_t)c * N] += (r == c ? 1.0 : 0.0) + w->v2[r];
  w->factored = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* LETKF with weight interpolation (Yang et al. 2009; Hunt et al. 2007, section 5): the local
 * transforms are computed at the nodes of a uniform grid of spacing h over the rows' bounding
 * box and interpolated trilinearly to every row, x_a = xbar + rho x' sum_c phi_c T_c. The
 * transforms vary on the scale of the localization radius, so h of a fraction of it loses
 * little (the interpolation error is O((h / radius)^2)) and the cost per row becomes 8 N^2
 * instead of one N x N eigenproblem per row. Rows exactly at grid nodes get the exact LETKF. */
static PetscErrorCode LocalRowsGrid(Work *w, PetscInt nrow, PetscReal *X, const PetscReal *pos,
                                    PetscReal h, PetscReal rtps, PetscInt *nlocal)
{
  const PetscInt N = w->N;
  PetscReal      lo[3], hi[3], *Tg;
  PetscInt       n[3], ng;
  PetscBool     *id;

  PetscFunctionBegin;
  if (nrow == 0) PetscFunctionReturn(0);
  for (int k = 0; k < 3; k++) {
    lo[k] = hi[k] = pos[k];
    for (PetscInt i = 1; i < nrow; i++) {
      lo[k] = PetscMin(lo[k], pos[3 * i + k]);
      hi[k] = PetscMax(hi[k], pos[3 * i + k]);
    }
    PetscCheck((hi[k] - lo[k]) / h < 1e5, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
               "filter: LETKF weight grid spacing %g is too fine for rows spanning %g m", (double)h,
               (double)(hi[k] - lo[k]));
    n[k] = hi[k] > lo[k] ? (PetscInt)PetscCeilReal((hi[k] - lo[k]) / h) + 1 : 1;
  }
  ng = n[0] * n[1] * n[2];
  PetscCheck((double)ng * N * N * sizeof(PetscReal) < 4e9, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "filter: LETKF weight grid of %d nodes x %d^2 transforms needs more than 4 GB; use a "
             "coarser grid",
             (int)ng, (int)N);
  PetscCall(PetscMalloc2((size_t)ng * N * N, &Tg, ng, &id));
  w->formT = PETSC_TRUE;
  for (PetscInt g = 0; g < ng; g++) { /* the transforms at the grid nodes */
    PetscInt  c[3] = {g % n[0], (g / n[0]) % n[1], g / (n[0] * n[1])}, L;
    PetscReal p[3];
    for (int k = 0; k < 3; k++)
      p[k] = n[k] > 1 ? PetscMin(lo[k] + c[k] * h, hi[k] + h) : lo[k];
    LocalObs(w, p, &L);
    PetscCall(ComputeTransform(w, L, w->lidx, w->lw));
    if (w->factored) PetscCall(FormFactored(w));
    id[g] = w->identity;
    if (L) (*nlocal)++;
    if (!id[g]) PetscCall(PetscArraycpy(Tg + (size_t)g * N * N, w->T, N * N));
  }
  w->formT = PETSC_FALSE;
  for (PetscInt i = 0; i < nrow; i++) {
    PetscReal *x = X + (size_t)i * N, *an = w->anom, *y = w->p1, m, sb;
    PetscInt   c0[3];
    PetscReal  t[3];
    for (int k = 0; k < 3; k++) {
      PetscReal u = n[k] > 1 ? (pos[3 * i + k] - lo[k]) / h : 0.0;
      c0[k]       = PetscMin((PetscInt)PetscFloorReal(u), PetscMax(n[k] - 2, 0));
      t[k]        = n[k] > 1 ? u - c0[k] : 0.0;
    }
    m = RowAnomalies(N, x, w->rho, an, &sb);
    for (PetscInt k = 0; k < N; k++)
      y[k] = 0;
    for (int corner = 0; corner < 8; corner++) { /* y = sum_c phi_c x' T_c */
      PetscInt  g = 0, stride = 1;
      PetscReal phi = 1.0;
      for (int k = 0; k < 3; k++) {
        int bit = (corner >> k) & 1;
        if (n[k] == 1 && bit) phi = 0.0;
        phi *= bit ? t[k] : 1.0 - t[k];
        g += (c0[k] + bit) * stride;
        stride *= n[k];
      }
      if (phi == 0.0) continue;
      if (id[g]) {
        for (PetscInt k = 0; k < N; k++)
          y[k] += phi * an[k];
      } else {
        const PetscReal *T = Tg + (size_t)g * N * N;
        for (PetscInt k = 0; k < N; k++) {
          const PetscReal *col = T + (size_t)k * N;
          PetscReal        d   = 0;
#pragma omp simd reduction(+ : d)
          for (PetscInt j = 0; j < N; j++)
            d += an[j] * col[j];
          y[k] += phi * d;
        }
      }
    }
    RowFinish(N, y, m, w->rho, rtps, sb, x);
  }
  PetscCall(PetscFree2(Tg, id));
  PetscFunctionReturn(0);
}

/* ---- EnKF / ES-MDA ---------------------------------------------------------------------- */
static PetscErrorCode EnKFTransform(Work *w, const TwinFilterOptions *opt)
{
  const PetscInt  N = w->N, nobs = w->nobs;
  const PetscReal a = (PetscReal)(N - 1), salpha = PetscSqrtReal(opt->alpha), fa = 1.0 / a,
                  fzero = 0.0;
  PetscBLASInt bN = w->bN, bm, info = 0;
  PetscReal   *C, *D, *e;

  PetscFunctionBegin;
  w->identity  = nobs == 0 ? PETSC_TRUE : PETSC_FALSE;
  w->factored  = PETSC_FALSE;
  w->zfactored = PETSC_FALSE;
  if (nobs == 0) PetscFunctionReturn(0);
  PetscCall(PetscBLASIntCast(nobs, &bm));
  PetscCall(PetscMalloc3((size_t)nobs * nobs, &C, (size_t)nobs * N, &D, N, &e));
  PetscCallBLAS("BLASgemm",
                BLASgemm_("T", "N", &bm, &bm, &bN, &fa, w->S, &bN, w->S, &bN, &fzero, C, &bm));
  for (PetscInt i = 0; i < nobs; i++)
    C[i + (size_t)i * nobs] += opt->alpha;
  for (PetscInt i = 0; i < nobs; i++) {
    const uint64_t k = (uint64_t)opt->cycle * (uint64_t)nobs + (uint64_t)i;
    PetscReal      m = 0;
    for (PetscInt j = 0; j < N; j++) {
      e[j] =
          TwinNormalInverseCDF(TwinRandomUniform(opt->seed, (uint64_t)j, TWIN_PURPOSE_OBSNOISE, k));
      m += e[j];
    }
    m /= (PetscReal)N;
    for (PetscInt j = 0; j < N; j++)
      D[i + (size_t)j * nobs] = w->d[i] + salpha * (e[j] - m) - w->S[(size_t)i * N + j];
  }
  PetscCall(PetscFPTrapPush(PETSC_FP_TRAP_OFF));
  LAPACKpotrf_("L", &bm, C, &bm, &info);
  PetscCall(PetscFPTrapPop());
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB,
             "filter: EnKF: Cholesky of HPH^T + alpha R failed (LAPACK potrf info %d)", (int)info);
  LAPACKpotrs_("L", &bm, &bN, C, &bm, D, &bm, &info);
  PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "filter: EnKF: LAPACK potrs info %d",
             (int)info);
  PetscCallBLAS("BLASgemm",
                BLASgemm_("N", "N", &bN, &bN, &bm, &fa, w->S, &bN, D, &bm, &fzero, w->T, &bN));
  for (PetscInt k = 0; k < N; k++)
    w->T[k + (size_t)k * N] += 1.0;
  PetscCall(PetscFree3(C, D, e));
  PetscFunctionReturn(0);
}

/* ---- input checks ------------------------------------------------------------------------ */
static PetscErrorCode CheckFinite(const char *what, size_t n, const PetscReal *v)
{
  PetscFunctionBegin;
  for (size_t i = 0; i < n; i++)
    PetscCheck(!PetscIsInfOrNanReal(v[i]), PETSC_COMM_SELF, PETSC_ERR_FP,
               "filter: %s[%zu] = %g is not finite", what, i, (double)v[i]);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckInput(const TwinFilterOptions *opt, const TwinEnsembleView *E,
                                 PetscBool local)
{
  const PetscInt N = E->N;

  PetscFunctionBegin;
  PetscCheck(N >= 2, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "filter: %" PetscInt_FMT " members, at least 2 needed", N);
  PetscCheck(E->nrow >= 0 && E->np >= 0 && E->nobs >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "filter: negative size (nrow %" PetscInt_FMT ", np %" PetscInt_FMT
             ", nobs %" PetscInt_FMT ")",
             E->nrow, E->np, E->nobs);
  PetscCheck(opt->kind == TWIN_FILTER_ETKF || opt->kind == TWIN_FILTER_LETKF ||
                 opt->kind == TWIN_FILTER_ENKF || opt->kind == TWIN_FILTER_ESMDA,
             PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "filter: unknown filter kind %d",
             (int)opt->kind);
  PetscCheck(!PetscIsInfOrNanReal(opt->inflation) && opt->inflation >= 1.0, PETSC_COMM_SELF,
             PETSC_ERR_ARG_OUTOFRANGE,
             "filter: multiplicative inflation %g, must be finite and >= 1",
             (double)opt->inflation);
  PetscCheck(opt->rtps >= 0.0 && opt->rtps <= 1.0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "filter: rtps %g, must be in [0, 1]", (double)opt->rtps);
  if (opt->kind == TWIN_FILTER_ENKF || opt->kind == TWIN_FILTER_ESMDA)
    PetscCheck(!PetscIsInfOrNanReal(opt->alpha) && opt->alpha > 0, PETSC_COMM_SELF,
               PETSC_ERR_ARG_OUTOFRANGE,
               "filter: observation-error multiplier alpha %g, must be finite and > 0",
               (double)opt->alpha);
  PetscCheck(!PetscIsNanReal(opt->radius), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "filter: localization radius is NaN");
  PetscCheck(E->nrow == 0 || E->X, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "filter: X is NULL");
  PetscCheck(E->np == 0 || E->P, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "filter: P is NULL");
  PetscCheck(E->nobs == 0 || (E->HX && E->y && E->r), PETSC_COMM_SELF, PETSC_ERR_ARG_NULL,
             "filter: HX, y or r is NULL");
  if (local) {
    PetscCheck(E->nrow == 0 || E->rowx, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL,
               "filter: LETKF with radius %g needs the row positions rowx", (double)opt->radius);
    PetscCheck(E->nobs == 0 || E->obsx, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL,
               "filter: LETKF with radius %g needs the observation positions obsx",
               (double)opt->radius);
  }
  for (PetscInt i = 0; i < E->nobs; i++)
    PetscCheck(
        E->r[i] > 0 && !PetscIsInfOrNanReal(E->r[i]), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
        "filter: observation %" PetscInt_FMT ": error variance r = %g, must be finite and > 0", i,
        (double)E->r[i]);
  PetscCall(CheckFinite("y", (size_t)E->nobs, E->y));
  PetscCall(CheckFinite("HX", (size_t)E->nobs * N, E->HX));
  PetscCall(CheckFinite("X", (size_t)E->nrow * N, E->X));
  PetscCall(CheckFinite("P", (size_t)E->np * N, E->P));
  if (local) {
    PetscCall(CheckFinite("rowx", (size_t)E->nrow * 3, E->rowx));
    PetscCall(CheckFinite("obsx", (size_t)E->nobs * 3, E->obsx));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinFilterAnalyse(const TwinFilterOptions *opt, TwinEnsembleView *E,
                                 TwinFilterStats *stats)
{
  Work           w;
  const PetscInt N = E ? E->N : 0, nobs = E ? E->nobs : 0;
  PetscBool      local;
  PetscReal      innov = 0, spread = 0, arms = 0;
  PetscInt       nlocal = 0;
  size_t         nmax;

  PetscFunctionBegin;
  PetscCheck(opt && E, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "filter: NULL options or ensemble");
  local = (opt->kind == TWIN_FILTER_LETKF && opt->radius > 0 && !PetscIsInfReal(opt->radius))
              ? PETSC_TRUE
              : PETSC_FALSE;
  PetscCall(CheckInput(opt, E, local));
  PetscCall(PetscMemzero(&w, sizeof(w)));
  w.N    = N;
  w.nobs = nobs;
  w.rho  = opt->inflation;
  PetscCall(PetscBLASIntCast(N, &w.bN));
  nmax = (size_t)PetscMax(N, nobs);
  PetscCall(PetscMalloc5((size_t)nobs * N + 1, &w.S, nobs + 1, &w.d, nobs + 1, &w.ybar,
                         (size_t)nobs * N + 1, &w.St, nmax, &w.dl));
  PetscCall(
      PetscMalloc5((size_t)N * N, &w.A, (size_t)N * N, &w.Z, N, &w.ev, nmax, &w.v1, nmax, &w.v2));
  PetscCall(
      PetscMalloc4((size_t)N * N, &w.T, (size_t)CHUNK * N, &w.anom, CHUNK, &w.mu, CHUNK, &w.sb));
  PetscCall(PetscMalloc3(N, &w.g, (size_t)PetscMax(CHUNK, N) * N, &w.p1,
                         (size_t)PetscMax(CHUNK, N) * N, &w.p2)); /* also L x L, N x L (L < N) */
  { /* syevd workspace for the largest matrix (N x N); a smaller n needs less */
    PetscBLASInt query = -1, info = 0, opt_liwork = 0;
    PetscReal    opt_lwork = 0;
    LAPACKsyevd_("V", "U", &w.bN, w.A, &w.bN, w.ev, &opt_lwork, &query, &opt_liwork, &query, &info);
    PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB,
               "filter: LAPACK syevd workspace query failed (info %d)", (int)info);
    PetscCall(PetscBLASIntCast(PetscMax((PetscInt)opt_lwork, 1 + 6 * N + 2 * N * N), &w.lwork));
    PetscCall(PetscBLASIntCast(PetscMax((PetscInt)opt_liwork, 3 + 5 * N), &w.liwork));
    PetscCall(PetscMalloc2(w.lwork, &w.work, w.liwork, &w.iwork));
  }

  /* observation space: inflated, R^-1/2-scaled anomalies and innovations; forecast statistics */
  for (PetscInt i = 0; i < nobs; i++) {
    const PetscReal *hx = E->HX + (size_t)i * N, sr = PetscSqrtReal(E->r[i]);
    PetscReal        m = 0, v = 0;
    for (PetscInt j = 0; j < N; j++)
      m += hx[j];
    m /= (PetscReal)N;
    for (PetscInt j = 0; j < N; j++) {
      const PetscReal an     = w.rho * (hx[j] - m);
      w.S[(size_t)i * N + j] = an / sr;
      v += an * an;
    }
    w.ybar[i] = m;
    w.d[i]    = (E->y[i] - m) / sr;
    innov += w.d[i] * w.d[i]; /* in units of the observation's sigma */
    spread += v / (PetscReal)(N - 1) / E->r[i];
  }

  /* the global transform (ETKF, EnKF, ES-MDA; LETKF: parameters, or everything without
   * localization) */
  if (opt->kind == TWIN_FILTER_ENKF || opt->kind == TWIN_FILTER_ESMDA)
    PetscCall(EnKFTransform(&w, opt));
  else {
    w.formT = PETSC_TRUE; /* the global transform serves every row */
    PetscCall(ComputeTransform(&w, nobs, NULL, NULL));
  }
  PetscCall(ApplyAll(&w, E->np, E->P, opt->rtps));
  if (!local) {
    PetscCall(ApplyAll(&w, E->nrow, E->X, opt->rtps));
    PetscCall(ApplyAll(&w, nobs, E->HX, opt->rtps));
  } else {
    PetscCall(PetscMalloc3(nobs + 1, &w.cells, nobs + 1, &w.lidx, nobs + 1, &w.lw));
    w.radius = opt->radius;
    w.obsx   = E->obsx;
    PetscCall(BuildGrid(&w));
    w.formT = PETSC_FALSE; /* a few rows per local transform */
    if (opt->grid > 0)
      PetscCall(LocalRowsGrid(&w, E->nrow, E->X, E->rowx, opt->grid, opt->rtps, &nlocal));
    else
      PetscCall(LocalRows(&w, E->nrow, E->X, E->rowx, opt->rtps, &nlocal));
    PetscCall(LocalRows(&w, nobs, E->HX, E->obsx, opt->rtps, &nlocal));
    PetscCall(PetscFree3(w.cells, w.lidx, w.lw));
  }
  for (PetscInt i = 0; i < nobs; i++) {
    PetscReal m = 0;
    for (PetscInt j = 0; j < N; j++)
      m += E->HX[(size_t)i * N + j];
    m /= (PetscReal)N;
    arms += (E->y[i] - m) * (E->y[i] - m) / E->r[i];
  }
  if (stats) {
    stats->innovation_rms  = nobs ? PetscSqrtReal(innov / (PetscReal)nobs) : 0;
    stats->spread_rms      = nobs ? PetscSqrtReal(spread / (PetscReal)nobs) : 0;
    stats->analysis_rms    = nobs ? PetscSqrtReal(arms / (PetscReal)nobs) : 0;
    stats->nlocal_analyses = nlocal;
  }
  PetscCall(PetscFree2(w.work, w.iwork));
  PetscCall(PetscFree4(w.T, w.anom, w.mu, w.sb));
  PetscCall(PetscFree3(w.g, w.p1, w.p2));
  PetscCall(PetscFree5(w.A, w.Z, w.ev, w.v1, w.v2));
  PetscCall(PetscFree5(w.S, w.d, w.ybar, w.St, w.dl));
  PetscFunctionReturn(0);
}
