/*
 * scrub.h - removing what the scanner found, without losing the dump.
 *
 *   redact.c       findings -> sorted, merged byte spans; fill patterns;
 *                  redaction of a buffer; copy-with-redaction to an fd
 *   echo.c         every other copy of a key found: its private components
 *                  (big/little-endian, hex) anywhere in the dump
 *   compress.c     streaming gzip / zstd / xz encoders (the decoders are
 *                  scanner/decompress.c)
 *   sink.c         an output fd, optionally behind an encoder
 *   hash.c         SHA-256 of a file on a helper thread (off the scan path)
 *   safe_output.c  crash-safe publication: hidden temp (O_TMPFILE where the
 *                  filesystem has it), fsync, rename, fsync the directory;
 *                  signal handlers; cleanup of stale temps
 *   scrub_file.c   the whole job for one file: scan, redact, verify, publish
 *
 * Offsets are always offsets in the (decompressed) dump, as in ds_finding.
 */
#ifndef DS_SCRUB_H
#define DS_SCRUB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "dump.h"
#include "finding.h"
#include "scan.h"
#include "source.h"

/* Results of ds_scrub_file(), equal to the fixed exit codes (DESIGN.md). */
enum { DS_SCRUB_OK = 0, DS_SCRUB_ERROR = 2, DS_SCRUB_UNPROVEN = 3 };

/* ---- redaction plan (redact.c) ------------------------------------------ */

typedef struct {
    uint64_t off, len;
} ds_span;

typedef struct {
    ds_span *v;
    size_t n, cap;
} ds_spans;

#define DS_FILL_MAX 32
typedef struct {
    uint8_t b[DS_FILL_MAX];
    size_t n;               /* >= 1 */
} ds_fill;

/* One zero byte. */
void ds_fill_default(ds_fill *f);
/* "00", "cc", "deadbeef" (1..DS_FILL_MAX bytes of hex).  0 or -1. */
int ds_fill_parse(ds_fill *f, const char *hex);
/* The pattern as hex (out: at least 2*DS_FILL_MAX+1 bytes). */
void ds_fill_hex(const ds_fill *f, char *out);

/* Spans of every finding at or above min, clipped to size, sorted and
 * merged where they overlap or touch.  0, or -1 on ENOMEM. */
int ds_spans_build(ds_spans *s, const ds_findings *f, ds_confidence min, uint64_t size);
void ds_spans_free(ds_spans *s);
uint64_t ds_spans_bytes(const ds_spans *s);
/* Is [a, b) inside one span of s (NULL or empty: no)? */
int ds_spans_contain(const ds_spans *s, uint64_t a, uint64_t b);

/* Overwrite the bytes of buf (dump bytes [base, base + len)) that fall in a
 * span.  The pattern restarts at each span's first byte.  Calls must come
 * in increasing base order; *cursor (start at 0) remembers the first span
 * that can still matter. */
void ds_redact_buf(uint8_t *buf, size_t len, uint64_t base, const ds_spans *s,
                   size_t *cursor, const ds_fill *fill);

/* Copy the first `size` bytes of fd_in to fd_out with every span
 * overwritten.  Unchanged stretches go through copy_file_range (page
 * cache to page cache; holes of a sparse core stay holes);
 * span bytes are written from the fill pattern, so the original secret
 * bytes are never copied to fd_out, not even for a moment.  0, or -1 with
 * a message in err. */
int ds_redact_copy_file(int fd_in, uint64_t size, const ds_spans *s,
                        const ds_fill *fill, int fd_out, char *err, size_t errlen);

/* ---- echoes of keys found (echo.c) -------------------------------------- */

typedef struct ds_echo ds_echo;
ds_echo *ds_echo_new(void);
/* Parse the key behind finding f (its bytes in dump: DER, PEM text, also
 * UTF-16LE or JSON-escaped, a CAPI/PVK/CNG key blob, an OpenSSH, PuTTY or
 * JWK text) and add its private components to the search.  A verified
 * finding with nothing to parse (BIGNUM limbs, an AES key schedule) adds
 * its own bytes (up to 4 KiB).  Other keys that cannot be parsed
 * (encrypted) add nothing.  0, or -1 on ENOMEM. */
int ds_echo_add_finding(ds_echo *e, const uint8_t *dump, size_t dump_len, const ds_finding *f);
/* Number of keys whose components are searched for. */
size_t ds_echo_keys(const ds_echo *e);
/* Append a finding (detector "echo", the key's kind and fingerprint) for
 * every run of 16+ bytes of a component in buf, except runs inside `skip`
 * (may be NULL).  d labels the findings (may be NULL).  0 or -1 (ENOMEM). */
int ds_echo_scan(const ds_echo *e, const uint8_t *buf, size_t len, const ds_dump *d,
                 const ds_spans *skip, ds_findings *out);
void ds_echo_free(ds_echo *e);
/* Add the bytes of a finding that is itself a secret with no key structure
 * to parse (in-memory BIGNUM limbs, an AES key schedule) as one component:
 * its other copies (registers saved in the notes, stale buffers) are found
 * like a parsed key's.  Counts as one key.  0 or -1 (ENOMEM). */
int ds_echo_add_raw(ds_echo *e, const uint8_t *p, size_t n, const ds_finding *f);

/* ---- encoders (compress.c) ----------------------------------------------- */

typedef struct ds_encoder ds_encoder;
/* level 0 = the format's usual default (gzip 6, zstd 3, xz 6). */
ds_encoder *ds_encoder_new(ds_compression c, int level);
/* Compress in[0, inlen); finish=1 once the input is complete.  Returns 1
 * when finish was asked and everything is flushed, 0 to be called again
 * (more input or more output room), -1 on error. */
int ds_encoder_run(ds_encoder *e, const uint8_t *in, size_t inlen, int finish,
                   size_t *consumed, uint8_t *out, size_t outlen, size_t *produced);
void ds_encoder_free(ds_encoder *e);

/* ---- output sink (sink.c) ------------------------------------------------ */

typedef struct {
    int fd;
    ds_encoder *enc;          /* NULL: plain */
    uint8_t *obuf;
    size_t ocap;
    uint64_t plain_in;        /* bytes given to ds_sink_write */
    uint64_t written;         /* bytes written to fd */
    char *err;
    size_t errlen;
} ds_sink;

int ds_sink_init(ds_sink *k, int fd, ds_compression c, int level, char *err, size_t errlen);
int ds_sink_write(ds_sink *k, const uint8_t *p, size_t n);
int ds_sink_finish(ds_sink *k);
void ds_sink_free(ds_sink *k);
/* write() all of p, retrying on EINTR/short writes.  0 or -1 (errno). */
int ds_write_all(int fd, const void *p, size_t n);

/* ---- hashing on a helper thread (hash.c) -------------------------------- */

typedef struct ds_hasher ds_hasher;
/* Start hashing bytes [0, size) of fd (read with pread: the caller's file
 * offset is untouched).  NULL on failure to start. */
ds_hasher *ds_hash_start(int fd, uint64_t size);
/* Wait for the result.  0 with out filled, -1 on a read error. Frees h. */
int ds_hash_finish(ds_hasher *h, uint8_t out[32]);
void ds_sha256_hex(const uint8_t d[32], char out[65]);

/* ---- crash-safe output (safe_output.c) ---------------------------------- */

typedef struct {
    int fd;                   /* the temp file, O_RDWR */
    int dirfd;
    char *target;             /* as given, for messages */
    char *name;               /* target's name within dirfd */
    char tmp[256];            /* hidden name ".NAME.dumpscrub-XXXXXX" once it has one */
    int anonymous;            /* O_TMPFILE: no name until ds_safe_commit links it */
    int has_name;
} ds_safe_out;

typedef struct {
    mode_t mode;              /* final permission bits */
    int set_owner;            /* fchown to uid/gid where permitted */
    uid_t uid;
    gid_t gid;
} ds_safe_attrs;

/* Create the hidden temp in target's directory (mode 0600).  0 or -1. */
int ds_safe_open(ds_safe_out *o, const char *target, char *err, size_t errlen);
/* A path that opens the temp again (read-only), for verification. */
void ds_safe_reopen_path(const ds_safe_out *o, char *buf, size_t len);
/* fsync the data: surfaces ENOSPC/EIO of delayed allocation before any
 * verification or publication.  0 or -1. */
int ds_safe_sync(ds_safe_out *o, char *err, size_t errlen);
/* Set owner and mode, give the temp its name if it has none, rename it
 * over the target, fsync the directory.  0; -1: the target is as it was
 * and the temp is removed; -2: published, but the directory's fsync failed
 * (the rename may not survive a crash). */
int ds_safe_commit(ds_safe_out *o, const ds_safe_attrs *a, char *err, size_t errlen);
/* Remove the temp (if any) and release everything.  Safe after commit. */
void ds_safe_abort(ds_safe_out *o);

/* SIGINT/SIGTERM/SIGHUP.  graceful=0 (scrub): remove the active temp and
 * die by the signal at once.  graceful=1 (gate): the first signal only sets
 * a flag and writes a byte to wake_fd (if >= 0) so the caller can finish
 * the current file and stop; a second one acts as graceful=0.  Either way
 * SIGXFSZ is ignored so that RLIMIT_FSIZE is an EFBIG error, not a kill. */
void ds_safe_signals(int graceful, int wake_fd);
/* The signal that asked to stop (graceful mode), 0 if none. */
int ds_safe_stop_requested(void);

/* Is name one of our temps (".X.dumpscrub-XXXXXX")? */
int ds_safe_is_temp_name(const char *name);
/* Remove our own temps in dir whose mtime is older than max_age seconds
 * (left by a SIGKILL or a crash of the named-temp fallback).  Returns the
 * number removed, -1 if dir cannot be read. */
int ds_safe_clean_stale(const char *dir, time_t max_age);
#define DS_STALE_AGE 3600

/* ---- one file, end to end (scrub_file.c) ------------------------------- */

#define DS_COMPRESS_KEEP (-1)

typedef struct {
    const char *in;
    const char *out;          /* NULL: in place */
    ds_confidence min_conf;   /* scrub findings at or above (default LIKELY) */
    ds_fill fill;
    int compress;             /* DS_COMPRESS_KEEP or a ds_compression */
    int level;                /* 0: default of the format */
    int jobs;                 /* scan threads */
    int want_hashes;          /* SHA-256 of input and output (for a report) */
    const struct ds_ruleset *rules;        /* pattern rules for the scans (NULL: none) */
    const struct ds_known_keys *known;     /* --known-keys (NULL: none) */
} ds_scrub_opts;

typedef struct {
    int rc;                   /* DS_SCRUB_OK / _ERROR / _UNPROVEN */
    char err[512];            /* one line when rc == DS_SCRUB_ERROR */
    const char *stage;        /* where it failed: "open", "scan", "write", "verify", ... */
    ds_dump dump;             /* the input's structure (labels the findings) */
    ds_findings found;        /* findings at the threshold: what was scrubbed */
    int structure_complete;
    ds_compression in_comp, out_comp;
    uint64_t in_size;         /* file sizes on disk */
    uint64_t out_size;
    uint64_t dump_size;       /* decompressed bytes */
    uint64_t redacted;        /* bytes overwritten */
    int have_hashes;
    uint8_t in_sha[32], out_sha[32];
    int written;              /* a new file was published under the target name */
    int unchanged;            /* in place and nothing to do: the file was not touched */
    int verified;             /* the output was scanned again and is clean */
    int structure_changed;    /* the output's structure no longer reads the same */
    int input_changed;        /* the input was modified while being scrubbed */
    size_t remaining;         /* verification: findings left in the output */
    size_t echo_keys;         /* keys whose other copies were searched for */
    int echo_skipped;         /* the dump was streamed: no echo search */
    struct stat in_st;        /* the input as it was scanned */
    struct stat out_st;       /* the published file (the gate skips it) */
} ds_scrub_result;

void ds_scrub_opts_init(ds_scrub_opts *o);
/* Scan o->in, overwrite the findings' bytes, scan the result again and
 * publish it atomically (see safe_output.c).  Fills r (free it with
 * ds_scrub_result_free) and returns r->rc. */
int ds_scrub_file(const ds_scrub_opts *o, ds_scrub_result *r);
void ds_scrub_result_free(ds_scrub_result *r);

#endif
