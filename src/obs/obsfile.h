/* obsfile.h: private to src/obs/sensorfile.c and src/obs/snapshot.c. Defensive readers of
 * untrusted HDF5 files (sensor layouts, snapshots): no PETSc error handler, no HDF5 error
 * printing, every size capped before anything is allocated, every handle closed on every
 * path. Each reader returns 0, or 1 with a one-line message "FILE: what is wrong (what was
 * expected)" in rd->msg. The formats are in docs/formats.md. */
#ifndef TWIN_OBSFILE_H
#define TWIN_OBSFILE_H

#include <twinfe/obs.h>
#include <hdf5.h>

#define TWIN_OBS_MAX_N       1000000 /* entries of any list (sensors, observations) */
#define TWIN_OBS_MAX_STR     255     /* bytes of any string read from a file */
#define TWIN_OBS_MSG_LEN     2048    /* messages broadcast by the collective readers */
#define TWIN_OBS_FORMAT      1       /* format_version written and read */
#define TWIN_OBS_KNOWN_SHOWN 8       /* known names listed in an "unknown sensor" message */

#if defined(__GNUC__)
  #define TWIN_OBS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
  #define TWIN_OBS_PRINTF(a, b)
#endif

typedef struct {
  const char *file; /* the path as given, first word of every message */
  char       *msg;
  size_t      msglen;
  H5E_auto2_t oldfunc; /* HDF5's error printing, restored by TwinRdEnd */
  void       *olddata;
} TwinRd;

/* A dataset opened for reading: its type class and shape. */
typedef struct {
  hid_t       dset, type, space;
  H5T_class_t cls;
  int         ndims;    /* 0: scalar or null dataspace */
  hsize_t     dims[H5S_MAX_RANK];
  const char *label;    /* for messages, e.g. "/sensors/name" */
} TwinRdDset;

/* Silence HDF5's error printing (TwinRdBegin) and restore it (TwinRdEnd). */
PETSC_INTERN void TwinRdBegin(TwinRd *rd, const char file[], char msg[], size_t msglen);
PETSC_INTERN void TwinRdEnd(TwinRd *rd);
/* Set the message "FILE: ..."; returns 1. */
PETSC_INTERN int TwinRdFail(TwinRd *rd, const char fmt[], ...) TWIN_OBS_PRINTF(2, 3);
/* Untrusted text made printable for a message (control bytes -> '?', long text cut with ...). */
PETSC_INTERN const char *TwinRdQuote(const char s[], char buf[], size_t len);
/* The innermost message of HDF5's current error stack (why the last call failed). */
PETSC_INTERN const char *TwinRdHdfWhy(char buf[], size_t len);
/* "[12][3]" */
PETSC_INTERN const char *TwinRdShape(const TwinRdDset *d, char buf[], size_t len);
/* Open a file that is claimed to be HDF5: regular, non-empty, readable, HDF5 signature, opens. */
PETSC_INTERN int TwinRdOpenFile(TwinRd *rd, hid_t *file);
/* Root attribute format_version, if present: a number <= TWIN_OBS_FORMAT. */
PETSC_INTERN int TwinRdCheckVersion(TwinRd *rd, hid_t file);
/* Is there a link name in loc (no intermediate groups in name)? */
PETSC_INTERN int TwinRdExists(TwinRd *rd, hid_t loc, const char name[], const char label[], int *exists);
/* Open dataset name of loc. want: H5T_FLOAT (numbers: float or integer) or H5T_STRING. A
 * missing dataset is an error unless found != NULL (then *found = 0, d->dset < 0). */
PETSC_INTERN int  TwinRdDsetOpen(TwinRd *rd, hid_t loc, const char name[], const char label[], H5T_class_t want, int *found, TwinRdDset *d);
PETSC_INTERN void TwinRdDsetClose(TwinRdDset *d);
/* Read all elements (the caller checked the shape and allocated) as doubles. */
PETSC_INTERN int TwinRdDsetReals(TwinRd *rd, TwinRdDset *d, double out[]);
/* Read a 1-D string dataset of n = dims[0] entries as names: 1 to TWIN_NAME_LEN - 1 bytes, no
 * control characters. out[n][TWIN_NAME_LEN]. Reads blocks, so memory stays bounded. */
PETSC_INTERN int TwinRdDsetNames(TwinRd *rd, TwinRdDset *d, char (*out)[TWIN_NAME_LEN]);
/* A scalar (or one-element) attribute of loc: numbers, or a string of <= TWIN_OBS_MAX_STR bytes.
 * *found = 0 when it is absent. */
PETSC_INTERN int TwinRdAttrReal(TwinRd *rd, hid_t loc, const char name[], int *found, double *value);
PETSC_INTERN int TwinRdAttrString(TwinRd *rd, hid_t loc, const char name[], int *found, char out[TWIN_OBS_MAX_STR + 1]);

/* Name lookup: sorted (name, index) pairs of a sensor list. */
typedef struct {
  const char *name;
  PetscInt    index;
} TwinNameIndex;
/* Sorted table (malloc, free it); NULL when out of memory. */
PETSC_INTERN TwinNameIndex *TwinNameTableCreate(PetscInt n, const TwinSensor sensors[]);
/* Index of name, or -1. */
PETSC_INTERN PetscInt TwinNameTableFind(const TwinNameIndex *t, PetscInt n, const char name[]);
/* First duplicate pair (i < j, in list order of the first duplicated name found) in a sorted
 * table: 1 if any. */
PETSC_INTERN int TwinNameTableDuplicate(const TwinNameIndex *t, PetscInt n, PetscInt *i, PetscInt *j);
/* Nearest known name by edit distance (NULL: none close enough, or too many to search). */
PETSC_INTERN const char *TwinNameSuggest(const char name[], PetscInt n, const TwinSensor sensors[]);

/* Check one sensor (kind, finite position, direction nonzero for displacement/strain: it is
 * normalized, temperature: zeroed; sigma finite > 0). 0, or 1 with what is wrong in why. */
PETSC_INTERN int TwinSensorCheck(TwinSensor *s, char why[], size_t len);
PETSC_INTERN const char *TwinSensorKindName(TwinSensorKind kind);

/* Allocate n (>= 1) items with PetscMalloc without PETSc's error handler printing anything
 * (out of memory is a message, not a traceback). NULL on failure. */
PETSC_INTERN void *TwinObsMalloc(size_t n, size_t size);
/* HDF5 file access list for a reader: strong close, no file locking. */
PETSC_INTERN hid_t TwinObsFapl(void);
/* Writers (trusted data): variable-length UTF-8 strings [n], float64 arrays, scalar attributes;
 * negative on failure. TwinWrBegin creates the temporary file with format_version; TwinWrEnd
 * closes it and renames it into place (rd->file), or removes it when bad or on failure. */
PETSC_INTERN herr_t TwinWrStrings(hid_t loc, const char name[], hsize_t n, const char *const strs[]);
PETSC_INTERN herr_t TwinWrReals(hid_t loc, const char name[], int ndims, const hsize_t dims[], const double v[]);
PETSC_INTERN herr_t TwinWrAttr(hid_t loc, const char name[], hid_t ftype, hid_t mtype, const void *v);
PETSC_INTERN int    TwinWrBegin(TwinRd *rd, const char tmp[], hid_t *file);
PETSC_INTERN int    TwinWrEnd(TwinRd *rd, const char tmp[], hid_t file, int bad);
/* Run fn (a parser of FILE) in a child process, so that a defect of libhdf5 itself on a damaged
 * file (HDF5 1.10 crashes on some: a corrupt global heap makes H5HG_read copy wild memory) is a
 * message, not a dead run. fn returns 0 and a malloc'ed payload, or nonzero and a message; the
 * child sends either through a pipe. A child killed by a signal or running longer than
 * TWIN_OBS_SANDBOX_SECONDS gives "FILE: ... (the file is damaged)". Without fork (it fails, or
 * TWINFE_SENSOR_SANDBOX=0 in the environment) fn runs in this process. */
#define TWIN_OBS_SANDBOX_SECONDS 120
typedef int (*TwinSandboxFn)(void *ctx, char msg[], size_t msglen, void **payload, size_t *size);
PETSC_INTERN int TwinSandboxRun(const char file[], TwinSandboxFn fn, void *ctx, size_t maxsize, char msg[], size_t msglen, void **payload, size_t *size);
/* Temporary name of an atomic write: PATH.tmp.PID */
PETSC_INTERN void TwinObsTmpName(const char path[], char tmp[], size_t len);

#endif
