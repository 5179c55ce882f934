/*
 * aes_schedule.c - AES key expansion, stored layouts, and the check of a
 * candidate schedule (see aes_schedule.h).
 */
#include "aes_schedule.h"

#include <string.h>

#include <openssl/crypto.h>

static const uint8_t sbox[256] = {
    0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76,
    0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0,
    0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
    0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75,
    0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84,
    0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
    0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8,
    0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2,
    0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
    0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb,
    0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
    0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
    0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a,
    0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e,
    0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
    0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16,
};

/* Rcon[i / nk] for i = nk .. 59: at most 10 values are used (AES-128). */
static const uint8_t rcon[11] = { 0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36 };

static inline uint32_t sub_word(uint32_t v)
{
    return (uint32_t)sbox[v >> 24] << 24 | (uint32_t)sbox[(v >> 16) & 0xff] << 16 |
           (uint32_t)sbox[(v >> 8) & 0xff] << 8 | sbox[v & 0xff];
}

static inline uint32_t rot_word(uint32_t v) { return v << 8 | v >> 24; }

static inline uint32_t ld_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t ld_le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline uint32_t ld_raw32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The non-linear term of w[i] = w[i-nk] ^ g(i, w[i-1]). */
static inline uint32_t g_term(int i, int nk, uint32_t prev)
{
    if (i % nk == 0)
        return sub_word(rot_word(prev)) ^ (uint32_t)rcon[i / nk] << 24;
    if (nk > 6 && i % nk == 4)
        return sub_word(prev);
    return prev;
}

void ds_aes_expand(const uint8_t *key, int nk, uint32_t *w)
{
    int n = ds_aes_nwords(nk);
    for (int i = 0; i < nk; i++)
        w[i] = ld_be32(key + 4 * i);
    for (int i = nk; i < n; i++)
        w[i] = w[i - nk] ^ g_term(i, nk, w[i - 1]);
}

/* Multiply each byte of v by x in GF(2^8). */
static inline uint32_t xtime4(uint32_t v)
{
    return (v & 0x7f7f7f7fu) << 1 ^ ((v >> 7) & 0x01010101u) * 0x1bu;
}

static inline uint32_t rot16(uint32_t v) { return v << 16 | v >> 16; }

/* b_r = 2a_r ^ 3a_(r+1) ^ a_(r+2) ^ a_(r+3) = a_r ^ t ^ 2(a_r ^ a_(r+1)),
 * t the XOR of the column. */
uint32_t ds_aes_mix_word(uint32_t v)
{
    uint32_t s = v ^ rot_word(v);
    return v ^ s ^ rot16(s) ^ xtime4(s);
}

/* InvMixColumns = MixColumns after a_r ^= 4(a_r ^ a_(r+2)). */
uint32_t ds_aes_inv_mix_word(uint32_t v)
{
    return ds_aes_mix_word(v ^ xtime4(xtime4(v ^ rot16(v))));
}

/* Stored word index t -> schedule word index; *imc set when InvMixColumns
 * was applied to it (decryption schedules: every round key but the first
 * and the last stored). */
static inline int stored_to_word(int t, int nk, int dir, int *imc)
{
    if (dir == DS_AES_ENC) {
        *imc = 0;
        return t;
    }
    int nr = nk + 6, r = t / 4;
    *imc = r >= 1 && r < nr;
    return 4 * (nr - r) + (t & 3);
}

static inline int word_to_stored(int i, int nk, int dir)
{
    if (dir == DS_AES_ENC)
        return i;
    return 4 * (nk + 6 - i / 4) + (i & 3);
}

static inline void st_word(uint8_t *p, uint32_t v, int order)
{
    if (order == DS_AES_ORDER_BYTES) {
        p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
    } else {
        p[3] = (uint8_t)(v >> 24); p[2] = (uint8_t)(v >> 16); p[1] = (uint8_t)(v >> 8); p[0] = (uint8_t)v;
    }
}

void ds_aes_store(const uint32_t *w, int nk, int dir, int order, uint8_t *out)
{
    int n = ds_aes_nwords(nk);
    for (int t = 0; t < n; t++) {
        int imc;
        uint32_t v = w[stored_to_word(t, nk, dir, &imc)];
        st_word(out + 4 * t, imc ? ds_aes_inv_mix_word(v) : v, order);
    }
}

static inline int pop32(uint32_t x)
{
#ifdef __POPCNT__
    return __builtin_popcount(x);
#else
    x -= (x >> 1) & 0x55555555u;
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    return (int)((((x + (x >> 4)) & 0x0f0f0f0fu) * 0x01010101u) >> 24);
#endif
}

void ds_aes_relations(int nk, int dir, ds_aes_rels *out)
{
    int n = ds_aes_nwords(nk);
    out->n = 0;
    for (int i = nk; i < n; i++) {
        int t0 = word_to_stored(i, nk, dir), t1 = word_to_stored(i - 1, nk, dir),
            t2 = word_to_stored(i - nk, nk, dir);
        if (dir == DS_AES_DEC) {
            int a, b, c;
            stored_to_word(t0, nk, dir, &a);
            stored_to_word(t1, nk, dir, &b);
            stored_to_word(t2, nk, dir, &c);
            if (a != b || a != c)
                continue;
        }
        ds_aes_rel *r = &out->r[out->n++];
        r->t0 = (uint8_t)t0;
        r->t1 = (uint8_t)t1;
        r->t2 = (uint8_t)t2;
        r->nonlinear = i % nk == 0 || (nk > 6 && i % nk == 4);
    }
}

unsigned ds_aes_rels_score(const uint8_t *p, const ds_aes_rels *rels, int from, int to,
                           unsigned limit)
{
    unsigned sum = 0;
    if (to > rels->n)
        to = rels->n;
    for (int k = from; k < to; k++) {
        const ds_aes_rel *r = &rels->r[k];
        uint32_t x = ld_raw32(p + 4 * r->t0) ^ ld_raw32(p + 4 * r->t1) ^ ld_raw32(p + 4 * r->t2);
        /* Where the relation has the S-box term, the linear part alone holds
         * with probability 2^-32 in a real schedule, and a few flipped bits
         * do not change that; in data built to satisfy the linear relations
         * everywhere it always holds. */
        if (r->nonlinear)
            sum += x ? 0 : DS_AES_ZERO_COST;
        else
            sum += (unsigned)pop32(x);
        if (sum > limit)
            return sum;
    }
    return sum;
}

unsigned ds_aes_linear_score(const uint8_t *p, int nk, int dir, unsigned limit)
{
    ds_aes_rels rels;
    ds_aes_relations(nk, dir, &rels);
    return ds_aes_rels_score(p, &rels, 0, rels.n, limit);
}

/* A key that is no secret: one byte repeated, few distinct bytes, or a
 * counting sequence such as SP 800-90A's CTR-DRBG derivation-function key
 * 00 01 02 .. 1f, which every OpenSSL process using RAND holds expanded. */
static int key_degenerate(const uint32_t *key, int nk)
{
    uint8_t b[32];
    for (int i = 0; i < nk; i++) {
        b[4 * i] = (uint8_t)(key[i] >> 24);
        b[4 * i + 1] = (uint8_t)(key[i] >> 16);
        b[4 * i + 2] = (uint8_t)(key[i] >> 8);
        b[4 * i + 3] = (uint8_t)key[i];
    }
    int nb = 4 * nk, arith = 1, distinct = 0;
    uint8_t seen[256] = { 0 };
    for (int i = 0; i < nb; i++) {
        if (i >= 2 && (uint8_t)(b[i] - b[i - 1]) != (uint8_t)(b[1] - b[0]))
            arith = 0;
        if (!seen[b[i]]++)
            distinct++;
    }
    OPENSSL_cleanse(b, sizeof b);
    OPENSSL_cleanse(seen, sizeof seen);
    return arith || distinct < nk;
}

/* Bits by which schedule word i (value v) differs from what is stored. */
static inline int word_distance(const uint32_t *stored, uint32_t v, int i, int nk, int dir)
{
    int t = word_to_stored(i, nk, dir), r = t / 4;
    if (dir == DS_AES_DEC && r >= 1 && r < nk + 6)
        v = ds_aes_inv_mix_word(v);
    return pop32(v ^ stored[t]);
}

/* Encryption schedules only: the bits by which the relations with an S-box
 * term fail, in total, cannot exceed 8 per flipped bit (a word is either a
 * plain term of two such relations, or the S-box input of one, changing at
 * most one output byte); junk that obeys the linear relations fails them
 * by about 16 bits each.  A sound, cheap test before the windows. */
static int sbox_terms_plausible(const uint32_t *w, int nk, int limit)
{
    int n = ds_aes_nwords(nk), sum = 0;
    for (int i = nk; i < n; i++) {
        if (i % nk != 0 && !(nk > 6 && i % nk == 4))
            continue;
        sum += pop32(w[i] ^ w[i - nk] ^ g_term(i, nk, w[i - 1]));
        if (sum > limit)
            return 0;
    }
    return 1;
}

int ds_aes_check(const uint8_t *p, int nk, int dir, int max_errors, ds_aes_match *m)
{
    int n = ds_aes_nwords(nk);
    uint32_t stored[DS_AES_MAX_WORDS], w[DS_AES_MAX_WORDS];
    uint32_t best_key[8] = { 0 };
    int best = max_errors + 1, best_order = 0;

    for (int order = 0; order < 2 && best > 0; order++) {
        for (int t = 0; t < n; t++)
            stored[t] = order == DS_AES_ORDER_BYTES ? ld_be32(p + 4 * t) : ld_le32(p + 4 * t);
        if (dir == DS_AES_ENC && !sbox_terms_plausible(stored, nk, 8 * max_errors))
            continue;
        for (int ws = 0; ws + nk <= n && best > 0; ws += 4) {
            /* The window: schedule words ws .. ws+nk-1 as stored (undoing
             * InvMixColumns); they match themselves exactly. */
            for (int i = ws; i < ws + nk; i++) {
                int imc, t = word_to_stored(i, nk, dir);
                uint32_t v = stored[t];
                stored_to_word(t, nk, dir, &imc);
                w[i] = imc ? ds_aes_mix_word(v) : v;
            }
            /* Run the expansion backwards to the key, then forwards to the
             * end, comparing each word as it is derived: junk stops at once. */
            int d = 0;
            for (int i = ws + nk - 1; i >= nk && d < best; i--) {
                w[i - nk] = w[i] ^ g_term(i, nk, w[i - 1]);
                d += word_distance(stored, w[i - nk], i - nk, nk, dir);
            }
            for (int i = ws + nk; i < n && d < best; i++) {
                w[i] = w[i - nk] ^ g_term(i, nk, w[i - 1]);
                d += word_distance(stored, w[i], i, nk, dir);
            }
            if (d < best) {
                best = d;
                best_order = order;
                memcpy(best_key, w, (size_t)nk * sizeof *w);
            }
        }
    }
    int found = best <= max_errors;
    if (found) {
        m->order = best_order;
        m->bit_errors = best;
        m->degenerate = key_degenerate(best_key, nk);
    }
    OPENSSL_cleanse(stored, sizeof stored);
    OPENSSL_cleanse(w, sizeof w);
    OPENSSL_cleanse(best_key, sizeof best_key);
    return found;
}
