/*
 * minidump_memory.c - process memory in a minidump: MemoryList (partial
 * dumps), Memory64List (full dumps), thread stacks, and permissions from
 * MemoryInfoList.
 *
 *   MINIDUMP_MEMORY_LIST: u32 count, MINIDUMP_MEMORY_DESCRIPTOR[] (16 B:
 *     StartOfMemoryRange u64 @0, DataSize u32 @8, Rva u32 @12).
 *   MINIDUMP_MEMORY64_LIST: u64 count @0, u64 BaseRva @8, then
 *     MINIDUMP_MEMORY_DESCRIPTOR64[] (16 B: Start u64, DataSize u64); the
 *     bytes are contiguous from BaseRva in descriptor order.
 *   MINIDUMP_MEMORY_INFO_LIST: SizeOfHeader u32 @0, SizeOfEntry u32 @4,
 *     NumberOfEntries u64 @8; MINIDUMP_MEMORY_INFO (48 B): BaseAddress @0,
 *     RegionSize @24, State @32, Protect @36.
 *
 * Memory ranges become regions with a virtual address; the bytes they
 * claim past the end of the file are clipped (file_size < mem_size) and
 * reported once per stream.
 */
#include "minidump_int.h"

#include <stdlib.h>
#include <string.h>

#define MD_MEMDESC_SIZE   16u
#define MD_MEMINFO_SIZE   48u

/* Sort key of the memory index: a stack is found by address and offset. */
struct md_memkey {
    uint64_t vaddr, file_off;
    size_t region;
};

/*
 * Add one range of process memory.  Returns 1 if the file holds fewer
 * bytes than the range claims, 0 if all, -1 on ENOMEM.
 */
static int add_memory(md_ctx *c, uint64_t vaddr, uint64_t size, uint64_t off,
                      const char *label)
{
    if (size == 0 || c->failed)
        return 0;
    uint64_t have = 0;
    if (off < c->fsize)
        have = size < c->fsize - off ? size : c->fsize - off;
    ds_region r = { .file_off = off, .file_size = have, .vaddr = vaddr,
                    .mem_size = size, .perms = 0, .has_vaddr = 1,
                    .label = (char *)label, .module = -1 };
    if (ds_dump_add_region(c->d, &r) < 0) {
        ds_md_problem_oom(c);
        return -1;
    }
    return have < size;
}

static void report_clipped(md_ctx *c, const char *what, size_t clipped)
{
    if (clipped == 0)
        return;
    ds_dump_problem(c->d, "minidump %s: %zu memory range(s) extend beyond the end of the file",
                    what, clipped);
    c->d->truncated = 1;
    c->partial = 1;
}

void ds_md_memory_list(md_ctx *c)
{
    const uint8_t *e;
    size_t count = ds_md_list(c, MD_S_MEMORY_LIST, MD_MEMDESC_SIZE, "MemoryList", &e);
    size_t clipped = 0;

    for (size_t i = 0; i < count && !c->failed; i++, e += MD_MEMDESC_SIZE)
        if (add_memory(c, md_ld64(e), md_ld32(e + 8), md_ld32(e + 12), NULL) > 0)
            clipped++;
    report_clipped(c, "MemoryList", clipped);
}

void ds_md_memory64_list(md_ctx *c)
{
    const md_stream *s = &c->streams[MD_S_MEMORY64_LIST];
    size_t n;
    const uint8_t *p = ds_md_stream(c, MD_S_MEMORY64_LIST, &n);
    if (!p)
        return;
    if (n < 16) {
        ds_dump_problem(c->d, "minidump Memory64List stream too short (%zu bytes)", n);
        c->partial = 1;
        return;
    }
    /* The u64 count is bounded by the descriptors the stream can hold,
     * so a hostile 2^63 costs nothing. */
    uint64_t count = md_ld64(p), off = md_ld64(p + 8);
    uint64_t declared = s->size >= 16 ? (s->size - 16) / MD_MEMDESC_SIZE : 0;
    uint64_t room = (n - 16) / MD_MEMDESC_SIZE;
    if (count > declared) {
        ds_dump_problem(c->d, "minidump Memory64List claims %llu ranges; its %u bytes hold %llu",
                        (unsigned long long)count, (unsigned)s->size,
                        (unsigned long long)declared);
        c->partial = 1;
    }
    if (count > room)
        count = room;

    size_t clipped = 0;
    const uint8_t *e = p + 16;
    for (uint64_t i = 0; i < count && !c->failed; i++, e += MD_MEMDESC_SIZE) {
        uint64_t vaddr = md_ld64(e), size = md_ld64(e + 8);
        if (size > UINT64_MAX - off) {
            ds_dump_problem(c->d, "minidump Memory64List range %llu overflows the file offset",
                            (unsigned long long)i);
            c->partial = 1;
            break;
        }
        if (add_memory(c, vaddr, size, off, NULL) > 0)
            clipped++;
        off += size;
    }
    report_clipped(c, "Memory64List", clipped);
}

static int cmp_memkey(const void *a, const void *b)
{
    const struct md_memkey *x = a, *y = b;
    if (x->vaddr != y->vaddr)
        return x->vaddr < y->vaddr ? -1 : 1;
    if (x->file_off != y->file_off)
        return x->file_off < y->file_off ? -1 : 1;
    return x->region < y->region ? -1 : x->region > y->region;
}

/* Index the memory ranges read so far (before any stack is added). */
static int index_memory(md_ctx *c)
{
    const ds_dump *d = c->d;
    size_t n = 0;

    c->mem_indexed = 1;
    for (size_t i = 0; i < d->nregions; i++)
        n += d->regions[i].has_vaddr != 0;
    if (n == 0)
        return 0;
    c->mem_index = malloc(n * sizeof *c->mem_index);
    if (!c->mem_index) {
        ds_md_problem_oom(c);
        return -1;
    }
    for (size_t i = 0; i < d->nregions; i++)
        if (d->regions[i].has_vaddr)
            c->mem_index[c->nmem_index++] = (struct md_memkey){
                d->regions[i].vaddr, d->regions[i].file_off, i };
    qsort(c->mem_index, n, sizeof *c->mem_index, cmp_memkey);
    return 0;
}

/*
 * The unlabelled memory range that is exactly these stack bytes, or -1.
 * Writers put each stack in MemoryList too, with the same RVA; labelling
 * that range avoids two regions for the same bytes.
 */
static long find_alias(md_ctx *c, uint64_t vaddr, uint32_t size, uint32_t rva)
{
    size_t lo = 0, hi = c->nmem_index;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct md_memkey *k = &c->mem_index[mid];
        if (k->vaddr < vaddr || (k->vaddr == vaddr && k->file_off < rva))
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Equal keys are rare; look at a few, never at all (hostile files). */
    for (size_t i = lo; i < c->nmem_index && i < lo + 8; i++) {
        const struct md_memkey *k = &c->mem_index[i];
        if (k->vaddr != vaddr || k->file_off != rva)
            break;
        const ds_region *r = &c->d->regions[k->region];
        if (r->mem_size == size && !r->label)
            return (long)k->region;
    }
    return -1;
}

/*
 * A thread's stack (or IA-64 backing store) at vaddr, its bytes at rva:
 * label the MemoryList range holding exactly these bytes, or add a region.
 */
int ds_md_add_stack(md_ctx *c, const char *label, uint64_t vaddr,
                    uint32_t size, uint32_t rva)
{
    if (c->failed || size == 0)
        return 0;
    if (!c->mem_indexed && index_memory(c) < 0)
        return -1;
    long alias = find_alias(c, vaddr, size, rva);
    if (alias >= 0) {
        ds_region *r = &c->d->regions[alias];
        if (ds_dump_set_str(&r->label, label, strlen(label)) < 0) {
            ds_md_problem_oom(c);
            return -1;
        }
        return 0;
    }
    int rc = add_memory(c, vaddr, size, rva, label);
    if (rc > 0) {
        ds_dump_problem(c->d, "minidump %s at 0x%x+0x%x extends beyond the end of the file",
                        label, (unsigned)rva, (unsigned)size);
        c->d->truncated = 1;
        c->partial = 1;
    }
    return rc < 0 ? -1 : 0;
}

void ds_md_memory_free(md_ctx *c)
{
    free(c->mem_index);
    c->mem_index = NULL;
    c->nmem_index = 0;
}

/* PAGE_* protection (low byte; GUARD/NOCACHE modifiers above) to DS_PERM_*. */
static uint32_t protect_perms(uint32_t protect)
{
    static const struct { uint32_t page, perms; } map[] = {
        { 0x02, DS_PERM_R },                          /* PAGE_READONLY */
        { 0x04, DS_PERM_R | DS_PERM_W },              /* PAGE_READWRITE */
        { 0x08, DS_PERM_R | DS_PERM_W },              /* PAGE_WRITECOPY */
        { 0x10, DS_PERM_X },                          /* PAGE_EXECUTE */
        { 0x20, DS_PERM_R | DS_PERM_X },              /* PAGE_EXECUTE_READ */
        { 0x40, DS_PERM_R | DS_PERM_W | DS_PERM_X },  /* PAGE_EXECUTE_READWRITE */
        { 0x80, DS_PERM_R | DS_PERM_W | DS_PERM_X },  /* PAGE_EXECUTE_WRITECOPY */
    };
    uint32_t perms = 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (protect & map[i].page)
            perms |= map[i].perms;
    return perms;
}

struct md_meminfo {
    uint64_t base, size;
    uint32_t perms;
};

static int cmp_meminfo(const void *a, const void *b)
{
    const struct md_meminfo *x = a, *y = b;
    return x->base < y->base ? -1 : x->base > y->base;
}

/* The entry containing addr in the sorted table, or NULL. */
static const struct md_meminfo *meminfo_at(const struct md_meminfo *t, size_t n,
                                           uint64_t addr)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {        /* first entry with base > addr */
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct md_meminfo *m = &t[lo - 1];
    return addr - m->base < m->size ? m : NULL;
}

/* Read the entries; returns how many, or -1 when the stream is unusable. */
static long read_meminfo(md_ctx *c, struct md_meminfo **out)
{
    const md_stream *s = &c->streams[MD_S_MEMORY_INFO_LIST];
    size_t n;
    const uint8_t *p = ds_md_stream(c, MD_S_MEMORY_INFO_LIST, &n);

    *out = NULL;
    if (!p)
        return -1;
    uint32_t hdr = n >= 16 ? md_ld32(p) : 0, esz = n >= 16 ? md_ld32(p + 4) : 0;
    if (hdr < 16 || hdr > s->size || esz < MD_MEMINFO_SIZE) {
        ds_dump_problem(c->d, "minidump MemoryInfoList has a bad header (%u/%u bytes)",
                        (unsigned)hdr, (unsigned)esz);
        c->partial = 1;
        return -1;
    }
    uint64_t count = md_ld64(p + 8);
    uint64_t declared = (s->size - hdr) / esz;
    uint64_t room = n > hdr ? (n - hdr) / esz : 0;
    if (count > declared) {
        ds_dump_problem(c->d, "minidump MemoryInfoList claims %llu entries; its %u bytes hold %llu",
                        (unsigned long long)count, (unsigned)s->size,
                        (unsigned long long)declared);
        c->partial = 1;
    }
    if (count > room)
        count = room;
    if (count == 0)
        return 0;
    struct md_meminfo *t = malloc((size_t)count * sizeof *t);
    if (!t) {
        ds_md_problem_oom(c);
        return -1;
    }
    const uint8_t *e = p + hdr;
    for (uint64_t i = 0; i < count; i++, e += esz)
        t[i] = (struct md_meminfo){ md_ld64(e), md_ld64(e + 24),
                                    protect_perms(md_ld32(e + 36)) };
    *out = t;
    return (long)count;
}

/* Permissions of every memory region, from the entry holding its start. */
void ds_md_memory_info_list(md_ctx *c)
{
    struct md_meminfo *t;
    long n = read_meminfo(c, &t);
    if (n <= 0)
        return;
    qsort(t, (size_t)n, sizeof *t, cmp_meminfo);
    for (size_t i = 0; i < c->d->nregions; i++) {
        ds_region *r = &c->d->regions[i];
        if (!r->has_vaddr)
            continue;
        const struct md_meminfo *m = meminfo_at(t, (size_t)n, r->vaddr);
        if (m)
            r->perms = m->perms;
    }
    c->have_perms = 1;
    free(t);
}

struct md_modkey {
    uint64_t base, size;
    size_t module;
};

static int cmp_modkey(const void *a, const void *b)
{
    const struct md_modkey *x = a, *y = b;
    if (x->base != y->base)
        return x->base < y->base ? -1 : 1;
    return x->module < y->module ? -1 : x->module > y->module;
}

/*
 * Attach each memory region to the module whose image holds its start and
 * label it with the module's path if nothing better labelled it.  Done
 * here with a sorted table rather than left to ds_dump_finish(): that walks
 * every module for every region, and copies a name per region, which a
 * crafted file with many of both would make quadratic.  Label copies are
 * budgeted by the file size; past it regions keep only the module index.
 */
void ds_md_attach_modules(md_ctx *c)
{
    ds_dump *d = c->d;
    if (d->nmodules == 0)
        return;
    struct md_modkey *t = malloc(d->nmodules * sizeof *t);
    if (!t) {
        ds_md_problem_oom(c);
        return;
    }
    for (size_t i = 0; i < d->nmodules; i++)
        t[i] = (struct md_modkey){ d->modules[i].base, d->modules[i].size, i };
    qsort(t, d->nmodules, sizeof *t, cmp_modkey);

    for (size_t i = 0; i < d->nregions && !c->failed; i++) {
        ds_region *r = &d->regions[i];
        if (!r->has_vaddr || r->module >= 0)
            continue;
        size_t lo = 0, hi = d->nmodules;
        while (lo < hi) {        /* first module with base > vaddr */
            size_t mid = lo + (hi - lo) / 2;
            if (t[mid].base <= r->vaddr)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0 || r->vaddr - t[lo - 1].base >= t[lo - 1].size)
            continue;
        const ds_module *m = &d->modules[t[lo - 1].module];
        r->module = (int)t[lo - 1].module;
        size_t len = strlen(m->name);
        if (r->label || len == 0 || len > c->label_budget)
            continue;
        c->label_budget -= len;
        if (ds_dump_set_str(&r->label, m->name, len) < 0)
            ds_md_problem_oom(c);
    }
    free(t);
}
