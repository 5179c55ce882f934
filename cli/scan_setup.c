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
