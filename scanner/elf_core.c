/*
 * elf_core.c - read an ELF core (kernel core, gcore, kdump vmcore) into a
 * ds_dump: PT_LOAD segments become regions, notes (elf_notes.c) give the
 * threads, the process and the mapped files, and the regions get labels.
 *
 * Bytes: `len` bytes are readable; the file has `total` bytes (0: unknown).
 *  - beyond len but within total: a streaming prefix; what lies there is
 *    simply not read (return 1, no problem recorded);
 *  - beyond total: the file is truncated (d->truncated, a problem);
 *  - total == 0: lenient like streaming, sizes are not clipped.
 * The PT_LOAD bytes themselves are never read: regions only describe them.
 *
 * libelf (elfutils) reads the ELF and program headers, 32/64-bit in either
 * byte order.  elf_memory() wants a char *: in ELF_C_READ_MMAP mode it only
 * reads (tests/unit/test_elf_core.c checks that on a PROT_READ mapping).
 * libelf cannot return part of a program header table that runs past the
 * buffer (a truncated core, a short prefix): then we hand it a copy of the
 * ELF header patched to describe only the entries we do have.
 */
#include "elf_core_int.h"

#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef EM_RISCV
#define EM_RISCV 243
#endif
#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

/* Labels of what ELF cores do not name themselves. */
#define LBL_HEADERS  "[elf-headers]"
#define LBL_SHDRS    "[elf-section-headers]"
#define LBL_NOTES    "[notes]"
#define LBL_HEAP     "[heap]"
#define LBL_ANON     "[anon]"
#define LBL_VDSO     "[vdso]"
#define LBL_VVAR     "[vvar]"
#define LBL_VSYSCALL "[vsyscall]"

/* The brk heap starts at a random page after the executable's bss: up to
 * 32 MiB after it for 32-bit processes, up to 1 GiB for 64-bit ones
 * (arch_randomize_brk; 932 MiB seen on x86_64 here). */
#define HEAP_WINDOW (UINT64_C(1) << 30)
#define X86_VSYSCALL UINT64_C(0xffffffffff600000)

/* ------------------------------------------------------------------ */
/* Small helpers shared with elf_notes.c.                              */

void ds_elf_problem(ds_elf_core *c, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    c->nproblems++;
    /* dump.c keeps the first 64; a hostile file can hold millions of bad
     * notes, so do not even format the rest. */
    if (c->d->nproblems >= 64)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (ds_dump_problem(c->d, "%s", buf) < 0)
        c->oom = 1;
}

uint64_t ds_elf_get(const ds_elf_core *c, const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[c->big ? i : n - 1 - i] << (8 * (n - 1 - i));
    return v;
}

uint32_t ds_elf_core_notecount(const ds_elf_core *c, const char *name, uint32_t type)
{
    for (size_t i = 0; i < c->nnotecounts; i++)
        if (c->notecounts[i].type == type && strcmp(c->notecounts[i].name, name) == 0)
            return c->notecounts[i].count;
    return 0;
}

void ds_elf_core_release(ds_elf_core *c)
{
    free(c->maps);
    c->maps = NULL;
    c->nmaps = 0;
    free(c->thread_siginfo);
    c->thread_siginfo = NULL;
    c->thread_siginfo_cap = 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* A structure [off, off + size) we need is not all in the buffer. */
static void not_here(ds_elf_core *c, const char *what, uint64_t off, uint64_t size)
{
    c->partial = 1;
    uint64_t end = sat_add(off, size);
    if (c->size_known && end > c->have) {
        c->d->truncated = 1;
        ds_elf_problem(c, "truncated: %s at 0x%llx needs %llu bytes, file has %llu", what,
                       (unsigned long long)off, (unsigned long long)end,
                       (unsigned long long)c->have);
    }
}

/* Bytes of [off, off + size) the file has (all of them when unknown). */
static uint64_t clip_to_file(const ds_elf_core *c, uint64_t off, uint64_t size)
{
    if (off >= c->have)
        return 0;
    return size > c->have - off ? c->have - off : size;
}

/* ------------------------------------------------------------------ */
/* ELF header.                                                         */

static const char *arch_name(const ds_elf_core *c)
{
    switch (c->machine) {
    case EM_X86_64:    return c->is64 ? "x86_64" : "x32";
    case EM_386:       return "i386";
    case EM_AARCH64:   return "aarch64";
    case EM_ARM:       return "arm";
    case EM_S390:      return c->is64 ? "s390x" : "s390";
    case EM_PPC64:     return c->big ? "ppc64" : "ppc64le";
    case EM_PPC:       return "ppc";
    case EM_RISCV:     return c->is64 ? "riscv64" : "riscv32";
    case EM_MIPS:      return c->is64 ? (c->big ? "mips64" : "mips64el")
                                      : (c->big ? "mips" : "mipsel");
    case EM_SPARCV9:   return "sparc64";
    case EM_SPARC:     return "sparc";
    case EM_LOONGARCH: return "loongarch64";
    case EM_IA_64:     return "ia64";
    case EM_68K:       return "m68k";
    case EM_SH:        return "sh";
    default:           return "unknown";
    }
}

static const char *osabi_os(uint8_t osabi)
{
    switch (osabi) {
    case ELFOSABI_NETBSD:  return "netbsd";
    case ELFOSABI_FREEBSD: return "freebsd";
    case ELFOSABI_OPENBSD: return "openbsd";
    case ELFOSABI_SOLARIS: return "solaris";
    case ELFOSABI_LINUX:   return "linux";
    default:               return NULL;     /* SYSV: decided by the notes */
    }
}

/* Raw header fields at class-dependent offsets (the header is in buf). */
typedef struct {
    uint64_t phoff, shoff;
    unsigned ehsize, phentsize, phnum, shentsize, shnum;
} raw_ehdr;

static raw_ehdr read_raw_ehdr(const ds_elf_core *c)
{
    const uint8_t *b = c->buf;
    raw_ehdr h;
    if (c->is64) {
        h.phoff = ds_elf_get(c, b + 32, 8);
        h.shoff = ds_elf_get(c, b + 40, 8);
        b += 52;
    } else {
        h.phoff = ds_elf_get(c, b + 28, 4);
        h.shoff = ds_elf_get(c, b + 32, 4);
        b += 40;
    }
    h.ehsize = (unsigned)ds_elf_get(c, b, 2);
    h.phentsize = (unsigned)ds_elf_get(c, b + 2, 2);
    h.phnum = (unsigned)ds_elf_get(c, b + 4, 2);
    h.shentsize = (unsigned)ds_elf_get(c, b + 6, 2);
    h.shnum = (unsigned)ds_elf_get(c, b + 8, 2);
    return h;
}

/* Section header 0's sh_info (info) or sh_size (size): the real e_phnum /
 * e_shnum when those overflow 16 bits.  Returns -1 if not in the buffer. */
static int read_shdr0(const ds_elf_core *c, const raw_ehdr *h, int want_size, uint64_t *out)
{
    uint64_t off = want_size ? (c->is64 ? 32 : 20) : (c->is64 ? 44 : 28);
    uint64_t n = want_size ? (c->is64 ? 8 : 4) : 4;
    if (h->shoff == 0 || h->shoff > c->len || off + n > c->len - h->shoff)
        return -1;
    *out = ds_elf_get(c, c->buf + h->shoff + off, n);
    return 0;
}

/* ------------------------------------------------------------------ */
/* Program headers through libelf.                                     */

/* Store a value of n bytes in the file's byte order. */
static void put(const ds_elf_core *c, uint8_t *p, size_t n, uint64_t v)
{
    for (size_t i = 0; i < n; i++)
        p[c->big ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* A private ELF image: the header, patched to say "k program headers
 * right after me, no sections", then those k entries. */
static uint8_t *make_phdr_image(const ds_elf_core *c, uint64_t phoff, size_t k, size_t *size)
{
    size_t eh = c->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    size_t ent = c->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    uint8_t *img = malloc(eh + k * ent);
    if (!img)
        return NULL;
    memcpy(img, c->buf, eh);
    if (k)
        memcpy(img + eh, c->buf + phoff, k * ent);
    size_t w = c->is64 ? 8 : 4, tail = c->is64 ? 52 : 40;
    put(c, img + (c->is64 ? 32 : 28), w, eh);      /* e_phoff */
    put(c, img + (c->is64 ? 40 : 32), w, 0);       /* e_shoff */
    put(c, img + tail, 2, eh);                     /* e_ehsize */
    put(c, img + tail + 2, 2, ent);                /* e_phentsize */
    put(c, img + tail + 4, 2, k);                  /* e_phnum */
    put(c, img + tail + 8, 2, 0);                  /* e_shnum */
    put(c, img + tail + 10, 2, 0);                 /* e_shstrndx */
    *size = eh + k * ent;
    return img;
}

/* Copy n program headers out of an Elf; returns how many it gave. */
static size_t copy_phdrs(Elf *e, GElf_Phdr *out, size_t n)
{
    size_t have = 0;
    if (!e || elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &have) != 0)
        return 0;
    if (have > n)
        have = n;
    for (size_t i = 0; i < have; i++)
        if (!gelf_getphdr(e, (int)i, &out[i]))
            return i;
    return have;
}

/* Read the program header table; sets c->phnum (declared) and
 * c->phnum_read.  Returns a malloc'd array (NULL when there is none). */
static GElf_Phdr *read_phdrs(ds_elf_core *c, const raw_ehdr *h)
{
    size_t ent = c->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    uint64_t n = h->phnum;
    if (n == PN_XNUM && read_shdr0(c, h, 0, &n) < 0) {
        /* The real count is in section header 0, which we do not have. */
        if (h->shoff == 0)
            ds_elf_problem(c, "e_phnum is PN_XNUM but there are no section headers");
        else
            not_here(c, "section header 0", h->shoff, c->is64 ? 64 : 40);
        c->partial = 1;
        return NULL;
    }
    c->phoff = h->phoff;
    c->phnum = n;
    if (n == 0)
        return NULL;
    if (h->phentsize != ent) {
        ds_elf_problem(c, "e_phentsize %u, expected %zu", h->phentsize, ent);
        return NULL;
    }
    /* n < 2^32 and ent <= 56: no overflow. */
    uint64_t table = n * ent;
    uint64_t fit = h->phoff >= c->len ? 0 : (c->len - h->phoff) / ent;
    size_t k = (size_t)(fit < n ? fit : n);
    if (k < n)
        not_here(c, "program header table", h->phoff, table);
    if (k == 0)
        return NULL;
    GElf_Phdr *ph = calloc(k, sizeof *ph);
    if (!ph) {
        c->oom = 1;
        return NULL;
    }
    size_t got = 0;
    if (k == n) {
        /* The whole table is here: libelf reads it in place. */
        Elf *e = elf_memory((char *)(uintptr_t)c->buf, c->len);
        got = copy_phdrs(e, ph, k);
        if (e)
            elf_end(e);
    }
    if (got < k) {
        /* Part of the table, or libelf refused the file as it is (e.g.
         * hostile section header fields): use a patched private copy. */
        if (k > 0xfffe) {
            ds_elf_problem(c, "only 65534 of %llu program headers read", (unsigned long long)n);
            k = 0xfffe;
        }
        size_t size;
        uint8_t *img = make_phdr_image(c, h->phoff, k, &size);
        Elf *e = img ? elf_memory((char *)img, size) : NULL;
        got = copy_phdrs(e, ph, k);
        if (e)
            elf_end(e);
        free(img);
        if (!img)
            c->oom = 1;
        else if (got < k)
            ds_elf_problem(c, "libelf: %s", elf_errmsg(-1));
    }
    c->phnum_read = got;
    return ph;
}

/* ------------------------------------------------------------------ */
/* Segments and their labels.                                          */

typedef struct {
    ds_region r;            /* label unused until the region is added */
    uint64_t paddr;
    const char *path;       /* NT_FILE path (inside buf) or NULL */
    const char *label;      /* static label or NULL */
    int64_t stack_tid;      /* >= 0: "[stack:TID]" */
} seg;

static uint32_t perms_of(uint32_t pf)
{
    return (pf & PF_R ? DS_PERM_R : 0) | (pf & PF_W ? DS_PERM_W : 0) |
           (pf & PF_X ? DS_PERM_X : 0);
}

typedef struct {
    size_t index, count;    /* of the first truncated segment; how many */
    uint64_t missing;       /* bytes the file lacks, summed */
} trunc_acc;

/* One PT_LOAD: clip it to the file and check it for absurd values. */
static void add_load(ds_elf_core *c, const GElf_Phdr *p, size_t i, seg *s, trunc_acc *t)
{
    memset(s, 0, sizeof *s);
    s->r.file_off = p->p_offset;
    s->r.vaddr = p->p_vaddr;
    s->r.mem_size = p->p_memsz;
    s->r.perms = perms_of(p->p_flags);
    s->r.has_vaddr = 1;
    s->r.module = -1;
    s->paddr = p->p_paddr;
    s->stack_tid = -1;
    uint64_t fs = p->p_filesz;
    if (fs > p->p_memsz)
        ds_elf_problem(c, "segment %zu at 0x%llx: p_filesz 0x%llx > p_memsz 0x%llx", i,
                       (unsigned long long)p->p_vaddr, (unsigned long long)fs,
                       (unsigned long long)p->p_memsz);
    if (p->p_memsz > 0 && p->p_memsz - 1 > UINT64_MAX - p->p_vaddr)
        ds_elf_problem(c, "segment %zu at 0x%llx: p_memsz 0x%llx wraps the address space", i,
                       (unsigned long long)p->p_vaddr, (unsigned long long)p->p_memsz);
    if (fs > UINT64_MAX - p->p_offset) {
        ds_elf_problem(c, "segment %zu at 0x%llx: p_offset 0x%llx + p_filesz 0x%llx overflows",
                       i, (unsigned long long)p->p_vaddr, (unsigned long long)p->p_offset,
                       (unsigned long long)fs);
        fs = UINT64_MAX - p->p_offset;
    }
    uint64_t keep = clip_to_file(c, p->p_offset, fs);
    if (keep < fs && c->size_known) {
        c->d->truncated = 1;
        if (t->count++ == 0) {
            t->index = i;
            ds_elf_problem(c, "truncated: segment at 0x%llx needs %llu bytes, file has %llu",
                           (unsigned long long)p->p_vaddr,
                           (unsigned long long)(p->p_offset + fs), (unsigned long long)c->have);
        }
        t->missing = sat_add(t->missing, fs - keep);
    }
    s->r.file_size = keep;
}

/* Does the segment contain address a? */
static int seg_has(const seg *s, uint64_t a)
{
    return a >= s->r.vaddr && a - s->r.vaddr < s->r.mem_size;
}

/* The segments in address order (pointers into the segment array). */
typedef struct {
    seg **ord;
    size_t n;
} seg_index;

static int cmp_seg_vaddr(const void *a, const void *b)
{
    const seg *x = *(const seg *const *)a, *y = *(const seg *const *)b;
    if (x->r.vaddr != y->r.vaddr)
        return x->r.vaddr < y->r.vaddr ? -1 : 1;
    return x < y ? -1 : x > y;      /* program header order among equals */
}

/* Position in ord of the last segment starting at or below a, or n. */
static size_t find_le(const seg_index *x, uint64_t a)
{
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->ord[mid]->r.vaddr <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? x->n : lo - 1;
}

/* The segment containing address a, or NULL. */
static seg *seg_at(const seg_index *x, uint64_t a)
{
    size_t p = find_le(x, a);
    if (p == x->n)
        return NULL;
    /* Zero-size segments may share a start with a real one: look back. */
    for (size_t q = p + 1; q-- > 0 && p - q < 4;) {
        seg *s = x->ord[q];
        if (seg_has(s, a))
            return s;
    }
    return NULL;
}

/* --- NT_FILE: paths and modules ------------------------------------- */

typedef struct {
    const char *path;
    uint64_t base, end;
    int module;
} modacc;

static int cmp_modacc_path(const void *a, const void *b)
{
    const modacc *x = a, *y = b;
    int r = strcmp(x->path, y->path);
    if (r)
        return r;
    return x->base < y->base ? -1 : x->base > y->base;
}

static int cmp_modacc_base(const void *a, const void *b)
{
    const modacc *x = *(const modacc *const *)a, *y = *(const modacc *const *)b;
    if (x->base != y->base)
        return x->base < y->base ? -1 : 1;
    return strcmp(x->path, y->path);
}

static int cmp_map_start(const void *a, const void *b)
{
    const ds_elf_map *x = *(const ds_elf_map *const *)a, *y = *(const ds_elf_map *const *)b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* The module of a path, from the path-sorted unique list. */
static const modacc *module_of(const modacc *u, size_t nu, const char *path)
{
    size_t lo = 0, hi = nu;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(u[mid].path, path);
        if (r == 0)
            return &u[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* One module per distinct mapped file (base = lowest start, size = highest
 * end - base), added in address order; *out gets the path-sorted list. */
static size_t build_modules(ds_elf_core *c, modacc **out)
{
    modacc *u = calloc(c->nmaps ? c->nmaps : 1, sizeof *u);
    modacc **byaddr = calloc(c->nmaps ? c->nmaps : 1, sizeof *byaddr);
    size_t n = 0, nu = 0;
    if (!u || !byaddr) {
        free(u);
        free(byaddr);
        c->oom = 1;
        return 0;
    }
    for (size_t i = 0; i < c->nmaps; i++) {
        const ds_elf_map *m = &c->maps[i];
        if (m->path && m->start < m->end)
            u[n++] = (modacc){ m->path, m->start, m->end, -1 };
    }
    qsort(u, n, sizeof *u, cmp_modacc_path);
    for (size_t i = 0; i < n; i++) {
        if (nu > 0 && strcmp(u[nu - 1].path, u[i].path) == 0) {
            if (u[i].end > u[nu - 1].end)
                u[nu - 1].end = u[i].end;
            continue;       /* sorted by base within a path: base is the first */
        }
        u[nu++] = u[i];
    }
    for (size_t i = 0; i < nu; i++)
        byaddr[i] = &u[i];
    qsort(byaddr, nu, sizeof *byaddr, cmp_modacc_base);
    for (size_t i = 0; i < nu; i++) {
        modacc *m = byaddr[i];
        m->module = (int)c->d->nmodules;
        if (ds_dump_add_module(c->d, m->path, m->base, m->end - m->base) < 0) {
            c->oom = 1;
            m->module = -1;
        }
    }
    free(byaddr);
    *out = u;
    return nu;
}

/* Label every segment whose start lies in a mapped file's range. */
static void label_files(ds_elf_core *c, seg *segs, size_t nsegs, const modacc *u, size_t nu)
{
    const ds_elf_map **bystart = calloc(c->nmaps ? c->nmaps : 1, sizeof *bystart);
    size_t n = 0;
    if (!bystart) {
        c->oom = 1;
        return;
    }
    for (size_t i = 0; i < c->nmaps; i++)
        if (c->maps[i].path && c->maps[i].start < c->maps[i].end)
            bystart[n++] = &c->maps[i];
    qsort(bystart, n, sizeof *bystart, cmp_map_start);
    for (size_t i = 0; i < nsegs; i++) {
        uint64_t a = segs[i].r.vaddr;
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (bystart[mid]->start <= a)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0 || a >= bystart[lo - 1]->end)
            continue;
        segs[i].path = bystart[lo - 1]->path;
        const modacc *m = module_of(u, nu, segs[i].path);
        segs[i].r.module = m ? m->module : -1;
    }
    free(bystart);
}

/* The executable: the mapped file holding AT_PHDR (its program headers in
 * memory), else the first NT_FILE entry.  Returns its highest end. */
static int exe_end(const ds_elf_core *c, const modacc *u, size_t nu, uint64_t *end)
{
    const char *exe = NULL;
    for (size_t i = 0; i < c->nmaps && c->at_phdr; i++)
        if (c->maps[i].path && c->at_phdr >= c->maps[i].start && c->at_phdr < c->maps[i].end) {
            exe = c->maps[i].path;
            break;
        }
    if (!exe && c->nmaps > 0)
        exe = c->maps[0].path;
    const modacc *m = exe ? module_of(u, nu, exe) : NULL;
    if (!m)
        return -1;
    *end = m->end;
    return 0;
}

/* n bytes of process memory at address a, if the core holds them in the
 * buffer; NULL otherwise. */
static const uint8_t *mem_at(const ds_elf_core *c, const seg_index *x,
                             uint64_t a, uint64_t n)
{
    const seg *s = seg_at(x, a);
    if (!s)
        return NULL;
    uint64_t rel = a - s->r.vaddr;
    if (rel > s->r.file_size || n > s->r.file_size - rel)
        return NULL;
    uint64_t off = s->r.file_off + rel;
    if (off > c->len || n > c->len - off)
        return NULL;
    return c->buf + off;
}

/* Where the kernel put the program break before randomising it: the end
 * of the executable's bss, from its program headers in memory (AT_PHDR,
 * usually dumped with the first page of the file).  -1 if unknown. */
static int brk_base(const ds_elf_core *c, const seg_index *x, uint64_t *brk)
{
    size_t ent = c->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    if (!c->at_phdr || c->at_phent != ent || c->at_phnum == 0 || c->at_phnum > 256)
        return -1;
    const uint8_t *ph = mem_at(c, x, c->at_phdr, c->at_phnum * ent);
    if (!ph)
        return -1;
    size_t w = c->is64 ? 8 : 4;
    size_t vaddr_off = c->is64 ? 16 : 8, memsz_off = c->is64 ? 40 : 20;
    uint64_t bias = 0, end = 0;
    /* PT_PHDR says where the table itself was linked: that gives the load
     * bias of a PIE.  Without it, the executable was not relocated. */
    for (size_t i = 0; i < c->at_phnum; i++)
        if (ds_elf_get(c, ph + i * ent, 4) == PT_PHDR)
            bias = c->at_phdr - ds_elf_get(c, ph + i * ent + vaddr_off, w);
    for (size_t i = 0; i < c->at_phnum; i++) {
        const uint8_t *p = ph + i * ent;
        if (ds_elf_get(c, p, 4) != PT_LOAD)
            continue;
        uint64_t e = sat_add(ds_elf_get(c, p + vaddr_off, w), ds_elf_get(c, p + memsz_off, w));
        if (e > end)
            end = e;
    }
    if (end == 0)
        return -1;
    /* The heap mapping starts at the page after the bss. */
    uint64_t page = c->nt_file_page_size;
    if (page < 4096 || page > 65536 || (page & (page - 1)))
        page = 4096;
    end += bias;    /* modular, as bias was computed */
    *brk = sat_add(end, page - 1) & ~(page - 1);
    return 0;
}

static uint64_t seg_end(const seg *s)
{
    return sat_add(s->r.vaddr, s->r.mem_size);
}

static int anon_writable(const seg *s)
{
    return !s->path && (s->r.perms & DS_PERM_W) && s->r.mem_size > 0;
}

/* The classic brk heap: the first anonymous writable segment that reaches
 * past the program break's start, within reach of it.  When that start is
 * unknown, it is the executable's end, and a segment starting exactly there
 * may only be the bss: a second one within reach after it is then the
 * randomised heap. */
static void label_heap(const seg_index *x, uint64_t file_end, uint64_t brk,
                       int brk_known)
{
    size_t p = find_le(x, file_end);
    size_t i = p == x->n ? 0 : p;
    size_t first = x->n, second = x->n;
    for (; i < x->n; i++) {
        const seg *s = x->ord[i];
        if (s->r.vaddr < file_end || !anon_writable(s) || seg_end(s) <= brk)
            continue;
        if (first == x->n) {
            first = i;
        } else {
            second = i;
            break;
        }
    }
    if (first == x->n)
        return;
    const seg *f = x->ord[first];
    if (f->r.vaddr > brk && f->r.vaddr - brk > HEAP_WINDOW)
        return;
    size_t h = first;
    if (!brk_known && f->r.vaddr == file_end && second != x->n) {
        const seg *s2 = x->ord[second];
        if (s2->r.vaddr > seg_end(f) && s2->r.vaddr - seg_end(f) <= HEAP_WINDOW)
            h = second;
    }
    /* The heap and any anonymous writable segments right after it. */
    uint64_t next = x->ord[h]->r.vaddr;
    for (i = h; i < x->n; i++) {
        seg *s = x->ord[i];
        if (s->r.vaddr != next || !anon_writable(s))
            break;
        s->label = LBL_HEAP;
        next = seg_end(s);
    }
}

/* Mark the read-only anonymous segments adjoining v, walking down (dir < 0)
 * or up from position p of the address order. */
static void label_vvar_side(const seg_index *x, const seg *v, size_t p, int dir)
{
    uint64_t edge = dir < 0 ? v->r.vaddr : sat_add(v->r.vaddr, v->r.mem_size);
    size_t i = p;
    for (;;) {
        if (dir < 0 ? i == 0 : i + 1 >= x->n)
            return;
        i = dir < 0 ? i - 1 : i + 1;
        seg *s = x->ord[i];
        if (s == v || s->r.mem_size == 0)
            continue;
        uint64_t s_end = sat_add(s->r.vaddr, s->r.mem_size);
        if ((dir < 0 ? s_end : s->r.vaddr) != edge || s->path || s->label ||
            (s->r.perms & (DS_PERM_W | DS_PERM_X)))
            return;
        s->label = LBL_VVAR;
        edge = dir < 0 ? s->r.vaddr : s_end;
    }
}

/* [vdso] at AT_SYSINFO_EHDR; [vvar] for the read-only anonymous pages
 * right before it (vvar, vvar_vclock) or right after (older layouts). */
static void label_vdso(ds_elf_core *c, const seg_index *x)
{
    if (!c->at_sysinfo_ehdr)
        return;
    seg *v = seg_at(x, c->at_sysinfo_ehdr);
    if (!v || v->path)
        return;
    v->label = LBL_VDSO;
    size_t p = find_le(x, v->r.vaddr);
    label_vvar_side(x, v, p, -1);
    label_vvar_side(x, v, p, 1);
}

/* [stack:TID] for the anonymous segment holding each thread's sp. */
static void label_stacks(ds_elf_core *c, const seg_index *x)
{
    for (size_t i = 0; i < c->d->nthreads; i++) {
        const ds_thread *t = &c->d->threads[i];
        seg *s = t->sp ? seg_at(x, t->sp) : NULL;
        if (s && !s->path && s->stack_tid < 0)
            s->stack_tid = (int64_t)t->tid;
    }
}

static void label_segments(ds_elf_core *c, seg *segs, size_t n)
{
    if (c->have_vmcoreinfo || n == 0)
        return;     /* physical memory: labelled "[phys:...]" when added */
    seg **ord = calloc(n, sizeof *ord);
    modacc *u = NULL;
    size_t nu = 0;
    if (!ord) {
        c->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        ord[i] = &segs[i];
    qsort(ord, n, sizeof *ord, cmp_seg_vaddr);
    seg_index x = { ord, n };
    if (c->have_nt_file) {
        nu = build_modules(c, &u);
        label_files(c, segs, n, u, nu);
        uint64_t end, brk;
        if (exe_end(c, u, nu, &end) == 0) {
            /* A break before the end of the file mappings is not believable. */
            int known = brk_base(c, &x, &brk) == 0 && brk >= end;
            label_heap(&x, end, known ? brk : end, known);
        }
    }
    label_vdso(c, &x);
    label_stacks(c, &x);
    for (size_t i = 0; i < n; i++) {
        seg *s = &segs[i];
        if (c->machine == EM_X86_64 && c->is64 && s->r.vaddr == X86_VSYSCALL && !s->path)
            s->label = LBL_VSYSCALL;
        /* Only NT_FILE tells anonymous memory from file mappings. */
        if (c->have_nt_file && !s->label && s->stack_tid < 0 && anon_writable(s))
            s->label = LBL_ANON;
    }
    free(u);
    free(ord);
}

/* ------------------------------------------------------------------ */
/* Regions.                                                            */

static void add_region(ds_elf_core *c, const ds_region *r)
{
    if (ds_dump_add_region(c->d, r) < 0)
        c->oom = 1;
}

static void add_meta(ds_elf_core *c, uint64_t off, uint64_t size, const char *label)
{
    ds_region r = { .file_off = off, .file_size = clip_to_file(c, off, size),
                    .label = (char *)(uintptr_t)label, .module = -1 };
    if (r.file_size > 0)
        add_region(c, &r);
}

static void add_seg_region(ds_elf_core *c, const seg *s)
{
    char buf[48];
    ds_region r = s->r;
    if (s->stack_tid >= 0) {
        snprintf(buf, sizeof buf, "[stack:%lld]", (long long)s->stack_tid);
        r.label = buf;
    } else if (c->have_vmcoreinfo) {
        snprintf(buf, sizeof buf, "[phys:0x%llx]", (unsigned long long)s->paddr);
        r.label = buf;
    } else {
        r.label = (char *)(uintptr_t)(s->path ? s->path : s->label);
    }
    add_region(c, &r);
}

/* The ELF header and program header table; gcore's section headers. */
static void add_header_regions(ds_elf_core *c, const raw_ehdr *h)
{
    uint64_t eh = c->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    uint64_t ent = c->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    uint64_t table = c->phnum * ent;
    if (c->phnum && h->phoff == eh) {
        add_meta(c, 0, eh + table, LBL_HEADERS);
    } else {
        add_meta(c, 0, eh, LBL_HEADERS);
        if (c->phnum && h->phoff > eh)
            add_meta(c, h->phoff, table, LBL_HEADERS);
    }
    uint64_t shnum = h->shnum;
    if (h->shoff && shnum == 0 && read_shdr0(c, h, 1, &shnum) < 0)
        shnum = 0;
    if (h->shoff >= eh && shnum > 0 && shnum < UINT32_MAX && h->shentsize > 0)
        add_meta(c, h->shoff, shnum * h->shentsize, LBL_SHDRS);
}

/* ------------------------------------------------------------------ */

/* Check the identification; -1 unless this is an ELF ET_CORE. */
static int identify(ds_elf_core *c)
{
    const uint8_t *b = c->buf;
    if (c->len < EI_NIDENT + 2 || memcmp(b, ELFMAG, SELFMAG) != 0)
        return -1;
    if ((b[EI_CLASS] != ELFCLASS32 && b[EI_CLASS] != ELFCLASS64) ||
        (b[EI_DATA] != ELFDATA2LSB && b[EI_DATA] != ELFDATA2MSB))
        return -1;
    c->is64 = b[EI_CLASS] == ELFCLASS64;
    c->big = b[EI_DATA] == ELFDATA2MSB;
    if (ds_elf_get(c, b + EI_NIDENT, 2) != ET_CORE)
        return -1;
    c->osabi = b[EI_OSABI];
    if (c->len >= EI_NIDENT + 4)
        c->machine = (uint16_t)ds_elf_get(c, b + EI_NIDENT + 2, 2);
    ds_dump *d = c->d;
    d->format = DS_FMT_ELF_CORE;
    d->big_endian = c->big;
    d->word_size = c->is64 ? 8 : 4;
    d->arch = arch_name(c);
    d->os = osabi_os(c->osabi);
    return 0;
}

/* Segments, notes and labels, once the ELF header is known to be here. */
static void read_body(ds_elf_core *c)
{
    raw_ehdr h = read_raw_ehdr(c);
    GElf_Phdr *ph = read_phdrs(c, &h);
    size_t n = (size_t)c->phnum_read, nloads = 0;
    seg *segs = n ? calloc(n, sizeof *segs) : NULL;
    trunc_acc t = { 0, 0, 0 };
    if (n && !segs)
        c->oom = 1;
    for (size_t i = 0; segs && i < n; i++) {
        const GElf_Phdr *p = &ph[i];
        if (p->p_type == PT_LOAD) {
            add_load(c, p, i, &segs[nloads++], &t);
        } else if (p->p_type == PT_NOTE) {
            if (p->p_filesz > c->len || p->p_offset > c->len - p->p_filesz)
                not_here(c, "notes", p->p_offset, p->p_filesz);
            add_meta(c, p->p_offset, p->p_filesz, LBL_NOTES);
            ds_elf_walk_notes(c, p->p_offset, p->p_filesz);
        }
    }
    if (t.count > 1)
        ds_elf_problem(c, "truncated: %zu segments (first: #%zu) lack %llu bytes in all",
                       t.count, t.index, (unsigned long long)t.missing);
    ds_elf_notes_finish(c);
    label_segments(c, segs, nloads);
    add_header_regions(c, &h);
    for (size_t i = 0; i < nloads; i++)
        add_seg_region(c, &segs[i]);
    free(segs);
    free(ph);
}

int ds_elf_core_parse(ds_elf_core *c, const uint8_t *buf, size_t len, uint64_t total, ds_dump *d)
{
    memset(c, 0, sizeof *c);
    c->buf = buf;
    c->len = len;
    c->d = d;
    c->size_known = total != 0;
    c->have = total == 0 ? UINT64_MAX : total > len ? total : len;
    if (!buf || identify(c) < 0)
        return -1;
    if (elf_version(EV_CURRENT) == EV_NONE) {
        ds_elf_problem(c, "libelf: %s", elf_errmsg(-1));
        return 1;
    }
    uint64_t eh = c->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    if (len < eh)
        not_here(c, "ELF header", 0, eh);
    else
        read_body(c);
    if (c->oom)
        ds_elf_problem(c, "out of memory while reading the ELF core");
    return c->nproblems || c->partial || c->oom ? 1 : 0;
}

int ds_read_elf_core(const uint8_t *buf, size_t len, uint64_t total, ds_dump *d)
{
    ds_elf_core c;
    int rc = ds_elf_core_parse(&c, buf, len, total, d);
    ds_elf_core_release(&c);
    return rc;
}
