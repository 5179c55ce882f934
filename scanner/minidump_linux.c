/*
 * minidump_linux.c - Breakpad's Linux streams: copies of /proc files.
 *
 *   LinuxMaps (0x47670009)       /proc/PID/maps: labels and permissions for
 *                                the memory ranges ("[heap]", paths).
 *   LinuxProcStatus (0x47670004) /proc/PID/status: "Pid:" when MiscInfo
 *                                gave none, "Name:" as a last-resort name.
 *   LinuxCmdLine (0x47670006)    NUL-separated argv -> one line.
 *   LinuxLsbRelease (0x47670005) /etc/lsb-release: os_version if no other.
 *
 * The text is not trusted: each line is parsed by hand within the stream's
 * bytes; lines that do not parse are skipped and counted.
 */
#include "minidump_int.h"

#include <stdlib.h>
#include <string.h>

#define MD_LABEL_MAX 4096        /* longest label copied from a maps path */

/* One line of the text in [p, end): returns its end, sets *next. */
static const uint8_t *line_end(const uint8_t *p, const uint8_t *end,
                               const uint8_t **next)
{
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    *next = nl ? nl + 1 : end;
    return nl ? nl : end;
}

/* Hex number at *p (at most 16 digits); 0 on success. */
static int parse_hex(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *s = *p;
    uint64_t x = 0;
    int digits = 0;
    for (; s < end; s++, digits++) {
        int h;
        if (*s >= '0' && *s <= '9')
            h = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            h = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            h = *s - 'A' + 10;
        else
            break;
        if (digits == 16)
            return -1;
        x = x << 4 | (uint64_t)h;
    }
    if (digits == 0)
        return -1;
    *p = s;
    *v = x;
    return 0;
}

static int parse_dec(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *s = *p;
    uint64_t x = 0;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        if (x > (UINT64_MAX - 9) / 10)
            return -1;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    if (s == *p)
        return -1;
    *p = s;
    *v = x;
    return 0;
}

static int expect(const uint8_t **p, const uint8_t *end, char ch)
{
    if (*p >= end || **p != (uint8_t)ch)
        return -1;
    (*p)++;
    return 0;
}

struct md_map {
    uint64_t start, end;
    uint32_t perms;
    const uint8_t *name;     /* into the stream's bytes; not NUL-terminated */
    size_t name_len;
};

/* "start-end perms offset dev inode   path" -> m; 0 on success. */
static int parse_maps_line(const uint8_t *p, const uint8_t *end, struct md_map *m)
{
    uint64_t off, inode, major, minor;
    if (parse_hex(&p, end, &m->start) || expect(&p, end, '-') ||
        parse_hex(&p, end, &m->end) || expect(&p, end, ' ') || end - p < 5)
        return -1;
    m->perms = (p[0] == 'r' ? DS_PERM_R : 0) | (p[1] == 'w' ? DS_PERM_W : 0) |
               (p[2] == 'x' ? DS_PERM_X : 0);
    p += 4;
    if (expect(&p, end, ' ') || parse_hex(&p, end, &off) || expect(&p, end, ' ') ||
        parse_hex(&p, end, &major) || expect(&p, end, ':') ||
        parse_hex(&p, end, &minor) || expect(&p, end, ' ') ||
        parse_dec(&p, end, &inode) || m->end < m->start)
        return -1;
    while (p < end && *p == ' ')
        p++;
    const uint8_t *e = end;
    while (e > p && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\0'))
        e--;
    m->name = p;
    m->name_len = (size_t)(e - p);
    return 0;
}

static int cmp_map(const void *a, const void *b)
{
    const struct md_map *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static const struct md_map *map_at(const struct md_map *t, size_t n, uint64_t addr)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct md_map *m = &t[lo - 1];
    return addr < m->end ? m : NULL;
}

/* Parse all lines; returns the count (entries in *out) or -1. */
static long read_maps(md_ctx *c, const uint8_t *p, size_t n, struct md_map **out)
{
    /* A valid line is at least 16 bytes ("0-0 ---- 0 0:0 0"), which bounds
     * the table by the stream size. */
    size_t cap = n / 16 + 1, count = 0, bad = 0;
    struct md_map *t = malloc(cap * sizeof *t);
    if (!t) {
        ds_md_problem_oom(c);
        return -1;
    }
    const uint8_t *end = p + n, *next;
    for (const uint8_t *l = p; l < end; l = next) {
        const uint8_t *le = line_end(l, end, &next);
        if (le == l)
            continue;
        if (count < cap && parse_maps_line(l, le, &t[count]) == 0)
            count++;
        else
            bad++;
    }
    if (bad) {
        ds_dump_problem(c->d, "minidump LinuxMaps: %zu line(s) do not parse", bad);
        c->partial = 1;
    }
    *out = t;
    return (long)count;
}

void ds_md_linux_maps(md_ctx *c)
{
    size_t n;
    const uint8_t *p = ds_md_stream(c, MD_S_LINUX_MAPS, &n);
    struct md_map *t;
    if (!p)
        return;
    long count = read_maps(c, p, n, &t);
    if (count < 0)
        return;
    qsort(t, (size_t)count, sizeof *t, cmp_map);
    for (size_t i = 0; i < c->d->nregions && !c->failed; i++) {
        ds_region *r = &c->d->regions[i];
        if (!r->has_vaddr)
            continue;
        const struct md_map *m = map_at(t, (size_t)count, r->vaddr);
        if (!m)
            continue;
        if (!c->have_perms)
            r->perms = m->perms;
        size_t len = m->name_len < MD_LABEL_MAX ? m->name_len : MD_LABEL_MAX;
        if (r->label || len == 0 || len > c->label_budget)
            continue;
        c->label_budget -= len;
        if (ds_dump_set_str(&r->label, (const char *)m->name, len) < 0)
            ds_md_problem_oom(c);
    }
    free(t);
}

/* The value after "Key:" at the start of a line in [p, p+n), trimmed. */
static const uint8_t *find_field(const uint8_t *p, size_t n, const char *key,
                                 size_t *vlen)
{
    size_t klen = strlen(key);
    const uint8_t *end = p + n, *next;
    for (const uint8_t *l = p; l < end; l = next) {
        const uint8_t *le = line_end(l, end, &next);
        if ((size_t)(le - l) < klen || memcmp(l, key, klen) != 0)
            continue;
        const uint8_t *v = l + klen;
        while (v < le && (*v == ' ' || *v == '\t'))
            v++;
        while (le > v && (le[-1] == ' ' || le[-1] == '\t' || le[-1] == '\r'))
            le--;
        *vlen = (size_t)(le - v);
        return v;
    }
    return NULL;
}

void ds_md_linux_proc_status(md_ctx *c)
{
    size_t n, vlen;
    const uint8_t *p = ds_md_stream(c, MD_S_LINUX_PROC_STATUS, &n);
    if (!p)
        return;
    const uint8_t *v = find_field(p, n, "Pid:", &vlen);
    uint64_t pid;
    if (v && c->d->pid < 0 && parse_dec(&v, v + vlen, &pid) == 0 && pid <= INT64_MAX)
        c->d->pid = (int64_t)pid;
    v = find_field(p, n, "Name:", &vlen);
    if (v && vlen > 0 && vlen <= 256 &&
        ds_dump_set_str(&c->status_name, (const char *)v, vlen) < 0)
        ds_md_problem_oom(c);
}

void ds_md_linux_cmdline(md_ctx *c)
{
    size_t n;
    const uint8_t *p = ds_md_stream(c, MD_S_LINUX_CMD_LINE, &n);
    if (!p)
        return;
    while (n > 0 && (p[n - 1] == '\0' || p[n - 1] == ' '))
        n--;
    if (n == 0)
        return;
    if (ds_dump_set_str(&c->d->cmdline, (const char *)p, n) < 0) {
        ds_md_problem_oom(c);
        return;
    }
    for (size_t i = 0; i < n; i++)     /* argv separators */
        if (c->d->cmdline[i] == '\0')
            c->d->cmdline[i] = ' ';
}

/* os_version from lsb-release, only when SystemInfo gave none. */
void ds_md_linux_lsb_release(md_ctx *c)
{
    static const char *const keys[] = {
        "DISTRIB_DESCRIPTION=", "PRETTY_NAME=", "CHROMEOS_RELEASE_DESCRIPTION=",
    };
    size_t n, vlen = 0;
    const uint8_t *p = ds_md_stream(c, MD_S_LINUX_LSB_RELEASE, &n);
    const uint8_t *v = NULL;
    if (!p || c->d->os_version)
        return;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !v; i++)
        v = find_field(p, n, keys[i], &vlen);
    if (!v) {            /* else the first line */
        const uint8_t *next;
        v = p;
        vlen = (size_t)(line_end(p, p + n, &next) - p);
    }
    if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
        v++;
        vlen -= 2;
    }
    if (vlen > 0 && vlen <= 1024 && !memchr(v, '\0', vlen) &&
        ds_dump_set_str(&c->d->os_version, (const char *)v, vlen) < 0)
        ds_md_problem_oom(c);
}
