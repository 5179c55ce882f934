/*
 * sweep.h - `dumpscrub scan` over many files: the file list (walk, shard),
 * the worker pool, per-file results, the resumable state file, the summary
 * by key and the progress line.  One idea per file:
 *
 *   sweep_files.c    collect the files under the given roots, with sizes
 *   shard.c          --shard K/N: which files belong to this worker
 *   sweep_result.c   one file's outcome (owned findings) and its printing
 *   sweep_pool.c     N files at once; spare threads go to large files
 *   sweep_state.c    --state FILE: finished files, append-only JSON Lines
 *   sweep_summary.c  the report by key fingerprint (table, JSON, merge)
 *   progress.c       files/bytes done, GB/s and ETA on a terminal
 *
 * Nothing here is global: every sweep owns its structures, so the scanner
 * library stays free of mutable global state.
 */
#ifndef DS_SWEEP_H
#define DS_SWEEP_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "finding.h"
#include "scan.h"

/* ---- the file list ---------------------------------------------------- */

typedef struct {
    char *path;          /* as walked (what reports print) */
    const char *rel;     /* points into path: relative to its root (shard hash) */
    uint64_t size;       /* on disk (compressed size for .gz/.zst/.xz) */
    int64_t mtime, mtime_ns;
    uint64_t ino;
    int is_stdin;
} sweep_file;

typedef struct {
    sweep_file *v;
    size_t n, cap;
} sweep_files;

/* Walk each root (a file, a directory tree or "-") and append its regular
 * files in walk order (sorted names, symlinks not followed).  Returns the
 * merged exit code of the walk (EXIT_USAGE for unreadable paths, already
 * reported on stderr). */
int sweep_files_collect(sweep_files *fl, const char *root);
void sweep_files_free(sweep_files *fl);

/* ---- sharding (shard.c) ----------------------------------------------- */

/* Parse "K/N" with 1 <= K <= N <= 1000000.  0, or -1 (bad syntax). */
int shard_parse(const char *s, unsigned *k, unsigned *n);
/* The shard (1..n) a relative path belongs to: the first 8 bytes of
 * SHA-256(rel), big-endian, modulo n, plus 1.  Independent of the machine,
 * the mount point and the walk order. */
unsigned shard_of(const char *rel, unsigned n);

/* ---- one file's outcome (sweep_result.c) ------------------------------- */

typedef struct {
    ds_finding *v;       /* strings (kind, detector, encoding, region) owned */
    size_t n;
    /* Archives only (else NULL): per finding, "ARCHIVE!member" and the
     * member's dump time. */
    char **fpath;
    int64_t *ftime;
    int rc;              /* EXIT_* of this file */
    int64_t time;        /* dump time: the dump's own, else the file's mtime */
    char *unproven;      /* "(FORMAT); every byte was scanned: PROBLEM", or NULL */
    int done;            /* finished (scanned or taken from the state) */
    int from_state;      /* taken from --state, not scanned in this run */
    char *out;           /* rendered stdout text (findings) */
    size_t out_len;
    char *err;           /* rendered stderr text (errors, warnings) */
    size_t err_len;
} sweep_result;

/* Deep-copy findings (their strings point into a dump about to be closed). */
int sweep_result_take(sweep_result *r, const ds_findings *f);
/* Add one finding whose strings are already owned copies. */
int sweep_result_push(sweep_result *r, const ds_finding *f);
/* Findings [from, n) came from an archive member: name and time them. */
int sweep_result_origin(sweep_result *r, size_t from, const char *path, int64_t time);
/* The path and dump time a finding is reported with. */
const char *sweep_result_path(const sweep_result *r, size_t i, const char *file_path);
int64_t sweep_result_time(const sweep_result *r, size_t i);
void sweep_result_free(sweep_result *r);

/* How findings are printed. */
typedef struct {
    int json;            /* JSON Lines, else the table */
    int quiet;           /* no warnings */
} sweep_fmt;

/* Render r's findings (and its warning, if any) into r->out / r->err. */
int sweep_result_render(sweep_result *r, const char *path, const sweep_fmt *fmt);
/* One table row (no header). */
void sweep_print_row(FILE *o, const char *path, const ds_finding *f);
/* The table header line. */
void sweep_print_header(FILE *o);

/* ---- resumable state (sweep_state.c) ----------------------------------- */

typedef struct sweep_state sweep_state;

/* Open (create) the state file, check that it was made with the same
 * options (`sig`: a one-line description of what changes findings), load
 * its records, cut a torn last line.  NULL after a message on stderr. */
sweep_state *sweep_state_open(const char *path, const char *sig);
/* If the state holds a record for this very file (same path, size, mtime
 * and inode), fill r from it (findings, exit code, time) and return 1. */
int sweep_state_lookup(sweep_state *st, const sweep_file *f, sweep_result *r);
/* Append the record of a finished file (thread-safe; fdatasync batched:
 * at most one per second, and at close).  0, or -1 on a write error. */
int sweep_state_append(sweep_state *st, const sweep_file *f, const sweep_result *r);
/* Sync and close; returns -1 if any write or sync failed. */
int sweep_state_close(sweep_state *st);

/* ---- summary by key (sweep_summary.c) ---------------------------------- */

typedef struct sweep_summary sweep_summary;

sweep_summary *sweep_summary_new(void);
void sweep_summary_free(sweep_summary *s);
/* Fingerprints of keys the user named (--known-keys): marked "known". */
int sweep_summary_mark_known(sweep_summary *s, const uint8_t fp[32]);
/* Mark every public key in a --known-keys PEM file (known_fp.c). 0/-1. */
int sweep_known_fingerprints(sweep_summary *s, const char *path);
/* Account one finished file. */
int sweep_summary_add(sweep_summary *s, const char *path, uint64_t bytes, const sweep_result *r);
/* Merge one summary JSON written by sweep_summary_write_json (merge). 0/-1. */
int sweep_summary_merge_json(sweep_summary *s, const char *file, char *err, size_t errlen);
/* Account findings read back from JSON Lines (merge without summaries). */
int sweep_summary_add_finding(sweep_summary *s, const char *path, const ds_finding *f);
/* The merged exit code of every file accounted. */
int sweep_summary_exit(const sweep_summary *s);
/* Human table (keys, dumps, first/last time, paths). */
void sweep_summary_print(const sweep_summary *s, FILE *o);
/* The summary as one JSON document (written atomically). 0, -1 + message. */
int sweep_summary_write_json(const sweep_summary *s, const char *path);
/* Counters shown in the summary. */
void sweep_summary_counts(const sweep_summary *s, uint64_t *files, uint64_t *scanned,
                          uint64_t *resumed);

/* ---- progress (progress.c) --------------------------------------------- */

typedef struct progress progress;

/* Start a progress line on stderr (only if stderr is a terminal and
 * enabled is set; otherwise a no-op object).  total_* may be 0. */
progress *progress_start(int enabled, uint64_t total_files, uint64_t total_bytes);
/* Account a finished file (thread-safe). */
void progress_done(progress *p, uint64_t bytes);
/* Run fn while the progress line is cleared (so output does not mix). */
void progress_lock(progress *p);
void progress_unlock(progress *p);
/* Stop and clear the line. */
void progress_stop(progress *p);

/* ---- the pool (sweep_pool.c) -------------------------------------------- */

typedef struct {
    const sweep_files *files;
    sweep_result *results;       /* one per file, index-aligned */
    const ds_scan_opts *opts;    /* opts->jobs ignored: see jobs */
    int jobs;                    /* threads in all */
    size_t mem_limit;            /* per file (compressed streams), 0 = default */
    /* Called on a pool thread when file i is finished (result filled). */
    void (*on_done)(size_t i, void *arg);
    void *arg;
} sweep_pool_opts;

/* Scan every file whose result is not done yet, `jobs` at a time (largest
 * first); a file of at least 16 MiB gets the threads no other file needs
 * at the time it starts.  Returns 0, or -1 when threads cannot start. */
int sweep_pool_run(const sweep_pool_opts *po);

/* Scan one file into r (used by the pool; jobs = threads inside it). */
void sweep_scan_file(const sweep_file *f, const ds_scan_opts *o, int jobs,
                     size_t mem_limit, sweep_result *r);
/* Scan one dump opened from open_path (a file or /dev/fd/N), reported as
 * shown; findings are appended to r and r->rc merged.  member: the name
 * for findings of an archive member (NULL for a plain file), with
 * dflt_time its time when the dump does not know its own. */
void sweep_scan_dump(const char *open_path, const char *shown, const char *member,
                     int64_t dflt_time, const ds_scan_opts *o, int jobs, size_t mem_limit,
                     sweep_result *r);

/* ---- archives (archive_scan.c) ------------------------------------------ */

/* Does the name say .zip / .tar / .tar.gz / .tgz / .tar.zst / .tar.xz /
 * .tar.bz2 / .tbz2 / .txz? */
int sweep_is_archive_name(const char *path);
/* Scan every regular member of an archive, streamed through libarchive
 * into the normal scan path; findings are named "ARCHIVE!member". */
void sweep_scan_archive(const sweep_file *f, const ds_scan_opts *o, int jobs,
                        size_t mem_limit, sweep_result *r);

/* ---- the whole sweep (sweep_run.c) ------------------------------------- */

typedef struct {
    char *const *roots;          /* files, directories, "-" */
    int nroots;
    const ds_scan_opts *opts;
    int jobs;                    /* 0 = online CPUs */
    sweep_fmt fmt;
    int sort;                    /* print files in walk order */
    unsigned shard_k, shard_n;   /* 0/0: every file */
    const char *state_path;      /* --state, or NULL */
    const char *state_sig;       /* the options the state must match */
    const char *summary_json;    /* --summary-json, or NULL */
    const char *known_path;      /* --known-keys, or NULL */
    int summary;                 /* 1 print the table, 0 never, -1 when > 1 file */
    int progress;                /* allow the progress line (stderr a terminal) */
} sweep_run_opts;

/* Scan every file of the roots as `dumpscrub scan` does; returns the
 * merged exit code (DESIGN.md). */
int sweep_run(const sweep_run_opts *ro);

/* ---- merge ------------------------------------------------------------- */
int cmd_merge(int argc, char **argv);

#endif
