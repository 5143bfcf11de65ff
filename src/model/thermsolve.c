/* thermsolve.c: assembly and time stepping of the thermal model.
 *
 * Free DOFs T_f are solved for; fixed temperatures T_c enter through lifting. With the
 * theta scheme, for A = M/dt + theta K (assembled once, its KSP and preconditioner reused):
 *   A T_f^{n+1} = (M/dt - (1-theta) K) T_f^n                   (two MatMults on M and K)
 *              + [(M/dt - (1-theta) K) T_c^n - A T_c^{n+1}]     (element loop on cells at fixed
 * nodes)
 *              + theta f^{n+1} + (1-theta) f^n                  (sources, flux, convection h T_amb)
 * Steady state is theta = 1 without M. Radiation adds r(T) = integral N sigma eps (T^4 - T_amb^4)
 * on its faces (absolute temperatures), treated with the same theta weighting, and makes the step
 * a nonlinear solve (SNES, Jacobian A + theta dr/dT). */
#include <twinfe/thermal.h>
#include <petscviewerhdf5.h>
#include <hdf5.h>

/* Local vector of the fixed temperatures at time t (zero at free DOFs). */
static PetscErrorCode FixedValues(TwinThermal th, PetscReal t, Vec v)
{
  TwinSpace    sp = th->sp;
  PetscScalar *a;

  PetscFunctionBegin;
  PetscCall(VecZeroEntries(v));
  PetscCall(VecGetArray(v, &a));
  for (PetscInt p = th->mesh->pStart; p < th->mesh->pEnd; p++) {
    PetscInt id = sp->bcid[p - th->mesh->pStart], off;
    if (id < 0) continue;
    PetscCall(PetscSectionGetOffset(sp->section, p, &off));
    a[off] = TwinFunctionEval(&th->deck->thermal.bcs[id].value, t);
  }
  PetscCall(VecRestoreArray(v, &a));
  PetscFunctionReturn(0);
}

/* Conductivity (+ convection at time t) and, for a transient run, capacity element blocks into
   cooK and cooM (a steady run needs no M: the kernel skips it). */
static PetscErrorCode AssembleKM(TwinThermal th, PetscReal t)
{
  TwinSpace sp   = th->sp;
  TwinDeck  deck = th->deck;
  PetscBool doM  = deck->time.transient;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.AssemblyMat, 0, 0, 0, 0));
  PetscCall(PetscArrayzero(th->cooK, sp->ncoo));
  if (doM) PetscCall(PetscArrayzero(th->cooM, sp->ncoo));
#pragma omp parallel
  {
    double X[TWK_MAX_VERTS * 3], Ke[TWK_MAX_NODES * TWK_MAX_NODES],
        Me[TWK_MAX_NODES * TWK_MAX_NODES];
    for (PetscInt color = 0; color < sp->ncolors; color++) {
#pragma omp for schedule(dynamic, 1)
      for (PetscInt ich = sp->colorStart[color]; ich < sp->colorStart[color + 1]; ich++) {
        PetscInt ch   = sp->colorCells[ich],
                 cEnd = PetscMin((ch + 1) * sp->chunk, th->mesh->cEnd - th->mesh->cStart);
        for (PetscInt lc = ch * sp->chunk; lc < cEnd; lc++) {
          const TwinMaterial *mat = &deck->materials[th->cellMat[lc]];
          TwinSpaceCellCoordinates(sp, lc, X);
          /* both overwritten; one Jacobian per point for the two */
          TwkThermalConductivityCapacity(&sp->elem, X, mat->conductivity,
                                         mat->density * mat->specific_heat, 1.0, Ke, doM ? Me : NULL);
          TwinSpaceAddElementMatrix(sp, lc, Ke, th->cooK);
          if (doM) TwinSpaceAddElementMatrix(sp, lc, Me, th->cooM);
        }
      }
    }
  }
  /* convection faces: h N_a N_b on the face nodes (faces are few; serial) */
  for (PetscInt i = 0; i < th->nfaces; i++) {
    const TwinThermFace *tf = &th->faces[i];
    const TwinThermBC   *bc = &deck->thermal.bcs[tf->bc];
    double X[TWK_MAX_VERTS * 3], Xf[TWK_MAX_VERTS * 3], Kf[TWK_MAX_NODES * TWK_MAX_NODES] = {0},
                                                                           ff[TWK_MAX_NODES] = {0};
    double   Ke[TWK_MAX_NODES * TWK_MAX_NODES]                                               = {0};
    PetscInt lc = tf->f.cell - th->mesh->cStart, nfn = sp->face.nnodes;
    if (bc->type != TWIN_TBC_CONVECTION) continue;
    TwinSpaceCellCoordinates(sp, lc, X);
    TwinSpaceFaceCoordinates(sp, &tf->f, X, Xf);
    TwkThermalFaceConvection(&sp->face, (int)sp->dim, Xf, TwinFunctionEval(&bc->h, t), 0.0, 1.0, Kf,
                             ff);
    for (PetscInt a = 0; a < nfn; a++)
      for (PetscInt b = 0; b < nfn; b++)
        Ke[tf->f.fnode[a] * sp->nen + tf->f.fnode[b]] = Kf[a * nfn + b];
    TwinSpaceAddElementMatrix(sp, lc, Ke, th->cooK);
  }
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.AssemblyMat, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* A takes the block values v; *keep becomes (or is updated to) a copy of A. */
static PetscErrorCode SetAndKeep(TwinThermal th, const PetscScalar v[], Mat *keep)
{
  PetscFunctionBegin;
  PetscCall(TwinSpaceMatSetValues(th->sp, v, th->A));
  if (!*keep) PetscCall(MatDuplicate(th->A, MAT_COPY_VALUES, keep));
  else PetscCall(MatCopy(th->A, *keep, SAME_NONZERO_PATTERN));
  PetscFunctionReturn(0);
}

/* Set A = alphaM M + theta K from the block arrays and keep K and M as matrices of their own. */
static PetscErrorCode BuildOperators(TwinThermal th, PetscReal t)
{
  TwinSpace sp = th->sp;
  double    aM = th->deck->time.transient ? 1.0 / th->dt : 0.0;

  PetscFunctionBegin;
  th->liftCached = PETSC_FALSE; /* M and K change: the lifting vectors too */
  PetscCall(AssembleKM(th, t));
  PetscCall(SetAndKeep(th, th->cooK, &th->K));
  if (th->deck->time.transient) {
    PetscCall(SetAndKeep(th, th->cooM, &th->M));
    for (PetscCount i = 0; i < sp->ncoo; i++)
      th->cooA[i] = aM * th->cooM[i] + th->theta * th->cooK[i];
    PetscCall(TwinSpaceMatSetValues(sp, th->cooA, th->A));
  } else { /* steady: theta = 1, no M, A = K already holds these values */
    PetscCheck(th->theta == 1.0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "steady run with theta %g", (double)th->theta);
    PetscCall(PetscArraycpy(th->cooA, th->cooK, sp->ncoo)); /* the radiation Jacobian starts from it */
  }
  th->assembled = PETSC_TRUE;
  PetscCall(TwinThermalUpdate(th)); /* remember the values it was built from */
  th->assembled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* rhs -= (aM M + aK K) Tc for the fixed values in local vector Tc (zero at free DOFs): the
   coupling of free rows to fixed columns, by element loops over cells that touch fixed nodes. */
static PetscErrorCode AddLifting(TwinThermal th, PetscReal t, PetscReal aM, PetscReal aK, Vec Tc,
                                 PetscScalar *rhs)
{
  TwinSpace          sp   = th->sp;
  TwinDeck           deck = th->deck;
  const PetscScalar *tc;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(Tc, &tc));
  for (PetscInt lc = 0; lc < th->mesh->cEnd - th->mesh->cStart; lc++) {
    double X[TWK_MAX_VERTS * 3], Ke[TWK_MAX_NODES * TWK_MAX_NODES] = {0},
                                                    Me[TWK_MAX_NODES * TWK_MAX_NODES] = {0},
                                                    te[TWK_MAX_NODES];
    PetscBool           any = PETSC_FALSE;
    const TwinMaterial *mat = &deck->materials[th->cellMat[lc]];
    for (PetscInt a = 0; a < sp->nen; a++) {
      te[a] = PetscRealPart(tc[sp->cellDofs[lc * sp->nen + a]]);
      if (te[a] != 0.0) any = PETSC_TRUE;
    }
    if (!any) continue;
    TwinSpaceCellCoordinates(sp, lc, X);
    if (aK != 0.0) TwkThermalConductivity(&sp->elem, X, mat->conductivity, 1.0, Ke);
    if (aM != 0.0) TwkThermalCapacity(&sp->elem, X, mat->density * mat->specific_heat, 1.0, Me);
    for (PetscInt a = 0; a < sp->nen; a++) {
      double s = 0;
      for (PetscInt b = 0; b < sp->nen; b++)
        s += (aM * Me[a * sp->nen + b] + aK * Ke[a * sp->nen + b]) * te[b];
      rhs[sp->cellDofs[lc * sp->nen + a]] -= s;
    }
  }
  for (PetscInt i = 0; i < th->nfaces && aK != 0.0; i++) { /* convection faces couple too */
    const TwinThermFace *tf = &th->faces[i];
    const TwinThermBC   *bc = &deck->thermal.bcs[tf->bc];
    double               X[TWK_MAX_VERTS * 3], Xf[TWK_MAX_VERTS * 3],
        Kf[TWK_MAX_NODES * TWK_MAX_NODES] = {0}, ff[TWK_MAX_NODES] = {0}, te[TWK_MAX_NODES];
    PetscInt  lc = tf->f.cell - th->mesh->cStart, nfn = sp->face.nnodes;
    PetscBool any = PETSC_FALSE;
    if (bc->type != TWIN_TBC_CONVECTION) continue;
    for (PetscInt b = 0; b < nfn; b++) {
      te[b] = PetscRealPart(tc[sp->cellDofs[lc * sp->nen + tf->f.fnode[b]]]);
      if (te[b] != 0.0) any = PETSC_TRUE;
    }
    if (!any) continue;
    TwinSpaceCellCoordinates(sp, lc, X);
    TwinSpaceFaceCoordinates(sp, &tf->f, X, Xf);
    TwkThermalFaceConvection(&sp->face, (int)sp->dim, Xf, TwinFunctionEval(&bc->h, t), 0.0, 1.0, Kf,
                             ff);
    for (PetscInt a = 0; a < nfn; a++) {
      double s = 0;
      for (PetscInt b = 0; b < nfn; b++)
        s += aK * Kf[a * nfn + b] * te[b];
      rhs[sp->cellDofs[lc * sp->nen + tf->f.fnode[a]]] -= s;
    }
  }
  PetscCall(VecRestoreArrayRead(Tc, &tc));
  PetscFunctionReturn(0);
}

/* ---- cached right-hand side --------------------------------------------------------------
 * Every load is a time function times a fixed vector: flux q(t) F, convection h(t) T_amb(t) F
 * with F = integral of N over the condition's faces, source q(t) S with S = integral of N over
 * its cells; the lifting of a fixed temperature T_D(t) is -T_D(t) (aM M + aK K) I with I the
 * indicator of its DOFs. The vectors are built once (loads) or with the operator (lifting), so
 * a time step costs a few sparse axpys instead of element loops over faces and boundary cells. */
static PetscErrorCode SparseFromDense(PetscInt n, PetscScalar *d, TwinSparseVec *s)
{
  PetscInt k = 0;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < n; i++)
    k += d[i] != 0.0;
  PetscCall(PetscMalloc2(k + 1, &s->idx, k + 1, &s->val));
  s->n = 0;
  for (PetscInt i = 0; i < n; i++)
    if (d[i] != 0.0) {
      s->idx[s->n]   = i;
      s->val[s->n++] = d[i];
      d[i]           = 0.0;
    }
  PetscFunctionReturn(0);
}

static PetscErrorCode FreeSparse(PetscInt n, TwinSparseVec **s)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; *s && i < n; i++)
    PetscCall(PetscFree2((*s)[i].idx, (*s)[i].val));
  PetscCall(PetscFree(*s));
  PetscFunctionReturn(0);
}

static PetscErrorCode BuildLoadCache(TwinThermal th)
{
  TwinSpace    sp   = th->sp;
  TwinDeck     deck = th->deck;
  PetscInt     n, nb = deck->thermal.nbcs, ns = deck->thermal.nsources;
  PetscScalar *d;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(th->rhsLocal, &n));
  PetscCall(PetscCalloc1(n + 1, &d));
  PetscCall(PetscCalloc1(nb + ns + 1, &th->cacheLoad));
  for (PetscInt i = 0; i < nb; i++) {
    const TwinThermBC *bc = &deck->thermal.bcs[i];
    if (bc->type == TWIN_TBC_FLUX || bc->type == TWIN_TBC_CONVECTION)
      for (PetscInt f = 0; f < th->nfaces; f++) {
        const TwinThermFace *tf = &th->faces[f];
        double               X[TWK_MAX_VERTS * 3], Xf[TWK_MAX_VERTS * 3], ff[TWK_MAX_NODES] = {0};
        PetscInt             lc = tf->f.cell - th->mesh->cStart;
        if (tf->bc != i) continue;
        TwinSpaceCellCoordinates(sp, lc, X);
        TwinSpaceFaceCoordinates(sp, &tf->f, X, Xf);
        TwkThermalFaceFlux(&sp->face, (int)sp->dim, Xf, 1.0, 1.0, ff);
        for (PetscInt b = 0; b < sp->face.nnodes; b++)
          d[sp->cellDofs[lc * sp->nen + tf->f.fnode[b]]] += ff[b];
      }
    PetscCall(SparseFromDense(n, d, &th->cacheLoad[i]));
  }
  for (PetscInt s = 0; s < ns; s++) {
    for (PetscInt lc = 0; lc < th->mesh->cEnd - th->mesh->cStart; lc++) {
      double X[TWK_MAX_VERTS * 3], fe[TWK_MAX_NODES] = {0};
      if (th->cellSource[lc] != s) continue;
      TwinSpaceCellCoordinates(sp, lc, X);
      TwkThermalSource(&sp->elem, X, 1.0, 1.0, fe);
      for (PetscInt a = 0; a < sp->nen; a++)
        d[sp->cellDofs[lc * sp->nen + a]] += fe[a];
    }
    PetscCall(SparseFromDense(n, d, &th->cacheLoad[nb + s]));
  }
  PetscCall(PetscFree(d));
  th->loadCached = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* rhs += w * (loads at time t) from the cache (radiation is not a load here). */
static PetscErrorCode AddLoadsCached(TwinThermal th, PetscReal t, PetscReal w, PetscScalar *rhs)
{
  TwinDeck deck = th->deck;
  PetscInt nb   = deck->thermal.nbcs;

  PetscFunctionBegin;
  if (w == 0.0) PetscFunctionReturn(0);
  if (!th->loadCached) PetscCall(BuildLoadCache(th));
  for (PetscInt i = 0; i < nb + deck->thermal.nsources; i++) {
    const TwinSparseVec *c = &th->cacheLoad[i];
    PetscReal            v;
    if (!c->n) continue;
    if (i >= nb)
      v = TwinFunctionEval(&deck->thermal.sources[i - nb].value, t);
    else if (deck->thermal.bcs[i].type == TWIN_TBC_FLUX)
      v = TwinFunctionEval(&deck->thermal.bcs[i].value, t);
    else
      v = TwinFunctionEval(&deck->thermal.bcs[i].h, t) *
          TwinFunctionEval(&deck->thermal.bcs[i].ambient, t);
    v *= w;
    for (PetscInt k = 0; k < c->n; k++)
      rhs[c->idx[k]] += v * c->val[k];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode BuildLiftCache(TwinThermal th)
{
  TwinSpace    sp = th->sp;
  PetscInt     n, nb = th->deck->thermal.nbcs;
  PetscScalar *d, *a;
  Vec          Ind;

  PetscFunctionBegin;
  PetscCall(FreeSparse(nb, &th->cacheLiftM));
  PetscCall(FreeSparse(nb, &th->cacheLiftK));
  PetscCall(VecGetLocalSize(th->rhsLocal, &n));
  PetscCall(PetscCalloc1(n + 1, &d));
  PetscCall(PetscCalloc1(nb + 1, &th->cacheLiftM));
  PetscCall(PetscCalloc1(nb + 1, &th->cacheLiftK));
  PetscCall(DMGetLocalVector(sp->dm, &Ind));
  for (PetscInt i = 0; i < nb; i++) {
    if (th->deck->thermal.bcs[i].type != TWIN_TBC_TEMPERATURE) continue;
    PetscCall(VecZeroEntries(Ind));
    PetscCall(VecGetArray(Ind, &a));
    for (PetscInt p = th->mesh->pStart; p < th->mesh->pEnd; p++) {
      PetscInt off;
      if (sp->bcid[p - th->mesh->pStart] != i) continue;
      PetscCall(PetscSectionGetOffset(sp->section, p, &off));
      a[off] = 1.0;
    }
    PetscCall(VecRestoreArray(Ind, &a));
    PetscCall(AddLifting(th, 0.0, 1.0, 0.0, Ind, d)); /* -M Ind */
    PetscCall(SparseFromDense(n, d, &th->cacheLiftM[i]));
    PetscCall(AddLifting(th, 0.0, 0.0, 1.0, Ind, d)); /* -K Ind (convection faces included) */
    PetscCall(SparseFromDense(n, d, &th->cacheLiftK[i]));
  }
  PetscCall(DMRestoreLocalVector(sp->dm, &Ind));
  PetscCall(PetscFree(d));
  th->liftCached = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* rhs -= (aM M + aK K) Tc(t): from the cache when the operator is constant in time, else by the
 * element loop over the fixed values Tc. */
static PetscErrorCode AddLiftingFast(TwinThermal th, PetscReal t, PetscReal aM, PetscReal aK,
                                     Vec Tc, PetscScalar *rhs)
{
  TwinDeck deck = th->deck;

  PetscFunctionBegin;
  if (th->convVaries) {
    PetscCall(AddLifting(th, t, aM, aK, Tc, rhs));
    PetscFunctionReturn(0);
  }
  if (!th->liftCached) PetscCall(BuildLiftCache(th));
  for (PetscInt i = 0; i < deck->thermal.nbcs; i++) {
    const TwinSparseVec *m = &th->cacheLiftM[i], *k = &th->cacheLiftK[i];
    PetscReal            v;
    if (!m->n && !k->n) continue;
    v = TwinFunctionEval(&deck->thermal.bcs[i].value, t);
    if (aM != 0.0)
      for (PetscInt j = 0; j < m->n; j++)
        rhs[m->idx[j]] += aM * v * m->val[j];
    if (aK != 0.0)
      for (PetscInt j = 0; j < k->n; j++)
        rhs[k->idx[j]] += aK * v * k->val[j];
  }
  PetscFunctionReturn(0);
}

/* Free the caches (TwinThermalDestroy). */
PetscErrorCode TwinThermalFreeCaches_Private(TwinThermal th)
{
  PetscInt nb = th->deck->thermal.nbcs;

  PetscFunctionBegin;
  PetscCall(FreeSparse(nb + th->deck->thermal.nsources, &th->cacheLoad));
  PetscCall(FreeSparse(nb, &th->cacheLiftM));
  PetscCall(FreeSparse(nb, &th->cacheLiftK));
  th->loadCached = th->liftCached = PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* rhs += w * radiation residual (or, with Jv != NULL, add w * its Jacobian blocks to Jv) at the
   full local temperature Tl. */
static PetscErrorCode Radiation(TwinThermal th, PetscReal t, PetscReal w, Vec Tl, PetscScalar *rhs,
                                PetscScalar *Jv)
{
  TwinSpace          sp = th->sp;
  const PetscScalar *tl;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(Tl, &tl));
  for (PetscInt i = 0; i < th->nfaces; i++) {
    const TwinThermFace *tf = &th->faces[i];
    const TwinThermBC   *bc = &th->deck->thermal.bcs[tf->bc];
    double               X[TWK_MAX_VERTS * 3], Xf[TWK_MAX_VERTS * 3], te[TWK_MAX_NODES],
        re[TWK_MAX_NODES] = {0}, Je[TWK_MAX_NODES * TWK_MAX_NODES] = {0};
    PetscInt lc = tf->f.cell - th->mesh->cStart, nfn = sp->face.nnodes;
    if (bc->type != TWIN_TBC_RADIATION) continue;
    TwinSpaceCellCoordinates(sp, lc, X);
    TwinSpaceFaceCoordinates(sp, &tf->f, X, Xf);
    for (PetscInt b = 0; b < nfn; b++)
      te[b] = PetscRealPart(tl[sp->cellDofs[lc * sp->nen + tf->f.fnode[b]]]) + th->offset;
    TwkThermalFaceRadiation(&sp->face, (int)sp->dim, Xf, bc->emissivity,
                            TwinFunctionEval(&bc->ambient, t) + th->offset, te, 1.0, re, Je);
    if (rhs)
      for (PetscInt a = 0; a < nfn; a++)
        rhs[sp->cellDofs[lc * sp->nen + tf->f.fnode[a]]] += w * re[a];
    if (Jv) {
      double Ke[TWK_MAX_NODES * TWK_MAX_NODES] = {0};
      for (PetscInt a = 0; a < nfn; a++)
        for (PetscInt b = 0; b < nfn; b++)
          Ke[tf->f.fnode[a] * sp->nen + tf->f.fnode[b]] = w * Je[a * nfn + b];
      TwinSpaceAddElementMatrix(sp, lc, Ke, Jv);
    }
  }
  PetscCall(VecRestoreArrayRead(Tl, &tl));
  PetscFunctionReturn(0);
}

/* Context of the nonlinear (radiation) solve of one step. */
typedef struct {
  TwinThermal th;
  PetscReal   t1;  /* time of the new state */
  Vec         Tc1; /* fixed values at t1 */
} RadCtx;

static PetscErrorCode FullLocal(TwinThermal th, Vec Tfree, Vec Tc, Vec Tl)
{
  PetscFunctionBegin;
  PetscCall(VecCopy(Tc, Tl));
  PetscCall(DMGlobalToLocal(th->sp->dm, Tfree, INSERT_VALUES, Tl));
  PetscFunctionReturn(0);
}

/* F(T) = A T - b + theta r(T): b holds the linear right-hand side and the explicit part */
static PetscErrorCode RadFunction(SNES snes, Vec T, Vec F, void *vctx)
{
  RadCtx      *ctx = (RadCtx *)vctx;
  TwinThermal  th  = ctx->th;
  Vec          Fl;
  PetscScalar *fl;

  PetscFunctionBegin;
  PetscCall(MatMult(th->J ? th->J : th->A, T, F)); /* J holds the linear operator (see Step) */
  PetscCall(VecAXPY(F, -1.0, th->b));
  PetscCall(FullLocal(th, T, ctx->Tc1, th->Tlocal));
  PetscCall(DMGetLocalVector(th->sp->dm, &Fl));
  PetscCall(VecZeroEntries(Fl));
  PetscCall(VecGetArray(Fl, &fl));
  PetscCall(Radiation(th, ctx->t1, th->theta, th->Tlocal, fl, NULL));
  PetscCall(VecRestoreArray(Fl, &fl));
  PetscCall(DMLocalToGlobal(th->sp->dm, Fl, ADD_VALUES, F));
  PetscCall(DMRestoreLocalVector(th->sp->dm, &Fl));
  PetscFunctionReturn(0);
}

static PetscErrorCode RadJacobian(SNES snes, Vec T, Mat Jmat, Mat P, void *vctx)
{
  RadCtx      *ctx = (RadCtx *)vctx;
  TwinThermal  th  = ctx->th;
  PetscScalar *cooJ;

  PetscFunctionBegin;
  PetscCall(FullLocal(th, T, ctx->Tc1, th->Tlocal));
  if (!th->cooJ)
    PetscCall(PetscMalloc1(th->sp->ncoo, &th->cooJ)); /* once: Newton calls this every iteration */
  cooJ = th->cooJ;
  PetscCall(PetscArraycpy(cooJ, th->cooA, th->sp->ncoo));
  PetscCall(Radiation(th, ctx->t1, th->theta, th->Tlocal, NULL, cooJ));
  PetscCall(TwinSpaceMatSetValues(th->sp, cooJ, P));
  PetscFunctionReturn(0);
}

/* Solve A T = b (linear) or the radiation system for the state at t1 with fixed values Tc1. */
static PetscErrorCode SolveState(TwinThermal th, PetscReal t1, Vec Tc1)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)th->A);

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.Solve, 0, 0, 0, 0));
  if (!th->radiation) {
    KSPConvergedReason reason;
    if (!th->ksp) {
      PetscCall(KSPCreate(comm, &th->ksp));
      PetscCall(KSPSetOptionsPrefix(th->ksp, "thermal_"));
      PetscCall(KSPSetType(th->ksp, KSPCG));
      PetscCall(TwinSolverSetDefaults(th->ksp, th->A, PETSC_TRUE, NULL));
      PetscCall(KSPSetTolerances(th->ksp, 1e-10, PETSC_DEFAULT, PETSC_DEFAULT, 2000));
      PetscCall(KSPSetNormType(th->ksp, KSP_NORM_UNPRECONDITIONED));
      PetscCall(KSPSetInitialGuessNonzero(th->ksp, PETSC_TRUE));
      PetscCall(KSPSetFromOptions(th->ksp));
      PetscCall(KSPSetOperators(th->ksp, th->A, th->A));
    }
    PetscCall(KSPSolve(th->ksp, th->b, th->T));
    PetscCall(KSPGetConvergedReason(th->ksp, &reason));
    PetscCall(KSPGetIterationNumber(th->ksp, &th->iterations));
    PetscCheck(reason > 0, comm, PETSC_ERR_NOT_CONVERGED,
               "the thermal solve did not converge at t = %g: %s after %" PetscInt_FMT
               " iterations",
               (double)t1, KSPConvergedReasons[reason], th->iterations);
  } else {
    RadCtx              ctx = {th, t1, Tc1};
    SNESConvergedReason reason;
    if (!th->snes) {
      PetscCall(SNESCreate(comm, &th->snes));
      PetscCall(SNESSetOptionsPrefix(th->snes, "thermal_"));
      PetscCall(SNESSetTolerances(th->snes, 1e-12, 1e-10, PETSC_DEFAULT, 50, PETSC_DEFAULT));
      {
        KSP ksp;
        PetscCall(SNESGetKSP(th->snes, &ksp));
        PetscCall(KSPSetType(ksp, KSPGMRES));
        PetscCall(TwinSolverSetDefaults(ksp, th->A, PETSC_FALSE, NULL));
        PetscCall(KSPSetTolerances(ksp, 1e-10, PETSC_DEFAULT, PETSC_DEFAULT, 2000));
      }
      PetscCall(SNESSetFromOptions(th->snes));
    }
    /* J keeps the linear operator for residuals; A receives the Jacobian */
    if (!th->J)
      PetscCall(MatDuplicate(th->A, MAT_COPY_VALUES, &th->J));
    else
      PetscCall(MatCopy(th->A, th->J, SAME_NONZERO_PATTERN));
    PetscCall(SNESSetFunction(th->snes, th->work, RadFunction, &ctx));
    PetscCall(SNESSetJacobian(th->snes, th->A, th->A, RadJacobian, &ctx));
    PetscCall(SNESSolve(th->snes, NULL, th->T));
    PetscCall(SNESGetConvergedReason(th->snes, &reason));
    PetscCall(SNESGetIterationNumber(th->snes, &th->iterations));
    /* restore the linear operator in A for the next step */
    PetscCall(MatCopy(th->J, th->A, SAME_NONZERO_PATTERN));
    PetscCheck(reason > 0, comm, PETSC_ERR_NOT_CONVERGED,
               "the thermal (radiation) solve did not converge at t = %g: %s after %" PetscInt_FMT
               " Newton iterations",
               (double)t1, SNESConvergedReasons[reason], th->iterations);
  }
  th->totalIterations += th->iterations;
  PetscCall(FullLocal(th, th->T, Tc1, th->Tlocal));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.Solve, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalInitialize - Set the state to the deck's initial temperature at t = 0 (fixed
  temperatures at their t = 0 values). Collective.
@*/
/* Initial temperature from a vertex field of an HDF5 file in natural numbering (an earlier run's
   /fields/temperature): vertex nodes take their value, edge and face nodes the mean of their
   vertices'. The file is untrusted: shape, size and values are checked. */
PetscErrorCode TwinThermalReadInitial(TwinThermal th)
{
  TwinDeckThermal *d    = &th->deck->thermal;
  TwinMesh         mesh = th->mesh;
  MPI_Comm         comm = PetscObjectComm((PetscObject)th->A);
  PetscReal       *val;
  PetscInt         nv = mesh->nvglobal, bad = 0, rstart;
  hid_t            file, dset, space;
  hsize_t          dims[2] = {0, 0};
  int              rank    = -1;
  PetscScalar     *a;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(nv, &val));
  /* every rank reads the (vertex-sized) dataset; errors are decided collectively below */
  file = H5Fopen(d->initial_file, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0)
    bad = 1;
  else {
    dset = H5Dopen2(file, d->initial_dataset, H5P_DEFAULT);
    if (dset < 0)
      bad = 2;
    else {
      space = H5Dget_space(dset);
      rank  = H5Sget_simple_extent_ndims(space);
      if (rank >= 1 && rank <= 2) H5Sget_simple_extent_dims(space, dims, NULL);
      if (rank < 1 || rank > 2 || (rank == 2 && dims[1] != 1))
        bad = 3;
      else if ((PetscInt)dims[0] != nv)
        bad = 4;
      else if (H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, val) < 0)
        bad = 5;
      else
        for (PetscInt i = 0; i < nv && !bad; i++)
          if (PetscIsInfOrNanReal(val[i])) bad = 6;
      H5Sclose(space);
      H5Dclose(dset);
    }
    H5Fclose(file);
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPIU_INT, MPI_MAX, comm));
  PetscCheck(bad != 1, comm, PETSC_ERR_USER, "%s: thermal.initial.file '%s' is not an HDF5 file",
             th->deck->path, d->initial_file);
  PetscCheck(bad != 2, comm, PETSC_ERR_USER, "%s: thermal.initial: %s has no dataset %s",
             th->deck->path, d->initial_file, d->initial_dataset);
  PetscCheck(bad != 3, comm, PETSC_ERR_USER,
             "%s: thermal.initial: %s:%s must be one value per vertex (shape [n] or [n, 1])",
             th->deck->path, d->initial_file, d->initial_dataset);
  PetscCheck(bad != 4, comm, PETSC_ERR_USER,
             "%s: thermal.initial: %s:%s has %llu values, the mesh has %" PetscInt_FMT " vertices",
             th->deck->path, d->initial_file, d->initial_dataset, (unsigned long long)dims[0], nv);
  PetscCheck(bad != 5, comm, PETSC_ERR_USER, "%s: thermal.initial: cannot read %s:%s as numbers",
             th->deck->path, d->initial_file, d->initial_dataset);
  PetscCheck(bad != 6, comm, PETSC_ERR_USER, "%s: thermal.initial: %s:%s holds non-finite values",
             th->deck->path, d->initial_file, d->initial_dataset);
  PetscCall(VecGetOwnershipRange(th->T, &rstart, NULL));
  PetscCall(VecGetArray(th->T, &a));
  for (PetscInt p = mesh->pStart; p < mesh->pEnd; p++) {
    PetscInt  g = th->sp->pointGlobal[p - mesh->pStart], dof, *cl = NULL, ncl, n = 0;
    PetscReal sum = 0;
    PetscCall(PetscSectionGetDof(th->sp->section, p, &dof));
    if (!dof || g < 0 || PetscBTLookup(mesh->ghost, p - mesh->pStart)) continue;
    PetscCall(DMPlexGetTransitiveClosure(th->sp->dm, p, PETSC_TRUE, &ncl, &cl));
    for (PetscInt i = 0; i < ncl; i++)
      if (cl[2 * i] >= mesh->vStart && cl[2 * i] < mesh->vEnd) {
        sum += val[mesh->vnatural[cl[2 * i] - mesh->vStart]];
        n++;
      }
    PetscCall(DMPlexRestoreTransitiveClosure(th->sp->dm, p, PETSC_TRUE, &ncl, &cl));
    a[g - rstart] = sum / n;
  }
  PetscCall(VecRestoreArray(th->T, &a));
  PetscCall(VecDuplicate(th->T, &th->T0));
  PetscCall(VecCopy(th->T, th->T0));
  PetscCall(PetscFree(val));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinThermalInitialize(TwinThermal th)
{
  Vec Tc;

  PetscFunctionBegin;
  th->t    = 0;
  th->step = 0;
  if (th->T0)
    PetscCall(VecCopy(th->T0, th->T)); /* read from thermal.initial.file at set-up */
  else
    PetscCall(VecSet(th->T, th->deck->thermal.initial));
  PetscCall(DMGetLocalVector(th->sp->dm, &Tc));
  PetscCall(FixedValues(th, 0.0, Tc));
  PetscCall(FullLocal(th, th->T, Tc, th->Tlocal));
  PetscCall(DMRestoreLocalVector(th->sp->dm, &Tc));
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalSetInitialFunction - Initial temperature T0(x) at the free nodes. Collective.
@*/
PetscErrorCode TwinThermalSetInitialFunction(
    TwinThermal th, void (*T0)(PetscInt, const PetscReal[], PetscReal *, void *), void *ctx)
{
  PetscScalar *a;
  PetscInt     rstart;
  Vec          Tc;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(th->T, &rstart, NULL));
  PetscCall(VecGetArray(th->T, &a));
  for (PetscInt p = th->mesh->pStart; p < th->mesh->pEnd; p++) {
    PetscInt  g = th->sp->pointGlobal[p - th->mesh->pStart], dof;
    PetscReal x[3], v;
    PetscCall(PetscSectionGetDof(th->sp->section, p, &dof));
    if (!dof || g < 0 || PetscBTLookup(th->mesh->ghost, p - th->mesh->pStart)) continue;
    PetscCall(TwinSpacePointPosition(th->sp, p, x));
    T0(th->dim, x, &v, ctx);
    a[g - rstart] = v;
  }
  PetscCall(VecRestoreArray(th->T, &a));
  PetscCall(DMGetLocalVector(th->sp->dm, &Tc));
  PetscCall(FixedValues(th, th->t, Tc));
  PetscCall(FullLocal(th, th->T, Tc, th->Tlocal));
  PetscCall(DMRestoreLocalVector(th->sp->dm, &Tc));
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalSolveSteady - Steady state with boundary values and sources at time t. Collective.
@*/
PetscErrorCode TwinThermalSolveSteady(TwinThermal th, PetscReal t)
{
  Vec          Tc, rl;
  PetscScalar *r;

  PetscFunctionBegin;
  th->theta = 1.0;
  if (!th->assembled || th->convVaries) PetscCall(BuildOperators(th, t));
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.AssemblyRhs, 0, 0, 0, 0));
  PetscCall(DMGetLocalVector(th->sp->dm, &Tc));
  PetscCall(FixedValues(th, t, Tc));
  rl = th->rhsLocal;
  PetscCall(VecZeroEntries(rl));
  PetscCall(VecGetArray(rl, &r));
  PetscCall(AddLoadsCached(th, t, 1.0, r));
  PetscCall(AddLiftingFast(th, t, 0.0, 1.0, Tc, r));
  PetscCall(VecRestoreArray(rl, &r));
  PetscCall(VecZeroEntries(th->b));
  PetscCall(DMLocalToGlobal(th->sp->dm, rl, ADD_VALUES, th->b));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.AssemblyRhs, 0, 0, 0, 0));
  PetscCall(SolveState(th, t, Tc));
  PetscCall(DMRestoreLocalVector(th->sp->dm, &Tc));
  th->t = t;
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalStep - Advance the state by one theta step of length dt. Collective.
@*/
PetscErrorCode TwinThermalStep(TwinThermal th, PetscReal dt)
{
  Vec          Tc0, Tc1, rl;
  PetscScalar *r;
  PetscReal    t0 = th->t, t1 = th->t + dt, theta = th->theta;

  PetscFunctionBegin;
  if (!th->assembled || th->convVaries || dt != th->dt) {
    th->dt = dt;
    PetscCall(BuildOperators(th, th->convVaries ? t1 : 0.0));
    if (th->ksp) PetscCall(KSPSetOperators(th->ksp, th->A, th->A));
  }
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.AssemblyRhs, 0, 0, 0, 0));
  PetscCall(DMGetLocalVector(th->sp->dm, &Tc0));
  PetscCall(DMGetLocalVector(th->sp->dm, &Tc1));
  PetscCall(FixedValues(th, t0, Tc0));
  PetscCall(FixedValues(th, t1, Tc1));
  /* explicit part on the free DOFs: (M/dt - (1-theta) K) T^n */
  PetscCall(MatMult(th->M, th->T, th->b));
  PetscCall(VecScale(th->b, 1.0 / dt));
  if (theta < 1.0) {
    PetscCall(MatMult(th->K, th->T, th->work));
    PetscCall(VecAXPY(th->b, -(1.0 - theta), th->work));
  }
  rl = th->rhsLocal;
  PetscCall(VecZeroEntries(rl));
  PetscCall(VecGetArray(rl, &r));
  PetscCall(AddLoadsCached(th, t1, theta, r));
  PetscCall(AddLoadsCached(th, t0, 1.0 - theta, r));
  PetscCall(
      AddLiftingFast(th, t0, -1.0 / dt, 1.0 - theta, Tc0, r)); /* + (M/dt - (1-theta)K) Tc^n */
  PetscCall(AddLiftingFast(th, t1, 1.0 / dt, theta, Tc1, r));  /* - (M/dt + theta K) Tc^{n+1} */
  if (th->radiation && theta < 1.0) {
    PetscCall(VecScale(rl, 1.0)); /* explicit radiation of the old state */
    PetscCall(VecRestoreArray(rl, &r));
    PetscCall(VecGetArray(rl, &r));
    {
      PetscScalar *tmp;
      Vec          Rl;
      PetscCall(DMGetLocalVector(th->sp->dm, &Rl));
      PetscCall(VecZeroEntries(Rl));
      PetscCall(VecGetArray(Rl, &tmp));
      PetscCall(Radiation(th, t0, 1.0 - theta, th->Tlocal, tmp, NULL));
      PetscCall(VecRestoreArray(Rl, &tmp));
      PetscCall(VecRestoreArray(rl, &r));
      PetscCall(VecAXPY(rl, -1.0, Rl));
      PetscCall(VecGetArray(rl, &r));
      PetscCall(DMRestoreLocalVector(th->sp->dm, &Rl));
    }
  }
  PetscCall(VecRestoreArray(rl, &r));
  PetscCall(DMLocalToGlobal(th->sp->dm, rl, ADD_VALUES, th->b));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.AssemblyRhs, 0, 0, 0, 0));
  PetscCall(SolveState(th, t1, Tc1));
  PetscCall(DMRestoreLocalVector(th->sp->dm, &Tc0));
  PetscCall(DMRestoreLocalVector(th->sp->dm, &Tc1));
  th->t = t1;
  th->step++;
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalRecoverFlux - Heat flux -k grad T at cell centroids and averaged at vertices.
  Collective.
@*/
PetscErrorCode TwinThermalRecoverFlux(TwinThermal th)
{
  TwinSpace sp    = th->sp;
  TwinMesh  mesh  = th->mesh;
  PetscInt  ncell = mesh->cEnd - mesh->cStart, nv = mesh->vEnd - mesh->vStart,
           npt = mesh->pEnd - mesh->pStart;
  const PetscScalar *tl;
  double             vref[TWK_MAX_VERTS * 3], cen[3] = {0, 0, 0};
  PetscReal         *acc;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.StressRecovery, 0, 0, 0, 0));
  if (!th->vertexFlux) PetscCall(PetscMalloc2(3 * nv, &th->vertexFlux, 3 * ncell, &th->cellFlux));
  TwkElementVertexRefCoords(&sp->elem, vref);
  for (PetscInt k = 0; k < sp->nverts; k++)
    for (PetscInt d = 0; d < sp->dim; d++)
      cen[d] += vref[k * sp->dim + d] / sp->nverts;
  PetscCall(PetscCalloc1(4 * npt, &acc));
  PetscCall(VecGetArrayRead(th->Tlocal, &tl));
  for (PetscInt lc = 0; lc < ncell; lc++) {
    double X[TWK_MAX_VERTS * 3], te[TWK_MAX_NODES], q[3] = {0, 0, 0};
    double k = th->deck->materials[th->cellMat[lc]].conductivity;
    TwinSpaceCellCoordinates(sp, lc, X);
    TwinSpaceCellValues(sp, lc, tl, te);
    TwkThermalFlux(&sp->elem, X, k, te, cen, q);
    for (PetscInt d = 0; d < 3; d++)
      th->cellFlux[3 * lc + d] = d < sp->dim ? q[d] : 0.0;
    for (PetscInt kv = 0; kv < sp->nverts; kv++) {
      PetscInt v     = mesh->vStart + sp->cellVerts[lc * sp->nverts + kv] / sp->dim;
      double   qv[3] = {0, 0, 0};
      TwkThermalFlux(&sp->elem, X, k, te, &vref[kv * sp->dim], qv);
      for (PetscInt d = 0; d < sp->dim; d++)
        acc[4 * (v - mesh->pStart) + d] += qv[d];
      acc[4 * (v - mesh->pStart) + 3] += 1;
    }
  }
  PetscCall(VecRestoreArrayRead(th->Tlocal, &tl));
  PetscCall(TwinMeshSumShared(mesh, 4, acc));
  for (PetscInt v = 0; v < nv; v++) {
    PetscReal *a = &acc[4 * (v + mesh->vStart - mesh->pStart)];
    for (PetscInt d = 0; d < 3; d++)
      th->vertexFlux[3 * v + d] = a[3] > 0 ? a[d] / a[3] : 0.0;
  }
  PetscCall(PetscFree(acc));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.StressRecovery, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalEvaluate - Temperature at physical points, averaged over the containing cells.
  Collective.
@*/
PetscErrorCode TwinThermalEvaluate(TwinThermal th, PetscInt n, const PetscReal x[], PetscReal T[],
                                   PetscBool found[])
{
  TwinSpace          sp = th->sp;
  PetscReal         *acc;
  const PetscScalar *tl;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(2 * n, &acc));
  PetscCall(VecGetArrayRead(th->Tlocal, &tl));
  for (PetscInt lc = 0; lc < th->mesh->cEnd - th->mesh->cStart; lc++) {
    double X[TWK_MAX_VERTS * 3], te[TWK_MAX_NODES];
    TwinSpaceCellCoordinates(sp, lc, X);
    for (PetscInt i = 0; i < n; i++) {
      double xi[3], N[TWK_MAX_NODES], v = 0;
      if (!TwinSpaceLocateInCell(sp, X, &x[3 * i], xi)) continue;
      TwinSpaceCellValues(sp, lc, tl, te);
      TwkBasisEval(&sp->elem, xi, N, NULL);
      for (PetscInt a = 0; a < sp->nen; a++)
        v += N[a] * te[a];
      acc[2 * i] += v;
      acc[2 * i + 1] += 1;
    }
  }
  PetscCall(VecRestoreArrayRead(th->Tlocal, &tl));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, acc, (PetscMPIInt)(2 * n), MPIU_REAL, MPI_SUM,
                             PetscObjectComm((PetscObject)th->A)));
  for (PetscInt i = 0; i < n; i++) {
    found[i] = acc[2 * i + 1] > 0 ? PETSC_TRUE : PETSC_FALSE;
    T[i]     = found[i] ? acc[2 * i] / acc[2 * i + 1] : 0.0;
  }
  PetscCall(PetscFree(acc));
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalUpdate - Re-read changed deck values (e.g. for the next ensemble member). Boundary
  values and sources are read from the deck at every solve anyway; the operator is reassembled
  only if a conductivity, a capacity or a constant convection coefficient changed, otherwise the
  matrix and its preconditioner are reused. Not collective.
@*/
PetscErrorCode TwinThermalUpdate(TwinThermal th)
{
  TwinDeck  deck = th->deck;
  PetscInt  n    = 0;
  PetscReal sig[2 * 64 + 64];
  PetscBool changed = PETSC_FALSE;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < deck->nmaterials && n < 128; i++) {
    sig[n++] = deck->materials[i].conductivity;
    sig[n++] = deck->materials[i].density * deck->materials[i].specific_heat;
  }
  for (PetscInt i = 0; i < deck->thermal.nbcs && n < 192; i++)
    if (deck->thermal.bcs[i].type == TWIN_TBC_CONVECTION)
      sig[n++] = TwinFunctionEval(&deck->thermal.bcs[i].h, 0.0);
  if (n != th->nsig) changed = PETSC_TRUE;
  for (PetscInt i = 0; i < n && !changed; i++)
    if (sig[i] != th->sig[i]) changed = PETSC_TRUE;
  if (changed) th->assembled = PETSC_FALSE;
  th->nsig = n;
  for (PetscInt i = 0; i < n; i++)
    th->sig[i] = sig[i];
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalSaveState - Write the state needed to resume bit for bit: the temperature (free
  DOFs, in the layout of this run's ranks), the time and the step count. Collective.
@*/
PetscErrorCode TwinThermalSaveState(TwinThermal th, PetscViewer v)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectSetName((PetscObject)th->T, "temperature"));
  PetscCall(VecView(th->T, v));
  PetscCall(PetscViewerHDF5WriteAttribute(v, NULL, "time", PETSC_REAL, &th->t));
  PetscCall(PetscViewerHDF5WriteAttribute(v, NULL, "step", PETSC_INT, &th->step));
  PetscCall(
      PetscViewerHDF5WriteAttribute(v, NULL, "total_iterations", PETSC_INT, &th->totalIterations));
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalLoadState - Restore a state written by TwinThermalSaveState() (same deck, same
  number of ranks). Collective.
@*/
PetscErrorCode TwinThermalLoadState(TwinThermal th, PetscViewer v)
{
  Vec      Tc;
  PetscInt nglobal;

  PetscFunctionBegin;
  PetscCall(PetscObjectSetName((PetscObject)th->T, "temperature"));
  PetscCall(VecGetSize(th->T, &nglobal));
  PetscCall(VecLoad(th->T, v));
  PetscCall(PetscViewerHDF5ReadAttribute(v, NULL, "time", PETSC_REAL, NULL, &th->t));
  PetscCall(PetscViewerHDF5ReadAttribute(v, NULL, "step", PETSC_INT, NULL, &th->step));
  PetscCall(PetscViewerHDF5ReadAttribute(v, NULL, "total_iterations", PETSC_INT, NULL,
                                         &th->totalIterations));
  PetscCall(DMGetLocalVector(th->sp->dm, &Tc));
  PetscCall(FixedValues(th, th->t, Tc));
  PetscCall(FullLocal(th, th->T, Tc, th->Tlocal));
  PetscCall(DMRestoreLocalVector(th->sp->dm, &Tc));
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalSetState - Make T (this rank's free DOFs, the layout of th->T) at time t, step `step`
  the current state (ensemble members share one model and swap their states in). Collective.
@*/
PetscErrorCode TwinThermalSetState(TwinThermal th, const PetscReal T[], PetscReal t, PetscInt step)
{
  Vec          Tc;
  PetscScalar *a;
  PetscInt     n;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(th->T, &n));
  PetscCall(VecGetArray(th->T, &a));
  for (PetscInt i = 0; i < n; i++)
    a[i] = T[i];
  PetscCall(VecRestoreArray(th->T, &a));
  th->t    = t;
  th->step = step;
  PetscCall(DMGetLocalVector(th->sp->dm, &Tc));
  PetscCall(FixedValues(th, t, Tc));
  PetscCall(FullLocal(th, th->T, Tc, th->Tlocal));
  PetscCall(DMRestoreLocalVector(th->sp->dm, &Tc));
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalGetState - Copy the current free-DOF temperature (this rank's rows) into T. Not
  collective.
@*/
PetscErrorCode TwinThermalGetState(TwinThermal th, PetscReal T[])
{
  const PetscScalar *a;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(th->T, &n));
  PetscCall(VecGetArrayRead(th->T, &a));
  for (PetscInt i = 0; i < n; i++)
    T[i] = PetscRealPart(a[i]);
  PetscCall(VecRestoreArrayRead(th->T, &a));
  PetscFunctionReturn(0);
}

/*@C
  TwinThermalDofPositions - Positions x[3 * i] of this rank's free DOFs (rows of th->T): the node
  positions (vertices, or edge/face/cell midpoints for order 2). Not collective.
@*/
PetscErrorCode TwinThermalDofPositions(TwinThermal th, PetscReal x[])
{
  PetscInt rstart, rend;

  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(th->T, &rstart, &rend));
  for (PetscInt p = th->mesh->pStart; p < th->mesh->pEnd; p++) {
    PetscInt  g    = th->sp->pointGlobal[p - th->mesh->pStart], dof;
    PetscReal y[3] = {0, 0, 0};
    PetscCall(PetscSectionGetDof(th->sp->section, p, &dof));
    if (!dof || g < rstart || g >= rend) continue;
    PetscCall(TwinSpacePointPosition(th->sp, p, y));
    for (PetscInt d = 0; d < 3; d++)
      x[3 * (g - rstart) + d] = d < th->dim ? y[d] : 0.0;
  }
  PetscFunctionReturn(0);
}
