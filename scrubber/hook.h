/*
 * hook.h - the crash hook's job: a core arriving on a pipe, scrubbed with
 * bounded memory, published only once clean.
 *
 *   pass 1  the stream -> scan engine (ds_stream) and, at the same time,
 *           an encrypted anonymous spool (spool.h); the first bytes (ELF
 *           header, program headers, notes of a kernel core) are kept to
 *           read the structure that labels findings;
 *   keys    the bytes of every key found are read back from the spool and
 *           their private components go into an echo search (echo.c);
 *   pass 2  the spool, record by record: echo search (a window that
 *           overlaps the next record by more than the longest component),
 *           redaction of every finding and echo, a second scan of the
 *           redacted bytes when anything was redacted (verification),
 *           compression, a hidden temp in the output directory; published
 *           (safe_output.c) only if the verification found nothing.
 *
 * A core that fits in the first buffer (max_memory / 4, at most 64 MiB)
 * is done in memory: one scan with the whole dump as context, no spool.
 *
 * Memory: that buffer, one scan window
 * (chunk + overlap, twice when verifying), a few 1 MiB records and the
 * encoder, whatever the core's size.
 */
#ifndef DS_HOOK_H
#define DS_HOOK_H

#include "scrub.h"

typedef struct {
    int in_fd;                /* the core stream (the kernel's pipe) */
    int dirfd;                /* the output directory, already checked */
    const char *name;         /* the output's file name in it */
    const char *meta_name;    /* the metadata-only file name (on error) */
    ds_compression comp;      /* of the output */
    size_t max_memory;        /* budget for buffers (bytes) */
    ds_confidence min_conf;   /* scrub findings at or above (LIKELY) */
    ds_fill fill;
    int metadata_on_error;    /* 1: on error store header + notes, never memory */
    const struct ds_ruleset *rules;
    /* Labels from /proc/PID while the process exists (may be NULL): called
     * once the structure is read, before the scan starts. */
    void (*label)(ds_dump *d, void *arg);
    void *label_arg;
} ds_hook_opts;

typedef struct {
    int rc;                   /* 0 published a scrubbed core; -1 failed */
    char err[512];
    const char *stage;        /* "read", "spool", "scan", "write", "verify", "publish" */
    const char *outcome;      /* "scrubbed" (something removed), "clean", "metadata-only", "dropped" */
    ds_dump dump;             /* the structure read from the first bytes */
    int structure_complete;
    ds_findings found;        /* structural findings at min_conf (stream) */
    ds_findings echoes;       /* other copies of their keys */
    size_t echo_keys;
    uint64_t in_size;         /* bytes read from the stream */
    uint64_t out_size;        /* bytes of the published file */
    uint64_t redacted;        /* bytes overwritten */
    int verified;             /* the redacted bytes were scanned again: clean */
    int published;            /* the scrubbed core is under opts.name */
    int spooled;              /* too big for memory: went through the encrypted spool */
    int meta_published;       /* the metadata-only file is under opts.meta_name */
    double t_pass1, t_pass2;  /* seconds: stream -> scan + spool; spool -> output */
} ds_hook_result;

void ds_hook_opts_init(ds_hook_opts *o);
/* Run the whole job; returns r->rc.  Free r with ds_hook_result_free. */
int ds_hook_run(const ds_hook_opts *o, ds_hook_result *r);
void ds_hook_result_free(ds_hook_result *r);

/* Metadata-only copy of a kernel ELF core from its first bytes: the ELF
 * header, program headers and notes, every PT_LOAD given p_filesz 0 (no
 * memory at all).  *out is malloc'd.  0, or -1 when the prefix is not a
 * 64-bit native-endian ELF core or does not hold all its notes. */
int ds_core_metadata(const uint8_t *prefix, size_t len, uint8_t **out, size_t *outlen);

#endif
