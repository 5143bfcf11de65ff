/* twk.h: pure finite-element kernels of twinfe.
 *
 * Everything here is a pure function of its arguments: no MPI, no PETSc objects, no
 * allocation, no I/O. Arrays have fixed maximum sizes (TWK_MAX_*), so a kernel can run
 * inside an OpenMP loop with caller-owned scratch. Scalars are double, indices int.
 *
 * Reference elements:
 *   simplices (TRI, TET): the unit simplex, vertices (0,0[,0]), (1,0[,0]), (0,1[,0]) [, (0,0,1)];
 *   tensor cells (QUAD, HEX): [-1,1]^d.
 * Geometry is always order 1 (affine simplex or multilinear tensor cell) and is given by
 * the cell's vertex coordinates; the field basis is Lagrange of order 1 or 2.
 *
 * Node ordering of an element (what every array indexed by "node" follows):
 *   tensor cells: lexicographic, x fastest: node (i,j[,k]) with i,j,k in 0..order has index
 *     i + (order+1)*(j + (order+1)*k); the reference coordinate of index i is -1 + 2 i / order.
 *     Vertices of the geometry are the order-1 nodes in the same lexicographic order.
 *   simplices: vertices 0..d first; for order 2 then the edge midpoints:
 *     TRI6:  3:(0,1) 4:(1,2) 5:(2,0)
 *     TET10: 4:(0,1) 5:(1,2) 6:(2,0) 7:(0,3) 8:(1,3) 9:(2,3)
 * TwkElementNodeRefCoords() gives the reference coordinates of every node, so callers
 * (the DMPlex assembly) can map mesh points to kernel nodes without knowing the tables.
 *
 * Vector fields are interleaved per node: dof (node a, component c) is a*dim + c.
 * Stress/strain in Voigt order: 2D (xx, yy, xy), 3D (xx, yy, zz, yz, xz, xy); engineering
 * shear strains (gamma = 2 eps).
 */
#ifndef TWINFE_KERNELS_TWK_H
#define TWINFE_KERNELS_TWK_H

#ifdef __cplusplus
extern "C" {
#endif

#define TWK_MAX_NODES 27        /* hex27 */
#define TWK_MAX_VERTS 8         /* hex geometry */
#define TWK_MAX_QP    64        /* 4^3 Gauss points */
#define TWK_MAX_EDOF  81        /* 27 nodes x 3 components */
#define TWK_MAX_VOIGT 6

typedef enum {
  TWK_CELL_SEGMENT, /* reference [-1,1]; only used as the face of 2D cells */
  TWK_CELL_TRI,
  TWK_CELL_QUAD,
  TWK_CELL_TET,
  TWK_CELL_HEX
} TwkCellShape;

/* Plane model for dim = 2; ignored in 3D. */
typedef enum { TWK_PLANE_STRESS, TWK_PLANE_STRAIN, TWK_SOLID3D } TwkPlaneModel;

/* An element: shape, field order and quadrature, with the basis tabulated at the quadrature
 * points. Filled once by TwkElementSetup() and then only read (shareable across threads). */
typedef struct {
  TwkCellShape shape;
  int dim;    /* reference dimension: 1, 2 or 3 */
  int order;  /* field order: 1 or 2 */
  int nnodes; /* field nodes */
  int nverts; /* geometry vertices */
  int nqp;    /* quadrature points */
  double qp[TWK_MAX_QP * 3];                    /* reference coordinates, qp[q*dim + d] */
  double qw[TWK_MAX_QP];                        /* reference weights */
  double N[TWK_MAX_QP * TWK_MAX_NODES];         /* field basis N[q*nnodes + a] */
  double dN[TWK_MAX_QP * TWK_MAX_NODES * 3];    /* reference gradients dN[(q*nnodes + a)*dim + d] */
  double G[TWK_MAX_QP * TWK_MAX_VERTS];         /* geometry basis */
  double dG[TWK_MAX_QP * TWK_MAX_VERTS * 3];    /* geometry reference gradients, same layout */
} TwkElement;

/* Isotropic linear elasticity; lambda and mu are the 3D Lame constants. For plane stress the
 * kernel uses the reduced constitutive law; thickness multiplies 2D integrals. */
typedef struct {
  double lambda, mu;
  TwkPlaneModel plane;
  double thickness; /* 2D only; 1 for plane strain per unit depth */
} TwkElasticity;

/* Set up an element. qorder is the polynomial degree integrated exactly (Gauss-Legendre
 * tensor rules on QUAD/HEX/SEGMENT, symmetric rules on TRI/TET); qorder <= 0 picks the
 * default for stiffness (2*order). Returns 0, or a nonzero code for an unsupported request. */
int TwkElementSetup(TwkCellShape shape, int order, int qorder, TwkElement *e);

/* Reference coordinates of the element's nodes, xi[a*dim + d]. */
void TwkElementNodeRefCoords(const TwkElement *e, double *xi);
/* Reference coordinates of the geometry vertices, xi[v*dim + d]. */
void TwkElementVertexRefCoords(const TwkElement *e, double *xi);

/* Evaluate the field basis (and reference gradients, when dN != NULL) at one reference point. */
void TwkBasisEval(const TwkElement *e, const double *xi, double *N, double *dN);
/* Map a reference point to physical coordinates; X is the vertices' coordinates, X[v*sdim + d]. */
void TwkGeometryMap(const TwkElement *e, int sdim, const double *X, const double *xi, double *x);

/* Lame constants from Young's modulus and Poisson's ratio. */
void TwkLameFromEnu(double E, double nu, double *lambda, double *mu);

/* Element stiffness, row-major Ke[(a*dim+c)*(nnodes*dim) + b*dim + d]. X: vertex coordinates
 * (dim = e->dim). Returns the element volume (area*thickness in 2D), or a negative value for a
 * degenerate or inverted-and-inconsistent cell (Jacobian changing sign inside it). */
double TwkElasticityStiffness(const TwkElement *e, const double *X, const TwkElasticity *mat,
                              double *Ke);

/* The same with the generic loops (any shape, order and quadrature): TwkElasticityStiffness
 * uses fixed-size loops for the common 3D elements (hex8, tet4, tet10 with 4 or 14 points, hex27 at their default
 * quadrature) and falls back to this; kept for the unit tests that compare the two. */
double TwkElasticityStiffnessReference(const TwkElement *e, const double *X,
                                       const TwkElasticity *mat, double *Ke);

/* Consistent body-force vector fe[a*dim + c] += integral of N_a b_c (b per unit volume). */
void TwkElasticityBodyForce(const TwkElement *e, const double *X, const TwkElasticity *mat,
                            const double *b, double *fe);

/* Same with a body force that varies in space: bq[q*dim + c] at the element's quadrature
 * points (physical positions from TwkGeometryMap at e->qp). */
void TwkElasticityBodyForceQP(const TwkElement *e, const double *X, const TwkElasticity *mat,
                              const double *bq, double *fe);

/* Surface load on a face element (SEGMENT in 2D, TRI/QUAD in 3D; e->dim = sdim-1) whose
 * vertices Xf are in sdim-dimensional space: fe[a*sdim + c] += integral of N_a t_c, where
 * t = traction - pressure * n, n the unit normal pointing away from the point `inside`
 * (any point of the adjacent cell's interior, such as its centroid). thickness multiplies the
 * integral in 2D (pass 1 in 3D). */
void TwkSurfaceLoad(const TwkElement *e, int sdim, const double *Xf, const double *inside,
                    const double *traction, double pressure, double thickness, double *fe);

/* Stress at the reference point xi from nodal displacements ue[a*dim + c] (Voigt order; in
 * plane stress/strain 2D returns 3 components and *szz the out-of-plane normal stress). */
void TwkElasticityStress(const TwkElement *e, const double *X, const TwkElasticity *mat,
                         const double *ue, const double *xi, double *sigma, double *szz);

/* Von Mises equivalent stress of a Voigt stress (ncomp 3 with szz, or 6). */
double TwkVonMises(int dim, const double *sigma, double szz);

/* Gradient of a scalar nodal field at reference point xi: gradient of sum_a N_a u_a, and the
 * Jacobian determinant there. Used by the error norms of the manufactured-solution test. */
double TwkPhysicalGradients(const TwkElement *e, const double *X, const double *xi, double *N,
                            double *dNdx);


/* ---- heat conduction and thermo-elastic coupling ------------------------------------------
 * Scalar fields (temperature) use the same elements; node arrays are indexed by node only.
 * 2D integrals are multiplied by `thickness` (pass 1 for 3D). */

/* Conductivity matrix Ke[a*nnodes + b] = integral k grad N_a . grad N_b (isotropic k). */
void TwkThermalConductivity(const TwkElement *e, const double *X, double k, double thickness,
                            double *Ke);
/* Consistent capacity (mass) matrix Me[a*nnodes + b] = integral rho c N_a N_b (rhoc = rho*c). */
void TwkThermalCapacity(const TwkElement *e, const double *X, double rhoc, double thickness,
                        double *Me);
/* Both of the above (Ke and Me overwritten) with one Jacobian per point; fixed-size loops for
 * hex8 and tet10 at their default quadrature, the two kernels above otherwise. Same values.
 * Me == NULL: the conductivity alone (steady problems), through the same fixed-size loops. */
#define TWK_HAS_CONDUCTIVITY_CAPACITY 1
void TwkThermalConductivityCapacity(const TwkElement *e, const double *X, double k, double rhoc,
                                    double thickness, double *Ke, double *Me);
/* Volumetric source fe[a] += integral N_a q (W/m^3). */
void TwkThermalSource(const TwkElement *e, const double *X, double q, double thickness,
                      double *fe);
/* Boundary terms on a face element e (dim = sdim-1) with vertices Xf in sdim space:
 * flux (W/m^2 into the body): fe[a] += integral N_a qn;
 * convection h (T_amb - T):  Ke[a*n+b] += integral h N_a N_b, fe[a] += integral h T_amb N_a. */
void TwkThermalFaceFlux(const TwkElement *e, int sdim, const double *Xf, double qn,
                        double thickness, double *fe);
void TwkThermalFaceConvection(const TwkElement *e, int sdim, const double *Xf, double h,
                              double Tamb, double thickness, double *Ke, double *fe);
/* Radiation sigma*eps*(T_amb^4 - T^4) with temperatures in kelvin: residual contribution
 * re[a] += integral N_a sigma eps (T^4 - T_amb^4) (sign: residual of the equation K T - f = 0)
 * and its Jacobian Je[a*n+b] += integral 4 sigma eps T^3 N_a N_b, T = sum N_b Te[b] at each
 * quadrature point. Te: the face's nodal temperatures (K). */
void TwkThermalFaceRadiation(const TwkElement *e, int sdim, const double *Xf, double eps,
                             double Tamb, const double *Te, double thickness, double *re,
                             double *Je);
#define TWK_STEFAN_BOLTZMANN 5.670374419e-8

/* Heat flux -k grad T at reference point xi (dim components). */
void TwkThermalFlux(const TwkElement *e, const double *X, double k, const double *Te,
                    const double *xi, double *q);

/* Thermal-strain load: fe[a*dim + c] += integral B_a^T D eps_th, eps_th = alpha (T - Tref) I
 * (plane strain: the out-of-plane constraint adds (1+nu) in the in-plane strain; plane stress:
 * free expansion in z). T at quadrature points from the nodal temperatures Te of the same
 * element (field order), so it is consistent with TwkElasticityStiffness. */
void TwkElasticityThermalLoad(const TwkElement *e, const double *X, const TwkElasticity *mat,
                              double alpha, double Tref, const double *Te, double *fe);
/* Stress with thermal strain: as TwkElasticityStress, minus D eps_th at xi. */
void TwkElasticityThermalStress(const TwkElement *e, const double *X, const TwkElasticity *mat,
                                const double *ue, double alpha, double Tref, const double *Te,
                                const double *xi, double *sigma, double *szz);

#ifdef __cplusplus
}
#endif
#endif
