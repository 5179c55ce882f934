/*
 * hook_cli.h - what the parts of `dumpscrub hook` share:
 *   cmd_hook.c      options, hardening, the output directory, the run
 *   hook_proc.c     /proc/PID context (labels, cmdline, values for %p %E
 *                   %c ...), the specifiers, --pipe-to
 *   hook_log.c      the outcome: syslog, --log-file, the JSON report
 *   hook_install.c  install-hook / uninstall-hook (core_pattern, sysctl.d)
 */
#ifndef DS_HOOK_CLI_H
#define DS_HOOK_CLI_H

#include <stdint.h>
#include <sys/types.h>

#include "hook.h"

#define HOOK_STATE_DIR "/var/lib/dumpscrub"
#define HOOK_PREV_FILE "previous-core-pattern"

/* What the kernel told us (the specifiers after --) and what /proc/PID
 * added while the crashed process still existed. */
typedef struct {
    const char *P, *i, *u, *g, *s, *t, *e;   /* as given; never NULL */
    char exe_safe[64];       /* %e reduced to [A-Za-z0-9._-] for file names */
    char ns_pid[24];         /* %p: the pid in its own namespace */
    char core_limit[40];     /* %c: RLIMIT_CORE soft limit */
    char exe_path[4096];     /* %E: the executable's path, '/' -> '!' */
    char host[256];          /* %h */
    char *maps;              /* /proc/PID/maps (malloc'd) or NULL */
    char *cmdline;           /* NUL-separated args joined with spaces, or NULL */
} hook_ctx;

/* Read /proc/<ctx->P> while the process exists. */
void hook_proc_read(hook_ctx *c);
void hook_proc_free(hook_ctx *c);
/* ds_hook_opts.label: regions without a label get one from the maps. */
void hook_proc_label(ds_dump *d, void *ctx);

/* Run the --pipe-to command (template with % specifiers, split on blanks;
 * the program must be an absolute path) and feed it the published core,
 * decompressed, on its stdin.  Returns the child's exit status (0 ok), or
 * -1 with a message in err. */
int hook_pipe_to(const char *tmpl, const hook_ctx *c, int dirfd, const char *name,
                 char *err, size_t errlen);
/* The previous handler saved by install-hook ("|CMD ARGS" -> "CMD ARGS"),
 * in buf; 0, or -1 if there is none or it is not a pipe. */
int hook_previous_pipe(const char *state_dir, char *buf, size_t len);

/* Outcome reporting. */
typedef struct {
    const hook_ctx *ctx;
    const ds_hook_result *r;
    const char *file;        /* published name (scrubbed or metadata) or NULL */
    double seconds;
    long peak_rss_kib;
    const char *pipe_note;   /* "", or what --pipe-to did */
} hook_outcome;

/* Open the log channels (syslog always; log_file when given). */
void hook_log_open(const char *log_file);
/* A line to syslog and the log file, never a secret. */
void hook_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The one summary line of a run. */
void hook_log_outcome(const hook_outcome *o);
/* The JSON report, published under NAME in report_dirfd.  0 or -1. */
int hook_report_write(int report_dirfd, const char *name, const hook_outcome *o);

/* Open a directory without following any symlink on the way (each
 * component with O_NOFOLLOW); create missing components (0700) if create.
 * fd, or -1 with a message. */
int hook_open_dir(const char *path, int create, char *err, size_t errlen);

#endif
