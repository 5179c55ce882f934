/*
 * detect_winblob.c - the "winblob" detector: Windows private key blobs as
 * CNG and CryptoAPI keep and export them (BCRYPT_RSAKEY_BLOB, ECC and DSA
 * blobs, PRIVATEKEYBLOB with or without its BLOBHEADER, PVK files).  The
 * Storm-0558 signing key leaked from a crash dump in one of these forms.
 *
 * Every blob starts with (or, for PRIVATEKEYBLOB, has 8 bytes in) a 4-byte
 * magic.  A blob can sit at any offset of a dump file, so every offset is
 * looked at: a vector prefilter on the magics' first bytes (AVX2: three
 * bytes, 32 offsets a step; SSE2: two bytes; scalar fallback) rejects
 * nearly everything, the full magic picks the parser, and the parsers check
 * sizes and cheap shape before any bignum.  Measured on this machine kind
 * (one core, CPU time): 10-12 GB/s over 256 MiB of dump-like bytes.
 */
#include "detector.h"
#include "winblob.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- helpers shared by the parsers --------------------------------------- */

BIGNUM *wb_bn(const uint8_t *p, size_t n, int little_endian, int secret)
{
    if (n > (size_t)WB_MAX_SPAN)
        return NULL;
    BIGNUM *bn = secret ? BN_secure_new() : BN_new();
    if (!bn)
        return NULL;
    BIGNUM *r = little_endian ? BN_lebin2bn(p, (int)n, bn) : BN_bin2bn(p, (int)n, bn);
    if (!r) {
        BN_clear_free(bn);
        return NULL;
    }
    return bn;
}

static unsigned bits_of_byte(uint8_t b)
{
    unsigned n = 0;
    for (; b; b >>= 1)
        n++;
    return n;
}

unsigned wb_bits_be(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return (unsigned)(8 * (n - i - 1)) + bits_of_byte(p[i]);
    return 0;
}

unsigned wb_bits_le(const uint8_t *p, size_t n)
{
    for (size_t i = n; i-- > 0;)
        if (p[i])
            return (unsigned)(8 * i) + bits_of_byte(p[i]);
    return 0;
}

/* ---- dispatch ------------------------------------------------------------ */

static void report(const wb_chunk *c, size_t start, size_t length, const wb_key *k)
{
    ds_finding f;
    memset(&f, 0, sizeof f);
    f.offset = c->base + start;
    f.length = length;
    f.kind = k->id.kind;
    f.detector = k->detector;
    f.confidence = k->id.confidence;
    f.bits = k->id.bits;
    f.has_fingerprint = k->id.has_fingerprint;
    memcpy(f.fingerprint, k->id.fingerprint, sizeof f.fingerprint);
    c->emit(c->ctx, &f);
}

typedef size_t (*wb_parser)(const uint8_t *p, size_t avail, wb_key *k);

/* Run a parser on a structure starting at buf[start]; 1 if it reported. */
static int try_at(const wb_chunk *c, size_t start, wb_parser parse)
{
    wb_key k;
    memset(&k, 0, sizeof k);
    size_t n = parse(c->buf + start, c->len - start, &k);
    if (n)
        report(c, start, n, &k);
    return n != 0;
}

/* The 8 bytes before buf[m]: from buf, or from the whole file when buf[m]
 * is within 8 bytes of the chunk start.  NULL when they do not exist (start
 * of file) or cannot be seen (streaming). */
static const uint8_t *bytes_before(const wb_chunk *c, size_t m)
{
    if (m >= WB_BLOBHEADER_LEN)
        return c->buf + m - WB_BLOBHEADER_LEN;
    uint64_t at = c->base + m;
    if (c->whole && at >= WB_BLOBHEADER_LEN && at <= c->whole_len)
        return c->whole + at - WB_BLOBHEADER_LEN;
    return NULL;
}

/* A CryptoAPI key at magic m ("RSA2"/"DSS2"): with its BLOBHEADER the blob
 * starts 8 bytes earlier, so magics up to own + 8 are looked at.  The chunk
 * that owns the header's first byte reports the whole blob; without a
 * header, the bare key (as CryptoAPI holds it in memory) starts at m. */
static void capi_at(const wb_chunk *c, size_t m)
{
    const uint8_t *h = bytes_before(c, m);
    if (h && wb_blobheader_private(h)) {
        /* Magics stop at own + 8, so a header inside buf starts before own;
         * one before buf[0] belongs to the previous chunk, which reports it. */
        if (m >= WB_BLOBHEADER_LEN)
            try_at(c, m - WB_BLOBHEADER_LEN, wb_parse_capi_blob);
        return;
    }
    /* When streaming, a header just before this chunk is invisible: the bare
     * key is reported, and the engine drops it as contained in the full blob
     * the previous chunk reports (same fingerprint). */
    if (m < c->own)
        try_at(c, m, wb_parse_capi_key);
}

static void at_magic(const wb_chunk *c, size_t m)
{
    uint32_t magic = wb_le32(c->buf + m);
    int mine = m < c->own;   /* a structure starting at m belongs to this chunk */
    switch (magic) {
    case WB_RSA2:
        /* "RSA2" is both BCRYPT_RSAPRIVATE_MAGIC and the CryptoAPI RSAPUBKEY
         * magic; the two headers cannot both be consistent. */
        if (mine && try_at(c, m, wb_parse_cng_rsa))
            return;
        capi_at(c, m);
        return;
    case WB_DSS2:
        capi_at(c, m);
        return;
    default:
        break;
    }
    if (!mine)
        return;
    switch (magic) {
    case WB_RSA3:
        try_at(c, m, wb_parse_cng_rsa);
        break;
    case WB_ECS2: case WB_ECS4: case WB_ECS6:
    case WB_ECK2: case WB_ECK4: case WB_ECK6:
        try_at(c, m, wb_parse_cng_ecc);
        break;
    case WB_ECDV: case WB_ECKV:
        try_at(c, m, wb_parse_cng_eccfull);
        break;
    case WB_DSPV: case WB_DPV2:
        try_at(c, m, wb_parse_cng_dsa);
        break;
    case WB_PVK:
        try_at(c, m, wb_parse_pvk);
        break;
    default:
        break;
    }
}

/* ---- prefilter ----------------------------------------------------------- */

/* The first two bytes of every magic: "RS" (RSA2/3), "EC" (ECS*, ECK*,
 * ECDV, ECKV), "DS" (DSPV, DSS2), "DP" (DPV2), 1E F1 (PVK). */
static inline int pair_hit(uint8_t a, uint8_t b)
{
    return ((a == 'R' || a == 'D') && b == 'S') || (a == 'E' && b == 'C') ||
           (a == 'D' && b == 'P') || (a == 0x1E && b == 0xF1);
}

/* Scalar: offsets [i, end). */
static void scan_scalar(const wb_chunk *c, size_t i, size_t end)
{
    for (; i < end; i++)
        if (pair_hit(c->buf[i], c->buf[i + 1]))
            at_magic(c, i);
}

/* Report every set bit of a 32-offset hit mask. */
static void scan_mask(const wb_chunk *c, size_t i, uint32_t m)
{
    for (; m; m &= m - 1)
        at_magic(c, i + (size_t)__builtin_ctz(m));
}

#if defined(__SSE2__)
#define WB_HAVE_SSE2 1
/* Bit i set when pair_hit(p[i], p[i+1]), for i in 0..15; reads p[0..17). */
static inline unsigned pair_mask16(const uint8_t *p)
{
    const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
    const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
    const __m128i bs = _mm_cmpeq_epi8(b, _mm_set1_epi8('S'));
    __m128i m = _mm_and_si128(_mm_or_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8('R')),
                                           _mm_cmpeq_epi8(a, _mm_set1_epi8('D'))), bs);
    m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8('E')),
                                      _mm_cmpeq_epi8(b, _mm_set1_epi8('C'))));
    m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8('D')),
                                      _mm_cmpeq_epi8(b, _mm_set1_epi8('P'))));
    m = _mm_or_si128(m, _mm_and_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8(0x1E)),
                                      _mm_cmpeq_epi8(b, _mm_set1_epi8((char)0xF1))));
    return (unsigned)_mm_movemask_epi8(m);
}

/* Offsets [0, end) in steps of 32 (reads up to end + 1 < len); returns
 * where the scalar tail starts. */
static size_t scan_sse2(const wb_chunk *c, size_t end)
{
    size_t i = 0;
    for (; i + 32 <= end; i += 32) {
        unsigned lo = pair_mask16(c->buf + i), hi = pair_mask16(c->buf + i + 16);
        if (lo | hi)
            scan_mask(c, i, (uint32_t)hi << 16 | lo);
    }
    return i;
}
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define WB_HAVE_AVX2 1
/* AVX2, dispatched at run time.  Each of the first three bytes of a magic
 * is classified with two 16-entry nibble tables (pshufb): a byte's class
 * bits are table_lo[low nibble] & table_hi[high nibble], one bit per magic
 * family; an offset is a candidate when the three bytes share a bit.
 *   bit 0 "RSA" (RSA2, RSA3)      bit 1 "EC" + S|K|D (ECS*, ECK*, ECDV, ECKV)
 *   bit 2 "DS" + P|S (DSPV, DSS2) bit 3 "DPV" (DPV2)
 *   bit 4 1E F1 B5 (PVK)
 * Every (low, high) nibble pair of a wanted byte is unique to its families,
 * so bytes 0 and 1 are classified exactly; byte 2 lets a few extra bytes
 * into family 1, which the 4-byte magic switch then rejects. */
__attribute__((target("avx2"))) static inline __m256i
classify(__m256i v, __m256i tlo, __m256i thi)
{
    const __m256i nib = _mm256_set1_epi8(0x0F);
    __m256i lo = _mm256_shuffle_epi8(tlo, _mm256_and_si256(v, nib));
    __m256i hi = _mm256_shuffle_epi8(thi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib));
    return _mm256_and_si256(lo, hi);
}

#define T16(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)

__attribute__((target("avx2"))) static size_t scan_avx2(const wb_chunk *c, size_t end)
{
    /* byte 0: 'R' 52, 'E' 45, 'D' 44, 1E */
    const __m256i a_lo = T16(0, 0, 0x01, 0, 0x0C, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0);
    const __m256i a_hi = T16(0, 0x10, 0, 0, 0x0E, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    /* byte 1: 'S' 53 (RS, DS), 'C' 43, 'P' 50, F1 */
    const __m256i b_lo = T16(0x08, 0x10, 0, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i b_hi = T16(0, 0, 0, 0, 0x02, 0x0D, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10);
    /* byte 2: 'A' 41, 'S' 53 (ECS, DSS), 'K' 4B, 'D' 44, 'P' 50, 'V' 56, B5 */
    const __m256i c_lo = T16(0x04, 0x01, 0, 0x06, 0x02, 0x10, 0x08, 0, 0, 0, 0, 0x02, 0, 0, 0, 0);
    const __m256i c_hi = T16(0, 0, 0, 0, 0x03, 0x0E, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0);
    const __m256i zero = _mm256_setzero_si256();
    const uint8_t *buf = c->buf;
    size_t i = 0;
    /* Reads buf[i .. i + 34) with i + 32 <= end <= len - 3. */
    for (; i + 32 <= end; i += 32) {
        __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)(buf + i));
        __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(buf + i + 1));
        __m256i v2 = _mm256_loadu_si256((const __m256i *)(const void *)(buf + i + 2));
        __m256i m = _mm256_and_si256(_mm256_and_si256(classify(v0, a_lo, a_hi),
                                                      classify(v1, b_lo, b_hi)),
                                     classify(v2, c_lo, c_hi));
        if (_mm256_testz_si256(m, m))
            continue;
        uint32_t bits = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(m, zero));
        scan_mask(c, i, bits);
    }
    return i;
}
#undef T16
#endif

int wb_kernel_available(wb_kernel k)
{
    switch (k) {
    case WB_KERNEL_AUTO:
    case WB_KERNEL_SCALAR:
        return 1;
    case WB_KERNEL_SSE2:
#if defined(WB_HAVE_SSE2)
        return 1;
#else
        return 0;
#endif
    case WB_KERNEL_AVX2:
#if defined(WB_HAVE_AVX2)
        return __builtin_cpu_supports("avx2") != 0;
#else
        return 0;
#endif
    }
    return 0;
}

int wb_scan(const wb_chunk *c, wb_kernel k)
{
    if (k == WB_KERNEL_AUTO)
        k = wb_kernel_available(WB_KERNEL_AVX2) ? WB_KERNEL_AVX2
          : wb_kernel_available(WB_KERNEL_SSE2) ? WB_KERNEL_SSE2 : WB_KERNEL_SCALAR;
    if (!wb_kernel_available(k))
        return -1;
    if (c->own > c->len || c->len < 4)
        return 0;
    /* Magics are looked for up to own + 8 (a BLOBHEADER before "RSA2"/"DSS2"
     * may start in this chunk), and need 4 readable bytes. */
    size_t end = c->own + WB_BLOBHEADER_LEN;
    if (end > c->len - 3)
        end = c->len - 3;
    size_t i = 0;
#if defined(WB_HAVE_AVX2)
    if (k == WB_KERNEL_AVX2)
        i = scan_avx2(c, end);
#endif
#if defined(WB_HAVE_SSE2)
    if (k == WB_KERNEL_SSE2)
        i = scan_sse2(c, end);
#endif
    scan_scalar(c, i, end);
    return 0;
}

/* ---- the detector -------------------------------------------------------- */

static void emit_to_engine(void *ctx, const ds_finding *f)
{
    ds_emit(ctx, f);
}

static void winblob_scan(void *state, ds_scan *s, const uint8_t *buf, size_t own,
                         size_t len, uint64_t base)
{
    (void)state;
    wb_chunk c = { .buf = buf, .own = own, .len = len, .base = base,
                   .emit = emit_to_engine, .ctx = s };
    c.whole = ds_scan_whole(s, &c.whole_len);
    wb_scan(&c, WB_KERNEL_AUTO);
}

const ds_detector ds_detector_winblob = {
    .name = "winblob",
    .max_span = WB_MAX_SPAN,
    .open = NULL,
    .close = NULL,
    .scan = winblob_scan,
};
