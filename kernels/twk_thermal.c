/* twk_thermal.c: heat-conduction and thermo-elastic kernels: conductivity and consistent
 * capacity matrices, volumetric source, boundary flux, convection and radiation on face
 * elements, the heat flux at a point, and the thermal-strain load and stress of isotropic
 * linear elasticity.
 *
 * Conventions (as the elasticity kernels):
 *  - every integral uses the element's own quadrature and |det J|; the caller chooses qorder.
 *    The capacity and convection matrices are exact when qorder >= 2*order on simplices and
 *    affine tensor cells (the stiffness default); on non-affine QUAD/HEX det J adds degree,
 *    so an exact mass matrix there needs a higher qorder. The radiation integrand is of degree
 *    5*order on an affine face (T^4 N_a); the available rules (degree 7 on tensor faces, 5 on
 *    TRI faces) are exact for order 1, approximate for order 2;
 *  - `thickness` multiplies 2D integrals only (volume e->dim == 2, face sdim == 2) and is
 *    ignored in 3D, which agrees with "pass 1 for 3D";
 *  - face elements have e->dim = sdim - 1, vertices Xf[v*sdim + i], and the area element is
 *    the norm of the face Jacobian's normal, as TwkSurfaceLoad;
 *  - cells with det J = 0 at a point contribute nothing there (degenerate cells are detected
 *    by TwkElasticityStiffness's return value, not here);
 *  - TwkThermalConductivity/Capacity overwrite their matrix; every other kernel adds. The
 *    output arrays Ke/fe of the convection and re/Je of the radiation kernel may be NULL.
 * Thermal stress: sigma_th = beta alpha (T - Tref) on the normal components with
 * beta = 3 lambda + 2 mu (3D and plane strain, 3D Lame constants) and
 * beta = 2 lambda_ps + 2 mu = E / (1 - nu) (plane stress, lambda_ps = 2 lambda mu/(lambda+2mu)).
 */
#include <math.h>
#include <string.h>
#include "twk_private.h"

/* Factor multiplying volume integrals: thickness in 2D, 1 in 3D. */
static inline double Thick(int dim, double thickness)
{
  return dim == 2 ? thickness : 1.0;
}

/* Physical gradients of the field basis at quadrature point q, dNdx[a*dim + i], and the
 * weight w_q |det J| (0, with zero gradients, when det J = 0). */
static double QPGradients(const TwkElement *e, const double *X, int q, double *dNdx)
{
  double        J[9], Jinv[9], det;
  int           dim = e->dim, n = e->nnodes;
  const double *dN = &e->dN[q * n * dim];

  det = TwkJacobian_Private(dim, e->nverts, &e->dG[q * e->nverts * dim], X, J, Jinv, NULL);
  if (!(det != 0.0)) {
    for (int i = 0; i < n * dim; i++)
      dNdx[i] = 0.0;
    return 0.0;
  }
  for (int a = 0; a < n; a++)
    for (int i = 0; i < dim; i++) {
      double g = 0.0;
      for (int k = 0; k < dim; k++)
        g += dN[a * dim + k] * Jinv[k * dim + i];
      dNdx[a * dim + i] = g;
    }
  return e->qw[q] * fabs(det);
}

/* w_q |det J| at quadrature point q of a volume element. */
static inline double QPVolume(const TwkElement *e, const double *X, int q)
{
  double J[9], Jinv[9];
  int    dim = e->dim;
  return e->qw[q] *
         fabs(TwkJacobian_Private(dim, e->nverts, &e->dG[q * e->nverts * dim], X, J, Jinv, NULL));
}

/* w_q times the area element of a face element at quadrature point q: the norm of the
 * tangent rotated by -90 degrees (2D) or of the cross product of the two tangents (3D). */
static double QPFaceArea(const TwkElement *e, int sdim, const double *Xf, int q)
{
  double        T[2][3] = {{0}}, nrm[3];
  int           fdim = e->dim, nv = e->nverts;
  const double *dG = &e->dG[q * nv * fdim];

  for (int v = 0; v < nv; v++)
    for (int k = 0; k < fdim; k++)
      for (int i = 0; i < sdim; i++)
        T[k][i] += dG[v * fdim + k] * Xf[v * sdim + i];
  if (sdim == 2) return e->qw[q] * sqrt(T[0][0] * T[0][0] + T[0][1] * T[0][1]);
  nrm[0] = T[0][1] * T[1][2] - T[0][2] * T[1][1];
  nrm[1] = T[0][2] * T[1][0] - T[0][0] * T[1][2];
  nrm[2] = T[0][0] * T[1][1] - T[0][1] * T[1][0];
  return e->qw[q] * sqrt(nrm[0] * nrm[0] + nrm[1] * nrm[1] + nrm[2] * nrm[2]);
}

/* Symmetric weighted mass-type matrix M[a*n + b] (+)= sum_q W[q] N_a N_b with W[q] the full
 * per-point weight; add != 0 accumulates, otherwise overwrites. */
static void WeightedMass(const TwkElement *e, const double *W, int add, double *M)
{
  double NT[TWK_MAX_NODES * TWK_MAX_QP], WN[TWK_MAX_NODES * TWK_MAX_QP];
  int    n = e->nnodes, nqp = e->nqp;

  for (int q = 0; q < nqp; q++)
    for (int a = 0; a < n; a++) {
      NT[a * nqp + q] = e->N[q * n + a];
      WN[a * nqp + q] = W[q] * e->N[q * n + a];
    }
  for (int a = 0; a < n; a++) {
    const double *na = &NT[a * nqp];
    for (int b = a; b < n; b++) {
      const double *wb = &WN[b * nqp];
      double        m  = 0.0;
#pragma omp simd reduction(+ : m)
      for (int q = 0; q < nqp; q++)
        m += na[q] * wb[q];
      if (add) {
        M[a * n + b] += m;
        if (b != a) M[b * n + a] += m;
      } else {
        M[a * n + b] = m;
        M[b * n + a] = m;
      }
    }
  }
}

void TwkThermalConductivity(const TwkElement *e, const double *X, double k, double thickness,
                            double *Ke)
{
  /* G[r*nqp + q] (r = a*dim + i): physical gradient of node a at point q; W the same scaled by
   * k w |det J| thickness; contiguous in q for the dot products below. */
  double G[TWK_MAX_NODES * 3 * TWK_MAX_QP], W[TWK_MAX_NODES * 3 * TWK_MAX_QP];
  double dNdx[TWK_MAX_NODES * 3], t = Thick(e->dim, thickness);
  int    dim = e->dim, n = e->nnodes, nqp = e->nqp;

  for (int q = 0; q < nqp; q++) {
    double wdet = k * t * QPGradients(e, X, q, dNdx);
    for (int r = 0; r < n * dim; r++) {
      G[r * nqp + q] = dNdx[r];
      W[r * nqp + q] = wdet * dNdx[r];
    }
  }
  for (int a = 0; a < n; a++)
    for (int b = a; b < n; b++) {
      double s = 0.0;
      for (int i = 0; i < dim; i++) {
        const double *ga = &G[(a * dim + i) * nqp], *wb = &W[(b * dim + i) * nqp];
#pragma omp simd reduction(+ : s)
        for (int q = 0; q < nqp; q++)
          s += ga[q] * wb[q];
      }
      Ke[a * n + b] = s;
      Ke[b * n + a] = s;
    }
}

void TwkThermalCapacity(const TwkElement *e, const double *X, double rhoc, double thickness,
                        double *Me)
{
  double W[TWK_MAX_QP], t = Thick(e->dim, thickness);

  for (int q = 0; q < e->nqp; q++)
    W[q] = rhoc * t * QPVolume(e, X, q);
  WeightedMass(e, W, 0, Me);
}

/* Conductivity and capacity of one 3D cell with the counts known at compile time: one Jacobian
 * per point for both (TwkThermalConductivity and TwkThermalCapacity each compute it), the same
 * operations in the same order as those two otherwise. */
static inline __attribute__((always_inline)) void
CondCap3D(const TwkElement *e, const double *X, double kt, double ct, double *Ke, double *Me,
          const int NN, const int NQ, const int NV, const int DOM)
{
  double G[3 * NN * NQ], W[3 * NN * NQ], NT[NN * NQ], WN[NN * NQ];

  for (int q = 0; q < NQ; q++) {
    double        J[9], Jinv[9], scale, det, wq = 0.0;
    const double *dN = &e->dN[q * NN * 3];
    det = Jacobian3(NV, &e->dG[q * NV * 3], X, J, Jinv, &scale);
    if (det != 0.0) wq = e->qw[q] * fabs(det);
    double wk = kt * wq, wm = ct * (e->qw[q] * fabs(det));
    for (int a = 0; a < NN; a++) {
      for (int i = 0; i < 3; i++) {
        double g = 0.0;
        if (det != 0.0) {
          g = dN[a * 3 + 0] * Jinv[0 * 3 + i];
          g += dN[a * 3 + 1] * Jinv[1 * 3 + i];
          g += dN[a * 3 + 2] * Jinv[2 * 3 + i];
        }
        G[(a * 3 + i) * NQ + q] = g;
        W[(a * 3 + i) * NQ + q] = wk * g;
      }
      if (DOM) {
        NT[a * NQ + q] = e->N[q * NN + a];
        WN[a * NQ + q] = wm * e->N[q * NN + a];
      }
    }
  }
  for (int a = 0; a < NN; a++)
    for (int b = a; b < NN; b++) {
      double s = 0.0, m = 0.0;
      for (int i = 0; i < 3; i++) {
        const double *ga = &G[(a * 3 + i) * NQ], *wb = &W[(b * 3 + i) * NQ];
#pragma omp simd reduction(+ : s)
        for (int q = 0; q < NQ; q++)
          s += ga[q] * wb[q];
      }
      Ke[a * NN + b] = s;
      Ke[b * NN + a] = s;
      if (DOM) {
        const double *na = &NT[a * NQ], *wb = &WN[b * NQ];
#pragma omp simd reduction(+ : m)
        for (int q = 0; q < NQ; q++)
          m += na[q] * wb[q];
        Me[a * NN + b] = m;
        Me[b * NN + a] = m;
      }
    }
}

static __attribute__((noinline)) void CondCapHex8(const TwkElement *e, const double *X, double kt,
                                                  double ct, double *Ke, double *Me)
{
  if (Me) CondCap3D(e, X, kt, ct, Ke, Me, 8, 8, 8, 1);
  else CondCap3D(e, X, kt, ct, Ke, NULL, 8, 8, 8, 0);
}
static __attribute__((noinline)) void CondCapTet10(const TwkElement *e, const double *X, double kt,
                                                   double ct, double *Ke, double *Me)
{
  if (Me) CondCap3D(e, X, kt, ct, Ke, Me, 10, 14, 4, 1);
  else CondCap3D(e, X, kt, ct, Ke, NULL, 10, 14, 4, 0);
}

void TwkThermalConductivityCapacity(const TwkElement *e, const double *X, double k, double rhoc,
                                    double thickness, double *Ke, double *Me)
{
  if (e->dim == 3 && e->shape == TWK_CELL_HEX && e->nnodes == 8 && e->nqp == 8) {
    CondCapHex8(e, X, k, rhoc, Ke, Me);
    return;
  }
  if (e->dim == 3 && e->shape == TWK_CELL_TET && e->nnodes == 10 && e->nqp == 14) {
    CondCapTet10(e, X, k, rhoc, Ke, Me);
    return;
  }
  TwkThermalConductivity(e, X, k, thickness, Ke);
  if (Me) TwkThermalCapacity(e, X, rhoc, thickness, Me);
}

void TwkThermalSource(const TwkElement *e, const double *X, double q, double thickness, double *fe)
{
  double t = Thick(e->dim, thickness);
  int    n = e->nnodes;

  for (int p = 0; p < e->nqp; p++) {
    double        w = q * t * QPVolume(e, X, p);
    const double *N = &e->N[p * n];
#pragma omp simd
    for (int a = 0; a < n; a++)
      fe[a] += w * N[a];
  }
}

void TwkThermalFaceFlux(const TwkElement *e, int sdim, const double *Xf, double qn,
                        double thickness, double *fe)
{
  double t = Thick(sdim, thickness);
  int    n = e->nnodes;

  if (sdim != e->dim + 1 || (sdim != 2 && sdim != 3)) return;
  for (int q = 0; q < e->nqp; q++) {
    double        w = qn * t * QPFaceArea(e, sdim, Xf, q);
    const double *N = &e->N[q * n];
#pragma omp simd
    for (int a = 0; a < n; a++)
      fe[a] += w * N[a];
  }
}

void TwkThermalFaceConvection(const TwkElement *e, int sdim, const double *Xf, double h,
                              double Tamb, double thickness, double *Ke, double *fe)
{
  double W[TWK_MAX_QP] = {0}, t = Thick(sdim, thickness);
  int    n = e->nnodes;

  if (sdim != e->dim + 1 || (sdim != 2 && sdim != 3)) return;
  for (int q = 0; q < e->nqp; q++)
    W[q] = h * t * QPFaceArea(e, sdim, Xf, q);
  if (Ke) WeightedMass(e, W, 1, Ke);
  if (fe)
    for (int q = 0; q < e->nqp; q++) {
      const double *N = &e->N[q * n];
      double        w = W[q] * Tamb;
#pragma omp simd
      for (int a = 0; a < n; a++)
        fe[a] += w * N[a];
    }
}

void TwkThermalFaceRadiation(const TwkElement *e, int sdim, const double *Xf, double eps,
                             double Tamb, const double *Te, double thickness, double *re,
                             double *Je)
{
  double W[TWK_MAX_QP] = {0}, t = Thick(sdim, thickness), se = TWK_STEFAN_BOLTZMANN * eps;
  double Ta4 = Tamb * Tamb * Tamb * Tamb;
  int    n   = e->nnodes;

  if (sdim != e->dim + 1 || (sdim != 2 && sdim != 3)) return;
  for (int q = 0; q < e->nqp; q++) {
    const double *N = &e->N[q * n];
    double        T = 0.0, T3, wa = se * t * QPFaceArea(e, sdim, Xf, q);
#pragma omp simd reduction(+ : T)
    for (int b = 0; b < n; b++)
      T += N[b] * Te[b];
    T3   = T * T * T;
    W[q] = 4.0 * wa * T3;
    if (re) {
      double r = wa * (T3 * T - Ta4);
#pragma omp simd
      for (int a = 0; a < n; a++)
        re[a] += r * N[a];
    }
  }
  if (Je) WeightedMass(e, W, 1, Je);
}

void TwkThermalFlux(const TwkElement *e, const double *X, double k, const double *Te,
                    const double *xi, double *q)
{
  double dNdx[TWK_MAX_NODES * 3];
  int    dim = e->dim;

  TwkPhysicalGradients(e, X, xi, NULL, dNdx);
  for (int i = 0; i < dim; i++) {
    double g = 0.0;
    for (int a = 0; a < e->nnodes; a++)
      g += Te[a] * dNdx[a * dim + i];
    q[i] = -k * g;
  }
}

/* beta of the model (the factor of alpha (T - Tref) in the thermal stress) and the factor
 * multiplying integrals (thickness in 2D). */
static void ThermalBeta(int dim, const TwkElasticity *mat, double *beta, double *t)
{
  double lam = mat->lambda, mu = mat->mu;

  *t    = dim == 2 ? mat->thickness : 1.0;
  *beta = 3.0 * lam + 2.0 * mu;
  if (dim == 2 && mat->plane == TWK_PLANE_STRESS)
    *beta = 2.0 * (2.0 * lam * mu / (lam + 2.0 * mu)) + 2.0 * mu;
}

void TwkElasticityThermalLoad(const TwkElement *e, const double *X, const TwkElasticity *mat,
                              double alpha, double Tref, const double *Te, double *fe)
{
  double dNdx[TWK_MAX_NODES * 3], beta, t;
  int    dim = e->dim, n = e->nnodes;

  ThermalBeta(dim, mat, &beta, &t);
  for (int q = 0; q < e->nqp; q++) {
    const double *N = &e->N[q * n];
    double        T = 0.0, wdet = QPGradients(e, X, q, dNdx), s;
    for (int b = 0; b < n; b++)
      T += N[b] * Te[b];
    s = wdet * t * beta * alpha * (T - Tref);
    /* B_a^T sigma_th with sigma_th = s I: component c of node a is dN_a/dx_c s. */
#pragma omp simd
    for (int r = 0; r < n * dim; r++)
      fe[r] += s * dNdx[r];
  }
}

void TwkElasticityThermalStress(const TwkElement *e, const double *X, const TwkElasticity *mat,
                                const double *ue, double alpha, double Tref, const double *Te,
                                const double *xi, double *sigma, double *szz)
{
  double N[TWK_MAX_NODES], beta, t, T = 0.0, sth, zz = 0.0;
  int    dim = e->dim;

  ThermalBeta(dim, mat, &beta, &t);
  TwkElasticityStress(e, X, mat, ue, xi, sigma, &zz);
  TwkBasisEval(e, xi, N, NULL);
  for (int a = 0; a < e->nnodes; a++)
    T += N[a] * Te[a];
  sth = beta * alpha * (T - Tref);
  for (int c = 0; c < dim; c++)
    sigma[c] -= sth;
  if (szz) {
    if (dim == 3)
      *szz = sigma[2];
    else
      *szz = mat->plane == TWK_PLANE_STRESS ? 0.0 : zz - sth;
  }
}
