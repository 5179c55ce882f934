/*
 * gate.h - the pre-upload gate (`dumpscrub gate`), internal to the CLI:
 *   cmd_gate.c         options, one file's verdict and action, output, summary
 *   gate_watch.c       --watch: inotify, settle, overflow rescans
 *   gate_seen.c        the versions already handled (never handle one twice)
 *   gate_quarantine.c  moving a dirty dump into the quarantine directory
 */
#ifndef DS_GATE_H
#define DS_GATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "finding.h"

typedef enum { GATE_REJECT, GATE_SCRUB, GATE_QUARANTINE } gate_action;
typedef enum { OUT_PASS, OUT_SCRUBBED, OUT_QUARANTINED, OUT_REJECTED, OUT_ERROR, OUT_N } gate_outcome;

/* A version of a file: (dev, inode, size, mtime).  A file written again is
 * a new version and is handled again; a file renamed is not. */
typedef struct {
    uint64_t dev, ino, size;
    int64_t mtime_sec;
    long mtime_nsec;
    int used;
} gate_key;

typedef struct {
    gate_key *v;
    size_t n, cap;      /* open addressing; cap is a power of two */
} gate_seen;

int gate_seen_has(const gate_seen *s, const struct stat *st);
int gate_seen_add(gate_seen *s, const struct stat *st);   /* 0, -1 on ENOMEM */
void gate_seen_free(gate_seen *s);

typedef struct {
    gate_action action;
    const char *qdir;
    struct stat qdir_st;
    int json, quiet;
    int watching;       /* a file still changing is retried, not an error */
    ds_confidence min_conf;
    int jobs;
    int settle_ms;
    const struct ds_ruleset *rules;        /* as `scan` loads them */
    const struct ds_known_keys *known;
    unsigned long count[OUT_N];
    unsigned long files;
    unsigned long unhandled;   /* --watch stopped before these were complete */
    gate_seen seen;
    int wake[2];        /* the signal handler writes to wake[1] */
} gate;

/* Handle one file now (verdict, action, one output line).  Returns 1 if it
 * was handled, 0 if skipped (not a regular file, our own temp, a version
 * already handled), 2 if it changed while being checked and g->watching
 * (nothing printed: the caller tries again later). */
int gate_file(gate *g, const char *path);
/* Is someone holding path open for writing?  (A read lease cannot be
 * taken then.)  1 busy, 0 not busy or unknown. */
int gate_busy(const char *path);
/* Run the watch loop until SIGINT/SIGTERM (0) or until no directory is
 * left to watch / setup fails (-1). */
int gate_watch(gate *g, char **dirs, int ndirs);
/* List the regular, non-temp files directly in dir, sorted.  NULL-
 * terminated array of "dir/name" strings; NULL on error (errno). */
char **gate_list_dir(const char *dir);
void gate_free_list(char **list);

/* Move path into qdir (same name, ".1", ".2"... if taken): rename, or
 * copy + fsync + unlink across filesystems.  dest gets the new path. */
int gate_quarantine(const char *qdir, const char *path, char *dest, size_t destlen,
                    char *err, size_t errlen);

#endif
