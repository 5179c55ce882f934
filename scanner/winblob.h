/*
 * winblob.h - internal to the Windows key blob detector ("winblob"):
 * detect_winblob.c (prefilter, dispatch), winblob_cng.c (BCRYPT_*_BLOB),
 * winblob_capi.c (CryptoAPI PRIVATEKEYBLOB, PVK files).
 *
 * Every parser has the same contract: `p` points at the first byte of the
 * structure it claims, `avail` bytes are readable from there.  It returns
 * the structure's length in bytes when it holds a private key that passed
 * verification through verify.h (k filled), and 0 otherwise.  Parsers do
 * all size checks before any bignum work, never read past p + avail, and
 * keep no state.
 */
#ifndef DS_WINBLOB_H
#define DS_WINBLOB_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>

#include "verify.h"

/* Magics as little-endian u32 (ASCII as the bytes appear in memory). */
#define WB_RSA2 0x32415352u   /* "RSA2": CNG BCRYPT_RSAPRIVATE_MAGIC and CAPI RSAPUBKEY */
#define WB_RSA3 0x33415352u   /* "RSA3": CNG BCRYPT_RSAFULLPRIVATE_MAGIC */
#define WB_ECS2 0x32534345u   /* ECDSA P-256 private */
#define WB_ECS4 0x34534345u   /* ECDSA P-384 private */
#define WB_ECS6 0x36534345u   /* ECDSA P-521 private */
#define WB_ECK2 0x324B4345u   /* ECDH P-256 private */
#define WB_ECK4 0x344B4345u   /* ECDH P-384 private */
#define WB_ECK6 0x364B4345u   /* ECDH P-521 private */
#define WB_ECDV 0x56444345u   /* ECDSA generic (BCRYPT_ECCFULLKEY_BLOB) private */
#define WB_ECKV 0x564B4345u   /* ECDH generic private */
#define WB_DSPV 0x56505344u   /* BCRYPT_DSA_KEY_BLOB private */
#define WB_DPV2 0x32565044u   /* BCRYPT_DSA_KEY_BLOB_V2 private */
#define WB_DSS2 0x32535344u   /* CAPI DSSPUBKEY, private blob */
#define WB_PVK  0xB0B5F11Eu   /* PVK file header */

/* CAPI BLOBHEADER fields. */
#define WB_PRIVATEKEYBLOB 0x07
#define WB_CUR_BLOB_VERSION 0x02
#define WB_CALG_RSA_KEYX 0xA400u
#define WB_CALG_RSA_SIGN 0x2400u
#define WB_CALG_DSS_SIGN 0x2200u

#define WB_BLOBHEADER_LEN 8
#define WB_PVK_HEADER_LEN 24

/* RSA sizes we accept: what CNG and CryptoAPI can produce. */
#define WB_RSA_MIN_BITS 512
#define WB_RSA_MAX_BITS 16384

/* The longest structure: a PVK with a 64-byte salt around a 16384-bit
 * PRIVATEKEYBLOB is 24 + 64 + 8 + 12 + 2*2048 + 5*1024 = 9324 bytes; a CNG
 * RSA3 blob is at most 24 + 8 + 2*2048 + 2*2050 + 1026 = 9254 (primes of at
 * most cbModulus/2 + 2 bytes adding up to at most cbModulus + 2).  Round up. */
#define WB_MAX_SPAN 10240

typedef struct {
    ds_keyid id;            /* from verify.c */
    const char *detector;   /* "cng-rsa", "capi-privatekeyblob", "pvk", ... */
} wb_key;

static inline uint32_t wb_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A new BIGNUM from n bytes, big- or little-endian; a secure BIGNUM when
 * `secret` (cleared on free: release with BN_clear_free).  NULL on error. */
BIGNUM *wb_bn(const uint8_t *p, size_t n, int little_endian, int secret);

/* Bit length of an unsigned number stored in n bytes (0 when it is zero). */
unsigned wb_bits_be(const uint8_t *p, size_t n);
unsigned wb_bits_le(const uint8_t *p, size_t n);

/* CNG (winblob_cng.c); p points at the magic. */
size_t wb_parse_cng_rsa(const uint8_t *p, size_t avail, wb_key *k);      /* RSA2, RSA3 */
size_t wb_parse_cng_ecc(const uint8_t *p, size_t avail, wb_key *k);      /* ECS2/4/6, ECK2/4/6 */
size_t wb_parse_cng_eccfull(const uint8_t *p, size_t avail, wb_key *k);  /* ECDV, ECKV */
size_t wb_parse_cng_dsa(const uint8_t *p, size_t avail, wb_key *k);      /* DSPV, DPV2 */

/* CryptoAPI (winblob_capi.c). */
/* 1 when h[0..8) is a BLOBHEADER of a plaintext private key blob. */
int wb_blobheader_private(const uint8_t *h);
/* p at the RSAPUBKEY / DSSPUBKEY magic ("RSA2" / "DSS2"): the bare key as
 * CryptoAPI keeps it in memory, without its BLOBHEADER. */
size_t wb_parse_capi_key(const uint8_t *p, size_t avail, wb_key *k);
/* p at the BLOBHEADER: header + key. */
size_t wb_parse_capi_blob(const uint8_t *p, size_t avail, wb_key *k);
/* p at the PVK magic: the whole PVK (header, salt, key blob). */
size_t wb_parse_pvk(const uint8_t *p, size_t avail, wb_key *k);

/* The scan behind the detector, without the engine: anchors (magics) are
 * looked for at every offset; a structure is reported when its first byte
 * lies in buf[0, own), reading at most up to buf[len).  `whole` (may be
 * NULL) is the whole file with buf == whole + base, used to look at the
 * few bytes before buf[0]. */
typedef void (*wb_emit_fn)(void *ctx, const ds_finding *f);
typedef struct {
    const uint8_t *buf;
    size_t own, len;
    uint64_t base;
    const uint8_t *whole;
    size_t whole_len;
    wb_emit_fn emit;
    void *ctx;
} wb_chunk;

/* The prefilter kernels; all find the same candidates (tests and the fuzz
 * target compare them).  AUTO picks the fastest the CPU runs. */
typedef enum { WB_KERNEL_AUTO, WB_KERNEL_SCALAR, WB_KERNEL_SSE2, WB_KERNEL_AVX2 } wb_kernel;
int wb_kernel_available(wb_kernel k);
/* Returns 0, or -1 when kernel k is not available here. */
int wb_scan(const wb_chunk *c, wb_kernel k);

#endif
