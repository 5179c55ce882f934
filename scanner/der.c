/*
 * der.c - strict DER walker for private key containers, and their
 * identification through OpenSSL (see der.h).
 *
 * The walker is the cheap stage between the byte-pattern prefilter and
 * OpenSSL: it accepts only strict DER (definite, minimal lengths, minimal
 * non-negative INTEGERs, every element consumed exactly) of one of the
 * known layouts, so random bytes and other DER (certificates, public keys,
 * CMS) almost never reach the ~100 us OpenSSL decode.
 */
#include "der.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "verify.h"

/* ---- cursor over DER bytes ----------------------------------------------
 * b is the first byte of the outer structure, so every position is an
 * offset relative to it; [pos, end) is what is left to read. */
typedef struct {
    const uint8_t *b;
    size_t pos, end;
} dcur;

enum {
    T_INT = 0x02, T_BITS = 0x03, T_OCTETS = 0x04, T_NULL = 0x05, T_OID = 0x06,
    T_SEQ = 0x30, T_CTX0 = 0xa0, T_CTX1 = 0xa1, T_IMPL1 = 0x81
};

static int d_peek(const dcur *c)
{
    return c->pos < c->end ? c->b[c->pos] : -1;
}

static int d_done(const dcur *c)
{
    return c->pos == c->end;
}

static size_t d_len(const dcur *c)
{
    return c->end - c->pos;
}

/* Read one element with the expected tag: strict DER length (definite,
 * minimal, at most 3 length bytes), contents inside the cursor's bounds.
 * Sets *in to the contents (if in) and moves c past the element. */
static int d_elem(dcur *c, uint8_t tag, dcur *in)
{
    const uint8_t *b = c->b;
    size_t p = c->pos, n = c->end;
    if (p >= n || b[p] != tag || n - p < 2)
        return 0;
    p++;
    size_t l = b[p++];
    if (l & 0x80) {
        size_t k = l & 0x7f;
        /* k == 0 is BER's indefinite length; a leading zero byte or a value
         * below 0x80 means a longer encoding than needed. */
        if (k == 0 || k > 3 || k > n - p || b[p] == 0)
            return 0;
        l = 0;
        while (k--)
            l = (l << 8) | b[p++];
        if (l < 0x80)
            return 0;
    }
    if (l > n - p)
        return 0;
    if (in) {
        in->b = b;
        in->pos = p;
        in->end = p + l;
    }
    c->pos = p + l;
    return 1;
}

/* A key component: a non-empty, minimal, non-negative INTEGER. */
static int d_uint(dcur *c, dcur *v)
{
    if (!d_elem(c, T_INT, v) || d_len(v) == 0)
        return 0;
    const uint8_t *p = v->b + v->pos;
    if (p[0] & 0x80)
        return 0;
    if (d_len(v) > 1 && p[0] == 0 && !(p[1] & 0x80))
        return 0;
    return 1;
}

/* Significant bytes of a d_uint() value (without the sign byte). */
static size_t d_ubytes(const dcur *v)
{
    return v->b[v->pos] == 0 ? d_len(v) - 1 : d_len(v);
}

/* A one-byte INTEGER (a version); returns its value or -1. */
static int d_small(dcur *c)
{
    dcur v;
    if (!d_elem(c, T_INT, &v) || d_len(&v) != 1 || (v.b[v.pos] & 0x80))
        return -1;
    return v.b[v.pos];
}

static int d_is(const dcur *v, const uint8_t *want, size_t n)
{
    return d_len(v) == n && memcmp(v->b + v->pos, want, n) == 0;
}

/* ---- object identifiers (DER contents) ---------------------------------- */
static const uint8_t OID_RSA[]     = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };
static const uint8_t OID_RSA_PSS[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a };
static const uint8_t OID_EC[]      = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01 };
static const uint8_t OID_DSA[]     = { 0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01 };
static const uint8_t OID_X25519[]  = { 0x2b, 0x65, 0x6e };
static const uint8_t OID_X448[]    = { 0x2b, 0x65, 0x6f };
static const uint8_t OID_ED25519[] = { 0x2b, 0x65, 0x70 };
static const uint8_t OID_ED448[]   = { 0x2b, 0x65, 0x71 };
static const uint8_t OID_P7_DATA[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01 };
/* pkcs-5 (1.2.840.113549.1.5.x) and pkcs-12PbeIds (1.2.840.113549.1.12.1.x) */
static const uint8_t OID_PKCS5[]   = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05 };
static const uint8_t OID_P12PBE[]  = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01 };

static const struct {
    const uint8_t *oid;
    size_t len;
    ds_der_alg alg;
    const char *kind;
    size_t okp_len;       /* raw private (and public) key size of Ed/X keys */
    size_t okp_pub_len;
} key_algs[] = {
    { OID_RSA, sizeof OID_RSA, DS_ALG_RSA, DS_KIND_RSA, 0, 0 },
    { OID_RSA_PSS, sizeof OID_RSA_PSS, DS_ALG_RSA_PSS, DS_KIND_RSA, 0, 0 },
    { OID_EC, sizeof OID_EC, DS_ALG_EC, DS_KIND_EC, 0, 0 },
    { OID_DSA, sizeof OID_DSA, DS_ALG_DSA, DS_KIND_DSA, 0, 0 },
    { OID_ED25519, sizeof OID_ED25519, DS_ALG_ED25519, DS_KIND_ED25519, 32, 32 },
    { OID_X25519, sizeof OID_X25519, DS_ALG_X25519, DS_KIND_X25519, 32, 32 },
    { OID_ED448, sizeof OID_ED448, DS_ALG_ED448, DS_KIND_ED448, 57, 57 },
    { OID_X448, sizeof OID_X448, DS_ALG_X448, DS_KIND_X448, 56, 56 },
};
#define N_KEY_ALGS (sizeof key_algs / sizeof key_algs[0])

static size_t alg_index(const dcur *oid)
{
    for (size_t i = 0; i < N_KEY_ALGS; i++)
        if (d_is(oid, key_algs[i].oid, key_algs[i].len))
            return i;
    return N_KEY_ALGS;
}

/* PBES2 (pkcs-5 13), PBES1 (pkcs-5 1, 3, 4, 6, 10, 11), PKCS#12 PBE (1..6). */
static int is_pbe_oid(const dcur *oid)
{
    const uint8_t *p = oid->b + oid->pos;
    size_t n = d_len(oid);
    if (n == sizeof OID_PKCS5 + 1 && memcmp(p, OID_PKCS5, sizeof OID_PKCS5) == 0) {
        switch (p[n - 1]) {
        case 1: case 3: case 4: case 6: case 10: case 11: case 13:
            return 1;
        default:
            return 0;
        }
    }
    return n == sizeof OID_P12PBE + 1 && memcmp(p, OID_P12PBE, sizeof OID_P12PBE) == 0 &&
           p[n - 1] >= 1 && p[n - 1] <= 6;
}

/* ---- the layouts -------------------------------------------------------- */

/* RSAPrivateKey after its version: n e d p q dp dq qinv, then for v1
 * (multi-prime) the otherPrimeInfos SEQUENCE. */
static int walk_pkcs1(dcur *c, int version)
{
    dcur v[8];
    for (int i = 0; i < 8; i++)
        if (!d_uint(c, &v[i]))
            return 0;
    /* n of at least 256 bits, e and every other part no longer than n. */
    size_t nb = d_ubytes(&v[0]);
    if (nb < 32)
        return 0;
    for (int i = 1; i < 8; i++)
        if (d_ubytes(&v[i]) > nb)
            return 0;
    if (version == 1 && !d_elem(c, T_SEQ, NULL))
        return 0;
    return d_done(c);
}

/* Traditional DSA after its version 0: p q g y x. */
static int walk_dsa(dcur *c)
{
    dcur p, q, g, y, x;
    if (!d_uint(c, &p) || !d_uint(c, &q) || !d_uint(c, &g) || !d_uint(c, &y) ||
        !d_uint(c, &x) || !d_done(c))
        return 0;
    size_t pb = d_ubytes(&p), qb = d_ubytes(&q);
    return pb >= 64 && qb >= 20 && qb < pb && d_ubytes(&g) <= pb && d_ubytes(&y) <= pb &&
           d_ubytes(&x) <= qb;
}

/* ECParameters: a named curve OID or explicit SpecifiedECDomain. */
static int ec_params_ok(dcur *c)
{
    int t = d_peek(c);
    if (t != T_OID && t != T_SEQ)
        return 0;
    return d_elem(c, (uint8_t)t, NULL) && d_done(c);
}

/* ECPrivateKey after its version 1: privateKey, [0] parameters, [1]
 * publicKey.  At top level the curve must be there (nothing else names
 * it); inside PKCS#8 the algorithm identifier carries it. */
static int walk_sec1(dcur *c, int top, int *has_pub)
{
    dcur k, x;
    if (!d_elem(c, T_OCTETS, &k) || d_len(&k) < 16 || d_len(&k) > 72)
        return 0;
    int has_params = 0;
    *has_pub = 0;
    if (d_peek(c) == T_CTX0) {
        if (!d_elem(c, T_CTX0, &x) || !ec_params_ok(&x))
            return 0;
        has_params = 1;
    }
    if (d_peek(c) == T_CTX1) {
        dcur bits;
        if (!d_elem(c, T_CTX1, &x) || !d_elem(&x, T_BITS, &bits) || !d_done(&x) ||
            d_len(&bits) < 2 || bits.b[bits.pos] != 0)
            return 0;
        uint8_t form = bits.b[bits.pos + 1];
        if (form != 2 && form != 3 && form != 4)
            return 0;
        *has_pub = 1;
    }
    return d_done(c) && (has_params || !top);
}

/* The privateKey OCTET STRING of PKCS#8, by algorithm. */
static int walk_pkcs8_key(dcur *pk, size_t ai, ds_der_info *info)
{
    dcur in;
    int v;
    switch (key_algs[ai].alg) {
    case DS_ALG_RSA:
    case DS_ALG_RSA_PSS:
        info->has_pub = 1;
        return d_elem(pk, T_SEQ, &in) && d_done(pk) && (v = d_small(&in)) >= 0 && v <= 1 &&
               walk_pkcs1(&in, v);
    case DS_ALG_EC:
        return d_elem(pk, T_SEQ, &in) && d_done(pk) && d_small(&in) == 1 &&
               walk_sec1(&in, 0, &info->has_pub);
    case DS_ALG_DSA:
        info->has_pub = 0;
        return d_uint(pk, &in) && d_done(pk) && d_ubytes(&in) >= 1;   /* x != 0 */
    default:   /* Ed/X: CurvePrivateKey ::= OCTET STRING */
        if (!d_elem(pk, T_OCTETS, &in) || !d_done(pk) || d_len(&in) != key_algs[ai].okp_len)
            return 0;
        info->okp_priv_off = in.pos;
        info->okp_priv_len = d_len(&in);
        return 1;
    }
}

/* PrivateKeyInfo / OneAsymmetricKey after its version:
 * AlgorithmIdentifier, privateKey, [0] attributes, [1] publicKey (v1). */
static int walk_pkcs8(dcur *c, int version, ds_der_info *info)
{
    dcur alg, oid, pk;
    if (!d_elem(c, T_SEQ, &alg) || !d_elem(&alg, T_OID, &oid))
        return 0;
    size_t ai = alg_index(&oid);
    if (ai == N_KEY_ALGS)
        return 0;
    switch (key_algs[ai].alg) {
    case DS_ALG_RSA:         /* parameters NULL (tolerate absent) */
        if (!d_done(&alg) && (!d_elem(&alg, T_NULL, &pk) || d_len(&pk) != 0 || !d_done(&alg)))
            return 0;
        break;
    case DS_ALG_RSA_PSS:     /* absent or RSASSA-PSS-params */
        if (!d_done(&alg) && (!d_elem(&alg, T_SEQ, NULL) || !d_done(&alg)))
            return 0;
        break;
    case DS_ALG_EC:
        if (!ec_params_ok(&alg))
            return 0;
        break;
    case DS_ALG_DSA:         /* Dss-Parms ::= SEQUENCE { p, q, g } */
        if (!d_elem(&alg, T_SEQ, NULL) || !d_done(&alg))
            return 0;
        break;
    default:                 /* RFC 8410: parameters absent */
        if (!d_done(&alg))
            return 0;
    }
    info->alg = key_algs[ai].alg;
    if (!d_elem(c, T_OCTETS, &pk) || !walk_pkcs8_key(&pk, ai, info))
        return 0;
    if (d_peek(c) == T_CTX0 && !d_elem(c, T_CTX0, NULL))
        return 0;
    info->v1_pub_off = c->end;
    if (version == 1 && d_peek(c) == T_IMPL1) {
        dcur pub;
        info->v1_pub_off = c->pos;
        if (!d_elem(c, T_IMPL1, &pub) || d_len(&pub) < 2 || pub.b[pub.pos] != 0)
            return 0;
        if (key_algs[ai].okp_len) {
            if (d_len(&pub) - 1 != key_algs[ai].okp_pub_len)
                return 0;
            info->okp_pub_off = pub.pos + 1;
            info->okp_pub_len = d_len(&pub) - 1;
            info->has_pub = 1;
        }
    }
    return d_done(c);
}

/* EncryptedPrivateKeyInfo after the outer header: AlgorithmIdentifier of
 * a password-based scheme with its parameters, then the ciphertext. */
static int walk_epki(dcur *c)
{
    dcur alg, oid, data;
    return d_elem(c, T_SEQ, &alg) && d_elem(&alg, T_OID, &oid) && is_pbe_oid(&oid) &&
           d_elem(&alg, T_SEQ, NULL) && d_done(&alg) && d_elem(c, T_OCTETS, &data) &&
           d_len(&data) >= 16 && d_done(c);
}

/* PFX after its version 3: authSafe ContentInfo { pkcs7-data, [0] {
 * OCTET STRING { AuthenticatedSafe } } }, then MacData OPTIONAL. */
static int walk_pfx(dcur *c)
{
    dcur ci, oid, x, os, safe, mac;
    if (!d_elem(c, T_SEQ, &ci) || !d_elem(&ci, T_OID, &oid) ||
        !d_is(&oid, OID_P7_DATA, sizeof OID_P7_DATA) || !d_elem(&ci, T_CTX0, &x) ||
        !d_done(&ci) || !d_elem(&x, T_OCTETS, &os) || !d_done(&x) ||
        !d_elem(&os, T_SEQ, &safe) || !d_done(&os))
        return 0;
    if (d_done(c))
        return 1;
    /* MacData ::= SEQUENCE { DigestInfo, macSalt, iterations DEFAULT 1 } */
    if (!d_elem(c, T_SEQ, &mac) || !d_elem(&mac, T_SEQ, NULL) || !d_elem(&mac, T_OCTETS, NULL))
        return 0;
    if (!d_done(&mac) && !d_uint(&mac, &x))
        return 0;
    return d_done(&mac) && d_done(c);
}

int ds_der_classify(const uint8_t *b, size_t avail, ds_der_info *info)
{
    dcur top = { b, 0, avail }, c;
    ds_der_info t = { 0 };
    if (!d_elem(&top, T_SEQ, &c) || d_len(&c) > DS_DER_MAX_CONTENT)
        return 0;
    t.hdr = c.pos;
    t.len = c.end;
    t.v1_pub_off = c.end;
    int first = d_peek(&c);
    if (first == T_SEQ) {
        if (!walk_epki(&c))
            return 0;
        t.form = DS_DERF_EPKI;
    } else {
        int v = d_small(&c), next = d_peek(&c), ok = 0;
        t.version = v;
        if (v == 0 && next == T_INT) {
            /* PKCS#1 has 9 INTEGERs, traditional DSA 6: try the longer. */
            dcur save = c;
            if ((ok = walk_pkcs1(&c, 0)) != 0) {
                t.form = DS_DERF_PKCS1;
                t.has_pub = 1;
            } else if ((ok = walk_dsa(&save)) != 0) {
                t.form = DS_DERF_DSA;
                t.has_pub = 1;
            }
        } else if (v == 1 && next == T_INT) {
            ok = walk_pkcs1(&c, 1);
            t.form = DS_DERF_PKCS1;
            t.has_pub = 1;
        } else if ((v == 0 || v == 1) && next == T_SEQ) {
            ok = walk_pkcs8(&c, v, &t);
            t.form = DS_DERF_PKCS8;
        } else if (v == 1 && next == T_OCTETS) {
            ok = walk_sec1(&c, 1, &t.has_pub);
            t.form = DS_DERF_SEC1;
        } else if (v == 3 && next == T_SEQ) {
            ok = walk_pfx(&c);
            t.form = DS_DERF_PFX;
        }
        if (!ok)
            return 0;
    }
    *info = t;
    return 1;
}

/* ---- identification ----------------------------------------------------- */

static int okp_evp_type(ds_der_alg a)
{
    switch (a) {
    case DS_ALG_ED25519: return EVP_PKEY_ED25519;
    case DS_ALG_X25519:  return EVP_PKEY_X25519;
    case DS_ALG_ED448:   return EVP_PKEY_ED448;
    case DS_ALG_X448:    return EVP_PKEY_X448;
    default:             return 0;
    }
}

/* Length octets of a definite DER length into out; returns their count. */
static size_t put_len(uint8_t *out, size_t l)
{
    if (l < 0x80) {
        out[0] = (uint8_t)l;
        return 1;
    }
    if (l < 0x100) {
        out[0] = 0x81;
        out[1] = (uint8_t)l;
        return 2;
    }
    out[0] = 0x82;
    out[1] = (uint8_t)(l >> 8);
    out[2] = (uint8_t)l;
    return 3;
}

/* OneAsymmetricKey v1 -> PrivateKeyInfo v0 (version 0, publicKey dropped),
 * so OpenSSL 3.0 decodes it.  Returns the new length, 0 if it does not fit. */
static size_t pkcs8_as_v0(const uint8_t *b, const ds_der_info *info, uint8_t *out, size_t cap)
{
    size_t body = info->v1_pub_off - (info->hdr + 3);
    size_t content = 3 + body;
    if (content > DS_DER_MAX_CONTENT || cap < 4 + content)
        return 0;
    size_t o = 0;
    out[o++] = T_SEQ;
    o += put_len(out + o, content);
    out[o++] = T_INT;
    out[o++] = 1;
    out[o++] = 0;
    memcpy(out + o, b + info->hdr + 3, body);
    return o + body;
}

static int verify_pkcs8(const uint8_t *b, const ds_der_info *info, uint8_t *scratch,
                        size_t scratch_len, ds_keyid *id)
{
    int okp = okp_evp_type(info->alg);
    if (okp) {
        /* Direct: OpenSSL 3.0 cannot parse the v1 publicKey, and this
         * compares it with the derived one when it is there. */
        return ds_verify_okp(okp, b + info->okp_priv_off, info->okp_priv_len,
                             info->okp_pub_len ? b + info->okp_pub_off : NULL,
                             info->okp_pub_len, id);
    }
    if (info->version == 0)
        return ds_verify_der(DS_DER_PKCS8, b, info->len, id);
    size_t n = pkcs8_as_v0(b, info, scratch, scratch_len);
    int ok = n && ds_verify_der(DS_DER_PKCS8, scratch, n, id);
    OPENSSL_cleanse(scratch, n);
    return ok;
}

static void structural(ds_finding *f, const char *kind, const char *detector)
{
    f->kind = kind;
    f->detector = detector;
    f->confidence = DS_CONF_LIKELY;
    f->bits = 0;
    f->has_fingerprint = 0;
    memset(f->fingerprint, 0, sizeof f->fingerprint);
}

int ds_der_identify(const uint8_t *b, const ds_der_info *info,
                    uint8_t *scratch, size_t scratch_len, ds_finding *f)
{
    ds_keyid id;
    const char *detector;
    int ok;
    switch (info->form) {
    case DS_DERF_PKCS1:
        detector = "der-pkcs1";
        ok = ds_verify_der(DS_DER_PKCS1_RSA, b, info->len, &id);
        break;
    case DS_DERF_DSA:
        detector = "der-dsa";
        ok = ds_verify_der(DS_DER_DSA, b, info->len, &id);
        break;
    case DS_DERF_SEC1:
        detector = "der-sec1";
        ok = ds_verify_der(DS_DER_SEC1_EC, b, info->len, &id);
        break;
    case DS_DERF_PKCS8:
        detector = "der-pkcs8";
        ok = verify_pkcs8(b, info, scratch, scratch_len, &id);
        break;
    case DS_DERF_EPKI:
        structural(f, DS_KIND_ENCRYPTED, "der-pkcs8-encrypted");
        return 1;
    case DS_DERF_PFX:
        structural(f, DS_KIND_PKCS12, "der-pkcs12");
        return 1;
    default:
        return 0;
    }
    if (!ok)
        return 0;
    /* A key stored without its public half (PKCS#8 Ed25519/X25519/DSA, SEC1
     * without the point): OpenSSL derives the public key while decoding, so
     * its pairwise check compares the key with itself and proves nothing.
     * Half-overwritten seeds still "derive" a key that never existed; such
     * keys are likely, never verified (scrub removes them by default). */
    if (!info->has_pub && id.confidence > DS_CONF_LIKELY)
        id.confidence = DS_CONF_LIKELY;
    f->kind = id.kind;
    f->detector = detector;
    f->confidence = id.confidence;
    f->bits = id.bits;
    f->has_fingerprint = id.has_fingerprint;
    memcpy(f->fingerprint, id.fingerprint, sizeof f->fingerprint);
    return 1;
}

/* Every element strict DER, constructed ones (bit 0x20) recursively. */
static int tree_ok(dcur *c, int depth)
{
    while (!d_done(c)) {
        int t = d_peek(c);
        dcur in;
        /* 0 is BER's end-of-contents; 0x1f is a multi-byte tag. */
        if (t == 0 || (t & 0x1f) == 0x1f || !d_elem(c, (uint8_t)t, &in))
            return 0;
        if ((t & 0x20) && (depth >= 16 || !tree_ok(&in, depth + 1)))
            return 0;
    }
    return 1;
}

int ds_der_is_tree(const uint8_t *b, size_t n)
{
    dcur top = { b, 0, n }, c;
    return d_elem(&top, T_SEQ, &c) && d_done(&top) && tree_ok(&c, 1);
}

/* Loose header skip for ds_der_guess_kind: tag, then a length in any
 * definite form; the length itself is not trusted (the body is damaged). */
static int loose_skip_hdr(const uint8_t *b, size_t n, size_t *p, uint8_t tag)
{
    if (*p >= n || b[*p] != tag || n - *p < 2)
        return 0;
    size_t k = b[*p + 1] & 0x80 ? (size_t)(b[*p + 1] & 0x7f) : 0;
    if (k > 3 || k > n - *p - 2)
        return 0;
    *p += 2 + k;
    return 1;
}

const char *ds_der_guess_kind(const uint8_t *b, size_t n)
{
    size_t p = 0;
    if (!loose_skip_hdr(b, n, &p, T_SEQ) || n - p < 3 || b[p] != T_INT || b[p + 1] != 1)
        return NULL;
    p += 3;
    if (!loose_skip_hdr(b, n, &p, T_SEQ) || n - p < 2 || b[p] != T_OID)
        return NULL;
    if (b[p + 1] > n - p - 2)
        return NULL;
    dcur oid = { b, p + 2, p + 2 + b[p + 1] };
    size_t ai = alg_index(&oid);
    return ai < N_KEY_ALGS ? key_algs[ai].kind : NULL;
}
