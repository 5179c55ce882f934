/*
 * rsamem.h - internals of the rsamem detector (RSA private keys in their
 * in-memory form: limb arrays of the crypto library's big integers).
 *
 *   rsamem_bignum.c  find OpenSSL BIGNUM headers {d, top, dmax, neg, flags}
 *                    and follow d through the region map to the limbs
 *   rsamem_blind.c   group candidates into keys with word arithmetic
 *                    (p*q = n mod 2^64 via a hash of n's low word), lone
 *                    primes / lone d against known moduli, bare windows
 *   detect_rsamem.c  the detector: per-worker state, verification, emission
 */
#ifndef DS_RSAMEM_H
#define DS_RSAMEM_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/bn.h>

#include "detector.h"
#include "known_keys.h"

#define RM_MIN_BITS 256        /* smallest private component considered (RSA-512 prime) */
#define RM_MAX_BITS 8192       /* largest (RSA-8192 modulus / d) */
#define RM_MAX_BYTES (RM_MAX_BITS / 8)
#define RM_MAX_CANDS 4096      /* per chunk */

/* One big integer found in the dump: its limb array in the file. */
typedef struct {
    uint64_t off;       /* file offset of the limb array */
    uint64_t hdr;       /* file offset of the BIGNUM header that pointed to it */
    uint32_t limbs;     /* BIGNUM top */
    uint32_t bits;      /* bit length of the value */
    uint64_t lo;        /* low 64 bits of the value */
    uint64_t hi;        /* the 64 bits below the top set bit (prefilter for equality) */
} rm_cand;

/* What the scan functions need to know about the dump and the bytes. */
typedef struct {
    const uint8_t *whole;   /* whole file, or NULL when streaming */
    size_t whole_len;
    const ds_dump *dump;
    int ws, be;             /* word size 4/8, big-endian words */
    uint64_t vmin, vmax;    /* range of mapped vaddrs (fast pointer reject) */
    /* the current chunk */
    const uint8_t *buf;
    size_t own, len;
    uint64_t base;
} rm_view;

/* Bytes of [off, off+n) of the file, or NULL when not available. */
const uint8_t *rm_bytes(const rm_view *v, uint64_t off, size_t n);

/* The stretch of the chunk from position i that lies in one region (or
 * one gap between regions): returns the first position >= i aligned to
 * the word size in the process's address space (file alignment in gaps),
 * sets *end (exclusive, <= len, > i) and *mem (1: process memory). */
size_t rm_segment(const rm_view *v, size_t i, size_t *end, int *mem);

/* Scan buf[from, to) of the chunk (from word-aligned, see rm_segment) for BIGNUM headers; append candidates
 * (limb arrays of RM_MIN_BITS..RM_MAX_BITS) to out[*n..max).  Returns the
 * number of headers that passed the cheap structural filter. */
size_t rm_find_bignums(const rm_view *v, size_t from, size_t to, rm_cand *out,
                       size_t *n, size_t max);

/* Little-endian byte string of a candidate's value into tmp (at least
 * RM_MAX_BYTES + 8); returns its length. */
size_t rm_cand_le(const rm_view *v, const rm_cand *c, uint8_t *tmp);
/* The value as a BIGNUM (secure heap); NULL on failure. */
BIGNUM *rm_cand_bn(const rm_view *v, const rm_cand *c, uint8_t *tmp);
/* Fill bits/lo/hi of a candidate from its LE bytes. */
void rm_cand_stats(rm_cand *c, const uint8_t *le, size_t n);

/* ---- key assembly (detect_rsamem.c) -------------------------------------- */
typedef struct rm_state rm_state;

/* A key was proven: n with p (q may be NULL) or with d alone.  Emits every
 * private component found among the chunk's candidates and as bare limb
 * arrays in the chunk.  `where` is a window already known to hold p (or d):
 * emitted with detector id `det`.  Returns 1 if the key verified. */
int rm_key_found(rm_state *st, ds_scan *s, const rm_view *v, const BIGNUM *n,
                 const BIGNUM *e, const BIGNUM *p, const BIGNUM *d,
                 const rm_cand *cands, size_t ncand);

/* ---- grouping (rsamem_blind.c) ------------------------------------------- */
/* Group candidates: prime pairs whose product is a candidate modulus, lone
 * primes dividing a candidate modulus, and candidates that are private
 * components of a known key. */
void rm_group(rm_state *st, ds_scan *s, const rm_view *v, rm_cand *c, size_t n,
              const ds_known_keys *known);
/* Known-modulus search over bare windows of the chunk's own bytes (LE limbs
 * and BE bytes at 8-aligned positions).  Returns the number of windows that
 * reached a big-number test. */
size_t rm_known_windows(rm_state *st, ds_scan *s, const rm_view *v,
                        const ds_known_keys *known);

/* Per-worker scratch shared by the helpers. */
BN_CTX *rm_bnctx(rm_state *st);
uint8_t *rm_tmp(rm_state *st, int which);   /* which = 0..2, RM_MAX_BYTES+8 each */
/* Has this modulus (low word + bits) already been handled in this chunk? */
int rm_seen(rm_state *st, uint64_t lo, int bits, int add);

#endif
