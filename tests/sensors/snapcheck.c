/* snapcheck.c: test driver of the sensor-layout and snapshot readers and writers (obs.h), run by
 * tests/sensors/run.sh on 1 and 2 ranks. Independent of `twinfe run`.
 *
 *   snapcheck batch MANIFEST   one case per line, tab-separated: MODE FILE EXPECTED
 *       MODE     snap         TwinSnapshotRead against the built-in layout below, with
 *                             assimilation.start = 2026-11-26T08:00:00Z
 *                snap-nostart the same without an assimilation.start (start_epoch NaN)
 *                layout       TwinSensorLayoutRead
 *                glob         TwinSnapshotGlob (FILE is the pattern)
 *       EXPECTED the exact error message (a trailing * : a prefix of it), or for a file that must be accepted a summary:
 *                snap:   "ok t=T n=N name:value:sigma ..."
 *                layout: "ok n=N name:kind:x,y,z:dx,dy,dz:sigma ..."
 *                glob:   "ok N basename ..."            (numbers printed with %g)
 *       Every rank must get the same result, and no HDF5 object may stay open after a case.
 *   snapcheck roundtrip DIR    writers then readers (layout, snapshot with and without sigma),
 *                              ISO-8601 timestamps, glob of files being written, the writers'
 *                              refusals, TwinSensorsFromDeck on a hand-made deck.
 * Prints "ok ..." or "FAIL ..." per check on rank 0; exit status 0 when everything passed, 1
 * otherwise. Built by `make build/tests/sensors/snapcheck`. */
#include <twinfe/obs.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static PetscMPIInt rank, size;
static int         failures = 0;

#define NLAYOUT 5
static TwinSensor layout[NLAYOUT] = {
  {"tc1", TWIN_SENSOR_TEMPERATURE, {0.1, 0.05, 0}, {0, 0, 0}, 0.5, 0, 0},
  {"tc2", TWIN_SENSOR_TEMPERATURE, {0.2, 0.05, 0}, {0, 0, 0}, 0.5, 0, 0},
  {"tc3", TWIN_SENSOR_TEMPERATURE, {0.3, 0.05, 0}, {0, 0, 0}, 0.25, 0, 0},
  {"d1", TWIN_SENSOR_DISPLACEMENT, {0.4, 0.1, 0}, {1, 0, 0}, 1e-5, 0, 0},
  {"s1", TWIN_SENSOR_STRAIN, {0.2, 0.0, 0}, {0, 1, 0}, 1e-6, 0, 0},
};

static const char *KindName(TwinSensorKind k)
{
  return k == TWIN_SENSOR_TEMPERATURE ? "temperature" : k == TWIN_SENSOR_DISPLACEMENT ? "displacement" : k == TWIN_SENSOR_STRAIN ? "strain" : "?";
}

static void Append(char *buf, size_t len, const char *fmt, ...)
{
  size_t  k = strlen(buf);
  va_list ap;
  if (k + 1 >= len) return;
  va_start(ap, fmt);
  vsnprintf(buf + k, len - k, fmt, ap);
  va_end(ap);
}

/* The message of a failed call (PetscReturnErrorHandler is pushed). */
static void ErrorText(PetscErrorCode ierr, char out[], size_t len)
{
  const char *text     = NULL;
  char       *specific = NULL;
  PetscErrorMessage(ierr, &text, &specific);
  snprintf(out, len, "%s", specific && specific[0] ? specific : (text ? text : "?"));
}

/* Same string on every rank? */
static PetscBool SameEverywhere(const char s[])
{
  unsigned long h = 5381, mn, mx;
  for (const char *p = s; *p; p++) h = h * 33 + (unsigned char)*p;
  MPI_Allreduce(&h, &mn, 1, MPI_UNSIGNED_LONG, MPI_MIN, PETSC_COMM_WORLD);
  MPI_Allreduce(&h, &mx, 1, MPI_UNSIGNED_LONG, MPI_MAX, PETSC_COMM_WORLD);
  return mn == mx ? PETSC_TRUE : PETSC_FALSE;
}

static void Report(int ok, const char what[], const char expected[], const char got[])
{
  if (!ok) failures++;
  if (rank) return;
  if (ok) printf("ok   %s\n", what);
  else {
    printf("FAIL %s\n", what);
    if (expected) printf("     expected: %s\n", expected);
    if (got) printf("     got:      %s\n", got);
  }
  fflush(stdout);
}

static void RunCase(const char mode[], const char file[], const char expected[])
{
  char           got[8192] = "", what[4200];
  PetscErrorCode ierr      = 0;
  ssize_t        open;

  if (!strcmp(mode, "snap") || !strcmp(mode, "snap-nostart")) {
    TwinSnapshot snap;
    double       start = NAN;
    if (!strcmp(mode, "snap")) TwinParseTimestamp("2026-11-26T08:00:00Z", &start);
    ierr = TwinSnapshotRead(PETSC_COMM_WORLD, file, NLAYOUT, layout, start, &snap);
    if (!ierr) {
      snprintf(got, sizeof(got), "ok t=%g n=%d", (double)snap.time, (int)snap.n);
      for (PetscInt i = 0; i < snap.n; i++) Append(got, sizeof(got), " %s:%g:%g", layout[snap.sensor[i]].name, (double)snap.value[i], (double)snap.sigma[i]);
      TwinSnapshotDestroy(&snap);
    }
  } else if (!strcmp(mode, "layout")) {
    PetscInt    n;
    TwinSensor *s;
    ierr = TwinSensorLayoutRead(PETSC_COMM_WORLD, file, &n, &s);
    if (!ierr) {
      snprintf(got, sizeof(got), "ok n=%d", (int)n);
      for (PetscInt i = 0; i < n; i++)
        Append(got, sizeof(got), " %s:%s:%g,%g,%g:%g,%g,%g:%g", s[i].name, KindName(s[i].kind), (double)s[i].x[0], (double)s[i].x[1], (double)s[i].x[2], (double)s[i].dir[0],
               (double)s[i].dir[1], (double)s[i].dir[2], (double)s[i].sigma);
      PetscFree(s);
    }
  } else if (!strcmp(mode, "glob")) {
    PetscInt n;
    char   **f;
    ierr = TwinSnapshotGlob(PETSC_COMM_WORLD, file, &n, &f);
    if (!ierr) {
      snprintf(got, sizeof(got), "ok %d", (int)n);
      for (PetscInt i = 0; i < n; i++) {
        const char *b = strrchr(f[i], '/');
        Append(got, sizeof(got), " %s", b ? b + 1 : f[i]);
        PetscFree(f[i]);
      }
      PetscFree(f);
    }
  } else snprintf(got, sizeof(got), "unknown mode %s", mode);
  if (ierr) ErrorText(ierr, got, sizeof(got));
  snprintf(what, sizeof(what), "%s %s", mode, file);
  open = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (open != 0) {
    char leak[64];
    snprintf(leak, sizeof(leak), "%ld HDF5 objects left open", (long)open);
    Report(0, what, "no HDF5 object left open", leak);
  } else if (!SameEverywhere(got)) Report(0, what, "the same result on every rank", got);
  else if (ierr && ierr != PETSC_ERR_FILE_UNEXPECTED && ierr != PETSC_ERR_FILE_READ) Report(0, what, "PETSC_ERR_FILE_UNEXPECTED", got);
  else if (strchr(got, '\n')) Report(0, what, "a one-line message", got);
  else {
    size_t l = strlen(expected);
    int    prefix = l > 0 && expected[l - 1] == '*'; /* "...*": HDF5's own words follow */
    Report(prefix ? !strncmp(got, expected, l - 1) : !strcmp(got, expected), what, expected, got);
  }
}

static void Batch(const char manifest[])
{
  FILE *f = fopen(manifest, "r");
  char  line[16384];

  if (!f) {
    Report(0, manifest, "a readable manifest", "cannot open");
    return;
  }
  while (fgets(line, sizeof(line), f)) {
    char *mode = line, *file, *exp, *nl;
    if ((nl = strchr(line, '\n'))) *nl = 0;
    if (!line[0] || line[0] == '#') continue;
    file = strchr(mode, '\t');
    if (!file) continue;
    *file++ = 0;
    exp     = strchr(file, '\t');
    if (!exp) continue;
    *exp++ = 0;
    RunCase(mode, file, exp);
  }
  fclose(f);
}

/* ---- round trips ------------------------------------------------------------------------ */
static int Same(double a, double b)
{
  return (isnan(a) && isnan(b)) || a == b;
}

static void Timestamps(void)
{
  static const struct {
    const char *text;
    double      epoch; /* NaN: must be refused */
  } cases[] = {
    {"1970-01-01T00:00:00Z", 0},
    {"2026-11-26T08:00:00Z", 1795680000},
    {"2026-11-26T08:00:00", 1795680000},
    {"2026-11-26 08:00:00Z", 1795680000},
    {"2026-11-26T09:00:00+01:00", 1795680000},
    {"2026-11-26T09:00:00+0100", 1795680000},
    {"2026-11-26T09:00:00+01", 1795680000},
    {"2026-11-26T03:30:00-04:30", 1795680000},
    {"2026-11-26T08:00Z", 1795680000},
    {"2026-11-26T08:00:00.25Z", 1795680000.25},
    {"2026-11-26T09:00:00,5+01:00", 1795680000.5},
    {"2000-02-29T12:00:00Z", 951825600},
    {"2026-11-26T08:00:60Z", 1795680060},
    {"  2026-11-26T08:00:00Z ", 1795680000},
    {"2026-02-29T00:00:00Z", NAN},
    {"2026-13-01T00:00:00Z", NAN},
    {"2026-11-26", NAN},
    {"2026-11-26T24:00:00Z", NAN},
    {"2026-11-26T08:00:00Q", NAN},
    {"2026-11-26T08:00:00.Z", NAN},
    {"26-11-26T08:00:00Z", NAN},
    {"yesterday", NAN},
    {"", NAN},
    {"2026-11-26T08:00:00+1:00", NAN},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    double e   = -1;
    int    r   = TwinParseTimestamp(cases[i].text, &e);
    int    ok  = isnan(cases[i].epoch) ? r != 0 : (r == 0 && fabs(e - cases[i].epoch) < 1e-6);
    char   what[128], exp[64], got[64];
    snprintf(what, sizeof(what), "timestamp \"%s\"", cases[i].text);
    snprintf(exp, sizeof(exp), isnan(cases[i].epoch) ? "refused" : "%.17g", cases[i].epoch);
    snprintf(got, sizeof(got), r ? "refused" : "%.17g", e);
    Report(ok, what, exp, got);
  }
}

static PetscErrorCode RoundTrip(const char dir[])
{
  char           path[PETSC_MAX_PATH_LEN], got[4096];
  PetscInt       n;
  TwinSensor     in[NLAYOUT], *out;
  TwinSnapshot   snap = {0}, back;
  PetscErrorCode ierr;
  int            ok;

  PetscFunctionBeginUser;
  /* layout: directions not normalized on input, normalized on output */
  PetscCall(PetscArraycpy(in, layout, NLAYOUT));
  in[3].dir[0] = 3;
  in[3].dir[1] = 4;
  in[4].dir[1] = -2;
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/layout.h5", dir));
  PetscCall(TwinSensorLayoutWrite(PETSC_COMM_WORLD, path, NLAYOUT, in));
  PetscCall(TwinSensorLayoutRead(PETSC_COMM_WORLD, path, &n, &out));
  ok = n == NLAYOUT;
  for (PetscInt i = 0; ok && i < n; i++) {
    ok = !strcmp(out[i].name, in[i].name) && out[i].kind == in[i].kind && out[i].sigma == in[i].sigma;
    for (int k = 0; k < 3; k++) ok = ok && out[i].x[k] == in[i].x[k];
  }
  ok = ok && fabs(out[3].dir[0] - 0.6) < 1e-15 && fabs(out[3].dir[1] - 0.8) < 1e-15 && out[3].dir[2] == 0 && out[4].dir[1] == -1 && out[0].dir[0] == 0;
  Report(ok, "layout write then read: equal (directions normalized)", NULL, NULL);
  PetscCall(PetscFree(out));
  /* snapshot with sigma, a missing value, layout order shuffled */
  {
    PetscInt  idx[3] = {4, 0, 2};
    PetscReal val[3] = {1.5e-4, NAN, 21.25}, sig[3] = {2e-6, 0.75, 0.125};
    snap.time        = 3600.5;
    snap.n           = 3;
    snap.sensor      = idx;
    snap.value       = val;
    snap.sigma       = sig;
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/snap_0001.h5", dir));
    PetscCall(TwinSnapshotWrite(PETSC_COMM_WORLD, path, &snap, layout));
    PetscCall(TwinSnapshotRead(PETSC_COMM_WORLD, path, NLAYOUT, layout, NAN, &back));
    ok = back.n == 3 && back.time == snap.time && !strcmp(back.file, path);
    for (PetscInt i = 0; ok && i < 3; i++) ok = back.sensor[i] == idx[i] && Same(back.value[i], val[i]) && back.sigma[i] == sig[i];
    Report(ok, "snapshot write then read: equal (NaN kept)", NULL, NULL);
    PetscCall(TwinSnapshotDestroy(&back));
    /* without sigma: the layout's is written */
    snap.sigma = NULL;
    snap.time  = 0;
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/snap_0000.h5", dir));
    PetscCall(TwinSnapshotWrite(PETSC_COMM_WORLD, path, &snap, layout));
    PetscCall(TwinSnapshotRead(PETSC_COMM_WORLD, path, NLAYOUT, layout, NAN, &back));
    ok = back.n == 3 && back.time == 0;
    for (PetscInt i = 0; ok && i < 3; i++) ok = back.sigma[i] == layout[idx[i]].sigma;
    Report(ok, "snapshot without sigma: the layout's sigma", NULL, NULL);
    PetscCall(TwinSnapshotDestroy(&back));
    /* the writers refuse what the readers would refuse */
    val[0] = INFINITY;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/snap_bad.h5", dir));
    ierr = TwinSnapshotWrite(PETSC_COMM_WORLD, path, &snap, layout);
    PetscCall(PetscPopErrorHandler());
    if (ierr) ErrorText(ierr, got, sizeof(got));
    Report(ierr != 0 && access(path, F_OK) != 0, "snapshot writer refuses an infinite value", "an error and no file", ierr ? got : "written");
  }
  PetscCall(PetscArraycpy(in, layout, NLAYOUT));
  PetscCall(PetscStrncpy(in[2].name, "tc1", sizeof(in[2].name)));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/layout_bad.h5", dir));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = TwinSensorLayoutWrite(PETSC_COMM_WORLD, path, NLAYOUT, in);
  PetscCall(PetscPopErrorHandler());
  if (ierr) ErrorText(ierr, got, sizeof(got));
  Report(ierr != 0 && access(path, F_OK) != 0, "layout writer refuses a duplicate name", "an error and no file", ierr ? got : "written");
  /* glob: sorted, without files being written and folders */
  if (rank == 0) {
    FILE *f;
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/snap_0002.h5.tmp.12345", dir));
    f = fopen(path, "w");
    if (f) fclose(f);
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/snap_0003.h5.tmp", dir));
    f = fopen(path, "w");
    if (f) fclose(f);
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/snap_dir", dir));
    mkdir(path, 0755);
  }
  MPI_Barrier(PETSC_COMM_WORLD);
  {
    char   **files;
    PetscInt nf;
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/snap_*", dir));
    PetscCall(TwinSnapshotGlob(PETSC_COMM_WORLD, path, &nf, &files));
    got[0] = 0;
    for (PetscInt i = 0; i < nf; i++) {
      Append(got, sizeof(got), "%s%s", i ? " " : "", strrchr(files[i], '/') + 1);
      PetscCall(PetscFree(files[i]));
    }
    PetscCall(PetscFree(files));
    Report(!strcmp(got, "snap_0000.h5 snap_0001.h5") && SameEverywhere(got), "glob: sorted, skips NAME.tmp*, folders and refused writes", "snap_0000.h5 snap_0001.h5", got);
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/nothing_*.h5", dir));
    PetscCall(TwinSnapshotGlob(PETSC_COMM_WORLD, path, &nf, &files));
    Report(nf == 0 && !files, "glob without a match: no files, no error", NULL, NULL);
  }
  /* TwinSensorsFromDeck on a hand-made deck */
  {
    TwinDeck deck;
    PetscCall(PetscNew(&deck));
    deck->comm = PETSC_COMM_WORLD;
    PetscCall(PetscStrncpy(deck->path, "plate.yaml", sizeof(deck->path)));
    deck->sensors.enabled = PETSC_TRUE;
    deck->sensors.line    = 20;
    deck->sensors.col     = 1;
    PetscCall(PetscMalloc1(NLAYOUT, &deck->sensors.list));
    PetscCall(PetscArraycpy(deck->sensors.list, layout, NLAYOUT));
    for (PetscInt i = 0; i < NLAYOUT; i++) {
      deck->sensors.list[i].line = 21 + (int)i;
      deck->sensors.list[i].col  = 5;
    }
    deck->sensors.list[3].dir[0] = -2;
    deck->sensors.n              = NLAYOUT;
    PetscCall(TwinSensorsFromDeck(deck, &n, &out));
    Report(n == NLAYOUT && out[3].dir[0] == -1 && !strcmp(out[4].name, "s1"), "TwinSensorsFromDeck: inline list copied, direction normalized", NULL, NULL);
    PetscCall(PetscFree(out));
    PetscCall(PetscStrncpy(deck->sensors.list[4].name, "tc2", TWIN_NAME_LEN));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = TwinSensorsFromDeck(deck, &n, &out);
    PetscCall(PetscPopErrorHandler());
    if (ierr) ErrorText(ierr, got, sizeof(got));
    {
      const char *exp = "plate.yaml:25:5: sensor name tc2 is used twice (also at 22:5; names must be unique)";
      Report(ierr && !strcmp(got, exp), "TwinSensorsFromDeck: duplicate inline name", exp, ierr ? got : "accepted");
    }
    PetscCall(PetscStrncpy(deck->sensors.list[4].name, "s1", TWIN_NAME_LEN));
    deck->sensors.list[4].sigma = 0;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = TwinSensorsFromDeck(deck, &n, &out);
    PetscCall(PetscPopErrorHandler());
    if (ierr) ErrorText(ierr, got, sizeof(got));
    {
      const char *exp = "plate.yaml:25:5: sensor s1: sigma is 0 (expected a finite standard deviation > 0)";
      Report(ierr && !strcmp(got, exp), "TwinSensorsFromDeck: sigma 0 inline", exp, ierr ? got : "accepted");
    }
    PetscCall(PetscSNPrintf(deck->sensors.layout, sizeof(deck->sensors.layout), "%s/layout.h5", dir));
    PetscCall(TwinSensorsFromDeck(deck, &n, &out));
    Report(n == NLAYOUT && fabs(out[3].dir[0] - 0.6) < 1e-15, "TwinSensorsFromDeck: layout file", NULL, NULL);
    PetscCall(PetscFree(out));
    PetscCall(PetscSNPrintf(deck->sensors.layout, sizeof(deck->sensors.layout), "%s/no_such_layout.h5", dir));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = TwinSensorsFromDeck(deck, &n, &out);
    PetscCall(PetscPopErrorHandler());
    if (ierr) ErrorText(ierr, got, sizeof(got));
    {
      char exp[PETSC_MAX_PATH_LEN + 128];
      PetscCall(PetscSNPrintf(exp, sizeof(exp), "plate.yaml:20:1: sensors.layout: %s: cannot open (No such file or directory)", deck->sensors.layout));
      Report(ierr && !strcmp(got, exp), "TwinSensorsFromDeck: missing layout file", exp, ierr ? got : "accepted");
    }
    PetscCall(PetscFree(deck->sensors.list));
    PetscCall(PetscFree(deck));
  }
  Report(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) == 0, "no HDF5 object left open", NULL, NULL);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  if (argc != 3 || (strcmp(argv[1], "batch") && strcmp(argv[1], "roundtrip"))) {
    if (!rank) fprintf(stderr, "usage: snapcheck batch MANIFEST | snapcheck roundtrip DIR\n");
    PetscCall(PetscFinalize());
    return 2;
  }
  if (!strcmp(argv[1], "batch")) {
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    Batch(argv[2]);
    PetscCall(PetscPopErrorHandler());
  } else {
    if (!rank) Timestamps();
    PetscCall(RoundTrip(argv[2]));
  }
  MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  if (!rank) printf("snapcheck %s on %d rank%s: %s\n", argv[1], size, size > 1 ? "s" : "", failures ? "FAILED" : "passed");
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
