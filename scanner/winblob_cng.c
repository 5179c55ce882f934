/*
 * winblob_cng.c - CNG (bcrypt.h) private key blobs: BCRYPT_RSAKEY_BLOB
 * (RSA2/RSA3), BCRYPT_ECCKEY_BLOB (ECS2/4/6, ECK2/4/6), BCRYPT_ECCFULLKEY_BLOB
 * (ECDV/ECKV on a named curve) and BCRYPT_DSA_KEY_BLOB(_V2) (DSPV/DPV2).
 *
 * Layouts (learn.microsoft.com, bcrypt.h): a little-endian u32 header, then
 * big-endian numbers back to back.  See winblob.h for the parser contract.
 */
#include "winblob.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

/* ---- RSA ---------------------------------------------------------------- */

#define CNG_RSA_HDR 24

/* The primes of a key CNG generates are balanced halves of the modulus:
 * their byte sizes add up to cbModulus or one or two more (leading zero
 * padding).  This bounds the blob and rejects junk headers early. */
static int cng_prime_sizes_ok(uint32_t cbn, uint32_t cbp, uint32_t cbq)
{
    uint32_t half = cbn / 2 + 2;
    return cbp >= 1 && cbq >= 1 && cbp <= half && cbq <= half &&
           cbp + cbq >= cbn && cbp + cbq <= cbn + 2;
}

/* Public exponent (1..8 big-endian bytes): odd and > 1. */
static int rsa_e_ok(const uint8_t *e, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | e[i];
    return (v & 1) && v > 1;
}

/* Both primes, the modulus and (RSA3) the private exponent as BIGNUMs, then
 * the arithmetic check and fingerprint in ds_verify_rsa. */
static int verify_rsa_be(const uint8_t *e, size_t cbe, const uint8_t *n, size_t cbn,
                         const uint8_t *p, size_t cbp, const uint8_t *q, size_t cbq,
                         const uint8_t *d, ds_keyid *id)
{
    BIGNUM *bn = wb_bn(n, cbn, 0, 0), *be = wb_bn(e, cbe, 0, 0);
    BIGNUM *bp = wb_bn(p, cbp, 0, 1), *bq = wb_bn(q, cbq, 0, 1);
    BIGNUM *bd = d ? wb_bn(d, cbn, 0, 1) : NULL;
    int ok = bn && be && bp && bq && (!d || bd) && ds_verify_rsa(bn, be, bd, bp, bq, id);
    BN_free(bn);
    BN_free(be);
    BN_clear_free(bp);
    BN_clear_free(bq);
    BN_clear_free(bd);
    return ok;
}

size_t wb_parse_cng_rsa(const uint8_t *p, size_t avail, wb_key *k)
{
    if (avail < CNG_RSA_HDR)
        return 0;
    uint32_t magic = wb_le32(p), bits = wb_le32(p + 4), cbe = wb_le32(p + 8);
    uint32_t cbn = wb_le32(p + 12), cbp = wb_le32(p + 16), cbq = wb_le32(p + 20);
    int full = magic == WB_RSA3;
    if ((magic != WB_RSA2 && !full) || bits < WB_RSA_MIN_BITS || bits > WB_RSA_MAX_BITS ||
        cbn != (bits + 7) / 8 || cbe < 1 || cbe > 8 || !cng_prime_sizes_ok(cbn, cbp, cbq))
        return 0;
    /* Every field is bounded above, so these sums cannot overflow. */
    size_t total = CNG_RSA_HDR + (size_t)cbe + cbn + cbp + cbq;
    if (full)
        total += (size_t)cbp + cbq + cbp + cbn;   /* dp, dq, qinv, d */
    if (total > avail)
        return 0;
    const uint8_t *e = p + CNG_RSA_HDR, *n = e + cbe, *pp = n + cbn, *q = pp + cbp;
    const uint8_t *d = full ? q + cbq + cbp + cbq + cbp : NULL;
    /* Cheap shape checks before any bignum: e odd > 1; n odd with exactly
     * BitLength bits; both primes odd. */
    if (!rsa_e_ok(e, cbe) || wb_bits_be(n, cbn) != bits || !(n[cbn - 1] & 1) ||
        !(pp[cbp - 1] & 1) || !(q[cbq - 1] & 1))
        return 0;
    if (!verify_rsa_be(e, cbe, n, cbn, pp, cbp, q, cbq, d, &k->id))
        return 0;
    k->detector = "cng-rsa";
    return total;
}

/* ---- ECC, named curves -------------------------------------------------- */

#define CNG_ECC_HDR 8
#define EC_MAX_FIELD 66   /* P-521 */

static const struct {
    uint32_t magic;
    uint32_t cb;
    const char *curve;
} cng_ecc_named[] = {
    { WB_ECS2, 32, "P-256" }, { WB_ECK2, 32, "P-256" },
    { WB_ECS4, 48, "P-384" }, { WB_ECK4, 48, "P-384" },
    { WB_ECS6, 66, "P-521" }, { WB_ECK6, 66, "P-521" },
};

/* d*G must equal (X, Y): ds_verify_ec does the point check and fingerprint. */
static int verify_ec_xy(const char *curve, const uint8_t *x, const uint8_t *y, size_t cbf,
                        const uint8_t *d, size_t cbd, ds_keyid *id)
{
    uint8_t pub[1 + 2 * EC_MAX_FIELD];   /* public: no need to cleanse */
    if (cbf > EC_MAX_FIELD)
        return 0;
    pub[0] = 0x04;
    memcpy(pub + 1, x, cbf);
    memcpy(pub + 1 + cbf, y, cbf);
    return ds_verify_ec(curve, d, cbd, pub, 1 + 2 * cbf, id);
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

size_t wb_parse_cng_ecc(const uint8_t *p, size_t avail, wb_key *k)
{
    if (avail < CNG_ECC_HDR)
        return 0;
    uint32_t magic = wb_le32(p), cb = wb_le32(p + 4);
    const char *curve = NULL;
    for (size_t i = 0; i < sizeof cng_ecc_named / sizeof cng_ecc_named[0]; i++)
        if (cng_ecc_named[i].magic == magic && cng_ecc_named[i].cb == cb)
            curve = cng_ecc_named[i].curve;
    size_t total = CNG_ECC_HDR + 3 * (size_t)cb;
    if (!curve || total > avail)
        return 0;
    const uint8_t *x = p + CNG_ECC_HDR, *y = x + cb, *d = y + cb;
    /* P-521 numbers have 521 bits: the top byte of each is 0 or 1. */
    if (cb == 66 && (x[0] > 1 || y[0] > 1 || d[0] > 1))
        return 0;
    if (all_zero(d, cb) || !verify_ec_xy(curve, x, y, cb, d, cb, &k->id))
        return 0;
    k->detector = "cng-ecc";
    return total;
}

/* ---- ECC, explicit parameters (BCRYPT_ECCFULLKEY_BLOB) ------------------- */

/* Header: dwMagic, dwVersion (1), dwCurveType, dwCurveGenerationAlgId,
 * cbFieldLength, cbSubgroupOrder, cbCofactor, cbSeed.  Then P, A, B, Gx, Gy
 * [cbFieldLength], Order[cbSubgroupOrder], Cofactor[cbCofactor],
 * Seed[cbSeed], Qx, Qy [cbFieldLength], d[cbSubgroupOrder]. */
#define CNG_ECCFULL_HDR 32
#define ECC_PRIME_SHORT_WEIERSTRASS 1

/* Curves the generic blob is matched against (OpenSSL group names). */
static const char *const eccfull_curves[] = {
    "P-256", "P-384", "P-521", "secp256k1",
    "brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1",
};

/* 1 when the big-endian n bytes hold the value of bn. */
static int bn_equals_bytes(const BIGNUM *bn, const uint8_t *p, size_t n)
{
    uint8_t tmp[EC_MAX_FIELD + 1];
    if (n > sizeof tmp || BN_bn2binpad(bn, tmp, (int)n) < 0)
        return 0;
    return memcmp(tmp, p, n) == 0;
}

/* Which named curve the explicit parameters describe, or NULL. */
static const char *eccfull_curve_name(const uint8_t *params, uint32_t cbf, uint32_t cbo)
{
    const uint8_t *prime = params, *a = prime + cbf, *b = a + cbf, *gx = b + cbf;
    const uint8_t *gy = gx + cbf, *order = gy + cbf;
    const char *found = NULL;
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *bp = BN_new(), *ba = BN_new(), *bb = BN_new(), *x = BN_new(), *y = BN_new();
    for (size_t i = 0; !found && ctx && y && i < sizeof eccfull_curves / sizeof eccfull_curves[0]; i++) {
        int nid = EC_curve_nist2nid(eccfull_curves[i]);
        if (nid == NID_undef)
            nid = OBJ_sn2nid(eccfull_curves[i]);
        EC_GROUP *g = EC_GROUP_new_by_curve_name(nid);
        if (g && (unsigned)(EC_GROUP_get_degree(g) + 7) / 8 == cbf &&
            EC_GROUP_get_curve(g, bp, ba, bb, ctx) &&
            EC_POINT_get_affine_coordinates(g, EC_GROUP_get0_generator(g), x, y, ctx) &&
            bn_equals_bytes(bp, prime, cbf) && bn_equals_bytes(ba, a, cbf) &&
            bn_equals_bytes(bb, b, cbf) && bn_equals_bytes(x, gx, cbf) &&
            bn_equals_bytes(y, gy, cbf) && bn_equals_bytes(EC_GROUP_get0_order(g), order, cbo))
            found = eccfull_curves[i];
        EC_GROUP_free(g);
    }
    BN_free(bp);
    BN_free(ba);
    BN_free(bb);
    BN_free(x);
    BN_free(y);
    BN_CTX_free(ctx);
    return found;
}

size_t wb_parse_cng_eccfull(const uint8_t *p, size_t avail, wb_key *k)
{
    if (avail < CNG_ECCFULL_HDR)
        return 0;
    uint32_t magic = wb_le32(p), version = wb_le32(p + 4), type = wb_le32(p + 8);
    uint32_t cbf = wb_le32(p + 16), cbo = wb_le32(p + 20), cbh = wb_le32(p + 24);
    uint32_t cbs = wb_le32(p + 28);
    if ((magic != WB_ECDV && magic != WB_ECKV) || version != 1 ||
        type != ECC_PRIME_SHORT_WEIERSTRASS || cbf < 20 || cbf > EC_MAX_FIELD ||
        cbo < 20 || cbo > EC_MAX_FIELD + 1 || cbh < 1 || cbh > 8 || cbs > 64)
        return 0;
    size_t total = CNG_ECCFULL_HDR + 7 * (size_t)cbf + 2 * (size_t)cbo + cbh + cbs;
    if (total > avail)
        return 0;
    const uint8_t *params = p + CNG_ECCFULL_HDR;
    const uint8_t *qx = params + 5 * (size_t)cbf + cbo + cbh + cbs, *qy = qx + cbf;
    const uint8_t *d = qy + cbf;
    if (all_zero(d, cbo))
        return 0;
    const char *curve = eccfull_curve_name(params, cbf, cbo);
    if (!curve || !verify_ec_xy(curve, qx, qy, cbf, d, cbo, &k->id))
        return 0;
    k->detector = "cng-ecc";
    return total;
}

/* ---- DSA ---------------------------------------------------------------- */

/* A DSA key from its parts; ds_verify_pkey checks y = g^x mod p (and the
 * ranges of x and y) and fingerprints it. */
static int verify_dsa(const BIGNUM *bp, const BIGNUM *bq, const BIGNUM *bg,
                      const BIGNUM *by, const BIGNUM *bx, ds_keyid *id)
{
    int ok = 0;
    EVP_PKEY *pk = NULL;
    OSSL_PARAM *params = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
    if (bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, bp) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_Q, bq) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, bg) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, by) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bx) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(ctx) > 0 &&
        EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, params) > 0)
        ok = ds_verify_pkey(pk, id);
    EVP_PKEY_free(pk);
    OSSL_PARAM_free(params);   /* x was a secure BIGNUM: its copy is cleared too */
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

/* Cheap DSA shape: p and q odd, with exactly the sizes the header claims. */
static int dsa_shape_ok(const uint8_t *p, size_t cbp, const uint8_t *q, size_t cbq)
{
    return wb_bits_be(p, cbp) == 8 * cbp && (p[cbp - 1] & 1) &&
           wb_bits_be(q, cbq) == 8 * cbq && (q[cbq - 1] & 1);
}

static int verify_dsa_be(const uint8_t *p, size_t cbp, const uint8_t *q, size_t cbq,
                         const uint8_t *g, const uint8_t *y, const uint8_t *x, ds_keyid *id)
{
    BIGNUM *bp = wb_bn(p, cbp, 0, 0), *bq = wb_bn(q, cbq, 0, 0), *bg = wb_bn(g, cbp, 0, 0);
    BIGNUM *by = wb_bn(y, cbp, 0, 0), *bx = wb_bn(x, cbq, 0, 1);
    int ok = bp && bq && bg && by && bx && verify_dsa(bp, bq, bg, by, bx, id);
    BN_free(bp);
    BN_free(bq);
    BN_free(bg);
    BN_free(by);
    BN_clear_free(bx);
    return ok;
}

/* V1 (keys up to 1024 bits): dwMagic, cbKey, Count[4], Seed[20], q[20]
 * (52 bytes), then p, g, y [cbKey] and x[20]. */
#define CNG_DSA1_HDR 52
/* V2 (1024 < bits <= 3072): dwMagic, cbKey, hashAlgorithm, standardVersion,
 * cbSeedLength, cbGroupSize, Count[4] (28 bytes), then Seed[cbSeedLength],
 * q[cbGroupSize], p, g, y [cbKey], x[cbGroupSize]. */
#define CNG_DSA2_HDR 28

static size_t parse_dsa_v1(const uint8_t *p, size_t avail, wb_key *k)
{
    uint32_t cbkey = wb_le32(p + 4);
    if (cbkey < 64 || cbkey > 128 || cbkey % 8)
        return 0;
    size_t total = CNG_DSA1_HDR + 3 * (size_t)cbkey + 20;
    if (total > avail)
        return 0;
    const uint8_t *q = p + 32, *pp = p + CNG_DSA1_HDR, *g = pp + cbkey, *y = g + cbkey;
    const uint8_t *x = y + cbkey;
    if (!dsa_shape_ok(pp, cbkey, q, 20) || !verify_dsa_be(pp, cbkey, q, 20, g, y, x, &k->id))
        return 0;
    return total;
}

static size_t parse_dsa_v2(const uint8_t *p, size_t avail, wb_key *k)
{
    uint32_t cbkey = wb_le32(p + 4), hash = wb_le32(p + 8), version = wb_le32(p + 12);
    uint32_t cbseed = wb_le32(p + 16), cbgroup = wb_le32(p + 20);
    if (cbkey < 128 || cbkey > 384 || cbkey % 8 || hash > 2 || version > 1 ||
        cbgroup < 20 || cbgroup > 32 || cbseed > 64)
        return 0;
    size_t total = CNG_DSA2_HDR + (size_t)cbseed + 3 * (size_t)cbkey + 2 * (size_t)cbgroup;
    if (total > avail)
        return 0;
    const uint8_t *q = p + CNG_DSA2_HDR + cbseed, *pp = q + cbgroup, *g = pp + cbkey;
    const uint8_t *y = g + cbkey, *x = y + cbkey;
    if (!dsa_shape_ok(pp, cbkey, q, cbgroup) ||
        !verify_dsa_be(pp, cbkey, q, cbgroup, g, y, x, &k->id))
        return 0;
    return total;
}

size_t wb_parse_cng_dsa(const uint8_t *p, size_t avail, wb_key *k)
{
    if (avail < CNG_DSA1_HDR)   /* the larger header */
        return 0;
    uint32_t magic = wb_le32(p);
    size_t n = magic == WB_DSPV ? parse_dsa_v1(p, avail, k)
             : magic == WB_DPV2 ? parse_dsa_v2(p, avail, k) : 0;
    if (n)
        k->detector = "cng-dsa";
    return n;
}
