/* deckvalidate.c: the deck schema. Walks the TwinNode tree and fills the typed TwinDeck,
 * checking every key (unknown ones get a suggestion), every type and every number's range,
 * and every path, so a bad deck stops before any work with FILE:LINE:COL and what was
 * expected. Keys of later twinfe versions (output.fields) are recognized and refused by name.
 * Which sections are present changes what is required: thermal: needs conductivities (and, with
 * time:, densities and specific heats); E and nu are needed unless the deck is thermal only. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <twinfe/ensemble.h>
#include "deckimpl.h"

#define WHERE_LEN 256

typedef struct {
  MPI_Comm    comm;
  const char *file;
  TwinDeck    deck;
  PetscInt    dim;     /* box: 2 or 3; file mesh: 0 until a vector fixes it (vdim) */
  PetscInt    vdim;    /* file mesh: components of the first vector given */
  TwinNode    vdimsrc; /* ... and where */
  char        vdimwhere[WHERE_LEN];
  PetscBool   has_thermal, has_time, has_mech; /* sections present (known before materials) */
  PetscBool   kelvin;                          /* thermal.temperature_unit: K */
} Ctx;

static PetscErrorCode CheckVersion(Ctx *, TwinNode);
static PetscErrorCode CheckKeys(Ctx *, TwinNode, const char[], const char *const[], PetscInt,
                                const char *const[], PetscInt);
static PetscErrorCode Section(Ctx *, TwinNode, const char[], PetscBool, TwinNode *, PetscInt *);
static PetscErrorCode ValidateName(Ctx *, TwinNode);
static PetscErrorCode ValidateMesh(Ctx *, TwinNode);
static PetscErrorCode ValidateMaterials(Ctx *, TwinNode);
static PetscErrorCode ValidateMechanics(Ctx *, TwinNode);
static PetscErrorCode ValidateOutput(Ctx *, TwinNode);
static PetscErrorCode ValidateSolver(Ctx *, TwinNode);
static TwinNode       Get(TwinNode, const char[]);
static PetscErrorCode ThermalUnit(Ctx *, TwinNode);
static PetscErrorCode ValidateThermal(Ctx *, TwinNode, PetscInt);
static PetscErrorCode ValidateTime(Ctx *, TwinNode, PetscInt);
static PetscErrorCode ValidateCheckpoint(Ctx *, TwinNode, PetscInt);

/* snprintf that may truncate on purpose (messages and paths in messages) */

#define Err(c, node, ...) TwinDeckErrorNode((c)->comm, (c)->file, node, __VA_ARGS__)

static const char *const top_known[] = {"twinfe",   "name",         "mesh",       "materials",
                                        "thermal",  "mechanics",    "time",       "output",
                                        "solver",   "ensemble",     "checkpoint", "sensors",
                                        "assimilation", "prediction", "synthesize"};
/* no top-level sections of later versions are known at present (sensors, assimilation and
   prediction were, until issue 5; CheckKeys still refuses future keys by name) */
#define N(a) ((PetscInt)(sizeof(a) / sizeof((a)[0])))

/* Fill the typed part of deck from deck->root. On error the typed part may be partly filled:
 * the caller validates into a scratch deck and frees it (TwinDeckResetTyped). */
PetscErrorCode TwinDeckValidate(TwinDeck deck)
{
  Ctx      c;
  TwinNode root = deck->root, n;
  PetscInt i;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(&c, sizeof(c)));
  c.comm = deck->comm;
  c.file = deck->path;
  c.deck = deck;
  if (!root || root->kind != TWIN_NODE_MAP) {
    char buf[64];
    PetscCall(Err(&c, root,
                  "a deck is a map of sections (twinfe: 1, mesh: ..., materials: ...), got %s",
                  TwinNodeDescribe(root, buf, sizeof(buf))));
  }
  PetscCall(Section(&c, root, "twinfe", PETSC_TRUE, &n, &i));
  PetscCall(CheckVersion(&c, n));
  PetscCall(CheckKeys(&c, root, NULL, top_known, N(top_known), NULL, 0));
  PetscCall(Section(&c, root, "name", PETSC_FALSE, &n, &i));
  PetscCall(ValidateName(&c, n));
  PetscCall(Section(&c, root, "mesh", PETSC_TRUE, &n, &i));
  deck->mesh.line = root->keyline[i];
  deck->mesh.col  = root->keycol[i];
  PetscCall(ValidateMesh(&c, n));
  c.has_thermal = Get(root, "thermal") ? PETSC_TRUE : PETSC_FALSE;
  c.has_time    = Get(root, "time") ? PETSC_TRUE : PETSC_FALSE;
  c.has_mech    = Get(root, "mechanics") ? PETSC_TRUE : PETSC_FALSE;
  if (c.has_thermal) PetscCall(ThermalUnit(&c, Get(root, "thermal"))); /* materials need it */
  PetscCall(Section(&c, root, "materials", PETSC_TRUE, &n, &i));
  PetscCall(ValidateMaterials(&c, n));
  if (!c.has_mech && !c.has_thermal)
    PetscCall(Err(&c, root,
                  "missing required section 'mechanics' or 'thermal' (a deck needs at least one)"));
  PetscCall(Section(&c, root, "thermal", PETSC_FALSE, &n, &i));
  PetscCall(ValidateThermal(&c, n, i));
  PetscCall(Section(&c, root, "mechanics", PETSC_FALSE, &n, &i));
  deck->has_mechanics = c.has_mech;
  PetscCall(ValidateMechanics(&c, n));
  PetscCall(Section(&c, root, "time", PETSC_FALSE, &n, &i));
  PetscCall(ValidateTime(&c, n, i));
  PetscCall(Section(&c, root, "checkpoint", PETSC_FALSE, &n, &i));
  PetscCall(ValidateCheckpoint(&c, n, i));
  PetscCall(Section(&c, root, "output", PETSC_FALSE, &n, &i));
  PetscCall(ValidateOutput(&c, n));
  PetscCall(Section(&c, root, "solver", PETSC_FALSE, &n, &i));
  PetscCall(ValidateSolver(&c, n));
  /* last: ensemble targets name values checked above; also output.statistics/exceedance */
  {
    TwinEnsembleSpec *spec;
    PetscErrorCode    ierr;
    PetscCall(PetscNew(&spec));
    ierr               = TwinEnsembleSpecFromDeck(deck, spec);
    deck->has_ensemble = spec->enabled;
    /* sensors, assimilation, prediction, synthesize: they name ensemble parameters */
    if (!ierr) ierr = TwinDeckValidateAssim(deck, spec);
    PetscCall(PetscFree(spec));
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode TwinDeckResetTyped(TwinDeck deck)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(deck->materials));
  PetscCall(PetscFree(deck->mechanics.bcs));
  PetscCall(PetscFree(deck->output.probes));
  PetscCall(PetscFree(deck->thermal.bcs));
  PetscCall(PetscFree(deck->thermal.sources));
  PetscCall(PetscFree(deck->sensors.list));
  PetscCall(PetscMemzero(&deck->sensors, sizeof(deck->sensors)));
  PetscCall(PetscMemzero(&deck->assimilation, sizeof(deck->assimilation)));
  PetscCall(PetscMemzero(&deck->prediction, sizeof(deck->prediction)));
  PetscCall(PetscMemzero(&deck->synthesize, sizeof(deck->synthesize)));
  PetscCall(PetscMemzero(&deck->thermal, sizeof(deck->thermal)));
  PetscCall(PetscMemzero(&deck->time, sizeof(deck->time)));
  deck->has_mechanics = PETSC_FALSE;
  deck->has_ensemble  = PETSC_FALSE;
  PetscCall(PetscMemzero(deck->name, sizeof(deck->name)));
  PetscCall(PetscMemzero(&deck->mesh, sizeof(deck->mesh)));
  deck->nmaterials = 0;
  PetscCall(PetscMemzero(&deck->mechanics, sizeof(deck->mechanics)));
  PetscCall(PetscMemzero(&deck->output, sizeof(deck->output)));
  PetscCall(PetscMemzero(deck->solver_options, sizeof(deck->solver_options)));
  PetscFunctionReturn(0);
}

/* ---- generic checks ---------------------------------------------------------------------- */


static const char *Join(char buf[], const char where[], const char key[])
{
  if (where && where[0])
    Fmt(buf, WHERE_LEN, "%s.%s", where, key);
  else
    Fmt(buf, WHERE_LEN, "%s", key);
  return buf;
}

/* A top-level section; missing required ones are reported at the start of the deck. */
static PetscErrorCode Section(Ctx *c, TwinNode root, const char key[], PetscBool required,
                              TwinNode *node, PetscInt *idx)
{
  PetscFunctionBegin;
  PetscCall(TwinNodeMapFind(root, key, idx));
  *node = *idx >= 0 ? root->items[*idx] : NULL;
  if (*idx < 0 && required) {
    if (!strcmp(key, "twinfe"))
      PetscCall(
          Err(c, root, "missing required key 'twinfe' (the deck format version: 'twinfe: 1')"));
    PetscCall(Err(c, root, "missing required section '%s'", key));
  }
  PetscFunctionReturn(0);
}

/* Required key of a map: reported at the map's position when missing. */
static PetscErrorCode Require(Ctx *c, TwinNode map, const char where[], const char key[],
                              TwinNode *node)
{
  PetscFunctionBegin;
  *node = Get(map, key);
  if (!*node) {
    if (where && where[0]) PetscCall(Err(c, map, "missing required key '%s' in %s", key, where));
    PetscCall(Err(c, map, "missing required key '%s'", key));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ExpectKind(Ctx *c, TwinNode n, const char where[], TwinNodeKind kind,
                                 const char what[])
{
  char buf[96];

  PetscFunctionBegin;
  if (!n || n->kind != kind)
    PetscCall(
        Err(c, n, "%s: expected %s, got %s", where, what, TwinNodeDescribe(n, buf, sizeof(buf))));
  PetscFunctionReturn(0);
}

/* Every key of map must be known; future[] are keys of later versions, refused by name. */
static PetscErrorCode CheckKeys(Ctx *c, TwinNode map, const char where[], const char *const known[],
                                PetscInt nknown, const char *const future[], PetscInt nfuture)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < map->n; i++) {
    const char *key             = map->keys[i], *s;
    PetscBool   ok              = PETSC_FALSE;
    char        list[WHERE_LEN] = "";

    for (PetscInt k = 0; k < nknown; k++)
      if (!strcmp(key, known[k])) ok = PETSC_TRUE;
    if (ok) continue;
    for (PetscInt k = 0; k < nfuture; k++) {
      if (strcmp(key, future[k])) continue;
      if (!where)
        PetscCall(TwinDeckErrorKey(c->comm, c->file, map, i,
                                   "section '%s' is not supported by twinfe %d.%d yet", key,
                                   TWINFE_VERSION_MAJOR, TWINFE_VERSION_MINOR));
      else
        PetscCall(TwinDeckErrorKey(c->comm, c->file, map, i,
                                   "key '%s' in %s is not supported by twinfe %d.%d yet", key,
                                   where, TWINFE_VERSION_MAJOR, TWINFE_VERSION_MINOR));
    }
    s = TwinDeckSuggest(key, known, nknown);
    if (s) {
      if (!where)
        PetscCall(TwinDeckErrorKey(c->comm, c->file, map, i,
                                   "unknown key '%s' at the top level; did you mean '%s'?", key,
                                   s));
      else
        PetscCall(TwinDeckErrorKey(c->comm, c->file, map, i,
                                   "unknown key '%s' in %s; did you mean '%s'?", key, where, s));
    }
    for (PetscInt k = 0; k < nknown; k++) {
      if (strlen(list) + strlen(known[k]) + 3 >= sizeof(list)) break;
      if (k) strcat(list, ", ");
      strcat(list, known[k]);
    }
    if (!where)
      PetscCall(TwinDeckErrorKey(c->comm, c->file, map, i,
                                 "unknown key '%s' at the top level (known: %s)", key, list));
    else
      PetscCall(TwinDeckErrorKey(c->comm, c->file, map, i, "unknown key '%s' in %s (known: %s)",
                                 key, where, list));
  }
  PetscFunctionReturn(0);
}

/* Decimal numbers only ([+-]digits[.digits][e[+-]digits]); YAML's .inf/.nan, hex and octal
 * forms are refused: a deck number should mean the same to every reader. */
static PetscBool LooksDecimal(const char *s)
{
  PetscBool digits = PETSC_FALSE;
  if (*s == '+' || *s == '-') s++;
  while (*s >= '0' && *s <= '9')
    s++, digits = PETSC_TRUE;
  if (*s == '.') {
    s++;
    while (*s >= '0' && *s <= '9')
      s++, digits = PETSC_TRUE;
  }
  if (!digits) return PETSC_FALSE;
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-') s++;
    if (!(*s >= '0' && *s <= '9')) return PETSC_FALSE;
    while (*s >= '0' && *s <= '9')
      s++;
  }
  return *s ? PETSC_FALSE : PETSC_TRUE;
}

static PetscErrorCode GetReal(Ctx *c, TwinNode n, const char where[], PetscReal *v)
{
  char   buf[96];
  double d;

  PetscFunctionBegin;
  if (!n || n->kind != TWIN_NODE_SCALAR || n->quoted)
    PetscCall(
        Err(c, n, "%s: expected a number, got %s", where, TwinNodeDescribe(n, buf, sizeof(buf))));
  if (!LooksDecimal(n->scalar)) {
    const char *s = n->scalar + (n->scalar[0] == '+' || n->scalar[0] == '-');
    if (strstr(s, "inf") || strstr(s, "Inf") || strstr(s, "INF") || strstr(s, "nan") ||
        strstr(s, "NaN") || strstr(s, "NAN"))
      PetscCall(Err(c, n, "%s: expected a finite number, got %s", where,
                    TwinNodeDescribe(n, buf, sizeof(buf))));
    PetscCall(
        Err(c, n, "%s: expected a number, got %s", where, TwinNodeDescribe(n, buf, sizeof(buf))));
  }
  d = strtod(n->scalar, NULL);
  if (!isfinite(d)) PetscCall(Err(c, n, "%s: number %s is out of range", where, n->scalar));
  *v = (PetscReal)d;
  PetscFunctionReturn(0);
}

static PetscErrorCode GetInt(Ctx *c, TwinNode n, const char where[], PetscInt *v)
{
  PetscReal r;
  char      buf[96];

  PetscFunctionBegin;
  if (!n || n->kind != TWIN_NODE_SCALAR || n->quoted)
    PetscCall(
        Err(c, n, "%s: expected an integer, got %s", where, TwinNodeDescribe(n, buf, sizeof(buf))));
  PetscCall(GetReal(c, n, where, &r));
  if (r != PetscFloorReal(r) || PetscAbsReal(r) > 1e9)
    PetscCall(
        Err(c, n, "%s: expected an integer, got %s", where, TwinNodeDescribe(n, buf, sizeof(buf))));
  *v = (PetscInt)r;
  PetscFunctionReturn(0);
}

/* Any scalar is a string (numbers too: name: 2026 is fine); maps, lists and null are not. */
static PetscErrorCode GetString(Ctx *c, TwinNode n, const char where[], char s[], size_t len)
{
  char buf[96];

  PetscFunctionBegin;
  if (!n || n->kind != TWIN_NODE_SCALAR)
    PetscCall(
        Err(c, n, "%s: expected a string, got %s", where, TwinNodeDescribe(n, buf, sizeof(buf))));
  if (strlen(n->scalar) >= len)
    PetscCall(Err(c, n, "%s: too long (at most %d characters)", where, (int)len - 1));
  PetscCall(PetscStrncpy(s, n->scalar, len));
  PetscFunctionReturn(0);
}

/* One of names[]: a misspelling gets a suggestion. */
static PetscErrorCode GetEnum(Ctx *c, TwinNode n, const char where[], const char *const names[],
                              PetscInt nnames, PetscInt *v)
{
  char        list[WHERE_LEN] = "", buf[96];
  const char *s;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < nnames; k++) {
    if (k) strcat(list, ", ");
    strcat(list, names[k]);
  }
  if (!n || n->kind != TWIN_NODE_SCALAR)
    PetscCall(Err(c, n, "%s: expected one of %s, got %s", where, list,
                  TwinNodeDescribe(n, buf, sizeof(buf))));
  for (PetscInt k = 0; k < nnames; k++)
    if (!strcmp(n->scalar, names[k])) {
      *v = k;
      PetscFunctionReturn(0);
    }
  s = TwinDeckSuggest(n->scalar, names, nnames);
  if (s)
    PetscCall(Err(c, n, "%s: unknown value %s; did you mean '%s'?", where,
                  TwinNodeDescribe(n, buf, sizeof(buf)), s));
  PetscCall(Err(c, n, "%s: expected one of %s, got %s", where, list,
                TwinNodeDescribe(n, buf, sizeof(buf))));
  PetscFunctionReturn(0);
}

/* A list of nmin..nmax numbers. With active != NULL, null items are allowed and mark free
 * components (active[i] = false, v[i] = 0). */
static PetscErrorCode GetVector(Ctx *c, TwinNode n, const char where[], PetscInt nmin,
                                PetscInt nmax, PetscReal v[], PetscInt *nv, PetscBool active[])
{
  char buf[96], w[WHERE_LEN];

  PetscFunctionBegin;
  if (!n || n->kind != TWIN_NODE_SEQ) {
    if (nmin == nmax)
      PetscCall(Err(c, n, "%s: expected a list of %d numbers, got %s", where, (int)nmin,
                    TwinNodeDescribe(n, buf, sizeof(buf))));
    PetscCall(Err(c, n, "%s: expected a list of %d to %d numbers, got %s", where, (int)nmin,
                  (int)nmax, TwinNodeDescribe(n, buf, sizeof(buf))));
  }
  if (n->n < nmin || n->n > nmax) {
    if (nmin == nmax)
      PetscCall(Err(c, n, "%s: expected %d numbers, got %d", where, (int)nmin, (int)n->n));
    PetscCall(
        Err(c, n, "%s: expected %d to %d numbers, got %d", where, (int)nmin, (int)nmax, (int)n->n));
  }
  for (PetscInt i = 0; i < n->n; i++) {
    Fmt(w, sizeof(w), "%s[%d]", where, (int)i);
    if (active) active[i] = PETSC_TRUE;
    if (active && n->items[i]->kind == TWIN_NODE_NULL) {
      active[i] = PETSC_FALSE;
      v[i]      = 0;
      continue;
    }
    PetscCall(GetReal(c, n->items[i], w, &v[i]));
  }
  *nv = n->n;
  PetscFunctionReturn(0);
}

/* A spatial vector: dim components for a box; for a file mesh 2 or 3, the same everywhere. */
static PetscErrorCode GetSpatial(Ctx *c, TwinNode n, const char where[], PetscReal v[],
                                 PetscInt *nv, PetscBool active[])
{
  PetscFunctionBegin;
  if (c->dim)
    PetscCall(GetVector(c, n, where, c->dim, c->dim, v, nv, active));
  else {
    PetscCall(GetVector(c, n, where, 2, 3, v, nv, active));
    if (!c->vdim) {
      c->vdim    = *nv;
      c->vdimsrc = n;
      PetscCall(PetscStrncpy(c->vdimwhere, where, sizeof(c->vdimwhere)));
    } else if (c->vdim != *nv)
      PetscCall(Err(c, n, "%s has %d components but %s (line %d) has %d", where, (int)*nv,
                    c->vdimwhere, c->vdimsrc->line, (int)c->vdim));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode OptReal(Ctx *c, TwinNode map, const char where[], const char key[],
                              PetscReal *v, TwinNode *node)
{
  char w[WHERE_LEN];

  PetscFunctionBegin;
  *node = Get(map, key);
  if (*node) PetscCall(GetReal(c, *node, Join(w, where, key), v));
  PetscFunctionReturn(0);
}

/* path relative to the deck's folder (absolute paths stay). */
static PetscErrorCode Resolve(Ctx *c, TwinNode n, const char where[], const char rel[], char out[])
{
  const char *dir = c->deck->dir;
  int         len;

  PetscFunctionBegin;
  if (rel[0] == '/' || !dir[0] || !strcmp(dir, "."))
    len = snprintf(out, TWIN_PATH_LEN, "%s", rel);
  else
    len = snprintf(out, TWIN_PATH_LEN, "%s/%s", dir, rel);
  if (len >= TWIN_PATH_LEN) PetscCall(Err(c, n, "%s: path too long", where));
  PetscFunctionReturn(0);
}

/* ---- sections ---------------------------------------------------------------------------- */

static PetscErrorCode CheckVersion(Ctx *c, TwinNode n)
{
  PetscInt v;

  PetscFunctionBegin;
  PetscCall(GetInt(c, n, "twinfe", &v));
  if (v != 1)
    PetscCall(Err(c, n, "unsupported deck format 'twinfe: %s': twinfe %s reads format 1", n->scalar,
                  TWINFE_VERSION));
  PetscFunctionReturn(0);
}

/* The run's name: used for the default output folder, so kept to a safe file name. */
static PetscErrorCode ValidateName(Ctx *c, TwinNode n)
{
  char *name = c->deck->name;

  PetscFunctionBegin;
  if (n) {
    PetscCall(GetString(c, n, "name", name, TWIN_NAME_LEN));
    if (!name[0] || name[0] == '.')
      PetscCall(Err(c, n, "name: must not be empty or start with '.'"));
    for (const char *s = name; *s; s++)
      if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            *s == '-' || *s == '_' || *s == '.'))
        PetscCall(Err(c, n, "name: '%s' may only contain letters, digits, '-', '_' and '.'", name));
  } else { /* the deck file's stem, made safe */
    const char *base = strrchr(c->deck->path, '/');
    char       *dot;
    base = base ? base + 1 : c->deck->path;
    PetscCall(PetscStrncpy(name, base, TWIN_NAME_LEN));
    dot = strrchr(name, '.');
    if (dot && dot != name) *dot = 0;
    for (char *s = name; *s; s++)
      if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            *s == '-' || *s == '_' || *s == '.'))
        *s = '_';
    if (!name[0] || name[0] == '.') name[0] = '_';
    if (!name[0]) PetscCall(PetscStrncpy(name, "deck", TWIN_NAME_LEN));
  }
  PetscFunctionReturn(0);
}

static const char *const cell_names[] = {"tri", "quad", "tet", "hex"};

static PetscErrorCode ValidateBox(Ctx *c, TwinNode box)
{
  static const char *const known[] = {"lower", "upper", "cells", "cell"};
  TwinDeckMesh            *m       = &c->deck->mesh;
  TwinNode                 lo, up, ce, cl;
  PetscInt                 nl, nu, nc, k = 0;
  PetscReal                cells[3];
  double                   total = 1;

  PetscFunctionBegin;
  PetscCall(ExpectKind(c, box, "mesh.box", TWIN_NODE_MAP, "a map {lower, upper, cells, cell}"));
  PetscCall(CheckKeys(c, box, "mesh.box", known, N(known), NULL, 0));
  PetscCall(Require(c, box, "mesh.box", "lower", &lo));
  PetscCall(Require(c, box, "mesh.box", "upper", &up));
  PetscCall(Require(c, box, "mesh.box", "cells", &ce));
  PetscCall(GetVector(c, lo, "mesh.box.lower", 2, 3, m->lower, &nl, NULL));
  PetscCall(GetVector(c, up, "mesh.box.upper", 2, 3, m->upper, &nu, NULL));
  if (nu != nl)
    PetscCall(
        Err(c, up, "mesh.box.upper has %d values but mesh.box.lower has %d", (int)nu, (int)nl));
  PetscCall(GetVector(c, ce, "mesh.box.cells", 2, 3, cells, &nc, NULL));
  if (nc != nl)
    PetscCall(
        Err(c, ce, "mesh.box.cells has %d values but mesh.box.lower has %d", (int)nc, (int)nl));
  m->dim = c->dim = nl;
  for (PetscInt d = 0; d < nl; d++) {
    if (!(m->upper[d] > m->lower[d]))
      PetscCall(Err(c, up->items[d],
                    "mesh.box.upper[%d] = %s must be greater than mesh.box.lower[%d] = %s", (int)d,
                    up->items[d]->scalar, (int)d, lo->items[d]->scalar));
    if (cells[d] != PetscFloorReal(cells[d]) || cells[d] < 1)
      PetscCall(Err(c, ce->items[d], "mesh.box.cells[%d]: expected a whole number >= 1, got %s",
                    (int)d, ce->items[d]->scalar));
    if (cells[d] > 1e7)
      PetscCall(Err(c, ce->items[d], "mesh.box.cells[%d] = %s is too many", (int)d,
                    ce->items[d]->scalar));
    m->cells[d] = (PetscInt)cells[d];
    total *= cells[d] + 1;
  }
  if (total > (double)PETSC_MAX_INT / 8)
    PetscCall(Err(c, ce, "mesh.box.cells: %g vertices are too many for this build's %d-bit indices",
                  total, (int)(8 * sizeof(PetscInt))));
  cl = Get(box, "cell");
  if (cl) {
    PetscCall(GetEnum(c, cl, "mesh.box.cell", cell_names, N(cell_names), &k));
    m->cell = (TwinCellKind)k;
    if ((k <= TWIN_CELL_QUAD) != (nl == 2))
      PetscCall(Err(c, cl,
                    "mesh.box.cell: '%s' cells need a %s box, but lower/upper have %d values",
                    cell_names[k], k <= TWIN_CELL_QUAD ? "2D" : "3D", (int)nl));
  } else
    m->cell = nl == 2 ? TWIN_CELL_QUAD : TWIN_CELL_HEX;
  PetscFunctionReturn(0);
}

PetscErrorCode TwinDeckFileState(MPI_Comm comm, const char path[], int *state)
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  *state = 0;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    struct stat st;
    FILE       *f;
    if (stat(path, &st)) *state = 1;
    else if (!S_ISREG(st.st_mode)) *state = 2;
    else if (!(f = fopen(path, "rb"))) *state = 3;
    else fclose(f);
  }
  PetscCallMPI(MPI_Bcast(state, 1, MPI_INT, 0, comm));
  PetscFunctionReturn(0);
}

/* Rank 0 looks at the file system; everyone gets its answer, so the error is the same. */
static PetscErrorCode CheckMeshFile(Ctx *c, TwinNode n, const char given[], const char path[])
{
  int         state = 0; /* 0 ok, 1 missing, 2 not a regular file, 3 not readable */
  size_t      len   = strlen(path);

  PetscFunctionBegin;
  if (len < 4 || strcasecmp(path + len - 4, ".msh"))
    PetscCall(Err(c, n, "mesh.file: '%s' is not a Gmsh .msh file", given));
  PetscCall(TwinDeckFileState(c->comm, path, &state));
  if (state == 1) PetscCall(Err(c, n, "mesh file '%s' not found (looked for '%s')", given, path));
  if (state == 2) PetscCall(Err(c, n, "mesh file '%s' is not a regular file", given));
  if (state == 3) PetscCall(Err(c, n, "mesh file '%s' is not readable", given));
  PetscFunctionReturn(0);
}

static PetscErrorCode ValidateMesh(Ctx *c, TwinNode n)
{
  static const char *const known[] = {"box", "file", "order", "scale"};
  TwinDeckMesh            *m       = &c->deck->mesh;
  TwinNode                 box, file, o;
  PetscInt                 ib, jf;

  PetscFunctionBegin;
  PetscCall(ExpectKind(c, n, "mesh", TWIN_NODE_MAP, "a map with 'box' or 'file'"));
  PetscCall(CheckKeys(c, n, "mesh", known, N(known), NULL, 0));
  PetscCall(TwinNodeMapFind(n, "box", &ib));
  PetscCall(TwinNodeMapFind(n, "file", &jf));
  box  = ib >= 0 ? n->items[ib] : NULL;
  file = jf >= 0 ? n->items[jf] : NULL;
  if (box && file)
    PetscCall(TwinDeckErrorKey(c->comm, c->file, n, PetscMax(ib, jf),
                               "mesh: give either 'box' or 'file', not both"));
  if (!box && !file) PetscCall(Err(c, n, "mesh: needs either 'box' or 'file'"));
  m->order = 1;
  m->scale = 1;
  if (box) {
    m->is_box = PETSC_TRUE;
    PetscCall(ValidateBox(c, box));
  } else {
    char given[TWIN_PATH_LEN];
    PetscCall(GetString(c, file, "mesh.file", given, sizeof(given)));
    if (!given[0]) PetscCall(Err(c, file, "mesh.file: empty path"));
    PetscCall(Resolve(c, file, "mesh.file", given, m->file));
    PetscCall(CheckMeshFile(c, file, given, m->file));
    m->dim = c->dim = 0;
  }
  if ((o = Get(n, "order"))) {
    PetscCall(GetInt(c, o, "mesh.order", &m->order));
    if (m->order != 1 && m->order != 2)
      PetscCall(Err(c, o, "mesh.order must be 1 or 2, got %s", o->scalar));
  }
  PetscCall(OptReal(c, n, "mesh", "scale", &m->scale, &o));
  if (o && !(m->scale > 0)) PetscCall(Err(c, o, "mesh.scale must be > 0, got %s", o->scalar));
  PetscFunctionReturn(0);
}

static PetscErrorCode ValidateMaterials(Ctx *c, TwinNode n)
{
  static const char *const known[] = {
      "region",       "E", "nu", "density", "expansion", "reference_temperature", "conductivity",
      "specific_heat"};
  TwinDeck  deck      = c->deck;
  PetscBool elastic   = c->has_mech || !c->has_thermal; /* E, nu required */
  PetscBool transient = c->has_thermal && c->has_time;  /* density, specific_heat required */

  PetscFunctionBegin;
  PetscCall(
      ExpectKind(c, n, "materials", TWIN_NODE_MAP, "a map from material name to its properties"));
  if (!n->n) PetscCall(Err(c, n, "materials: at least one material is needed"));
  PetscCall(PetscCalloc1(n->n, &deck->materials));
  for (PetscInt i = 0; i < n->n; i++) {
    TwinMaterial *mat = &deck->materials[i];
    TwinNode      p   = n->items[i], v;
    char          where[WHERE_LEN], w[WHERE_LEN];

    deck->nmaterials = i + 1;
    if (strlen(n->keys[i]) >= TWIN_NAME_LEN || !n->keys[i][0])
      PetscCall(TwinDeckErrorKey(c->comm, c->file, n, i,
                                 "material name must have 1 to %d characters", TWIN_NAME_LEN - 1));
    PetscCall(PetscStrncpy(mat->name, n->keys[i], sizeof(mat->name)));
    mat->line = n->keyline[i];
    mat->col  = n->keycol[i];
    Fmt(where, sizeof(where), "materials.%s", mat->name);
    PetscCall(ExpectKind(c, p, where, TWIN_NODE_MAP, "a map of properties (E, nu, ...)"));
    PetscCall(CheckKeys(c, p, where, known, N(known), NULL, 0));
    PetscCall(PetscStrncpy(mat->region, "all", sizeof(mat->region)));
    if ((v = Get(p, "region")))
      PetscCall(GetString(c, v, Join(w, where, "region"), mat->region, sizeof(mat->region)));
    /* E and nu: required unless the deck is thermal only (then optional, 0 when absent) */
    if (elastic) PetscCall(Require(c, p, where, "E", &v));
    PetscCall(OptReal(c, p, where, "E", &mat->E, &v));
    if (v && !(mat->E > 0)) PetscCall(Err(c, v, "%s.E must be > 0 (Pa), got %s", where, v->scalar));
    if (elastic) PetscCall(Require(c, p, where, "nu", &v));
    PetscCall(OptReal(c, p, where, "nu", &mat->nu, &v));
    if (v && !(mat->nu > -1 && mat->nu < 0.5))
      PetscCall(Err(c, v, "%s.nu must be in (-1, 0.5), got %s", where, v->scalar));
    PetscCall(OptReal(c, p, where, "density", &mat->density, &v));
    if (v && !(mat->density >= 0))
      PetscCall(Err(c, v, "%s.density must be >= 0 (kg/m^3), got %s", where, v->scalar));
    if (transient && !v)
      PetscCall(Err(c, p, "missing required key 'density' in %s (a transient thermal run needs it)",
                    where));
    if (transient && !(mat->density > 0))
      PetscCall(Err(c, v, "%s.density must be > 0 (kg/m^3) for a transient thermal run, got %s",
                    where, v->scalar));
    PetscCall(OptReal(c, p, where, "expansion", &mat->expansion, &v));
    mat->reference_temperature = c->kelvin ? 293.15 : 20;
    PetscCall(OptReal(c, p, where, "reference_temperature", &mat->reference_temperature, &v));
    if (v && !(mat->reference_temperature > (c->kelvin ? 0 : -273.15)))
      PetscCall(Err(c, v, "%s.reference_temperature must be above %s, got %s", where,
                    c->kelvin ? "0 (kelvin)" : "-273.15 (degrees C)", v->scalar));
    PetscCall(OptReal(c, p, where, "conductivity", &mat->conductivity, &v));
    if (v && !(mat->conductivity > 0))
      PetscCall(Err(c, v, "%s.conductivity must be > 0 (W/(m K)), got %s", where, v->scalar));
    if (c->has_thermal && !v)
      PetscCall(Err(c, p,
                    "missing required key 'conductivity' in %s (the thermal: section needs it)",
                    where));
    PetscCall(OptReal(c, p, where, "specific_heat", &mat->specific_heat, &v));
    if (v && !(mat->specific_heat > 0))
      PetscCall(Err(c, v, "%s.specific_heat must be > 0 (J/(kg K)), got %s", where, v->scalar));
    if (transient && !v)
      PetscCall(Err(c, p,
                    "missing required key 'specific_heat' in %s (a transient thermal run needs it)",
                    where));
    /* every cell gets exactly one material */
    for (PetscInt j = 0; j < i; j++) {
      TwinMaterial *o = &deck->materials[j];
      if (!strcmp(o->region, mat->region))
        PetscCall(TwinDeckErrorKey(c->comm, c->file, n, i,
                                   "materials '%s' and '%s' both apply to region '%s'", o->name,
                                   mat->name, mat->region));
      if (!strcmp(o->region, "all") || !strcmp(mat->region, "all"))
        PetscCall(TwinDeckErrorKey(c->comm, c->file, n, i,
                                   "material '%s' applies to region 'all', so no other material "
                                   "('%s') can be given; set 'region:' for each",
                                   !strcmp(o->region, "all") ? o->name : mat->name,
                                   !strcmp(o->region, "all") ? mat->name : o->name));
    }
  }
  PetscFunctionReturn(0);
}

static const char *const box_bnd[] = {"xmin", "xmax", "ymin", "ymax", "zmin", "zmax"};

static PetscErrorCode GetBoundaryName(Ctx *c, TwinNode n, const char where[], char name[])
{
  PetscFunctionBegin;
  PetscCall(GetString(c, n, where, name, TWIN_NAME_LEN));
  if (c->dim) { /* a box: its boundaries are known now; a file's are checked with the mesh */
    PetscInt    nb = 2 * c->dim;
    const char *s;
    for (PetscInt k = 0; k < nb; k++)
      if (!strcmp(name, box_bnd[k])) PetscFunctionReturn(0);
    if (c->dim == 2 && (!strcmp(name, "zmin") || !strcmp(name, "zmax")))
      PetscCall(Err(c, n,
                    "%s: unknown boundary '%s': this box is 2D (it has xmin, xmax, ymin, ymax)",
                    where, name));
    s = TwinDeckSuggest(name, box_bnd, nb);
    if (s)
      PetscCall(Err(c, n, "%s: unknown boundary '%s' of a %dD box; did you mean '%s'?", where, name,
                    (int)c->dim, s));
    PetscCall(Err(c, n, "%s: unknown boundary '%s' of a %dD box (it has %s)", where, name,
                  (int)c->dim,
                  c->dim == 2 ? "xmin, xmax, ymin, ymax" : "xmin, xmax, ymin, ymax, zmin, zmax"));
  }
  PetscFunctionReturn(0);
}

/* on: a boundary name or a list of names (box names are checked now, a file's later) */
static PetscErrorCode GetOn(Ctx *c, TwinNode map, const char where[], char names[][TWIN_NAME_LEN],
                            PetscInt *non, int online[], int oncol[])
{
  TwinNode on;
  char     w[WHERE_LEN], w2[WHERE_LEN + 16];

  PetscFunctionBegin;
  PetscCall(Require(c, map, where, "on", &on));
  Join(w, where, "on");
  if (on->kind == TWIN_NODE_SEQ) {
    if (!on->n) PetscCall(Err(c, on, "%s: needs at least one boundary name", w));
    if (on->n > TWIN_MAX_ON) PetscCall(Err(c, on, "%s: at most %d boundary names", w, TWIN_MAX_ON));
    for (PetscInt i = 0; i < on->n; i++) {
      Fmt(w2, sizeof(w2), "%s[%d]", w, (int)i);
      PetscCall(GetBoundaryName(c, on->items[i], w2, names[i]));
      online[i] = on->items[i]->line;
      oncol[i]  = on->items[i]->col;
    }
    *non = on->n;
  } else {
    if (on->kind != TWIN_NODE_SCALAR) {
      char buf[96];
      PetscCall(Err(c, on, "%s: expected a boundary name or a list of names, got %s", w,
                    TwinNodeDescribe(on, buf, sizeof(buf))));
    }
    PetscCall(GetBoundaryName(c, on, w, names[0]));
    online[0] = on->line;
    oncol[0]  = on->col;
    *non      = 1;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ValidateBC(Ctx *c, TwinNode n, const char where[], TwinMechBC *bc)
{
  static const char *const known[] = {"on", "type", "value"};
  static const char *const types[] = {"displacement", "traction", "pressure"};
  TwinNode                 type, value;
  PetscInt                 k;
  char                     w[WHERE_LEN];

  PetscFunctionBegin;
  PetscCall(ExpectKind(c, n, where, TWIN_NODE_MAP, "a map {on, type, value}"));
  bc->line = n->line;
  bc->col  = n->col;
  PetscCall(CheckKeys(c, n, where, known, N(known), NULL, 0));
  PetscCall(GetOn(c, n, where, bc->on, &bc->non, bc->online, bc->oncol));
  PetscCall(Require(c, n, where, "type", &type));
  PetscCall(GetEnum(c, type, Join(w, where, "type"), types, N(types), &k));
  bc->type = (TwinMechBCType)k;
  PetscCall(Require(c, n, where, "value", &value));
  Join(w, where, "value");
  switch (bc->type) {
  case TWIN_MBC_DISPLACEMENT: {
    PetscBool any = PETSC_FALSE;
    PetscCall(GetSpatial(c, value, w, bc->value, &bc->ncomp, bc->active));
    for (PetscInt i = 0; i < bc->ncomp; i++)
      any = any || bc->active[i];
    if (!any)
      PetscCall(Err(c, value, "%s: every component is free (~); prescribe at least one", w));
  } break;
  case TWIN_MBC_TRACTION:
    PetscCall(GetSpatial(c, value, w, bc->value, &bc->ncomp, NULL));
    for (PetscInt i = 0; i < bc->ncomp; i++)
      bc->active[i] = PETSC_TRUE;
    break;
  case TWIN_MBC_PRESSURE:
    if (value->kind == TWIN_NODE_SEQ)
      PetscCall(Err(c, value,
                    "%s: a pressure is one number (positive pushes on the surface), got a list",
                    w));
    PetscCall(GetReal(c, value, w, &bc->value[0]));
    bc->ncomp     = 1;
    bc->active[0] = PETSC_TRUE;
    break;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ValidateMechanics(Ctx *c, TwinNode n)
{
  static const char *const known[]     = {"model",   "thickness",  "body_force",
                                          "gravity", "boundaries", "coupling"};
  static const char *const models[]    = {"plane_stress", "plane_strain", "solid"};
  static const char *const couplings[] = {"thermal"};
  TwinDeckMechanics       *mech        = &c->deck->mechanics;
  TwinNode                 v;
  PetscInt                 k;

  PetscFunctionBegin;
  mech->model     = c->dim == 3 ? TWIN_SOLID : TWIN_PLANE_STRESS;
  mech->thickness = 1;
  if (!n) PetscFunctionReturn(0);
  PetscCall(ExpectKind(c, n, "mechanics", TWIN_NODE_MAP, "a map"));
  PetscCall(CheckKeys(c, n, "mechanics", known, N(known), NULL, 0));
  if ((v = Get(n, "coupling"))) {
    PetscCall(GetEnum(c, v, "mechanics.coupling", couplings, N(couplings), &k));
    if (!c->has_thermal)
      PetscCall(Err(c, v,
                    "mechanics.coupling: 'thermal' needs a thermal: section (the temperature "
                    "field that loads the structure)"));
    mech->coupled = PETSC_TRUE;
  }
  if ((v = Get(n, "model"))) {
    PetscCall(GetEnum(c, v, "mechanics.model", models, N(models), &k));
    mech->model      = (TwinMechModel)k;
    mech->has_model  = PETSC_TRUE;
    mech->model_line = v->line;
    mech->model_col  = v->col;
    if (c->dim == 3 && mech->model != TWIN_SOLID)
      PetscCall(Err(c, v, "mechanics.model: '%s' is for 2D meshes; this box is 3D (use 'solid')",
                    models[k]));
    if (c->dim == 2 && mech->model == TWIN_SOLID)
      PetscCall(Err(c, v,
                    "mechanics.model: 'solid' needs a 3D mesh; this box is 2D (use 'plane_stress' "
                    "or 'plane_strain')"));
  }
  PetscCall(OptReal(c, n, "mechanics", "thickness", &mech->thickness, &v));
  if (v && !(mech->thickness > 0))
    PetscCall(Err(c, v, "mechanics.thickness must be > 0 (m), got %s", v->scalar));
  if ((v = Get(n, "body_force")))
    PetscCall(GetSpatial(c, v, "mechanics.body_force", mech->body_force, &mech->nbody_force, NULL));
  if ((v = Get(n, "gravity")))
    PetscCall(GetSpatial(c, v, "mechanics.gravity", mech->gravity, &mech->ngravity, NULL));
  if ((v = Get(n, "boundaries"))) {
    PetscCall(
        ExpectKind(c, v, "mechanics.boundaries", TWIN_NODE_SEQ, "a list of {on, type, value}"));
    PetscCall(PetscCalloc1(v->n ? v->n : 1, &mech->bcs));
    for (PetscInt i = 0; i < v->n; i++) {
      char where[WHERE_LEN];
      Fmt(where, sizeof(where), "mechanics.boundaries[%d]", (int)i);
      mech->nbcs = i + 1;
      PetscCall(ValidateBC(c, v->items[i], where, &mech->bcs[i]));
    }
  }
  PetscFunctionReturn(0);
}

/* ---- time functions ---------------------------------------------------------------------- */

/* Smallest and largest value a function takes. */
static void FnRange(const TwinFunction *f, PetscReal *lo, PetscReal *hi)
{
  *lo = *hi = 0;
  switch (f->kind) {
  case TWIN_FN_CONSTANT:
    *lo = *hi = f->value;
    break;
  case TWIN_FN_TABLE:
    *lo = *hi = f->tv[0];
    for (PetscInt i = 1; i < f->ntable; i++) {
      *lo = PetscMin(*lo, f->tv[i]);
      *hi = PetscMax(*hi, f->tv[i]);
    }
    break;
  case TWIN_FN_SIN:
    *lo = f->mean - PetscAbsReal(f->amplitude);
    *hi = f->mean + PetscAbsReal(f->amplitude);
    break;
  case TWIN_FN_RAMP:
  case TWIN_FN_STEP:
    *lo = PetscMin(f->v0, f->v1);
    *hi = PetscMax(f->v0, f->v1);
    break;
  }
}

/* Required number key of a function's parameter map. */
static PetscErrorCode FnParam(Ctx *c, TwinNode map, const char where[], const char key[],
                              PetscBool required, PetscReal *v, TwinNode *node)
{
  char w[WHERE_LEN];

  PetscFunctionBegin;
  if (required) PetscCall(Require(c, map, where, key, node));
  *node = Get(map, key);
  if (*node) PetscCall(GetReal(c, *node, Join(w, where, key), v));
  PetscFunctionReturn(0);
}

/* A number, or {table: [[t, v], ...]}, {sin: {...}}, {ramp: {...}}, {step: {...}} (deck.h). */
static PetscErrorCode GetFunction(Ctx *c, TwinNode n, const char where[], TwinFunction *f)
{
  static const char *const kinds[] = {"table", "sin", "ramp", "step"};
  static const char *const sinp[]  = {"mean", "amplitude", "period", "phase"};
  static const char *const rampp[] = {"from", "to", "start", "end"};
  static const char *const stepp[] = {"from", "to", "at"};
  TwinNode                 v, x, y;
  PetscInt                 k;
  char                     buf[96], w[WHERE_LEN], w2[WHERE_LEN + 16], w3[WHERE_LEN + 32];

  PetscFunctionBegin;
  PetscCall(PetscMemzero(f, sizeof(*f)));
  if (n && n->kind == TWIN_NODE_SCALAR) {
    f->kind = TWIN_FN_CONSTANT;
    PetscCall(GetReal(c, n, where, &f->value));
    PetscFunctionReturn(0);
  }
  if (!n || n->kind != TWIN_NODE_MAP || n->n == 0)
    PetscCall(Err(c, n,
                  "%s: expected a number or a time function {table: ...}, {sin: ...}, "
                  "{ramp: ...} or {step: ...}, got %s",
                  where, TwinNodeDescribe(n, buf, sizeof(buf))));
  PetscCall(CheckKeys(c, n, where, kinds, N(kinds), NULL, 0));
  if (n->n > 1)
    PetscCall(TwinDeckErrorKey(c->comm, c->file, n, 1,
                               "%s: a time function has one kind, got both '%s' and '%s'", where,
                               n->keys[0], n->keys[1]));
  for (k = 0; k < N(kinds); k++)
    if (!strcmp(n->keys[0], kinds[k])) break;
  v = n->items[0];
  Join(w, where, kinds[k]);
  switch (k) {
  case 0: /* table */
    f->kind = TWIN_FN_TABLE;
    PetscCall(ExpectKind(c, v, w, TWIN_NODE_SEQ, "a list of rows [time, value]"));
    if (v->n < 2)
      PetscCall(Err(c, v, "%s: needs at least 2 rows [time, value], got %d", w, (int)v->n));
    if (v->n > TWIN_MAX_TABLE)
      PetscCall(Err(c, v, "%s: at most %d rows, got %d", w, TWIN_MAX_TABLE, (int)v->n));
    for (PetscInt i = 0; i < v->n; i++) {
      TwinNode row = v->items[i];
      Fmt(w2, sizeof(w2), "%s[%d]", w, (int)i);
      PetscCall(ExpectKind(c, row, w2, TWIN_NODE_SEQ, "a row [time, value]"));
      if (row->n != 2)
        PetscCall(Err(c, row, "%s: expected a row [time, value], got %d numbers", w2, (int)row->n));
      Fmt(w3, sizeof(w3), "%s[0]", w2);
      PetscCall(GetReal(c, row->items[0], w3, &f->tt[i]));
      Fmt(w3, sizeof(w3), "%s[1]", w2);
      PetscCall(GetReal(c, row->items[1], w3, &f->tv[i]));
      if (i && !(f->tt[i] > f->tt[i - 1]))
        PetscCall(Err(c, row->items[0],
                      "%s: times must increase strictly from row to row, but %s follows %s", w,
                      row->items[0]->scalar, v->items[i - 1]->items[0]->scalar));
      f->ntable = i + 1;
    }
    break;
  case 1: /* sin */
    f->kind = TWIN_FN_SIN;
    PetscCall(ExpectKind(c, v, w, TWIN_NODE_MAP, "a map {mean, amplitude, period, phase}"));
    PetscCall(CheckKeys(c, v, w, sinp, N(sinp), NULL, 0));
    PetscCall(FnParam(c, v, w, "mean", PETSC_FALSE, &f->mean, &x));
    PetscCall(FnParam(c, v, w, "amplitude", PETSC_TRUE, &f->amplitude, &x));
    PetscCall(FnParam(c, v, w, "period", PETSC_TRUE, &f->period, &x));
    if (!(f->period > 0)) PetscCall(Err(c, x, "%s.period must be > 0 (s), got %s", w, x->scalar));
    PetscCall(FnParam(c, v, w, "phase", PETSC_FALSE, &f->phase, &x));
    break;
  case 2: /* ramp */
    f->kind = TWIN_FN_RAMP;
    PetscCall(ExpectKind(c, v, w, TWIN_NODE_MAP, "a map {from, to, start, end}"));
    PetscCall(CheckKeys(c, v, w, rampp, N(rampp), NULL, 0));
    PetscCall(FnParam(c, v, w, "from", PETSC_TRUE, &f->v0, &x));
    PetscCall(FnParam(c, v, w, "to", PETSC_TRUE, &f->v1, &x));
    PetscCall(FnParam(c, v, w, "start", PETSC_FALSE, &f->t0, &x));
    PetscCall(FnParam(c, v, w, "end", PETSC_TRUE, &f->t1, &y));
    if (!(f->t1 > f->t0))
      PetscCall(Err(c, y, "%s.end = %s must be greater than %s.start = %s", w, y->scalar, w,
                    x ? x->scalar : "0 (the default)"));
    break;
  default: /* step */
    f->kind = TWIN_FN_STEP;
    PetscCall(ExpectKind(c, v, w, TWIN_NODE_MAP, "a map {from, to, at}"));
    PetscCall(CheckKeys(c, v, w, stepp, N(stepp), NULL, 0));
    PetscCall(FnParam(c, v, w, "from", PETSC_TRUE, &f->v0, &x));
    PetscCall(FnParam(c, v, w, "to", PETSC_TRUE, &f->v1, &x));
    PetscCall(FnParam(c, v, w, "at", PETSC_TRUE, &f->t0, &x));
    f->t1 = f->t0;
    break;
  }
  PetscFunctionReturn(0);
}

/* A temperature (number or function) must stay above absolute zero in the deck's unit. */
static PetscErrorCode CheckTemperature(Ctx *c, TwinNode n, const char where[],
                                       const TwinFunction *f)
{
  PetscReal   lo, hi, zero = c->kelvin ? 0 : -273.15;
  const char *unit = c->kelvin ? "0 K" : "-273.15 C";

  PetscFunctionBegin;
  FnRange(f, &lo, &hi);
  if (lo > zero) PetscFunctionReturn(0);
  if (f->kind == TWIN_FN_CONSTANT)
    PetscCall(
        Err(c, n, "%s: temperature %s is not above absolute zero (%s)", where, n->scalar, unit));
  PetscCall(Err(c, n, "%s: this temperature reaches %g, not above absolute zero (%s)", where,
                (double)lo, unit));
  PetscFunctionReturn(0);
}

/* ---- thermal ----------------------------------------------------------------------------- */

/* temperature_unit first: materials' reference temperatures are in that unit. */
static PetscErrorCode ThermalUnit(Ctx *c, TwinNode n)
{
  static const char *const units[] = {"C", "K"};
  TwinNode                 v;
  PetscInt                 k = 0;

  PetscFunctionBegin;
  PetscCall(ExpectKind(c, n, "thermal", TWIN_NODE_MAP,
                       "a map {temperature_unit, initial, boundaries, sources}"));
  if ((v = Get(n, "temperature_unit"))) {
    PetscCall(GetEnum(c, v, "thermal.temperature_unit", units, N(units), &k));
    c->kelvin = k == 1 ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ValidateThermalBC(Ctx *c, TwinNode n, const char where[], TwinThermBC *bc)
{
  static const char *const known[] = {"on", "type", "value", "h", "ambient", "emissivity"};
  static const char *const types[] = {"temperature", "flux", "convection", "radiation"};
  /* the keys each type takes (after on, type) */
  static const char *const takes[][2] = {
      {"value", NULL}, {"value", NULL}, {"h", "ambient"}, {"emissivity", "ambient"}};
  TwinNode type, v;
  PetscInt k;
  char     w[WHERE_LEN], list[WHERE_LEN];

  PetscFunctionBegin;
  PetscCall(ExpectKind(c, n, where, TWIN_NODE_MAP, "a map {on, type, ...}"));
  bc->line = n->line;
  bc->col  = n->col;
  PetscCall(CheckKeys(c, n, where, known, N(known), NULL, 0));
  PetscCall(GetOn(c, n, where, bc->on, &bc->non, bc->online, bc->oncol));
  PetscCall(Require(c, n, where, "type", &type));
  PetscCall(GetEnum(c, type, Join(w, where, "type"), types, N(types), &k));
  bc->type = (TwinThermBCType)k;
  Fmt(list, sizeof(list), "on, type, %s%s%s", takes[k][0], takes[k][1] ? ", " : "",
      takes[k][1] ? takes[k][1] : "");
  for (PetscInt i = 0; i < n->n; i++) {
    const char *key = n->keys[i];
    if (!strcmp(key, "on") || !strcmp(key, "type") || !strcmp(key, takes[k][0]) ||
        (takes[k][1] && !strcmp(key, takes[k][1])))
      continue;
    PetscCall(TwinDeckErrorKey(c->comm, c->file, n, i,
                               "%s: key '%s' is not used by a %s boundary (it takes: %s)", where,
                               key, types[k], list));
  }
  for (PetscInt j = 0; j < 2; j++)
    if (takes[k][j] && !Get(n, takes[k][j]))
      PetscCall(Err(c, n, "missing required key '%s' in %s (a %s boundary takes: %s)", takes[k][j],
                    where, types[k], list));
  if ((v = Get(n, "value"))) {
    PetscCall(GetFunction(c, v, Join(w, where, "value"), &bc->value));
    if (bc->type == TWIN_TBC_TEMPERATURE) PetscCall(CheckTemperature(c, v, w, &bc->value));
  }
  if ((v = Get(n, "h"))) {
    PetscReal lo, hi;
    PetscCall(GetFunction(c, v, Join(w, where, "h"), &bc->h));
    FnRange(&bc->h, &lo, &hi);
    if (TwinFunctionIsConstant(&bc->h) && !(lo > 0)) {
      if (bc->h.kind == TWIN_FN_CONSTANT)
        PetscCall(Err(c, v, "%s must be > 0 (W/(m^2 K)), got %s", w, v->scalar));
      PetscCall(Err(c, v, "%s must be > 0 (W/(m^2 K)), got %g", w, (double)lo));
    }
    if (!(lo >= 0))
      PetscCall(Err(c, v, "%s: a heat transfer coefficient is never negative, but this reaches %g",
                    w, (double)lo));
  }
  if ((v = Get(n, "ambient"))) {
    PetscCall(GetFunction(c, v, Join(w, where, "ambient"), &bc->ambient));
    PetscCall(CheckTemperature(c, v, w, &bc->ambient));
  }
  if ((v = Get(n, "emissivity"))) {
    PetscCall(GetReal(c, v, Join(w, where, "emissivity"), &bc->emissivity));
    if (!(bc->emissivity > 0 && bc->emissivity <= 1))
      PetscCall(Err(c, v, "%s must be in (0, 1], got %s", w, v->scalar));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ValidateThermal(Ctx *c, TwinNode n, PetscInt idx)
{
  static const char *const known[]  = {"temperature_unit", "initial", "boundaries", "sources"};
  static const char *const sknown[] = {"region", "value"};
  TwinDeckThermal         *th       = &c->deck->thermal;
  TwinNode                 v, root = c->deck->root;
  char                     where[WHERE_LEN], w[WHERE_LEN];
  PetscBool                fixed = PETSC_FALSE; /* some boundary sets the temperature level */

  PetscFunctionBegin;
  if (!n) PetscFunctionReturn(0);
  PetscCall(CheckKeys(c, n, "thermal", known, N(known), NULL, 0));
  th->enabled = PETSC_TRUE;
  th->kelvin  = c->kelvin;
  th->line    = root->keyline[idx];
  th->col     = root->keycol[idx];
  th->initial = c->kelvin ? 293.15 : 20;
  if ((v = Get(n, "initial")) && v->kind == TWIN_NODE_MAP) {
    /* initial: {file: previous/twin.h5, dataset: /fields/temperature}: a vertex field in the input
       (natural) numbering, e.g. the final state of an earlier run on the same mesh */
    static const char *const iknown[] = {"file", "dataset"};
    TwinNode                 f, d;
    char                     given[TWIN_PATH_LEN];
    PetscBool                exists;
    PetscCall(CheckKeys(c, v, "thermal.initial", iknown, N(iknown), NULL, 0));
    PetscCall(Require(c, v, "thermal.initial", "file", &f));
    PetscCall(GetString(c, f, "thermal.initial.file", given, sizeof(given)));
    PetscCall(Resolve(c, f, "thermal.initial.file", given, th->initial_file));
    PetscCall(PetscTestFile(th->initial_file, 'r', &exists));
    if (!exists) PetscCall(Err(c, f, "thermal.initial.file '%s' not found or not readable", given));
    PetscCall(PetscStrncpy(th->initial_dataset, "/fields/temperature", sizeof(th->initial_dataset)));
    if ((d = Get(v, "dataset"))) PetscCall(GetString(c, d, "thermal.initial.dataset", th->initial_dataset, sizeof(th->initial_dataset)));
    v = NULL;
  }
  if (v) {
    TwinFunction f;
    PetscCall(GetReal(c, v, "thermal.initial", &th->initial));
    f.kind  = TWIN_FN_CONSTANT;
    f.value = th->initial;
    PetscCall(CheckTemperature(c, v, "thermal.initial", &f));
  }
  if ((v = Get(n, "boundaries"))) {
    PetscCall(ExpectKind(c, v, "thermal.boundaries", TWIN_NODE_SEQ, "a list of {on, type, ...}"));
    PetscCall(PetscCalloc1(v->n ? v->n : 1, &th->bcs));
    for (PetscInt i = 0; i < v->n; i++) {
      Fmt(where, sizeof(where), "thermal.boundaries[%d]", (int)i);
      th->nbcs = i + 1;
      PetscCall(ValidateThermalBC(c, v->items[i], where, &th->bcs[i]));
      if (th->bcs[i].type != TWIN_TBC_FLUX) fixed = PETSC_TRUE;
    }
  }
  if ((v = Get(n, "sources"))) {
    PetscCall(ExpectKind(c, v, "thermal.sources", TWIN_NODE_SEQ, "a list of {region, value}"));
    PetscCall(PetscCalloc1(v->n ? v->n : 1, &th->sources));
    for (PetscInt i = 0; i < v->n; i++) {
      TwinThermSource *s    = &th->sources[i];
      TwinNode         item = v->items[i], x;

      th->nsources = i + 1;
      Fmt(where, sizeof(where), "thermal.sources[%d]", (int)i);
      PetscCall(ExpectKind(c, item, where, TWIN_NODE_MAP, "a map {region, value}"));
      PetscCall(CheckKeys(c, item, where, sknown, N(sknown), NULL, 0));
      s->line = item->line;
      s->col  = item->col;
      PetscCall(PetscStrncpy(s->region, "all", sizeof(s->region)));
      if ((x = Get(item, "region")))
        PetscCall(GetString(c, x, Join(w, where, "region"), s->region, sizeof(s->region)));
      if (!s->region[0]) PetscCall(Err(c, x, "%s: empty region name", w));
      PetscCall(Require(c, item, where, "value", &x));
      PetscCall(GetFunction(c, x, Join(w, where, "value"), &s->value));
    }
  }
  /* steady state with only flux boundaries: the temperature is determined up to a constant */
  if (!c->has_time && !fixed)
    PetscCall(TwinDeckErrorKey(c->comm, c->file, root, idx,
                               "thermal: a steady-state run needs at least one temperature, "
                               "convection or radiation boundary (else the temperature level is "
                               "not determined); add one, or a time: section"));
  PetscFunctionReturn(0);
}

/* ---- time -------------------------------------------------------------------------------- */

static PetscErrorCode ValidateTime(Ctx *c, TwinNode n, PetscInt idx)
{
  static const char *const known[] = {"end", "step", "theta"};
  TwinDeckTime            *tm      = &c->deck->time;
  TwinNode                 v, e, root = c->deck->root;

  PetscFunctionBegin;
  if (!n) PetscFunctionReturn(0);
  PetscCall(ExpectKind(c, n, "time", TWIN_NODE_MAP, "a map {end, step, theta}"));
  PetscCall(CheckKeys(c, n, "time", known, N(known), NULL, 0));
  if (!c->has_thermal)
    PetscCall(TwinDeckErrorKey(c->comm, c->file, root, idx,
                               "time: needs a thermal: section (mechanics alone is static: "
                               "nothing in it varies in time)"));
  tm->transient = PETSC_TRUE;
  tm->line      = root->keyline[idx];
  tm->col       = root->keycol[idx];
  PetscCall(Require(c, n, "time", "end", &e));
  PetscCall(GetReal(c, e, "time.end", &tm->end));
  if (!(tm->end > 0)) PetscCall(Err(c, e, "time.end must be > 0 (s), got %s", e->scalar));
  PetscCall(Require(c, n, "time", "step", &v));
  PetscCall(GetReal(c, v, "time.step", &tm->step));
  if (!(tm->step > 0)) PetscCall(Err(c, v, "time.step must be > 0 (s), got %s", v->scalar));
  if (!(tm->step <= tm->end))
    PetscCall(Err(c, v, "time.step = %s must not exceed time.end = %s", v->scalar, e->scalar));
  if (tm->end / tm->step > 1e9)
    PetscCall(Err(c, v, "time.step = %s makes %g steps up to time.end = %s: too many", v->scalar,
                  (double)(tm->end / tm->step), e->scalar));
  tm->theta = 1;
  PetscCall(OptReal(c, n, "time", "theta", &tm->theta, &v));
  if (v && !(tm->theta >= 0.5 && tm->theta <= 1))
    PetscCall(Err(c, v,
                  "time.theta must be in [0.5, 1] (1: backward Euler, 0.5: Crank-Nicolson), got %s",
                  v->scalar));
  PetscFunctionReturn(0);
}

/* checkpoint: {every: s}: a restart file every `every` seconds of model time (transient runs) */
static PetscErrorCode ValidateCheckpoint(Ctx *c, TwinNode n, PetscInt idx)
{
  static const char *const known[] = {"every"};
  TwinNode                 v, root = c->deck->root;

  PetscFunctionBegin;
  c->deck->checkpoint_every = 0;
  if (!n) PetscFunctionReturn(0);
  PetscCall(ExpectKind(c, n, "checkpoint", TWIN_NODE_MAP, "a map {every}"));
  PetscCall(CheckKeys(c, n, "checkpoint", known, N(known), NULL, 0));
  if (!c->deck->time.transient)
    PetscCall(TwinDeckErrorKey(c->comm, c->file, root, idx, "checkpoint: needs a time: section (a steady run has nothing to resume)"));
  PetscCall(Require(c, n, "checkpoint", "every", &v));
  PetscCall(GetReal(c, v, "checkpoint.every", &c->deck->checkpoint_every));
  if (!(c->deck->checkpoint_every > 0)) PetscCall(Err(c, v, "checkpoint.every must be > 0 (s of model time), got %s", v->scalar));
  PetscFunctionReturn(0);
}

static PetscErrorCode ValidateOutput(Ctx *c, TwinNode n)
{
  /* statistics, exceedance: read with the ensemble (deckensemble.c) */
  static const char *const known[]  = {"directory", "probes", "every", "statistics", "exceedance"};
  static const char *const future[] = {"fields"};
  static const char *const pknown[] = {"name", "at"};
  TwinDeckOutput          *out      = &c->deck->output;
  TwinDeckMesh            *m        = &c->deck->mesh;
  TwinNode                 v;

  PetscFunctionBegin;
  if (n) {
    PetscCall(ExpectKind(c, n, "output", TWIN_NODE_MAP, "a map"));
    PetscCall(CheckKeys(c, n, "output", known, N(known), future, N(future)));
  }
  if ((v = Get(n, "directory"))) {
    char given[TWIN_PATH_LEN];
    PetscCall(GetString(c, v, "output.directory", given, sizeof(given)));
    if (!given[0]) PetscCall(Err(c, v, "output.directory: empty path"));
    PetscCall(Resolve(c, v, "output.directory", given, out->directory));
    out->has_directory = PETSC_TRUE;
  } else
    Fmt(out->directory, sizeof(out->directory), "out/%s", c->deck->name);
  if ((v = Get(n, "every"))) {
    PetscInt i;
    PetscCall(TwinNodeMapFind(n, "every", &i));
    if (!c->has_time)
      PetscCall(TwinDeckErrorKey(c->comm, c->file, n, i,
                                 "output.every needs a time: section (a steady run writes its "
                                 "one result at the end)"));
    PetscCall(GetReal(c, v, "output.every", &out->every));
    if (!(out->every > 0)) PetscCall(Err(c, v, "output.every must be > 0 (s), got %s", v->scalar));
  }
  if ((v = Get(n, "probes"))) {
    PetscCall(ExpectKind(c, v, "output.probes", TWIN_NODE_SEQ, "a list of {name, at}"));
    PetscCall(PetscCalloc1(v->n ? v->n : 1, &out->probes));
    for (PetscInt i = 0; i < v->n; i++) {
      TwinProbe *p    = &out->probes[i];
      TwinNode   item = v->items[i], x;
      char       where[WHERE_LEN], w[WHERE_LEN];

      out->nprobes = i + 1;
      Fmt(where, sizeof(where), "output.probes[%d]", (int)i);
      PetscCall(ExpectKind(c, item, where, TWIN_NODE_MAP, "a map {name, at}"));
      PetscCall(CheckKeys(c, item, where, pknown, N(pknown), NULL, 0));
      p->line = item->line;
      p->col  = item->col;
      PetscCall(Require(c, item, where, "name", &x));
      PetscCall(GetString(c, x, Join(w, where, "name"), p->name, sizeof(p->name)));
      for (PetscInt j = 0; j < i; j++)
        if (!strcmp(out->probes[j].name, p->name))
          PetscCall(Err(c, x, "%s: probe name '%s' is used twice", w, p->name));
      PetscCall(Require(c, item, where, "at", &x));
      PetscCall(GetSpatial(c, x, Join(w, where, "at"), p->x, &p->ncoord, NULL));
      if (m->is_box)
        for (PetscInt d = 0; d < m->dim; d++) {
          PetscReal tol = 1e-12 * (m->upper[d] - m->lower[d]);
          if (p->x[d] < m->lower[d] - tol || p->x[d] > m->upper[d] + tol)
            PetscCall(Err(c, x->items[d], "%s[%d] = %s is outside the box [%g, %g]", w, (int)d,
                          x->items[d]->scalar, (double)m->lower[d], (double)m->upper[d]));
        }
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ValidateSolver(Ctx *c, TwinNode n)
{
  static const char *const known[] = {"options"};
  TwinNode                 v;

  PetscFunctionBegin;
  if (!n) PetscFunctionReturn(0);
  PetscCall(ExpectKind(c, n, "solver", TWIN_NODE_MAP, "a map"));
  PetscCall(CheckKeys(c, n, "solver", known, N(known), NULL, 0));
  if ((v = Get(n, "options")))
    PetscCall(GetString(c, v, "solver.options", c->deck->solver_options,
                        sizeof(c->deck->solver_options)));
  PetscFunctionReturn(0);
}

/* ---- shared with deckensemble.c ---------------------------------------------------------- */

static void DeckCtx(TwinDeck deck, Ctx *c)
{
  PetscMemzero(c, sizeof(*c));
  c->comm = deck->comm;
  c->file = deck->path;
  c->deck = deck;
}

PetscBool TwinNodeIsNumber(TwinNode n)
{
  if (!n || n->kind != TWIN_NODE_SCALAR || n->quoted || !LooksDecimal(n->scalar))
    return PETSC_FALSE;
  return isfinite(strtod(n->scalar, NULL)) ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode TwinDeckCheckKeys(TwinDeck deck, TwinNode map, const char where[],
                                 const char *const known[], PetscInt nknown)
{
  Ctx c;

  PetscFunctionBegin;
  DeckCtx(deck, &c);
  PetscCall(CheckKeys(&c, map, where, known, nknown, NULL, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinDeckExpectKind(TwinDeck deck, TwinNode n, const char where[], TwinNodeKind kind,
                                  const char what[])
{
  Ctx c;

  PetscFunctionBegin;
  DeckCtx(deck, &c);
  PetscCall(ExpectKind(&c, n, where, kind, what));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinDeckGetReal(TwinDeck deck, TwinNode n, const char where[], PetscReal *v)
{
  Ctx c;

  PetscFunctionBegin;
  DeckCtx(deck, &c);
  PetscCall(GetReal(&c, n, where, v));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinDeckGetInt(TwinDeck deck, TwinNode n, const char where[], PetscInt *v)
{
  Ctx c;

  PetscFunctionBegin;
  DeckCtx(deck, &c);
  PetscCall(GetInt(&c, n, where, v));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinDeckGetEnum(TwinDeck deck, TwinNode n, const char where[],
                               const char *const names[], PetscInt nnames, PetscInt *v)
{
  Ctx c;

  PetscFunctionBegin;
  DeckCtx(deck, &c);
  PetscCall(GetEnum(&c, n, where, names, nnames, v));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinDeckGetString(TwinDeck deck, TwinNode n, const char where[], char s[], size_t len)
{
  Ctx c;

  PetscFunctionBegin;
  DeckCtx(deck, &c);
  PetscCall(GetString(&c, n, where, s, len));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinDeckGetVector(TwinDeck deck, TwinNode n, const char where[], PetscInt nmin,
                                 PetscInt nmax, PetscReal v[], PetscInt *nv)
{
  Ctx c;

  PetscFunctionBegin;
  DeckCtx(deck, &c);
  PetscCall(GetVector(&c, n, where, nmin, nmax, v, nv, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinDeckResolve(TwinDeck deck, TwinNode n, const char where[], const char rel[],
                               char out[])
{
  Ctx c;

  PetscFunctionBegin;
  DeckCtx(deck, &c);
  PetscCall(Resolve(&c, n, where, rel, out));
  PetscFunctionReturn(0);
}
