/*
 * redact.c - the redaction plan (which bytes to overwrite, and with what)
 * and copy-with-redaction from a plain file.
 *
 * Only bytes inside finding spans ever change: everything else of the dump
 * (headers, notes, stacks, the rest of the heap) stays byte-identical, so a
 * debugger reads the scrubbed dump exactly as the original.
 */
#include "scrub.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void ds_fill_default(ds_fill *f)
{
    memset(f, 0, sizeof *f);
    f->n = 1;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int ds_fill_parse(ds_fill *f, const char *hex)
{
    if (!strncmp(hex, "0x", 2) || !strncmp(hex, "0X", 2))
        hex += 2;
    size_t n = strlen(hex);
    if (n == 0 || n % 2 || n / 2 > DS_FILL_MAX)
        return -1;
    ds_fill t;
    memset(&t, 0, sizeof t);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        t.b[i] = (uint8_t)(hi << 4 | lo);
    }
    t.n = n / 2;
    *f = t;
    return 0;
}

void ds_fill_hex(const ds_fill *f, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < f->n; i++) {
        out[2 * i] = hx[f->b[i] >> 4];
        out[2 * i + 1] = hx[f->b[i] & 15];
    }
    out[2 * f->n] = '\0';
}

static int cmp_span(const void *a, const void *b)
{
    const ds_span *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return x->len < y->len ? -1 : x->len > y->len;
}

int ds_spans_build(ds_spans *s, const ds_findings *f, ds_confidence min, uint64_t size)
{
    memset(s, 0, sizeof *s);
    if (!f->n)
        return 0;
    if (!(s->v = malloc(f->n * sizeof *s->v)))
        return -1;
    s->cap = f->n;
    for (size_t i = 0; i < f->n; i++) {
        const ds_finding *x = &f->v[i];
        if (x->confidence < min || x->length == 0 || x->offset >= size)
            continue;
        uint64_t len = x->length > size - x->offset ? size - x->offset : x->length;
        s->v[s->n++] = (ds_span){ x->offset, len };
    }
    if (s->n > 1)
        qsort(s->v, s->n, sizeof *s->v, cmp_span);
    /* Merge overlapping or touching spans: one write per stretch. */
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (k && s->v[i].off <= s->v[k - 1].off + s->v[k - 1].len) {
            uint64_t end = s->v[i].off + s->v[i].len;
            if (end > s->v[k - 1].off + s->v[k - 1].len)
                s->v[k - 1].len = end - s->v[k - 1].off;
        } else {
            s->v[k++] = s->v[i];
        }
    }
    s->n = k;
    return 0;
}

void ds_spans_free(ds_spans *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

int ds_spans_contain(const ds_spans *s, uint64_t a, uint64_t b)
{
    if (!s || !s->n)
        return 0;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {   /* past the last span starting at or before a */
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].off <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && s->v[lo - 1].off + s->v[lo - 1].len >= b;
}

uint64_t ds_spans_bytes(const ds_spans *s)
{
    uint64_t t = 0;
    for (size_t i = 0; i < s->n; i++)
        t += s->v[i].len;
    return t;
}

/* Write the pattern over dst, which holds span bytes starting `phase` bytes
 * after the span's first byte. */
static void fill_at(uint8_t *dst, size_t n, uint64_t phase, const ds_fill *fill)
{
    if (fill->n == 1) {
        memset(dst, fill->b[0], n);
        return;
    }
    size_t p = (size_t)(phase % fill->n);
    for (size_t i = 0; i < n; i++) {
        dst[i] = fill->b[p];
        if (++p == fill->n)
            p = 0;
    }
}

void ds_redact_buf(uint8_t *buf, size_t len, uint64_t base, const ds_spans *s,
                   size_t *cursor, const ds_fill *fill)
{
    uint64_t end = base + len;
    size_t i = *cursor;
    /* Spans that end before this buffer can never matter again. */
    while (i < s->n && s->v[i].off + s->v[i].len <= base)
        i++;
    *cursor = i;
    for (; i < s->n && s->v[i].off < end; i++) {
        uint64_t a = s->v[i].off > base ? s->v[i].off : base;
        uint64_t b = s->v[i].off + s->v[i].len < end ? s->v[i].off + s->v[i].len : end;
        fill_at(buf + (a - base), (size_t)(b - a), a - s->v[i].off, fill);
    }
}

/* ---- copy with redaction from a plain file ------------------------------- */

#define FILLBUF ((size_t)1 << 16)
#define COPYBUF ((size_t)1 << 20)

/* pwrite all of p at off. */
static int write_at(int fd, const uint8_t *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

/* Copy [off, end) unchanged.  copy_file_range keeps the bytes in the
 * kernel; where it cannot (EXDEV, old kernels, odd filesystems) fall back
 * to pread + pwrite through a buffer. */
static int copy_plain(int fd_in, uint64_t off, uint64_t end, int fd_out, int *use_cfr,
                      char *err, size_t errlen)
{
    uint8_t *buf = NULL;
    int rc = -1;
    while (off < end) {
        size_t want = end - off > ((size_t)1 << 30) ? ((size_t)1 << 30) : (size_t)(end - off);
        ssize_t n;
        if (*use_cfr) {
            loff_t in_off = (loff_t)off, out_off = (loff_t)off;
            n = copy_file_range(fd_in, &in_off, fd_out, &out_off, want, 0);
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                          errno == EOPNOTSUPP || errno == EBADF)) {
                *use_cfr = 0;
                continue;
            }
        } else {
            if (!buf && !(buf = malloc(COPYBUF))) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
            n = pread(fd_in, buf, want < COPYBUF ? want : COPYBUF, (off_t)off);
            if (n > 0 && write_at(fd_out, buf, (size_t)n, off) < 0) {
                snprintf(err, errlen, "write: %s", strerror(errno));
                goto out;
            }
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "%s: %s", *use_cfr ? "copy" : "read", strerror(errno));
            goto out;
        }
        if (n == 0) {
            snprintf(err, errlen, "the input ended early (changed while scrubbing?)");
            goto out;
        }
        off += (uint64_t)n;
    }
    rc = 0;
out:
    if (buf) {
        explicit_bzero(buf, COPYBUF);   /* held dump bytes */
        free(buf);
    }
    return rc;
}

static int write_fill(int fd_out, const ds_span *sp, const ds_fill *fill, char *err, size_t errlen)
{
    uint8_t buf[FILLBUF];
    /* A whole number of pattern periods, so every chunk starts in phase. */
    size_t period = FILLBUF - FILLBUF % fill->n;
    fill_at(buf, period, 0, fill);
    for (uint64_t done = 0; done < sp->len;) {
        size_t n = sp->len - done < period ? (size_t)(sp->len - done) : period;
        if (write_at(fd_out, buf, n, sp->off + done) < 0) {
            snprintf(err, errlen, "write: %s", strerror(errno));
            return -1;
        }
        done += n;
    }
    return 0;
}

/* Next stretch of data at or after off: [*d0, *d1).  Holes of a sparse
 * input are skipped (the output is pre-sized with ftruncate, so they read
 * as zeros there too).  Without SEEK_DATA everything is data. */
static void next_data(int fd, uint64_t off, uint64_t size, int *sparse, uint64_t *d0, uint64_t *d1)
{
    *d0 = off;
    *d1 = size;
    if (!*sparse)
        return;
    off_t a = lseek(fd, (off_t)off, SEEK_DATA);
    if (a < 0) {
        if (errno == ENXIO) {           /* only a hole remains */
            *d0 = *d1 = size;
            return;
        }
        *sparse = 0;
        return;
    }
    off_t b = lseek(fd, a, SEEK_HOLE);
    if (b < 0) {
        *sparse = 0;
        return;
    }
    *d0 = (uint64_t)a < size ? (uint64_t)a : size;
    *d1 = (uint64_t)b < size ? (uint64_t)b : size;
}

int ds_redact_copy_file(int fd_in, uint64_t size, const ds_spans *s,
                        const ds_fill *fill, int fd_out, char *err, size_t errlen)
{
    if (ftruncate(fd_out, (off_t)size) < 0) {
        snprintf(err, errlen, "ftruncate: %s", strerror(errno));
        return -1;
    }
    int use_cfr = 1, sparse = 1;
    size_t si = 0;
    uint64_t pos = 0;
    while (pos < size) {
        uint64_t d0, d1;
        next_data(fd_in, pos, size, &sparse, &d0, &d1);
        if (d0 >= size)
            break;
        if (d1 <= d0)     /* a hole finder that went backwards: copy the rest */
            d1 = size, sparse = 0;
        /* Copy [d0, d1) minus the spans inside it. */
        uint64_t p = d0;
        while (si < s->n && s->v[si].off + s->v[si].len <= p)
            si++;
        for (size_t k = si; p < d1; k++) {
            uint64_t stop = (k < s->n && s->v[k].off < d1) ? s->v[k].off : d1;
            if (stop > p && copy_plain(fd_in, p, stop, fd_out, &use_cfr, err, errlen) < 0)
                return -1;
            if (stop >= d1)
                break;
            p = s->v[k].off + s->v[k].len;
        }
        pos = d1;
    }
    /* Spans are written in full, wherever they lie (holes included), so the
     * output's span bytes are exactly the pattern. */
    for (size_t k = 0; k < s->n; k++)
        if (write_fill(fd_out, &s->v[k], fill, err, errlen) < 0)
            return -1;
    return 0;
}
