/* test_thermal_kernels.c: CUnit suite of the heat-conduction and thermo-elastic kernels
 * (kernels/twk.h): conductivity and capacity matrices against hand-computed ones, their
 * invariants on distorted cells of every type, source and boundary-flux totals, convection,
 * radiation (totals and a finite-difference check of the Jacobian), exact heat flux of a linear
 * field, and the thermo-elastic patch test (a free, uniformly heated body is stress-free). */
#include <math.h>
#include <string.h>
#include "suites.h"
#include "twk.h"

static const struct {
  TwkCellShape shape;
  int          order;
} types[] = {
    {TWK_CELL_TRI, 1}, {TWK_CELL_TRI, 2}, {TWK_CELL_QUAD, 1}, {TWK_CELL_QUAD, 2},
    {TWK_CELL_TET, 1}, {TWK_CELL_TET, 2}, {TWK_CELL_HEX, 1},  {TWK_CELL_HEX, 2},
};
#define NTYPES ((int)(sizeof(types) / sizeof(types[0])))

static TwkElement   elem; /* large: keep them off the stack */
static double       Kbuf[TWK_MAX_EDOF * TWK_MAX_EDOF];
static const double sigmaSB = TWK_STEFAN_BOLTZMANN;
static const double gvec[3] = {2.0, -1.0, 0.5}; /* a temperature gradient */

static double MaxAbs(int n, const double *v)
{
  double m = 0.0;
  for (int i = 0; i < n; i++)
    if (fabs(v[i]) > m) m = fabs(v[i]);
  return m;
}

/* A distorted valid cell (non-affine for QUAD/HEX), as in test_kernels.c. */
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

static void NodeCoords(const TwkElement *e, const double *X, double *x)
{
  double xi[TWK_MAX_NODES * 3];
  TwkElementNodeRefCoords(e, xi);
  for (int a = 0; a < e->nnodes; a++)
    TwkGeometryMap(e, e->dim, X, &xi[a * e->dim], &x[a * e->dim]);
}

/* Volume (area * thickness in 2D) from the elasticity kernel, an independent computation. */
static double Volume(const TwkElement *e, const double *X, double thickness)
{
  TwkElasticity mat = {.lambda = 1.0, .mu = 1.0, .plane = TWK_PLANE_STRAIN, .thickness = thickness};
  return TwkElasticityStiffness(e, X, &mat, Kbuf);
}

/* Linear temperature T = T0 + g.x at the nodes. */
static void LinearField(const TwkElement *e, const double *X, double T0, double *Te)
{
  double x[TWK_MAX_NODES * 3];
  NodeCoords(e, X, x);
  for (int a = 0; a < e->nnodes; a++) {
    Te[a] = T0;
    for (int i = 0; i < e->dim; i++)
      Te[a] += gvec[i] * x[a * e->dim + i];
  }
}

/* ---------------------------------------------------------------- conductivity */

/* Unit right triangle, P1: gradients (-1,-1), (1,0), (0,1), area 1/2, so
 * K = k t/2 [[2,-1,-1],[-1,1,0],[-1,0,1]]. Unit square Q1 (k = 1): 2/3 on the diagonal, -1/6
 * between edge neighbours, -1/3 between opposite corners (lexicographic 0-3 and 1-2). */
static void test_conductivity_known(void)
{
  static const double Kt[3][3] = {{1.0, -0.5, -0.5}, {-0.5, 0.5, 0.0}, {-0.5, 0.0, 0.5}};
  double              Xt[6]    = {0, 0, 1, 0, 0, 1}, Ke[81];

  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TRI, 1, 0, &elem), 0);
  TwkThermalConductivity(&elem, Xt, 1.0, 1.0, Ke);
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      CU_ASSERT_DOUBLE_EQUAL(Ke[a * 3 + b], Kt[a][b], 1e-15);
  TwkThermalConductivity(&elem, Xt, 2.5, 0.4, Ke); /* k and thickness multiply */
  CU_ASSERT_DOUBLE_EQUAL(Ke[0], 1.0, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(Ke[1], -0.5, 1e-15);
  /* Clockwise order: |det J|, same matrix permuted. */
  double Xc[6] = {0, 0, 0, 1, 1, 0};
  TwkThermalConductivity(&elem, Xc, 1.0, 1.0, Ke);
  CU_ASSERT_DOUBLE_EQUAL(Ke[0], 1.0, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(Ke[1 * 3 + 1], 0.5, 1e-15);

  double Xq[8]  = {0, 0, 1, 0, 0, 1, 1, 1};
  int    opp[4] = {3, 2, 1, 0};
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_QUAD, 1, 0, &elem), 0);
  TwkThermalConductivity(&elem, Xq, 1.0, 1.0, Ke);
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++) {
      double ex = a == b ? 2.0 / 3.0 : (b == opp[a] ? -1.0 / 3.0 : -1.0 / 6.0);
      CU_ASSERT_DOUBLE_EQUAL(Ke[a * 4 + b], ex, 1e-15);
    }
  /* Unit cube hex8: diagonal 1/3, opposite corner -1/12 (known Q1 Laplacian). */
  double Xh[24], xi[24];
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_HEX, 1, 0, &elem), 0);
  TwkElementVertexRefCoords(&elem, xi);
  for (int i = 0; i < 24; i++)
    Xh[i] = 0.5 * (xi[i] + 1.0);
  TwkThermalConductivity(&elem, Xh, 1.0, 7.0, Ke); /* thickness ignored in 3D */
  CU_ASSERT_DOUBLE_EQUAL(Ke[0], 1.0 / 3.0, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(Ke[7], -1.0 / 12.0, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(Ke[1], 0.0, 1e-15);         /* edge neighbour */
  CU_ASSERT_DOUBLE_EQUAL(Ke[3], -1.0 / 12.0, 1e-15); /* face diagonal */
}

/* Every type on a distorted cell: symmetric, positive diagonal, zero row sums, and the energy
 * of a linear field T^T K T = k |g|^2 V. */
static void test_conductivity_all_types(void)
{
  static double Ke[TWK_MAX_NODES * TWK_MAX_NODES];
  for (int t = 0; t < NTYPES; t++) {
    double X[TWK_MAX_VERTS * 3], Te[TWK_MAX_NODES], k = 3.5, th = 0.6;
    CU_ASSERT_EQUAL_FATAL(TwkElementSetup(types[t].shape, types[t].order, 0, &elem), 0);
    int n = elem.nnodes, dim = elem.dim;
    DistortedCell(&elem, X);
    TwkThermalConductivity(&elem, X, k, th, Ke);
    double kmax = MaxAbs(n * n, Ke), TKT = 0.0, g2 = 0.0;
    for (int a = 0; a < n; a++) {
      double rs = 0.0;
      CU_ASSERT(Ke[a * n + a] > 0.0);
      for (int b = 0; b < n; b++) {
        rs += Ke[a * n + b];
        CU_ASSERT(fabs(Ke[a * n + b] - Ke[b * n + a]) <= 1e-14 * kmax);
      }
      CU_ASSERT(fabs(rs) <= 1e-13 * kmax);
    }
    LinearField(&elem, X, 1.0, Te);
    for (int a = 0; a < n; a++)
      for (int b = 0; b < n; b++)
        TKT += Te[a] * Ke[a * n + b] * Te[b];
    for (int i = 0; i < dim; i++)
      g2 += gvec[i] * gvec[i];
    CU_ASSERT_DOUBLE_EQUAL(TKT, k * g2 * Volume(&elem, X, th), 1e-12 * TKT);
  }
}

/* ---------------------------------------------------------------- capacity and source */

/* TwkThermalConductivityCapacity (fixed-size hex8 and tet10, the separate kernels otherwise)
 * = TwkThermalConductivity + TwkThermalCapacity, to 1e-14 relative to the largest entry. */
static void test_conductivity_capacity(void)
{
  static double K1[TWK_MAX_NODES * TWK_MAX_NODES], M1[TWK_MAX_NODES * TWK_MAX_NODES];
  static double K2[TWK_MAX_NODES * TWK_MAX_NODES], M2[TWK_MAX_NODES * TWK_MAX_NODES];
  static const struct { TwkCellShape s; int order; } c[] = {{TWK_CELL_HEX, 1}, {TWK_CELL_TET, 2}, {TWK_CELL_TET, 1}, {TWK_CELL_QUAD, 2}};
  for (size_t t = 0; t < sizeof(c) / sizeof(c[0]); t++) {
    double X[TWK_MAX_VERTS * 3], km = 0, mm = 0, dk = 0, dm = 0;
    CU_ASSERT_EQUAL_FATAL(TwkElementSetup(c[t].s, c[t].order, 0, &elem), 0);
    int n = elem.nnodes;
    DistortedCell(&elem, X);
    TwkThermalConductivity(&elem, X, 45.0, 0.7, K1);
    TwkThermalCapacity(&elem, X, 3.7e6, 0.7, M1);
    TwkThermalConductivityCapacity(&elem, X, 45.0, 3.7e6, 0.7, K2, M2);
    for (int i = 0; i < n * n; i++) {
      km = fmax(km, fabs(K1[i]));
      mm = fmax(mm, fabs(M1[i]));
      dk = fmax(dk, fabs(K1[i] - K2[i]));
      dm = fmax(dm, fabs(M1[i] - M2[i]));
    }
    CU_ASSERT(km > 0 && mm > 0);
    CU_ASSERT(dk <= 1e-14 * km);
    CU_ASSERT(dm <= 1e-14 * mm);
    /* no capacity (Me NULL, steady runs): the same conductivity */
    for (int i = 0; i < n * n; i++) K2[i] = -1.0;
    TwkThermalConductivityCapacity(&elem, X, 45.0, 3.7e6, 0.7, K2, NULL);
    dk = 0;
    for (int i = 0; i < n * n; i++) dk = fmax(dk, fabs(K1[i] - K2[i]));
    CU_ASSERT(dk <= 1e-14 * km);
  }
}

static void test_capacity(void)
{
  static double Me[TWK_MAX_NODES * TWK_MAX_NODES];
  /* Triangle of area A = 1.5: P1 A/12 [2 1 1; 1 2 1; 1 1 2]; P2 A/180 with vertex diagonal 6,
   * vertex-vertex -1, vertex to the opposite midpoint -4, to an adjacent midpoint 0, midpoint
   * diagonal 32, midpoint-midpoint 16. */
  double X[TWK_MAX_VERTS * 3] = {0, 0, 2, 0, 0.5, 1.5}, A = 1.5, rhoc = 2.0;
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TRI, 1, 0, &elem), 0);
  TwkThermalCapacity(&elem, X, rhoc, 1.0, Me);
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      CU_ASSERT_DOUBLE_EQUAL(Me[a * 3 + b], rhoc * A / 12 * (a == b ? 2 : 1), 1e-14);
  /* Clockwise vertex order: |det J|, the same matrix, and the same source. */
  double Xcw[6] = {0, 0, 0.5, 1.5, 2, 0}, fs[3] = {0, 0, 0};
  TwkThermalCapacity(&elem, Xcw, rhoc, 1.0, Me);
  CU_ASSERT_DOUBLE_EQUAL(Me[0], rhoc * A / 6, 1e-14);
  CU_ASSERT_DOUBLE_EQUAL(Me[1], rhoc * A / 12, 1e-14);
  TwkThermalSource(&elem, Xcw, 3.0, 1.0, fs);
  CU_ASSERT_DOUBLE_EQUAL(fs[0], A, 1e-14);
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TRI, 2, 0, &elem), 0);
  TwkThermalCapacity(&elem, X, 1.0, 1.0, Me);
  CU_ASSERT_DOUBLE_EQUAL(Me[0 * 6 + 0], 6 * A / 180, 1e-14);
  CU_ASSERT_DOUBLE_EQUAL(Me[0 * 6 + 1], -1 * A / 180, 1e-14);
  CU_ASSERT_DOUBLE_EQUAL(Me[0 * 6 + 4], -4 * A / 180, 1e-14); /* 4 = edge (1,2) */
  CU_ASSERT_DOUBLE_EQUAL(Me[0 * 6 + 3], 0.0, 1e-14);
  CU_ASSERT_DOUBLE_EQUAL(Me[0 * 6 + 5], 0.0, 1e-14);
  CU_ASSERT_DOUBLE_EQUAL(Me[3 * 6 + 3], 32 * A / 180, 1e-14);
  CU_ASSERT_DOUBLE_EQUAL(Me[3 * 6 + 5], 16 * A / 180, 1e-14);
  /* Unit square Q1, thickness 0.5: (t/36) [4 2 2 1 ...]. */
  double Xq[8]  = {0, 0, 1, 0, 0, 1, 1, 1};
  int    opp[4] = {3, 2, 1, 0};
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_QUAD, 1, 0, &elem), 0);
  TwkThermalCapacity(&elem, Xq, 1.0, 0.5, Me);
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++)
      CU_ASSERT_DOUBLE_EQUAL(Me[a * 4 + b], 0.5 / 36 * (a == b ? 4 : (b == opp[a] ? 1 : 2)), 1e-15);

  /* Every type: symmetric, total rho c V. */
  for (int t = 0; t < NTYPES; t++) {
    double Xd[TWK_MAX_VERTS * 3], th = 0.3, s = 0.0;
    CU_ASSERT_EQUAL_FATAL(TwkElementSetup(types[t].shape, types[t].order, 0, &elem), 0);
    int n = elem.nnodes;
    DistortedCell(&elem, Xd);
    TwkThermalCapacity(&elem, Xd, rhoc, th, Me);
    for (int a = 0; a < n; a++)
      for (int b = 0; b < n; b++) {
        s += Me[a * n + b];
        CU_ASSERT_EQUAL(Me[a * n + b], Me[b * n + a]);
      }
    CU_ASSERT_DOUBLE_EQUAL(s, rhoc * Volume(&elem, Xd, th), 1e-13);
  }
}

static void test_source(void)
{
  for (int t = 0; t < NTYPES; t++) {
    double X[TWK_MAX_VERTS * 3], fe[TWK_MAX_NODES], q = 4.0, th = 0.3, s = 0.0;
    CU_ASSERT_EQUAL_FATAL(TwkElementSetup(types[t].shape, types[t].order, 0, &elem), 0);
    int n = elem.nnodes;
    DistortedCell(&elem, X);
    for (int a = 0; a < n; a++)
      fe[a] = 1.0; /* the kernel adds */
    TwkThermalSource(&elem, X, q, th, fe);
    for (int a = 0; a < n; a++)
      s += fe[a] - 1.0;
    CU_ASSERT_DOUBLE_EQUAL(s, q * Volume(&elem, X, th), 1e-13);
  }
  /* P1 triangle: a third each. */
  double X[6] = {0, 0, 2, 0, 0.5, 1.5}, fe[3] = {0, 0, 0};
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TRI, 1, 0, &elem), 0);
  TwkThermalSource(&elem, X, 3.0, 2.0, fe);
  for (int a = 0; a < 3; a++)
    CU_ASSERT_DOUBLE_EQUAL(fe[a], 3.0 * 1.5 * 2.0 / 3.0, 1e-14);
}

/* ---------------------------------------------------------------- boundary terms */

/* Test faces: a slanted segment in 2D (length 5), a 3D triangle (area from the cross product)
 * and a planar tilted quad (area 2 sqrt 2). */
static const struct {
  TwkCellShape shape;
  int          sdim, qmax;
  double       X[12], area;
} faces[] = {
    {TWK_CELL_SEGMENT, 2, 7, {0, 0, 3, 4}, 5.0},
    {TWK_CELL_TRI, 3, 5, {0, 0, 0, 2, 0, 1, 0, 3, 0}, 0.0 /* computed */},
    {TWK_CELL_QUAD, 3, 7, {0, 0, 0, 2, 0, 0, 0, 1, 1, 2, 1, 1}, 2.8284271247461903},
};

static double FaceArea(int f)
{
  if (faces[f].area > 0) return faces[f].area;
  /* triangle: |(2,0,1) x (0,3,0)| / 2 = |(-3, 0, 6)| / 2 */
  return 0.5 * sqrt(45.0);
}

static void test_face_flux(void)
{
  for (int f = 0; f < 3; f++)
    for (int order = 1; order <= 2; order++) {
      double fe[TWK_MAX_NODES], s = 0.0, qn = 7.0, th = faces[f].sdim == 2 ? 0.5 : 1.0;
      CU_ASSERT_EQUAL_FATAL(TwkElementSetup(faces[f].shape, order, 0, &elem), 0);
      for (int a = 0; a < elem.nnodes; a++)
        fe[a] = 1.0;
      TwkThermalFaceFlux(&elem, faces[f].sdim, faces[f].X, qn, th, fe);
      for (int a = 0; a < elem.nnodes; a++)
        s += fe[a] - 1.0;
      CU_ASSERT_DOUBLE_EQUAL(s, qn * FaceArea(f) * th, 1e-13);
      if (f == 0) { /* segment: 1/2 1/2 (P1), 1/6 4/6 1/6 (P2, node 1 the midpoint) */
        double ex1 = order == 1 ? 0.5 : 4.0 / 6.0;
        CU_ASSERT_DOUBLE_EQUAL(fe[0] - 1.0, qn * 2.5 * (order == 1 ? 0.5 : 1.0 / 6.0), 1e-14);
        CU_ASSERT_DOUBLE_EQUAL(fe[1] - 1.0, qn * 2.5 * ex1, 1e-14);
      }
    }
  /* Wrong sdim: nothing is added. */
  double fe[2] = {0, 0};
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_SEGMENT, 1, 0, &elem), 0);
  TwkThermalFaceFlux(&elem, 3, faces[0].X, 1.0, 1.0, fe);
  CU_ASSERT_EQUAL(fe[0], 0.0);
}

static void test_face_convection(void)
{
  static double Ke[TWK_MAX_NODES * TWK_MAX_NODES];
  double        h = 12.0, Tamb = 290.0;
  for (int f = 0; f < 3; f++)
    for (int order = 1; order <= 2; order++) {
      double fe[TWK_MAX_NODES], sK = 0.0, sf = 0.0, th = faces[f].sdim == 2 ? 0.5 : 1.0;
      CU_ASSERT_EQUAL_FATAL(TwkElementSetup(faces[f].shape, order, 2 * order, &elem), 0);
      int n = elem.nnodes;
      for (int i = 0; i < n * n; i++)
        Ke[i] = 1.0;
      for (int a = 0; a < n; a++)
        fe[a] = 1.0;
      TwkThermalFaceConvection(&elem, faces[f].sdim, faces[f].X, h, Tamb, th, Ke, fe);
      for (int a = 0; a < n; a++) {
        sf += fe[a] - 1.0;
        for (int b = 0; b < n; b++) {
          sK += Ke[a * n + b] - 1.0;
          CU_ASSERT_EQUAL(Ke[a * n + b], Ke[b * n + a]);
        }
      }
      CU_ASSERT_DOUBLE_EQUAL(sK, h * FaceArea(f) * th, 1e-12);
      CU_ASSERT_DOUBLE_EQUAL(sf, h * Tamb * FaceArea(f) * th, 1e-10);
      if (f == 0 && order == 1) { /* h L t / 6 [2 1; 1 2] */
        CU_ASSERT_DOUBLE_EQUAL(Ke[0] - 1.0, h * 2.5 / 3.0, 1e-13);
        CU_ASSERT_DOUBLE_EQUAL(Ke[1] - 1.0, h * 2.5 / 6.0, 1e-13);
      }
      if (f == 1 && order == 1) /* triangle face: A/12 [2 1 1; ...] */
        CU_ASSERT_DOUBLE_EQUAL(Ke[1] - 1.0, h * FaceArea(f) / 12.0, 1e-13);
    }
}

/* Radiation residual for uniform T, and the Jacobian against central differences. */
static void test_face_radiation(void)
{
  static double Je[TWK_MAX_NODES * TWK_MAX_NODES];
  double        epsr = 0.8, Tamb = 300.0;
  for (int f = 0; f < 3; f++)
    for (int order = 1; order <= 2; order++) {
      double Te[TWK_MAX_NODES], re[TWK_MAX_NODES], rp[TWK_MAX_NODES], rm[TWK_MAX_NODES];
      double th = faces[f].sdim == 2 ? 0.5 : 1.0, T = 650.0, s = 0.0, sJ = 0.0;
      int    sdim = faces[f].sdim;
      CU_ASSERT_EQUAL_FATAL(TwkElementSetup(faces[f].shape, order, faces[f].qmax, &elem), 0);
      int n = elem.nnodes;
      for (int a = 0; a < n; a++)
        Te[a] = T, re[a] = 0.0;
      memset(Je, 0, sizeof(double) * n * n);
      TwkThermalFaceRadiation(&elem, sdim, faces[f].X, epsr, Tamb, Te, th, re, Je);
      for (int a = 0; a < n; a++) {
        s += re[a];
        for (int b = 0; b < n; b++)
          sJ += Je[a * n + b];
      }
      double A = FaceArea(f) * th;
      CU_ASSERT_DOUBLE_EQUAL(s, sigmaSB * epsr * (pow(T, 4) - pow(Tamb, 4)) * A, 1e-12 * fabs(s));
      CU_ASSERT_DOUBLE_EQUAL(sJ, 4 * sigmaSB * epsr * pow(T, 3) * A, 1e-12 * sJ);
      if (f == 0 && order == 1) CU_ASSERT_DOUBLE_EQUAL(re[0], 0.5 * s, 1e-12 * fabs(s));

      /* Nonuniform temperatures: Je[a][b] = d re[a] / d Te[b]. */
      for (int a = 0; a < n; a++)
        Te[a] = 500.0 + 150.0 * sin(1.7 * a + 0.3);
      memset(Je, 0, sizeof(double) * n * n);
      TwkThermalFaceRadiation(&elem, sdim, faces[f].X, epsr, Tamb, Te, th, NULL, Je);
      double jmax = MaxAbs(n * n, Je), err = 0.0;
      CU_ASSERT(jmax > 0.0);
      for (int b = 0; b < n; b++) {
        double hstep = 1e-4 * Te[b], T0 = Te[b];
        memset(rp, 0, sizeof(double) * n);
        memset(rm, 0, sizeof(double) * n);
        Te[b] = T0 + hstep;
        TwkThermalFaceRadiation(&elem, sdim, faces[f].X, epsr, Tamb, Te, th, rp, NULL);
        Te[b] = T0 - hstep;
        TwkThermalFaceRadiation(&elem, sdim, faces[f].X, epsr, Tamb, Te, th, rm, NULL);
        Te[b] = T0;
        for (int a = 0; a < n; a++) {
          double fd = (rp[a] - rm[a]) / (2 * hstep);
          if (fabs(fd - Je[a * n + b]) > err) err = fabs(fd - Je[a * n + b]);
        }
      }
      CU_ASSERT(err <= 1e-6 * jmax);
    }
}

/* ---------------------------------------------------------------- heat flux */

static void test_heat_flux(void)
{
  static const double pts[3][3] = {{0.1, 0.2, 0.3}, {0.25, 0.1, 0.05}, {0.3, 0.3, 0.2}};
  for (int t = 0; t < NTYPES; t++) {
    double X[TWK_MAX_VERTS * 3], Te[TWK_MAX_NODES], q[3], k = 45.0;
    CU_ASSERT_EQUAL_FATAL(TwkElementSetup(types[t].shape, types[t].order, 0, &elem), 0);
    DistortedCell(&elem, X);
    LinearField(&elem, X, 20.0, Te);
    for (int p = 0; p < 3; p++) {
      TwkThermalFlux(&elem, X, k, Te, pts[p], q);
      for (int i = 0; i < elem.dim; i++)
        CU_ASSERT_DOUBLE_EQUAL(q[i], -k * gvec[i], 1e-12);
    }
  }
}

/* ---------------------------------------------------------------- thermo-elasticity */

/* Free body heated uniformly by dT: u = s alpha dT x with s = 1 (3D, plane stress) or 1 + nu
 * (plane strain) is the exact solution, so Ke u = fe_thermal to round-off and the thermal
 * stress vanishes (plane strain: szz = -E alpha dT). The wrong scale must not pass. */
static void test_thermal_patch(void)
{
  static const double pts[2][3] = {{0.1, 0.2, 0.3}, {0.3, 0.25, 0.15}};
  double              E = 200e3, nu = 0.3, alpha = 1.2e-5, Tref = 293.0, T = 373.0;
  double              dT = T - Tref;
  for (int t = 0; t < NTYPES; t++)
    for (int model = 0; model < 2; model++) {
      double        X[TWK_MAX_VERTS * 3], x[TWK_MAX_NODES * 3], Te[TWK_MAX_NODES];
      double        ue[TWK_MAX_EDOF], fe[TWK_MAX_EDOF], r[TWK_MAX_EDOF], sig[6], szz;
      TwkElasticity mat = {.plane = model ? TWK_PLANE_STRAIN : TWK_PLANE_STRESS, .thickness = 0.4};
      TwkLameFromEnu(E, nu, &mat.lambda, &mat.mu);
      CU_ASSERT_EQUAL_FATAL(TwkElementSetup(types[t].shape, types[t].order, 0, &elem), 0);
      int dim = elem.dim, n = elem.nnodes, ndof = n * dim;
      if (dim == 3 && model) continue;
      int pstrain = dim == 2 && model;
      DistortedCell(&elem, X);
      NodeCoords(&elem, X, x);
      CU_ASSERT(TwkElasticityStiffness(&elem, X, &mat, Kbuf) > 0.0);
      for (int a = 0; a < n; a++)
        Te[a] = T;
      memset(fe, 0, sizeof(double) * ndof);
      TwkElasticityThermalLoad(&elem, X, &mat, alpha, Tref, Te, fe);
      double fmax = MaxAbs(ndof, fe);
      CU_ASSERT(fmax > 0.0);
      for (int wrong = 0; wrong < 2; wrong++) {
        double s = (pstrain ? 1.0 + nu : 1.0) * (wrong ? 1.1 : 1.0);
        for (int i = 0; i < ndof; i++)
          ue[i] = s * alpha * dT * x[i];
        for (int i = 0; i < ndof; i++) {
          r[i] = -fe[i];
          for (int j = 0; j < ndof; j++)
            r[i] += Kbuf[i * ndof + j] * ue[j];
        }
        if (!wrong) {
          CU_ASSERT(MaxAbs(ndof, r) <= 1e-10 * fmax);
        } else {
          CU_ASSERT(MaxAbs(ndof, r) > 1e-3 * fmax);
        }
      }
      /* Plane strain with the plane-stress scale (1 instead of 1+nu) fails too. */
      if (pstrain) {
        for (int i = 0; i < ndof; i++) {
          r[i] = -fe[i];
          for (int j = 0; j < ndof; j++)
            r[i] += Kbuf[i * ndof + j] * alpha * dT * x[j];
        }
        CU_ASSERT(MaxAbs(ndof, r) > 1e-3 * fmax);
      }
      /* Zero stress of the exact solution. */
      for (int i = 0; i < ndof; i++)
        ue[i] = (pstrain ? 1.0 + nu : 1.0) * alpha * dT * x[i];
      double smax = E * alpha * dT;
      for (int p = 0; p < 2; p++) {
        szz = 12345.0;
        TwkElasticityThermalStress(&elem, X, &mat, ue, alpha, Tref, Te, pts[p], sig, &szz);
        CU_ASSERT(MaxAbs(dim == 2 ? 3 : 6, sig) <= 1e-9 * smax);
        if (pstrain) {
          CU_ASSERT_DOUBLE_EQUAL(szz, -E * alpha * dT, 1e-9 * smax);
        } else {
          CU_ASSERT(fabs(szz) <= 1e-9 * smax);
        }
        /* Without the thermal part the elastic stress is large. */
        TwkElasticityStress(&elem, X, &mat, ue, pts[p], sig, NULL);
        CU_ASSERT(fabs(sig[0]) > 0.1 * smax);
      }
    }
}

/* Hand values: P1 unit right triangle (area 1/2, gradients g_a) and unit-cube hex8
 * (integral of dN_0/dx_c = -1/4): fe[a][c] = beta alpha (T - Tref) t integral dN_a/dx_c, with
 * a linear T on the triangle (mean of the vertex values). Thermal stress with ue = 0 and a
 * linear T: -beta alpha (T(x) - Tref) on the normal components. */
static void test_thermal_load_known(void)
{
  double E = 100.0, nu = 0.25, alpha = 1e-3, lam, mu;
  TwkLameFromEnu(E, nu, &lam, &mu);
  double beta_ps = E / (1 - nu), beta_3d = E / (1 - 2 * nu);

  /* Triangle, plane stress, thickness 2, vertex temperatures 10, 40, 70 over Tref = 0. */
  double        X[6] = {0, 0, 1, 0, 0, 1}, Te[3] = {10, 40, 70}, fe[6] = {0};
  double        g[3][2] = {{-1, -1}, {1, 0}, {0, 1}};
  TwkElasticity mat     = {.lambda = lam, .mu = mu, .plane = TWK_PLANE_STRESS, .thickness = 2.0};
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_TRI, 1, 0, &elem), 0);
  TwkElasticityThermalLoad(&elem, X, &mat, alpha, 0.0, Te, fe);
  for (int a = 0; a < 3; a++)
    for (int c = 0; c < 2; c++)
      CU_ASSERT_DOUBLE_EQUAL(fe[a * 2 + c], beta_ps * alpha * 40.0 * 2.0 * 0.5 * g[a][c], 1e-12);
  mat.plane = TWK_PLANE_STRAIN;
  memset(fe, 0, sizeof(fe));
  TwkElasticityThermalLoad(&elem, X, &mat, alpha, 0.0, Te, fe);
  CU_ASSERT_DOUBLE_EQUAL(fe[0], beta_3d * alpha * 40.0 * 2.0 * 0.5 * -1.0, 1e-12);

  /* Stress at xi = (0.2, 0.5): T = 10 + 30*0.2 + 60*0.5 = 46 (x = xi here), ue = 0. */
  double ue[6] = {0}, xi[2] = {0.2, 0.5}, sig[3], szz;
  for (int model = 0; model < 2; model++) {
    mat.plane   = model ? TWK_PLANE_STRAIN : TWK_PLANE_STRESS;
    double beta = model ? beta_3d : beta_ps;
    TwkElasticityThermalStress(&elem, X, &mat, ue, alpha, 6.0, Te, xi, sig, &szz);
    CU_ASSERT_DOUBLE_EQUAL(sig[0], -beta * alpha * 40.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(sig[1], -beta * alpha * 40.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(sig[2], 0.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(szz, model ? -beta_3d * alpha * 40.0 : 0.0, 1e-12);
  }

  /* Unit cube hex8, uniform T - Tref = 50: fe[0] = beta alpha 50 (-1/4, -1/4, -1/4), and the
   * stress with ue = 0 is -beta alpha 50 on the normals, szz = sigma_zz. */
  double Xh[24], xih[24], Th[8], feh[24] = {0}, s6[6], sz, c[3] = {0.1, -0.3, 0.5};
  CU_ASSERT_EQUAL_FATAL(TwkElementSetup(TWK_CELL_HEX, 1, 0, &elem), 0);
  TwkElementVertexRefCoords(&elem, xih);
  for (int i = 0; i < 24; i++)
    Xh[i] = 0.5 * (xih[i] + 1.0);
  for (int v = 0; v < 8; v++)
    Th[v] = 350.0;
  mat.plane = TWK_PLANE_STRESS; /* ignored in 3D */
  TwkElasticityThermalLoad(&elem, Xh, &mat, alpha, 300.0, Th, feh);
  for (int i = 0; i < 3; i++) {
    CU_ASSERT_DOUBLE_EQUAL(feh[i], -0.25 * beta_3d * alpha * 50.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(feh[7 * 3 + i], 0.25 * beta_3d * alpha * 50.0, 1e-12);
  }
  double ueh[24] = {0};
  TwkElasticityThermalStress(&elem, Xh, &mat, ueh, alpha, 300.0, Th, c, s6, &sz);
  for (int i = 0; i < 3; i++)
    CU_ASSERT_DOUBLE_EQUAL(s6[i], -beta_3d * alpha * 50.0, 1e-12);
  for (int i = 3; i < 6; i++)
    CU_ASSERT_DOUBLE_EQUAL(s6[i], 0.0, 1e-15);
  CU_ASSERT_DOUBLE_EQUAL(sz, s6[2], 0.0);
}

int TwinTestThermalKernelsRegister(void)
{
  CU_pSuite s = CU_add_suite("thermal kernels", NULL, NULL);
  if (!s) return 1;
  if (!CU_add_test(s, "conductivity: hand-computed matrices", test_conductivity_known) ||
      !CU_add_test(s, "conductivity: all types", test_conductivity_all_types) ||
      !CU_add_test(s, "capacity", test_capacity) ||
      !CU_add_test(s, "conductivity + capacity in one call", test_conductivity_capacity) || !CU_add_test(s, "source", test_source) ||
      !CU_add_test(s, "face flux", test_face_flux) ||
      !CU_add_test(s, "face convection", test_face_convection) ||
      !CU_add_test(s, "face radiation: totals and FD Jacobian", test_face_radiation) ||
      !CU_add_test(s, "heat flux of a linear field", test_heat_flux) ||
      !CU_add_test(s, "thermo-elastic patch test", test_thermal_patch) ||
      !CU_add_test(s, "thermal load and stress: hand values", test_thermal_load_known))
    return 1;
  return 0;
}
