/*
 * known_keys.c - load the RSA public keys given with --known-keys.
 */
#include "known_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

struct ds_known_keys {
    BIGNUM **n, **e;
    size_t count, cap;
};

ds_known_keys *ds_known_keys_new(void)
{
    return calloc(1, sizeof(ds_known_keys));
}

void ds_known_keys_free(ds_known_keys *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->count; i++) {
        BN_free(k->n[i]);
        BN_free(k->e[i]);
    }
    free(k->n);
    free(k->e);
    free(k);
}

int ds_known_keys_add(ds_known_keys *k, const BIGNUM *n, const BIGNUM *e)
{
    if (!k || !n || !e || BN_num_bits(n) < 512 || BN_num_bits(n) > 16384)
        return -1;
    for (size_t i = 0; i < k->count; i++)
        if (BN_cmp(k->n[i], n) == 0)
            return 0;
    if (k->count == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 8;
        BIGNUM **nn = realloc(k->n, nc * sizeof *nn);
        if (!nn)
            return -1;
        k->n = nn;
        BIGNUM **ne = realloc(k->e, nc * sizeof *ne);
        if (!ne)
            return -1;
        k->e = ne;
        k->cap = nc;
    }
    BIGNUM *cn = BN_dup(n), *ce = BN_dup(e);
    if (!cn || !ce) {
        BN_free(cn);
        BN_free(ce);
        return -1;
    }
    k->n[k->count] = cn;
    k->e[k->count] = ce;
    k->count++;
    return 0;
}

static int add_pkey(ds_known_keys *k, EVP_PKEY *pk)
{
    if (!pk || !EVP_PKEY_is_a(pk, "RSA"))
        return 0;
    BIGNUM *n = NULL, *e = NULL;
    int rc = 0;
    if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) &&
        EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e))
        rc = ds_known_keys_add(k, n, e) == 0;
    BN_free(n);
    BN_free(e);
    return rc;
}

ds_known_keys *ds_known_keys_load(const char *path, char *err, size_t errlen)
{
    BIO *bio = BIO_new_file(path, "r");
    if (!bio) {
        snprintf(err, errlen, "%s: cannot open", path);
        return NULL;
    }
    ds_known_keys *k = ds_known_keys_new();
    if (!k) {
        BIO_free(bio);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len = 0;
    while (PEM_read_bio(bio, &name, &header, &data, &len) == 1) {
        const unsigned char *pp = data;
        EVP_PKEY *pk = NULL;
        if (strcmp(name, "CERTIFICATE") == 0 || strcmp(name, "TRUSTED CERTIFICATE") == 0) {
            X509 *x = d2i_X509(NULL, &pp, len);
            if (x)
                add_pkey(k, X509_get0_pubkey(x));
            X509_free(x);
        } else if (strcmp(name, "PUBLIC KEY") == 0) {
            pk = d2i_PUBKEY(NULL, &pp, len);
        } else if (strcmp(name, "RSA PUBLIC KEY") == 0) {
            pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &pp, len);
        }
        if (pk)
            add_pkey(k, pk);
        EVP_PKEY_free(pk);
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        name = header = NULL;
        data = NULL;
    }
    BIO_free(bio);
    if (!k->count) {
        snprintf(err, errlen, "%s: no RSA certificate or public key found", path);
        ds_known_keys_free(k);
        return NULL;
    }
    return k;
}

size_t ds_known_keys_count(const ds_known_keys *k) { return k ? k->count : 0; }
const BIGNUM *ds_known_keys_n(const ds_known_keys *k, size_t i) { return k->n[i]; }
const BIGNUM *ds_known_keys_e(const ds_known_keys *k, size_t i) { return k->e[i]; }
