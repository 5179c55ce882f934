/*
 * dumpscrub.h - the public C API of libdumpscrub.
 *
 * libdumpscrub finds private keys and other secrets in crash dumps (Linux
 * ELF cores, minidumps, anything else as raw bytes), verifies keys with
 * OpenSSL, names each by the SHA-256 fingerprint of its public key, and
 * writes scrubbed copies.  It is what the dumpscrub(1) command does, for
 * programs (crash reporters) that want it in-process.
 *
 * Build and link:   cc app.c $(pkg-config --cflags --libs dumpscrub)
 *
 * Conventions (as in SQLite):
 *  - Every object is an opaque handle created by a *_new / dumpscrub_open_*
 *    function and released by the matching *_free / dumpscrub_close.
 *    Passing NULL to a release function is harmless.
 *  - Functions that can fail return an int status: DUMPSCRUB_OK (0) or a
 *    positive result on success, a negative DUMPSCRUB_E* code on failure.
 *    dumpscrub_errstr() names a code; dumpscrub_errmsg() gives the last
 *    detailed one-line message of a handle.
 *  - No finding, message or error ever contains a secret byte: only where
 *    the secret is, what it is, and the fingerprint of its public half.
 *  - Handles are independent: different handles may be used in different
 *    threads at the same time; one handle must not be used by two threads
 *    at once.  An options handle may be shared by concurrent scans once it
 *    has been used for one scan (it is not changed by scanning).
 *  - The library never changes process-wide state (signals, rlimits,
 *    dumpability).  A process that holds dumps with secrets should make
 *    itself non-dumpable (prctl(PR_SET_DUMPABLE, 0)) as dumpscrub(1) does.
 *
 * Only the symbols declared here are exported by libdumpscrub.so.0.
 */
#ifndef DUMPSCRUB_H
#define DUMPSCRUB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- version --------------------------------------------------------- */

/* The version of the header: "MAJOR.MINOR.PATCH", and as a number
 * MAJOR * 1000000 + MINOR * 1000 + PATCH. */
#define DUMPSCRUB_VERSION "0.1.0"
#define DUMPSCRUB_VERSION_NUMBER 1000

/* The version of the library actually loaded (may be newer than the header
 * the program was compiled with; the soname changes only when the ABI
 * breaks). */
const char *dumpscrub_version(void);
/* The loaded library's version as MAJOR * 1000000 + MINOR * 1000 + PATCH. */
int dumpscrub_version_number(void);

/* ---- status codes ---------------------------------------------------- */

/* Results of a scan or scrub (>= 0), equal to the exit codes of
 * dumpscrub(1). */
#define DUMPSCRUB_OK         0   /* success; for a scan: nothing found (clean) */
#define DUMPSCRUB_CLEAN      0   /* checked, nothing at or above the threshold */
#define DUMPSCRUB_FOUND      1   /* scan: secrets found (beats UNPROVEN) */
#define DUMPSCRUB_UNPROVEN   3   /* the dump's structure could not be fully read:
                                    every byte was scanned, but it is not proven
                                    clean (treat it as dirty) */
/* Errors (< 0). */
#define DUMPSCRUB_EINVAL    (-1) /* bad argument (NULL handle, value out of range) */
#define DUMPSCRUB_EIO       (-2) /* the dump could not be opened or read, or the
                                    output could not be written */
#define DUMPSCRUB_ENOMEM    (-3) /* out of memory */
#define DUMPSCRUB_ERULES    (-4) /* a rule file or known-keys file is invalid */
#define DUMPSCRUB_EVERIFY   (-5) /* scrub: the scrubbed copy still held secrets;
                                    nothing was written */
#define DUMPSCRUB_ESTATE    (-6) /* the dump was streamed and is consumed: it can
                                    be scanned only once, and not scrubbed */
#define DUMPSCRUB_EUNSUPP   (-7) /* not supported for this input (a compressed
                                    memory buffer) */
#define DUMPSCRUB_EABORT    (-8) /* the finding callback asked to stop */

/* A static, human-readable name for a status code ("clean", "secrets found",
 * "out of memory", ...); "unknown status" for codes not listed above. */
const char *dumpscrub_errstr(int code);

/* ---- confidence ------------------------------------------------------ */

#define DUMPSCRUB_CONF_POSSIBLE 1 /* heuristic only */
#define DUMPSCRUB_CONF_LIKELY   2 /* right structure, cannot be verified */
#define DUMPSCRUB_CONF_VERIFIED 3 /* OpenSSL or exact arithmetic proves it */

/* "verified", "likely", "possible"; NULL for another value. */
const char *dumpscrub_confidence_name(int confidence);

/* ---- options --------------------------------------------------------- */

typedef struct dumpscrub_options dumpscrub_options;

/* New options with the defaults of `dumpscrub scan`: report threshold
 * possible, scrub threshold likely, one thread, the default rule pack
 * (found as dumpscrub-rules(5) says), no extra rules, no known keys,
 * fill byte 00.  NULL when out of memory. */
dumpscrub_options *dumpscrub_options_new(void);
/* Release the options (after the last scan that uses them). */
void dumpscrub_options_free(dumpscrub_options *o);

/* Report findings at or above this DUMPSCRUB_CONF_* level.  0 or EINVAL. */
int dumpscrub_options_set_min_confidence(dumpscrub_options *o, int confidence);
/* dumpscrub_scrub_to_fd() overwrites findings at or above this level
 * (default DUMPSCRUB_CONF_LIKELY, as `dumpscrub scrub`).  0 or EINVAL. */
int dumpscrub_options_set_scrub_confidence(dumpscrub_options *o, int confidence);
/* Threads scanning one dump, 1 to 256.  0 or EINVAL. */
int dumpscrub_options_set_jobs(dumpscrub_options *o, int jobs);
/* Load the default rule pack (1, the default) or not (0).  0 or EINVAL. */
int dumpscrub_options_set_default_rules(dumpscrub_options *o, int on);
/* Add a rule file, or a directory of *.rules files (dumpscrub-rules(5)).
 * Rules are compiled at once: ERULES with the reason (file:line: message)
 * in dumpscrub_options_errmsg().  0, EINVAL, ENOMEM or ERULES. */
int dumpscrub_options_add_rules(dumpscrub_options *o, const char *path);
/* PEM certificates / public keys whose RSA private components are looked
 * for in any in-memory form (as `scan --known-keys`); replaces an earlier
 * file.  0, EINVAL or ERULES. */
int dumpscrub_options_set_known_keys(dumpscrub_options *o, const char *path);
/* The pattern written over secrets by a scrub: 1 to 32 bytes, repeated from
 * the first byte of each span (default one zero byte).  0 or EINVAL. */
int dumpscrub_options_set_fill(dumpscrub_options *o, const void *pattern, size_t len);
/* The last error message of an options call, "" if none. */
const char *dumpscrub_options_errmsg(const dumpscrub_options *o);

/* ---- dumps ----------------------------------------------------------- */

typedef struct dumpscrub_dump dumpscrub_dump;

/* Open the dump at path ("-": standard input) and read its structure.
 * gzip, zstd and xz files are decompressed in memory (streams larger than
 * 256 MiB are scanned as a stream: once, and they cannot be scrubbed).
 * On success *out is a new handle and the result is 0; on failure *out is
 * NULL and the result is EINVAL, EIO or ENOMEM (a message is lost with the
 * handle: use dumpscrub_open_path_err() to get it). */
int dumpscrub_open_path(dumpscrub_dump **out, const char *path);
/* As dumpscrub_open_path(), with a one-line message in err (errlen bytes,
 * may be 0) on failure. */
int dumpscrub_open_path_err(dumpscrub_dump **out, const char *path, char *err, size_t errlen);
/* Open the dump readable from fd (a regular file or a pipe;
 * compressed or not).  The fd is not closed and its file offset is not
 * used: the file is opened again through /proc/self/fd, which must be
 * mounted.  A pipe is read to its end.  Results as dumpscrub_open_path(). */
int dumpscrub_open_fd(dumpscrub_dump **out, int fd);
/* Use len bytes at buf as the dump (not compressed: EUNSUPP for gzip, zstd
 * or xz data).  The bytes are not copied: they must stay valid and
 * unchanged until dumpscrub_close().  Results: 0, EINVAL, ENOMEM, EUNSUPP. */
int dumpscrub_open_memory(dumpscrub_dump **out, const void *buf, size_t len);
/* Release a dump and everything it holds (buffers that held dump bytes are
 * cleansed). */
void dumpscrub_close(dumpscrub_dump *d);

/* The dump's format: "elf-core", "minidump" or "raw". */
const char *dumpscrub_dump_format(const dumpscrub_dump *d);
/* Bytes of the (decompressed) dump known so far: its whole size, except
 * for a streamed dump before its scan. */
uint64_t dumpscrub_dump_size(const dumpscrub_dump *d);
/* 1 if the structure was read completely, 0 if not (the dump can then be
 * scanned, but never be proven clean). */
int dumpscrub_dump_complete(const dumpscrub_dump *d);
/* The last error message of a call on d, "" if none. */
const char *dumpscrub_errmsg(const dumpscrub_dump *d);

/* ---- findings -------------------------------------------------------- */

/* One finding, valid only during the callback that receives it (copy what
 * you keep).  Never holds a secret byte.  New members are only ever added
 * at the end. */
typedef struct dumpscrub_finding {
    const char *kind;        /* "rsa-private-key", "token", ... (dumpscrub(1) KINDS) */
    const char *detector;    /* "der-pkcs8", "pem", a rule id, "echo", ... */
    int confidence;          /* DUMPSCRUB_CONF_* */
    int bits;                /* key size in bits, 0 if unknown */
    uint64_t offset;         /* offset of the first sensitive byte in the
                                (decompressed) dump */
    uint64_t length;         /* number of sensitive bytes */
    int has_vaddr;           /* vaddr is known */
    uint64_t vaddr;          /* virtual address of the first sensitive byte */
    const char *region;      /* memory region label ("[heap]", a file...), or NULL */
    const char *encoding;    /* "der", "pem", "pem-utf16le", "json"..., or NULL */
    int has_fingerprint;     /* fingerprint is known */
    unsigned char fingerprint[32];  /* SHA-256 of the DER SubjectPublicKeyInfo */
    const char *fingerprint_str;    /* "sha256:<64 hex>", or NULL */
} dumpscrub_finding;

/* Called once per finding, in increasing offset order.  Return 0 to go on,
 * anything else to stop (the call then returns DUMPSCRUB_EABORT). */
typedef int (*dumpscrub_finding_cb)(void *ctx, const dumpscrub_finding *f);

/* ---- scan and scrub -------------------------------------------------- */

/* Scan every byte of d with the options o (NULL: defaults) and call cb (may
 * be NULL) for every finding at or above the report threshold.
 * Returns DUMPSCRUB_CLEAN, DUMPSCRUB_FOUND or DUMPSCRUB_UNPROVEN (nothing
 * found, but the structure was not fully read), or a negative error: EIO
 * (reading a stream failed), ENOMEM, ERULES (the default rule pack or a
 * rule file failed to load), ESTATE (a streamed dump scanned twice),
 * EABORT.  A dump opened from a path, a regular file or memory may be
 * scanned any number of times. */
int dumpscrub_scan(dumpscrub_dump *d, const dumpscrub_options *o,
                   dumpscrub_finding_cb cb, void *ctx);

/* Write d to out_fd (uncompressed) with the bytes of every finding at or
 * above the scrub threshold overwritten by the fill pattern, after
 * searching the dump for every other copy of each key found (detector
 * "echo").  The copy is built in memory, scanned again, and written only if
 * nothing at the threshold is left in it (else EVERIFY and nothing is
 * written).  cb (may be NULL) is called for every finding scrubbed.
 * Returns DUMPSCRUB_OK (scrubbed, or nothing found, and verified clean),
 * DUMPSCRUB_UNPROVEN (written, but the structure was not fully read), or
 * EIO, ENOMEM, ERULES, EVERIFY, ESTATE (a streamed dump), EABORT.  Needs
 * memory for one copy of the dump. */
int dumpscrub_scrub_to_fd(dumpscrub_dump *d, const dumpscrub_options *o, int out_fd,
                          dumpscrub_finding_cb cb, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* DUMPSCRUB_H */
