/* keygen.h - test helpers for the DER and PEM detector tests: keys made at
 * test time (no private key is ever committed), their serialisations,
 * dump-like filler, and finding assertions.  Include after check.h. */
#ifndef DS_TEST_KEYGEN_H
#define DS_TEST_KEYGEN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "detector.h"
#include "finding.h"
#include "scan.h"

/* ---- bytes --------------------------------------------------------------- */
typedef struct {
    uint8_t *p;
    size_t n;
} tbuf;

static inline void tbuf_free(tbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = 0;
}

static inline tbuf tbuf_copy(const void *p, size_t n)
{
    tbuf b = { malloc(n ? n : 1), n };
    if (!b.p)
        abort();
    memcpy(b.p, p, n);
    return b;
}

static inline uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: deterministic filler, not for keys. */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static inline void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
    uint64_t s = seed | 1;
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(rng_next(&s) >> 56);
}

/* Dump-like bytes: runs of zeros, random bytes, ASCII text (with dashes
 * and near-miss armor), pointers and small integers, and near-miss DER
 * headers, so the prefilters and walkers see their usual junk. */
static inline void fill_dumplike(uint8_t *p, size_t n, uint64_t seed)
{
    static const char *words[] = {
        "the ", "key ", "-----", "BEGIN ", "--verbose ", "0x30 ", "PRIVATE ", "\n",
        "-----BEGIN CERTIFICATE-----\n", "-----BEGIN PRIVATE KEY-----\nhello world\n",
        "000000 ", "ssl_ctx ", "\"private_key\": \"", "=\n", "\\n", "MIIEvQIBADANBg",
    };
    static const uint8_t ders[][8] = {
        { 0x30, 0x82, 0x01, 0x0a, 0x02, 0x01, 0x00, 0x02 },
        { 0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13 },
        { 0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06 },
        { 0x30, 0x82, 0x05, 0x00, 0x30, 0x50, 0x06, 0x09 },
    };
    uint64_t s = seed | 1;
    size_t i = 0;
    while (i < n) {
        uint64_t r = rng_next(&s);
        size_t run = 16 + (size_t)(r >> 40) % 2048;
        if (run > n - i)
            run = n - i;
        switch (r % 6) {
        case 0:
            memset(p + i, 0, run);
            break;
        case 1:
            fill_random(p + i, run, rng_next(&s));
            break;
        case 2:
            for (size_t k = 0; k < run;) {
                const char *w = words[rng_next(&s) % (sizeof words / sizeof words[0])];
                size_t wl = strlen(w);
                if (wl > run - k)
                    wl = run - k;
                memcpy(p + i + k, w, wl);
                k += wl;
            }
            break;
        case 3:
            for (size_t k = 0; k < run; k++) {
                size_t b = k % 8;
                p[i + k] = b < 5 ? (uint8_t)(rng_next(&s) >> 56) : b == 5 ? 0x7f : 0;
            }
            break;
        case 4:
            for (size_t k = 0; k < run; k++)
                p[i + k] = k % 4 == 0 ? (uint8_t)(rng_next(&s) % 5) : 0;
            break;
        default:
            for (size_t k = 0; k < run; k++)
                p[i + k] = ders[(k / 8) % 4][k % 8];
            break;
        }
        i += run;
    }
}

/* ---- keys ---------------------------------------------------------------- */
/* alg "RSA" or "RSA-PSS"; primes 2 or more (multi-prime). */
static inline EVP_PKEY *gen_rsa_primes(const char *alg, int bits, int primes)
{
    EVP_PKEY *pk = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
    if (ctx && EVP_PKEY_keygen_init(ctx) > 0 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) > 0 &&
        EVP_PKEY_CTX_set_rsa_keygen_primes(ctx, primes) > 0 && EVP_PKEY_keygen(ctx, &pk) <= 0)
        pk = NULL;
    EVP_PKEY_CTX_free(ctx);
    return pk;
}

static inline EVP_PKEY *gen_rsa(const char *alg, int bits)
{
    return gen_rsa_primes(alg, bits, 2);
}

static inline EVP_PKEY *gen_ec(const char *curve, int explicit_params)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
    if (pk && explicit_params &&
        !EVP_PKEY_set_utf8_string_param(pk, OSSL_PKEY_PARAM_EC_ENCODING,
                                        OSSL_PKEY_EC_ENCODING_EXPLICIT)) {
        EVP_PKEY_free(pk);
        return NULL;
    }
    return pk;
}

static inline EVP_PKEY *gen_named(const char *alg)
{
    return EVP_PKEY_Q_keygen(NULL, NULL, alg);
}

static inline EVP_PKEY *gen_dsa(int bits)
{
    EVP_PKEY *params = NULL, *pk = NULL;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL), *kc = NULL;
    if (pc && EVP_PKEY_paramgen_init(pc) > 0 && EVP_PKEY_CTX_set_dsa_paramgen_bits(pc, bits) > 0 &&
        EVP_PKEY_paramgen(pc, &params) > 0 && (kc = EVP_PKEY_CTX_new(params, NULL)) != NULL &&
        EVP_PKEY_keygen_init(kc) > 0 && EVP_PKEY_keygen(kc, &pk) <= 0)
        pk = NULL;
    EVP_PKEY_CTX_free(kc);
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_free(params);
    return pk;
}

/* SHA-256 of i2d_PUBKEY: what every finding's fingerprint must be. */
static inline void pubkey_fp(EVP_PKEY *pk, uint8_t fp[32])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(pk, &der);
    memset(fp, 0, 32);
    if (n > 0)
        SHA256(der, (size_t)n, fp);
    OPENSSL_free(der);
}

/* ---- serialisations ------------------------------------------------------ */
static inline tbuf take_der(unsigned char *der, int n)
{
    tbuf b = { NULL, 0 };
    if (n > 0)
        b = tbuf_copy(der, (size_t)n);
    OPENSSL_free(der);
    return b;
}

/* PKCS#1 (RSA), SEC1 (EC), traditional (DSA), PKCS#8 (Ed/X). */
static inline tbuf der_traditional(EVP_PKEY *pk)
{
    unsigned char *der = NULL;
    return take_der(der, i2d_PrivateKey(pk, &der));
}

static inline tbuf der_pkcs8(EVP_PKEY *pk)
{
    unsigned char *der = NULL;
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
    int n = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : -1;
    PKCS8_PRIV_KEY_INFO_free(p8);
    return take_der(der, n);
}

/* EncryptedPrivateKeyInfo: nid -1 and a cipher = PBES2; else a PBE nid. */
static inline tbuf der_epki(EVP_PKEY *pk, int nid, const EVP_CIPHER *cipher)
{
    unsigned char *der = NULL;
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(pk);
    X509_SIG *sig = p8 ? PKCS8_encrypt(nid, cipher, "test-pass", 9, NULL, 0, 2048, p8) : NULL;
    int n = sig ? i2d_X509_SIG(sig, &der) : -1;
    X509_SIG_free(sig);
    PKCS8_PRIV_KEY_INFO_free(p8);
    return take_der(der, n);
}

static inline X509 *selfsigned(EVP_PKEY *pk)
{
    X509 *x = X509_new();
    if (!x)
        return NULL;
    X509_NAME *nm = X509_get_subject_name(x);
    if (!X509_set_version(x, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(x), 4242) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 86400) || !X509_set_pubkey(x, pk) ||
        !X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"dumpscrub test",
                                    -1, -1, 0) ||
        !X509_set_issuer_name(x, nm) || !X509_sign(x, pk, EVP_sha256())) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static inline tbuf der_cert(X509 *x)
{
    unsigned char *der = NULL;
    return take_der(der, i2d_X509(x, &der));
}

static inline tbuf der_pkcs12(EVP_PKEY *pk, X509 *x)
{
    unsigned char *der = NULL;
    PKCS12 *p12 = PKCS12_create("test-pass", "test", pk, x, NULL, 0, 0, 0, 0, 0);
    int n = p12 ? i2d_PKCS12(p12, &der) : -1;
    PKCS12_free(p12);
    return take_der(der, n);
}

static inline tbuf der_spki(EVP_PKEY *pk)
{
    unsigned char *der = NULL;
    return take_der(der, i2d_PUBKEY(pk, &der));
}

/* RSAPublicKey (PKCS#1) for RSA. */
static inline tbuf der_pubkey_typespecific(EVP_PKEY *pk)
{
    unsigned char *der = NULL;
    return take_der(der, i2d_PublicKey(pk, &der));
}

static inline tbuf bio_take(BIO *bio)
{
    char *p = NULL;
    long n = BIO_get_mem_data(bio, &p);
    tbuf b = { NULL, 0 };
    if (n > 0)
        b = tbuf_copy(p, (size_t)n);
    BIO_free(bio);
    return b;
}

/* "PRIVATE KEY" (PKCS#8), or "ENCRYPTED PRIVATE KEY" with a cipher. */
static inline tbuf pem_pkcs8(EVP_PKEY *pk, const EVP_CIPHER *cipher)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!PEM_write_bio_PKCS8PrivateKey(bio, pk, cipher, cipher ? "test-pass" : NULL,
                                       cipher ? 9 : 0, NULL, NULL))
        BIO_reset(bio);
    return bio_take(bio);
}

/* "RSA/EC/DSA PRIVATE KEY"; with a cipher, the legacy Proc-Type form. */
static inline tbuf pem_traditional(EVP_PKEY *pk, const EVP_CIPHER *cipher)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!PEM_write_bio_PrivateKey_traditional(bio, pk, cipher,
                                              cipher ? (unsigned char *)"test-pass" : NULL,
                                              cipher ? 9 : 0, NULL, NULL))
        BIO_reset(bio);
    return bio_take(bio);
}

static inline tbuf pem_of(EVP_PKEY *pk, int selection, const char *structure)
{
    BIO *bio = BIO_new(BIO_s_mem());
    OSSL_ENCODER_CTX *e = OSSL_ENCODER_CTX_new_for_pkey(pk, selection, "PEM", structure, NULL);
    if (!e || !OSSL_ENCODER_to_bio(e, bio))
        BIO_reset(bio);
    OSSL_ENCODER_CTX_free(e);
    return bio_take(bio);
}

static inline tbuf pem_cert(X509 *x)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (!PEM_write_bio_X509(bio, x))
        BIO_reset(bio);
    return bio_take(bio);
}

/* ---- scanning ------------------------------------------------------------ */
/* Run one detector through the engine over buf. */
static inline ds_findings scan_with(const ds_detector *det, const uint8_t *buf, size_t len,
                                    size_t chunk)
{
    const ds_detector *dl[] = { det, NULL };
    ds_scan_opts o;
    ds_dump d;
    ds_findings out = { 0 };
    ds_scan_opts_init(&o);
    o.detectors = dl;
    o.chunk_size = chunk;
    ds_dump_init(&d, len);
    if (ds_scan_memory(buf, len, &d, &o, &out) != 0)
        printf("FAIL scan_with: ds_scan_memory returned an error\n");
    ds_dump_free(&d);
    return out;
}

/* A filler buffer of n bytes with `item` copied at `off`. */
static inline tbuf embed(const tbuf *item, size_t off, size_t n, uint64_t seed)
{
    tbuf b = { malloc(n), n };
    if (!b.p || off > n || item->n > n - off)
        abort();
    fill_dumplike(b.p, n, seed);
    memcpy(b.p + off, item->p, item->n);
    return b;
}

typedef struct {
    const char *kind, *detector;
    ds_confidence conf;
    int bits;                 /* -1: do not check */
    const uint8_t *fp;        /* NULL: must have none */
} expect_t;

/* Exactly one finding, at [off, off+len), of the expected identity. */
static inline void expect_one(const char *name, const ds_findings *fs, uint64_t off,
                              uint64_t len, const expect_t *e)
{
    char n[200];
    snprintf(n, sizeof n, "%s: exactly one finding", name);
    CHECK_EQ_U64(n, 1, fs->n);
    if (fs->n < 1)
        return;
    const ds_finding *f = &fs->v[0];
    if (f->offset == off && f->length == len) {
        printf("PASS %s: span\n", name);
    } else {
        printf("FAIL %s: span [%llu +%llu], expected [%llu +%llu]\n", name,
               (unsigned long long)f->offset, (unsigned long long)f->length,
               (unsigned long long)off, (unsigned long long)len);
        check_failures++;
    }
    int ok = f->kind && f->detector && strcmp(f->kind, e->kind) == 0 &&
             strcmp(f->detector, e->detector) == 0 && f->confidence == e->conf &&
             (e->bits < 0 || f->bits == e->bits);
    if (ok) {
        printf("PASS %s: identity\n", name);
    } else {
        printf("FAIL %s: got kind=%s detector=%s confidence=%s bits=%d, expected %s %s %s %d\n",
               name, f->kind ? f->kind : "(null)", f->detector ? f->detector : "(null)",
               ds_confidence_name(f->confidence), f->bits, e->kind, e->detector,
               ds_confidence_name(e->conf), e->bits);
        check_failures++;
    }
    if (e->fp)
        ok = f->has_fingerprint && memcmp(f->fingerprint, e->fp, 32) == 0;
    else
        ok = !f->has_fingerprint;
    if (ok) {
        printf("PASS %s: fingerprint\n", name);
    } else {
        printf("FAIL %s: fingerprint %s\n", name,
               e->fp ? "differs from SHA-256(i2d_PUBKEY)" : "present where none is expected");
        check_failures++;
    }
}

static inline void expect_none(const char *name, const ds_findings *fs)
{
    char n[200];
    snprintf(n, sizeof n, "%s: no finding", name);
    CHECK_EQ_U64(n, 0, fs->n);
    for (size_t i = 0; i < fs->n && i < 3; i++)
        printf("    | unexpected: offset %llu length %llu kind %s detector %s %s\n",
               (unsigned long long)fs->v[i].offset, (unsigned long long)fs->v[i].length,
               fs->v[i].kind, fs->v[i].detector, ds_confidence_name(fs->v[i].confidence));
}

#endif
