/*
 * known_keys.h - public RSA keys the user cares most about (--known-keys):
 * their moduli let the rsamem detector recognise a lone prime or a lone
 * private exponent of those keys anywhere in a dump.
 *
 * Read-only after loading: shared by every scanning thread.
 */
#ifndef DS_KNOWN_KEYS_H
#define DS_KNOWN_KEYS_H

#include <stddef.h>

#include <openssl/bn.h>

typedef struct ds_known_keys ds_known_keys;

/* Load every RSA public key from a PEM file (CERTIFICATE, PUBLIC KEY,
 * RSA PUBLIC KEY blocks; other blocks are skipped).  Returns NULL with a
 * message in err when the file cannot be read or holds no RSA key. */
ds_known_keys *ds_known_keys_load(const char *path, char *err, size_t errlen);
/* Build from moduli/exponents given directly (tests); copies them. */
ds_known_keys *ds_known_keys_new(void);
int ds_known_keys_add(ds_known_keys *k, const BIGNUM *n, const BIGNUM *e);
void ds_known_keys_free(ds_known_keys *k);

size_t ds_known_keys_count(const ds_known_keys *k);
/* The i-th key's modulus and public exponent (owned by k). */
const BIGNUM *ds_known_keys_n(const ds_known_keys *k, size_t i);
const BIGNUM *ds_known_keys_e(const ds_known_keys *k, size_t i);

#endif
