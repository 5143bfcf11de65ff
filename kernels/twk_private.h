/* twk_private.h: helpers shared by the kernel source files (not part of the installed API). */
#ifndef TWINFE_KERNELS_TWK_PRIVATE_H
#define TWINFE_KERNELS_TWK_PRIVATE_H
#include <math.h>
#include "twk.h"

/* Reference dimension of a shape (SEGMENT 1, TRI/QUAD 2, TET/HEX 3). */
int TwkShapeDim_Private(TwkCellShape shape);

/* Number of Lagrange nodes of a shape at order 1 or 2; 0 for an unsupported combination. */
int TwkShapeNumNodes_Private(TwkCellShape shape, int order);

/* Lagrange basis of a shape and order at the reference point xi: N[a] and, when dN != NULL,
 * reference gradients dN[a*dim + d]. */
void TwkShapeBasis_Private(TwkCellShape shape, int order, const double *xi, double *N, double *dN);

/* Quadrature rule exact for polynomials of degree qorder on the reference shape: fills
 * qp[q*dim + d] and qw[q] (at most TWK_MAX_QP points) and returns the number of points, or -1
 * when no rule of that degree is available. */
int TwkQuadrature_Private(TwkCellShape shape, int qorder, double *qp, double *qw);

/* Jacobian J[i*dim + k] = dx_i/dxi_k of the geometry map at one point, given the geometry
 * reference gradients dG[v*dim + k] and vertex coordinates X[v*dim + i]; its inverse
 * Jinv[k*dim + i] = dxi_k/dx_i is written when the determinant is nonzero. Returns det J and,
 * in *scale, the product of the column norms of J (a bound on |det J| used to detect
 * degenerate cells). */
double TwkJacobian_Private(int dim, int nverts, const double *dG, const double *X, double *J,
                           double *Jinv, double *scale);

/* Determinant of the 3 x 3 matrix J (row-major) and, when it is nonzero, its inverse. */
static inline __attribute__((always_inline)) double TwkInvert3_Private(const double *J,
                                                                       double       *Jinv)
{
  double c00 = J[4] * J[8] - J[5] * J[7];
  double c01 = J[5] * J[6] - J[3] * J[8];
  double c02 = J[3] * J[7] - J[4] * J[6];
  double det = J[0] * c00 + J[1] * c01 + J[2] * c02;
  if (det != 0.0) {
    double r = 1.0 / det;
    Jinv[0]  = c00 * r;
    Jinv[1]  = (J[2] * J[7] - J[1] * J[8]) * r;
    Jinv[2]  = (J[1] * J[5] - J[2] * J[4]) * r;
    Jinv[3]  = c01 * r;
    Jinv[4]  = (J[0] * J[8] - J[2] * J[6]) * r;
    Jinv[5]  = (J[2] * J[3] - J[0] * J[5]) * r;
    Jinv[6]  = c02 * r;
    Jinv[7]  = (J[1] * J[6] - J[0] * J[7]) * r;
    Jinv[8]  = (J[0] * J[4] - J[1] * J[3]) * r;
  }
  return det;
}

/* TwkJacobian_Private for dim 3 with NV vertices known at compile time (same operations). */
static inline __attribute__((always_inline)) double
Jacobian3(const int NV, const double *dG, const double *X, double *J, double *Jinv, double *scale)
{
  double det, s = 1.0;

  for (int i = 0; i < 9; i++)
    J[i] = 0.0;
  for (int v = 0; v < NV; v++)
    for (int i = 0; i < 3; i++)
      for (int k = 0; k < 3; k++)
        J[i * 3 + k] += X[v * 3 + i] * dG[v * 3 + k];
  for (int k = 0; k < 3; k++) {
    double c = 0.0;
    for (int i = 0; i < 3; i++)
      c += J[i * 3 + k] * J[i * 3 + k];
    s *= sqrt(c);
  }
  *scale = s;
  det    = TwkInvert3_Private(J, Jinv);
  return det;
}

#endif
