/* vtable.h: the result table of the validation programs: rows of NCOL cells of
 * 64 characters, the first two left-aligned, the others right-aligned, " | " between cells and
 * a "-+-" rule under the header row (row 0). Header-only: every program is built on its own. */
#ifndef TWINFE_VALIDATION_VTABLE_H
#define TWINFE_VALIDATION_VTABLE_H
#include <twinfe/sys.h>
#include <string.h>

/* cells: nrows x ncol x 64 characters (an array of `struct { char cell[NCOL][64]; }`). */
static inline PetscErrorCode TwinValidationPrintTable(int ncol, const char *cells, PetscInt nrows)
{
  size_t w[32] = {0};

  PetscFunctionBegin;
  PetscCheck(ncol <= 32, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "at most 32 columns");
  for (PetscInt r = 0; r < nrows; r++)
    for (int c = 0; c < ncol; c++) w[c] = PetscMax(w[c], strlen(&cells[(r * ncol + c) * 64]));
  for (PetscInt r = 0; r < nrows; r++) {
    char line[1024] = "", cellbuf[128];
    if (r == 1) {
      for (int c = 0; c < ncol; c++) {
        size_t k;
        for (k = 0; k < w[c] && k < sizeof(cellbuf) - 1; k++) cellbuf[k] = '-';
        cellbuf[k] = 0;
        PetscCall(PetscStrlcat(line, c ? "-+-" : "", sizeof(line)));
        PetscCall(PetscStrlcat(line, cellbuf, sizeof(line)));
      }
      PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", line));
      line[0] = 0;
    }
    for (int c = 0; c < ncol; c++) {
      const char *cell = &cells[(r * ncol + c) * 64];
      if (c < 2) PetscCall(PetscSNPrintf(cellbuf, sizeof(cellbuf), "%-*s", (int)w[c], cell));
      else PetscCall(PetscSNPrintf(cellbuf, sizeof(cellbuf), "%*s", (int)w[c], cell));
      PetscCall(PetscStrlcat(line, c ? " | " : "", sizeof(line)));
      PetscCall(PetscStrlcat(line, cellbuf, sizeof(line)));
    }
    for (size_t k = strlen(line); k > 0 && line[k - 1] == ' '; k--) line[k - 1] = 0;
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%s\n", line));
  }
  PetscFunctionReturn(0);
}
#define PrintTable(rows, nrows) TwinValidationPrintTable(NCOL, &(rows)[0].cell[0][0], (nrows))

/* main() of a validation program: run(&allpass) between PetscInitialize and PetscFinalize; exit
 * status 0 when every check passed, 1 when one failed, 2 on an error. */
static inline int TwinValidationMain(int argc, char **argv, PetscErrorCode (*run)(PetscBool *))
{
  PetscBool      allpass = PETSC_FALSE;
  PetscErrorCode ierr;

  ierr = PetscInitialize(&argc, &argv, NULL, NULL);
  if (ierr) return 2;
  ierr = TwinInitializePackage();
  if (!ierr) ierr = run(&allpass);
  if (ierr) {
    PetscFinalize();
    return 2;
  }
  if (PetscFinalize()) return 2;
  return allpass ? 0 : 1;
}
#endif
