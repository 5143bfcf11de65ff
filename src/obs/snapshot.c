/* snapshot.c: snapshot files (one observation time each; untrusted input), their discovery by a
 * glob pattern, and ISO-8601 timestamps. The format and the reader's checks, in the order
 * applied, are in docs/formats.md ("Snapshot"); the defensive HDF5 helpers in sensorfile.c. */
#include "obsfile.h"
#include <ctype.h>
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ISO-8601 -------------------------------------------------------------------------- */
static int Digits(const char **p, int n, int *v)
{
  *v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)(*p)[i])) return 1;
    *v = 10 * *v + ((*p)[i] - '0');
  }
  *p += n;
  return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static long long DaysFromCivil(long long y, int m, int d)
{
  long long era;
  unsigned  yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (unsigned)(y - era * 400);
  doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (long long)doe - 719468;
}

/*@C
  TwinParseTimestamp - ISO-8601 date-time to Unix seconds: YYYY-MM-DDTHH:MM[:SS[.fff]][zone],
  'T' or a space between date and time, zone Z, +HH:MM, +HHMM, +HH (or -), none = UTC;
  fractional seconds with '.' or ','; surrounding blanks ignored. 0 on success. Not collective.
@*/
int TwinParseTimestamp(const char text[], double *epoch)
{
  const char *p = text;
  int         Y, M, D, h, mi, s = 0, oh = 0, om = 0, sign = 0;
  double      frac = 0, scale = 0.1;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

  if (!text || !epoch) return 1;
  *epoch = 0;
  while (*p == ' ' || *p == '\t') p++;
  if (Digits(&p, 4, &Y) || *p++ != '-' || Digits(&p, 2, &M) || *p++ != '-' || Digits(&p, 2, &D)) return 1;
  if (*p != 'T' && *p != 't' && *p != ' ') return 1;
  p++;
  if (Digits(&p, 2, &h) || *p++ != ':' || Digits(&p, 2, &mi)) return 1;
  if (*p == ':') {
    p++;
    if (Digits(&p, 2, &s)) return 1;
    if (*p == '.' || *p == ',') {
      p++;
      if (!isdigit((unsigned char)*p)) return 1;
      for (; isdigit((unsigned char)*p); p++, scale *= 0.1) frac += (*p - '0') * scale;
    }
  }
  if (*p == 'Z' || *p == 'z') p++;
  else if (*p == '+' || *p == '-') {
    sign = *p++ == '+' ? 1 : -1;
    if (Digits(&p, 2, &oh)) return 1;
    if (*p == ':') {
      p++;
      if (Digits(&p, 2, &om)) return 1;
    } else if (isdigit((unsigned char)*p) && Digits(&p, 2, &om)) return 1;
  }
  while (*p == ' ' || *p == '\t') p++;
  if (*p) return 1;
  if (M < 1 || M > 12 || D < 1) return 1;
  {
    int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (D > mdays[M - 1] + (M == 2 && leap)) return 1;
  }
  if (h > 23 || mi > 59 || s > 60 || oh > 23 || om > 59) return 1; /* s = 60: a leap second */
  *epoch = (double)(DaysFromCivil(Y, M, D) * 86400LL + h * 3600LL + mi * 60LL + s) + frac - sign * (oh * 3600.0 + om * 60.0);
  return 0;
}

/* ---- parse ----------------------------------------------------------------------------- */
static const char *NonFinite(double v)
{
  return isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
}

/* "FILE: sensor "tc9" (entry 4 of /names) is not in the sensor layout (known: ...; did you mean ...)" */
static int FailUnknown(TwinRd *rd, const char name[], hsize_t entry, PetscInt nsensors, const TwinSensor sensors[])
{
  char        known[TWIN_OBS_KNOWN_SHOWN * (TWIN_NAME_LEN + 2) + 8] = "", q[64];
  const char *sug = TwinNameSuggest(name, nsensors, sensors);
  size_t      k   = 0;

  for (PetscInt i = 0; i < nsensors && i < TWIN_OBS_KNOWN_SHOWN; i++) {
    snprintf(known + k, sizeof(known) - k, "%s%s", i ? ", " : "", sensors[i].name);
    k = strlen(known);
  }
  if (nsensors > TWIN_OBS_KNOWN_SHOWN) snprintf(known + k, sizeof(known) - k, ", ... (%lld in all)", (long long)nsensors);
  return TwinRdFail(rd, "sensor \"%s\" (entry %llu of /names) is not in the sensor layout (known: %s%s%s%s)", TwinRdQuote(name, q, sizeof(q)), (unsigned long long)entry, known,
                    sug ? "; did you mean \"" : "", sug ? sug : "", sug ? "\"?" : "");
}

/* A 1-D numeric dataset with one entry per name. */
static int ReadPerName(TwinRd *rd, TwinRdDset *d, hsize_t m, double **v)
{
  char shape[64];

  if (d->ndims != 1) return TwinRdFail(rd, "dataset %s has shape %s (expected [%llu], one value per entry of /names)", d->label, TwinRdShape(d, shape, sizeof(shape)), (unsigned long long)m);
  if (d->dims[0] != m) return TwinRdFail(rd, "dataset %s has %llu entries but /names has %llu", d->label, (unsigned long long)d->dims[0], (unsigned long long)m);
  *v = (double *)malloc((size_t)m * sizeof(double));
  if (!*v) return TwinRdFail(rd, "out of memory reading %s", d->label);
  return TwinRdDsetReals(rd, d, *v);
}

/*@C
  TwinSnapshotParse - Parse a snapshot file on the calling process only (no MPI, no PETSc error
  handler, no HDF5 error printing). See obs.h; the checks are listed in docs/formats.md. On
  success snap->sensor/value/sigma are PetscMalloc'ed (TwinSnapshotDestroy); on failure snap is
  zeroed (file set) and nothing is left allocated or open.
@*/
int TwinSnapshotParse(const char path[], PetscInt nsensors, const TwinSensor sensors[], double start_epoch, TwinSnapshot *snap, char msg[], size_t msglen)
{
  TwinRd         rd;
  hid_t          file = -1;
  TwinRdDset     dn, dv, ds;
  char(*names)[TWIN_NAME_LEN] = NULL, ts[TWIN_OBS_MAX_STR + 1], q[64], shape[64];
  double        *val = NULL, *sig = NULL, t = 0, epoch;
  PetscInt      *first = NULL, *idx = NULL;
  PetscReal     *ov = NULL, *os = NULL;
  TwinNameIndex *tab = NULL;
  hsize_t        m   = 0;
  int            bad = 0, ht, hs, hsig;

  memset(snap, 0, sizeof(*snap));
  if (path) snprintf(snap->file, sizeof(snap->file), "%s", path);
  dn.dset = dv.dset = ds.dset = -1;
  dn.type = dv.type = ds.type = -1;
  dn.space = dv.space = ds.space = -1;
  TwinRdBegin(&rd, path, msg, msglen);
  if (!path || !path[0]) {
    bad = TwinRdFail(&rd, "no file name");
    goto done;
  }
  if (nsensors < 1 || !sensors) {
    bad = TwinRdFail(&rd, "cannot be read without a sensor layout (the deck has no sensors)");
    goto done;
  }
  if ((bad = TwinRdOpenFile(&rd, &file))) goto done;
  if ((bad = TwinRdCheckVersion(&rd, file))) goto done;
  /* the time */
  if ((bad = TwinRdAttrReal(&rd, file, "time", &ht, &t))) goto done;
  if ((bad = TwinRdAttrString(&rd, file, "timestamp", &hs, ts))) goto done;
  if (ht && hs) {
    bad = TwinRdFail(&rd, "has both attributes time and timestamp (expected one: time, seconds of model time, or timestamp, an ISO-8601 date-time)");
    goto done;
  }
  if (!ht && !hs) {
    bad = TwinRdFail(&rd, "has no attribute time or timestamp (expected time, seconds of model time, or timestamp, an ISO-8601 date-time)");
    goto done;
  }
  if (ht) {
    if (!isfinite(t)) {
      bad = TwinRdFail(&rd, "attribute time is %s (expected a finite number of seconds of model time)", NonFinite(t));
      goto done;
    }
    if (t < 0) {
      bad = TwinRdFail(&rd, "attribute time is %.17g s, before the start of the model (expected time >= 0)", t);
      goto done;
    }
  } else {
    if (TwinParseTimestamp(ts, &epoch)) {
      bad = TwinRdFail(&rd, "attribute timestamp \"%s\" is not an ISO-8601 date-time (expected e.g. 2026-11-26T08:00:00Z or 2026-11-26T09:00:00.5+01:00)", TwinRdQuote(ts, shape, sizeof(shape)));
      goto done;
    }
    if (!isfinite(start_epoch)) {
      bad = TwinRdFail(&rd, "has a timestamp (%s) but the deck has no assimilation.start to map it to model time (expected assimilation.start in the deck, or the attribute time in the file)",
                       TwinRdQuote(ts, shape, sizeof(shape)));
      goto done;
    }
    t = epoch - start_epoch;
    if (t < 0) {
      bad = TwinRdFail(&rd, "timestamp %s is %.17g s before assimilation.start (expected a time at or after the start of the model)", TwinRdQuote(ts, shape, sizeof(shape)), -t);
      goto done;
    }
  }
  /* the names */
  if ((bad = TwinRdDsetOpen(&rd, file, "names", "/names", H5T_STRING, &ht, &dn))) goto done;
  if (!ht) {
    bad = TwinRdFail(&rd, "has no dataset /names (expected the sensor names, strings [n])");
    goto done;
  }
  if (dn.ndims != 1) {
    bad = TwinRdFail(&rd, "dataset /names has shape %s (expected [n], one sensor name per observation)", TwinRdShape(&dn, shape, sizeof(shape)));
    goto done;
  }
  m = dn.dims[0];
  if (m == 0) {
    bad = TwinRdFail(&rd, "has no observations (/names is empty)");
    goto done;
  }
  if (m > (hsize_t)nsensors) {
    bad = TwinRdFail(&rd, "dataset /names has %llu entries but the sensor layout has %lld sensors (expected each sensor at most once)", (unsigned long long)m, (long long)nsensors);
    goto done;
  }
  /* the values and sigma: shapes before any reading */
  if ((bad = TwinRdDsetOpen(&rd, file, "values", "/values", H5T_FLOAT, &ht, &dv))) goto done;
  if (!ht) {
    bad = TwinRdFail(&rd, "has no dataset /values (expected the observed values, float64 [%llu])", (unsigned long long)m);
    goto done;
  }
  if ((bad = TwinRdDsetOpen(&rd, file, "sigma", "/sigma", H5T_FLOAT, &hsig, &ds))) goto done;
  names = calloc((size_t)m, sizeof(*names));
  if (!names) {
    bad = TwinRdFail(&rd, "out of memory for %llu names", (unsigned long long)m);
    goto done;
  }
  if ((bad = TwinRdDsetNames(&rd, &dn, names))) goto done;
  if ((bad = ReadPerName(&rd, &dv, m, &val))) goto done;
  if (hsig && (bad = ReadPerName(&rd, &ds, m, &sig))) goto done;
  /* names against the layout, values, sigma: the first defect in entry order */
  tab   = TwinNameTableCreate(nsensors, sensors);
  first = (PetscInt *)malloc((size_t)nsensors * sizeof(PetscInt));
  idx   = (PetscInt *)TwinObsMalloc((size_t)m, sizeof(PetscInt));
  ov    = (PetscReal *)TwinObsMalloc((size_t)m, sizeof(PetscReal));
  os    = (PetscReal *)TwinObsMalloc((size_t)m, sizeof(PetscReal));
  if (!tab || !first || !idx || !ov || !os) {
    bad = TwinRdFail(&rd, "out of memory for %llu observations", (unsigned long long)m);
    goto done;
  }
  for (PetscInt i = 0; i < nsensors; i++) first[i] = -1;
  for (hsize_t i = 0; i < m; i++) {
    PetscInt k = TwinNameTableFind(tab, nsensors, names[i]);
    if (k < 0) {
      bad = FailUnknown(&rd, names[i], i, nsensors, sensors);
      goto done;
    }
    if (first[k] >= 0) {
      bad = TwinRdFail(&rd, "sensor \"%s\" appears twice in /names (entries %lld and %llu; expected each sensor at most once)", TwinRdQuote(names[i], q, sizeof(q)), (long long)first[k],
                       (unsigned long long)i);
      goto done;
    }
    first[k] = (PetscInt)i;
    if (isinf(val[i])) {
      bad = TwinRdFail(&rd, "dataset /values entry %llu (sensor \"%s\") is %s (expected a finite number; NaN marks a missing value)", (unsigned long long)i, TwinRdQuote(names[i], q, sizeof(q)),
                       NonFinite(val[i]));
      goto done;
    }
    if (sig && !(isfinite(sig[i]) && sig[i] > 0)) {
      bad = TwinRdFail(&rd, "dataset /sigma entry %llu (sensor \"%s\") is %g (expected a finite standard deviation > 0)", (unsigned long long)i, TwinRdQuote(names[i], q, sizeof(q)), sig[i]);
      goto done;
    }
    idx[i] = k;
    ov[i]  = (PetscReal)val[i];
    os[i]  = sig ? (PetscReal)sig[i] : sensors[k].sigma;
  }
  snap->time   = (PetscReal)t;
  snap->n      = (PetscInt)m;
  snap->sensor = idx;
  snap->value  = ov;
  snap->sigma  = os;
  idx          = NULL;
  ov = os = NULL;
done:
  if (idx || ov || os) {
    /* PetscFree of PetscMalloc'ed memory cannot fail; keep PETSc's handler out of it anyway */
    if (!PetscPushErrorHandler(PetscReturnErrorHandler, NULL)) {
      (void)PetscFree(idx);
      (void)PetscFree(ov);
      (void)PetscFree(os);
      (void)PetscPopErrorHandler();
    }
  }
  free(tab);
  free(first);
  free(names);
  free(val);
  free(sig);
  TwinRdDsetClose(&dn);
  TwinRdDsetClose(&dv);
  TwinRdDsetClose(&ds);
  if (file >= 0) H5Fclose(file);
  TwinRdEnd(&rd);
  return bad;
}

typedef struct {
  const char       *path;
  PetscInt          nsensors;
  const TwinSensor *sensors;
  double            start;
} SnapCtx;
/* payload: time (double), then n x (sensor PetscInt, value PetscReal, sigma PetscReal) */
typedef struct {
  PetscInt  sensor;
  PetscReal value, sigma;
} SnapEntry;
static int SnapSandboxed(void *ctx, char msg[], size_t msglen, void **payload, size_t *size)
{
  SnapCtx     *c = (SnapCtx *)ctx;
  TwinSnapshot snap;
  int          bad = TwinSnapshotParse(c->path, c->nsensors, c->sensors, c->start, &snap, msg, msglen);
  if (bad) return bad;
  *size    = sizeof(double) + (size_t)snap.n * sizeof(SnapEntry);
  *payload = calloc(1, *size); /* zeroed: the entries' padding goes through a pipe */
  if (*payload) {
    double     t = (double)snap.time;
    SnapEntry *e = (SnapEntry *)((char *)*payload + sizeof(double));
    memcpy(*payload, &t, sizeof(double));
    for (PetscInt i = 0; i < snap.n; i++) {
      SnapEntry x;
      memset(&x, 0, sizeof(x)); /* padding too */
      x.sensor = snap.sensor[i];
      x.value  = snap.value[i];
      x.sigma  = snap.sigma[i];
      memcpy(&e[i], &x, sizeof(x));
    }
  }
  (void)TwinSnapshotDestroy(&snap);
  if (!*payload) {
    snprintf(msg, msglen, "%s: out of memory", c->path);
    return 1;
  }
  return 0;
}

/*@C
  TwinSnapshotRead - Rank 0 parses the snapshot, every rank gets it or the same error
  (PETSC_ERR_FILE_UNEXPECTED, the one-line message of TwinSnapshotParse). Collective.
@*/
PetscErrorCode TwinSnapshotRead(MPI_Comm comm, const char path[], PetscInt nsensors, const TwinSensor sensors[], double start_epoch, TwinSnapshot *snap)
{
  PetscMPIInt rank;
  int         bad = 0;
  char        msg[TWIN_OBS_MSG_LEN] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    SnapCtx ctx = {path, nsensors, sensors, start_epoch};
    void   *buf = NULL;
    size_t  len = 0;
    PetscCall(PetscMemzero(snap, sizeof(*snap)));
    PetscCall(PetscStrncpy(snap->file, path, sizeof(snap->file)));
    bad = TwinSandboxRun(path, SnapSandboxed, &ctx, sizeof(double) + (size_t)PetscMax(nsensors, 0) * sizeof(SnapEntry), msg, sizeof(msg), &buf, &len);
    if (!bad) {
      double t;
      memcpy(&t, buf, sizeof(double));
      snap->time = (PetscReal)t;
      snap->n    = (PetscInt)((len - sizeof(double)) / sizeof(SnapEntry));
      PetscCall(PetscMalloc1(snap->n, &snap->sensor));
      PetscCall(PetscMalloc1(snap->n, &snap->value));
      PetscCall(PetscMalloc1(snap->n, &snap->sigma));
      for (PetscInt i = 0; i < snap->n; i++) {
        SnapEntry x;
        memcpy(&x, (char *)buf + sizeof(double) + (size_t)i * sizeof(SnapEntry), sizeof(x));
        snap->sensor[i] = x.sensor;
        snap->value[i]  = x.value;
        snap->sigma[i]  = x.sigma;
      }
    }
    free(buf);
  } else {
    PetscCall(PetscMemzero(snap, sizeof(*snap)));
    PetscCall(PetscStrncpy(snap->file, path, sizeof(snap->file)));
  }
  PetscCallMPI(MPI_Bcast(&bad, 1, MPI_INT, 0, comm));
  if (bad) {
    PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, comm));
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  }
  PetscCallMPI(MPI_Bcast(&snap->n, 1, MPIU_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(&snap->time, 1, MPIU_REAL, 0, comm));
  if (rank != 0) {
    PetscCall(PetscMalloc1(snap->n, &snap->sensor));
    PetscCall(PetscMalloc1(snap->n, &snap->value));
    PetscCall(PetscMalloc1(snap->n, &snap->sigma));
  }
  PetscCallMPI(MPI_Bcast(snap->sensor, (PetscMPIInt)snap->n, MPIU_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(snap->value, (PetscMPIInt)snap->n, MPIU_REAL, 0, comm));
  PetscCallMPI(MPI_Bcast(snap->sigma, (PetscMPIInt)snap->n, MPIU_REAL, 0, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode TwinSnapshotDestroy(TwinSnapshot *snap)
{
  PetscFunctionBegin;
  if (!snap) PetscFunctionReturn(0);
  PetscCall(PetscFree(snap->sensor));
  PetscCall(PetscFree(snap->value));
  PetscCall(PetscFree(snap->sigma));
  snap->n = 0;
  PetscFunctionReturn(0);
}

/* ---- write ----------------------------------------------------------------------------- */
static int SnapshotWriteFile(const char path[], const TwinSnapshot *snap, const TwinSensor sensors[], char msg[], size_t msglen)
{
  TwinRd       rd;
  char         tmp[TWIN_PATH_LEN + 32], why[256];
  hid_t        file = -1;
  const char **nm   = NULL;
  double      *v = NULL, *sg = NULL, t = (double)snap->time;
  int          bad = 0;
  PetscInt     n   = snap->n;

  TwinRdBegin(&rd, path, msg, msglen);
  if (n < 1 || n > TWIN_OBS_MAX_N) {
    bad = TwinRdFail(&rd, "cannot write a snapshot of %lld observations (expected 1 to %d)", (long long)n, TWIN_OBS_MAX_N);
    goto done;
  }
  if (!isfinite(t) || t < 0) {
    bad = TwinRdFail(&rd, "cannot write a snapshot at time %g (expected a finite time >= 0)", t);
    goto done;
  }
  nm = (const char **)malloc((size_t)n * sizeof(*nm));
  v  = (double *)malloc((size_t)n * sizeof(double));
  sg = (double *)malloc((size_t)n * sizeof(double));
  if (!nm || !v || !sg) {
    bad = TwinRdFail(&rd, "out of memory writing %lld observations", (long long)n);
    goto done;
  }
  for (PetscInt i = 0; i < n; i++) {
    PetscInt k = snap->sensor[i];
    if (k < 0) {
      bad = TwinRdFail(&rd, "cannot write observation %lld: sensor index %lld", (long long)i, (long long)k);
      goto done;
    }
    nm[i] = sensors[k].name;
    v[i]  = (double)snap->value[i];
    sg[i] = snap->sigma ? (double)snap->sigma[i] : (double)sensors[k].sigma;
    if (isinf(v[i]) || !(isfinite(sg[i]) && sg[i] > 0)) {
      bad = TwinRdFail(&rd, "cannot write observation %lld (sensor %s): value %g, sigma %g (expected a finite value or NaN, and sigma > 0)", (long long)i, nm[i], v[i], sg[i]);
      goto done;
    }
  }
  TwinObsTmpName(path, tmp, sizeof(tmp));
  if ((bad = TwinWrBegin(&rd, tmp, &file))) goto done;
  {
    hsize_t d1 = (hsize_t)n;
    if (TwinWrAttr(file, "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &t) < 0 || TwinWrStrings(file, "names", d1, nm) < 0 || TwinWrReals(file, "values", 1, &d1, v) < 0 ||
        TwinWrReals(file, "sigma", 1, &d1, sg) < 0)
      bad = TwinRdFail(&rd, "cannot write to %s (HDF5: %s)", tmp, TwinRdHdfWhy(why, sizeof(why)));
  }
  bad  = TwinWrEnd(&rd, tmp, file, bad);
  file = -1;
done:
  if (file >= 0) H5Fclose(file);
  free(nm);
  free(v);
  free(sg);
  TwinRdEnd(&rd);
  return bad;
}

/*@C
  TwinSnapshotWrite - Write a snapshot atomically (PATH.tmp.PID, then rename): root attributes
  format_version = 1 and time, datasets /names (the layout names of snap->sensor[]), /values and
  /sigma (snap->sigma, or the layout's when NULL). Collective; rank 0 writes its snapshot.
@*/
PetscErrorCode TwinSnapshotWrite(MPI_Comm comm, const char path[], const TwinSnapshot *snap, const TwinSensor sensors[])
{
  PetscMPIInt rank;
  int         bad = 0;
  char        msg[TWIN_OBS_MSG_LEN] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) bad = SnapshotWriteFile(path, snap, sensors, msg, sizeof(msg));
  PetscCallMPI(MPI_Bcast(&bad, 1, MPI_INT, 0, comm));
  if (bad) PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, comm));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_WRITE, "%s", msg);
  PetscFunctionReturn(0);
}

/* ---- glob ------------------------------------------------------------------------------ */
static int CompareStrings(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A file being written by TwinSnapshotWrite/TwinSensorLayoutWrite (NAME.tmp or NAME.tmp.*). */
static int IsTemporary(const char path[])
{
  const char *base = strrchr(path, '/'), *p;
  base = base ? base + 1 : path;
  for (p = strstr(base, ".tmp"); p; p = strstr(p + 1, ".tmp"))
    if (p[4] == 0 || p[4] == '.') return 1;
  return 0;
}

/*@C
  TwinSnapshotGlob - Files matching a glob(3) pattern, sorted by name (byte order), without
  directories and files being written (NAME.tmp, NAME.tmp.*). No match: n = 0, *files = NULL.
  Rank 0 lists, every rank gets the list. Free with PetscFree on each and on the array.
  Collective.
@*/
PetscErrorCode TwinSnapshotGlob(MPI_Comm comm, const char pattern[], PetscInt *n, char ***files)
{
  PetscMPIInt rank;
  PetscInt    len[2] = {0, 0}; /* files, bytes of their names with NULs */
  char       *buf    = NULL;
  int         err    = 0;

  PetscFunctionBegin;
  *n     = 0;
  *files = NULL;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    glob_t g;
    int    r = glob(pattern, GLOB_MARK, NULL, &g);
    if (r == 0) {
      char  **keep;
      size_t  k = 0, off = 0;
      PetscCall(PetscMalloc1(g.gl_pathc + 1, &keep));
      for (size_t i = 0; i < g.gl_pathc; i++) {
        size_t l = strlen(g.gl_pathv[i]);
        if (!l || g.gl_pathv[i][l - 1] == '/' || IsTemporary(g.gl_pathv[i])) continue;
        keep[k++] = g.gl_pathv[i];
        len[1] += (PetscInt)l + 1;
      }
      qsort(keep, k, sizeof(char *), CompareStrings);
      len[0] = (PetscInt)k;
      PetscCall(PetscMalloc1(len[1] + 1, &buf));
      for (size_t i = 0; i < k; i++) {
        size_t l = strlen(keep[i]) + 1;
        memcpy(buf + off, keep[i], l);
        off += l;
      }
      PetscCall(PetscFree(keep));
      globfree(&g);
    } else if (r != GLOB_NOMATCH) err = r;
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, PETSC_ERR_FILE_READ, "%s: cannot list the files of this pattern (%s)", pattern, err == GLOB_NOSPACE ? "out of memory" : "a folder cannot be read");
  PetscCallMPI(MPI_Bcast(len, 2, MPIU_INT, 0, comm));
  if (!len[0]) {
    PetscCall(PetscFree(buf));
    PetscFunctionReturn(0);
  }
  if (rank != 0) PetscCall(PetscMalloc1(len[1] + 1, &buf));
  PetscCallMPI(MPI_Bcast(buf, (PetscMPIInt)len[1], MPI_CHAR, 0, comm));
  PetscCall(PetscMalloc1(len[0], files));
  for (PetscInt i = 0, off = 0; i < len[0]; i++) {
    PetscCall(PetscStrallocpy(buf + off, &(*files)[i]));
    off += (PetscInt)strlen(buf + off) + 1;
  }
  *n = len[0];
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}
