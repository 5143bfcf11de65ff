/* twk_elasticity.c: isotropic linear elasticity kernels: element stiffness, consistent body force
 * and surface load vectors, stress recovery at a point and the von Mises equivalent stress. */
#include <math.h>
#include <string.h>
#include "twk_private.h"

void TwkLameFromEnu(double E, double nu, double *lambda, double *mu)
{
  if (lambda) *lambda = E * nu / ((1.0 + nu) * (1.0 - 2.0 * nu));
  if (mu) *mu = E / (2.0 * (1.0 + nu));
}

/* Effective Lame lambda of the model (plane stress uses the reduced law), mu, and the factor
 * multiplying integrals (thickness in 2D, 1 in 3D). */
static void EffectiveMaterial(int dim, const TwkElasticity *mat, double *lam, double *mu, double *t)
{
  *lam = mat->lambda;
  *mu  = mat->mu;
  *t   = 1.0;
  if (dim == 2) {
    *t = mat->thickness;
    if (mat->plane == TWK_PLANE_STRESS)
      *lam = 2.0 * mat->lambda * mat->mu / (mat->lambda + 2.0 * mat->mu);
  }
}

/* Isotropic law on one node block from M[c][d] = sum_q w dNa/dx_c dNb/dx_d:
 * K_ab[c][d] = lam M[c][d] + mu M[d][c] + mu delta_cd tr M; written to block (a,b) and, mirrored,
 * to block (b,a). */
static inline void StoreBlock(int dim, int ndof, int a, int b, double lam, double mu,
                              double M[3][3], double *Ke)
{
  double tr = 0.0;
  for (int c = 0; c < dim; c++)
    tr += M[c][c];
  for (int c = 0; c < dim; c++)
    for (int d = 0; d < dim; d++) {
      double k = lam * M[c][d] + mu * M[d][c] + (c == d ? mu * tr : 0.0);
      Ke[(a * dim + c) * ndof + b * dim + d] = k;
      Ke[(b * dim + d) * ndof + a * dim + c] = k;
    }
}

double TwkElasticityStiffnessReference(const TwkElement *e, const double *X, const TwkElasticity *mat,
                                       double *Ke)
{
  /* G[r*nqp + q]: physical gradient component c of node a (r = a*dim + c) at point q;
   * W[r*nqp + q]: the same scaled by the quadrature weight, |det J| and thickness. Both are
   * contiguous in q so that each node block below is 4 or 9 dot products over the points. */
  double G[TWK_MAX_EDOF * TWK_MAX_QP], W[TWK_MAX_EDOF * TWK_MAX_QP];
  double lam, mu, t, vol = 0.0;
  int    dim = e->dim, n = e->nnodes, ndof = n * dim, nqp = e->nqp, npos = 0, nneg = 0;

  EffectiveMaterial(dim, mat, &lam, &mu, &t);
  for (int q = 0; q < nqp; q++) {
    double        J[9], Jinv[9], scale, det, wdet;
    const double *dN = &e->dN[q * n * dim];

    det = TwkJacobian_Private(dim, e->nverts, &e->dG[q * e->nverts * dim], X, J, Jinv, &scale);
    if (!(fabs(det) > 1e-12 * scale)) return -1.0; /* degenerate (or NaN) */
    if (det > 0)
      npos++;
    else
      nneg++;
    wdet = e->qw[q] * fabs(det) * t;
    vol += wdet;
    for (int a = 0; a < n; a++)
      for (int i = 0; i < dim; i++) {
        double g = 0.0;
        for (int k = 0; k < dim; k++)
          g += dN[a * dim + k] * Jinv[k * dim + i];
        G[(a * dim + i) * nqp + q] = g;
        W[(a * dim + i) * nqp + q] = wdet * g;
      }
  }
  if (npos && nneg) return -1.0;

  /* Blocks b >= a, mirrored into the lower triangle. */
  if (dim == 3) {
    for (int a = 0; a < n; a++) {
      const double *ga0 = &G[(3 * a) * nqp], *ga1 = ga0 + nqp, *ga2 = ga1 + nqp;
      for (int b = a; b < n; b++) {
        const double *wb0 = &W[(3 * b) * nqp], *wb1 = wb0 + nqp, *wb2 = wb1 + nqp;
        double m00 = 0, m01 = 0, m02 = 0, m10 = 0, m11 = 0, m12 = 0, m20 = 0, m21 = 0, m22 = 0;
#pragma omp simd reduction(+ : m00, m01, m02, m10, m11, m12, m20, m21, m22)
        for (int q = 0; q < nqp; q++) {
          m00 += ga0[q] * wb0[q];
          m01 += ga0[q] * wb1[q];
          m02 += ga0[q] * wb2[q];
          m10 += ga1[q] * wb0[q];
          m11 += ga1[q] * wb1[q];
          m12 += ga1[q] * wb2[q];
          m20 += ga2[q] * wb0[q];
          m21 += ga2[q] * wb1[q];
          m22 += ga2[q] * wb2[q];
        }
        double M[3][3] = {{m00, m01, m02}, {m10, m11, m12}, {m20, m21, m22}};
        StoreBlock(3, ndof, a, b, lam, mu, M, Ke);
      }
    }
  } else {
    for (int a = 0; a < n; a++) {
      const double *ga0 = &G[(dim * a) * nqp], *ga1 = ga0 + nqp;
      for (int b = a; b < n; b++) {
        const double *wb0 = &W[(dim * b) * nqp], *wb1 = wb0 + nqp;
        double        m00 = 0, m01 = 0, m10 = 0, m11 = 0;
#pragma omp simd reduction(+ : m00, m01, m10, m11)
        for (int q = 0; q < nqp; q++) {
          m00 += ga0[q] * wb0[q];
          m01 += ga0[q] * wb1[q];
          m10 += ga1[q] * wb0[q];
          m11 += ga1[q] * wb1[q];
        }
        double M[3][3] = {{m00, m01, 0}, {m10, m11, 0}, {0, 0, 0}};
        StoreBlock(2, ndof, a, b, lam, mu, M, Ke);
      }
    }
  }
  return vol;
}

/* Fixed-size 3D stiffness: the loops of TwkElasticityStiffnessReference with the node,
 * quadrature-point and vertex counts known at compile time (always inlined with constants, so
 * the compiler unrolls the Jacobian and gradient loops and vectorizes the point sums). Same
 * operations in the same order as the reference, so the same result up to the association the
 * vectorized point sums choose (both use omp simd reductions). AFFINE: the geometry gradients
 * are the same at every point (order-1 simplex), so the Jacobian is computed once. */
static inline __attribute__((always_inline)) double
Stiffness3D(const TwkElement *e, const double *X, double lam, double mu, double *Ke, const int NN,
            const int NQ, const int NV, const int AFFINE)
{
  double G[3 * NN * NQ], W[3 * NN * NQ]; /* fixed sizes once inlined with constants */
  double J[9] = {0}, Jinv[9] = {0}, scale = 0, det = 0, vol = 0.0;
  int    npos = 0, nneg = 0, ndof = 3 * NN;

  for (int q = 0; q < NQ; q++) {
    const double *dN = &e->dN[q * NN * 3];
    double        wdet;
    if (!AFFINE || q == 0) {
      det = Jacobian3(NV, &e->dG[q * NV * 3], X, J, Jinv, &scale);
      if (!(fabs(det) > 1e-12 * scale)) return -1.0;
    }
    if (det > 0)
      npos++;
    else
      nneg++;
    wdet = e->qw[q] * fabs(det);
    vol += wdet;
    for (int a = 0; a < NN; a++)
      for (int i = 0; i < 3; i++) {
        double g = dN[a * 3 + 0] * Jinv[0 * 3 + i];
        g += dN[a * 3 + 1] * Jinv[1 * 3 + i];
        g += dN[a * 3 + 2] * Jinv[2 * 3 + i];
        G[(a * 3 + i) * NQ + q] = g;
        W[(a * 3 + i) * NQ + q] = wdet * g;
      }
  }
  if (npos && nneg) return -1.0;
  for (int a = 0; a < NN; a++) {
    const double *ga0 = &G[(3 * a) * NQ], *ga1 = ga0 + NQ, *ga2 = ga1 + NQ;
    for (int b = a; b < NN; b++) {
      const double *wb0 = &W[(3 * b) * NQ], *wb1 = wb0 + NQ, *wb2 = wb1 + NQ;
      double m00 = 0, m01 = 0, m02 = 0, m10 = 0, m11 = 0, m12 = 0, m20 = 0, m21 = 0, m22 = 0;
#pragma omp simd reduction(+ : m00, m01, m02, m10, m11, m12, m20, m21, m22)
      for (int q = 0; q < NQ; q++) {
        m00 += ga0[q] * wb0[q];
        m01 += ga0[q] * wb1[q];
        m02 += ga0[q] * wb2[q];
        m10 += ga1[q] * wb0[q];
        m11 += ga1[q] * wb1[q];
        m12 += ga1[q] * wb2[q];
        m20 += ga2[q] * wb0[q];
        m21 += ga2[q] * wb1[q];
        m22 += ga2[q] * wb2[q];
      }
      double M[3][3] = {{m00, m01, m02}, {m10, m11, m12}, {m20, m21, m22}};
      StoreBlock(3, ndof, a, b, lam, mu, M, Ke);
    }
  }
  return vol;
}

/* One function per element, so each has a stack frame of its own size. */
#define TWK_STIFF3D(NAME, NN, NQ, NV, AFFINE)                                                      \
  static __attribute__((noinline)) double NAME(const TwkElement *e, const double *X, double lam,   \
                                               double mu, double *Ke)                              \
  {                                                                                                \
    return Stiffness3D(e, X, lam, mu, Ke, NN, NQ, NV, AFFINE);                                     \
  }
TWK_STIFF3D(StiffnessHex8, 8, 8, 8, 0)
TWK_STIFF3D(StiffnessTet4, 4, 1, 4, 1)
TWK_STIFF3D(StiffnessTet10q4, 10, 4, 4, 1)
TWK_STIFF3D(StiffnessTet10q14, 10, 14, 4, 1)
TWK_STIFF3D(StiffnessHex27, 27, 27, 8, 0)

double TwkElasticityStiffness(const TwkElement *e, const double *X, const TwkElasticity *mat,
                              double *Ke)
{
  double lam, mu, t;

  if (e->dim == 3) {
    EffectiveMaterial(3, mat, &lam, &mu, &t);
    if (e->shape == TWK_CELL_HEX && e->nnodes == 8 && e->nqp == 8) return StiffnessHex8(e, X, lam, mu, Ke);
    if (e->shape == TWK_CELL_TET && e->nnodes == 4 && e->nqp == 1) return StiffnessTet4(e, X, lam, mu, Ke);
    if (e->shape == TWK_CELL_TET && e->nnodes == 10 && e->nqp == 4) return StiffnessTet10q4(e, X, lam, mu, Ke);
    if (e->shape == TWK_CELL_TET && e->nnodes == 10 && e->nqp == 14) return StiffnessTet10q14(e, X, lam, mu, Ke);
    if (e->shape == TWK_CELL_HEX && e->nnodes == 27 && e->nqp == 27) return StiffnessHex27(e, X, lam, mu, Ke);
  }
  return TwkElasticityStiffnessReference(e, X, mat, Ke);
}

void TwkElasticityBodyForce(const TwkElement *e, const double *X, const TwkElasticity *mat,
                            const double *b, double *fe)
{
  int    dim = e->dim, n = e->nnodes;
  double t = (dim == 2 && mat) ? mat->thickness : 1.0;

  for (int q = 0; q < e->nqp; q++) {
    double        J[9], Jinv[9], det, wdet;
    const double *N = &e->N[q * n];

    det  = TwkJacobian_Private(dim, e->nverts, &e->dG[q * e->nverts * dim], X, J, Jinv, NULL);
    wdet = e->qw[q] * fabs(det) * t;
    for (int a = 0; a < n; a++)
      for (int c = 0; c < dim; c++)
        fe[a * dim + c] += wdet * N[a] * b[c];
  }
}

void TwkElasticityBodyForceQP(const TwkElement *e, const double *X, const TwkElasticity *mat,
                              const double *bq, double *fe)
{
  int    dim = e->dim, n = e->nnodes;
  double t = (dim == 2 && mat) ? mat->thickness : 1.0;

  for (int q = 0; q < e->nqp; q++) {
    double        J[9], Jinv[9], det, wdet;
    const double *N = &e->N[q * n];

    det  = TwkJacobian_Private(dim, e->nverts, &e->dG[q * e->nverts * dim], X, J, Jinv, NULL);
    wdet = e->qw[q] * fabs(det) * t;
    for (int a = 0; a < n; a++)
      for (int c = 0; c < dim; c++)
        fe[a * dim + c] += wdet * N[a] * bq[q * dim + c];
  }
}

/* Tangent(s) of a face geometry at a point and the area-scaled normal: in 2D the tangent rotated
 * by -90 degrees, in 3D the cross product of the two tangents. */
static void FaceNormal(int sdim, int nverts, const double *dG, const double *Xf, double *nrm)
{
  double T[2][3] = {{0}};
  int    fdim    = sdim - 1;

  for (int v = 0; v < nverts; v++)
    for (int k = 0; k < fdim; k++)
      for (int i = 0; i < sdim; i++)
        T[k][i] += dG[v * fdim + k] * Xf[v * sdim + i];
  if (sdim == 2) {
    nrm[0] = T[0][1];
    nrm[1] = -T[0][0];
  } else {
    nrm[0] = T[0][1] * T[1][2] - T[0][2] * T[1][1];
    nrm[1] = T[0][2] * T[1][0] - T[0][0] * T[1][2];
    nrm[2] = T[0][0] * T[1][1] - T[0][1] * T[1][0];
  }
}

void TwkSurfaceLoad(const TwkElement *e, int sdim, const double *Xf, const double *inside,
                    const double *traction, double pressure, double thickness, double *fe)
{
  static const double center[3][2] = {{0.0, 0.0}, {1.0 / 3.0, 1.0 / 3.0}, {0.0, 0.0}};
  double              G[TWK_MAX_VERTS], dG[TWK_MAX_VERTS * 3], nc[3], xc[3], s = 0.0;
  int                 n = e->nnodes, nv = e->nverts, ci;

  if (sdim != e->dim + 1 || (sdim != 2 && sdim != 3)) return;
  /* Orientation: sign making the normal at the face centre point away from `inside`. */
  ci = e->shape == TWK_CELL_SEGMENT ? 0 : (e->shape == TWK_CELL_TRI ? 1 : 2);
  TwkShapeBasis_Private(e->shape, 1, center[ci], G, dG);
  FaceNormal(sdim, nv, dG, Xf, nc);
  TwkGeometryMap(e, sdim, Xf, center[ci], xc);
  for (int i = 0; i < sdim; i++)
    s += nc[i] * (xc[i] - inside[i]);
  s = s < 0.0 ? -1.0 : 1.0;

  for (int q = 0; q < e->nqp; q++) {
    double        nq[3], jac = 0.0, f[3];
    const double *N = &e->N[q * n];

    FaceNormal(sdim, nv, &e->dG[q * nv * e->dim], Xf, nq);
    for (int i = 0; i < sdim; i++)
      jac += nq[i] * nq[i];
    jac = sqrt(jac);
    /* f = w * thickness * (t |n_raw| - p s n_raw): the integrand of N_a-weighted traction. */
    for (int i = 0; i < sdim; i++)
      f[i] = e->qw[q] * thickness * ((traction ? traction[i] * jac : 0.0) - pressure * s * nq[i]);
    for (int a = 0; a < n; a++)
      for (int i = 0; i < sdim; i++)
        fe[a * sdim + i] += N[a] * f[i];
  }
}

void TwkElasticityStress(const TwkElement *e, const double *X, const TwkElasticity *mat,
                         const double *ue, const double *xi, double *sigma, double *szz)
{
  double dNdx[TWK_MAX_NODES * 3], H[3][3] = {{0}}, lam, mu, t, tr = 0.0;
  int    dim = e->dim;

  EffectiveMaterial(dim, mat, &lam, &mu, &t);
  TwkPhysicalGradients(e, X, xi, NULL, dNdx);
  for (int a = 0; a < e->nnodes; a++)
    for (int c = 0; c < dim; c++)
      for (int i = 0; i < dim; i++)
        H[c][i] += ue[a * dim + c] * dNdx[a * dim + i];
  for (int c = 0; c < dim; c++)
    tr += H[c][c];
  if (dim == 2) {
    sigma[0] = lam * tr + 2.0 * mu * H[0][0];
    sigma[1] = lam * tr + 2.0 * mu * H[1][1];
    sigma[2] = mu * (H[0][1] + H[1][0]);
    if (szz) *szz = mat->plane == TWK_PLANE_STRESS ? 0.0 : mat->lambda * tr;
  } else {
    sigma[0] = lam * tr + 2.0 * mu * H[0][0];
    sigma[1] = lam * tr + 2.0 * mu * H[1][1];
    sigma[2] = lam * tr + 2.0 * mu * H[2][2];
    sigma[3] = mu * (H[1][2] + H[2][1]);
    sigma[4] = mu * (H[0][2] + H[2][0]);
    sigma[5] = mu * (H[0][1] + H[1][0]);
    if (szz) *szz = sigma[2];
  }
}

double TwkVonMises(int dim, const double *sigma, double szz)
{
  double sx = sigma[0], sy = sigma[1], sz, sh;

  if (dim == 2) {
    sz = szz;
    sh = sigma[2] * sigma[2];
  } else {
    sz = sigma[2];
    sh = sigma[3] * sigma[3] + sigma[4] * sigma[4] + sigma[5] * sigma[5];
  }
  return sqrt(0.5 * ((sx - sy) * (sx - sy) + (sy - sz) * (sy - sz) + (sz - sx) * (sz - sx)) +
              3.0 * sh);
}
