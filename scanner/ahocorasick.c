/*
 * ahocorasick.c - Aho-Corasick DFA over case-folded byte classes, with a
 * two-byte-pair skip loop while in the root state (see ahocorasick.h).
 *
 * Why a skip loop: a DFA step per byte costs a dependent load per byte
 * (about 1 GB/s at best); but while the automaton sits in its root, a
 * position can only matter if the pair (b[i], b[i+1]) begins some pattern,
 * and with a few hundred keywords that is rare in dump data (zero pages,
 * pointers, code).  Leaving the root only on a pair hit is exact: every
 * pattern is >= 2 bytes, so from the root the automaton state after b[i]
 * can only be extended by b[i+1] when the pair is a pattern prefix; if it
 * is not, the state after b[i+1] equals the root's transition on b[i+1],
 * which is what restarting at i+1 computes.
 */
#include "ahocorasick.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define AC_X86 1
#endif

#define AC_TEDDY_MAX 96   /* patterns (keywords x encodings) */
#define TRI_BITS 18
#define TRI_MUL  0x9E3779B1u

static inline uint32_t tri_hash(uint32_t x24)
{
    return (uint32_t)(x24 * TRI_MUL) >> (32 - TRI_BITS);
}

struct ds_ac {
    uint8_t cls[256];        /* byte -> class (folded); 0 = not in any pattern */
    uint32_t nclass;         /* classes incl. 0 */
    uint32_t nstates;
    uint32_t *delta;         /* nstates * nclass */
    uint32_t *depth;         /* per state */
    uint32_t *out_start;     /* per state: into outs */
    uint32_t *out_n;
    uint32_t *outs;
    size_t nouts;
    uint32_t *plen;          /* per pattern */
    uint64_t pairs[1024];    /* bitmap over (b[i] | b[i+1] << 8), all case variants */
    uint64_t pairs2[1024];   /* the same over pattern bytes 1 and 2 */
    /* SIMD filter (Teddy-like): 8 buckets of patterns; for pattern byte
     * j = 0..2, lo[j][n] / hi[j][n] = buckets having a byte with low / high
     * nibble n there.  A position is a candidate when some bucket matches
     * at all three bytes. */
    uint8_t lo[3][16], hi[3][16];
    /* AVX2 filter: a bitmap over a 18-bit hash of the first three bytes
     * (every case variant), probed with gathers, 32 positions at a time. */
    uint32_t tri[1u << (TRI_BITS - 5)];
    int simd;                /* 0 none, 1 SSSE3 Teddy, 2 AVX2 Teddy, 3 AVX2 trigrams */
};

static uint8_t fold(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c; }

static void pair_set(uint64_t *bm, uint8_t a, uint8_t b)
{
    uint8_t av[2] = { a, a }, bv[2] = { b, b };
    if (a >= 'a' && a <= 'z') av[1] = (uint8_t)(a - 32);
    if (b >= 'a' && b <= 'z') bv[1] = (uint8_t)(b - 32);
    for (int x = 0; x < 2; x++)
        for (int y = 0; y < 2; y++) {
            uint32_t k = (uint32_t)av[x] | ((uint32_t)bv[y] << 8);
            bm[k >> 6] |= 1ull << (k & 63);
        }
}

size_t ds_ac_states(const ds_ac *ac) { return ac ? ac->nstates : 0; }

void ds_ac_free(ds_ac *ac)
{
    if (!ac)
        return;
    free(ac->delta);
    free(ac->depth);
    free(ac->out_start);
    free(ac->out_n);
    free(ac->outs);
    free(ac->plen);
    free(ac);
}

ds_ac *ds_ac_build(const uint8_t *const *pats, const size_t *lens, size_t n)
{
    ds_ac *ac = calloc(1, sizeof *ac);
    if (!ac)
        return NULL;
    size_t total = 1;
    for (size_t i = 0; i < n; i++) {
        if (lens[i] < 3 || lens[i] > 4096)
            goto fail;
        total += lens[i];
    }
    if (total > 0xfffffff0u / 256)
        goto fail;
    /* byte classes */
    uint32_t nc = 1;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < lens[i]; k++) {
            uint8_t f = fold(pats[i][k]);
            if (!ac->cls[f])
                ac->cls[f] = (uint8_t)nc++;
            if (nc > 255)
                goto fail;
        }
    for (int c = 'A'; c <= 'Z'; c++)
        ac->cls[c] = ac->cls[c | 0x20];
    /* Class 0 may be shared by a real pattern byte only if no pattern byte
     * maps there: classes start at 1, so class 0 means "no pattern byte". */
    ac->nclass = nc;
    ac->delta = calloc(total * nc, sizeof *ac->delta);
    ac->depth = calloc(total, sizeof *ac->depth);
    ac->out_start = calloc(total, sizeof *ac->out_start);
    ac->out_n = calloc(total, sizeof *ac->out_n);
    ac->plen = calloc(n ? n : 1, sizeof *ac->plen);
    uint32_t *fail = calloc(total, sizeof *fail);
    uint32_t *queue = calloc(total, sizeof *queue);
    uint32_t *own_first = malloc(total * sizeof *own_first);   /* linked list of own outputs */
    uint32_t *own_next = malloc((n ? n : 1) * sizeof *own_next);
    if (!ac->delta || !ac->depth || !ac->out_start || !ac->out_n || !ac->plen || !fail ||
        !queue || !own_first || !own_next) {
        free(fail); free(queue); free(own_first); free(own_next);
        goto fail;
    }
    memset(own_first, 0xff, total * sizeof *own_first);
    /* trie; 0 in delta means "no edge yet" (the root is never a child) */
    uint32_t ns = 1;
    for (size_t i = 0; i < n; i++) {
        uint32_t s = 0;
        for (size_t k = 0; k < lens[i]; k++) {
            uint32_t c = ac->cls[fold(pats[i][k])];
            uint32_t *t = &ac->delta[(size_t)s * nc + c];
            if (!*t) {
                *t = ns;
                ac->depth[ns] = ac->depth[s] + 1;
                ns++;
            }
            s = *t;
        }
        ac->plen[i] = (uint32_t)lens[i];
        own_next[i] = own_first[s];
        own_first[s] = (uint32_t)i;
        pair_set(ac->pairs, fold(pats[i][0]), fold(pats[i][1]));
        pair_set(ac->pairs2, fold(pats[i][1]), fold(pats[i][2]));
        {
            uint8_t v[3][2];
            for (int j = 0; j < 3; j++) {
                uint8_t c = fold(pats[i][j]);
                v[j][0] = c;
                v[j][1] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
            }
            for (int m = 0; m < 8; m++) {
                uint32_t x = (uint32_t)v[0][m & 1] | (uint32_t)v[1][(m >> 1) & 1] << 8 |
                             (uint32_t)v[2][(m >> 2) & 1] << 16;
                uint32_t h = tri_hash(x);
                ac->tri[h >> 5] |= 1u << (h & 31);
            }
        }
        for (int j = 0; j < 3; j++) {
            uint8_t c = fold(pats[i][j]);
            uint8_t v[2] = { c, (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c };
            for (int x = 0; x < 2; x++) {
                ac->lo[j][v[x] & 15] |= (uint8_t)(1u << (i % 8));
                ac->hi[j][v[x] >> 4] |= (uint8_t)(1u << (i % 8));
            }
        }
    }
    ac->nstates = ns;
#ifdef AC_X86
    __builtin_cpu_init();
    /* Teddy's nibble masks stay selective for a few dozen patterns; with
     * more, almost every text position matches some bucket and the hashed
     * trigram bitmap wins (measured: bench/RESULTS-rules.md). */
    if (__builtin_cpu_supports("avx2"))
        ac->simd = n > AC_TEDDY_MAX ? (__builtin_cpu_supports("bmi2") ? 3 : 2) : 2;
    else if (__builtin_cpu_supports("ssse3"))
        ac->simd = 1;
#endif
    /* BFS: failure links, complete the DFA, count outputs */
    size_t qh = 0, qt = 0;
    for (uint32_t c = 0; c < nc; c++) {
        uint32_t t = ac->delta[c];
        if (t) {
            fail[t] = 0;
            queue[qt++] = t;
        }
    }
    size_t nouts = 0;
    uint32_t *order = queue;   /* BFS order is kept in queue[] */
    while (qh < qt) {
        uint32_t s = queue[qh++];
        for (uint32_t c = 0; c < nc; c++) {
            uint32_t *t = &ac->delta[(size_t)s * nc + c];
            uint32_t f = ac->delta[(size_t)fail[s] * nc + c];
            if (*t) {
                fail[*t] = f;
                queue[qt++] = *t;
            } else {
                *t = f;
            }
        }
    }
    /* outputs: own + those of the failure state (already done, BFS order) */
    for (size_t q = 0; q < qt; q++) {
        uint32_t s = order[q];
        uint32_t cnt = 0;
        for (uint32_t p = own_first[s]; p != 0xffffffffu; p = own_next[p])
            cnt++;
        ac->out_n[s] = cnt + ac->out_n[fail[s]];
        nouts += ac->out_n[s];
    }
    ac->outs = malloc((nouts ? nouts : 1) * sizeof *ac->outs);
    if (!ac->outs) {
        free(fail); free(queue); free(own_first); free(own_next);
        goto fail;
    }
    size_t pos = 0;
    for (size_t q = 0; q < qt; q++) {
        uint32_t s = order[q];
        ac->out_start[s] = (uint32_t)pos;
        for (uint32_t p = own_first[s]; p != 0xffffffffu; p = own_next[p])
            ac->outs[pos++] = p;
        uint32_t fs = fail[s];
        memcpy(&ac->outs[pos], &ac->outs[ac->out_start[fs]], ac->out_n[fs] * sizeof *ac->outs);
        pos += ac->out_n[fs];
    }
    ac->nouts = pos;
    free(fail); free(queue); free(own_first); free(own_next);
    return ac;
fail:
    ds_ac_free(ac);
    return NULL;
}

static inline int pair_in(const uint64_t *bm, const uint8_t *p)
{
    uint32_t k = (uint32_t)p[0] | ((uint32_t)p[1] << 8);
    return (int)((bm[k >> 6] >> (k & 63)) & 1);
}

/* Can a pattern start at p?  Bytes 0-1 and bytes 1-2 must both be pairs
 * seen at those places in some pattern (not necessarily the same one). */
static inline int start_hit(const ds_ac *ac, const uint8_t *p)
{
    return pair_in(ac->pairs, p) && pair_in(ac->pairs2, p + 1);
}

#ifdef AC_X86
/* First candidate in [i, lim) or lim; reads up to buf[lim + 2 + 31) < len. */
__attribute__((target("ssse3")))
static size_t next_cand_ssse3(const ds_ac *ac, const uint8_t *buf, size_t i, size_t lim)
{
    const __m128i nib = _mm_set1_epi8(0x0f);
    const __m128i l0 = _mm_loadu_si128((const __m128i *)ac->lo[0]);
    const __m128i l1 = _mm_loadu_si128((const __m128i *)ac->lo[1]);
    const __m128i l2 = _mm_loadu_si128((const __m128i *)ac->lo[2]);
    const __m128i h0 = _mm_loadu_si128((const __m128i *)ac->hi[0]);
    const __m128i h1 = _mm_loadu_si128((const __m128i *)ac->hi[1]);
    const __m128i h2 = _mm_loadu_si128((const __m128i *)ac->hi[2]);
    const __m128i zero = _mm_setzero_si128();
    for (; i < lim; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(buf + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(buf + i + 1));
        __m128i c = _mm_loadu_si128((const __m128i *)(buf + i + 2));
        __m128i m = _mm_and_si128(_mm_shuffle_epi8(l0, _mm_and_si128(a, nib)),
                                  _mm_shuffle_epi8(h0, _mm_and_si128(_mm_srli_epi16(a, 4), nib)));
        m = _mm_and_si128(m, _mm_shuffle_epi8(l1, _mm_and_si128(b, nib)));
        m = _mm_and_si128(m, _mm_shuffle_epi8(h1, _mm_and_si128(_mm_srli_epi16(b, 4), nib)));
        m = _mm_and_si128(m, _mm_shuffle_epi8(l2, _mm_and_si128(c, nib)));
        m = _mm_and_si128(m, _mm_shuffle_epi8(h2, _mm_and_si128(_mm_srli_epi16(c, 4), nib)));
        unsigned bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(m, zero)) ^ 0xffffu;
        while (bits) {
            size_t p = i + (size_t)__builtin_ctz(bits);
            if (p >= lim)
                return lim;
            if (start_hit(ac, buf + p))
                return p;
            bits &= bits - 1;
        }
    }
    return lim;
}

__attribute__((target("avx2")))
static size_t next_cand_teddy2(const ds_ac *ac, const uint8_t *buf, size_t i, size_t lim)
{
    const __m256i nib = _mm256_set1_epi8(0x0f);
#define B2(t) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(t)))
    const __m256i l0 = B2(ac->lo[0]), l1 = B2(ac->lo[1]), l2 = B2(ac->lo[2]);
    const __m256i h0 = B2(ac->hi[0]), h1 = B2(ac->hi[1]), h2 = B2(ac->hi[2]);
#undef B2
    const __m256i zero = _mm256_setzero_si256();
    for (; i < lim; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(buf + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(buf + i + 1));
        __m256i c = _mm256_loadu_si256((const __m256i *)(buf + i + 2));
        __m256i m = _mm256_and_si256(_mm256_shuffle_epi8(l0, _mm256_and_si256(a, nib)),
                                     _mm256_shuffle_epi8(h0, _mm256_and_si256(_mm256_srli_epi16(a, 4), nib)));
        m = _mm256_and_si256(m, _mm256_shuffle_epi8(l1, _mm256_and_si256(b, nib)));
        m = _mm256_and_si256(m, _mm256_shuffle_epi8(h1, _mm256_and_si256(_mm256_srli_epi16(b, 4), nib)));
        m = _mm256_and_si256(m, _mm256_shuffle_epi8(l2, _mm256_and_si256(c, nib)));
        m = _mm256_and_si256(m, _mm256_shuffle_epi8(h2, _mm256_and_si256(_mm256_srli_epi16(c, 4), nib)));
        uint32_t bits = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(m, zero));
        while (bits) {
            size_t p = i + (size_t)__builtin_ctz(bits);
            if (p >= lim)
                return lim;
            if (start_hit(ac, buf + p))
                return p;
            bits &= bits - 1;
        }
    }
    return lim;
}

/* Hashed-trigram filter: lane j of load k is position i + 4j + k. */
__attribute__((target("avx2,bmi2")))
static size_t next_cand_avx2(const ds_ac *ac, const uint8_t *buf, size_t i, size_t lim)
{
    const __m256i m24 = _mm256_set1_epi32(0xffffff);
    const __m256i mul = _mm256_set1_epi32((int)TRI_MUL);
    const __m256i c31 = _mm256_set1_epi32(31);
    const int *tab = (const int *)ac->tri;
    for (; i < lim; i += 32) {
        uint32_t bits = 0;
        for (int k = 0; k < 4; k++) {
            __m256i v = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(buf + i + k)), m24);
            __m256i h = _mm256_srli_epi32(_mm256_mullo_epi32(v, mul), 32 - TRI_BITS);
            __m256i w = _mm256_i32gather_epi32(tab, _mm256_srli_epi32(h, 5), 4);
            w = _mm256_sllv_epi32(w, _mm256_sub_epi32(c31, _mm256_and_si256(h, c31)));
            uint32_t m = (uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(w));
            bits |= _pdep_u32(m, 0x11111111u << k);
        }
        while (bits) {
            size_t p = i + (size_t)__builtin_ctz(bits);
            if (p >= lim)
                return lim;
            if (start_hit(ac, buf + p))
                return p;
            bits &= bits - 1;
        }
    }
    return lim;
}
#endif

/* First position in [i, lim) where a pattern may start, or lim. */
static size_t next_cand(const ds_ac *ac, const uint8_t *buf, size_t i, size_t lim, size_t len)
{
#ifdef AC_X86
    /* the vector loops read 32 + 3 bytes from each block start */
    size_t vlim = len >= 35 ? len - 35 + 1 : 0;
    if (vlim > lim)
        vlim = lim;
    if (ac->simd && i < vlim) {
        size_t p = ac->simd == 3 ? next_cand_avx2(ac, buf, i, vlim)
                 : ac->simd == 2 ? next_cand_teddy2(ac, buf, i, vlim)
                                 : next_cand_ssse3(ac, buf, i, vlim);
        if (p < vlim)
            return p;
        i = vlim;
    }
#else
    (void)len;
#endif
    while (i < lim && !start_hit(ac, buf + i))
        i++;
    return i;
}

int ds_ac_search(const ds_ac *ac, const uint8_t *buf, size_t own, size_t len,
                 ds_ac_cb cb, void *ctx)
{
    if (!ac || len < 3)
        return 0;
    if (own > len)
        own = len;
    const uint32_t nc = ac->nclass;
    size_t lim = own < len - 2 ? own : len - 2;   /* last possible start + 1 */
    size_t i = 0;
    for (;;) {
        i = next_cand(ac, buf, i, lim, len);
        if (i >= lim)
            return 0;
        /* run the automaton from the root until it returns there */
        uint32_t s = 0;
        do {
            s = ac->delta[(size_t)s * nc + ac->cls[buf[i]]];
            i++;
            uint32_t no = ac->out_n[s];
            if (no) {
                const uint32_t *o = &ac->outs[ac->out_start[s]];
                for (uint32_t k = 0; k < no; k++) {
                    size_t st = i - ac->plen[o[k]];
                    if (st < own && cb(ctx, o[k], st))
                        return 1;
                }
            }
        } while (s != 0 && i < len && i - ac->depth[s] < own);
        if (s != 0)
            return 0;   /* end of buffer, or every later match starts at or after own */
    }
}
