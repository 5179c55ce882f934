/*
 * scan.h - the scan engine: runs every detector over every byte of a dump,
 * in chunks that overlap by the longest structure any detector can match,
 * then deduplicates, filters by confidence and labels findings from the
 * dump's region map.
 */
#ifndef DS_SCAN_H
#define DS_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "detector.h"
#include "dump.h"
#include "finding.h"

typedef struct {
    ds_confidence min_confidence;          /* report threshold (default POSSIBLE) */
    int jobs;                              /* worker threads within one file; <=1 = one */
    const ds_detector *const *detectors;   /* NULL-terminated; NULL = ds_detectors */
    size_t chunk_size;                     /* 0 = default (4 MiB) */
    const struct ds_known_keys *known;     /* --known-keys moduli (known_keys.h); NULL = none */
    const struct ds_ruleset *rules;        /* pattern rules (rules.h); NULL = no rules */
} ds_scan_opts;

typedef struct {
    ds_finding *v;
    size_t n, cap;
} ds_findings;

void ds_scan_opts_init(ds_scan_opts *o);

/* Scan a dump held entirely in memory (normally an mmap of the file).
 * `d` labels the findings (pass a RAW dump when nothing better is known).
 * Findings are sorted by offset, deduplicated, labelled and filtered by
 * o->min_confidence.  Returns 0, or -1 on ENOMEM (out is still valid). */
int ds_scan_memory(const uint8_t *buf, size_t len, const ds_dump *d,
                   const ds_scan_opts *o, ds_findings *out);

/* The same for buf = an mmap of the whole of the regular file fd: each
 * worker reads its chunks with pread() into its own buffer, and the
 * mapping serves only the detectors' random reads (pointers followed
 * through the region map, windows around a rule hit).  Touching every
 * page of a mapping costs page faults and TLB misses that a copy into one
 * reused buffer does not: on the test VM 1.07 s against 0.25 s of CPU for
 * a 1 GiB core (bench/RESULTS.md). */
int ds_scan_mapped_file(const uint8_t *buf, size_t len, int fd, const ds_dump *d,
                        const ds_scan_opts *o, ds_findings *out);

void ds_findings_free(ds_findings *f);
/* Append a copy of x (the array grows by doubling).  0, or -1 on ENOMEM. */
int ds_findings_push(ds_findings *f, const ds_finding *x);

/* Streaming: feed the file's bytes in order; findings are appended to
 * `out` as soon as they are final.  ds_stream_final_offset() tells how far
 * the stream's bytes can no longer be touched by any future finding (the
 * crash hook writes out everything before it). */
typedef struct ds_stream ds_stream;
ds_stream *ds_stream_new(const ds_dump *d, const ds_scan_opts *o, ds_findings *out);
int ds_stream_feed(ds_stream *st, const uint8_t *buf, size_t len);
int ds_stream_finish(ds_stream *st);
uint64_t ds_stream_final_offset(const ds_stream *st);
void ds_stream_free(ds_stream *st);

#endif
