/* thermsetup.c: the thermal model of a deck: a temperature space with fixed-temperature
 * boundaries as constraints, conductivity and capacity per cell, sources per region, and the
 * flux, convection and radiation faces. */
#include <twinfe/thermal.h>

static PetscErrorCode CheckNames(TwinThermal th)
{
  TwinDeck deck = th->deck;

  PetscFunctionBegin;
  for (PetscInt ib = 0; ib < deck->thermal.nbcs; ib++) {
    TwinThermBC *bc = &deck->thermal.bcs[ib];
    for (PetscInt k = 0; k < bc->non; k++) {
      PetscBool has, region = PETSC_FALSE;
      char      list[1024] = "";
      PetscCall(TwinMeshHasBoundary(th->mesh, bc->on[k], &has));
      /* a fixed temperature may also hold a whole region (e.g. a prescribed hot spot) */
      for (PetscInt r = 0; r < th->mesh->nregions && bc->type == TWIN_TBC_TEMPERATURE; r++)
        if (!strcmp(th->mesh->regions[r], bc->on[k])) region = PETSC_TRUE;
      if (has || region) continue;
      for (PetscInt i = 0; i < th->mesh->nboundaries; i++) {
        PetscCall(PetscStrlcat(list, i ? ", " : "", sizeof(list)));
        PetscCall(PetscStrlcat(list, th->mesh->boundaries[i], sizeof(list)));
      }
      SETERRQ(PetscObjectComm((PetscObject)th->mesh->dm), PETSC_ERR_USER,
              "%s:%d:%d: boundary '%s' is not in the mesh %s (its boundaries: %s)", deck->path,
              bc->online[k], bc->oncol[k], bc->on[k], th->mesh->source, list[0] ? list : "none");
    }
  }
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalCreate - Set up the thermal model of a deck on a mesh.

  Collective

  Input Parameters:
+ mesh - the distributed mesh
- deck - the validated deck with a thermal: section (borrowed)

  Output Parameter:
. th - the model; destroy with TwinThermalDestroy()
@*/
PetscErrorCode TwinThermalCreate(TwinMesh mesh, TwinDeck deck, TwinThermal *thermal)
{
  TwinThermal th;
  PetscInt    ncell = mesh->cEnd - mesh->cStart, missing = -1;
  MPI_Comm    comm = PetscObjectComm((PetscObject)mesh->dm);

  PetscFunctionBegin;
  PetscCall(TwinInitializePackage());
  PetscCheck(deck->thermal.enabled, comm, PETSC_ERR_ARG_WRONGSTATE,
             "%s: the deck has no thermal: section", deck->path);
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.Setup, 0, 0, 0, 0));
  PetscCall(PetscNew(&th));
  th->mesh   = mesh;
  th->deck   = deck;
  th->dim    = mesh->dim;
  th->order  = deck->mesh.order;
  th->offset = deck->thermal.kelvin ? 0.0 : 273.15;
  th->theta  = deck->time.transient ? deck->time.theta : 1.0;
  PetscCall(CheckNames(th));

  /* materials and sources per cell */
  PetscCall(PetscMalloc2(ncell, &th->cellMat, ncell, &th->cellSource));
  for (PetscInt lc = 0; lc < ncell; lc++)
    th->cellMat[lc] = th->cellSource[lc] = -1;
  for (PetscInt i = 0; i < deck->nmaterials; i++) {
    char what[TWIN_NAME_LEN + 16];
    PetscCall(PetscSNPrintf(what, sizeof(what), "material '%s'", deck->materials[i].name));
    PetscCall(TwinMeshMarkRegion(mesh, deck->materials[i].region, i, deck->path,
                                 deck->materials[i].line, deck->materials[i].col, what,
                                 th->cellMat));
  }
  for (PetscInt lc = 0; lc < ncell && missing < 0; lc++)
    if (th->cellMat[lc] < 0) missing = mesh->cnatural[lc];
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &missing, 1, MPIU_INT, MPI_MAX, comm));
  PetscCheck(missing < 0, comm, PETSC_ERR_USER,
             "%s: cell %" PetscInt_FMT " of mesh %s has no material", deck->path, missing,
             mesh->source);
  for (PetscInt i = 0; i < deck->thermal.nsources; i++)
    PetscCall(TwinMeshMarkRegion(mesh, deck->thermal.sources[i].region, i, deck->path,
                                 deck->thermal.sources[i].line, deck->thermal.sources[i].col,
                                 "a heat source", th->cellSource));

  /* the space: mass-type terms need degree 2*order, exact by the default quadrature */
  PetscCall(TwinSpaceCreate(mesh, th->order, 1, 0, &th->sp));
  for (PetscInt ib = 0; ib < deck->thermal.nbcs; ib++) {
    TwinThermBC *bc = &deck->thermal.bcs[ib];
    PetscBool    on = PETSC_TRUE;
    if (bc->type != TWIN_TBC_TEMPERATURE) continue;
    for (PetscInt k = 0; k < bc->non; k++)
      PetscCall(TwinSpaceConstrain(th->sp, bc->on[k], &on, ib));
  }
  PetscCall(TwinSpaceSetUp(th->sp, "thermal_", &th->A));
  PetscCall(MatSetOption(th->A, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(th->A, MAT_SYMMETRY_ETERNAL, PETSC_TRUE)); /* kept through MatAssemblyEnd */
  PetscCall(
      PetscCalloc3(th->sp->ncoo, &th->cooK, th->sp->ncoo, &th->cooM, th->sp->ncoo, &th->cooA));

  /* boundary faces with a flux, convection or radiation condition */
  th->nfaces = 0;
  PetscCall(PetscMalloc1(1, &th->faces));
  for (PetscInt ib = 0; ib < deck->thermal.nbcs; ib++) {
    TwinThermBC *bc = &deck->thermal.bcs[ib];
    if (bc->type == TWIN_TBC_TEMPERATURE) continue;
    if (bc->type == TWIN_TBC_RADIATION) th->radiation = PETSC_TRUE;
    if (bc->type == TWIN_TBC_CONVECTION && !TwinFunctionIsConstant(&bc->h))
      th->convVaries = PETSC_TRUE;
    for (PetscInt k = 0; k < bc->non; k++) {
      PetscInt       nf;
      TwinFace      *f;
      TwinThermFace *more;
      PetscCall(TwinSpaceGetFaces(th->sp, bc->on[k], &nf, &f));
      PetscCall(PetscMalloc1(th->nfaces + nf + 1, &more));
      PetscCall(PetscArraycpy(more, th->faces, th->nfaces));
      for (PetscInt i = 0; i < nf; i++) {
        more[th->nfaces + i].f  = f[i];
        more[th->nfaces + i].bc = ib;
      }
      PetscCall(PetscFree(th->faces));
      th->faces = more;
      th->nfaces += nf;
      PetscCall(PetscFree(f));
    }
  }
  {
    PetscInt flags[2] = {th->radiation, th->convVaries};
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPIU_INT, MPI_MAX, comm));
    th->radiation  = flags[0] ? PETSC_TRUE : PETSC_FALSE;
    th->convVaries = flags[1] ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscCall(TwinSpaceCheckProbes(th->sp, deck));
  PetscCall(MatCreateVecs(th->A, &th->T, &th->b));
  PetscCall(VecDuplicate(th->T, &th->work));
  if (deck->thermal.initial_file[0])
    PetscCall(TwinThermalReadInitial(th)); /* checked now, before any solve */
  PetscCall(DMCreateLocalVector(th->sp->dm, &th->Tlocal));
  PetscCall(VecDuplicate(th->Tlocal, &th->Told));
  PetscCall(VecDuplicate(th->Tlocal, &th->rhsLocal));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.Setup, 0, 0, 0, 0));
  *thermal = th;
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalDestroy - Free the thermal model and set the handle to NULL. Collective.
@*/
PETSC_INTERN PetscErrorCode TwinThermalFreeCaches_Private(TwinThermal);

PetscErrorCode TwinThermalDestroy(TwinThermal *thermal)
{
  TwinThermal th = *thermal;

  PetscFunctionBegin;
  if (!th) PetscFunctionReturn(0);
  PetscCall(TwinThermalFreeCaches_Private(th));
  PetscCall(PetscFree2(th->cellMat, th->cellSource));
  PetscCall(PetscFree(th->faces));
  PetscCall(PetscFree3(th->cooK, th->cooM, th->cooA));
  PetscCall(PetscFree(th->cooJ));
  PetscCall(PetscFree2(th->vertexFlux, th->cellFlux));
  PetscCall(MatDestroy(&th->A));
  PetscCall(MatDestroy(&th->K));
  PetscCall(MatDestroy(&th->M));
  PetscCall(MatDestroy(&th->J));
  PetscCall(KSPDestroy(&th->ksp));
  PetscCall(SNESDestroy(&th->snes));
  PetscCall(VecDestroy(&th->T));
  PetscCall(VecDestroy(&th->T0));
  PetscCall(VecDestroy(&th->b));
  PetscCall(VecDestroy(&th->work));
  PetscCall(VecDestroy(&th->Tlocal));
  PetscCall(VecDestroy(&th->Told));
  PetscCall(VecDestroy(&th->rhsLocal));
  PetscCall(TwinSpaceDestroy(&th->sp));
  PetscCall(PetscFree(*thermal));
  PetscFunctionReturn(0);
}
