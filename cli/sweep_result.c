/*
 * sweep_result.c - one file's outcome, independent of the dump it came
 * from: the findings own their strings, so a result outlives the mapped
 * dump, can be written to and read back from the state file, and prints
 * the same either way.
 */
#include "cli.h"
#include "output.h"
#include "sweep.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

int sweep_result_push(sweep_result *r, const ds_finding *f)
{
    ds_finding *v = realloc(r->v, (r->n + 1) * sizeof *v);
    if (!v)
        return -1;
    r->v = v;
    if (r->fpath) {
        /* Keep the per-finding arrays as long as the findings. */
        char **fp = realloc(r->fpath, (r->n + 1) * sizeof *fp);
        if (!fp)
            return -1;
        r->fpath = fp;
        int64_t *ft = realloc(r->ftime, (r->n + 1) * sizeof *ft);
        if (!ft)
            return -1;
        r->ftime = ft;
        r->fpath[r->n] = NULL;
        r->ftime[r->n] = r->time;
    }
    r->v[r->n++] = *f;
    return 0;
}

int sweep_result_take(sweep_result *r, const ds_findings *f)
{
    for (size_t i = 0; i < f->n; i++) {
        ds_finding c = f->v[i];
        int oom = 0;
        c.kind = dup_or_null(c.kind, &oom);
        c.detector = dup_or_null(c.detector, &oom);
        c.encoding = dup_or_null(c.encoding, &oom);
        c.region = dup_or_null(c.region, &oom);
        if (oom || sweep_result_push(r, &c) < 0) {
            free((char *)c.kind);
            free((char *)c.detector);
            free((char *)c.encoding);
            free((char *)c.region);
            return -1;
        }
    }
    return 0;
}

int sweep_result_origin(sweep_result *r, size_t from, const char *path, int64_t time)
{
    size_t n = r->n ? r->n : 1, had = r->fpath ? r->n : 0;
    char **fp = realloc(r->fpath, n * sizeof *fp);
    if (!fp)
        return -1;
    r->fpath = fp;
    int64_t *ft = realloc(r->ftime, n * sizeof *ft);
    if (!ft)
        return -1;
    r->ftime = ft;
    for (size_t i = had; i < r->n; i++) {   /* first use: none named yet */
        r->fpath[i] = NULL;
        r->ftime[i] = r->time;
    }
    for (size_t i = from; i < r->n; i++) {
        free(r->fpath[i]);
        r->fpath[i] = strdup(path);
        r->ftime[i] = time;
        if (!r->fpath[i])
            return -1;
    }
    return 0;
}

const char *sweep_result_path(const sweep_result *r, size_t i, const char *file_path)
{
    return r->fpath && r->fpath[i] ? r->fpath[i] : file_path;
}

int64_t sweep_result_time(const sweep_result *r, size_t i)
{
    return r->fpath && r->fpath[i] ? r->ftime[i] : r->time;
}

void sweep_result_free(sweep_result *r)
{
    for (size_t i = 0; r->fpath && i < r->n; i++)
        free(r->fpath[i]);
    free(r->fpath);
    free(r->ftime);
    for (size_t i = 0; i < r->n; i++) {
        free((char *)r->v[i].kind);
        free((char *)r->v[i].detector);
        free((char *)r->v[i].encoding);
        free((char *)r->v[i].region);
    }
    free(r->v);
    free(r->unproven);
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

void sweep_print_header(FILE *o)
{
    fprintf(o, "%-28s %-10s %-18s %-22s %-22s %5s %-9s %s\n", "FILE", "OFFSET", "VADDR",
            "REGION", "KIND", "BITS", "CONF", "FINGERPRINT");
}

void sweep_print_row(FILE *o, const char *path, const ds_finding *f)
{
    out_text_str(o, path, 28);
    fprintf(o, " 0x%-8" PRIx64 " ", f->offset);
    if (f->has_vaddr)
        fprintf(o, "0x%-16" PRIx64 " ", f->vaddr);
    else
        fprintf(o, "%-18s ", "-");
    out_text_str(o, f->region, 22);
    fprintf(o, " %-22s ", f->kind);
    if (f->bits > 0)
        fprintf(o, "%5d ", f->bits);
    else
        fprintf(o, "%5s ", "-");
    fprintf(o, "%-9s ", ds_confidence_name(f->confidence));
    if (f->has_fingerprint) {
        char fp[72];
        ds_fingerprint_str(f->fingerprint, fp);
        fputs(fp, o);
    } else {
        fputc('-', o);
    }
    fputc('\n', o);
}

int sweep_result_render(sweep_result *r, const char *path, const sweep_fmt *fmt)
{
    free(r->out);
    r->out = NULL;
    r->out_len = 0;
    FILE *o = open_memstream(&r->out, &r->out_len);
    if (!o)
        return -1;
    for (size_t i = 0; i < r->n; i++) {
        const char *p = sweep_result_path(r, i, path);
        if (fmt->json) {
            out_finding_json(o, p, &r->v[i]);
            fputc('\n', o);
        } else {
            sweep_print_row(o, p, &r->v[i]);
        }
    }
    if (fclose(o) != 0)
        return -1;
    if (r->unproven && !fmt->quiet) {
        /* Appended to errors already rendered by the scan (open errors). */
        char *e = NULL;
        size_t elen = 0;
        FILE *w = open_memstream(&e, &elen);
        if (!w)
            return -1;
        if (r->err_len)
            fwrite(r->err, 1, r->err_len, w);
        fputs("dumpscrub: ", w);
        out_text_str(w, path, 0);
        fputs(": structure not fully read ", w);
        out_text_str(w, r->unproven, 0);
        fputc('\n', w);
        if (fclose(w) != 0) {
            free(e);
            return -1;
        }
        free(r->err);
        r->err = e;
        r->err_len = elen;
    }
    return 0;
}
