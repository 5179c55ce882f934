/*
 * sweep_summary.c - the answer to "did this key ever leak into a dump, and
 * where?": every distinct key fingerprint with its kind and size, the number
 * of dumps it is in, the first and last dump time, and the paths.  Findings
 * without a fingerprint (AES schedules, tokens) are grouped by kind.
 *
 * The same structure is filled from finished files (scan), from summary
 * JSON files of shards and from JSON Lines (merge), so a merged summary of
 * N shards equals the summary of one run over the whole archive.  Output
 * order is fixed: most dumps first, then by fingerprint (or kind).
 */
#include "cli.h"
#include "finding_json.h"
#include "output.h"
#include "sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct entry {
    int has_fp;
    uint8_t fp[32];
    char *kind;
    int bits, known;
    uint64_t nfind;
    int64_t first, last;     /* -1: unknown */
    char **paths;
    size_t npaths, cap;
};

struct group {
    struct entry *v;
    size_t n, cap;
    size_t *idx;             /* open addressing over v, by fingerprint/kind */
    size_t icap;
};

struct sweep_summary {
    struct group keys, other;
    uint8_t (*known)[32];
    size_t nknown;
    uint64_t files, bytes, scanned, resumed, with_findings, unproven, errors;
    int exit;
};

sweep_summary *sweep_summary_new(void)
{
    return calloc(1, sizeof(sweep_summary));
}

static void group_free(struct group *g)
{
    for (size_t i = 0; i < g->n; i++) {
        for (size_t j = 0; j < g->v[i].npaths; j++)
            free(g->v[i].paths[j]);
        free(g->v[i].paths);
        free(g->v[i].kind);
    }
    free(g->v);
    free(g->idx);
}

void sweep_summary_free(sweep_summary *s)
{
    if (!s)
        return;
    group_free(&s->keys);
    group_free(&s->other);
    free(s->known);
    free(s);
}

int sweep_summary_mark_known(sweep_summary *s, const uint8_t fp[32])
{
    uint8_t (*k)[32] = realloc(s->known, (s->nknown + 1) * sizeof *k);
    if (!k)
        return -1;
    s->known = k;
    memcpy(s->known[s->nknown++], fp, 32);
    return 0;
}

static uint64_t entry_hash(int has_fp, const uint8_t *fp, const char *kind)
{
    uint64_t h = 1469598103934665603ull;     /* FNV-1a: only an in-memory index */
    if (has_fp) {
        memcpy(&h, fp, sizeof h);
        return h;
    }
    for (const char *p = kind; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

static int entry_is(const struct entry *e, int has_fp, const uint8_t *fp, const char *kind)
{
    return has_fp ? !memcmp(e->fp, fp, 32) : !strcmp(e->kind, kind);
}

/* Kinds that name the algorithm beat container kinds for one fingerprint
 * (the same RSA key can be found as PKCS#8 and inside an OpenSSH file). */
static int kind_rank(const char *k)
{
    static const char *const alg[] = { DS_KIND_RSA, DS_KIND_EC, DS_KIND_DSA, DS_KIND_ED25519,
                                       DS_KIND_X25519, DS_KIND_ED448, DS_KIND_X448 };
    for (size_t i = 0; i < sizeof alg / sizeof alg[0]; i++)
        if (!strcmp(k, alg[i]))
            return 0;
    return 1;
}

static int group_reindex(struct group *g)
{
    size_t icap = g->icap ? g->icap * 2 : 256;
    while (icap < (g->n + 1) * 2)
        icap *= 2;
    size_t *idx = malloc(icap * sizeof *idx);
    if (!idx)
        return -1;
    for (size_t i = 0; i < icap; i++)
        idx[i] = SIZE_MAX;
    for (size_t i = 0; i < g->n; i++) {
        struct entry *e = &g->v[i];
        size_t h = (size_t)entry_hash(e->has_fp, e->fp, e->kind) & (icap - 1);
        while (idx[h] != SIZE_MAX)
            h = (h + 1) & (icap - 1);
        idx[h] = i;
    }
    free(g->idx);
    g->idx = idx;
    g->icap = icap;
    return 0;
}

/* The entry for a fingerprint (keys) or kind (other), created if new. */
static struct entry *group_get(struct group *g, int has_fp, const uint8_t *fp, const char *kind)
{
    if ((g->n + 1) * 2 > g->icap && group_reindex(g) < 0)
        return NULL;
    size_t h = (size_t)entry_hash(has_fp, fp, kind) & (g->icap - 1);
    for (; g->idx[h] != SIZE_MAX; h = (h + 1) & (g->icap - 1)) {
        struct entry *e = &g->v[g->idx[h]];
        if (entry_is(e, has_fp, fp, kind)) {
            if (kind_rank(kind) < kind_rank(e->kind) ||
                (kind_rank(kind) == kind_rank(e->kind) && strcmp(kind, e->kind) < 0)) {
                char *k = strdup(kind);
                if (!k)
                    return NULL;
                free(e->kind);
                e->kind = k;
            }
            return e;
        }
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        struct entry *v = realloc(g->v, cap * sizeof *v);
        if (!v)
            return NULL;
        g->v = v;
        g->cap = cap;
    }
    struct entry *e = &g->v[g->n];
    memset(e, 0, sizeof *e);
    e->has_fp = has_fp;
    if (has_fp)
        memcpy(e->fp, fp, 32);
    e->first = e->last = -1;
    if (!(e->kind = strdup(kind)))
        return NULL;
    g->idx[h] = g->n++;
    return e;
}

static int entry_path(struct entry *e, const char *path)
{
    /* Findings of one file arrive together: skip the repeat. */
    if (e->npaths && !strcmp(e->paths[e->npaths - 1], path))
        return 0;
    if (e->npaths == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 4;
        char **p = realloc(e->paths, cap * sizeof *p);
        if (!p)
            return -1;
        e->paths = p;
        e->cap = cap;
    }
    if (!(e->paths[e->npaths] = strdup(path)))
        return -1;
    e->npaths++;
    return 0;
}

static void entry_time(struct entry *e, int64_t t)
{
    if (t < 0)
        return;
    if (e->first < 0 || t < e->first)
        e->first = t;
    if (e->last < 0 || t > e->last)
        e->last = t;
}

static int add_one(sweep_summary *s, const char *path, const ds_finding *f, int64_t t)
{
    struct group *g = f->has_fingerprint ? &s->keys : &s->other;
    struct entry *e = group_get(g, f->has_fingerprint, f->fingerprint, f->kind);
    if (!e || entry_path(e, path) < 0)
        return -1;
    e->nfind++;
    if (f->bits > e->bits)
        e->bits = f->bits;
    entry_time(e, t);
    return 0;
}

int sweep_summary_add(sweep_summary *s, const char *path, uint64_t bytes, const sweep_result *r)
{
    s->files++;
    s->bytes += bytes;
    if (r->from_state)
        s->resumed++;
    else
        s->scanned++;
    if (r->n)
        s->with_findings++;
    if (r->unproven)
        s->unproven++;
    if (r->rc == EXIT_USAGE)
        s->errors++;
    s->exit = exit_merge(s->exit, r->rc);
    for (size_t i = 0; i < r->n; i++)
        if (add_one(s, sweep_result_path(r, i, path), &r->v[i], sweep_result_time(r, i)) < 0)
            return -1;
    return 0;
}

int sweep_summary_add_finding(sweep_summary *s, const char *path, const ds_finding *f)
{
    s->exit = exit_merge(s->exit, EXIT_FOUND);
    return add_one(s, path, f, -1);
}

int sweep_summary_exit(const sweep_summary *s)
{
    return s->exit;
}

void sweep_summary_counts(const sweep_summary *s, uint64_t *files, uint64_t *scanned,
                          uint64_t *resumed)
{
    *files = s->files;
    *scanned = s->scanned;
    *resumed = s->resumed;
}

/* ---- output order and final form ------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    if (x->npaths != y->npaths)
        return x->npaths > y->npaths ? -1 : 1;
    if (x->has_fp)
        return memcmp(x->fp, y->fp, 32);
    return strcmp(x->kind, y->kind);
}

/* Sort and de-duplicate paths (merge may bring one path twice), mark known
 * keys, sort entries.  The index is rebuilt on the next group_get. */
static void finalize(sweep_summary *s)
{
    struct group *gs[2] = { &s->keys, &s->other };
    for (int k = 0; k < 2; k++) {
        struct group *g = gs[k];
        for (size_t i = 0; i < g->n; i++) {
            struct entry *e = &g->v[i];
            if (e->npaths > 1)
                qsort(e->paths, e->npaths, sizeof *e->paths, cmp_str);
            size_t w = 0;
            for (size_t r = 0; r < e->npaths; r++) {
                if (w && !strcmp(e->paths[w - 1], e->paths[r]))
                    free(e->paths[r]);
                else
                    e->paths[w++] = e->paths[r];
            }
            e->npaths = w;
            for (size_t j = 0; e->has_fp && j < s->nknown; j++)
                if (!memcmp(s->known[j], e->fp, 32))
                    e->known = 1;
        }
        if (g->n > 1)
            qsort(g->v, g->n, sizeof *g->v, cmp_entry);
        free(g->idx);
        g->idx = NULL;
        g->icap = 0;
    }
}

static void fmt_time(int64_t t, char out[32], int iso)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (t < 0 || !gmtime_r(&tt, &tm)) {
        strcpy(out, "-");
        return;
    }
    strftime(out, 32, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M", &tm);
}

void sweep_summary_print(const sweep_summary *cs, FILE *o)
{
    sweep_summary *s = (sweep_summary *)cs;
    finalize(s);
    fprintf(o, "summary: %" PRIu64 " files (%" PRIu64 " scanned, %" PRIu64 " from the state file), "
               "%.2f GB, %" PRIu64 " with findings, %" PRIu64 " not proven clean, %" PRIu64
               " unreadable; %zu distinct keys\n",
            s->files, s->scanned, s->resumed, (double)s->bytes / 1e9, s->with_findings,
            s->unproven, s->errors, s->keys.n);
    if (s->keys.n)
        fprintf(o, "%-71s %-22s %5s %5s %-16s %-16s %s\n", "FINGERPRINT", "KIND", "BITS",
                "DUMPS", "FIRST", "LAST", "KNOWN");
    struct group *gs[2] = { &s->keys, &s->other };
    for (int k = 0; k < 2; k++) {
        if (k == 1 && s->other.n)
            fprintf(o, "%-71s %-22s %5s %5s %-16s %-16s\n", "(no fingerprint)", "KIND", "",
                    "DUMPS", "FIRST", "LAST");
        for (size_t i = 0; i < gs[k]->n; i++) {
            const struct entry *e = &gs[k]->v[i];
            char fp[72] = "-", t1[32], t2[32];
            if (e->has_fp)
                ds_fingerprint_str(e->fp, fp);
            fmt_time(e->first, t1, 0);
            fmt_time(e->last, t2, 0);
            fprintf(o, "%-71s %-22s ", fp, e->kind);
            if (e->bits)
                fprintf(o, "%5d ", e->bits);
            else
                fprintf(o, "%5s ", "-");
            fprintf(o, "%5zu %-16s %-16s %s\n", e->npaths, t1, t2, e->known ? "known" : "");
            for (size_t j = 0; j < e->npaths && j < 5; j++) {
                fputs("    ", o);
                out_text_str(o, e->paths[j], 0);
                fputc('\n', o);
            }
            if (e->npaths > 5)
                fprintf(o, "    ... and %zu more (--summary-json has them all)\n", e->npaths - 5);
        }
    }
}

static void json_entry(FILE *o, const struct entry *e)
{
    char t[32];
    fputc('{', o);
    if (e->has_fp) {
        char fp[72];
        ds_fingerprint_str(e->fp, fp);
        fprintf(o, "\"fingerprint\":\"%s\",", fp);
    }
    fputs("\"kind\":", o);
    out_json_str(o, e->kind);
    if (e->bits)
        fprintf(o, ",\"bits\":%d", e->bits);
    if (e->has_fp)
        fprintf(o, ",\"known\":%s", e->known ? "true" : "false");
    fprintf(o, ",\"dumps\":%zu,\"findings\":%" PRIu64, e->npaths, e->nfind);
    if (e->first >= 0) {
        fmt_time(e->first, t, 1);
        fprintf(o, ",\"first_time\":%" PRId64 ",\"first_time_utc\":\"%s\"", e->first, t);
        fmt_time(e->last, t, 1);
        fprintf(o, ",\"last_time\":%" PRId64 ",\"last_time_utc\":\"%s\"", e->last, t);
    }
    fputs(",\"paths\":[", o);
    for (size_t j = 0; j < e->npaths; j++) {
        if (j)
            fputc(',', o);
        out_json_str(o, e->paths[j]);
    }
    fputs("]}", o);
}

int sweep_summary_write_json(const sweep_summary *cs, const char *path)
{
    sweep_summary *s = (sweep_summary *)cs;
    finalize(s);
    char *buf = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&buf, &len);
    if (!o) {
        errmsg("out of memory");
        return -1;
    }
    fprintf(o, "{\"dumpscrub_summary\":1,\"files\":%" PRIu64 ",\"bytes\":%" PRIu64
               ",\"files_scanned\":%" PRIu64 ",\"files_resumed\":%" PRIu64
               ",\"files_with_findings\":%" PRIu64 ",\"files_unproven\":%" PRIu64
               ",\"files_error\":%" PRIu64 ",\"exit\":%d,\n\"keys\":[",
            s->files, s->bytes, s->scanned, s->resumed, s->with_findings, s->unproven,
            s->errors, s->exit);
    for (size_t i = 0; i < s->keys.n; i++) {
        fputs(i ? ",\n" : "\n", o);
        json_entry(o, &s->keys.v[i]);
    }
    fputs("],\n\"other\":[", o);
    for (size_t i = 0; i < s->other.n; i++) {
        fputs(i ? ",\n" : "\n", o);
        json_entry(o, &s->other.v[i]);
    }
    fputs("]}\n", o);
    if (fclose(o) != 0) {
        free(buf);
        errmsg("out of memory");
        return -1;
    }
    /* A reader never sees half a summary: write a temporary, rename. */
    int to_stdout = !strcmp(path, "-");
    char *tmp = NULL;
    if (!to_stdout && asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
        free(buf);
        errmsg("out of memory");
        return -1;
    }
    FILE *f = to_stdout ? stdout : fopen(tmp, "we");
    int rc = 0;
    if (!f || fwrite(buf, 1, len, f) != len || fflush(f) != 0)
        rc = -1;
    if (f && !to_stdout && (fsync(fileno(f)) != 0) + (fclose(f) != 0))
        rc = -1;
    if (rc == 0 && !to_stdout && rename(tmp, path) != 0)
        rc = -1;
    if (rc < 0) {
        errmsg("--summary-json %s: %s", path, strerror(errno));
        if (tmp)
            unlink(tmp);
    }
    free(tmp);
    free(buf);
    return rc;
}

/* ---- merge -------------------------------------------------------------- */

static int64_t jint(json_t *o, const char *k, int64_t dflt)
{
    json_t *j = json_object_get(o, k);
    return json_is_integer(j) ? (int64_t)json_integer_value(j) : dflt;
}

static int merge_entries(struct group *g, json_t *arr, int keyed)
{
    size_t i;
    json_t *v;
    if (!json_is_array(arr))
        return -1;
    json_array_foreach(arr, i, v) {
        uint8_t fp[32] = { 0 };
        const char *kind = json_string_value(json_object_get(v, "kind"));
        json_t *paths = json_object_get(v, "paths");
        if (!kind || !json_is_array(paths))
            return -1;
        if (keyed &&
            fingerprint_parse(json_string_value(json_object_get(v, "fingerprint")) ?: "", fp) < 0)
            return -1;
        struct entry *e = group_get(g, keyed, fp, kind);
        if (!e)
            return -1;
        size_t j;
        json_t *p;
        json_array_foreach(paths, j, p) {
            if (!json_is_string(p) || entry_path(e, json_string_value(p)) < 0)
                return -1;
        }
        e->nfind += (uint64_t)jint(v, "findings", 0);
        int bits = (int)jint(v, "bits", 0);
        if (bits > e->bits)
            e->bits = bits;
        if (json_is_true(json_object_get(v, "known")))
            e->known = 1;
        entry_time(e, jint(v, "first_time", -1));
        entry_time(e, jint(v, "last_time", -1));
    }
    return 0;
}

int sweep_summary_merge_json(sweep_summary *s, const char *file, char *err, size_t errlen)
{
    json_error_t je;
    json_t *o = json_load_file(file, 0, &je);
    if (!o) {
        snprintf(err, errlen, "%s: line %d: %s", file, je.line, je.text);
        return -1;
    }
    int rc = 0;
    if (!json_object_get(o, "dumpscrub_summary")) {
        snprintf(err, errlen, "%s: not a dumpscrub summary", file);
        rc = -1;
    } else if (merge_entries(&s->keys, json_object_get(o, "keys"), 1) < 0 ||
               merge_entries(&s->other, json_object_get(o, "other"), 0) < 0) {
        snprintf(err, errlen, "%s: malformed summary entry", file);
        rc = -1;
    } else {
        s->files += (uint64_t)jint(o, "files", 0);
        s->bytes += (uint64_t)jint(o, "bytes", 0);
        s->scanned += (uint64_t)jint(o, "files_scanned", 0);
        s->resumed += (uint64_t)jint(o, "files_resumed", 0);
        s->with_findings += (uint64_t)jint(o, "files_with_findings", 0);
        s->unproven += (uint64_t)jint(o, "files_unproven", 0);
        s->errors += (uint64_t)jint(o, "files_error", 0);
        s->exit = exit_merge(s->exit, (int)jint(o, "exit", EXIT_USAGE));
    }
    json_decref(o);
    return rc;
}
