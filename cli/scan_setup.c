/*
 * scan_setup.c - rules for scrub and gate, loaded as `scan` loads them.
 */
#include "scan_setup.h"
#include "cli.h"

int cli_rules_load(ds_ruleset **out, int defaults, const char *const *paths, int n, int quiet)
{
    char err[1024], def[4096];
    *out = NULL;
    const char *dp = defaults ? ds_rules_default_path(def, sizeof def) : NULL;
    if (defaults && !dp && !quiet)
        errmsg("warning: default rule pack not found (set DUMPSCRUB_RULES); "
               "working without pattern rules");
    if (!dp && !n)
        return 0;
    ds_ruleset *rs = ds_ruleset_new();
    if (!rs) {
        errmsg("out of memory");
        return -1;
    }
    int rc = dp ? ds_ruleset_add_path(rs, dp, err, sizeof err) : 0;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = ds_ruleset_add_path(rs, paths[i], err, sizeof err);
    if (rc == 0)
        rc = ds_ruleset_finish(rs, err, sizeof err);
    if (rc < 0) {
        errmsg("%s", err);
        ds_ruleset_free(rs);
        return -1;
    }
    *out = rs;
    return 0;
}

int cli_scan_arg(cli_scan_args *a, int opt, const char *arg)
{
    switch (opt) {
    case CLI_OPT_RULES:
        if (a->nrules == (int)(sizeof a->rule_paths / sizeof a->rule_paths[0])) {
            errmsg("--rules: at most 64");
            return -1;
        }
        a->rule_paths[a->nrules++] = arg;
        return 0;
    case CLI_OPT_NORULES:
        a->no_default_rules = 1;
        return 0;
    case CLI_OPT_KNOWN:
        a->known_path = arg;
        return 0;
    default:
        return -1;
    }
}

int cli_scan_args_load(cli_scan_args *a, int quiet)
{
    if (a->known_path) {
        char kerr[512];
        if (!(a->known = ds_known_keys_load(a->known_path, kerr, sizeof kerr))) {
            errmsg("--known-keys: %s", kerr);
            return -1;
        }
    }
    if (cli_rules_load(&a->rules, !a->no_default_rules, a->rule_paths, a->nrules, quiet) < 0) {
        cli_scan_args_free(a);
        return -1;
    }
    return 0;
}

void cli_scan_args_free(cli_scan_args *a)
{
    ds_ruleset_free(a->rules);
    ds_known_keys_free(a->known);
    a->rules = NULL;
    a->known = NULL;
}
