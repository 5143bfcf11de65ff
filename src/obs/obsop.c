/* obsop.c: the observation operator. Every sensor is located once in the distributed mesh (cell
 * and reference coordinates on the rank that owns it); applying the operator evaluates the
 * element basis of that cell on the current state of the models: temperature, displacement
 * along a direction, or the total strain along a gauge axis (what a bonded gauge measures:
 * elastic plus thermal strain), and sums over ranks so every rank gets every value. */
#include <twinfe/obs.h>

struct _TwinObsOperator {
  TwinThermal   th;   /* borrowed, may be NULL */
  TwinMechanics mech; /* borrowed, may be NULL */
  PetscInt      n;    /* sensors */
  TwinSensor   *s;    /* copy of the layout */
  PetscInt      nmine;
  PetscInt     *idx;  /* [nmine] sensors owned by this rank */
  PetscInt     *cell; /* [nmine] local cell */
  double       *xi;   /* [nmine*3] reference coordinates */
  PetscBool     needsMech;
  MPI_Comm      comm;
};

typedef struct {
  double   x;
  PetscInt i;
} SortKey;

static int CompareKey(const void *a, const void *b)
{
  double d = ((const SortKey *)a)->x - ((const SortKey *)b)->x;
  return d < 0 ? -1 : (d > 0 ? 1 : 0);
}

/*@C
  TwinObsOperatorCreate - Locate the sensors in the mesh of the models (first rank that finds a
  sensor owns it). Sensors are sorted by x once and every cell's bounding box selects its
  candidates by bisection, so locating costs O(ncells log nsensors), not a full double loop.

  Collective
@*/
PetscErrorCode TwinObsOperatorCreate(TwinThermal th, TwinMechanics mech, PetscInt n,
                                     const TwinSensor sensors[], TwinObsOperator *Hout)
{
  TwinObsOperator H;
  TwinSpace       sp;
  TwinMesh        mesh;
  PetscMPIInt     rank;
  PetscInt       *owner, *cell, nc;
  double         *xi;
  SortKey        *key;
  const char     *deckpath;

  PetscFunctionBegin;
  PetscCheck(th || mech, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL,
             "the observation operator needs a thermal or a mechanical model");
  sp       = th ? th->sp : mech->sp;
  mesh     = sp->mesh;
  deckpath = th ? th->deck->path : mech->deck->path;
  PetscCall(PetscNew(&H));
  H->th   = th;
  H->mech = mech;
  H->n    = n;
  H->comm = PetscObjectComm((PetscObject)sp->dm);
  PetscCallMPI(MPI_Comm_rank(H->comm, &rank));
  PetscCall(PetscMalloc1(n + 1, &H->s));
  PetscCall(PetscArraycpy(H->s, sensors, n));
  for (PetscInt i = 0; i < n; i++) {
    const TwinSensor *s                         = &sensors[i];
    char              where[TWIN_PATH_LEN + 32] = "";
    if (s->line) snprintf(where, sizeof(where), "%s:%d:%d: ", deckpath, s->line, s->col);
    if (s->kind == TWIN_SENSOR_TEMPERATURE)
      PetscCheck(th, H->comm, PETSC_ERR_USER,
                 "%ssensor '%s' measures temperature but the deck has no thermal: section", where,
                 s->name);
    else {
      PetscCheck(mech, H->comm, PETSC_ERR_USER,
                 "%ssensor '%s' measures %s but the deck has no mechanics: section", where, s->name,
                 s->kind == TWIN_SENSOR_STRAIN ? "strain" : "displacement");
      H->needsMech = PETSC_TRUE;
    }
  }
  /* candidates by x; the first rank to contain a sensor owns it */
  PetscCall(PetscMalloc4(n + 1, &key, n + 1, &owner, n + 1, &cell, 3 * n + 1, &xi));
  for (PetscInt i = 0; i < n; i++) {
    key[i].x = sensors[i].x[0];
    key[i].i = i;
    owner[i] = PETSC_MAX_INT;
    cell[i]  = -1;
  }
  qsort(key, (size_t)n, sizeof(SortKey), CompareKey);
  nc = mesh->cEnd - mesh->cStart;
  for (PetscInt lc = 0; lc < nc; lc++) {
    double   X[TWK_MAX_VERTS * 3], lo = PETSC_MAX_REAL, hi = -PETSC_MAX_REAL, tol;
    PetscInt a = 0, b = n;
    TwinSpaceCellCoordinates(sp, lc, X);
    for (PetscInt k = 0; k < sp->nverts; k++) {
      lo = PetscMin(lo, X[k * sp->dim]);
      hi = PetscMax(hi, X[k * sp->dim]);
    }
    tol = 1e-8 * (hi - lo);
    while (a < b) { /* first key with x >= lo - tol */
      PetscInt m = (a + b) / 2;
      if (key[m].x < lo - tol)
        a = m + 1;
      else
        b = m;
    }
    for (PetscInt k = a; k < n && key[k].x <= hi + tol; k++) {
      PetscInt i = key[k].i;
      double   x[3];
      if (cell[i] >= 0) continue;
      for (PetscInt d = 0; d < 3; d++)
        x[d] = sensors[i].x[d];
      if (TwinSpaceLocateInCell(sp, X, x, &xi[3 * i])) {
        cell[i]  = lc;
        owner[i] = rank;
      }
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, owner, (PetscMPIInt)n, MPIU_INT, MPI_MIN, H->comm));
  for (PetscInt i = 0; i < n; i++) {
    if (owner[i] == PETSC_MAX_INT) {
      const TwinSensor *s                         = &sensors[i];
      char              where[TWIN_PATH_LEN + 32] = "", pos[96];
      if (s->line) snprintf(where, sizeof(where), "%s:%d:%d: ", deckpath, s->line, s->col);
      snprintf(pos, sizeof(pos), "(%g, %g, %g)", (double)s->x[0], (double)s->x[1], (double)s->x[2]);
      SETERRQ(H->comm, PETSC_ERR_USER, "%ssensor '%s' at %s is outside the mesh %s", where, s->name,
              pos, mesh->source);
    }
    if (owner[i] == rank) H->nmine++;
  }
  PetscCall(PetscMalloc3(H->nmine + 1, &H->idx, H->nmine + 1, &H->cell, 3 * H->nmine + 1, &H->xi));
  for (PetscInt i = 0, k = 0; i < n; i++)
    if (owner[i] == rank) {
      H->idx[k]  = i;
      H->cell[k] = cell[i];
      for (PetscInt d = 0; d < 3; d++)
        H->xi[3 * k + d] = xi[3 * i + d];
      k++;
    }
  PetscCall(PetscFree4(key, owner, cell, xi));
  *Hout = H;
  PetscFunctionReturn(0);
}

PetscBool TwinObsOperatorNeedsMechanics(TwinObsOperator H)
{
  return H->needsMech;
}

/*@C
  TwinObsOperatorApply - Predicted observations of the models' current state, on every rank.

  Collective
@*/
PetscErrorCode TwinObsOperatorApply(TwinObsOperator H, PetscReal hx[])
{
  const PetscScalar *tl = NULL, *ul = NULL;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(TWIN_EVENTS.ObsApply, 0, 0, 0, 0));
  PetscCall(PetscArrayzero(hx, H->n));
  if (H->th) PetscCall(VecGetArrayRead(H->th->Tlocal, &tl));
  if (H->mech && H->needsMech) PetscCall(VecGetArrayRead(H->mech->ulocal, &ul));
  for (PetscInt k = 0; k < H->nmine; k++) {
    const TwinSensor *s  = &H->s[H->idx[k]];
    PetscInt          lc = H->cell[k];
    double            X[TWK_MAX_VERTS * 3], N[TWK_MAX_NODES], v = 0;
    if (s->kind == TWIN_SENSOR_TEMPERATURE) {
      TwinSpace sp = H->th->sp;
      double    te[TWK_MAX_NODES];
      TwinSpaceCellValues(sp, lc, tl, te);
      TwkBasisEval(&sp->elem, &H->xi[3 * k], N, NULL);
      for (PetscInt a = 0; a < sp->nen; a++)
        v += N[a] * te[a];
    } else {
      TwinSpace sp  = H->mech->sp;
      PetscInt  dim = sp->dim;
      double    ue[TWK_MAX_NODES * 3];
      TwinSpaceCellValues(sp, lc, ul, ue);
      if (s->kind == TWIN_SENSOR_DISPLACEMENT) {
        TwkBasisEval(&sp->elem, &H->xi[3 * k], N, NULL);
        for (PetscInt a = 0; a < sp->nen; a++)
          for (PetscInt d = 0; d < dim; d++)
            v += N[a] * ue[a * dim + d] * s->dir[d];
      } else { /* total strain along the gauge: d . sym(grad u) d = d_i d_j du_i/dx_j */
        double dNdx[TWK_MAX_NODES * 3];
        TwinSpaceCellCoordinates(sp, lc, X);
        TwkPhysicalGradients(&sp->elem, X, &H->xi[3 * k], N, dNdx);
        for (PetscInt a = 0; a < sp->nen; a++)
          for (PetscInt i = 0; i < dim; i++)
            for (PetscInt j = 0; j < dim; j++)
              v += s->dir[i] * s->dir[j] * ue[a * dim + i] * dNdx[a * dim + j];
      }
    }
    hx[H->idx[k]] = v;
  }
  if (H->th) PetscCall(VecRestoreArrayRead(H->th->Tlocal, &tl));
  if (ul) PetscCall(VecRestoreArrayRead(H->mech->ulocal, &ul));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, hx, (PetscMPIInt)H->n, MPIU_REAL, MPI_SUM, H->comm));
  PetscCall(PetscLogEventEnd(TWIN_EVENTS.ObsApply, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinObsOperatorDestroy(TwinObsOperator *H)
{
  PetscFunctionBegin;
  if (!*H) PetscFunctionReturn(0);
  PetscCall(PetscFree3((*H)->idx, (*H)->cell, (*H)->xi));
  PetscCall(PetscFree((*H)->s));
  PetscCall(PetscFree(*H));
  PetscFunctionReturn(0);
}
