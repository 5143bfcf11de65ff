/* runlog.c: provenance and a machine-readable log of a run. OUTDIR/manifest.json records what
 * ran (versions, git revision, the deck and its hash, overrides, ranks, groups, threads and the
 * hwloc binding of every rank); OUTDIR/log.jsonl gets one JSON object per event (start, step,
 * solve, output, checkpoint, end), appended and flushed line by line on rank 0, so a
 * job that dies leaves a readable log. */
#include "runlog.h"
#include <twinfe/deck.h>
#include <hwloc.h>
#include <hdf5.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static FILE          *LogFile = NULL;
static PetscLogDouble LogT0;

/* FNV-1a 64-bit hash of a file (identifies the exact deck that ran). */
static unsigned long long HashFile(const char *path, int *ok)
{
  unsigned long long h = 1469598103934665603ULL;
  FILE              *fp = fopen(path, "rb");
  int                ch;
  *ok = fp != NULL;
  if (!fp) return 0;
  while ((ch = fgetc(fp)) != EOF) {
    h ^= (unsigned char)ch;
    h *= 1099511628211ULL;
  }
  fclose(fp);
  return h;
}

/* JSON string escape into out. */
static void Esc(const char *in, char *out, size_t len)
{
  size_t k = 0;
  for (const char *p = in; *p && k + 7 < len; p++) {
    if (*p == '"' || *p == '\\') { out[k++] = '\\'; out[k++] = *p; }
    else if ((unsigned char)*p < 0x20) k += (size_t)snprintf(out + k, len - k, "\\u%04x", (unsigned char)*p);
    else out[k++] = *p;
  }
  out[k] = 0;
}

/*@C
  TwinRunManifest - Write OUTDIR/manifest.json (rank 0) and open OUTDIR/log.jsonl for appending.

  Collective
@*/
PetscErrorCode TwinRunManifest(MPI_Comm comm, const char outdir[], TwinDeck deck, PetscInt nset, const char *const set[], PetscInt groups, PetscBool restart)
{
  PetscMPIInt rank, size;
  char        bind[256] = "unbound", *all = NULL, path[TWIN_PATH_LEN];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscTime(&LogT0));
  { /* each rank's binding, gathered to rank 0 */
    hwloc_topology_t topo;
    hwloc_bitmap_t   cpus = hwloc_bitmap_alloc();
    hwloc_topology_init(&topo);
    hwloc_topology_load(topo);
    if (!hwloc_get_cpubind(topo, cpus, HWLOC_CPUBIND_PROCESS)) hwloc_bitmap_list_snprintf(bind, sizeof(bind), cpus);
    hwloc_bitmap_free(cpus);
    hwloc_topology_destroy(topo);
    if (!rank) PetscCall(PetscMalloc1((size_t)size * sizeof(bind), &all));
    PetscCallMPI(MPI_Gather(bind, sizeof(bind), MPI_CHAR, all, sizeof(bind), MPI_CHAR, 0, comm));
  }
  if (!rank) {
    char       pv[128], mv[MPI_MAX_LIBRARY_VERSION_STRING], e1[2 * TWIN_PATH_LEN], tbuf[64];
    int        len, ok;
    unsigned   h5maj, h5min, h5rel;
    unsigned long long h = HashFile(deck->path, &ok);
    time_t     now = time(NULL);
    FILE      *fp;
    PetscCall(PetscGetVersion(pv, sizeof(pv)));
    PetscCallMPI(MPI_Get_library_version(mv, &len));
    for (char *p = mv; *p; p++)
      if (*p == '\n' || *p == ',') { *p = 0; break; }
    H5get_libversion(&h5maj, &h5min, &h5rel);
    strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/manifest.json", outdir));
    fp = fopen(path, "w");
    PetscCheck(fp, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
    Esc(deck->path, e1, sizeof(e1));
    fprintf(fp, "{\n  \"twinfe_version\": \"%s\",\n  \"git_revision\": \"%s\",\n  \"started\": \"%s\",\n  \"deck\": \"%s\",\n  \"deck_fnv1a64\": \"%016llx\",\n", TWINFE_VERSION, TwinGitRevision(), tbuf, e1, ok ? h : 0ULL);
    fprintf(fp, "  \"overrides\": [");
    for (PetscInt i = 0; i < nset; i++) {
      Esc(set[i], e1, sizeof(e1));
      fprintf(fp, "%s\"%s\"", i ? ", " : "", e1);
    }
    Esc(pv, e1, sizeof(e1));
    fprintf(fp, "],\n  \"restart\": %s,\n  \"petsc\": \"%s\",\n", restart ? "true" : "false", e1);
    Esc(mv, e1, sizeof(e1));
    fprintf(fp, "  \"mpi\": \"%s\",\n  \"hdf5\": \"%u.%u.%u\",\n  \"hwloc\": \"%s\",\n", e1, h5maj, h5min, h5rel, HWLOC_VERSION);
    fprintf(fp, "  \"ranks\": %d,\n  \"groups\": %d,\n  \"omp_threads\": %d,\n  \"binding\": [", size, (int)groups, omp_get_max_threads());
    for (int r = 0; r < size; r++) fprintf(fp, "%s\"%s\"", r ? ", " : "", &all[(size_t)r * sizeof(bind)]);
    fprintf(fp, "]\n}\n");
    PetscCheck(fclose(fp) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write %s", path);
    PetscCall(PetscFree(all));
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/log.jsonl", outdir));
    LogFile = fopen(path, restart ? "a" : "w");
    PetscCheck(LogFile, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot write %s", path);
  }
  PetscCall(TwinRunLog(comm, "start", "\"ranks\": %d, \"groups\": %d, \"restart\": %s", size, (int)groups, restart ? "true" : "false"));
  PetscFunctionReturn(0);
}

/*@C
  TwinRunLog - Append {"event": EVENT, "wall": seconds since start, ...fields} to log.jsonl.
  `fields` is a printf format for the rest of the JSON object (without braces). Collective
  (rank 0 writes); a no-op when no log is open.
@*/
PetscErrorCode TwinRunLog(MPI_Comm comm, const char event[], const char fields[], ...)
{
  PetscMPIInt    rank;
  PetscLogDouble now;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank || !LogFile) PetscFunctionReturn(0);
  PetscCall(PetscTime(&now));
  fprintf(LogFile, "{\"event\": \"%s\", \"wall\": %.3f", event, now - LogT0);
  if (fields && fields[0]) {
    va_list ap;
    fputs(", ", LogFile);
    va_start(ap, fields);
    vfprintf(LogFile, fields, ap);
    va_end(ap);
  }
  fputs("}\n", LogFile);
  fflush(LogFile);
  PetscFunctionReturn(0);
}

/*@C
  TwinRunLogClose - Close log.jsonl. Not collective.
@*/
PetscErrorCode TwinRunLogClose(void)
{
  PetscFunctionBegin;
  if (LogFile) fclose(LogFile);
  LogFile = NULL;
  PetscFunctionReturn(0);
}
