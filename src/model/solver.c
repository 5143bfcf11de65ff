/* solver.c: the default linear solver of a model operator.
 *
 * Small problems get a sparse direct factorization, wrapped in CG (or GMRES) so the residual is
 * still checked against the model's tolerance: the factor is reused for every solve with the
 * same matrix (every time step of a member), and for the few thousand DOFs of a typical
 * ensemble member or twin this is 5-20x faster than GAMG (demo twin forecast, 1-rank groups:
 * TwinSolve 14.6 s with GAMG, 0.8 s with CHOLMOD). Larger problems get algebraic multigrid.
 * The threshold is -twin_direct_max_dofs (global free DOFs; 0 turns the direct path off).
 * Any -mechanics_ / -thermal_ option still overrides: KSPSetFromOptions comes after. */
#include <twinfe/space.h>

/*@C
  TwinSolverSetDefaults - Set the default preconditioner of a model's KSP for operator A.

  Collective

  Input Parameters:
+ ksp - the solver (its options prefix set, KSPSetFromOptions not yet called)
. A   - the operator (sizes known)
- spd - whether A is symmetric positive definite (Cholesky; otherwise LU)

  Output Parameter:
. direct - whether the direct path was chosen (may be NULL)

  Notes:
  One rank: CHOLMOD (SuiteSparse) for Cholesky, PETSc's own LU with nested dissection for LU.
  More ranks: MUMPS. GAMG otherwise (the caller adds its GAMG settings when *direct is false).
@*/
PetscErrorCode TwinSolverSetDefaults(KSP ksp, Mat A, PetscBool spd, PetscBool *direct)
{
  PetscInt    N, maxDirect = 20000;
  PetscMPIInt size;
  PC          pc;

  PetscFunctionBegin;
  PetscCall(MatGetSize(A, &N, NULL));
  PetscCallMPI(MPI_Comm_size(PetscObjectComm((PetscObject)A), &size));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-twin_direct_max_dofs", &maxDirect, NULL));
  PetscCall(KSPGetPC(ksp, &pc));
  if (N > 0 && N <= maxDirect) {
    PetscCall(PCSetType(pc, spd ? PCCHOLESKY : PCLU));
    if (size > 1) PetscCall(PCFactorSetMatSolverType(pc, MATSOLVERMUMPS));
    else if (spd) PetscCall(PCFactorSetMatSolverType(pc, MATSOLVERCHOLMOD));
    else PetscCall(PCFactorSetMatOrderingType(pc, MATORDERINGND));
    if (direct) *direct = PETSC_TRUE;
  } else {
    PetscCall(PCSetType(pc, PCGAMG));
    if (direct) *direct = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}
