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

double TwkElasticityStiffness(const TwkElement *e, const double *X, const TwkElasticity *mat,
                              double *Ke)
{
  /* Gt[r*nqp + q]: physical gradient component c of node a (r = a*dim + c) at point q;
   * W[q*ndof + r]: the same scaled by the quadrature weight, |det J| and thickness. */
  double Gt[TWK_MAX_EDOF * TWK_MAX_QP], W[TWK_MAX_QP * TWK_MAX_EDOF];
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
        Gt[(a * dim + i) * nqp + q] = g;
        W[q * ndof + a * dim + i]   = wdet * g;
      }
  }
  if (npos && nneg) return -1.0;

  /* Upper block triangle of M[(a,c)][(b,d)] = sum_q w dNa/dx_c dNb/dx_d, b >= a. */
  for (int r = 0; r < ndof; r++) {
    double *Kr = &Ke[r * ndof];
    int     c0 = (r / dim) * dim;
#pragma omp simd
    for (int col = c0; col < ndof; col++)
      Kr[col] = 0.0;
    for (int q = 0; q < nqp; q++) {
      const double  g  = Gt[r * nqp + q];
      const double *Wq = &W[q * ndof];
#pragma omp simd
      for (int col = c0; col < ndof; col++)
        Kr[col] += g * Wq[col];
    }
  }
  /* Isotropic law per node block: K_ab[c][d] = lam M_ab[c][d] + mu M_ab[d][c] + mu delta_cd tr
   * M_ab. */
  for (int a = 0; a < n; a++)
    for (int b = a; b < n; b++) {
      double M[3][3], tr = 0.0;
      for (int c = 0; c < dim; c++)
        for (int d = 0; d < dim; d++)
          M[c][d] = Ke[(a * dim + c) * ndof + b * dim + d];
      for (int c = 0; c < dim; c++)
        tr += M[c][c];
      for (int c = 0; c < dim; c++)
        for (int d = 0; d < dim; d++)
          Ke[(a * dim + c) * ndof + b * dim + d] =
              lam * M[c][d] + mu * M[d][c] + (c == d ? mu * tr : 0.0);
    }
  /* Mirror to the lower triangle (diagonal blocks are already symmetric). */
  for (int r = 0; r < ndof; r++)
    for (int col = (r / dim + 1) * dim; col < ndof; col++)
      Ke[col * ndof + r] = Ke[r * ndof + col];
  return vol;
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
