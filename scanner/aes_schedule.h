/*
 * aes_schedule.h - AES key expansion (FIPS-197 5.2), the equivalent inverse
 * cipher schedule (FIPS-197 5.3.5), the layouts real code stores them in,
 * and the exact / bit-error-tolerant check of a candidate schedule.
 *
 * Words are handled as FIPS values: w = b0<<24 | b1<<16 | b2<<8 | b3 for the
 * key bytes b0..b3.  In memory they appear in one of two byte orders:
 *   DS_AES_ORDER_BYTES  the expanded key as a byte string (AES-NI / ARMv8
 *                       code, byte-oriented C such as mbedTLS or Linux'
 *                       generic code): the bytes of w, most significant first;
 *   DS_AES_ORDER_U32LE  32-bit words of the FIPS values stored little-endian
 *                       (OpenSSL's aes_core.c, Go's crypto/aes on x86/arm64):
 *                       each 4-byte group reversed.
 * An encryption schedule stores the 4*(Nr+1) words in order.  A decryption
 * schedule (OpenSSL AES_set_decrypt_key, aesni_set_decrypt_key, Go, Linux)
 * stores the round keys (4-word blocks) in reverse order, InvMixColumns
 * applied to every block but the first and the last.
 *
 * No state; every table is static const.
 */
#ifndef DS_AES_SCHEDULE_H
#define DS_AES_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#define DS_AES_MAX_WORDS 60          /* AES-256: 4 * (14 + 1) */
#define DS_AES_MAX_BYTES 240
/* Default bound on bit errors for a `likely` (not exact) schedule. */
#define DS_AES_MAX_BIT_ERRORS 8

enum { DS_AES_ORDER_BYTES = 0, DS_AES_ORDER_U32LE = 1 };
enum { DS_AES_ENC = 0, DS_AES_DEC = 1 };

/* Number of words of the schedule for a key of nk words (4, 6 or 8). */
static inline int ds_aes_nwords(int nk) { return 4 * (nk + 7); }

/* Expand a key of nk words (nk = 4, 6, 8; 4*nk bytes) into w[4*(nk+7)]. */
void ds_aes_expand(const uint8_t *key, int nk, uint32_t *w);

/* Store schedule w (from ds_aes_expand) as it appears in memory: `dir`
 * DS_AES_ENC/DEC, `order` DS_AES_ORDER_*; writes 16*(nk+7) bytes. */
void ds_aes_store(const uint32_t *w, int nk, int dir, int order, uint8_t *out);

/* MixColumns / InvMixColumns of one column (FIPS word value). */
uint32_t ds_aes_mix_word(uint32_t v);
uint32_t ds_aes_inv_mix_word(uint32_t v);

/*
 * Cheap, byte-order-free score of a candidate schedule at p (16*(nk+7)
 * bytes readable): the number of bits by which the linear relations
 * w[i] = w[i-1] ^ w[i-nk] that hold in the stored form fail (for a decryption
 * schedule: those among round keys that all had InvMixColumns applied, or
 * none, since InvMixColumns is linear).  Each flipped bit of a real schedule
 * adds at most 3.  Where the relation has an S-box term, the linear part
 * holding exactly (never in a real schedule, always in data crafted to pass
 * the linear test) costs DS_AES_ZERO_COST.  Stops counting once above `limit`.
 */
#define DS_AES_ZERO_COST 8
unsigned ds_aes_linear_score(const uint8_t *p, int nk, int dir, unsigned limit);

/* The same, from a table of the relations built once (stored word indexes:
 * w[t0] ^ w[t1] ^ w[t2] = 0, or with an S-box term when `nonlinear`), over
 * relations [from, to) of the table, so that callers can interleave checks. */
typedef struct {
    uint8_t t0, t1, t2, nonlinear;
} ds_aes_rel;
typedef struct {
    int n;
    ds_aes_rel r[DS_AES_MAX_WORDS];
} ds_aes_rels;
void ds_aes_relations(int nk, int dir, ds_aes_rels *out);
unsigned ds_aes_rels_score(const uint8_t *p, const ds_aes_rels *rels, int from, int to,
                           unsigned limit);

typedef struct {
    int order;        /* DS_AES_ORDER_* of the best match */
    int bit_errors;   /* Hamming distance to the nearest real schedule */
    int degenerate;   /* the key is all one byte, a counting sequence or has
                       * too few distinct bytes: not a secret */
} ds_aes_match;

/*
 * Full check of a candidate at p (16*(nk+7) bytes readable), both byte
 * orders: the key is recovered from every 4-word-aligned window of nk words
 * (any error-free window gives the right key: the schedule can be inverted),
 * re-expanded, laid out as stored and compared bit by bit.  Returns 1 and
 * fills *m when the nearest schedule is within max_errors bits (0 = exact);
 * 0 otherwise.  The recovered key never leaves this function.
 */
int ds_aes_check(const uint8_t *p, int nk, int dir, int max_errors, ds_aes_match *m);

/* For tests and benchmarks (scanner/detect_aes.c): the stage-1 prefilter.
 * kernel -1: the one the detector uses (the widest the CPU has);
 * 0: portable SWAR; 1: AVX2; 2: AVX-512BW (a kernel the CPU lacks falls
 * back to SWAR).  Tests the
 * 32-byte vectors at q, q+32, ... below end; returns the first that passes
 * or a value >= end.  Needs q >= 32 and end - 1 + 72 <= length of buf. */
int ds_aes_stage1_kernels(void);
size_t ds_aes_stage1(int kernel, const uint8_t *buf, size_t q, size_t end);

#endif
