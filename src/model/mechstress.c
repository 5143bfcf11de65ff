/* mechstress.c: stresses from the displacement (at cell centroids, and averaged at vertices
 * over the cells around them, across ranks) and point evaluation for probes. */
#include <twinfe/mechanics.h>

/* Full Voigt-6 stress (xx, yy, zz, yz, xz, xy) at reference point xi of local cell lc; tl is the
 * coupled temperature's local array (NULL when uncoupled), fetched once by the caller. */
static void CellStress6(TwinMechanics m, PetscInt lc, const PetscScalar *tl, const double *X, const double *ue, const double *xi, double *s6)
{
  double              s[TWK_MAX_VOIGT], szz = 0;
  const TwinMaterial *tm = &m->deck->materials[m->cellMat[lc]];
  if (tl && tm->expansion != 0.0) { /* minus the thermal strain of the coupled temperature */
    double te[TWK_MAX_NODES];
    TwinSpaceCellValues(m->thermal->sp, lc, tl, te);
    TwkElasticityThermalStress(&m->sp->elem, X, &m->mats[m->cellMat[lc]], ue, tm->expansion, tm->reference_temperature, te, xi, s, &szz);
  } else TwkElasticityStress(&m->sp->elem, X, &m->mats[m->cellMat[lc]], ue, xi, s, &szz);
  if (m->dim == 3) {
    for (int k = 0; k < 6; k++) s6[k] = s[k];
  } else {
    s6[0] = s[0]; s6[1] = s[1]; s6[2] = szz; s6[3] = 0; s6[4] = 0; s6[5] = s[2];
  }
}

static double VonMises6(const double *s)
{
  return TwkVonMises(3, s, 0.0); /* the Voigt-6 layout is the 3D one, out-of-plane stress included */
}

static void GatherCell(TwinMechanics m, PetscInt lc, const PetscScalar *ul, double *X, double *ue)
{
  TwinSpaceCellCoordinates(m->sp, lc, X);
  TwinSpaceCellValues(m->sp, lc, ul, ue);
}

/*@C
  TwinMechanicsRecoverStress - Cell-centroid stresses and vertex stresses averaged over the
  cells that share the vertex (on every rank), with von Mises.

  Collective
@*/
PetscErrorCode TwinMechanicsRecoverStress(TwinMechanics m)
{
  TwinMesh           mesh = m->mesh;
  PetscInt           ncell = mesh->cEnd - mesh->cStart, nv = mesh->vEnd - mesh->vStart, npt = mesh->pEnd - mesh->pStart;
  const PetscScalar *ul, *tl = NULL;
  double             vref[TWK_MAX_VERTS * 3], cen[3] = {0, 0, 0};
  PetscReal         *acc; /* per chart point: 6 stresses + count */

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.StressRecovery, 0, 0, 0, 0));
  if (!m->vertexStress) PetscCall(PetscMalloc4(nv * 6, &m->vertexStress, nv, &m->vertexVonMises, ncell * 6, &m->cellStress, ncell, &m->cellVonMises));
  TwkElementVertexRefCoords(&m->sp->elem, vref);
  for (PetscInt k = 0; k < m->sp->nverts; k++)
    for (PetscInt d = 0; d < m->dim; d++) cen[d] += vref[k * m->dim + d] / m->sp->nverts;
  PetscCall(PetscCalloc1(npt * 7, &acc));
  PetscCall(VecGetArrayRead(m->ulocal, &ul));
  if (m->thermal) PetscCall(VecGetArrayRead(m->thermal->Tlocal, &tl));
  for (PetscInt lc = 0; lc < ncell; lc++) {
    double X[TWK_MAX_VERTS * 3], ue[TWK_MAX_EDOF], s6[6];
    GatherCell(m, lc, ul, X, ue);
    CellStress6(m, lc, tl, X, ue, cen, &m->cellStress[lc * 6]);
    m->cellVonMises[lc] = VonMises6(&m->cellStress[lc * 6]);
    /* the vertex of kernel vertex k: find it through the coordinate offsets */
    for (PetscInt k = 0; k < m->sp->nverts; k++) {
      PetscInt v = -1, off = m->sp->cellVerts[lc * m->sp->nverts + k];
      CellStress6(m, lc, tl, X, ue, &vref[k * m->dim], s6);
      /* coordinate offsets of vertices are (v - vStart) * dim in a plain coordinate section */
      v = mesh->vStart + off / m->dim;
      for (PetscInt j = 0; j < 6; j++) acc[(v - mesh->pStart) * 7 + j] += s6[j];
      acc[(v - mesh->pStart) * 7 + 6] += 1;
    }
  }
  PetscCall(VecRestoreArrayRead(m->ulocal, &ul));
  if (m->thermal) PetscCall(VecRestoreArrayRead(m->thermal->Tlocal, &tl));
  PetscCall(TwinMeshSumShared(mesh, 7, acc));
  for (PetscInt v = 0; v < nv; v++) {
    PetscReal *a = &acc[(v + mesh->vStart - mesh->pStart) * 7];
    for (PetscInt j = 0; j < 6; j++) m->vertexStress[v * 6 + j] = a[6] > 0 ? a[j] / a[6] : 0.0;
    m->vertexVonMises[v] = VonMises6(&m->vertexStress[v * 6]);
  }
  PetscCall(PetscFree(acc));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.StressRecovery, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TwinMechanicsEvaluate - Displacement (3 per point) and Voigt-6 stress at physical points,
  averaged over every cell (on any rank) that contains the point.

  Collective

  Input Parameters:
+ m - the model, after TwinMechanicsSolve()
. n - number of points
- x - coordinates, x[i*3 + d]

  Output Parameters:
+ disp   - displacements, disp[i*3 + d]
. stress - stresses, stress[i*6 + k]
- found  - whether the point is inside the mesh
@*/
PetscErrorCode TwinMechanicsEvaluate(TwinMechanics m, PetscInt n, const PetscReal x[], PetscReal disp[], PetscReal stress[], PetscBool found[])
{
  PetscInt           ncell = m->mesh->cEnd - m->mesh->cStart;
  PetscReal         *acc;
  const PetscScalar *ul, *tl = NULL;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(n * 10, &acc));
  PetscCall(VecGetArrayRead(m->ulocal, &ul));
  if (m->thermal) PetscCall(VecGetArrayRead(m->thermal->Tlocal, &tl));
  for (PetscInt lc = 0; lc < ncell; lc++) {
    double X[TWK_MAX_VERTS * 3], ue[TWK_MAX_EDOF];
    PetscBool gathered = PETSC_FALSE;
    for (PetscInt i = 0; i < n; i++) {
      double xi[3], s6[6], N[TWK_MAX_NODES];
      if (!gathered) {
        GatherCell(m, lc, ul, X, ue);
        gathered = PETSC_TRUE;
      }
      if (!TwinSpaceLocateInCell(m->sp, X, &x[i * 3], xi)) continue;
      TwkBasisEval(&m->sp->elem, xi, N, NULL);
      for (PetscInt d = 0; d < m->dim; d++) {
        double u = 0;
        for (PetscInt a = 0; a < m->sp->nen; a++) u += N[a] * ue[a * m->dim + d];
        acc[i * 10 + d] += u;
      }
      CellStress6(m, lc, tl, X, ue, xi, s6);
      for (PetscInt k = 0; k < 6; k++) acc[i * 10 + 3 + k] += s6[k];
      acc[i * 10 + 9] += 1;
    }
  }
  PetscCall(VecRestoreArrayRead(m->ulocal, &ul));
  if (m->thermal) PetscCall(VecRestoreArrayRead(m->thermal->Tlocal, &tl));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, acc, (PetscMPIInt)(n * 10), MPIU_REAL, MPI_SUM, PetscObjectComm((PetscObject)m->A)));
  for (PetscInt i = 0; i < n; i++) {
    PetscReal cnt = acc[i * 10 + 9];
    found[i]      = cnt > 0 ? PETSC_TRUE : PETSC_FALSE;
    for (PetscInt d = 0; d < 3; d++) disp[i * 3 + d] = cnt > 0 ? acc[i * 10 + d] / cnt : 0;
    for (PetscInt k = 0; k < 6; k++) stress[i * 6 + k] = cnt > 0 ? acc[i * 10 + 3 + k] / cnt : 0;
  }
  PetscCall(PetscFree(acc));
  PetscFunctionReturn(0);
}
