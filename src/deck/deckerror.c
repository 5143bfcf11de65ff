/* deckerror.c: how deck errors are worded. Every message starts with FILE:LINE:COL (or the
 * --set override a value came from), so an editor can jump to it, and a misspelled key gets
 * the nearest known key as a suggestion: first from a table of usual synonyms (Young -> E),
 * then by edit distance. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "deckimpl.h"

#define TWIN_MSG_LEN 1024

/* Format the message and raise it. Always returns PETSC_ERR_USER. */
PetscErrorCode TwinDeckErrorV(MPI_Comm comm, const char file[], const char origin[], int line,
                              int col, const char fmt[], va_list ap)
{
  char msg[TWIN_MSG_LEN];

  PetscFunctionBegin;
  vsnprintf(msg, sizeof(msg), fmt, ap);
  if (origin) SETERRQ(comm, PETSC_ERR_USER, "%s: %s", origin, msg);
  SETERRQ(comm, PETSC_ERR_USER, "%s:%d:%d: %s", file, line, col, msg);
}

PetscErrorCode TwinDeckErrorAt(MPI_Comm comm, const char file[], const char origin[], int line,
                               int col, const char fmt[], ...)
{
  va_list        ap;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  va_start(ap, fmt);
  ierr = TwinDeckErrorV(comm, file, origin, line, col, fmt, ap);
  va_end(ap);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* Error at the position of a node (the start of its text). */
PetscErrorCode TwinDeckErrorNode(MPI_Comm comm, const char file[], TwinNode node, const char fmt[],
                                 ...)
{
  va_list        ap;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  va_start(ap, fmt);
  ierr = TwinDeckErrorV(comm, file, node ? node->origin : NULL, node ? node->line : 1,
                        node ? node->col : 1, fmt, ap);
  va_end(ap);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* Error at the position of the i-th key of a map. */
PetscErrorCode TwinDeckErrorKey(MPI_Comm comm, const char file[], TwinNode map, PetscInt i,
                                const char fmt[], ...)
{
  va_list        ap;
  PetscErrorCode ierr;
  const char    *origin = NULL;
  int            line = map->keyline[i], col = map->keycol[i];

  PetscFunctionBegin;
  if (line <= 0) { /* a key added by --set */
    origin = map->items[i] && map->items[i]->origin ? map->items[i]->origin : map->origin;
    if (!origin) origin = "--set";
  }
  va_start(ap, fmt);
  ierr = TwinDeckErrorV(comm, file, origin, line, col, fmt, ap);
  va_end(ap);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

const char *TwinNodeDescribe(TwinNode node, char buf[], size_t len)
{
  if (!node || node->kind == TWIN_NODE_NULL) return "nothing (an empty or null value)";
  if (node->kind == TWIN_NODE_MAP) return "a map";
  if (node->kind == TWIN_NODE_SEQ) return "a list";
  if (strlen(node->scalar) > 40)
    snprintf(buf, len, "'%.37s...'", node->scalar);
  else
    snprintf(buf, len, "'%s'", node->scalar);
  if (node->quoted && strlen(buf) + 20 < len) strcat(buf, " (a quoted string)");
  return buf;
}

/* Lower-case letters and digits only: "Young's_Modulus" -> "youngsmodulus". */
static void Normalize(const char in[], char out[], size_t len)
{
  size_t j = 0;
  for (size_t i = 0; in[i] && j + 1 < len; i++)
    if (isalnum((unsigned char)in[i])) out[j++] = (char)tolower((unsigned char)in[i]);
  out[j] = 0;
}

/* Levenshtein distance, case-insensitive; long strings (> 63) count as far apart. */
int TwinEditDistance(const char a[], const char b[])
{
  int    d[64][64];
  size_t na = strlen(a), nb = strlen(b);

  if (na > 63 || nb > 63) return 1000;
  for (size_t i = 0; i <= na; i++)
    d[i][0] = (int)i;
  for (size_t j = 0; j <= nb; j++)
    d[0][j] = (int)j;
  for (size_t i = 1; i <= na; i++) {
    for (size_t j = 1; j <= nb; j++) {
      int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
      int m    = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < m) m = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < m) m = d[i - 1][j - 1] + cost;
      d[i][j] = m;
    }
  }
  return d[na][nb];
}

/* What people write for the keys we know (normalized spelling -> our key). */
static const char *const synonyms[][2] = {
    {"young", "E"},
    {"youngs", "E"},
    {"youngmodulus", "E"},
    {"youngsmodulus", "E"},
    {"elasticmodulus", "E"},
    {"modulus", "E"},
    {"emodulus", "E"},
    {"poisson", "nu"},
    {"poissonratio", "nu"},
    {"poissonsratio", "nu"},
    {"v", "nu"},
    {"rho", "density"},
    {"alpha", "expansion"},
    {"cte", "expansion"},
    {"thermalexpansion", "expansion"},
    {"expansioncoefficient", "expansion"},
    {"k", "conductivity"},
    {"lambda", "conductivity"},
    {"thermalconductivity", "conductivity"},
    {"cp", "specific_heat"},
    {"c", "specific_heat"},
    {"heatcapacity", "specific_heat"},
    {"specificheatcapacity", "specific_heat"},
    {"tref", "reference_temperature"},
    {"t0", "reference_temperature"},
    {"referencetemp", "reference_temperature"},
    {"bc", "boundaries"},
    {"bcs", "boundaries"},
    {"boundary", "boundaries"},
    {"boundaryconditions", "boundaries"},
    {"where", "on"},
    {"boundary", "on"},
    {"surface", "on"},
    {"kind", "type"},
    {"values", "value"},
    {"element", "cell"},
    {"elements", "cell"},
    {"celltype", "cell"},
    {"elementtype", "cell"},
    {"min", "lower"},
    {"max", "upper"},
    {"origin", "lower"},
    {"n", "cells"},
    {"divisions", "cells"},
    {"resolution", "cells"},
    {"ncells", "cells"},
    {"mshfile", "file"},
    {"path", "file"},
    {"degree", "order"},
    {"dir", "directory"},
    {"folder", "directory"},
    {"outdir", "directory"},
    {"petsc", "options"},
    {"petscoptions", "options"},
    {"version", "twinfe"},
    {"format", "twinfe"},
    {"material", "materials"},
    {"mechanical", "mechanics"},
    {"structure", "mechanics"},
    {"probe", "probes"},
    {"position", "at"},
    {"location", "at"},
    {"point", "at"},
    {"x", "at"},
    {"g", "gravity"},
    {"bodyforce", "body_force"},
    {"load", "body_force"},
    {"t", "thickness"},
    {"heat", "thermal"},
    {"thermo", "thermal"},
    {"temperature", "thermal"},
    {"transient", "time"},
    {"timestepping", "time"},
    {"dt", "step"},
    {"timestep", "step"},
    {"deltat", "step"},
    {"tend", "end"},
    {"endtime", "end"},
    {"duration", "end"},
    {"unit", "temperature_unit"},
    {"units", "temperature_unit"},
    {"tunit", "temperature_unit"},
    {"t0", "initial"},
    {"tinit", "initial"},
    {"initialtemperature", "initial"},
    {"source", "sources"},
    {"heatsource", "sources"},
    {"heatsources", "sources"},
    {"htc", "h"},
    {"filmcoefficient", "h"},
    {"heattransfercoefficient", "h"},
    {"tamb", "ambient"},
    {"tinf", "ambient"},
    {"ambienttemperature", "ambient"},
    {"epsilon", "emissivity"},
    {"eps", "emissivity"},
    {"coupled", "coupling"},
    {"interval", "every"},
    {"outputinterval", "every"},
    {"sine", "sin"},
    {"sinus", "sin"},
    {"linear", "ramp"},
    {"piecewise", "table"},
    {"heaviside", "step"},
    {"amp", "amplitude"},
    {"offset", "mean"},
    {"shift", "phase"},
    {"samples", "members"},
    {"nsamples", "members"},
    {"size", "members"},
    {"nmembers", "members"},
    {"params", "parameters"},
    {"uncertain", "parameters"},
    {"path", "target"},
    {"key", "target"},
    {"latin", "lhs"},
    {"latinhypercube", "lhs"},
    {"montecarlo", "mc"},
    {"random", "mc"},
    {"qmc", "sobol"},
    {"gauss", "normal"},
    {"gaussian", "normal"},
    {"truncnormal", "truncated_normal"},
    {"truncatednormal", "truncated_normal"},
    {"truncated", "truncated_normal"},
    {"sd", "std"},
    {"sigma", "std"},
    {"stddev", "std"},
    {"mu", "mean"},
    {"min", "low"},
    {"max", "high"},
    {"correlations", "correlation"},
    {"quantiles", "statistics"},
    {"stats", "statistics"},
    {"vonmises", "von_mises"},
    {"mises", "von_mises"},
};

const char *TwinDeckSuggest(const char key[], const char *const known[], PetscInt n)
{
  char        nk[64], nc[64];
  const char *best  = NULL;
  int         bestd = 1000;
  size_t      len   = strlen(key);

  Normalize(key, nk, sizeof(nk));
  for (size_t s = 0; s < sizeof(synonyms) / sizeof(synonyms[0]); s++) {
    if (strcmp(nk, synonyms[s][0])) continue;
    for (PetscInt i = 0; i < n; i++)
      if (!strcmp(known[i], synonyms[s][1])) return known[i];
  }
  for (PetscInt i = 0; i < n; i++) {
    int d;
    Normalize(known[i], nc, sizeof(nc));
    if (nk[0] && !strcmp(nk, nc)) return known[i]; /* differs only in case or punctuation */
    d = TwinEditDistance(key, known[i]);
    if (d < bestd) bestd = d, best = known[i];
  }
  /* close enough to be a typo, and not just any short word */
  if (best && bestd <= 2 && (size_t)bestd < len && (size_t)bestd < strlen(best)) return best;
  return NULL;
}
