/*
 * test_minidump.c - the minidump reader (scanner/minidump*.c).
 *
 *   test_minidump             every test below
 *   test_minidump --probe F   print F's model as lines (tests/t_minidump_convert.sh)
 *
 * 1. Every MDMP file of $SHARED/corpus/external (default ../shared) against
 *    the facts expected.json lists for it (values copied below, each with
 *    the fact's name; see PROVENANCE.md for the caveats noted inline).
 *    Files without the MDMP magic must be refused (-1).
 * 2. Every external minidump cut at many points and with hostile fields:
 *    the reader must answer 0/1 with problems, never crash (ASan/UBSan:
 *    each input is copied to a buffer of exactly its size), never hang.
 * 3. Synthetic minidumps for what the corpus lacks: UTF-16 edge cases,
 *    padded lists, ThreadExList, MemoryInfoList, Linux streams, a
 *    truncated Memory64List, and inputs built to make the work quadratic.
 */
#include "check.h"
#include "dump.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NOCHK    INT64_MIN      /* table value: do not check */
#define NOCHK_N  SIZE_MAX
#define MAXT     8
#define MAXM     13

/* ---------------------------------------------------------------- helpers */

/* snprintf for names and paths; cutting them is harmless. */
static void fmt(char *buf, size_t n, const char *f, ...)
    __attribute__((format(printf, 3, 4)));

static void fmt(char *buf, size_t n, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, n, f, ap);
    va_end(ap);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

typedef struct {
    uint8_t *p;
    size_t n;
} blob;

static int map_file(const char *path, blob *b)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    b->p = NULL;
    b->n = 0;
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0 || st.st_size <= 0) {
        close(fd);
        return -1;
    }
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -1;
    b->p = m;
    b->n = (size_t)st.st_size;
    return 0;
}

static void unmap_file(blob *b)
{
    if (b->p)
        munmap(b->p, b->n);
    b->p = NULL;
}

/* A private copy of exactly n bytes, so ASan sees any read past the end. */
static uint8_t *copy_exact(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    if (!c) {
        perror("malloc");
        exit(2);
    }
    if (n)
        memcpy(c, p, n);
    return c;
}

static int has_problem(const ds_dump *d, const char *needle)
{
    for (size_t i = 0; i < d->nproblems; i++)
        if (strstr(d->problems[i], needle))
            return 1;
    return 0;
}

static const ds_thread *find_thread(const ds_dump *d, uint64_t tid)
{
    for (size_t i = 0; i < d->nthreads; i++)
        if (d->threads[i].tid == tid)
            return &d->threads[i];
    return NULL;
}

static const ds_region *mem_region_at(const ds_dump *d, uint64_t vaddr)
{
    for (size_t i = 0; i < d->nregions; i++) {
        const ds_region *r = &d->regions[i];
        if (r->has_vaddr && vaddr >= r->vaddr && vaddr - r->vaddr < r->mem_size)
            return r;
    }
    return NULL;
}

static const char *base_name(const char *p)
{
    const char *b = p;
    for (; *p; p++)
        if (*p == '/' || *p == '\\')
            b = p + 1;
    return b;
}

/* Read buf with total, finish the model: what every caller does. */
static int read_md(const uint8_t *buf, size_t len, uint64_t total, ds_dump *d)
{
    ds_dump_init(d, total ? total : len);
    int rc = ds_read_minidump(buf, len, total, d);
    if (rc >= 0)
        ds_dump_finish(d);
    return rc;
}

/*
 * Structural invariants of any model the reader returns; 0 if all hold,
 * else a short reason in why.  Cheap: called for every mutated input.
 */
static int model_ok(const ds_dump *d, int rc, uint64_t fsize, const char **why)
{
    *why = NULL;
    if (rc != 0 && rc != 1)
        *why = "rc not 0/1";
    else if ((rc == 1) != (d->nproblems > 0))
        *why = "rc and problems disagree";
    else if (d->format != DS_FMT_MINIDUMP)
        *why = "format not minidump";
    for (size_t i = 0; i < d->nregions && !*why; i++) {
        const ds_region *r = &d->regions[i];
        if (r->file_size > 0 && (r->file_off > fsize || r->file_size > fsize - r->file_off))
            *why = "region outside the file";
        else if (r->has_vaddr && r->file_size > r->mem_size)
            *why = "region file_size > mem_size";
        else if (r->label && strlen(r->label) > 65536)
            *why = "absurd label";
        else if (r->module >= 0 && (size_t)r->module >= d->nmodules)
            *why = "bad module index";
    }
    for (size_t i = 0; i < d->nmodules && !*why; i++)
        if (!d->modules[i].name)
            *why = "module without name";
    for (size_t i = 0; i < d->nproblems && !*why; i++)
        if (!d->problems[i][0] || strchr(d->problems[i], '\n'))
            *why = "empty or multi-line problem";
    if (!*why && d->nregions > 0) {   /* lookups stay in bounds */
        (void)ds_dump_region_at(d, 0);
        (void)ds_dump_region_at(d, fsize ? fsize - 1 : 0);
    }
    return *why == NULL;
}

/* ------------------------------------------------------------- probe mode */

static void perms_str(uint32_t p, char s[4])
{
    s[0] = p & DS_PERM_R ? 'r' : '-';
    s[1] = p & DS_PERM_W ? 'w' : '-';
    s[2] = p & DS_PERM_X ? 'x' : '-';
    s[3] = '\0';
}

/* One line per fact, stable and grep-able. */
static int probe(const char *path)
{
    blob b;
    ds_dump d;
    if (map_file(path, &b) < 0) {
        fprintf(stderr, "probe: cannot map %s\n", path);
        return 2;
    }
    int rc = read_md(b.p, b.n, 0, &d);
    printf("rc %d\n", rc);
    printf("info format=%s arch=%s os=%s pid=%" PRId64 " time=%" PRId64
           " threads=%zu modules=%zu regions=%zu problems=%zu truncated=%d\n",
           ds_format_name(d.format), d.arch, d.os ? d.os : "-", d.pid, d.time,
           d.nthreads, d.nmodules, d.nregions, d.nproblems, d.truncated);
    printf("process %s\n", d.process_name ? d.process_name : "-");
    printf("os_version %s\n", d.os_version ? d.os_version : "-");
    printf("cmdline %s\n", d.cmdline ? d.cmdline : "-");
    if (d.has_exception)
        printf("exception code=0x%x address=0x%" PRIx64 " signal=%d\n",
               (unsigned)d.exception_code, d.exception_address, d.crash_signal);
    for (size_t i = 0; i < d.nthreads; i++) {
        const ds_thread *t = &d.threads[i];
        printf("thread tid=%" PRIu64 " sp=0x%" PRIx64 " pc=0x%" PRIx64
               " stack=0x%" PRIx64 "+0x%" PRIx64 " crashed=%d signal=%d\n",
               t->tid, t->sp, t->pc, t->stack_vaddr, t->stack_size, t->crashed, t->signal);
    }
    for (size_t i = 0; i < d.nmodules; i++)
        printf("module base=0x%" PRIx64 " size=0x%" PRIx64 " name=%s\n",
               d.modules[i].base, d.modules[i].size, d.modules[i].name);
    for (size_t i = 0; i < d.nregions; i++) {
        const ds_region *r = &d.regions[i];
        char p[4];
        perms_str(r->perms, p);
        if (r->has_vaddr)
            printf("region vaddr=0x%" PRIx64 " msize=0x%" PRIx64 " off=0x%" PRIx64
                   " fsize=0x%" PRIx64 " perms=%s label=%s\n", r->vaddr, r->mem_size,
                   r->file_off, r->file_size, p, r->label ? r->label : "-");
        else
            printf("meta off=0x%" PRIx64 " fsize=0x%" PRIx64 " label=%s\n",
                   r->file_off, r->file_size, r->label ? r->label : "-");
    }
    for (size_t i = 0; i < d.nproblems; i++)
        printf("problem %s\n", d.problems[i]);
    ds_dump_free(&d);
    unmap_file(&b);
    return rc < 0 ? 1 : 0;
}

/* ------------------------------------------------- 1. the external corpus */

/*
 * Facts from expected.json ("computed" unless marked asserted).  Counts
 * are raw stream counts: Breakpad's processed_thread_count and lldb's
 * filtered module count differ (PROVENANCE.md), and raw is what a reader
 * of the file must see.  nstreams counts stream_types minus the Unused
 * (0x0) padding entries: each gets a "[stream:...]" label.  time is TimeDateStamp (0 maps to -1: unknown).
 * os_version is "major.minor.build CSD" when the numbers are set, else
 * the CSD string (minidump_streams.c).
 */
typedef struct {
    const char *path;
    int rc;
    size_t nstreams;                   /* directory entries other than Unused (0 = skip) */
    const char *arch, *os, *os_version;
    int64_t time, pid;
    size_t nthreads;
    uint64_t tids[MAXT];               /* the first min(nthreads, MAXT) */
    size_t nmodules;
    const char *modules[MAXM];         /* the first names, in file order */
    size_t nmem;                       /* memory ranges (MemoryList/Memory64) */
    uint64_t mem_total;                /* their DataSize sum */
    int exc;                           /* 1 has an Exception stream, 0 not */
    uint64_t exc_tid;
    uint32_t exc_code;
    uint64_t exc_addr;
} md_expect;

#define LINUX_91 "Linux 3.13.0-91-generic #138-Ubuntu SMP Fri Jun 24 17:00:34 UTC 2016 x86_64"
#define LINUX_95 "Linux 3.13.0-95-generic #142-Ubuntu SMP Fri Aug 12 17:00:09 UTC 2016 x86_64"

static const md_expect corpus[] = {
    { .path = "breakpad/linux_raise_sigabrt.dmp", .rc = 0, .nstreams = 13,
      .arch = "x86_64", .os = "linux",
      .os_version = "Linux 3.13.0-55-generic #94-Ubuntu SMP Thu Jun 18 00:27:10 UTC 2015 x86_64",
      .time = 1436472893, .pid = NOCHK,
      .nthreads = 1, .tids = { 23526 },
      .nmodules = 8, .modules = { "/usr/local/google/home/liuandrew/Documents/breakpad_test/stream_test/driver",
                                  "/lib/x86_64-linux-gnu/libm-2.19.so", "/lib/x86_64-linux-gnu/libc-2.19.so" },
      .nmem = 2, .mem_total = 24192,
      .exc = 1, .exc_tid = 23526, .exc_code = 0x6, .exc_addr = 0x4d14400005be6 },
    /* asserted: os "Windows NT", os_version "5.1.2600 Service Pack 2", cpu
     * x86, raw_thread_ids [3060, 4544] (processed count 1: Breakpad drops
     * its dump thread), module_count 13, modules_in_file_order, pid 3932,
     * exception thread 0xbf4 code 0xc0000005, ExceptionAddress 0x40429e
     * (crash_address 0x45 is the data address, not this field). */
    { .path = "breakpad/minidump2.dmp", .rc = 0, .nstreams = 7,
      .arch = "x86", .os = "windows", .os_version = "5.1.2600 Service Pack 2",
      .time = 1171480435, .pid = 3932,
      .nthreads = 2, .tids = { 3060, 4544 },
      .nmodules = 13, .modules = { "c:\\test_app.exe", "C:\\WINDOWS\\system32\\ntdll.dll",
          "C:\\WINDOWS\\system32\\kernel32.dll", "C:\\WINDOWS\\system32\\ole32.dll",
          "C:\\WINDOWS\\system32\\advapi32.dll", "C:\\WINDOWS\\system32\\rpcrt4.dll",
          "C:\\WINDOWS\\system32\\gdi32.dll", "C:\\WINDOWS\\system32\\user32.dll",
          "C:\\WINDOWS\\system32\\msvcrt.dll", "C:\\WINDOWS\\system32\\imm32.dll",
          "C:\\WINDOWS\\system32\\dbghelp.dll", "C:\\WINDOWS\\system32\\version.dll",
          "C:\\WINDOWS\\system32\\psapi.dll" },
      .nmem = 3, .mem_total = 5884,
      .exc = 1, .exc_tid = 3060, .exc_code = 0xc0000005, .exc_addr = 0x40429e },
    { .path = "breakpad/stack_exhaustion.dmp", .rc = 0, .nstreams = 7,
      .arch = "x86", .os = "windows", .os_version = "6.1.7600",
      .time = 1285798763, .pid = 5416,
      .nthreads = 2, .tids = { 5744, 6040 },
      .nmodules = 26, .modules = { "D:\\crashme\\Debug\\crashme.exe",
          "C:\\Windows\\SysWOW64\\ntdll.dll", "C:\\Windows\\SysWOW64\\kernel32.dll" },
      .nmem = 5, .mem_total = 1041172,
      .exc = 1, .exc_tid = 5744, .exc_code = 0xc00000fd, .exc_addr = 0xdea637 },
    /* asserted os_version "10.0.22631 " (Breakpad appends the empty CSD
     * after a space; we omit the space), thread_count 3, crashed false. */
    { .path = "breakpad/tiny-exe-with-cet-xsave-x86.dmp", .rc = 0, .nstreams = 7,
      .arch = "x86", .os = "windows", .os_version = "10.0.22631",
      .time = 1704299511, .pid = 79528,
      .nthreads = 3, .tids = { 59444, 159156, 96548 },
      .nmodules = 19, .modules = { "D:\\tiny\\build\\RelWithDebInfo\\tiny.exe",
          "C:\\Windows\\System32\\ntdll.dll", "C:\\Windows\\System32\\kernel32.dll" },
      .nmem = 6, .mem_total = 10756, .exc = 0 },
    /* asserted os_version "10.0.22000 282", cpu amd64, thread_count 1, no exception */
    { .path = "breakpad/tiny-exe-with-cet-xsave.dmp", .rc = 0, .nstreams = 8,
      .arch = "x86_64", .os = "windows", .os_version = "10.0.22000 282",
      .time = 1635803743, .pid = 15444,
      .nthreads = 1, .tids = { 1468 },
      .nmodules = 25, .modules = { "C:\\src\\crashpad\\tiny.exe",
          "C:\\WINDOWS\\SYSTEM32\\ntdll.dll", "C:\\WINDOWS\\System32\\KERNEL32.DLL" },
      .nmem = 65, .mem_total = 50800, .exc = 0 },
    /* asserted crashed true (crash_address 0xfefe... is derived by disassembly) */
    { .path = "breakpad/write_av_non_canonical.dmp", .rc = 0, .nstreams = 9,
      .arch = "x86_64", .os = "windows", .os_version = "10.0.19042",
      .time = 1665070164, .pid = 22856,
      .nthreads = 2, .tids = { 4488, 12152 },
      .nmodules = 15, .modules = { "C:\\src\\src\\src\\client\\windows\\x64\\Release\\crash.exe",
          "C:\\Windows\\System32\\ntdll.dll", "C:\\Windows\\System32\\kernel32.dll" },
      .nmem = 5, .mem_total = 17936,
      .exc = 1, .exc_tid = 4488, .exc_code = 0xc0000005, .exc_addr = 0x7ff738721331 },
    /* asserted thread_count 1; csd_version "ABC123"; misc_pid 123 */
    { .path = "lldb/arm-linux.dmp", .rc = 0, .nstreams = 3,
      .arch = "arm", .os = "linux", .os_version = "ABC123",
      .time = -1, .pid = 123,
      .nthreads = 1, .tids = { 4096 }, .nmodules = 0,
      .nmem = 0, .mem_total = 0, .exc = 0 },
    /* cpu_arch_raw 0x8003 (Breakpad's old arm64 id), platform macOS */
    { .path = "lldb/arm64-macos.dmp", .rc = 0, .nstreams = 3,
      .arch = "aarch64", .os = "macos", .os_version = "15E216",
      .time = -1, .pid = 123,
      .nthreads = 1, .tids = { 4096 }, .nmodules = 0,
      .nmem = 0, .mem_total = 0, .exc = 0 },
    /* asserted lldb_rejects; a 2nd ThreadList replaces LinuxAuxv.  The
     * first ThreadList wins here: 1 thread 157700.  (expected.json's
     * thread_count 32 comes from reading the second one: garbage ids.) */
    { .path = "lldb/bad_duplicate_streams.dmp", .rc = 1, .nstreams = 13,
      .arch = "x86", .os = "linux", .os_version = LINUX_95,
      .time = 1476895959, .pid = NOCHK,
      .nthreads = 1, .tids = { 157700 },
      .nmodules = 10, .modules = { "/tmp/test_32bit/linux-i386", "/tmp/test_32bit/linux-i386",
                                   "/lib/i386-linux-gnu/libgcc_s.so.1" },
      .nmem = 2, .mem_total = 8448,
      .exc = 1, .exc_tid = 157700, .exc_code = 0xb, .exc_addr = 0 },
    /* asserted lldb_rejects: LinuxLsbRelease overlaps ModuleList */
    { .path = "lldb/bad_overlapping_streams.dmp", .rc = 1, .nstreams = 13,
      .arch = "x86", .os = "linux", .os_version = LINUX_95,
      .time = 1476895959, .pid = NOCHK,
      .nthreads = 1, .tids = { 157700 },
      .nmodules = 10, .modules = { "/tmp/test_32bit/linux-i386", "/tmp/test_32bit/linux-i386",
                                   "/lib/i386-linux-gnu/libgcc_s.so.1" },
      .nmem = 2, .mem_total = 8448,
      .exc = 1, .exc_tid = 157700, .exc_code = 0xb, .exc_addr = 0 },
    /* asserted pid 4440, thread_count 1, module_count 6, the six module
     * names (lldb prints '/' before the basename; raw names use '\\'),
     * stop description 0xc0000005 */
    { .path = "lldb/fizzbuzz_no_heap.dmp", .rc = 0, .nstreams = 7,
      .arch = "x86", .os = "windows", .os_version = "6.1.7601 Service Pack 1",
      .time = 1442353028, .pid = 4440,
      .nthreads = 1, .tids = { 8992 },
      .nmodules = 6, .modules = {
          "C:\\Users\\amccarth\\Documents\\Visual Studio 2013\\Projects\\fizzbuzz\\Debug\\fizzbuzz.exe",
          "C:\\Windows\\SysWOW64\\ntdll.dll", "C:\\Windows\\SysWOW64\\kernel32.dll",
          "C:\\Windows\\SysWOW64\\KERNELBASE.dll", "C:\\Windows\\System32\\MSVCP120D.dll",
          "C:\\Windows\\System32\\MSVCR120D.dll" },
      .nmem = 2, .mem_total = 2588,
      .exc = 1, .exc_tid = 8992, .exc_code = 0xc0000005, .exc_addr = 0x164d14 },
    { .path = "lldb/linux-i386.dmp", .rc = 0, .nstreams = 13,
      .arch = "x86", .os = "linux", .os_version = LINUX_95,
      .time = 1476895959, .pid = NOCHK,
      .nthreads = 1, .tids = { 157700 },
      .nmodules = 10, .modules = { "/tmp/test_32bit/linux-i386", "/tmp/test_32bit/linux-i386",
                                   "/lib/i386-linux-gnu/libgcc_s.so.1" },
      .nmem = 2, .mem_total = 8448,
      .exc = 1, .exc_tid = 157700, .exc_code = 0xb, .exc_addr = 0 },
    /* asserted pid 29917 (LinuxProcStatus), thread_count 1, SIGSEGV;
     * lldb_module_count 9 is filtered: the raw list has 10 */
    { .path = "lldb/linux-x86_64-lldbnew.dmp", .rc = 0, .nstreams = 13,
      .arch = "x86_64", .os = "linux", .os_version = LINUX_91,
      .time = 1476285824, .pid = 29917,
      .nthreads = 1, .tids = { 29917 },
      .nmodules = 10, .modules = { "/tmp/test/linux-x86_64", "/tmp/test/linux-x86_64",
                                   "/lib/x86_64-linux-gnu/libm-2.19.so" },
      .nmem = 2, .mem_total = 12544,
      .exc = 1, .exc_tid = 29917, .exc_code = 0xb, .exc_addr = 0 },
    /* asserted thread_id 16001, pid_from_LinuxProcStatus 16001 (no
     * MiscInfo), exception_code 11, memory_ranges (see extra checks) */
    { .path = "lldb/linux-x86_64.dmp", .rc = 0, .nstreams = 13,
      .arch = "x86_64", .os = "linux", .os_version = LINUX_91,
      .time = 1470827731, .pid = 16001,
      .nthreads = 1, .tids = { 16001 },
      .nmodules = 8, .modules = { "/usr/local/google/home/dvlahovski/projects/test_breakpad/a.out",
          "/lib/x86_64-linux-gnu/libm-2.19.so", "/lib/x86_64-linux-gnu/libc-2.19.so" },
      .nmem = 2, .mem_total = 12544,
      .exc = 1, .exc_tid = 16001, .exc_code = 0xb, .exc_addr = 0 },
    /* asserted memory64_regions 0x1000-0x1010, 0x2000-0x2020; misc_pid 123 */
    { .path = "lldb/regions-memlist64.dmp", .rc = 0, .nstreams = 3,
      .arch = "aarch64", .os = "macos", .os_version = "15E216",
      .time = -1, .pid = 123,
      .nthreads = 0, .nmodules = 0,
      .nmem = 2, .mem_total = 48, .exc = 0 },
    /* asserted "Exception 0xc0000005 encountered at address 0x7ff7a13110d9" */
    { .path = "lldb/sigsegv.dmp", .rc = 0, .nstreams = 8,
      .arch = "x86_64", .os = "windows", .os_version = "10.0.16299",
      .time = 1544217486, .pid = 13052,
      .nthreads = 1, .tids = { 10860 },
      .nmodules = 4, .modules = { "C:\\temp\\sigsegv.exe", "C:\\Windows\\System32\\ntdll.dll",
                                  "C:\\Windows\\System32\\kernel32.dll" },
      .nmem = 15, .mem_total = 96342,
      .exc = 1, .exc_tid = 10860, .exc_code = 0xc0000005, .exc_addr = 0x7ff7a13110d9 },
    { .path = "rust-minidump/invalid-parameter.dmp", .rc = 0, .nstreams = 10,
      .arch = "x86_64", .os = "windows", .os_version = "10.0.17134",
      .time = 1537549246, .pid = 6256,
      .nthreads = 6, .tids = { 5896, 4944, 14112, 11744, 12044, 13188 },
      .nmodules = 31, .modules = { "c:\\build\\CrashTest\\x64\\Debug\\CrashTest.exe",
          "C:\\Windows\\System32\\ntdll.dll", "C:\\Windows\\System32\\kernel32.dll" },
      .nmem = 10, .mem_total = 25568,
      .exc = 1, .exc_tid = 5896, .exc_code = 0xc000000d, .exc_addr = 0 },
    /* asserted header_parses; streams run past EOF (structural_problems) */
    { .path = "rust-minidump/invalid-range.dmp", .rc = 1,
      .arch = NULL, .os = NULL, .os_version = NULL,
      .time = 67108941, .pid = NOCHK, .nthreads = NOCHK_N, .nmodules = NOCHK_N,
      .nmem = NOCHK_N, .exc = -1 },
    { .path = "rust-minidump/invalid-record-count.dmp", .rc = 1,
      .arch = NULL, .os = NULL, .os_version = NULL,
      .time = 1294053360, .pid = NOCHK, .nthreads = NOCHK_N, .nmodules = NOCHK_N,
      .nmem = NOCHK_N, .exc = -1 },
    /* asserted os_version "4.9.60-linuxkit-aufs" and os_build "#1 SMP Mon
     * Nov 6 16:00:12 UTC 2017" (both inside the CSD), crash_address 0x45,
     * crashing thread tid 1304, the 8 module basenames (extra checks) */
    { .path = "rust-minidump/linux-mini.dmp", .rc = 0, .nstreams = 14,
      .arch = "x86_64", .os = "linux",
      .os_version = "Linux 4.9.60-linuxkit-aufs #1 SMP Mon Nov 6 16:00:12 UTC 2017 x86_64",
      .time = 1522061032, .pid = NOCHK,
      .nthreads = 1, .tids = { 1304 },
      .nmodules = 8, .modules = { "/work/linux/build/crash", "/lib/x86_64-linux-gnu/libm-2.23.so",
                                  "/lib/x86_64-linux-gnu/libc-2.23.so" },
      .nmem = 2, .mem_total = 12544,
      .exc = 1, .exc_tid = 1304, .exc_code = 0xb, .exc_addr = 0x45 },
    { .path = "rust-minidump/simple-crashpad.dmp", .rc = 0, .nstreams = 7,
      .arch = "x86_64", .os = "macos", .os_version = "10.15.7 19H114",
      .time = 1608319181, .pid = 56685,
      .nthreads = 1, .tids = { 927532 },
      .nmodules = 40, .modules = { "/Users/ted/src/crashy", "/usr/lib/libSystem.B.dylib",
                                   "/usr/lib/system/libcache.dylib" },
      .nmem = 1, .mem_total = 5392,
      .exc = 1, .exc_tid = 927532, .exc_code = 0, .exc_addr = 0x7fff6f41333a },
    /* asserted timestamp 1521713398, os version 10.12.6, thread_ids [775],
     * module_count 43, main_module, crash_address 69 (= 0x45) */
    { .path = "symbolic/macos-mini.dmp", .rc = 0, .nstreams = 7,
      .arch = "x86_64", .os = "macos", .os_version = "10.12.6 16G29",
      .time = 1521713398, .pid = 2984,
      .nthreads = 1, .tids = { 775 },
      .nmodules = 43, .modules = { "/Users/travis/build/getsentry/breakpad-tools/macos/build/./crash",
          "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation",
          "/usr/lib/libc++.1.dylib" },
      .nmem = 2, .mem_total = 4080,
      .exc = 1, .exc_tid = 775, .exc_code = 0x1, .exc_addr = 0x45 },
    /* asserted timestamp 1521713273, os version 10.0.14393, thread_ids
     * [1636, 3580, 2600, 2920], module_count 17, main_module */
    { .path = "symbolic/windows-mini.dmp", .rc = 0, .nstreams = 9,
      .arch = "x86", .os = "windows", .os_version = "10.0.14393",
      .time = 1521713273, .pid = 1928,
      .nthreads = 4, .tids = { 1636, 3580, 2600, 2920 },
      .nmodules = 17, .modules = { "C:\\projects\\breakpad-tools\\windows\\Release\\crash.exe",
          "C:\\Windows\\System32\\ntdll.dll", "C:\\Windows\\System32\\kernel32.dll" },
      .nmem = 8, .mem_total = 12204,
      .exc = 1, .exc_tid = 1636, .exc_code = 0xc0000005, .exc_addr = 0x2a2a3d },
    /* asserted modules_include /lib64/ld-2.23.so, /lib64/libc-2.23.so,
     * /usr/local/bin/abort (extra checks) */
    { .path = "tast/abort.20180103.145440.12345.20827.dmp", .rc = 0, .nstreams = 13,
      .arch = "x86_64", .os = "linux",
      .os_version = "Linux 3.8.11 #1 SMP Wed Dec 20 17:00:59 PST 2017 x86_64",
      .time = 1515020080, .pid = NOCHK,
      .nthreads = 1, .tids = { 20827 },
      .nmodules = 5, .modules = { "/usr/local/bin/abort", "/usr/local/bin/abort",
                                  "/lib64/libc-2.23.so" },
      .nmem = 1, .mem_total = 12288,
      .exc = 1, .exc_tid = 20827, .exc_code = 0x6, .exc_addr = 0 },
    { .path = "tast/chrome.20210706.000145.15087.8090.dmp", .rc = 0, .nstreams = 7,
      .arch = "x86_64", .os = "linux",
      .os_version = "4.14.238 -18029-g3bb59fee806c #1 SMP PREEMPT Sun Jul 4 03:46:40 PDT 2021 x86_64",
      .time = 1625497305, .pid = 8090,
      .nthreads = 18, .tids = { 8090, 8097, 8098, 8099, 8100, 8101, 8109, 8110 },
      .nmodules = 43, .modules = { "/opt/google/chrome/chrome", "linux-vdso.so.1", "libdl.so.2" },
      .nmem = 18, .mem_total = 79712,
      .exc = 1, .exc_tid = 8090, .exc_code = 0xb, .exc_addr = 0 },
};

#define NCORPUS (sizeof corpus / sizeof corpus[0])

static void check_expect(const md_expect *e, const ds_dump *d, int rc)
{
    char n[256];
#define NM(...) (fmt(n, sizeof n, __VA_ARGS__), n)
    CHECK_EQ_U64(NM("%s: rc", e->path), (uint64_t)(int64_t)e->rc, (uint64_t)(int64_t)rc);
    CHECK(NM("%s: format minidump", e->path), d->format == DS_FMT_MINIDUMP);
    if (e->rc == 1)
        CHECK(NM("%s: problems recorded", e->path), d->nproblems > 0);
    else
        CHECK_EQ_U64(NM("%s: no problems", e->path), 0, d->nproblems);
    if (e->nstreams) {
        size_t k = 0;
        for (size_t i = 0; i < d->nregions; i++)
            k += d->regions[i].label && !strncmp(d->regions[i].label, "[stream:", 8);
        CHECK_EQ_U64(NM("%s: stream count (labelled streams)", e->path), e->nstreams, k);
    }
    if (e->arch)
        CHECK(NM("%s: arch %s (got %s)", e->path, e->arch, d->arch), !strcmp(d->arch, e->arch));
    if (e->os)
        CHECK(NM("%s: os %s", e->path, e->os), d->os && !strcmp(d->os, e->os));
    if (e->os_version)
        CHECK(NM("%s: os_version '%s' (got '%s')", e->path, e->os_version,
                 d->os_version ? d->os_version : "(null)"),
              d->os_version && !strcmp(d->os_version, e->os_version));
    if (e->time != NOCHK)
        CHECK_EQ_U64(NM("%s: time_date_stamp", e->path), (uint64_t)e->time, (uint64_t)d->time);
    if (e->pid != NOCHK)
        CHECK_EQ_U64(NM("%s: pid", e->path), (uint64_t)e->pid, (uint64_t)d->pid);
    if (e->nthreads != NOCHK_N) {
        CHECK_EQ_U64(NM("%s: thread count", e->path), e->nthreads, d->nthreads);
        for (size_t i = 0; i < e->nthreads && i < MAXT && i < d->nthreads; i++)
            CHECK_EQ_U64(NM("%s: thread %zu id", e->path, i), e->tids[i], d->threads[i].tid);
    }
    if (e->nmodules != NOCHK_N) {
        CHECK_EQ_U64(NM("%s: module count", e->path), e->nmodules, d->nmodules);
        for (size_t i = 0; i < MAXM && e->modules[i] && i < d->nmodules; i++)
            CHECK(NM("%s: module %zu name %s", e->path, i, e->modules[i]),
                  !strcmp(d->modules[i].name, e->modules[i]));
        if (e->nmodules > 0 && d->nmodules > 0)   /* main executable = first module */
            CHECK(NM("%s: process_name", e->path), d->process_name &&
                  !strcmp(d->process_name, base_name(e->modules[0])));
    }
    if (e->nmem != NOCHK_N) {
        /* Every stack aliases a MemoryList range in this corpus, so the
         * memory regions are exactly the list's ranges: no duplicates. */
        size_t nmem = 0;
        uint64_t total = 0;
        for (size_t i = 0; i < d->nregions; i++)
            if (d->regions[i].has_vaddr) {
                nmem++;
                total += d->regions[i].mem_size;
            }
        CHECK_EQ_U64(NM("%s: memory range count", e->path), e->nmem, nmem);
        CHECK_EQ_U64(NM("%s: memory total bytes", e->path), e->mem_total, total);
    }
    if (e->exc >= 0) {
        CHECK_EQ_U64(NM("%s: has exception", e->path), (uint64_t)e->exc, (uint64_t)d->has_exception);
        size_t crashed = 0;
        for (size_t i = 0; i < d->nthreads; i++)
            crashed += d->threads[i].crashed != 0;
        CHECK_EQ_U64(NM("%s: crashed threads", e->path), (uint64_t)e->exc, crashed);
    }
    if (e->exc == 1) {
        const ds_thread *t = find_thread(d, e->exc_tid);
        CHECK(NM("%s: exception thread %" PRIu64 " crashed", e->path, e->exc_tid), t && t->crashed);
        CHECK_EQ_U64(NM("%s: exception code", e->path), e->exc_code, d->exception_code);
        CHECK_EQ_U64(NM("%s: exception address", e->path), e->exc_addr, d->exception_address);
        if (e->os && !strcmp(e->os, "linux"))
            CHECK_EQ_U64(NM("%s: crash signal", e->path), e->exc_code, (uint64_t)d->crash_signal);
    }
    /* Every stack is labelled, and every thread's stack bytes are mapped. */
    for (size_t i = 0; i < d->nthreads; i++) {
        const ds_thread *t = &d->threads[i];
        if (!t->stack_size)
            continue;
        const ds_region *r = mem_region_at(d, t->stack_vaddr);
        char want[48];
        fmt(want, sizeof want, "[stack:%" PRIu64 "]", t->tid);
        CHECK(NM("%s: stack of %" PRIu64 " labelled", e->path, t->tid),
              r && r->label && !strcmp(r->label, want) && r->vaddr == t->stack_vaddr);
    }
#undef NM
}

/* A u64 of process memory at vaddr through the model. */
static int read_vaddr(const ds_dump *d, const uint8_t *buf, size_t len,
                      uint64_t vaddr, size_t n, uint8_t *out)
{
    uint64_t off;
    if (ds_dump_vaddr_to_off(d, vaddr, &off) < 0 || off > len || n > len - off)
        return -1;
    memcpy(out, buf + off, n);
    return 0;
}

static int region_is(const ds_dump *d, uint64_t vaddr, uint64_t size)
{
    const ds_region *r = mem_region_at(d, vaddr);
    return r && r->vaddr == vaddr && r->mem_size == size && r->file_size == size;
}

/* Facts that do not fit the table. */
static void check_extra(const char *path, const ds_dump *d, const uint8_t *buf, size_t len)
{
    uint8_t v[16];
    const ds_thread *t;

    if (!strcmp(path, "breakpad/minidump2.dmp")) {
        /* asserted module_base_0x400000 = c:\test_app.exe; module0 size
         * 0x2d000; module12 base 0x76bf0000 size 0xb000 psapi.dll */
        CHECK("minidump2: module0 base/size", d->nmodules == 13 &&
              d->modules[0].base == 0x400000 && d->modules[0].size == 0x2d000);
        CHECK("minidump2: module12 base/size", d->nmodules == 13 &&
              d->modules[12].base == 0x76bf0000 && d->modules[12].size == 0xb000);
        /* asserted memory_list: 0x7c90eb14+0x100, 0x12f31c+0xce4, 0x97f6e8+0x918 */
        CHECK("minidump2: memory range 0x7c90eb14", region_is(d, 0x7c90eb14, 0x100));
        CHECK("minidump2: memory range 0x12f31c", region_is(d, 0x12f31c, 0xce4));
        CHECK("minidump2: memory range 0x97f6e8", region_is(d, 0x97f6e8, 0x918));
        /* asserted exception_context_ip_sp: eip 0x40429e esp 0x12fe84 */
        t = find_thread(d, 3060);
        CHECK("minidump2: crashed thread pc (exception context eip)", t && t->pc == 0x40429e);
        CHECK("minidump2: crashed thread sp (exception context esp)", t && t->sp == 0x12fe84);
        /* asserted thread0_stack_u64_at_0x12f31c and _at_0x12fff8 */
        CHECK("minidump2: stack u64 at 0x12f31c",
              read_vaddr(d, buf, len, 0x12f31c, 8, v) == 0 && le64(v) == 0x7c90e9c000000000ull);
        CHECK("minidump2: stack u64 at 0x12fff8",
              read_vaddr(d, buf, len, 0x12fff8, 8, v) == 0 && le64(v) == 0x405443);
        t = find_thread(d, 4544);
        CHECK("minidump2: dump thread 0x11c0 not crashed", t && !t->crashed);
        /* asserted stream_types_in_order 3 4 5 6 7 0xf 0x47670001 (+2 unused) */
        static const char *const st[] = { "ThreadList", "ModuleList", "MemoryList",
            "Exception", "SystemInfo", "MiscInfo", "BreakpadInfo" };
        int all = 1;
        for (size_t k = 0; k < 7; k++) {
            char want[40];
            int found = 0;
            fmt(want, sizeof want, "[stream:%s]", st[k]);
            for (size_t i = 0; i < d->nregions; i++)
                found |= d->regions[i].label && !strcmp(d->regions[i].label, want);
            all &= found;
        }
        CHECK("minidump2: the 7 stream types labelled", all);
    } else if (!strcmp(path, "lldb/linux-x86_64.dmp")) {
        /* asserted memory_ranges 0x401d46+256, 0x7ffceb34a000+12288 */
        CHECK("linux-x86_64: range 0x401d46+256", region_is(d, 0x401d46, 256));
        CHECK("linux-x86_64: range 0x7ffceb34a000+12288", region_is(d, 0x7ffceb34a000, 12288));
        /* asserted no_memory_at 0x0 0x2a 0x401e46 0x7ffceb34d000 0x500000 */
        static const uint64_t none[] = { 0x0, 0x2a, 0x401e46, 0x7ffceb34d000, 0x500000 };
        int ok = 1;
        for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
            ok &= read_vaddr(d, buf, len, none[i], 1, v) < 0;
        CHECK("linux-x86_64: no memory at the 5 asserted addresses", ok);
        /* asserted registers rip 0x401dc6 rsp 0x7ffceb34a210 */
        t = find_thread(d, 16001);
        CHECK("linux-x86_64: rip", t && t->pc == 0x401dc6);
        CHECK("linux-x86_64: rsp", t && t->sp == 0x7ffceb34a210);
        CHECK("linux-x86_64: thread signal SIGSEGV", t && t->signal == 11);
        /* LinuxMaps: the code range gets the executable's path and r-x */
        const ds_region *r = mem_region_at(d, 0x401d46);
        CHECK("linux-x86_64: maps label on code range", r && r->label &&
              strstr(r->label, "test_breakpad/a.out"));
        CHECK("linux-x86_64: maps perms r-x on code range", r && r->perms == (DS_PERM_R | DS_PERM_X));
        r = mem_region_at(d, 0x7ffceb34a000);
        CHECK("linux-x86_64: maps perms rw- on stack", r && r->perms == (DS_PERM_R | DS_PERM_W));
        CHECK("linux-x86_64: cmdline", d->cmdline && !strcmp(d->cmdline, "./a.out"));
    } else if (!strcmp(path, "lldb/linux-i386.dmp")) {
        /* asserted registers esp 0xff9dd52c eip 0x080482a0 */
        t = find_thread(d, 157700);
        CHECK("linux-i386: esp", t && t->sp == 0xff9dd52c);
        CHECK("linux-i386: eip", t && t->pc == 0x080482a0);
        CHECK("linux-i386: word size 4", d->word_size == 4);
    } else if (!strcmp(path, "lldb/arm-linux.dmp")) {
        /* asserted registers sp 0x0e pc 0x10 */
        t = find_thread(d, 4096);
        CHECK("arm-linux: sp", t && t->sp == 0xe);
        CHECK("arm-linux: pc", t && t->pc == 0x10);
    } else if (!strcmp(path, "lldb/arm64-macos.dmp")) {
        /* asserted pc 0x1000; x{i} = (i+1) | (i+2)<<32 | (i+3)<<48 for
         * i in 0..31, sp being x31: 32 | 33<<32 | 34<<48 */
        t = find_thread(d, 4096);
        CHECK("arm64-macos: pc", t && t->pc == 0x1000);
        CHECK("arm64-macos: sp (x31)", t && t->sp == (32ull | 33ull << 32 | 34ull << 48));
    } else if (!strcmp(path, "lldb/regions-memlist64.dmp")) {
        /* asserted memory64_regions; bytes contiguous from BaseRva 0xd4 */
        const ds_region *r1 = mem_region_at(d, 0x1000), *r2 = mem_region_at(d, 0x2000);
        CHECK("memlist64: region 0x1000-0x1010 at BaseRva", r1 && r1->vaddr == 0x1000 &&
              r1->mem_size == 0x10 && r1->file_off == 0xd4 && r1->file_size == 0x10);
        CHECK("memlist64: region 0x2000-0x2020 after it", r2 && r2->vaddr == 0x2000 &&
              r2->mem_size == 0x20 && r2->file_off == 0xe4 && r2->file_size == 0x20);
        CHECK("memlist64: gap unmapped", !mem_region_at(d, 0x1010) && !mem_region_at(d, 0x2020));
    } else if (!strcmp(path, "lldb/sigsegv.dmp")) {
        /* asserted: the code bytes at the pc are in the dump and
         * disassemble to "movl $0x0, 0x0": C7 04 25 <disp32 0> <imm32 0> */
        static const uint8_t insn[] = { 0xc7, 0x04, 0x25, 0, 0, 0, 0, 0, 0, 0, 0 };
        CHECK("sigsegv: instruction at pc", read_vaddr(d, buf, len, 0x7ff7a13110d9,
              sizeof insn, v) == 0 && !memcmp(v, insn, sizeof insn));
        t = find_thread(d, 10860);
        CHECK("sigsegv: pc is the exception address", t && t->pc == 0x7ff7a13110d9);
    } else if (!strcmp(path, "rust-minidump/linux-mini.dmp")) {
        static const char *const names[] = { "crash", "libm-2.23.so", "libc-2.23.so",
            "libgcc_s.so.1", "libstdc++.so.6.0.21", "libpthread-2.23.so", "ld-2.23.so",
            "linux-gate.so" };
        int ok = d->nmodules == 8;
        for (size_t i = 0; ok && i < 8; i++)
            ok = !strcmp(base_name(d->modules[i].name), names[i]);
        CHECK("linux-mini: 8 module basenames in order (asserted)", ok);
        CHECK("linux-mini: os_version holds 4.9.60-linuxkit-aufs (asserted)",
              d->os_version && strstr(d->os_version, "4.9.60-linuxkit-aufs"));
        CHECK("linux-mini: os_version holds the build (asserted)",
              d->os_version && strstr(d->os_version, "#1 SMP Mon Nov 6 16:00:12 UTC 2017"));
    } else if (!strcmp(path, "tast/abort.20180103.145440.12345.20827.dmp")) {
        static const char *const want[] = { "/lib64/ld-2.23.so", "/lib64/libc-2.23.so",
                                            "/usr/local/bin/abort" };
        for (size_t w = 0; w < 3; w++) {
            int found = 0;
            for (size_t i = 0; i < d->nmodules; i++)
                found |= !strcmp(d->modules[i].name, want[w]);
            char n[96];
            fmt(n, sizeof n, "abort: module %s present (asserted)", want[w]);
            CHECK(n, found);
        }
    } else if (!strcmp(path, "breakpad/tiny-exe-with-cet-xsave.dmp")) {
        /* 557 MemoryInfoList entries give every range permissions */
        size_t with = 0, mem = 0;
        for (size_t i = 0; i < d->nregions; i++)
            if (d->regions[i].has_vaddr) {
                mem++;
                with += d->regions[i].perms != 0;
            }
        CHECK("tiny-exe: MemoryInfoList perms on every range", mem == 65 && with == mem);
        const ds_region *r = mem_region_at(d, 0xcbc82f8000);
        CHECK("tiny-exe: stack range is rw-", r && r->perms == (DS_PERM_R | DS_PERM_W));
    } else if (!strcmp(path, "lldb/bad_duplicate_streams.dmp")) {
        CHECK("bad_duplicate: problem names the second ThreadList",
              has_problem(d, "second ThreadList"));
    } else if (!strcmp(path, "lldb/bad_overlapping_streams.dmp")) {
        CHECK("bad_overlapping: problem says overlap", has_problem(d, "overlaps"));
    } else if (!strcmp(path, "rust-minidump/invalid-range.dmp")) {
        CHECK("invalid-range: streams beyond EOF reported", has_problem(d, "beyond the end"));
        CHECK("invalid-range: truncated", d->truncated);
    } else if (!strcmp(path, "rust-minidump/invalid-record-count.dmp")) {
        CHECK("invalid-record-count: streams beyond EOF reported", has_problem(d, "beyond the end"));
        CHECK("invalid-record-count: truncated", d->truncated);
    }
}

/* ---------------------------------- 2. truncation and hostile mutations */

/* The directory of the original file, read independently of the reader. */
typedef struct {
    uint32_t type, size, rva;
} dirent_t;

static size_t read_dir(const uint8_t *b, size_t n, dirent_t *out, size_t max)
{
    if (n < 32)
        return 0;
    uint32_t cnt = le32(b + 8), rva = le32(b + 12);
    size_t k = 0;
    for (uint32_t i = 0; i < cnt && k < max; i++) {
        uint64_t o = (uint64_t)rva + 12ull * i;
        if (o + 12 > n)
            break;
        out[k++] = (dirent_t){ le32(b + o), le32(b + o + 4), le32(b + o + 8) };
    }
    return k;
}

static const dirent_t *find_dirent(const dirent_t *de, size_t n, uint32_t type, size_t blen)
{
    for (size_t i = 0; i < n; i++)
        if (de[i].type == type && de[i].rva <= blen && de[i].size <= blen - de[i].rva)
            return &de[i];
    return NULL;
}

/* Offset of the first entry of a list stream (count padded to 8 or not). */
static uint32_t list_entries(const uint8_t *b, const dirent_t *s, uint32_t esz, uint32_t *count)
{
    *count = le32(b + s->rva);
    if ((uint64_t)s->size == 8 + (uint64_t)*count * esz)
        return s->rva + 8;
    return s->rva + 4;
}

/* Where the reader says the last structural byte is (full parse). */
static uint64_t structure_end(const ds_dump *d)
{
    uint64_t end = 0;
    for (size_t i = 0; i < d->nregions; i++) {
        const ds_region *r = &d->regions[i];
        if (r->file_size && r->file_off + r->file_size > end)
            end = r->file_off + r->file_size;
    }
    return end;
}

typedef struct {
    size_t runs, bad;
    const char *why;
    size_t where;
} tally;

static void run_one(tally *t, const uint8_t *buf, size_t len, uint64_t total,
                    int want_rc, int want_trunc, size_t where)
{
    ds_dump d;
    uint8_t *c = copy_exact(buf, len);
    int rc = read_md(c, len, total, &d);
    const char *why = NULL;

    t->runs++;
    if (len < 4 || le32(c) != 0x504D444D) {
        if (rc != -1)
            why = "non-MDMP input not refused";
    } else if (!model_ok(&d, rc, total ? total : len, &why)) {
        /* why set */
    } else if (want_rc >= 0 && rc != want_rc) {
        why = want_rc ? "expected rc 1" : "expected rc 0";
    } else if (want_trunc >= 0 && d.truncated != want_trunc) {
        why = want_trunc ? "expected truncated" : "unexpected truncated";
    }
    if (why && !t->bad++) {
        t->why = why;
        t->where = where;
    }
    if (rc >= 0)
        ds_dump_free(&d);
    free(c);
}

static void report(const char *what, const char *path, const tally *t)
{
    char n[256];
    if (t->bad)
        fmt(n, sizeof n, "%s %s: %zu of %zu runs (first at %zu: %s)", what, path,
                 t->bad, t->runs, t->where, t->why);
    else
        fmt(n, sizeof n, "%s %s (%zu runs)", what, path, t->runs);
    CHECK(n, t->bad == 0);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * Cut the file at 1/64 steps and around the header, the directory and
 * every stream.  As a file of that size (total 0): below the end of the
 * structure the reader must say partial and truncated.  As a streaming
 * prefix (total = the real size): never truncated, never crashing.
 */
static void test_truncation(const char *path, const uint8_t *b, size_t n)
{
    dirent_t de[64];
    size_t nde = read_dir(b, n, de, 64);
    size_t cuts[64 + 16 + 64 * 6], nc = 0;
    ds_dump d;

    uint8_t *c = copy_exact(b, n);
    read_md(c, n, 0, &d);
    uint64_t send = structure_end(&d);
    int whole_trunc = d.truncated;   /* a prefix of an intact file never is */
    ds_dump_free(&d);
    free(c);

    for (size_t k = 0; k < 64; k++)
        cuts[nc++] = n * k / 64;
    static const size_t head[] = { 1, 3, 4, 5, 8, 12, 16, 20, 31, 32, 33 };
    for (size_t k = 0; k < sizeof head / sizeof head[0]; k++)
        cuts[nc++] = head[k];
    uint32_t drva = n >= 16 ? le32(b + 12) : 0;
    cuts[nc++] = drva + 1;
    cuts[nc++] = drva + 12 * nde - 1;
    for (size_t i = 0; i < nde; i++) {
        uint64_t s = de[i].rva, e = (uint64_t)de[i].rva + de[i].size;
        uint64_t pts[6] = { s - 1, s, s + 1, e - 1, e, s + de[i].size / 2 };
        for (int k = 0; k < 6; k++)
            cuts[nc++] = (size_t)pts[k];
    }
    qsort(cuts, nc, sizeof cuts[0], cmp_size);

    tally file = { 0 }, stream = { 0 };
    uint64_t dend = (uint64_t)drva + 12 * (uint64_t)nde;
    if (dend < 32)
        dend = 32;
    for (size_t i = 0; i < nc; i++) {
        if (cuts[i] >= n || (i > 0 && cuts[i] == cuts[i - 1]))
            continue;
        run_one(&file, b, cuts[i], 0, cuts[i] < send ? 1 : -1, cuts[i] < send ? 1 : -1, cuts[i]);
        run_one(&stream, b, cuts[i], n, cuts[i] < dend ? 1 : -1, whole_trunc ? -1 : 0, cuts[i]);
    }
    report("truncated file", path, &file);
    report("streaming prefix", path, &stream);
}

/* Run one mutation of the file; the caller patched m. */
static void mutate_run(tally *t, const uint8_t *m, size_t n, int want_rc, size_t id)
{
    run_one(t, m, n, 0, want_rc, -1, id);
}

/*
 * Hostile values in each field the reader trusts: counts, sizes, RVAs,
 * string lengths, overlapping and duplicate streams, then random bytes.
 */
static void test_mutations(const char *path, const uint8_t *b, size_t n)
{
    dirent_t de[64];
    size_t nde = read_dir(b, n, de, 64), id = 0;
    uint8_t *m = copy_exact(b, n);
    tally t = { 0 }, rnd = { 0 };
    uint32_t drva = le32(b + 12);

#define RESET() memcpy(m, b, n)
    RESET(); put32(m + 8, 0xFFFFFFFF); mutate_run(&t, m, n, 1, id++);      /* NumberOfStreams */
    RESET(); put32(m + 12, (uint32_t)n); mutate_run(&t, m, n, 1, id++);    /* directory at EOF */
    RESET(); put32(m + 12, 0xFFFFFFFF); mutate_run(&t, m, n, 1, id++);
    RESET(); put32(m + 4, 0x0000A792); mutate_run(&t, m, n, 1, id++);      /* version low word */
    for (size_t i = 0; i < nde; i++) {
        uint8_t *e = m + drva + 12 * i;
        if (de[i].type == 0)
            continue;
        RESET(); put32(e + 4, 0xFFFFFFFF); mutate_run(&t, m, n, 1, id++);  /* DataSize */
        RESET(); put32(e + 8, 0xFFFFFFF0); mutate_run(&t, m, n, 1, id++);  /* Rva */
        RESET(); put32(e + 8, (uint32_t)n - 1); mutate_run(&t, m, n, de[i].size > 1 ? 1 : -1, id++);
        for (size_t j = 0; j < nde; j++) {   /* overlap with the next real stream */
            if (j == i || de[j].type == 0 || !de[j].size || !de[i].size)
                continue;
            RESET(); put32(e + 8, de[j].rva); mutate_run(&t, m, n, 1, id++);
            break;
        }
        static const uint32_t parsed[] = { 3, 4, 5, 6, 7, 9, 15 };
        for (size_t k = 0; k < sizeof parsed / sizeof parsed[0]; k++) {   /* duplicate */
            const dirent_t *o = find_dirent(de, nde, parsed[k], n);
            if (!o || o == &de[i])
                continue;
            RESET(); put32(e, parsed[k]); mutate_run(&t, m, n, 1, id++);
            break;
        }
    }
    /* List counts: huge (must be bounded by the stream) and zero. */
    static const struct { uint32_t type, esz; } lists[] = { { 3, 48 }, { 4, 108 }, { 5, 16 } };
    for (size_t k = 0; k < 3; k++) {
        const dirent_t *s = find_dirent(de, nde, lists[k].type, n);
        if (!s || s->size < 4)
            continue;
        RESET(); put32(m + s->rva, 0xFFFFFFFF); mutate_run(&t, m, n, 1, id++);
        RESET(); put32(m + s->rva, 0); mutate_run(&t, m, n, -1, id++);
    }
    const dirent_t *s = find_dirent(de, nde, 9, n);   /* Memory64List */
    if (s && s->size >= 16) {
        RESET(); put64(m + s->rva, 1ull << 63); mutate_run(&t, m, n, 1, id++);
        RESET(); put64(m + s->rva + 8, n + 1); mutate_run(&t, m, n, 1, id++);
        RESET(); put64(m + s->rva + 8, UINT64_MAX - 8); mutate_run(&t, m, n, 1, id++);
    }
    s = find_dirent(de, nde, 16, n);                  /* MemoryInfoList */
    if (s && s->size >= 16) {
        RESET(); put64(m + s->rva + 8, UINT64_MAX); mutate_run(&t, m, n, 1, id++);
        RESET(); put32(m + s->rva + 4, 0); mutate_run(&t, m, n, 1, id++);
        RESET(); put32(m + s->rva, 0xFFFFFFFF); mutate_run(&t, m, n, 1, id++);
    }
    s = find_dirent(de, nde, 4, n);                   /* module names */
    if (s && s->size >= 4) {
        uint32_t cnt, e0 = list_entries(b, s, 108, &cnt);
        for (uint32_t i = 0; i < cnt && i < 4 && (uint64_t)e0 + 108 * (i + 1) <= n; i++) {
            uint32_t nr = le32(b + e0 + 108 * i + 20);
            RESET(); put32(m + e0 + 108 * i + 20, 0xFFFFFFFF); mutate_run(&t, m, n, 1, id++);
            if ((uint64_t)nr + 4 > n)
                continue;
            uint32_t l = le32(b + nr);
            RESET(); put32(m + nr, 0xFFFFFFF0); mutate_run(&t, m, n, 1, id++);
            RESET(); put32(m + nr, l | 1); mutate_run(&t, m, n, 1, id++);   /* odd length */
        }
    }
    s = find_dirent(de, nde, 3, n);                   /* thread contexts, stacks */
    if (s && s->size >= 4) {
        uint32_t cnt, e0 = list_entries(b, s, 48, &cnt);
        for (uint32_t i = 0; i < cnt && i < 4 && (uint64_t)e0 + 48 * (i + 1) <= n; i++) {
            uint8_t *e = m + e0 + 48 * i;
            const uint8_t *o = b + e0 + 48 * i;
            RESET(); put32(e + 44, 0xFFFFFFF0); mutate_run(&t, m, n, le32(o + 40) ? 1 : -1, id++);
            RESET(); put32(e + 36, 0xFFFFFFF0); mutate_run(&t, m, n, le32(o + 32) ? 1 : -1, id++);
            RESET(); put32(e + 32, 0xFFFFFFFF); mutate_run(&t, m, n, -1, id++);
        }
    }
    s = find_dirent(de, nde, 6, n);                   /* exception context */
    if (s && s->size >= 168) {
        RESET(); put32(m + s->rva + 164, 0xFFFFFFF0);
        mutate_run(&t, m, n, le32(b + s->rva + 160) ? 1 : -1, id++);
    }
    s = find_dirent(de, nde, 7, n);                   /* CSD version string */
    if (s && s->size >= 28 && le32(b + s->rva + 24)) {
        RESET(); put32(m + s->rva + 24, 0xFFFFFFF0); mutate_run(&t, m, n, 1, id++);
    }
    report("mutations", path, &t);

    /* Random bytes in the structures (first 64 KiB), a fixed seed. */
    uint64_t x = 0x9E3779B97F4A7C15ull ^ n;
    size_t span = n < 65536 ? n : 65536;
    for (int it = 0; it < 300; it++) {
        RESET();
        int flips = 1 + (int)(x % 8);
        for (int f = 0; f < flips; f++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            size_t at = (size_t)(x % span);
            if (x & 0x100 && at + 4 <= n)      /* a whole field, often extreme */
                put32(m + at, (x >> 32) & 1 ? 0xFFFFFFFF : (uint32_t)(x >> 20));
            else
                m[at] ^= (uint8_t)(x >> 24 | 1);
        }
        mutate_run(&rnd, m, n, -1, (size_t)it);
    }
    report("random mutations", path, &rnd);
#undef RESET
    free(m);
}

/* ------------------------------------------------- the corpus, end to end */

static const md_expect *lookup(const char *rel)
{
    for (size_t i = 0; i < NCORPUS; i++)
        if (!strcmp(corpus[i].path, rel))
            return &corpus[i];
    return NULL;
}

static void test_file(const char *dir, const char *rel, int *seen)
{
    char full[4096], n[300];
    blob b;
    fmt(full, sizeof full, "%s/%s", dir, rel);
    if (map_file(full, &b) < 0)
        return;
    int mdmp = b.n >= 4 && le32(b.p) == 0x504D444D;
    const md_expect *e = lookup(rel);
    ds_dump d;

    if (!mdmp) {
        /* Not a minidump (ELF cores, gzip, microdump text, crash report). */
        int rc = read_md(b.p, b.n, 0, &d);
        fmt(n, sizeof n, "%s: not MDMP, refused", rel);
        CHECK(n, rc == -1 && d.nregions == 0 && d.format == DS_FMT_RAW);
        if (rc >= 0)
            ds_dump_free(&d);
        unmap_file(&b);
        return;
    }
    fmt(n, sizeof n, "%s: MDMP file has expectations", rel);
    CHECK(n, e != NULL);
    if (e) {
        seen[e - corpus] = 1;
        int rc = read_md(b.p, b.n, 0, &d);
        check_expect(e, &d, rc);
        check_extra(rel, &d, b.p, b.n);
        ds_dump_free(&d);
    }
    test_truncation(rel, b.p, b.n);
    test_mutations(rel, b.p, b.n);
    unmap_file(&b);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void walk(const char *root, const char *sub, int *seen, size_t *files)
{
    char path[4096];
    fmt(path, sizeof path, "%s%s%s", root, *sub ? "/" : "", sub);
    DIR *dir = opendir(path);
    if (!dir)
        return;
    struct dirent *ent;
    char (*names)[256] = malloc(256 * sizeof *names);
    size_t nn = 0;
    if (!names) {
        closedir(dir);
        return;
    }
    while ((ent = readdir(dir)) && nn < 256)
        if (ent->d_name[0] != '.')
            fmt(names[nn++], 256, "%s", ent->d_name);
    closedir(dir);
    qsort(names, nn, sizeof *names, cmp_name);
    for (size_t i = 0; i < nn; i++) {
        char rel[4096], full[4096];
        struct stat st;
        fmt(rel, sizeof rel, "%s%s%s", sub, *sub ? "/" : "", names[i]);
        fmt(full, sizeof full, "%s/%s", root, rel);
        if (stat(full, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            walk(root, rel, seen, files);
        } else if (S_ISREG(st.st_mode) && strcmp(names[i], "expected.json") &&
                   strcmp(names[i], "PROVENANCE.md")) {
            (*files)++;
            test_file(root, rel, seen);
        }
    }
    free(names);
}

/* chrome_crash_report.dmp holds an MDMP cut after 2781 bytes at 0x523. */
static void test_embedded(const char *root)
{
    char full[4096];
    blob b;
    ds_dump d;
    fmt(full, sizeof full, "%s/tast/chrome_crash_report.dmp", root);
    if (map_file(full, &b) < 0)
        return;
    if (b.n >= 0x523 + 2781) {
        uint8_t *c = copy_exact(b.p + 0x523, 2781);
        int rc = read_md(c, 2781, 0, &d);
        CHECK("chrome_crash_report: embedded MDMP read partially", rc == 1 && d.nproblems > 0);
        CHECK("chrome_crash_report: embedded MDMP truncated", rc >= 0 && d.truncated);
        if (rc >= 0)
            ds_dump_free(&d);
        free(c);
    }
    unmap_file(&b);
}

static void test_corpus(void)
{
    const char *shared = getenv("SHARED");
    char root[4096];
    int seen[NCORPUS] = { 0 };
    size_t files = 0;
    fmt(root, sizeof root, "%s/corpus/external", shared ? shared : "../shared");
    struct stat st;
    if (stat(root, &st) < 0) {
        printf("SKIP minidump corpus: %s not found\n", root);
        return;
    }
    walk(root, "", seen, &files);
    for (size_t i = 0; i < NCORPUS; i++) {
        char n[256];
        fmt(n, sizeof n, "%s: present in the corpus", corpus[i].path);
        CHECK(n, seen[i]);
    }
    test_embedded(root);
}

/* ------------------------------------------- 3. synthetic minidumps */

/* A tiny minidump writer: header, directory, then appended streams. */
typedef struct {
    uint8_t *p;
    size_t n, cap;
    uint32_t nstreams, used;
} mb;

static size_t mb_put(mb *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = (b->n + n) * 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            perror("realloc");
            exit(2);
        }
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

static size_t mb_u32(mb *b, uint32_t v)
{
    uint8_t t[4];
    put32(t, v);
    return mb_put(b, t, 4);
}

static size_t mb_u64(mb *b, uint64_t v)
{
    uint8_t t[8];
    put64(t, v);
    return mb_put(b, t, 8);
}

static void mb_begin(mb *b, uint32_t nstreams)
{
    memset(b, 0, sizeof *b);
    b->nstreams = nstreams;
    mb_u32(b, 0x504D444D);
    mb_u32(b, 0xA793);
    mb_u32(b, nstreams);
    mb_u32(b, 32);
    mb_u32(b, 0);
    mb_u32(b, 1700000000);
    mb_u64(b, 0);
    mb_put(b, NULL, 12 * (size_t)nstreams);
}

/* Start stream `type` at the current end; mb_end() sets its size. */
static size_t mb_stream(mb *b, uint32_t type)
{
    size_t e = 32 + 12 * (size_t)b->used++;
    put32(b->p + e, type);
    put32(b->p + e + 8, (uint32_t)b->n);
    return e;
}

static void mb_end(mb *b, size_t e)
{
    put32(b->p + e + 4, (uint32_t)(b->n - le32(b->p + e + 8)));
}

/* A MINIDUMP_STRING of raw UTF-16 units; returns its RVA. */
static uint32_t mb_string16(mb *b, const uint16_t *u, size_t n)
{
    size_t at = mb_u32(b, (uint32_t)(2 * n));
    for (size_t i = 0; i < n; i++) {
        uint8_t t[2] = { (uint8_t)u[i], (uint8_t)(u[i] >> 8) };
        mb_put(b, t, 2);
    }
    mb_put(b, NULL, 2);
    return (uint32_t)at;
}

/* A module list of n modules whose names are at the given RVAs. */
static void mb_modules(mb *b, size_t n, const uint32_t *names)
{
    size_t e = mb_stream(b, 4);
    mb_u32(b, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        uint8_t mod[108] = { 0 };
        put64(mod, 0x10000000ull * (i + 1));
        put32(mod + 8, 0x1000);
        put32(mod + 20, names[i]);
        mb_put(b, mod, sizeof mod);
    }
    mb_end(b, e);
}

static void test_utf16(void)
{
    static const uint16_t pair[] = { 'a', 0xD83D, 0xDE00, 'b' };     /* U+1F600 */
    static const uint16_t lone_hi[] = { 0xD800, 'x' };
    static const uint16_t lone_lo[] = { 'y', 0xDC00 };
    static const uint16_t bmp[] = { 0x00E9, 0x20AC, 0x4E2D };         /* é € 中 */
    static const uint16_t nul[] = { 'a', 'b', 0, 'c', 'd' };
    static const uint16_t hi_end[] = { 'z', 0xDBFF };
    static const char *const want[] = {
        "a\xF0\x9F\x98\x80" "b", "\xEF\xBF\xBDx", "y\xEF\xBF\xBD",
        "\xC3\xA9\xE2\x82\xAC\xE4\xB8\xAD", "ab", "z\xEF\xBF\xBD",
    };
    mb b;
    uint32_t rv[6];
    mb_begin(&b, 1);
    rv[0] = mb_string16(&b, pair, 4);
    rv[1] = mb_string16(&b, lone_hi, 2);
    rv[2] = mb_string16(&b, lone_lo, 2);
    rv[3] = mb_string16(&b, bmp, 3);
    rv[4] = mb_string16(&b, nul, 5);
    rv[5] = mb_string16(&b, hi_end, 2);
    mb_modules(&b, 6, rv);

    ds_dump d;
    int rc = read_md(b.p, b.n, 0, &d);
    CHECK_EQ_U64("utf16: valid names read completely", 0, (uint64_t)rc);
    static const char *const what[] = { "surrogate pair", "lone high surrogate",
        "lone low surrogate", "BMP characters", "U+0000 ends the name",
        "high surrogate at the end" };
    for (size_t i = 0; i < 6; i++) {
        char n[96];
        fmt(n, sizeof n, "utf16: %s", what[i]);
        CHECK(n, d.nmodules == 6 && !strcmp(d.modules[i].name, want[i]));
    }
    ds_dump_free(&d);

    /* An odd byte length: a problem, and the whole units still decoded. */
    put32(b.p + rv[3], 5);
    rc = read_md(b.p, b.n, 0, &d);
    CHECK("utf16: odd length is a problem", rc == 1 && has_problem(&d, "odd length"));
    CHECK("utf16: odd length keeps the whole units", d.nmodules == 6 &&
          !strcmp(d.modules[3].name, "\xC3\xA9\xE2\x82\xAC"));
    ds_dump_free(&d);
    free(b.p);
}

/*
 * Features the corpus lacks: ThreadExList without ThreadList, padded
 * lists, MemoryInfoList permissions, maps labels with [heap], Linux pid
 * and name from /proc status, cmdline, lsb-release as os_version.
 */
static void test_features(void)
{
    mb b;
    mb_begin(&b, 8);
    uint8_t data[0x300];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    size_t mem = mb_put(&b, data, sizeof data);   /* heap 0x100, stack 0x100, code 0x100 */

    size_t e = mb_stream(&b, 7);                  /* SystemInfo: amd64 linux, no CSD */
    uint8_t si[56] = { 0 };
    put32(si, 9);
    put32(si + 20, 0x8201);
    mb_put(&b, si, sizeof si);
    mb_end(&b, e);

    size_t ctx = mb_put(&b, NULL, 1232);          /* CONTEXT_AMD64 with rsp/rip */
    put64(b.p + ctx + 0x98, 0x7ffd00000010);
    put64(b.p + ctx + 0xF8, 0x400123);

    e = mb_stream(&b, 8);                         /* ThreadExList, 1 thread */
    mb_u32(&b, 1);
    uint8_t th[64] = { 0 };
    put32(th, 4242);
    put64(th + 24, 0x7ffd00000000);
    put32(th + 32, 0x100);
    put32(th + 36, (uint32_t)mem + 0x100);
    put32(th + 40, 1232);
    put32(th + 44, (uint32_t)ctx);
    mb_put(&b, th, sizeof th);
    mb_end(&b, e);

    e = mb_stream(&b, 5);                         /* MemoryList, padded count */
    mb_u32(&b, 3);
    mb_u32(&b, 0);
    static const uint64_t va[3] = { 0x1000000, 0x7ffd00000000, 0x400000 };
    for (int i = 0; i < 3; i++) {
        mb_u64(&b, va[i]);
        mb_u32(&b, 0x100);
        mb_u32(&b, (uint32_t)mem + 0x100 * (uint32_t)i);
    }
    mb_end(&b, e);

    e = mb_stream(&b, 16);                        /* MemoryInfoList: heap RW, code RX */
    mb_u32(&b, 16);
    mb_u32(&b, 48);
    mb_u64(&b, 2);
    uint8_t mi[48] = { 0 };
    put64(mi, 0x1000000);
    put64(mi + 24, 0x21000);
    put32(mi + 32, 0x1000);
    put32(mi + 36, 0x04);
    mb_put(&b, mi, 48);
    put64(mi, 0x400000);
    put64(mi + 24, 0x1000);
    put32(mi + 36, 0x20);
    mb_put(&b, mi, 48);
    mb_end(&b, e);

    static const char maps[] =
        "00400000-00401000 r-xp 00000000 08:01 1234       /usr/bin/victim\n"
        "01000000-01021000 rw-p 00000000 00:00 0          [heap]\n"
        "7ffcfffe0000-7ffd00001000 rw-p 00000000 00:00 0  [stack]\n"
        "this line is not a mapping\n";
    e = mb_stream(&b, 0x47670009);
    mb_put(&b, maps, sizeof maps - 1);
    mb_end(&b, e);

    static const char status[] = "Name:\tvictim\nState:\tR\nPid:\t31337\nPPid:\t1\n";
    e = mb_stream(&b, 0x47670004);
    mb_put(&b, status, sizeof status - 1);
    mb_end(&b, e);

    static const char cmd[] = "/usr/bin/victim\0--key\0file\0";
    e = mb_stream(&b, 0x47670006);
    mb_put(&b, cmd, sizeof cmd - 1);
    mb_end(&b, e);

    static const char lsb[] = "DISTRIB_ID=Debian\nDISTRIB_DESCRIPTION=\"Debian 12\"\n";
    e = mb_stream(&b, 0x47670005);
    mb_put(&b, lsb, sizeof lsb - 1);
    mb_end(&b, e);

    ds_dump d;
    int rc = read_md(b.p, b.n, 0, &d);
    CHECK_EQ_U64("features: rc 1 (one bad maps line)", 1, (uint64_t)rc);
    CHECK("features: bad maps line is the only problem", d.nproblems == 1 &&
          has_problem(&d, "LinuxMaps: 1 line"));
    CHECK("features: ThreadExList thread", d.nthreads == 1 && d.threads[0].tid == 4242);
    CHECK("features: amd64 rsp/rip", d.nthreads == 1 && d.threads[0].sp == 0x7ffd00000010 &&
          d.threads[0].pc == 0x400123);
    CHECK_EQ_U64("features: pid from /proc status", 31337, (uint64_t)d.pid);
    CHECK("features: process name from status (no modules)",
          d.process_name && !strcmp(d.process_name, "victim"));
    CHECK("features: cmdline joined", d.cmdline && !strcmp(d.cmdline, "/usr/bin/victim --key file"));
    CHECK("features: lsb-release as os_version", d.os_version && !strcmp(d.os_version, "Debian 12"));
    const ds_region *r = mem_region_at(&d, 0x1000000);
    CHECK("features: heap labelled from maps", r && r->label && !strcmp(r->label, "[heap]"));
    CHECK("features: heap perms from MemoryInfoList", r && r->perms == (DS_PERM_R | DS_PERM_W));
    r = mem_region_at(&d, 0x400000);
    CHECK("features: code labelled with the path", r && r->label && !strcmp(r->label, "/usr/bin/victim"));
    CHECK("features: code perms r-x", r && r->perms == (DS_PERM_R | DS_PERM_X));
    r = mem_region_at(&d, 0x7ffd00000000);
    CHECK("features: stack label beats maps [stack]", r && r->label && !strcmp(r->label, "[stack:4242]"));
    CHECK("features: stack perms unknown (no MemoryInfo entry)", r && r->perms == 0);
    size_t nmem = 0;
    for (size_t i = 0; i < d.nregions; i++)
        nmem += d.regions[i].has_vaddr != 0;
    CHECK_EQ_U64("features: stack aliases its MemoryList range", 3, nmem);
    uint64_t off;
    CHECK("features: heap byte maps to the file", ds_dump_vaddr_to_off(&d, 0x1000010, &off) == 0 &&
          off == mem + 0x10);
    const ds_region *meta = ds_dump_region_at(&d, ctx + 8);
    CHECK("features: context bytes labelled", meta && meta->label &&
          !strcmp(meta->label, "[context:4242]"));
    meta = ds_dump_region_at(&d, 4);
    CHECK("features: header labelled", meta && meta->label && !strcmp(meta->label, "[minidump:header]"));
    ds_dump_free(&d);
    free(b.p);
}

/* Memory64List whose data runs off the end: clipped, reported, truncated. */
static void test_memory64_truncated(void)
{
    mb b;
    mb_begin(&b, 1);
    size_t e = mb_stream(&b, 9);
    mb_u64(&b, 3);
    size_t base = mb_u64(&b, 0);
    static const uint64_t va[3] = { 0x10000, 0x20000, 0x30000 };
    for (int i = 0; i < 3; i++) {
        mb_u64(&b, va[i]);
        mb_u64(&b, 0x1000);
    }
    mb_end(&b, e);
    put64(b.p + base, b.n);
    mb_put(&b, NULL, 0x1800);      /* all of range 0, half of range 1 */

    ds_dump d;
    int rc = read_md(b.p, b.n, 0, &d);
    CHECK("memory64 cut: partial and truncated", rc == 1 && d.truncated &&
          has_problem(&d, "2 memory range(s) extend beyond"));
    const ds_region *r0 = mem_region_at(&d, 0x10000), *r1 = mem_region_at(&d, 0x20000),
                    *r2 = mem_region_at(&d, 0x30000);
    CHECK("memory64 cut: range 0 whole", r0 && r0->file_size == 0x1000);
    CHECK("memory64 cut: range 1 half", r1 && r1->file_size == 0x800 && r1->mem_size == 0x1000);
    CHECK("memory64 cut: range 2 no bytes", r2 && r2->file_size == 0);
    ds_dump_free(&d);

    /* The same file streamed: 200 bytes hold all the structure, and the
     * known total is enough to see the file itself is short. */
    rc = read_md(b.p, 200, b.n, &d);
    CHECK("memory64 streamed: truncation seen from the prefix", rc == 1 && d.truncated);
    r1 = mem_region_at(&d, 0x20000);
    CHECK("memory64 streamed: ranges mapped past the prefix", r1 && r1->file_size == 0x800);
    if (rc >= 0)
        ds_dump_free(&d);
    /* A whole, valid Memory64 file streamed in a prefix: not truncated. */
    mb_put(&b, NULL, 0x1800);
    rc = read_md(b.p, 200, b.n, &d);
    CHECK("memory64 streamed whole file: complete, not truncated", rc == 0 && !d.truncated);
    if (rc >= 0)
        ds_dump_free(&d);
    free(b.p);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Inputs built to make naive readers quadratic: 20000 modules sharing one
 * 32768-character name, 20000 stacks at one address, 40000 streams at one
 * RVA.  Each must finish with problems and quickly (budgets and sorting).
 */
static void test_hostile_scaling(void)
{
    mb b;
    mb_begin(&b, 3);
    uint16_t *longname = malloc(32768 * sizeof *longname);
    for (size_t i = 0; i < 32768; i++)
        longname[i] = 'A' + (uint16_t)(i % 26);
    uint32_t nrva = mb_string16(&b, longname, 32768);
    free(longname);
    size_t nmod = 20000;
    uint32_t *names = malloc(nmod * sizeof *names);
    for (size_t i = 0; i < nmod; i++)
        names[i] = nrva;
    mb_modules(&b, nmod, names);
    free(names);

    size_t mem = mb_put(&b, NULL, 0x100);
    size_t e = mb_stream(&b, 5);                  /* 20000 ranges, one address */
    mb_u32(&b, 20000);
    for (int i = 0; i < 20000; i++) {
        mb_u64(&b, 0x5000);
        mb_u32(&b, 0x100);
        mb_u32(&b, (uint32_t)mem);
    }
    mb_end(&b, e);
    e = mb_stream(&b, 3);                         /* 20000 threads, one stack */
    mb_u32(&b, 20000);
    for (int i = 0; i < 20000; i++) {
        uint8_t th[48] = { 0 };
        put32(th, (uint32_t)i);
        put64(th + 24, 0x5000);
        put32(th + 32, 0x100);
        put32(th + 36, (uint32_t)mem);
        mb_put(&b, th, 48);
    }
    mb_end(&b, e);

    ds_dump d;
    double t0 = now();
    ds_dump_init(&d, b.n);
    int rc = ds_read_minidump(b.p, b.n, 0, &d);
    double dt = now() - t0;
    t0 = now();
    ds_dump_finish(&d);       /* dump.c: not the reader's; timed apart */
    double df = now() - t0;
    CHECK("hostile: shared module name stops at the budget",
          rc == 1 && has_problem(&d, "strings exceed the file size"));
    CHECK_EQ_U64("hostile: every module kept", nmod, d.nmodules);
    CHECK_EQ_U64("hostile: every thread kept", 20000, d.nthreads);
    printf("# hostile shared names/stacks: reader %.2f s, ds_dump_finish %.2f s\n", dt, df);
    CHECK("hostile: names and stacks read in under 5 s", dt < 5.0);
    ds_dump_free(&d);
    free(b.p);

    /* 40000 directory entries all pointing at one 16-byte stream. */
    mb_begin(&b, 40000);
    size_t s = mb_put(&b, NULL, 16);
    for (uint32_t i = 0; i < 40000; i++) {
        put32(b.p + 32 + 12 * i, 0x47670100 + i);
        put32(b.p + 32 + 12 * i + 4, 16);
        put32(b.p + 32 + 12 * i + 8, (uint32_t)s);
    }
    t0 = now();
    rc = read_md(b.p, b.n, 0, &d);
    dt = now() - t0;
    CHECK("hostile: 40000 overlapping streams reported", rc == 1 && has_problem(&d, "overlaps"));
    CHECK("hostile: problems stay bounded", d.nproblems <= 64);
    printf("# hostile overlapping streams: %.2f s\n", dt);
    CHECK("hostile: overlap check in under 10 s", dt < 10.0);
    ds_dump_free(&d);
    free(b.p);
}

static void test_short_inputs(void)
{
    static const uint8_t mdmp[] = { 'M', 'D', 'M', 'P', 0x93, 0xA7, 0, 0 };
    ds_dump d;
    for (size_t n = 0; n < 4; n++) {
        uint8_t *c = copy_exact(mdmp, n);
        int rc = read_md(c, n, 0, &d);
        char name[64];
        fmt(name, sizeof name, "short input %zu bytes refused", n);
        CHECK(name, rc == -1);
        if (rc >= 0)
            ds_dump_free(&d);
        free(c);
    }
    uint8_t *c = copy_exact(mdmp, sizeof mdmp);
    int rc = read_md(c, sizeof mdmp, 0, &d);
    CHECK("MDMP with a cut header is a broken minidump", rc == 1 && d.truncated &&
          has_problem(&d, "header truncated"));
    ds_dump_free(&d);
    free(c);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--probe"))
        return probe(argv[2]);
    if (argc != 1) {
        fprintf(stderr, "usage: %s [--probe FILE]\n", argv[0]);
        return 2;
    }
    test_short_inputs();
    test_utf16();
    test_features();
    test_memory64_truncated();
    test_hostile_scaling();
    test_corpus();
    printf("# %d failure(s)\n", check_failures);
    CHECK_DONE();
}
