/*
 * api_int.h - what the files of the public API (lib/api_*.c) share: the
 * contents of the opaque handles of include/dumpscrub.h.  libdumpscrub is a
 * thin layer over scanner/ and scrubber/; nothing here is exported.
 */
#ifndef DS_API_INT_H
#define DS_API_INT_H

#include "dumpscrub.h"
#include "dumpfile.h"
#include "known_keys.h"
#include "rules.h"
#include "scan.h"
#include "scrub.h"

struct dumpscrub_options {
    int min_conf;            /* report threshold */
    int scrub_conf;          /* scrub threshold */
    int jobs;
    int default_rules;
    char **rule_paths;       /* --rules equivalents, in order */
    size_t nrule_paths;
    ds_ruleset *rules;       /* compiled from the above (NULL: no rules at all) */
    ds_known_keys *known;
    ds_fill fill;
    char err[1024];
};

struct dumpscrub_dump {
    int from_memory;         /* 1: mem/mem_len + mdump; 0: f */
    ds_dumpfile f;
    const uint8_t *mem;
    size_t mem_len;
    ds_dump mdump;
    int mread_rc;
    int consumed;            /* a streamed dump was scanned */
    char err[512];
};

/* The defaults when the caller passes no options (built once, read-only). */
const dumpscrub_options *api_default_options(void);

/* The dump's bytes when they are all in memory, else NULL. */
const uint8_t *api_dump_bytes(const dumpscrub_dump *d, size_t *len);
/* The dump's structure (labels the findings). */
const ds_dump *api_dump_structure(const dumpscrub_dump *d);

/* Scan d with o at threshold min into out (sorted, labelled).  A status:
 * 0, or a negative DUMPSCRUB_E* with d->err set. */
int api_scan_findings(dumpscrub_dump *d, const dumpscrub_options *o, int min,
                      ds_findings *out);
/* Hand every finding of fs to cb.  0 or DUMPSCRUB_EABORT. */
int api_deliver(const ds_findings *fs, dumpscrub_finding_cb cb, void *ctx);

/* Set d->err (printf-style); returns code. */
int api_fail(dumpscrub_dump *d, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
