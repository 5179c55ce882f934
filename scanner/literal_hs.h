/*
 * literal_hs.h - the rules' keyword prefilter on Hyperscan (Intel's SIMD
 * multi-literal matcher, Debian's libhyperscan5): the same contract as
 * ds_ac_search (ahocorasick.h), several times its speed.
 *
 * On the 1 GiB test core with the default pack (131 literals, ASCII and
 * UTF-16LE, most case-insensitive) Hyperscan runs at 7.1 GB/s where the
 * Aho-Corasick prefilter written here ran at 1.8 GB/s (bench/RESULTS.md).
 * The automaton stays as the fallback where Hyperscan cannot run (a CPU
 * without SSSE3, or a build for another architecture).
 *
 * A compiled set is read-only and shared by threads; each thread scans
 * with its own scratch.
 */
#ifndef DS_LITERAL_HS_H
#define DS_LITERAL_HS_H

#include <stddef.h>
#include <stdint.h>

#include "ahocorasick.h"

typedef struct ds_hs ds_hs;
typedef struct ds_hs_scratch ds_hs_scratch;

/* Compile n literals (pats[i], lens[i] bytes, NULs allowed); nocase[i]
 * makes ASCII letters of pattern i match either case.  Returns NULL when
 * this CPU cannot run Hyperscan or on an error (message in err). */
ds_hs *ds_hs_build(const uint8_t *const *pats, const size_t *lens, const int *nocase, size_t n,
                   char *err, size_t errlen);
void ds_hs_free(ds_hs *h);

/* Per-thread scratch; NULL on ENOMEM. */
ds_hs_scratch *ds_hs_scratch_new(const ds_hs *h);
void ds_hs_scratch_free(ds_hs_scratch *s);

/* Report every occurrence of every literal that starts in buf[0 .. own)
 * and ends within buf[0 .. len): pattern id and start.  The literals
 * without a NUL byte come first, then those with one (UTF-16LE forms),
 * each group in order of the match's end.  Returns 1 if the callback
 * stopped the search, -1 on a Hyperscan error. */
int ds_hs_search(const ds_hs *h, ds_hs_scratch *s, const uint8_t *buf, size_t own, size_t len,
                 ds_ac_cb cb, void *ctx);

#endif
