/*
 * symcrypt_layout.h - build Windows CNG / SymCrypt RSA key objects (a KRSM
 * wrapper, a SYMCRYPT_RSAKEY and the MODULUS / INT / MODELEMENT objects it
 * points to) in a byte image of process memory, for the tests: the unit
 * test (tests/unit/test_symcrypt.c) and the minidump generator
 * (corpus/symcrypt_mdmp.c).  The layout is the one documented in
 * scanner/detect_symcrypt.c (x64: 64-byte digits, 32-byte alignment),
 * written independently here so that a test checks the detector against
 * the documented layout rather than against itself.
 *
 * Values are what SymCrypt keeps: n, p, q as MODULUS objects with
 * Montgomery constants (inv64, R^2 mod m), d, dp, dq as INTs, the CRT
 * inverses in Montgomery form (q^-1 * R mod p, p^-1 * R mod q).
 */
#ifndef DS_SYMCRYPT_LAYOUT_H
#define DS_SYMCRYPT_LAYOUT_H

#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#define SCL_DS 64u              /* AMD64 digit bytes */
#define SCL_HDR 192u            /* SYMCRYPT_RSAKEY, rounded to 32 */

typedef struct {
    uint64_t off, len;          /* image offsets */
} scl_span;

/* Where the private objects went (image offsets), for the tests' checks. */
typedef struct {
    scl_span wrap, hdr, n, p[2], crtinv[2], d, dp[2];
    size_t end;                 /* image offset after the last object */
} scl_spans;

static inline void scl_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void scl_put64(uint8_t *p, uint64_t v)
{
    scl_put32(p, (uint32_t)v);
    scl_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t scl_digits(int bits) { return ((uint32_t)bits + 8 * SCL_DS - 1) / (8 * SCL_DS); }
static inline uint32_t scl_sizeof_int(uint32_t nd) { return 64 + nd * SCL_DS; }
static inline uint32_t scl_sizeof_modulus(uint32_t nd) { return 160 + 2 * nd * SCL_DS; }

static inline uint32_t scl_align(uint32_t x) { return (x + 31) & ~31u; }

/* x as nd digits of little-endian limbs at p. */
static inline int scl_limbs(uint8_t *p, const BIGNUM *x, uint32_t nd)
{
    return BN_bn2lebinpad(x, p, (int)(nd * SCL_DS)) == (int)(nd * SCL_DS);
}

/* A SYMCRYPT_INT holding x at img+at (vaddr va+at). */
static inline int scl_put_int(uint8_t *img, size_t at, const BIGNUM *x, uint32_t nd)
{
    uint8_t *o = img + at;
    memset(o, 0, scl_sizeof_int(nd));
    scl_put32(o, (uint32_t)'g' << 24 | (uint32_t)'I' << 16);
    scl_put32(o + 4, nd);
    scl_put32(o + 8, scl_sizeof_int(nd));
    return scl_limbs(o + 32, x, nd);
}

/* A SYMCRYPT_MODULUS (Montgomery) holding m at img+at. */
static inline int scl_put_modulus(uint8_t *img, size_t at, uint64_t va, const BIGNUM *m,
                                  uint32_t nd, BN_CTX *ctx)
{
    uint8_t *o = img + at;
    uint32_t cb = scl_sizeof_modulus(nd);
    memset(o, 0, cb);
    BN_CTX_start(ctx);
    BIGNUM *r = BN_CTX_get(ctx), *t = BN_CTX_get(ctx);
    int ok = t != NULL;
    /* inv64 = -m^-1 mod 2^64 */
    ok = ok && BN_one(r) && BN_lshift(r, r, 64) && BN_mod_inverse(t, m, r, ctx) &&
         BN_sub(t, r, t);
    uint8_t le[8] = { 0 };
    ok = ok && BN_bn2lebinpad(t, le, 8) == 8;
    uint64_t inv64 = 0;
    for (int i = 7; i >= 0; i--)
        inv64 = inv64 << 8 | le[i];
    scl_put32(o, ((uint32_t)'m' << 24 | (uint32_t)'M' << 16) + 0x40);
    scl_put32(o + 4, nd);
    scl_put32(o + 8, cb);
    scl_put32(o + 16, nd * SCL_DS);
    scl_put64(o + 24, inv64);
    scl_put64(o + 40, va + at + 160 + nd * SCL_DS);             /* Rsqr */
    scl_put32(o + 64, (uint32_t)'g' << 24 | (uint32_t)'D' << 16);   /* divisor */
    scl_put32(o + 68, nd);
    scl_put32(o + 72, 96 + nd * SCL_DS);
    scl_put32(o + 76, (uint32_t)BN_num_bits(m));
    scl_put64(o + 88, inv64 ^ 0x5a5a5a5a5a5a5a5aULL);           /* approximate inverse W */
    scl_put32(o + 96, (uint32_t)'g' << 24 | (uint32_t)'I' << 16);   /* its int */
    scl_put32(o + 100, nd);
    scl_put32(o + 104, scl_sizeof_int(nd));
    ok = ok && scl_limbs(o + 128, m, nd);
    /* R^2 mod m, R = 2^(8 * nd * digit bytes) */
    ok = ok && BN_one(r) && BN_lshift(r, r, (int)(16 * nd * SCL_DS)) && BN_mod(t, r, m, ctx) &&
         scl_limbs(o + 160 + nd * SCL_DS, t, nd);
    BN_CTX_end(ctx);
    return ok;
}

/* Montgomery form of inv(o mod m) * R mod m as nd digits at img+at. */
static inline int scl_put_crtinv(uint8_t *img, size_t at, const BIGNUM *o, const BIGNUM *m,
                                 uint32_t nd, BN_CTX *ctx)
{
    BN_CTX_start(ctx);
    BIGNUM *t = BN_CTX_get(ctx);
    int ok = t && BN_mod_inverse(t, o, m, ctx) && BN_lshift(t, t, (int)(8 * nd * SCL_DS)) &&
             BN_mod(t, t, m, ctx) && scl_limbs(img + at, t, nd);
    BN_CTX_end(ctx);
    return ok;
}

/*
 * Write the key pk (RSA, 2 primes) into img (image of process memory that
 * starts at vaddr va): the KRSM wrapper at wrap, the SYMCRYPT_RSAKEY at
 * key (32-aligned), its objects from obj (0: right after the struct, as
 * SymCrypt allocates them).  older = 1: the older struct layout (no
 * fAlgorithmInfo).  The caller makes sure the image is large enough
 * (scl_key_size()).  Returns 1 on success.
 */
static inline size_t scl_key_size(int bits)
{
    uint32_t nd = scl_digits(bits);
    return SCL_HDR + 5 * scl_sizeof_modulus(nd) + 3 * scl_sizeof_int(nd) + 2 * nd * SCL_DS;
}

static inline int scl_put_key(uint8_t *img, uint64_t va, size_t wrap, size_t key, size_t obj,
                              EVP_PKEY *pk, int older, scl_spans *sp)
{
    static const char *const names[8] = {
        OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
        OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
        OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
        OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
    };
    BIGNUM *c[8] = { 0 };
    BN_CTX *ctx = BN_CTX_new();
    int ok = ctx != NULL;
    for (int i = 0; ok && i < 8; i++)
        ok = EVP_PKEY_get_bn_param(pk, names[i], &c[i]) == 1;
    memset(sp, 0, sizeof *sp);
    if (ok) {
        const BIGNUM *n = c[0], *e = c[1], *d = c[2], *p = c[3], *q = c[4];
        int bits = BN_num_bits(n);
        uint32_t nd = scl_digits(bits), pd[2] = { scl_digits(BN_num_bits(p)), scl_digits(BN_num_bits(q)) };
        const BIGNUM *pr[2] = { p, q }, *dx[2] = { c[5], c[6] };
        if (!obj)
            obj = key + SCL_HDR;
        /* objects in SymCrypt's order: modulus, primes, CRT inverses, d, dp, dq */
        size_t at = obj;
        sp->n = (scl_span){ at, scl_sizeof_modulus(nd) };
        ok = scl_put_modulus(img, at, va, n, nd, ctx);
        at += scl_sizeof_modulus(nd);
        for (int i = 0; ok && i < 2; i++) {
            sp->p[i] = (scl_span){ at, scl_sizeof_modulus(pd[i]) };
            ok = scl_put_modulus(img, at, va, pr[i], pd[i], ctx);
            at += scl_sizeof_modulus(nd);
        }
        for (int i = 0; ok && i < 2; i++) {
            sp->crtinv[i] = (scl_span){ at, pd[i] * SCL_DS };
            ok = scl_put_crtinv(img, at, pr[1 - i], pr[i], pd[i], ctx);
            at += nd * SCL_DS;
        }
        sp->d = (scl_span){ at + 32, nd * SCL_DS };
        ok = ok && scl_put_int(img, at, d, nd);
        at += scl_sizeof_int(nd);
        for (int i = 0; ok && i < 2; i++) {
            sp->dp[i] = (scl_span){ at + 32, pd[i] * SCL_DS };
            ok = scl_put_int(img, at, dx[i], pd[i]);
            at += scl_sizeof_int(nd);
        }
        sp->end = at;

        /* SYMCRYPT_RSAKEY */
        uint8_t *h = img + key;
        uint32_t s = older ? 0 : 4, P = older ? 56 : 64;
        memset(h, 0, SCL_HDR);
        if (!older)
            scl_put32(h, 0x00000103);                   /* fAlgorithmInfo */
        scl_put32(h + s, (uint32_t)(SCL_HDR + at - obj));   /* cbTotalSize */
        h[s + 4] = 1;                                   /* hasPrivateKey */
        scl_put32(h + s + 8, (uint32_t)bits);
        scl_put32(h + s + 12, (uint32_t)bits);
        scl_put32(h + s + 16, nd);
        scl_put32(h + s + 20, 1);
        scl_put32(h + s + 24, 2);
        scl_put32(h + s + 28, (uint32_t)BN_num_bits(p));
        scl_put32(h + s + 32, (uint32_t)BN_num_bits(q));
        scl_put32(h + s + 36, pd[0]);
        scl_put32(h + s + 40, pd[1]);
        scl_put32(h + s + 44, pd[0] > pd[1] ? pd[0] : pd[1]);
        scl_put64(h + P - 8, BN_get_word(e));
        uint64_t pp[2] = { va + sp->p[0].off, va + sp->p[1].off };
        uint64_t ci[2] = { va + sp->crtinv[0].off, va + sp->crtinv[1].off };
        uint64_t di = va + sp->d.off - 32, dpi[2] = { va + sp->dp[0].off - 32, va + sp->dp[1].off - 32 };
        for (int i = 0; i < 2; i++) {
            scl_put64(h + P + 8 * i, pp[i]);            /* pbPrimes */
            scl_put64(h + P + 16 + 8 * i, ci[i]);       /* pbCrtInverses */
            scl_put64(h + P + 40 + 8 * i, dpi[i]);      /* pbCrtPrivExps */
            scl_put64(h + P + 64 + 8 * i, pp[i]);       /* pmPrimes */
            scl_put64(h + P + 80 + 8 * i, ci[i]);       /* peCrtInverses */
            scl_put64(h + P + 104 + 8 * i, dpi[i]);     /* piCrtPrivExps */
        }
        scl_put64(h + P + 32, di);                      /* pbPrivExps */
        scl_put64(h + P + 56, va + sp->n.off);          /* pmModulus */
        scl_put64(h + P + 96, di);                      /* piPrivExps */
        sp->hdr = (scl_span){ key, older ? 184u : 192u };

        /* KRSM wrapper */
        uint8_t *w = img + wrap;
        memset(w, 0, 0x28);
        scl_put32(w, 0x28);
        memcpy(w + 4, "KRSM", 4);
        scl_put32(w + 8, 0xa400);                       /* CALG_RSA_KEYX */
        scl_put32(w + 12, (uint32_t)bits);
        scl_put64(w + 24, va + wrap + 0x40);            /* pAlg: somewhere in the heap */
        scl_put64(w + 32, va + key);
        sp->wrap = (scl_span){ wrap, 0x28 };
    }
    for (int i = 0; i < 8; i++)
        BN_clear_free(c[i]);
    BN_CTX_free(ctx);
    return ok;
}

#endif
