# twinfe build. Everything is found with pkg-config; `make deps` installs what is missing.
#   make            build bin/twinfe and libtwinfe.a
#   make check      unit tests, MPI tests (1, 2, 4 ranks), restart, ensembles, bad-input tests,
#                   validation, and the Slurm tests on a private local Slurm
#   make validate   the validation table (published reference values)
#   make bench      performance figures (printed, never pass/fail)
#   make demo       run the shipped demo twin on 2 ranks and plot its sensors (out/demo-twin)
PKGS      := petsc hdf5-openmpi hwloc cunit yaml-0.1
CC        := mpicc
OPT       ?= -O3 -march=x86-64-v2 -funroll-loops
CFLAGS    ?= $(OPT) -g
WARN      := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Werror=implicit-function-declaration
CPPFLAGS  += -Iinclude -Ikernels $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ALLCFLAGS  = -std=c11 -D_POSIX_C_SOURCE=200809L -fopenmp $(WARN) $(CFLAGS) -MMD -MP
LDLIBS    += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -llapack -lblas -lm  # BLAS/LAPACK: PETSc's own (src/filter calls them through petscblaslapack.h)
LDFLAGS   += -fopenmp -Wl,-rpath,$(shell pkg-config --variable=libdir petsc 2>/dev/null)
PREFIX    ?= /usr/local
MPIEXEC   ?= mpiexec --oversubscribe --bind-to none
export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
export OMP_NUM_THREADS ?= 1

V         ?= 0
Q         := $(if $(filter 1,$(V)),,@)
GITREV    := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
BUILD     := build
KERN_SRC  := $(wildcard kernels/*.c)
LIB_SRC   := $(filter-out src/app/main.c,$(wildcard src/*/*.c))
APP_SRC   := src/app/main.c
KERN_OBJ  := $(KERN_SRC:%.c=$(BUILD)/%.o)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libtwinfe.a
UNIT_SRC  := $(wildcard tests/unit/*.c)
UNIT_BIN  := $(BUILD)/tests/unit_tests
MPI_SRC   := $(wildcard tests/mpi/*.c)
MPI_BIN   := $(MPI_SRC:%.c=$(BUILD)/%)
VAL_SRC   := $(wildcard validation/*.c)
VAL_BIN   := $(VAL_SRC:%.c=$(BUILD)/%)
BENCH_SRC := $(wildcard scripts/bench/*.c)
BENCH_BIN := $(BENCH_SRC:%.c=$(BUILD)/%)

.PHONY: all deps check unit mpitest badinput validate bench demo install format clean
all: bin/twinfe

deps:
	@./scripts/install-deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) -DTWINFE_GITREV='"$(GITREV)"' $(ALLCFLAGS) -c $< -o $@

$(LIB): $(KERN_OBJ) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	$(Q)ar rcs $@ $^

bin/twinfe: $(BUILD)/src/app/main.o $(LIB)
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(UNIT_BIN): $(UNIT_SRC:%.c=$(BUILD)/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/mpi/%: $(BUILD)/tests/mpi/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/tests/sensors/snapcheck: $(BUILD)/tests/sensors/snapcheck.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/validation/%: $(BUILD)/validation/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/scripts/bench/%: $(BUILD)/scripts/bench/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The test suite: every part must pass. Runs the deps check and builds first.
check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(MPI_BIN) $(VAL_BIN)
	@$(MAKE) --no-print-directory unit mpitest badinput validate slurmtest
	@echo "make check: all suites passed"

unit: $(UNIT_BIN)
	$(UNIT_BIN)

mpitest: bin/twinfe $(MPI_BIN)
	MPIEXEC="$(MPIEXEC)" ./tests/mpi/run.sh
	MPIEXEC="$(MPIEXEC)" ./tests/mpi/box_parallel.sh
	MPIEXEC="$(MPIEXEC)" ./tests/mpi/layout.sh
	MPIEXEC="$(MPIEXEC)" ./tests/mpi/solver.sh
	./tests/ensemble/run.sh
	./tests/restart/run.sh
	./tests/twin/run.sh

badinput: bin/twinfe $(BUILD)/tests/sensors/snapcheck
	./tests/decks/run.sh
	./tests/sensors/run.sh

validate: bin/twinfe $(VAL_BIN)
	MPIEXEC="$(MPIEXEC)" ./validation/run.sh

bench: deps all $(BENCH_BIN)
	MPIEXEC="$(MPIEXEC)" ./scripts/bench/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	$(MPIEXEC) -n 2 bin/twinfe run inputs/demo/twin.yaml --groups 2 --overwrite
	/usr/bin/python3 scripts/plot_twin.py out/demo-twin --truth inputs/demo/sensors/truth.h5

install: all
	install -d $(PREFIX)/bin $(PREFIX)/lib $(PREFIX)/include/twinfe
	install -m 755 bin/twinfe $(PREFIX)/bin/
	install -m 644 $(LIB) $(PREFIX)/lib/
	install -m 644 include/twinfe/*.h $(PREFIX)/include/twinfe/
	install -m 644 kernels/twk.h $(PREFIX)/include/

format:
	@TWINFE_DEPS_EXTRA=1 ./scripts/install-deps.sh
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) bin

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# the git revision is compiled into sys.o: rebuild it whenever HEAD moves
$(BUILD)/src/sys/sys.o: FORCE
.PHONY: FORCE
FORCE:

# Slurm operations layer on a private single-node Slurm (root; not part of `check`)
.PHONY: slurmtest
slurmtest: all
	./tests/slurm/run.sh
