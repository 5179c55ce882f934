/*
 * der.h - internal to the DER and PEM detectors (detect_der.c,
 * detect_pem.c): a strict DER structure walker that recognises private key
 * containers without OpenSSL, the OpenSSL-backed identification of what it
 * recognised, and the two chunk scanners (usable without the engine, which
 * is how the unit tests, the fuzzers and the benchmark drive them).
 *
 * Recognised (all strict DER: definite, minimal lengths; single-byte tags):
 *   PKCS#1 RSAPrivateKey (v0, and v1 multi-prime)
 *   PKCS#8 PrivateKeyInfo / OneAsymmetricKey v0 and v1 for RSA, RSA-PSS,
 *          EC (named or explicit curve), Ed25519, Ed448, X25519, X448, DSA
 *   SEC1 ECPrivateKey (top level: with its [0] curve parameters)
 *   OpenSSL traditional DSA private key: SEQUENCE { 0, p, q, g, y, x }
 *   EncryptedPrivateKeyInfo with PBES2, PBES1 or PKCS#12 PBE algorithms
 *   PKCS#12 PFX: SEQUENCE { 3, ContentInfo(pkcs7-data), MacData OPTIONAL }
 */
#ifndef DS_DER_H
#define DS_DER_H

#include <stddef.h>
#include <stdint.h>

#include "finding.h"

/* The longest structure the DER detector reports.  The outer SEQUENCE
 * length is capped at the two-byte form (content <= 65535 bytes): that
 * holds any single private key (RSA-16384 in PKCS#8 is ~9.4 KiB) and
 * ordinary PKCS#12 files (a key and a few certificates).  A bigger PFX is
 * not reported as a whole; its shrouded key bag (an EncryptedPrivateKeyInfo
 * in clear DER inside it) still is, as an encrypted-private-key. */
#define DS_DER_MAX_CONTENT 65535u
#define DS_DER_MAX_SPAN    (DS_DER_MAX_CONTENT + 4u)

/* The longest armored block the PEM detector reads (source bytes, from
 * "-----BEGIN" through the END line; UTF-16LE doubles every character and
 * JSON escapes add two bytes a line): RSA-16384 PKCS#8 is ~13 KiB of
 * ASCII PEM, ~26 KiB in UTF-16LE. */
#define DS_PEM_MAX_SPAN    (64u * 1024u)
/* Decoded DER from one PEM body, at most. */
#define DS_PEM_MAX_DER     (48u * 1024u)

typedef enum {
    DS_DERF_NONE = 0,
    DS_DERF_PKCS1,       /* RSAPrivateKey */
    DS_DERF_PKCS8,       /* PrivateKeyInfo / OneAsymmetricKey */
    DS_DERF_SEC1,        /* ECPrivateKey */
    DS_DERF_DSA,         /* traditional DSA */
    DS_DERF_EPKI,        /* EncryptedPrivateKeyInfo */
    DS_DERF_PFX          /* PKCS#12 */
} ds_der_form;

typedef enum {
    DS_ALG_NONE = 0, DS_ALG_RSA, DS_ALG_RSA_PSS, DS_ALG_EC, DS_ALG_DSA,
    DS_ALG_ED25519, DS_ALG_X25519, DS_ALG_ED448, DS_ALG_X448
} ds_der_alg;

/* What ds_der_classify() found.  Offsets are relative to the structure's
 * first byte. */
typedef struct {
    ds_der_form form;
    ds_der_alg alg;        /* PKCS#8: from the algorithm OID */
    size_t len;            /* whole structure, outer header included */
    size_t hdr;            /* outer header length (2..4) */
    int version;
    /* The public half is stored next to the private one, so a pairwise
     * check proves something.  When it is not (PKCS#8 Ed25519 v0, DSA in
     * PKCS#8, ECPrivateKey without publicKey), OpenSSL derives it and the
     * check is vacuous: the key is reported LIKELY, not VERIFIED. */
    int has_pub;
    size_t v1_pub_off;     /* PKCS#8 v1: where the trailing [1] starts (else len) */
    size_t okp_priv_off, okp_priv_len;   /* Ed/X keys: the raw private key */
    size_t okp_pub_off, okp_pub_len;     /* ... and the raw public key, if stored */
} ds_der_info;

/* Structure check only (about 30 ns, no OpenSSL, no allocation): does a
 * private key structure start at b[0]?  Reads at most b[avail).  Returns 1
 * and fills *info, or 0. */
int ds_der_classify(const uint8_t *b, size_t avail, ds_der_info *info);

/* Prove and name what ds_der_classify() found: fills f->kind, detector
 * (the "der-..." id), confidence, bits and fingerprint; leaves offset,
 * length and encoding alone.  Unencrypted keys go through OpenSSL
 * (verify.h) and must check out; encrypted PKCS#8 and PKCS#12 are
 * structure-only (LIKELY, no fingerprint).  `scratch` (at least info->len
 * bytes) is used to re-encode a OneAsymmetricKey v1 as v0 for OpenSSL 3.0,
 * which rejects the v1 publicKey field; it is cleansed before returning.
 * Returns 1 if it is a finding. */
int ds_der_identify(const uint8_t *b, const ds_der_info *info,
                    uint8_t *scratch, size_t scratch_len, ds_finding *f);

/* 1 if b[0, n) is exactly one intact strict-DER SEQUENCE, every
 * constructed element within it well-formed too (depth <= 16): an intact
 * object of some other kind (public key, certificate), not a damaged key. */
int ds_der_is_tree(const uint8_t *b, size_t n);

/* Best guess at the kind of a PKCS#8 body that does not parse, from its
 * algorithm OID if the first bytes are intact; NULL if unknown. */
const char *ds_der_guess_kind(const uint8_t *b, size_t n);

/* Receives every finding a chunk scanner makes (absolute offsets). */
typedef void (*ds_found_fn)(void *ctx, const ds_finding *f);

/* The chunk scanners behind the "der" and "pem" detectors (same contract
 * as ds_detector.scan: structures starting in buf[0, own), reads up to
 * buf[len), base = file offset of buf[0]).  Scratch sizes: DER needs
 * DS_DER_MAX_SPAN bytes, PEM 2 * DS_PEM_MAX_DER; both are cleansed after
 * each candidate. */
void ds_der_find(const uint8_t *buf, size_t own, size_t len, uint64_t base,
                 uint8_t *scratch, ds_found_fn fn, void *ctx);
/* The DER inside the complete PEM block that starts at b (at its
 * "-----BEGIN ", ASCII or UTF-16LE, possibly JSON-escaped), decoded into
 * out[0, cap) with the detector's strict decoder.  Returns its length, or
 * -1 if b[0, n) does not start with a complete unencrypted block. */
long ds_pem_block_der(const uint8_t *b, size_t n, uint8_t *out, size_t cap);
void ds_pem_find(const uint8_t *buf, size_t own, size_t len, uint64_t base,
                 uint8_t *scratch, ds_found_fn fn, void *ctx);

#endif
