/*
 * sshwire.c - SSH wire format and SSH key algorithms (see sshwire.h).
 */
#include "sshwire.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/param_build.h>

/* Longest field any supported key has: a 16384-bit RSA modulus. */
#define SSH_MAX_FIELD 2049

int ds_ssh_u32(ds_sshrd *r, uint32_t *v)
{
    if (r->left < 4)
        return 0;
    *v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
    r->p += 4;
    r->left -= 4;
    return 1;
}

int ds_ssh_str(ds_sshrd *r, ds_slice *s)
{
    uint32_t n;
    ds_sshrd save = *r;
    if (!ds_ssh_u32(r, &n) || n > r->left) {
        *r = save;
        return 0;
    }
    s->p = r->p;
    s->n = n;
    r->p += n;
    r->left -= n;
    return 1;
}

int ds_ssh_mpint(ds_sshrd *r, ds_slice *s)
{
    ds_sshrd save = *r;
    if (!ds_ssh_str(r, s) || s->n > SSH_MAX_FIELD || (s->n && (s->p[0] & 0x80))) {
        *r = save;   /* negative numbers are never key material */
        return 0;
    }
    while (s->n && s->p[0] == 0) {
        s->p++;
        s->n--;
    }
    return 1;
}

int ds_slice_eq(ds_slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.p, lit, n) == 0;
}

int ds_ssh_alg_of(ds_slice name, ds_sshkey *k)
{
    static const struct {
        const char *name;
        ds_ssh_alg alg;
        const char *group, *curve_id;
    } algs[] = {
        { "ssh-rsa", DS_SSH_RSA, NULL, NULL },
        { "ssh-dss", DS_SSH_DSA, NULL, NULL },
        { "ssh-ed25519", DS_SSH_ED25519, NULL, NULL },
        { "ssh-ed448", DS_SSH_ED448, NULL, NULL },
        { "ecdsa-sha2-nistp256", DS_SSH_ECDSA, "P-256", "nistp256" },
        { "ecdsa-sha2-nistp384", DS_SSH_ECDSA, "P-384", "nistp384" },
        { "ecdsa-sha2-nistp521", DS_SSH_ECDSA, "P-521", "nistp521" },
    };
    memset(k, 0, sizeof *k);
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        if (ds_slice_eq(name, algs[i].name)) {
            k->alg = algs[i].alg;
            k->group = algs[i].group;
            k->curve_id = algs[i].curve_id;
            return 1;
        }
    }
    return 0;
}

/* Raw EdDSA public key length, or 0 for the other algorithms. */
static size_t eddsa_len(ds_ssh_alg alg)
{
    return alg == DS_SSH_ED25519 ? 32 : alg == DS_SSH_ED448 ? 57 : 0;
}

int ds_ssh_read_pub(ds_sshrd *r, ds_sshkey *k)
{
    ds_slice curve;
    switch (k->alg) {
    case DS_SSH_RSA:
        return ds_ssh_mpint(r, &k->pub[0]) && ds_ssh_mpint(r, &k->pub[1]);
    case DS_SSH_DSA:
        for (int i = 0; i < 4; i++)
            if (!ds_ssh_mpint(r, &k->pub[i]))
                return 0;
        return 1;
    case DS_SSH_ECDSA:
        /* The curve id repeats the type name's suffix; Q is an SEC1 point. */
        return ds_ssh_str(r, &curve) && ds_slice_eq(curve, k->curve_id) &&
               ds_ssh_str(r, &k->pub[0]) && k->pub[0].n >= 1 && k->pub[0].n <= 133;
    case DS_SSH_ED25519:
    case DS_SSH_ED448:
        return ds_ssh_str(r, &k->pub[0]) && k->pub[0].n == eddsa_len(k->alg);
    default:
        return 0;
    }
}

int ds_ssh_parse_pubblob(const uint8_t *p, size_t n, ds_sshkey *k)
{
    ds_sshrd r = { p, n };
    ds_slice type;
    return ds_ssh_str(&r, &type) && ds_ssh_alg_of(type, k) && ds_ssh_read_pub(&r, k) &&
           r.left == 0;
}

static int push_bn(OSSL_PARAM_BLD *bld, const char *key, ds_slice s, BIGNUM **tmp, int secret)
{
    *tmp = secret ? BN_secure_new() : BN_new();
    return *tmp && BN_bin2bn(s.p, (int)s.n, *tmp) && OSSL_PARAM_BLD_push_BN(bld, key, *tmp);
}

/* EVP_PKEY from parameters (RSA/DSA/EC): the public half, or the key pair
 * when the private fields are filled too. */
static EVP_PKEY *pkey_from_fields(const ds_sshkey *k, int with_private)
{
    static const char *const rsa_keys[] = { OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_N };
    static const char *const dsa_keys[] = { OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_Q,
                                            OSSL_PKEY_PARAM_FFC_G, OSSL_PKEY_PARAM_PUB_KEY };
    const char *alg = k->alg == DS_SSH_RSA ? "RSA" : k->alg == DS_SSH_DSA ? "DSA" : "EC";
    BIGNUM *bn[5] = { 0 };
    EVP_PKEY *pk = NULL;
    OSSL_PARAM *params = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, alg, NULL);
    int ok = bld && ctx;
    if (ok && k->alg == DS_SSH_RSA) {
        ok = push_bn(bld, rsa_keys[0], k->pub[0], &bn[0], 0) &&
             push_bn(bld, rsa_keys[1], k->pub[1], &bn[1], 0);
    } else if (ok && k->alg == DS_SSH_DSA) {
        for (int i = 0; ok && i < 4; i++)
            ok = push_bn(bld, dsa_keys[i], k->pub[i], &bn[i], 0);
        if (ok && with_private)
            ok = push_bn(bld, OSSL_PKEY_PARAM_PRIV_KEY, k->priv[0], &bn[4], 1);
    } else if (ok && k->alg == DS_SSH_ECDSA) {
        ok = OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, k->group, 0) &&
             OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, k->pub[0].p,
                                              k->pub[0].n);
    } else {
        ok = 0;
    }
    if (ok && (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(ctx) > 0)
        if (EVP_PKEY_fromdata(ctx, &pk, with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
                              params) <= 0)
            pk = NULL;
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    for (int i = 0; i < 5; i++)
        BN_clear_free(bn[i]);
    return pk;
}

static const char *alg_kind(ds_ssh_alg alg)
{
    switch (alg) {
    case DS_SSH_RSA: return DS_KIND_RSA;
    case DS_SSH_DSA: return DS_KIND_DSA;
    case DS_SSH_ECDSA: return DS_KIND_EC;
    case DS_SSH_ED25519: return DS_KIND_ED25519;
    default: return DS_KIND_ED448;
    }
}

int ds_ssh_pub_id(const ds_sshkey *k, ds_keyid *id)
{
    EVP_PKEY *pk;
    if (eddsa_len(k->alg))
        pk = EVP_PKEY_new_raw_public_key(k->alg == DS_SSH_ED25519 ? EVP_PKEY_ED25519 :
                                         EVP_PKEY_ED448, NULL, k->pub[0].p, k->pub[0].n);
    else
        pk = pkey_from_fields(k, 0);
    if (!pk)
        return 0;
    ds_keyid t = { .kind = alg_kind(k->alg), .bits = EVP_PKEY_get_bits(pk),
                   .confidence = DS_CONF_LIKELY };
    int ok = ds_fingerprint_pkey(pk, t.fingerprint);
    EVP_PKEY_free(pk);
    if (!ok)
        return 0;
    t.has_fingerprint = 1;
    *id = t;
    return 1;
}

static int verify_rsa(const ds_sshkey *k, ds_keyid *id)
{
    BIGNUM *e = BN_bin2bn(k->pub[0].p, (int)k->pub[0].n, NULL);
    BIGNUM *n = BN_bin2bn(k->pub[1].p, (int)k->pub[1].n, NULL);
    BIGNUM *d = BN_secure_new(), *p = BN_secure_new(), *q = BN_secure_new();
    int ok = e && n && d && p && q && BN_bin2bn(k->priv[0].p, (int)k->priv[0].n, d) &&
             BN_bin2bn(k->priv[1].p, (int)k->priv[1].n, p) &&
             BN_bin2bn(k->priv[2].p, (int)k->priv[2].n, q) &&
             ds_verify_rsa(n, e, d, p, q, id);
    BN_free(e);
    BN_free(n);
    BN_clear_free(d);
    BN_clear_free(p);
    BN_clear_free(q);
    return ok;
}

int ds_ssh_verify(const ds_sshkey *k, ds_keyid *id)
{
    switch (k->alg) {
    case DS_SSH_RSA:
        return verify_rsa(k, id);
    case DS_SSH_ECDSA:
        return ds_verify_ec(k->group, k->priv[0].p, k->priv[0].n, k->pub[0].p, k->pub[0].n, id);
    case DS_SSH_ED25519:
    case DS_SSH_ED448:
        return k->priv[0].n == eddsa_len(k->alg) &&
               ds_verify_okp(k->alg == DS_SSH_ED25519 ? EVP_PKEY_ED25519 : EVP_PKEY_ED448,
                             k->priv[0].p, k->priv[0].n, k->pub[0].p, k->pub[0].n, id);
    case DS_SSH_DSA: {
        EVP_PKEY *pk = pkey_from_fields(k, 1);
        int ok = pk && ds_verify_pkey(pk, id);
        EVP_PKEY_free(pk);
        return ok;
    }
    default:
        return 0;
    }
}

int ds_ssh_each_private(const ds_sshkey *k, int (*fn)(void *, const uint8_t *, size_t), void *ctx)
{
    int n = 0;
    for (int i = 0; i < 4; i++) {
        if (!k->priv[i].n)
            continue;
        if (fn(ctx, k->priv[i].p, k->priv[i].n) < 0)
            return -1;
        n++;
    }
    return n;
}
