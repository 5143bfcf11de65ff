/* meshregion.c: which cells belong to a named region ("all" or a cell label), the rule shared
 * by materials and heat sources. */
#include <twinfe/mesh.h>

/*@C
  TwinMeshMarkRegion - Set mark[c - cStart] = value for every local cell of a region.

  Collective (the error for an unknown region is raised on every rank)

  Input Parameters:
+ mesh   - the mesh
. region - "all" or a region name (a cell label of the mesh)
. value  - the mark
- deck, line, col, what - for the error message ("material 'steel'", "source")

  Output Parameter:
. mark - per local cell
@*/
PetscErrorCode TwinMeshMarkRegion(TwinMesh mesh, const char region[], PetscInt value, const char deckpath[], int line, int col, const char what[], PetscInt mark[])
{
  DMLabel   label;
  PetscBool known      = PETSC_FALSE;
  char      list[1024] = "";

  PetscFunctionBegin;
  if (!strcmp(region, "all")) {
    for (PetscInt c = mesh->cStart; c < mesh->cEnd; c++) mark[c - mesh->cStart] = value;
    PetscFunctionReturn(0);
  }
  for (PetscInt r = 0; r < mesh->nregions; r++) {
    if (!strcmp(mesh->regions[r], region)) known = PETSC_TRUE;
    PetscCall(PetscStrlcat(list, r ? ", " : "", sizeof(list)));
    PetscCall(PetscStrlcat(list, mesh->regions[r], sizeof(list)));
  }
  PetscCheck(known, PetscObjectComm((PetscObject)mesh->dm), PETSC_ERR_USER, "%s:%d:%d: region '%s' of %s is not in the mesh %s (its regions: %s)", deckpath, line, col, region, what,
             mesh->source, list[0] ? list : "none; use region: all");
  PetscCall(DMGetLabel(mesh->dm, region, &label));
  for (PetscInt c = mesh->cStart; c < mesh->cEnd; c++) {
    PetscInt val;
    PetscCall(DMLabelGetValue(label, c, &val));
    if (val >= 0) mark[c - mesh->cStart] = value;
  }
  PetscFunctionReturn(0);
}

/*@C
  TwinMeshSumShared - Sum per-point data over the ranks sharing each point and copy the sum back
  to every copy, through the DM's point SF. Collective.
@*/
PetscErrorCode TwinMeshSumShared(TwinMesh mesh, PetscInt ncomp, PetscReal acc[])
{
  PetscSF      sf;
  MPI_Datatype unit;

  PetscFunctionBegin;
  PetscCall(DMGetPointSF(mesh->dm, &sf));
  PetscCallMPI(MPI_Type_contiguous((PetscMPIInt)ncomp, MPIU_REAL, &unit));
  PetscCallMPI(MPI_Type_commit(&unit));
  PetscCall(PetscSFReduceBegin(sf, unit, acc, acc, MPI_SUM));
  PetscCall(PetscSFReduceEnd(sf, unit, acc, acc, MPI_SUM));
  PetscCall(PetscSFBcastBegin(sf, unit, acc, acc, MPI_REPLACE));
  PetscCall(PetscSFBcastEnd(sf, unit, acc, acc, MPI_REPLACE));
  PetscCallMPI(MPI_Type_free(&unit));
  PetscFunctionReturn(0);
}
