/*
 * winblob_capi.c - CryptoAPI private key blobs and PVK files.
 *
 * PRIVATEKEYBLOB (learn.microsoft.com "Base Provider Key BLOBs",
 * "BLOBHEADER"): BLOBHEADER {bType 0x07, bVersion 0x02, reserved u16 0,
 * aiKeyAlg u32}, then
 *   RSA: RSAPUBKEY {"RSA2", bitlen, pubexp} + little-endian modulus[bitlen/8],
 *        prime1, prime2, exponent1, exponent2, coefficient [bitlen/16 each],
 *        privateExponent[bitlen/8];
 *   DSS: DSSPUBKEY {"DSS2", bitlen} + little-endian p[bitlen/8], q[20],
 *        g[bitlen/8], x[20], DSSSEED {counter u32, seed[20]}.
 * Sizes are rounded up as OpenSSL's writer does ((bitlen + 7) / 8 and
 * (bitlen + 15) / 16), which equals the documented ones for whole bytes.
 *
 * PVK (OpenSSL crypto/pem/pvkfmt.c): u32 magic 0xB0B5F11E, reserved 0,
 * keytype (1 KEYX, 2 SIGN), encrypted (0/1), saltlen, keylen, then salt and
 * a PRIVATEKEYBLOB of keylen bytes, RC4-encrypted after its BLOBHEADER when
 * encrypted.
 */
#include "winblob.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

#define RSAPUBKEY_LEN 12
#define DSSPUBKEY_LEN 8
#define DSS_Q_LEN 20
#define DSSSEED_LEN 24

/* ---- RSA ---------------------------------------------------------------- */

static size_t capi_rsa_len(uint32_t bitlen)
{
    size_t nb = (bitlen + 7) / 8, hb = (bitlen + 15) / 16;
    return RSAPUBKEY_LEN + 2 * nb + 5 * hb;
}

static size_t parse_capi_rsa(const uint8_t *p, size_t avail, wb_key *k)
{
    if (avail < RSAPUBKEY_LEN)
        return 0;
    uint32_t bitlen = wb_le32(p + 4), e = wb_le32(p + 8);
    if (bitlen < WB_RSA_MIN_BITS || bitlen > WB_RSA_MAX_BITS || !(e & 1) || e < 3)
        return 0;
    size_t nb = (bitlen + 7) / 8, hb = (bitlen + 15) / 16, total = capi_rsa_len(bitlen);
    if (total > avail)
        return 0;
    const uint8_t *n = p + RSAPUBKEY_LEN, *pp = n + nb, *q = pp + hb;
    const uint8_t *d = q + 4 * hb;   /* after prime2, exponent1, exponent2, coefficient */
    /* Little-endian: the low byte comes first.  n odd with exactly bitlen
     * bits, both primes odd. */
    if (!(n[0] & 1) || wb_bits_le(n, nb) != bitlen || !(pp[0] & 1) || !(q[0] & 1))
        return 0;
    BIGNUM *bn = wb_bn(n, nb, 1, 0), *be = BN_new();
    BIGNUM *bp = wb_bn(pp, hb, 1, 1), *bq = wb_bn(q, hb, 1, 1), *bd = wb_bn(d, nb, 1, 1);
    int ok = bn && be && bp && bq && bd && BN_set_word(be, e) &&
             ds_verify_rsa(bn, be, bd, bp, bq, &k->id);
    BN_free(bn);
    BN_free(be);
    BN_clear_free(bp);
    BN_clear_free(bq);
    BN_clear_free(bd);
    return ok ? total : 0;
}

/* ---- DSS ---------------------------------------------------------------- */

static size_t capi_dss_len(uint32_t bitlen)
{
    return DSSPUBKEY_LEN + 2 * (size_t)((bitlen + 7) / 8) + 2 * DSS_Q_LEN + DSSSEED_LEN;
}

/* The blob has no public key: check the group instead (q | p-1, g of order
 * q, 0 < x < q), derive y = g^x mod p for the fingerprint.  A valid group
 * cannot come from junk, but x itself is not bound to anything, so this
 * is LIKELY, as for a bare EC scalar in verify.c. */
static int dss_group_ok(const BIGNUM *p, const BIGNUM *q, const BIGNUM *g, const BIGNUM *x,
                        BIGNUM *y, BN_CTX *ctx)
{
    int ok = 0;
    BN_CTX_start(ctx);
    BIGNUM *t = BN_CTX_get(ctx), *r = BN_CTX_get(ctx);
    if (r && BN_num_bits(q) == 160 && BN_is_odd(p) && BN_is_odd(q) &&
        BN_sub(t, p, BN_value_one()) && BN_mod(r, t, q, ctx) && BN_is_zero(r) &&
        !BN_is_zero(g) && !BN_is_one(g) && BN_cmp(g, p) < 0 &&
        BN_mod_exp(r, g, q, p, ctx) && BN_is_one(r) &&
        !BN_is_zero(x) && BN_cmp(x, q) < 0 && BN_mod_exp(y, g, x, p, ctx))
        ok = 1;
    BN_CTX_end(ctx);
    return ok;
}

static int dss_identify(const BIGNUM *p, const BIGNUM *q, const BIGNUM *g, const BIGNUM *y,
                        const BIGNUM *x, ds_keyid *id)
{
    int ok = 0;
    EVP_PKEY *pk = NULL;
    OSSL_PARAM *params = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DSA", NULL);
    if (bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_Q, q) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, g) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(ctx) > 0 &&
        EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_KEYPAIR, params) > 0 && ds_verify_pkey(pk, id)) {
        id->confidence = DS_CONF_LIKELY;
        ok = 1;
    }
    EVP_PKEY_free(pk);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return ok;
}

static size_t parse_capi_dss(const uint8_t *p, size_t avail, wb_key *k)
{
    if (avail < DSSPUBKEY_LEN)
        return 0;
    uint32_t bitlen = wb_le32(p + 4);
    /* CryptoAPI DSS keys are 512..1024 bits in steps of 64; allow any whole
     * byte count up to 3072 bits. */
    if (bitlen < 512 || bitlen > 3072 || bitlen % 8)
        return 0;
    size_t nb = bitlen / 8, total = capi_dss_len(bitlen);
    if (total > avail)
        return 0;
    const uint8_t *pp = p + DSSPUBKEY_LEN, *q = pp + nb, *g = q + DSS_Q_LEN, *x = g + nb;
    if (!(pp[0] & 1) || wb_bits_le(pp, nb) != bitlen || !(q[0] & 1) ||
        wb_bits_le(q, DSS_Q_LEN) != 160)
        return 0;
    BN_CTX *ctx = BN_CTX_secure_new();
    BIGNUM *bp = wb_bn(pp, nb, 1, 0), *bq = wb_bn(q, DSS_Q_LEN, 1, 0);
    BIGNUM *bg = wb_bn(g, nb, 1, 0), *bx = wb_bn(x, DSS_Q_LEN, 1, 1), *by = BN_new();
    int ok = ctx && bp && bq && bg && bx && by && dss_group_ok(bp, bq, bg, bx, by, ctx) &&
             dss_identify(bp, bq, bg, by, bx, &k->id);
    BN_free(bp);
    BN_free(bq);
    BN_free(bg);
    BN_free(by);
    BN_clear_free(bx);
    BN_CTX_free(ctx);
    return ok ? total : 0;
}

/* ---- blobs -------------------------------------------------------------- */

size_t wb_parse_capi_key(const uint8_t *p, size_t avail, wb_key *k)
{
    if (avail < 4)
        return 0;
    uint32_t magic = wb_le32(p);
    size_t n = magic == WB_RSA2 ? parse_capi_rsa(p, avail, k)
             : magic == WB_DSS2 ? parse_capi_dss(p, avail, k) : 0;
    if (n)
        k->detector = "capi-privatekeyblob";
    return n;
}

static int alg_ok(uint32_t alg)
{
    return alg == WB_CALG_RSA_KEYX || alg == WB_CALG_RSA_SIGN || alg == WB_CALG_DSS_SIGN;
}

int wb_blobheader_private(const uint8_t *h)
{
    return h[0] == WB_PRIVATEKEYBLOB && h[1] == WB_CUR_BLOB_VERSION && h[2] == 0 && h[3] == 0 &&
           alg_ok(wb_le32(h + 4));
}

/* The algorithm in the header must name the key that follows. */
static int alg_matches(uint32_t alg, uint32_t magic)
{
    return magic == WB_DSS2 ? alg == WB_CALG_DSS_SIGN
                            : alg == WB_CALG_RSA_KEYX || alg == WB_CALG_RSA_SIGN;
}

size_t wb_parse_capi_blob(const uint8_t *p, size_t avail, wb_key *k)
{
    if (avail < WB_BLOBHEADER_LEN + 4 || !wb_blobheader_private(p) ||
        !alg_matches(wb_le32(p + 4), wb_le32(p + WB_BLOBHEADER_LEN)))
        return 0;
    size_t n = wb_parse_capi_key(p + WB_BLOBHEADER_LEN, avail - WB_BLOBHEADER_LEN, k);
    return n ? WB_BLOBHEADER_LEN + n : 0;
}

/* ---- PVK ---------------------------------------------------------------- */

#define PVK_MAX_SALT 64

/* The key size an encrypted PRIVATEKEYBLOB of keylen bytes must have (its
 * length is fixed by the key size), or 0 when no size fits.  This keeps
 * junk headers out without decrypting anything. */
static uint32_t pvk_bits_for_keylen(uint32_t alg, uint32_t keylen)
{
    if (alg == WB_CALG_DSS_SIGN) {
        for (uint32_t bits = 512; bits <= 3072; bits += 8)
            if (WB_BLOBHEADER_LEN + capi_dss_len(bits) == keylen)
                return bits;
        return 0;
    }
    for (uint32_t bits = WB_RSA_MIN_BITS; bits <= WB_RSA_MAX_BITS; bits += 8)
        if (WB_BLOBHEADER_LEN + capi_rsa_len(bits) == keylen)
            return bits;
    return 0;
}

size_t wb_parse_pvk(const uint8_t *p, size_t avail, wb_key *k)
{
    if (avail < WB_PVK_HEADER_LEN)
        return 0;
    uint32_t magic = wb_le32(p), reserved = wb_le32(p + 4), keytype = wb_le32(p + 8);
    uint32_t encrypted = wb_le32(p + 12), saltlen = wb_le32(p + 16), keylen = wb_le32(p + 20);
    if (magic != WB_PVK || reserved != 0 || (keytype != 1 && keytype != 2) || encrypted > 1 ||
        (encrypted ? saltlen == 0 || saltlen > PVK_MAX_SALT : saltlen != 0) ||
        keylen > WB_MAX_SPAN)
        return 0;
    size_t total = WB_PVK_HEADER_LEN + (size_t)saltlen + keylen;
    if (total > avail)
        return 0;
    const uint8_t *blob = p + WB_PVK_HEADER_LEN + saltlen;
    if (!encrypted) {
        /* The whole blob is in clear: prove it like any PRIVATEKEYBLOB, which
         * must fill keylen exactly (0 is "not found", never a match). */
        size_t n = wb_parse_capi_blob(blob, keylen, k);
        if (n == 0 || n != keylen)
            return 0;
        k->detector = "pvk";
        return total;
    }
    /* Encrypted: only the BLOBHEADER is in clear; even the modulus is RC4
     * ciphertext, so there is no public part to fingerprint. */
    if (keylen < WB_BLOBHEADER_LEN || !wb_blobheader_private(blob))
        return 0;
    uint32_t bits = pvk_bits_for_keylen(wb_le32(blob + 4), keylen);
    if (!bits)
        return 0;
    memset(&k->id, 0, sizeof k->id);
    k->id.kind = DS_KIND_ENCRYPTED;
    k->id.bits = (int)bits;
    k->id.confidence = DS_CONF_LIKELY;
    k->detector = "pvk";
    return total;
}
