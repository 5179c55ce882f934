# dumpscrub - find and scrub private keys and secrets in crash dumps.
#
#   make            build build/dumpscrub (release, -O2)
#   make demo       scan and scrub a freshly made demo core
#   make test       ASan/UBSan build + fuzz smoke + the whole test suite
#   make asan       build build-asan/dumpscrub with AddressSanitizer+UBSan
#   make fuzz       build the libFuzzer targets into build-fuzz/
#   make bench      run the benchmarks (bench/), results in bench/RESULTS.md
#   make install    PREFIX=/usr/local DESTDIR=
#
# Missing Debian packages are installed by the bootstrap step below, so each
# of these works as the first command on a fresh Debian 12 machine (as root).

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  := $(PREFIX)/bin
DATADIR := $(PREFIX)/share/dumpscrub
MANDIR  := $(PREFIX)/share/man

CC      ?= cc
PKGS    := libelf libpcre2-8 zlib libcrypto libzstd liblzma libhs
# sweeps: state file and merge read JSON with jansson; dumps inside zip/tar: libarchive
PKGS    += jansson libarchive
# Debian packages the build, the tests and the demo need.
DEB_PKGS := build-essential pkg-config libelf-dev libpcre2-dev zlib1g-dev libssl-dev \
            libzstd-dev liblzma-dev libhyperscan-dev openssl gdb clang libclang-rt-14-dev xz-utils zstd \
            python3 file parallel openssh-client putty-tools strace
# sweeps (cli/sweep_*.c, cmd_merge.c)
DEB_PKGS += libjansson-dev libarchive-dev

BOOTSTRAP := build/.bootstrap-ok
# Everything below the bootstrap needs pkg-config answers: evaluate lazily.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

WARN    := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla
CSTD    := -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64
INCS    := -Iinclude -Iscanner -Iscrubber -Icli
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(INCS) $(CFLAGS) $(PKG_CFLAGS) -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIC
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC := $(sort $(wildcard scanner/*.c scrubber/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
CORPUS_SRC := $(sort $(wildcard corpus/*.c))

OBJ      := $(LIB_SRC:%.c=build/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=build/obj/%.o)
AOBJ     := $(LIB_SRC:%.c=build-asan/obj/%.o)
ACLI_OBJ := $(CLI_SRC:%.c=build-asan/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=build-asan/tests/%)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=build-fuzz/%)
CORPUS_BIN := $(CORPUS_SRC:corpus/%.c=build/corpus/%)

.PHONY: all demo test asan fuzz fuzz-smoke bench install uninstall clean bootstrap corpus unit

all: build/dumpscrub corpus

$(BOOTSTRAP): Makefile
	@./tests/bootstrap.sh $(DEB_PKGS)
	@mkdir -p build && touch $@
bootstrap: $(BOOTSTRAP)

build/libdumpscrub.a: $(OBJ)
	ar rcs $@ $^

build/dumpscrub: $(CLI_OBJ) build/libdumpscrub.a
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) build/libdumpscrub.a $(PKG_LIBS)

build/obj/%.o: %.c $(BOOTSTRAP) $(wildcard scanner/*.h scrubber/*.h cli/*.h include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# --- sanitizer build: what the tests run ---------------------------------
asan: build-asan/dumpscrub $(UNIT_BIN)

build-asan/libdumpscrub.a: $(AOBJ)
	ar rcs $@ $^

build-asan/dumpscrub: $(ACLI_OBJ) build-asan/libdumpscrub.a
	$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -o $@ $(ACLI_OBJ) build-asan/libdumpscrub.a $(PKG_LIBS)

build-asan/obj/%.o: %.c $(BOOTSTRAP) $(wildcard scanner/*.h scrubber/*.h cli/*.h include/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -c -o $@ $<

build-asan/tests/%: tests/unit/%.c build-asan/libdumpscrub.a tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ASAN_FLAGS) -Itests/unit -o $@ $< build-asan/libdumpscrub.a $(PKG_LIBS)

# --- test corpus programs (victims, converters) ----------------------------
corpus: $(CORPUS_BIN)
build/corpus/%: corpus/%.c $(BOOTSTRAP) $(wildcard corpus/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) -O0 -g -fno-omit-frame-pointer $(PKG_CFLAGS) -o $@ $< $(PKG_LIBS)

# --- fuzzing (libFuzzer, clang) --------------------------------------------
# The library is compiled once with clang's fuzzer instrumentation; each
# fuzz/fuzz_*.c target links against it.
FUZZ_CFLAGS = $(CSTD) $(INCS) $(PKG_CFLAGS) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined
FOBJ := $(LIB_SRC:%.c=build-fuzz/obj/%.o)
fuzz: $(FUZZ_BIN)
build-fuzz/obj/%.o: %.c $(BOOTSTRAP) $(wildcard scanner/*.h scrubber/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
build-fuzz/libdumpscrub-fuzz.a: $(FOBJ)
	ar rcs $@ $^
build-fuzz/%: fuzz/%.c build-fuzz/libdumpscrub-fuzz.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build-fuzz/libdumpscrub-fuzz.a $(PKG_LIBS)

# Each target for FUZZ_SECONDS, seeded with the external corpus.
FUZZ_SECONDS ?= 5
fuzz-smoke: $(FUZZ_BIN)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/t_fuzz_smoke.sh

# --- the two commands of the README ----------------------------------------
demo: build/dumpscrub corpus
	@./tests/demo.sh

NPROC := $(shell nproc 2>/dev/null || echo 2)
# The builds run in parallel; the tests one after another (several of them
# change the machine-wide core_pattern, under a lock).
test: $(BOOTSTRAP)
	@$(MAKE) --no-print-directory -j$(NPROC) build/dumpscrub corpus asan fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/run.sh

bench: build/dumpscrub corpus
	@./bench/run.sh

install: build/dumpscrub
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/patterns
	install -m 0755 build/dumpscrub $(DESTDIR)$(BINDIR)/dumpscrub
	if ls patterns/*.rules >/dev/null 2>&1; then install -m 0644 patterns/*.rules $(DESTDIR)$(DATADIR)/patterns/; fi
	if [ -f docs/dumpscrub.1 ]; then install -d $(DESTDIR)$(MANDIR)/man1 && install -m 0644 docs/dumpscrub.1 $(DESTDIR)$(MANDIR)/man1/; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/dumpscrub $(DESTDIR)$(MANDIR)/man1/dumpscrub.1
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build/obj build/dumpscrub build/libdumpscrub.a build/corpus build-asan build-fuzz build/tmp
