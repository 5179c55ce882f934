/*
 * finding.h - what a detector reports, and the fixed vocabulary around it
 * (confidence levels, kinds; see ../shared/docs/DESIGN.md, "fixed").
 *
 * A finding never holds secret bytes: only where they are (file offset and
 * length), what they are, and the SHA-256 fingerprint of the public half.
 */
#ifndef DS_FINDING_H
#define DS_FINDING_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    DS_CONF_NONE = 0,
    DS_CONF_POSSIBLE = 1,   /* heuristic only */
    DS_CONF_LIKELY = 2,     /* right structure, cannot be verified */
    DS_CONF_VERIFIED = 3    /* OpenSSL / exact arithmetic proves it */
} ds_confidence;

/* Kinds (fixed strings; extend, never rename). */
#define DS_KIND_RSA        "rsa-private-key"
#define DS_KIND_EC         "ec-private-key"
#define DS_KIND_ED25519    "ed25519-private-key"
#define DS_KIND_X25519     "x25519-private-key"
#define DS_KIND_ED448      "ed448-private-key"
#define DS_KIND_X448       "x448-private-key"
#define DS_KIND_DSA        "dsa-private-key"
#define DS_KIND_ENCRYPTED  "encrypted-private-key"
#define DS_KIND_PKCS12     "pkcs12"
#define DS_KIND_OPENSSH    "openssh-private-key"
#define DS_KIND_PUTTY      "putty-private-key"
#define DS_KIND_JWK        "jwk-private-key"
#define DS_KIND_AES        "aes-key-schedule"
#define DS_KIND_TOKEN      "token"
#define DS_KIND_ENTROPY    "high-entropy-secret"
#define DS_KIND_PRIVATE    "private-key"          /* damaged key of unknown algorithm */

typedef struct {
    uint64_t offset;        /* file offset of the first sensitive byte */
    uint64_t length;        /* number of sensitive bytes */
    const char *kind;       /* DS_KIND_* (static) */
    const char *detector;   /* detector id, e.g. "der-pkcs1" (static) */
    ds_confidence confidence;
    int bits;               /* key size in bits; 0 if unknown */
    int has_fingerprint;
    uint8_t fingerprint[32];/* SHA-256 over the DER SubjectPublicKeyInfo */
    const char *encoding;   /* optional static note: "der", "pem", "pem-utf16le", "json"... */

    /* Filled by the engine from the region map; detectors leave them 0. */
    int has_vaddr;
    uint64_t vaddr;
    const char *region;     /* points into the ds_dump's region label */
} ds_finding;

const char *ds_confidence_name(ds_confidence c);
/* Parse "verified" | "likely" | "possible"; DS_CONF_NONE if unknown. */
ds_confidence ds_confidence_parse(const char *s);
/* "sha256:<64 hex>" into out (at least 72 bytes). */
void ds_fingerprint_str(const uint8_t fp[32], char out[72]);

#endif
