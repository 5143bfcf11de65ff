/* mechsetup.c: the structural model of a deck on a mesh: a displacement space with the deck's
 * displacement boundaries as constraints, materials per cell, traction and pressure faces,
 * Dirichlet values, and the rigid-body near-nullspace for GAMG. */
#include <twinfe/mechanics.h>
#include <stdio.h>

/* Check boundary names against the mesh now that the mesh exists (file meshes). */
static PetscErrorCode CheckBoundaries(TwinMechanics m)
{
  TwinDeck deck = m->deck;

  PetscFunctionBegin;
  for (PetscInt ib = 0; ib < deck->mechanics.nbcs; ib++) {
    TwinMechBC *bc = &deck->mechanics.bcs[ib];
    for (PetscInt k = 0; k < bc->non; k++) {
      PetscBool has;
      char      list[1024] = "";
      PetscCall(TwinMeshHasBoundary(m->mesh, bc->on[k], &has));
      if (has) continue;
      for (PetscInt i = 0; i < m->mesh->nboundaries; i++) {
        PetscCall(PetscStrlcat(list, i ? ", " : "", sizeof(list)));
        PetscCall(PetscStrlcat(list, m->mesh->boundaries[i], sizeof(list)));
      }
      SETERRQ(PetscObjectComm((PetscObject)m->mesh->dm), PETSC_ERR_USER,
              "%s:%d:%d: boundary '%s' is not in the mesh %s (its boundaries: %s)", deck->path,
              bc->online[k], bc->oncol[k], bc->on[k], m->mesh->source, list[0] ? list : "none");
    }
  }
  PetscFunctionReturn(0);
}

/* Material of every cell: "all" or a region label; later materials override earlier ones. */
/* Elastic constants and body forces of every material from the deck (again after the deck's
 * values change: ensemble members); *changed tells whether the stiffness must be reassembled. */
static PetscErrorCode MaterialConstants(TwinMechanics m, PetscBool *changed)
{
  TwinDeck deck = m->deck;

  PetscFunctionBegin;
  if (changed) *changed = PETSC_FALSE;
  for (PetscInt i = 0; i < deck->nmaterials; i++) {
    TwinMaterial *mat = &deck->materials[i];
    TwkElasticity e;
    double        lambda, mu;
    TwkLameFromEnu(mat->E, mat->nu, &lambda, &mu);
    e.lambda    = lambda;
    e.mu        = mu;
    e.thickness = 1.0;
    if (m->dim == 3) e.plane = TWK_SOLID3D;
    else if (deck->mechanics.model == TWIN_PLANE_STRAIN) e.plane = TWK_PLANE_STRAIN;
    else {
      e.plane     = TWK_PLANE_STRESS;
      e.thickness = deck->mechanics.thickness;
    }
    if (changed && (e.lambda != m->mats[i].lambda || e.mu != m->mats[i].mu || e.thickness != m->mats[i].thickness || e.plane != m->mats[i].plane)) *changed = PETSC_TRUE;
    m->mats[i] = e;
    for (PetscInt d = 0; d < 3; d++) m->bodyForce[3 * i + d] = deck->mechanics.body_force[d] + mat->density * deck->mechanics.gravity[d];
  }
  PetscFunctionReturn(0);
}

/* Dirichlet values from the deck into bcLocal, and which cells carry a nonzero one. */
static PetscErrorCode DirichletValues(TwinMechanics m)
{
  PetscScalar *bc;
  PetscInt     pStart = m->mesh->pStart, ncell = m->mesh->cEnd - m->mesh->cStart;

  PetscFunctionBegin;
  PetscCall(VecGetArray(m->bcLocal, &bc));
  for (PetscInt p = pStart; p < m->mesh->pEnd; p++) {
    PetscInt dof, off;
    PetscCall(PetscSectionGetDof(m->sp->section, p, &dof));
    if (!dof) continue;
    PetscCall(PetscSectionGetOffset(m->sp->section, p, &off));
    for (PetscInt d = 0; d < m->dim; d++) {
      PetscInt id = m->sp->bcid[(p - pStart) * m->dim + d];
      bc[off + d] = id >= 0 ? m->deck->mechanics.bcs[id].value[d] : 0.0;
    }
  }
  for (PetscInt lc = 0; lc < ncell; lc++) {
    m->cellLifted[lc] = PETSC_FALSE;
    for (PetscInt a = 0; a < m->sp->nen; a++)
      for (PetscInt d = 0; d < m->dim; d++)
        if (bc[m->sp->cellDofs[lc * m->sp->nen + a] + d] != 0.0) m->cellLifted[lc] = PETSC_TRUE;
  }
  PetscCall(VecRestoreArray(m->bcLocal, &bc));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetupMaterials(TwinMechanics m)
{
  DM       dm     = m->mesh->dm;
  TwinDeck deck   = m->deck;
  PetscInt cStart = m->mesh->cStart, cEnd = m->mesh->cEnd, missing = -1;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(deck->nmaterials, &m->mats, 3 * deck->nmaterials, &m->bodyForce,
                         cEnd - cStart, &m->cellMat));
  for (PetscInt c = cStart; c < cEnd; c++)
    m->cellMat[c - cStart] = -1;
  PetscCall(MaterialConstants(m, NULL));
  for (PetscInt i = 0; i < deck->nmaterials; i++) {
    TwinMaterial *mat = &deck->materials[i];
    {
      char what[TWIN_NAME_LEN + 16];
      PetscCall(PetscSNPrintf(what, sizeof(what), "material '%s'", mat->name));
      PetscCall(TwinMeshMarkRegion(m->mesh, mat->region, i, deck->path, mat->line, mat->col, what, m->cellMat));
    }
  }
  for (PetscInt c = cStart; c < cEnd && missing < 0; c++)
    if (m->cellMat[c - cStart] < 0) missing = m->mesh->cnatural[c - cStart];
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &missing, 1, MPIU_INT, MPI_MAX,
                             PetscObjectComm((PetscObject)dm)));
  PetscCheck(missing < 0, PetscObjectComm((PetscObject)dm), PETSC_ERR_USER,
             "%s: cell %" PetscInt_FMT
             " of mesh %s has no material (no material has region: all or its region)",
             deck->path, missing, m->mesh->source);
  PetscFunctionReturn(0);
}

/* Traction and pressure faces owned by this rank. */
static PetscErrorCode SetupFaceLoads(TwinMechanics m)
{
  TwinDeck deck = m->deck;
  PetscInt cap  = 0;

  PetscFunctionBegin;
  m->nfaceLoads = 0;
  PetscCall(PetscMalloc1(1, &m->faceLoads));
  for (PetscInt ib = 0; ib < deck->mechanics.nbcs; ib++) {
    TwinMechBC *bc = &deck->mechanics.bcs[ib];
    if (bc->type == TWIN_MBC_DISPLACEMENT) continue;
    for (PetscInt k = 0; k < bc->non; k++) {
      PetscInt  nf;
      TwinFace *faces;
      PetscCall(TwinSpaceGetFaces(m->sp, bc->on[k], &nf, &faces));
      if (m->nfaceLoads + nf > cap) {
        TwinFaceLoad *more;
        cap = 2 * (m->nfaceLoads + nf);
        PetscCall(PetscMalloc1(cap, &more));
        PetscCall(PetscArraycpy(more, m->faceLoads, m->nfaceLoads));
        PetscCall(PetscFree(m->faceLoads));
        m->faceLoads = more;
      }
      for (PetscInt i = 0; i < nf; i++) {
        TwinFaceLoad *fl = &m->faceLoads[m->nfaceLoads++];
        fl->f            = faces[i];
        fl->bc           = ib;
        fl->pressure     = bc->type == TWIN_MBC_PRESSURE ? bc->value[0] : 0.0;
        for (PetscInt d = 0; d < 3; d++) fl->traction[d] = bc->type == TWIN_MBC_TRACTION ? bc->value[d] : 0.0;
      }
      PetscCall(PetscFree(faces));
    }
  }
  PetscFunctionReturn(0);
}

/*@C
  TwinMechanicsCreate - Set up the structural model of a deck on a mesh.

  Collective

  Input Parameters:
+ mesh - the distributed mesh
- deck - the validated deck (borrowed: must outlive the model)

  Output Parameter:
. mech - the model; destroy with TwinMechanicsDestroy()
@*/
PetscErrorCode TwinMechanicsCreate(TwinMesh mesh, TwinDeck deck, TwinMechanics *mech)
{
  TwinMechanics m;
  DM            dm     = mesh->dm;
  PetscInt      pStart = mesh->pStart, pEnd = mesh->pEnd, ncell = mesh->cEnd - mesh->cStart;
  MPI_Comm      comm   = PetscObjectComm((PetscObject)dm);

  PetscFunctionBegin;
  PetscCall(TwinInitializePackage());
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.Setup, 0, 0, 0, 0));
  PetscCall(PetscNew(&m));
  m->mesh  = mesh;
  m->deck  = deck;
  m->dim   = mesh->dim;
  m->order = deck->mesh.order;
  { /* deck values whose meaning depends on the mesh dimension (known only now for Gmsh meshes) */
    const TwinDeckMechanics *mc = &deck->mechanics;
    PetscCheck(!(mc->has_model && mesh->dim == 3 && mc->model != TWIN_SOLID), comm, PETSC_ERR_USER, "%s:%d:%d: model %s needs a 2D mesh, but %s is 3D (use model: solid)", deck->path,
               mc->model_line, mc->model_col, mc->model == TWIN_PLANE_STRAIN ? "plane_strain" : "plane_stress", mesh->source);
    PetscCheck(!(mc->has_model && mesh->dim == 2 && mc->model == TWIN_SOLID), comm, PETSC_ERR_USER, "%s:%d:%d: model solid needs a 3D mesh, but %s is 2D (use plane_stress or plane_strain)",
               deck->path, mc->model_line, mc->model_col, mesh->source);
    PetscCheck(!mc->nbody_force || mc->nbody_force == mesh->dim, comm, PETSC_ERR_USER, "%s: mechanics.body_force has %" PetscInt_FMT " components, the mesh is %" PetscInt_FMT "D",
               deck->path, mc->nbody_force, mesh->dim);
    PetscCheck(!mc->ngravity || mc->ngravity == mesh->dim, comm, PETSC_ERR_USER, "%s: mechanics.gravity has %" PetscInt_FMT " components, the mesh is %" PetscInt_FMT "D", deck->path,
               mc->ngravity, mesh->dim);
    for (PetscInt ib = 0; ib < mc->nbcs; ib++) {
      const TwinMechBC *bc = &mc->bcs[ib];
      PetscCheck(bc->type == TWIN_MBC_PRESSURE || bc->ncomp == mesh->dim, comm, PETSC_ERR_USER, "%s:%d:%d: this boundary value has %" PetscInt_FMT " components, the mesh %s is %" PetscInt_FMT "D",
                 deck->path, bc->line, bc->col, bc->ncomp, mesh->source, mesh->dim);
    }
  }
  PetscCall(CheckBoundaries(m));
  PetscCall(SetupMaterials(m));
  PetscCall(TwinSpaceCreate(mesh, m->order, m->dim, 0, &m->sp));
  for (PetscInt ib = 0; ib < deck->mechanics.nbcs; ib++) {
    TwinMechBC *bc = &deck->mechanics.bcs[ib];
    if (bc->type != TWIN_MBC_DISPLACEMENT) continue;
    for (PetscInt k = 0; k < bc->non; k++) PetscCall(TwinSpaceConstrain(m->sp, bc->on[k], bc->active, ib));
  }
  PetscCall(TwinSpaceSetUp(m->sp, "mechanics_", &m->A));
  /* eternal: every assembly ends in MatAssemblyEnd, which otherwise forgets the flags (GAMG then
     builds its graph as for a nonsymmetric matrix: PCGAMGCreateG 0.84-1.10 s instead of
     0.41-0.48 s on hex_800k, 2 ranks, binaries alternated) */
  PetscCall(MatSetOption(m->A, MAT_SYMMETRIC, PETSC_TRUE));
  PetscCall(MatSetOption(m->A, MAT_SYMMETRY_ETERNAL, PETSC_TRUE));
  PetscCall(MatSetOption(m->A, MAT_SPD, PETSC_TRUE));
  PetscCall(MatSetOption(m->A, MAT_SPD_ETERNAL, PETSC_TRUE));
  if (m->sp->petscCOO) PetscCall(PetscMalloc1(m->sp->ncoo, &m->cooValues)); /* else assembled in place */
  m->ndofGlobal = m->sp->nglobal;
  { /* a component that nothing holds leaves a rigid translation free: the solve cannot succeed */
    PetscInt held[3] = {0, 0, 0};
    for (PetscInt p = pStart; p < pEnd; p++)
      for (PetscInt c = 0; c < m->dim; c++) held[c] += m->sp->bcid[(p - pStart) * m->dim + c] >= 0;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, held, 3, MPIU_INT, MPI_SUM, comm));
    for (PetscInt c = 0; c < m->dim; c++)
      PetscCheck(held[c] > 0, comm, PETSC_ERR_USER,
                 "%s: no displacement boundary condition holds the %c component anywhere: the body can move freely as a rigid body in %c (add a displacement boundary under mechanics.boundaries)",
                 deck->path, "xyz"[c], "xyz"[c]);
  }

  /* Dirichlet values, and the cells that carry a nonzero one (their load needs lifting) */
  PetscCall(DMCreateLocalVector(m->sp->dm, &m->bcLocal));
  PetscCall(VecDuplicate(m->bcLocal, &m->ulocal));
  PetscCall(PetscMalloc1(ncell, &m->cellLifted));
  PetscCall(DirichletValues(m));
  PetscCall(MatCreateVecs(m->A, &m->u, &m->b));
  PetscCall(SetupFaceLoads(m));

  /* rigid-body near-nullspace from node positions (mean of each node point's vertices) */
  {
    PetscInt     nmodes = m->dim == 2 ? 3 : 6;
    Vec          modes[6];
    PetscScalar *mv[6];
    MatNullSpace nsp;
    for (PetscInt k = 0; k < nmodes; k++) {
      PetscCall(VecDuplicate(m->u, &modes[k]));
      PetscCall(VecGetArray(modes[k], &mv[k]));
    }
    PetscInt rstart;
    PetscCall(VecGetOwnershipRange(m->u, &rstart, NULL));
    for (PetscInt p = pStart; p < pEnd; p++) {
      PetscInt  dof;
      PetscReal x[3];
      PetscCall(PetscSectionGetDof(m->sp->section, p, &dof));
      if (!dof || PetscBTLookup(mesh->ghost, p - pStart)) continue;
      PetscCall(TwinSpacePointPosition(m->sp, p, x));
      for (PetscInt d = 0; d < m->dim; d++) {
        PetscInt g = m->sp->pointGlobal[(p - pStart) * m->dim + d];
        if (g < 0) continue;
        g -= rstart;
        for (PetscInt k = 0; k < nmodes; k++)
          mv[k][g] = 0;
        mv[d][g] = 1; /* translations */
        if (m->dim == 2) {
          mv[2][g] = d == 0 ? -x[1] : x[0];
        } else {
          mv[3][g] = d == 0 ? -x[1] : (d == 1 ? x[0] : 0);
          mv[4][g] = d == 0 ? 0 : (d == 1 ? -x[2] : x[1]);
          mv[5][g] = d == 0 ? x[2] : (d == 1 ? 0 : -x[0]);
        }
      }
    }
    for (PetscInt k = 0; k < nmodes; k++)
      PetscCall(VecRestoreArray(modes[k], &mv[k]));
    /* orthonormalize (modified Gram-Schmidt); MatNullSpaceCreate needs orthonormal vectors */
    for (PetscInt k = 0; k < nmodes; k++) {
      PetscReal nrm;
      for (PetscInt j = 0; j < k; j++) {
        PetscScalar dot;
        PetscCall(VecDot(modes[k], modes[j], &dot));
        PetscCall(VecAXPY(modes[k], -dot, modes[j]));
      }
      PetscCall(VecNormalize(modes[k], &nrm));
    }
    PetscCall(MatNullSpaceCreate(comm, PETSC_FALSE, nmodes, modes, &nsp));
    PetscCall(MatSetNearNullSpace(m->A, nsp));
    PetscCall(MatNullSpaceDestroy(&nsp));
    for (PetscInt k = 0; k < nmodes; k++)
      PetscCall(VecDestroy(&modes[k]));
  }
  PetscCall(TwinSpaceCheckProbes(m->sp, deck));
  if (deck->mechanics.coupled) {
    PetscBool any = PETSC_FALSE;
    for (PetscInt i = 0; i < deck->nmaterials; i++)
      if (deck->materials[i].expansion != 0.0) any = PETSC_TRUE;
    if (!any) PetscCall(PetscPrintf(comm, "twinfe: warning: %s: mechanics.coupling is thermal but no material has an expansion coefficient: the temperature does not load the structure\n", deck->path));
  }
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.Setup, 0, 0, 0, 0));
  *mech = m;
  PetscFunctionReturn(0);
}

/*@C
  TwinMechanicsDestroy - Free the model and set the handle to NULL. Collective.
@*/
PetscErrorCode TwinMechanicsDestroy(TwinMechanics *mech)
{
  TwinMechanics m = *mech;

  PetscFunctionBegin;
  if (!m) PetscFunctionReturn(0);
  PetscCall(PetscFree(m->cellLifted));
  PetscCall(PetscFree3(m->mats, m->bodyForce, m->cellMat));
  PetscCall(PetscFree(m->faceLoads));
  PetscCall(PetscFree(m->cooValues));
  PetscCall(PetscFree4(m->vertexStress, m->vertexVonMises, m->cellStress, m->cellVonMises));
  PetscCall(MatDestroy(&m->A));
  PetscCall(KSPDestroy(&m->ksp));
  PetscCall(VecDestroy(&m->u));
  PetscCall(VecDestroy(&m->b));
  PetscCall(VecDestroy(&m->ulocal));
  PetscCall(VecDestroy(&m->bcLocal));
  PetscCall(TwinSpaceDestroy(&m->sp));
  PetscCall(PetscFree(*mech));
  PetscFunctionReturn(0);
}

/*@C
  TwinMechanicsUpdate - Re-read the deck's values (materials, body forces, boundary values and
  loads) after they changed, e.g. for the next ensemble member. The stiffness is reassembled at
  the next TwinMechanicsAssemble() only if a material constant changed; otherwise the matrix and
  the preconditioner are reused. Not collective.
@*/
PetscErrorCode TwinMechanicsUpdate(TwinMechanics m)
{
  PetscBool changed;

  PetscFunctionBegin;
  PetscCall(MaterialConstants(m, &changed));
  if (changed) m->matAssembled = PETSC_FALSE;
  PetscCall(DirichletValues(m));
  for (PetscInt i = 0; i < m->nfaceLoads; i++) {
    TwinFaceLoad *fl = &m->faceLoads[i];
    TwinMechBC   *bc = &m->deck->mechanics.bcs[fl->bc];
    fl->pressure     = bc->type == TWIN_MBC_PRESSURE ? bc->value[0] : 0.0;
    for (PetscInt d = 0; d < 3; d++) fl->traction[d] = bc->type == TWIN_MBC_TRACTION ? bc->value[d] : 0.0;
  }
  PetscFunctionReturn(0);
}
