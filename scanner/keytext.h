/*
 * keytext.h - helpers shared by the detectors of text-encoded keys
 * (OpenSSH armor, PuTTY .ppk, JWK): a one-pass prefilter that finds a
 * literal in ASCII and UTF-16LE at once, a narrow (one byte per code unit)
 * view of UTF-16LE text so one parser serves both encodings, and a base64
 * body decoder.
 */
#ifndef DS_KEYTEXT_H
#define DS_KEYTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Anchor: two or three bytes of a literal.  A position i is a candidate when
 *   (b[i] | fold[0]) == c[0] and, for k = 1 .. n-1,
 *   (b[i + off[k]] | fold[k]) == c[k]        (ASCII),
 *   or the same at i + 2*off[k] for every k   (UTF-16LE).
 * fold = 0x20 matches a letter in either case.  Candidates still need a
 * full comparison; the anchor only has to be rare in dump data.  Pass a
 * pointer to a static const anchor: the search is inlined and specialised
 * for it (about 15-25 GB/s on one core, both encodings in one pass).
 */
typedef struct {
    uint8_t n;           /* 2 or 3 */
    uint8_t c[3];
    uint8_t fold[3];
    uint8_t off[3];      /* off[0] = 0 < off[1] < off[2] */
} ds_anchor;

/* 16 bytes as one vector: GCC/clang lower this to SSE2 on x86-64 and NEON
 * on arm64, with a scalar fallback elsewhere. */
typedef uint8_t ds_v16 __attribute__((vector_size(16)));

static inline ds_v16 ds_load16(const uint8_t *p)
{
    ds_v16 v;
    memcpy(&v, p, sizeof v);   /* unaligned load */
    return v;
}

/* The exact test at one position (reads nothing at or past len). */
static inline int ds_anchor_at(const ds_anchor *a, const uint8_t *buf, size_t i, size_t len)
{
    if ((buf[i] | a->fold[0]) != a->c[0])
        return 0;
    for (size_t unit = 1; unit <= 2; unit++) {
        size_t last = a->off[a->n - 1] * unit, k;
        if (last >= len - i)
            continue;
        for (k = 1; k < a->n; k++)
            if ((buf[i + a->off[k] * unit] | a->fold[k]) != a->c[k])
                break;
        if (k == a->n)
            return 1;
    }
    return 0;
}

/* 16 positions at p: lanes are 0xFF where the anchor may match. */
static inline __attribute__((always_inline)) ds_v16 ds_anchor_mask(const ds_anchor *a,
                                                                    const uint8_t *p)
{
    ds_v16 asc = (ds_v16)((ds_load16(p) | a->fold[0]) == a->c[0]), u16 = asc;
    for (size_t k = 1; k < a->n; k++) {
        asc &= (ds_v16)((ds_load16(p + a->off[k]) | a->fold[k]) == a->c[k]);
        u16 &= (ds_v16)((ds_load16(p + 2 * a->off[k]) | a->fold[k]) == a->c[k]);
    }
    return asc | u16;
}

/* First candidate i in [from, to), reading no byte at or past len; returns
 * `to` when there is none. */
static inline __attribute__((always_inline)) size_t
ds_anchor_find(const ds_anchor *a, const uint8_t *buf, size_t from, size_t to, size_t len)
{
    if (to > len)
        to = len;
    const size_t reach = 2 * (size_t)a->off[a->n - 1] + 64;   /* bytes one step reads */
    size_t i = from;
    /* 64 positions per step; a hit falls back to the exact scalar test,
     * which also keeps the lane order independent of endianness. */
    while (i < to && reach <= len - i) {
        ds_v16 m = ds_anchor_mask(a, buf + i) | ds_anchor_mask(a, buf + i + 16) |
                   ds_anchor_mask(a, buf + i + 32) | ds_anchor_mask(a, buf + i + 48);
        uint64_t w[2];
        memcpy(w, &m, sizeof w);
        if (w[0] | w[1])
            for (size_t j = i; j < i + 64 && j < to; j++)
                if (ds_anchor_at(a, buf, j, len))
                    return j;
        i += 64;
    }
    for (; i < to; i++)
        if (ds_anchor_at(a, buf, i, len))
            return i;
    return to;
}

/* A narrow view of text that is ASCII (unit 1) or UTF-16LE (unit 2):
 * s[i] is the code unit at buffer index origin + i*unit, with UTF-16 units
 * above 0xFF mapped to 0xFF (not valid in any grammar we parse). */
typedef struct {
    const uint8_t *s;
    size_t n;
    size_t origin;
    unsigned unit;
} ds_text;

/* View buf[lo, hi) as `unit`-byte code units.  unit 1 points into buf; unit
 * 2 copies into scratch, which must hold (hi - lo) / 2 bytes (the caller
 * cleanses it: it may now hold key text). */
void ds_text_view(ds_text *t, const uint8_t *buf, size_t lo, size_t hi, unsigned unit,
                  uint8_t *scratch);

static inline uint64_t ds_text_pos(const ds_text *t, size_t i)
{
    return (uint64_t)t->origin + (uint64_t)i * t->unit;
}

/* Does the UTF-16LE form of the ASCII literal lit (n chars) start at p?
 * (p must have 2n readable bytes.) */
int ds_u16_eq(const uint8_t *p, const char *lit, size_t n);

/* Decode standard base64 (with '=' padding, any line breaks and blanks in
 * between) from s[0, n) into out (cap bytes; n/4*3 + 3 is enough).  Every
 * byte of s must be base64 or whitespace.  Returns 1 and sets *outlen on
 * success.  On failure out may hold partial output: cleanse it either way. */
int ds_b64_decode_body(const uint8_t *s, size_t n, uint8_t *out, size_t cap, size_t *outlen);

/* Base64 text written inside a JSON (or C) string literal: escaped line
 * breaks (\n \r \t) become blanks, \/ becomes '/'.  Writes at most n bytes
 * to out; returns the new length, or (size_t)-1 on any other escape. */
size_t ds_unescape_b64_text(const uint8_t *s, size_t n, uint8_t *out);

/* Line helpers over a narrow view: end of the line starting at i (index of
 * its '\r' or '\n', or n), and the start of the next line. */
size_t ds_line_end(const uint8_t *s, size_t n, size_t i);
size_t ds_next_line(const uint8_t *s, size_t n, size_t i);

#endif
