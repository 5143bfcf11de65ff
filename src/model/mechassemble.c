/* mechassemble.c: matrix and load vector of the structural model, the solve, and the
 * stresses. The cell loop runs the kernels of kernels/ under OpenMP over coloured chunks of
 * cells; element matrices go straight into the AIJ matrix's value arrays (spacemat.c: no two
 * cells of one colour share a node, so no locking), and the interface rows owned by other
 * ranks are sent once at the end. With -twin_matrix_petsc_coo they go into a block array
 * instead, handed to MatSetValuesCOO. */
#include <twinfe/mechanics.h>

/*@C
  TwinMechanicsCellDisplacement - Kernel-ordered displacement ue[nedof] of local cell c from a
  local vector array. Not collective.
@*/
PetscErrorCode TwinMechanicsCellDisplacement(TwinMechanics m, PetscInt c, const PetscScalar *ul,
                                             PetscReal *ue)
{
  PetscInt lc = c - m->mesh->cStart;

  PetscFunctionBegin;
  TwinSpaceCellValues(m->sp, lc, ul, ue);
  PetscFunctionReturn(0);
}

/*@C
  TwinMechanicsAssemble - Assemble the stiffness matrix and the load vector (body forces,
  tractions, pressures, minus the lifting of nonzero Dirichlet values).

  Collective
@*/
PetscErrorCode TwinMechanicsAssemble(TwinMechanics m)
{
  PetscInt           ne = m->sp->nedof, bad = -1;
  Vec                floc;
  PetscScalar       *f;
  const PetscScalar *bc;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.AssemblyMat, m->A, 0, 0, 0));
  PetscCall(DMGetLocalVector(m->sp->dm, &floc));
  PetscCall(VecZeroEntries(floc));
  PetscCall(VecGetArray(floc, &f));
  PetscCall(VecGetArrayRead(m->bcLocal, &bc));
  /* the stiffness does not depend on the temperature or the loads: assemble it once */
  const PetscScalar *tl    = NULL;
  PetscBool          doMat = m->matAssembled ? PETSC_FALSE : PETSC_TRUE, direct = m->sp->petscCOO ? PETSC_FALSE : PETSC_TRUE;
  TwinMatDirect      w;
  if (doMat && direct) PetscCall(TwinSpaceMatDirectBegin(m->sp, m->A, &w));
  if (doMat && !direct) PetscCall(PetscArrayzero(m->cooValues, m->sp->ncoo));
  if (m->thermal) PetscCall(VecGetArrayRead(m->thermal->Tlocal, &tl));
#pragma omp parallel
  {
    double X[TWK_MAX_VERTS * 3], fe[TWK_MAX_EDOF], ue[TWK_MAX_EDOF],
        Ke[TWK_MAX_EDOF * TWK_MAX_EDOF];
    for (PetscInt color = 0; color < m->sp->ncolors; color++) {
#pragma omp for schedule(dynamic, 1)
      for (PetscInt ich = m->sp->colorStart[color]; ich < m->sp->colorStart[color + 1]; ich++) {
        PetscInt ch   = m->sp->colorCells[ich],
                 cEnd = PetscMin((ch + 1) * m->sp->chunk, m->mesh->cEnd - m->mesh->cStart);
        for (PetscInt lc = ch * m->sp->chunk; lc < cEnd; lc++) {
          PetscInt             mi = m->cellMat[lc], nen = m->sp->nen, dim = m->dim;
          const TwkElasticity *mat = &m->mats[mi];
          const TwinMaterial  *tm  = &m->deck->materials[mi];
          const double        *b   = &m->bodyForce[3 * mi];
          PetscBool            hasBody =
              (b[0] != 0 || b[1] != 0 || b[2] != 0 || m->bodyFn) ? PETSC_TRUE : PETSC_FALSE;
          PetscBool hot = (tl && tm->expansion != 0.0) ? PETSC_TRUE : PETSC_FALSE;
          TwinSpaceCellCoordinates(m->sp, lc, X);
          if (doMat || m->cellLifted[lc]) {
            if (TwkElasticityStiffness(&m->sp->elem, X, mat, Ke) <= 0) {
#pragma omp critical
              bad = m->mesh->cnatural[lc];
            }
          }
          /* cells of one colour share no block: plain adds */
          if (doMat && direct) TwinSpaceAddElementMatrixDirect(m->sp, &w, lc, Ke);
          else if (doMat) TwinSpaceAddElementMatrix(m->sp, lc, Ke, m->cooValues);
          if (!hasBody && !m->cellLifted[lc] && !hot) continue; /* next cell of the chunk */
          for (PetscInt i = 0; i < ne; i++)
            fe[i] = 0;
          if (hasBody) TwkElasticityBodyForce(&m->sp->elem, X, mat, b, fe);
          if (m->bodyFn) {
            double bq[TWK_MAX_QP * 3];
            for (PetscInt q = 0; q < m->sp->elem.nqp; q++) {
              double x[3];
              TwkGeometryMap(&m->sp->elem, (int)dim, X, &m->sp->elem.qp[q * dim], x);
              m->bodyFn(dim, x, &bq[q * dim], m->bodyCtx);
            }
            TwkElasticityBodyForceQP(&m->sp->elem, X, mat, bq, fe);
          }
          if (hot) { /* thermal strain alpha (T - Tref) of the coupled temperature */
            double te[TWK_MAX_NODES];
            TwinSpaceCellValues(m->thermal->sp, lc, tl, te);
            TwkElasticityThermalLoad(&m->sp->elem, X, mat, tm->expansion, tm->reference_temperature,
                                     te, fe);
          }
          if (m->cellLifted[lc]) {
            for (PetscInt a = 0; a < nen; a++)
              for (PetscInt d = 0; d < dim; d++)
                ue[a * dim + d] = PetscRealPart(bc[m->sp->cellDofs[lc * nen + a] + d]);
            for (PetscInt i = 0; i < ne; i++) {
              double s = 0;
              for (PetscInt j = 0; j < ne; j++)
                s += Ke[i * ne + j] * ue[j];
              fe[i] -= s;
            }
          }
          for (PetscInt a = 0; a < nen; a++)
            for (PetscInt d = 0; d < dim; d++)
              f[m->sp->cellDofs[lc * nen + a] + d] += fe[a * dim + d];
        }
      }
    }
  }
  if (m->thermal) PetscCall(VecRestoreArrayRead(m->thermal->Tlocal, &tl));
  PetscCall(VecRestoreArrayRead(m->bcLocal, &bc));
  /* collective: every rank must leave together, or the others would wait in the matrix transfer */
  PetscCallMPI(
      MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_MAX, PetscObjectComm((PetscObject)m->A)));
  PetscCheck(bad < 0, PetscObjectComm((PetscObject)m->A), PETSC_ERR_USER,
             "%s: cell %" PetscInt_FMT
             " (input numbering) is degenerate or inverted: its Jacobian vanishes or changes sign",
             m->mesh->source, bad);
  if (doMat) {
    if (direct) PetscCall(TwinSpaceMatDirectEnd(m->sp, m->A, &w));
    else PetscCall(TwinSpaceMatSetValues(m->sp, m->cooValues, m->A));
    m->matAssembled = PETSC_TRUE;
  }
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.AssemblyMat, m->A, 0, 0, 0));

  PetscCall(PetscLogEventBegin(TWIN_EVENTS.AssemblyRhs, 0, 0, 0, 0));
  for (PetscInt i = 0; i < m->nfaceLoads; i++) {
    const TwinFaceLoad *fl = &m->faceLoads[i];
    PetscInt            lc = fl->f.cell - m->mesh->cStart;
    double X[TWK_MAX_VERTS * 3], Xf[TWK_MAX_VERTS * 3], inside[3] = {0, 0, 0}, fe[TWK_MAX_EDOF];
    TwinSpaceCellCoordinates(m->sp, lc, X);
    for (PetscInt k = 0; k < m->sp->nverts; k++)
      for (PetscInt d = 0; d < m->dim; d++)
        inside[d] += X[k * m->dim + d] / m->sp->nverts;
    TwinSpaceFaceCoordinates(m->sp, &fl->f, X, Xf);
    for (PetscInt k = 0; k < m->sp->face.nnodes * m->dim; k++)
      fe[k] = 0;
    TwkSurfaceLoad(&m->sp->face, (int)m->dim, Xf, inside, fl->traction, fl->pressure,
                   m->dim == 2 ? m->mats[m->cellMat[lc]].thickness : 1.0, fe);
    for (PetscInt b = 0; b < m->sp->face.nnodes; b++)
      for (PetscInt d = 0; d < m->dim; d++)
        f[m->sp->cellDofs[lc * m->sp->nen + fl->f.fnode[b]] + d] += fe[b * m->dim + d];
  }
  PetscCall(VecRestoreArray(floc, &f));
  PetscCall(VecZeroEntries(m->b));
  PetscCall(DMLocalToGlobal(m->sp->dm, floc, ADD_VALUES, m->b));
  PetscCall(DMRestoreLocalVector(m->sp->dm, &floc));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.AssemblyRhs, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TwinMechanicsSolve - Solve K u = f with KSP (prefix mechanics_; CG + GAMG by default) and
  scatter the solution, with its Dirichlet values, to the local vector.

  Collective
@*/
PetscErrorCode TwinMechanicsSolve(TwinMechanics m)
{
  KSPConvergedReason reason;
  MPI_Comm           comm = PetscObjectComm((PetscObject)m->A);

  PetscFunctionBegin;
  if (!m->ksp) {
    PC pc;
    PetscCall(KSPCreate(comm, &m->ksp));
    PetscCall(KSPSetOptionsPrefix(m->ksp, "mechanics_"));
    PetscBool direct;
    PetscCall(KSPSetType(m->ksp, KSPCG));
    PetscCall(KSPGetPC(m->ksp, &pc));
    PetscCall(TwinSolverSetDefaults(m->ksp, m->A, PETSC_TRUE, &direct));
    if (!direct && m->order == 2) { /* quadratic elements: drop weak couplings when aggregating (measured on
                            a thin Q2 plate: 216 -> 152 CG iterations, set-up + solve 10-22 % less;
                            for Q1 hexahedra it cost 5-10 %, so order 1 keeps PETSc's default) */
      PetscReal threshold = 0.02;
      PetscCall(PCGAMGSetThreshold(pc, &threshold, 1));
    }
    PetscCall(KSPSetTolerances(m->ksp, 1e-10, PETSC_DEFAULT, PETSC_DEFAULT, 2000));
    PetscCall(KSPSetNormType(m->ksp, KSP_NORM_UNPRECONDITIONED));
    PetscCall(KSPSetFromOptions(m->ksp));
  }
  PetscCall(KSPSetOperators(m->ksp, m->A, m->A));
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.Solve, m->ksp, 0, 0, 0));
  PetscCall(KSPSolve(m->ksp, m->b, m->u));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.Solve, m->ksp, 0, 0, 0));
  PetscCall(KSPGetConvergedReason(m->ksp, &reason));
  PetscCall(KSPGetIterationNumber(m->ksp, &m->iterations));
  PetscCall(KSPGetResidualNorm(m->ksp, &m->residual));
  PetscCheck(reason > 0, comm, PETSC_ERR_NOT_CONVERGED,
             "the mechanics solve did not converge: %s after %" PetscInt_FMT
             " iterations (residual norm %g). The model may be under-constrained (a rigid-body "
             "motion left free: check the displacement boundaries) or the solver needs other "
             "options (-mechanics_ksp_max_it, -mechanics_pc_type lu for small problems)",
             KSPConvergedReasons[reason], m->iterations, (double)m->residual);
  PetscCall(VecCopy(m->bcLocal, m->ulocal));
  PetscCall(DMGlobalToLocal(m->sp->dm, m->u, INSERT_VALUES, m->ulocal));
  PetscFunctionReturn(0);
}

/*@C
  TwinMechanicsSetBodyForceFunction - Add a body force f(x) (per unit volume) to the deck's.

  Not collective
@*/
PetscErrorCode TwinMechanicsSetBodyForceFunction(TwinMechanics m, TwinPointFunction f, void *ctx)
{
  PetscFunctionBegin;
  m->bodyFn  = f;
  m->bodyCtx = ctx;
  PetscFunctionReturn(0);
}

/*@C
  TwinMechanicsSetDirichletFunction - Prescribe u(x) on every constrained DOF, evaluated at the
  node positions (the mean of the vertices of the mesh point carrying the node).

  Not collective
@*/
PetscErrorCode TwinMechanicsSetDirichletFunction(TwinMechanics m, TwinPointFunction f, void *ctx)
{
  PetscScalar *bc;
  PetscSection cs;
  TwinMesh     mesh = m->mesh;

  PetscFunctionBegin;
  PetscCall(DMGetCoordinateSection(mesh->dm, &cs));
  PetscCall(VecGetArray(m->bcLocal, &bc));
  for (PetscInt p = mesh->pStart; p < mesh->pEnd; p++) {
    PetscInt        nc, off, *cl = NULL, ncl, nv = 0;
    const PetscInt *idx;
    PetscReal       x[3] = {0, 0, 0}, u[3];
    PetscCall(PetscSectionGetConstraintDof(m->sp->section, p, &nc));
    if (!nc) continue;
    PetscCall(PetscSectionGetOffset(m->sp->section, p, &off));
    PetscCall(PetscSectionGetConstraintIndices(m->sp->section, p, &idx));
    PetscCall(DMPlexGetTransitiveClosure(mesh->dm, p, PETSC_TRUE, &ncl, &cl));
    for (PetscInt i = 0; i < ncl; i++) {
      PetscInt q = cl[2 * i], coff;
      if (q < mesh->vStart || q >= mesh->vEnd) continue;
      PetscCall(PetscSectionGetOffset(cs, q, &coff));
      for (PetscInt d = 0; d < m->dim; d++)
        x[d] += PetscRealPart(m->sp->coords[coff + d]);
      nv++;
    }
    PetscCall(DMPlexRestoreTransitiveClosure(mesh->dm, p, PETSC_TRUE, &ncl, &cl));
    for (PetscInt d = 0; d < m->dim; d++)
      x[d] /= nv;
    f(m->dim, x, u, ctx);
    for (PetscInt k = 0; k < nc; k++)
      bc[off + idx[k]] = u[idx[k]];
  }
  PetscCall(VecRestoreArray(m->bcLocal, &bc));
  /* every cell touching a constrained DOF may now carry a nonzero value */
  for (PetscInt lc = 0; lc < mesh->cEnd - mesh->cStart; lc++)
    m->cellLifted[lc] = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/*@C
  TwinMechanicsErrorL2 - Squared L2 norms of the error u_h - u and of u, summed over all ranks.

  Collective
@*/
PetscErrorCode TwinMechanicsErrorL2(TwinMechanics m, TwinPointFunction exact, void *ctx,
                                    PetscInt qorder, PetscReal *err2, PetscReal *norm2)
{
  TwkElement         e;
  const PetscScalar *ul;
  PetscReal          acc[2] = {0, 0};

  PetscFunctionBegin;
  PetscCheck(!TwkElementSetup(m->sp->elem.shape, m->sp->elem.order, (int)qorder, &e),
             PETSC_COMM_SELF, PETSC_ERR_SUP, "no quadrature of degree %" PetscInt_FMT, qorder);
  PetscCall(VecGetArrayRead(m->ulocal, &ul));
  for (PetscInt lc = 0; lc < m->mesh->cEnd - m->mesh->cStart; lc++) {
    double X[TWK_MAX_VERTS * 3], ue[TWK_MAX_EDOF];
    TwinSpaceCellCoordinates(m->sp, lc, X);
    PetscCall(TwinMechanicsCellDisplacement(m, lc + m->mesh->cStart, ul, ue));
    for (PetscInt q = 0; q < e.nqp; q++) {
      double x[3], N[TWK_MAX_NODES], dNdx[TWK_MAX_NODES * 3], det, uex[3];
      det = TwkPhysicalGradients(&e, X, &e.qp[q * m->dim], N, dNdx);
      TwkGeometryMap(&e, (int)m->dim, X, &e.qp[q * m->dim], x);
      exact(m->dim, x, uex, ctx);
      for (PetscInt d = 0; d < m->dim; d++) {
        double uh = 0;
        for (PetscInt a = 0; a < e.nnodes; a++)
          uh += N[a] * ue[a * m->dim + d];
        acc[0] += e.qw[q] * PetscAbsReal(det) * (uh - uex[d]) * (uh - uex[d]);
        acc[1] += e.qw[q] * PetscAbsReal(det) * uex[d] * uex[d];
      }
    }
  }
  PetscCall(VecRestoreArrayRead(m->ulocal, &ul));
  PetscCallMPI(
      MPI_Allreduce(MPI_IN_PLACE, acc, 2, MPIU_REAL, MPI_SUM, PetscObjectComm((PetscObject)m->A)));
  *err2  = acc[0];
  *norm2 = acc[1];
  PetscFunctionReturn(0);
}

/*@C
  TwinMechanicsSetTemperature - Drive the model by the temperature of a thermal model on the same
  mesh and element order (thermal strain alpha (T - Tref) per material).

  Not collective
@*/
PetscErrorCode TwinMechanicsSetTemperature(TwinMechanics m, TwinThermal th)
{
  PetscFunctionBegin;
  PetscCheck(!th || (th->order == m->order && th->mesh == m->mesh), PETSC_COMM_SELF,
             PETSC_ERR_ARG_INCOMP,
             "thermal and mechanics must share the mesh and the element order");
  m->thermal = th;
  PetscFunctionReturn(0);
}

/*@C
  TwinMechanicsSolveState - TwinMechanicsAssemble(), TwinMechanicsSolve() and
  TwinMechanicsRecoverStress(): one quasi-static state. Collective.
@*/
PetscErrorCode TwinMechanicsSolveState(TwinMechanics m)
{
  PetscFunctionBegin;
  PetscCall(TwinMechanicsAssemble(m));
  PetscCall(TwinMechanicsSolve(m));
  PetscCall(TwinMechanicsRecoverStress(m));
  PetscFunctionReturn(0);
}
