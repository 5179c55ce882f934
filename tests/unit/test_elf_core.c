/*
 * test_elf_core.c - the ELF core reader (scanner/elf_core.c, elf_notes.c).
 *
 *  1. Every ELF core of ../shared/corpus/external (SHARED overrides ..
 *     /shared), mapped PROT_READ the way production maps files: every fact
 *     expected.json lists for it (upstream `asserted` and our `computed`),
 *     hardcoded below with the fact's name in a comment.  A write by libelf
 *     into the read-only mapping would kill the test (SIGSEGV).
 *  2. Hand-built cores: a kdump-like vmcore (VMCOREINFO, per-CPU
 *     NT_PRSTATUS, physical PT_LOADs), a 32-bit big-endian MIPS process core
 *     with NT_FILE/auxv for the labels ([heap], [stack:TID], [vdso], [vvar],
 *     [anon], files, modules), registers of architectures the corpus lacks.
 *  3. Truncation: each core cut at every 1/64 and at every byte of its
 *     headers and notes, read (a) as a truncated file, (b) as a streaming
 *     prefix of the full size, (c) with the size unknown.  The prefix is
 *     copied to an exact-size heap buffer so ASan sees any read past it.
 *  4. Mutations: e_phnum huge / PN_XNUM, e_phoff and e_phentsize wrong,
 *     p_filesz 2^63, p_offset near UINT64_MAX, note sizes huge, NT_FILE
 *     count huge, plus seeded random byte flips over headers and notes.
 *
 * With arguments it is a probe for tests/t_elf_victim.sh:
 *   test_elf_core --probe CORE [--prefix BYTES] [--at ADDR]...
 * prints the reader's result as "key value" lines (see probe()), and
 *   test_elf_core --write-seeds DIR
 * writes the hand-built cores as fuzzing seeds (fuzz/seeds/elf_core/).
 */
#include "check.h"
#include "dump.h"
#include "elf_core_int.h"

#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif
#ifndef NT_SIGINFO
#define NT_SIGINFO 0x53494749
#endif

/* CHECK names are built here; each is printed before the next is made. */
static const char *nm(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *nm(const char *fmt, ...)
{
    static char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

static const char *shared_dir(void)
{
    const char *s = getenv("SHARED");
    return s && *s ? s : "../shared";
}

/* ------------------------------------------------------------------ */
/* Files.                                                              */

typedef struct {
    const uint8_t *p;
    size_t len;
} mapped;

/* Map a file read-only, as the production reader does. */
static int map_ro(const char *path, mapped *m)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || st.st_size <= 0) {
        close(fd);
        return -1;
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return -1;
    m->p = p;
    m->len = (size_t)st.st_size;
    return 0;
}

static void unmap(mapped *m)
{
    munmap((void *)(uintptr_t)m->p, m->len);
}

/* Read a core and finish the dump; the details stay in *c (release it). */
static int read_core(const uint8_t *buf, size_t len, uint64_t total, ds_dump *d, ds_elf_core *c)
{
    ds_dump_init(d, total ? total : len);
    int rc = ds_elf_core_parse(c, buf, len, total, d);
    ds_dump_finish(d);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Queries on a read dump.                                             */

static const ds_region *region_with_vaddr(const ds_dump *d, uint64_t vaddr)
{
    for (size_t i = 0; i < d->nregions; i++)
        if (d->regions[i].has_vaddr && d->regions[i].vaddr == vaddr)
            return &d->regions[i];
    return NULL;
}

static const ds_region *region_at_vaddr(const ds_dump *d, uint64_t a)
{
    for (size_t i = 0; i < d->nregions; i++) {
        const ds_region *r = &d->regions[i];
        if (r->has_vaddr && a >= r->vaddr && a - r->vaddr < r->mem_size)
            return r;
    }
    return NULL;
}

static const ds_region *region_labelled(const ds_dump *d, const char *label)
{
    for (size_t i = 0; i < d->nregions; i++)
        if (d->regions[i].label && strcmp(d->regions[i].label, label) == 0)
            return &d->regions[i];
    return NULL;
}

static size_t count_labelled(const ds_dump *d, const char *label)
{
    size_t n = 0;
    for (size_t i = 0; i < d->nregions; i++)
        if (d->regions[i].label && strcmp(d->regions[i].label, label) == 0)
            n++;
    return n;
}

static const ds_module *module_named(const ds_dump *d, const char *name)
{
    for (size_t i = 0; i < d->nmodules; i++)
        if (strcmp(d->modules[i].name, name) == 0)
            return &d->modules[i];
    return NULL;
}

static const ds_elf_map *map_starting(const ds_elf_core *c, uint64_t start)
{
    for (size_t i = 0; i < c->nmaps; i++)
        if (c->maps[i].start == start)
            return &c->maps[i];
    return NULL;
}

static const char *label_at(const ds_dump *d, uint64_t a)
{
    const ds_region *r = region_at_vaddr(d, a);
    return r && r->label ? r->label : "";
}

static int str_eq(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

/* ------------------------------------------------------------------ */
/* 1. Facts of the external cores (expected.json).                     */

typedef struct {
    const char *name;
    uint32_t type;
    uint32_t count;
} note_fact;

typedef struct {
    const char *file;           /* under corpus/external */
    /* "elf_class", "endianness", "e_machine", asserted arch/ptr_size/byte_order */
    const char *arch;
    int word_size, big_endian;
    const char *os;
    /* computed: e_phnum, pt_load_count (= lldb's memory_region_count),
     * pt_load_with_filesz_nonzero, pt_load_total_filesz/memsz,
     * pt_note_count, first/last_load_vaddr (0: no PT_LOAD) */
    uint64_t e_phnum, pt_load, pt_load_nonzero, filesz, memsz, pt_note;
    uint64_t first_vaddr, last_vaddr;
    /* nt_prstatus_pids in note order (= the threads, thread_count) */
    const int64_t *tids;
    size_t ntids;
    int first_signal;           /* first_prstatus_signal */
    int crash_signal;           /* NT_SIGINFO (or the first thread's) */
    int64_t pid;                /* asserted pid / prpsinfo pr_pid */
    const char *fname, *psargs; /* prpsinfo_fname / _psargs, thread_name */
    const note_fact *notes;     /* computed "notes", {NULL} terminated */
} core_facts;

#define TIDS(...) .tids = (const int64_t[]){ __VA_ARGS__ }, \
                  .ntids = sizeof((const int64_t[]){ __VA_ARGS__ }) / sizeof(int64_t)

/* Note names and types as counted by expected.json's "notes". */
#define N_PRSTATUS(n)  { "CORE", NT_PRSTATUS, n }
#define N_PRPSINFO     { "CORE", NT_PRPSINFO, 1 }
#define N_SIGINFO      { "CORE", NT_SIGINFO, 1 }
#define N_AUXV         { "CORE", NT_AUXV, 1 }
#define N_FILE         { "CORE", NT_FILE, 1 }
#define N_PRFPREG(n)   { "CORE", NT_PRFPREG, n }
#define N_XSTATE(n)    { "LINUX", NT_X86_XSTATE, n }

static const core_facts facts[] = {
    { .file = "golang-debug/core", .arch = "x86_64", .word_size = 8, .big_endian = 0,
      .os = "linux", .e_phnum = 12, .pt_load = 11, .pt_load_nonzero = 10,
      .filesz = 2039808, .memsz = 2732032, .pt_note = 1,
      .first_vaddr = 0x400000, .last_vaddr = 0xffffffffff600000,
      TIDS(57041, 57044, 57045, 57042, 57043), .first_signal = 6, .crash_signal = 6,
      .pid = 57041, .fname = "test", .psargs = "./test",   /* asserted "args" */
      .notes = (const note_fact[]){ N_PRSTATUS(5), N_PRPSINFO, N_SIGINFO, N_AUXV, N_FILE,
                                    N_PRFPREG(5), N_XSTATE(5), { NULL, 0, 0 } } },
    { .file = "golang-debug/hello-world-core", .arch = "x86_64", .word_size = 8,
      .big_endian = 0, .os = "linux", .e_phnum = 17, .pt_load = 16, .pt_load_nonzero = 12,
      .filesz = 241664, .memsz = 4268032, .pt_note = 1,
      .first_vaddr = 0x400000, .last_vaddr = 0xffffffffff600000,
      TIDS(28232), .first_signal = 3, .crash_signal = 3, .pid = 28232,
      .fname = "a.out", .psargs = "./a.out",
      .notes = (const note_fact[]){ N_PRSTATUS(1), N_PRPSINFO, N_AUXV, N_PRFPREG(1),
                                    N_XSTATE(1), { NULL, 0, 0 } } },
    { .file = "lldb/linux-arm.core", .arch = "arm", .word_size = 4, .big_endian = 0,
      .os = "linux", .e_phnum = 1, .pt_load = 0, .pt_load_nonzero = 0, .filesz = 0,
      .memsz = 0, .pt_note = 1, TIDS(4660), .first_signal = 11, .crash_signal = 11,
      .pid = 4660, .fname = NULL, .psargs = NULL,
      .notes = (const note_fact[]){ N_PRSTATUS(1), { NULL, 0, 0 } } },
    { .file = "lldb/linux-i386.core", .arch = "i386", .word_size = 4, .big_endian = 0,
      .os = "linux", .e_phnum = 5, .pt_load = 4, .pt_load_nonzero = 4, .filesz = 24576,
      .memsz = 24576, .pt_note = 1, .first_vaddr = 0x8048000, .last_vaddr = 0xffe09000,
      TIDS(32306), .first_signal = 11, .crash_signal = 11, .pid = 32306,
      .fname = "a.out", .psargs = "./a.out",
      .notes = (const note_fact[]){ N_PRSTATUS(1), N_PRPSINFO, N_SIGINFO, N_AUXV, N_FILE,
                                    N_PRFPREG(1), { "LINUX", NT_PRXFPREG, 1 }, N_XSTATE(1),
                                    { NULL, 0, 0 } } },
    { .file = "lldb/linux-s390x.core", .arch = "s390x", .word_size = 8, .big_endian = 1,
      .os = "linux", .e_phnum = 3, .pt_load = 2, .pt_load_nonzero = 2, .filesz = 12288,
      .memsz = 12288, .pt_note = 1, .first_vaddr = 0x80000000, .last_vaddr = 0x3ffffffe000,
      TIDS(1045), .first_signal = 11, .crash_signal = 11, .pid = 1045,
      .fname = "a.out", .psargs = "./a.out",
      .notes = (const note_fact[]){ N_PRSTATUS(1), N_PRPSINFO, N_SIGINFO, N_AUXV, N_FILE,
                                    N_PRFPREG(1), { "LINUX", NT_S390_SYSTEM_CALL, 1 },
                                    { "LINUX", NT_S390_LAST_BREAK, 1 },
                                    { "LINUX", NT_S390_VXRS_LOW, 1 },
                                    { "LINUX", NT_S390_VXRS_HIGH, 1 }, { NULL, 0, 0 } } },
    { .file = "lldb/linux-x86_64.core", .arch = "x86_64", .word_size = 8, .big_endian = 0,
      .os = "linux", .e_phnum = 6, .pt_load = 5, .pt_load_nonzero = 5, .filesz = 36864,
      .memsz = 36864, .pt_note = 1, .first_vaddr = 0x400000,
      .last_vaddr = 0xffffffffff600000, TIDS(32259), .first_signal = 11, .crash_signal = 11,
      .pid = 32259, .fname = "a.out", .psargs = "./a.out",
      .notes = (const note_fact[]){ N_PRSTATUS(1), N_PRPSINFO, N_SIGINFO, N_AUXV, N_FILE,
                                    N_PRFPREG(1), N_XSTATE(1), { NULL, 0, 0 } } },
    { .file = "lldb/netbsd-2lwp_t2_SIGSEGV.aarch64.core", .arch = "aarch64", .word_size = 8,
      .big_endian = 0, .os = "netbsd", .e_phnum = 32, .pt_load = 31, .pt_load_nonzero = 18,
      .filesz = 246832, .memsz = 77037568, .pt_note = 1, .first_vaddr = 0x200100000,
      .last_vaddr = 0xffffffe08000,
      /* asserted thread_count 2; NetBSD-CORE@2 notes come first */
      TIDS(2, 1), .first_signal = 11, .crash_signal = 11, .pid = 14142,
      .fname = "2lwp_t2_SIGSEGV.", .psargs = NULL,    /* p_comm is 16 bytes */
      .notes = (const note_fact[]){ { "NetBSD-CORE", 1, 1 }, { "NetBSD-CORE", 2, 1 },
                                    { "NetBSD-CORE@2", 0x20, 1 }, { "NetBSD-CORE@2", 0x22, 1 },
                                    { "NetBSD-CORE@1", 0x20, 1 }, { "NetBSD-CORE@1", 0x22, 1 },
                                    { NULL, 0, 0 } } },
    { .file = "lldb/thread_crash-linux-x86_64.core", .arch = "x86_64", .word_size = 8,
      .big_endian = 0, .os = "linux", .e_phnum = 41, .pt_load = 40, .pt_load_nonzero = 3,
      .filesz = 20480, .memsz = 15798272, .pt_note = 1, .first_vaddr = 0x400000,
      .last_vaddr = 0xffffffffff600000, TIDS(5250, 5222, 5249), .first_signal = 4,
      .crash_signal = 4, .pid = 5222, .fname = "a.out", .psargs = "./a.out",
      .notes = (const note_fact[]){ N_PRSTATUS(3), N_PRPSINFO, N_SIGINFO, N_AUXV, N_FILE,
                                    N_PRFPREG(3), N_XSTATE(3), { NULL, 0, 0 } } },
    { .file = "pyelftools/core_linux32.elf", .arch = "i386", .word_size = 4, .big_endian = 0,
      .os = "linux", .e_phnum = 16, .pt_load = 15, .pt_load_nonzero = 14, .filesz = 217088,
      .memsz = 2289664, .pt_note = 1, .first_vaddr = 0x56624000, .last_vaddr = 0xffd8e000,
      TIDS(11038), .first_signal = 6, .crash_signal = 6, .pid = 11038,
      .fname = "coredump", .psargs = "./coredump foo bar 42",
      .notes = (const note_fact[]){ N_PRSTATUS(1), N_PRPSINFO, N_SIGINFO, N_AUXV, N_FILE,
                                    N_PRFPREG(1), { "LINUX", NT_PRXFPREG, 1 }, N_XSTATE(1),
                                    { "LINUX", NT_386_TLS, 1 }, { NULL, 0, 0 } } },
    { .file = "pyelftools/core_linux64.elf", .arch = "x86_64", .word_size = 8,
      .big_endian = 0, .os = "linux", .e_phnum = 19, .pt_load = 18, .pt_load_nonzero = 17,
      .filesz = 253952, .memsz = 4329472, .pt_note = 1, .first_vaddr = 0x400000,
      .last_vaddr = 0xffffffffff600000, TIDS(23395), .first_signal = 6, .crash_signal = 6,
      .pid = 23395, .fname = "coredump_self", .psargs = "./coredump_self foo bar 42",
      .notes = (const note_fact[]){ N_PRSTATUS(1), N_PRPSINFO, N_SIGINFO, N_AUXV, N_FILE,
                                    N_PRFPREG(1), N_XSTATE(1), { NULL, 0, 0 } } },
};

/* The facts every core has, from the table. */
static void check_common(const core_facts *f, int rc, const ds_dump *d, const ds_elf_core *c)
{
    const char *n = f->file;
    CHECK(nm("%s: read completely (rc 0, no problems)", n), rc == 0 && d->nproblems == 0);
    for (size_t i = 0; i < d->nproblems; i++)
        printf("    problem: %s\n", d->problems[i]);
    CHECK(nm("%s: format elf-core", n), d->format == DS_FMT_ELF_CORE);
    CHECK(nm("%s: not truncated", n), !d->truncated);
    CHECK(nm("%s: arch %s", n, f->arch), str_eq(d->arch, f->arch));
    CHECK_EQ_U64(nm("%s: word size (elf_class)", n), f->word_size, d->word_size);
    CHECK_EQ_U64(nm("%s: byte order (endianness)", n), f->big_endian, d->big_endian);
    CHECK(nm("%s: os %s", n, f->os), str_eq(d->os, f->os));
    CHECK_EQ_U64(nm("%s: e_phnum", n), f->e_phnum, c->phnum);

    uint64_t loads = 0, nonzero = 0, filesz = 0, memsz = 0, notes = 0;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < d->nregions; i++) {
        const ds_region *r = &d->regions[i];
        if (r->label && strcmp(r->label, "[notes]") == 0)
            notes++;
        if (!r->has_vaddr)
            continue;
        loads++;
        nonzero += r->file_size != 0;
        filesz += r->file_size;
        memsz += r->mem_size;
        lo = r->vaddr < lo ? r->vaddr : lo;
        hi = r->vaddr > hi ? r->vaddr : hi;
    }
    CHECK_EQ_U64(nm("%s: pt_load_count (memory_region_count)", n), f->pt_load, loads);
    CHECK_EQ_U64(nm("%s: pt_load_with_filesz_nonzero", n), f->pt_load_nonzero, nonzero);
    CHECK_EQ_U64(nm("%s: pt_load_total_filesz", n), f->filesz, filesz);
    CHECK_EQ_U64(nm("%s: pt_load_total_memsz", n), f->memsz, memsz);
    CHECK_EQ_U64(nm("%s: pt_note_count", n), f->pt_note, notes);
    if (f->pt_load) {
        /* PT_LOADs of cores are in address order: first = lowest. */
        CHECK_EQ_U64(nm("%s: first_load_vaddr", n), f->first_vaddr, lo);
        CHECK_EQ_U64(nm("%s: last_load_vaddr", n), f->last_vaddr, hi);
    }

    CHECK_EQ_U64(nm("%s: thread_count", n), f->ntids, d->nthreads);
    int same = d->nthreads == f->ntids;
    for (size_t i = 0; same && i < f->ntids; i++)
        same = d->threads[i].tid == (uint64_t)f->tids[i];
    CHECK(nm("%s: nt_prstatus_pids (thread ids in note order)", n), same);
    CHECK_EQ_U64(nm("%s: nt_prstatus_count", n),
                 strcmp(f->os, "netbsd") == 0 ? 0 : f->ntids, c->nprstatus);
    if (d->nthreads)
        CHECK_EQ_U64(nm("%s: first_prstatus_signal", n), f->first_signal,
                     d->threads[0].signal);
    CHECK_EQ_U64(nm("%s: crash signal", n), f->crash_signal, d->crash_signal);
    CHECK_EQ_U64(nm("%s: pid", n), f->pid, d->pid);
    CHECK(nm("%s: prpsinfo_fname / thread_name '%s'", n, f->fname ? f->fname : "(none)"),
          str_eq(d->process_name, f->fname));
    CHECK(nm("%s: prpsinfo_psargs '%s'", n, f->psargs ? f->psargs : "(none)"),
          str_eq(d->cmdline, f->psargs));

    size_t nfacts = 0;
    for (const note_fact *nf = f->notes; nf->name; nf++, nfacts++)
        CHECK_EQ_U64(nm("%s: notes %s/0x%x", n, nf->name, nf->type), nf->count,
                     ds_elf_core_notecount(c, nf->name, nf->type));
    CHECK_EQ_U64(nm("%s: no other kinds of notes", n), nfacts, c->nnotecounts);

    /* Our own consistency check of the register offsets: the crashing
     * thread's pc is in executable memory, its sp in writable memory. */
    for (size_t i = 0; f->pt_load && i < d->nthreads; i++) {
        const ds_thread *t = &d->threads[i];
        if (!t->crashed)
            continue;
        const ds_region *pc = region_at_vaddr(d, t->pc), *sp = region_at_vaddr(d, t->sp);
        CHECK(nm("%s: crashed thread %" PRIu64 " pc 0x%" PRIx64 " in executable memory", n,
                 t->tid, t->pc), pc && (pc->perms & DS_PERM_X));
        CHECK(nm("%s: crashed thread %" PRIu64 " sp 0x%" PRIx64 " in writable memory", n,
                 t->tid, t->sp), sp && (sp->perms & DS_PERM_W));
    }
}

/* Facts particular to one file. */
static void check_golang_core(const ds_dump *d, const ds_elf_core *c)
{
    (void)c;
    const char *n = "golang-debug/core";
    /* asserted "origin": the executable is referenced as /tmp/test */
    const ds_module *exe = module_named(d, "/tmp/test");
    CHECK(nm("%s: origin: module /tmp/test", n), exe != NULL);
    /* asserted has_thread_in_runtime.raise: without symbols we can only
     * check that the crashing thread's pc is in the Go binary's text. */
    CHECK(nm("%s: crashing thread's pc in /tmp/test (runtime.raise)", n),
          d->nthreads && str_eq(label_at(d, d->threads[0].pc), "/tmp/test") &&
          (region_at_vaddr(d, d->threads[0].pc)->perms & DS_PERM_X));
    /* ours: the binary's program headers (in the core at 0x400040) put
     * the end of its bss at 0x4cbe18: the anonymous mapping 0x4ac000-
     * 0x4cc000 is that bss, not a heap (Go does not use brk). */
    CHECK(nm("%s: Go's bss is [anon], no [heap]", n),
          str_eq(label_at(d, 0x4ac000), "[anon]") && !region_labelled(d, "[heap]"));
    CHECK(nm("%s: thread 57041 crashed, the others not", n),
          d->nthreads == 5 && d->threads[0].crashed && !d->threads[1].crashed &&
          !d->threads[4].crashed);
}

static void check_hello_world(const ds_dump *d, const ds_elf_core *c)
{
    const char *n = "golang-debug/hello-world-core";
    /* asserted elf_header: ELFCLASS64, ELFDATA2LSB, ELFOSABI_NONE, ET_CORE, EM_X86_64 */
    CHECK(nm("%s: elf_header osabi NONE, machine EM_X86_64", n),
          c->osabi == ELFOSABI_NONE && c->machine == EM_X86_64 && c->is64 && !c->big);
    /* asserted section_header_count 0 */
    CHECK(nm("%s: section_header_count 0 (no section header region)", n),
          region_labelled(d, "[elf-section-headers]") == NULL);
    /* asserted program_header_count 17 (1 PT_NOTE + 16 PT_LOAD) */
    CHECK_EQ_U64(nm("%s: program_header_count", n), 17, c->phnum_read);
    /* asserted pt_note: offset 0x3f8, filesz 0x8ac */
    const ds_region *notes = region_labelled(d, "[notes]");
    CHECK(nm("%s: pt_note offset 0x3f8 filesz 0x8ac", n),
          notes && notes->file_off == 0x3f8 && notes->file_size == 0x8ac && !notes->has_vaddr);
    /* asserted first_pt_load: vaddr 0x400000 offset 0x1000 filesz 0 memsz 0x1000 R+X */
    const ds_region *r = region_with_vaddr(d, 0x400000);
    CHECK(nm("%s: first_pt_load", n),
          r && r->file_off == 0x1000 && r->file_size == 0 && r->mem_size == 0x1000 &&
          r->perms == (DS_PERM_R | DS_PERM_X));
    /* asserted stack_pt_load: vaddr 0x7fff79972000 offset 0x17000 filesz 0x23000 */
    r = region_with_vaddr(d, 0x7fff79972000);
    CHECK(nm("%s: stack_pt_load", n),
          r && r->file_off == 0x17000 && r->file_size == 0x23000);
    /* ours: the thread's sp is in it, so it is labelled as its stack */
    CHECK(nm("%s: stack_pt_load labelled [stack:28232]", n),
          r && str_eq(r->label, "[stack:28232]"));
    /* asserted last_pt_load: vaddr 0xffffffffff600000 offset 0x3b000 filesz 0x1000 */
    r = region_with_vaddr(d, 0xffffffffff600000);
    CHECK(nm("%s: last_pt_load", n), r && r->file_off == 0x3b000 && r->file_size == 0x1000);
    CHECK(nm("%s: last_pt_load labelled [vsyscall]", n), r && str_eq(r->label, "[vsyscall]"));
    /* 2012 kernel: no NT_FILE, no NT_SIGINFO */
    CHECK(nm("%s: no NT_FILE, no modules", n), !c->have_nt_file && d->nmodules == 0);
}

static void check_linux_arm(const ds_dump *d, const ds_elf_core *c)
{
    (void)c;
    const char *n = "lldb/linux-arm.core";
    /* asserted registers: sp 0x0000000d, pc 0x0000000f (r0..r12 = 0..12) */
    CHECK(nm("%s: registers sp 0xd pc 0xf", n),
          d->nthreads == 1 && d->threads[0].sp == 0xd && d->threads[0].pc == 0xf);
    CHECK(nm("%s: no PT_LOAD, only header and notes regions", n),
          d->nregions == 2 && region_labelled(d, "[elf-headers]") &&
          region_labelled(d, "[notes]"));
}

/* asserted pid_file_offsets: 0x1c4 is NT_PRSTATUS.pr_pid, 0x320 is
 * NT_PRPSINFO.pr_pid: change each byte there and see the right field move. */
static void check_linux_x86_64(const ds_dump *d, const ds_elf_core *c, const mapped *m)
{
    (void)c;
    const char *n = "lldb/linux-x86_64.core";
    CHECK(nm("%s: crashing thread's pc in a.out (backtrace bar/foo/_start)", n),
          d->nthreads == 1 && (region_at_vaddr(d, d->threads[0].pc)->perms & DS_PERM_X));
    uint8_t *copy = malloc(m->len);
    if (!copy)
        return;
    memcpy(copy, m->p, m->len);
    CHECK(nm("%s: pr_pid bytes at 0x1c4 and 0x320 hold 32259", n),
          copy[0x1c4] == (32259 & 0xff) && copy[0x320] == (32259 & 0xff));
    copy[0x1c4] ^= 0x40;
    ds_dump d2;
    ds_elf_core c2;
    read_core(copy, m->len, m->len, &d2, &c2);
    CHECK(nm("%s: 0x1c4 is NT_PRSTATUS.pr_pid", n),
          d2.nthreads == 1 && d2.threads[0].tid == (32259 ^ 0x40) && d2.pid == 32259);
    ds_elf_core_release(&c2);
    ds_dump_free(&d2);
    copy[0x1c4] ^= 0x40;
    copy[0x320] ^= 0x40;
    read_core(copy, m->len, m->len, &d2, &c2);
    CHECK(nm("%s: 0x320 is NT_PRPSINFO.pr_pid", n),
          d2.nthreads == 1 && d2.threads[0].tid == 32259 && d2.pid == (32259 ^ 0x40));
    ds_elf_core_release(&c2);
    ds_dump_free(&d2);
    free(copy);
}

static void check_netbsd(const ds_dump *d, const ds_elf_core *c)
{
    (void)c;
    const char *n = "lldb/netbsd-2lwp_t2_SIGSEGV.aarch64.core";
    /* asserted signalled_thread: tid 2, SIGSEGV; thread1_signal 0 */
    CHECK(nm("%s: signalled_thread tid 2 SIGSEGV", n),
          d->nthreads == 2 && d->threads[0].tid == 2 && d->threads[0].signal == 11 &&
          d->threads[0].crashed);
    CHECK(nm("%s: thread1_signal 0", n),
          d->nthreads == 2 && d->threads[1].tid == 1 && d->threads[1].signal == 0 &&
          !d->threads[1].crashed);
    /* ours: both LWPs' registers came from the PT_GETREGS notes */
    CHECK(nm("%s: LWP registers read", n),
          d->nthreads == 2 && d->threads[0].pc == 0x2001009b0 &&
          d->threads[0].sp == 0xfbeecfbff100 && d->threads[1].sp == 0xffffffe09660);
    CHECK(nm("%s: stacks labelled", n),
          str_eq(label_at(d, 0xfbeecfbff100), "[stack:2]") &&
          str_eq(label_at(d, 0xffffffe09660), "[stack:1]"));
}

static void check_thread_crash(const ds_dump *d, const ds_elf_core *c)
{
    (void)c;
    const char *n = "lldb/thread_crash-linux-x86_64.core";
    /* asserted crashing_tid 5250, crash_signal 4 (SIGILL), other_threads_signal 0 */
    CHECK(nm("%s: crashing_tid 5250 with SIGILL", n),
          d->nthreads == 3 && d->threads[0].tid == 5250 && d->threads[0].crashed &&
          d->threads[0].signal == 4);
    CHECK(nm("%s: other_threads_signal 0", n),
          d->nthreads == 3 && d->threads[1].signal == 0 && d->threads[2].signal == 0 &&
          !d->threads[1].crashed && !d->threads[2].crashed);
    /* asserted read_0x400000_returns_nothing: that PT_LOAD has p_filesz 0 */
    uint64_t off;
    CHECK(nm("%s: read_0x400000_returns_nothing", n),
          ds_dump_vaddr_to_off(d, 0x400000, &off) < 0 && region_with_vaddr(d, 0x400000) &&
          region_with_vaddr(d, 0x400000)->file_size == 0);
}

/* pyelftools' NT_PRPSINFO and NT_FILE facts (test_core_notes32/64.py). */
typedef struct {
    uint64_t start, end, pgoff;
    const char *path;           /* NULL: not asserted */
} nt_file_fact;

static void check_nt_file(const char *n, const ds_dump *d, const ds_elf_core *c,
                          const char *what, const nt_file_fact *f)
{
    const ds_elf_map *m = map_starting(c, f->start);
    CHECK(nm("%s: %s start 0x%" PRIx64 " end 0x%" PRIx64 " page_offset 0x%" PRIx64, n, what,
             f->start, f->end, f->pgoff),
          m && m->end == f->end && (f->pgoff == UINT64_MAX || m->pgoff == f->pgoff));
    if (f->path) {
        CHECK(nm("%s: %s path %s", n, what, f->path), m && str_eq(m->path, f->path));
        /* ours: the region there is labelled with it and has its module */
        const ds_region *r = region_with_vaddr(d, f->start);
        CHECK(nm("%s: %s region labelled and attached to the module", n, what),
              r && str_eq(r->label, f->path) && r->module >= 0 &&
              str_eq(d->modules[r->module].name, f->path));
    }
}

static void check_pyelftools32(const ds_dump *d, const ds_elf_core *c)
{
    const char *n = "pyelftools/core_linux32.elf";
    /* asserted prpsinfo: pid 11038 ppid 10442 uid 1000 gid 1000 flag 0x400600,
     * fname coredump, psargs "./coredump foo bar 42 " (the kernel's trailing
     * space, which the reader trims; checked in the table) */
    CHECK(nm("%s: prpsinfo pid/ppid/uid/gid/flag", n),
          c->have_prpsinfo && c->ps_pid == 11038 && c->ps_ppid == 10442 && c->ps_uid == 1000 &&
          c->ps_gid == 1000 && c->ps_flag == 0x400600);
    /* asserted nt_file_count 10 */
    CHECK_EQ_U64(nm("%s: nt_file_count", n), 10, c->nt_file_count);
    /* asserted nt_file_first / nt_file_libc / nt_file_last (raw page offset) */
    check_nt_file(n, d, c, "nt_file_first",
                  &(nt_file_fact){ 0x56624000, 0x56625000, 0, "/tmp/coredump" });
    check_nt_file(n, d, c, "nt_file_libc",
                  &(nt_file_fact){ 0xf7d13000, 0xf7ee8000, UINT64_MAX,
                                   "/lib/i386-linux-gnu/libc-2.27.so" });
    check_nt_file(n, d, c, "nt_file_last", &(nt_file_fact){ 0xf7f60000, 0xf7f61000, 0x26, NULL });
    CHECK(nm("%s: nt_file_last is the last entry", n),
          c->nmaps == 10 && c->maps[9].start == 0xf7f60000);
    const ds_module *exe = module_named(d, "/tmp/coredump");
    CHECK(nm("%s: module /tmp/coredump based at its first mapping", n),
          exe && exe->base == 0x56624000);
}

static void check_pyelftools64(const ds_dump *d, const ds_elf_core *c)
{
    const char *n = "pyelftools/core_linux64.elf";
    /* asserted prpsinfo: pid 23395 ppid 23187 uid 1000 gid 1000 sname R flag 0x400600 */
    CHECK(nm("%s: prpsinfo pid/ppid/uid/gid/sname/flag", n),
          c->have_prpsinfo && c->ps_pid == 23395 && c->ps_ppid == 23187 &&
          c->ps_uid == 1000 && c->ps_gid == 1000 && c->ps_sname == 'R' &&
          c->ps_flag == 0x400600);
    /* asserted nt_file_count 10, nt_file_page_size 4096 */
    CHECK_EQ_U64(nm("%s: nt_file_count", n), 10, c->nt_file_count);
    CHECK_EQ_U64(nm("%s: nt_file_page_size", n), 4096, c->nt_file_page_size);
    /* asserted nt_file_first (offset 0), nt_file_libc_first, nt_file_last
     * (offset 0x26000 bytes = page offset 0x26 * 4096) */
    check_nt_file(n, d, c, "nt_file_first",
                  &(nt_file_fact){ 0x400000, 0x401000, 0,
                                   "/home/max42/pyelftools/test/coredump_self" });
    check_nt_file(n, d, c, "nt_file_libc_first",
                  &(nt_file_fact){ 0x7fa4593ae000, 0x7fa45956d000, UINT64_MAX,
                                   "/lib/x86_64-linux-gnu/libc-2.23.so" });
    check_nt_file(n, d, c, "nt_file_last",
                  &(nt_file_fact){ 0x7fa45999d000, 0x7fa45999e000, 0x26000 / 4096,
                                   "/lib/x86_64-linux-gnu/ld-2.23.so" });
    CHECK(nm("%s: nt_file_last is the last entry", n),
          c->nmaps == 10 && c->maps[9].start == 0x7fa45999d000);
    const ds_module *libc = module_named(d, "/lib/x86_64-linux-gnu/libc-2.23.so");
    CHECK(nm("%s: libc module spans all its mappings", n),
          libc && libc->base == 0x7fa4593ae000 && libc->size > 0x7fa45956d000 - 0x7fa4593ae000);
    /* ours: nothing anonymous follows the executable (0x400000-0x602000)
     * within reach, so there is no brk heap; libc's bss is not one. */
    CHECK(nm("%s: no [heap] (no brk heap), libc's bss is [anon]", n),
          !region_labelled(d, "[heap]") && str_eq(label_at(d, 0x7fa459773000), "[anon]"));
}

static int test_external(void)
{
    int seen = 0;
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        const core_facts *f = &facts[i];
        char path[1024];
        snprintf(path, sizeof path, "%s/corpus/external/%s", shared_dir(), f->file);
        mapped m;
        if (map_ro(path, &m) < 0) {
            printf("FAIL %s: cannot map %s\n", f->file, path);
            check_failures++;
            continue;
        }
        seen++;
        ds_dump d;
        ds_elf_core c;
        int rc = read_core(m.p, m.len, m.len, &d, &c);
        CHECK(nm("%s: read from a PROT_READ mapping without a write fault", f->file), 1);
        check_common(f, rc, &d, &c);
        if (strcmp(f->file, "golang-debug/core") == 0)
            check_golang_core(&d, &c);
        else if (strcmp(f->file, "golang-debug/hello-world-core") == 0)
            check_hello_world(&d, &c);
        else if (strcmp(f->file, "lldb/linux-arm.core") == 0)
            check_linux_arm(&d, &c);
        else if (strcmp(f->file, "lldb/linux-x86_64.core") == 0)
            check_linux_x86_64(&d, &c, &m);
        else if (strcmp(f->file, "lldb/netbsd-2lwp_t2_SIGSEGV.aarch64.core") == 0)
            check_netbsd(&d, &c);
        else if (strcmp(f->file, "lldb/thread_crash-linux-x86_64.core") == 0)
            check_thread_crash(&d, &c);
        else if (strcmp(f->file, "pyelftools/core_linux32.elf") == 0)
            check_pyelftools32(&d, &c);
        else if (strcmp(f->file, "pyelftools/core_linux64.elf") == 0)
            check_pyelftools64(&d, &c);
        ds_elf_core_release(&c);
        ds_dump_free(&d);
        unmap(&m);
    }
    return seen;
}

/* Files of the external corpus that are not ELF cores: not this format. */
static void test_not_elf(void)
{
    static const char *const others[] = {
        "breakpad/linux_raise_sigabrt.dmp", "breakpad/microdump-arm64.dmp",
        "breakpad/minidump2.dmp", "golang-debug/hello-world-core.gz", "lldb/arm-linux.dmp",
        "lldb/linux-x86_64.dmp", "rust-minidump/invalid-range.dmp",
        "tast/chrome_crash_report.dmp", "PROVENANCE.md", "expected.json",
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/corpus/external/%s", shared_dir(), others[i]);
        mapped m;
        if (map_ro(path, &m) < 0) {
            printf("FAIL %s: cannot map %s\n", others[i], path);
            check_failures++;
            continue;
        }
        ds_dump d;
        ds_dump_init(&d, m.len);
        int rc = ds_read_elf_core(m.p, m.len, m.len, &d);
        CHECK(nm("%s: not an ELF core (-1, dump untouched)", others[i]),
              rc == -1 && d.format == DS_FMT_RAW && d.nregions == 0 && d.nproblems == 0);
        ds_dump_free(&d);
        unmap(&m);
    }
}

/* ------------------------------------------------------------------ */
/* 2. Hand-built cores.                                                */

typedef struct {
    uint8_t *p;
    size_t len, cap;
    int is64, big;
} wbuf;

static void wb_reserve(wbuf *w, size_t n)
{
    if (w->cap - w->len >= n)
        return;
    size_t cap = w->cap ? w->cap : 256;
    while (cap - w->len < n)
        cap *= 2;
    uint8_t *p = realloc(w->p, cap);
    if (!p) {
        perror("realloc");
        exit(2);
    }
    w->p = p;
    w->cap = cap;
}

static void wb_set(wbuf *w, size_t off, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        w->p[off + (w->big ? n - 1 - i : i)] = (uint8_t)(v >> (8 * i));
}

static void wb_put(wbuf *w, uint64_t v, size_t n)
{
    wb_reserve(w, n);
    w->len += n;
    wb_set(w, w->len - n, v, n);
}

static void wb_word(wbuf *w, uint64_t v)
{
    wb_put(w, v, w->is64 ? 8 : 4);
}

static void wb_bytes(wbuf *w, const void *p, size_t n)
{
    wb_reserve(w, n);
    memcpy(w->p + w->len, p, n);
    w->len += n;
}

static void wb_zero(wbuf *w, size_t n)
{
    wb_reserve(w, n);
    memset(w->p + w->len, 0, n);
    w->len += n;
}

static void wb_align(wbuf *w, size_t a)
{
    if (w->len % a)
        wb_zero(w, a - w->len % a);
}

static void wb_free(wbuf *w)
{
    free(w->p);
    memset(w, 0, sizeof *w);
}

static void add_note(wbuf *notes, const char *name, uint32_t type, const wbuf *desc)
{
    size_t namesz = strlen(name) + 1;
    wb_put(notes, namesz, 4);
    wb_put(notes, desc->len, 4);
    wb_put(notes, type, 4);
    wb_bytes(notes, name, namesz);
    wb_align(notes, 4);
    wb_bytes(notes, desc->p, desc->len);
    wb_align(notes, 4);
}

typedef struct {
    uint64_t vaddr, paddr, size;
    uint32_t flags;             /* PF_* */
    int nodata;                 /* p_filesz 0 */
} syn_load;

static void put_phdr(wbuf *w, uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr,
                     uint64_t paddr, uint64_t filesz, uint64_t memsz, uint64_t align)
{
    wb_put(w, type, 4);
    if (w->is64)
        wb_put(w, flags, 4);
    wb_word(w, off);
    wb_word(w, vaddr);
    wb_word(w, paddr);
    wb_word(w, filesz);
    wb_word(w, memsz);
    if (!w->is64)
        wb_put(w, flags, 4);
    wb_word(w, align);
}

/* ELF header, PT_NOTE + PT_LOADs; notes right after the program headers
 * (kernel) or after the memory (gcore); memory filled with a pattern. */
static void build_core(wbuf *out, int is64, int big, uint16_t machine, const wbuf *notes,
                       const syn_load *loads, size_t nloads, int notes_last)
{
    memset(out, 0, sizeof *out);
    out->is64 = is64;
    out->big = big;
    size_t eh = is64 ? 64 : 52, ent = is64 ? 56 : 32, nph = 1 + nloads;
    size_t data = eh + nph * ent;
    if (!notes_last)
        data += notes->len;
    data = (data + 4095) & ~(size_t)4095;
    size_t total = 0;
    for (size_t i = 0; i < nloads; i++)
        total += loads[i].nodata ? 0 : loads[i].size;
    size_t notes_off = notes_last ? data + total : eh + nph * ent;

    static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };
    wb_bytes(out, magic, 4);
    wb_put(out, is64 ? ELFCLASS64 : ELFCLASS32, 1);
    wb_put(out, big ? ELFDATA2MSB : ELFDATA2LSB, 1);
    wb_put(out, EV_CURRENT, 1);
    wb_zero(out, 9);
    wb_put(out, ET_CORE, 2);
    wb_put(out, machine, 2);
    wb_put(out, EV_CURRENT, 4);
    wb_word(out, 0);                /* e_entry */
    wb_word(out, eh);               /* e_phoff */
    wb_word(out, 0);                /* e_shoff */
    wb_put(out, 0, 4);              /* e_flags */
    wb_put(out, eh, 2);
    wb_put(out, ent, 2);
    wb_put(out, nph, 2);
    wb_put(out, is64 ? 64 : 40, 2);
    wb_put(out, 0, 2);
    wb_put(out, 0, 2);
    put_phdr(out, PT_NOTE, 0, notes_off, 0, 0, notes->len, 0, 4);
    size_t off = data;
    for (size_t i = 0; i < nloads; i++) {
        const syn_load *l = &loads[i];
        put_phdr(out, PT_LOAD, l->flags, off, l->vaddr, l->paddr, l->nodata ? 0 : l->size,
                 l->size, 0x1000);
        off += l->nodata ? 0 : l->size;
    }
    if (!notes_last)
        wb_bytes(out, notes->p, notes->len);
    wb_zero(out, data - out->len);
    for (size_t i = 0; i < nloads; i++) {
        if (loads[i].nodata)
            continue;
        wb_reserve(out, loads[i].size);
        memset(out->p + out->len, (int)(0x41 + i), loads[i].size);
        out->len += loads[i].size;
    }
    if (notes_last)
        wb_bytes(out, notes->p, notes->len);
}

/* struct elf_prstatus with sp and pc at the given register indexes. */
static void prstatus_desc(wbuf *w, int cursig, uint32_t pid, unsigned nregs, unsigned regsize,
                          unsigned sp_idx, uint64_t sp, unsigned pc_idx, uint64_t pc)
{
    w->len = 0;
    wb_put(w, (uint32_t)cursig, 4);         /* pr_info.si_signo */
    wb_zero(w, 8);
    wb_put(w, (uint32_t)cursig, 2);         /* pr_cursig */
    wb_zero(w, 2);
    wb_word(w, 0);                          /* pr_sigpend */
    wb_word(w, 0);                          /* pr_sighold */
    wb_put(w, pid, 4);
    wb_put(w, 1, 4);                        /* pr_ppid */
    wb_put(w, pid, 4);
    wb_put(w, pid, 4);
    for (int i = 0; i < 8; i++)             /* 4 struct timeval */
        wb_word(w, 0);
    size_t regs = w->len;
    wb_zero(w, (size_t)nregs * regsize);
    wb_set(w, regs + (size_t)sp_idx * regsize, sp, regsize);
    wb_set(w, regs + (size_t)pc_idx * regsize, pc, regsize);
    wb_put(w, 1, 4);                        /* pr_fpvalid */
    wb_align(w, w->is64 ? 8 : 4);
}

/* struct elf_prpsinfo with 32-bit uid/gid. */
static void prpsinfo_desc(wbuf *w, uint32_t pid, const char *fname, const char *psargs)
{
    char f[16] = { 0 }, a[80] = { 0 };
    w->len = 0;
    wb_put(w, 0, 1);
    wb_put(w, 'R', 1);
    wb_zero(w, w->is64 ? 6 : 2);
    wb_word(w, 0x400600);                   /* pr_flag */
    wb_put(w, 1000, 4);
    wb_put(w, 1000, 4);
    wb_put(w, pid, 4);
    wb_put(w, 1, 4);
    wb_put(w, pid, 4);
    wb_put(w, pid, 4);
    strncpy(f, fname, sizeof f - 1);
    strncpy(a, psargs, sizeof a - 1);
    wb_bytes(w, f, sizeof f);
    wb_bytes(w, a, sizeof a);
}

typedef struct {
    uint64_t start, end, pgoff;
    const char *path;
} syn_file;

static void nt_file_desc(wbuf *w, const syn_file *f, size_t n)
{
    w->len = 0;
    wb_word(w, n);
    wb_word(w, 4096);
    for (size_t i = 0; i < n; i++) {
        wb_word(w, f[i].start);
        wb_word(w, f[i].end);
        wb_word(w, f[i].pgoff);
    }
    for (size_t i = 0; i < n; i++)
        wb_bytes(w, f[i].path, strlen(f[i].path) + 1);
}

static void desc_words(wbuf *w, const uint64_t *v, size_t n)
{
    w->len = 0;
    for (size_t i = 0; i < n; i++)
        wb_word(w, v[i]);
}

static void desc_siginfo(wbuf *w, int signo)
{
    w->len = 0;
    wb_put(w, (uint32_t)signo, 4);
    wb_zero(w, 124);
}

/* A kdump vmcore: per-CPU NT_PRSTATUS, VMCOREINFO, physical memory. */
static void build_vmcore(wbuf *out)
{
    wbuf notes = { .is64 = 1 }, desc = { .is64 = 1 };
    prstatus_desc(&desc, 0, 0, 27, 8, 19, 0xffffffff82003e00, 16, 0xffffffff81000100);
    add_note(&notes, "CORE", NT_PRSTATUS, &desc);
    prstatus_desc(&desc, 0, 1234, 27, 8, 19, 0xffffc90000013e00, 16, 0xffffffff81000200);
    add_note(&notes, "CORE", NT_PRSTATUS, &desc);
    static const char info[] = "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"
                               "SYMBOL(init_uts_ns)=ffffffff82a00000\n";
    desc.len = 0;
    wb_bytes(&desc, info, sizeof info - 1);
    add_note(&notes, "VMCOREINFO", 0, &desc);
    static const syn_load loads[] = {
        { 0xffffffff81000000, 0x1000000, 0x2000, PF_R | PF_W | PF_X, 0 },
        { 0xffff888000100000, 0x100000, 0x3000, PF_R | PF_W | PF_X, 0 },
    };
    build_core(out, 1, 0, EM_X86_64, &notes, loads, 2, 0);
    wb_free(&notes);
    wb_free(&desc);
}

static void test_vmcore(void)
{
    const char *n = "synthetic vmcore";
    wbuf core;
    build_vmcore(&core);
    ds_dump d;
    ds_elf_core c;
    int rc = read_core(core.p, core.len, core.len, &d, &c);
    CHECK(nm("%s: read completely", n), rc == 0 && d.nproblems == 0);
    CHECK(nm("%s: elf-core x86_64 linux", n),
          d.format == DS_FMT_ELF_CORE && str_eq(d.arch, "x86_64") && str_eq(d.os, "linux"));
    CHECK(nm("%s: VMCOREINFO recorded with the kernel release", n),
          c.have_vmcoreinfo && d.os_version && strstr(d.os_version, "6.1.0-test") &&
          strstr(d.os_version, "vmcore"));
    CHECK(nm("%s: no process (name, cmdline, pid)", n),
          !d.process_name && !d.cmdline && d.pid == -1);
    CHECK(nm("%s: one thread per CPU, none crashed", n),
          d.nthreads == 2 && d.threads[0].tid == 0 && d.threads[1].tid == 1234 &&
          !d.threads[0].crashed && !d.threads[1].crashed && d.crash_signal == 0);
    CHECK(nm("%s: CPU registers", n),
          d.nthreads == 2 && d.threads[1].sp == 0xffffc90000013e00 &&
          d.threads[1].pc == 0xffffffff81000200);
    const ds_region *r1 = region_with_vaddr(&d, 0xffffffff81000000);
    const ds_region *r2 = region_with_vaddr(&d, 0xffff888000100000);
    CHECK(nm("%s: physical PT_LOADs labelled by physical address", n),
          r1 && r2 && str_eq(r1->label, "[phys:0x1000000]") &&
          str_eq(r2->label, "[phys:0x100000]") && r1->file_size == 0x2000 &&
          r2->file_size == 0x3000 && r2->file_off == r1->file_off + 0x2000);
    CHECK(nm("%s: header and notes regions", n),
          region_labelled(&d, "[elf-headers]") && region_labelled(&d, "[notes]") &&
          region_labelled(&d, "[elf-headers]")->file_off == 0);
    ds_elf_core_release(&c);
    ds_dump_free(&d);
    wb_free(&core);
}

/* A 32-bit big-endian MIPS process: everything the labels need.
 * heap: HEAP_NONE = only the bss follows the executable, HEAP_SEPARATE = a
 * randomised brk heap after it, HEAP_MERGED = one anonymous mapping holds
 * bss and heap.  phdrs: the executable's first page (with its program
 * headers, so the reader knows where the bss ends) is in the core. */
enum { HEAP_NONE, HEAP_SEPARATE, HEAP_MERGED };

static void build_process(wbuf *out, int heap, int notes_last, int phdrs)
{
    wbuf notes = { .is64 = 0, .big = 1 }, desc = { .is64 = 0, .big = 1 };
    /* o32 elf_gregset_t: 45 registers, sp = 6 + 29, pc = cp0_epc = 40 */
    prstatus_desc(&desc, 11, 4242, 45, 4, 35, 0x7fef8000, 40, 0x400123);
    add_note(&notes, "CORE", NT_PRSTATUS, &desc);
    prpsinfo_desc(&desc, 4242, "bevictim", "bevictim -x ");
    add_note(&notes, "CORE", NT_PRPSINFO, &desc);
    desc_siginfo(&desc, 11);
    add_note(&notes, "CORE", NT_SIGINFO, &desc);
    const uint64_t auxv[] = { AT_PHDR, 0x400034, AT_PHENT, 32, AT_PHNUM, 3,
                              AT_SYSINFO_EHDR, 0x7fff8000, AT_NULL, 0 };
    desc_words(&desc, auxv, sizeof auxv / sizeof auxv[0]);
    add_note(&notes, "CORE", NT_AUXV, &desc);
    static const syn_file files[] = {
        { 0x400000, 0x401000, 0, "/usr/bin/bevictim" },
        { 0x410000, 0x411000, 0x10, "/usr/bin/bevictim" },
        { 0x77f00000, 0x77f10000, 0, "/lib/libc.so.6" },
        { 0x77f20000, 0x77f21000, 0x20, "/lib/libc.so.6" },
    };
    nt_file_desc(&desc, files, 4);
    add_note(&notes, "CORE", NT_FILE, &desc);
    prstatus_desc(&desc, 0, 4243, 45, 4, 35, 0x77d08000, 40, 0x77f00400);
    add_note(&notes, "CORE", NT_PRSTATUS, &desc);
    desc.len = 0;
    wb_zero(&desc, 264);
    add_note(&notes, "CORE", NT_PRFPREG, &desc);
    const syn_load loads[] = {
        { 0x400000, 0, 0x1000, PF_R | PF_X, !phdrs }, /* exe text */
        { 0x410000, 0, 0x1000, PF_R | PF_W, 0 },      /* exe data */
        { 0x411000, 0, heap == HEAP_MERGED ? 0x21000 : 0x1000, PF_R | PF_W, 0 }, /* bss */
        { 0x430000, 0, 0x2000, PF_R | PF_W, 0 },      /* heap */
        { 0x432000, 0, 0x1000, PF_R | PF_W, 0 },      /* heap, split by mprotect */
        { 0x77d00000, 0, 0x10000, PF_R | PF_W, 0 },   /* thread 4243's stack */
        { 0x77e00000, 0, 0x1000, PF_R | PF_W, 0 },    /* anonymous mmap */
        { 0x77f00000, 0, 0x10000, PF_R | PF_X, 1 },   /* libc text */
        { 0x77f20000, 0, 0x1000, PF_R | PF_W, 0 },    /* libc data */
        { 0x7fef0000, 0, 0x10000, PF_R | PF_W, 0 },   /* main stack */
        { 0x7fff6000, 0, 0x2000, PF_R, 1 },           /* vvar */
        { 0x7fff8000, 0, 0x1000, PF_R | PF_X, 0 },    /* vdso */
    };
    syn_load l[sizeof loads / sizeof loads[0]];
    size_t nl = 0;
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++)
        if (heap == HEAP_SEPARATE || (loads[i].vaddr != 0x430000 && loads[i].vaddr != 0x432000))
            l[nl++] = loads[i];
    build_core(out, 0, 1, EM_MIPS, &notes, l, nl, notes_last);
    if (phdrs) {
        /* The executable's program headers at 0x400034: PT_PHDR, text, and
         * data whose bss ends at 0x411800 (so the break starts at 0x412000). */
        size_t off = (size_t)(out->p[52 + 32 + 4] << 24 | out->p[52 + 32 + 5] << 16 |
                              out->p[52 + 32 + 6] << 8 | out->p[52 + 32 + 7]) + 0x34;
        static const uint32_t ph[3][8] = {
            { PT_PHDR, 0x34, 0x400034, 0x400034, 96, 96, PF_R, 4 },
            { PT_LOAD, 0, 0x400000, 0x400000, 0x800, 0x800, PF_R | PF_X, 0x1000 },
            { PT_LOAD, 0x800, 0x410000, 0x410000, 0x100, 0x1800, PF_R | PF_W, 0x1000 },
        };
        for (size_t i = 0; i < 3; i++)
            for (size_t k = 0; k < 8; k++)
                wb_set(out, off + i * 32 + k * 4, ph[i][k], 4);
    }
    wb_free(&notes);
    wb_free(&desc);
}

static void test_process(int heap, int notes_last, int phdrs)
{
    static const char *const heaps[] = { "bss only", "separate heap", "bss+heap merged" };
    char name[160];
    snprintf(name, sizeof name, "synthetic mips BE32 process (%s, notes %s, %s)", heaps[heap],
             notes_last ? "last" : "first", phdrs ? "exe phdrs in core" : "no exe phdrs");
    const char *n = name;
    wbuf core;
    build_process(&core, heap, notes_last, phdrs);
    ds_dump d;
    ds_elf_core c;
    int rc = read_core(core.p, core.len, core.len, &d, &c);
    CHECK(nm("%s: read completely", n), rc == 0 && d.nproblems == 0);
    CHECK(nm("%s: mips, big-endian, 32-bit, linux", n),
          str_eq(d.arch, "mips") && d.big_endian && d.word_size == 4 && str_eq(d.os, "linux"));
    CHECK(nm("%s: process", n),
          d.pid == 4242 && str_eq(d.process_name, "bevictim") &&
          str_eq(d.cmdline, "bevictim -x") && d.crash_signal == 11);
    CHECK(nm("%s: threads", n),
          d.nthreads == 2 && d.threads[0].tid == 4242 && d.threads[0].crashed &&
          d.threads[0].signal == 11 && d.threads[0].sp == 0x7fef8000 &&
          d.threads[0].pc == 0x400123 && d.threads[1].tid == 4243 && !d.threads[1].crashed &&
          d.threads[1].signal == 0);
    CHECK(nm("%s: prpsinfo with 32-bit ids", n),
          c.ps_uid == 1000 && c.ps_gid == 1000 && c.ps_ppid == 1 && c.ps_sname == 'R');
    CHECK(nm("%s: auxv", n),
          c.at_phdr == 0x400034 && c.at_phnum == 3 && c.at_sysinfo_ehdr == 0x7fff8000);
    const ds_module *exe = module_named(&d, "/usr/bin/bevictim");
    const ds_module *libc = module_named(&d, "/lib/libc.so.6");
    CHECK(nm("%s: one module per file, spanning its mappings", n),
          d.nmodules == 2 && exe && exe->base == 0x400000 && exe->size == 0x11000 && libc &&
          libc->base == 0x77f00000 && libc->size == 0x21000);
    CHECK(nm("%s: file mappings labelled with their path and module", n),
          str_eq(label_at(&d, 0x400000), "/usr/bin/bevictim") &&
          str_eq(label_at(&d, 0x410000), "/usr/bin/bevictim") &&
          str_eq(label_at(&d, 0x77f20000), "/lib/libc.so.6") &&
          region_at_vaddr(&d, 0x77f20000)->module >= 0 &&
          str_eq(d.modules[region_at_vaddr(&d, 0x77f20000)->module].name, "/lib/libc.so.6"));
    if (heap == HEAP_SEPARATE)
        CHECK(nm("%s: the randomised heap is [heap], the bss [anon]", n),
              str_eq(label_at(&d, 0x430000), "[heap]") &&
              str_eq(label_at(&d, 0x432000), "[heap]") &&
              str_eq(label_at(&d, 0x411000), "[anon]") && count_labelled(&d, "[heap]") == 2);
    else if (heap == HEAP_MERGED)
        CHECK(nm("%s: the mapping after the executable is [heap]", n),
              str_eq(label_at(&d, 0x411000), "[heap]") && count_labelled(&d, "[heap]") == 1);
    else if (phdrs)
        CHECK(nm("%s: the bss alone is [anon], there is no heap", n),
              str_eq(label_at(&d, 0x411000), "[anon]") && count_labelled(&d, "[heap]") == 0);
    CHECK(nm("%s: stacks of both threads", n),
          str_eq(label_at(&d, 0x7fef0000), "[stack:4242]") &&
          str_eq(label_at(&d, 0x77d00000), "[stack:4243]"));
    CHECK(nm("%s: other anonymous memory is [anon]", n),
          str_eq(label_at(&d, 0x77e00000), "[anon]"));
    CHECK(nm("%s: [vdso] and [vvar]", n),
          str_eq(label_at(&d, 0x7fff8000), "[vdso]") && str_eq(label_at(&d, 0x7fff6000), "[vvar]"));
    const ds_region *notes = region_labelled(&d, "[notes]");
    const ds_region *data = region_with_vaddr(&d, 0x410000);
    CHECK(nm("%s: notes region %s the memory", n, notes_last ? "after" : "before"),
          notes && data && (notes_last ? notes->file_off > data->file_off
                                       : notes->file_off < data->file_off));
    size_t prefix = data ? (size_t)data->file_off : 0;
    ds_elf_core_release(&c);
    ds_dump_free(&d);

    /* Streaming: a prefix up to the memory.  Kernel layout: everything is
     * there.  gcore layout: no notes yet, and that is no defect. */
    rc = read_core(core.p, prefix, core.len, &d, &c);
    if (notes_last)
        CHECK(nm("%s: streamed prefix without the notes: partial, no problem", n),
              rc == 1 && d.nproblems == 0 && !d.truncated && d.nthreads == 0 &&
              region_with_vaddr(&d, 0x410000) &&
              region_with_vaddr(&d, 0x410000)->file_size == 0x1000);
    else
        CHECK(nm("%s: streamed prefix up to the memory: complete", n),
              rc == 0 && d.nproblems == 0 && d.nthreads == 2 &&
              str_eq(label_at(&d, 0x7fef0000), "[stack:4242]") &&
              count_labelled(&d, "[heap]") == (heap == HEAP_SEPARATE ? 2 : heap == HEAP_MERGED));
    ds_elf_core_release(&c);
    ds_dump_free(&d);
    wb_free(&core);
}

/* Registers of architectures the corpus has no Linux core of. */
static void test_register_layouts(void)
{
    static const struct {
        const char *arch;
        uint16_t machine;
        int is64, big;
        unsigned nregs, sp_idx, pc_idx;
    } archs[] = {
        { "aarch64", EM_AARCH64, 1, 0, 34, 31, 32 },  /* x0..x30, sp, pc, pstate */
        { "ppc64", EM_PPC64, 1, 1, 48, 1, 32 },       /* gpr[32], nip, ... */
        { "ppc64le", EM_PPC64, 1, 0, 48, 1, 32 },
        { "riscv64", EM_RISCV, 1, 0, 32, 2, 0 },      /* pc, ra, sp, ... */
        { "mips64", EM_MIPS, 1, 1, 45, 29, 34 },      /* r0..r31, lo, hi, epc */
        { "arm", EM_ARM, 0, 1, 18, 13, 15 },          /* big-endian arm */
        { "i386", EM_386, 0, 0, 17, 15, 12 },
    };
    for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++) {
        wbuf notes = { .is64 = archs[i].is64, .big = archs[i].big };
        wbuf desc = notes, core;
        uint64_t sp = archs[i].is64 ? 0x7ffff0001230 : 0x7fff1230;
        uint64_t pc = archs[i].is64 ? 0x555555554abc : 0x8048abc;
        prstatus_desc(&desc, 7, 777, archs[i].nregs, archs[i].is64 ? 8 : 4, archs[i].sp_idx, sp,
                      archs[i].pc_idx, pc);
        add_note(&notes, "CORE", NT_PRSTATUS, &desc);
        syn_load l = { sp & ~(uint64_t)0xfff, 0, 0x1000, PF_R | PF_W, 0 };
        build_core(&core, archs[i].is64, archs[i].big, archs[i].machine, &notes, &l, 1, 0);
        ds_dump d;
        ds_elf_core c;
        int rc = read_core(core.p, core.len, core.len, &d, &c);
        CHECK(nm("synthetic %s: arch, tid, signal, sp, pc, stack label", archs[i].arch),
              rc == 0 && str_eq(d.arch, archs[i].arch) && d.nthreads == 1 &&
              d.threads[0].tid == 777 && d.threads[0].signal == 7 && d.threads[0].sp == sp &&
              d.threads[0].pc == pc && d.pid == 777 && str_eq(label_at(&d, sp), "[stack:777]"));
        ds_elf_core_release(&c);
        ds_dump_free(&d);
        wb_free(&notes);
        wb_free(&desc);
        wb_free(&core);
    }
}

/* FreeBSD notes are not Linux's: the OS is named, nothing is misread. */
static void test_freebsd(void)
{
    wbuf notes = { .is64 = 1 }, desc = { .is64 = 1 }, core;
    prstatus_desc(&desc, 11, 99, 27, 8, 19, 0x1000, 16, 0x2000);
    add_note(&notes, "FreeBSD", NT_PRSTATUS, &desc);
    build_core(&core, 1, 0, EM_X86_64, &notes, NULL, 0, 0);
    ds_dump d;
    ds_elf_core c;
    int rc = read_core(core.p, core.len, core.len, &d, &c);
    CHECK("synthetic FreeBSD core: os freebsd, no Linux-style threads",
          rc == 0 && str_eq(d.os, "freebsd") && d.nthreads == 0 && d.pid == -1);
    ds_elf_core_release(&c);
    ds_dump_free(&d);
    wb_free(&notes);
    wb_free(&desc);
    wb_free(&core);
}

/* ------------------------------------------------------------------ */
/* 3. Truncation and streaming prefixes.                               */

/* Every region's file bytes lie inside the first `have` bytes. */
static int regions_inside(const ds_dump *d, uint64_t have)
{
    for (size_t i = 0; i < d->nregions; i++) {
        const ds_region *r = &d->regions[i];
        if (r->file_size && (r->file_off >= have || r->file_size > have - r->file_off))
            return 0;
    }
    return 1;
}

typedef struct {
    unsigned runs, fails;
    char first[200];
} tally;

static void tally_fail(tally *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tally_fail(tally *t, const char *fmt, ...)
{
    if (t->fails++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->first, sizeof t->first, fmt, ap);
        va_end(ap);
    }
}

/* What the full read says: where the structure the reader parses ends
 * (headers, notes) and where the file's described bytes end. */
typedef struct {
    uint64_t meta_end, data_end, headers_end;
    uint64_t notes_off[4], notes_size[4];
    size_t nnotes;
    size_t nthreads, nregions;
    int64_t pid;
} shape;

static shape shape_of(const uint8_t *buf, size_t len)
{
    shape s;
    memset(&s, 0, sizeof s);
    s.pid = -1;
    ds_dump d;
    ds_elf_core c;
    read_core(buf, len, len, &d, &c);
    for (size_t i = 0; i < d.nregions; i++) {
        const ds_region *r = &d.regions[i];
        uint64_t end = r->file_off + r->file_size;
        if (end > s.data_end)
            s.data_end = end;
        if (r->label && (!strcmp(r->label, "[notes]") || !strcmp(r->label, "[elf-headers]"))) {
            if (end > s.meta_end)
                s.meta_end = end;
            if (!strcmp(r->label, "[elf-headers]") && end > s.headers_end)
                s.headers_end = end;
            if (!strcmp(r->label, "[notes]") && s.nnotes < 4) {
                s.notes_off[s.nnotes] = r->file_off;
                s.notes_size[s.nnotes++] = r->file_size;
            }
        }
    }
    s.nthreads = d.nthreads;
    s.nregions = d.nregions;
    s.pid = d.pid;
    ds_elf_core_release(&c);
    ds_dump_free(&d);
    return s;
}

/* Read the first `cut` bytes three ways; count what goes wrong. */
static void cut_once(const uint8_t *buf, size_t len, size_t cut, const shape *s, tally *t)
{
    uint8_t *p = malloc(cut ? cut : 1);     /* exact size: ASan sees overreads */
    if (!p)
        return;
    memcpy(p, buf, cut);
    for (int mode = 0; mode < 3; mode++) {
        uint64_t total = mode == 0 ? cut : mode == 1 ? len : 0;
        ds_dump d;
        ds_elf_core c;
        int rc = read_core(p, cut, total, &d, &c);
        t->runs++;
        const char *how = mode == 0 ? "truncated file" : mode == 1 ? "prefix" : "unknown size";
        if (cut < 18) {
            if (rc != -1)
                tally_fail(t, "%s at %zu: rc %d, want -1 (too short to identify)", how, cut, rc);
        } else if (rc != 0 && rc != 1) {
            tally_fail(t, "%s at %zu: rc %d", how, cut, rc);
        } else if (mode == 0 && cut < s->data_end && !(rc == 1 && d.truncated && d.nproblems)) {
            tally_fail(t, "%s at %zu: rc %d truncated %d problems %zu, want 1/1/>0", how, cut,
                       rc, d.truncated, d.nproblems);
        } else if (mode == 0 && !regions_inside(&d, cut)) {
            tally_fail(t, "%s at %zu: a region reaches past the end", how, cut);
        } else if (mode != 0 && (d.nproblems || d.truncated)) {
            tally_fail(t, "%s at %zu: problem '%s' in a valid file", how, cut,
                       d.nproblems ? d.problems[0] : "truncated");
        } else if (mode != 0 && cut < s->meta_end && rc != 1) {
            tally_fail(t, "%s at %zu: rc 0 although headers/notes are cut", how, cut);
        } else if (mode == 1 && cut >= s->meta_end &&
                   (rc != 0 || d.nthreads != s->nthreads || d.nregions != s->nregions ||
                    d.pid != s->pid)) {
            tally_fail(t, "%s at %zu: rc %d threads %zu regions %zu pid %lld, want the full read",
                       how, cut, rc, d.nthreads, d.nregions, (long long)d.pid);
        }
        ds_elf_core_release(&c);
        ds_dump_free(&d);
    }
    free(p);
}

static uint32_t get32(const uint8_t *buf, size_t off)
{
    const uint8_t *p = buf + off;
    if (buf[EI_DATA] == ELFDATA2MSB)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void stress_truncation(const char *name, const uint8_t *buf, size_t len)
{
    shape s = shape_of(buf, len);
    tally t = { 0, 0, "" };
    /* Every 1/64 of the file. */
    for (size_t i = 0; i < 64; i++)
        cut_once(buf, len, len / 64 * i, &s, &t);
    /* Every byte of the ELF and program headers. */
    for (size_t cut = 1; cut <= s.headers_end + 1 && cut < 8192 && cut < len; cut++)
        cut_once(buf, len, cut, &s, &t);
    /* Around every field of every note header, at the edges of each
     * descriptor and every 29 bytes inside it (notes may be first, as the
     * kernel writes them, or last, as gcore does). */
    for (size_t k = 0; k < s.nnotes; k++) {
        size_t p = (size_t)s.notes_off[k], end = p + (size_t)s.notes_size[k];
        while (p + 12 <= end && end <= len) {
            size_t namesz = get32(buf, p), descsz = get32(buf, p + 4);
            size_t desc = p + 12 + ((namesz + 3) & ~(size_t)3);
            static const int around[] = { -1, 0, 1, 4, 8, 11, 12, 13 };
            for (size_t i = 0; i < sizeof around / sizeof around[0]; i++)
                cut_once(buf, len, p + (size_t)(ptrdiff_t)around[i], &s, &t);
            for (size_t q = desc - 1; q <= desc + descsz + 1 && q < len; q += q + 29 < desc + descsz ? 29 : 1)
                cut_once(buf, len, q, &s, &t);
            p = desc + ((descsz + 3) & ~(size_t)3);
        }
        for (size_t q = end - 1; q <= end + 1 && q < len; q++)
            cut_once(buf, len, q, &s, &t);
    }
    CHECK(nm("%s: %u truncated/prefix reads behave (%s)", name, t.runs,
             t.fails ? t.first : "ok"), t.fails == 0);
}

/* ------------------------------------------------------------------ */
/* 4. Mutations.                                                        */

/* Our own minimal view of the ELF, independent of the reader. */
typedef struct {
    int is64, big;
    size_t phoff, phent, phnum;
    size_t first_load, note_ph;     /* offsets of those phdrs, 0: none */
    size_t first_note, nt_file;     /* offsets of a note header / NT_FILE desc */
} layout;

static uint64_t get_n(const layout *l, const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * (l->big ? n - 1 - i : i));
    return v;
}

static void set_n(const layout *l, uint8_t *p, size_t n, uint64_t v)
{
    for (size_t i = 0; i < n; i++)
        p[l->big ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* Field offsets inside a phdr. */
static size_t ph_off(const layout *l)    { return l->is64 ? 8 : 4; }
static size_t ph_filesz(const layout *l) { return l->is64 ? 32 : 16; }
static size_t ph_memsz(const layout *l)  { return l->is64 ? 40 : 20; }

static layout layout_of(const uint8_t *b, size_t len)
{
    layout l = { 0 };
    l.is64 = b[EI_CLASS] == ELFCLASS64;
    l.big = b[EI_DATA] == ELFDATA2MSB;
    size_t w = l.is64 ? 8 : 4;
    l.phoff = (size_t)get_n(&l, b + (l.is64 ? 32 : 28), w);
    l.phent = (size_t)get_n(&l, b + (l.is64 ? 54 : 42), 2);
    l.phnum = (size_t)get_n(&l, b + (l.is64 ? 56 : 44), 2);
    for (size_t i = 0; i < l.phnum; i++) {
        size_t ph = l.phoff + i * l.phent;
        uint32_t type = (uint32_t)get_n(&l, b + ph, 4);
        if (type == PT_LOAD && !l.first_load && get_n(&l, b + ph + ph_filesz(&l), w))
            l.first_load = ph;      /* the first with file bytes */
        if (type != PT_NOTE || l.note_ph)
            continue;
        l.note_ph = ph;
        size_t off = (size_t)get_n(&l, b + ph + ph_off(&l), w);
        size_t end = off + (size_t)get_n(&l, b + ph + ph_filesz(&l), w);
        l.first_note = off;
        for (size_t p = off; p + 12 <= end && end <= len;) {
            size_t namesz = (size_t)get_n(&l, b + p, 4), descsz = (size_t)get_n(&l, b + p + 4, 4);
            uint32_t t = (uint32_t)get_n(&l, b + p + 8, 4);
            size_t desc = p + 12 + ((namesz + 3) & ~(size_t)3);
            if (t == NT_FILE && namesz == 5 && !memcmp(b + p + 12, "CORE", 5))
                l.nt_file = desc;
            p = desc + ((descsz + 3) & ~(size_t)3);
        }
    }
    return l;
}

typedef enum { WANT_PROBLEM, WANT_ANY } want;

static void mutate_once(const char *name, const char *what, const uint8_t *buf, size_t len,
                        const layout *l, size_t off, size_t n, uint64_t v, want w)
{
    if (!off && strcmp(what, "e_phnum") && strcmp(what, "e_phoff") && strcmp(what, "e_phentsize"))
        return;     /* the file has no such structure */
    uint8_t *p = malloc(len);
    if (!p)
        return;
    memcpy(p, buf, len);
    set_n(l, p + off, n, v);
    ds_dump d;
    ds_elf_core c;
    int rc = read_core(p, len, len, &d, &c);
    int ok = (rc == 0 || rc == 1) && regions_inside(&d, len) &&
             (w == WANT_ANY || (rc == 1 && d.nproblems > 0));
    CHECK(nm("%s: %s = 0x%llx: rc %d, %zu problems%s%s", name, what, (unsigned long long)v, rc,
             d.nproblems, d.nproblems ? ", e.g. " : "", d.nproblems ? d.problems[0] : ""), ok);
    ds_elf_core_release(&c);
    ds_dump_free(&d);
    free(p);
}

static void stress_mutations(const char *name, const uint8_t *buf, size_t len, unsigned seed)
{
    layout l = layout_of(buf, len);
    size_t w = l.is64 ? 8 : 4;
    uint64_t max = l.is64 ? UINT64_MAX : UINT32_MAX;
    size_t ehp = l.is64 ? 56 : 44;      /* e_phnum */
    mutate_once(name, "e_phnum", buf, len, &l, ehp, 2, 0xfffe, WANT_PROBLEM);
    mutate_once(name, "e_phnum", buf, len, &l, ehp, 2, PN_XNUM, WANT_PROBLEM);
    mutate_once(name, "e_phoff", buf, len, &l, l.is64 ? 32 : 28, w, len + 100, WANT_PROBLEM);
    mutate_once(name, "e_phoff", buf, len, &l, l.is64 ? 32 : 28, w, max - 8, WANT_PROBLEM);
    mutate_once(name, "e_phentsize", buf, len, &l, ehp - 2, 2, 7, WANT_PROBLEM);
    if (l.first_load) {
        mutate_once(name, "PT_LOAD p_filesz", buf, len, &l, l.first_load + ph_filesz(&l), w,
                    l.is64 ? UINT64_C(1) << 63 : UINT32_MAX, WANT_PROBLEM);
        mutate_once(name, "PT_LOAD p_offset", buf, len, &l, l.first_load + ph_off(&l), w,
                    max - 5, WANT_PROBLEM);
        mutate_once(name, "PT_LOAD p_memsz", buf, len, &l, l.first_load + ph_memsz(&l), w,
                    max, l.is64 ? WANT_PROBLEM : WANT_ANY);
    }
    mutate_once(name, "PT_NOTE p_filesz", buf, len, &l, l.note_ph + ph_filesz(&l), w, max - 1,
                WANT_PROBLEM);
    mutate_once(name, "PT_NOTE p_offset", buf, len, &l, l.note_ph + ph_off(&l), w, len - 5,
                WANT_PROBLEM);
    mutate_once(name, "first note namesz", buf, len, &l, l.first_note, 4, 0xffffffff,
                WANT_PROBLEM);
    mutate_once(name, "first note descsz", buf, len, &l, l.first_note + 4, 4, 0xfffffff0,
                WANT_PROBLEM);
    mutate_once(name, "NT_FILE count", buf, len, &l, l.nt_file, w, max / 2, WANT_PROBLEM);
    mutate_once(name, "NT_FILE count", buf, len, &l, l.nt_file, w, 1000000, WANT_PROBLEM);

    /* Seeded random flips of 1-4 bytes over headers and notes. */
    shape s = shape_of(buf, len);
    size_t span = s.meta_end && s.meta_end < len ? (size_t)s.meta_end : len;
    if (l.note_ph && l.first_note > span)
        span = len;     /* gcore: the notes are at the end */
    uint8_t *p = malloc(len);
    tally t = { 0, 0, "" };
    uint64_t x = 0x9e3779b97f4a7c15ULL ^ seed;
    if (p)
        memcpy(p, buf, len);
    for (int iter = 0; p && iter < 3000; iter++) {
        /* Flip, read, flip back: no copy of the whole file per round. */
        size_t at[4];
        uint8_t bit[4];
        int flips = 1 + (int)(x % 4);
        for (int k = 0; k < flips; k++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            at[k] = (size_t)(x >> 33) % span;
            bit[k] = (uint8_t)(1u << ((x >> 20) & 7));
            p[at[k]] ^= bit[k];
        }
        ds_dump d;
        ds_elf_core c;
        int rc = read_core(p, len, len, &d, &c);
        t.runs++;
        int ident_intact = memcmp(p, buf, 20) == 0;
        if (rc < -1 || rc > 1 || (ident_intact && rc == -1))
            tally_fail(&t, "iteration %d: rc %d", iter, rc);
        else if (!regions_inside(&d, len))
            tally_fail(&t, "iteration %d: a region reaches past the end", iter);
        ds_elf_core_release(&c);
        ds_dump_free(&d);
        for (int k = flips; k-- > 0;)
            p[at[k]] ^= bit[k];
    }
    free(p);
    CHECK(nm("%s: %u random header/note mutations (%s)", name, t.runs, t.fails ? t.first : "ok"),
          t.fails == 0);
}

/* ------------------------------------------------------------------ */
/* The probe for tests/t_elf_victim.sh.                                */

static int probe(int argc, char **argv)
{
    const char *path = NULL;
    size_t prefix = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--probe") && i + 1 < argc)
            path = argv[++i];
        else if (!strcmp(argv[i], "--prefix") && i + 1 < argc)
            prefix = (size_t)strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--at") && i + 1 < argc)
            i++;
    }
    mapped m;
    if (!path || map_ro(path, &m) < 0) {
        fprintf(stderr, "usage: test_elf_core --probe CORE [--prefix BYTES] [--at ADDR]...\n");
        return 2;
    }
    size_t len = prefix && prefix < m.len ? prefix : m.len;
    ds_dump d;
    ds_elf_core c;
    int rc = read_core(m.p, len, m.len, &d, &c);
    printf("rc %d\nformat %s\narch %s\nos %s\nword_size %d\nbig_endian %d\npid %lld\n", rc,
           ds_format_name(d.format), d.arch, d.os ? d.os : "-", d.word_size, d.big_endian,
           (long long)d.pid);
    printf("name %s\ncmdline %s\nsignal %d\ntruncated %d\n", d.process_name ? d.process_name : "-",
           d.cmdline ? d.cmdline : "-", d.crash_signal, d.truncated);
    for (size_t i = 0; i < d.nthreads; i++) {
        const ds_thread *t = &d.threads[i];
        printf("thread %" PRIu64 " sp 0x%" PRIx64 " pc 0x%" PRIx64 " signal %d crashed %d\n",
               t->tid, t->sp, t->pc, t->signal, t->crashed);
    }
    for (size_t i = 0; i < d.nmodules; i++)
        printf("module 0x%" PRIx64 " 0x%" PRIx64 " %s\n", d.modules[i].base, d.modules[i].size,
               d.modules[i].name);
    for (size_t i = 0; i < d.nregions; i++) {
        const ds_region *r = &d.regions[i];
        printf("region 0x%" PRIx64 " 0x%" PRIx64 " %s0x%" PRIx64 " 0x%" PRIx64 " %c%c%c %s\n",
               r->file_off, r->file_size, r->has_vaddr ? "" : "-", r->vaddr, r->mem_size,
               r->perms & DS_PERM_R ? 'r' : '-', r->perms & DS_PERM_W ? 'w' : '-',
               r->perms & DS_PERM_X ? 'x' : '-', r->label ? r->label : "-");
    }
    for (size_t i = 0; i < d.nproblems; i++)
        printf("problem %s\n", d.problems[i]);
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--at"))
            continue;
        uint64_t a = strtoull(argv[++i], NULL, 0);
        const ds_region *r = region_at_vaddr(&d, a);
        printf("at 0x%" PRIx64 " %s\n", a, r && r->label ? r->label : "-");
    }
    ds_elf_core_release(&c);
    ds_dump_free(&d);
    unmap(&m);
    return 0;
}

/* ------------------------------------------------------------------ */

/* Write the hand-built cores as fuzzing seeds (fuzz/seeds/elf_core/): the
 * vmcore whole, the MIPS core only up to its memory (headers and notes are
 * what is worth mutating; 4 KiB instead of 170). */
static int write_seeds(const char *dir)
{
    static const char *const names[] = { "vmcore-x86_64", "mips-be32-headers-notes" };
    for (int i = 0; i < 2; i++) {
        wbuf core;
        if (i == 0)
            build_vmcore(&core);
        else
            build_process(&core, HEAP_SEPARATE, 0, 1);
        size_t len = core.len;
        if (i == 1) {
            /* The first PT_LOAD's p_offset (ELF32 big-endian, phdr 1). */
            const uint8_t *p = core.p + 52 + 32 + 4;
            len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
        }
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "wb");
        int ok = f && fwrite(core.p, 1, len, f) == len;
        if (f && fclose(f) != 0)
            ok = 0;
        wb_free(&core);
        if (!ok) {
            perror(path);
            return 2;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
        return write_seeds(argv[2]);
    if (argc > 1)
        return probe(argc, argv);

    int seen = test_external();
    CHECK_EQ_U64("external ELF cores found", sizeof facts / sizeof facts[0], seen);
    test_not_elf();
    test_vmcore();
    test_process(HEAP_SEPARATE, 0, 0);
    test_process(HEAP_SEPARATE, 1, 0);
    test_process(HEAP_MERGED, 0, 0);
    test_process(HEAP_NONE, 0, 1);
    test_process(HEAP_SEPARATE, 0, 1);
    test_process(HEAP_MERGED, 1, 1);
    test_register_layouts();
    test_freebsd();

    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/corpus/external/%s", shared_dir(), facts[i].file);
        mapped m;
        if (map_ro(path, &m) < 0)
            continue;
        stress_truncation(facts[i].file, m.p, m.len);
        stress_mutations(facts[i].file, m.p, m.len, (unsigned)i);
        unmap(&m);
    }
    wbuf core;
    build_vmcore(&core);
    stress_truncation("synthetic vmcore", core.p, core.len);
    stress_mutations("synthetic vmcore", core.p, core.len, 100);
    wb_free(&core);
    for (int last = 0; last <= 1; last++) {
        const char *n = last ? "synthetic mips core, notes last" : "synthetic mips core";
        build_process(&core, HEAP_SEPARATE, last, 1);
        stress_truncation(n, core.p, core.len);
        stress_mutations(n, core.p, core.len, 200u + (unsigned)last);
        wb_free(&core);
    }
    CHECK_DONE();
}
