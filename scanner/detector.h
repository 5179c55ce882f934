/*
 * detector.h - the one interface every detector implements.
 *
 * The engine cuts the file into chunks.  For each chunk it calls
 * scan(state, s, buf, own, len, base): the detector looks for structures
 * that START in buf[0 .. own) and may read up to buf[len) (own + overlap,
 * the overlap being at least every detector's max_span, cut at the end of
 * the file).  `base` is the file offset of buf[0].  A structure longer than
 * max_span is not guaranteed to be seen whole.
 *
 * Rules: no global mutable state (all of it lives in the per-worker state
 * from open()); no allocation per byte; cheap prefilter first (memchr,
 * memmem, magic numbers), expensive checks (OpenSSL, PCRE2) on survivors;
 * every read bounded by `len`; buffers that held candidate secrets are
 * cleansed (OPENSSL_cleanse) before they are freed or reused.
 */
#ifndef DS_DETECTOR_H
#define DS_DETECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "dump.h"
#include "finding.h"

typedef struct ds_scan ds_scan;   /* per-file scan context (engine-owned) */

typedef struct ds_detector {
    const char *name;        /* short id, e.g. "der", "pem" */
    size_t max_span;         /* longest structure it can match, in bytes */
    /* Per-worker state; NULL allowed.  Return NULL with *err set on ENOMEM. */
    void *(*open)(ds_scan *s, int *err);
    void (*scan)(void *state, ds_scan *s, const uint8_t *buf, size_t own,
                 size_t len, uint64_t base);
    void (*close)(void *state);
} ds_detector;

/* Report a finding (thread-safe).  offset/length are absolute file offsets. */
void ds_emit(ds_scan *s, const ds_finding *f);
/* The dump model of the file being scanned (never NULL; may be RAW). */
const ds_dump *ds_scan_dump(const ds_scan *s);
/* The whole file when it is mapped in memory (NULL when streaming).  Lets a
 * detector follow pointers through the region map to other offsets. */
const uint8_t *ds_scan_whole(const ds_scan *s, size_t *len);
/* Bytes [off, off+n) of the file (absolute offset): from the whole file
 * when it is mapped, else from the chunk buf (file offset base, len
 * bytes); NULL when they are not all there.  For detectors that follow
 * pointers through the region map. */
static inline const uint8_t *ds_file_bytes(const uint8_t *whole, size_t whole_len,
                                           const uint8_t *buf, uint64_t base, size_t len,
                                           uint64_t off, size_t n)
{
    if (whole)
        return off > whole_len || n > whole_len - off ? NULL : whole + off;
    if (off < base || off - base > len || n > len - (off - base))
        return NULL;
    return buf + (off - base);
}
/* The --known-keys moduli (known_keys.h), NULL when none were given. */
const struct ds_known_keys *ds_scan_known(const ds_scan *s);
/* The pattern rules (rules.h) of the scan, NULL when none were given. */
struct ds_ruleset;
const struct ds_ruleset *ds_scan_rules(const ds_scan *s);

/* The registry (scanner/detectors.c): NULL-terminated. */
extern const ds_detector *const ds_detectors[];

#endif
