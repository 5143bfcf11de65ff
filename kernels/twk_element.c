/* twk_element.c: reference elements of the kernels: node tables, Lagrange bases (P1/P2 on
 * TRI/TET, Q1/Q2 on SEGMENT/QUAD/HEX), geometry basis and element setup (basis tabulated at the
 * quadrature points). */
#include <string.h>
#include "twk_private.h"

int TwkShapeDim_Private(TwkCellShape shape)
{
  switch (shape) {
  case TWK_CELL_SEGMENT:
    return 1;
  case TWK_CELL_TRI:
  case TWK_CELL_QUAD:
    return 2;
  case TWK_CELL_TET:
  case TWK_CELL_HEX:
    return 3;
  }
  return 0;
}

int TwkShapeNumNodes_Private(TwkCellShape shape, int order)
{
  if (order != 1 && order != 2) return 0;
  switch (shape) {
  case TWK_CELL_SEGMENT:
    return order + 1;
  case TWK_CELL_QUAD:
    return (order + 1) * (order + 1);
  case TWK_CELL_HEX:
    return (order + 1) * (order + 1) * (order + 1);
  case TWK_CELL_TRI:
    return order == 1 ? 3 : 6;
  case TWK_CELL_TET:
    return order == 1 ? 4 : 10;
  }
  return 0;
}

/* Edge midpoint nodes of the order-2 simplices (vertex pairs), in node order after the vertices. */
static const int tri_edges[3][2] = {{0, 1}, {1, 2}, {2, 0}};
static const int tet_edges[6][2] = {{0, 1}, {1, 2}, {2, 0}, {0, 3}, {1, 3}, {2, 3}};

static int SimplexEdges(int dim, const int (**edges)[2])
{
  if (dim == 2) {
    *edges = tri_edges;
    return 3;
  }
  *edges = tet_edges;
  return 6;
}

/* 1D Lagrange basis on [-1,1] with equispaced nodes -1 + 2i/order: values and derivatives. */
static void Lagrange1D(int order, double x, double *n, double *dn)
{
  if (order == 1) {
    n[0]  = 0.5 * (1.0 - x);
    n[1]  = 0.5 * (1.0 + x);
    dn[0] = -0.5;
    dn[1] = 0.5;
  } else {
    n[0]  = 0.5 * x * (x - 1.0);
    n[1]  = 1.0 - x * x;
    n[2]  = 0.5 * x * (x + 1.0);
    dn[0] = x - 0.5;
    dn[1] = -2.0 * x;
    dn[2] = x + 0.5;
  }
}

static void TensorBasis(int dim, int order, const double *xi, double *N, double *dN)
{
  double n[3][3], dn[3][3];
  int    m = order + 1;

  for (int d = 0; d < dim; d++)
    Lagrange1D(order, xi[d], n[d], dn[d]);
  if (dim == 1) {
    for (int i = 0; i < m; i++) {
      N[i] = n[0][i];
      if (dN) dN[i] = dn[0][i];
    }
  } else if (dim == 2) {
    for (int j = 0; j < m; j++)
      for (int i = 0; i < m; i++) {
        int a = i + m * j;
        N[a]  = n[0][i] * n[1][j];
        if (dN) {
          dN[2 * a + 0] = dn[0][i] * n[1][j];
          dN[2 * a + 1] = n[0][i] * dn[1][j];
        }
      }
  } else {
    for (int k = 0; k < m; k++)
      for (int j = 0; j < m; j++)
        for (int i = 0; i < m; i++) {
          int a = i + m * (j + m * k);
          N[a]  = n[0][i] * n[1][j] * n[2][k];
          if (dN) {
            dN[3 * a + 0] = dn[0][i] * n[1][j] * n[2][k];
            dN[3 * a + 1] = n[0][i] * dn[1][j] * n[2][k];
            dN[3 * a + 2] = n[0][i] * n[1][j] * dn[2][k];
          }
        }
  }
}

/* Simplex Lagrange basis through barycentric coordinates L0 = 1 - sum xi, L(i+1) = xi_i. */
static void SimplexBasis(int dim, int order, const double *xi, double *N, double *dN)
{
  double L[4], dL[4][3];
  int    nv = dim + 1;

  L[0] = 1.0;
  for (int d = 0; d < dim; d++) {
    L[0] -= xi[d];
    L[d + 1] = xi[d];
    dL[0][d] = -1.0;
    for (int v = 1; v < nv; v++)
      dL[v][d] = (v - 1 == d) ? 1.0 : 0.0;
  }
  if (order == 1) {
    for (int v = 0; v < nv; v++) {
      N[v] = L[v];
      if (dN)
        for (int d = 0; d < dim; d++)
          dN[v * dim + d] = dL[v][d];
    }
    return;
  }
  for (int v = 0; v < nv; v++) {
    N[v] = L[v] * (2.0 * L[v] - 1.0);
    if (dN)
      for (int d = 0; d < dim; d++)
        dN[v * dim + d] = (4.0 * L[v] - 1.0) * dL[v][d];
  }
  const int(*edges)[2];
  int ne = SimplexEdges(dim, &edges);
  for (int k = 0; k < ne; k++) {
    int i = edges[k][0], j = edges[k][1], a = nv + k;
    N[a] = 4.0 * L[i] * L[j];
    if (dN)
      for (int d = 0; d < dim; d++)
        dN[a * dim + d] = 4.0 * (L[i] * dL[j][d] + L[j] * dL[i][d]);
  }
}

void TwkShapeBasis_Private(TwkCellShape shape, int order, const double *xi, double *N, double *dN)
{
  int dim = TwkShapeDim_Private(shape);
  if (shape == TWK_CELL_TRI || shape == TWK_CELL_TET)
    SimplexBasis(dim, order, xi, N, dN);
  else
    TensorBasis(dim, order, xi, N, dN);
}

/* Reference coordinates of the nodes of a shape at a given order, xi[a*dim + d]. */
static void ShapeNodeCoords(TwkCellShape shape, int order, double *xi)
{
  int dim = TwkShapeDim_Private(shape);

  if (shape == TWK_CELL_TRI || shape == TWK_CELL_TET) {
    int nv = dim + 1;
    for (int v = 0; v < nv; v++)
      for (int d = 0; d < dim; d++)
        xi[v * dim + d] = (v - 1 == d) ? 1.0 : 0.0;
    if (order == 2) {
      const int(*edges)[2];
      int ne = SimplexEdges(dim, &edges);
      for (int k = 0; k < ne; k++)
        for (int d = 0; d < dim; d++)
          xi[(nv + k) * dim + d] = 0.5 * (xi[edges[k][0] * dim + d] + xi[edges[k][1] * dim + d]);
    }
    return;
  }
  int m = order + 1, n = TwkShapeNumNodes_Private(shape, order);
  for (int a = 0; a < n; a++) {
    int idx = a;
    for (int d = 0; d < dim; d++) {
      xi[a * dim + d] = -1.0 + 2.0 * (idx % m) / order;
      idx /= m;
    }
  }
}

int TwkElementSetup(TwkCellShape shape, int order, int qorder, TwkElement *e)
{
  int dim, nnodes, nverts, nqp;

  if (!e) return 1;
  dim    = TwkShapeDim_Private(shape);
  nnodes = TwkShapeNumNodes_Private(shape, order);
  if (!dim || !nnodes) return 2;
  nverts = TwkShapeNumNodes_Private(shape, 1);
  if (qorder <= 0) qorder = 2 * order;
  memset(e, 0, sizeof(*e));
  nqp = TwkQuadrature_Private(shape, qorder, e->qp, e->qw);
  if (nqp <= 0) return 3;
  e->shape  = shape;
  e->dim    = dim;
  e->order  = order;
  e->nnodes = nnodes;
  e->nverts = nverts;
  e->nqp    = nqp;
  for (int q = 0; q < nqp; q++) {
    const double *xi = &e->qp[q * dim];
    TwkShapeBasis_Private(shape, order, xi, &e->N[q * nnodes], &e->dN[q * nnodes * dim]);
    TwkShapeBasis_Private(shape, 1, xi, &e->G[q * nverts], &e->dG[q * nverts * dim]);
  }
  return 0;
}

void TwkElementNodeRefCoords(const TwkElement *e, double *xi)
{
  ShapeNodeCoords(e->shape, e->order, xi);
}

void TwkElementVertexRefCoords(const TwkElement *e, double *xi)
{
  ShapeNodeCoords(e->shape, 1, xi);
}

void TwkBasisEval(const TwkElement *e, const double *xi, double *N, double *dN)
{
  TwkShapeBasis_Private(e->shape, e->order, xi, N, dN);
}
