/*
 * known_fp.c - fingerprints of the keys in a --known-keys file, so the
 * summary can mark the keys the user asked about.  Every public key in the
 * file counts (certificates, PUBLIC KEY, RSA PUBLIC KEY; any algorithm),
 * named as findings are named: SHA-256 of the DER SubjectPublicKeyInfo.
 */
#include "cli.h"
#include "sweep.h"
#include "verify.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

int sweep_known_fingerprints(sweep_summary *s, const char *path)
{
    BIO *bio = BIO_new_file(path, "r");
    if (!bio) {
        errmsg("--known-keys %s: cannot read", path);
        return -1;
    }
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len = 0;
    int rc = 0;
    while (rc == 0 && PEM_read_bio(bio, &name, &header, &data, &len) == 1) {
        const unsigned char *p = data;
        EVP_PKEY *pk = NULL;
        X509 *x = NULL;
        if (!strcmp(name, "CERTIFICATE") || !strcmp(name, "TRUSTED CERTIFICATE")) {
            if ((x = d2i_X509(NULL, &p, len)) != NULL && X509_get0_pubkey(x))
                pk = EVP_PKEY_dup(X509_get0_pubkey(x));
        } else if (!strcmp(name, "PUBLIC KEY")) {
            pk = d2i_PUBKEY(NULL, &p, len);
        } else if (!strcmp(name, "RSA PUBLIC KEY")) {
            pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
        }
        uint8_t fp[32];
        if (pk && ds_fingerprint_pkey(pk, fp) == 1 && sweep_summary_mark_known(s, fp) < 0)
            rc = -1;
        EVP_PKEY_free(pk);
        X509_free(x);
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        name = header = NULL;
        data = NULL;
    }
    ERR_clear_error();          /* PEM_read_bio's "no start line" at the end */
    BIO_free(bio);
    return rc;
}
