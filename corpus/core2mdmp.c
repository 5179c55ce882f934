/*
 * core2mdmp - turn a Linux x86_64 ELF core into a Windows-style minidump
 * holding the same memory bytes at the same virtual addresses, so the
 * secret detectors can be tested through the minidump reader with the
 * very processes (and keys) the ELF tests use.
 *
 *   core2mdmp [--memory64|--memory-list] CORE OUT.dmp
 *
 * --memory64 (default): a full-memory style dump, Memory64List, all bytes
 *   contiguous from one BaseRva.  --memory-list: a MemoryList with one
 *   descriptor (and its own Rva) per PT_LOAD that has data; the file must
 *   then stay under 4 GiB (RVAs are 32-bit).
 *
 * Streams written: SystemInfo (AMD64, PlatformId Linux 0x8201, a CSD
 * string), MiscInfo (pid), ThreadList (one thread per NT_PRSTATUS, a
 * CONTEXT_AMD64 with the general registers and a stack descriptor that
 * points into the memory data), ModuleList (one module per file in
 * NT_FILE, UTF-16 names), the memory list, Exception (the signal as code,
 * if there was one), LinuxMaps (from NT_FILE plus [heap]/[stack] guesses)
 * and LinuxCmdLine (from NT_PRPSINFO).
 *
 * A test tool: it trusts the core more than the scanner's readers do, but
 * still bounds every note it reads.  Layouts: minidumpapiset.h; x86_64
 * elf_prstatus / elf_prpsinfo / NT_FILE from the kernel's binfmt_elf.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NT_PRSTATUS_    1
#define NT_PRPSINFO_    3
#define NT_FILE_        0x46494c45
#define NT_SIGINFO_     0x53494749

/* x86_64 struct elf_prstatus: pr_cursig @12, pr_pid @32, pr_reg @112 (27 u64). */
#define PRSTATUS_SIZE   336
#define PRS_CURSIG      12
#define PRS_PID         32
#define PRS_REG         112
/* pr_reg order (user_regs_struct) */
enum { R15, R14, R13, R12, RBP, RBX, R11, R10, R9, R8, RAX, RCX, RDX, RSI, RDI,
       ORIG_RAX, RIP, CS, EFLAGS, RSP, SS, FS_BASE, GS_BASE, DS, ES, FS, GS, NREG };
/* x86_64 struct elf_prpsinfo: pr_pid @24, pr_psargs[80] @56. */
#define PRPSINFO_SIZE   136

#define CONTEXT_AMD64_SIZE 1232
#define MD_THREAD_SIZE     48
#define MD_MODULE_SIZE     108

typedef struct {
    uint32_t tid;
    int cursig;
    uint64_t reg[NREG];
    uint32_t ctx_rva;
} thread_t;

typedef struct {
    uint64_t start, end, pgoff;
    const char *name;
} filemap_t;

typedef struct {
    uint64_t vaddr, memsz, filesz, offset;
    uint32_t flags;
    uint64_t rva;            /* where its bytes go in the minidump */
} load_t;

typedef struct {
    thread_t *threads;
    size_t nthreads;
    filemap_t *maps;
    size_t nmaps;
    char *file_note;         /* NT_FILE descriptor copy: the names point into it */
    load_t *loads;
    size_t nloads;
    int64_t pid;
    int signo;
    uint64_t sigaddr;
    int have_siginfo;
    char psargs[81];
} core_t;

/* A growable little-endian byte buffer for everything but memory data. */
typedef struct {
    uint8_t *p;
    size_t n, cap;
} buf_t;

static void die(const char *msg)
{
    fprintf(stderr, "core2mdmp: %s\n", msg);
    exit(1);
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    if (!p)
        die("out of memory");
    return p;
}

static size_t put(buf_t *b, const void *src, size_t n)
{
    if (n > SIZE_MAX / 2 - b->n)
        die("metadata too large");
    if (b->n + n > b->cap) {
        size_t cap = (b->n + n) * 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p)
            die("out of memory");
        b->p = p;
        b->cap = cap;
    }
    size_t at = b->n;
    if (src)
        memcpy(b->p + at, src, n);
    else
        memset(b->p + at, 0, n);
    b->n += n;
    return at;
}

static void set16(buf_t *b, size_t at, uint16_t v)
{
    b->p[at] = (uint8_t)v;
    b->p[at + 1] = (uint8_t)(v >> 8);
}

static void set32(buf_t *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->p[at + i] = (uint8_t)(v >> (8 * i));
}

static void set64(buf_t *b, size_t at, uint64_t v)
{
    set32(b, at, (uint32_t)v);
    set32(b, at + 4, (uint32_t)(v >> 32));
}

static size_t put32(buf_t *b, uint32_t v)
{
    size_t at = put(b, NULL, 4);
    set32(b, at, v);
    return at;
}

static size_t put64(buf_t *b, uint64_t v)
{
    size_t at = put(b, NULL, 8);
    set64(b, at, v);
    return at;
}

static uint32_t rva32(size_t at)
{
    if (at > UINT32_MAX)
        die("metadata beyond 4 GiB");
    return (uint32_t)at;
}

static uint64_t ld64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);    /* the core is x86_64: little-endian, like us */
    return v;
}

static uint32_t ld32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* ------------------------------------------------------------ reading */

static void note_prstatus(core_t *c, const uint8_t *d, size_t n)
{
    if (n < PRSTATUS_SIZE)
        die("short NT_PRSTATUS");
    thread_t *t = realloc(c->threads, (c->nthreads + 1) * sizeof *t);
    if (!t)
        die("out of memory");
    c->threads = t;
    t = &c->threads[c->nthreads++];
    memset(t, 0, sizeof *t);
    t->tid = ld32(d + PRS_PID);
    int16_t sig;
    memcpy(&sig, d + PRS_CURSIG, 2);
    t->cursig = sig;
    for (int i = 0; i < NREG; i++)
        t->reg[i] = ld64(d + PRS_REG + 8 * i);
}

static void note_file(core_t *c, const uint8_t *d, size_t n)
{
    if (n < 16 || c->file_note)
        return;
    uint64_t count = ld64(d), page = ld64(d + 8);
    if (count > (n - 16) / 24)
        die("bad NT_FILE count");
    c->file_note = xcalloc(n + 1, 1);
    memcpy(c->file_note, d, n);
    c->maps = xcalloc((size_t)count, sizeof *c->maps);
    const char *name = c->file_note + 16 + 24 * count, *end = c->file_note + n;
    for (uint64_t i = 0; i < count && name < end; i++) {
        const uint8_t *e = d + 16 + 24 * i;
        filemap_t *m = &c->maps[c->nmaps++];
        m->start = ld64(e);
        m->end = ld64(e + 8);
        m->pgoff = ld64(e + 16) * page;
        m->name = name;
        name += strlen(name) + 1;   /* file_note has a NUL after the end */
    }
}

static void read_notes(core_t *c, Elf *e, const GElf_Phdr *ph)
{
    Elf_Data *data = elf_getdata_rawchunk(e, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
    if (!data)
        die("cannot read PT_NOTE");
    GElf_Nhdr nh;
    size_t off = 0, name_off, desc_off, next;
    while ((next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
        const uint8_t *d = (const uint8_t *)data->d_buf + desc_off;
        size_t n = nh.n_descsz;
        const char *name = (const char *)data->d_buf + name_off;
        off = next;
        if (nh.n_namesz != 5 || memcmp(name, "CORE", 5) != 0)
            continue;
        switch (nh.n_type) {
        case NT_PRSTATUS_:
            note_prstatus(c, d, n);
            break;
        case NT_PRPSINFO_:
            if (n >= PRPSINFO_SIZE) {
                c->pid = ld32(d + 24);
                memcpy(c->psargs, d + 56, 80);
            }
            break;
        case NT_FILE_:
            note_file(c, d, n);
            break;
        case NT_SIGINFO_:
            if (n >= 24) {       /* si_signo @0, si_addr @16 (SIGSEGV/SIGBUS) */
                c->signo = (int)ld32(d);
                c->sigaddr = ld64(d + 16);
                c->have_siginfo = 1;
            }
            break;
        default:
            break;
        }
    }
}

static void read_core(core_t *c, int fd)
{
    Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    GElf_Ehdr eh;
    size_t nph;
    if (!e || !gelf_getehdr(e, &eh) || elf_getphdrnum(e, &nph) != 0)
        die("not an ELF file");
    if (eh.e_type != ET_CORE || eh.e_machine != EM_X86_64 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
        die("not a little-endian x86_64 ELF core");
    c->loads = xcalloc(nph, sizeof *c->loads);
    c->pid = -1;
    for (size_t i = 0; i < nph; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(e, (int)i, &ph))
            die("bad program header");
        if (ph.p_type == PT_NOTE)
            read_notes(c, e, &ph);
        else if (ph.p_type == PT_LOAD)
            c->loads[c->nloads++] = (load_t){ ph.p_vaddr, ph.p_memsz, ph.p_filesz,
                                              ph.p_offset, ph.p_flags, 0 };
    }
    elf_end(e);
    if (c->nthreads == 0)
        die("no NT_PRSTATUS in the core");
    if (c->pid < 0)
        c->pid = c->threads[0].tid;
    if (!c->have_siginfo)
        c->signo = c->threads[0].cursig;
}

/* ------------------------------------------------------------ writing */

static size_t put_string(buf_t *b, const char *s)
{
    /* MINIDUMP_STRING: byte length, UTF-16LE, a NUL not counted.  Bytes
     * >= 0x80 are taken as Latin-1: good enough for test paths. */
    size_t n = strlen(s), at = put32(b, (uint32_t)(2 * n));
    size_t u = put(b, NULL, 2 * n + 2);
    for (size_t i = 0; i < n; i++)
        set16(b, u + 2 * i, (uint8_t)s[i]);
    return at;
}

/* The PT_LOAD with file bytes holding vaddr, or NULL. */
static const load_t *load_at(const core_t *c, uint64_t vaddr)
{
    for (size_t i = 0; i < c->nloads; i++) {
        const load_t *l = &c->loads[i];
        if (l->filesz && vaddr >= l->vaddr && vaddr - l->vaddr < l->filesz)
            return l;
    }
    return NULL;
}

static void write_context(buf_t *b, const thread_t *t)
{
    size_t x = put(b, NULL, CONTEXT_AMD64_SIZE);
    set32(b, x + 0x30, 0x100007u);   /* CONTEXT_AMD64 | CONTROL | INTEGER | SEGMENTS */
    set16(b, x + 0x38, (uint16_t)t->reg[CS]);
    set16(b, x + 0x3a, (uint16_t)t->reg[DS]);
    set16(b, x + 0x3c, (uint16_t)t->reg[ES]);
    set16(b, x + 0x3e, (uint16_t)t->reg[FS]);
    set16(b, x + 0x40, (uint16_t)t->reg[GS]);
    set16(b, x + 0x42, (uint16_t)t->reg[SS]);
    set32(b, x + 0x44, (uint32_t)t->reg[EFLAGS]);
    static const int order[] = { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
                                 R8, R9, R10, R11, R12, R13, R14, R15, RIP };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        set64(b, x + 0x78 + 8 * i, t->reg[order[i]]);
}

/* Directory entries are filled as streams are written. */
typedef struct {
    buf_t *b;
    uint32_t used;
} dir_t;

static size_t stream_begin(dir_t *d, uint32_t type)
{
    size_t e = 32 + 12 * (size_t)d->used++;
    set32(d->b, e, type);
    set32(d->b, e + 8, rva32(d->b->n));
    return e;
}

static void stream_end(dir_t *d, size_t e)
{
    set32(d->b, e + 4, rva32(d->b->n - (size_t)ld32(d->b->p + e + 8)));
}

static void write_system_info(dir_t *d)
{
    size_t e = stream_begin(d, 7);
    size_t s = put(d->b, NULL, 56);
    set16(d->b, s, 9);                /* PROCESSOR_ARCHITECTURE_AMD64 */
    d->b->p[s + 6] = 1;               /* NumberOfProcessors */
    set32(d->b, s + 20, 0x8201);      /* PlatformId: Linux (Breakpad) */
    stream_end(d, e);
    size_t csd = put_string(d->b, "Linux (converted from an ELF core by core2mdmp)");
    set32(d->b, s + 24, rva32(csd));
}

static void write_misc_info(dir_t *d, const core_t *c)
{
    size_t e = stream_begin(d, 15);
    size_t s = put(d->b, NULL, 24);
    set32(d->b, s, 24);
    set32(d->b, s + 4, 1);            /* MINIDUMP_MISC1_PROCESS_ID */
    set32(d->b, s + 8, (uint32_t)c->pid);
    stream_end(d, e);
}

/* Contexts first (the list refers to them), then the list. */
static void write_threads(dir_t *d, core_t *c)
{
    for (size_t i = 0; i < c->nthreads; i++) {
        c->threads[i].ctx_rva = rva32(d->b->n);
        write_context(d->b, &c->threads[i]);
    }
    size_t e = stream_begin(d, 3);
    put32(d->b, (uint32_t)c->nthreads);
    for (size_t i = 0; i < c->nthreads; i++) {
        const thread_t *t = &c->threads[i];
        size_t x = put(d->b, NULL, MD_THREAD_SIZE);
        set32(d->b, x, t->tid);
        /* The stack: from below the red zone to the end of its mapping,
         * aliasing the bytes of the memory list. */
        uint64_t sp = t->reg[RSP], lo = sp >= 128 ? (sp - 128) & ~15ull : 0;
        const load_t *l = load_at(c, sp);
        if (l) {
            if (lo < l->vaddr)
                lo = l->vaddr;
            uint64_t size = l->vaddr + l->filesz - lo, rva = l->rva + (lo - l->vaddr);
            if (size <= UINT32_MAX && rva + size <= UINT32_MAX) {
                set64(d->b, x + 24, lo);
                set32(d->b, x + 32, (uint32_t)size);
                set32(d->b, x + 36, (uint32_t)rva);
            }
        }
        set32(d->b, x + 40, CONTEXT_AMD64_SIZE);
        set32(d->b, x + 44, t->ctx_rva);
    }
    stream_end(d, e);
}

/* One module per distinct file in NT_FILE, spanning all its mappings. */
static void write_modules(dir_t *d, const core_t *c)
{
    size_t *first = xcalloc(c->nmaps, sizeof *first), nmod = 0;
    for (size_t i = 0; i < c->nmaps; i++) {
        size_t j = 0;
        while (j < nmod && strcmp(c->maps[first[j]].name, c->maps[i].name) != 0)
            j++;
        if (j == nmod)
            first[nmod++] = i;
    }
    uint32_t *names = xcalloc(nmod, sizeof *names);
    for (size_t j = 0; j < nmod; j++)
        names[j] = rva32(put_string(d->b, c->maps[first[j]].name));
    size_t e = stream_begin(d, 4);
    put32(d->b, (uint32_t)nmod);
    for (size_t j = 0; j < nmod; j++) {
        const char *name = c->maps[first[j]].name;
        uint64_t lo = UINT64_MAX, hi = 0;
        for (size_t i = 0; i < c->nmaps; i++)
            if (!strcmp(c->maps[i].name, name)) {
                lo = c->maps[i].start < lo ? c->maps[i].start : lo;
                hi = c->maps[i].end > hi ? c->maps[i].end : hi;
            }
        size_t x = put(d->b, NULL, MD_MODULE_SIZE);
        set64(d->b, x, lo);
        set32(d->b, x + 8, hi - lo > UINT32_MAX ? UINT32_MAX : (uint32_t)(hi - lo));
        set32(d->b, x + 20, names[j]);
    }
    stream_end(d, e);
    free(names);
    free(first);
}

static void write_exception(dir_t *d, const core_t *c)
{
    if (c->signo <= 0)
        return;
    const thread_t *t = &c->threads[0];   /* the kernel writes the faulting thread first */
    size_t e = stream_begin(d, 6);
    size_t x = put(d->b, NULL, 168);
    set32(d->b, x, t->tid);
    set32(d->b, x + 8, (uint32_t)c->signo);
    int fault = c->signo == 11 || c->signo == 7;     /* SIGSEGV, SIGBUS: si_addr */
    set64(d->b, x + 24, fault && c->have_siginfo ? c->sigaddr : t->reg[RIP]);
    set32(d->b, x + 160, CONTEXT_AMD64_SIZE);
    set32(d->b, x + 164, t->ctx_rva);
    stream_end(d, e);
}

/* The main executable's last mapping end: where the heap is guessed to start. */
static uint64_t exe_end(const core_t *c)
{
    uint64_t end = 0;
    for (size_t i = 0; c->nmaps && i < c->nmaps; i++)
        if (!strcmp(c->maps[i].name, c->maps[0].name) && c->maps[i].end > end)
            end = c->maps[i].end;
    return end;
}

/* /proc/PID/maps text: NT_FILE names, [heap] and [stack] guessed. */
static void write_maps(dir_t *d, const core_t *c)
{
    size_t e = stream_begin(d, 0x47670009);
    uint64_t heap_after = exe_end(c), sp = c->threads[0].reg[RSP];
    int heap_done = 0;
    for (size_t i = 0; i < c->nloads; i++) {
        const load_t *l = &c->loads[i];
        const filemap_t *m = NULL;
        for (size_t j = 0; j < c->nmaps && !m; j++)
            if (c->maps[j].start == l->vaddr)
                m = &c->maps[j];
        const char *name = m ? m->name : "";
        if (!m && sp - l->vaddr < l->memsz)
            name = "[stack]";
        else if (!m && !heap_done && heap_after && l->vaddr >= heap_after &&
                 (l->flags & PF_W) && l->vaddr < 0x7f0000000000ull) {
            name = "[heap]";
            heap_done = 1;
        }
        char line[4096 + 128];
        int n = snprintf(line, sizeof line, "%08llx-%08llx %c%c%cp %08llx %s %llu %s%s\n",
                         (unsigned long long)l->vaddr, (unsigned long long)(l->vaddr + l->memsz),
                         l->flags & PF_R ? 'r' : '-', l->flags & PF_W ? 'w' : '-',
                         l->flags & PF_X ? 'x' : '-',
                         (unsigned long long)(m ? m->pgoff : 0), m ? "08:01" : "00:00",
                         m ? 1ull : 0ull, *name ? "                " : "", name);
        if (n > 0)
            put(d->b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    }
    stream_end(d, e);
}

static void write_cmdline(dir_t *d, const core_t *c)
{
    size_t n = strnlen(c->psargs, 80);
    if (n == 0)
        return;
    size_t e = stream_begin(d, 0x47670006);
    size_t at = put(d->b, c->psargs, n + 1);
    for (size_t i = 0; i < n; i++)
        if (d->b->p[at + i] == ' ')
            d->b->p[at + i] = '\0';
    stream_end(d, e);
}

/*
 * The memory list.  Its descriptors' RVAs depend on where the metadata
 * ends, and the metadata includes the list: so the list is written with
 * placeholder RVAs, the end measured, and the RVAs patched (they only
 * depend on the data order, not on the list's own content).
 */
static size_t write_memory(dir_t *d, core_t *c, int mem64)
{
    size_t nload = 0;
    for (size_t i = 0; i < c->nloads; i++)
        nload += c->loads[i].filesz > 0;
    size_t e = stream_begin(d, mem64 ? 9 : 5), base_at = 0;
    if (mem64) {
        put64(d->b, nload);
        base_at = put64(d->b, 0);
    } else {
        put32(d->b, (uint32_t)nload);
    }
    size_t desc = d->b->n;
    for (size_t i = 0; i < c->nloads; i++) {
        if (!c->loads[i].filesz)
            continue;
        put64(d->b, c->loads[i].vaddr);
        if (mem64) {
            put64(d->b, c->loads[i].filesz);
        } else {
            if (c->loads[i].filesz > UINT32_MAX)
                die("a mapping over 4 GiB: use --memory64");
            put32(d->b, (uint32_t)c->loads[i].filesz);
            put32(d->b, 0);
        }
    }
    stream_end(d, e);
    return mem64 ? base_at : desc;
}

/* Assign each PT_LOAD its RVA from the data start, then patch the list. */
static void place_data(buf_t *b, core_t *c, int mem64, size_t list_at, uint64_t data_start)
{
    uint64_t rva = data_start;
    size_t k = 0;
    for (size_t i = 0; i < c->nloads; i++) {
        load_t *l = &c->loads[i];
        if (!l->filesz)
            continue;
        l->rva = rva;
        if (!mem64) {
            if (rva > UINT32_MAX)
                die("data beyond 4 GiB: use --memory64");
            set32(b, list_at + 16 * k + 12, (uint32_t)rva);
        }
        rva += l->filesz;
        k++;
    }
    if (mem64)
        set64(b, list_at, data_start);
}

static void copy_data(int in, FILE *out, const core_t *c)
{
    enum { CHUNK = 1 << 20 };
    uint8_t *chunk = xcalloc(CHUNK, 1);
    for (size_t i = 0; i < c->nloads; i++) {
        const load_t *l = &c->loads[i];
        for (uint64_t done = 0; done < l->filesz;) {
            size_t want = l->filesz - done < CHUNK ? (size_t)(l->filesz - done) : CHUNK;
            ssize_t got = pread(in, chunk, want, (off_t)(l->offset + done));
            if (got <= 0)
                die("short read from the core (a truncated core?)");
            if (fwrite(chunk, 1, (size_t)got, out) != (size_t)got)
                die("write failed");
            done += (uint64_t)got;
        }
    }
    free(chunk);
}

/*
 * Two passes over the metadata: the first finds where the data starts
 * (which the thread stacks and memory list need), the second writes it
 * with the RVAs known.  The metadata size does not depend on the RVAs.
 */
static void build(buf_t *b, core_t *c, int mem64, time_t stamp)
{
    for (int pass = 0; pass < 2; pass++) {
        b->n = 0;
        uint32_t nstreams = 8;
        put32(b, 0x504D444D);
        put32(b, 0xA793);
        put32(b, nstreams);
        put32(b, 32);
        put32(b, 0);
        put32(b, (uint32_t)stamp);
        put64(b, mem64 ? 2 : 0);      /* MiniDumpWithFullMemory */
        put(b, NULL, 12 * (size_t)nstreams);   /* unused entries stay type 0 */
        dir_t d = { b, 0 };
        write_system_info(&d);
        write_misc_info(&d, c);
        write_threads(&d, c);
        write_modules(&d, c);
        write_exception(&d, c);
        write_maps(&d, c);
        write_cmdline(&d, c);
        size_t list = write_memory(&d, c, mem64);
        place_data(b, c, mem64, list, b->n);
    }
}

int main(int argc, char **argv)
{
    int mem64 = 1, a = 1;
    if (argc == 4 && !strcmp(argv[1], "--memory64"))
        a = 2;
    else if (argc == 4 && !strcmp(argv[1], "--memory-list"))
        mem64 = 0, a = 2;
    else if (argc != 3) {
        fprintf(stderr, "usage: core2mdmp [--memory64|--memory-list] CORE OUT.dmp\n");
        return 2;
    }
    if (elf_version(EV_CURRENT) == EV_NONE)
        die("libelf too old");
    int fd = open(argv[a], O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "core2mdmp: %s: %s\n", argv[a], strerror(errno));
        return 1;
    }
    core_t c;
    memset(&c, 0, sizeof c);
    read_core(&c, fd);

    struct stat st;
    buf_t b = { 0 };
    build(&b, &c, mem64, fstat(fd, &st) == 0 ? st.st_mtime : 0);

    FILE *out = fopen(argv[a + 1], "wb");
    if (!out) {
        fprintf(stderr, "core2mdmp: %s: %s\n", argv[a + 1], strerror(errno));
        return 1;
    }
    if (fwrite(b.p, 1, b.n, out) != b.n)
        die("write failed");
    copy_data(fd, out, &c);
    if (fclose(out) != 0)
        die("write failed");
    close(fd);
    free(b.p);
    free(c.threads);
    free(c.maps);
    free(c.file_note);
    free(c.loads);
    return 0;
}
