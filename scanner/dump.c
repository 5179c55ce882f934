/*
 * dump.c - the dump model: append helpers, region lookup, format dispatch.
 */
#include "dump.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ds_dump_init(ds_dump *d, uint64_t file_size)
{
    memset(d, 0, sizeof *d);
    d->format = DS_FMT_RAW;
    d->arch = "unknown";
    d->pid = -1;
    d->time = -1;
    d->file_size = file_size;
}

void ds_dump_free(ds_dump *d)
{
    for (size_t i = 0; i < d->nregions; i++)
        free(d->regions[i].label);
    for (size_t i = 0; i < d->nmodules; i++)
        free(d->modules[i].name);
    for (size_t i = 0; i < d->nproblems; i++)
        free(d->problems[i]);
    free(d->regions);
    free(d->by_vaddr);
    free(d->modules);
    free(d->threads);
    free(d->problems);
    free(d->process_name);
    free(d->cmdline);
    free(d->os_version);
    ds_dump_init(d, 0);
}

/* Grow an array so that it holds at least n+1 elements (doubling). */
static int grow(void **arr, size_t n, size_t elem)
{
    /* Capacity is implicit: powers of two from 8.  Grow when n hits one. */
    if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
        return 0;
    size_t cap = n < 8 ? 8 : n * 2;
    if (cap > SIZE_MAX / elem)
        return -1;
    void *p = realloc(*arr, cap * elem);
    if (!p)
        return -1;
    *arr = p;
    return 0;
}

int ds_dump_set_str(char **field, const char *s, size_t n)
{
    char *c = malloc(n + 1);
    if (!c)
        return -1;
    memcpy(c, s, n);
    c[n] = '\0';
    free(*field);
    *field = c;
    return 0;
}

int ds_dump_add_region(ds_dump *d, const ds_region *r)
{
    if (grow((void **)&d->regions, d->nregions, sizeof *d->regions) < 0)
        return -1;
    ds_region *n = &d->regions[d->nregions];
    *n = *r;
    n->label = NULL;
    if (r->label && ds_dump_set_str(&n->label, r->label, strlen(r->label)) < 0)
        return -1;
    d->nregions++;
    return 0;
}

int ds_dump_add_thread(ds_dump *d, const ds_thread *t)
{
    if (grow((void **)&d->threads, d->nthreads, sizeof *d->threads) < 0)
        return -1;
    d->threads[d->nthreads++] = *t;
    return 0;
}

int ds_dump_add_module(ds_dump *d, const char *name, uint64_t base, uint64_t size)
{
    if (grow((void **)&d->modules, d->nmodules, sizeof *d->modules) < 0)
        return -1;
    ds_module *m = &d->modules[d->nmodules];
    m->name = NULL;
    if (ds_dump_set_str(&m->name, name, strlen(name)) < 0)
        return -1;
    m->base = base;
    m->size = size;
    d->nmodules++;
    return 0;
}

int ds_dump_problem(ds_dump *d, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* Keep the report bounded against hostile files with millions of errors. */
    if (d->nproblems >= 64)
        return 0;
    if (grow((void **)&d->problems, d->nproblems, sizeof *d->problems) < 0)
        return -1;
    d->problems[d->nproblems] = NULL;
    if (ds_dump_set_str(&d->problems[d->nproblems], buf, strlen(buf)) < 0)
        return -1;
    d->nproblems++;
    return 0;
}

static int cmp_region(const void *a, const void *b)
{
    const ds_region *x = a, *y = b;
    if (x->file_off != y->file_off)
        return x->file_off < y->file_off ? -1 : 1;
    if (x->file_size != y->file_size)   /* empty regions first */
        return x->file_size < y->file_size ? -1 : 1;
    return 0;
}

/* Order module indices by base address (qsort_r: no global state). */
static int cmp_mod_index(const void *a, const void *b, void *arg)
{
    const ds_module *m = arg;
    uint64_t x = m[*(const size_t *)a].base, y = m[*(const size_t *)b].base;
    return x < y ? -1 : x > y;
}

/* The module containing vaddr, or -1.  Modules may overlap (hostile
 * files): the nearest lower bases are tried, a bounded number of them. */
static int module_at(const ds_dump *d, const size_t *order, uint64_t vaddr)
{
    size_t lo = 0, hi = d->nmodules;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->modules[order[mid]].base <= vaddr)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo, tries = 0; i-- > 0 && tries < 8; tries++) {
        const ds_module *m = &d->modules[order[i]];
        if (vaddr - m->base < m->size)
            return (int)order[i];
    }
    return -1;
}

static int cmp_region_vaddr(const void *a, const void *b, void *arg)
{
    const ds_region *r = arg;
    uint64_t x = r[*(const size_t *)a].vaddr, y = r[*(const size_t *)b].vaddr;
    return x < y ? -1 : x > y;
}

/* Index of the regions that back virtual addresses with file bytes. */
static void index_vaddrs(ds_dump *d)
{
    free(d->by_vaddr);
    d->by_vaddr = NULL;
    d->nby_vaddr = 0;
    size_t n = 0;
    for (size_t i = 0; i < d->nregions; i++)
        n += d->regions[i].has_vaddr && d->regions[i].file_size;
    if (!n || !(d->by_vaddr = malloc(n * sizeof *d->by_vaddr)))
        return;
    for (size_t i = 0; i < d->nregions; i++)
        if (d->regions[i].has_vaddr && d->regions[i].file_size)
            d->by_vaddr[d->nby_vaddr++] = i;
    qsort_r(d->by_vaddr, d->nby_vaddr, sizeof *d->by_vaddr, cmp_region_vaddr, d->regions);
}

void ds_dump_finish(ds_dump *d)
{
    if (d->nregions > 1)
        qsort(d->regions, d->nregions, sizeof *d->regions, cmp_region);
    index_vaddrs(d);
    if (!d->nmodules)
        return;
    size_t *order = malloc(d->nmodules * sizeof *order);
    if (!order)
        return;   /* labels are a convenience; the scan does not depend on them */
    for (size_t i = 0; i < d->nmodules; i++)
        order[i] = i;
    qsort_r(order, d->nmodules, sizeof *order, cmp_mod_index, d->modules);
    for (size_t i = 0; i < d->nregions; i++) {
        ds_region *r = &d->regions[i];
        if (!r->has_vaddr || r->module >= 0)
            continue;
        int m = module_at(d, order, r->vaddr);
        if (m < 0)
            continue;
        r->module = m;
        if (!r->label)
            ds_dump_set_str(&r->label, d->modules[m].name, strlen(d->modules[m].name));
    }
    free(order);
}

const ds_region *ds_dump_region_at(const ds_dump *d, uint64_t off)
{
    /* Last region whose file_off <= off, then walk back over overlaps
     * (minidump stacks may alias MemoryList bytes). */
    size_t lo = 0, hi = d->nregions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->regions[mid].file_off <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i-- > 0;) {
        const ds_region *r = &d->regions[i];
        if (off - r->file_off < r->file_size)
            return r;
        if (lo - i > 16)   /* overlaps are rare and shallow */
            break;
    }
    return NULL;
}

int ds_dump_vaddr_to_off(const ds_dump *d, uint64_t vaddr, uint64_t *off)
{
    size_t lo = 0, hi = d->nby_vaddr;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->regions[d->by_vaddr[mid]].vaddr <= vaddr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Overlapping ranges (minidump stacks aliasing memory lists): look at a
     * few lower neighbours too. */
    for (size_t i = lo, tries = 0; i-- > 0 && tries < 4; tries++) {
        const ds_region *r = &d->regions[d->by_vaddr[i]];
        if (vaddr - r->vaddr < r->file_size) {
            *off = r->file_off + (vaddr - r->vaddr);
            return 0;
        }
    }
    return -1;
}

const char *ds_format_name(ds_format f)
{
    switch (f) {
    case DS_FMT_ELF_CORE: return "elf-core";
    case DS_FMT_MINIDUMP: return "minidump";
    default:              return "raw";
    }
}

int ds_read_dump(const uint8_t *buf, size_t len, uint64_t total, ds_dump *d)
{
    uint64_t size = total ? total : len;
    int rc = ds_read_elf_core(buf, len, total, d);
    if (rc < 0) {
        ds_dump_free(d);
        ds_dump_init(d, size);
        rc = ds_read_minidump(buf, len, total, d);
    }
    if (rc < 0) {
        /* Unknown format: the whole file is one region, still scanned. */
        ds_dump_free(d);
        ds_dump_init(d, size);
        ds_region r = { .file_off = 0, .file_size = size,
                        .label = "[raw]", .module = -1 };
        if (ds_dump_add_region(d, &r) < 0)
            return -1;
        rc = 0;
    }
    if (!d->file_size)
        d->file_size = size;
    ds_dump_finish(d);
    return rc;
}
