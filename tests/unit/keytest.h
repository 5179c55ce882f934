/*
 * keytest.h - helpers for the OpenSSH / PuTTY / JWK detector tests:
 * a byte builder (SSH wire format), base64 armor, UTF-16LE widening,
 * scanning a buffer with chosen detectors through the engine, the
 * reference fingerprint of an OpenSSL key, and the --file mode the shell
 * tests use (prints one line per finding, never a secret byte).
 *
 * Keys are generated at run time; none is stored anywhere.
 */
#ifndef DS_KEYTEST_H
#define DS_KEYTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "check.h"
#include "scan.h"

typedef struct {
    uint8_t *p;
    size_t n, cap;
} kt_buf;

static inline void kt_put(kt_buf *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *p = OPENSSL_secure_zalloc(cap);
        if (!p)
            abort();
        if (b->p)
            memcpy(p, b->p, b->n);
        OPENSSL_secure_clear_free(b->p, b->cap);
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static inline void kt_puts(kt_buf *b, const char *s) { kt_put(b, s, strlen(s)); }

static inline void kt_free(kt_buf *b)
{
    OPENSSL_secure_clear_free(b->p, b->cap);
    memset(b, 0, sizeof *b);
}

static inline void kt_u32(kt_buf *b, uint32_t v)
{
    uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    kt_put(b, x, 4);
}

static inline void kt_str(kt_buf *b, const void *s, size_t n)
{
    kt_u32(b, (uint32_t)n);
    kt_put(b, s, n);
}

static inline void kt_cstr(kt_buf *b, const char *s) { kt_str(b, s, strlen(s)); }

/* SSH mpint: big-endian, a leading zero when the top bit is set. */
static inline void kt_mpint(kt_buf *b, const BIGNUM *bn)
{
    uint8_t tmp[2100];
    int n = BN_bn2bin(bn, tmp + 1);
    tmp[0] = 0;
    int pad = n > 0 && (tmp[1] & 0x80);
    kt_str(b, tmp + 1 - pad, (size_t)(n + pad));
    OPENSSL_cleanse(tmp, sizeof tmp);
}

static inline void kt_random(kt_buf *b, size_t n)
{
    uint8_t tmp[4096];
    while (n) {
        size_t k = n < sizeof tmp ? n : sizeof tmp;
        RAND_bytes(tmp, (int)k);
        kt_put(b, tmp, k);
        n -= k;
    }
}

/* base64 of src in lines of `width` chars, each ended by eol. */
static inline void kt_base64_lines(kt_buf *out, const uint8_t *src, size_t n, size_t width,
                            const char *eol)
{
    size_t enc_cap = (n + 2) / 3 * 4 + 1;
    unsigned char *enc = OPENSSL_secure_malloc(enc_cap);
    int m = EVP_EncodeBlock(enc, src, (int)n);
    for (int i = 0; i < m; i += (int)width) {
        size_t k = (size_t)(m - i) < width ? (size_t)(m - i) : width;
        kt_put(out, enc + i, k);
        kt_puts(out, eol);
    }
    OPENSSL_secure_clear_free(enc, enc_cap);
}

/* Append src as UTF-16LE (every byte a code unit). */
static inline void kt_widen(kt_buf *out, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t u[2] = { src[i], 0 };
        kt_put(out, u, 2);
    }
}

/* --- SSH key blobs from OpenSSL keys ------------------------------------ */

static inline const char *kt_ssh_type(EVP_PKEY *pk, const char **curve)
{
    char group[32] = "";
    *curve = NULL;
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA: return "ssh-rsa";
    case EVP_PKEY_ED25519: return "ssh-ed25519";
    case EVP_PKEY_ED448: return "ssh-ed448";
    case EVP_PKEY_EC:
        EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL);
        if (!strcmp(group, "prime256v1")) { *curve = "nistp256"; return "ecdsa-sha2-nistp256"; }
        if (!strcmp(group, "secp384r1")) { *curve = "nistp384"; return "ecdsa-sha2-nistp384"; }
        if (!strcmp(group, "secp521r1")) { *curve = "nistp521"; return "ecdsa-sha2-nistp521"; }
        break;
    }
    abort();
}

static inline void kt_put_bn_param(kt_buf *b, EVP_PKEY *pk, const char *param)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(pk, param, &bn))
        abort();
    kt_mpint(b, bn);
    BN_clear_free(bn);
}

static inline void kt_put_ec_point(kt_buf *b, EVP_PKEY *pk)
{
    uint8_t q[200];
    size_t n = 0;
    if (!EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, q, sizeof q, &n))
        abort();
    kt_str(b, q, n);
}

static inline void kt_put_raw(kt_buf *b, EVP_PKEY *pk, int priv)
{
    uint8_t k[64];   /* Ed448: 57 */
    size_t n = sizeof k;
    if (!(priv ? EVP_PKEY_get_raw_private_key(pk, k, &n) : EVP_PKEY_get_raw_public_key(pk, k, &n)))
        abort();
    kt_put(b, k, n);
    OPENSSL_cleanse(k, sizeof k);
}

/* The public key blob: type, then e n / curve Q / A. */
static inline void kt_pubblob(kt_buf *b, EVP_PKEY *pk)
{
    const char *curve, *type = kt_ssh_type(pk, &curve);
    kt_cstr(b, type);
    if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) {
        kt_put_bn_param(b, pk, OSSL_PKEY_PARAM_RSA_E);
        kt_put_bn_param(b, pk, OSSL_PKEY_PARAM_RSA_N);
    } else if (curve) {
        kt_cstr(b, curve);
        kt_put_ec_point(b, pk);
    } else {
        kt_u32(b, EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED448 ? 57 : 32);
        kt_put_raw(b, pk, 0);
    }
}

/* SHA-256 of the DER SubjectPublicKeyInfo, computed here independently. */
static inline void kt_fingerprint(EVP_PKEY *pk, uint8_t out[32])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(pk, &der);
    if (n <= 0)
        abort();
    SHA256(der, (size_t)n, out);
    OPENSSL_free(der);
}

static inline ds_findings kt_scan(const ds_detector *det, const uint8_t *buf, size_t len,
                           size_t chunk, int jobs)
{
    const ds_detector *only[2] = { det, NULL };
    ds_dump d;
    ds_dump_init(&d, len);
    ds_dump_finish(&d);
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = only;
    o.chunk_size = chunk;
    o.jobs = jobs;
    ds_findings f = { 0 };
    if (ds_scan_memory(buf, len, &d, &o, &f) != 0)
        abort();
    ds_dump_free(&d);
    return f;
}

/* One finding expected: check every field against the reference. */
static inline void kt_expect_one(const char *name, const ds_findings *f, uint64_t off, uint64_t len,
                          const char *kind, const char *detector, ds_confidence conf, int bits,
                          const uint8_t fp[32])
{
    char n[256];
    snprintf(n, sizeof n, "%s: one finding", name);
    CHECK_EQ_U64(n, 1, f->n);
    if (f->n != 1)
        return;
    const ds_finding *x = &f->v[0];
    snprintf(n, sizeof n, "%s: offset", name);
    CHECK_EQ_U64(n, off, x->offset);
    snprintf(n, sizeof n, "%s: length", name);
    CHECK_EQ_U64(n, len, x->length);
    snprintf(n, sizeof n, "%s: kind", name);
    CHECK(n, strcmp(x->kind, kind) == 0);
    snprintf(n, sizeof n, "%s: detector", name);
    CHECK(n, strcmp(x->detector, detector) == 0);
    snprintf(n, sizeof n, "%s: confidence", name);
    CHECK_EQ_U64(n, conf, x->confidence);
    snprintf(n, sizeof n, "%s: bits", name);
    CHECK_EQ_U64(n, bits, x->bits);
    snprintf(n, sizeof n, "%s: fingerprint", name);
    CHECK(n, x->has_fingerprint && memcmp(x->fingerprint, fp, 32) == 0);
}

/* --file PATH: scan a file with the given detectors, print the findings as
 * "offset length kind detector confidence bits fingerprint encoding". */
static inline int kt_file_mode(const char *path, const ds_detector *const *dets)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        perror(path);
        return 2;
    }
    kt_buf b = { 0 };
    uint8_t tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, fp)) > 0)
        kt_put(&b, tmp, k);
    fclose(fp);
    OPENSSL_cleanse(tmp, sizeof tmp);
    ds_dump d;
    ds_dump_init(&d, b.n);
    ds_dump_finish(&d);
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = dets;
    ds_findings f = { 0 };
    int rc = ds_scan_memory(b.p ? b.p : tmp, b.n, &d, &o, &f) == 0 ? 0 : 2;
    for (size_t i = 0; i < f.n; i++) {
        const ds_finding *x = &f.v[i];
        char fps[72] = "-";
        if (x->has_fingerprint)
            ds_fingerprint_str(x->fingerprint, fps);
        printf("%llu %llu %s %s %s %d %s %s\n", (unsigned long long)x->offset,
               (unsigned long long)x->length, x->kind, x->detector,
               ds_confidence_name(x->confidence), x->bits, fps,
               x->encoding ? x->encoding : "-");
    }
    ds_findings_free(&f);
    ds_dump_free(&d);
    kt_free(&b);
    return rc;
}

#endif
