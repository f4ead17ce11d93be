# kafkasim - one entry point: build, run, test, bench, clean.
# `make` builds build/kafkasim. `make run` and `make test` first install missing Debian
# packages (as root, with apt-get) or print the command that would.

CC ?= cc
PKGS := gsl yaml-0.1
DEB_PKGS := libgsl-dev libyaml-dev gnuplot-nox pkg-config libcmocka-dev
WARN := -std=c11 -Wall -Wextra -Wpedantic -Werror -D_POSIX_C_SOURCE=200809L
# -O3 rather than -O2: the 3-broker bench runs 3% fewer instructions and 10-18% less wall
# (alternating runs); outputs are the same bytes (no fast-math: same floating point).
OPT ?= -O3 -g $(STRINGOP)
# Profile-guided optimization, on by default (PGO=0: one plain build). build/obj is compiled
# with the branch and call counts that training runs (tests/bench/pgo-train.sh: every shipped
# scenario and the benchmark scenarios cut short) of an instrumented build in build/pgo left:
# the 3-broker bench 5-10% faster, the 100-broker one 3-7% (pairs); the same output bytes.
# GCC only (clang's profiles need a merge step this build does not run): PGO=0 with clang.
IS_CLANG := $(shell $(CC) -dM -E -x c /dev/null 2>/dev/null | grep -c __clang__)
PGO ?= $(if $(filter 0,$(IS_CLANG)),1,0)
ifeq ($(PGO),1)
PGO_USE = -fprofile-use -dumpbase build/pgo/counts/$*
PGO_STAMP := build/pgo/trained
endif
# x86 with gcc: copies and clearings of sizes not known when compiling call the C library.
# Left to itself gcc expands them as `rep stos` / `rep movs` (with the profile, even those
# it only expects to be small), and their start-up on every message and batch showed in perf
# (cpu-clock samples) as ~5% of the 3-broker bench; pairs 1.04-1.05 with this flag.
IS_X86 := $(shell $(CC) -dumpmachine 2>/dev/null | grep -c '^x86_64\|^i[3-6]86')
STRINGOP := $(if $(filter 0,$(IS_CLANG)),$(if $(filter 1,$(IS_X86)),-mstringop-strategy=libcall))
# Link-time optimization, on by default with gcc (LTO=0: none): the model's modules call
# each other on every message (net.c's send, dist.c's draws, the queue), and inlined across
# files the 3-broker hour and the 100-broker 5 s cut run 7-8% faster (alternating runs);
# the same output bytes (no -ffast-math, and -std=c11 keeps gcc from contracting into
# FMAs). The objects are fat: the unit tests link their ordinary code, without the
# whole-program step (seconds for each of the tests' links).
LTO ?= $(if $(filter 0,$(IS_CLANG)),1,0)
ifeq ($(LTO),1)
LTO_CC := -flto=auto -ffat-lto-objects
LTO_LD := -flto=auto
endif
Q ?= @ # make Q= shows the commands
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lgsl -lgslcblas -lm -lyaml)
INC := -Isim -Isim/engine -Imodels
CFLAGS_ALL = $(WARN) $(OPT) $(INC) $(PKG_CFLAGS) $(CFLAGS)
LIBS = $(PKG_LIBS) -lm -pthread

ENGINE_SRC := $(sort $(wildcard sim/engine/*.c))
MODEL_SRC := $(sort $(wildcard models/*.c))
PROG_SRC := $(sort $(filter-out sim/main.c,$(wildcard sim/*.c)))
LIB_SRC := $(ENGINE_SRC) $(MODEL_SRC) $(PROG_SRC)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRC := $(sort $(wildcard tests/bench/*.c))

OBJ := $(LIB_SRC:%.c=build/obj/%.o)
ASAN_OBJ := $(LIB_SRC:%.c=build/asan/%.o)
TESTS := $(TEST_SRC:tests/unit/%.c=build/tests/%)
ASAN_TESTS := $(TEST_SRC:tests/unit/%.c=build/asan/tests/%)
HDRS := $(wildcard sim/*.h sim/engine/*.h models/*.h)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# ThreadSanitizer, for what runs on two threads (a pair of kernels, sim.h): the pair's unit
# test and paired scenario runs (tests/run.sh)
TSAN := -fsanitize=thread -fno-omit-frame-pointer
TSAN_OBJ := $(LIB_SRC:%.c=build/tsan/%.o)

.PHONY: all run test unit bench clean deps check-deps docs bench-big fuzz clang-check
.SECONDARY:
all: build/kafkasim

build/kafkasim: build/obj/sim/main.o $(OBJ)
	@echo "  LD   $@"
	$(Q)$(CC) $(CFLAGS_ALL) $(LTO_LD) -o $@ $^ $(LIBS)

# Objects depend on the flags they were built with: a changed OPT or CFLAGS rebuilds.
FLAGS_STAMP := build/cflags.txt
$(FLAGS_STAMP): FORCE
	@mkdir -p build
	@echo '$(CFLAGS_ALL) PGO=$(PGO) LTO=$(LTO)' | cmp -s - $@ || echo '$(CFLAGS_ALL) PGO=$(PGO) LTO=$(LTO)' > $@
.PHONY: FORCE
FORCE:

build/obj/%.o: %.c $(HDRS) $(FLAGS_STAMP) $(PGO_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC   $<"
	$(Q)$(CC) $(CFLAGS_ALL) $(PGO_USE) $(LTO_CC) -c -o $@ $<

# The instrumented build and its training. Both builds name a file's counts (.gcda) by
# the same -dumpbase, under build/pgo/counts: gcc keys a static function's counts by that
# name, not by the object's. Any change to a source, a header, the flags, a scenario or the
# training retrains (stale counts would not match the code).
PGO_OBJ := $(LIB_SRC:%.c=build/pgo/obj/%.o) build/pgo/obj/sim/main.o
# atomic counts: a paired run's two threads (models/cluster.c) count at once, and counts
# updated plainly lose increments until gcc refuses the profile as inconsistent
PGO_GEN := -fprofile-generate -fprofile-update=atomic
build/pgo/obj/%.o: %.c $(HDRS) $(FLAGS_STAMP)
	@mkdir -p $(dir $@) $(dir build/pgo/counts/$*)
	@echo "  CC   $< (profile)"
	$(Q)$(CC) $(CFLAGS_ALL) $(PGO_GEN) -dumpbase build/pgo/counts/$* -c -o $@ $<
build/pgo/kafkasim: $(PGO_OBJ)
	$(Q)$(CC) $(CFLAGS_ALL) $(PGO_GEN) -o $@ $^ $(LIBS)
build/pgo/trained: build/pgo/kafkasim tests/bench/pgo-train.sh $(wildcard scenarios/*.yaml tests/bench/*.yaml)
	@echo "  PGO  training runs"
	$(Q)find build/pgo/counts -name '*.gcda' -exec rm -f {} +
	$(Q)sh tests/bench/pgo-train.sh build/pgo/kafkasim build/pgo/out
	$(Q)touch $@

build/asan/%.o: %.c $(HDRS) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC   $< (asan+ubsan)"
	$(Q)$(CC) $(CFLAGS_ALL) -O1 $(SAN) -c -o $@ $<

build/tests/%: tests/unit/%.c tests/unit/testutil.h tests/unit/modelrun.h $(OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	$(Q)$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(OBJ) $(LIBS) -lcmocka

build/tsan/%.o: %.c $(HDRS) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC   $< (tsan)"
	$(Q)$(CC) $(CFLAGS_ALL) -O1 $(TSAN) -c -o $@ $<
build/tsan/kafkasim: build/tsan/sim/main.o $(TSAN_OBJ)
	$(Q)$(CC) $(CFLAGS_ALL) -O1 $(TSAN) -o $@ $^ $(LIBS)
build/tsan/tests/%: tests/unit/%.c tests/unit/testutil.h $(TSAN_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	$(Q)$(CC) $(CFLAGS_ALL) -O1 $(TSAN) -Itests/unit -o $@ $< $(TSAN_OBJ) $(LIBS) -lcmocka

build/asan/tests/%: tests/unit/%.c tests/unit/testutil.h tests/unit/modelrun.h $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	@echo "  TEST $@"
	$(Q)$(CC) $(CFLAGS_ALL) -O1 $(SAN) -Itests/unit -o $@ $< $(ASAN_OBJ) $(LIBS) -lcmocka

build/bench/%: tests/bench/%.c $(OBJ)
	@mkdir -p $(dir $@)
	@echo "  BENCH $@"
	$(Q)$(CC) $(CFLAGS_ALL) $(LTO_LD) -D_DEFAULT_SOURCE -o $@ $< $(OBJ) $(LIBS)

# The sources as clang sees them (tests/run.sh, when clang is installed): `make CC=clang`
# is a supported build, and clang warns where gcc does not (each file checked, no object
# written: seconds).
clang-check:
	$(Q)for f in $(LIB_SRC) sim/main.c $(TEST_SRC); do \
	  clang $(WARN) -fsyntax-only $(INC) -Itests/unit $(PKG_CFLAGS) $$f || exit 1; \
	done

# Install what is missing: as root with apt-get, otherwise print the exact command.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing packages:$$missing"; \
	    echo "run: sudo apt-get update && sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

run: deps
	@$(MAKE) --no-print-directory all
	build/kafkasim run scenarios/quickstart.yaml
	@echo "outputs: output/quickstart/ (trace.jsonl, metrics.csv, summary.json, snapshots.txt, *.png)"

unit: $(TESTS) $(ASAN_TESTS) build/tsan/tests/test_pair build/tsan/kafkasim

test: deps
	@$(MAKE) --no-print-directory all unit $(BENCH_SRC:tests/bench/%.c=build/bench/%)
	@sh tests/run.sh

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_SRC:tests/bench/%.c=build/bench/%)
	@sh tests/bench/run.sh

# Rewrite the generated scenario reference in the README from the settings table.
docs: all
	@build/kafkasim settings --markdown > build/settings.md
	@sh tests/readme_section.sh settings build/settings.md --write
	@echo "README.md: scenario reference regenerated"

# Random fault schedules against an ASan+UBSan build, FUZZ_SECONDS long (needs python3).
FUZZ_SECONDS ?= 300
fuzz: deps
	@$(MAKE) --no-print-directory build/fuzz/kafkasim
	@python3 tests/fuzz/faults.py build/fuzz/kafkasim $(FUZZ_SECONDS)

FUZZ_OBJ := $(LIB_SRC:%.c=build/fuzz/%.o) build/fuzz/sim/main.o
build/fuzz/%.o: %.c $(HDRS) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_ALL) -O1 $(SAN) -c -o $@ $<
build/fuzz/kafkasim: $(FUZZ_OBJ)
	$(Q)$(CC) $(CFLAGS_ALL) -O1 $(SAN) -o $@ $^ $(LIBS)
# The full 100-broker minute: one to one and a half minutes of wall on a 2-core machine.
bench-big: deps
	@$(MAKE) --no-print-directory all build/bench/bench_scenarios
	@sh tests/bench/run.sh --big

clean:
	rm -rf build
