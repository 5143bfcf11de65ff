/* mms.c: manufactured-solution convergence study of the structural model.
 *
 *   mpiexec -n 2 build/validation/mms [-mms_case NAME] [PETSc options]
 *
 * For each element family (plane strain on the unit square with triangles and quadrilaterals,
 * 3D on the unit cube with tetrahedra and hexahedra; field order 1 and 2) a smooth exact
 * displacement u with nonzero boundary values is imposed on the whole boundary
 * (TwinMechanicsSetDirichletFunction), the matching body force f = -div sigma(u) is applied
 * (TwinMechanicsSetBodyForceFunction), and the L2 error ||u_h - u|| is measured on a sequence
 * of uniformly refined box meshes (TwinMechanicsErrorL2). The observed order of convergence
 * between meshes h and h/2 is log(e_h / e_{h/2}) / log 2.
 *
 * Method of manufactured solutions: P. J. Roache, Code verification by the method of
 * manufactured solutions, J. Fluids Eng. 124 (2002) 4-10; K. Salari and P. Knupp, Code
 * verification by the method of manufactured solutions, Sandia report SAND2000-1444 (2000).
 *
 * Expected rate: for Lagrange elements of order k on shape-regular quasi-uniform meshes and a
 * smooth solution on a convex domain, ||u - u_h||_L2 <= C h^{k+1} |u|_{H^{k+1}} (Aubin-Nitsche
 * duality; S. C. Brenner and L. R. Scott, The Mathematical Theory of Finite Element Methods,
 * 3rd ed., Springer 2008, Thm 5.4.8 (and Ch. 11 for elasticity); P. G. Ciarlet, The Finite
 * Element Method for Elliptic Problems, North-Holland 1978, Thm 3.2.5). So the rate is 2 for
 * order 1 and 3 for order 2.
 *
 * Pass criterion (per family): the rate between the last two meshes is within 0.2 of k + 1.
 * The exit status is 1 when any family fails (2 on an internal error).
 *
 * Body force. Isotropic linear elasticity, sigma = lambda (div u) I + mu (grad u + grad u^T).
 * Component i of div sigma is
 *   d_j sigma_ij = lambda d_i (d_j u_j) + mu (d_j d_j u_i + d_i d_j u_j)
 *                = mu lap u_i + (lambda + mu) d_i div u,
 * and equilibrium div sigma + f = 0 gives
 *   f = -(mu lap u + (lambda + mu) grad div u).
 * In plane strain (eps_zz = 0, u = (u_x(x,y), u_y(x,y))) the in-plane equations are the same
 * with the 3D lambda and the sums over x and y only (plane stress would need
 * lambda* = 2 lambda mu / (lambda + 2 mu); it is not used here).
 *
 * Exact displacement: every component is a product of shifted sines,
 *   u_i(x) = A_i prod_m sin(k_im x_m + p_im),
 * so its second derivatives are exact products too: with s(t) = sin(k t + p),
 * s' = k cos(k t + p) and s'' = -k^2 sin(k t + p),
 *   d_j d_l u_i = A_i prod_m s_im^(n_m)(x_m),   n_m = [m == j] + [m == l].
 * Then lap u_i = sum_j d_j d_j u_i and (grad div u)_i = sum_j d_i d_j u_j. The chosen
 * functions (table below) are not gradients or curls of anything simple, vary with every
 * coordinate, and are nonzero on most of the boundary:
 *   2D: u_x = sin(pi x) cos(pi y),            u_y = 0.5 sin(2 x + 1) cos(pi y / 2 + 0.3)
 *   3D: u_x = sin(pi x) cos(pi y) cos(pi z),   u_y = sin(2 x + 1) sin(pi y) cos(z),
 *       u_z = 0.5 cos(x) cos(2 y) sin(pi z + 0.5)
 * (cos t = sin(t + pi/2)). */
#include <twinfe/mechanics.h>
#include "vtable.h"

#define MAXN 4

typedef struct {
  PetscInt dim;
  double   lambda, mu;
  double   A[3], k[3][3], p[3][3]; /* u_i = A_i prod_m sin(k[i][m] x_m + p[i][m]) */
} Manufactured;

/* n-th derivative (n = 0, 1, 2) of sin(k t + p) */
static double SinDeriv(double k, double p, int n, double t)
{
  switch (n) {
  case 0:
    return sin(k * t + p);
  case 1:
    return k * cos(k * t + p);
  default:
    return -k * k * sin(k * t + p);
  }
}

/* d_j d_l u_i (j, l = -1 for no derivative) */
static double Deriv(const Manufactured *s, PetscInt i, PetscInt j, PetscInt l, const PetscReal x[])
{
  double v = s->A[i];
  for (PetscInt m = 0; m < s->dim; m++) v *= SinDeriv(s->k[i][m], s->p[i][m], (m == j) + (m == l), x[m]);
  return v;
}

static void Exact(PetscInt dim, const PetscReal x[], PetscReal u[], void *ctx)
{
  const Manufactured *s = (const Manufactured *)ctx;
  for (PetscInt i = 0; i < dim; i++) u[i] = Deriv(s, i, -1, -1, x);
}

/* f = -(mu lap u + (lambda + mu) grad div u) */
static void BodyForce(PetscInt dim, const PetscReal x[], PetscReal f[], void *ctx)
{
  const Manufactured *s = (const Manufactured *)ctx;
  for (PetscInt i = 0; i < dim; i++) {
    double lap = 0, graddiv = 0;
    for (PetscInt j = 0; j < dim; j++) {
      lap += Deriv(s, i, j, j, x);
      graddiv += Deriv(s, j, i, j, x);
    }
    f[i] = -(s->mu * lap + (s->lambda + s->mu) * graddiv);
  }
}

static void SetupManufactured(PetscInt dim, double E, double nu, Manufactured *s)
{
  const double pi = PETSC_PI, h = PETSC_PI / 2;
  PetscMemzero(s, sizeof(*s));
  s->dim    = dim;
  s->lambda = E * nu / ((1 + nu) * (1 - 2 * nu));
  s->mu     = E / (2 * (1 + nu));
  if (dim == 2) {
    const double A[2] = {1, 0.5}, k[2][2] = {{pi, pi}, {2, pi / 2}}, p[2][2] = {{0, h}, {1, 0.3 + h}};
    for (int i = 0; i < 2; i++) {
      s->A[i] = A[i];
      for (int m = 0; m < 2; m++) s->k[i][m] = k[i][m], s->p[i][m] = p[i][m];
    }
  } else {
    const double A[3] = {1, 1, 0.5}, k[3][3] = {{pi, pi, pi}, {2, pi, 1}, {1, 2, pi}}, p[3][3] = {{0, h, h}, {1, 0, h}, {h, h, 0.5}};
    for (int i = 0; i < 3; i++) {
      s->A[i] = A[i];
      for (int m = 0; m < 3; m++) s->k[i][m] = k[i][m], s->p[i][m] = p[i][m];
    }
  }
}

typedef struct {
  const char *name; /* e.g. tri-p1 */
  PetscInt    dim, order;
  const char *cell;
  PetscInt    nref, n[MAXN];
} Family;

/* One solve on an n^dim box: L2 error, L2 norm of u, sizes. */
static PetscErrorCode SolveOne(const Family *fam, PetscInt n, Manufactured *s, double E, double nu, PetscReal *err, PetscReal *unorm, PetscInt *ncells,
                               PetscInt *ndofs, PetscInt *its)
{
  char          text[2048], name[128];
  TwinDeck      deck = NULL;
  TwinMesh      mesh = NULL;
  TwinMechanics mech = NULL;
  PetscReal     e2, n2;
  PetscInt      qorder;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(name, sizeof(name), "mms-%s-n%" PetscInt_FMT, fam->name, n));
  if (fam->dim == 2)
    PetscCall(PetscSNPrintf(text, sizeof(text),
                            "twinfe: 1\n"
                            "name: %s\n"
                            "mesh:\n"
                            "  box: {lower: [0, 0], upper: [1, 1], cells: [%" PetscInt_FMT ", %" PetscInt_FMT "], cell: %s}\n"
                            "  order: %" PetscInt_FMT "\n"
                            "materials:\n"
                            "  solid: {region: all, E: %.17g, nu: %.17g}\n"
                            "mechanics:\n"
                            "  model: plane_strain\n"
                            "  boundaries:\n"
                            "    - {on: [xmin, xmax, ymin, ymax], type: displacement, value: [0, 0]}\n",
                            name, n, n, fam->cell, fam->order, E, nu));
  else
    PetscCall(PetscSNPrintf(text, sizeof(text),
                            "twinfe: 1\n"
                            "name: %s\n"
                            "mesh:\n"
                            "  box: {lower: [0, 0, 0], upper: [1, 1, 1], cells: [%" PetscInt_FMT ", %" PetscInt_FMT ", %" PetscInt_FMT "], cell: %s}\n"
                            "  order: %" PetscInt_FMT "\n"
                            "materials:\n"
                            "  solid: {region: all, E: %.17g, nu: %.17g}\n"
                            "mechanics:\n"
                            "  model: solid\n"
                            "  boundaries:\n"
                            "    - {on: [xmin, xmax, ymin, ymax, zmin, zmax], type: displacement, value: [0, 0, 0]}\n",
                            name, n, n, n, fam->cell, fam->order, E, nu));
  PetscCall(TwinDeckLoadString(PETSC_COMM_WORLD, name, ".", text, strlen(text), &deck));
  PetscCall(TwinMeshCreate(PETSC_COMM_WORLD, deck, &mesh));
  PetscCall(TwinMechanicsCreate(mesh, deck, &mech));
  PetscCall(TwinMechanicsSetDirichletFunction(mech, Exact, s));
  PetscCall(TwinMechanicsSetBodyForceFunction(mech, BodyForce, s));
  PetscCall(TwinMechanicsAssemble(mech));
  PetscCall(TwinMechanicsSolve(mech));
  /* integrate the error exactly enough not to pollute the rate: degree 2k+2; the simplex rules
     stop at degree 5 */
  qorder = 2 * fam->order + 2;
  if (!strcmp(fam->cell, "tri") || !strcmp(fam->cell, "tet")) qorder = PetscMin(qorder, 5);
  PetscCall(TwinMechanicsErrorL2(mech, Exact, s, qorder, &e2, &n2));
  *err    = PetscSqrtReal(e2);
  *unorm  = PetscSqrtReal(n2);
  *ncells = mesh->ncglobal;
  *ndofs  = mech->ndofGlobal;
  *its    = mech->iterations;
  PetscCall(TwinMechanicsDestroy(&mech));
  PetscCall(TwinMeshDestroy(&mesh));
  PetscCall(TwinDeckDestroy(&deck));
  PetscFunctionReturn(0);
}

#define NCOL 11
#define MAXROWS 64

typedef struct {
  char cell[NCOL][48];
} Row;

/* Print the rows as a table in the style of validation/compare.py: first two columns left
   aligned, the others right aligned, " | " between columns and "-+-" under the header. */
static PetscErrorCode RunStudy(PetscBool *allpass)
{
  /* 2D n = 8, 16, 32; 3D n = 4, 8, 16 (order 1) and 2, 4, 8 (order 2): about 30 s on 2 ranks */
  const Family fams[] = {
    {"tri-p1", 2, 1, "tri", 3, {8, 16, 32}},  {"tri-p2", 2, 2, "tri", 3, {8, 16, 32}},  {"quad-p1", 2, 1, "quad", 3, {8, 16, 32}},
    {"quad-p2", 2, 2, "quad", 3, {8, 16, 32}}, {"tet-p1", 3, 1, "tet", 3, {4, 8, 16}},  {"tet-p2", 3, 2, "tet", 3, {2, 4, 8}},
    {"hex-p1", 3, 1, "hex", 3, {4, 8, 16}},   {"hex-p2", 3, 2, "hex", 3, {2, 4, 8}},
  };
  const double E = 1.0, nu = 0.3;
  Row          rows[MAXROWS];
  PetscInt     nrows = 0, npass = 0, nchecks = 0;
  char         only[64] = "", failures[2048] = "", Estr[32], nustr[32];
  PetscBool    hasOnly;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-mms_case", only, sizeof(only), &hasOnly));
  {
    const char *head[NCOL] = {"case", "quantity", "cells", "free DOFs", "KSP its", "L2 error", "rel. L2 error", "rate", "expected", "tolerance", "result"};
    for (int c = 0; c < NCOL; c++) PetscCall(PetscStrncpy(rows[0].cell[c], head[c], sizeof(rows[0].cell[c])));
    nrows = 1;
  }
  *allpass = PETSC_TRUE;
  for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
    const Family *fam = &fams[f];
    Manufactured  s;
    PetscReal     err[MAXN], rate = 0;
    PetscInt      expected = fam->order + 1;
    PetscBool     ok;
    if (hasOnly && strcmp(only, fam->name)) continue;
    SetupManufactured(fam->dim, E, nu, &s);
    for (PetscInt r = 0; r < fam->nref; r++) {
      PetscReal unorm = 0;
      PetscInt  ncells = 0, ndofs = 0, its = 0;
      Row      *row = &rows[nrows++];
      PetscCall(SolveOne(fam, fam->n[r], &s, E, nu, &err[r], &unorm, &ncells, &ndofs, &its));
      PetscCall(PetscSNPrintf(row->cell[0], sizeof(row->cell[0]), "mms_%s", fam->name));
      PetscCall(PetscSNPrintf(row->cell[1], sizeof(row->cell[1]), "L2 error, n = %" PetscInt_FMT, fam->n[r]));
      PetscCall(PetscSNPrintf(row->cell[2], sizeof(row->cell[2]), "%" PetscInt_FMT, ncells));
      PetscCall(PetscSNPrintf(row->cell[3], sizeof(row->cell[3]), "%" PetscInt_FMT, ndofs));
      PetscCall(PetscSNPrintf(row->cell[4], sizeof(row->cell[4]), "%" PetscInt_FMT, its));
      PetscCall(PetscSNPrintf(row->cell[5], sizeof(row->cell[5]), "%.4e", (double)err[r]));
      PetscCall(PetscSNPrintf(row->cell[6], sizeof(row->cell[6]), "%.3e", (double)(err[r] / unorm)));
      if (r > 0) {
        rate = PetscLogReal(err[r - 1] / err[r]) / PetscLogReal((PetscReal)fam->n[r] / (PetscReal)fam->n[r - 1]);
        PetscCall(PetscSNPrintf(row->cell[7], sizeof(row->cell[7]), "%.3f", (double)rate));
      } else PetscCall(PetscStrncpy(row->cell[7], "-", sizeof(row->cell[7])));
      if (r == fam->nref - 1) {
        ok = (PetscIsNormalReal(rate) && PetscAbsReal(rate - expected) <= 0.2) ? PETSC_TRUE : PETSC_FALSE;
        nchecks++;
        if (ok) npass++;
        else {
          char msg[256];
          *allpass = PETSC_FALSE;
          PetscCall(PetscSNPrintf(msg, sizeof(msg), "  mms_%s: last rate %.3f is not within 0.2 of %" PetscInt_FMT "\n", fam->name, (double)rate, expected));
          PetscCall(PetscStrlcat(failures, msg, sizeof(failures)));
        }
        PetscCall(PetscSNPrintf(row->cell[8], sizeof(row->cell[8]), "%" PetscInt_FMT, expected));
        PetscCall(PetscStrncpy(row->cell[9], "0.2", sizeof(row->cell[9])));
        PetscCall(PetscStrncpy(row->cell[10], ok ? "PASS" : "FAIL", sizeof(row->cell[10])));
      } else {
        for (int c = 8; c < NCOL; c++) PetscCall(PetscStrncpy(row->cell[c], "", sizeof(row->cell[c])));
      }
    }
  }
  PetscCheck(nchecks > 0, PETSC_COMM_WORLD, PETSC_ERR_USER, "-mms_case %s: no such case (tri-p1, tri-p2, quad-p1, quad-p2, tet-p1, tet-p2, hex-p1, hex-p2)", only);
  PetscCall(PrintTable(rows, nrows));
  snprintf(Estr, sizeof(Estr), "%g", E); /* plain C: PETSc's printf adds a '.' to %g integers */
  snprintf(nustr, sizeof(nustr), "%g", nu);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "\nrate = log(e_h / e_h/2) / log 2, e = ||u_h - u||_L2 on the unit square (plane strain) or cube, E = %s, nu = %s,\n"
                        "u imposed on the whole boundary, f = -(mu lap u + (lambda + mu) grad div u). Pass: the last rate within 0.2 of\n"
                        "the expected order + 1 (2 for order 1, 3 for order 2).\n",
                        Estr, nustr));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n%" PetscInt_FMT " of %" PetscInt_FMT " checks passed, %" PetscInt_FMT " failed\n", npass, nchecks, nchecks - npass));
  if (failures[0]) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nFailures:\n%s", failures));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nSources:\n"
                                          "  [mms] P. J. Roache, Code verification by the method of manufactured solutions, J. Fluids Eng. 124 (2002) 4-10;\n"
                                          "        K. Salari and P. Knupp, Code verification by the method of manufactured solutions, SAND2000-1444 (2000)\n"
                                          "  [rate] S. C. Brenner and L. R. Scott, The Mathematical Theory of Finite Element Methods, 3rd ed. (2008), Thm 5.4.8;\n"
                                          "         P. G. Ciarlet, The Finite Element Method for Elliptic Problems (1978), Thm 3.2.5\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return TwinValidationMain(argc, argv, RunStudy);
}
