/*
 * sshwire.h - the SSH wire format (RFC 4251 strings, mpints) and SSH key
 * algorithms, shared by the OpenSSH and PuTTY detectors: parse public key
 * blobs, fingerprint a public key, verify a private key from its fields.
 *
 * Everything works on slices of a caller-owned buffer; nothing here copies
 * secret bytes except into OpenSSL BIGNUMs that are cleared on free.
 */
#ifndef DS_SSHWIRE_H
#define DS_SSHWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "verify.h"

typedef struct {
    const uint8_t *p;
    size_t n;
} ds_slice;

/* A bounded reader: every read checks what is left first. */
typedef struct {
    const uint8_t *p;
    size_t left;
} ds_sshrd;

int ds_ssh_u32(ds_sshrd *r, uint32_t *v);
/* uint32 length + bytes; fails when the length runs past the end. */
int ds_ssh_str(ds_sshrd *r, ds_slice *s);
/* A non-negative mpint as big-endian magnitude (leading zero stripped). */
int ds_ssh_mpint(ds_sshrd *r, ds_slice *s);
int ds_slice_eq(ds_slice s, const char *lit);

typedef enum {
    DS_SSH_UNKNOWN = 0,
    DS_SSH_RSA,        /* pub: e n          priv: d p q iqmp */
    DS_SSH_DSA,        /* pub: p q g y      priv: x */
    DS_SSH_ECDSA,      /* pub: Q            priv: d */
    DS_SSH_ED25519,    /* pub: A (32)       priv: seed (32) */
    DS_SSH_ED448       /* pub: A (57)       priv: seed (57) */
} ds_ssh_alg;

typedef struct {
    ds_ssh_alg alg;
    const char *group;      /* ECDSA: OpenSSL group name ("P-256"...) */
    const char *curve_id;   /* ECDSA: SSH curve id ("nistp256"...) */
    ds_slice pub[4];
    ds_slice priv[4];
} ds_sshkey;

/* Algorithm of an SSH key type name ("ssh-rsa", "ecdsa-sha2-nistp384"...);
 * fills k->alg, k->group, k->curve_id.  0 if unknown. */
int ds_ssh_alg_of(ds_slice name, ds_sshkey *k);

/* The public fields that follow the type name in a public key blob (and
 * in the same order in OpenSSH's private section for DSA/ECDSA/EdDSA). */
int ds_ssh_read_pub(ds_sshrd *r, ds_sshkey *k);

/* A whole public key blob: type name + fields, nothing left over. */
int ds_ssh_parse_pubblob(const uint8_t *p, size_t n, ds_sshkey *k);

/* Public half only: kind, bits, fingerprint; confidence LIKELY. */
int ds_ssh_pub_id(const ds_sshkey *k, ds_keyid *id);

/* Public + private fields: the consistency check of verify.c. */
int ds_ssh_verify(const ds_sshkey *k, ds_keyid *id);

/* Hand each non-empty private field of k to fn (components.h); returns
 * how many, or -1 when fn failed. */
int ds_ssh_each_private(const ds_sshkey *k, int (*fn)(void *, const uint8_t *, size_t), void *ctx);

#endif
