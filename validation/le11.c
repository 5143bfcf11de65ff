/* le11.c: NAFEMS LE11, solid cylinder/taper/sphere under a prescribed temperature field.
 *
 *   mpiexec -n 2 build/validation/le11 [-le11_deck FILE] [PETSc options]
 *
 * The deck (default validation/le11/deck.yaml, mesh mesh/le11.geo) gives the geometry,
 * material (E = 210 GPa, nu = 0.3, alpha = 2.3e-4 /C, reference temperature 0) and the
 * NAFEMS boundary conditions (symmetry on x = 0 and y = 0, zero axial displacement on the faces
 * z = 0 and z = 1.797 m). The temperature T = sqrt(x^2 + y^2) + z (C) cannot be expressed in a
 * deck, so it is set at the nodes of the thermal model with TwinThermalSetInitialFunction and
 * the structure is solved with it through TwinMechanicsSetTemperature (as `twinfe run` does
 * for coupling: thermal). Target: sigma_zz at A = (1, 0, 0) is -105 MPa (NAFEMS, The Standard
 * NAFEMS Benchmarks, TNSB Rev. 3, 1990, test LE11), tolerance 2%. The stress at A is the
 * average of the element stresses of the cells that contain A (TwinMechanicsEvaluate).
 * Also checked: the interpolated temperature at A (1 C) and at an interior point.
 * Exit status 1 when a check fails, 2 on an internal error. */
#include <twinfe/mechanics.h>
#include <twinfe/thermal.h>
#include "vtable.h"

#define NCOL 7

static void Temperature(PetscInt dim, const PetscReal x[], PetscReal *T, void *ctx)
{
  (void)dim;
  (void)ctx;
  *T = PetscSqrtReal(x[0] * x[0] + x[1] * x[1]) + x[2];
}

typedef struct {
  char cell[NCOL][64];
} Row;

static PetscErrorCode AddRow(Row *rows, PetscInt *nrows, const char *q, PetscReal val, PetscReal ref, PetscReal tol, PetscInt *npass, char *failures, size_t flen)
{
  Row      *row = &rows[(*nrows)++];
  PetscReal err = ref != 0 ? PetscAbsReal(val - ref) / PetscAbsReal(ref) : PetscAbsReal(val);
  PetscBool ok  = (PetscIsNormalReal(val) || val == 0) && err <= tol ? PETSC_TRUE : PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscStrncpy(row->cell[0], "le11", sizeof(row->cell[0])));
  PetscCall(PetscStrncpy(row->cell[1], q, sizeof(row->cell[1])));
  PetscCall(PetscSNPrintf(row->cell[2], sizeof(row->cell[2]), "%.6g", (double)val));
  PetscCall(PetscSNPrintf(row->cell[3], sizeof(row->cell[3]), "%.6g", (double)ref));
  PetscCall(PetscSNPrintf(row->cell[4], sizeof(row->cell[4]), "%.2e", (double)err));
  PetscCall(PetscSNPrintf(row->cell[5], sizeof(row->cell[5]), "%.1e", (double)tol));
  PetscCall(PetscStrncpy(row->cell[6], ok ? "PASS" : "FAIL", sizeof(row->cell[6])));
  if (ok) (*npass)++;
  else {
    char msg[256];
    PetscCall(PetscSNPrintf(msg, sizeof(msg), "  le11: %s: %.6g, reference %.6g, rel. error %.2e > %.1e\n", q, (double)val, (double)ref, (double)err, (double)tol));
    PetscCall(PetscStrlcat(failures, msg, flen));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Run(PetscBool *allpass)
{
  char          path[PETSC_MAX_PATH_LEN] = "validation/le11/deck.yaml", failures[2048] = "";
  TwinDeck      deck = NULL;
  TwinMesh      mesh = NULL;
  TwinThermal   th   = NULL;
  TwinMechanics mech = NULL;
  const PetscReal xA[3] = {1, 0, 0}, xP[6] = {1, 0, 0, 0.6, 0.6, 1.0}; /* A; a point in the taper wall */
  PetscReal     disp[3], stress[6], T[2], Tp;
  PetscBool     found[2];
  Row           rows[8];
  PetscInt      nrows = 1, npass = 0, nchecks = 0;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-le11_deck", path, sizeof(path), NULL));
  PetscCall(TwinDeckLoad(PETSC_COMM_WORLD, path, &deck));
  if (deck->solver_options[0]) { /* deck options first, then the command line again so that it wins */
    PetscCall(PetscOptionsInsertString(NULL, deck->solver_options));
    PetscCall(PetscOptionsInsert(NULL, NULL, NULL, NULL));
  }
  PetscCall(TwinMeshCreate(PETSC_COMM_WORLD, deck, &mesh));
  PetscCall(TwinThermalCreate(mesh, deck, &th));
  PetscCall(TwinThermalInitialize(th));
  PetscCall(TwinThermalSetInitialFunction(th, Temperature, NULL));
  PetscCall(TwinMechanicsCreate(mesh, deck, &mech));
  PetscCall(TwinMechanicsSetTemperature(mech, th));
  PetscCall(TwinMechanicsAssemble(mech));
  PetscCall(TwinMechanicsSolve(mech));
  PetscCall(TwinMechanicsRecoverStress(mech));
  PetscCall(TwinMechanicsEvaluate(mech, 1, xA, disp, stress, found));
  PetscCheck(found[0], PETSC_COMM_WORLD, PETSC_ERR_USER, "point A (1, 0, 0) is not in the mesh");
  PetscCall(TwinThermalEvaluate(th, 2, xP, T, found));
  PetscCheck(found[0] && found[1], PETSC_COMM_WORLD, PETSC_ERR_USER, "temperature check points not in the mesh");
  Temperature(3, &xP[3], &Tp, NULL);

  {
    const char *head[NCOL] = {"case", "quantity", "computed", "reference", "rel. error", "tolerance", "result"};
    for (int c = 0; c < NCOL; c++) PetscCall(PetscStrncpy(rows[0].cell[c], head[c], sizeof(rows[0].cell[c])));
  }
  PetscCall(AddRow(rows, &nrows, "A: stress_zz", stress[2], -105e6, 0.02, &npass, failures, sizeof(failures)));
  PetscCall(AddRow(rows, &nrows, "A: temperature", T[0], 1.0, 1e-10, &npass, failures, sizeof(failures)));
  PetscCall(AddRow(rows, &nrows, "(0.6, 0.6, 1): temperature", T[1], Tp, 1e-3, &npass, failures, sizeof(failures)));
  nchecks = nrows - 1;
  PetscCall(PrintTable(rows, nrows));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n%s: %" PetscInt_FMT " cells, %" PetscInt_FMT " vertices, order %" PetscInt_FMT ", %" PetscInt_FMT " free DOFs, %" PetscInt_FMT " KSP iterations;\n"
                                          "T = sqrt(x^2 + y^2) + z set at the nodes; stress at A averaged over the cells containing A; u(A) = (%.4e, %.4e, %.4e) m.\n",
                        mesh->source, mesh->ncglobal, mesh->nvglobal, deck->mesh.order, mech->ndofGlobal, mech->iterations, (double)disp[0], (double)disp[1], (double)disp[2]));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\n%" PetscInt_FMT " of %" PetscInt_FMT " checks passed, %" PetscInt_FMT " failed\n", npass, nchecks, nchecks - npass));
  if (failures[0]) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nFailures:\n%s", failures));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "\nSources:\n"
                                          "  [le11] NAFEMS, The Standard NAFEMS Benchmarks, TNSB Rev. 3, 1990, test LE11 (solid cylinder/taper/sphere - temperature)\n"));
  *allpass = npass == nchecks ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(TwinMechanicsDestroy(&mech));
  PetscCall(TwinThermalDestroy(&th));
  PetscCall(TwinMeshDestroy(&mesh));
  PetscCall(TwinDeckDestroy(&deck));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return TwinValidationMain(argc, argv, Run);
}
