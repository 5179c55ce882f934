/*
 * minidump_streams.c - the streams that describe the process: SystemInfo,
 * MiscInfo, ModuleList, ThreadList / ThreadExList and Exception.
 *
 * Record layouts (minidumpapiset.h), offsets in bytes:
 *   MINIDUMP_SYSTEM_INFO (56): ProcessorArchitecture u16 @0, MajorVersion
 *     @8, MinorVersion @12, BuildNumber @16, PlatformId @20, CSDVersionRva @24.
 *   MINIDUMP_MISC_INFO (24+): SizeOfInfo @0, Flags1 @4, ProcessId @8.
 *   MINIDUMP_MODULE (108, packed): BaseOfImage u64 @0, SizeOfImage @8,
 *     ModuleNameRva @20.
 *   MINIDUMP_THREAD (48): ThreadId @0, Stack {Start u64 @24, DataSize @32,
 *     Rva @36}, ThreadContext {DataSize @40, Rva @44}.
 *   MINIDUMP_THREAD_EX (64): the same, then BackingStore (IA-64) @48.
 *   MINIDUMP_EXCEPTION_STREAM (168): ThreadId @0, ExceptionCode @8,
 *     ExceptionFlags @12, ExceptionAddress u64 @24, ThreadContext {@160, @164}.
 */
#include "minidump_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MD_THREAD_SIZE      48u
#define MD_THREAD_EX_SIZE   64u
#define MD_MODULE_SIZE      108u
#define MD_EXCEPTION_SIZE   168u
#define MD_MISC1_PROCESS_ID 0x1u

/*
 * A list stream: u32 count, then count fixed-size entries.  Some writers
 * (Breakpad on macOS, lldb's tests) pad the count to 8 bytes so the entries
 * are 8-aligned; that is recognised by the declared stream size being
 * exactly 8 + count * esz.  Returns the count of entries that can be read,
 * bounded by the stream's readable bytes, and where they start.
 */
size_t ds_md_list(md_ctx *c, int which, size_t esz, const char *what,
                  const uint8_t **entries)
{
    const md_stream *s = &c->streams[which];
    size_t n;
    const uint8_t *p = ds_md_stream(c, which, &n);

    *entries = NULL;
    if (!p)
        return 0;
    if (n < 4) {
        ds_dump_problem(c->d, "minidump %s stream too short (%zu bytes)", what, n);
        c->partial = 1;
        return 0;
    }
    uint64_t count = md_ld32(p);
    size_t hdr = 4;
    if (s->size >= 8 && (uint64_t)s->size == 8 + count * esz)
        hdr = 8;
    else if ((uint64_t)s->size < 4 + count * esz) {
        ds_dump_problem(c->d, "minidump %s claims %llu entries; its %u bytes hold %llu",
                        what, (unsigned long long)count, (unsigned)s->size,
                        (unsigned long long)((s->size - 4) / esz));
        c->partial = 1;
    }
    uint64_t room = n >= hdr ? (n - hdr) / esz : 0;
    if (count > room)
        count = room;    /* the truncation itself was reported with the directory */
    *entries = p + hdr;
    return (size_t)count;
}

static const char *arch_name(uint16_t a, md_cpu *cpu, int *word)
{
    *cpu = MD_CPU_UNKNOWN;
    *word = 0;
    switch (a) {
    case 0:      *cpu = MD_CPU_X86;   *word = 4; return "x86";
    case 10:     *cpu = MD_CPU_X86;   *word = 4; return "x86";   /* IA32 on Win64 */
    case 9:      *cpu = MD_CPU_AMD64; *word = 8; return "x86_64";
    case 5:      *cpu = MD_CPU_ARM;   *word = 4; return "arm";
    case 13:     *cpu = MD_CPU_ARM;   *word = 4; return "arm";   /* ARM32 on Win64 */
    case 12:     *cpu = MD_CPU_ARM64; *word = 8; return "aarch64";
    case 0x8003: *cpu = MD_CPU_ARM64; *word = 8; return "aarch64"; /* Breakpad's old id */
    case 1:      *word = 4; return "mips";
    case 0x8004: *word = 8; return "mips64";
    case 3:      *word = 4; return "ppc";
    case 0x8002: *word = 8; return "ppc64";
    case 6:      *word = 8; return "ia64";
    case 2:      *word = 4; return "alpha";
    case 7:      *word = 8; return "alpha64";
    case 4:      *word = 4; return "sh";
    case 0x8001: return "sparc";
    default:     return "unknown";
    }
}

static const char *os_name(uint32_t platform)
{
    switch (platform) {
    case 0: case 1: case 2: return "windows";   /* Win32s, 9x, NT */
    case 3:      return "windows-ce";
    case 0x8000: return "unix";
    case 0x8101: return "macos";
    case 0x8102: return "ios";
    case 0x8201: return "linux";
    case 0x8202: return "solaris";
    case 0x8203: return "android";
    case 0x8204: return "ps3";
    case 0x8205: return "nacl";
    case 0x8206: return "fuchsia";
    default:     return NULL;
    }
}

/*
 * os_version: "major.minor.build CSD" when the version numbers are set
 * (Windows, macOS, Crashpad: "5.1.2600 Service Pack 2"), else the CSD
 * string alone (Breakpad on Linux puts uname there).
 */
static void set_os_version(md_ctx *c, uint32_t major, uint32_t minor,
                           uint32_t build, const char *csd)
{
    char *v = NULL;
    size_t n = csd ? strlen(csd) : 0;

    if (major | minor | build) {
        size_t cap = 3 * 11 + 1 + n + 1;
        v = malloc(cap);
        if (!v) {
            ds_md_problem_oom(c);
            return;
        }
        snprintf(v, cap, n ? "%u.%u.%u %s" : "%u.%u.%u",
                 (unsigned)major, (unsigned)minor, (unsigned)build, n ? csd : "");
    } else if (n) {
        if (ds_dump_set_str(&c->d->os_version, csd, n) < 0)
            ds_md_problem_oom(c);
        return;
    } else {
        return;
    }
    free(c->d->os_version);
    c->d->os_version = v;
}

void ds_md_system_info(md_ctx *c)
{
    size_t n;
    const uint8_t *p = ds_md_stream(c, MD_S_SYSTEM_INFO, &n);
    if (!p)
        return;
    if (n < 28) {
        ds_dump_problem(c->d, "minidump SystemInfo stream too short (%zu bytes)", n);
        c->partial = 1;
        return;
    }
    int word;
    c->d->arch = arch_name(md_ld16(p), &c->cpu, &word);
    c->d->word_size = word;
    c->d->big_endian = 0;
    c->platform = md_ld32(p + 20);
    c->d->os = os_name(c->platform);

    uint32_t csd_rva = md_ld32(p + 24);
    char *csd = csd_rva ? ds_md_string(c, csd_rva, "CSD version") : NULL;
    if (!c->failed)
        set_os_version(c, md_ld32(p + 8), md_ld32(p + 12), md_ld32(p + 16), csd);
    free(csd);
}

void ds_md_misc_info(md_ctx *c)
{
    size_t n;
    const uint8_t *p = ds_md_stream(c, MD_S_MISC_INFO, &n);
    if (!p)
        return;
    /* SizeOfInfo is not trusted (lldb's test dumps leave it 0): the stream
     * size decides what can be read.  ProcessCreateTime (@12) has no home
     * in the dump model. */
    if (n < 12) {
        ds_dump_problem(c->d, "minidump MiscInfo stream too short (%zu bytes)", n);
        c->partial = 1;
        return;
    }
    if (md_ld32(p + 4) & MD_MISC1_PROCESS_ID)
        c->d->pid = md_ld32(p + 8);
}

void ds_md_module_list(md_ctx *c)
{
    const uint8_t *e;
    size_t count = ds_md_list(c, MD_S_MODULE_LIST, MD_MODULE_SIZE, "ModuleList", &e);

    for (size_t i = 0; i < count && !c->failed; i++, e += MD_MODULE_SIZE) {
        char *name = ds_md_string(c, md_ld32(e + 20), "module name");
        if (c->failed)
            break;
        if (ds_dump_add_module(c->d, name ? name : "", md_ld64(e), md_ld32(e + 8)) < 0)
            ds_md_problem_oom(c);
        free(name);
    }
}

/* Guess the CPU from the CONTEXT size when there is no SystemInfo. */
static md_cpu cpu_from_context_size(uint32_t size)
{
    if (size == 716)     /* sizeof(CONTEXT) on x86, ExtendedRegisters included */
        return MD_CPU_X86;
    if (size == 1232)    /* sizeof(CONTEXT) on AMD64 */
        return MD_CPU_AMD64;
    return MD_CPU_UNKNOWN;
}

/*
 * SP and PC from a CONTEXT record, where the layout is known:
 *   x86   CONTEXT:  Eip @184, Esp @196 (u32)
 *   AMD64 CONTEXT:  Rsp @0x98, Rip @0xF8 (u64)
 *   ARM   CONTEXT:  R13/Sp @56, R15/Pc @64 (u32); Breakpad's is the same
 *   ARM64 CONTEXT and Breakpad's ARM64_OLD: Sp @256, Pc @264 (u64)
 * A record too short for its layout is left alone (not an error: writers
 * may trim what they do not fill).
 */
static void decode_context(const md_ctx *c, const uint8_t *p, size_t n,
                           uint32_t size, ds_thread *t)
{
    md_cpu cpu = c->cpu != MD_CPU_UNKNOWN ? c->cpu : cpu_from_context_size(size);

    switch (cpu) {
    case MD_CPU_X86:
        if (n >= 200) {
            t->pc = md_ld32(p + 184);
            t->sp = md_ld32(p + 196);
        }
        break;
    case MD_CPU_AMD64:
        if (n >= 0x100) {
            t->sp = md_ld64(p + 0x98);
            t->pc = md_ld64(p + 0xF8);
        }
        break;
    case MD_CPU_ARM:
        if (n >= 68) {
            t->sp = md_ld32(p + 56);
            t->pc = md_ld32(p + 64);
        }
        break;
    case MD_CPU_ARM64:
        if (n >= 272) {
            t->sp = md_ld64(p + 256);
            t->pc = md_ld64(p + 264);
        }
        break;
    default:
        break;
    }
}

/* 1 if a metadata region already covers exactly [off, off+size). */
static int have_meta(const md_ctx *c, uint64_t off, uint64_t size)
{
    for (size_t i = 0; i < c->d->nregions; i++) {
        const ds_region *r = &c->d->regions[i];
        if (!r->has_vaddr && r->file_off == off && r->mem_size == size)
            return 1;
    }
    return 0;
}

/*
 * A thread's CONTEXT at {size, rva}: label its bytes (registers can hold
 * key material: AES round keys live in XMM registers) and take SP/PC.
 * Breakpad on Linux points the exception at the crashed thread's own
 * CONTEXT; those bytes keep the thread's label (`once`: label only if new,
 * a linear look used for the single exception context).
 */
static void read_context(md_ctx *c, uint32_t size, uint32_t rva, ds_thread *t,
                         const char *label, int once)
{
    if (size == 0)
        return;
    if (!md_fits(rva, size, c->fsize)) {
        ds_dump_problem(c->d, "minidump context of thread %llu at 0x%x+0x%x is outside the file",
                        (unsigned long long)t->tid, (unsigned)rva, (unsigned)size);
        c->d->truncated = 1;
        c->partial = 1;
    }
    uint64_t clip = rva < c->fsize ? c->fsize - rva : 0;
    if (!once || !have_meta(c, rva, size < clip ? size : clip))
        ds_md_add_meta(c, rva, size, label);
    if (rva >= c->len)
        return;
    size_t n = size < c->len - rva ? size : c->len - rva;
    decode_context(c, c->buf + rva, n, size, t);
}

/* One MINIDUMP_THREAD (or the first 48 bytes of a MINIDUMP_THREAD_EX). */
static void read_thread(md_ctx *c, const uint8_t *e, int ex)
{
    char label[48];
    ds_thread t;
    memset(&t, 0, sizeof t);
    t.tid = md_ld32(e);
    t.stack_vaddr = md_ld64(e + 24);
    t.stack_size = md_ld32(e + 32);

    snprintf(label, sizeof label, "[context:%llu]", (unsigned long long)t.tid);
    read_context(c, md_ld32(e + 40), md_ld32(e + 44), &t, label, 0);
    if (t.stack_size > 0) {
        snprintf(label, sizeof label, "[stack:%llu]", (unsigned long long)t.tid);
        ds_md_add_stack(c, label, t.stack_vaddr, md_ld32(e + 32), md_ld32(e + 36));
    }
    if (ex && md_ld32(e + 56) > 0) {   /* IA-64 register backing store */
        snprintf(label, sizeof label, "[backing-store:%llu]", (unsigned long long)t.tid);
        ds_md_add_stack(c, label, md_ld64(e + 48), md_ld32(e + 56), md_ld32(e + 60));
    }
    if (!c->failed && ds_dump_add_thread(c->d, &t) < 0)
        ds_md_problem_oom(c);
}

/* ThreadList; ThreadExList only when there is no ThreadList (it repeats it). */
void ds_md_thread_list(md_ctx *c)
{
    const uint8_t *e;
    int ex = !c->streams[MD_S_THREAD_LIST].present;
    size_t esz = ex ? MD_THREAD_EX_SIZE : MD_THREAD_SIZE;
    size_t count = ex ? ds_md_list(c, MD_S_THREAD_EX_LIST, esz, "ThreadExList", &e)
                      : ds_md_list(c, MD_S_THREAD_LIST, esz, "ThreadList", &e);

    for (size_t i = 0; i < count && !c->failed; i++, e += esz)
        read_thread(c, e, ex);
}

/*
 * The exception: the faulting thread and, in its own CONTEXT, the
 * registers at the fault (the ThreadList context of that thread is often
 * the dump writer's, inside the handler).  On Linux and Android Breakpad
 * stores the signal number as ExceptionCode.
 */
void ds_md_exception(md_ctx *c)
{
    size_t n;
    const uint8_t *p = ds_md_stream(c, MD_S_EXCEPTION, &n);
    if (!p)
        return;
    if (n < 32) {
        ds_dump_problem(c->d, "minidump Exception stream too short (%zu bytes)", n);
        c->partial = 1;
        return;
    }
    ds_dump *d = c->d;
    uint32_t tid = md_ld32(p);
    d->has_exception = 1;
    d->exception_code = md_ld32(p + 8);
    d->exception_address = md_ld64(p + 24);
    int is_signal = (c->platform == 0x8201 || c->platform == 0x8203) &&
                    d->exception_code > 0 && d->exception_code < 65;
    if (is_signal)
        d->crash_signal = (int)d->exception_code;

    ds_thread *t = NULL;
    for (size_t i = 0; i < d->nthreads; i++)
        if (d->threads[i].tid == tid) {
            t = &d->threads[i];
            break;
        }
    ds_thread fault;     /* registers at the fault, if a context is given */
    memset(&fault, 0, sizeof fault);
    fault.tid = tid;
    if (n >= MD_EXCEPTION_SIZE)
        read_context(c, md_ld32(p + 160), md_ld32(p + 164), &fault,
                     "[context:exception]", 1);
    if (!t)
        return;
    t->crashed = 1;
    if (is_signal)
        t->signal = d->crash_signal;
    if (fault.sp || fault.pc) {
        t->sp = fault.sp;
        t->pc = fault.pc;
    }
}
