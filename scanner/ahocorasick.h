/*
 * ahocorasick.h - multi-literal search: the prefilter of the rules detector.
 *
 * Aho-Corasick automaton over case-folded bytes (ASCII A-Z fold to a-z;
 * every other byte, NUL included, is itself), compiled to a DFA over a
 * reduced alphabet (byte classes), with a skip loop in front: while the
 * automaton is in its root state, positions whose two-byte pair cannot
 * begin any pattern are skipped by one 16-bit load and one bitmap test.
 * Patterns must be at least 3 bytes long.
 *
 * Case-sensitivity is the caller's business: the automaton reports every
 * folded match; a caller that wants exact case compares the original bytes.
 * No global state; a built automaton is read-only and can be shared by
 * threads.
 */
#ifndef DS_AHOCORASICK_H
#define DS_AHOCORASICK_H

#include <stddef.h>
#include <stdint.h>

typedef struct ds_ac ds_ac;

/* Build from n patterns (pats[i], lens[i] bytes, each >= 3).  NULL on ENOMEM
 * or a pattern shorter than 3 bytes. */
ds_ac *ds_ac_build(const uint8_t *const *pats, const size_t *lens, size_t n);
void ds_ac_free(ds_ac *ac);

/* Called for every match: pattern id, start offset (of buf).  Return nonzero
 * to stop the search. */
typedef int (*ds_ac_cb)(void *ctx, uint32_t pat, size_t start);

/* Report every occurrence of every pattern that starts in buf[0 .. own) and
 * ends within buf[0 .. len).  Returns 1 if the callback stopped the search. */
int ds_ac_search(const ds_ac *ac, const uint8_t *buf, size_t own, size_t len,
                 ds_ac_cb cb, void *ctx);

/* Number of automaton states (for tests and benchmarks). */
size_t ds_ac_states(const ds_ac *ac);

#endif
