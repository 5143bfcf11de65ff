/* twk_quadrature.c: quadrature rules on the reference shapes. Gauss-Legendre (1 to 4 points,
 * exact to degree 7) and its tensor products on SEGMENT/QUAD/HEX; symmetric positive-weight rules
 * on the unit TRI (degree 1, 2, 4 and 5; weights sum to 1/2) and TET (degree 1, 2 and 5; weights
 * sum to 1/6). Orbit parameters were solved to 40 digits from the moment equations. */
#include <math.h>
#include "twk_private.h"

/* Gauss-Legendre points and weights on [-1,1] for n = 1..4. */
static void GaussLegendre(int n, double *x, double *w)
{
  switch (n) {
  case 1:
    x[0] = 0.0;
    w[0] = 2.0;
    break;
  case 2:
    x[0] = -0.57735026918962576451, x[1] = 0.57735026918962576451;
    w[0] = w[1] = 1.0;
    break;
  case 3:
    x[0] = -0.77459666924148337704, x[1] = 0.0, x[2] = 0.77459666924148337704;
    w[0] = w[2] = 5.0 / 9.0;
    w[1]        = 8.0 / 9.0;
    break;
  default:
    x[0] = -0.86113631159405257522, x[1] = -0.33998104358485626480;
    x[2] = 0.33998104358485626480, x[3] = 0.86113631159405257522;
    w[0] = w[3] = 0.34785484513745385737;
    w[1] = w[2] = 0.65214515486254614263;
    break;
  }
}

static int TensorRule(int dim, int qorder, double *qp, double *qw)
{
  double x[4], w[4];
  int    n = (qorder + 2) / 2, nqp = 0; /* n points are exact to degree 2n-1 */

  if (n > 4) return -1;
  GaussLegendre(n, x, w);
  int nk = dim > 2 ? n : 1, nj = dim > 1 ? n : 1;
  for (int k = 0; k < nk; k++)
    for (int j = 0; j < nj; j++)
      for (int i = 0; i < n; i++) {
        double *p = &qp[nqp * dim];
        p[0]      = x[i];
        qw[nqp]   = w[i];
        if (dim > 1) p[1] = x[j], qw[nqp] *= w[j];
        if (dim > 2) p[2] = x[k], qw[nqp] *= w[k];
        nqp++;
      }
  return nqp;
}

/* Triangle orbit of (a, a, 1-2a) in barycentric coordinates: 3 points. */
static int TriOrbit3(double a, double w, double *qp, double *qw)
{
  double c       = 1.0 - 2.0 * a;
  double p[3][2] = {{a, a}, {c, a}, {a, c}};
  for (int i = 0; i < 3; i++)
    qp[2 * i] = p[i][0], qp[2 * i + 1] = p[i][1], qw[i] = w;
  return 3;
}

static int TriRule(int qorder, double *qp, double *qw)
{
  int n = 0;
  if (qorder <= 1) {
    qp[0] = qp[1] = 1.0 / 3.0;
    qw[0]         = 0.5;
    return 1;
  }
  if (qorder == 2) return TriOrbit3(1.0 / 6.0, 1.0 / 6.0, qp, qw);
  if (qorder <= 4) { /* Dunavant / Strang-Fix 6 points */
    n += TriOrbit3(0.44594849091596488632, 0.11169079483900573285, qp, qw);
    n += TriOrbit3(0.09157621350977074346, 0.054975871827660933819, qp + 2 * n, qw + n);
    return n;
  }
  if (qorder == 5) { /* Radon 7 points */
    double s = sqrt(15.0);
    qp[0] = qp[1] = 1.0 / 3.0;
    qw[0]         = 9.0 / 80.0;
    n             = 1;
    n += TriOrbit3((6.0 - s) / 21.0, (155.0 - s) / 2400.0, qp + 2 * n, qw + n);
    n += TriOrbit3((6.0 + s) / 21.0, (155.0 + s) / 2400.0, qp + 2 * n, qw + n);
    return n;
  }
  return -1;
}

/* Tetrahedron orbit of (a, a, a, 1-3a): 4 points. */
static int TetOrbit4(double a, double w, double *qp, double *qw)
{
  double c       = 1.0 - 3.0 * a;
  double p[4][3] = {{a, a, a}, {c, a, a}, {a, c, a}, {a, a, c}};
  for (int i = 0; i < 4; i++) {
    for (int d = 0; d < 3; d++)
      qp[3 * i + d] = p[i][d];
    qw[i] = w;
  }
  return 4;
}

/* Tetrahedron orbit of (b, b, 1/2-b, 1/2-b): 6 points. */
static int TetOrbit6(double b, double w, double *qp, double *qw)
{
  double c       = 0.5 - b;
  double p[6][3] = {{b, b, c}, {b, c, b}, {c, b, b}, {c, c, b}, {c, b, c}, {b, c, c}};
  for (int i = 0; i < 6; i++) {
    for (int d = 0; d < 3; d++)
      qp[3 * i + d] = p[i][d];
    qw[i] = w;
  }
  return 6;
}

static int TetRule(int qorder, double *qp, double *qw)
{
  int n = 0;
  if (qorder <= 1) {
    qp[0] = qp[1] = qp[2] = 0.25;
    qw[0]                 = 1.0 / 6.0;
    return 1;
  }
  if (qorder == 2) return TetOrbit4(0.13819660112501051518, 1.0 / 24.0, qp, qw);
  if (qorder <= 5) { /* 14 points, degree 5 (Walkington; Keast), all weights positive */
    n += TetOrbit4(0.092735250310891226402, 0.012248840519393658257, qp, qw);
    n += TetOrbit4(0.3108859192633006098, 0.0187813209530026418, qp + 3 * n, qw + n);
    n += TetOrbit6(0.45449629587435035051, 0.007091003462846911073, qp + 3 * n, qw + n);
    return n;
  }
  return -1;
}

int TwkQuadrature_Private(TwkCellShape shape, int qorder, double *qp, double *qw)
{
  switch (shape) {
  case TWK_CELL_SEGMENT:
    return TensorRule(1, qorder, qp, qw);
  case TWK_CELL_QUAD:
    return TensorRule(2, qorder, qp, qw);
  case TWK_CELL_HEX:
    return TensorRule(3, qorder, qp, qw);
  case TWK_CELL_TRI:
    return TriRule(qorder, qp, qw);
  case TWK_CELL_TET:
    return TetRule(qorder, qp, qw);
  }
  return -1;
}
