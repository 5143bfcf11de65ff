/* deckpath.c: addressing deck values by path, as overrides (--set) and ensemble parameters do:
 * "materials.steel.E", "mechanics.boundaries[0].value[1]". Keys are separated by '.', list
 * items are [index] (0-based). TwinDeckSet replaces the addressed value with the YAML text
 * after '=' (so "value[1]=~" or "value=[0, ~, 0]" work), creates missing keys, re-validates
 * the whole deck, and leaves the deck unchanged when the result is invalid. */
#include <string.h>
#include "deckimpl.h"

#define TWIN_MAX_SEGS 32
#define TWIN_KEY_LEN 256

typedef struct {
  PetscBool isindex;
  PetscInt  index;
  char      key[TWIN_KEY_LEN];
} Seg;

static PetscBool      PathSplit(const char path[], Seg segs[], PetscInt *nseg);
static PetscErrorCode MapAppend(TwinNode map, const char key[], TwinNode item);

/* Find the node at path below root; *node is NULL when absent. Not collective.
 * A malformed path is an error (PETSC_ERR_ARG_WRONG). */
PetscErrorCode TwinNodeFind(TwinNode root, const char path[], TwinNode *node)
{
  Seg      segs[TWIN_MAX_SEGS];
  PetscInt nseg, i;
  TwinNode cur = root;

  PetscFunctionBegin;
  *node = NULL;
  PetscCheck(PathSplit(path, segs, &nseg), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "malformed deck path '%s' (expected e.g. materials.steel.E or "
             "mechanics.boundaries[0].value[1])",
             path);
  for (PetscInt s = 0; s < nseg && cur; s++) {
    if (segs[s].isindex) {
      if (cur->kind != TWIN_NODE_SEQ || segs[s].index >= cur->n) PetscFunctionReturn(0);
      cur = cur->items[segs[s].index];
    } else {
      PetscCall(TwinNodeMapFind(cur, segs[s].key, &i));
      if (i < 0) PetscFunctionReturn(0);
      cur = cur->items[i];
    }
  }
  *node = cur;
  PetscFunctionReturn(0);
}

/* Apply "path=value" and re-validate. Call on every rank of the deck's communicator (mesh
 * file checks broadcast). On error the deck is unchanged. */
static PetscBool DeferValidation = PETSC_FALSE; /* TwinDeckSetList: validate once, at the end */

/* Validate the (changed) tree into a new typed deck and keep it. */
static PetscErrorCode Revalidate(TwinDeck deck, PetscErrorCode *ierr)
{
  TwinDeck scratch;

  PetscFunctionBegin;
  *ierr = PetscNew(&scratch);
  if (*ierr) PetscFunctionReturn(0);
  scratch->comm = deck->comm;
  scratch->root = deck->root;
  PetscCall(PetscStrncpy(scratch->path, deck->path, sizeof(scratch->path)));
  PetscCall(PetscStrncpy(scratch->dir, deck->dir, sizeof(scratch->dir)));
  *ierr         = TwinDeckValidate(scratch);
  scratch->root = NULL;
  if (!*ierr) { /* keep the new typed deck */
    PetscCall(TwinDeckResetTyped(deck));
    PetscCall(PetscStrncpy(deck->name, scratch->name, sizeof(deck->name)));
    deck->mesh             = scratch->mesh;
    deck->materials        = scratch->materials;
    deck->nmaterials       = scratch->nmaterials;
    deck->mechanics        = scratch->mechanics;
    deck->has_mechanics    = scratch->has_mechanics;
    deck->has_ensemble     = scratch->has_ensemble;
    deck->thermal          = scratch->thermal;
    deck->time             = scratch->time;
    deck->checkpoint_every = scratch->checkpoint_every;
    deck->output           = scratch->output;
    deck->sensors          = scratch->sensors; /* sensors.list moves with it */
    deck->assimilation     = scratch->assimilation;
    deck->prediction       = scratch->prediction;
    deck->synthesize       = scratch->synthesize;
    PetscCall(
        PetscStrncpy(deck->solver_options, scratch->solver_options, sizeof(deck->solver_options)));
    PetscCall(PetscFree(scratch));
    PetscFunctionReturn(0);
  }
  PetscCall(TwinDeckResetTyped(scratch));
  PetscCall(PetscFree(scratch));
  PetscFunctionReturn(0);
}

/*@C
  TwinDeckSetList - Apply several "path=value" overrides, then validate the deck once, so that
  overrides which are only valid together (e.g. assimilation.filter=etkf with
  assimilation.localization=null) can be given. A malformed path is an error at once; a deck
  that is invalid after all of them is an error (the deck is then unusable). Call on every rank.
@*/
PetscErrorCode TwinDeckSetList(TwinDeck deck, PetscInt n, const char *const assignment[])
{
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  if (n == 0) PetscFunctionReturn(0);
  if (n == 1) {
    PetscCall(TwinDeckSet(deck, assignment[0]));
    PetscFunctionReturn(0);
  }
  DeferValidation = PETSC_TRUE;
  for (PetscInt i = 0; i < n && !ierr; i++)
    ierr = TwinDeckSet(deck, assignment[i]);
  DeferValidation = PETSC_FALSE;
  PetscCall(ierr);
  PetscCall(Revalidate(deck, &ierr));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode TwinDeckSet(TwinDeck deck, const char assignment[])
{
  MPI_Comm       comm = deck->comm;
  const char    *eq   = strchr(assignment, '=');
  char           origin[512], path[TWIN_PATH_LEN], shown[TWIN_PATH_LEN];
  Seg            segs[TWIN_MAX_SEGS];
  PetscInt       nseg, i = -1;
  TwinNode       cur = deck->root, value = NULL, old = NULL, *slot = NULL;
  TwinNode       created = NULL; /* the map where the first new key was appended */
  PetscErrorCode ierr    = 0;

  PetscFunctionBegin;
  snprintf(origin, sizeof(origin), "--set %s", assignment);
  PetscCheck(eq && eq != assignment, comm, PETSC_ERR_USER, "%s: expected PATH=VALUE", origin);
  PetscCheck((size_t)(eq - assignment) < sizeof(path), comm, PETSC_ERR_USER, "%s: path too long",
             origin);
  PetscCall(PetscStrncpy(path, assignment, (size_t)(eq - assignment) + 1));
  PetscCheck(PathSplit(path, segs, &nseg), comm, PETSC_ERR_USER,
             "%s: malformed path '%s' (expected e.g. materials.steel.E or "
             "mechanics.boundaries[0].value[1])",
             origin, path);
  /* the new value, parsed as YAML: lists, null (~) and quoted strings mean what they do in a file
   */
  PetscCall(TwinNodeParse(comm, origin, origin, eq + 1, strlen(eq + 1), &value));
  if (!value) {
    PetscCall(PetscNew(&value));
    value->kind = TWIN_NODE_NULL;
    PetscCall(PetscStrallocpy(origin, &value->origin));
  }
  /* walk to the addressed slot, creating missing keys (but a near miss is a typo) */
  shown[0] = 0;
  for (PetscInt s = 0; s < nseg && !ierr; s++) {
    size_t    l    = strlen(shown);
    PetscBool last = s == nseg - 1 ? PETSC_TRUE : PETSC_FALSE;

    if (segs[s].isindex) {
      if (cur->kind != TWIN_NODE_SEQ) {
        ierr = TwinDeckErrorAt(comm, NULL, origin, 0, 0, "'%s' is not a list", shown);
        break;
      }
      if (segs[s].index >= cur->n) {
        ierr = TwinDeckErrorAt(comm, NULL, origin, 0, 0,
                               "index %d is out of range ('%s' has %d items)", (int)segs[s].index,
                               shown, (int)cur->n);
        break;
      }
      snprintf(shown + l, sizeof(shown) - l, "[%d]", (int)segs[s].index);
      slot = &cur->items[segs[s].index];
      cur  = *slot;
      continue;
    }
    snprintf(shown + l, sizeof(shown) - l, "%s%s", l ? "." : "", segs[s].key);
    if (cur->kind == TWIN_NODE_NULL && cur->n == 0)
      cur->kind = TWIN_NODE_MAP; /* "output:" left empty */
    if (cur->kind != TWIN_NODE_MAP) {
      ierr = TwinDeckErrorAt(comm, NULL, origin, 0, 0, "cannot set '%s': its parent is not a map",
                             shown);
      break;
    }
    ierr = TwinNodeMapFind(cur, segs[s].key, &i);
    if (!ierr && i < 0) {
      const char *sug = TwinDeckSuggest(segs[s].key, (const char *const *)cur->keys, cur->n);
      TwinNode    map = NULL;
      if (sug && !last) {
        ierr = TwinDeckErrorAt(comm, NULL, origin, 0, 0, "the deck has no '%s'; did you mean '%s'?",
                               shown, sug);
        break;
      }
      if (!last) {
        ierr = PetscNew(&map);
        if (!ierr) {
          map->kind = TWIN_NODE_MAP;
          ierr      = PetscStrallocpy(origin, &map->origin);
        }
      }
      if (!ierr) ierr = MapAppend(cur, segs[s].key, map);
      if (ierr) {
        TwinNodeDestroy(&map);
        break;
      }
      if (!created) created = cur;
      i = cur->n - 1;
    }
    if (ierr) break;
    slot = &cur->items[i];
    cur  = *slot;
  }
  if (!ierr) {
    old   = *slot;
    *slot = value;
    value = NULL;
    if (DeferValidation) { /* TwinDeckSetList validates at the end */
      PetscCall(TwinNodeDestroy(&old));
      PetscFunctionReturn(0);
    }
    PetscCall(Revalidate(deck, &ierr));
    if (!ierr) {
      PetscCall(TwinNodeDestroy(&old));
      PetscFunctionReturn(0);
    }
    value = *slot; /* put the old value back */
    *slot = old;
  }
  PetscCall(TwinNodeDestroy(&value));
  if (created) { /* drop the first key we added, and everything below it */
    created->n--;
    PetscCall(PetscFree(created->keys[created->n]));
    PetscCall(TwinNodeDestroy(&created->items[created->n]));
  }
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* ---- helpers ----------------------------------------------------------------------------- */

static PetscBool PathSplit(const char path[], Seg segs[], PetscInt *nseg)
{
  const char *p = path;
  PetscInt    n = 0;

  *nseg = 0;
  if (!p || !*p) return PETSC_FALSE;
  while (*p) {
    size_t len = 0;
    if (n && *p == '.')
      p++; /* separator after the first segment */
    else if (n && *p != '[')
      return PETSC_FALSE;
    if (*p == '[') { /* [index] */
      long v = 0;
      p++;
      if (*p < '0' || *p > '9') return PETSC_FALSE;
      while (*p >= '0' && *p <= '9') {
        v = 10 * v + (*p++ - '0');
        if (v > 100000000) return PETSC_FALSE;
      }
      if (*p++ != ']' || n >= TWIN_MAX_SEGS) return PETSC_FALSE;
      segs[n].isindex = PETSC_TRUE;
      segs[n++].index = (PetscInt)v;
      continue;
    }
    while (p[len] && p[len] != '.' && p[len] != '[' && p[len] != ']' && p[len] != '=')
      len++;
    if (!len || len >= TWIN_KEY_LEN || n >= TWIN_MAX_SEGS) return PETSC_FALSE;
    segs[n].isindex = PETSC_FALSE;
    memcpy(segs[n].key, p, len);
    segs[n++].key[len] = 0;
    p += len;
  }
  *nseg = n;
  return n ? PETSC_TRUE : PETSC_FALSE;
}

/* Append key -> item to a map (key position 0:0: it did not come from the file). */
static PetscErrorCode MapAppend(TwinNode map, const char key[], TwinNode item)
{
  char    **keys;
  int      *kl, *kc;
  TwinNode *items;
  PetscInt  n = map->n;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(n + 1, &keys));
  PetscCall(PetscCalloc1(n + 1, &kl));
  PetscCall(PetscCalloc1(n + 1, &kc));
  PetscCall(PetscCalloc1(n + 1, &items));
  if (n) {
    PetscCall(PetscArraycpy(keys, map->keys, n));
    PetscCall(PetscArraycpy(kl, map->keyline, n));
    PetscCall(PetscArraycpy(kc, map->keycol, n));
    PetscCall(PetscArraycpy(items, map->items, n));
  }
  PetscCall(PetscStrallocpy(key, &keys[n]));
  items[n] = item;
  PetscCall(PetscFree(map->keys));
  PetscCall(PetscFree(map->keyline));
  PetscCall(PetscFree(map->keycol));
  PetscCall(PetscFree(map->items));
  map->keys    = keys;
  map->keyline = kl;
  map->keycol  = kc;
  map->items   = items;
  map->n       = n + 1;
  PetscFunctionReturn(0);
}
