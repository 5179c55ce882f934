/*
 * cli.h - subcommands of the dumpscrub command and what they share.
 */
#ifndef DS_CLI_H
#define DS_CLI_H

#include <stddef.h>

/* Exit codes (fixed; ../shared/docs/DESIGN.md). */
enum {
    EXIT_CLEAN = 0,        /* checked, nothing at or above the threshold */
    EXIT_FOUND = 1,        /* secrets found */
    EXIT_USAGE = 2,        /* usage or I/O error */
    EXIT_UNPROVEN = 3      /* structure not fully read: not proven clean */
};

#define DS_VERSION "0.1.0"

int cmd_info(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_scrub(int argc, char **argv);
int cmd_gate(int argc, char **argv);
int cmd_rules(int argc, char **argv);
/* crash hook: cmd_hook.c, hook_install.c */
int cmd_hook(int argc, char **argv);
int cmd_install_hook(int argc, char **argv);
int cmd_uninstall_hook(int argc, char **argv);

/* Combine per-file outcomes into one exit code: found beats error beats
 * unproven beats clean, so no script can mistake a failure for "clean". */
int exit_merge(int a, int b);

/* Walk PATH (file or directory, recursively, not following symlinks) and
 * call fn for every regular file, in sorted order.  Returns the merged
 * exit code of the calls, EXIT_USAGE for unreadable paths. */
int walk_paths(const char *path, int (*fn)(const char *file, void *arg), void *arg);

/* Print "dumpscrub: " + message to stderr. */
void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
