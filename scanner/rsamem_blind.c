/*
 * rsamem_blind.c - turn candidate integers into RSA keys with word
 * arithmetic first and big-number operations only on survivors.
 *
 *  - prime pairs: for candidates p, q of similar size, p0*q0 mod 2^64 (the
 *    low words) is looked up among the low words of candidate moduli of
 *    size bits(p)+bits(q); a hit is checked with one BN_mul.
 *  - lone primes: a candidate of half the size of a candidate or known
 *    modulus n that divides it (BN_mod; bounded per chunk).
 *  - lone d: a candidate of the size of a known n with 2^(e*d) = 2 mod n
 *    (one modexp; bounded per chunk).
 *  - bare windows (known moduli only): every 8-aligned window of the size
 *    of a prime of n, as LE limbs and as BE bytes, through cheap filters
 *    (odd, exact top bit, few zero bytes, high bytes neither all ASCII nor
 *    all set, no repeated words), then one BN_mod.
 */
#include "rsamem.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PRIMES 512         /* pair search is quadratic: bound it */
#define MAX_LONE_TESTS 256     /* BN_mod per chunk against in-dump moduli */
#define MAX_D_TESTS 32         /* modexp per chunk against known moduli */

static int cmp_off(const void *a, const void *b)
{
    const rm_cand *x = a, *y = b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return 0;
}

static int cmp_lo(const void *a, const void *b)
{
    const rm_cand *x = *(const rm_cand *const *)a, *y = *(const rm_cand *const *)b;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return 0;
}

static int near_bits(int a, int b, int tol)
{
    return a - b <= tol && b - a <= tol;
}

/* p | n for candidate p (secure BN), n public. */
static int divides(BN_CTX *ctx, const BIGNUM *n, const BIGNUM *p)
{
    if (BN_is_zero(p) || BN_is_one(p) || BN_cmp(p, n) >= 0)
        return 0;
    BN_CTX_start(ctx);
    BIGNUM *r = BN_CTX_get(ctx);
    int ok = r && BN_mod(r, n, p, ctx) && BN_is_zero(r);
    BN_CTX_end(ctx);
    return ok;
}

static void try_pair(rm_state *st, ds_scan *s, const rm_view *v, const rm_cand *pc,
                     const rm_cand *qc, const rm_cand *nc, rm_cand *c, size_t n)
{
    if (rm_seen(st, nc->lo, (int)nc->bits, 0))
        return;
    BN_CTX *ctx = rm_bnctx(st);
    BIGNUM *N = rm_cand_bn(v, nc, rm_tmp(st, 0));
    BIGNUM *P = rm_cand_bn(v, pc, rm_tmp(st, 0));
    BIGNUM *Q = rm_cand_bn(v, qc, rm_tmp(st, 0));
    BIGNUM *t = BN_secure_new();
    if (N && P && Q && t && BN_mul(t, P, Q, ctx) && BN_cmp(t, N) == 0) {
        rm_seen(st, nc->lo, (int)nc->bits, 1);
        rm_key_found(st, s, v, N, NULL, P, NULL, c, n);
    }
    BN_clear_free(t);
    BN_clear_free(P);
    BN_clear_free(Q);
    BN_free(N);
}

void rm_group(rm_state *st, ds_scan *s, const rm_view *v, rm_cand *c, size_t n,
              const ds_known_keys *known)
{
    if (!n)
        return;
    /* one candidate per limb array (Montgomery copies live elsewhere) */
    qsort(c, n, sizeof *c, cmp_off);
    size_t u = 1;
    for (size_t i = 1; i < n; i++)
        if (c[i].off != c[u - 1].off)
            c[u++] = c[i];
    n = u;

    rm_cand *pr[MAX_PRIMES], *mods[RM_MAX_CANDS];
    size_t np = 0, nm = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(c[i].lo & 1))
            continue;
        if (c[i].bits >= 512 && nm < RM_MAX_CANDS)
            mods[nm++] = &c[i];
        if (c[i].bits <= RM_MAX_BITS / 2 && np < MAX_PRIMES)
            pr[np++] = &c[i];
    }
    if (nm > 1)
        qsort(mods, nm, sizeof *mods, cmp_lo);

    /* prime pairs: p0*q0 = n0 (mod 2^64) by binary search on n's low words */
    for (size_t i = 0; i < np && nm; i++) {
        for (size_t j = i + 1; j < np; j++) {
            if (!near_bits((int)pr[i]->bits, (int)pr[j]->bits, 8))
                continue;
            if (pr[i]->lo == pr[j]->lo && pr[i]->hi == pr[j]->hi)
                continue;   /* same value twice (a copy), not a pair */
            uint64_t lo = pr[i]->lo * pr[j]->lo;
            size_t a = 0, b = nm;
            while (a < b) {
                size_t m = a + (b - a) / 2;
                if (mods[m]->lo < lo)
                    a = m + 1;
                else
                    b = m;
            }
            int want = (int)(pr[i]->bits + pr[j]->bits);
            for (; a < nm && mods[a]->lo == lo; a++)
                if ((int)mods[a]->bits == want || (int)mods[a]->bits == want - 1)
                    try_pair(st, s, v, pr[i], pr[j], mods[a], c, n);
        }
    }

    /* lone primes against in-dump moduli not yet explained */
    BN_CTX *ctx = rm_bnctx(st);
    int tests = 0;
    for (size_t m = 0; m < nm && tests < MAX_LONE_TESTS; m++) {
        if (rm_seen(st, mods[m]->lo, (int)mods[m]->bits, 0) || mods[m]->bits < 1024)
            continue;
        BIGNUM *N = NULL;
        for (size_t i = 0; i < np && tests < MAX_LONE_TESTS; i++) {
            if (!near_bits((int)pr[i]->bits * 2, (int)mods[m]->bits, 4))
                continue;
            if (!N && !(N = rm_cand_bn(v, mods[m], rm_tmp(st, 0))))
                break;
            BIGNUM *P = rm_cand_bn(v, pr[i], rm_tmp(st, 0));
            tests++;
            int hit = P && divides(ctx, N, P);
            if (hit) {
                rm_seen(st, mods[m]->lo, (int)mods[m]->bits, 1);
                rm_key_found(st, s, v, N, NULL, P, NULL, c, n);
            }
            BN_clear_free(P);
            if (hit)
                break;
        }
        BN_free(N);
    }

    /* known moduli: lone primes and lone d among the candidates */
    size_t nk = ds_known_keys_count(known);
    int dtests = 0;
    for (size_t k = 0; k < nk; k++) {
        const BIGNUM *N = ds_known_keys_n(known, k), *E = ds_known_keys_e(known, k);
        int nb = BN_num_bits(N);
        uint8_t nlo8[8];
        uint64_t nlo = 0;
        BIGNUM *lw = BN_dup(N);   /* n's low word: the key's id in rm_seen */
        if (lw && BN_mask_bits(lw, 64) && BN_bn2lebinpad(lw, nlo8, 8) == 8)
            for (int i = 0; i < 8; i++)
                nlo |= (uint64_t)nlo8[i] << (8 * i);
        BN_free(lw);
        for (size_t i = 0; i < n; i++) {
            if (!(c[i].lo & 1) || rm_seen(st, nlo, nb, 0))
                continue;
            int b = (int)c[i].bits;
            if (near_bits(2 * b, nb, 4)) {
                BIGNUM *P = rm_cand_bn(v, &c[i], rm_tmp(st, 0));
                if (P && divides(ctx, N, P) && rm_key_found(st, s, v, N, E, P, NULL, c, n))
                    rm_seen(st, nlo, nb, 1);
                BN_clear_free(P);
            } else if (b <= nb && b >= nb - 24 && c[i].lo != nlo && dtests < MAX_D_TESTS) {
                dtests++;
                BIGNUM *D = rm_cand_bn(v, &c[i], rm_tmp(st, 0));
                BIGNUM *t = BN_secure_new();
                BN_CTX_start(ctx);
                BIGNUM *two = BN_CTX_get(ctx);
                int ok = D && t && two && BN_set_word(two, 2) &&
                         BN_mod_exp(t, two, E, N, ctx) &&
                         BN_mod_exp(t, t, D, N, ctx) && BN_cmp(t, two) == 0;
                BN_CTX_end(ctx);
                if (ok && rm_key_found(st, s, v, N, E, NULL, D, c, n))
                    rm_seen(st, nlo, nb, 1);
                BN_clear_free(t);
                BN_clear_free(D);
            }
        }
    }
}

/* Cheap look at a window: not text, not pointers, not mostly zeros. */
static int looks_random(const uint8_t *w, size_t n)
{
    size_t zero = 0, high = 0;
    for (size_t i = 0; i < n; i++) {
        zero += w[i] == 0;
        high += w[i] >> 7;
    }
    if (zero > 3 + n / 64 || high < n / 4 || high > n - n / 4)
        return 0;
    for (size_t i = 8; i + 8 <= n; i += 8)
        if (memcmp(w + i, w + i - 8, 8) == 0)
            return 0;
    return 1;
}

/* A k-bit prime factor p of a 2k-bit n leaves a k-bit cofactor: checked
 * from the top 64 bits of both in floating point (a 1e-6 margin covers the
 * truncation).  p is the window's top 8 bytes, most significant first. */
static int cofactor_fits(double nf, int nshift, uint64_t ptop, int pshift, int k)
{
    double q = nf / (double)ptop;   /* q / 2^(nshift - pshift) */
    int e = nshift - pshift - (k - 1);
    double lo = 1.0;
    for (int i = 0; i < e && i < 1100; i++)
        lo *= 0.5;
    for (int i = 0; i > e && i > -1100; i--)
        lo *= 2.0;
    double hi = 2.0 * lo;
    return q >= lo * (1 - 1e-6) && q < hi * (1 + 1e-6);
}

/* No factor among the odd primes up to 47 (a prime window has none; ~70%
 * of random odd windows do).  V = sum of its 32-bit chunks c_j * 2^(32j),
 * so V mod M = sum c_j * (2^(32j) mod M) mod M with the weights from
 * sieve_init: multiplications and two divisions per window. */
#define M1 (3ULL * 5 * 7 * 11 * 13 * 17 * 19 * 23)   /* < 2^27 */
#define M2 (29ULL * 31 * 37 * 41 * 43 * 47)           /* < 2^31 */
#define SIEVE_MAX (RM_MAX_BYTES / 4)

static void sieve_init(uint32_t t1[SIEVE_MAX], uint32_t t2[SIEVE_MAX])
{
    uint64_t a = 1, b = 1;
    for (size_t j = 0; j < SIEVE_MAX; j++) {
        t1[j] = (uint32_t)a;
        t2[j] = (uint32_t)b;
        a = (a << 32) % M1;
        b = (b << 32) % M2;
    }
}

static int no_small_factor(const uint8_t *w, size_t n, int be, const uint32_t *t1,
                           const uint32_t *t2)
{
    if ((n & 3) || n / 4 > SIEVE_MAX)
        return 1;
    unsigned __int128 s1 = 0, s2 = 0;
    for (size_t j = 0; j < n / 4; j++) {
        uint32_t c;
        if (be) {
            const uint8_t *q = w + n - 4 - 4 * j;
            c = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
        } else {
            memcpy(&c, w + 4 * j, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
            c = __builtin_bswap32(c);
#endif
        }
        s1 += (uint64_t)c * t1[j];
        s2 += (uint64_t)c * t2[j];
    }
    uint64_t r1 = (uint64_t)(s1 % M1), r2 = (uint64_t)(s2 % M2);
    static const uint8_t p1[] = { 3, 5, 7, 11, 13, 17, 19, 23 }, p2[] = { 29, 31, 37, 41, 43, 47 };
    for (size_t i = 0; i < sizeof p1; i++)
        if (r1 % p1[i] == 0)
            return 0;
    for (size_t i = 0; i < sizeof p2; i++)
        if (r2 % p2[i] == 0)
            return 0;
    return 1;
}

size_t rm_known_windows(rm_state *st, ds_scan *s, const rm_view *v,
                        const ds_known_keys *known)
{
    size_t nk = ds_known_keys_count(known), tested = 0;
    BN_CTX *ctx = rm_bnctx(st);
    BIGNUM *P = nk ? BN_secure_new() : NULL;   /* reused: one per chunk */
    uint32_t t1[SIEVE_MAX], t2[SIEVE_MAX];
    if (nk)
        sieve_init(t1, t2);
    for (size_t k = 0; k < nk; k++) {
        const BIGNUM *N = ds_known_keys_n(known, k), *E = ds_known_keys_e(known, k);
        int kb = (BN_num_bits(N) + 1) / 2;
        size_t wb = (size_t)(kb + 7) / 8;
        unsigned topsh = (unsigned)((kb - 1) & 7);
        const uint8_t *b = v->buf;
        int nbytes = BN_num_bytes(N);
        uint8_t ntop[8] = { 0 };
        if (nbytes < 16 || nbytes > RM_MAX_BYTES ||
            BN_bn2binpad(N, rm_tmp(st, 0), nbytes) != nbytes)
            continue;
        memcpy(ntop, rm_tmp(st, 0), 8);
        double nf = 0;
        for (int i = 0; i < 8; i++)
            nf = nf * 256 + ntop[i];
        int nshift = 8 * nbytes - 64;
        int pshift = 8 * (int)wb - 64;
        size_t seg_end = 0, step = (size_t)v->ws;
        for (size_t pos = 0; pos < v->own && pos + wb <= v->len; pos += step) {
            if (pos >= seg_end) {
                int mem;
                pos = rm_segment(v, pos, &seg_end, &mem);
                if (pos >= v->own || pos + wb > v->len)
                    break;
            }
            const uint8_t *w = b + pos;
            int le = (w[0] & 1) && (w[wb - 1] >> topsh) == 1;
            int be = (w[wb - 1] & 1) && (w[0] >> topsh) == 1;
            if (!(le | be))
                continue;
            int lr = -1;   /* looks_random(w), computed once, last: least selective on random data */
            for (int order = 0; order < 2; order++) {
                if (!(order ? be : le))
                    continue;
                uint64_t ptop = 0;
                for (size_t i = 0; i < 8; i++)
                    ptop = ptop << 8 | (order ? w[i] : w[wb - 1 - i]);
                if (!cofactor_fits(nf, nshift, ptop, pshift, kb) || !no_small_factor(w, wb, order, t1, t2))
                    continue;
                if (lr < 0)
                    lr = looks_random(w, wb);
                if (!lr)
                    continue;
                tested++;
                int ok = P && (order ? BN_bin2bn(w, (int)wb, P) : BN_lebin2bn(w, (int)wb, P)) &&
                         divides(ctx, N, P);
                if (ok)
                    rm_key_found(st, s, v, N, E, P, NULL, NULL, 0);
            }
        }
    }
    BN_clear_free(P);
    return tested;
}
