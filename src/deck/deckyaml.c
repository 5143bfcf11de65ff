/* deckyaml.c: YAML text -> TwinNode tree, with libyaml's event parser. Every node keeps the
 * 1-based line and column where its text starts, so later errors can point at it. Anchors and
 * aliases are rejected (a deck is read by people; every value should be where it applies),
 * duplicate keys are errors, and nesting is limited so hostile input cannot exhaust the stack.
 * The builder attaches every node to its parent before filling it, so on any error the whole
 * partial tree is freed from the root. */
#include <ctype.h>
#include <string.h>
#include <yaml.h>
#include "deckimpl.h"

#define TWIN_MAX_DEPTH 64

typedef struct {
  yaml_parser_t parser;
  MPI_Comm      comm;
  const char   *file, *origin;
  const char   *text;
  size_t        len;
} ParseCtx;

static PetscErrorCode NextEvent(ParseCtx *, yaml_event_t *);
static PetscErrorCode ParseNode(ParseCtx *, yaml_event_t *, int depth, TwinNode *slot);

/* Parse a whole stream. Collective in the sense of TwinDeckLoad: identical on every rank. */
PetscErrorCode TwinNodeParse(MPI_Comm comm, const char file[], const char origin[],
                             const char text[], size_t len, TwinNode *root)
{
  ParseCtx       p;
  yaml_event_t   ev;
  PetscErrorCode ierr  = 0;
  int            state = 0; /* 0 before the document, 1 after it */

  PetscFunctionBegin;
  *root = NULL;
  PetscCall(PetscMemzero(&p, sizeof(p)));
  p.comm   = comm;
  p.file   = file;
  p.origin = origin;
  p.text   = text;
  p.len    = len;
  PetscCheck(yaml_parser_initialize(&p.parser), comm, PETSC_ERR_MEM, "cannot create a YAML parser");
  yaml_parser_set_input_string(&p.parser, (const unsigned char *)text, len);
  for (;;) {
    yaml_event_type_t type;
    yaml_mark_t       mark;

    ierr = NextEvent(&p, &ev);
    if (ierr) break;
    type = ev.type;
    mark = ev.start_mark;
    if (type == YAML_STREAM_END_EVENT) {
      yaml_event_delete(&ev);
      break;
    }
    if (type == YAML_DOCUMENT_START_EVENT && state == 1) {
      yaml_event_delete(&ev);
      ierr = TwinDeckErrorAt(comm, file, origin, (int)mark.line + 1, (int)mark.column + 1,
                             "a deck is one YAML document; found a second one ('---')");
      break;
    }
    if (type == YAML_DOCUMENT_START_EVENT) {
      yaml_event_delete(&ev);
      ierr = NextEvent(&p, &ev);
      if (ierr) break;
      ierr = ParseNode(&p, &ev, 0, root);
      if (ierr) break;
      state = 1;
      continue;
    }
    yaml_event_delete(&ev); /* stream start, document end */
  }
  yaml_parser_delete(&p.parser);
  if (ierr) {
    PetscCall(TwinNodeDestroy(root));
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

/* Free a node and everything below it; *node becomes NULL. Not collective. */
PetscErrorCode TwinNodeDestroy(TwinNode *node)
{
  TwinNode n = *node;

  PetscFunctionBegin;
  if (!n) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < n->n; i++) {
    if (n->keys) PetscCall(PetscFree(n->keys[i]));
    if (n->items) PetscCall(TwinNodeDestroy(&n->items[i]));
  }
  PetscCall(PetscFree(n->keys));
  PetscCall(PetscFree(n->keyline));
  PetscCall(PetscFree(n->keycol));
  PetscCall(PetscFree(n->items));
  PetscCall(PetscFree(n->scalar));
  PetscCall(PetscFree(n->origin));
  PetscCall(PetscFree(*node));
  PetscFunctionReturn(0);
}

/* Index of key in a map, -1 when absent (or when map is not a map). */
PetscErrorCode TwinNodeMapFind(TwinNode map, const char key[], PetscInt *idx)
{
  PetscFunctionBegin;
  *idx = -1;
  if (!map || map->kind != TWIN_NODE_MAP) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < map->n; i++)
    if (!strcmp(map->keys[i], key)) {
      *idx = i;
      break;
    }
  PetscFunctionReturn(0);
}

/* ---- helpers ----------------------------------------------------------------------------- */

/* Next event, or the YAML error at its position with libyaml's own words. */
static PetscErrorCode NextEvent(ParseCtx *p, yaml_event_t *ev)
{
  yaml_parser_t *y = &p->parser;
  int            line, col;

  PetscFunctionBegin;
  if (yaml_parser_parse(y, ev)) PetscFunctionReturn(0);
  PetscCheck(y->error != YAML_MEMORY_ERROR, p->comm, PETSC_ERR_MEM,
             "%s: out of memory while reading YAML", p->file);
  if (y->error == YAML_READER_ERROR) { /* bad encoding: only a byte offset is known */
    size_t off = y->problem_offset < p->len ? y->problem_offset : p->len;
    line       = 1;
    col        = 1;
    for (size_t i = 0; i < off; i++) {
      if (p->text[i] == '\n')
        line++, col = 1;
      else
        col++;
    }
  } else {
    line = (int)y->problem_mark.line + 1;
    col  = (int)y->problem_mark.column + 1;
  }
  if (y->context && y->error == YAML_PARSER_ERROR && y->problem_mark.index > 0 &&
      y->problem_mark.index < p->len && p->text[y->problem_mark.index] == '[' &&
      (isalnum((unsigned char)p->text[y->problem_mark.index - 1]) ||
       p->text[y->problem_mark.index - 1] == '_') &&
      strstr(y->context, "flow")) /* a.b[0] unquoted inside {...}: '[' starts a list there */
    PetscCall(TwinDeckErrorAt(p->comm, p->file, p->origin, line, col,
                              "YAML syntax error: %s (%s at line %d, column %d); inside {...} or "
                              "[...] a deck path with [i] must be quoted, e.g. "
                              "target: \"thermal.boundaries[0].value\"",
                              y->problem ? y->problem : "unknown problem", y->context,
                              (int)y->context_mark.line + 1, (int)y->context_mark.column + 1));
  if (y->context)
    PetscCall(TwinDeckErrorAt(p->comm, p->file, p->origin, line, col,
                              "YAML syntax error: %s (%s at line %d, column %d)",
                              y->problem ? y->problem : "unknown problem", y->context,
                              (int)y->context_mark.line + 1, (int)y->context_mark.column + 1));
  PetscCall(TwinDeckErrorAt(p->comm, p->file, p->origin, line, col, "YAML syntax error: %s",
                            y->problem ? y->problem : "unknown problem"));
  PetscFunctionReturn(0);
}

static PetscErrorCode NodeCreate(ParseCtx *p, TwinNodeKind kind, yaml_mark_t m, TwinNode *node)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(node));
  (*node)->kind = kind;
  (*node)->line = (int)m.line + 1;
  (*node)->col  = (int)m.column + 1;
  if (p->origin) PetscCall(PetscStrallocpy(p->origin, &(*node)->origin));
  PetscFunctionReturn(0);
}

/* Make room for one more entry in a map or list. */
static PetscErrorCode Grow(TwinNode n, PetscInt *cap, PetscBool map)
{
  PetscInt newcap;

  PetscFunctionBegin;
  if (n->n < *cap) PetscFunctionReturn(0);
  newcap = *cap ? 2 * *cap : 4;
  {
    TwinNode *items;
    PetscCall(PetscCalloc1(newcap, &items));
    if (n->n) PetscCall(PetscArraycpy(items, n->items, n->n));
    PetscCall(PetscFree(n->items));
    n->items = items;
  }
  if (map) {
    char **keys;
    int   *kl, *kc;
    PetscCall(PetscCalloc1(newcap, &keys));
    PetscCall(PetscCalloc1(newcap, &kl));
    PetscCall(PetscCalloc1(newcap, &kc));
    if (n->n) {
      PetscCall(PetscArraycpy(keys, n->keys, n->n));
      PetscCall(PetscArraycpy(kl, n->keyline, n->n));
      PetscCall(PetscArraycpy(kc, n->keycol, n->n));
    }
    PetscCall(PetscFree(n->keys));
    PetscCall(PetscFree(n->keyline));
    PetscCall(PetscFree(n->keycol));
    n->keys    = keys;
    n->keyline = kl;
    n->keycol  = kc;
  }
  *cap = newcap;
  PetscFunctionReturn(0);
}

static int IsNullText(const char *s)
{
  return !s[0] || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* Build the node that starts with event *ev (consumed) into *slot, recursively. */
static PetscErrorCode ParseNode(ParseCtx *p, yaml_event_t *ev, int depth, TwinNode *slot)
{
  yaml_event_type_t type   = ev->type;
  yaml_mark_t       mark   = ev->start_mark;
  const char       *anchor = NULL;
  PetscInt          cap    = 0;
  TwinNode          node;

  PetscFunctionBegin;
  if (type == YAML_SCALAR_EVENT) anchor = (const char *)ev->data.scalar.anchor;
  if (type == YAML_SEQUENCE_START_EVENT) anchor = (const char *)ev->data.sequence_start.anchor;
  if (type == YAML_MAPPING_START_EVENT) anchor = (const char *)ev->data.mapping_start.anchor;
  if (type == YAML_ALIAS_EVENT || anchor) {
    yaml_event_delete(ev);
    PetscCall(TwinDeckErrorAt(p->comm, p->file, p->origin, (int)mark.line + 1, (int)mark.column + 1,
                              "YAML anchors and aliases (&name, *name) are not supported in decks; "
                              "write the value out"));
  }
  if (depth >= TWIN_MAX_DEPTH) {
    yaml_event_delete(ev);
    PetscCall(TwinDeckErrorAt(p->comm, p->file, p->origin, (int)mark.line + 1, (int)mark.column + 1,
                              "nesting deeper than %d levels", TWIN_MAX_DEPTH));
  }
  if (type == YAML_SCALAR_EVENT) {
    const char *val   = (const char *)ev->data.scalar.value;
    const char *tag   = (const char *)ev->data.scalar.tag;
    PetscBool   plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? PETSC_TRUE : PETSC_FALSE;
    PetscBool   str   = tag && !strcmp(tag, YAML_STR_TAG) ? PETSC_TRUE : PETSC_FALSE;
    PetscErrorCode ierr;

    ierr = NodeCreate(p, plain && !str && IsNullText(val) ? TWIN_NODE_NULL : TWIN_NODE_SCALAR, mark,
                      slot);
    if (!ierr) {
      node         = *slot;
      node->quoted = plain && !str ? PETSC_FALSE : PETSC_TRUE;
      if (node->kind == TWIN_NODE_SCALAR) ierr = PetscStrallocpy(val, &node->scalar);
    }
    yaml_event_delete(ev);
    PetscCall(ierr);
    PetscFunctionReturn(0);
  }
  yaml_event_delete(ev);
  PetscCheck(type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT, p->comm,
             PETSC_ERR_PLIB, "%s: unexpected YAML event %d", p->file, (int)type);
  PetscCall(
      NodeCreate(p, type == YAML_MAPPING_START_EVENT ? TWIN_NODE_MAP : TWIN_NODE_SEQ, mark, slot));
  node = *slot;
  for (;;) {
    yaml_event_t e;
    PetscCall(NextEvent(p, &e));
    if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
      yaml_event_delete(&e);
      break;
    }
    if (node->kind == TWIN_NODE_SEQ) {
      PetscCall(Grow(node, &cap, PETSC_FALSE));
      node->n++;
      PetscCall(ParseNode(p, &e, depth + 1, &node->items[node->n - 1]));
      continue;
    }
    /* map: a key, then its value */
    {
      yaml_mark_t km = e.start_mark;
      PetscInt    dup;
      char        what[32];

      if (e.type != YAML_SCALAR_EVENT || e.data.scalar.anchor) {
        PetscStrncpy(what,
                     e.type == YAML_MAPPING_START_EVENT    ? "a map"
                     : e.type == YAML_SEQUENCE_START_EVENT ? "a list"
                                                           : "an alias or anchor",
                     sizeof(what));
        yaml_event_delete(&e);
        PetscCall(TwinDeckErrorAt(p->comm, p->file, p->origin, (int)km.line + 1, (int)km.column + 1,
                                  "a key must be a plain name, not %s", what));
      }
      PetscCall(TwinNodeMapFind(node, (const char *)e.data.scalar.value, &dup));
      if (dup >= 0) {
        char key[TWIN_NAME_LEN];
        PetscStrncpy(key, (const char *)e.data.scalar.value, sizeof(key));
        yaml_event_delete(&e);
        PetscCall(TwinDeckErrorAt(p->comm, p->file, p->origin, (int)km.line + 1, (int)km.column + 1,
                                  "duplicate key '%s' (first given at line %d, column %d)", key,
                                  node->keyline[dup], node->keycol[dup]));
      }
      {
        PetscErrorCode ierr = Grow(node, &cap, PETSC_TRUE);
        if (!ierr) ierr = PetscStrallocpy((const char *)e.data.scalar.value, &node->keys[node->n]);
        yaml_event_delete(&e);
        PetscCall(ierr);
      }
      node->keyline[node->n] = p->origin ? 0 : (int)km.line + 1;
      node->keycol[node->n]  = p->origin ? 0 : (int)km.column + 1;
      node->n++;
      PetscCall(NextEvent(p, &e));
      PetscCall(ParseNode(p, &e, depth + 1, &node->items[node->n - 1]));
    }
  }
  PetscFunctionReturn(0);
}
