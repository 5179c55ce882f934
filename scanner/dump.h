/*
 * dump.h - the one in-memory description of a dump, whatever its format.
 *
 * A reader (ELF core, minidump, raw) fills a ds_dump from the dump's bytes.
 * The scanner never trusts it for coverage (every byte of the file is
 * scanned regardless); it is used to label findings with virtual address,
 * region and module, and by `dumpscrub info`.
 *
 * Ownership: every pointer inside a ds_dump is owned by it and released by
 * ds_dump_free().  Readers append through the ds_dump_add_* helpers, which
 * never fail silently: on allocation failure they return -1.
 */
#ifndef DS_DUMP_H
#define DS_DUMP_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    DS_FMT_RAW = 0,      /* unknown bytes: one region covering the file */
    DS_FMT_ELF_CORE,     /* ELF ET_CORE: kernel core, gcore, kdump vmcore */
    DS_FMT_MINIDUMP      /* Windows / Breakpad / Crashpad MDMP */
} ds_format;

enum { DS_PERM_R = 1, DS_PERM_W = 2, DS_PERM_X = 4 };

/* A stretch of the file that holds process memory (or metadata). */
typedef struct {
    uint64_t file_off;   /* where its bytes start in the file */
    uint64_t file_size;  /* bytes present in the file (may be < mem_size) */
    uint64_t vaddr;      /* virtual address of the first byte */
    uint64_t mem_size;   /* size in the process's address space */
    uint32_t perms;      /* DS_PERM_* */
    int has_vaddr;       /* 0 for metadata regions (notes, streams) */
    char *label;         /* "[heap]", "[stack:TID]", "/usr/lib/x.so", "[notes]"... or NULL */
    int module;          /* index into ds_dump.modules, or -1 */
} ds_region;

typedef struct {
    uint64_t tid;
    uint64_t sp, pc;     /* 0 where unknown */
    int signal;          /* pending/crash signal (ELF), 0 if none */
    int crashed;         /* the thread that raised the exception/signal */
    uint64_t stack_vaddr, stack_size;   /* minidump: the thread's stack range */
} ds_thread;

typedef struct {
    char *name;          /* UTF-8 path */
    uint64_t base, size;
} ds_module;

typedef struct ds_dump {
    ds_format format;
    const char *arch;    /* static string: "x86_64", "i386", "aarch64", "arm", "s390x", "ppc64", ... or "unknown" */
    int big_endian;
    int word_size;       /* 4 or 8, 0 unknown */
    const char *os;      /* static: "linux", "windows", "macos", "netbsd", ... or NULL */
    char *os_version;    /* free text or NULL */
    char *process_name;  /* NULL if unknown */
    char *cmdline;       /* NULL if unknown */
    int64_t pid;         /* -1 if unknown */
    int64_t time;        /* dump time (unix seconds), -1 if unknown */
    int crash_signal;    /* ELF: signal from NT_SIGINFO/NT_PRSTATUS; 0 if none */
    uint32_t exception_code;   /* minidump ExceptionCode; 0 if none */
    uint64_t exception_address;
    int has_exception;

    ds_thread *threads;  size_t nthreads;
    ds_module *modules;  size_t nmodules;
    ds_region *regions;  size_t nregions;   /* sorted by file_off after ds_dump_finish() */
    size_t *by_vaddr;    size_t nby_vaddr;  /* indices of regions with file bytes, by vaddr */

    uint64_t file_size;  /* bytes of the dump that exist */
    int truncated;       /* the structure says more bytes than the file has */

    /* Structural problems: each a one-line message.  Any problem makes the
     * file "not proven clean" (exit 3) even if every byte was scanned. */
    char **problems;     size_t nproblems;
} ds_dump;

/* Initialise an empty dump of format RAW for a file of the given size. */
void ds_dump_init(ds_dump *d, uint64_t file_size);
/* Release everything a dump owns; leaves it in the init state. */
void ds_dump_free(ds_dump *d);

/* Append helpers: copy their string arguments; return 0 or -1 (ENOMEM). */
int ds_dump_add_region(ds_dump *d, const ds_region *r);   /* r->label is copied */
int ds_dump_add_thread(ds_dump *d, const ds_thread *t);
int ds_dump_add_module(ds_dump *d, const char *name, uint64_t base, uint64_t size);
/* Record a structural problem (printf-style, one line, no secret bytes). */
int ds_dump_problem(ds_dump *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Set a string field (process_name, cmdline, os_version) from a copy. */
int ds_dump_set_str(char **field, const char *s, size_t n);

/* Sort regions by file offset, attach modules to regions by address and
 * label unlabelled regions from modules; call once after reading. */
void ds_dump_finish(ds_dump *d);

/* The region whose file bytes contain `off` (NULL if none).  O(log n). */
const ds_region *ds_dump_region_at(const ds_dump *d, uint64_t off);
/* Translate a virtual address to a file offset; returns 0 and sets *off if
 * the address is backed by file bytes, -1 otherwise. */
int ds_dump_vaddr_to_off(const ds_dump *d, uint64_t vaddr, uint64_t *off);

/* Readers.  Each parses `len` bytes at `buf` (the whole file, or the prefix
 * received so far when streaming, with `total` the full size or 0 when it
 * is not known).  They fill `d` (already ds_dump_init()ed), never read
 * outside [buf, buf+len), and return:
 *   0  the structure was read completely
 *   1  read partially: d->problems says why (truncated, bad counts...)
 *  -1  not this format (d untouched apart from nothing)           */
int ds_read_elf_core(const uint8_t *buf, size_t len, uint64_t total, ds_dump *d);
int ds_read_minidump(const uint8_t *buf, size_t len, uint64_t total, ds_dump *d);

/* Detect the format and read it; falls back to one RAW region covering the
 * whole file.  Returns 0 (complete), 1 (partial/problems) or -1 on ENOMEM. */
int ds_read_dump(const uint8_t *buf, size_t len, uint64_t total, ds_dump *d);

const char *ds_format_name(ds_format f);

#endif
