/*
 * minidump.c - read a Windows / Breakpad / Crashpad minidump (MDMP) into
 * the dump model: header, stream directory, then each stream we know.
 *
 * Layout (minidumpapiset.h): MINIDUMP_HEADER (32 bytes) {Signature "MDMP",
 * Version (low word 0xA793, high word implementation-specific),
 * NumberOfStreams, StreamDirectoryRva, CheckSum, TimeDateStamp, Flags u64},
 * then NumberOfStreams MINIDUMP_DIRECTORY entries (12 bytes) {StreamType,
 * DataSize, Rva} anywhere in the file.  Every stream is found through its
 * RVA; nothing is assumed about order or adjacency.
 *
 * The reader is hostile-input safe: it reads only buf[0 .. len), bounds
 * every count by the bytes that could hold it, and reports what it could
 * not read as problems instead of failing: a broken minidump still gets
 * every byte scanned, it just is not "proven clean".
 *
 * Stream parsers live in minidump_streams.c (threads, modules, system,
 * exception), minidump_memory.c (memory ranges, permissions) and
 * minidump_linux.c (Breakpad's /proc text streams).
 */
#include "minidump_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Names for labels and problem messages.  Unknown types print as hex. */
static const struct {
    uint32_t type;
    const char *name;
    int index;           /* MD_S_* when we parse it, else MD_S_COUNT */
} stream_types[] = {
    { MD_THREAD_LIST, "ThreadList", MD_S_THREAD_LIST },
    { MD_MODULE_LIST, "ModuleList", MD_S_MODULE_LIST },
    { MD_MEMORY_LIST, "MemoryList", MD_S_MEMORY_LIST },
    { MD_EXCEPTION, "Exception", MD_S_EXCEPTION },
    { MD_SYSTEM_INFO, "SystemInfo", MD_S_SYSTEM_INFO },
    { MD_THREAD_EX_LIST, "ThreadExList", MD_S_THREAD_EX_LIST },
    { MD_MEMORY64_LIST, "Memory64List", MD_S_MEMORY64_LIST },
    { 10, "CommentA", MD_S_COUNT },
    { 11, "CommentW", MD_S_COUNT },
    { 12, "HandleData", MD_S_COUNT },
    { 13, "FunctionTable", MD_S_COUNT },
    { 14, "UnloadedModuleList", MD_S_COUNT },
    { MD_MISC_INFO, "MiscInfo", MD_S_MISC_INFO },
    { MD_MEMORY_INFO_LIST, "MemoryInfoList", MD_S_MEMORY_INFO_LIST },
    { 17, "ThreadInfoList", MD_S_COUNT },
    { 18, "HandleOperationList", MD_S_COUNT },
    { 19, "Token", MD_S_COUNT },
    { 20, "JavaScriptData", MD_S_COUNT },
    { 21, "SystemMemoryInfo", MD_S_COUNT },
    { 22, "ProcessVmCounters", MD_S_COUNT },
    { 23, "IptTrace", MD_S_COUNT },
    { 24, "ThreadNames", MD_S_COUNT },
    { 0x47670001, "BreakpadInfo", MD_S_COUNT },
    { 0x47670002, "AssertionInfo", MD_S_COUNT },
    { MD_LINUX_CPU_INFO, "LinuxCpuInfo", MD_S_COUNT },
    { MD_LINUX_PROC_STATUS, "LinuxProcStatus", MD_S_LINUX_PROC_STATUS },
    { MD_LINUX_LSB_RELEASE, "LinuxLsbRelease", MD_S_LINUX_LSB_RELEASE },
    { MD_LINUX_CMD_LINE, "LinuxCmdLine", MD_S_LINUX_CMD_LINE },
    { 0x47670007, "LinuxEnviron", MD_S_COUNT },
    { 0x47670008, "LinuxAuxv", MD_S_COUNT },
    { MD_LINUX_MAPS, "LinuxMaps", MD_S_LINUX_MAPS },
    { 0x4767000A, "LinuxDsoDebug", MD_S_COUNT },
    { 0x43500001, "CrashpadInfo", MD_S_COUNT },
};

static int stream_lookup(uint32_t type)
{
    for (size_t i = 0; i < sizeof stream_types / sizeof stream_types[0]; i++)
        if (stream_types[i].type == type)
            return (int)i;
    return -1;
}

/* "ThreadList" or "0x47670042" into buf. */
static const char *stream_name(uint32_t type, char *buf, size_t n)
{
    int i = stream_lookup(type);
    if (i >= 0)
        return stream_types[i].name;
    snprintf(buf, n, "0x%x", (unsigned)type);
    return buf;
}

void ds_md_problem_oom(md_ctx *c)
{
    if (!c->failed)
        ds_dump_problem(c->d, "out of memory while reading the minidump");
    c->failed = 1;
    c->partial = 1;
}

/*
 * A metadata region (no virtual address) for file bytes [off, off+size),
 * clipped to the file.  Gives findings inside streams a label.
 */
int ds_md_add_meta(md_ctx *c, uint64_t off, uint64_t size, const char *label)
{
    if (c->failed || size == 0 || off >= c->fsize)
        return 0;
    if (size > c->fsize - off)
        size = c->fsize - off;
    ds_region r = { .file_off = off, .file_size = size, .mem_size = size,
                    .has_vaddr = 0, .label = (char *)label, .module = -1 };
    if (ds_dump_add_region(c->d, &r) < 0) {
        ds_md_problem_oom(c);
        return -1;
    }
    return 0;
}

/* The readable bytes of a parsed stream, or NULL if absent or empty. */
const uint8_t *ds_md_stream(const md_ctx *c, int which, size_t *n)
{
    const md_stream *s = &c->streams[which];
    *n = 0;
    if (!s->present || s->avail == 0)
        return NULL;
    *n = s->avail;
    return c->buf + s->rva;
}

/* Header: returns 0 if the directory can be looked for, -1 if not. */
static int read_header(md_ctx *c)
{
    if (c->len < MD_HEADER_SIZE) {
        ds_dump_problem(c->d, "minidump header truncated: %zu of %u bytes",
                        c->len, MD_HEADER_SIZE);
        if (c->fsize < MD_HEADER_SIZE)
            c->d->truncated = 1;
        c->partial = 1;
        ds_md_add_meta(c, 0, c->len, "[minidump:header]");
        return -1;
    }
    uint32_t version = md_ld32(c->buf + 4);
    if ((version & 0xFFFF) != MD_VERSION_LOW) {
        /* Keep going: the rest may still be a readable minidump. */
        ds_dump_problem(c->d, "minidump version 0x%08x, expected low word 0x%04x",
                        (unsigned)version, MD_VERSION_LOW);
        c->partial = 1;
    }
    uint32_t stamp = md_ld32(c->buf + 20);
    if (stamp != 0)      /* 0: the writer did not set it (synthetic dumps) */
        c->d->time = stamp;
    return ds_md_add_meta(c, 0, MD_HEADER_SIZE, "[minidump:header]");
}

/* A byte range occupied by a structure, for the overlap check. */
typedef struct {
    uint64_t off, end;
    uint32_t type;       /* stream type; 0xFFFFFFFF header, 0xFFFFFFFE directory */
} md_span;

static int cmp_span(const void *a, const void *b)
{
    const md_span *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

static const char *span_name(uint32_t type, char *buf, size_t n)
{
    if (type == 0xFFFFFFFFu)
        return "header";
    if (type == 0xFFFFFFFEu)
        return "directory";
    return stream_name(type, buf, n);
}

/*
 * Streams (and the header and directory) must not share bytes: a writer
 * never does that, and an overlap is how a crafted file would make one
 * byte mean two things.  Sort by start and sweep: O(n log n).
 */
static void check_overlaps(md_ctx *c, md_span *s, size_t n)
{
    if (n < 2)
        return;
    qsort(s, n, sizeof *s, cmp_span);
    size_t far = 0;      /* span reaching furthest so far */
    for (size_t i = 1; i < n; i++) {
        if (s[i].off < s[far].end) {
            char b1[16], b2[16];
            ds_dump_problem(c->d, "minidump %s stream at 0x%llx overlaps %s at 0x%llx",
                            span_name(s[i].type, b1, sizeof b1),
                            (unsigned long long)s[i].off,
                            span_name(s[far].type, b2, sizeof b2),
                            (unsigned long long)s[far].off);
            c->partial = 1;
        }
        if (s[i].end > s[far].end)
            far = i;
    }
}

/* One directory entry: clip it, label it, remember the first of each type. */
static void read_dirent(md_ctx *c, uint32_t i, const uint8_t *e, md_span *spans,
                        size_t *nspans)
{
    uint32_t type = md_ld32(e), size = md_ld32(e + 4), rva = md_ld32(e + 8);
    char nb[16], label[48];
    const char *name = stream_name(type, nb, sizeof nb);

    if (type == MD_UNUSED)   /* Breakpad pads the directory with these */
        return;
    if (!md_fits(rva, size, c->fsize)) {
        ds_dump_problem(c->d, "minidump stream %u (%s) at 0x%x+0x%x extends beyond the end of the file",
                        (unsigned)i, name, (unsigned)rva, (unsigned)size);
        c->d->truncated = 1;
        c->partial = 1;
    } else if (!md_fits(rva, size, c->len)) {
        ds_dump_problem(c->d, "minidump stream %u (%s) lies beyond the bytes read",
                        (unsigned)i, name);
        c->partial = 1;
    }
    size_t avail = 0;
    if (rva < c->len)
        avail = size < c->len - rva ? size : c->len - rva;

    snprintf(label, sizeof label, "[stream:%s]", name);
    ds_md_add_meta(c, rva, size, label);
    if (size > 0 && rva < c->fsize) {
        uint64_t end = (uint64_t)rva + size;
        spans[(*nspans)++] = (md_span){ rva, end < c->fsize ? end : c->fsize, type };
    }

    int k = stream_lookup(type);
    if (k < 0 || stream_types[k].index == MD_S_COUNT)
        return;
    md_stream *s = &c->streams[stream_types[k].index];
    if (s->present) {
        ds_dump_problem(c->d, "minidump has a second %s stream (entry %u); using the first",
                        name, (unsigned)i);
        c->partial = 1;
        return;
    }
    s->present = 1;
    s->rva = rva;
    s->size = size;
    s->avail = avail;
}

static void read_directory(md_ctx *c)
{
    uint32_t n = md_ld32(c->buf + 8), rva = md_ld32(c->buf + 12);
    uint64_t bytes = (uint64_t)n * MD_DIRENT_SIZE;
    uint64_t have = n;

    if (!md_fits(rva, bytes, c->len)) {
        have = rva < c->len ? (c->len - rva) / MD_DIRENT_SIZE : 0;
        if (!md_fits(rva, bytes, c->fsize)) {
            ds_dump_problem(c->d, "minidump stream directory (%u entries at 0x%x) extends beyond the end of the file",
                            (unsigned)n, (unsigned)rva);
            c->d->truncated = 1;
        } else {
            ds_dump_problem(c->d, "minidump stream directory lies beyond the bytes read");
        }
        c->partial = 1;
    }
    ds_md_add_meta(c, rva, bytes, "[minidump:directory]");

    /* have <= len / 12, so the span array is bounded by the file size. */
    md_span *spans = malloc((size_t)(have + 2) * sizeof *spans);
    if (!spans) {
        ds_md_problem_oom(c);
        return;
    }
    size_t nspans = 0;
    spans[nspans++] = (md_span){ 0, MD_HEADER_SIZE, 0xFFFFFFFFu };
    if (have > 0)
        spans[nspans++] = (md_span){ rva, rva + have * MD_DIRENT_SIZE, 0xFFFFFFFEu };
    for (uint64_t i = 0; i < have && !c->failed; i++)
        read_dirent(c, (uint32_t)i, c->buf + rva + i * MD_DIRENT_SIZE, spans, &nspans);
    check_overlaps(c, spans, nspans);
    free(spans);
}

/* Text after the last '/' or '\\' (Windows paths use either). */
static const char *base_name(const char *path)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\')
            b = p + 1;
    return b;
}

/*
 * The process name: the main executable is the first module in every
 * writer we know (Windows, Breakpad, Crashpad); else /proc status "Name:"
 * (15 characters at most), else argv[0].
 */
static void set_process_name(md_ctx *c)
{
    ds_dump *d = c->d;
    const char *name = NULL;
    size_t n = 0;

    if (d->nmodules > 0 && *base_name(d->modules[0].name)) {
        name = base_name(d->modules[0].name);
        n = strlen(name);
    } else if (c->status_name && *c->status_name) {
        name = c->status_name;
        n = strlen(name);
    } else if (d->cmdline && *d->cmdline) {
        const char *sp = strchr(d->cmdline, ' ');
        n = sp ? (size_t)(sp - d->cmdline) : strlen(d->cmdline);
        name = d->cmdline;
        for (size_t i = 0; i < n; i++)
            if (d->cmdline[i] == '/')
                name = d->cmdline + i + 1;
        n -= (size_t)(name - d->cmdline);
    }
    if (name && n > 0 && ds_dump_set_str(&d->process_name, name, n) < 0)
        ds_md_problem_oom(c);
}

/*
 * Parse order matters: SystemInfo first (it says how to read CONTEXTs),
 * memory lists before threads (stacks label the memory ranges they alias),
 * threads before the exception (it marks one crashed), and permissions,
 * maps and modules last (they decorate every memory region, stacks
 * included; a stack label wins over a maps path, which wins over a module).
 */
static void parse_streams(md_ctx *c)
{
    static void (*const steps[])(md_ctx *) = {
        ds_md_system_info, ds_md_misc_info, ds_md_linux_proc_status,
        ds_md_module_list, ds_md_memory_list, ds_md_memory64_list,
        ds_md_thread_list, ds_md_exception, ds_md_memory_info_list,
        ds_md_linux_maps, ds_md_attach_modules, ds_md_linux_cmdline,
        ds_md_linux_lsb_release,
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && !c->failed; i++)
        steps[i](c);
}

int ds_read_minidump(const uint8_t *buf, size_t len, uint64_t total, ds_dump *d)
{
    if (len < 4 || md_ld32(buf) != MD_SIGNATURE)
        return -1;

    md_ctx c;
    memset(&c, 0, sizeof c);
    c.buf = buf;
    c.fsize = total ? total : len;
    c.len = len < c.fsize ? len : (size_t)c.fsize;   /* never past the file */
    c.d = d;
    c.platform = ~0u;
    /* Legitimate files decode each string byte about once; allow twice
     * that plus slack, so aliasing names cannot make the work quadratic. */
    c.str_budget = (uint64_t)c.len + 65536;
    c.label_budget = 2 * (uint64_t)c.len + (1u << 20);   /* same idea for labels */

    d->format = DS_FMT_MINIDUMP;
    if (!d->file_size)
        d->file_size = c.fsize;
    if (read_header(&c) == 0) {
        read_directory(&c);
        if (!c.failed)
            parse_streams(&c);
    }
    if (!c.failed)
        set_process_name(&c);
    free(c.status_name);
    ds_md_memory_free(&c);
    return c.partial || d->nproblems > 0 ? 1 : 0;
}
