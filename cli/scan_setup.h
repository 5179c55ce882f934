/*
 * scan_setup.h - what scrub and gate share with scan for their scans:
 * the pattern rules (default pack + --rules) and --known-keys, so that a
 * dump the scanner flags is never passed or left unscrubbed by them.
 */
#ifndef DS_SCAN_SETUP_H
#define DS_SCAN_SETUP_H

#include "known_keys.h"
#include "rules.h"

/* The default rule pack (unless defaults is 0) plus every path, compiled.
 * A missing default pack is a warning; a broken rule file is an error.
 * 0 with *out set (NULL when there are no rules at all), or -1. */
int cli_rules_load(ds_ruleset **out, int defaults, const char *const *paths, int n, int quiet);

/* The options scan, scrub and gate share, parsed and loaded one way. */
typedef struct {
    const char *rule_paths[64];
    int nrules;
    int no_default_rules;
    const char *known_path;
    ds_ruleset *rules;        /* after cli_scan_args_load */
    ds_known_keys *known;
} cli_scan_args;

enum { CLI_OPT_RULES = 0x1000, CLI_OPT_NORULES, CLI_OPT_KNOWN };
/* Their getopt_long entries, for each command's option table. */
#define CLI_SCAN_LONGOPTS \
    { "rules", required_argument, NULL, CLI_OPT_RULES }, \
    { "no-default-rules", no_argument, NULL, CLI_OPT_NORULES }, \
    { "known-keys", required_argument, NULL, CLI_OPT_KNOWN }

/* Take one CLI_OPT_* option: 0, or -1 after a usage message. */
int cli_scan_arg(cli_scan_args *a, int opt, const char *arg);
/* Load the rule pack(s) and known keys: 0, or -1 after a message. */
int cli_scan_args_load(cli_scan_args *a, int quiet);
/* Release what was loaded (after the last finding that names a rule). */
void cli_scan_args_free(cli_scan_args *a);

#endif
