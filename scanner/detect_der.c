/*
 * detect_der.c - the "der" detector: private keys in binary DER (PKCS#1,
 * PKCS#8 plain and encrypted, SEC1, traditional DSA, PKCS#12).
 *
 * Three stages, each far cheaper per byte than the next is per candidate:
 *  1. prefilter: every private key layout has a fixed 2-byte pattern a few
 *     bytes after its start: the version INTEGER "02 01 0v" (PKCS#1,
 *     PKCS#8, SEC1, DSA, PFX) at start+2..4, or the RSADSI OID prefix
 *     "2a 86 48 86 f7 0d 01" of the password-based encryption algorithm
 *     (EncryptedPrivateKeyInfo, which has no version) at start+6..9.  A
 *     vector compare of two shifted loads finds either pair (GCC/Clang
 *     vector extensions: portable, no intrinsics); blocks of 64 bytes
 *     without one are skipped without branching per byte.
 *  2. for each pair, the few possible SEQUENCE headers in front of it, then
 *     the strict DER walk (der.c, ~30 ns);
 *  3. OpenSSL on what survives (der.c, ds_der_identify).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "der.h"
#include "cpu.h"
#include "detector.h"

static inline int is_anchor(const uint8_t *p)
{
    return (p[0] == 0x02 && p[1] == 0x01) || (p[0] == 0x2a && p[1] == 0x86);
}

/* Generic vectors (GCC/Clang extensions, not intrinsics).  Two builds of the
 * block filter: 16-byte vectors (SSE2, every x86-64; NEON elsewhere), and
 * 32-byte ones compiled for AVX2, picked at run time where the CPU has it
 * (about twice the throughput).  A 32-byte vector without AVX2 enabled is
 * lowered to scalar code by GCC 12, hence two builds, not one. */
typedef uint8_t v16 __attribute__((vector_size(16)));
typedef uint8_t v32 __attribute__((vector_size(32)));

/* Defines `name`: the first 64-byte block [i, i + 64), from i in steps of
 * 64, holding an anchor pair ("02 01" or "2a 86"); i itself once
 * i + 64 > hi.  Reads up to b[i + 64]: callers keep hi < len. */
#define DEFINE_NEXT_ANCHOR_BLOCK(name, V, attr)                                   \
    attr static size_t name(const uint8_t *b, size_t i, size_t hi)               \
    {                                                                             \
        for (; i + 64 <= hi; i += 64) {                                           \
            V m = { 0 };                                                          \
            for (size_t k = 0; k < 64; k += sizeof(V)) {                          \
                V a0, a1;                                                         \
                memcpy(&a0, b + i + k, sizeof(V));                                \
                memcpy(&a1, b + i + k + 1, sizeof(V));                            \
                m |= (V)((a0 == 0x02) & (a1 == 0x01)) |                           \
                     (V)((a0 == 0x2a) & (a1 == 0x86));                            \
            }                                                                     \
            uint64_t w[sizeof(V) / 8], any = 0;                                   \
            memcpy(w, &m, sizeof w);                                              \
            for (size_t k = 0; k < sizeof(V) / 8; k++)                            \
                any |= w[k];                                                      \
            if (__builtin_expect(any != 0, 0))                                    \
                return i;                                                         \
        }                                                                         \
        return i;                                                                 \
    }

DEFINE_NEXT_ANCHOR_BLOCK(next_anchor_block16, v16, )
#ifdef DS_AVX2_BUILD
DEFINE_NEXT_ANCHOR_BLOCK(next_anchor_block32, v32, DS_TARGET_AVX2)
#endif

static size_t next_anchor_block(const uint8_t *b, size_t i, size_t hi, int avx2)
{
#ifdef DS_AVX2_BUILD
    if (avx2)
        return next_anchor_block32(b, i, hi);
#endif
    (void)avx2;
    return next_anchor_block16(b, i, hi);
}


/* Where a structure can start relative to its anchor, at most. */
#define ANCHOR_MAX_DIST 9

typedef struct {
    const uint8_t *buf;
    size_t own, len;
    uint64_t base;
    uint8_t *scratch;
    ds_found_fn fn;
    void *ctx;
    size_t skip_until;   /* end of the last structure reported in this chunk */
} der_ctx;

static void try_start(der_ctx *c, size_t s)
{
    ds_der_info info;
    ds_finding f;
    /* Nested structures (the PKCS#1 key inside a PKCS#8 one, the shrouded
     * key bag inside a PFX): the outer finding already covers them. */
    if (s < c->skip_until || s >= c->own)
        return;
    if (!ds_der_classify(c->buf + s, c->len - s, &info))
        return;
    memset(&f, 0, sizeof f);
    if (!ds_der_identify(c->buf + s, &info, c->scratch, DS_DER_MAX_SPAN, &f))
        return;
    f.offset = c->base + s;
    f.length = info.len;
    f.encoding = "der";
    c->fn(c->ctx, &f);
    c->skip_until = s + info.len;
}

/* SEQUENCE headers that end right before position e: 30 ll, 30 81 ll,
 * 30 82 hh ll (minimal forms only); calls try_start for each. */
static void try_headers_before(der_ctx *c, size_t e)
{
    const uint8_t *b = c->buf;
    if (e >= 4 && b[e - 4] == 0x30 && b[e - 3] == 0x82 && b[e - 2] != 0)
        try_start(c, e - 4);
    if (e >= 3 && b[e - 3] == 0x30 && b[e - 2] == 0x81 && b[e - 1] >= 0x80)
        try_start(c, e - 3);
    if (e >= 2 && b[e - 2] == 0x30 && b[e - 1] < 0x80)
        try_start(c, e - 2);
}

static void try_anchor(der_ctx *c, size_t j)
{
    const uint8_t *b = c->buf;
    if (b[j] == 0x02) {
        /* version 0 (PKCS#1, PKCS#8, DSA), 1 (SEC1, PKCS#8 v1), 3 (PFX) */
        if (j + 2 >= c->len || (b[j + 2] > 3 || b[j + 2] == 2))
            return;
        try_headers_before(c, j);
        return;
    }
    /* "2a 86": the OID of an EncryptedPrivateKeyInfo's algorithm
     * (06 09|0a 2a 86 ...) right after its AlgorithmIdentifier header
     * (30 ll or 30 81 ll), itself right after the outer header. */
    if (j < 6 || b[j - 2] != 0x06 || (b[j - 1] != 0x09 && b[j - 1] != 0x0a))
        return;
    size_t a = j - 2;
    if (b[a - 2] == 0x30 && b[a - 1] < 0x80)
        try_headers_before(c, a - 2);
    if (a >= 3 && b[a - 3] == 0x30 && b[a - 2] == 0x81 && b[a - 1] >= 0x80)
        try_headers_before(c, a - 3);
}

void ds_der_find(const uint8_t *buf, size_t own, size_t len, uint64_t base,
                 uint8_t *scratch, ds_found_fn fn, void *ctx)
{
    der_ctx c = { buf, own, len, base, scratch, fn, ctx, 0 };
    if (own > len)
        own = c.own = len;
    if (len < 3)
        return;
    /* Anchors of structures starting in [0, own) lie in [2, own + 9);
     * is_anchor reads two bytes, so stop at len - 1. */
    size_t hi = len - 1;
    if (own + ANCHOR_MAX_DIST < hi)
        hi = own + ANCHOR_MAX_DIST;
    size_t i = 2;
    int avx2 = ds_cpu_avx2();
    while ((i = next_anchor_block(buf, i, hi, avx2)) + 64 <= hi) {
        for (size_t j = i; j < i + 64; j++)
            if (is_anchor(buf + j))
                try_anchor(&c, j);
        i += 64;
    }
    for (; i < hi; i++)
        if (is_anchor(buf + i))
            try_anchor(&c, i);
}

/* ---- the detector ------------------------------------------------------- */

static void emit(void *ctx, const ds_finding *f)
{
    ds_emit(ctx, f);
}

static void *der_open(ds_scan *s, int *err)
{
    (void)s;
    void *scratch = malloc(DS_DER_MAX_SPAN);
    if (!scratch)
        *err = ENOMEM;
    return scratch;
}

static void der_scan(void *state, ds_scan *s, const uint8_t *buf, size_t own, size_t len,
                     uint64_t base)
{
    ds_der_find(buf, own, len, base, state, emit, s);
}

static void der_close(void *state)
{
    if (!state)
        return;
    OPENSSL_cleanse(state, DS_DER_MAX_SPAN);
    free(state);
}

const ds_detector ds_detector_der = {
    .name = "der",
    .max_span = DS_DER_MAX_SPAN,
    .open = der_open,
    .scan = der_scan,
    .close = der_close,
};
