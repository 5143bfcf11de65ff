/* fuzz_snapshot.c: libFuzzer target for the sensor-file readers: TwinSnapshotParse (and
 * TwinSensorLayoutParse on the same bytes). Any input must give either a checked result or a
 * one-line message, never a crash, a leak, an out-of-bounds access or an HDF5 handle left open.
 * The readers take a path, so each input is written to a private temporary file first. Not part
 * of make check.
 *
 * Build (from the repository root; mpicc only supplies MPI's include and library flags):
 *   OMPI_CC=clang mpicc -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
 *     -D_POSIX_C_SOURCE=200809L -Iinclude -Ikernels $(pkg-config --cflags petsc hdf5-openmpi) \
 *     tests/fuzz/fuzz_snapshot.c src/obs/snapshot.c src/obs/sensorfile.c -o /tmp/fuzz_snapshot \
 *     $(pkg-config --libs petsc hdf5-openmpi) -lm
 * Run, seeded with the files of the bad-input test (tests/sensors/gen.py):
 *   /usr/bin/python3 tests/sensors/gen.py /tmp/snap_seeds && mkdir -p /tmp/snap_corpus && \
 *     find /tmp/snap_seeds -name '*.h5' -type f -size -64k -exec cp {} /tmp/snap_corpus/ \;
 *   printf 'leak:libhdf5\nleak:libopen-pal\nleak:libpmix\nleak:libhwloc\nleak:libmpi\nleak:mca_\n' \
 *     > /tmp/lsan_hdf5.supp
 *   ASAN_OPTIONS=leak_check_at_exit=0:allocator_may_return_null=1 \
 *   LSAN_OPTIONS=suppressions=/tmp/lsan_hdf5.supp /tmp/fuzz_snapshot -fork=2 -ignore_crashes=1 \
 *     -max_total_time=300 -max_len=16384 -rss_limit_mb=4096 /tmp/snap_corpus
 * (when LeakSanitizer fires, it reports every unfreed block of the process, MPI_Init's too: a
 * report whose only entries are Open MPI/PMIx/hwloc blocks, or unsymbolized strdup's from MPI
 * components, is that noise; a twinfe leak has a frame in src/obs. -detect_leaks=0 hunts for
 * crashes only.)
 * (libFuzzer also replays files given on its command line: /tmp/fuzz_snapshot FILE...)
 * Known findings inside libhdf5 1.10.8, not in twinfe, hence the options above: a damaged global
 * heap makes H5HG_read memcpy wild memory (SEGV without ASan; twinfe's collective readers parse
 * in a child process for this reason: tests/sensors/heap_crash.h5); damaged files make H5Fopen
 * and H5Dopen leak a few free-list blocks on their error paths (suppressed: leak:libhdf5 also
 * hides leaks whose stack passes through HDF5, but twinfe's own allocations are made from
 * twinfe's frames, and the vlen strings HDF5 allocates for twinfe go through a freed arena);
 * a damaged superblock makes HDF5 ask malloc for terabytes (allocator_may_return_null=1: the
 * failure is then reported as in production, "memory allocation failed ...").
 * libFuzzer checks every input for leaks (-detect_leaks=1, the default); leak_check_at_exit=0
 * only silences LeakSanitizer's report at exit about Open MPI's and hwloc's own allocations
 * from MPI_Init, which the target never finalizes. HDF5 itself is not instrumented: a defect
 * inside libhdf5 shows up as a crash (SEGV) rather than as an ASan report.
 * OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 are needed as root. */
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <twinfe/obs.h>

static char             path[64];
static const TwinSensor layout[] = {
  {"tc1", TWIN_SENSOR_TEMPERATURE, {0.1, 0.05, 0}, {0, 0, 0}, 0.5, 0, 0},
  {"tc2", TWIN_SENSOR_TEMPERATURE, {0.2, 0.05, 0}, {0, 0, 0}, 0.5, 0, 0},
  {"tc3", TWIN_SENSOR_TEMPERATURE, {0.3, 0.05, 0}, {0, 0, 0}, 0.25, 0, 0},
  {"d1", TWIN_SENSOR_DISPLACEMENT, {0.4, 0.1, 0}, {1, 0, 0}, 1e-5, 0, 0},
  {"s1", TWIN_SENSOR_STRAIN, {0.2, 0.0, 0}, {0, 1, 0}, 1e-6, 0, 0},
};
#define NLAYOUT ((PetscInt)(sizeof(layout) / sizeof(layout[0])))

static void Remove(void)
{
  unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  if (PetscInitializeNoArguments()) return 1;
  /* errors are expected: return them quietly */
  if (PetscPushErrorHandler(PetscReturnErrorHandler, NULL)) return 1;
  snprintf(path, sizeof(path), "/tmp/fuzz_snapshot.%ld.h5", (long)getpid());
  atexit(Remove);
  /* initialize HDF5 (and its error stacks) before the first input, so that the library's own
     one-time allocations are not counted as a leak of that input */
  if (H5open() < 0) return 1;
  {
    char         msg[256];
    TwinSnapshot snap;
    (void)TwinSnapshotParse(path, NLAYOUT, layout, 0, &snap, msg, sizeof(msg));
  }
  return 0;
}

/* A message must be one line that starts with the file name. */
static void CheckMessage(const char msg[])
{
  if (strncmp(msg, path, strlen(path)) || msg[strlen(path)] != ':' || strchr(msg, '\n')) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  FILE        *f = fopen(path, "wb");
  char         msg[2048];
  TwinSnapshot snap;
  double       start = 1795680000.0; /* 2026-11-26T08:00:00Z */
  PetscInt     n;
  TwinSensor  *s;

  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  fclose(f);

  if (TwinSnapshotParse(path, NLAYOUT, layout, start, &snap, msg, sizeof(msg))) {
    CheckMessage(msg);
    if (snap.sensor || snap.value || snap.sigma || snap.n) abort(); /* nothing left allocated */
  } else {
    /* what a reader promises to the filter */
    if (snap.n < 1 || snap.n > NLAYOUT || !isfinite(snap.time) || snap.time < 0) abort();
    for (PetscInt i = 0; i < snap.n; i++) {
      if (snap.sensor[i] < 0 || snap.sensor[i] >= NLAYOUT || isinf(snap.value[i]) || !(snap.sigma[i] > 0) || !isfinite(snap.sigma[i])) abort();
      for (PetscInt j = 0; j < i; j++)
        if (snap.sensor[j] == snap.sensor[i]) abort();
    }
    TwinSnapshotDestroy(&snap);
  }
  if (TwinSensorLayoutParse(path, &n, &s, msg, sizeof(msg))) CheckMessage(msg);
  else {
    if (n < 1) abort();
    for (PetscInt i = 0; i < n; i++)
      if (!s[i].name[0] || !(s[i].sigma > 0) || !isfinite(s[i].sigma)) abort();
    PetscFree(s);
  }
  if (H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL) != 0) abort(); /* a handle left open */
  return 0;
}
