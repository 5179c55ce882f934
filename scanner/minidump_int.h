/*
 * minidump_int.h - shared state of the minidump reader (scanner/minidump*.c).
 *
 * Not a public header: only the minidump reader's files include it.  The
 * layouts come from minidumpapiset.h (learn.microsoft.com) and Breakpad's
 * extensions; every offset used is spelled out next to the code using it.
 *
 * Safety rules every file here follows:
 *   - a byte is read only through md_ld16/32/64 after a bounds check against
 *     c->len written as `if (sz > len || off > len - sz)`: no sum that can
 *     overflow, no pointer cast to a struct (UBSan and alignment);
 *   - every count read from the file is bounded by the bytes that can hold
 *     it before anything is looped over or allocated;
 *   - total work stays linear in the file size (strings have a budget,
 *     lookups are sorted arrays + binary search).
 */
#ifndef DS_MINIDUMP_INT_H
#define DS_MINIDUMP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dump.h"

#define MD_SIGNATURE      0x504D444Du   /* "MDMP" little-endian */
#define MD_VERSION_LOW    0xA793u
#define MD_HEADER_SIZE    32u
#define MD_DIRENT_SIZE    12u

/* Stream types we parse (minidumpapiset.h; Breakpad 0x4767xxxx). */
enum {
    MD_UNUSED = 0,
    MD_THREAD_LIST = 3,
    MD_MODULE_LIST = 4,
    MD_MEMORY_LIST = 5,
    MD_EXCEPTION = 6,
    MD_SYSTEM_INFO = 7,
    MD_THREAD_EX_LIST = 8,
    MD_MEMORY64_LIST = 9,
    MD_MISC_INFO = 15,
    MD_MEMORY_INFO_LIST = 16,
    MD_LINUX_CPU_INFO = 0x47670003,
    MD_LINUX_PROC_STATUS = 0x47670004,
    MD_LINUX_LSB_RELEASE = 0x47670005,
    MD_LINUX_CMD_LINE = 0x47670006,
    MD_LINUX_MAPS = 0x47670009
};

/* Index into md_ctx.streams for each stream type parsed; MD_S_COUNT = none. */
enum {
    MD_S_THREAD_LIST, MD_S_MODULE_LIST, MD_S_MEMORY_LIST, MD_S_EXCEPTION,
    MD_S_SYSTEM_INFO, MD_S_THREAD_EX_LIST, MD_S_MEMORY64_LIST, MD_S_MISC_INFO,
    MD_S_MEMORY_INFO_LIST, MD_S_LINUX_PROC_STATUS, MD_S_LINUX_LSB_RELEASE,
    MD_S_LINUX_CMD_LINE, MD_S_LINUX_MAPS, MD_S_COUNT
};

/* One stream as the directory describes it, already clipped. */
typedef struct {
    int present;
    uint32_t rva;        /* offset of the stream in the file */
    uint32_t size;       /* DataSize as written */
    size_t avail;        /* bytes of it inside [0, len): what parsers may read */
} md_stream;

/* Processor families whose CONTEXT we know where to find SP and PC in. */
typedef enum {
    MD_CPU_UNKNOWN = 0, MD_CPU_X86, MD_CPU_AMD64, MD_CPU_ARM, MD_CPU_ARM64
} md_cpu;

typedef struct {
    const uint8_t *buf;
    size_t len;          /* bytes we may read: buf[0 .. len) */
    uint64_t fsize;      /* size of the whole file (>= len) */
    ds_dump *d;
    int failed;          /* ENOMEM: stop adding, report partial */
    int partial;         /* anything could not be read */
    uint64_t str_budget; /* UTF-16 units still allowed to decode */
    int str_exhausted;   /* the budget ran out (reported once) */
    md_stream streams[MD_S_COUNT];
    md_cpu cpu;
    uint32_t platform;   /* MINIDUMP_SYSTEM_INFO.PlatformId, or ~0u */
    int have_perms;      /* MemoryInfoList applied permissions */
    uint64_t label_budget;        /* bytes of labels still allowed to copy */
    struct md_memkey *mem_index;  /* memory ranges sorted by address, */
    size_t nmem_index;            /* built when the first stack is added */
    int mem_indexed;
    char *status_name;   /* "Name:" of LinuxProcStatus, a fallback process name */
} md_ctx;

/* Little-endian loads from unaligned bytes.  Callers have bounds-checked. */
static inline uint16_t md_ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t md_ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t md_ld64(const uint8_t *p)
{
    return (uint64_t)md_ld32(p) | (uint64_t)md_ld32(p + 4) << 32;
}

/* 1 if [off, off+sz) lies inside [0, lim), overflow-safe. */
static inline int md_fits(uint64_t off, uint64_t sz, uint64_t lim)
{
    return !(sz > lim || off > lim - sz);
}

/* minidump.c */
void ds_md_problem_oom(md_ctx *c);
int ds_md_add_meta(md_ctx *c, uint64_t off, uint64_t size, const char *label);
const uint8_t *ds_md_stream(const md_ctx *c, int which, size_t *n);

/* minidump_string.c: MINIDUMP_STRING at rva -> malloc'd UTF-8 (or NULL). */
char *ds_md_string(md_ctx *c, uint32_t rva, const char *what);
char *ds_md_utf16_to_utf8(const uint8_t *p, size_t units);

/* minidump_streams.c: the process-describing streams. */
void ds_md_system_info(md_ctx *c);
void ds_md_misc_info(md_ctx *c);
void ds_md_module_list(md_ctx *c);
void ds_md_thread_list(md_ctx *c);
void ds_md_exception(md_ctx *c);
size_t ds_md_list(md_ctx *c, int which, size_t esz, const char *what,
                  const uint8_t **entries);

/* minidump_memory.c: memory ranges, stacks, permissions. */
void ds_md_memory_free(md_ctx *c);
void ds_md_attach_modules(md_ctx *c);
void ds_md_memory_list(md_ctx *c);
void ds_md_memory64_list(md_ctx *c);
void ds_md_memory_info_list(md_ctx *c);
int ds_md_add_stack(md_ctx *c, const char *label, uint64_t vaddr,
                    uint32_t size, uint32_t rva);

/* minidump_linux.c: Breakpad's Linux text streams. */
void ds_md_linux_maps(md_ctx *c);
void ds_md_linux_proc_status(md_ctx *c);
void ds_md_linux_cmdline(md_ctx *c);
void ds_md_linux_lsb_release(md_ctx *c);

#endif
