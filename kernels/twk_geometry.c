/* twk_geometry.c: the order-1 geometry map of a cell: reference-to-physical map, Jacobian,
 * its determinant and inverse, and physical gradients of the field basis at a point. */
#include <math.h>
#include <string.h>
#include "twk_private.h"

void TwkGeometryMap(const TwkElement *e, int sdim, const double *X, const double *xi, double *x)
{
  double G[TWK_MAX_VERTS];

  TwkShapeBasis_Private(e->shape, 1, xi, G, NULL);
  for (int d = 0; d < sdim; d++)
    x[d] = 0.0;
  for (int v = 0; v < e->nverts; v++)
    for (int d = 0; d < sdim; d++)
      x[d] += G[v] * X[v * sdim + d];
}

double TwkJacobian_Private(int dim, int nverts, const double *dG, const double *X, double *J,
                           double *Jinv, double *scale)
{
  double det, s = 1.0;

  for (int i = 0; i < dim * dim; i++)
    J[i] = 0.0;
  for (int v = 0; v < nverts; v++)
    for (int i = 0; i < dim; i++)
      for (int k = 0; k < dim; k++)
        J[i * dim + k] += X[v * dim + i] * dG[v * dim + k];
  for (int k = 0; k < dim; k++) {
    double c = 0.0;
    for (int i = 0; i < dim; i++)
      c += J[i * dim + k] * J[i * dim + k];
    s *= sqrt(c);
  }
  if (scale) *scale = s;
  if (dim == 1) {
    det = J[0];
    if (det != 0.0) Jinv[0] = 1.0 / det;
  } else if (dim == 2) {
    det = J[0] * J[3] - J[1] * J[2];
    if (det != 0.0) {
      double r = 1.0 / det;
      Jinv[0]  = J[3] * r;
      Jinv[1]  = -J[1] * r;
      Jinv[2]  = -J[2] * r;
      Jinv[3]  = J[0] * r;
    }
  } else
    det = TwkInvert3_Private(J, Jinv);
  return det;
}

double TwkPhysicalGradients(const TwkElement *e, const double *X, const double *xi, double *N,
                            double *dNdx)
{
  double Nl[TWK_MAX_NODES], dN[TWK_MAX_NODES * 3], G[TWK_MAX_VERTS], dG[TWK_MAX_VERTS * 3];
  double J[9], Jinv[9], det;
  int    dim = e->dim, n = e->nnodes;

  TwkShapeBasis_Private(e->shape, e->order, xi, Nl, dN);
  TwkShapeBasis_Private(e->shape, 1, xi, G, dG);
  if (N) memcpy(N, Nl, (size_t)n * sizeof(double));
  det = TwkJacobian_Private(dim, e->nverts, dG, X, J, Jinv, NULL);
  if (!dNdx) return det;
  if (det == 0.0) {
    for (int i = 0; i < n * dim; i++)
      dNdx[i] = 0.0;
    return det;
  }
  for (int a = 0; a < n; a++)
    for (int i = 0; i < dim; i++) {
      double g = 0.0;
      for (int k = 0; k < dim; k++)
        g += dN[a * dim + k] * Jinv[k * dim + i];
      dNdx[a * dim + i] = g;
    }
  return det;
}
