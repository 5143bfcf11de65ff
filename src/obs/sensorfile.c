/* sensorfile.c: the sensor layout (an HDF5 file or the deck's inline list) and the defensive
 * HDF5 readers shared with snapshot.c (obsfile.h).
 *
 * Sensor files come from outside (data loggers, scripts): a reader must turn any file, however
 * damaged, into either a checked result or one line saying what is wrong, without a crash, an
 * unbounded allocation, a leaked handle or HDF5's error stack on stderr. So: the file is
 * checked before HDF5 opens it, HDF5's automatic error printing is off for the whole read,
 * every size is capped before memory is allocated, and every handle is closed on every path
 * (one cleanup label per function). The format is in docs/formats.md ("Sensor layout"). */
#include "obsfile.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- untrusted-file reading ------------------------------------------------------------ */
void TwinRdBegin(TwinRd *rd, const char file[], char msg[], size_t msglen)
{
  rd->file   = file ? file : "(null)";
  rd->msg    = msg;
  rd->msglen = msglen;
  if (msg && msglen) msg[0] = 0;
  rd->oldfunc = NULL;
  rd->olddata = NULL;
  (void)H5Eget_auto2(H5E_DEFAULT, &rd->oldfunc, &rd->olddata);
  (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void TwinRdEnd(TwinRd *rd)
{
  (void)H5Eclear2(H5E_DEFAULT);
  (void)H5Eset_auto2(H5E_DEFAULT, rd->oldfunc, rd->olddata);
}

int TwinRdFail(TwinRd *rd, const char fmt[], ...)
{
  va_list ap;
  size_t  k;

  if (!rd->msg || !rd->msglen) return 1;
  snprintf(rd->msg, rd->msglen, "%s: ", rd->file);
  k = strlen(rd->msg);
  va_start(ap, fmt);
  if (k < rd->msglen) vsnprintf(rd->msg + k, rd->msglen - k, fmt, ap);
  va_end(ap);
  /* one line, whatever the file name or the HDF5 text held */
  for (char *p = rd->msg; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
  return 1;
}

const char *TwinRdQuote(const char s[], char buf[], size_t len)
{
  size_t j = 0, max = len > 48 ? 40 : (len > 4 ? len - 4 : 0);

  if (!len) return "";
  for (size_t i = 0; s && s[i] && j + 1 < len; i++) {
    if (j >= max) {
      if (j + 4 <= len) {
        memcpy(buf + j, "...", 3);
        j += 3;
      }
      break;
    }
    buf[j++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
  }
  buf[j] = 0;
  return buf;
}

const char *TwinRdShape(const TwinRdDset *d, char buf[], size_t len)
{
  size_t k = 0;

  if (!len) return "";
  buf[0] = 0;
  if (d->ndims == 0) snprintf(buf, len, "[] (a single value)");
  for (int i = 0; i < d->ndims && k < len; i++) {
    snprintf(buf + k, len - k, "[%llu]", (unsigned long long)d->dims[i]);
    k = strlen(buf);
  }
  return buf;
}

/* The innermost HDF5 error of the current stack (why a call failed), for messages. */
typedef struct {
  char  *buf;
  size_t len;
} WhyCtx;
static herr_t WhyWalk(unsigned n, const H5E_error2_t *e, void *ctx)
{
  WhyCtx *w = (WhyCtx *)ctx;
  if (n == 0 && e && e->desc) snprintf(w->buf, w->len, "%s", e->desc);
  return 0;
}
const char *TwinRdHdfWhy(char buf[], size_t len)
{
  WhyCtx w = {buf, len};
  buf[0]   = 0;
  (void)H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, WhyWalk, &w);
  if (!buf[0]) snprintf(buf, len, "unknown HDF5 error");
  return buf;
}

hid_t TwinObsFapl(void)
{
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0) return -1;
  if (H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
    H5Pclose(fapl);
    return -1;
  }
#if H5_VERSION_GE(1, 10, 7)
  /* read-only, and the writers rename complete files into place: no lock needed (and none is
     possible on some parallel file systems) */
  (void)H5Pset_file_locking(fapl, 0, 1);
#endif
  return fapl;
}

int TwinRdOpenFile(TwinRd *rd, hid_t *file)
{
  struct stat st;
  FILE       *f;
  htri_t      is;
  hid_t       fapl;
  char        why[256];

  *file = -1;
  if (stat(rd->file, &st)) return TwinRdFail(rd, "cannot open (%s)", strerror(errno));
  if (S_ISDIR(st.st_mode)) return TwinRdFail(rd, "is a directory (expected an HDF5 file)");
  if (!S_ISREG(st.st_mode)) return TwinRdFail(rd, "is not a regular file (expected an HDF5 file)");
  if (st.st_size == 0) return TwinRdFail(rd, "is empty (expected an HDF5 file)");
  f = fopen(rd->file, "rb");
  if (!f) return TwinRdFail(rd, "cannot read (%s)", strerror(errno));
  fclose(f);
  is = H5Fis_hdf5(rd->file);
  if (is < 0) return TwinRdFail(rd, "cannot be read as HDF5 (HDF5: %s)", TwinRdHdfWhy(why, sizeof(why)));
  if (is == 0) return TwinRdFail(rd, "is not an HDF5 file (no HDF5 signature)");
  fapl = TwinObsFapl();
  if (fapl < 0) return TwinRdFail(rd, "cannot set up HDF5 file access (HDF5: %s)", TwinRdHdfWhy(why, sizeof(why)));
  *file = H5Fopen(rd->file, H5F_ACC_RDONLY, fapl);
  if (*file < 0) TwinRdHdfWhy(why, sizeof(why));
  H5Pclose(fapl);
  if (*file < 0) return TwinRdFail(rd, "is damaged or truncated, HDF5 cannot open it (HDF5: %s)", why);
  return 0;
}

int TwinRdExists(TwinRd *rd, hid_t loc, const char name[], const char label[], int *exists)
{
  htri_t e = H5Lexists(loc, name, H5P_DEFAULT);
  char   why[256];

  *exists = 0;
  if (e < 0) return TwinRdFail(rd, "cannot look up %s (HDF5: %s)", label, TwinRdHdfWhy(why, sizeof(why)));
  *exists = e > 0;
  return 0;
}

static const char *ClassName(H5T_class_t c)
{
  switch (c) {
  case H5T_INTEGER:
  case H5T_FLOAT:
    return "numbers";
  case H5T_STRING:
    return "strings";
  case H5T_COMPOUND:
    return "compound values";
  case H5T_ENUM:
    return "enumeration values";
  case H5T_VLEN:
    return "variable-length sequences";
  case H5T_ARRAY:
    return "arrays";
  case H5T_REFERENCE:
    return "references";
  default:
    return "values of an unsupported type";
  }
}

void TwinRdDsetClose(TwinRdDset *d)
{
  if (d->space >= 0) H5Sclose(d->space);
  if (d->type >= 0) H5Tclose(d->type);
  if (d->dset >= 0) H5Dclose(d->dset);
  d->space = d->type = d->dset = -1;
}

int TwinRdDsetOpen(TwinRd *rd, hid_t loc, const char name[], const char label[], H5T_class_t want, int *found, TwinRdDset *d)
{
  int         exists;
  char        why[256];
  H5S_class_t sc;

  memset(d, 0, sizeof(*d));
  d->dset = d->type = d->space = -1;
  d->label                     = label;
  if (found) *found = 0;
  if (TwinRdExists(rd, loc, name, label, &exists)) return 1;
  if (!exists) {
    if (found) return 0;
    return TwinRdFail(rd, "has no dataset %s", label);
  }
  if (found) *found = 1;
  d->dset = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d->dset < 0) return TwinRdFail(rd, "%s is not a dataset that can be opened (HDF5: %s)", label, TwinRdHdfWhy(why, sizeof(why)));
  d->type = H5Dget_type(d->dset);
  if (d->type < 0) return TwinRdFail(rd, "cannot get the type of dataset %s (HDF5: %s)", label, TwinRdHdfWhy(why, sizeof(why)));
  d->cls = H5Tget_class(d->type);
  if (want == H5T_STRING && d->cls != H5T_STRING) return TwinRdFail(rd, "dataset %s holds %s (expected strings)", label, ClassName(d->cls));
  if (want != H5T_STRING && d->cls != H5T_FLOAT && d->cls != H5T_INTEGER) return TwinRdFail(rd, "dataset %s holds %s (expected numbers)", label, ClassName(d->cls));
  d->space = H5Dget_space(d->dset);
  if (d->space < 0) return TwinRdFail(rd, "cannot get the shape of dataset %s (HDF5: %s)", label, TwinRdHdfWhy(why, sizeof(why)));
  sc = H5Sget_simple_extent_type(d->space);
  if (sc == H5S_NULL) return TwinRdFail(rd, "dataset %s has no dataspace (an HDF5 null dataspace; expected an array)", label);
  if (sc == H5S_SCALAR) d->ndims = 0;
  else if (sc == H5S_SIMPLE) {
    d->ndims = H5Sget_simple_extent_ndims(d->space);
    if (d->ndims < 0 || d->ndims > H5S_MAX_RANK || H5Sget_simple_extent_dims(d->space, d->dims, NULL) < 0)
      return TwinRdFail(rd, "cannot get the shape of dataset %s (HDF5: %s)", label, TwinRdHdfWhy(why, sizeof(why)));
  } else return TwinRdFail(rd, "cannot get the shape of dataset %s (HDF5: %s)", label, TwinRdHdfWhy(why, sizeof(why)));
  return 0;
}

int TwinRdDsetReals(TwinRd *rd, TwinRdDset *d, double out[])
{
  char why[256];
  if (H5Dread(d->dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
    return TwinRdFail(rd, "cannot read dataset %s as numbers (HDF5: %s)", d->label, TwinRdHdfWhy(why, sizeof(why)));
  return 0;
}

/* A name read from a file: 1 to TWIN_NAME_LEN - 1 bytes, no control characters. */
static int CheckName(TwinRd *rd, const char *s, hsize_t i, const char label[], char out[TWIN_NAME_LEN])
{
  size_t len = s ? strnlen(s, TWIN_OBS_MAX_STR + 1) : 0;
  char   q[64];

  if (len == 0) return TwinRdFail(rd, "entry %llu of %s is an empty string (expected a name)", (unsigned long long)i, label);
  if (len >= TWIN_NAME_LEN)
    return TwinRdFail(rd, "entry %llu of %s (\"%s\") is %s%zu bytes long (expected at most %d)", (unsigned long long)i, label, TwinRdQuote(s, q, sizeof(q)),
                      len > TWIN_OBS_MAX_STR ? "more than " : "", len > TWIN_OBS_MAX_STR ? (size_t)TWIN_OBS_MAX_STR : len, TWIN_NAME_LEN - 1);
  for (size_t k = 0; k < len; k++)
    if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
      return TwinRdFail(rd, "entry %llu of %s (\"%s\") contains a control character (expected a printable name)", (unsigned long long)i, label, TwinRdQuote(s, q, sizeof(q)));
  memcpy(out, s, len);
  out[len] = 0;
  return 0;
}

/* Variable-length strings are allocated by HDF5 through this arena, not malloc: when a read
   fails half-way (a damaged heap), HDF5 itself would leak the strings it had already made; the
   arena frees everything after each block, and caps what a file can make HDF5 allocate. */
typedef struct {
  void **p;
  size_t n, cap, bytes;
} Arena;
#define ARENA_MAX_BYTES ((size_t)64 << 20)
static void *ArenaAlloc(size_t size, void *info)
{
  Arena *a = (Arena *)info;
  void  *p;
  if (size > ARENA_MAX_BYTES - a->bytes) return NULL;
  if (a->n == a->cap) {
    size_t cap = a->cap ? 2 * a->cap : 256;
    void **q   = (void **)realloc(a->p, cap * sizeof(void *));
    if (!q) return NULL;
    a->p   = q;
    a->cap = cap;
  }
  p = malloc(size ? size : 1);
  if (!p) return NULL;
  a->p[a->n++] = p;
  a->bytes += size;
  return p;
}
static void ArenaFree(void *mem, void *info)
{
  (void)mem; /* freed by ArenaClear */
  (void)info;
}
static void ArenaClear(Arena *a)
{
  for (size_t i = 0; i < a->n; i++) free(a->p[i]);
  a->n     = 0;
  a->bytes = 0;
}

int TwinRdDsetNames(TwinRd *rd, TwinRdDset *d, char (*out)[TWIN_NAME_LEN])
{
  Arena arena = {NULL, 0, 0, 0};
  hid_t dxpl  = -1;
  enum { BLOCK = 4096 };
  hsize_t    n = d->dims[0], start, cnt;
  htri_t     vl;
  H5T_cset_t cset;
  size_t     fsize = 0;
  hid_t      mtype = -1, mspace = -1;
  char     **ptr   = NULL, *fix = NULL, why[256];
  int        bad   = 0;

  vl   = H5Tis_variable_str(d->type);
  cset = H5Tget_cset(d->type);
  if (vl < 0 || cset < 0) {
    bad = TwinRdFail(rd, "cannot read the string type of dataset %s (HDF5: %s)", d->label, TwinRdHdfWhy(why, sizeof(why)));
    goto done;
  }
  if (!vl) {
    fsize = H5Tget_size(d->type);
    if (fsize == 0 || fsize > TWIN_OBS_MAX_STR) {
      bad = TwinRdFail(rd, "dataset %s holds fixed-length strings of %zu bytes (expected at most %d)", d->label, fsize, TWIN_OBS_MAX_STR);
      goto done;
    }
  }
  mtype = H5Tcopy(H5T_C_S1);
  if (mtype < 0 || H5Tset_cset(mtype, cset) < 0 || H5Tset_size(mtype, vl ? H5T_VARIABLE : fsize + 1) < 0 || (!vl && H5Tset_strpad(mtype, H5T_STR_NULLTERM) < 0)) {
    bad = TwinRdFail(rd, "cannot set up the string type to read %s (HDF5: %s)", d->label, TwinRdHdfWhy(why, sizeof(why)));
    goto done;
  }
  if (vl) {
    dxpl = H5Pcreate(H5P_DATASET_XFER);
    if (dxpl < 0 || H5Pset_vlen_mem_manager(dxpl, ArenaAlloc, &arena, ArenaFree, &arena) < 0) {
      bad = TwinRdFail(rd, "cannot set up reading %s (HDF5: %s)", d->label, TwinRdHdfWhy(why, sizeof(why)));
      goto done;
    }
    ptr = (char **)calloc(BLOCK, sizeof(char *));
  }
  else fix = (char *)malloc((size_t)BLOCK * (fsize + 1));
  if (!ptr && !fix) {
    bad = TwinRdFail(rd, "out of memory reading %s", d->label);
    goto done;
  }
  for (start = 0; start < n && !bad; start += cnt) {
    herr_t err;
    cnt    = n - start < BLOCK ? n - start : BLOCK;
    mspace = H5Screate_simple(1, &cnt, NULL);
    if (mspace < 0 || H5Sselect_hyperslab(d->space, H5S_SELECT_SET, &start, NULL, &cnt, NULL) < 0) {
      bad = TwinRdFail(rd, "cannot select entries of %s (HDF5: %s)", d->label, TwinRdHdfWhy(why, sizeof(why)));
      break;
    }
    if (vl) memset(ptr, 0, BLOCK * sizeof(char *));
    err = H5Dread(d->dset, mtype, mspace, d->space, vl ? dxpl : H5P_DEFAULT, vl ? (void *)ptr : (void *)fix);
    if (err < 0) bad = TwinRdFail(rd, "cannot read dataset %s as strings (HDF5: %s)", d->label, TwinRdHdfWhy(why, sizeof(why)));
    for (hsize_t k = 0; k < cnt && !bad; k++) {
      const char *s = vl ? ptr[k] : fix + k * (fsize + 1);
      bad           = CheckName(rd, s, start + k, d->label, out[start + k]);
    }
    ArenaClear(&arena);
    H5Sclose(mspace);
    mspace = -1;
  }
  (void)H5Sselect_all(d->space);
done:
  ArenaClear(&arena);
  free(arena.p);
  if (dxpl >= 0) H5Pclose(dxpl);
  if (mspace >= 0) H5Sclose(mspace);
  if (mtype >= 0) H5Tclose(mtype);
  free(ptr);
  free(fix);
  return bad;
}

/* Open attribute name of loc with one element; *found = 0 if absent. */
static int AttrOpen(TwinRd *rd, hid_t loc, const char name[], int *found, hid_t *attr, hid_t *type, hid_t *space, H5T_class_t *cls)
{
  htri_t   e = H5Aexists(loc, name);
  hssize_t np;
  char     why[256];

  *found = 0;
  *attr = *type = *space = -1;
  if (e < 0) return TwinRdFail(rd, "cannot look up attribute %s (HDF5: %s)", name, TwinRdHdfWhy(why, sizeof(why)));
  if (!e) return 0;
  *found = 1;
  *attr  = H5Aopen(loc, name, H5P_DEFAULT);
  if (*attr < 0) return TwinRdFail(rd, "cannot open attribute %s (HDF5: %s)", name, TwinRdHdfWhy(why, sizeof(why)));
  *type  = H5Aget_type(*attr);
  *space = H5Aget_space(*attr);
  if (*type < 0 || *space < 0) return TwinRdFail(rd, "cannot read attribute %s (HDF5: %s)", name, TwinRdHdfWhy(why, sizeof(why)));
  *cls = H5Tget_class(*type);
  np   = H5Sget_simple_extent_npoints(*space);
  if (np != 1) return TwinRdFail(rd, "attribute %s holds %lld values (expected one)", name, (long long)np);
  return 0;
}

int TwinRdAttrReal(TwinRd *rd, hid_t loc, const char name[], int *found, double *value)
{
  hid_t       attr, type, space;
  H5T_class_t cls = H5T_NO_CLASS;
  char        why[256];
  int         bad;

  *value = 0;
  bad    = AttrOpen(rd, loc, name, found, &attr, &type, &space, &cls);
  if (!bad && *found) {
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) bad = TwinRdFail(rd, "attribute %s holds %s (expected a number)", name, ClassName(cls));
    else if (H5Aread(attr, H5T_NATIVE_DOUBLE, value) < 0) bad = TwinRdFail(rd, "cannot read attribute %s as a number (HDF5: %s)", name, TwinRdHdfWhy(why, sizeof(why)));
  }
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  if (attr >= 0) H5Aclose(attr);
  return bad;
}

int TwinRdAttrString(TwinRd *rd, hid_t loc, const char name[], int *found, char out[TWIN_OBS_MAX_STR + 1])
{
  hid_t       attr, type, space, mtype = -1;
  H5T_class_t cls = H5T_NO_CLASS;
  char        why[256], buf[TWIN_OBS_MAX_STR + 2];
  int         bad;

  out[0] = 0;
  bad    = AttrOpen(rd, loc, name, found, &attr, &type, &space, &cls);
  if (bad || !*found) goto done;
  if (cls != H5T_STRING) {
    bad = TwinRdFail(rd, "attribute %s holds %s (expected a string)", name, ClassName(cls));
    goto done;
  }
  {
    htri_t     vl   = H5Tis_variable_str(type);
    H5T_cset_t cset = H5Tget_cset(type);
    size_t     fs   = vl > 0 ? 0 : H5Tget_size(type);
    if (vl < 0 || cset < 0) {
      bad = TwinRdFail(rd, "cannot read the string type of attribute %s (HDF5: %s)", name, TwinRdHdfWhy(why, sizeof(why)));
      goto done;
    }
    if (!vl && (fs == 0 || fs > TWIN_OBS_MAX_STR)) {
      bad = TwinRdFail(rd, "attribute %s is a fixed-length string of %zu bytes (expected at most %d)", name, fs, TWIN_OBS_MAX_STR);
      goto done;
    }
    mtype = H5Tcopy(H5T_C_S1);
    if (mtype < 0 || H5Tset_cset(mtype, cset) < 0 || H5Tset_size(mtype, vl ? H5T_VARIABLE : fs + 1) < 0 || (!vl && H5Tset_strpad(mtype, H5T_STR_NULLTERM) < 0)) {
      bad = TwinRdFail(rd, "cannot set up the string type to read attribute %s (HDF5: %s)", name, TwinRdHdfWhy(why, sizeof(why)));
      goto done;
    }
    if (vl) {
      char *p = NULL;
      if (H5Aread(attr, mtype, &p) < 0) bad = TwinRdFail(rd, "cannot read attribute %s as a string (HDF5: %s)", name, TwinRdHdfWhy(why, sizeof(why)));
      else if (p && strnlen(p, TWIN_OBS_MAX_STR + 1) > TWIN_OBS_MAX_STR) bad = TwinRdFail(rd, "attribute %s is longer than %d bytes", name, TWIN_OBS_MAX_STR);
      else if (p) strcpy(out, p);
      if (p) (void)H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, &p);
    } else {
      memset(buf, 0, sizeof(buf));
      if (H5Aread(attr, mtype, buf) < 0) bad = TwinRdFail(rd, "cannot read attribute %s as a string (HDF5: %s)", name, TwinRdHdfWhy(why, sizeof(why)));
      else {
        buf[fs] = 0;
        strcpy(out, buf);
      }
    }
  }
done:
  if (mtype >= 0) H5Tclose(mtype);
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  if (attr >= 0) H5Aclose(attr);
  return bad;
}

int TwinRdCheckVersion(TwinRd *rd, hid_t file)
{
  int    found;
  double v;

  if (TwinRdAttrReal(rd, file, "format_version", &found, &v)) return 1;
  if (found && !(v >= 1 && v <= TWIN_OBS_FORMAT && v == floor(v)))
    return TwinRdFail(rd, "attribute format_version is %g (this twinfe reads format %d and files without format_version)", v, TWIN_OBS_FORMAT);
  return 0;
}

/* ---- names ----------------------------------------------------------------------------- */
static int CompareNameIndex(const void *a, const void *b)
{
  const TwinNameIndex *x = (const TwinNameIndex *)a, *y = (const TwinNameIndex *)b;
  int                  c = strcmp(x->name, y->name);
  if (c) return c;
  return (x->index > y->index) - (x->index < y->index);
}
static int CompareName(const void *a, const void *b)
{
  return strcmp(((const TwinNameIndex *)a)->name, ((const TwinNameIndex *)b)->name);
}

TwinNameIndex *TwinNameTableCreate(PetscInt n, const TwinSensor sensors[])
{
  TwinNameIndex *t = (TwinNameIndex *)malloc((size_t)(n > 0 ? n : 1) * sizeof(*t));
  if (!t) return NULL;
  for (PetscInt i = 0; i < n; i++) {
    t[i].name  = sensors[i].name;
    t[i].index = i;
  }
  if (n > 1) qsort(t, (size_t)n, sizeof(*t), CompareNameIndex);
  return t;
}

PetscInt TwinNameTableFind(const TwinNameIndex *t, PetscInt n, const char name[])
{
  TwinNameIndex  key = {name, 0};
  TwinNameIndex *hit;
  if (n < 1) return -1;
  hit = (TwinNameIndex *)bsearch(&key, t, (size_t)n, sizeof(*t), CompareName);
  return hit ? hit->index : -1;
}

int TwinNameTableDuplicate(const TwinNameIndex *t, PetscInt n, PetscInt *i, PetscInt *j)
{
  int found = 0;
  /* of all repeated names, the one whose second occurrence comes first in the list */
  for (PetscInt k = 0; k + 1 < n; k++)
    if (!strcmp(t[k].name, t[k + 1].name) && (!found || t[k + 1].index < *j)) {
      *i    = t[k].index;
      *j    = t[k + 1].index;
      found = 1;
    }
  return found;
}

/* Levenshtein distance, case-insensitive (names are at most 63 bytes). */
static int EditDistance(const char a[], const char b[])
{
  int    d[TWIN_NAME_LEN][TWIN_NAME_LEN];
  size_t na = strlen(a), nb = strlen(b);

  if (na >= TWIN_NAME_LEN || nb >= TWIN_NAME_LEN) return 1000;
  for (size_t i = 0; i <= na; i++) d[i][0] = (int)i;
  for (size_t j = 0; j <= nb; j++) d[0][j] = (int)j;
  for (size_t i = 1; i <= na; i++)
    for (size_t j = 1; j <= nb; j++) {
      int cost = (a[i - 1] | 0x20) != (b[j - 1] | 0x20) && a[i - 1] != b[j - 1];
      int m    = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < m) m = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < m) m = d[i - 1][j - 1] + cost;
      d[i][j] = m;
    }
  return d[na][nb];
}

const char *TwinNameSuggest(const char name[], PetscInt n, const TwinSensor sensors[])
{
  const char *best = NULL;
  int         bestd, len = (int)strnlen(name, TWIN_NAME_LEN);

  if (n > 20000) return NULL; /* not cheap any more */
  bestd = len / 3 < 1 ? 1 : (len / 3 > 3 ? 3 : len / 3);
  for (PetscInt i = 0; i < n; i++) {
    int d = EditDistance(name, sensors[i].name);
    if (d <= bestd && (!best || d < bestd)) {
      best  = sensors[i].name;
      bestd = d;
    }
  }
  return best;
}

/* ---- sensors --------------------------------------------------------------------------- */
static const char *const kind_names[] = {"temperature", "displacement", "strain"};

const char *TwinSensorKindName(TwinSensorKind kind)
{
  return (kind >= 0 && kind <= TWIN_SENSOR_STRAIN) ? kind_names[kind] : "unknown";
}

int TwinSensorCheck(TwinSensor *s, char why[], size_t len)
{
  if (!(s->kind >= TWIN_SENSOR_TEMPERATURE && s->kind <= TWIN_SENSOR_STRAIN)) {
    snprintf(why, len, "kind %d is unknown (expected temperature, displacement or strain)", (int)s->kind);
    return 1;
  }
  for (int k = 0; k < 3; k++)
    if (!isfinite(s->x[k])) {
      snprintf(why, len, "position component %d is %g (expected a finite coordinate in m)", k, (double)s->x[k]);
      return 1;
    }
  if (!(isfinite(s->sigma) && s->sigma > 0)) {
    snprintf(why, len, "sigma is %g (expected a finite standard deviation > 0)", (double)s->sigma);
    return 1;
  }
  if (s->kind == TWIN_SENSOR_TEMPERATURE) {
    s->dir[0] = s->dir[1] = s->dir[2] = 0;
    return 0;
  }
  {
    double m = 0, sum = 0;
    for (int k = 0; k < 3; k++) {
      if (!isfinite(s->dir[k])) {
        snprintf(why, len, "direction component %d is %g (expected a finite vector)", k, (double)s->dir[k]);
        return 1;
      }
      if (fabs(s->dir[k]) > m) m = fabs(s->dir[k]);
    }
    if (m == 0) {
      snprintf(why, len, "direction is zero (a %s sensor needs a nonzero direction: %s)", kind_names[s->kind],
               s->kind == TWIN_SENSOR_DISPLACEMENT ? "the displacement component it measures" : "the axis of the strain gauge");
      return 1;
    }
    for (int k = 0; k < 3; k++) sum += (s->dir[k] / m) * (s->dir[k] / m);
    for (int k = 0; k < 3; k++) s->dir[k] = (PetscReal)((s->dir[k] / m) / sqrt(sum));
  }
  return 0;
}

void *TwinObsMalloc(size_t n, size_t size)
{
  void          *p = NULL;
  PetscErrorCode ierr;

  if (n < 1) n = 1;
  if (size && n > ((size_t)-1) / 4 / size) return NULL;
  if (PetscPushErrorHandler(PetscReturnErrorHandler, NULL)) return NULL;
  ierr = PetscMalloc(n * size, &p);
  (void)PetscPopErrorHandler();
  return ierr ? NULL : p;
}

static void ObsFree(void *p)
{
  if (!p) return;
  if (PetscPushErrorHandler(PetscReturnErrorHandler, NULL)) return;
  (void)PetscFree(p);
  (void)PetscPopErrorHandler();
}

void TwinObsTmpName(const char path[], char tmp[], size_t len)
{
  snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
}

/* ---- sandbox --------------------------------------------------------------------------- */
static int WriteAll(int fd, const void *buf, size_t len)
{
  const char *p = (const char *)buf;
  while (len) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return 1;
    p += w;
    len -= (size_t)w;
  }
  return 0;
}

/* Read len bytes before the deadline (seconds since the epoch); 1: short or late. */
static int ReadAll(int fd, void *buf, size_t len, time_t deadline, int *late)
{
  char *p = (char *)buf;
  while (len) {
    struct pollfd pf   = {fd, POLLIN, 0};
    time_t        left = deadline - time(NULL);
    int           r;
    if (left <= 0) {
      *late = 1;
      return 1;
    }
    r = poll(&pf, 1, (int)(left > 1000 ? 1000000 : left * 1000));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return 1;
    if (r == 0) continue;
    {
      ssize_t got = read(fd, p, len);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return 1;
      p += got;
      len -= (size_t)got;
    }
  }
  return 0;
}

int TwinSandboxRun(const char file[], TwinSandboxFn fn, void *ctx, size_t maxsize, char msg[], size_t msglen, void **payload, size_t *size)
{
  const char *env = getenv("TWINFE_SENSOR_SANDBOX");
  int         fd[2], status = 0, late = 0, bad;
  pid_t       pid;
  struct {
    int    bad;
    size_t len;
  } head;

  *payload = NULL;
  *size    = 0;
  if ((env && !strcmp(env, "0")) || pipe(fd)) return fn(ctx, msg, msglen, payload, size);
  fflush(NULL);
  pid = fork();
  if (pid < 0) {
    close(fd[0]);
    close(fd[1]);
    return fn(ctx, msg, msglen, payload, size);
  }
  if (pid == 0) { /* the child: parse, send, leave without running any exit handler (MPI's) */
    void  *out = NULL;
    size_t len = 0;
    /* not PETSc's handlers (they would print a traceback and call MPI_Abort): just die */
    signal(SIGSEGV, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    signal(SIGFPE, SIG_DFL);
    signal(SIGILL, SIG_DFL);
    signal(SIGABRT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    close(fd[0]);
    memset(&head, 0, sizeof(head)); /* no uninitialised padding through the pipe */
    head.bad = fn(ctx, msg, msglen, &out, &len);
    head.len = head.bad ? strnlen(msg, msglen) : len;
    if (WriteAll(fd[1], &head, sizeof(head)) || WriteAll(fd[1], head.bad ? (const void *)msg : out, head.len)) _exit(3);
    _exit(0);
  }
  close(fd[1]);
  {
    time_t deadline = time(NULL) + TWIN_OBS_SANDBOX_SECONDS;
    bad             = ReadAll(fd[0], &head, sizeof(head), deadline, &late);
    if (!bad && head.len > (head.bad ? msglen - 1 : maxsize)) bad = 1;
    if (!bad && !head.bad && head.len && !(*payload = malloc(head.len))) {
      bad = 1;
      late = 0;
    }
    if (!bad) bad = ReadAll(fd[0], head.bad ? (void *)msg : *payload, head.len, deadline, &late);
  }
  close(fd[0]);
  if (late) kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (!bad && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    if (head.bad) {
      msg[head.len] = 0;
      return head.bad;
    }
    *size = head.len;
    return 0;
  }
  free(*payload);
  *payload = NULL;
  if (late) snprintf(msg, msglen, "%s: reading it did not finish in %d s (the file is damaged)", file, TWIN_OBS_SANDBOX_SECONDS);
  else if (WIFSIGNALED(status))
    snprintf(msg, msglen, "%s: the HDF5 library crashed reading it (signal %d, %s: the file is damaged)", file, WTERMSIG(status), strsignal(WTERMSIG(status)));
  else snprintf(msg, msglen, "%s: the reader process failed (exit status %d; the file is damaged, or out of memory)", file, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  for (char *p = msg; *p; p++)
    if ((unsigned char)*p < 0x20) *p = '?';
  return 1;
}

/* ---- layout file ----------------------------------------------------------------------- */
static int KindFromName(const char s[], TwinSensorKind *kind)
{
  for (int k = 0; k < 3; k++)
    if (!strcmp(s, kind_names[k])) {
      *kind = (TwinSensorKind)k;
      return 0;
    }
  return 1;
}

/* Position or direction: [m][3], or [m][2] (z = 0). */
static int ReadVectors(TwinRd *rd, TwinRdDset *d, hsize_t m, double **v)
{
  char shape[64];

  if (d->ndims != 2 || d->dims[0] != m || (d->dims[1] != 3 && d->dims[1] != 2))
    return TwinRdFail(rd, "dataset %s has shape %s (expected [%llu][3], or [%llu][2] for a 2D mesh)", d->label, TwinRdShape(d, shape, sizeof(shape)), (unsigned long long)m,
                      (unsigned long long)m);
  *v = (double *)calloc((size_t)m * 3, sizeof(double));
  if (!*v) return TwinRdFail(rd, "out of memory reading %s", d->label);
  if (TwinRdDsetReals(rd, d, *v)) return 1;
  if (d->dims[1] == 2) /* spread [m][2] to [m][3], from the end */
    for (hsize_t i = m; i-- > 0;) {
      double x = (*v)[2 * i], y = (*v)[2 * i + 1];
      (*v)[3 * i]     = x;
      (*v)[3 * i + 1] = y;
      (*v)[3 * i + 2] = 0;
    }
  return 0;
}

int TwinSensorLayoutParse(const char path[], PetscInt *n, TwinSensor **sensors, char msg[], size_t msglen)
{
  TwinRd         rd;
  hid_t          file = -1, grp = -1;
  TwinRdDset     dn, dk, dp, dd, ds;
  char(*names)[TWIN_NAME_LEN] = NULL, (*kinds)[TWIN_NAME_LEN] = NULL, shape[64], q[64], why[256];
  double        *pos = NULL, *dir = NULL, *sig = NULL;
  TwinSensor    *s   = NULL;
  TwinNameIndex *t   = NULL;
  hsize_t        m   = 0;
  int            bad = 0, exists, hasdir;

  *n       = 0;
  *sensors = NULL;
  dn.dset = dk.dset = dp.dset = dd.dset = ds.dset = -1;
  dn.type = dk.type = dp.type = dd.type = ds.type = -1;
  dn.space = dk.space = dp.space = dd.space = ds.space = -1;
  TwinRdBegin(&rd, path, msg, msglen);
  if ((bad = TwinRdOpenFile(&rd, &file))) goto done;
  if ((bad = TwinRdCheckVersion(&rd, file))) goto done;
  if ((bad = TwinRdExists(&rd, file, "sensors", "/sensors", &exists))) goto done;
  if (!exists) {
    bad = TwinRdFail(&rd, "has no group /sensors (expected the datasets /sensors/name, kind, position, sigma and, for displacement and strain sensors, direction)");
    goto done;
  }
  grp = H5Gopen2(file, "sensors", H5P_DEFAULT);
  if (grp < 0) {
    bad = TwinRdFail(&rd, "/sensors is not a group (HDF5: %s)", TwinRdHdfWhy(why, sizeof(why)));
    goto done;
  }
  /* names: the count of sensors */
  if ((bad = TwinRdDsetOpen(&rd, grp, "name", "/sensors/name", H5T_STRING, NULL, &dn))) goto done;
  if (dn.ndims != 1) {
    bad = TwinRdFail(&rd, "dataset /sensors/name has shape %s (expected [n], one name per sensor)", TwinRdShape(&dn, shape, sizeof(shape)));
    goto done;
  }
  m = dn.dims[0];
  if (m == 0) {
    bad = TwinRdFail(&rd, "has no sensors (/sensors/name is empty)");
    goto done;
  }
  if (m > TWIN_OBS_MAX_N) {
    bad = TwinRdFail(&rd, "dataset /sensors/name claims %llu sensors (at most %d)", (unsigned long long)m, TWIN_OBS_MAX_N);
    goto done;
  }
  names = calloc((size_t)m, sizeof(*names));
  if (!names) {
    bad = TwinRdFail(&rd, "out of memory for %llu sensor names", (unsigned long long)m);
    goto done;
  }
  if ((bad = TwinRdDsetNames(&rd, &dn, names))) goto done;
  /* kinds */
  if ((bad = TwinRdDsetOpen(&rd, grp, "kind", "/sensors/kind", H5T_STRING, NULL, &dk))) goto done;
  if (dk.ndims != 1) {
    bad = TwinRdFail(&rd, "dataset /sensors/kind has shape %s (expected [%llu], one kind per sensor)", TwinRdShape(&dk, shape, sizeof(shape)), (unsigned long long)m);
    goto done;
  }
  if (dk.dims[0] != m) {
    bad = TwinRdFail(&rd, "dataset /sensors/kind has %llu entries but /sensors/name has %llu", (unsigned long long)dk.dims[0], (unsigned long long)m);
    goto done;
  }
  kinds = calloc((size_t)m, sizeof(*kinds));
  if (!kinds) {
    bad = TwinRdFail(&rd, "out of memory for %llu sensor kinds", (unsigned long long)m);
    goto done;
  }
  if ((bad = TwinRdDsetNames(&rd, &dk, kinds))) goto done;
  /* positions, directions, sigma */
  if ((bad = TwinRdDsetOpen(&rd, grp, "position", "/sensors/position", H5T_FLOAT, NULL, &dp))) goto done;
  if ((bad = ReadVectors(&rd, &dp, m, &pos))) goto done;
  if ((bad = TwinRdDsetOpen(&rd, grp, "direction", "/sensors/direction", H5T_FLOAT, &hasdir, &dd))) goto done;
  if (hasdir && (bad = ReadVectors(&rd, &dd, m, &dir))) goto done;
  if ((bad = TwinRdDsetOpen(&rd, grp, "sigma", "/sensors/sigma", H5T_FLOAT, NULL, &ds))) goto done;
  if (ds.ndims != 1 || ds.dims[0] != m) {
    bad = TwinRdFail(&rd, "dataset /sensors/sigma has shape %s (expected [%llu], one value per sensor)", TwinRdShape(&ds, shape, sizeof(shape)), (unsigned long long)m);
    goto done;
  }
  sig = (double *)malloc((size_t)m * sizeof(double));
  if (!sig) {
    bad = TwinRdFail(&rd, "out of memory reading /sensors/sigma");
    goto done;
  }
  if ((bad = TwinRdDsetReals(&rd, &ds, sig))) goto done;
  /* assemble and check */
  s = (TwinSensor *)TwinObsMalloc((size_t)m, sizeof(TwinSensor));
  if (!s) {
    bad = TwinRdFail(&rd, "out of memory for %llu sensors", (unsigned long long)m);
    goto done;
  }
  memset(s, 0, (size_t)m * sizeof(TwinSensor));
  for (hsize_t i = 0; i < m; i++) {
    char what[256];
    memcpy(s[i].name, names[i], TWIN_NAME_LEN);
    if (KindFromName(kinds[i], &s[i].kind)) {
      const char *sug = NULL;
      for (int k = 0; k < 3 && !sug; k++)
        if (EditDistance(kinds[i], kind_names[k]) <= 3) sug = kind_names[k];
      bad = TwinRdFail(&rd, "sensor \"%s\" (entry %llu): kind \"%s\" is unknown (expected temperature, displacement or strain%s%s%s)", TwinRdQuote(names[i], q, sizeof(q)),
                       (unsigned long long)i, TwinRdQuote(kinds[i], shape, sizeof(shape)), sug ? "; did you mean \"" : "", sug ? sug : "", sug ? "\"?" : "");
      goto done;
    }
    for (int k = 0; k < 3; k++) {
      s[i].x[k]   = (PetscReal)pos[3 * i + k];
      s[i].dir[k] = dir ? (PetscReal)dir[3 * i + k] : 0;
    }
    s[i].sigma = (PetscReal)sig[i];
    if (!dir && s[i].kind != TWIN_SENSOR_TEMPERATURE) {
      bad = TwinRdFail(&rd, "has no dataset /sensors/direction but sensor \"%s\" (entry %llu) is a %s sensor (expected /sensors/direction [%llu][3]: required for displacement and strain sensors)",
                       TwinRdQuote(names[i], q, sizeof(q)), (unsigned long long)i, kind_names[s[i].kind], (unsigned long long)m);
      goto done;
    }
    if (TwinSensorCheck(&s[i], what, sizeof(what))) {
      bad = TwinRdFail(&rd, "sensor \"%s\" (entry %llu): %s", TwinRdQuote(names[i], q, sizeof(q)), (unsigned long long)i, what);
      goto done;
    }
  }
  t = TwinNameTableCreate((PetscInt)m, s);
  if (!t) {
    bad = TwinRdFail(&rd, "out of memory checking sensor names");
    goto done;
  }
  {
    PetscInt i, j;
    if (TwinNameTableDuplicate(t, (PetscInt)m, &i, &j)) {
      bad = TwinRdFail(&rd, "sensor name \"%s\" appears twice in /sensors/name (entries %lld and %lld; names must be unique)", TwinRdQuote(s[i].name, q, sizeof(q)), (long long)i, (long long)j);
      goto done;
    }
  }
  *n       = (PetscInt)m;
  *sensors = s;
  s        = NULL;
done:
  free(t);
  free(names);
  free(kinds);
  free(pos);
  free(dir);
  free(sig);
  ObsFree(s);
  TwinRdDsetClose(&dn);
  TwinRdDsetClose(&dk);
  TwinRdDsetClose(&dp);
  TwinRdDsetClose(&dd);
  TwinRdDsetClose(&ds);
  if (grp >= 0) H5Gclose(grp);
  if (file >= 0) H5Fclose(file);
  TwinRdEnd(&rd);
  return bad;
}

typedef struct {
  const char *path;
} LayoutCtx;
static int LayoutSandboxed(void *ctx, char msg[], size_t msglen, void **payload, size_t *size)
{
  PetscInt    n;
  TwinSensor *s;
  int         bad = TwinSensorLayoutParse(((LayoutCtx *)ctx)->path, &n, &s, msg, msglen);
  if (bad) return bad;
  *size    = (size_t)n * sizeof(TwinSensor);
  *payload = malloc(*size);
  if (*payload) memcpy(*payload, s, *size);
  ObsFree(s);
  if (!*payload) {
    snprintf(msg, msglen, "%s: out of memory for %lld sensors", ((LayoutCtx *)ctx)->path, (long long)n);
    return 1;
  }
  return 0;
}

/* Rank 0 parses (in a sandbox process), every rank gets the list or the status and message. */
static PetscErrorCode LayoutReadBcast(MPI_Comm comm, const char path[], PetscInt *n, TwinSensor **sensors, int *bad, char msg[TWIN_OBS_MSG_LEN])
{
  PetscMPIInt rank;

  PetscFunctionBegin;
  *n       = 0;
  *sensors = NULL;
  *bad     = 0;
  msg[0]   = 0;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    LayoutCtx ctx = {path};
    void     *buf = NULL;
    size_t    len = 0;
    *bad          = TwinSandboxRun(path, LayoutSandboxed, &ctx, (size_t)TWIN_OBS_MAX_N * sizeof(TwinSensor), msg, TWIN_OBS_MSG_LEN, &buf, &len);
    if (!*bad) {
      *n = (PetscInt)(len / sizeof(TwinSensor));
      PetscCall(PetscMalloc1(*n, sensors));
      PetscCall(PetscMemcpy(*sensors, buf, (size_t)*n * sizeof(TwinSensor)));
    }
    free(buf);
  }
  PetscCallMPI(MPI_Bcast(bad, 1, MPI_INT, 0, comm));
  if (*bad) {
    PetscCallMPI(MPI_Bcast(msg, TWIN_OBS_MSG_LEN, MPI_CHAR, 0, comm));
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Bcast(n, 1, MPIU_INT, 0, comm));
  if (rank != 0) PetscCall(PetscMalloc1(*n, sensors));
  PetscCallMPI(MPI_Bcast(*sensors, (PetscMPIInt)(*n * (PetscInt)sizeof(TwinSensor)), MPI_BYTE, 0, comm));
  PetscFunctionReturn(0);
}

/*@C
  TwinSensorLayoutRead - Read a sensor layout file (untrusted). Rank 0 reads, every rank gets the
  list; a defect is PETSC_ERR_FILE_UNEXPECTED with the one-line message of
  TwinSensorLayoutParse(). Collective.
@*/
PetscErrorCode TwinSensorLayoutRead(MPI_Comm comm, const char path[], PetscInt *n, TwinSensor **sensors)
{
  int  bad;
  char msg[TWIN_OBS_MSG_LEN];

  PetscFunctionBegin;
  PetscCall(LayoutReadBcast(comm, path, n, sensors, &bad, msg));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_UNEXPECTED, "%s", msg);
  PetscFunctionReturn(0);
}

/* ---- writing (trusted data, but written atomically) ------------------------------------ */
herr_t TwinWrStrings(hid_t loc, const char name[], hsize_t n, const char *const strs[])
{
  hid_t  type = H5Tcopy(H5T_C_S1), space = -1, dset = -1;
  herr_t err  = -1;

  if (type < 0 || H5Tset_size(type, H5T_VARIABLE) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0) goto done;
  if ((space = H5Screate_simple(1, &n, NULL)) < 0) goto done;
  if ((dset = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0) goto done;
  err = n ? H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, strs) : 0;
done:
  if (dset >= 0 && H5Dclose(dset) < 0) err = -1;
  if (space >= 0) H5Sclose(space);
  if (type >= 0) H5Tclose(type);
  return err;
}

herr_t TwinWrReals(hid_t loc, const char name[], int ndims, const hsize_t dims[], const double v[])
{
  hid_t  space = H5Screate_simple(ndims, dims, NULL), dset = -1;
  herr_t err   = -1;

  if (space < 0) goto done;
  if ((dset = H5Dcreate2(loc, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0) goto done;
  err = H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
done:
  if (dset >= 0 && H5Dclose(dset) < 0) err = -1;
  if (space >= 0) H5Sclose(space);
  return err;
}

herr_t TwinWrAttr(hid_t loc, const char name[], hid_t ftype, hid_t mtype, const void *v)
{
  hid_t  space = H5Screate(H5S_SCALAR), attr = -1;
  herr_t err   = -1;

  if (space < 0) goto done;
  if ((attr = H5Acreate2(loc, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT)) < 0) goto done;
  err = H5Awrite(attr, mtype, v);
done:
  if (attr >= 0 && H5Aclose(attr) < 0) err = -1;
  if (space >= 0) H5Sclose(space);
  return err;
}

/* Create PATH.tmp.PID with format_version = 1 (*file < 0 and a message on failure). */
int TwinWrBegin(TwinRd *rd, const char tmp[], hid_t *file)
{
  int  version = TWIN_OBS_FORMAT;
  char why[256];

  *file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (*file < 0) return TwinRdFail(rd, "cannot create %s (HDF5: %s)", tmp, TwinRdHdfWhy(why, sizeof(why)));
  if (TwinWrAttr(*file, "format_version", H5T_STD_I32LE, H5T_NATIVE_INT, &version) < 0) return TwinRdFail(rd, "cannot write to %s (HDF5: %s)", tmp, TwinRdHdfWhy(why, sizeof(why)));
  return 0;
}

/* Close the temporary file and rename it into place; on failure remove it. */
int TwinWrEnd(TwinRd *rd, const char tmp[], hid_t file, int bad)
{
  char why[256];

  if (file >= 0 && H5Fclose(file) < 0 && !bad) bad = TwinRdFail(rd, "cannot close %s (HDF5: %s)", tmp, TwinRdHdfWhy(why, sizeof(why)));
  if (!bad && rename(tmp, rd->file)) bad = TwinRdFail(rd, "cannot rename %s to it (%s)", tmp, strerror(errno));
  if (bad) (void)unlink(tmp);
  return bad;
}

static int LayoutWriteFile(const char path[], PetscInt n, const TwinSensor sensors[], char msg[], size_t msglen)
{
  TwinRd         rd;
  char           tmp[TWIN_PATH_LEN + 32], why[256], q[64];
  hid_t          file = -1, grp = -1;
  TwinSensor     *s    = NULL;
  const char    **nm   = NULL, **kd = NULL;
  double         *pos  = NULL, *dir = NULL, *sig = NULL;
  TwinNameIndex  *t    = NULL;
  int             bad  = 0;
  PetscInt        i = 0, j = 0;

  TwinRdBegin(&rd, path, msg, msglen);
  if (n < 1 || n > TWIN_OBS_MAX_N) {
    bad = TwinRdFail(&rd, "cannot write a layout of %lld sensors (expected 1 to %d)", (long long)n, TWIN_OBS_MAX_N);
    goto done;
  }
  s   = (TwinSensor *)malloc((size_t)n * sizeof(*s));
  nm  = (const char **)malloc((size_t)n * sizeof(*nm));
  kd  = (const char **)malloc((size_t)n * sizeof(*kd));
  pos = (double *)malloc((size_t)n * 3 * sizeof(double));
  dir = (double *)malloc((size_t)n * 3 * sizeof(double));
  sig = (double *)malloc((size_t)n * sizeof(double));
  if (!s || !nm || !kd || !pos || !dir || !sig) {
    bad = TwinRdFail(&rd, "out of memory writing %lld sensors", (long long)n);
    goto done;
  }
  memcpy(s, sensors, (size_t)n * sizeof(*s));
  for (i = 0; i < n; i++) {
    char what[256];
    s[i].name[TWIN_NAME_LEN - 1] = 0;
    if (!s[i].name[0] || TwinSensorCheck(&s[i], what, sizeof(what))) {
      bad = TwinRdFail(&rd, "cannot write sensor %lld (\"%s\"): %s", (long long)i, TwinRdQuote(s[i].name, q, sizeof(q)), s[i].name[0] ? what : "the name is empty");
      goto done;
    }
    nm[i] = s[i].name;
    kd[i] = kind_names[s[i].kind];
    for (int k = 0; k < 3; k++) {
      pos[3 * i + k] = (double)s[i].x[k];
      dir[3 * i + k] = (double)s[i].dir[k];
    }
    sig[i] = (double)s[i].sigma;
  }
  t = TwinNameTableCreate(n, s);
  if (!t) {
    bad = TwinRdFail(&rd, "out of memory writing %lld sensors", (long long)n);
    goto done;
  }
  if (TwinNameTableDuplicate(t, n, &i, &j)) {
    bad = TwinRdFail(&rd, "cannot write a layout with sensor name \"%s\" twice (sensors %lld and %lld)", TwinRdQuote(s[i].name, q, sizeof(q)), (long long)i, (long long)j);
    goto done;
  }
  TwinObsTmpName(path, tmp, sizeof(tmp));
  if ((bad = TwinWrBegin(&rd, tmp, &file))) goto done;
  {
    hsize_t d1[1] = {(hsize_t)n}, d2[2] = {(hsize_t)n, 3};
    if ((grp = H5Gcreate2(file, "sensors", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0 || TwinWrStrings(grp, "name", d1[0], nm) < 0 || TwinWrStrings(grp, "kind", d1[0], kd) < 0 ||
        TwinWrReals(grp, "position", 2, d2, pos) < 0 || TwinWrReals(grp, "direction", 2, d2, dir) < 0 || TwinWrReals(grp, "sigma", 1, d1, sig) < 0)
      bad = TwinRdFail(&rd, "cannot write to %s (HDF5: %s)", tmp, TwinRdHdfWhy(why, sizeof(why)));
  }
  if (grp >= 0 && H5Gclose(grp) < 0 && !bad) bad = TwinRdFail(&rd, "cannot write to %s (HDF5: %s)", tmp, TwinRdHdfWhy(why, sizeof(why)));
  bad  = TwinWrEnd(&rd, tmp, file, bad);
  file = -1;
done:
  if (file >= 0) {
    H5Fclose(file);
    (void)unlink(tmp);
  }
  free(t);
  free(s);
  free(nm);
  free(kd);
  free(pos);
  free(dir);
  free(sig);
  TwinRdEnd(&rd);
  return bad;
}

/*@C
  TwinSensorLayoutWrite - Write a sensor layout file atomically (PATH.tmp.PID, then rename).
  Directions are written normalized (zero for temperature sensors). Collective; rank 0 writes
  its list.
@*/
PetscErrorCode TwinSensorLayoutWrite(MPI_Comm comm, const char path[], PetscInt n, const TwinSensor sensors[])
{
  PetscMPIInt rank;
  int         bad = 0;
  char        msg[TWIN_OBS_MSG_LEN] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) bad = LayoutWriteFile(path, n, sensors, msg, sizeof(msg));
  PetscCallMPI(MPI_Bcast(&bad, 1, MPI_INT, 0, comm));
  if (bad) PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, comm));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_WRITE, "%s", msg);
  PetscFunctionReturn(0);
}

/* ---- the deck's sensors ---------------------------------------------------------------- */
/*@C
  TwinSensorsFromDeck - The deck's sensors: the layout file (sensors: {layout: FILE}) or the
  inline list, checked (unique names, kind, finite position, nonzero direction for displacement
  and strain sensors, normalized; sigma finite > 0). Errors name the deck and, for inline
  sensors, the line and column of the sensor; layout-file defects are prefixed with the deck
  position of sensors:. *sensors is allocated (PetscFree; NULL when n = 0, a deck without
  sensors). Collective on deck->comm.
@*/
PetscErrorCode TwinSensorsFromDeck(TwinDeck deck, PetscInt *n, TwinSensor **sensors)
{
  MPI_Comm        comm = deck->comm;
  TwinDeckSensors *d   = &deck->sensors;
  TwinSensor      *s;
  TwinNameIndex   *t;
  PetscInt         m = d->n, i = 0, j = 0;
  char             why[256];

  PetscFunctionBegin;
  *n       = 0;
  *sensors = NULL;
  if (!d->enabled) PetscFunctionReturn(0);
  if (d->layout[0]) {
    int  bad;
    char msg[TWIN_OBS_MSG_LEN];
    PetscCall(LayoutReadBcast(comm, d->layout, n, sensors, &bad, msg));
    PetscCheck(!bad, comm, PETSC_ERR_FILE_UNEXPECTED, "%s:%d:%d: sensors.layout: %s", deck->path, d->line, d->col, msg);
    PetscFunctionReturn(0);
  }
  PetscCheck(m >= 1, comm, PETSC_ERR_USER, "%s:%d:%d: sensors: the list is empty (expected at least one sensor, or {layout: FILE.h5})", deck->path, d->line, d->col);
  PetscCall(PetscMalloc1(m, &s));
  PetscCall(PetscArraycpy(s, d->list, m));
  for (i = 0; i < m; i++) {
    if (TwinSensorCheck(&s[i], why, sizeof(why))) {
      PetscCall(PetscFree(s));
      SETERRQ(comm, PETSC_ERR_USER, "%s:%d:%d: sensor %s: %s", deck->path, d->list[i].line, d->list[i].col, d->list[i].name, why);
    }
  }
  t = TwinNameTableCreate(m, s);
  PetscCheck(t, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory checking %" PetscInt_FMT " sensor names", m);
  if (TwinNameTableDuplicate(t, m, &i, &j)) {
    free(t);
    PetscCall(PetscFree(s));
    SETERRQ(comm, PETSC_ERR_USER, "%s:%d:%d: sensor name %s is used twice (also at %d:%d; names must be unique)", deck->path, d->list[j].line, d->list[j].col, d->list[j].name,
            d->list[i].line, d->list[i].col);
  }
  free(t);
  *n       = m;
  *sensors = s;
  PetscFunctionReturn(0);
}
