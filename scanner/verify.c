/*
 * verify.c - OpenSSL-backed proof and identity of private key candidates.
 */
#include "verify.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

int ds_fingerprint_pkey(const EVP_PKEY *pk, uint8_t out[32])
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(pk, &der);
    if (n <= 0)
        return 0;
    SHA256(der, (size_t)n, out);
    OPENSSL_free(der);
    return 1;
}

static int fill_id(EVP_PKEY *pk, const char *kind, ds_confidence conf, ds_keyid *id)
{
    ds_keyid t = { .kind = kind, .bits = EVP_PKEY_get_bits(pk), .confidence = conf };
    if (!ds_fingerprint_pkey(pk, t.fingerprint))
        return 0;
    t.has_fingerprint = 1;
    *id = t;
    return 1;
}

/* RSA consistency with BIGNUM arithmetic: cheaper and more predictable than
 * EVP_PKEY_check (which also runs primality tests and size policies). */
static int rsa_consistent(const BIGNUM *n, const BIGNUM *e, const BIGNUM *d,
                          const BIGNUM *p, const BIGNUM *q, BN_CTX *ctx)
{
    int ok = 0;
    BN_CTX_start(ctx);
    BIGNUM *t = BN_CTX_get(ctx), *p1 = BN_CTX_get(ctx), *q1 = BN_CTX_get(ctx);
    BIGNUM *g = BN_CTX_get(ctx), *lambda = BN_CTX_get(ctx), *r = BN_CTX_get(ctx);
    if (!r)
        goto out;
    if (BN_is_zero(n) || !BN_is_odd(n) || BN_num_bits(n) < 256 || BN_is_zero(e) || BN_is_one(e))
        goto out;
    if (p && q) {
        if (BN_is_one(p) || BN_is_one(q) || !BN_mul(t, p, q, ctx) || BN_cmp(t, n) != 0)
            goto out;
    } else if (p || q) {
        const BIGNUM *f = p ? p : q;
        if (BN_is_one(f) || BN_cmp(f, n) >= 0 || !BN_mod(r, n, f, ctx) || !BN_is_zero(r))
            goto out;
        if (!BN_div(t, NULL, n, f, ctx))
            goto out;
        q = t;
        p = f;
    }
    if (p && q && d) {
        /* lambda = lcm(p-1, q-1); require d*e = 1 mod lambda (this also
         * accepts d reduced mod phi, since lambda divides phi). */
        if (!BN_sub(p1, p, BN_value_one()) || !BN_sub(q1, q, BN_value_one()) ||
            !BN_gcd(g, p1, q1, ctx) || !BN_mul(lambda, p1, q1, ctx) ||
            !BN_div(lambda, NULL, lambda, g, ctx) || !BN_mod_mul(r, d, e, lambda, ctx) ||
            !BN_is_one(r))
            goto out;
    } else if (d) {
        /* Only n, e, d: 2^(e*d) = 2 mod n. */
        BIGNUM *two = g;
        if (!BN_set_word(two, 2) || !BN_mod_exp(r, two, e, n, ctx) ||
            !BN_mod_exp(r, r, d, n, ctx) || BN_cmp(r, two) != 0)
            goto out;
    } else if (!(p && q)) {
        goto out;
    }
    ok = 1;
out:
    BN_CTX_end(ctx);
    return ok;
}

static EVP_PKEY *rsa_public_pkey(const BIGNUM *n, const BIGNUM *e)
{
    EVP_PKEY *pk = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
        EVP_PKEY_fromdata_init(ctx) > 0)
        if (EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
            pk = NULL;
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return pk;
}

int ds_verify_rsa(const BIGNUM *n, const BIGNUM *e, const BIGNUM *d,
                  const BIGNUM *p, const BIGNUM *q, ds_keyid *id)
{
    if (!n || !e || (!d && !p && !q))
        return 0;
    BN_CTX *ctx = BN_CTX_secure_new();
    int ok = ctx && rsa_consistent(n, e, d, p, q, ctx);
    BN_CTX_free(ctx);
    if (!ok)
        return 0;
    EVP_PKEY *pk = rsa_public_pkey(n, e);
    ok = pk && fill_id(pk, DS_KIND_RSA, DS_CONF_VERIFIED, id);
    EVP_PKEY_free(pk);
    return ok;
}

static int verify_rsa_pkey(EVP_PKEY *pk, ds_keyid *id)
{
    BIGNUM *n = NULL, *e = NULL, *d = NULL, *p = NULL, *q = NULL;
    int ok = 0;
    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e);
    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_D, &d);
    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_FACTOR1, &p);
    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_FACTOR2, &q);
    BIGNUM *r3 = NULL;
    if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_FACTOR3, &r3) && r3) {
        /* Multi-prime key (PKCS#1 v1): p*q is not n, so prove it with
         * n, e, d alone (2^(e*d) = 2 mod n). */
        BN_clear_free(p);
        BN_clear_free(q);
        p = q = NULL;
    }
    BN_clear_free(r3);
    if (n && e && d) {
        BN_CTX *ctx = BN_CTX_secure_new();
        ok = ctx && rsa_consistent(n, e, d, p, q, ctx);
        BN_CTX_free(ctx);
    }
    if (ok)
        ok = fill_id(pk, DS_KIND_RSA, DS_CONF_VERIFIED, id);
    BN_free(n);
    BN_free(e);
    BN_clear_free(d);
    BN_clear_free(p);
    BN_clear_free(q);
    return ok;
}

/* EC, DSA, EdDSA/X: OpenSSL's pairwise check recomputes the public key from
 * the private one (EC: d*G; DSA: g^x mod p; OKP: derivation) and compares. */
static int pairwise(EVP_PKEY *pk)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL);
    int ok = ctx && EVP_PKEY_pairwise_check(ctx) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

/* An Ed/X private key of one repeated byte (a cleansed key left in its
 * structure, a zeroed buffer) derives a public key too: junk, as in
 * ds_verify_okp. */
static int okp_priv_constant(EVP_PKEY *pk)
{
    unsigned char priv[57];
    size_t n = sizeof priv, same = 1;
    if (EVP_PKEY_get_raw_private_key(pk, priv, &n) != 1 || n == 0)
        return 1;
    for (size_t i = 1; i < n; i++)
        same += priv[i] == priv[0];
    OPENSSL_cleanse(priv, sizeof priv);
    return same == n;
}

int ds_verify_pkey(EVP_PKEY *pk, ds_keyid *id)
{
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_ED25519:
    case EVP_PKEY_X25519:
    case EVP_PKEY_ED448:
    case EVP_PKEY_X448:
        if (okp_priv_constant(pk))
            return 0;
        break;
    default:
        break;
    }
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
        return verify_rsa_pkey(pk, id);
    case EVP_PKEY_EC:
        return pairwise(pk) && fill_id(pk, DS_KIND_EC, DS_CONF_VERIFIED, id);
    case EVP_PKEY_DSA:
        return pairwise(pk) && fill_id(pk, DS_KIND_DSA, DS_CONF_VERIFIED, id);
    case EVP_PKEY_ED25519:
        return pairwise(pk) && fill_id(pk, DS_KIND_ED25519, DS_CONF_VERIFIED, id);
    case EVP_PKEY_X25519:
        return pairwise(pk) && fill_id(pk, DS_KIND_X25519, DS_CONF_VERIFIED, id);
    case EVP_PKEY_ED448:
        return pairwise(pk) && fill_id(pk, DS_KIND_ED448, DS_CONF_VERIFIED, id);
    case EVP_PKEY_X448:
        return pairwise(pk) && fill_id(pk, DS_KIND_X448, DS_CONF_VERIFIED, id);
    default:
        return 0;
    }
}

static EVP_PKEY *decode_der(const char *structure, const char *keytype,
                            const uint8_t *der, size_t len)
{
    EVP_PKEY *pk = NULL;
    OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(&pk, "DER", structure, keytype,
                                                           EVP_PKEY_KEYPAIR, NULL, NULL);
    if (!dctx)
        return NULL;
    const unsigned char *p = der;
    size_t left = len;
    if (OSSL_DECODER_from_data(dctx, &p, &left) != 1 || left != 0) {
        /* Trailing bytes: the detector's length was wrong; reject. */
        EVP_PKEY_free(pk);
        pk = NULL;
    }
    OSSL_DECODER_CTX_free(dctx);
    return pk;
}

int ds_verify_der(ds_der_type type, const uint8_t *der, size_t len, ds_keyid *id)
{
    static const struct { ds_der_type t; const char *structure, *keytype; } forms[] = {
        { DS_DER_PKCS1_RSA, "type-specific", "RSA" },
        { DS_DER_PKCS8,     "PrivateKeyInfo", NULL },
        { DS_DER_SEC1_EC,   "type-specific", "EC" },
        { DS_DER_DSA,       "type-specific", "DSA" },
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        if (type != DS_DER_ANY && type != forms[i].t)
            continue;
        EVP_PKEY *pk = decode_der(forms[i].structure, forms[i].keytype, der, len);
        if (!pk)
            continue;
        int ok = ds_verify_pkey(pk, id);
        EVP_PKEY_free(pk);
        if (ok)
            return 1;
    }
    return 0;
}

/* NID of a curve named as OpenSSL group names allow: NIST ("P-256"), short
 * ("prime256v1", "secp384r1") or long names. */
static int curve_nid(const char *curve)
{
    int nid = EC_curve_nist2nid(curve);
    if (nid == NID_undef)
        nid = OBJ_sn2nid(curve);
    if (nid == NID_undef)
        nid = OBJ_txt2nid(curve);
    return nid;
}

static EVP_PKEY *pkey_fromdata(const char *alg, OSSL_PARAM_BLD *bld)
{
    EVP_PKEY *pk = NULL;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
    if (params && ctx && EVP_PKEY_fromdata_init(ctx) > 0)
        if (EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, params) <= 0)
            pk = NULL;
    OSSL_PARAM_free(params);   /* secure BNs put the private part in the secure heap, cleared on free */
    EVP_PKEY_CTX_free(ctx);
    return pk;
}

int ds_verify_ec(const char *curve, const uint8_t *d, size_t dlen,
                 const uint8_t *pub, size_t publen, ds_keyid *id)
{
    int ok = 0;
    BIGNUM *priv = BN_secure_new();
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *pk = NULL;
    unsigned char derived[133];
    if (!priv || !bld || !BN_bin2bn(d, (int)dlen, priv) || BN_is_zero(priv))
        goto out;
    if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv))
        goto out;
    if (pub && !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, publen))
        goto out;
    if (!(pk = pkey_fromdata("EC", bld)))
        goto out;
    if (pub) {
        ok = pairwise(pk) && fill_id(pk, DS_KIND_EC, DS_CONF_VERIFIED, id);
    } else {
        /* No public point to compare: derive it so the key gets its
         * fingerprint, but a bare scalar proves nothing by itself. */
        EVP_PKEY *full = NULL;
        size_t n = 0;
        EC_GROUP *grp = EC_GROUP_new_by_curve_name(curve_nid(curve));
        EC_POINT *pt = grp ? EC_POINT_new(grp) : NULL;
        BN_CTX *bctx = BN_CTX_new();
        if (pt && bctx && BN_cmp(priv, EC_GROUP_get0_order(grp)) < 0 &&
            EC_POINT_mul(grp, pt, priv, NULL, NULL, bctx) &&
            (n = EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, derived,
                                    sizeof derived, bctx)) > 0) {
            OSSL_PARAM_BLD *b2 = OSSL_PARAM_BLD_new();
            if (b2 && OSSL_PARAM_BLD_push_utf8_string(b2, OSSL_PKEY_PARAM_GROUP_NAME, curve, 0) &&
                OSSL_PARAM_BLD_push_BN(b2, OSSL_PKEY_PARAM_PRIV_KEY, priv) &&
                OSSL_PARAM_BLD_push_octet_string(b2, OSSL_PKEY_PARAM_PUB_KEY, derived, n))
                full = pkey_fromdata("EC", b2);
            OSSL_PARAM_BLD_free(b2);
        }
        ok = full && fill_id(full, DS_KIND_EC, DS_CONF_LIKELY, id);
        EVP_PKEY_free(full);
        EC_POINT_free(pt);
        EC_GROUP_free(grp);
        BN_CTX_free(bctx);
    }
out:
    OPENSSL_cleanse(derived, sizeof derived);
    EVP_PKEY_free(pk);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(priv);
    return ok;
}

int ds_verify_okp(int evp_type, const uint8_t *priv, size_t privlen,
                  const uint8_t *pub, size_t publen, ds_keyid *id)
{
    static const struct { int type; const char *kind; } kinds[] = {
        { EVP_PKEY_ED25519, DS_KIND_ED25519 }, { EVP_PKEY_X25519, DS_KIND_X25519 },
        { EVP_PKEY_ED448, DS_KIND_ED448 },     { EVP_PKEY_X448, DS_KIND_X448 },
    };
    const char *kind = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].type == evp_type)
            kind = kinds[i].kind;
    if (!kind)
        return 0;
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(evp_type, NULL, priv, privlen);
    if (!pk)
        return 0;
    int ok = 1;
    if (pub) {
        unsigned char derived[57];
        size_t n = sizeof derived;
        ok = EVP_PKEY_get_raw_public_key(pk, derived, &n) == 1 && n == publen &&
             CRYPTO_memcmp(derived, pub, n) == 0;
    }
    /* All-zero or constant seeds derive a public key too; reject them as
     * junk rather than call them keys. */
    size_t same = 1;
    for (size_t i = 1; i < privlen; i++)
        same += priv[i] == priv[0];
    if (same == privlen)
        ok = 0;
    ok = ok && fill_id(pk, kind, pub ? DS_CONF_VERIFIED : DS_CONF_LIKELY, id);
    EVP_PKEY_free(pk);
    return ok;
}
