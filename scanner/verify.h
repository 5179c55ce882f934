/*
 * verify.h - prove that candidate key material is a real private key and
 * name it by the SHA-256 of its DER SubjectPublicKeyInfo (the value
 * `openssl pkey -pubout -outform DER | sha256sum` prints).
 *
 * Every detector hands its candidates here; nothing reaches a report
 * without passing through one of these functions.  None of them keeps or
 * prints the secret; OpenSSL frees private BIGNUMs with BN_clear_free.
 * All functions are thread-safe; each returns 1 when the key checks out
 * (id filled), 0 when it does not (id untouched), and never aborts on junk.
 */
#ifndef DS_VERIFY_H
#define DS_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "finding.h"

typedef struct {
    const char *kind;          /* DS_KIND_* */
    int bits;                  /* modulus / group order / curve size */
    int has_fingerprint;
    uint8_t fingerprint[32];
    ds_confidence confidence;  /* VERIFIED when the consistency check ran */
} ds_keyid;

/* Which DER structure a candidate claims to be. */
typedef enum {
    DS_DER_PKCS1_RSA,          /* RSAPrivateKey */
    DS_DER_PKCS8,              /* PrivateKeyInfo / OneAsymmetricKey (any algorithm) */
    DS_DER_SEC1_EC,            /* ECPrivateKey */
    DS_DER_DSA,                /* OpenSSL "traditional" DSA private key */
    DS_DER_ANY                 /* try all of the above */
} ds_der_type;

/* Parse a DER private key of the given structure, check it is internally
 * consistent and fingerprint it. */
int ds_verify_der(ds_der_type type, const uint8_t *der, size_t len, ds_keyid *id);

/* Check an already-parsed private key (consistency + fingerprint).  Does
 * not take ownership. */
int ds_verify_pkey(EVP_PKEY *pk, ds_keyid *id);

/* RSA from components (any of d, p, q may be NULL; n and e are required,
 * plus d or p or q).  Checks p*q = n, d*e = 1 mod lambda(n) for what is
 * given, or an encrypt/decrypt round trip when only n, e, d are known.
 * A lone prime p with p | n is enough. */
int ds_verify_rsa(const BIGNUM *n, const BIGNUM *e, const BIGNUM *d,
                  const BIGNUM *p, const BIGNUM *q, ds_keyid *id);

/* EC private scalar (big-endian bytes) on a named curve ("P-256",
 * "prime256v1", "secp384r1", ...).  If pub (uncompressed 04||X||Y or
 * compressed) is given it must equal d*G; else the public key is derived
 * (confidence LIKELY: a scalar alone cannot be checked). */
int ds_verify_ec(const char *curve, const uint8_t *d, size_t dlen,
                 const uint8_t *pub, size_t publen, ds_keyid *id);

/* Ed25519/X25519/Ed448/X448 raw private key; if pub is given it must equal
 * the derived public key. evp_type: EVP_PKEY_ED25519 etc. */
int ds_verify_okp(int evp_type, const uint8_t *priv, size_t privlen,
                  const uint8_t *pub, size_t publen, ds_keyid *id);

/* SHA-256 over the DER SubjectPublicKeyInfo of pk.  Returns 1 on success. */
int ds_fingerprint_pkey(const EVP_PKEY *pk, uint8_t out[32]);

#endif
