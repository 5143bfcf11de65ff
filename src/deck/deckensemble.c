/* deckensemble.c: the deck's ensemble: section and the ensemble statistics of output:.
 *
 *   ensemble:
 *     members: 32                 # >= 2 (with sensitivity: the base size N of the Saltelli design)
 *     sampler: lhs                # mc | lhs | sobol (default mc)
 *     seed: 2026                  # integer >= 0 (default 1)
 *     failed: skip                # skip | redraw (default skip)
 *     min_members: 16             # 2 <= min_members <= members (default max(2, members / 2))
 *     sensitivity: false          # true: Saltelli design, N (k + 2) runs with N = members
 *     parameters:                 # 1 to TWIN_MAX_PARAMS uncertain numbers of the deck
 *       - {name: k, target: materials.steel.conductivity, normal: {mean: 45, std: 5}}
 *       - {name: q, target: thermal.boundaries[0].value, uniform: [1.5e4, 2.5e4]}
 *       - {name: E, target: materials.steel.E, lognormal: {mean: 2e11, std: 1e10}}
 *       - {name: h, target: thermal.boundaries[1].h,
 *          truncated_normal: {mean: 15, std: 5, low: 1, high: 40}}
 *     correlation: [[1, 0.5], [0.5, 1]]   # optional: nparams x nparams, symmetric, unit diagonal
 *   output:
 *     statistics: [mean, std, q05, q95]   # qNN: the NN/100 quantile; mean and std always
 *     exceedance: {von_mises: 150e6}      # von_mises | temperature | displacement_magnitude
 *
 * The statistics live under output: (not under ensemble:): they say what is written, like the
 * rest of output:, and they need an ensemble: section. A target is a deck path (deckpath.c) that
 * must name a plain number of the deck in materials:, thermal: or mechanics: (the mesh is
 * shared by every member; time:, output: and solver: are settings of the run). TwinDeckValidate
 * calls TwinEnsembleSpecFromDeck last, so a bad ensemble is a deck error before any work.
 * Positive-definiteness of the correlation is checked by the sampler. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <twinfe/ensemble.h>
#include "deckimpl.h"

#define WHERE_LEN 256
#define MAX_SEGS 32

#define Err(deck, node, ...) TwinDeckErrorNode((deck)->comm, (deck)->path, node, __VA_ARGS__)
#define ErrKey(deck, map, i, ...) TwinDeckErrorKey((deck)->comm, (deck)->path, map, i, __VA_ARGS__)
#define N(a) ((PetscInt)(sizeof(a) / sizeof((a)[0])))

static const char *const  dist_names[] = {"normal", "lognormal", "uniform", "truncated_normal"};
static const TwinDistKind dist_kinds[] = {TWIN_DIST_NORMAL, TWIN_DIST_LOGNORMAL, TWIN_DIST_UNIFORM,
                                          TWIN_DIST_TRUNCNORMAL};
/* deck values the validator requires > 0, by their last key */
static const char *const positive_keys[] = {"E", "conductivity", "density",  "specific_heat",
                                            "h", "emissivity",   "thickness"};




/* ---- targets ----------------------------------------------------------------------------- */

typedef struct {
  PetscBool isindex;
  PetscInt  index;
  char      key[TWIN_NAME_LEN * 4];
} Seg;

/* The syntax TwinNodeFind and TwinDeckSet read: key(.key|[i])*; keys without . [ ] =. */
static PetscBool SplitTarget(const char *p, Seg segs[], PetscInt *nseg)
{
  PetscInt n = 0;

  *nseg = 0;
  if (!*p) return PETSC_FALSE;
  while (*p) {
    size_t len = 0;
    if (n >= MAX_SEGS) return PETSC_FALSE;
    if (n && *p == '.')
      p++;
    else if (n && *p != '[')
      return PETSC_FALSE;
    if (*p == '[') {
      long v = 0;
      if (!n) return PETSC_FALSE; /* the deck is a map */
      p++;
      if (*p < '0' || *p > '9') return PETSC_FALSE;
      while (*p >= '0' && *p <= '9') {
        v = 10 * v + (*p++ - '0');
        if (v > 100000000) return PETSC_FALSE;
      }
      if (*p++ != ']') return PETSC_FALSE;
      segs[n].isindex = PETSC_TRUE;
      segs[n++].index = (PetscInt)v;
      continue;
    }
    while (p[len] && p[len] != '.' && p[len] != '[' && p[len] != ']' && p[len] != '=')
      len++;
    if (!len || len >= sizeof(segs[n].key)) return PETSC_FALSE;
    segs[n].isindex = PETSC_FALSE;
    memcpy(segs[n].key, p, len);
    segs[n++].key[len] = 0;
    p += len;
  }
  *nseg = n;
  return PETSC_TRUE;
}

static void AppendSeg(char buf[], size_t len, const Seg *s)
{
  size_t l = strlen(buf);
  if (s->isindex)
    snprintf(buf + l, len - l, "[%d]", (int)s->index);
  else
    snprintf(buf + l, len - l, "%s%s", l ? "." : "", s->key);
}

/* Walk segs from root, replacing missing keys by their nearest spelling. On success *node is
 * the node at the corrected path (in fixed); else *node is NULL and why says where it broke. */
static void WalkSuggest(TwinNode root, const Seg segs[], PetscInt nseg, char fixed[], size_t flen,
                        TwinNode *node, char why[], size_t wlen)
{
  TwinNode cur = root;

  fixed[0] = 0;
  why[0]   = 0;
  *node    = NULL;
  for (PetscInt s = 0; s < nseg; s++) {
    Seg         seg = segs[s];
    const char *at  = fixed[0] ? fixed : "the deck";
    if (seg.isindex) {
      if (cur->kind != TWIN_NODE_SEQ) {
        Fmt(why, wlen, "%s is not a list", at);
        return;
      }
      if (seg.index >= cur->n) {
        Fmt(why, wlen, "%s has %d item%s", at, (int)cur->n, cur->n == 1 ? "" : "s");
        return;
      }
      cur = cur->items[seg.index];
    } else {
      PetscInt    i = KeyIndex(cur, seg.key);
      const char *sug;
      if (cur->kind != TWIN_NODE_MAP) {
        Fmt(why, wlen, "%s has no keys", at);
        return;
      }
      if (i < 0) {
        sug = TwinDeckSuggest(seg.key, (const char *const *)cur->keys, cur->n);
        if (!sug) {
          Fmt(why, wlen, "%s has no key '%s'", at, seg.key);
          return;
        }
        PetscStrncpy(seg.key, sug, sizeof(seg.key));
        i = KeyIndex(cur, seg.key);
      }
      cur = cur->items[i];
    }
    AppendSeg(fixed, flen, &seg);
  }
  *node = cur;
}

/* A time function in a deck is a map with one key: table, sin, ramp or step (deck.h). */
static const char *TimeFunctionKind(TwinNode n)
{
  static const char *const kinds[] = {"table", "sin", "ramp", "step"};
  if (!n || n->kind != TWIN_NODE_MAP || n->n != 1) return NULL;
  for (PetscInt k = 0; k < N(kinds); k++)
    if (!strcmp(n->keys[0], kinds[k])) return kinds[k];
  return NULL;
}

/* The target (node tv) must name a plain number in materials, thermal or mechanics. */
static PetscErrorCode ResolveTarget(TwinDeck deck, TwinNode tv, const char where[],
                                    const char target[], TwinNode *node)
{
  static const char *const sections[] = {"materials", "thermal", "mechanics"};
  Seg                      segs[MAX_SEGS];
  PetscInt                 nseg;
  TwinNode                 n, fn;
  char                     fixed[TWIN_PATH_LEN], why[WHERE_LEN], buf[96];
  const char              *kind;
  PetscBool                ok = PETSC_FALSE;

  PetscFunctionBegin;
  *node = NULL;
  if (!SplitTarget(target, segs, &nseg))
    PetscCall(Err(deck, tv,
                  "%s: '%s' is not a deck path (expected e.g. materials.steel.E or "
                  "thermal.boundaries[0].value)",
                  where, target));
  PetscCall(TwinNodeFind(deck->root, target, &n));
  if (!n) {
    WalkSuggest(deck->root, segs, nseg, fixed, sizeof(fixed), &fn, why, sizeof(why));
    if (fn && TwinNodeIsNumber(fn))
      PetscCall(Err(deck, tv, "%s: '%s' does not name a number in this deck (did you mean '%s'?)",
                    where, target, fixed));
    if (!fn)
      PetscCall(
          Err(deck, tv, "%s: '%s' does not name a number in this deck (%s)", where, target, why));
    PetscCall(Err(deck, tv, "%s: '%s' does not name a number in this deck", where, target));
  }
  if ((kind = TimeFunctionKind(n))) {
    const char *eg = !strcmp(kind, "table") ? "table[0][1]"
                     : !strcmp(kind, "sin") ? "sin.mean"
                                            : (!strcmp(kind, "ramp") ? "ramp.to" : "step.to");
    PetscCall(Err(deck, tv,
                  "%s: '%s' is a time function ({%s: ...}): only plain numbers can be uncertain "
                  "(a number inside it can, e.g. '%s.%s')",
                  where, target, kind, target, eg));
  }
  if (!TwinNodeIsNumber(n))
    PetscCall(Err(deck, tv, "%s: '%s' does not name a number in this deck (it is %s)", where,
                  target, TwinNodeDescribe(n, buf, sizeof(buf))));
  /* where it may point */
  if (!segs[0].isindex) {
    for (PetscInt k = 0; k < N(sections); k++)
      if (!strcmp(segs[0].key, sections[k])) ok = PETSC_TRUE;
  }
  if (!ok && !segs[0].isindex && !strcmp(segs[0].key, "mesh"))
    PetscCall(Err(deck, tv,
                  "%s: '%s': the mesh is shared by every member and cannot be uncertain (targets "
                  "lie in materials, thermal or mechanics)",
                  where, target));
  if (!ok)
    PetscCall(Err(deck, tv,
                  "%s: '%s' is a setting of the run, not a physical input (targets lie in "
                  "materials, thermal or mechanics)",
                  where, target));
  *node = n;
  PetscFunctionReturn(0);
}

/* The last key of a path ("h" in thermal.boundaries[1].h; "value" in ...value[1]). */
static void LastKey(const char target[], char key[], size_t len)
{
  Seg      segs[MAX_SEGS];
  PetscInt nseg;

  key[0] = 0;
  if (!SplitTarget(target, segs, &nseg)) return;
  for (PetscInt s = nseg - 1; s >= 0; s--)
    if (!segs[s].isindex) {
      PetscStrncpy(key, segs[s].key, len);
      return;
    }
}

/* ---- distributions ----------------------------------------------------------------------- */

static PetscErrorCode DistParam(TwinDeck deck, TwinNode map, const char where[], const char key[],
                                PetscBool required, PetscReal *v, TwinNode *node)
{
  char w[WHERE_LEN];

  PetscFunctionBegin;
  *node = Get(map, key);
  if (!*node && required) PetscCall(Err(deck, map, "missing required key '%s' in %s", key, where));
  Fmt(w, sizeof(w), "%s.%s", where, key);
  if (*node) PetscCall(TwinDeckGetReal(deck, *node, w, v));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetDistribution(TwinDeck deck, TwinNode n, const char where[], PetscInt k,
                                      TwinDistribution *d)
{
  static const char *const msd[] = {"mean", "std"};
  static const char *const tn[]  = {"mean", "std", "low", "high"};
  static const char *const ul[]  = {"low", "high"};
  TwinNode                 x, s, lo, hi;
  char                     w[WHERE_LEN];

  PetscFunctionBegin;
  PetscCall(PetscMemzero(d, sizeof(*d)));
  d->kind = dist_kinds[k];
  d->low  = -PETSC_INFINITY;
  d->high = PETSC_INFINITY;
  Fmt(w, sizeof(w), "%s.%s", where, dist_names[k]);
  switch (d->kind) {
  case TWIN_DIST_NORMAL:
  case TWIN_DIST_LOGNORMAL:
    PetscCall(TwinDeckExpectKind(deck, n, w, TWIN_NODE_MAP, "a map {mean, std}"));
    PetscCall(TwinDeckCheckKeys(deck, n, w, msd, N(msd)));
    PetscCall(DistParam(deck, n, w, "mean", PETSC_TRUE, &d->a, &x));
    PetscCall(DistParam(deck, n, w, "std", PETSC_TRUE, &d->b, &s));
    if (!(d->b > 0)) PetscCall(Err(deck, s, "%s.std must be > 0, got %s", w, s->scalar));
    if (d->kind == TWIN_DIST_LOGNORMAL && !(d->a > 0))
      PetscCall(Err(deck, x, "%s.mean must be > 0 (a lognormal value is always positive), got %s",
                    w, x->scalar));
    break;
  case TWIN_DIST_UNIFORM:
    if (n && n->kind == TWIN_NODE_MAP) { /* {low, high} */
      PetscCall(TwinDeckCheckKeys(deck, n, w, ul, N(ul)));
      PetscCall(DistParam(deck, n, w, "low", PETSC_TRUE, &d->a, &lo));
      PetscCall(DistParam(deck, n, w, "high", PETSC_TRUE, &d->b, &hi));
    } else {
      char buf[96], w2[WHERE_LEN + 8];
      if (!n || n->kind != TWIN_NODE_SEQ || n->n != 2)
        PetscCall(Err(deck, n, "%s: expected [low, high], got %s", w,
                      n && n->kind == TWIN_NODE_SEQ
                          ? (n->n == 1 ? "a list of 1 item" : "a list of more than 2 items")
                          : TwinNodeDescribe(n, buf, sizeof(buf))));
      lo = n->items[0];
      hi = n->items[1];
      Fmt(w2, sizeof(w2), "%s[0]", w);
      PetscCall(TwinDeckGetReal(deck, lo, w2, &d->a));
      Fmt(w2, sizeof(w2), "%s[1]", w);
      PetscCall(TwinDeckGetReal(deck, hi, w2, &d->b));
    }
    if (!(d->b > d->a))
      PetscCall(
          Err(deck, hi, "%s: high = %s must be greater than low = %s", w, hi->scalar, lo->scalar));
    d->low  = d->a;
    d->high = d->b;
    break;
  case TWIN_DIST_TRUNCNORMAL: {
    double pa, pb;
    PetscCall(TwinDeckExpectKind(deck, n, w, TWIN_NODE_MAP, "a map {mean, std, low, high}"));
    PetscCall(TwinDeckCheckKeys(deck, n, w, tn, N(tn)));
    PetscCall(DistParam(deck, n, w, "mean", PETSC_TRUE, &d->a, &x));
    PetscCall(DistParam(deck, n, w, "std", PETSC_TRUE, &d->b, &s));
    if (!(d->b > 0)) PetscCall(Err(deck, s, "%s.std must be > 0, got %s", w, s->scalar));
    PetscCall(DistParam(deck, n, w, "low", PETSC_FALSE, &d->low, &lo));
    PetscCall(DistParam(deck, n, w, "high", PETSC_FALSE, &d->high, &hi));
    if (!lo && !hi)
      PetscCall(Err(deck, n, "%s: give low, high or both (without bounds, use normal)", w));
    if (lo && hi && !(d->high > d->low))
      PetscCall(Err(deck, hi, "%s.high = %s must be greater than %s.low = %s", w, hi->scalar, w,
                    lo->scalar));
    /* the bounds must keep some of the parent normal, or nothing can be drawn */
    pa = lo ? 0.5 * erfc(-(d->low - d->a) / (d->b * sqrt(2.0))) : 0;
    pb = hi ? 0.5 * erfc(-(d->high - d->a) / (d->b * sqrt(2.0))) : 1;
    if (!(pb - pa > 1e-9))
      PetscCall(Err(deck, lo ? lo : hi,
                    "%s: [low, high] keeps a fraction %.3g of the normal (mean %g, std %g); "
                    "widen the bounds or move the mean",
                    w, pb - pa, (double)d->a, (double)d->b));
  } break;
  }
  PetscFunctionReturn(0);
}

/* A target the validator requires > 0 must not be given a distribution that draws <= 0. */
static PetscErrorCode CheckPositive(TwinDeck deck, TwinNode item, PetscInt id, const char where[],
                                    const char target[], const TwinDistribution *d)
{
  char key[TWIN_NAME_LEN * 4];

  PetscFunctionBegin;
  LastKey(target, key, sizeof(key));
  for (PetscInt k = 0; k < N(positive_keys); k++) {
    if (strcmp(key, positive_keys[k])) continue;
    if (d->kind == TWIN_DIST_NORMAL)
      PetscCall(ErrKey(deck, item, id,
                       "%s: %s must stay positive; a normal distribution can draw negative values: "
                       "use lognormal or truncated_normal",
                       where, target));
    if (d->kind == TWIN_DIST_UNIFORM && !(d->a > 0))
      PetscCall(ErrKey(deck, item, id,
                       "%s: %s must stay positive; this uniform distribution can draw values <= 0 "
                       "(its low is %g)",
                       where, target, (double)d->a));
    if (d->kind == TWIN_DIST_TRUNCNORMAL && !(d->low > 0))
      PetscCall(
          ErrKey(deck, item, id,
                 "%s: %s must stay positive; this truncated_normal can draw values <= 0: give "
                 "it a low > 0",
                 where, target));
  }
  PetscFunctionReturn(0);
}

/* ---- the section ------------------------------------------------------------------------- */

static PetscBool IsIdentifier(const char *s)
{
  if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return PETSC_FALSE;
  for (s++; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
          *s == '_'))
      return PETSC_FALSE;
  return PETSC_TRUE;
}

static PetscErrorCode GetParameter(TwinDeck deck, TwinEnsembleSpec *spec, TwinNode item, PetscInt j,
                                   TwinNode resolved[])
{
  static const char *const known[] = {"name",      "target",  "normal",
                                      "lognormal", "uniform", "truncated_normal"};
  TwinParameter           *p       = &spec->params[j];
  TwinNode                 nv, tv, target;
  PetscInt                 kd = -1, id = -1;
  char                     where[WHERE_LEN], w[WHERE_LEN], buf[96];

  PetscFunctionBegin;
  Fmt(where, sizeof(where), "ensemble.parameters[%d]", (int)j);
  PetscCall(
      TwinDeckExpectKind(deck, item, where, TWIN_NODE_MAP, "a map {name, target, <distribution>}"));
  PetscCall(TwinDeckCheckKeys(deck, item, where, known, N(known)));
  p->line = item->line;
  p->col  = item->col;
  /* name */
  if (!(nv = Get(item, "name")))
    PetscCall(Err(deck, item, "missing required key 'name' in %s", where));
  Fmt(w, sizeof(w), "%s.name", where);
  if (nv->kind != TWIN_NODE_SCALAR)
    PetscCall(
        Err(deck, nv, "%s: expected a name, got %s", w, TwinNodeDescribe(nv, buf, sizeof(buf))));
  if (strlen(nv->scalar) >= sizeof(p->name))
    PetscCall(Err(deck, nv, "%s: too long (at most %d characters)", w, (int)sizeof(p->name) - 1));
  if (!IsIdentifier(nv->scalar))
    PetscCall(Err(deck, nv,
                  "%s: '%s' is not a valid name (a letter or '_', then letters, digits or '_')", w,
                  nv->scalar));
  PetscCall(PetscStrncpy(p->name, nv->scalar, sizeof(p->name)));
  for (PetscInt i = 0; i < j; i++)
    if (!strcmp(spec->params[i].name, p->name))
      PetscCall(Err(deck, nv, "%s: parameter name '%s' is used twice (first at line %d)", w,
                    p->name, spec->params[i].line));
  /* target */
  if (!(tv = Get(item, "target")))
    PetscCall(Err(deck, item,
                  "missing required key 'target' in %s (a deck path, e.g. "
                  "materials.steel.E)",
                  where));
  Fmt(w, sizeof(w), "%s.target", where);
  if (tv->kind != TWIN_NODE_SCALAR)
    PetscCall(Err(deck, tv, "%s: expected a deck path (e.g. materials.steel.E), got %s", w,
                  TwinNodeDescribe(tv, buf, sizeof(buf))));
  if (strlen(tv->scalar) >= sizeof(p->target)) PetscCall(Err(deck, tv, "%s: too long", w));
  PetscCall(PetscStrncpy(p->target, tv->scalar, sizeof(p->target)));
  PetscCall(ResolveTarget(deck, tv, w, p->target, &target));
  resolved[j] = target;
  for (PetscInt i = 0; i < j; i++)
    if (resolved[i] == target)
      PetscCall(Err(deck, tv, "%s: '%s' is already the target of ensemble.parameters[%d] ('%s')", w,
                    p->target, (int)i, spec->params[i].name));
  /* exactly one distribution */
  for (PetscInt i = 0; i < item->n; i++)
    for (PetscInt k = 0; k < N(dist_names); k++) {
      if (strcmp(item->keys[i], dist_names[k])) continue;
      if (kd >= 0)
        PetscCall(ErrKey(deck, item, i,
                         "%s: a parameter has one distribution, got both '%s' and '%s'", where,
                         dist_names[kd], dist_names[k]));
      kd = k;
      id = i;
    }
  if (kd < 0)
    PetscCall(Err(deck, item,
                  "%s: needs a distribution: normal, lognormal, uniform or truncated_normal",
                  where));
  PetscCall(GetDistribution(deck, item->items[id], where, kd, &p->dist));
  PetscCall(CheckPositive(deck, item, id, where, p->target, &p->dist));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetCorrelation(TwinDeck deck, TwinNode n, TwinEnsembleSpec *spec)
{
  PetscInt k = spec->nparams;
  char     buf[96], w[WHERE_LEN];

  PetscFunctionBegin;
  if (!n || n->kind != TWIN_NODE_SEQ)
    PetscCall(Err(deck, n,
                  "ensemble.correlation: expected a %dx%d matrix (a list of %d rows), got %s",
                  (int)k, (int)k, (int)k, TwinNodeDescribe(n, buf, sizeof(buf))));
  if (n->n != k)
    PetscCall(Err(deck, n, "ensemble.correlation: expected %d rows (one per parameter), got %d",
                  (int)k, (int)n->n));
  for (PetscInt i = 0; i < k; i++) {
    TwinNode row = n->items[i];
    if (!row || row->kind != TWIN_NODE_SEQ || row->n != k) {
      if (row && row->kind == TWIN_NODE_SEQ)
        PetscCall(Err(deck, row, "ensemble.correlation[%d]: expected %d numbers, got %d", (int)i,
                      (int)k, (int)row->n));
      PetscCall(Err(deck, row, "ensemble.correlation[%d]: expected a row of %d numbers, got %s",
                    (int)i, (int)k, TwinNodeDescribe(row, buf, sizeof(buf))));
    }
    for (PetscInt j = 0; j < k; j++) {
      TwinNode  x = row->items[j];
      PetscReal r;
      Fmt(w, sizeof(w), "ensemble.correlation[%d][%d]", (int)i, (int)j);
      PetscCall(TwinDeckGetReal(deck, x, w, &r));
      if (i == j && r != 1)
        PetscCall(Err(deck, x, "%s must be 1 (a diagonal entry), got %s", w, x->scalar));
      if (i != j && !(PetscAbsReal(r) < 1))
        PetscCall(Err(deck, x, "%s = %s: a correlation between two parameters must be in (-1, 1)",
                      w, x->scalar));
      if (j < i && r != spec->corr[j * k + i])
        PetscCall(Err(deck, x,
                      "%s = %s differs from ensemble.correlation[%d][%d] = %s (the matrix must be "
                      "symmetric)",
                      w, x->scalar, (int)j, (int)i, n->items[j]->items[i]->scalar));
      spec->corr[i * k + j] = r;
      if (i != j && r != 0) spec->correlated = PETSC_TRUE;
    }
  }
  PetscFunctionReturn(0);
}

/* output.statistics: [mean, std, qNN, ...]; mean and std are always computed. */
static PetscErrorCode GetStatistics(TwinDeck deck, TwinNode n, TwinEnsembleSpec *spec)
{
  static const char *const names[] = {"mean", "std"};
  char                     buf[96], w[WHERE_LEN];

  PetscFunctionBegin;
  if (!n || n->kind != TWIN_NODE_SEQ)
    PetscCall(Err(deck, n,
                  "output.statistics: expected a list such as [mean, std, q05, q95], got %s",
                  TwinNodeDescribe(n, buf, sizeof(buf))));
  for (PetscInt i = 0; i < n->n; i++) {
    TwinNode    x = n->items[i];
    const char *s, *sug;
    Fmt(w, sizeof(w), "output.statistics[%d]", (int)i);
    if (!x || x->kind != TWIN_NODE_SCALAR)
      PetscCall(Err(deck, x, "%s: expected mean, std or qNN, got %s", w,
                    TwinNodeDescribe(x, buf, sizeof(buf))));
    s = x->scalar;
    for (PetscInt j = 0; j < i; j++)
      if (n->items[j]->kind == TWIN_NODE_SCALAR && !strcmp(n->items[j]->scalar, s))
        PetscCall(Err(deck, x, "%s: '%s' is listed twice", w, s));
    if (!strcmp(s, "mean") || !strcmp(s, "std")) continue;
    if (s[0] == 'q' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' && !s[3] &&
        strcmp(s, "q00")) {
      if (spec->nquantiles >= N(spec->quantiles))
        PetscCall(Err(deck, x, "%s: at most %d quantiles", w, (int)N(spec->quantiles)));
      spec->quantiles[spec->nquantiles++] = (PetscReal)(10 * (s[1] - '0') + (s[2] - '0')) / 100;
      continue;
    }
    if (!strcmp(s, "median"))
      PetscCall(Err(deck, x, "%s: unknown statistic 'median'; did you mean 'q50'?", w));
    if ((s[0] == 'q' || s[0] == 'p' || s[0] == 'Q' || s[0] == 'P') && s[1] >= '0' && s[1] <= '9')
      PetscCall(Err(deck, x,
                    "%s: '%s': a quantile is q followed by two digits, q01 to q99 (q05: the 5 %% "
                    "quantile)",
                    w, s));
    sug = TwinDeckSuggest(s, names, N(names));
    if (sug) PetscCall(Err(deck, x, "%s: unknown statistic '%s'; did you mean '%s'?", w, s, sug));
    PetscCall(
        Err(deck, x, "%s: unknown statistic '%s' (expected mean, std or qNN, e.g. q05)", w, s));
  }
  PetscFunctionReturn(0);
}

/* output.exceedance: {field: limit}: the probability that the field exceeds the limit. */
static PetscErrorCode GetExceedance(TwinDeck deck, TwinNode n, TwinEnsembleSpec *spec)
{
  static const char *const fields[] = {"von_mises", "temperature", "displacement_magnitude"};
  TwinNode                 root     = deck->root, v;
  char                     buf[96], w[WHERE_LEN];
  PetscInt                 k = 0;

  PetscFunctionBegin;
  if (!n || n->kind != TWIN_NODE_MAP || n->n == 0)
    PetscCall(Err(deck, n,
                  "output.exceedance: expected a map {field: limit} such as {von_mises: 150e6}, "
                  "got %s",
                  TwinNodeDescribe(n, buf, sizeof(buf))));
  PetscCall(TwinDeckCheckKeys(deck, n, "output.exceedance", fields, N(fields)));
  if (n->n > 1)
    PetscCall(ErrKey(deck, n, 1,
                     "output.exceedance: one field and its limit, got both '%s' and '%s'",
                     n->keys[0], n->keys[1]));
  while (strcmp(n->keys[0], fields[k]))
    k++;
  v = n->items[0];
  Fmt(w, sizeof(w), "output.exceedance.%s", fields[k]);
  PetscCall(TwinDeckGetReal(deck, v, w, &spec->exceed_limit));
  if (k == 1 && !Get(root, "thermal"))
    PetscCall(ErrKey(deck, n, 0, "%s: the temperature needs a thermal: section", w));
  if (k != 1 && !Get(root, "mechanics"))
    PetscCall(ErrKey(deck, n, 0, "%s: '%s' needs a mechanics: section", w, fields[k]));
  if (k != 1 && !(spec->exceed_limit > 0))
    PetscCall(Err(deck, v, "%s: the limit must be > 0, got %s", w, v->scalar));
  PetscCall(PetscStrncpy(spec->exceed_field, fields[k], sizeof(spec->exceed_field)));
  PetscFunctionReturn(0);
}

/* Read and validate the ensemble: section and output.statistics/exceedance (ensemble.h). */
PetscErrorCode TwinEnsembleSpecFromDeck(TwinDeck deck, TwinEnsembleSpec *spec)
{
  static const char *const known[]    = {"members",     "sampler",     "seed",       "failed",
                                         "min_members", "sensitivity", "parameters", "correlation"};
  static const char *const samplers[] = {"mc", "lhs", "sobol"};
  static const char *const policies[] = {"skip", "redraw"};
  static const char *const bools[]    = {"false", "true"};
  TwinNode                 root       = deck->root, n, out, v, x;
  TwinNode                 resolved[TWIN_MAX_PARAMS];
  PetscInt                 ie, k;
  char                     buf[96];

  PetscFunctionBegin;
  PetscCall(PetscMemzero(spec, sizeof(*spec)));
  spec->sampler = TWIN_SAMPLER_MC;
  spec->seed    = 1;
  spec->failed  = TWIN_FAILED_SKIP;
  ie            = KeyIndex(root, "ensemble");
  n             = ie >= 0 ? root->items[ie] : NULL;
  out           = Get(root, "output");
  if (ie < 0) { /* statistics are over members */
    PetscInt i;
    if ((i = KeyIndex(out, "statistics")) >= 0 || (i = KeyIndex(out, "exceedance")) >= 0)
      PetscCall(ErrKey(deck, out, i,
                       "output.%s needs an ensemble: section (statistics are over its members)",
                       out->keys[i]));
    PetscFunctionReturn(0);
  }
  spec->enabled = PETSC_TRUE;
  spec->line    = root->keyline[ie];
  spec->col     = root->keycol[ie];
  PetscCall(
      TwinDeckExpectKind(deck, n, "ensemble", TWIN_NODE_MAP, "a map {members, parameters, ...}"));
  PetscCall(TwinDeckCheckKeys(deck, n, "ensemble", known, N(known)));
  /* members, min_members */
  if (!(v = Get(n, "members")))
    PetscCall(Err(deck, n, "missing required key 'members' in ensemble (how many runs, >= 2)"));
  PetscCall(TwinDeckGetInt(deck, v, "ensemble.members", &spec->members));
  if (spec->members < 2)
    PetscCall(Err(deck, v, "ensemble.members must be >= 2, got %s", v->scalar));
  if (spec->members > 1000000)
    PetscCall(Err(deck, v, "ensemble.members = %s is too many (at most 1000000)", v->scalar));
  spec->min_members = PetscMax(2, spec->members / 2);
  if ((x = Get(n, "min_members"))) {
    PetscCall(TwinDeckGetInt(deck, x, "ensemble.min_members", &spec->min_members));
    if (spec->min_members < 2)
      PetscCall(Err(deck, x,
                    "ensemble.min_members must be >= 2 (statistics need two members), got %s",
                    x->scalar));
    if (spec->min_members > spec->members)
      PetscCall(Err(deck, x, "ensemble.min_members = %s must not exceed ensemble.members = %s",
                    x->scalar, v->scalar));
  }
  /* sampler, seed, failed, sensitivity */
  if ((v = Get(n, "sampler"))) {
    PetscCall(TwinDeckGetEnum(deck, v, "ensemble.sampler", samplers, N(samplers), &k));
    spec->sampler = (TwinSamplerKind)k;
  }
  if ((v = Get(n, "seed"))) {
    const char *s = v->scalar;
    char       *end;
    if (v->kind != TWIN_NODE_SCALAR || v->quoted || !(s[0] >= '0' && s[0] <= '9'))
      PetscCall(Err(deck, v, "ensemble.seed: expected an integer >= 0, got %s",
                    TwinNodeDescribe(v, buf, sizeof(buf))));
    errno      = 0;
    spec->seed = (uint64_t)strtoull(s, &end, 10);
    if (*end || errno)
      PetscCall(Err(deck, v, "ensemble.seed: expected an integer from 0 to %llu, got %s",
                    (unsigned long long)UINT64_MAX, TwinNodeDescribe(v, buf, sizeof(buf))));
  }
  if ((v = Get(n, "failed"))) {
    PetscCall(TwinDeckGetEnum(deck, v, "ensemble.failed", policies, N(policies), &k));
    spec->failed = (TwinFailedPolicy)k;
  }
  if ((v = Get(n, "sensitivity"))) {
    PetscCall(TwinDeckGetEnum(deck, v, "ensemble.sensitivity", bools, N(bools), &k));
    spec->sensitivity = k ? PETSC_TRUE : PETSC_FALSE;
  }
  /* parameters */
  if (!(v = Get(n, "parameters")))
    PetscCall(Err(deck, n,
                  "missing required key 'parameters' in ensemble (the uncertain values: a list "
                  "of {name, target, <distribution>})"));
  PetscCall(TwinDeckExpectKind(deck, v, "ensemble.parameters", TWIN_NODE_SEQ,
                               "a list of {name, target, <distribution>}"));
  if (v->n < 1) PetscCall(Err(deck, v, "ensemble.parameters: at least one parameter is needed"));
  if (v->n > TWIN_MAX_PARAMS)
    PetscCall(Err(deck, v, "ensemble.parameters: at most %d parameters, got %d", TWIN_MAX_PARAMS,
                  (int)v->n));
  for (PetscInt j = 0; j < v->n; j++) {
    spec->nparams = j + 1;
    PetscCall(GetParameter(deck, spec, v->items[j], j, resolved));
  }
  /* sampler limits (Sobol points: at most 21 dimensions; Saltelli uses 2k) */
  if (spec->sensitivity) {
    PetscInt is = KeyIndex(n, "sampler");
    if (is >= 0 && spec->sampler != TWIN_SAMPLER_SOBOL)
      PetscCall(ErrKey(deck, n, is,
                       "ensemble.sampler: with sensitivity: true the design is Saltelli's (Sobol "
                       "points); remove sampler: or set it to sobol"));
    if (2 * spec->nparams > 21)
      PetscCall(ErrKey(deck, n, KeyIndex(n, "sensitivity"),
                       "ensemble.sensitivity: the Saltelli design supports at most 10 parameters "
                       "(2k Sobol dimensions, at most 21), got %d",
                       (int)spec->nparams));
    spec->sampler = TWIN_SAMPLER_SOBOL;
  } else if (spec->sampler == TWIN_SAMPLER_SOBOL && spec->nparams > 21)
    PetscCall(ErrKey(deck, n, KeyIndex(n, "sampler"),
                     "ensemble.sampler: sobol supports at most 21 parameters, got %d",
                     (int)spec->nparams));
  /* correlation: identity unless given */
  for (PetscInt i = 0; i < spec->nparams; i++)
    spec->corr[i * spec->nparams + i] = 1;
  if ((x = Get(n, "correlation"))) PetscCall(GetCorrelation(deck, x, spec));
  /* statistics requested in output: */
  if ((x = Get(out, "statistics"))) PetscCall(GetStatistics(deck, x, spec));
  if ((x = Get(out, "exceedance"))) PetscCall(GetExceedance(deck, x, spec));
  PetscFunctionReturn(0);
}
