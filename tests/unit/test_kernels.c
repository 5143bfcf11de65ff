/* test_kernels.c: CUnit suite of the pure finite-element kernels (kernels/twk.h): bases, node
 * tables, quadrature exactness, element stiffness against hand-computed matrices, rigid-body
 * null space, constant-strain patch checks, body force, surface load and von Mises stress. */
#include <math.h>
#include <string.h>
#include "suites.h"
#include "twk.h"

/* The eight volume element types: shape and field order. */
static const struct {
  TwkCellShape shape;
  int          order;
  const char  *name;
} elem_types[] = {
    {TWK_CELL_TRI, 1, "tri3"},   {TWK_CELL_TRI, 2, "tri6"},  {TWK_CELL_QUAD, 1, "quad4"},
    {TWK_CELL_QUAD, 2, "quad9"}, {TWK_CELL_TET, 1, "tet4"},  {TWK_CELL_TET, 2, "tet10"},
    {TWK_CELL_HEX, 1, "hex8"},   {TWK_CELL_HEX, 2, "hex27"},
};
#define NTYPES ((int)(sizeof(elem_types) / sizeof(elem_types[0])))

static TwkElement elem; /* large: keep it off the stack */

static double MaxAbs(int n, const double *v)
{
  double m = 0.0;
  for (int i = 0; i < n; i++)
    if (fabs(v[i]) > m) m = fabs(v[i]);
  return m;
}

/* A distorted but valid cell: vertices = b + A xi + a smooth per-vertex perturbation (which
 * makes QUAD/HEX cells genuinely non-affine). X[v*dim + i]. */
static void DistortedCell(const TwkElement *e, double *X)
{
  static const double A[3][3] = {{1.1, 0.2, 0.1}, {-0.15, 0.9, 0.2}, {0.05, -0.1, 1.2}};
  static const double b[3]    = {0.3, -0.2, 0.5};
  double              xi[TWK_MAX_VERTS * 3];
  int                 dim = e->dim;

  TwkElementVertexRefCoords(e, xi);
  for (int v = 0; v < e->nverts; v++)
    for (int i = 0; i < dim; i++) {
      X[v * dim + i] = b[i] + 0.08 * sin(1.3 * v + 2.1 * i + 0.4);
      for (int k = 0; k < dim; k++)
        X[v * dim + i] += A[i][k] * xi[v * dim + k];
    }
}

/* Physical coordinates of the field nodes of a cell, x[a*dim + i]. */
static void NodeCoords(const TwkElement *e, const double *X, double *x)
{
  double xi[TWK_MAX_NODES * 3];
  TwkElementNodeRefCoords(e, xi);
  for (int a = 0; a < e->nnodes; a++)
    TwkGeometryMap(e, e->dim, X, &xi[a * e->dim], &x[a * e->dim]);
}

/* ---------------------------------------------------------------- bases and node tables */

static void test_basis_kronecker_unity(void)
{
  static const TwkCellShape shapes[] = {TWK_CELL_SEGMENT, TWK_CELL_TRI, TWK_CELL_QUAD, TWK_CELL_TET,
                                        TWK_CELL_HEX};
  static const int          nn[5][2] = {{2, 3}, {3, 6}, {4, 9}, {4, 10}, {8, 27}};
  for (int s = 0; s < 5; s++)
    for (int order = 1; order <= 2; order++) {
      double xi[TWK_MAX_NODES * 3], N[TWK_MAX_NODES], dN[TWK_MAX_NODES * 3];
      CU_ASSERT_EQUAL_FATAL(TwkElementSetup(shapes[s], order, 0, &elem), 0);
      CU_ASSERT_EQUAL(elem.nnodes, nn[s][order - 1]);
      CU_ASSERT_EQUAL(elem.nverts, nn[s][0]);
      int dim = elem.dim, n = elem.nnodes;
      TwkElementNodeRefCoords(&elem, xi);
      /* Kronecker property at every node, gradients summing to zero there. */
      for (int a = 0; a < n; a++) {
        TwkBasisEval(&elem, &xi[a * dim], N, dN);
        for (int b = 0; b < n; b++)
          CU_ASSERT_DOUBLE_EQUAL(N[b], a == b ? 1.0 : 0.0, 1e-14);
        for (int d = 0; d < dim; d++) {
          double g = 0.0;
          for (int b = 0; b < n; b++)
            g += dN[b * dim + d];
          CU_ASSERT_DOUBLE_EQUAL(g, 0.0, 1e-13);
        }
      }
      /* Partition of unity, zero gradient sum, and gradients matching central differences at
       * every quadrature point (interior points of the cell). */
      for (int q = 0; q < elem.nqp; q++) {
        const double *p   = &elem.qp[q * dim];
        double        sum = 0.0;
        for (int b = 0; b < n; b++)
          sum += elem.N[q * n + b];
        CU_ASSERT_DOUBLE_EQUAL(sum, 1.0, 1e-14);
        for (int d = 0; d < dim; d++) {
          double g = 0.0, pp[3], pm[3], Np[TWK_MAX_NODES], Nm[TWK_MAX_NODES], h = 1e-6;
          for (int b = 0; b < n; b++)
            g += elem.dN[(q * n + b) * dim + d];
          CU_ASSERT_DOUBLE_EQUAL(g, 0.0, 1e-13);
          memcpy(pp, p, dim * sizeof(double));
          memcpy(pm, p, dim * sizeof(double));
          pp[d] += h;
          pm[d] -= h;
          TwkBasisEval(&elem, pp, Np, NULL);
          TwkBasisEval(&elem, pm, Nm, NULL);
          for (int b = 0; b < n; b++)
            CU_ASSERT_DOUBLE_EQUAL(elem.dN[(q * n + b) * dim + d], (Np[b] - Nm[b]) / (2 * h), 1e-8);
        }
        /* The geometry basis is the order-1 basis. */
        double G[TWK_MAX_VERTS];
        sum = 0.0;
        for (int v = 0; v < elem.nverts; v++)
          sum += elem.G[q * elem.nverts + v];
        CU_ASSERT_DOUBLE_EQUAL(sum, 1.0, 1e-14);
        TwkElement e1;
        CU_ASSERT_EQUAL_FATAL(TwkElementSetup(shapes[s], 1, 1, &e1), 0);
        TwkBasisEval(&e1, p, G, NULL);
        for (int v = 0; v < elem.nverts; v++)
          CU_ASSERT_DOUBLE_EQUAL(elem.G[q * elem.nverts + v], G[v], 1e-15);
      }
    }
}

static void test_node_tables(void)
{
  double xi[TWK_MAX_NODES * 3];
  /* TRI6 edge nodes 3:(0,1) 4:(1,2) 5:(2,0). */
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TRI, 2, 0, &elem), 0);
  TwkElementNodeRefCoords(&elem, xi);
  static const double tri6[6][2] = {{0, 0}, {1, 0}, {0, 1}, {0.5, 0}, {0.5, 0.5}, {0, 0.5}};
  for (int a = 0; a < 6; a++)
    for (int d = 0; d < 2; d++)
      CU_ASSERT_DOUBLE_EQUAL(xi[a * 2 + d], tri6[a][d], 0);
  /* TET10 edge nodes 4:(0,1) 5:(1,2) 6:(2,0) 7:(0,3) 8:(1,3) 9:(2,3). */
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TET, 2, 0, &elem), 0);
  TwkElementNodeRefCoords(&elem, xi);
  static const double tet10[10][3] = {{0, 0, 0},     {1, 0, 0},     {0, 1, 0},   {0, 0, 1},
                                      {0.5, 0, 0},   {0.5, 0.5, 0}, {0, 0.5, 0}, {0, 0, 0.5},
                                      {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  for (int a = 0; a < 10; a++)
    for (int d = 0; d < 3; d++)
      CU_ASSERT_DOUBLE_EQUAL(xi[a * 3 + d], tet10[a][d], 0);
  /* HEX27 lexicographic, x fastest: node i + 3(j + 3k) at (-1 + i, -1 + j, -1 + k). */
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_HEX, 2, 0, &elem), 0);
  TwkElementNodeRefCoords(&elem, xi);
  for (int k = 0; k < 3; k++)
    for (int j = 0; j < 3; j++)
      for (int i = 0; i < 3; i++) {
        int a = i + 3 * (j + 3 * k);
        CU_ASSERT_DOUBLE_EQUAL(xi[a * 3 + 0], -1.0 + i, 0);
        CU_ASSERT_DOUBLE_EQUAL(xi[a * 3 + 1], -1.0 + j, 0);
        CU_ASSERT_DOUBLE_EQUAL(xi[a * 3 + 2], -1.0 + k, 0);
      }
  /* HEX8 vertices in the same order: vertex 6 = (i,j,k) = (0,1,1). */
  TwkElementVertexRefCoords(&elem, xi);
  CU_ASSERT_DOUBLE_EQUAL(xi[6 * 3 + 0], -1.0, 0);
  CU_ASSERT_DOUBLE_EQUAL(xi[6 * 3 + 1], 1.0, 0);
  CU_ASSERT_DOUBLE_EQUAL(xi[6 * 3 + 2], 1.0, 0);
  /* QUAD9: node 5 = (i,j) = (2,1) at (1,0). */
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_QUAD, 2, 0, &elem), 0);
  TwkElementNodeRefCoords(&elem, xi);
  CU_ASSERT_DOUBLE_EQUAL(xi[5 * 2 + 0], 1.0, 0);
  CU_ASSERT_DOUBLE_EQUAL(xi[5 * 2 + 1], 0.0, 0);
}

static void test_setup_errors(void)
{
  CU_ASSERT_NOT_EQUAL(TwkElementSetup(TWK_CELL_TRI, 3, 0, &elem), 0);
  CU_ASSERT_NOT_EQUAL(TwkElementSetup(TWK_CELL_HEX, 0, 0, &elem), 0);
  CU_ASSERT_NOT_EQUAL(TwkElementSetup(TWK_CELL_QUAD, 1, 8, &elem), 0); /* > 4 Gauss points */
  CU_ASSERT_NOT_EQUAL(TwkElementSetup(TWK_CELL_TET, 1, 6, &elem), 0);
  CU_ASSERT_NOT_EQUAL(TwkElementSetup(TWK_CELL_TRI, 1, 6, &elem), 0);
  /* Defaults: 2*order. */
  CU_ASSERT_EQUAL(TwkElementSetup(TWK_CELL_HEX, 2, 0, &elem), 0);
  CU_ASSERT_EQUAL(elem.nqp, 27);
  CU_ASSERT_EQUAL(TwkElementSetup(TWK_CELL_HEX, 1, 0, &elem), 0);
  CU_ASSERT_EQUAL(elem.nqp, 8);
  CU_ASSERT_EQUAL(TwkElementSetup(TWK_CELL_HEX, 1, 7, &elem), 0);
  CU_ASSERT_EQUAL(elem.nqp, 64);
}

/* ---------------------------------------------------------------- quadrature */

static double Factorial(int n)
{
  double f = 1.0;
  for (int i = 2; i <= n; i++)
    f *= i;
  return f;
}

/* Exact integral of x^p[0] y^p[1] z^p[2] over the reference shape. */
static double ExactMonomial(TwkCellShape shape, int dim, const int *p)
{
  if (shape == TWK_CELL_TRI || shape == TWK_CELL_TET) {
    double num = 1.0;
    int    s   = 0;
    for (int d = 0; d < dim; d++)
      num *= Factorial(p[d]), s += p[d];
    return num / Factorial(s + dim);
  }
  double v = 1.0;
  for (int d = 0; d < dim; d++)
    v *= (p[d] % 2) ? 0.0 : 2.0 / (p[d] + 1);
  return v;
}

static void test_quadrature_exactness(void)
{
  static const struct {
    TwkCellShape shape;
    int          maxdeg;
  } rules[] = {{TWK_CELL_SEGMENT, 7},
               {TWK_CELL_QUAD, 7},
               {TWK_CELL_HEX, 7},
               {TWK_CELL_TRI, 5},
               {TWK_CELL_TET, 5}};
  for (int r = 0; r < 5; r++)
    for (int deg = 1; deg <= rules[r].maxdeg; deg++) {
      CU_ASSERT_EQUAL_FATAL(TwkElementSetup(rules[r].shape, 1, deg, &elem), 0);
      int dim = elem.dim, p[3] = {0, 0, 0};
      for (int q = 0; q < elem.nqp; q++)
        CU_ASSERT(elem.qw[q] > 0.0);
      /* Every monomial of total degree <= deg. */
      for (p[2] = 0; p[2] <= (dim > 2 ? deg : 0); p[2]++)
        for (p[1] = 0; p[1] <= (dim > 1 ? deg : 0); p[1]++)
          for (p[0] = 0; p[0] <= deg; p[0]++) {
            if (p[0] + p[1] + p[2] > deg) continue;
            double s = 0.0;
            for (int q = 0; q < elem.nqp; q++) {
              double m = elem.qw[q];
              for (int d = 0; d < dim; d++)
                m *= pow(elem.qp[q * dim + d], p[d]);
              s += m;
            }
            CU_ASSERT_DOUBLE_EQUAL(s, ExactMonomial(rules[r].shape, dim, p), 1e-14);
          }
    }
  /* Reference measures: weights sum to 1/2 (tri), 1/6 (tet). */
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TET, 2, 4, &elem), 0);
  double s = 0.0;
  for (int q = 0; q < elem.nqp; q++)
    s += elem.qw[q];
  CU_ASSERT_DOUBLE_EQUAL(s, 1.0 / 6.0, 1e-15);
}

/* ---------------------------------------------------------------- stiffness */

/* Unit right triangle (0,0),(1,0),(0,1), P1, plane strain, E = 1, nu = 0.25, thickness 1:
 * lambda = E nu/((1+nu)(1-2nu)) = 0.4, mu = E/(2(1+nu)) = 0.4, lambda + 2mu = 1.2.
 * Gradients g0 = (-1,-1), g1 = (1,0), g2 = (0,1), area 1/2; K_ab = (1/2) B_a^T D B_b with
 *   K_ab[x][x] = (l+2m) ax bx + m ay by,  K_ab[x][y] = l ax by + m ay bx,
 *   K_ab[y][x] = l ay bx + m ax by,       K_ab[y][y] = (l+2m) ay by + m ax bx.
 * E.g. K_00 = (1/2)[[1.6, 0.8], [0.8, 1.6]], K_01 = (1/2)[[-1.2, -0.4], [-0.4, -0.4]],
 * K_02 = (1/2)[[-0.4, -0.4], [-0.4, -1.2]], K_11 = (1/2)[[1.2, 0], [0, 0.4]],
 * K_12 = (1/2)[[0, 0.4], [0.4, 0]], K_22 = (1/2)[[0.4, 0], [0, 1.2]]. */
static void test_stiffness_tri3_plane_strain(void)
{
  static const double K[6][6] = {
      {0.8, 0.4, -0.6, -0.2, -0.2, -0.2}, {0.4, 0.8, -0.2, -0.2, -0.2, -0.6},
      {-0.6, -0.2, 0.6, 0.0, 0.0, 0.2},   {-0.2, -0.2, 0.0, 0.2, 0.2, 0.0},
      {-0.2, -0.2, 0.0, 0.2, 0.2, 0.0},   {-0.2, -0.6, 0.2, 0.0, 0.0, 0.6},
  };
  double        X[6] = {0, 0, 1, 0, 0, 1}, Ke[36], vol;
  TwkElasticity mat  = {.plane = TWK_PLANE_STRAIN, .thickness = 1.0};

  TwkLameFromEnu(1.0, 0.25, &mat.lambda, &mat.mu);
  CU_ASSERT_DOUBLE_EQUAL(mat.lambda, 0.4, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(mat.mu, 0.4, 1e-15);
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TRI, 1, 0, &elem), 0);
  vol = TwkElasticityStiffness(&elem, X, &mat, Ke);
  CU_ASSERT_DOUBLE_EQUAL(vol, 0.5, 1e-15);
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++)
      CU_ASSERT_DOUBLE_EQUAL(Ke[i * 6 + j], K[i][j], 1e-14);

  /* Clockwise vertex order (consistently inverted): same matrix with permuted nodes. */
  double Xc[6] = {0, 0, 0, 1, 1, 0}, Kc[36];
  vol          = TwkElasticityStiffness(&elem, Xc, &mat, Kc);
  CU_ASSERT_DOUBLE_EQUAL(vol, 0.5, 1e-15);
  int perm[3] = {0, 2, 1}; /* node a of the clockwise cell is node perm[a] of the original */
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 2; c++)
        for (int d = 0; d < 2; d++)
          CU_ASSERT_DOUBLE_EQUAL(Kc[(a * 2 + c) * 6 + b * 2 + d],
                                 K[perm[a] * 2 + c][perm[b] * 2 + d], 1e-14);
  /* Thickness multiplies; plane strain ignores nothing else. */
  mat.thickness = 2.5;
  vol           = TwkElasticityStiffness(&elem, X, &mat, Ke);
  CU_ASSERT_DOUBLE_EQUAL(vol, 1.25, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(Ke[0], 2.5 * 0.8, 1e-14);
}

/* Unit square [0,1]^2, Q1, plane stress, thickness 1, lexicographic nodes 0:(0,0) 1:(1,0)
 * 2:(0,1) 3:(1,1), c = E/(1-nu^2), D = c [[1, nu, 0], [nu, 1, 0], [0, 0, (1-nu)/2]].
 * With int (1-y)^2 = 1/3, int y(1-y) = 1/6, int (1-x)(1-y) = 1/4 on the square:
 *   K[u0][u0] = c (1/3 + (1-nu)/2 1/3)              = c (1/2 - nu/6)   = c k1
 *   K[u0][v0] = c (nu/4 + (1-nu)/2 1/4)             = c (1/8 + nu/8)   = c k2
 *   K[u0][u1] = c (-1/3 + (1-nu)/2 1/6)             = c (-1/4 - nu/12) = c k3
 *   K[u0][v1] = c (nu/4 - (1-nu)/2 1/4)             = c (-1/8 + 3nu/8) = c k4
 *   K[u0][u3] = c (-1/6 - (1-nu)/2 1/6)             = c (-1/4 + nu/12) = c k5
 *   K[u0][v3] = c (-nu/4 - (1-nu)/2 1/4)            = c (-1/8 - nu/8)  = c k6
 *   K[u0][u2] = c (1/6 - (1-nu)/2 1/3)              = c nu/6           = c k7
 *   K[u0][v2] = c (-nu/4 + (1-nu)/2 1/4)            = c (1/8 - 3nu/8)  = c k8
 *   K[v0][u1] = c k8, K[v0][v1] = c k7, K[v0][u2] = c k4, K[v0][v2] = c k3. */
static void test_stiffness_quad4_plane_stress(void)
{
  double E = 2.0, nu = 0.3, c = E / (1 - nu * nu), Ke[64], vol;
  double k[9] = {0,
                 0.5 - nu / 6,
                 0.125 + nu / 8,
                 -0.25 - nu / 12,
                 -0.125 + 3 * nu / 8,
                 -0.25 + nu / 12,
                 -0.125 - nu / 8,
                 nu / 6,
                 0.125 - 3 * nu / 8};
  /* Expected row u0 and row v0 (columns u0 v0 u1 v1 u2 v2 u3 v3). */
  int           row0[8] = {1, 2, 3, 4, 7, 8, 5, 6}, row1[8] = {2, 1, 8, 7, 4, 3, 6, 5};
  TwkElasticity mat = {.plane = TWK_PLANE_STRESS, .thickness = 1.0};

  TwkLameFromEnu(E, nu, &mat.lambda, &mat.mu);
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_QUAD, 1, 0, &elem), 0);
  for (int scale = 1; scale <= 2; scale++) { /* 2D stiffness is independent of the size */
    double X[8] = {0, 0, scale, 0, 0, scale, scale, scale};
    vol         = TwkElasticityStiffness(&elem, X, &mat, Ke);
    CU_ASSERT_DOUBLE_EQUAL(vol, scale * scale, 1e-14);
    for (int j = 0; j < 8; j++) {
      CU_ASSERT_DOUBLE_EQUAL(Ke[0 * 8 + j], c * k[row0[j]], 1e-14);
      CU_ASSERT_DOUBLE_EQUAL(Ke[1 * 8 + j], c * k[row1[j]], 1e-14);
    }
    for (int i = 0; i < 8; i++)
      CU_ASSERT_DOUBLE_EQUAL(Ke[i * 8 + i], c * k[1], 1e-14);
  }
}

/* Symmetry, rigid-body null space and the energy of a constant strain on a distorted cell. */
static void test_stiffness_all_types(void)
{
  static double Ke[TWK_MAX_EDOF * TWK_MAX_EDOF];
  for (int t = 0; t < NTYPES; t++)
    for (int model = 0; model < 2; model++) {
      double        X[TWK_MAX_VERTS * 3], x[TWK_MAX_NODES * 3], r[TWK_MAX_EDOF], Kr[TWK_MAX_EDOF];
      TwkElasticity mat = {.plane = model ? TWK_PLANE_STRAIN : TWK_PLANE_STRESS, .thickness = 0.7};
      TwkLameFromEnu(210.0, 0.3, &mat.lambda, &mat.mu);
      CU_ASSERT_EQUAL_FATAL(TwkElementSetup(elem_types[t].shape, elem_types[t].order, 0, &elem), 0);
      int dim = elem.dim, n = elem.nnodes, ndof = n * dim;
      if (dim == 3 && model) continue; /* the plane model is ignored in 3D */
      DistortedCell(&elem, X);
      NodeCoords(&elem, X, x);
      double vol = TwkElasticityStiffness(&elem, X, &mat, Ke);
      CU_ASSERT(vol > 0.0);
      double kmax = MaxAbs(ndof * ndof, Ke);
      for (int i = 0; i < ndof; i++) {
        CU_ASSERT(Ke[i * ndof + i] > 0.0);
        for (int j = 0; j < i; j++)
          CU_ASSERT(fabs(Ke[i * ndof + j] - Ke[j * ndof + i]) <= 1e-14 * kmax);
      }
      /* Rigid modes: translations and infinitesimal rotations. */
      int nmodes = dim == 2 ? 3 : 6;
      for (int m = 0; m < nmodes; m++) {
        for (int a = 0; a < n; a++) {
          const double *p    = &x[a * dim];
          double        u[3] = {0, 0, 0};
          if (m < dim)
            u[m] = 1.0;
          else if (m == dim)
            u[0] = -p[1], u[1] = p[0];
          else if (m == 4)
            u[1] = -p[2], u[2] = p[1];
          else
            u[0] = p[2], u[2] = -p[0];
          for (int c = 0; c < dim; c++)
            r[a * dim + c] = u[c];
        }
        for (int i = 0; i < ndof; i++) {
          Kr[i] = 0.0;
          for (int j = 0; j < ndof; j++)
            Kr[i] += Ke[i * ndof + j] * r[j];
        }
        CU_ASSERT(MaxAbs(ndof, Kr) <= 1e-12 * kmax * MaxAbs(ndof, r));
      }
      /* Constant strain u = H x (H symmetric): u^T K u = vol * sigma:eps exactly. */
      static const double H[3][3] = {
          {0.01, 0.02, -0.01}, {0.02, -0.03, 0.015}, {-0.01, 0.015, 0.02}};
      double lam = mat.lambda, mu = mat.mu, tr = 0.0, ee = 0.0, uKu = 0.0;
      if (dim == 2 && mat.plane == TWK_PLANE_STRESS) lam = 2 * lam * mu / (lam + 2 * mu);
      for (int c = 0; c < dim; c++) {
        tr += H[c][c];
        for (int d = 0; d < dim; d++)
          ee += H[c][d] * H[c][d];
      }
      for (int a = 0; a < n; a++)
        for (int c = 0; c < dim; c++) {
          r[a * dim + c] = 0.0;
          for (int d = 0; d < dim; d++)
            r[a * dim + c] += H[c][d] * x[a * dim + d];
        }
      for (int i = 0; i < ndof; i++)
        for (int j = 0; j < ndof; j++)
          uKu += r[i] * Ke[i * ndof + j] * r[j];
      CU_ASSERT_DOUBLE_EQUAL(uKu, vol * (lam * tr * tr + 2 * mu * ee), 1e-12 * fabs(uKu));
    }
}

/* Element volumes against independent formulas. */
/* The fixed-size 3D stiffness kernels (hex8, tet4, tet10 at 4 and 14 points, hex27) against
 * the generic loops: same volume, same matrix to 1e-13 relative to its largest entry, and the
 * same refusal of degenerate and inverted cells. */
static void test_stiffness_fixed_vs_reference(void)
{
  static double       Ke[TWK_MAX_EDOF * TWK_MAX_EDOF], Kr[TWK_MAX_EDOF * TWK_MAX_EDOF];
  static const struct { TwkCellShape s; int order, qorder; } c[] = {
    {TWK_CELL_HEX, 1, 0}, {TWK_CELL_TET, 1, 0}, {TWK_CELL_TET, 2, 0}, {TWK_CELL_TET, 2, 2},
    {TWK_CELL_HEX, 2, 0}, {TWK_CELL_HEX, 1, 4}};
  TwkElasticity mat = {.plane = TWK_SOLID3D, .thickness = 1};
  TwkLameFromEnu(210.0, 0.3, &mat.lambda, &mat.mu);
  for (size_t t = 0; t < sizeof(c) / sizeof(c[0]); t++) {
    double X[TWK_MAX_VERTS * 3], kmax = 0, dmax = 0;
    CU_ASSERT_EQUAL_FATAL(TwkElementSetup(c[t].s, c[t].order, c[t].qorder, &elem), 0);
    int ndof = 3 * elem.nnodes;
    DistortedCell(&elem, X);
    double v = TwkElasticityStiffness(&elem, X, &mat, Ke), vr = TwkElasticityStiffnessReference(&elem, X, &mat, Kr);
    CU_ASSERT(v > 0);
    CU_ASSERT_DOUBLE_EQUAL(v, vr, 1e-14 * vr);
    for (int i = 0; i < ndof * ndof; i++) {
      kmax = fmax(kmax, fabs(Kr[i]));
      dmax = fmax(dmax, fabs(Ke[i] - Kr[i]));
    }
    CU_ASSERT(dmax <= 1e-13 * kmax);
    /* flatten the cell: every vertex on z = const, so det J = 0 */
    for (int k = 0; k < elem.nverts; k++) X[3 * k + 2] = 0.25;
    CU_ASSERT(TwkElasticityStiffness(&elem, X, &mat, Ke) < 0);
    CU_ASSERT(TwkElasticityStiffnessReference(&elem, X, &mat, Kr) < 0);
  }
}

static void test_volumes(void)
{
  static double Ke[TWK_MAX_EDOF * TWK_MAX_EDOF];
  double        X[TWK_MAX_VERTS * 3], vol, ref;
  TwkElasticity mat = {.lambda = 1.0, .mu = 1.0, .plane = TWK_PLANE_STRAIN, .thickness = 1.0};

  /* Distorted triangle and tetrahedron: |det| / d!. */
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TRI, 2, 0, &elem), 0);
  DistortedCell(&elem, X);
  ref = 0.5 * fabs((X[2] - X[0]) * (X[5] - X[1]) - (X[3] - X[1]) * (X[4] - X[0]));
  CU_ASSERT_DOUBLE_EQUAL(TwkElasticityStiffness(&elem, X, &mat, Ke), ref, 1e-14);
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TET, 1, 0, &elem), 0);
  DistortedCell(&elem, X);
  double a[3], b[3], c[3];
  for (int i = 0; i < 3; i++)
    a[i] = X[3 + i] - X[i], b[i] = X[6 + i] - X[i], c[i] = X[9 + i] - X[i];
  ref = fabs(a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) +
             a[2] * (b[0] * c[1] - b[1] * c[0])) /
        6.0;
  CU_ASSERT_DOUBLE_EQUAL(TwkElasticityStiffness(&elem, X, &mat, Ke), ref, 1e-14);
  /* Distorted quadrilateral: shoelace over the boundary 0-1-3-2. */
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_QUAD, 1, 0, &elem), 0);
  DistortedCell(&elem, X);
  int ring[4] = {0, 1, 3, 2};
  ref         = 0.0;
  for (int k = 0; k < 4; k++) {
    int i = ring[k], j = ring[(k + 1) % 4];
    ref += 0.5 * (X[2 * i] * X[2 * j + 1] - X[2 * j] * X[2 * i + 1]);
  }
  CU_ASSERT_DOUBLE_EQUAL(TwkElasticityStiffness(&elem, X, &mat, Ke), ref, 1e-14);
  /* Parallelepiped hex: x = A xi on [-1,1]^3, volume 8 |det A|; det A = 2*3*0.5 = 3. */
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_HEX, 2, 0, &elem), 0);
  double xi[TWK_MAX_VERTS * 3];
  TwkElementVertexRefCoords(&elem, xi);
  for (int v = 0; v < 8; v++) {
    X[v * 3 + 0] = 2 * xi[v * 3 + 0] + 0.5 * xi[v * 3 + 1] + 1.0;
    X[v * 3 + 1] = 3 * xi[v * 3 + 1] - 0.7 * xi[v * 3 + 2];
    X[v * 3 + 2] = 0.5 * xi[v * 3 + 2] - 2.0;
  }
  vol = TwkElasticityStiffness(&elem, X, &mat, Ke);
  CU_ASSERT_DOUBLE_EQUAL(vol, 24.0, 1e-12);
}

static void test_stiffness_degenerate(void)
{
  static double Ke[TWK_MAX_EDOF * TWK_MAX_EDOF];
  TwkElasticity mat = {.lambda = 1.0, .mu = 1.0, .plane = TWK_PLANE_STRAIN, .thickness = 1.0};
  /* Collinear triangle. */
  double Xt[6] = {0, 0, 1, 1, 2, 2};
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TRI, 1, 0, &elem), 0);
  CU_ASSERT(TwkElasticityStiffness(&elem, Xt, &mat, Ke) < 0.0);
  /* Bow-tie quadrilateral (lexicographic slots 2 and 3 swapped): det J changes sign. */
  double Xq[8] = {0, 0, 1, 0, 1, 1, 0, 1};
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_QUAD, 1, 0, &elem), 0);
  CU_ASSERT(TwkElasticityStiffness(&elem, Xq, &mat, Ke) < 0.0);
  /* Flat hexahedron (all z = 0). */
  double Xh[24], xi[24];
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_HEX, 1, 0, &elem), 0);
  TwkElementVertexRefCoords(&elem, xi);
  for (int v = 0; v < 8; v++)
    Xh[3 * v] = xi[3 * v], Xh[3 * v + 1] = xi[3 * v + 1], Xh[3 * v + 2] = 0;
  CU_ASSERT(TwkElasticityStiffness(&elem, Xh, &mat, Ke) < 0.0);
  /* Mirrored (consistently inverted) hexahedron: valid, positive volume 8. */
  for (int v = 0; v < 8; v++)
    Xh[3 * v + 2] = -xi[3 * v + 2];
  CU_ASSERT_DOUBLE_EQUAL(TwkElasticityStiffness(&elem, Xh, &mat, Ke), 8.0, 1e-13);
}

/* ---------------------------------------------------------------- loads and stress */

static void test_body_force(void)
{
  static double Ke[TWK_MAX_EDOF * TWK_MAX_EDOF];
  for (int t = 0; t < NTYPES; t++) {
    double        X[TWK_MAX_VERTS * 3], fe[TWK_MAX_EDOF], b[3] = {1.5, -2.0, 0.25};
    TwkElasticity mat = {.lambda = 1.0, .mu = 1.0, .plane = TWK_PLANE_STRESS, .thickness = 0.3};
    CU_ASSERT_EQUAL_FATAL(TwkElementSetup(elem_types[t].shape, elem_types[t].order, 0, &elem), 0);
    int dim = elem.dim, n = elem.nnodes;
    DistortedCell(&elem, X);
    double vol = TwkElasticityStiffness(&elem, X, &mat, Ke); /* includes the thickness in 2D */
    for (int i = 0; i < n * dim; i++)
      fe[i] = 1.0; /* the kernel adds to fe */
    TwkElasticityBodyForce(&elem, X, &mat, b, fe);
    for (int c = 0; c < dim; c++) {
      double s = 0.0;
      for (int a = 0; a < n; a++)
        s += fe[a * dim + c] - 1.0;
      CU_ASSERT_DOUBLE_EQUAL(s, b[c] * vol, 1e-13);
    }
  }
  /* Unit square Q1 with b = (0,-1): each node gets a quarter. */
  double        X[8] = {0, 0, 1, 0, 0, 1, 1, 1}, fe[8] = {0}, b[2] = {0, -1};
  TwkElasticity mat = {.lambda = 1.0, .mu = 1.0, .plane = TWK_PLANE_STRESS, .thickness = 1.0};
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_QUAD, 1, 0, &elem), 0);
  TwkElasticityBodyForce(&elem, X, &mat, b, fe);
  for (int a = 0; a < 4; a++) {
    CU_ASSERT_DOUBLE_EQUAL(fe[2 * a], 0.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(fe[2 * a + 1], -0.25, 1e-15);
  }
}

static void test_surface_load(void)
{
  double fe[TWK_MAX_EDOF];
  double p = 3.0;

  /* 2D segment (0,0)-(2,0), cell above it: outward normal (0,-1), length 2, thickness 0.5:
   * pressure p gives total force -p*2*0.5*(0,-1) = (0, p), split 1/2-1/2 (order 1) and
   * 1/6-4/6-1/6 (order 2, node 2 the midpoint). */
  double Xs[4] = {0, 0, 2, 0}, above[2] = {1, 1}, below[2] = {1, -1};
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_SEGMENT, 1, 0, &elem), 0);
  memset(fe, 0, sizeof(fe));
  TwkSurfaceLoad(&elem, 2, Xs, above, NULL, p, 0.5, fe);
  CU_ASSERT_DOUBLE_EQUAL(fe[0], 0.0, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(fe[1], 0.5 * p, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(fe[3], 0.5 * p, 1e-15);
  memset(fe, 0, sizeof(fe));
  TwkSurfaceLoad(&elem, 2, Xs, below, NULL, p, 0.5, fe);
  CU_ASSERT_DOUBLE_EQUAL(fe[1] + fe[3], -p, 1e-15);
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_SEGMENT, 2, 0, &elem), 0);
  memset(fe, 0, sizeof(fe));
  TwkSurfaceLoad(&elem, 2, Xs, above, NULL, p, 0.5, fe);
  CU_ASSERT_DOUBLE_EQUAL(fe[1], p / 6, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(fe[3], 4 * p / 6, 1e-15); /* node 1 is the midpoint xi = 0 */
  CU_ASSERT_DOUBLE_EQUAL(fe[5], p / 6, 1e-15);
  /* Traction on a slanted segment (0,0)-(3,4), length 5: total = t * 5 * thickness. */
  double Xl[4] = {0, 0, 3, 4}, tr2[2] = {1.0, -2.0}, in2[2] = {3, 0};
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_SEGMENT, 1, 0, &elem), 0);
  memset(fe, 0, sizeof(fe));
  TwkSurfaceLoad(&elem, 2, Xl, in2, tr2, 0.0, 2.0, fe);
  CU_ASSERT_DOUBLE_EQUAL(fe[0] + fe[2], 10.0, 1e-13);
  CU_ASSERT_DOUBLE_EQUAL(fe[1] + fe[3], -20.0, 1e-13);
  /* Pressure on it: outward normal (-4,3)/5 (away from (3,0)); total = -p*5*2*n. */
  memset(fe, 0, sizeof(fe));
  TwkSurfaceLoad(&elem, 2, Xl, in2, NULL, p, 2.0, fe);
  CU_ASSERT_DOUBLE_EQUAL(fe[0] + fe[2], 8.0 * p, 1e-13);
  CU_ASSERT_DOUBLE_EQUAL(fe[1] + fe[3], -6.0 * p, 1e-13);

  /* 3D triangle face in z = 0, area 1/2, cell above: outward n = (0,0,-1),
   * total = (0, 0, p/2), a third on each vertex for P1. */
  double Xt[9] = {0, 0, 0, 1, 0, 0, 0, 1, 0}, in3[3] = {0.2, 0.2, 1};
  for (int order = 1; order <= 2; order++) {
    CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TRI, order, 0, &elem), 0);
    memset(fe, 0, sizeof(fe));
    TwkSurfaceLoad(&elem, 3, Xt, in3, NULL, p, 1.0, fe);
    double s[3] = {0, 0, 0};
    for (int a = 0; a < elem.nnodes; a++)
      for (int c = 0; c < 3; c++)
        s[c] += fe[a * 3 + c];
    CU_ASSERT_DOUBLE_EQUAL(s[0], 0.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(s[1], 0.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(s[2], 0.5 * p, 1e-14);
    if (order == 1) CU_ASSERT_DOUBLE_EQUAL(fe[2], p / 6, 1e-15);
    if (order == 2) CU_ASSERT_DOUBLE_EQUAL(fe[2], 0.0, 1e-15); /* P2 vertex share is zero */
  }
  /* Planar tilted quad face: lexicographic vertices (0,0,0),(2,0,0),(0,1,1),(2,1,1); tangents
   * (2,0,0) and (0,1,1), area 2 sqrt 2; cell on the side of (1,1,0), so the outward normal is
   * (0,-1,1)/sqrt 2 and the total is -p*2sqrt2*n = (0, 2p, -2p). Traction (1,2,3) adds
   * area*(1,2,3). */
  double Xq[12] = {0, 0, 0, 2, 0, 0, 0, 1, 1, 2, 1, 1}, inq[3] = {1, 1, 0}, tr3[3] = {1, 2, 3};
  for (int order = 1; order <= 2; order++) {
    CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_QUAD, order, 0, &elem), 0);
    memset(fe, 0, sizeof(fe));
    TwkSurfaceLoad(&elem, 3, Xq, inq, tr3, p, 1.0, fe);
    double s[3] = {0, 0, 0}, A = 2 * sqrt(2.0);
    for (int a = 0; a < elem.nnodes; a++)
      for (int c = 0; c < 3; c++)
        s[c] += fe[a * 3 + c];
    CU_ASSERT_DOUBLE_EQUAL(s[0], A * 1, 1e-13);
    CU_ASSERT_DOUBLE_EQUAL(s[1], 2 * p + A * 2, 1e-13);
    CU_ASSERT_DOUBLE_EQUAL(s[2], -2 * p + A * 3, 1e-13);
  }
}

/* Linear displacement u = u0 + H x: the stress is the exact constant one at any point. */
static void test_constant_strain_stress(void)
{
  static const double H[3][3] = {
      {0.01, 0.004, -0.002}, {0.006, -0.03, 0.005}, {-0.01, 0.015, 0.02}};
  static const double u0[3] = {0.1, -0.2, 0.05};
  for (int t = 0; t < NTYPES; t++)
    for (int model = 0; model < 2; model++) {
      double        X[TWK_MAX_VERTS * 3], x[TWK_MAX_NODES * 3], ue[TWK_MAX_EDOF], sig[6], szz;
      TwkElasticity mat = {.plane = model ? TWK_PLANE_STRAIN : TWK_PLANE_STRESS, .thickness = 1.0};
      TwkLameFromEnu(100.0, 0.3, &mat.lambda, &mat.mu);
      CU_ASSERT_EQUAL_FATAL(TwkElementSetup(elem_types[t].shape, elem_types[t].order, 0, &elem), 0);
      int dim = elem.dim, n = elem.nnodes;
      if (dim == 3 && model) continue;
      DistortedCell(&elem, X);
      NodeCoords(&elem, X, x);
      for (int a = 0; a < n; a++)
        for (int c = 0; c < dim; c++) {
          ue[a * dim + c] = u0[c];
          for (int d = 0; d < dim; d++)
            ue[a * dim + c] += H[c][d] * x[a * dim + d];
        }
      /* Expected: eps = sym(H); 2D plane stress with the reduced lambda. */
      double lam = mat.lambda, mu = mat.mu, tr = 0.0, ex[6];
      if (dim == 2 && !model) lam = 2 * lam * mu / (lam + 2 * mu);
      for (int c = 0; c < dim; c++)
        tr += H[c][c];
      if (dim == 2) {
        ex[0] = lam * tr + 2 * mu * H[0][0];
        ex[1] = lam * tr + 2 * mu * H[1][1];
        ex[2] = mu * (H[0][1] + H[1][0]);
      } else {
        for (int c = 0; c < 3; c++)
          ex[c] = lam * tr + 2 * mu * H[c][c];
        ex[3] = mu * (H[1][2] + H[2][1]);
        ex[4] = mu * (H[0][2] + H[2][0]);
        ex[5] = mu * (H[0][1] + H[1][0]);
      }
      double pts[3][3] = {{0.1, 0.2, 0.3}, {0.25, 0.1, 0.05}, {0.3, 0.3, 0.2}};
      for (int k = 0; k < 3; k++) {
        TwkElasticityStress(&elem, X, &mat, ue, pts[k], sig, &szz);
        for (int i = 0; i < (dim == 2 ? 3 : 6); i++)
          CU_ASSERT_DOUBLE_EQUAL(sig[i], ex[i], 1e-12);
        if (dim == 2) CU_ASSERT_DOUBLE_EQUAL(szz, model ? mat.lambda * tr : 0.0, 1e-12);
      }
    }
}

static void test_physical_gradients(void)
{
  /* Affine triangle: gradient of u = 2 + 3x - 5y is (3,-5), det J = 2 * area. */
  double X[6] = {1, 1, 3, 2, 0, 4}, xi[2] = {0.2, 0.3}, N[6], dNdx[12], xn[12], u[6], xp[2];
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TRI, 2, 0, &elem), 0);
  NodeCoords(&elem, X, xn);
  for (int a = 0; a < 6; a++)
    u[a] = 2 + 3 * xn[2 * a] - 5 * xn[2 * a + 1];
  double det = TwkPhysicalGradients(&elem, X, xi, N, dNdx);
  CU_ASSERT_DOUBLE_EQUAL(det, (3 - 1) * (4 - 1) - (2 - 1) * (0 - 1), 1e-14);
  double g[2] = {0, 0}, val = 0.0;
  for (int a = 0; a < 6; a++) {
    val += N[a] * u[a];
    g[0] += dNdx[2 * a] * u[a];
    g[1] += dNdx[2 * a + 1] * u[a];
  }
  TwkGeometryMap(&elem, 2, X, xi, xp);
  CU_ASSERT_DOUBLE_EQUAL(xp[0], 1 + 2 * 0.2 - 1 * 0.3, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(xp[1], 1 + 1 * 0.2 + 3 * 0.3, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(val, 2 + 3 * xp[0] - 5 * xp[1], 1e-13);
  CU_ASSERT_DOUBLE_EQUAL(g[0], 3.0, 1e-13);
  CU_ASSERT_DOUBLE_EQUAL(g[1], -5.0, 1e-13);
}

static void test_von_mises(void)
{
  double s2[3] = {-7.0, 0, 0}, s3[6] = {0, 5.0, 0, 0, 0, 0};
  CU_ASSERT_DOUBLE_EQUAL(TwkVonMises(2, s2, 0.0), 7.0, 1e-14);
  CU_ASSERT_DOUBLE_EQUAL(TwkVonMises(3, s3, 0.0), 5.0, 1e-14);
  double sh2[3] = {0, 0, 2.0}, sh3[6] = {0, 0, 0, 0, -2.0, 0};
  CU_ASSERT_DOUBLE_EQUAL(TwkVonMises(2, sh2, 0.0), 2.0 * sqrt(3.0), 1e-14);
  CU_ASSERT_DOUBLE_EQUAL(TwkVonMises(3, sh3, 0.0), 2.0 * sqrt(3.0), 1e-14);
  double hyd2[3] = {4, 4, 0}, hyd3[6] = {4, 4, 4, 0, 0, 0};
  CU_ASSERT_DOUBLE_EQUAL(TwkVonMises(2, hyd2, 4.0), 0.0, 1e-14);
  CU_ASSERT_DOUBLE_EQUAL(TwkVonMises(3, hyd3, 123.0), 0.0, 1e-14); /* szz ignored in 3D */
  /* Uniaxial along z in 2D (only szz): |szz|. */
  double z2[3] = {0, 0, 0};
  CU_ASSERT_DOUBLE_EQUAL(TwkVonMises(2, z2, -3.0), 3.0, 1e-14);
}

int TwinTestKernelsRegister(void)
{
  CU_pSuite s = CU_add_suite("kernels", NULL, NULL);
  if (!s) return 1;
  if (!CU_add_test(s, "basis: Kronecker, partition of unity, gradients",
                   test_basis_kronecker_unity) ||
      !CU_add_test(s, "node tables", test_node_tables) ||
      !CU_add_test(s, "setup errors and defaults", test_setup_errors) ||
      !CU_add_test(s, "quadrature exactness", test_quadrature_exactness) ||
      !CU_add_test(s, "stiffness tri3 plane strain", test_stiffness_tri3_plane_strain) ||
      !CU_add_test(s, "stiffness quad4 plane stress", test_stiffness_quad4_plane_stress) ||
      !CU_add_test(s, "stiffness symmetry, rigid modes, energy", test_stiffness_all_types) ||
      !CU_add_test(s, "fixed-size 3D stiffness = generic loops", test_stiffness_fixed_vs_reference) ||
      !CU_add_test(s, "element volumes", test_volumes) ||
      !CU_add_test(s, "degenerate and inverted cells", test_stiffness_degenerate) ||
      !CU_add_test(s, "body force", test_body_force) ||
      !CU_add_test(s, "surface load", test_surface_load) ||
      !CU_add_test(s, "constant strain stress", test_constant_strain_stress) ||
      !CU_add_test(s, "physical gradients", test_physical_gradients) ||
      !CU_add_test(s, "von Mises", test_von_mises))
    return 1;
  return 0;
}
