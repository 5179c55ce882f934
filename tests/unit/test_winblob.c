/*
 * test_winblob.c - the Windows key blob detector ("winblob").
 *
 * Keys are generated here, at test time (nothing private is ever stored),
 * and written out by this file to the documented layouts (CNG blobs are
 * big-endian after a u32 header, CryptoAPI blobs little-endian), plus
 * OpenSSL's own MSBLOB / PVK writers as an independent second writer.
 * Every blob is planted at an odd offset inside dump-like bytes (random,
 * zeros, ASCII text with "RSA"/"ECDSA"/"DSS" words) and scanned three ways:
 * in memory with the default chunk, in memory with 4 KiB chunks (the blob
 * straddles a chunk border) and streamed in odd-sized pieces.
 */
#include "check.h"
#include "detector.h"
#include "scan.h"
#include "winblob.h"

#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

extern const ds_detector ds_detector_winblob;
static const ds_detector *const only_winblob[] = { &ds_detector_winblob, NULL };

#define RSA1 0x31415352u
#define RSA2 0x32415352u
#define RSA3 0x33415352u
#define SMALL_CHUNK 4096

/* ---- a growable byte string (cleansed: it holds key material) ------------ */

typedef struct {
    uint8_t *p;
    size_t n, cap;
} bytes;

static void put(bytes *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = (b->n + n) * 2;
        uint8_t *p = OPENSSL_secure_zalloc(cap);
        if (!p)
            abort();
        if (b->p) {
            memcpy(p, b->p, b->n);
            OPENSSL_secure_clear_free(b->p, b->cap);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_u8(bytes *b, uint8_t v) { put(b, &v, 1); }

static void put_le32(bytes *b, uint32_t v)
{
    uint8_t t[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    put(b, t, 4);
}

static void put_bn(bytes *b, const BIGNUM *x, size_t n, int little_endian)
{
    uint8_t t[2048];
    if (n > sizeof t ||
        (little_endian ? BN_bn2lebinpad(x, t, (int)n) : BN_bn2binpad(x, t, (int)n)) < 0)
        abort();
    put(b, t, n);
    OPENSSL_cleanse(t, n);
}

static void bytes_free(bytes *b)
{
    if (b->p)
        OPENSSL_secure_clear_free(b->p, b->cap);
    memset(b, 0, sizeof *b);
}

static bytes from_bio(BIO *bio)
{
    bytes b = { 0 };
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    if (n > 0)
        put(&b, data, (size_t)n);
    return b;
}

/* ---- keys ---------------------------------------------------------------- */

static void fingerprint(const EVP_PKEY *pk, uint8_t out[32])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(pk, &der);
    if (n <= 0)
        abort();
    SHA256(der, (size_t)n, out);
    OPENSSL_free(der);
}

typedef struct {
    BIGNUM *n, *e, *d, *p, *q, *dp, *dq, *qi;
} rsa_parts;

static void rsa_get(const EVP_PKEY *pk, rsa_parts *r)
{
    memset(r, 0, sizeof *r);
    if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &r->n) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &r->e) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_D, &r->d) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_FACTOR1, &r->p) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_FACTOR2, &r->q) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_EXPONENT1, &r->dp) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_EXPONENT2, &r->dq) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, &r->qi))
        abort();
}

static void rsa_free(rsa_parts *r)
{
    BN_free(r->n);
    BN_free(r->e);
    BN_clear_free(r->d);
    BN_clear_free(r->p);
    BN_clear_free(r->q);
    BN_clear_free(r->dp);
    BN_clear_free(r->dq);
    BN_clear_free(r->qi);
}

/* ---- writers, from the documented layouts -------------------------------- */

/* BCRYPT_RSAKEY_BLOB: {Magic, BitLength, cbPublicExp, cbModulus, cbPrime1,
 * cbPrime2}, then big-endian e, n [, p, q [, dp, dq, qinv, d]]. */
static bytes cng_rsa(const EVP_PKEY *pk, uint32_t magic)
{
    rsa_parts r;
    rsa_get(pk, &r);
    size_t cbe = (size_t)BN_num_bytes(r.e), cbn = (size_t)BN_num_bytes(r.n);
    size_t cbp = (size_t)BN_num_bytes(r.p), cbq = (size_t)BN_num_bytes(r.q);
    bytes b = { 0 };
    put_le32(&b, magic);
    put_le32(&b, (uint32_t)BN_num_bits(r.n));
    put_le32(&b, (uint32_t)cbe);
    put_le32(&b, (uint32_t)cbn);
    put_le32(&b, magic == RSA1 ? 0 : (uint32_t)cbp);
    put_le32(&b, magic == RSA1 ? 0 : (uint32_t)cbq);
    put_bn(&b, r.e, cbe, 0);
    put_bn(&b, r.n, cbn, 0);
    if (magic != RSA1) {
        put_bn(&b, r.p, cbp, 0);
        put_bn(&b, r.q, cbq, 0);
    }
    if (magic == RSA3) {
        put_bn(&b, r.dp, cbp, 0);
        put_bn(&b, r.dq, cbq, 0);
        put_bn(&b, r.qi, cbp, 0);
        put_bn(&b, r.d, cbn, 0);
    }
    rsa_free(&r);
    return b;
}

/* CryptoAPI: [BLOBHEADER {bType, 2, 0, aiKeyAlg}] RSAPUBKEY {magic, bitlen,
 * pubexp} then little-endian n[bitlen/8] [, p, q, dp, dq, qinv [bitlen/16],
 * d[bitlen/8]]. */
static bytes capi_rsa(const EVP_PKEY *pk, int header, uint8_t btype, uint32_t alg, int pub)
{
    rsa_parts r;
    rsa_get(pk, &r);
    uint32_t bits = (uint32_t)BN_num_bits(r.n);
    size_t nb = bits / 8, hb = bits / 16;
    bytes b = { 0 };
    if (header) {
        put_u8(&b, btype);
        put_u8(&b, 2);
        put_u8(&b, 0);
        put_u8(&b, 0);
        put_le32(&b, alg);
    }
    put_le32(&b, pub ? RSA1 : RSA2);
    put_le32(&b, bits);
    put_le32(&b, (uint32_t)BN_get_word(r.e));
    put_bn(&b, r.n, nb, 1);
    if (!pub) {
        put_bn(&b, r.p, hb, 1);
        put_bn(&b, r.q, hb, 1);
        put_bn(&b, r.dp, hb, 1);
        put_bn(&b, r.dq, hb, 1);
        put_bn(&b, r.qi, hb, 1);
        put_bn(&b, r.d, nb, 1);
    }
    rsa_free(&r);
    return b;
}

/* PVK: {0xB0B5F11E, 0, keytype, encrypted, saltlen, keylen} + salt + blob.
 * Encrypted: the blob after its 8-byte BLOBHEADER is RC4 output, which the
 * detector cannot tell from random bytes, so random bytes stand in. */
static bytes pvk(const EVP_PKEY *pk, int encrypted)
{
    bytes inner = capi_rsa(pk, 1, 7, 0xA400, 0), b = { 0 };
    put_le32(&b, 0xB0B5F11Eu);
    put_le32(&b, 0);
    put_le32(&b, 1);
    put_le32(&b, (uint32_t)encrypted);
    put_le32(&b, encrypted ? 16 : 0);
    put_le32(&b, (uint32_t)inner.n);
    if (encrypted) {
        uint8_t salt[16];
        RAND_bytes(salt, sizeof salt);
        put(&b, salt, sizeof salt);
        RAND_bytes(inner.p + 8, (int)inner.n - 8);
    }
    put(&b, inner.p, inner.n);
    bytes_free(&inner);
    return b;
}

/* BCRYPT_ECCKEY_BLOB: {dwMagic, cbKey}, X, Y [, d], big-endian. */
static bytes cng_ecc(const EVP_PKEY *pk, uint32_t magic, size_t cb, int priv)
{
    uint8_t pub[1 + 2 * 66];
    size_t publen = 0;
    BIGNUM *d = NULL;
    if (!EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &publen) ||
        publen != 1 + 2 * cb || pub[0] != 4 || !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d))
        abort();
    bytes b = { 0 };
    put_le32(&b, magic);
    put_le32(&b, (uint32_t)cb);
    put(&b, pub + 1, 2 * cb);
    if (priv)
        put_bn(&b, d, cb, 0);
    BN_clear_free(d);
    return b;
}

/* BCRYPT_ECCFULLKEY_BLOB: {dwMagic, dwVersion 1, dwCurveType 1 (short
 * Weierstrass), dwCurveGenerationAlgId, cbFieldLength, cbSubgroupOrder,
 * cbCofactor, cbSeed}, P, A, B, Gx, Gy, Order, Cofactor, Seed, Qx, Qy, d. */
static bytes cng_eccfull(const EVP_PKEY *pk, uint32_t magic, int nid)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(nid);
    BIGNUM *p = BN_new(), *a = BN_new(), *bb = BN_new(), *gx = BN_new(), *gy = BN_new();
    BIGNUM *d = NULL;
    uint8_t pub[1 + 2 * 66];
    size_t publen = 0;
    if (!g || !EC_GROUP_get_curve(g, p, a, bb, NULL) ||
        !EC_POINT_get_affine_coordinates(g, EC_GROUP_get0_generator(g), gx, gy, NULL) ||
        !EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &publen) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d))
        abort();
    size_t cbf = (size_t)(EC_GROUP_get_degree(g) + 7) / 8;
    size_t cbo = (size_t)BN_num_bytes(EC_GROUP_get0_order(g));
    bytes b = { 0 };
    put_le32(&b, magic);
    put_le32(&b, 1);
    put_le32(&b, 1);
    put_le32(&b, 0);
    put_le32(&b, (uint32_t)cbf);
    put_le32(&b, (uint32_t)cbo);
    put_le32(&b, 1);
    put_le32(&b, 0);
    put_bn(&b, p, cbf, 0);
    put_bn(&b, a, cbf, 0);
    put_bn(&b, bb, cbf, 0);
    put_bn(&b, gx, cbf, 0);
    put_bn(&b, gy, cbf, 0);
    put_bn(&b, EC_GROUP_get0_order(g), cbo, 0);
    put_bn(&b, EC_GROUP_get0_cofactor(g), 1, 0);
    put(&b, pub + 1, publen - 1);
    put_bn(&b, d, cbo, 0);
    BN_free(p);
    BN_free(a);
    BN_free(bb);
    BN_free(gx);
    BN_free(gy);
    BN_clear_free(d);
    EC_GROUP_free(g);
    return b;
}

/* ---- DSA keys on public RFC 5114 groups (fast: no parameter generation) --- */

static EVP_PKEY *gen_dsa(const char *group)
{
    EVP_PKEY *dh = NULL, *params = NULL, *key = NULL;
    BIGNUM *p = NULL, *q = NULL, *g = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *op = NULL;
    EVP_PKEY_CTX *c1 = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
    EVP_PKEY_CTX *c2 = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL), *c3 = NULL;
    OSSL_PARAM named[] = { OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
                           OSSL_PARAM_END };
    if (c1 && EVP_PKEY_fromdata_init(c1) > 0 &&
        EVP_PKEY_fromdata(c1, &dh, EVP_PKEY_KEY_PARAMETERS, named) > 0 &&
        EVP_PKEY_get_bn_param(dh, OSSL_PKEY_PARAM_FFC_P, &p) &&
        EVP_PKEY_get_bn_param(dh, OSSL_PKEY_PARAM_FFC_Q, &q) &&
        EVP_PKEY_get_bn_param(dh, OSSL_PKEY_PARAM_FFC_G, &g) && bld &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_Q, q) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) &&
        (op = OSSL_PARAM_BLD_to_param(bld)) != NULL && c2 && EVP_PKEY_fromdata_init(c2) > 0 &&
        EVP_PKEY_fromdata(c2, &params, EVP_PKEY_KEY_PARAMETERS, op) > 0 &&
        (c3 = EVP_PKEY_CTX_new_from_pkey(NULL, params, NULL)) != NULL &&
        EVP_PKEY_keygen_init(c3) > 0 && EVP_PKEY_keygen(c3, &key) <= 0)
        key = NULL;
    EVP_PKEY_free(dh);
    EVP_PKEY_free(params);
    BN_free(p);
    BN_free(q);
    BN_free(g);
    OSSL_PARAM_free(op);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(c1);
    EVP_PKEY_CTX_free(c2);
    EVP_PKEY_CTX_free(c3);
    return key;
}

typedef struct {
    BIGNUM *p, *q, *g, *y, *x;
} dsa_parts;

static void dsa_get(const EVP_PKEY *pk, dsa_parts *r)
{
    memset(r, 0, sizeof *r);
    if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_FFC_P, &r->p) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_FFC_Q, &r->q) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_FFC_G, &r->g) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PUB_KEY, &r->y) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &r->x))
        abort();
}

static void dsa_free(dsa_parts *r)
{
    BN_free(r->p);
    BN_free(r->q);
    BN_free(r->g);
    BN_free(r->y);
    BN_clear_free(r->x);
}

/* BCRYPT_DSA_KEY_BLOB (V1): {dwMagic "DSPV", cbKey, Count[4], Seed[20],
 * q[20]}, p, g, y [cbKey], x[20], big-endian. */
static bytes cng_dsa_v1(const EVP_PKEY *pk)
{
    dsa_parts r;
    dsa_get(pk, &r);
    size_t cbkey = (size_t)BN_num_bytes(r.p);
    uint8_t seed[24] = { 0 };
    bytes b = { 0 };
    put_le32(&b, 0x56505344u);
    put_le32(&b, (uint32_t)cbkey);
    put(&b, seed, 24);   /* Count[4] + Seed[20]: unknown for these groups */
    put_bn(&b, r.q, 20, 0);
    put_bn(&b, r.p, cbkey, 0);
    put_bn(&b, r.g, cbkey, 0);
    put_bn(&b, r.y, cbkey, 0);
    put_bn(&b, r.x, 20, 0);
    dsa_free(&r);
    return b;
}

/* BCRYPT_DSA_KEY_BLOB_V2: {dwMagic "DPV2", cbKey, hashAlgorithm,
 * standardVersion, cbSeedLength, cbGroupSize, Count[4]}, Seed, q, p, g, y,
 * x[cbGroupSize], big-endian. */
static bytes cng_dsa_v2(const EVP_PKEY *pk)
{
    dsa_parts r;
    dsa_get(pk, &r);
    size_t cbkey = (size_t)BN_num_bytes(r.p), cbq = (size_t)BN_num_bytes(r.q);
    uint8_t zero[32] = { 0 };
    bytes b = { 0 };
    put_le32(&b, 0x32565044u);
    put_le32(&b, (uint32_t)cbkey);
    put_le32(&b, 1);             /* DSA_HASH_ALGORITHM_SHA256 */
    put_le32(&b, 1);             /* DSA_FIPS186_3 */
    put_le32(&b, (uint32_t)cbq); /* cbSeedLength */
    put_le32(&b, (uint32_t)cbq); /* cbGroupSize */
    put(&b, zero, 4);            /* Count */
    put(&b, zero, cbq);          /* Seed */
    put_bn(&b, r.q, cbq, 0);
    put_bn(&b, r.p, cbkey, 0);
    put_bn(&b, r.g, cbkey, 0);
    put_bn(&b, r.y, cbkey, 0);
    put_bn(&b, r.x, cbq, 0);
    dsa_free(&r);
    return b;
}

/* CryptoAPI DSS PRIVATEKEYBLOB: BLOBHEADER {7, 2, 0, CALG_DSS_SIGN} +
 * DSSPUBKEY {"DSS2", bitlen} + little-endian p, q[20], g, x[20], DSSSEED. */
static bytes capi_dss(const EVP_PKEY *pk)
{
    dsa_parts r;
    dsa_get(pk, &r);
    size_t nb = (size_t)BN_num_bytes(r.p);
    uint8_t seed[24];
    memset(seed, 0xff, sizeof seed);
    bytes b = { 0 };
    put_u8(&b, 7);
    put_u8(&b, 2);
    put_u8(&b, 0);
    put_u8(&b, 0);
    put_le32(&b, 0x2200);
    put_le32(&b, 0x32535344u);
    put_le32(&b, (uint32_t)(8 * nb));
    put_bn(&b, r.p, nb, 1);
    put_bn(&b, r.q, 20, 1);
    put_bn(&b, r.g, nb, 1);
    put_bn(&b, r.x, 20, 1);
    put(&b, seed, sizeof seed);
    dsa_free(&r);
    return b;
}

/* ---- dump-like bytes ------------------------------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* 4 KiB pages of random bytes, zeros or ASCII text that names the magics'
 * letters ("RSA", "ECDSA", "DSS"...) to keep the prefilter honest. */
static void fill_dumplike(uint8_t *p, size_t n)
{
    static const char text[] =
        "RSA2 keys and ECDSA signatures; DSS, DPAPI and ECDH are mentioned in logs. "
        "The quick brown fox ECS RSA1 RSA DSPV jumps over the lazy dog 0123456789. ";
    for (size_t off = 0; off < n; off += 4096) {
        size_t len = n - off < 4096 ? n - off : 4096;
        switch (rng() % 3) {
        case 0:
            for (size_t i = 0; i < len; i++)
                p[off + i] = (uint8_t)rng();
            break;
        case 1:
            memset(p + off, 0, len);
            break;
        default:
            for (size_t i = 0; i < len; i++)
                p[off + i] = (uint8_t)text[(off + i) % (sizeof text - 1)];
            break;
        }
    }
}

/* ---- scanning ------------------------------------------------------------- */

typedef enum { MODE_MEMORY, MODE_SMALL_CHUNKS, MODE_STREAM, MODE_COUNT } scan_mode;
static const char *const mode_name[] = { "memory", "4k-chunks", "stream" };

static void scan(const uint8_t *buf, size_t len, scan_mode mode, ds_findings *f)
{
    ds_dump d;
    ds_dump_init(&d, len);
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = only_winblob;
    o.chunk_size = mode == MODE_MEMORY ? 0 : SMALL_CHUNK;
    memset(f, 0, sizeof *f);
    if (mode == MODE_STREAM) {
        ds_stream *st = ds_stream_new(&d, &o, f);
        if (!st)
            abort();
        for (size_t off = 0; off < len; off += 1237)
            ds_stream_feed(st, buf + off, len - off < 1237 ? len - off : 1237);
        ds_stream_finish(st);
        ds_stream_free(st);
    } else {
        ds_scan_memory(buf, len, &d, &o, f);
    }
    ds_dump_free(&d);
}

typedef struct {
    const char *kind, *detector;
    ds_confidence conf;
    int bits;
    const uint8_t *fp;   /* NULL: no fingerprint expected */
} expect;

/* Plant `blob` at `off` in dump-like bytes, scan every way, and check the
 * one finding: its exact span and identity. */
static void expect_found(const char *name, const bytes *blob, size_t off, const expect *want)
{
    size_t len = off + blob->n + 3001;
    uint8_t *buf = malloc(len);
    if (!buf)
        abort();
    fill_dumplike(buf, len);
    memcpy(buf + off, blob->p, blob->n);
    for (scan_mode m = 0; m < MODE_COUNT; m++) {
        ds_findings f;
        scan(buf, len, m, &f);
        char t[160];
        snprintf(t, sizeof t, "%s [%s]: one finding", name, mode_name[m]);
        CHECK_EQ_U64(t, 1, f.n);
        if (f.n >= 1) {
            const ds_finding *x = &f.v[0];
            snprintf(t, sizeof t, "%s [%s]: offset", name, mode_name[m]);
            CHECK_EQ_U64(t, off, x->offset);
            snprintf(t, sizeof t, "%s [%s]: length", name, mode_name[m]);
            CHECK_EQ_U64(t, blob->n, x->length);
            snprintf(t, sizeof t, "%s [%s]: kind %s", name, mode_name[m], want->kind);
            CHECK(t, x->kind && !strcmp(x->kind, want->kind));
            snprintf(t, sizeof t, "%s [%s]: detector %s", name, mode_name[m], want->detector);
            CHECK(t, x->detector && !strcmp(x->detector, want->detector));
            snprintf(t, sizeof t, "%s [%s]: confidence %s", name, mode_name[m],
                     ds_confidence_name(want->conf));
            CHECK_EQ_U64(t, want->conf, x->confidence);
            snprintf(t, sizeof t, "%s [%s]: bits", name, mode_name[m]);
            CHECK_EQ_U64(t, want->bits, x->bits);
            snprintf(t, sizeof t, "%s [%s]: fingerprint", name, mode_name[m]);
            if (want->fp)
                CHECK(t, x->has_fingerprint && !memcmp(x->fingerprint, want->fp, 32));
            else
                CHECK(t, !x->has_fingerprint);
        }
        ds_findings_free(&f);
    }
    OPENSSL_cleanse(buf, len);
    free(buf);
}

static void expect_nothing(const char *name, const uint8_t *p, size_t n, size_t off)
{
    size_t len = off + n + 2001;
    uint8_t *buf = malloc(len);
    if (!buf)
        abort();
    fill_dumplike(buf, len);
    memcpy(buf + off, p, n);
    for (scan_mode m = 0; m < MODE_COUNT; m++) {
        ds_findings f;
        scan(buf, len, m, &f);
        char t[160];
        snprintf(t, sizeof t, "%s [%s]: no finding", name, mode_name[m]);
        CHECK_EQ_U64(t, 0, f.n);
        ds_findings_free(&f);
    }
    OPENSSL_cleanse(buf, len);
    free(buf);
}

/* Odd offsets: one where a 4 KiB chunk border cuts the first 8 bytes (the
 * BLOBHEADER of a CryptoAPI blob), one anywhere. */
static const size_t offsets[] = { 3 * SMALL_CHUNK - 3, 20001 };

static void found_everywhere(const char *name, const bytes *blob, const expect *want)
{
    for (size_t i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
        char t[128];
        snprintf(t, sizeof t, "%s @%zu", name, offsets[i]);
        expect_found(t, blob, offsets[i], want);
    }
}

/* ---- cases ---------------------------------------------------------------- */

static void test_rsa(int bits)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    if (!pk)
        abort();
    uint8_t fp[32];
    fingerprint(pk, fp);
    expect want = { DS_KIND_RSA, "cng-rsa", DS_CONF_VERIFIED, bits, fp };
    char t[96];

    bytes b = cng_rsa(pk, RSA2);
    snprintf(t, sizeof t, "cng RSA2 %d", bits);
    found_everywhere(t, &b, &want);
    bytes_free(&b);

    b = cng_rsa(pk, RSA3);
    snprintf(t, sizeof t, "cng RSA3 %d", bits);
    found_everywhere(t, &b, &want);
    bytes_free(&b);

    want.detector = "capi-privatekeyblob";
    b = capi_rsa(pk, 1, 7, 0xA400, 0);
    snprintf(t, sizeof t, "capi PRIVATEKEYBLOB KEYX %d", bits);
    found_everywhere(t, &b, &want);
    bytes_free(&b);

    b = capi_rsa(pk, 1, 7, 0x2400, 0);
    snprintf(t, sizeof t, "capi PRIVATEKEYBLOB SIGN %d", bits);
    found_everywhere(t, &b, &want);
    bytes_free(&b);

    b = capi_rsa(pk, 0, 0, 0, 0);
    snprintf(t, sizeof t, "capi bare RSAPUBKEY RSA2 %d", bits);
    found_everywhere(t, &b, &want);
    bytes_free(&b);

    /* OpenSSL's MSBLOB writer, independent of ours. */
    BIO *bio = BIO_new(BIO_s_mem());
    CHECK("openssl i2b_PrivateKey_bio", bio && i2b_PrivateKey_bio(bio, pk) > 0);
    b = from_bio(bio);
    BIO_free(bio);
    snprintf(t, sizeof t, "openssl MSBLOB %d", bits);
    found_everywhere(t, &b, &want);
    bytes_free(&b);

    want.detector = "pvk";
    b = pvk(pk, 0);
    snprintf(t, sizeof t, "pvk unencrypted %d", bits);
    found_everywhere(t, &b, &want);
    bytes_free(&b);

    bio = BIO_new(BIO_s_mem());
    CHECK("openssl i2b_PVK_bio unencrypted", bio && i2b_PVK_bio(bio, pk, 0, NULL, NULL) > 0);
    b = from_bio(bio);
    BIO_free(bio);
    snprintf(t, sizeof t, "openssl PVK unencrypted %d", bits);
    found_everywhere(t, &b, &want);
    bytes_free(&b);

    expect enc = { DS_KIND_ENCRYPTED, "pvk", DS_CONF_LIKELY, bits, NULL };
    b = pvk(pk, 1);
    snprintf(t, sizeof t, "pvk encrypted %d", bits);
    found_everywhere(t, &b, &enc);
    bytes_free(&b);

    EVP_PKEY_free(pk);
}

static int pvk_pass(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    (void)u;
    const char pw[] = "test-only password";
    if (size < (int)sizeof pw)
        return -1;
    memcpy(buf, pw, sizeof pw);
    return (int)sizeof pw - 1;
}

/* OpenSSL's encrypted PVK needs RC4, which OpenSSL 3 keeps in the legacy
 * provider. */
static void test_openssl_encrypted_pvk(void)
{
    OSSL_PROVIDER *legacy = OSSL_PROVIDER_try_load(NULL, "legacy", 1);
    if (!legacy) {
        printf("SKIP openssl PVK encrypted: no legacy provider (RC4)\n");
        return;
    }
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    BIO *bio = BIO_new(BIO_s_mem());
    int ok = pk && bio && i2b_PVK_bio(bio, pk, 2, pvk_pass, NULL) > 0;
    CHECK("openssl i2b_PVK_bio encrypted", ok);
    if (ok) {
        bytes b = from_bio(bio);
        expect enc = { DS_KIND_ENCRYPTED, "pvk", DS_CONF_LIKELY, 2048, NULL };
        found_everywhere("openssl PVK encrypted 2048", &b, &enc);
        bytes_free(&b);
    }
    BIO_free(bio);
    EVP_PKEY_free(pk);
    OSSL_PROVIDER_unload(legacy);
}

static void test_ec(const char *curve, int nid, size_t cb, uint32_t ecs, uint32_t eck, int bits)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
    if (!pk)
        abort();
    uint8_t fp[32];
    fingerprint(pk, fp);
    expect want = { DS_KIND_EC, "cng-ecc", DS_CONF_VERIFIED, bits, fp };
    char t[96];
    bytes b = cng_ecc(pk, ecs, cb, 1);
    snprintf(t, sizeof t, "cng ECDSA private %s", curve);
    found_everywhere(t, &b, &want);
    bytes_free(&b);
    if (eck) {
        b = cng_ecc(pk, eck, cb, 1);
        snprintf(t, sizeof t, "cng ECDH private %s", curve);
        found_everywhere(t, &b, &want);
        bytes_free(&b);
    }
    b = cng_eccfull(pk, 0x56444345u, nid);   /* ECDV */
    snprintf(t, sizeof t, "cng ECCFULLKEY ECDV %s", curve);
    found_everywhere(t, &b, &want);
    bytes_free(&b);

    /* The public blob (magic - 1: ECS1/3/5) must stay silent. */
    b = cng_ecc(pk, ecs - 0x01000000u, cb, 0);
    snprintf(t, sizeof t, "cng ECC public blob %s", curve);
    expect_nothing(t, b.p, b.n, 20001);
    bytes_free(&b);
    EVP_PKEY_free(pk);
}

static void test_dsa(void)
{
    EVP_PKEY *pk = gen_dsa("dh_1024_160");
    CHECK("dsa 1024/160 key on RFC 5114 group", pk != NULL);
    if (pk) {
        uint8_t fp[32];
        fingerprint(pk, fp);
        expect want = { DS_KIND_DSA, "cng-dsa", DS_CONF_VERIFIED, 1024, fp };
        bytes b = cng_dsa_v1(pk);
        found_everywhere("cng DSPV 1024", &b, &want);
        bytes_free(&b);
        /* No public key in a CryptoAPI DSS blob: the group is checked, x
         * cannot be (LIKELY), the fingerprint comes from y = g^x. */
        expect capi = { DS_KIND_DSA, "capi-privatekeyblob", DS_CONF_LIKELY, 1024, fp };
        b = capi_dss(pk);
        found_everywhere("capi DSS2 1024", &b, &capi);
        bytes_free(&b);
        BIO *bio = BIO_new(BIO_s_mem());
        CHECK("openssl i2b_PrivateKey_bio DSA", bio && i2b_PrivateKey_bio(bio, pk) > 0);
        b = from_bio(bio);
        BIO_free(bio);
        found_everywhere("openssl MSBLOB DSS2 1024", &b, &capi);
        bytes_free(&b);
        EVP_PKEY_free(pk);
    }
    pk = gen_dsa("dh_2048_256");
    CHECK("dsa 2048/256 key on RFC 5114 group", pk != NULL);
    if (pk) {
        uint8_t fp[32];
        fingerprint(pk, fp);
        expect want = { DS_KIND_DSA, "cng-dsa", DS_CONF_VERIFIED, 2048, fp };
        bytes b = cng_dsa_v2(pk);
        found_everywhere("cng DPV2 2048", &b, &want);
        bytes_free(&b);
        EVP_PKEY_free(pk);
    }
}

/* ---- negatives ------------------------------------------------------------ */

static void test_public_and_damaged(void)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (!pk)
        abort();
    bytes b = cng_rsa(pk, RSA1);
    expect_nothing("cng RSA1 public blob", b.p, b.n, 20001);
    bytes_free(&b);
    b = capi_rsa(pk, 1, 6, 0xA400, 1);
    expect_nothing("capi PUBLICKEYBLOB (type 6, RSA1)", b.p, b.n, 20001);
    bytes_free(&b);

    /* One byte of p changed: p*q != n.  Must not be verified (and is not
     * reported at all). */
    b = cng_rsa(pk, RSA2);
    size_t cbn = b.p[12] | (size_t)b.p[13] << 8;
    size_t cbe = b.p[8];
    b.p[24 + cbe + cbn + 10] ^= 0x40;
    expect_nothing("cng RSA2 with a flipped byte of p", b.p, b.n, 20001);
    bytes_free(&b);

    /* CryptoAPI: a flipped byte of d breaks d*e = 1 mod lambda. */
    b = capi_rsa(pk, 1, 7, 0xA400, 0);
    b.p[b.n - 7] ^= 0x01;
    expect_nothing("capi PRIVATEKEYBLOB with a flipped byte of d", b.p, b.n, 20001);
    bytes_free(&b);

    /* A valid blob cut short by the end of the file. */
    b = cng_rsa(pk, RSA2);
    {
        size_t len = 4097 + b.n - 1;
        uint8_t *buf = malloc(len);
        if (!buf)
            abort();
        fill_dumplike(buf, 4097);
        memcpy(buf + 4097, b.p, b.n - 1);
        ds_findings f;
        scan(buf, len, MODE_MEMORY, &f);
        CHECK_EQ_U64("cng RSA2 truncated by end of file: no finding", 0, f.n);
        ds_findings_free(&f);
        OPENSSL_cleanse(buf, len);
        free(buf);
    }
    bytes_free(&b);
    EVP_PKEY_free(pk);
}

static void count_emit(void *ctx, const ds_finding *f)
{
    (void)f;
    ++*(size_t *)ctx;
}

/* Headers with huge, zero or wrapping sizes: nothing found, nothing read
 * out of bounds (ASan), no time spent. */
static void test_bad_headers(void)
{
    static const uint32_t hdrs[][8] = {
        { RSA2, 0xFFFFFFFFu, 3, 0xFFFFFFFFu, 0x80000000u, 0x80000000u, 0, 0 },
        { RSA2, 2048, 0, 256, 128, 128, 0, 0 },
        { RSA3, 2048, 0xFFFFFFFFu, 256, 128, 128, 0, 0 },
        { RSA2, 2048, 3, 256, 0xFFFFFF80u, 0x180, 0, 0 },         /* sum wraps */
        { RSA2, 0, 0, 0, 0, 0, 0, 0 },
        { 0x32534345u, 0xFFFFFFFFu, 0, 0, 0, 0, 0, 0 },             /* ECS2 */
        { 0x32534345u, 0, 0, 0, 0, 0, 0, 0 },
        { 0x56444345u, 1, 1, 0, 0xFFFFFFFFu, 0xFFFFFFFFu, 1, 0 },   /* ECDV */
        { 0x56505344u, 0xFFFFFFF8u, 0, 0, 0, 0, 0, 0 },             /* DSPV */
        { 0x32565044u, 0x80, 0, 0, 0xFFFFFFFFu, 20, 0, 0 },         /* DPV2 */
        { 0xB0B5F11Eu, 0, 1, 0, 0, 0xFFFFFFFFu, 0, 0 },             /* PVK keylen */
        { 0xB0B5F11Eu, 0, 1, 0, 0, 0, 0, 0 },                       /* PVK keylen 0 (fuzz) */
        { 0xB0B5F11Eu, 0, 1, 1, 0xFFFFFFFFu, 0x494, 0, 0 },         /* PVK saltlen */
        { 0xB0B5F11Eu, 0, 1, 1, 16, 0, 0, 0 },
        { 0x00020007u, 0xA400, RSA2, 0xFFFFFFFFu, 65537, 0, 0, 0 }, /* BLOBHEADER + RSA2 */
        { 0x00020007u, 0x2200, 0x32535344u, 0x7FFFFFF8u, 0, 0, 0, 0 }, /* DSS2 */
    };
    for (size_t i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++) {
        uint8_t h[32];
        for (int k = 0; k < 8; k++)
            for (int j = 0; j < 4; j++)
                h[4 * k + j] = (uint8_t)(hdrs[i][k] >> (8 * j));
        char t[64];
        snprintf(t, sizeof t, "bad header #%zu", i);
        expect_nothing(t, h, sizeof h, 20001);
        /* ... and at the very end of the buffer. */
        ds_findings f;
        scan(h, sizeof h, MODE_MEMORY, &f);
        snprintf(t, sizeof t, "bad header #%zu alone", i);
        CHECK_EQ_U64(t, 0, f.n);
        ds_findings_free(&f);
        /* Below the engine too (it would drop a confidence-less emission). */
        size_t emitted = 0;
        wb_chunk c = { .buf = h, .own = sizeof h, .len = sizeof h, .emit = count_emit,
                       .ctx = &emitted };
        wb_scan(&c, WB_KERNEL_AUTO);
        snprintf(t, sizeof t, "bad header #%zu: nothing emitted", i);
        CHECK_EQ_U64(t, 0, emitted);
    }
}

/* ---- the kernels and chunk ownership, below the engine -------------------- */

typedef struct {
    ds_finding v[8];
    size_t n;
} found_list;

static void collect(void *ctx, const ds_finding *f)
{
    found_list *l = ctx;
    if (l->n < 8)
        l->v[l->n] = *f;
    l->n++;
}

static const wb_kernel kernels[] = { WB_KERNEL_SCALAR, WB_KERNEL_SSE2, WB_KERNEL_AVX2 };
static const char *const kernel_name[] = { "auto", "scalar", "sse2", "avx2" };

/* A P-256 blob at every offset of a small exact-size buffer, with each
 * kernel: vector lanes, block ends and the scalar tail all see it. */
static void test_kernel_lanes(void)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (!pk)
        abort();
    bytes blob = cng_ecc(pk, 0x32534345u, 32, 1);
    enum { N = 200 };
    for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
        if (!wb_kernel_available(kernels[k])) {
            printf("SKIP kernel %s: not available on this CPU/build\n", kernel_name[kernels[k]]);
            continue;
        }
        int all = 1;
        for (size_t pos = 0; pos + blob.n <= N; pos++) {
            uint8_t *buf = malloc(N);   /* exact size: ASan sees any over-read */
            for (size_t i = 0; i < N; i++)
                buf[i] = (uint8_t)rng();
            memcpy(buf + pos, blob.p, blob.n);
            found_list l = { .n = 0 };
            wb_chunk c = { .buf = buf, .own = N, .len = N, .emit = collect, .ctx = &l };
            all &= wb_scan(&c, kernels[k]) == 0 && l.n == 1 && l.v[0].offset == pos &&
                   l.v[0].length == blob.n;
            OPENSSL_cleanse(buf, N);
            free(buf);
        }
        char t[96];
        snprintf(t, sizeof t, "kernel %s: blob found at every offset of a %d-byte buffer",
                 kernel_name[kernels[k]], N);
        CHECK(t, all);
    }
    bytes_free(&blob);
    EVP_PKEY_free(pk);
}

/* Scan buf as two chunks split at `own`; the second sees the whole file only
 * when `with_whole`.  Returns the findings of both. */
static found_list two_chunks(const uint8_t *buf, size_t len, size_t own, int with_whole,
                             wb_kernel k)
{
    found_list l = { .n = 0 };
    wb_chunk c1 = { .buf = buf, .own = own, .len = len, .emit = collect, .ctx = &l };
    wb_chunk c2 = { .buf = buf + own, .own = len - own, .len = len - own, .base = own,
                    .whole = with_whole ? buf : NULL, .whole_len = with_whole ? len : 0,
                    .emit = collect, .ctx = &l };
    wb_scan(&c1, k);
    wb_scan(&c2, k);
    return l;
}

/* A structure is reported by the chunk its first byte is in, exactly once,
 * wherever the border falls: before, inside the BLOBHEADER, at the magic. */
static void test_chunk_ownership(void)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    if (!pk)
        abort();
    bytes capi = capi_rsa(pk, 1, 7, 0xA400, 0), cng = cng_rsa(pk, RSA2);
    const size_t s = 301;
    const bytes *blobs[] = { &capi, &cng };
    for (size_t b = 0; b < 2; b++) {
        size_t len = s + blobs[b]->n + 50;
        uint8_t *buf = malloc(len);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)rng();
        memcpy(buf + s, blobs[b]->p, blobs[b]->n);
        for (size_t own = s - 2; own <= s + 12; own++) {
            for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
                if (!wb_kernel_available(kernels[k]))
                    continue;
                char t[128];
                found_list l = two_chunks(buf, len, own, 1, kernels[k]);
                snprintf(t, sizeof t, "%s blob @%zu, border @%zu, %s: reported once, whole span",
                         b ? "cng" : "capi", s, own, kernel_name[kernels[k]]);
                CHECK(t, l.n == 1 && l.v[0].offset == s && l.v[0].length == blobs[b]->n);
                /* Streaming (no look-back): at most the bare key in addition,
                 * inside the full blob, which the engine drops as contained. */
                l = two_chunks(buf, len, own, 0, kernels[k]);
                int ok = l.n >= 1 && l.v[0].offset == s && l.v[0].length == blobs[b]->n;
                if (l.n == 2)
                    ok &= !b && own > s && own <= s + 8 && l.v[1].offset == s + 8 &&
                          l.v[1].length == blobs[b]->n - 8 &&
                          !memcmp(l.v[0].fingerprint, l.v[1].fingerprint, 32);
                snprintf(t, sizeof t, "%s blob @%zu, border @%zu, %s, streaming: full blob found",
                         b ? "cng" : "capi", s, own, kernel_name[kernels[k]]);
                CHECK(t, ok && l.n <= 2);
            }
        }
        OPENSSL_cleanse(buf, len);
        free(buf);
    }
    bytes_free(&capi);
    bytes_free(&cng);
    EVP_PKEY_free(pk);
}

/* A PVK whose keylen disagrees with its blob is not a PVK: the key inside
 * is still reported, as the PRIVATEKEYBLOB it is. */
static void test_pvk_keylen_mismatch(void)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    if (!pk)
        abort();
    uint8_t fp[32];
    fingerprint(pk, fp);
    bytes b = pvk(pk, 0);
    size_t keylen = b.n - 24;
    uint32_t bad = (uint32_t)keylen + 4;
    for (int i = 0; i < 4; i++)
        b.p[20 + i] = (uint8_t)(bad >> (8 * i));
    uint8_t pad[4] = { 0 };
    put(&b, pad, 4);
    size_t len = 20001 + b.n + 100;
    uint8_t *buf = malloc(len);
    fill_dumplike(buf, len);
    memcpy(buf + 20001, b.p, b.n);
    ds_findings f;
    scan(buf, len, MODE_MEMORY, &f);
    CHECK("pvk with a wrong keylen: one finding", f.n == 1);
    CHECK("pvk with a wrong keylen: the inner PRIVATEKEYBLOB",
          f.n == 1 && f.v[0].offset == 20001 + 24 && f.v[0].length == keylen &&
          !strcmp(f.v[0].detector, "capi-privatekeyblob") &&
          !memcmp(f.v[0].fingerprint, fp, 32));
    ds_findings_free(&f);
    OPENSSL_cleanse(buf, len);
    free(buf);
    bytes_free(&b);
    EVP_PKEY_free(pk);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_noise(void)
{
    enum { N = 4 << 20 };
    uint8_t *buf = malloc(N);
    if (!buf)
        abort();
    for (size_t i = 0; i < N; i++)
        buf[i] = (uint8_t)rng();
    ds_findings f;
    scan(buf, N, MODE_MEMORY, &f);
    CHECK_EQ_U64("4 MiB random bytes: no finding", 0, f.n);
    ds_findings_free(&f);

    fill_dumplike(buf, N);
    scan(buf, N, MODE_MEMORY, &f);
    CHECK_EQ_U64("4 MiB dump-like bytes: no finding", 0, f.n);
    ds_findings_free(&f);

    /* Every offset a magic: the cheap header checks must reject all of them
     * without bignum work (this runs under ASan: allow a lot). */
    static const char *const floods[] = { "RSA2", "RSA3", "ECS2", "DSS2", "DSPV", "DPV2",
                                          "ECDV", "\x1e\xf1\xb5\xb0" };
    for (size_t k = 0; k < sizeof floods / sizeof floods[0]; k++) {
        size_t n = 1 << 20;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)floods[k][i % 4];
        double t0 = now();
        scan(buf, n, MODE_MEMORY, &f);
        double dt = now() - t0;
        char t[96];
        snprintf(t, sizeof t, "1 MiB of repeated magic %zu: no finding", k);
        CHECK_EQ_U64(t, 0, f.n);
        snprintf(t, sizeof t, "1 MiB of repeated magic %zu: fast (%.3f s)", k, dt);
        CHECK(t, dt < 1.0);
        ds_findings_free(&f);
    }

    /* A plausible ECS2 header over and over (cbKey right, junk point): each
     * one reaches the curve check; it must stay affordable. */
    size_t n = 1 << 20;
    for (size_t i = 0; i + 104 <= n; i += 104) {
        memcpy(buf + i, "ECS2\x20\0\0\0", 8);
        for (size_t j = 8; j < 104; j++)
            buf[i + j] = (uint8_t)rng();
    }
    double t0 = now();
    scan(buf, n, MODE_MEMORY, &f);
    double dt = now() - t0;
    CHECK_EQ_U64("1 MiB of ECS2 headers with junk points: no finding", 0, f.n);
    char t[96];
    snprintf(t, sizeof t, "1 MiB of ECS2 headers with junk points: %.3f s", dt);
    CHECK(t, dt < 20.0);
    ds_findings_free(&f);
    free(buf);
}

/* verify.c regression (found while writing this detector): without a
 * public point, ds_verify_ec failed for NIST names ("P-256") because it
 * looked the curve up by short/long name only. */
static void test_verify_ec_nist_names(void)
{
    static const char *const curves[] = { "P-256", "P-384", "P-521" };
    for (size_t i = 0; i < 3; i++) {
        EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curves[i]);
        BIGNUM *d = NULL;
        uint8_t db[66], fp[32];
        if (!pk || !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d))
            abort();
        int n = BN_bn2bin(d, db);
        fingerprint(pk, fp);
        ds_keyid id;
        memset(&id, 0, sizeof id);
        char t[96];
        snprintf(t, sizeof t, "verify.c: ds_verify_ec(\"%s\", d, no public point) -> likely, fingerprint",
                 curves[i]);
        CHECK(t, ds_verify_ec(curves[i], db, (size_t)n, NULL, 0, &id) &&
                 id.confidence == DS_CONF_LIKELY && !memcmp(id.fingerprint, fp, 32));
        OPENSSL_cleanse(db, sizeof db);
        BN_clear_free(d);
        EVP_PKEY_free(pk);
    }
}

int main(void)
{
    test_rsa(1024);
    test_rsa(2048);
    test_rsa(3072);
    test_openssl_encrypted_pvk();
    test_ec("P-256", NID_X9_62_prime256v1, 32, 0x32534345u, 0x324B4345u, 256);
    test_ec("P-384", NID_secp384r1, 48, 0x34534345u, 0, 384);
    test_ec("P-521", NID_secp521r1, 66, 0x36534345u, 0, 521);
    test_dsa();
    test_public_and_damaged();
    test_bad_headers();
    test_kernel_lanes();
    test_chunk_ownership();
    test_pvk_keylen_mismatch();
    test_noise();
    test_verify_ec_nist_names();
    return check_failures ? 1 : 0;
}
