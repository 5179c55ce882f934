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

#endif
