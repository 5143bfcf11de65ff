/* slab.c: time-step convergence study of the transient thermal model (theta scheme).
 *
 *   mpiexec -n 2 build/validation/slab [-slab_case be|cn] [PETSc options]
 *
 * A slab 0 <= x <= L (a strip of L x L/16 with insulated long sides, so the problem is 1D)
 * with conductivity k, density rho and specific heat c, both ends held at T = 0 and the
 * initial temperature T(x, 0) = sin(pi x / L) (TwinThermalSetInitialFunction). The exact
 * solution is the decaying first Fourier mode,
 *   T(x, t) = sin(pi x / L) exp(-k pi^2 t / (rho c L^2))
 * (H. S. Carslaw and J. C. Jaeger, Conduction of Heat in Solids, 2nd ed., Oxford 1959,
 * section 3.3). The model is stepped with TwinThermalStep to a fixed final time t_end with
 * N = 10, 20, 40, 80 equal steps, and the error at t_end is the maximum over 9 points
 * (x = L/10 .. 9L/10, mid-width; TwinThermalEvaluate) of |T_h - T|. The spatial mesh is fine
 * and quadratic (128 x 1 quadrilaterals, order 2): its error (the semi-discrete eigenvalue of
 * the first mode is off by about (pi h / L)^4 / 720, ~1e-9 here) is far below the time error,
 * so the observed order log(e_N / e_2N) / log 2 measures the time integrator:
 *   theta = 1   (backward Euler)   first order, expected rate 1,
 *   theta = 1/2 (Crank-Nicolson)   second order, expected rate 2
 * (e.g. V. Thomee, Galerkin Finite Element Methods for Parabolic Problems, 2nd ed., Springer
 * 2006, Theorems 1.5 and 1.6 (backward Euler, Crank-Nicolson, smooth initial data)).
 *
 * Data: L = 1 m, k = 1 W/(m K), rho = 1 kg/m^3, c = 1 J/(kg K), so the decay rate is
 * pi^2 / s; t_end = 0.1 s (T(L/2, t_end) = exp(-pi^2 / 10) = 0.3727).
 *
 * Pass criterion (per scheme): the rate between the last two step sizes is within 0.2 of the
 * expected order. Exit status 1 when a scheme fails, 2 on an internal error. */
#include <twinfe/thermal.h>
#include "vtable.h"

#define NSTEP 4
#define NPTS 9
#define NCOL 10
#define MAXROWS 16

static const double L = 1.0, K = 1.0, RHO = 1.0, CP = 1.0, TEND = 0.1;
static const PetscInt NX = 128, ORDER = 2;

static void Initial(PetscInt dim, const PetscReal x[], PetscReal *T, void *ctx)
{
  (void)dim;
  (void)ctx;
  *T = PetscSinReal(PETSC_PI * x[0] / L);
}

static double Exact(double x, double t)
{
  return sin(PETSC_PI * x / L) * exp(-K * PETSC_PI * PETSC_PI * t / (RHO * CP * L * L));
}

/* Step to TEND with n steps under theta; max point error at TEND. */
static PetscErrorCode SolveOne(double theta, PetscInt n, PetscReal *err, PetscReal *tmid, PetscInt *ndofs)
{
  char        text[2048], name[128];
  TwinDeck    deck = NULL;
  TwinMesh    mesh = NULL;
  TwinThermal th   = NULL;
  PetscReal   x[3 * NPTS], T[NPTS], dt = TEND / (PetscReal)n;
  PetscBool   found[NPTS];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(name, sizeof(name), "slab-theta%g-n%" PetscInt_FMT, theta, n));
  PetscCall(PetscSNPrintf(text, sizeof(text),
                          "twinfe: 1\n"
                          "name: %s\n"
                          "mesh:\n"
                          "  box: {lower: [0, 0], upper: [%.17g, %.17g], cells: [%" PetscInt_FMT ", 1], cell: quad}\n"
                          "  order: %" PetscInt_FMT "\n"
                          "materials:\n"
                          "  slab: {region: all, conductivity: %.17g, density: %.17g, specific_heat: %.17g}\n"
                          "thermal:\n"
                          "  initial: 0\n"
                          "  boundaries:\n"
                          "    - {on: [xmin, xmax], type: temperature, value: 0}\n"
                          "time: {end: %.17g, step: %.17g, theta: %.17g}\n",
                          name, L, L / 16, NX, ORDER, K, RHO, CP, TEND, dt, theta));
  PetscCall(TwinDeckLoadString(PETSC_COMM_WORLD, name, ".", text, strlen(text), &deck));
  PetscCall(TwinMeshCreate(PETSC_COMM_WORLD, deck, &mesh));
  PetscCall(TwinThermalCreate(mesh, deck, &th));
  PetscCall(TwinThermalInitialize(th));
  PetscCall(TwinThermalSetInitialFunction(th, Initial, NULL));
  for (PetscInt s = 0; s < n; s++) PetscCall(TwinThermalStep(th, dt));
  PetscCheck(PetscAbsReal(th->t - TEND) < 1e-12, PETSC_COMM_WORLD, PETSC_ERR_PLIB, "final time %g, expected %g", (double)th->t, TEND);
  for (PetscInt i = 0; i < NPTS; i++) {
    x[3 * i]     = L * (i + 1) / (NPTS + 1.0);
    x[3 * i + 1] = L / 32;
    x[3 * i + 2] = 0;
  }
  PetscCall(TwinThermalEvaluate(th, NPTS, x, T, found));
  *err = 0;
  for (PetscInt i = 0; i < NPTS; i++) {
    PetscCheck(found[i], PETSC_COMM_WORLD, PETSC_ERR_PLIB, "point %g not found in the mesh", (double)x[3 * i]);
    *err = PetscMax(*err, PetscAbsReal(T[i] - Exact(x[3 * i], TEND)));
  }
  *tmid = T[NPTS / 2];
  {
    PetscInt size;
    PetscCall(VecGetSize(th->T, &size));
    *ndofs = size;
  }
  PetscCall(TwinThermalDestroy(&th));
  PetscCall(TwinMeshDestroy(&mesh));
  PetscCall(TwinDeckDestroy(&deck));
  PetscFunctionReturn(0);
}

typedef struct {
  char cell[NCOL][48];
} Row;

/* The table in the style of validation/compare.py (and validation/mms.c). */
static PetscErrorCode RunStudy(PetscBool *allpass)
{
  const struct {
    const char *name, *label;
    double      theta;
    PetscInt    expected;
  } schemes[] = {
    {"be", "backward Euler (theta = 1)", 1.0, 1},
    {"cn", "Crank-Nicolson (theta = 0.5)", 0.5, 2}
  };
  const PetscInt nsteps[NSTEP] = {10, 20, 40, 80};
  Row            rows[MAXROWS];
  PetscInt       nrows = 0, npass = 0, nchecks = 0;
  char           only[64] = "", failures[1024] = "";
  PetscBool      hasOnly;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-slab_case", only, sizeof(only), &hasOnly));
  {
    const char *head[NCOL] = {"case", "quantity", "steps", "dt", "free DOFs", "T(L/2, t_end)", "max error", "rate", "expected", "result"};
    for (int c = 0; c < NCOL; c++) PetscCall(PetscStrncpy(rows[0].cell[c], head[c], sizeof(rows[0].cell[c])));
    nrows = 1;
  }
  *allpass = PETSC_TRUE;
  for (size_t s = 0; s < sizeof(schemes) / sizeof(schemes[0]); s++) {
    PetscReal err[NSTEP], rate = 0;
    if (hasOnly && strcmp(only, schemes[s].name)) continue;
    for (PetscInt r = 0; r < NSTEP; r++) {
      PetscReal tmid = 0;
      PetscInt  ndofs = 0;
      Row      *row = &rows[nrows++];
      PetscCall(SolveOne(schemes[s].theta, nsteps[r], &err[r], &tmid, &ndofs));
      PetscCall(PetscSNPrintf(row->cell[0], sizeof(row->cell[0]), "slab_%s", schemes[s].name));
      PetscCall(PetscSNPrintf(row->cell[1], sizeof(row->cell[1]), "%s", r == 0 ? schemes[s].label : ""));
      PetscCall(PetscSNPrintf(row->cell[2], sizeof(row->cell[2]), "%" PetscInt_FMT, nsteps[r]));
      PetscCall(PetscSNPrintf(row->cell[3], sizeof(row->cell[3]), "%.4g", TEND / nsteps[r]));
      PetscCall(PetscSNPrintf(row->cell[4], sizeof(row->cell[4]), "%" PetscInt_FMT, ndofs));
      PetscCall(PetscSNPrintf(row->cell[5], sizeof(row->cell[5]), "%.6f", (double)tmid));
      PetscCall(PetscSNPrintf(row->cell[6], sizeof(row->cell[6]), "%.4e", (double)err[r]));
      if (r > 0) {
        rate = PetscLogReal(err[r - 1] / err[r]) / PetscLogReal((PetscReal)nsteps[r] / (PetscReal)nsteps[r - 1]);
        PetscCall(PetscSNPrintf(row->cell[7], sizeof(row->cell[7]), "%.3f", (double)rate));
      } else PetscCall(PetscStrncpy(row->cell[7], "-", sizeof(row->cell[7])));
      if (r == NSTEP - 1) {
        PetscBool ok = (PetscIsNormalReal(rate) && PetscAbsReal(rate - schemes[s].expected) <= 0.2) ? PETSC_TRUE : PETSC_FALSE;
        nchecks++;
        if (ok) npass++;
        else {
          char msg[256];
          *allpass = PETSC_FALSE;
          PetscCall(PetscSNPrintf(msg, sizeof(msg), "  slab_%s: last rate %.3f is not within 0.2 of %" PetscInt_FMT "\n", schemes[s].name, (double)rate, schemes[s].expected));
          PetscCall(PetscStrlcat(failures, msg, sizeof(failures)));
        }
        PetscCall(PetscSNPrintf(row->cell[8], sizeof(row->cell[8]), "%" PetscInt_FMT " +- 0.2", schemes[s].expected));
        PetscCall(PetscStrncpy(row->cell[9], ok ? "PASS" : "FAIL", sizeof(row->cell[9])));
      } else {
        for (int c = 8; c < NCOL; c++) PetscCall(PetscStrncpy(row->cell[c], "", sizeof(row->cell[c])));
      }
    }
  }
  PetscCheck(nchecks > 0, PETSC_COMM_WORLD, PETSC_ERR_USER, "-slab_case %s: no such case (be, cn)", only);
  PetscCall(PrintTable(rows, nrows));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nslab 0 <= x <= 1 m, k = rho = c = 1, T = 0 at both ends, T(x, 0) = sin(pi x); exact T = sin(pi x) exp(-pi^2 t).\n"
                                          "error = max |T_h - T| at t_end = 0.1 s over x = 0.1 .. 0.9; %" PetscInt_FMT " x 1 quadrilaterals, order %" PetscInt_FMT
                                          " (spatial error ~1e-9).\n"
                                          "rate = log(e_N / e_2N) / log 2. Pass: the last rate within 0.2 of 1 (backward Euler) or 2 (Crank-Nicolson).\n",
                        NX, ORDER));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n%" PetscInt_FMT " of %" PetscInt_FMT " checks passed, %" PetscInt_FMT " failed\n", npass, nchecks, nchecks - npass));
  if (failures[0]) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nFailures:\n%s", failures));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nSources:\n"
                                          "  [exact] H. S. Carslaw and J. C. Jaeger, Conduction of Heat in Solids, 2nd ed., Oxford (1959), section 3.3\n"
                                          "  [rate]  V. Thomee, Galerkin Finite Element Methods for Parabolic Problems, 2nd ed., Springer (2006), Thms 1.5, 1.6\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return TwinValidationMain(argc, argv, RunStudy);
}
