/* deckimpl.h: private to src/deck. The YAML tree builder, error formatting and suggestions,
 * and the validator that turns the tree into the typed TwinDeck. Not installed. */
#ifndef TWINFE_DECKIMPL_H
#define TWINFE_DECKIMPL_H

#include <stdarg.h>
#include <stdio.h>
#include <twinfe/deck.h>
#include <twinfe/ensemble.h>

#if defined(__GNUC__)
#define TWIN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TWIN_PRINTF(f, a)
#endif

/* Parse YAML text into a tree. file names the text in messages; origin (may be NULL) marks
 * every node as coming from somewhere else than the file (a --set override). *root is NULL
 * for an empty stream. Collective only in the sense that every rank gets the same error. */
PETSC_INTERN PetscErrorCode TwinNodeParse(MPI_Comm, const char file[], const char origin[],
                                          const char text[], size_t len, TwinNode *root);
PETSC_INTERN PetscErrorCode TwinNodeDestroy(TwinNode *);
PETSC_INTERN PetscErrorCode TwinNodeMapFind(TwinNode map, const char key[], PetscInt *idx);

/* Small helpers shared by the validators (deckvalidate.c, deckensemble.c, deckassim.c). */
static inline void Fmt(char buf[], size_t len, const char fmt[], ...) TWIN_PRINTF(3, 4);
static inline void Fmt(char buf[], size_t len, const char fmt[], ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
}
/* The value of key in a map node (NULL: absent, or not a map); its index (-1: absent). */
static inline TwinNode Get(TwinNode map, const char key[])
{
  PetscInt i;
  if (!map || map->kind != TWIN_NODE_MAP || TwinNodeMapFind(map, key, &i) || i < 0) return NULL;
  return map->items[i];
}
static inline PetscInt KeyIndex(TwinNode map, const char key[])
{
  PetscInt i;
  if (!map || map->kind != TWIN_NODE_MAP || TwinNodeMapFind(map, key, &i)) return -1;
  return i;
}
/* Rank 0 looks at path; every rank gets *state: 0 readable regular file, 1 missing, 2 not a
 * regular file, 3 not readable (so the error is the same everywhere). Collective. */
PETSC_INTERN PetscErrorCode TwinDeckFileState(MPI_Comm comm, const char path[], int *state);

/* Fill the typed part of deck from deck->root (path, dir, comm and root must be set). */
PETSC_INTERN PetscErrorCode TwinDeckValidate(TwinDeck deck);
/* Free the typed part (materials, boundary conditions, probes) and zero it. */
PETSC_INTERN PetscErrorCode TwinDeckResetTyped(TwinDeck deck);

/* The validator's checks (deckvalidate.c), for deckensemble.c: errors as described below, on
 * deck->comm with deck->path. TwinNodeIsNumber: an unquoted, finite, decimal number. */
PETSC_INTERN PetscBool      TwinNodeIsNumber(TwinNode);
PETSC_INTERN PetscErrorCode TwinDeckCheckKeys(TwinDeck, TwinNode map, const char where[],
                                              const char *const known[], PetscInt nknown);
PETSC_INTERN PetscErrorCode TwinDeckExpectKind(TwinDeck, TwinNode, const char where[], TwinNodeKind,
                                               const char what[]);
PETSC_INTERN PetscErrorCode TwinDeckGetReal(TwinDeck, TwinNode, const char where[], PetscReal *);
PETSC_INTERN PetscErrorCode TwinDeckGetInt(TwinDeck, TwinNode, const char where[], PetscInt *);
PETSC_INTERN PetscErrorCode TwinDeckGetEnum(TwinDeck, TwinNode, const char where[],
                                            const char *const names[], PetscInt n, PetscInt *);
/* Any scalar as a string of at most len - 1 characters. */
PETSC_INTERN PetscErrorCode TwinDeckGetString(TwinDeck, TwinNode, const char where[], char s[],
                                              size_t len);
/* A list of nmin..nmax numbers (no nulls). */
PETSC_INTERN PetscErrorCode TwinDeckGetVector(TwinDeck, TwinNode, const char where[], PetscInt nmin,
                                              PetscInt nmax, PetscReal v[], PetscInt *nv);
/* rel relative to the deck's folder (absolute paths stay) into out[TWIN_PATH_LEN]. */
PETSC_INTERN PetscErrorCode TwinDeckResolve(TwinDeck, TwinNode, const char where[],
                                            const char rel[], char out[]);

/* The sections sensors:, assimilation:, prediction: and synthesize: (deckassim.c), validated
 * last, after the ensemble (spec: its parameters name what is estimated). */
PETSC_INTERN PetscErrorCode TwinDeckValidateAssim(TwinDeck, const TwinEnsembleSpec *spec);

/* Errors: every one is "FILE:LINE:COL: message", or "ORIGIN: message" for nodes that came
 * from a --set override. These always return PETSC_ERR_USER (via SETERRQ on comm). */
PETSC_INTERN PetscErrorCode TwinDeckErrorAt(MPI_Comm, const char file[], const char origin[],
                                            int line, int col, const char fmt[], ...)
    TWIN_PRINTF(6, 7);
PETSC_INTERN PetscErrorCode TwinDeckErrorV(MPI_Comm, const char file[], const char origin[],
                                           int line, int col, const char fmt[], va_list);
PETSC_INTERN PetscErrorCode TwinDeckErrorNode(MPI_Comm, const char file[], TwinNode node,
                                              const char fmt[], ...) TWIN_PRINTF(4, 5);
PETSC_INTERN PetscErrorCode TwinDeckErrorKey(MPI_Comm, const char file[], TwinNode map, PetscInt i,
                                             const char fmt[], ...) TWIN_PRINTF(5, 6);

/* Nearest of known[0..n) to key (known synonyms first, then edit distance <= 2), or NULL. */
PETSC_INTERN const char *TwinDeckSuggest(const char key[], const char *const known[], PetscInt n);
PETSC_INTERN int         TwinEditDistance(const char a[], const char b[]);
/* Short description of a node for messages: 'text', a map, a list, nothing. */
PETSC_INTERN const char *TwinNodeDescribe(TwinNode node, char buf[], size_t len);

#endif
