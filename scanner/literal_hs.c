/*
 * literal_hs.c - keyword search on Hyperscan (see literal_hs.h).
 *
 * Literal mode (hs_compile_lit_multi) takes the bytes as they are, NULs
 * of UTF-16LE keywords included, with no regex escaping.  Hyperscan
 * reports a match by its end; the start is end - length, since every
 * pattern is a fixed literal.
 */
#include "literal_hs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs.h>

/* hs_scan takes an unsigned int length: a buffer larger than a piece
 * (chunks are MiBs; this is for a caller with more) goes in pieces that
 * overlap by the longest literal. */
#define PIECE ((size_t)1 << 30)

/*
 * Two databases: literals without a NUL byte, and literals with one (the
 * UTF-16LE forms of the keywords).  One database of all of them ran at
 * 3.6 GB/s on the test core with the default pack, the two one after the
 * other at 7.1 GB/s (bench/RESULTS.md): Hyperscan's literal matcher loses
 * much of its selectivity past about a hundred literals, and the two
 * groups share no prefix structure anyway.
 */
#define NDB 2

struct ds_hs {
    hs_database_t *db[NDB];   /* NULL when a group is empty */
    size_t *len;              /* per pattern */
    size_t n, maxlen;
};

static int has_nul(const uint8_t *p, size_t n)
{
    return memchr(p, 0, n) != NULL;
}

ds_hs *ds_hs_build(const uint8_t *const *pats, const size_t *lens, const int *nocase, size_t n,
                   char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (n == 0 || n > 0xffffffffu || hs_valid_platform() != HS_SUCCESS)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (lens[i] == 0 || lens[i] >= PIECE / 2)
            return NULL;
    ds_hs *h = calloc(1, sizeof *h);
    unsigned *flags = calloc(n, sizeof *flags), *ids = calloc(n, sizeof *ids);
    if (!h || !flags || !ids || !(h->len = calloc(n, sizeof *h->len)))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        flags[i] = nocase[i] ? HS_FLAG_CASELESS : 0;
        ids[i] = (unsigned)i;
        h->len[i] = lens[i];
        if (lens[i] > h->maxlen)
            h->maxlen = lens[i];
    }
    h->n = n;
    for (int g = 0; g < NDB; g++) {
        /* Copy out the group's patterns (ids stay the callers' indexes). */
        const char **gp = calloc(n, sizeof *gp);
        unsigned *gf = calloc(n, sizeof *gf), *gi = calloc(n, sizeof *gi);
        size_t *gl = calloc(n, sizeof *gl), k = 0;
        if (!gp || !gf || !gi || !gl) {
            free(gp), free(gf), free(gi), free(gl);
            goto fail;
        }
        for (size_t i = 0; i < n; i++)
            if (has_nul(pats[i], lens[i]) == g) {
                gp[k] = (const char *)pats[i];
                gf[k] = flags[i];
                gi[k] = ids[i];
                gl[k++] = lens[i];
            }
        hs_compile_error_t *ce = NULL;
        int bad = k && hs_compile_lit_multi(gp, gf, gi, gl, (unsigned)k, HS_MODE_BLOCK, NULL,
                                            &h->db[g], &ce) != HS_SUCCESS;
        free(gp), free(gf), free(gi), free(gl);
        if (bad) {
            if (err && errlen)
                snprintf(err, errlen, "hyperscan: %s", ce ? ce->message : "compile failed");
            hs_free_compile_error(ce);
            goto fail;
        }
    }
    free(flags);
    free(ids);
    return h;
fail:
    free(flags);
    free(ids);
    ds_hs_free(h);
    return NULL;
}

void ds_hs_free(ds_hs *h)
{
    if (!h)
        return;
    for (int g = 0; g < NDB; g++)
        hs_free_database(h->db[g]);
    free(h->len);
    free(h);
}

ds_hs_scratch *ds_hs_scratch_new(const ds_hs *h)
{
    hs_scratch_t *s = NULL;   /* one scratch grown to serve every database */
    for (int g = 0; g < NDB; g++)
        if (h->db[g] && hs_alloc_scratch(h->db[g], &s) != HS_SUCCESS) {
            hs_free_scratch(s);
            return NULL;
        }
    return (ds_hs_scratch *)s;
}

void ds_hs_scratch_free(ds_hs_scratch *s)
{
    if (s)
        hs_free_scratch((hs_scratch_t *)s);
}

typedef struct {
    const ds_hs *h;
    size_t at, own;     /* the piece's offset in buf; starts reported below own */
    ds_ac_cb cb;
    void *ctx;
} hit_ctx;

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
                    unsigned flags, void *ctx)
{
    (void)from;
    (void)flags;
    hit_ctx *c = ctx;
    size_t start = (size_t)to - c->h->len[id];
    if (start >= c->own)
        return 0;
    return c->cb(c->ctx, id, c->at + start) ? 1 : 0;
}

int ds_hs_search(const ds_hs *h, ds_hs_scratch *s, const uint8_t *buf, size_t own, size_t len,
                 ds_ac_cb cb, void *ctx)
{
    for (size_t at = 0; at < own;) {
        size_t end = len - at > PIECE ? at + PIECE : len;
        size_t piece_own = own - at;
        if (end != len && piece_own > PIECE - h->maxlen)
            piece_own = PIECE - h->maxlen;
        hit_ctx c = { h, at, piece_own, cb, ctx };
        /* Group by group: within each, matches come in order of their end
         * (callers that track coverage do so per encoding). */
        for (int g = 0; g < NDB; g++) {
            if (!h->db[g])
                continue;
            hs_error_t rc = hs_scan(h->db[g], (const char *)buf + at, (unsigned)(end - at), 0,
                                    (hs_scratch_t *)s, on_match, &c);
            if (rc == HS_SCAN_TERMINATED)
                return 1;
            if (rc != HS_SUCCESS)
                return -1;
        }
        at += piece_own;
    }
    return 0;
}
