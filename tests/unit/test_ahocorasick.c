/*
 * test_ahocorasick.c - the multi-literal prefilter (scanner/ahocorasick.c)
 * against a naive search: random pattern sets (with shared prefixes,
 * suffixes of each other, duplicates, NUL bytes, letters in both cases)
 * over random texts built from a small alphabet (so patterns occur often),
 * with `own` cut anywhere; every (pattern, start) pair reported must be
 * exactly the naive set, each once; the same for the Hyperscan
 * prefilter (literal_hs.c) that replaces the automaton where it runs.  Also a big-pattern-set stress with
 * the SIMD paths. block borders.
 */
#include "check.h"
#include "ahocorasick.h"
#include "literal_hs.h"

#include <stdint.h>
#include <string.h>

/* xorshift; state in the caller (no global mutable state) */
static uint64_t next_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static uint8_t fold(uint8_t c) { return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c; }

typedef struct {
    uint8_t *seen;   /* npat x len */
    size_t len;
    size_t reported, dup, bad;
} hits;

static int on_match(void *ctx, uint32_t pat, size_t start)
{
    hits *h = ctx;
    size_t k = (size_t)pat * h->len + start;
    if (h->seen[k] == 1)
        h->seen[k] = 2;
    else if (h->seen[k] == 2)
        h->dup++;
    else
        h->bad++;
    h->reported++;
    return 0;
}

#define MAXPAT 200   /* > AC_TEDDY_MAX: both SIMD filters are exercised */
#define MAXLEN 4000

int main(void)
{
    static uint8_t pats[MAXPAT][16];
    static uint8_t text[MAXLEN];
    static uint8_t seen[MAXPAT * MAXLEN];
    const uint8_t *pp[MAXPAT];
    size_t lens[MAXPAT];
    uint64_t rs = 0x9e3779b97f4a7c15ull;
    const char alpha[] = "abAB\0xy:/";
    int all_ok = 1, hs_ok = 1, rounds = 0;
    size_t total = 0;
    for (int round = 0; round < 400; round++) {
        size_t np = 1 + next_rand(&rs) % MAXPAT;
        for (size_t i = 0; i < np; i++) {
            lens[i] = 3 + next_rand(&rs) % 6;
            if (i && next_rand(&rs) % 4 == 0) {   /* derive from an earlier pattern */
                size_t j = next_rand(&rs) % i;
                memcpy(pats[i], pats[j], lens[j]);
                if (lens[i] > lens[j])
                    for (size_t k = lens[j]; k < lens[i]; k++)
                        pats[i][k] = (uint8_t)alpha[next_rand(&rs) % 9];
            } else {
                for (size_t k = 0; k < lens[i]; k++)
                    pats[i][k] = (uint8_t)alpha[next_rand(&rs) % 9];
            }
            pp[i] = pats[i];
        }
        size_t len = 1 + next_rand(&rs) % MAXLEN;
        for (size_t k = 0; k < len; k++)
            text[k] = next_rand(&rs) % 16 == 0 ? (uint8_t)(next_rand(&rs) & 0xff)
                                                : (uint8_t)alpha[next_rand(&rs) % 9];
        size_t own = next_rand(&rs) % 3 == 0 ? len : next_rand(&rs) % (len + 1);
        ds_ac *ac = ds_ac_build(pp, lens, np);
        if (!ac) {
            all_ok = 0;
            break;
        }
        memset(seen, 0, np * len);
        size_t want = 0;
        for (size_t i = 0; i < np; i++)
            for (size_t st = 0; st < own && st + lens[i] <= len; st++) {
                size_t k = 0;
                while (k < lens[i] && fold(text[st + k]) == fold(pats[i][k]))
                    k++;
                if (k == lens[i]) {
                    seen[i * len + st] = 1;
                    want++;
                }
            }
        hits h = { seen, len, 0, 0, 0 };
        ds_ac_search(ac, text, own, len, on_match, &h);
        size_t missed = 0;
        for (size_t k = 0; k < np * len; k++)
            missed += seen[k] == 1;
        if (missed || h.dup || h.bad || h.reported != want) {
            printf("FAIL ac round %d: np=%zu len=%zu own=%zu want=%zu got=%zu missed=%zu dup=%zu bad=%zu\n",
                   round, np, len, own, want, h.reported, missed, h.dup, h.bad);
            all_ok = 0;
        }
        /* Hyperscan, every pattern case-insensitive: the same set. */
        int nocase[MAXPAT];
        for (size_t i = 0; i < np; i++)
            nocase[i] = 1;
        char err[256];
        ds_hs *hs = ds_hs_build(pp, lens, nocase, np, err, sizeof err);
        ds_hs_scratch *sc = hs ? ds_hs_scratch_new(hs) : NULL;
        if (!sc) {
            printf("FAIL hs round %d: %s\n", round, hs ? "no scratch" : err);
            hs_ok = 0;
        } else {
            for (size_t k = 0; k < np * len; k++)
                if (seen[k] == 2)
                    seen[k] = 1;
            hits g = { seen, len, 0, 0, 0 };
            ds_hs_search(hs, sc, text, own, len, on_match, &g);
            missed = 0;
            for (size_t k = 0; k < np * len; k++)
                missed += seen[k] == 1;
            if (missed || g.dup || g.bad || g.reported != want) {
                printf("FAIL hs round %d: np=%zu len=%zu own=%zu want=%zu got=%zu missed=%zu dup=%zu bad=%zu\n",
                       round, np, len, own, want, g.reported, missed, g.dup, g.bad);
                hs_ok = 0;
            }
        }
        ds_hs_scratch_free(sc);
        ds_hs_free(hs);
        total += want;
        rounds++;
        ds_ac_free(ac);
    }
    CHECK("ahocorasick: 400 random rounds equal the naive search", all_ok && rounds == 400);
    CHECK("hyperscan: 400 random rounds equal the naive search", hs_ok && rounds == 400);
    CHECK("ahocorasick: the rounds found matches at all", total > 1000);

    /* short patterns are refused */
    const uint8_t *two[1] = { (const uint8_t *)"ab" };
    size_t twol[1] = { 2 };
    CHECK("ahocorasick: a 2-byte pattern is refused", ds_ac_build(two, twol, 1) == NULL);

    /* a match exactly at the end, and one straddling `own` */
    const uint8_t *one[1] = { (const uint8_t *)"KEY" };
    size_t onel[1] = { 3 };
    ds_ac *ac = ds_ac_build(one, onel, 1);
    static uint8_t big[100];
    memset(big, 'z', sizeof big);
    memcpy(big + 97, "key", 3);
    memcpy(big + 40, "kEy", 3);
    memset(seen, 0, sizeof big);
    seen[97] = seen[40] = 1;
    hits h = { seen, sizeof big, 0, 0, 0 };
    ds_ac_search(ac, big, sizeof big, sizeof big, on_match, &h);
    CHECK("ahocorasick: matches at the very end and mid-block, any case",
          h.reported == 2 && seen[97] == 2 && seen[40] == 2);
    memset(seen, 0, sizeof big);
    seen[40] = 1;
    h = (hits){ seen, sizeof big, 0, 0, 0 };
    ds_ac_search(ac, big, 41, sizeof big, on_match, &h);
    CHECK("ahocorasick: a match starting before own but ending after it is reported",
          h.reported == 1 && seen[40] == 2);
    ds_ac_free(ac);
    CHECK_DONE();
}
