/*
 * elf_core_int.h - internals of the ELF core reader (elf_core.c, elf_notes.c).
 *
 * Not part of libdumpscrub's interface: ds_read_elf_core() in dump.h is.
 * The reader first fills a ds_elf_core (everything the headers and notes
 * say, including facts ds_dump has no field for, such as NT_FILE page
 * offsets or per-note counts), then maps it onto the ds_dump.  The unit
 * test uses ds_elf_core_parse() directly to check those extra facts.
 */
#ifndef DS_ELF_CORE_INT_H
#define DS_ELF_CORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dump.h"

/* One NT_FILE entry.  `path` points into the dump buffer and is
 * NUL-terminated there (checked), or is NULL when the name is missing. */
typedef struct {
    uint64_t start, end;    /* [start, end) in the process */
    uint64_t pgoff;         /* file offset in units of page_size, raw */
    const char *path;
} ds_elf_map;

/* How many notes of one (owner name, type) pair the notes held. */
typedef struct {
    char name[24];          /* owner name, cut to 23 bytes */
    uint32_t type;
    uint32_t count;
} ds_elf_notecount;

#define DS_ELF_MAX_NOTECOUNTS 32

typedef struct {
    /* Input. */
    const uint8_t *buf;
    size_t len;             /* bytes readable at buf */
    uint64_t have;          /* bytes the file has; UINT64_MAX if unknown */
    int size_known;         /* `total` was given: beyond `have` is truncation */
    ds_dump *d;

    /* ELF header. */
    int is64, big;
    uint16_t machine;
    uint8_t osabi;
    uint64_t phoff, phnum;  /* phnum as declared (PN_XNUM resolved) */
    uint64_t phnum_read;    /* program headers actually read */

    /* NT_PRPSINFO (Linux). */
    int have_prpsinfo;
    int64_t ps_pid, ps_ppid;
    uint32_t ps_uid, ps_gid;
    uint64_t ps_flag;
    char ps_sname;

    /* NT_FILE. */
    int have_nt_file;
    uint64_t nt_file_count, nt_file_page_size;
    ds_elf_map *maps;       /* malloc'd, nmaps entries in note order */
    size_t nmaps;

    /* NT_AUXV (values are 0 when absent). */
    int have_auxv;
    uint64_t at_phdr, at_phent, at_phnum, at_entry, at_execfn, at_sysinfo_ehdr;

    /* NT_SIGINFO: the first one's signal; which threads' note groups
     * (an NT_PRSTATUS and the notes up to the next) held one. */
    int have_siginfo;
    int si_signo;
    unsigned char *thread_siginfo;  /* malloc'd, per index of d->threads */
    size_t thread_siginfo_cap;

    /* kdump vmcore. */
    int have_vmcoreinfo;

    /* NetBSD process info (note "NetBSD-CORE", type 1). */
    int have_netbsd_procinfo;
    int netbsd_signo;
    int64_t netbsd_siglwp;  /* 0 when the note is version 1 */

    size_t nprstatus;

    ds_elf_notecount notecounts[DS_ELF_MAX_NOTECOUNTS];
    size_t nnotecounts;

    /* Outcome. */
    int partial;            /* structure lay beyond len (streaming prefix) */
    unsigned nproblems;     /* defects recorded with ds_dump_problem */
    int oom;
} ds_elf_core;

/* Parse like ds_read_elf_core() but keep the details in *c; release them
 * with ds_elf_core_release() (d keeps its own copies). */
int ds_elf_core_parse(ds_elf_core *c, const uint8_t *buf, size_t len,
                      uint64_t total, ds_dump *d);
void ds_elf_core_release(ds_elf_core *c);

/* Count of notes with this owner and type (0 if none). */
uint32_t ds_elf_core_notecount(const ds_elf_core *c, const char *name, uint32_t type);

/* --- shared between elf_core.c and elf_notes.c --------------------------- */

/* Record a defect (counts it, forwards to ds_dump_problem). */
void ds_elf_problem(ds_elf_core *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Read an unsigned integer of n = 1, 2, 4 or 8 bytes in the file's byte
 * order.  The caller has checked that the bytes are inside the buffer. */
uint64_t ds_elf_get(const ds_elf_core *c, const uint8_t *p, size_t n);

/* Walk the notes of one PT_NOTE segment [off, off + size) as declared. */
void ds_elf_walk_notes(ds_elf_core *c, uint64_t off, uint64_t size);

/* After all notes: threads' crash flags, pid fallback, crash signal. */
void ds_elf_notes_finish(ds_elf_core *c);

#endif
