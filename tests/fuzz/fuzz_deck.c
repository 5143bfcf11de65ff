/* fuzz_deck.c: libFuzzer target for the deck reader (YAML parser, validator and --set paths).
 * Any input must give either a deck or one PETSc error, never a crash, a leak or an
 * out-of-bounds access. Not part of make check.
 *
 * Build (from the repository root; mpicc only supplies MPI's include and library flags):
 *   OMPI_CC=clang mpicc -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 \
 *     -D_POSIX_C_SOURCE=200809L -Iinclude $(pkg-config --cflags petsc yaml-0.1) \
 *     tests/fuzz/fuzz_deck.c src/deck/deck[a-z]*.c -o /tmp/fuzz_deck \
 *     $(pkg-config --libs petsc yaml-0.1) -lm
 * Run, seeded with the bad-input decks (and the shipped decks, if any):
 *   mkdir -p /tmp/fuzz_corpus && cp tests/decks/[a-z]*.yaml /tmp/fuzz_corpus/
 *   ASAN_OPTIONS=leak_check_at_exit=0 /tmp/fuzz_deck -max_total_time=300 -max_len=4096 \
 *     /tmp/fuzz_corpus
 * libFuzzer checks every input for leaks (-detect_leaks=1, the default); leak_check_at_exit=0
 * only silences LeakSanitizer's report at exit about Open MPI's and hwloc's own allocations
 * from MPI_Init, which the target never finalizes.
 * OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 are needed as root. */
#include <stdint.h>
#include <string.h>
#include <twinfe/deck.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  if (PetscInitializeNoArguments()) return 1;
  /* errors are expected: return them quietly */
  if (PetscPushErrorHandler(PetscReturnErrorHandler, NULL)) return 1;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  TwinDeck deck = NULL;
  TwinNode node;

  if (TwinDeckLoadString(PETSC_COMM_SELF, "fuzz.yaml", "/nonexistent", (const char *)data, size,
                         &deck))
    return 0;
  /* a valid deck: exercise paths and overrides on it too */
  (void)TwinNodeFind(deck->root, "mechanics.boundaries[0].value[1]", &node);
  (void)TwinDeckSet(deck, "materials.x.E=1");
  (void)TwinDeckSet(deck, "mechanics.boundaries[0].value=[0, ~]");
  (void)TwinDeckSet(deck, "output.directory=res");
  TwinDeckDestroy(&deck);
  return 0;
}
