/* deckassim.c: the deck sections of data assimilation (issue 5; reference: docs/deck.md).
 *
 *   sensors:                    # a list of sensors, or {layout: FILE.h5} (must exist)
 *     - {name: tc1, kind: temperature, position: [0.1, 0.05, 0.01], sigma: 0.3}
 *     - {name: sg1, kind: strain, position: [0.2, 0.1, 0.01], direction: [1, 0, 0], sigma: 5e-6}
 *   assimilation:
 *     snapshots: sensors/snap_*.h5   # glob pattern (required), relative to the deck's folder
 *     filter: etkf                   # etkf | letkf | enkf (transient decks) | esmda (static decks)
 *     inflation: {multiplicative: 1.02, rtps: 0.5}
 *     localization: {radius: 0.1}    # letkf only, and required by it
 *     estimate: [k, q]               # names of ensemble.parameters
 *     bad_snapshot: stop             # stop | skip
 *     start: 2026-11-26T08:00:00Z    # ISO-8601 time of model time 0
 *     follow: false                  # with poll (s) and idle_timeout (s)
 *     iterations: 4                  # esmda only
 *   prediction: {horizon: 1800, every: 60}
 *   synthesize: {truth: {k: 52}, every: 120, end: 1800, directory: sensors, seed: 7, noise: true}
 *
 * TwinDeckValidate calls TwinDeckValidateAssim last, after the ensemble, whose parameter names
 * assimilation.estimate and synthesize.truth refer to. A layout file is only checked to exist
 * here; its contents are read with TwinSensorsFromDeck (obs.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include "deckimpl.h"

#define WHERE_LEN 256

#define Err(deck, node, ...) TwinDeckErrorNode((deck)->comm, (deck)->path, node, __VA_ARGS__)
#define ErrKey(deck, map, i, ...) TwinDeckErrorKey((deck)->comm, (deck)->path, map, i, __VA_ARGS__)
#define N(a) ((PetscInt)(sizeof(a) / sizeof((a)[0])))

static const char *const bools[]        = {"false", "true"};
static const char *const kind_names[]   = {"temperature", "displacement", "strain"};
static const char *const filter_names[] = {"etkf", "letkf", "enkf", "esmda"};

static PetscErrorCode GetBool(TwinDeck deck, TwinNode n, const char where[], PetscBool *v)
{
  PetscInt k;

  PetscFunctionBegin;
  PetscCall(TwinDeckGetEnum(deck, n, where, bools, N(bools), &k));
  *v = k ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* A file that must exist now: rank 0 looks, everyone gets the same verdict. */
static PetscErrorCode CheckFile(TwinDeck deck, TwinNode n, const char where[], const char given[],
                                const char path[])
{
  int state = 0; /* 0 ok, 1 missing, 2 not a regular file, 3 not readable */

  PetscFunctionBegin;
  PetscCall(TwinDeckFileState(deck->comm, path, &state));
  if (state == 1)
    PetscCall(Err(deck, n, "%s: file '%s' not found (looked for '%s')", where, given, path));
  if (state == 2) PetscCall(Err(deck, n, "%s: '%s' is not a regular file", where, given));
  if (state == 3) PetscCall(Err(deck, n, "%s: file '%s' is not readable", where, given));
  PetscFunctionReturn(0);
}

/* ---- ISO-8601 date and time ----------------------------------------------------------------
 * YYYY-MM-DD(T| )HH:MM:SS[.frac][Z|+HH:MM|-HH:MM]; no zone: UTC. (A deck-local parser: the same
 * grammar as TwinParseTimestamp of obs.h, which the deck module does not depend on.) */

static int Digits(const char **p, int n, int *v)
{
  int x = 0;
  for (int i = 0; i < n; i++, (*p)++) {
    if (**p < '0' || **p > '9') return 1;
    x = 10 * x + (**p - '0');
  }
  *v = x;
  return 0;
}

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil) */
static long DaysFromCivil(long y, int m, int d)
{
  long era;
  long yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int ParseISO8601(const char *s, double *epoch)
{
  static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const char      *p         = s;
  int              Y, M, D, h, m, sec, zh = 0, zm = 0, sign = 0, dim;
  double           frac = 0, scale = 0.1;

  if (Digits(&p, 4, &Y) || *p != '-') return 1;
  p++;
  if (Digits(&p, 2, &M) || *p != '-') return 1;
  p++;
  if (Digits(&p, 2, &D)) return 1;
  if (*p != 'T' && *p != 't' && *p != ' ') return 1;
  p++;
  if (Digits(&p, 2, &h) || *p != ':') return 1;
  p++;
  if (Digits(&p, 2, &m) || *p != ':') return 1;
  p++;
  if (Digits(&p, 2, &sec)) return 1;
  if (*p == '.') {
    p++;
    if (*p < '0' || *p > '9') return 1;
    for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
      frac += scale * (*p - '0');
  }
  if (*p == 'Z' || *p == 'z')
    p++;
  else if (*p == '+' || *p == '-') {
    sign = *p == '-' ? -1 : 1;
    p++;
    if (Digits(&p, 2, &zh) || *p != ':') return 1;
    p++;
    if (Digits(&p, 2, &zm) || zh > 23 || zm > 59) return 1;
  }
  if (*p) return 1;
  if (M < 1 || M > 12) return 1;
  dim = mdays[M - 1] + (M == 2 && ((Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0));
  if (D < 1 || D > dim || h > 23 || m > 59 || sec > 59) return 1;
  *epoch = (double)DaysFromCivil(Y, M, D) * 86400.0 + h * 3600.0 + m * 60.0 + sec + frac -
           sign * (zh * 3600.0 + zm * 60.0);
  return 0;
}

/* ---- sensors ----------------------------------------------------------------------------- */

static PetscErrorCode ValidateSensor(TwinDeck deck, TwinNode item, PetscInt i)
{
  static const char *const known[] = {"name", "kind", "position", "direction", "sigma"};
  static const char *const units[] = {"K", "m", "strain"};
  TwinSensor              *s       = &deck->sensors.list[i];
  TwinDeckMesh            *m       = &deck->mesh;
  TwinNode                 x, kn, pos;
  char                     where[WHERE_LEN], w[WHERE_LEN];
  PetscInt                 k, np, nd, id;
  PetscReal                dir[3] = {0, 0, 0}, big = 0, norm = 0;

  PetscFunctionBegin;
  Fmt(where, sizeof(where), "sensors[%d]", (int)i);
  PetscCall(TwinDeckExpectKind(deck, item, where, TWIN_NODE_MAP,
                               "a map {name, kind, position, sigma} (and direction)"));
  PetscCall(TwinDeckCheckKeys(deck, item, where, known, N(known)));
  s->line = item->line;
  s->col  = item->col;
  /* name: unique */
  if (!(x = Get(item, "name")))
    PetscCall(Err(deck, item, "missing required key 'name' in %s", where));
  Fmt(w, sizeof(w), "%s.name", where);
  PetscCall(TwinDeckGetString(deck, x, w, s->name, sizeof(s->name)));
  if (!s->name[0]) PetscCall(Err(deck, x, "%s: empty sensor name", w));
  for (PetscInt j = 0; j < i; j++)
    if (!strcmp(deck->sensors.list[j].name, s->name))
      PetscCall(Err(deck, x, "%s: sensor name '%s' is used twice (first defined at line %d)", w,
                    s->name, deck->sensors.list[j].line));
  /* kind, and the model it observes */
  if (!(kn = Get(item, "kind")))
    PetscCall(Err(deck, item,
                  "missing required key 'kind' in %s (temperature, displacement or strain)",
                  where));
  Fmt(w, sizeof(w), "%s.kind", where);
  PetscCall(TwinDeckGetEnum(deck, kn, w, kind_names, N(kind_names), &k));
  s->kind = (TwinSensorKind)k;
  if (s->kind == TWIN_SENSOR_TEMPERATURE && !deck->thermal.enabled)
    PetscCall(Err(deck, kn, "%s: a temperature sensor needs a thermal: section", w));
  if (s->kind != TWIN_SENSOR_TEMPERATURE && !deck->has_mechanics)
    PetscCall(Err(deck, kn, "%s: a %s sensor needs a mechanics: section", w, kind_names[k]));
  /* position: as many numbers as the box has dimensions; a Gmsh mesh: 2 or 3, the same for all */
  if (!(pos = Get(item, "position")))
    PetscCall(Err(deck, item, "missing required key 'position' in %s", where));
  Fmt(w, sizeof(w), "%s.position", where);
  if (m->is_box)
    PetscCall(TwinDeckGetVector(deck, pos, w, m->dim, m->dim, s->x, &np));
  else
    PetscCall(TwinDeckGetVector(deck, pos, w, 2, 3, s->x, &np));
  if (np == 2) s->x[2] = 0;
  if (m->is_box)
    for (PetscInt d = 0; d < m->dim; d++) {
      PetscReal tol = 1e-12 * (m->upper[d] - m->lower[d]);
      if (s->x[d] < m->lower[d] - tol || s->x[d] > m->upper[d] + tol)
        PetscCall(Err(deck, pos->items[d], "%s[%d] = %s: sensor '%s' is outside the box [%g, %g]",
                      w, (int)d, pos->items[d]->scalar, s->name, (double)m->lower[d],
                      (double)m->upper[d]));
    }
  /* direction: displacement and strain only; a nonzero vector, normalized */
  id = KeyIndex(item, "direction");
  x  = id >= 0 ? item->items[id] : NULL;
  if (s->kind == TWIN_SENSOR_TEMPERATURE && x)
    PetscCall(ErrKey(deck, item, id,
                     "%s.direction: direction applies to displacement and strain sensors (a "
                     "temperature sensor has none); remove it",
                     where));
  if (s->kind != TWIN_SENSOR_TEMPERATURE) {
    if (!x)
      PetscCall(Err(deck, item,
                    "missing required key 'direction' in %s (a %s sensor measures along a "
                    "vector, e.g. direction: [1, 0%s])",
                    where, kind_names[k], np == 3 ? ", 0" : ""));
    Fmt(w, sizeof(w), "%s.direction", where);
    PetscCall(TwinDeckGetVector(deck, x, w, 2, 3, dir, &nd));
    if (nd != np)
      PetscCall(
          Err(deck, x, "%s has %d numbers but %s.position has %d", w, (int)nd, where, (int)np));
    for (PetscInt d = 0; d < nd; d++)
      big = PetscMax(big, PetscAbsReal(dir[d]));
    if (!(big > 0)) PetscCall(Err(deck, x, "%s must not be zero", w));
    for (PetscInt d = 0; d < nd; d++)
      norm += (dir[d] / big) * (dir[d] / big);
    norm = big * PetscSqrtReal(norm);
    for (PetscInt d = 0; d < nd; d++)
      s->dir[d] = dir[d] / norm;
  }
  /* sigma */
  if (!(x = Get(item, "sigma")))
    PetscCall(Err(deck, item,
                  "missing required key 'sigma' in %s (the observation error standard deviation, "
                  "%s)",
                  where, units[k]));
  Fmt(w, sizeof(w), "%s.sigma", where);
  PetscCall(TwinDeckGetReal(deck, x, w, &s->sigma));
  if (!(s->sigma > 0))
    PetscCall(Err(deck, x, "%s must be > 0 (the observation error standard deviation, %s), got %s",
                  w, units[k], x->scalar));
  PetscFunctionReturn(0);
}

static PetscErrorCode ValidateSensors(TwinDeck deck)
{
  static const char *const known[] = {"layout"};
  TwinDeckSensors         *ss      = &deck->sensors;
  TwinNode                 root    = deck->root, n, x;
  PetscInt                 idx     = KeyIndex(root, "sensors");
  char                     buf[96];

  PetscFunctionBegin;
  if (idx < 0) PetscFunctionReturn(0);
  n           = root->items[idx];
  ss->enabled = PETSC_TRUE;
  ss->line    = root->keyline[idx];
  ss->col     = root->keycol[idx];
  if (n && n->kind == TWIN_NODE_MAP) {
    char given[TWIN_PATH_LEN];
    PetscCall(TwinDeckCheckKeys(deck, n, "sensors", known, N(known)));
    if (!(x = Get(n, "layout")))
      PetscCall(Err(deck, n,
                    "missing required key 'layout' in sensors (a sensor layout file; or give "
                    "sensors: as a list of sensors)"));
    PetscCall(TwinDeckGetString(deck, x, "sensors.layout", given, sizeof(given)));
    if (!given[0]) PetscCall(Err(deck, x, "sensors.layout: empty path"));
    PetscCall(TwinDeckResolve(deck, x, "sensors.layout", given, ss->layout));
    PetscCall(CheckFile(deck, x, "sensors.layout", given, ss->layout));
  } else if (n && n->kind == TWIN_NODE_SEQ) {
    PetscInt np0 = 0;
    if (!n->n)
      PetscCall(Err(deck, n, "sensors: at least one sensor is needed (or give {layout: FILE})"));
    PetscCall(PetscCalloc1(n->n, &ss->list));
    for (PetscInt i = 0; i < n->n; i++) {
      TwinNode pos;
      ss->n = i + 1;
      PetscCall(ValidateSensor(deck, n->items[i], i));
      /* a Gmsh mesh: every position has the same number of coordinates */
      pos = Get(n->items[i], "position");
      if (!i)
        np0 = pos->n;
      else if (pos->n != np0)
        PetscCall(
            Err(deck, pos,
                "sensors[%d].position has %d numbers but sensors[0].position (line %d) has %d",
                (int)i, (int)pos->n, ss->list[0].line, (int)np0));
    }
  } else
    PetscCall(Err(deck, n,
                  "sensors: expected a list of sensors {name, kind, position, sigma} or a map "
                  "{layout: FILE}, got %s",
                  TwinNodeDescribe(n, buf, sizeof(buf))));
  PetscFunctionReturn(0);
}

/* ---- assimilation ------------------------------------------------------------------------ */

/* name must be one of the ensemble's parameters */
static PetscErrorCode ParameterName(TwinDeck deck, const TwinEnsembleSpec *spec, TwinNode n,
                                    PetscInt keyidx, const char where[], const char name[])
{
  const char *names[TWIN_MAX_PARAMS], *sug;
  char        list[WHERE_LEN] = "";

  PetscFunctionBegin;
  for (PetscInt j = 0; j < spec->nparams; j++) {
    names[j] = spec->params[j].name;
    if (!strcmp(name, names[j])) PetscFunctionReturn(0);
  }
  sug = TwinDeckSuggest(name, names, spec->nparams);
  for (PetscInt j = 0; j < spec->nparams; j++) {
    if (strlen(list) + strlen(names[j]) + 3 >= sizeof(list)) break;
    if (j) strcat(list, ", ");
    strcat(list, names[j]);
  }
  if (keyidx >= 0) {
    if (sug)
      PetscCall(ErrKey(deck, n, keyidx, "%s: '%s' is not an ensemble parameter; did you mean '%s'?",
                       where, name, sug));
    PetscCall(ErrKey(deck, n, keyidx,
                     "%s: '%s' is not an ensemble parameter (ensemble.parameters: %s)", where, name,
                     list));
  }
  if (sug)
    PetscCall(Err(deck, n, "%s: '%s' is not an ensemble parameter; did you mean '%s'?", where, name,
                  sug));
  PetscCall(Err(deck, n, "%s: '%s' is not an ensemble parameter (ensemble.parameters: %s)", where,
                name, list));
  PetscFunctionReturn(0);
}

static PetscErrorCode ValidateAssimilation(TwinDeck deck, const TwinEnsembleSpec *spec)
{
  static const char *const known[]   = {"snapshots", "filter",       "inflation", "localization",
                                        "estimate",  "bad_snapshot", "start",     "follow",
                                        "poll",      "idle_timeout", "iterations"};
  static const char *const iknown[]  = {"multiplicative", "rtps"};
  static const char *const lknown[]  = {"radius", "grid"};
  static const char *const policy[]  = {"stop", "skip"};
  TwinDeckAssimilation    *a         = &deck->assimilation;
  TwinNode                 root      = deck->root, n, x, v, fn;
  PetscInt                 idx       = KeyIndex(root, "assimilation"), k, i;
  PetscBool                transient = deck->time.transient;
  char                     given[TWIN_PATH_LEN], w[WHERE_LEN];

  PetscFunctionBegin;
  if (idx < 0) PetscFunctionReturn(0);
  n = root->items[idx];
  PetscCall(
      TwinDeckExpectKind(deck, n, "assimilation", TWIN_NODE_MAP, "a map {snapshots, filter, ...}"));
  PetscCall(TwinDeckCheckKeys(deck, n, "assimilation", known, N(known)));
  a->enabled      = PETSC_TRUE;
  a->line         = root->keyline[idx];
  a->col          = root->keycol[idx];
  a->filter       = TWIN_FILTER_ETKF;
  a->inflation    = 1;
  a->rtps         = 0;
  a->poll         = 1;
  a->idle_timeout = 600;
  a->iterations   = 4;
  if (!deck->sensors.enabled)
    PetscCall(ErrKey(deck, root, idx,
                     "assimilation: needs a sensors: section (what is observed: a list of sensors "
                     "or {layout: FILE})"));
  if (!spec->enabled)
    PetscCall(ErrKey(deck, root, idx,
                     "assimilation: needs an ensemble: section (the filter updates its members; "
                     "add ensemble: with members and parameters)"));
  /* snapshots: a glob pattern, resolved against the deck's folder (pattern characters kept) */
  if (!(x = Get(n, "snapshots")))
    PetscCall(Err(deck, n,
                  "missing required key 'snapshots' in assimilation (a pattern of snapshot files, "
                  "e.g. sensors/snap_*.h5)"));
  PetscCall(TwinDeckGetString(deck, x, "assimilation.snapshots", given, sizeof(given)));
  if (!given[0]) PetscCall(Err(deck, x, "assimilation.snapshots: empty pattern"));
  if (given[strlen(given) - 1] == '/')
    PetscCall(Err(deck, x,
                  "assimilation.snapshots: '%s' is a folder; give a pattern of files, e.g. "
                  "%ssnap_*.h5",
                  given, given));
  PetscCall(TwinDeckResolve(deck, x, "assimilation.snapshots", given, a->snapshots));
  /* filter: transient decks are filtered in time, static ones calibrated by ES-MDA */
  if ((fn = Get(n, "filter"))) {
    PetscCall(TwinDeckGetEnum(deck, fn, "assimilation.filter", filter_names, N(filter_names), &k));
    a->filter = (TwinFilterKind)k;
  }
  if (a->filter == TWIN_FILTER_ESMDA && transient)
    PetscCall(Err(deck, fn,
                  "assimilation.filter: esmda calibrates a static model; for a transient deck use "
                  "etkf, letkf or enkf"));
  if (a->filter != TWIN_FILTER_ESMDA && !transient) {
    if (fn)
      PetscCall(Err(deck, fn,
                    "assimilation.filter: %s assimilates snapshots in time, but this deck has no "
                    "time: section (a static model); use filter: esmda to calibrate a static "
                    "model, or add a time: section",
                    filter_names[a->filter]));
    PetscCall(ErrKey(deck, root, idx,
                     "assimilation: the default filter etkf assimilates snapshots in time, but "
                     "this deck has no time: section (a static model); use filter: esmda to "
                     "calibrate a static model, or add a time: section"));
  }
  /* inflation */
  if ((x = Get(n, "inflation"))) {
    PetscCall(TwinDeckExpectKind(deck, x, "assimilation.inflation", TWIN_NODE_MAP,
                                 "a map {multiplicative, rtps}"));
    PetscCall(TwinDeckCheckKeys(deck, x, "assimilation.inflation", iknown, N(iknown)));
    if ((v = Get(x, "multiplicative"))) {
      PetscCall(TwinDeckGetReal(deck, v, "assimilation.inflation.multiplicative", &a->inflation));
      if (!(a->inflation >= 1))
        PetscCall(Err(
            deck, v, "assimilation.inflation.multiplicative must be >= 1 (1: no inflation), got %s",
            v->scalar));
    }
    if ((v = Get(x, "rtps"))) {
      PetscCall(TwinDeckGetReal(deck, v, "assimilation.inflation.rtps", &a->rtps));
      if (!(a->rtps >= 0 && a->rtps <= 1))
        PetscCall(Err(deck, v,
                      "assimilation.inflation.rtps must be in [0, 1] (0: none, 1: back to the "
                      "prior spread), got %s",
                      v->scalar));
    }
  }
  /* localization: letkf only, and letkf needs it */
  if ((i = KeyIndex(n, "localization")) >= 0 &&
      n->items[i]->kind != TWIN_NODE_NULL) { /* null: absent */
    x = n->items[i];
    if (a->filter != TWIN_FILTER_LETKF)
      PetscCall(ErrKey(deck, n, i,
                       "assimilation.localization applies to filter: letkf only (this filter is "
                       "%s)",
                       filter_names[a->filter]));
    PetscCall(TwinDeckExpectKind(deck, x, "assimilation.localization", TWIN_NODE_MAP,
                                 "a map {radius, grid}"));
    PetscCall(TwinDeckCheckKeys(deck, x, "assimilation.localization", lknown, N(lknown)));
    if (!(v = Get(x, "radius")))
      PetscCall(Err(deck, x, "missing required key 'radius' in assimilation.localization (m)"));
    PetscCall(TwinDeckGetReal(deck, v, "assimilation.localization.radius", &a->radius));
    if (!(a->radius > 0))
      PetscCall(
          Err(deck, v, "assimilation.localization.radius must be > 0 (m), got %s", v->scalar));
    if ((v = Get(x, "grid"))) { /* weight interpolation: transforms on a grid of this spacing */
      PetscCall(TwinDeckGetReal(deck, v, "assimilation.localization.grid", &a->grid));
      if (!(a->grid >= 0 && a->grid <= a->radius))
        PetscCall(Err(deck, v,
                      "assimilation.localization.grid must be in [0, radius] (m; about radius/5 to "
                      "radius/10 keeps the interpolation error small; 0: exact), got %s",
                      v->scalar));
    }
  } else if (a->filter == TWIN_FILTER_LETKF)
    PetscCall(Err(deck, fn,
                  "assimilation.filter: letkf needs localization: {radius: R} in assimilation (R "
                  "in m: observations farther than R from a point do not update it)"));
  /* iterations: esmda only */
  if ((i = KeyIndex(n, "iterations")) >= 0) {
    x = n->items[i];
    if (a->filter != TWIN_FILTER_ESMDA)
      PetscCall(ErrKey(deck, n, i,
                       "assimilation.iterations applies to filter: esmda only (this filter is %s)",
                       filter_names[a->filter]));
    PetscCall(TwinDeckGetInt(deck, x, "assimilation.iterations", &a->iterations));
    if (a->iterations < 1 || a->iterations > 100)
      PetscCall(Err(deck, x, "assimilation.iterations must be in [1, 100], got %s", x->scalar));
  }
  /* estimate: names of ensemble parameters */
  if ((x = Get(n, "estimate"))) {
    PetscCall(TwinDeckExpectKind(deck, x, "assimilation.estimate", TWIN_NODE_SEQ,
                                 "a list of names of ensemble.parameters"));
    if (x->n > TWIN_MAX_ESTIMATE)
      PetscCall(Err(deck, x, "assimilation.estimate: at most %d parameters, got %d",
                    TWIN_MAX_ESTIMATE, (int)x->n));
    for (PetscInt j = 0; j < x->n; j++) {
      Fmt(w, sizeof(w), "assimilation.estimate[%d]", (int)j);
      PetscCall(TwinDeckGetString(deck, x->items[j], w, a->estimate[j], sizeof(a->estimate[j])));
      PetscCall(ParameterName(deck, spec, x->items[j], -1, w, a->estimate[j]));
      for (PetscInt l = 0; l < j; l++)
        if (!strcmp(a->estimate[l], a->estimate[j]))
          PetscCall(Err(deck, x->items[j], "%s: '%s' is listed twice", w, a->estimate[j]));
      a->nestimate = j + 1;
    }
  }
  if (a->filter == TWIN_FILTER_ESMDA && !a->nestimate)
    PetscCall(Err(deck, fn,
                  "assimilation.filter: esmda calibrates parameters: list them in "
                  "assimilation.estimate (names of ensemble.parameters)"));
  /* bad_snapshot, start, follow, poll, idle_timeout */
  if ((x = Get(n, "bad_snapshot"))) {
    PetscCall(TwinDeckGetEnum(deck, x, "assimilation.bad_snapshot", policy, N(policy), &k));
    a->skip_bad = k ? PETSC_TRUE : PETSC_FALSE;
  }
  if ((x = Get(n, "start"))) {
    char text[128];
    PetscCall(TwinDeckGetString(deck, x, "assimilation.start", text, sizeof(text)));
    if (ParseISO8601(text, &a->start_epoch))
      PetscCall(Err(deck, x,
                    "assimilation.start: '%s' is not an ISO-8601 date and time (e.g. "
                    "2026-11-26T08:00:00Z or 2026-11-26T09:00:00+01:00)",
                    text));
    a->has_start = PETSC_TRUE;
  }
  if ((x = Get(n, "follow"))) PetscCall(GetBool(deck, x, "assimilation.follow", &a->follow));
  if ((x = Get(n, "poll"))) {
    PetscCall(TwinDeckGetReal(deck, x, "assimilation.poll", &a->poll));
    if (!(a->poll > 0))
      PetscCall(Err(deck, x, "assimilation.poll must be > 0 (s), got %s", x->scalar));
  }
  if ((x = Get(n, "idle_timeout"))) {
    PetscCall(TwinDeckGetReal(deck, x, "assimilation.idle_timeout", &a->idle_timeout));
    if (!(a->idle_timeout >= 0))
      PetscCall(Err(deck, x, "assimilation.idle_timeout must be >= 0 (s; 0: wait forever), got %s",
                    x->scalar));
  }
  PetscFunctionReturn(0);
}

/* ---- prediction -------------------------------------------------------------------------- */

static PetscErrorCode ValidatePrediction(TwinDeck deck)
{
  static const char *const known[] = {"horizon", "every"};
  TwinDeckPrediction      *p       = &deck->prediction;
  TwinNode                 root    = deck->root, n, h, v;
  PetscInt                 idx     = KeyIndex(root, "prediction");

  PetscFunctionBegin;
  if (idx < 0) PetscFunctionReturn(0);
  n = root->items[idx];
  PetscCall(TwinDeckExpectKind(deck, n, "prediction", TWIN_NODE_MAP, "a map {horizon, every}"));
  PetscCall(TwinDeckCheckKeys(deck, n, "prediction", known, N(known)));
  p->enabled = PETSC_TRUE;
  p->line    = root->keyline[idx];
  p->col     = root->keycol[idx];
  if (!deck->assimilation.enabled)
    PetscCall(ErrKey(deck, root, idx,
                     "prediction: needs an assimilation: section (the forecast starts from the "
                     "last analysed state)"));
  if (!deck->time.transient)
    PetscCall(ErrKey(deck, root, idx,
                     "prediction: needs a time: section (a forecast runs the transient model past "
                     "the last snapshot)"));
  if (!(h = Get(n, "horizon")))
    PetscCall(
        Err(deck, n, "missing required key 'horizon' in prediction (s past the last snapshot)"));
  PetscCall(TwinDeckGetReal(deck, h, "prediction.horizon", &p->horizon));
  if (!(p->horizon > 0))
    PetscCall(Err(deck, h, "prediction.horizon must be > 0 (s), got %s", h->scalar));
  if ((v = Get(n, "every"))) {
    PetscCall(TwinDeckGetReal(deck, v, "prediction.every", &p->every));
    if (!(p->every > 0))
      PetscCall(Err(deck, v, "prediction.every must be > 0 (s), got %s", v->scalar));
    if (!(p->every <= p->horizon))
      PetscCall(Err(deck, v, "prediction.every = %s must not exceed prediction.horizon = %s",
                    v->scalar, h->scalar));
  } else
    p->every = deck->output.every > 0 ? PetscMin(deck->output.every, p->horizon) : p->horizon / 10;
  PetscFunctionReturn(0);
}

/* ---- synthesize -------------------------------------------------------------------------- */

static PetscErrorCode ValidateSynthesize(TwinDeck deck, const TwinEnsembleSpec *spec)
{
  static const char *const known[] = {"truth", "every", "end", "directory", "seed", "noise"};
  TwinDeckSynthesize      *sy      = &deck->synthesize;
  TwinNode                 root    = deck->root, n, x, ev, en;
  PetscInt                 idx     = KeyIndex(root, "synthesize"), i;
  char                     w[WHERE_LEN], buf[96];

  PetscFunctionBegin;
  if (idx < 0) PetscFunctionReturn(0);
  n = root->items[idx];
  PetscCall(TwinDeckExpectKind(deck, n, "synthesize", TWIN_NODE_MAP,
                               "a map {every, truth, end, directory, seed, noise}"));
  PetscCall(TwinDeckCheckKeys(deck, n, "synthesize", known, N(known)));
  sy->enabled = PETSC_TRUE;
  sy->line    = root->keyline[idx];
  sy->col     = root->keycol[idx];
  sy->seed    = 1;
  sy->noise   = PETSC_TRUE;
  if (!deck->sensors.enabled)
    PetscCall(ErrKey(deck, root, idx,
                     "synthesize: needs a sensors: section (the sensors whose readings are "
                     "synthesized)"));
  /* truth: {parameter: value} */
  if ((i = KeyIndex(n, "truth")) >= 0) {
    x = n->items[i];
    if (!spec->enabled)
      PetscCall(ErrKey(deck, n, i,
                       "synthesize.truth needs an ensemble: section (its keys are names of "
                       "ensemble.parameters)"));
    PetscCall(TwinDeckExpectKind(deck, x, "synthesize.truth", TWIN_NODE_MAP,
                                 "a map {parameter name: value}"));
    if (x->n > TWIN_MAX_ESTIMATE)
      PetscCall(Err(deck, x, "synthesize.truth: at most %d parameters, got %d", TWIN_MAX_ESTIMATE,
                    (int)x->n));
    for (PetscInt j = 0; j < x->n; j++) {
      PetscCall(ParameterName(deck, spec, x, j, "synthesize.truth", x->keys[j]));
      PetscCall(PetscStrncpy(sy->truth_name[j], x->keys[j], sizeof(sy->truth_name[j])));
      Fmt(w, sizeof(w), "synthesize.truth.%s", x->keys[j]);
      PetscCall(TwinDeckGetReal(deck, x->items[j], w, &sy->truth_value[j]));
      sy->ntruth = j + 1;
    }
  }
  /* every, end */
  if (!(ev = Get(n, "every")))
    PetscCall(Err(
        deck, n, "missing required key 'every' in synthesize (the interval between snapshots, s)"));
  PetscCall(TwinDeckGetReal(deck, ev, "synthesize.every", &sy->every));
  if (!(sy->every > 0))
    PetscCall(Err(deck, ev, "synthesize.every must be > 0 (s), got %s", ev->scalar));
  sy->end = deck->time.transient ? deck->time.end : sy->every;
  if ((en = Get(n, "end"))) {
    PetscCall(TwinDeckGetReal(deck, en, "synthesize.end", &sy->end));
    if (!(sy->end > 0))
      PetscCall(Err(deck, en, "synthesize.end must be > 0 (s), got %s", en->scalar));
    if (deck->time.transient && !(sy->end <= deck->time.end))
      PetscCall(Err(deck, en, "synthesize.end = %s must not exceed time.end = %g", en->scalar,
                    (double)deck->time.end));
  }
  if (!(sy->every <= sy->end)) {
    if (en)
      PetscCall(Err(deck, ev,
                    "synthesize.every = %s must not exceed synthesize.end = %s (no snapshot would "
                    "be written)",
                    ev->scalar, en->scalar));
    PetscCall(
        Err(deck, ev,
            "synthesize.every = %s must not exceed time.end = %g (no snapshot would be written)",
            ev->scalar, (double)sy->end));
  }
  /* directory: given, or the folder of assimilation.snapshots */
  if ((x = Get(n, "directory"))) {
    char given[TWIN_PATH_LEN];
    PetscCall(TwinDeckGetString(deck, x, "synthesize.directory", given, sizeof(given)));
    if (!given[0]) PetscCall(Err(deck, x, "synthesize.directory: empty path"));
    PetscCall(TwinDeckResolve(deck, x, "synthesize.directory", given, sy->directory));
  } else if (deck->assimilation.enabled) {
    const char *pat   = deck->assimilation.snapshots;
    const char *slash = strrchr(pat, '/');
    if (!slash)
      PetscCall(PetscStrncpy(sy->directory, ".", sizeof(sy->directory)));
    else if (slash == pat)
      PetscCall(PetscStrncpy(sy->directory, "/", sizeof(sy->directory)));
    else
      PetscCall(PetscStrncpy(sy->directory, pat,
                             PetscMin((size_t)(slash - pat) + 1, sizeof(sy->directory))));
    if (strpbrk(sy->directory, "*?["))
      PetscCall(ErrKey(deck, root, idx,
                       "synthesize: the folder of assimilation.snapshots ('%s') is a pattern; give "
                       "synthesize.directory",
                       sy->directory));
  } else
    PetscCall(ErrKey(deck, root, idx,
                     "synthesize: needs directory: (where the snapshot files go), or an "
                     "assimilation: section whose snapshots: pattern names the folder"));
  /* seed, noise */
  if ((x = Get(n, "seed"))) {
    const char *s = x->scalar;
    char       *end;
    if (x->kind != TWIN_NODE_SCALAR || x->quoted || !(s[0] >= '0' && s[0] <= '9'))
      PetscCall(Err(deck, x, "synthesize.seed: expected an integer >= 0, got %s",
                    TwinNodeDescribe(x, buf, sizeof(buf))));
    errno    = 0;
    sy->seed = (uint64_t)strtoull(s, &end, 10);
    if (*end || errno)
      PetscCall(Err(deck, x, "synthesize.seed: expected an integer from 0 to %llu, got %s",
                    (unsigned long long)UINT64_MAX, TwinNodeDescribe(x, buf, sizeof(buf))));
  }
  if ((x = Get(n, "noise"))) PetscCall(GetBool(deck, x, "synthesize.noise", &sy->noise));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinDeckValidateAssim(TwinDeck deck, const TwinEnsembleSpec *spec)
{
  PetscFunctionBegin;
  PetscCall(ValidateSensors(deck));
  PetscCall(ValidateAssimilation(deck, spec));
  PetscCall(ValidatePrediction(deck));
  PetscCall(ValidateSynthesize(deck, spec));
  PetscFunctionReturn(0);
}
