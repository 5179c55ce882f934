/*
 * rsamem_bignum.c - find OpenSSL BIGNUMs in a dump and follow them to
 * their limb arrays.
 *
 * A BIGNUM (crypto/bn/bn_local.h) is {BN_ULONG *d; int top; int dmax;
 * int neg; int flags;}: 24 bytes on LP64, 20 on 32-bit cores, limbs least
 * significant first.  At every word-aligned position the header fields
 * are tested before anything else (a few integer compares on one or two
 * loads); only survivors pay for the pointer check (range, then the
 * region map's binary search) and the limb read.
 */
#include "rsamem.h"
#include "cpu.h"

#include <string.h>

#ifdef DS_AVX2_BUILD
#include <immintrin.h>
#endif

static inline uint64_t rd64le(const uint8_t *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}

static inline uint32_t rd32(const uint8_t *p, int be)
{
    if (be)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline uint64_t rdw(const uint8_t *p, int ws, int be)
{
    if (ws == 4)
        return rd32(p, be);
    if (be)
        return (uint64_t)rd32(p, 1) << 32 | rd32(p + 4, 1);
    return rd64le(p);
}

const uint8_t *rm_bytes(const rm_view *v, uint64_t off, size_t n)
{
    return ds_file_bytes(v->whole, v->whole_len, v->buf, v->base, v->len, off, n);
}

size_t rm_cand_le(const rm_view *v, const rm_cand *c, uint8_t *tmp)
{
    size_t n = (size_t)c->limbs * (size_t)v->ws;
    if (n > RM_MAX_BYTES + 8)
        return 0;
    const uint8_t *src = rm_bytes(v, c->off, n);
    if (!src)
        return 0;
    if (!v->be) {
        memcpy(tmp, src, n);
    } else {
        for (size_t i = 0; i < n; i += (size_t)v->ws)
            for (int k = 0; k < v->ws; k++)
                tmp[i + (size_t)k] = src[i + (size_t)v->ws - 1 - (size_t)k];
    }
    return n;
}

BIGNUM *rm_cand_bn(const rm_view *v, const rm_cand *c, uint8_t *tmp)
{
    size_t n = rm_cand_le(v, c, tmp);
    if (!n)
        return NULL;
    BIGNUM *b = BN_secure_new();
    if (b && !BN_lebin2bn(tmp, (int)n, b)) {
        BN_clear_free(b);
        b = NULL;
    }
    OPENSSL_cleanse(tmp, n);
    return b;
}

void rm_cand_stats(rm_cand *c, const uint8_t *le, size_t n)
{
    while (n && le[n - 1] == 0)
        n--;
    c->bits = 0;
    c->lo = c->hi = 0;
    if (!n)
        return;
    c->bits = (uint32_t)(n * 8 - (size_t)__builtin_clz((unsigned)le[n - 1]) + 24);
    for (size_t i = 0; i < 8 && i < n; i++)
        c->lo |= (uint64_t)le[i] << (8 * i);
    for (size_t i = 0; i < 8 && i < n; i++)
        c->hi = c->hi << 8 | le[n - 1 - i];
}

/* A header survivor: check the pointer, read the limbs, keep the value if
 * it has the size of an RSA private component. */
static void take(const rm_view *v, uint64_t hdr_off, uint64_t ptr, uint32_t top,
                 rm_cand *out, size_t *n, size_t max)
{
    if (*n >= max || ptr < v->vmin || ptr >= v->vmax || (ptr & (uint64_t)(v->ws - 1)))
        return;
    uint64_t off;
    if (ds_dump_vaddr_to_off(v->dump, ptr, &off) < 0)
        return;
    size_t nb = (size_t)top * (size_t)v->ws;
    const uint8_t *src = rm_bytes(v, off, nb);
    if (!src || nb > RM_MAX_BYTES)
        return;
    rm_cand c = { .off = off, .hdr = hdr_off, .limbs = top };
    uint8_t le[RM_MAX_BYTES + 8];
    size_t m = rm_cand_le(v, &c, le);
    if (!m)
        return;
    rm_cand_stats(&c, le, m);
    OPENSSL_cleanse(le, m);
    if (c.bits < RM_MIN_BITS || c.bits > RM_MAX_BITS)
        return;
    out[(*n)++] = c;
}

/* The full header test at buf[i .. i+24) (LP64 little-endian): an OpenSSL
 * BIGNUM {d, top, dmax, neg, flags} at i, or a Go math/big.Int {neg bool;
 * abs []Word} = {neg, ptr, len, cap} at i-8 (the same pointer position;
 * its len word, high half zero, passes the same prefilter). */
static inline size_t header64(const rm_view *v, const uint8_t *b, size_t i, rm_cand *out,
                              size_t *n, size_t max)
{
    uint64_t w1 = rd64le(b + i + 8);
    uint32_t top = (uint32_t)w1, dmax = (uint32_t)(w1 >> 32);
    if (top - 4u > 124u)
        return 0;
    if (dmax == 0) {
        uint64_t cap = rd64le(b + i + 16);
        if (i < 8 || cap < top || cap > 4096u || rd64le(b + i - 8) > 1)
            return 0;
        take(v, v->base + i - 8, rd64le(b + i), top, out, n, max);
        return 1;
    }
    if (dmax < top || dmax > 4096u)
        return 0;
    uint64_t w2 = rd64le(b + i + 16);
    if (w2 & ~(uint64_t)0x0000001f00000001ULL)
        return 0;   /* neg not 0/1 or flags beyond the known ones */
    take(v, v->base + i, rd64le(b + i), top, out, n, max);
    return 1;
}

size_t rm_segment(const rm_view *v, size_t i, size_t *end, int *mem)
{
    const ds_dump *d = v->dump;
    uint64_t off = v->base + i;
    const ds_region *r = ds_dump_region_at(d, off);
    size_t align = (size_t)v->ws;
    if (r && r->has_vaddr) {
        uint64_t e = r->file_off + r->file_size - v->base;
        *end = e < v->len ? (size_t)e : v->len;
        *mem = 1;
        uint64_t va = r->vaddr + (off - r->file_off);
        return i + (size_t)((align - (va & (align - 1))) & (align - 1));
    }
    /* a gap or metadata: up to the next region that starts after off */
    size_t lo = 0, hi = d->nregions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->regions[mid].file_off <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t e = lo < d->nregions ? d->regions[lo].file_off - v->base : v->len;
    *end = e < v->len ? (size_t)e : v->len;
    if (*end <= i)
        *end = i + 1;
    *mem = 0;
    return i + (size_t)((align - (off & (align - 1))) & (align - 1));
}

/* Plausible head of a 64-bit little-endian integer object: a user-space,
 * 8-aligned limb pointer followed by OpenSSL's {int top; int dmax;} with
 * top <= dmax, or by Go's u64 len (dmax half 0; header64 checks cap and
 * sign).  The pointer test rejects the (small integer, small integer)
 * pairs heaps are full of before any branch. */
static inline int bn_head_ok(uint64_t ptr, uint64_t w)
{
    uint32_t top = (uint32_t)w, dmax = (uint32_t)(w >> 32);
    return ((ptr & 0xffff000000000007ULL) == 0) & (ptr > 0xffffu) & (top - 4u < 252u) &
           ((dmax - top < 8192u) | (dmax == 0));
}

#ifdef DS_AVX2_BUILD
/*
 * bn_head_ok on eight positions at once: the first pass over every chunk,
 * so it sets the pace of the whole scan.  Lanes: P = words i..i+3 (the
 * pointers), Q = words i+1..i+4 ({top, dmax} in each 64-bit lane).
 * Unsigned 32-bit "x <= c" is max(x, c) == c.  Returns the first block
 * position >= i (a multiple of 32 past it) where some position passes,
 * or the first block start past `stop - 64`.
 */
DS_TARGET_AVX2
static size_t next_head_avx2(const uint8_t *b, size_t i, size_t stop)
{
    const __m256i mask = _mm256_set1_epi64x((long long)0xffff000000000007ULL);
    const __m256i low = _mm256_set1_epi64x(0xffff), zero = _mm256_setzero_si256();
    const __m256i four = _mm256_set1_epi32(4), c251 = _mm256_set1_epi32(251);
    const __m256i c8191 = _mm256_set1_epi32(8191);
    for (; i + 72 <= stop; i += 64) {
        int m = 0;
        for (int h = 0; h < 2; h++) {
            __m256i P = _mm256_loadu_si256((const __m256i *)(b + i + 32 * h));
            __m256i Q = _mm256_loadu_si256((const __m256i *)(b + i + 32 * h + 8));
            __m256i ptr = _mm256_and_si256(_mm256_cmpeq_epi64(_mm256_and_si256(P, mask), zero),
                                           _mm256_cmpgt_epi64(P, low));
            __m256i dmax = _mm256_srli_epi64(Q, 32);
            __m256i t4 = _mm256_sub_epi32(Q, four);
            __m256i c1 = _mm256_cmpeq_epi32(_mm256_max_epu32(t4, c251), c251);
            __m256i dd = _mm256_sub_epi32(dmax, Q);
            __m256i c2 = _mm256_or_si256(_mm256_cmpeq_epi32(_mm256_max_epu32(dd, c8191), c8191),
                                         _mm256_cmpeq_epi32(dmax, zero));
            __m256i ok = _mm256_and_si256(ptr, _mm256_and_si256(c1, c2));
            m |= (_mm256_movemask_ps(_mm256_castsi256_ps(ok)) & 0x55) << (8 * h);
        }
        if (m)
            return (m & 0xff) ? i : i + 32;
    }
    return i;
}
#endif

size_t rm_find_bignums(const rm_view *v, size_t from, size_t to, rm_cand *out,
                       size_t *n, size_t max)
{
    const uint8_t *b = v->buf;
    size_t hits = 0;
    if (v->ws == 8 && !v->be) {
        /* LP64 little-endian: the victims' case, the hot loop.  `from` is
         * word-aligned in the process's address space (rm_segment). */
        size_t i = from;
        size_t stop = to;
        if (stop + 24 > v->len)
            stop = v->len >= 24 ? v->len - 23 : 0;
#ifdef DS_AVX2_BUILD
        if (ds_cpu_avx2()) {
            /* Vector filter up to a block with a passing position, then
             * the exact test on that block's four positions. */
            while ((i = next_head_avx2(b, i, stop)) + 72 <= stop) {
                for (size_t k = i; k < i + 32; k += 8)
                    hits += header64(v, b, k, out, n, max);
                i += 32;
            }
        }
#endif
        /* Prefilter (bn_head_ok) on four candidate positions per step, one
         * branch; zero pages fail the pointer test. */
        for (; i + 32 <= stop; i += 32) {
            uint64_t w0 = rd64le(b + i), w1 = rd64le(b + i + 8), w2 = rd64le(b + i + 16);
            uint64_t w3 = rd64le(b + i + 24), w4 = rd64le(b + i + 32);
            int any = bn_head_ok(w0, w1) | bn_head_ok(w1, w2) | bn_head_ok(w2, w3) |
                      bn_head_ok(w3, w4);
            if (__builtin_expect(!any, 1))
                continue;
            for (size_t k = i; k < i + 32; k += 8)
                hits += header64(v, b, k, out, n, max);
        }
        for (; i < stop; i += 8)
            hits += header64(v, b, i, out, n, max);
        return hits;
    }
    /* generic: 32-bit words or big-endian cores */
    size_t ws = (size_t)v->ws, hsz = ws + 16;
    uint32_t min_top = (uint32_t)(RM_MIN_BITS / (8 * ws)), max_top = (uint32_t)(RM_MAX_BYTES / ws);
    size_t i = from;
    for (; i < to && i + hsz <= v->len; i += ws) {
        const uint8_t *h = b + i + ws;
        uint32_t top = rd32(h, v->be), dmax = rd32(h + 4, v->be);
        if (top < min_top || top > max_top || dmax < top || dmax > 4096u)
            continue;
        uint32_t neg = rd32(h + 8, v->be), flags = rd32(h + 12, v->be);
        if (neg > 1 || flags > 0x1f)
            continue;
        hits++;
        take(v, v->base + i, rdw(b + i, v->ws, v->be), top, out, n, max);
    }
    return hits;
}
