/*
 * detect_aes.c - expanded AES key schedules (AES-128/192/256, encryption and
 * equivalent-inverse-cipher decryption schedules, both byte orders, at any
 * byte offset), exact ("verified") or within a few flipped bits ("likely").
 *
 * Stage 1 (SIMD, every byte): a schedule satisfies the linear relations
 * w[i] = w[i-1] ^ w[i-nk] for most i (all i not a multiple of nk, and for
 * AES-256 not 4 mod 8).  XOR works byte by byte, so the test needs neither
 * the byte order nor the word alignment: for each byte q,
 *     y[q] ^ y[q-4] == y[q+c]
 * with c = -16, -24, -32 (encryption, nk = 4, 6, 8) and c = +16, +8 or +40,
 * +32 (decryption: the round keys are stored in reverse order, and
 * InvMixColumns, being linear, keeps the relations among the middle round
 * keys).  Inside a schedule at least 2/3 of the bytes of every 32-byte
 * window satisfy one of these (3/4 for most layouts); in random data each
 * byte does with probability 7/256.  A 32-byte vector passes when at least
 * HIT_BYTES of its bytes do with y[q] ^ y[q-4] != 0 (as in 255/256 of a
 * schedule's bytes; without that, runs of one value next to zeros, common
 * in real memory, would pass).  All-zero vectors are skipped after one
 * load and a test.
 *
 * Stage 2 (scalar, on a passing vector only): for each layout whose
 * relation holds on whole words at some alignment a within the vector (3
 * words or more, but not all of them: a schedule's S-box positions never
 * obey it), every start s = a (mod 4) whose schedule could cover the vector
 * and was not tried for an earlier vector is scored: a few linear relations
 * (a wrong start fails the first one or two), the "phase" (the stage-1
 * relation must NOT hold where a real schedule has no such relation), the
 * remaining linear relations (ds_aes_rels_score).  Survivors get the full
 * check (ds_aes_check): key recovered from every window of the schedule in
 * both byte orders, re-expanded, laid out, compared bit by bit.
 *
 * Tolerance: a flipped bit spoils at most 3 residual bytes of stage 1 (a
 * schedule has 3 or more fully covered vectors with 20-24 good bytes each,
 * HIT_BYTES = 16), at most 3 bits of the linear score (limit 3 *
 * DS_AES_MAX_BIT_ERRORS), and the full check picks the error-free window.
 * So the tolerant mode costs nothing on the hot path.
 *
 * Crafted input: data built to pass stage 1 everywhere costs stage 2 on
 * every vector; each start is tried once per chunk, recurrences are cut at
 * the word count or the phase, so the worst measured case (linear relations
 * exactly where a schedule has them, random words at the S-box positions)
 * still runs at about 20 MB/s (bench/RESULTS-aes.md).
 */
#include "aes_schedule.h"
#include "detector.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define DS_AES_X86 1
#endif

#define VEC 32            /* stage-1 vector, bytes */
#define BACK 32           /* farthest look-behind of stage 1 */
#define AHEAD (40 + VEC)  /* bytes read past a vector's start by stage 1 */
#define HIT_BYTES 16      /* stage-1 threshold per 32-byte vector */
#define MIN_WORDS 3       /* stage-2 whole-word relations per vector */
#define LIN_LIMIT (3 * DS_AES_MAX_BIT_ERRORS)

typedef struct {
    int nk, dir;
    int c1, c2;           /* stage-1 look offsets (bytes), c2 == 0: none */
    const char *id;
} aes_layout;

static const aes_layout layouts[6] = {
    { 4, DS_AES_ENC, -16, 0, "aes-enc" },
    { 6, DS_AES_ENC, -24, 0, "aes-enc" },
    { 8, DS_AES_ENC, -32, 0, "aes-enc" },
    { 4, DS_AES_DEC, 16, 0, "aes-dec" },
    { 6, DS_AES_DEC, 8, 40, "aes-dec" },
    { 8, DS_AES_DEC, 32, 0, "aes-dec" },
};

static inline uint32_t ld32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t ld64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* ---- stage 1 ------------------------------------------------------------- */

/* Each stage-1 kernel tests the vectors at q, q+32, ... below `end` and
 * returns the first that passes, or a value >= end.  Requires q >= BACK
 * and every tested vector q to have q + AHEAD <= len. */
typedef size_t (*stage1_fn)(const uint8_t *buf, size_t q, size_t end);

/* High bit of every zero byte of x (exact, no false positives). */
static inline uint64_t zero_bytes(uint64_t x)
{
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL;
    return ~(((x & lo7) + lo7) | x | lo7);
}

static size_t stage1_swar(const uint8_t *buf, size_t q, size_t end)
{
    for (; q < end; q += VEC) {
        if (!(ld64(buf + q) | ld64(buf + q + 8) | ld64(buf + q + 16) | ld64(buf + q + 24)))
            continue;
        unsigned cnt = 0;
        for (size_t k = q; k < q + VEC; k += 8) {
            const uint8_t *p = buf + k;
            uint64_t d = ld64(p) ^ ld64(p - 4);
            uint64_t z = zero_bytes(d ^ ld64(p - 16)) | zero_bytes(d ^ ld64(p - 24)) |
                         zero_bytes(d ^ ld64(p - 32)) | zero_bytes(d ^ ld64(p + 16)) |
                         zero_bytes(d ^ ld64(p + 8)) | zero_bytes(d ^ ld64(p + 40)) |
                         zero_bytes(d ^ ld64(p + 32));
            z &= ~zero_bytes(d);
            /* number of set high bits: fold the bytes' counts together */
            cnt += (unsigned)(((z >> 7) * 0x0101010101010101ULL) >> 56);
        }
        if (cnt >= HIT_BYTES)
            return q;
    }
    return end;
}

#ifdef DS_AES_X86
__attribute__((target("avx2,popcnt")))
static size_t stage1_avx2(const uint8_t *buf, size_t q, size_t end)
{
    const __m256i zero = _mm256_setzero_si256();
    for (; q < end; q += VEC) {
        const uint8_t *p = buf + q;
        __m256i y = _mm256_loadu_si256((const __m256i *)p);
        if (_mm256_testz_si256(y, y))
            continue;
        __m256i d = _mm256_xor_si256(y, _mm256_loadu_si256((const __m256i *)(p - 4)));
#define EQ(o) _mm256_cmpeq_epi8(d, _mm256_loadu_si256((const __m256i *)(p + (o))))
        __m256i m = _mm256_or_si256(_mm256_or_si256(EQ(-16), EQ(-24)),
                                    _mm256_or_si256(EQ(-32), EQ(16)));
        m = _mm256_or_si256(m, _mm256_or_si256(_mm256_or_si256(EQ(8), EQ(40)), EQ(32)));
#undef EQ
        m = _mm256_andnot_si256(_mm256_cmpeq_epi8(d, zero), m);
        if (__builtin_popcount((unsigned)_mm256_movemask_epi8(m)) >= HIT_BYTES)
            return q;
    }
    return end;
}

/* AVX-512: the look-around vectors are built from consecutive 64-byte loads
 * with valignd (every offset is a whole number of 32-bit words), so each
 * byte is loaded once; nine overlapping unaligned loads per vector would
 * each split a cache line. */
__attribute__((target("avx512f,avx512bw,avx2,popcnt")))
static size_t stage1_avx512(const uint8_t *buf, size_t q, size_t end)
{
    /* Keep the loads of [q-64, q+128) inside buf: q >= 64, and
     * q + 128 <= end + 71 (the caller's guarantee on the length).  Chunks
     * of a mapped file start page-aligned, and then so are the loads. */
    if (q < 64 && q < end) {
        if (stage1_avx2(buf, q, q + VEC) == q)
            return q;
        q += VEC;
    }
    if (q + 57 > end)
        return q < end ? stage1_avx2(buf, q, end) : end;
    __m512i prev = _mm512_loadu_si512((const void *)(buf + q - 64));
    __m512i cur = _mm512_loadu_si512((const void *)(buf + q));
    for (; q + 57 <= end; q += 2 * VEC) {
        __m512i next = _mm512_loadu_si512((const void *)(buf + q + 64));
        uint64_t nz = _mm512_test_epi8_mask(cur, cur);
        if (nz) {
            __m512i d = _mm512_xor_si512(cur, _mm512_alignr_epi32(cur, prev, 15));
            /* a byte of d equals one of the seven: the minimum of the XORs is
             * zero there (vector ops only, no mask-register traffic) */
#define X(a, b, n) _mm512_xor_si512(d, _mm512_alignr_epi32(a, b, n))
            __m512i e = _mm512_min_epu8(_mm512_min_epu8(X(cur, prev, 12), X(cur, prev, 10)),
                                        _mm512_min_epu8(X(cur, prev, 8), X(next, cur, 2)));
            e = _mm512_min_epu8(e, _mm512_min_epu8(_mm512_min_epu8(X(next, cur, 4),
                                                                   X(next, cur, 8)),
                                                   X(next, cur, 10)));
#undef X
            uint64_t m = _mm512_mask_testn_epi8_mask(_mm512_test_epi8_mask(d, d), e, e);
            /* an all-zero vector never passes (as in the other kernels) */
            if ((uint32_t)nz && __builtin_popcountll(m & 0xffffffffu) >= HIT_BYTES)
                return q;
            if ((nz >> 32) && __builtin_popcountll(m >> 32) >= HIT_BYTES)
                return q + VEC;
        }
        prev = cur;
        cur = next;
    }
    return q < end ? stage1_avx2(buf, q, end) : end;
}
#endif

/* The widest kernel the CPU has.  Interleaved A/B on this project's machine
 * (AMD EPYC, 201 trials each): AVX-512 26 GB/s vs AVX2 17 GB/s from the
 * cache, 16 vs 15 GB/s from memory.  (Only "light" 512-bit integer ops:
 * on older Intel server parts they may lower the core clock a little.) */
static stage1_fn pick_stage1(void)
{
#ifdef DS_AES_X86
    if (__builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512f"))
        return stage1_avx512;
    if (__builtin_cpu_supports("avx2"))
        return stage1_avx2;
#endif
    return stage1_swar;
}

int ds_aes_stage1_kernels(void)
{
#ifdef DS_AES_X86
    return 3;
#else
    return 1;
#endif
}

size_t ds_aes_stage1(int kernel, const uint8_t *buf, size_t q, size_t end)
{
    switch (kernel) {
    case -1: return pick_stage1()(buf, q, end);
#ifdef DS_AES_X86
    case 1: return __builtin_cpu_supports("avx2") ? stage1_avx2(buf, q, end) : stage1_swar(buf, q, end);
    case 2: return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512f")
                       ? stage1_avx512(buf, q, end) : stage1_swar(buf, q, end);
#endif
    default: return stage1_swar(buf, q, end);
    }
}

/* ---- stage 2 ------------------------------------------------------------- */

/* For each layout and alignment a: the whole words at q + a + 4k inside the
 * vector [q, q+VEC) on which the layout's stage-1 relation holds. */
static void relation_words(const uint8_t *buf, size_t q, int count[6][4])
{
    memset(count, 0, 6 * sizeof count[0]);
    for (size_t a = 0; a < 4; a++)
        for (size_t r = q + a; r + 4 <= q + VEC; r += 4) {
            /* q >= BACK and q + AHEAD <= len: every read below is inside */
            uint32_t d = ld32(buf + r) ^ ld32(buf + r - 4);
            if (!d)
                continue;
            for (int li = 0; li < 6; li++) {
                const aes_layout *L = &layouts[li];
                count[li][a] += d == ld32(buf + r + L->c1) ||
                                (L->c2 && d == ld32(buf + r + L->c2));
            }
        }
}

/* What stage 2 knows of a layout, built once per chunk. */
#define LIN_FIRST 2     /* linear relations tried before anything else */
typedef struct {
    ds_aes_rels rels;                      /* the schedule's linear relations */
    int nanti;                             /* stage-1 relations a real schedule */
    uint8_t anti[2 * DS_AES_MAX_WORDS][3]; /* does NOT obey (t, t-1, t+c) */
} layout_ctx;

typedef struct {
    ds_scan *s;
    const uint8_t *buf;
    size_t own, len;
    uint64_t base;
    size_t done;           /* end of the last schedule found: its vectors are skipped */
    size_t tried[6][4];    /* per layout and start % 4: first start not yet tried */
    layout_ctx lc[6];
} aes_chunk;

static void layout_ctx_init(layout_ctx *c, const aes_layout *L)
{
    /* Relations in the order that rejects soonest: linear and S-box ones
     * alternately, two linear ones first (a wrong start fails them; data
     * crafted to obey the linear relations pays DS_AES_ZERO_COST at each
     * S-box position). */
    ds_aes_rels all;
    ds_aes_relations(L->nk, L->dir, &all);
    int lin[DS_AES_MAX_WORDS], nl[DS_AES_MAX_WORDS], nlin = 0, nnl = 0;
    for (int i = 0; i < all.n; i++) {
        if (all.r[i].nonlinear)
            nl[nnl++] = i;
        else
            lin[nlin++] = i;
    }
    c->rels.n = 0;
    for (int a = 0, b = 0; a < nlin || b < nnl;) {
        if (a < nlin && (a < LIN_FIRST || b >= nnl || a <= b + LIN_FIRST - 1))
            c->rels.r[c->rels.n++] = all.r[lin[a++]];
        else
            c->rels.r[c->rels.n++] = all.r[nl[b++]];
    }
    int n = ds_aes_nwords(L->nk), cs[2] = { L->c1 / 4, L->c2 / 4 };
    c->nanti = 0;
    for (int k = 0; k < 2 && cs[k]; k++)
        for (int t = 1; t < n; t++) {
            if (t + cs[k] < 0 || t + cs[k] >= n)
                continue;
            int real = 0;
            for (int i = 0; i < c->rels.n && !real; i++)
                real = c->rels.r[i].t0 == t && c->rels.r[i].t1 == t - 1 &&
                       c->rels.r[i].t2 == t + cs[k];
            if (!real) {
                c->anti[c->nanti][0] = (uint8_t)t;
                c->anti[c->nanti][1] = (uint8_t)(t - 1);
                c->anti[c->nanti][2] = (uint8_t)(t + cs[k]);
                c->nanti++;
            }
        }
}

/* Stage-1 relations that hold exactly where a real schedule has no such
 * relation (by chance only: 2^-32 each), DS_AES_ZERO_COST bits each;
 * counting stops above `limit`.  Data crafted to pass stage 1 everywhere
 * (a linear recurrence) fails here within a few words. */
static unsigned phase_score(const uint8_t *p, const layout_ctx *c, unsigned limit)
{
    unsigned sum = 0;
    for (int i = 0; i < c->nanti; i++) {
        const uint8_t *a = c->anti[i];
        if ((ld32(p + 4 * a[0]) ^ ld32(p + 4 * a[1])) == ld32(p + 4 * a[2])) {
            sum += DS_AES_ZERO_COST;
            if (sum > limit)
                return sum;
        }
    }
    return sum;
}

/* Score of a candidate start, cheapest rejections first: the first few
 * relations (a wrong start fails them), then the phase (crafted data fails
 * it), then the remaining relations. */
static unsigned candidate_score(const uint8_t *p, const layout_ctx *c)
{
    int head = 2 * LIN_FIRST + 2;
    unsigned sc = ds_aes_rels_score(p, &c->rels, 0, head, LIN_LIMIT);
    if (sc <= LIN_LIMIT)
        sc += phase_score(p, c, LIN_LIMIT - sc);
    if (sc <= LIN_LIMIT)
        sc += ds_aes_rels_score(p, &c->rels, head, c->rels.n, LIN_LIMIT - sc);
    return sc;
}

/* Try the layouts and starts that could explain a stage-1 hit at q.  Returns
 * the end of the schedule found (relative to buf), or 0.  Hits come in
 * increasing q and their start ranges overlap: tried[][] keeps any start
 * from being checked twice, which bounds the work on data crafted to pass
 * stage 1 everywhere. */
static size_t stage2(aes_chunk *ck, size_t q)
{
    const uint8_t *buf = ck->buf;
    size_t own = ck->own, len = ck->len;
    int count[6][4];
    relation_words(buf, q, count);
    for (int li = 0; li < 6; li++) {
        const aes_layout *L = &layouts[li];
        size_t nb = 4 * (size_t)ds_aes_nwords(L->nk);
        for (size_t a = 0; a < 4; a++) {
            /* Too few words: not this layout.  Every word: not a schedule
             * either (its S-box positions never obey the relation, and at
             * least one falls in each vector of its dense part), but a
             * linear recurrence crafted to pass stage 1 everywhere. */
            if (count[li][a] < MIN_WORDS || count[li][a] == (a ? VEC / 4 - 1 : VEC / 4))
                continue;
            /* starts s = q + a (mod 4) with [s, s+nb) meeting [q, q+VEC) */
            size_t lo = q + a > nb ? q + a - nb + 4 : (q + a) % 4;
            if (lo < ck->tried[li][a])
                lo = ck->tried[li][a];
            size_t hi = q + VEC;
            if (hi > own)
                hi = own;
            if (hi + nb > len)
                hi = len >= nb ? len - nb + 1 : 0;
            if (lo < hi)
                ck->tried[li][a] = lo + (hi - lo + 3) / 4 * 4;
            for (size_t st = lo; st < hi; st += 4) {
                if (candidate_score(buf + st, &ck->lc[li]) > LIN_LIMIT)
                    continue;
                ds_aes_match m;
                if (!ds_aes_check(buf + st, L->nk, L->dir, DS_AES_MAX_BIT_ERRORS, &m))
                    continue;
                if (!m.degenerate) {
                    ds_finding f = { 0 };
                    f.offset = ck->base + st;
                    f.length = nb;
                    f.kind = DS_KIND_AES;
                    f.detector = L->id;
                    f.confidence = m.bit_errors == 0 ? DS_CONF_VERIFIED : DS_CONF_LIKELY;
                    f.bits = 32 * L->nk;
                    f.encoding = m.order == DS_AES_ORDER_BYTES ? "bytes" : "u32le";
                    ds_emit(ck->s, &f);
                }
                return st + nb;
            }
        }
    }
    return 0;
}

/* ---- the detector -------------------------------------------------------- */

static void aes_scan(void *state, ds_scan *s, const uint8_t *buf, size_t own, size_t len,
                     uint64_t base)
{
    (void)state;
    if (len < 4 * 44 || own == 0)
        return;
    stage1_fn stage1 = pick_stage1();
    /* Vectors that can lie inside a schedule starting in [0, own), and whose
     * stage-1 reads stay inside buf[0, len).  The second bound loses
     * nothing: for a schedule ending at len, at least two whole vectors of
     * its dense part start at or before len - AHEAD in every layout (the
     * unit test plants schedules that end the buffer). */
    size_t end = own + DS_AES_MAX_BYTES;
    if (end > len - AHEAD + 1)
        end = len - AHEAD + 1;
    aes_chunk ck = { .s = s, .buf = buf, .own = own, .len = len, .base = base };
    int ready = 0;   /* layout tables are built at the first hit only */
    for (size_t q = BACK; q < end; q += VEC) {
        q = stage1(buf, q, end);
        if (q >= end)
            break;
        if (q + VEC <= ck.done)
            continue;
        if (!ready) {
            for (int i = 0; i < 6; i++) {
                for (size_t a = 0; a < 4; a++)
                    ck.tried[i][a] = a;
                layout_ctx_init(&ck.lc[i], &layouts[i]);
            }
            ready = 1;
        }
        size_t e = stage2(&ck, q);
        if (e > ck.done)
            ck.done = e;
    }
}

const ds_detector ds_detector_aes = {
    .name = "aes",
    .max_span = DS_AES_MAX_BYTES + 16,
    .open = NULL,
    .scan = aes_scan,
    .close = NULL,
};
