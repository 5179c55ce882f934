/*
 * api_options.c - libdumpscrub: versions, status names and scan options.
 * Rules are compiled when they are set, so that a scan never fails on a
 * rule file and an options handle is read-only (shareable) while scanning.
 */
#include "api_int.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *dumpscrub_version(void)
{
    return DUMPSCRUB_VERSION;
}

int dumpscrub_version_number(void)
{
    return DUMPSCRUB_VERSION_NUMBER;
}

const char *dumpscrub_errstr(int code)
{
    switch (code) {
    case DUMPSCRUB_CLEAN:    return "clean";
    case DUMPSCRUB_FOUND:    return "secrets found";
    case DUMPSCRUB_UNPROVEN: return "structure not fully read: not proven clean";
    case DUMPSCRUB_EINVAL:   return "invalid argument";
    case DUMPSCRUB_EIO:      return "I/O error";
    case DUMPSCRUB_ENOMEM:   return "out of memory";
    case DUMPSCRUB_ERULES:   return "invalid rule or known-keys file";
    case DUMPSCRUB_EVERIFY:  return "scrubbed copy still holds secrets: nothing written";
    case DUMPSCRUB_ESTATE:   return "streamed dump already consumed";
    case DUMPSCRUB_EUNSUPP:  return "not supported for this input";
    case DUMPSCRUB_EABORT:   return "stopped by the callback";
    default:                 return "unknown status";
    }
}

const char *dumpscrub_confidence_name(int c)
{
    if (c < DUMPSCRUB_CONF_POSSIBLE || c > DUMPSCRUB_CONF_VERIFIED)
        return NULL;
    return ds_confidence_name((ds_confidence)c);
}

/* ---- the default rule pack, seen from a library ---------------------------- */

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* As dumpscrub-rules(5) says: $DUMPSCRUB_RULES; then next to this library
 * (an installed libdumpscrub.so in PREFIX/lib or a multiarch
 * PREFIX/lib/TRIPLET; for a static link, next to the program); then what
 * the command looks at (next to the binary, the built-in data directory). */
static const char *default_rules_path(char *buf, size_t len)
{
    const char *env = getenv("DUMPSCRUB_RULES");
    Dl_info di;
    if (!(env && *env) && dladdr((void *)default_rules_path, &di) && di.dli_fname) {
        char lib[PATH_MAX];
        snprintf(lib, sizeof lib, "%s", di.dli_fname);
        char *slash = strrchr(lib, '/');
        if (slash) {
            *slash = 0;
            static const char *const rel[] = { "/../share/dumpscrub/patterns",
                                               "/../../share/dumpscrub/patterns" };
            for (size_t i = 0; i < 2; i++)
                if ((size_t)snprintf(buf, len, "%s%s", lib, rel[i]) < len && is_dir(buf))
                    return buf;
        }
    }
    return ds_rules_default_path(buf, len);
}

/* Compile the default pack (if on and found) and every added path into a
 * new ruleset; on success it replaces o->rules.  0 or ERULES/ENOMEM. */
static int rebuild_rules(dumpscrub_options *o)
{
    char def[PATH_MAX];
    const char *dp = o->default_rules ? default_rules_path(def, sizeof def) : NULL;
    if (!dp && !o->nrule_paths) {
        ds_ruleset_free(o->rules);
        o->rules = NULL;
        return 0;
    }
    ds_ruleset *rs = ds_ruleset_new();
    if (!rs) {
        snprintf(o->err, sizeof o->err, "out of memory");
        return DUMPSCRUB_ENOMEM;
    }
    int rc = dp ? ds_ruleset_add_path(rs, dp, o->err, sizeof o->err) : 0;
    for (size_t i = 0; rc == 0 && i < o->nrule_paths; i++)
        rc = ds_ruleset_add_path(rs, o->rule_paths[i], o->err, sizeof o->err);
    if (rc == 0)
        rc = ds_ruleset_finish(rs, o->err, sizeof o->err);
    if (rc < 0) {
        ds_ruleset_free(rs);
        return DUMPSCRUB_ERULES;
    }
    ds_ruleset_free(o->rules);
    o->rules = rs;
    return 0;
}

dumpscrub_options *dumpscrub_options_new(void)
{
    dumpscrub_options *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->min_conf = DUMPSCRUB_CONF_POSSIBLE;
    o->scrub_conf = DUMPSCRUB_CONF_LIKELY;
    o->jobs = 1;
    o->default_rules = 1;
    ds_fill_default(&o->fill);
    /* A broken default pack is not the caller's fault: scan without rules
     * (the command warns likewise); the message stays in o->err. */
    if (rebuild_rules(o) == DUMPSCRUB_ENOMEM) {
        free(o);
        return NULL;
    }
    return o;
}

void dumpscrub_options_free(dumpscrub_options *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->nrule_paths; i++)
        free(o->rule_paths[i]);
    free(o->rule_paths);
    ds_ruleset_free(o->rules);
    ds_known_keys_free(o->known);
    free(o);
}

static int valid_conf(int c)
{
    return c >= DUMPSCRUB_CONF_POSSIBLE && c <= DUMPSCRUB_CONF_VERIFIED;
}

int dumpscrub_options_set_min_confidence(dumpscrub_options *o, int c)
{
    if (!o || !valid_conf(c))
        return DUMPSCRUB_EINVAL;
    o->min_conf = c;
    return 0;
}

int dumpscrub_options_set_scrub_confidence(dumpscrub_options *o, int c)
{
    if (!o || !valid_conf(c))
        return DUMPSCRUB_EINVAL;
    o->scrub_conf = c;
    return 0;
}

int dumpscrub_options_set_jobs(dumpscrub_options *o, int jobs)
{
    if (!o || jobs < 1 || jobs > 256)
        return DUMPSCRUB_EINVAL;
    o->jobs = jobs;
    return 0;
}

int dumpscrub_options_set_default_rules(dumpscrub_options *o, int on)
{
    if (!o)
        return DUMPSCRUB_EINVAL;
    int old = o->default_rules;
    o->default_rules = !!on;
    int rc = rebuild_rules(o);
    if (rc < 0)
        o->default_rules = old;
    return rc;
}

int dumpscrub_options_add_rules(dumpscrub_options *o, const char *path)
{
    if (!o || !path)
        return DUMPSCRUB_EINVAL;
    char **v = realloc(o->rule_paths, (o->nrule_paths + 1) * sizeof *v);
    if (!v)
        return DUMPSCRUB_ENOMEM;
    o->rule_paths = v;
    if (!(v[o->nrule_paths] = strdup(path)))
        return DUMPSCRUB_ENOMEM;
    o->nrule_paths++;
    int rc = rebuild_rules(o);
    if (rc < 0)
        free(o->rule_paths[--o->nrule_paths]);
    return rc;
}

int dumpscrub_options_set_known_keys(dumpscrub_options *o, const char *path)
{
    if (!o || !path)
        return DUMPSCRUB_EINVAL;
    char err[512];
    ds_known_keys *k = ds_known_keys_load(path, err, sizeof err);
    if (!k) {
        snprintf(o->err, sizeof o->err, "known keys: %s", err);
        return DUMPSCRUB_ERULES;
    }
    ds_known_keys_free(o->known);
    o->known = k;
    return 0;
}

int dumpscrub_options_set_fill(dumpscrub_options *o, const void *pattern, size_t len)
{
    if (!o || !pattern || len < 1 || len > DS_FILL_MAX)
        return DUMPSCRUB_EINVAL;
    memcpy(o->fill.b, pattern, len);
    o->fill.n = len;
    return 0;
}

const char *dumpscrub_options_errmsg(const dumpscrub_options *o)
{
    return o ? o->err : "";
}

static dumpscrub_options *defaults;
static void make_defaults(void)
{
    defaults = dumpscrub_options_new();
}

const dumpscrub_options *api_default_options(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, make_defaults);
    return defaults;
}
