/* deckload.c: the life of a TwinDeck. Rank 0 reads the file and broadcasts its bytes; every
 * rank parses and validates the same text, so every rank reaches the same verdict and the
 * same error message without further communication. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "deckimpl.h"

#define TWIN_DECK_MAX_BYTES (64 << 20) /* a deck is text written by people */

/* Read and validate a deck file. Collective on comm. */
PetscErrorCode TwinDeckLoad(MPI_Comm comm, const char path[], TwinDeck *deck)
{
  PetscMPIInt rank;
  long long   info[2] = {0, 0}; /* length (-1: cannot read, -2: too large), errno */
  char       *text    = NULL, dir[TWIN_PATH_LEN];
  const char *slash;

  PetscFunctionBegin;
  *deck = NULL;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    FILE  *f   = fopen(path, "rb");
    size_t cap = 0, len = 0;
    if (!f) info[0] = -1, info[1] = errno;
    while (f) {
      size_t got;
      if (len == cap) {
        char *t;
        if (cap >= TWIN_DECK_MAX_BYTES) {
          info[0] = -2;
          break;
        }
        cap = cap ? 2 * cap : 65536;
        PetscCall(PetscMalloc1(cap, &t));
        if (len) PetscCall(PetscArraycpy(t, text, len));
        PetscCall(PetscFree(text));
        text = t;
      }
      got = fread(text + len, 1, cap - len, f);
      len += got;
      if (got == 0) {
        if (ferror(f))
          info[0] = -1, info[1] = errno ? errno : EIO;
        else
          info[0] = (long long)len;
        break;
      }
    }
    if (f) fclose(f);
  }
  PetscCallMPI(MPI_Bcast(info, 2, MPI_LONG_LONG, 0, comm));
  if (info[0] < 0) {
    PetscCall(PetscFree(text));
    PetscCheck(info[0] != -2, comm, PETSC_ERR_USER, "%s: deck file is larger than %d MiB", path,
               TWIN_DECK_MAX_BYTES >> 20);
    SETERRQ(comm, PETSC_ERR_USER, "cannot read deck file '%s': %s", path, strerror((int)info[1]));
  }
  if (rank) PetscCall(PetscMalloc1(info[0] + 1, &text));
  if (info[0]) PetscCallMPI(MPI_Bcast(text, (int)info[0], MPI_CHAR, 0, comm));
  slash = strrchr(path, '/');
  if (!slash)
    PetscCall(PetscStrncpy(dir, ".", sizeof(dir)));
  else if (slash == path)
    PetscCall(PetscStrncpy(dir, "/", sizeof(dir)));
  else
    PetscCall(PetscStrncpy(dir, path, PetscMin((size_t)(slash - path) + 1, sizeof(dir))));
  {
    PetscErrorCode ierr =
        TwinDeckLoadString(comm, path, dir, text ? text : "", (size_t)info[0], deck);
    PetscCall(PetscFree(text));
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

/* Parse and validate deck text. Collective on comm (mesh file checks are done by rank 0 and
 * broadcast). name is the deck's name in messages (usually its path); dir (NULL: ".")
 * resolves relative paths. */
PetscErrorCode TwinDeckLoadString(MPI_Comm comm, const char name[], const char dir[],
                                  const char text[], size_t len, TwinDeck *deck)
{
  TwinDeck       d;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  *deck = NULL;
  PetscCall(PetscNew(&d));
  d->comm = comm;
  PetscCall(PetscStrncpy(d->path, name ? name : "deck", sizeof(d->path)));
  PetscCall(PetscStrncpy(d->dir, dir && dir[0] ? dir : ".", sizeof(d->dir)));
  ierr = TwinNodeParse(comm, d->path, NULL, text, len, &d->root);
  if (!ierr && !d->root)
    ierr = TwinDeckErrorAt(
        comm, d->path, NULL, 1, 1,
        "the deck is empty (it starts with 'twinfe: 1', then mesh, materials, ...)");
  if (!ierr) ierr = TwinDeckValidate(d);
  if (ierr) {
    PetscCall(TwinDeckDestroy(&d));
    PetscCall(ierr);
  }
  *deck = d;
  PetscFunctionReturn(0);
}

/* Free a deck and its tree; *deck becomes NULL. Not collective. */
PetscErrorCode TwinDeckDestroy(TwinDeck *deck)
{
  PetscFunctionBegin;
  if (!*deck) PetscFunctionReturn(0);
  PetscCall(TwinDeckResetTyped(*deck));
  PetscCall(TwinNodeDestroy(&(*deck)->root));
  PetscCall(PetscFree(*deck));
  PetscFunctionReturn(0);
}
