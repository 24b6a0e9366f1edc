# hycast: one non-recursive Makefile.  Objects go under build/, the library to lib/, the tool to bin/.
#
#   make deps     install missing Debian packages (no-op when everything is there)
#   make          build lib/libhycast.a and bin/hycast
#   make test     deps + build + run the whole suite (ends with "N passed, N failed"); K=regex runs a subset
#   make demo     deps + build + run the main job on the built-in default
#   make bench    deps + build + the benchmarks of BENCHMARKS.md (bench/, writes bench/results.md; ~15 min)
#   make format   clang-format every C source and header in place
#   make clean    remove build/, bin/, lib/ (but not the MPICH PETSc of build/mpich/prefix)
#
# SANITIZE=1 on make or make test: AddressSanitizer + UndefinedBehaviorSanitizer build in build/asan/ (objects, lib/,
# bin/hycast, tests), the suite run against it; bin/hycast and lib/ stay as they are (docs/testing.md).
#
# A different PETSc (a cluster's own, e.g. built on MPICH): make PETSC_DIR=/path PETSC_ARCH=arch
# The compiler, its flags and the MPI come from that PETSc's pkg-config file.
# MPICH instead of OpenMPI (docs/mpich.md): MPI=mpich on any goal above, e.g. make deps MPI=mpich (builds FFTW-MPI and
# PETSc on MPICH into build/mpich/prefix or PREFIX=dir; 10 to 50 min, once), make test MPI=mpich.  make clean MPI=mpich
# removes that flavour's objects only; make clean-mpich removes build/mpich (its PETSc too).

SHELL        := /bin/bash
.DEFAULT_GOAL := all

BUILD        ?= build
# The shared data directory (real observations the tests and experiments read, never copied here): the one place its
# default is set; tests and configs read the exported variable.
HYCAST_DATA  ?= $(abspath $(CURDIR)/../shared/data)
export HYCAST_DATA
PYTHON       ?= /usr/bin/python3
PKG_CONFIG   ?= pkg-config
OPTFLAGS     ?= -O3 -g
WARNFLAGS    ?= -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare
TEST_ARGS    ?=
BENCH_ARGS   ?=
K            ?=
DEMO_OUT     ?= out/demo
# the longer experiments (configs/NAME.py, make experiment-NAME)
EXPERIMENTS  := hybrid envs ersst forcing

# Debian packages the build and tests need (make deps); later issues add to the list.
DEPS_PKGS    := petsc-dev libfftw3-dev libfftw3-mpi-dev libnetcdf-dev netcdf-bin pkg-config build-essential \
                python3 clang-format
# the PyTorch cross-check (make test) and the Python post-processing
DEPS_PKGS    += python3-torch python3-netcdf4 python3-xarray python3-matplotlib
# Packages only the benchmarks need (make bench): an optimised BLAS for the PyTorch reference.
BENCH_PKGS   := libopenblas0-pthread
SUDO         := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

ifeq ($(V),1)
  Q :=
else
  Q := @
endif

# Goals that must work before any dependency is installed: they never look for PETSc.
PLAIN_GOALS  := deps clean clean-mpich test demo format help bench deps-bench

# ---- MPI=mpich: the MPICH flavour (docs/mpich.md).  Debian's PETSc and FFTW-MPI are built on OpenMPI, so
# .ci/build-mpich-petsc.sh (make deps MPI=mpich) builds both on MPICH into PREFIX; objects go to build/mpich/obj, so
# that both flavours' objects survive; bin/hycast and lib/libhycast.a are relinked whenever the flavour changes.
MPI          ?=
MPICH_DIR    := build/mpich
ifeq ($(MPI),mpich)
  PREFIX     ?= $(CURDIR)/$(MPICH_DIR)/prefix
  override PREFIX := $(abspath $(PREFIX))
  ifneq ($(origin BUILD),command line)
    BUILD    := $(MPICH_DIR)/obj
  endif
  # this flavour's PETSc, unless one is named on the command line (an exported PETSC_DIR is OpenMPI's, or a cluster's)
  ifneq ($(origin PETSC_DIR),command line)
    PETSC_DIR  := $(PREFIX)
    PETSC_ARCH :=
  endif
  # Debian's packages without its OpenMPI PETSc and FFTW-MPI, plus MPICH; the build script installs what it needs too
  DEPS_PKGS  := $(filter-out petsc-dev libfftw3-mpi-dev,$(DEPS_PKGS)) mpich libmpich-dev
  DEPS_BUILD := bash .ci/build-mpich-petsc.sh '$(PREFIX)'
  # FFTW (serial and MPI) of PREFIX, found at run time through an rpath, as is PETSc
  EXT_PC_PATH := PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH))
  EXT_LDFLAGS := -L$(PREFIX)/lib -Wl,-rpath,$(PREFIX)/lib
  MPIEXEC    ?= mpiexec.mpich
else ifneq ($(MPI),)
  $(error MPI=$(MPI): only MPI=mpich is known (the default, without MPI=, is Debian's OpenMPI))
endif
# ---- end MPI=mpich

# ---- SANITIZE=1: everything (objects, library, tool, tests) in $(BUILD)/asan, e.g. build/asan/bin/hycast; the
# sanitizer runtimes are linked into our programs only (no LD_PRELOAD), and UB stops the run as ASan's errors do.
SANITIZE     ?=
ifeq ($(SANITIZE),1)
  ifneq ($(origin BUILD),command line)
    BUILD    := $(BUILD)/asan
  endif
  SAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  OUT_DIR    := $(BUILD)/
  # tests/run.py points the runtimes at the suppressions of MPI's own leaks (tests/sanitize/) and collects reports
  SAN_RUN    := --hycast $(BUILD)/bin/hycast --sanitize
else ifneq ($(SANITIZE),)
  $(error SANITIZE=$(SANITIZE): use SANITIZE=1 (AddressSanitizer + UndefinedBehaviorSanitizer) or leave it unset)
endif
# ---- end SANITIZE=1
# ---- the kernels' x86-64 level (docs/benchmarks.md, "Every x86-64 level").  By default the hot loops are compiled for
# x86-64-v4 (AVX-512), x86-64-v3 (AVX2, FMA) and the x86-64 baseline and the widest the CPU has is picked at load time.
#   HC_CLONES=0     only the level of -march (the compiler's default: x86-64), e.g. for a compiler without target
#                   attributes; objects in $(BUILD)/noclones, bin/hycast and lib/ relinked from them (as MPI=mpich)
#   ISA=LEVEL       everything for LEVEL only (x86-64, x86-64-v2, x86-64-v3, x86-64-v4): -march=LEVEL, HC_CLONES=0,
#                   objects, library and programs in build/isa-LEVEL (bin/ and lib/ untouched), so that any machine
#                   that has LEVEL measures it: make bench ISA=x86-64-v3
ISA          ?=
HC_CLONES    ?= 1
ISA_LEVELS   := x86-64 x86-64-v2 x86-64-v3 x86-64-v4
ifneq ($(ISA),)
  ifeq ($(filter $(ISA_LEVELS),$(ISA)),)
    $(error ISA=$(ISA): one of $(ISA_LEVELS))
  endif
  override HC_CLONES := 0
  ifneq ($(origin BUILD),command line)
    BUILD    := $(BUILD)/isa-$(ISA)
  endif
  ISA_FLAGS  := -march=$(ISA)
else ifeq ($(HC_CLONES),0)
  ifneq ($(origin BUILD),command line)
    BUILD    := $(BUILD)/noclones
  endif
else ifneq ($(HC_CLONES),1)
  $(error HC_CLONES=$(HC_CLONES): 0 or 1)
endif
ifeq ($(HC_CLONES),0)
  ISA_FLAGS  += -DHC_CLONES=0
endif
# ---- end of the kernels' level
# bin/, lib/ of a sanitized or single-level build live in its own folder
OUT_DIR      := $(if $(or $(ISA),$(filter 1,$(SANITIZE))),$(BUILD)/)
NEED_CONFIG  := $(if $(MAKECMDGOALS),$(filter-out $(PLAIN_GOALS) print-%,$(MAKECMDGOALS)),all)
ifneq ($(filter print-%,$(MAKECMDGOALS)),)
  NEED_CONFIG := print
endif

ifneq ($(NEED_CONFIG),)
  ifdef PETSC_DIR
    PETSC_PC_DIR := $(abspath $(PETSC_DIR)/$(PETSC_ARCH)/lib/pkgconfig)
    ifeq ($(wildcard $(PETSC_PC_DIR)/PETSc.pc $(PETSC_PC_DIR)/petsc.pc),)
      ifeq ($(MPI)-$(PETSC_DIR),mpich-$(PREFIX))
        $(error MPI=mpich: no PETSc.pc in $(PETSC_PC_DIR). Run 'make deps MPI=mpich' first (builds PETSc on MPICH: 10 to 50 min))
      endif
      $(error PETSC_DIR=$(PETSC_DIR) PETSC_ARCH=$(PETSC_ARCH): no PETSc.pc in $(PETSC_PC_DIR). Point PETSC_DIR/PETSC_ARCH at an installed PETSc, or unset them to use the system PETSc)
    endif
    # make 4.3 does not pass exported variables to $(shell): put the path on the command itself
    PETSC_PKG_CONFIG := PKG_CONFIG_PATH=$(PETSC_PC_DIR)$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH)) $(PKG_CONFIG)
  else
    PETSC_PKG_CONFIG := $(PKG_CONFIG)
  endif
  ifneq ($(shell $(PETSC_PKG_CONFIG) --exists PETSc && echo yes),yes)
    $(error pkg-config cannot find PETSc. Run 'make deps' (Debian) or set PETSC_DIR/PETSC_ARCH)
  endif
  PETSC_PREFIX := $(shell $(PETSC_PKG_CONFIG) --variable=prefix PETSc)
  CC           := $(shell $(PETSC_PKG_CONFIG) --variable=ccompiler PETSc)
  PETSC_CFLAGS := $(shell $(PETSC_PKG_CONFIG) --cflags PETSc)
  PETSC_LIBS   := $(shell $(PETSC_PKG_CONFIG) --libs PETSc)
  EXT_CFLAGS   := $(shell $(EXT_PC_PATH) $(PKG_CONFIG) --cflags fftw3 netcdf 2>/dev/null)
  EXT_LIBS     := $(EXT_LDFLAGS) -lfftw3_mpi $(shell $(EXT_PC_PATH) $(PKG_CONFIG) --libs fftw3 netcdf 2>/dev/null || echo -lfftw3 -lnetcdf)
  # mpiexec that belongs to this PETSc's MPI: from PETSc's own configuration when it records one.
  PETSC_VARS   := $(wildcard $(PETSC_PREFIX)/lib/petsc/conf/petscvariables)
  MPIEXEC      ?= $(or $(firstword $(if $(PETSC_VARS),$(shell sed -n 's/^MPIEXEC = //p' $(PETSC_VARS)))),mpiexec)
endif

CPPFLAGS     := -Iinclude -iquote src $(PETSC_CFLAGS) $(EXT_CFLAGS)
CFLAGS       := $(OPTFLAGS) $(ISA_FLAGS) $(WARNFLAGS) -std=c99 -fPIC -MMD -MP $(SAN_FLAGS)
LDLIBS       := $(PETSC_LIBS) $(EXT_LIBS) -lm

LIB_SRCS     := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
CLI_SRCS     := $(sort $(wildcard src/cli/*.c))
TEST_SRCS    := $(sort $(wildcard tests/t[0-9][0-9][0-9]-*.c))
TESTUTIL     := tests/testutil.c

LIB_OBJS     := $(LIB_SRCS:%.c=$(BUILD)/%.o)
# every option name quoted in src/, for the commands' check of unknown options (the nearest known name)
OPTNAMES     := $(BUILD)/gen/optionnames.c
CLI_OBJS     := $(CLI_SRCS:%.c=$(BUILD)/%.o) $(OPTNAMES:%.c=%.o)
TEST_BINS    := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
TESTUTIL_OBJ := $(TESTUTIL:%.c=$(BUILD)/%.o)
BENCH_SRCS   := $(sort $(wildcard bench/*.c))
BENCH_BINS   := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
LIBHYCAST    := $(OUT_DIR)lib/libhycast.a
HYCAST       := $(OUT_DIR)bin/hycast
# Which MPI flavour and PETSc bin/hycast and lib/libhycast.a are linked with: rewritten (when a build reads this
# Makefile) only when that changes, so that switching between make and make MPI=mpich relinks them (from that
# flavour's objects).
LINK_STAMP   := $(OUT_DIR)lib/.hycast-link
LINK_ID      := $(or $(MPI),default) $(PETSC_PREFIX)$(if $(filter 0,$(HC_CLONES)), clones off)
ifneq ($(filter-out print,$(NEED_CONFIG)),)
  $(shell mkdir -p $(dir $(LINK_STAMP)) && [ "$$(cat $(LINK_STAMP) 2>/dev/null)" = "$(LINK_ID)" ] || echo "$(LINK_ID)" > $(LINK_STAMP))
endif

.PHONY: all deps test check demo run-demo $(addprefix experiment-,$(EXPERIMENTS)) format clean clean-mpich help tests bench \
        deps-bench run-bench
all: $(HYCAST) $(LIBHYCAST)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# The MLP's dense layers and the Fourier layer's pointwise products (and the tanh inlined in them) with fused
# multiply-adds: -std=c99 turns contraction off, here it is turned back on (docs/benchmarks.md). The AVX2 and
# AVX-512 clones of HC_KERNEL functions both use FMA and agree bit for bit; the baseline x86-64 clone, without FMA,
# differs in the last bits.
# -fno-trapping-math (no change to any value: floating-point exceptions are not looked at) lets GCC vectorise the
# tanh's clamp at AVX2 and the baseline ("control flow in loop" otherwise: the tanh rows ran scalar, 3x AVX-512's time).
$(BUILD)/src/nn/network.o $(BUILD)/src/fno/fno.o: CFLAGS += -ffp-contract=fast -fno-trapping-math
$(BUILD)/src/nn/network.o $(BUILD)/src/fno/fno.o: Makefile

$(LINK_STAMP): ;

$(OPTNAMES): $(LIB_SRCS) $(CLI_SRCS)
	@mkdir -p $(@D)
	$(Q){ echo '/* generated by the Makefile from the option names quoted in src/ */'; \
	  echo 'const char *const HcOptionNames[] = {'; \
	  grep -ohE '"-[a-z][a-z0-9_]*"' $^ | sort -u | sed 's/$$/,/'; echo '0};'; } > $@

$(OPTNAMES:%.c=%.o): $(OPTNAMES)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIBHYCAST): $(LIB_OBJS) $(LINK_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $(filter %.o,$^)

$(HYCAST): $(CLI_OBJS) $(LIBHYCAST) $(LINK_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $(CLI_OBJS) $(LIBHYCAST) $(LDLIBS)

$(TEST_BINS): $(BUILD)/tests/%: $(BUILD)/tests/%.o $(TESTUTIL_OBJ) $(LIBHYCAST)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(TESTUTIL_OBJ) $(LIBHYCAST) $(LDLIBS)

tests: $(TEST_BINS) $(HYCAST) $(BENCH_BINS)

# The suite: tests/run.py reads tests/suite.txt and prints one line per test, then "N passed, N failed".
check: tests
	$(Q)MPIEXEC="$(MPIEXEC)" $(PYTHON) tests/run.py --build $(BUILD) $(SAN_RUN) $(if $(K),-k '$(K)') $(TEST_ARGS)

test: deps
	$(Q)$(MAKE) --no-print-directory check

demo: deps
	$(Q)$(MAKE) --no-print-directory run-demo

# the whole pipeline (configs/demo.py): generate, train, forecast at two resolutions, evaluate, plot; in $(DEMO_OUT)/
run-demo: $(HYCAST)
	$(Q)MPIEXEC="$(MPIEXEC)" $(PYTHON) configs/demo.py $(DEMO_OUT)

# The longer experiments (docs/experiments/: one page each) (configs/*.py; minutes to tens of minutes each), output in out/NAME/
$(addprefix experiment-,$(EXPERIMENTS)): experiment-%: $(HYCAST)
	$(Q)MPIEXEC="$(MPIEXEC)" $(PYTHON) configs/$*.py out/$*

# OpenMPI refuses to start as root without these; set only when we are root.
MPIEXEC_ROOT := $(if $(SUDO),,OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)

deps:
	$(Q)missing=""; for p in $(DEPS_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "make deps: all $(words $(DEPS_PKGS)) packages present, nothing to install"; \
	else echo "make deps: installing$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null && \
	  echo "make deps: done"; fi
	$(if $(DEPS_BUILD),$(Q)$(DEPS_BUILD))

# Benchmark programs (bench/*.c) and the driver that runs every figure and writes bench/results.md.
# -l:libblas.so.3: -bench_mode gemm calls dgemm itself (the BLAS PETSc runs on; its runtime name needs no -dev package)
$(BENCH_BINS): $(BUILD)/bench/%: $(BUILD)/bench/%.o $(TESTUTIL_OBJ) $(LIBHYCAST)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $< $(TESTUTIL_OBJ) $(LIBHYCAST) $(LDLIBS) -l:libblas.so.3

bench: deps deps-bench
	$(Q)$(MAKE) --no-print-directory run-bench

deps-bench:
	$(Q)$(MAKE) --no-print-directory deps DEPS_PKGS="$(BENCH_PKGS)"

run-bench: $(BENCH_BINS) $(HYCAST)
	$(Q)$(MPIEXEC_ROOT) MPIEXEC="$(MPIEXEC)" $(PYTHON) bench/run-bench.py --build $(BUILD) --hycast $(HYCAST) $(if $(ISA),--isa $(ISA)) \
	  $(if $(filter 0,$(HC_CLONES)),--no-clones) $(BENCH_ARGS)

format:
	$(Q)clang-format -i $$(find src include tests bench -name '*.[ch]')

# make clean keeps the MPICH prefix (PETSc and FFTW built on MPICH, 10 to 50 min of work): make clean-mpich removes it.
# make clean SANITIZE=1 removes the sanitized build only.
ifeq ($(SANITIZE),1)
clean:
	rm -rf $(BUILD)
else ifeq ($(MPI),mpich)
clean:
	rm -rf $(BUILD) bin lib
else ifneq ($(wildcard $(MPICH_DIR)),)
clean:
	rm -rf $(filter-out $(MPICH_DIR),$(wildcard $(BUILD)/* $(BUILD)/.[!.]*)) bin lib
else
clean:
	rm -rf $(BUILD) bin lib
endif

clean-mpich:
	rm -rf $(MPICH_DIR)
	$(if $(filter-out $(abspath $(MPICH_DIR))/%,$(PREFIX)),@echo "make clean-mpich: PREFIX=$(PREFIX) is not under $(MPICH_DIR): remove it yourself")

help:
	@sed -n '2,15s/^# \{0,1\}//p' Makefile

print-%:
	@echo '$*=$($*)'

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(TEST_BINS:=.d) $(TESTUTIL_OBJ:.o=.d) $(BENCH_BINS:=.d)
