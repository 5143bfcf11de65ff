/* twk_private.h: helpers shared by the kernel source files (not part of the installed API). */
#ifndef TWINFE_KERNELS_TWK_PRIVATE_H
#define TWINFE_KERNELS_TWK_PRIVATE_H
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

#endif
