/*
 * rules.c - the rule file parser and compiler (format: patterns/README.md).
 *
 * A rule file is a sequence of "key: value" lines; "id:" starts a rule,
 * '#' lines and blank lines are ignored.  Every error names file:line.
 */
#include "rules.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>


#ifndef DS_DATADIR
#define DS_DATADIR "/usr/local/share/dumpscrub"
#endif

#define MAX_RULES      100000
#define MAX_REGEX      4096
#define MAX_KEYWORD    256
#define DEF_BEFORE     1024
#define DEF_AFTER      4096
#define MAX_WINDOW     16384

ds_ruleset *ds_ruleset_new(void)
{
    return calloc(1, sizeof(ds_ruleset));
}

static void rule_free(ds_rule *r)
{
    free(r->id);
    free(r->description);
    free(r->kind);
    free(r->regex);
    if (r->code)
        pcre2_code_free(r->code);
    for (size_t i = 0; i < r->nsamples; i++)
        free(r->samples[i].bytes);
    free(r->samples);
    memset(r, 0, sizeof *r);
}

void ds_ruleset_free(ds_ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->nrules; i++)
        rule_free(&rs->rules[i]);
    free(rs->rules);
    for (size_t i = 0; i < rs->nkws; i++)
        free(rs->kws[i].bytes);
    free(rs->kws);
    for (size_t i = 0; i < rs->nfiles; i++)
        free(rs->files[i]);
    free(rs->files);
    ds_ac_free(rs->ac);
    ds_hs_free(rs->hs);
    free(rs->pat_kw);
    free(rs->pat_enc);
    if (rs->pat_bytes)
        for (size_t i = 0; i < rs->npat; i++)
            free(rs->pat_bytes[i]);
    free(rs->pat_bytes);
    free(rs->pat_len);
    free(rs);
}

/* ---- parsing -------------------------------------------------------------- */

typedef struct {
    ds_ruleset *rs;
    const char *file;
    int line;
    char *err;
    size_t errlen;
    ds_rule cur;          /* rule being read (cur.id == NULL: none) */
    unsigned seen;        /* bit per single-valued key */
    ds_rule_keyword *kw;  /* keywords of cur */
    size_t nkw;
} parser;

__attribute__((format(printf, 3, 4)))
static int perr(parser *p, int line, const char *fmt, ...)
{
    int n = snprintf(p->err, p->errlen, "%s:%d: ", p->file, line);
    if (n < 0 || (size_t)n >= p->errlen)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Unescape \\ \n \r \t \s (space) \xHH into a new buffer. */
static int unescape(const char *s, size_t n, uint8_t **out, size_t *outlen)
{
    uint8_t *b = malloc(n + 1);
    if (!b)
        return -2;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            b[o++] = (uint8_t)s[i];
            continue;
        }
        if (++i >= n) { free(b); return -1; }
        switch (s[i]) {
        case '\\': b[o++] = '\\'; break;
        case 'n': b[o++] = '\n'; break;
        case 'r': b[o++] = '\r'; break;
        case 't': b[o++] = '\t'; break;
        case 's': b[o++] = ' '; break;
        case 'x': {
            int hi = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0) { free(b); return -1; }
            b[o++] = (uint8_t)(hi << 4 | lo);
            i += 2;
            break;
        }
        default: free(b); return -1;
        }
    }
    *out = b;
    *outlen = o;
    return 0;
}

static int valid_name(const char *s, int allow_upper)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!(islower(c) || isdigit(c) || c == '-' || c == '_' || c == '.' ||
              (allow_upper && isupper(c))))
            return 0;
    }
    return 1;
}

enum { K_DESC, K_KIND, K_REGEX, K_KEYWORDS, K_CASE, K_ENTROPY, K_VALIDATOR, K_CONF,
       K_SCRUB, K_ENC, K_WINDOW, K_COUNT };
static const char *const key_names[K_COUNT] = {
    "description", "kind", "regex", "keywords", "keyword-case", "entropy", "validator",
    "confidence", "scrub", "encodings", "window",
};

static int compile_rule(parser *p)
{
    ds_rule *r = &p->cur;
    if (!(p->seen & (1u << K_REGEX)))
        return perr(p, r->line, "rule '%s': no regex", r->id);
    if (!p->nkw)
        return perr(p, r->line, "rule '%s': no keywords", r->id);
    int ec;
    PCRE2_SIZE eo;
    r->code = pcre2_compile((PCRE2_SPTR)r->regex, PCRE2_ZERO_TERMINATED,
                            PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &ec, &eo, NULL);
    if (!r->code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return perr(p, r->line, "rule '%s': regex: %s at offset %zu", r->id, (char *)msg,
                    (size_t)eo);
    }
    r->jit = pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE) == 0;
    int g = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR) "secret");
    uint32_t caps = 0;
    pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &caps);
    r->group = g > 0 ? (uint32_t)g : caps >= 1 ? 1 : 0;
    return 0;
}

static int end_rule(parser *p)
{
    ds_rule *r = &p->cur;
    if (!r->id)
        return 0;
    if (compile_rule(p) < 0)
        return -1;
    ds_ruleset *rs = p->rs;
    for (size_t i = 0; i < rs->nrules; i++)
        if (!strcmp(rs->rules[i].id, r->id))
            return perr(p, r->line, "duplicate rule id '%s' (first in %s:%d)", r->id,
                        rs->rules[i].file, rs->rules[i].line);
    if (rs->nrules >= MAX_RULES)
        return perr(p, r->line, "too many rules");
    ds_rule *nr = realloc(rs->rules, (rs->nrules + 1) * sizeof *nr);
    if (!nr)
        return perr(p, r->line, "out of memory");
    rs->rules = nr;
    ds_rule_keyword *nk = realloc(rs->kws, (rs->nkws + p->nkw) * sizeof *nk);
    if (!nk)
        return perr(p, r->line, "out of memory");
    rs->kws = nk;
    if (!r->kind && !(r->kind = strdup(DS_KIND_TOKEN)))
        return perr(p, r->line, "out of memory");
    for (size_t i = 0; i < p->nkw; i++) {
        p->kw[i].rule = (uint32_t)rs->nrules;
        p->kw[i].nocase = r->nocase;
        rs->kws[rs->nkws++] = p->kw[i];
    }
    p->nkw = 0;
    if (r->window_before > rs->max_before) rs->max_before = r->window_before;
    if (r->window_after > rs->max_after) rs->max_after = r->window_after;
    rs->rules[rs->nrules++] = *r;
    memset(r, 0, sizeof *r);
    return 0;
}

static void parser_drop(parser *p)
{
    rule_free(&p->cur);
    for (size_t i = 0; i < p->nkw; i++)
        free(p->kw[i].bytes);
    free(p->kw);
    p->kw = NULL;
    p->nkw = 0;
}

static int start_rule(parser *p, const char *v)
{
    if (end_rule(p) < 0)
        return -1;
    if (!valid_name(v, 1) || strlen(v) > 128)
        return perr(p, p->line, "bad rule id (letters, digits, '-', '_', '.')");
    memset(&p->cur, 0, sizeof p->cur);
    p->seen = 0;
    ds_rule *r = &p->cur;
    if (!(r->id = strdup(v)))
        return perr(p, p->line, "out of memory");
    r->file = p->file;
    r->line = p->line;
    r->confidence = DS_CONF_LIKELY;
    r->scrub = 1;
    r->encodings = DS_ENC_ASCII | DS_ENC_UTF16LE;
    r->nocase = 1;
    r->window_before = DEF_BEFORE;
    r->window_after = DEF_AFTER;
    return 0;
}

static int add_keywords(parser *p, const char *v)
{
    while (*v) {
        while (*v == ' ' || *v == '\t')
            v++;
        if (!*v)
            break;
        const char *e = v;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        uint8_t *b;
        size_t n;
        int rc = unescape(v, (size_t)(e - v), &b, &n);
        if (rc == -2)
            return perr(p, p->line, "out of memory");
        if (rc < 0)
            return perr(p, p->line, "keyword: bad escape (\\\\ \\n \\r \\t \\s \\xHH)");
        if (n < 3 || n > MAX_KEYWORD) {
            free(b);
            return perr(p, p->line, "keyword must be 3 to %d bytes", MAX_KEYWORD);
        }
        ds_rule_keyword *nk = realloc(p->kw, (p->nkw + 1) * sizeof *nk);
        if (!nk) {
            free(b);
            return perr(p, p->line, "out of memory");
        }
        p->kw = nk;
        p->kw[p->nkw].bytes = b;
        p->kw[p->nkw].len = n;
        p->nkw++;
        v = e;
    }
    return 0;
}

static int set_key(parser *p, const char *key, const char *v)
{
    ds_rule *r = &p->cur;
    if (!strcmp(key, "sample+") || !strcmp(key, "sample-")) {
        uint8_t *b;
        size_t n;
        int rc = unescape(v, strlen(v), &b, &n);
        if (rc == -2)
            return perr(p, p->line, "out of memory");
        if (rc < 0)
            return perr(p, p->line, "sample: bad escape (\\\\ \\n \\r \\t \\s \\xHH)");
        if (n == 0) {
            free(b);
            return perr(p, p->line, "empty sample");
        }
        ds_rule_sample *ns = realloc(r->samples, (r->nsamples + 1) * sizeof *ns);
        if (!ns) {
            free(b);
            return perr(p, p->line, "out of memory");
        }
        r->samples = ns;
        ns[r->nsamples++] = (ds_rule_sample){ b, n, key[6] == '+', p->line };
        return 0;
    }
    int k;
    for (k = 0; k < K_COUNT; k++)
        if (!strcmp(key, key_names[k]))
            break;
    if (k == K_COUNT)
        return perr(p, p->line, "unknown key '%.40s'", key);
    if (k != K_KEYWORDS && (p->seen & (1u << k)))
        return perr(p, p->line, "'%s' given twice in rule '%s'", key, r->id);
    p->seen |= 1u << k;
    switch (k) {
    case K_DESC:
        if (!(r->description = strdup(v)))
            return perr(p, p->line, "out of memory");
        return 0;
    case K_KIND:
        if (!valid_name(v, 0) || strlen(v) > 64)
            return perr(p, p->line, "bad kind (lower-case letters, digits, '-')");
        if (!(r->kind = strdup(v)))
            return perr(p, p->line, "out of memory");
        return 0;
    case K_REGEX:
        if (!*v || strlen(v) > MAX_REGEX)
            return perr(p, p->line, "regex must be 1 to %d characters", MAX_REGEX);
        if (!(r->regex = strdup(v)))
            return perr(p, p->line, "out of memory");
        return 0;
    case K_KEYWORDS:
        return add_keywords(p, v);
    case K_CASE:
        if (!strcmp(v, "insensitive")) r->nocase = 1;
        else if (!strcmp(v, "sensitive")) r->nocase = 0;
        else return perr(p, p->line, "keyword-case: expected sensitive or insensitive");
        return 0;
    case K_ENTROPY: {
        char *e;
        errno = 0;
        double d = strtod(v, &e);
        if (errno || e == v || *e || !(d >= 0.0 && d <= 8.0))
            return perr(p, p->line, "entropy: expected a number from 0 to 8 (bits per byte)");
        r->min_entropy = d;
        return 0;
    }
    case K_VALIDATOR:
        if (!strcmp(v, "none")) r->validator = DS_VAL_NONE;
        else if (!strcmp(v, "jwt")) r->validator = DS_VAL_JWT;
        else if (!strcmp(v, "base64")) r->validator = DS_VAL_BASE64;
        else if (!strcmp(v, "checksum")) r->validator = DS_VAL_CHECKSUM;
        else if (!strcmp(v, "keytab")) r->validator = DS_VAL_KEYTAB;
        else return perr(p, p->line, "validator: expected none, jwt, base64, checksum or keytab");
        return 0;
    case K_CONF:
        if (!strcmp(v, "likely")) r->confidence = DS_CONF_LIKELY;
        else if (!strcmp(v, "possible")) r->confidence = DS_CONF_POSSIBLE;
        else return perr(p, p->line, "confidence: expected likely or possible");
        return 0;
    case K_SCRUB:
        if (!strcmp(v, "yes")) r->scrub = 1;
        else if (!strcmp(v, "no")) r->scrub = 0;
        else return perr(p, p->line, "scrub: expected yes or no");
        return 0;
    case K_ENC: {
        int enc = 0;
        char buf[64];
        if (strlen(v) >= sizeof buf)
            return perr(p, p->line, "encodings: expected ascii and/or utf16le");
        strcpy(buf, v);
        for (char *sv, *t = strtok_r(buf, " \t,", &sv); t; t = strtok_r(NULL, " \t,", &sv)) {
            if (!strcmp(t, "ascii")) enc |= DS_ENC_ASCII;
            else if (!strcmp(t, "utf16le")) enc |= DS_ENC_UTF16LE;
            else return perr(p, p->line, "encodings: expected ascii and/or utf16le");
        }
        if (!enc)
            return perr(p, p->line, "encodings: expected ascii and/or utf16le");
        r->encodings = enc;
        return 0;
    }
    case K_WINDOW: {
        unsigned long b, a;
        char extra;
        if (sscanf(v, "%lu %lu %c", &b, &a, &extra) != 2 || b > MAX_WINDOW || a > MAX_WINDOW ||
            a < 16)
            return perr(p, p->line, "window: expected BEFORE AFTER in bytes (at most %d)",
                        MAX_WINDOW);
        r->window_before = b;
        r->window_after = a;
        return 0;
    }
    }
    return 0;
}

int ds_ruleset_add_text(ds_ruleset *rs, const char *name, const char *text, size_t len,
                        char *err, size_t errlen)
{
    char **nf = realloc(rs->files, (rs->nfiles + 1) * sizeof *nf);
    if (!nf) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    rs->files = nf;
    if (!(nf[rs->nfiles] = strdup(name))) {
        snprintf(err, errlen, "%s: out of memory", name);
        return -1;
    }
    parser p = { .rs = rs, .file = nf[rs->nfiles++], .err = err, .errlen = errlen };
    char line[8192];
    size_t pos = 0;
    int rc = 0;
    while (pos < len) {
        p.line++;
        size_t e = pos;
        while (e < len && text[e] != '\n')
            e++;
        size_t n = e - pos;
        if (n >= sizeof line) {
            rc = perr(&p, p.line, "line longer than %zu bytes", sizeof line - 1);
            break;
        }
        memcpy(line, text + pos, n);
        line[n] = 0;
        pos = e + 1;
        if (memchr(line, 0, n)) {
            rc = perr(&p, p.line, "NUL byte in line");
            break;
        }
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = 0;
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s || *s == '#')
            continue;
        char *colon = strchr(s, ':');
        if (!colon) {
            rc = perr(&p, p.line, "expected 'key: value'");
            break;
        }
        *colon = 0;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        char *ke = colon;
        while (ke > s && (ke[-1] == ' ' || ke[-1] == '\t'))
            *--ke = 0;
        if (!strcmp(s, "id")) {
            rc = start_rule(&p, v);
        } else if (!p.cur.id) {
            rc = perr(&p, p.line, "'%.40s' before the first 'id:'", s);
        } else {
            rc = set_key(&p, s, v);
        }
        if (rc < 0)
            break;
    }
    if (rc == 0)
        rc = end_rule(&p);
    parser_drop(&p);
    return rc;
}

static int add_file(ds_ruleset *rs, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            if (cap >= (64u << 20)) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "%s: rule file larger than 64 MiB", path);
                return -1;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int ioerr = ferror(f);
    fclose(f);
    if (!buf || ioerr) {
        free(buf);
        snprintf(err, errlen, "%s: %s", path, buf ? "read error" : "out of memory");
        return -1;
    }
    int rc = ds_ruleset_add_text(rs, path, buf, n, err, errlen);
    free(buf);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ds_ruleset_add_path(ds_ruleset *rs, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return add_file(rs, path, err, errlen);
    DIR *d = opendir(path);
    if (!d) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 7 || strcmp(de->d_name + l - 6, ".rules") || de->d_name[0] == '.')
            continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn || !(nn[n] = strdup(de->d_name))) {
            names = nn ? nn : names;
            rc = -1;
            snprintf(err, errlen, "%s: out of memory", path);
            break;
        }
        names = nn;
        n++;
    }
    closedir(d);
    if (rc == 0 && n)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0) {
            char full[PATH_MAX];
            if ((size_t)snprintf(full, sizeof full, "%s/%s", path, names[i]) >= sizeof full) {
                snprintf(err, errlen, "%s: path too long", path);
                rc = -1;
            } else {
                rc = add_file(rs, full, err, errlen);
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int ds_ruleset_finish(ds_ruleset *rs, char *err, size_t errlen)
{
    size_t cap = rs->nkws * 2;
    rs->pat_kw = calloc(cap ? cap : 1, sizeof *rs->pat_kw);
    rs->pat_enc = calloc(cap ? cap : 1, 1);
    rs->pat_bytes = calloc(cap ? cap : 1, sizeof *rs->pat_bytes);
    rs->pat_len = calloc(cap ? cap : 1, sizeof *rs->pat_len);
    if (!rs->pat_kw || !rs->pat_enc || !rs->pat_bytes || !rs->pat_len) {
        snprintf(err, errlen, "rules: out of memory");
        return -1;
    }
    size_t np = 0;
    for (size_t k = 0; k < rs->nkws; k++) {
        const ds_rule_keyword *kw = &rs->kws[k];
        const ds_rule *r = &rs->rules[kw->rule];
        if (r->encodings & DS_ENC_ASCII) {
            if (!(rs->pat_bytes[np] = malloc(kw->len)))
                goto oom;
            memcpy(rs->pat_bytes[np], kw->bytes, kw->len);
            rs->pat_len[np] = kw->len;
            rs->pat_kw[np] = (uint32_t)k;
            rs->pat_enc[np++] = DS_ENC_ASCII;
        }
        int ascii = 1;
        for (size_t i = 0; i < kw->len; i++)
            if (kw->bytes[i] == 0 || kw->bytes[i] > 0x7f)
                ascii = 0;
        if ((r->encodings & DS_ENC_UTF16LE) && ascii) {
            if (!(rs->pat_bytes[np] = calloc(kw->len, 2)))
                goto oom;
            for (size_t i = 0; i < kw->len; i++)
                rs->pat_bytes[np][2 * i] = kw->bytes[i];
            rs->pat_len[np] = kw->len * 2;
            rs->pat_kw[np] = (uint32_t)k;
            rs->pat_enc[np++] = DS_ENC_UTF16LE;
        }
    }
    rs->npat = np;
    if (np) {
        /* Hyperscan unless this CPU cannot run it or DUMPSCRUB_PREFILTER=ac
         * asks for the automaton (tests and benchmarks compare the two). */
        const char *pf = getenv("DUMPSCRUB_PREFILTER");
        if (!pf || strcmp(pf, "ac") != 0) {
            int *nocase = calloc(np, sizeof *nocase);
            if (!nocase)
                goto oom;
            for (size_t i = 0; i < np; i++)
                nocase[i] = rs->kws[rs->pat_kw[i]].nocase;
            rs->hs = ds_hs_build((const uint8_t *const *)rs->pat_bytes, rs->pat_len, nocase, np,
                                 err, errlen);
            free(nocase);
            if (!rs->hs && err[0])
                return -1;
        }
        if (!rs->hs && !(rs->ac = ds_ac_build((const uint8_t *const *)rs->pat_bytes,
                                              rs->pat_len, np)))
            goto oom;
    }
    return 0;
oom:
    snprintf(err, errlen, "rules: out of memory");
    return -1;
}

/* ---- default pack --------------------------------------------------------- */

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *ds_rules_default_path(char *buf, size_t len)
{
    const char *env = getenv("DUMPSCRUB_RULES");
    if (env && *env) {
        if ((size_t)snprintf(buf, len, "%s", env) >= len)
            return NULL;
        return access(buf, R_OK) == 0 ? buf : NULL;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            static const char *const rel[] = { "/../patterns", "/../share/dumpscrub/patterns" };
            for (size_t i = 0; i < 2; i++)
                if ((size_t)snprintf(buf, len, "%s%s", exe, rel[i]) < len && is_dir(buf))
                    return buf;
        }
    }
    if ((size_t)snprintf(buf, len, "%s/patterns", DS_DATADIR) < len && is_dir(buf))
        return buf;
    return NULL;
}

/* ---- entropy and validators ----------------------------------------------- */

/* log2 without libm (the command does not link it): x >= 1. */
static double lg2(double x)
{
    double e = 0.0;
    while (x >= 2.0) {
        x *= 0.5;
        e += 1.0;
    }
    double y = (x - 1.0) / (x + 1.0), y2 = y * y, t = y, s = 0.0;
    for (int k = 1; k < 40; k += 2) {
        s += t / k;
        t *= y2;
    }
    return e + 2.0 * s * 1.4426950408889634;   /* ln -> log2 */
}

double ds_entropy(const uint8_t *p, size_t n)
{
    if (!n)
        return 0.0;
    uint32_t cnt[256] = { 0 };
    for (size_t i = 0; i < n; i++)
        cnt[p[i]]++;
    /* H = log2 n - (1/n) sum c log2 c */
    double sum = 0.0;
    for (int i = 0; i < 256; i++)
        if (cnt[i] > 1)
            sum += (double)cnt[i] * lg2((double)cnt[i]);
    return lg2((double)n) - sum / (double)n;
}

/* A JWT part: base64url (lenient about the unused bits) -> first byte '{'. */
static int jwt_part_json(const uint8_t *s, size_t n, int want_alg)
{
    uint8_t out[768];
    if (n < 4 || n > 1000)
        return 0;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        int v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '-') v = 62;
        else if (c == '_') v = 63;
        else return 0;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o < sizeof out)
                out[o++] = (uint8_t)(acc >> bits);
        }
    }
    size_t i = 0;
    while (i < o && (out[i] == ' ' || out[i] == '\n' || out[i] == '\r' || out[i] == '\t'))
        i++;
    if (i >= o || out[i] != '{')
        return 0;
    if (want_alg && !memmem(out, o, "\"alg\"", 5))
        return 0;
    return 1;
}

static int validate_jwt(const uint8_t *g, size_t n)
{
    const uint8_t *d1 = memchr(g, '.', n);
    if (!d1)
        return 0;
    size_t hl = (size_t)(d1 - g);
    const uint8_t *p = d1 + 1;
    const uint8_t *d2 = memchr(p, '.', n - hl - 1);
    size_t pl = d2 ? (size_t)(d2 - p) : n - hl - 1;
    /* header: JSON with "alg"; payload: JSON (when short enough to check) */
    return jwt_part_json(g, hl, 1) && (pl > 1000 || jwt_part_json(p, pl, 0));
}

static int validate_base64(const uint8_t *g, size_t n)
{
    size_t i = 0, pad = 0;
    if (n < 8)
        return 0;
    for (; i < n; i++) {
        uint8_t c = g[i];
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad || !(isalnum(c) || c == '+' || c == '/'))
            return 0;
    }
    return pad <= 2 && n % 4 == 0;
}

/* GitHub-style tokens: prefix_ + payload + 6 base62 chars holding the
 * CRC-32 (IEEE) of the payload, most significant digit first, '0'-padded. */
static int validate_checksum(const uint8_t *g, size_t n)
{
    const uint8_t *us = NULL;
    for (size_t i = 0; i < n; i++)
        if (g[i] == '_')
            us = g + i;
    if (!us)
        return 0;
    size_t start = (size_t)(us - g) + 1;
    if (n < start + 6 + 1)
        return 0;
    size_t plen = n - start - 6;
    uint64_t v = 0;
    for (size_t i = n - 6; i < n; i++) {
        uint8_t c = g[i];
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'A' && c <= 'Z') d = c - 'A' + 10;
        else if (c >= 'a' && c <= 'z') d = c - 'a' + 36;
        else return 0;
        v = v * 62 + (uint64_t)d;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, g + start, (uInt)plen);
    return v == (uint64_t)crc;
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static int printable_run(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return 0;
    return 1;
}

/* MIT keytab, version 0x0502: entries of
 *   int32 size | uint16 ncomp | counted realm | ncomp counted components |
 *   uint32 name_type | uint32 timestamp | uint8 vno | uint16 enctype |
 *   uint16 keylen | key | [uint32 vno]
 * (all big-endian; a negative size marks a deleted slot).  Passes with at
 * least one well-formed entry; the secret is everything after the version
 * up to the end of the last well-formed entry. */
static int validate_keytab(const uint8_t *g, size_t avail, size_t *off, size_t *len)
{
    if (avail < 2 || g[0] != 0x05 || g[1] != 0x02)
        return 0;
    size_t p = 2, end = 0;
    int good = 0;
    for (int ent = 0; ent < 4096 && p + 4 <= avail; ent++) {
        int32_t size = (int32_t)be32(g + p);
        if (size == 0)
            break;
        if (size < 0) {
            if ((size_t)-(int64_t)size > avail - p - 4)
                break;
            p += 4 + (size_t)-(int64_t)size;
            continue;
        }
        if ((size_t)size > avail - p - 4 || size > 65536)
            break;
        const uint8_t *e = g + p + 4, *ee = e + size;
        if (ee - e < 4)
            break;
        uint16_t ncomp = be16(e);
        e += 2;
        if (ncomp < 1 || ncomp > 16)
            break;
        int ok = 1;
        for (int c = 0; c <= ncomp && ok; c++) {   /* realm, then components */
            if (ee - e < 2) { ok = 0; break; }
            uint16_t l = be16(e);
            e += 2;
            if (l < 1 || l > ee - e || !printable_run(e, l)) { ok = 0; break; }
            e += l;
        }
        if (!ok || ee - e < 4 + 4 + 1 + 2 + 2)
            break;
        e += 4 + 4 + 1;
        uint16_t enctype = be16(e);
        uint16_t klen = be16(e + 2);
        e += 4;
        if (enctype == 0 || klen < 8 || klen > 64 || klen > ee - e)
            break;
        good++;
        p += 4 + (size_t)size;
        end = p;
    }
    if (!good)
        return 0;
    *off = 2;
    *len = end - 2;
    return 1;
}

int ds_rule_validate(int validator, const uint8_t *g, size_t n, size_t after,
                     size_t *off, size_t *len)
{
    *off = 0;
    *len = n;
    switch (validator) {
    case DS_VAL_NONE: return 1;
    case DS_VAL_JWT: return validate_jwt(g, n);
    case DS_VAL_BASE64: return validate_base64(g, n);
    case DS_VAL_CHECKSUM: return validate_checksum(g, n);
    case DS_VAL_KEYTAB: return validate_keytab(g, n + after, off, len);
    }
    return 0;
}
