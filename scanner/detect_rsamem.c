/*
 * detect_rsamem.c - RSA private keys in their in-memory form (issue 9):
 * the primes and exponents as arrays of machine words, found by following
 * the crypto library's BIGNUM structures through the dump's region map
 * (detector id "rsa-bignum") and, with known moduli (--known-keys), as
 * bare limb arrays or big-endian byte strings ("rsa-limbs").
 *
 * Per chunk: BIGNUM headers in the chunk (own + overlap) -> candidate
 * integers (limbs read from anywhere in the mapped file, or from the chunk
 * when streaming) -> grouped into keys by word arithmetic (rsamem_blind.c)
 * -> proven by ds_verify_rsa -> every private component of the key that
 * is among the candidates, or present as a bare LE/BE copy in the chunk,
 * is reported with the key's fingerprint, so a scrub removes all of them.
 *
 * The public exponent is not needed to find a key: it is recovered from a
 * CRT exponent candidate (e = dp^-1 mod p-1 when that is small), else
 * 65537 is assumed (then d/dp/dq are still looked for with it).
 *
 * Grouping is per chunk (own + overlap, 4 MiB by default): the BIGNUM
 * structs of one key are allocated together, and their limbs are followed
 * wherever they are in the mapped file.  A lone prime whose modulus
 * BIGNUM lies in another chunk is not matched (known moduli are global).
 *
 * Cost (239 MB gcore of a python3 process with 200 MB of mixed objects,
 * one core, page cache, noisy shared machine, best of 6): the header pass
 * 7.2 GB/s (0.14 ns/byte; 21k header survivors, 197 followed candidates,
 * no finding); the whole default scan 0.203 s with this detector vs 0.182 s
 * without.  --known-keys adds the bare-window search: ~0.1 GB/s on that
 * core, whose 60 MB of os.urandom() objects pass the byte filters (odd,
 * exact top bit, cofactor size, no factor <= 47, then one BN_mod each);
 * ordinary heaps without random payloads cost far less.
 */
#include "rsamem.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "verify.h"

#define RM_SPAN 4096
#define MAX_SEEN 64

struct rm_state {
    BN_CTX *ctx;
    rm_cand *cands;
    uint8_t tmp[3][RM_MAX_BYTES + 8];
    struct { uint64_t lo; int bits; } seen[MAX_SEEN];
    size_t nseen;
    uint64_t vmin, vmax;
    int ws, be, have_vaddr;
};

BN_CTX *rm_bnctx(rm_state *st) { return st->ctx; }
uint8_t *rm_tmp(rm_state *st, int which) { return st->tmp[which]; }

int rm_seen(rm_state *st, uint64_t lo, int bits, int add)
{
    for (size_t i = 0; i < st->nseen; i++)
        if (st->seen[i].lo == lo && st->seen[i].bits == bits)
            return 1;
    if (add && st->nseen < MAX_SEEN) {
        st->seen[st->nseen].lo = lo;
        st->seen[st->nseen].bits = bits;
        st->nseen++;
    }
    return 0;
}

static void *rm_open(ds_scan *s, int *err)
{
    rm_state *st = calloc(1, sizeof *st);
    if (!st || !(st->ctx = BN_CTX_secure_new()) ||
        !(st->cands = calloc(RM_MAX_CANDS, sizeof *st->cands))) {
        if (st) {
            BN_CTX_free(st->ctx);
            free(st);
        }
        *err = 1;
        return NULL;
    }
    const ds_dump *d = ds_scan_dump(s);
    st->ws = d->word_size == 4 ? 4 : 8;
    st->be = d->big_endian;
    st->vmin = UINT64_MAX;
    for (size_t i = 0; i < d->nregions; i++) {
        const ds_region *r = &d->regions[i];
        if (!r->has_vaddr || !r->file_size)
            continue;
        if (r->vaddr < st->vmin)
            st->vmin = r->vaddr;
        if (r->vaddr + r->file_size > st->vmax)
            st->vmax = r->vaddr + r->file_size;
        st->have_vaddr = 1;
    }
    return st;
}

static void rm_close(void *state)
{
    rm_state *st = state;
    if (!st)
        return;
    BN_CTX_free(st->ctx);
    free(st->cands);
    OPENSSL_cleanse(st->tmp, sizeof st->tmp);
    free(st);
}

static void emit(ds_scan *s, uint64_t off, uint64_t len, const char *det, const char *enc,
                 const ds_keyid *id)
{
    ds_finding f;
    memset(&f, 0, sizeof f);
    f.offset = off;
    f.length = len;
    f.kind = DS_KIND_RSA;
    f.detector = det;
    f.confidence = id->confidence;
    f.bits = id->bits;
    f.has_fingerprint = id->has_fingerprint;
    memcpy(f.fingerprint, id->fingerprint, 32);
    f.encoding = enc;
    ds_emit(s, &f);
}

/* e from a CRT exponent candidate: dp = e^-1 mod (p-1) => e = dp^-1 mod (p-1). */
static BIGNUM *find_e(rm_state *st, const rm_view *v, const BIGNUM *p, const BIGNUM *q,
                      const rm_cand *c, size_t n)
{
    BN_CTX *ctx = st->ctx;
    BIGNUM *pm1 = BN_secure_new(), *qm1 = BN_secure_new(), *inv = BN_secure_new();
    BIGNUM *e = NULL;
    int pb = BN_num_bits(p);
    if (pm1 && qm1 && inv && BN_sub(pm1, p, BN_value_one()) && BN_sub(qm1, q, BN_value_one())) {
        for (size_t i = 0; i < n && !e; i++) {
            if (!(c[i].lo & 1) || (int)c[i].bits > pb || (int)c[i].bits < pb - 24)
                continue;
            BIGNUM *x = rm_cand_bn(v, &c[i], st->tmp[1]);
            for (int k = 0; x && k < 2 && !e; k++) {
                ERR_set_mark();
                if (BN_mod_inverse(inv, x, k ? qm1 : pm1, ctx) && BN_num_bits(inv) <= 32 &&
                    BN_is_odd(inv) && BN_get_word(inv) >= 3)
                    e = BN_dup(inv);
                ERR_pop_to_mark();
            }
            BN_clear_free(x);
        }
    }
    if (!e && (e = BN_new()) && !BN_set_word(e, 65537)) {
        BN_free(e);
        e = NULL;
    }
    BN_clear_free(pm1);
    BN_clear_free(qm1);
    BN_clear_free(inv);
    return e;
}

#define NCOMP 8

/* The private components of (n, e, p): p q d(lambda) d(phi) dp dq qinv pinv. */
static int components(BN_CTX *ctx, const BIGNUM *n, const BIGNUM *e, const BIGNUM *p,
                      BIGNUM *x[NCOMP])
{
    for (int i = 0; i < NCOMP; i++)
        if (!(x[i] = BN_secure_new()))
            return 0;
    BN_CTX_start(ctx);
    BIGNUM *r = BN_CTX_get(ctx), *pm1 = BN_CTX_get(ctx), *qm1 = BN_CTX_get(ctx);
    BIGNUM *phi = BN_CTX_get(ctx), *g = BN_CTX_get(ctx), *lam = BN_CTX_get(ctx);
    int ok = lam && BN_copy(x[0], p) && BN_div(x[1], r, n, p, ctx) && BN_is_zero(r) &&
             BN_sub(pm1, x[0], BN_value_one()) && BN_sub(qm1, x[1], BN_value_one()) &&
             BN_mul(phi, pm1, qm1, ctx) && BN_gcd(g, pm1, qm1, ctx) &&
             BN_div(lam, NULL, phi, g, ctx);
    ERR_set_mark();
    ok = ok && BN_mod_inverse(x[2], e, lam, ctx) && BN_mod_inverse(x[3], e, phi, ctx) &&
         BN_mod(x[4], x[2], pm1, ctx) && BN_mod(x[5], x[2], qm1, ctx) &&
         BN_mod_inverse(x[6], x[1], x[0], ctx) && BN_mod_inverse(x[7], x[0], x[1], ctx);
    ERR_pop_to_mark();
    BN_CTX_end(ctx);
    return ok;
}

static int same_value(rm_state *st, const rm_view *v, const rm_cand *c, const BIGNUM *x,
                      uint8_t *xle, size_t xn)
{
    if ((int)c->bits != BN_num_bits(x) || xn < 8)
        return 0;
    uint64_t lo = 0;
    for (int i = 0; i < 8; i++)
        lo |= (uint64_t)xle[i] << (8 * i);
    if (lo != c->lo)
        return 0;
    size_t m = rm_cand_le(v, c, st->tmp[2]);
    int eq = m >= xn && memcmp(st->tmp[2], xle, xn) == 0;
    OPENSSL_cleanse(st->tmp[2], m);
    return eq;
}

/* Every copy of x in the chunk as a bare LE or BE byte string. */
static void bare_copies(ds_scan *s, const rm_view *v, const uint8_t *le, size_t n,
                        uint8_t *betmp, const ds_keyid *id)
{
    if (n < 32)
        return;
    for (size_t i = 0; i < n; i++)
        betmp[i] = le[n - 1 - i];
    for (int order = 0; order < 2; order++) {
        const uint8_t *pat = order ? betmp : le;
        const uint8_t *p = v->buf, *end = v->buf + v->len;
        while ((size_t)(end - p) >= n && (p = memmem(p, (size_t)(end - p), pat, n)) != NULL) {
            emit(s, v->base + (uint64_t)(p - v->buf), n, "rsa-limbs",
                 order ? "be-bytes" : "le-limbs", id);
            p += n;
        }
    }
    OPENSSL_cleanse(betmp, n);
}

int rm_key_found(rm_state *st, ds_scan *s, const rm_view *v, const BIGNUM *n,
                 const BIGNUM *e_in, const BIGNUM *p, const BIGNUM *d,
                 const rm_cand *cands, size_t ncand)
{
    BIGNUM *x[NCOMP] = { 0 };
    BIGNUM *e = NULL;
    ds_keyid id;
    memset(&id, 0, sizeof id);
    int ok = 0, nx = 0;
    if (p) {
        BN_CTX_start(st->ctx);
        BIGNUM *q = BN_CTX_get(st->ctx), *r = BN_CTX_get(st->ctx);
        if (q && r && BN_div(q, r, n, p, st->ctx) && BN_is_zero(r)) {
            e = e_in ? BN_dup(e_in) : find_e(st, v, p, q, cands, ncand);
            ok = e && ds_verify_rsa(n, e, NULL, p, q, &id);
        }
        BN_clear(q);
        BN_CTX_end(st->ctx);
        ok = ok && components(st->ctx, n, e, p, x);
        nx = NCOMP;
    } else if (d && e_in) {
        ok = ds_verify_rsa(n, e_in, d, NULL, NULL, &id) && (x[0] = BN_dup(d)) != NULL;
        nx = 1;
    }
    if (ok) {
        uint8_t *le = st->tmp[0];
        for (int k = 0; k < nx; k++) {
            if (!x[k] || BN_is_zero(x[k]))
                continue;
            int xn = BN_num_bytes(x[k]);
            if (xn > RM_MAX_BYTES || BN_bn2lebinpad(x[k], le, xn) != xn)
                continue;
            for (size_t i = 0; i < ncand; i++)
                if (same_value(st, v, &cands[i], x[k], le, (size_t)xn))
                    emit(s, cands[i].off, (uint64_t)cands[i].limbs * (uint64_t)v->ws,
                         "rsa-bignum", v->ws == 8 ? "bignum-limbs64" : "bignum-limbs32", &id);
            bare_copies(s, v, le, (size_t)xn, st->tmp[1], &id);
            OPENSSL_cleanse(le, (size_t)xn);
        }
    }
    for (int k = 0; k < NCOMP; k++)
        BN_clear_free(x[k]);
    BN_free(e);
    return ok;
}

static void rm_scan(void *state, ds_scan *s, const uint8_t *buf, size_t own, size_t len,
                    uint64_t base)
{
    rm_state *st = state;
    rm_view v;
    memset(&v, 0, sizeof v);
    v.whole = ds_scan_whole(s, &v.whole_len);
    v.dump = ds_scan_dump(s);
    v.ws = st->ws;
    v.be = st->be;
    v.vmin = st->vmin;
    v.vmax = st->vmax;
    v.buf = buf;
    v.own = own;
    v.len = len;
    v.base = base;
    st->nseen = 0;
    const ds_known_keys *known = ds_scan_known(s);
    if (st->have_vaddr) {
        size_t n = 0;
        for (size_t i = 0, end; i < len; i = end) {
            int mem;
            size_t from = rm_segment(&v, i, &end, &mem);
            if (mem && from < end)
                rm_find_bignums(&v, from, end, st->cands, &n, RM_MAX_CANDS);
        }
        if (n)
            rm_group(st, s, &v, st->cands, n, known);
    }
    if (known)
        rm_known_windows(st, s, &v, known);
}

const ds_detector ds_detector_rsamem = {
    .name = "rsamem",
    .max_span = RM_SPAN,
    .open = rm_open,
    .scan = rm_scan,
    .close = rm_close,
};
