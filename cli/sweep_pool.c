/*
 * sweep_pool.c - scan many files at once.
 *
 * `jobs` is the number of scanning threads in all.  Each pool worker takes
 * the next file (largest first, so one big file does not start last and
 * run alone) and scans it with its own detector states; the engine has no
 * mutable global state, so workers share nothing but the read-only rules
 * and known keys.  Threads no worker needs (fewer files than jobs, or the
 * tail of the sweep) are "spare": a file of at least BIG_FILE bytes that
 * starts while some are spare takes them as chunk threads inside it, so a
 * single large core still uses every thread.
 */
#include "cli.h"
#include "dumpfile.h"
#include "sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG_FILE ((uint64_t)16 << 20)

static void set_err(sweep_result *r, const char *msg)
{
    char *e = NULL;
    if (asprintf(&e, "%sdumpscrub: %s\n", r->err ? r->err : "", msg) < 0)
        return;
    free(r->err);
    r->err = e;
    r->err_len = strlen(e);
}

void sweep_scan_dump(const char *open_path, const char *shown, const char *member,
                     int64_t dflt_time, const ds_scan_opts *o, int jobs, size_t mem_limit,
                     sweep_result *r)
{
    ds_dumpfile df;
    char err[512], msg[1024];
    if (ds_dumpfile_open(&df, open_path, mem_limit, err, sizeof err) < 0) {
        /* Name the dump as the report does, not as it was opened. */
        size_t pl = strlen(open_path);
        const char *e = !strncmp(err, open_path, pl) && !strncmp(err + pl, ": ", 2) ?
                        err + pl + 2 : err;
        snprintf(msg, sizeof msg, "%s: %s", shown, e);
        set_err(r, msg);
        r->rc = exit_merge(r->rc, EXIT_USAGE);
        return;
    }
    ds_scan_opts so = *o;
    so.jobs = jobs;
    ds_findings found = { 0 };
    int rc = EXIT_CLEAN;
    if (ds_dumpfile_scan(&df, &so, &found, err, sizeof err) < 0) {
        snprintf(msg, sizeof msg, "%s: %s", shown, err);
        set_err(r, msg);
        rc = EXIT_USAGE;
    }
    size_t from = r->n;
    if (sweep_result_take(r, &found) < 0 ||
        (member && sweep_result_origin(r, from, shown, df.dump.time >= 0 ? df.dump.time
                                                                         : dflt_time) < 0)) {
        set_err(r, "out of memory");
        rc = EXIT_USAGE;
    }
    if (found.n)
        rc = exit_merge(rc, EXIT_FOUND);
    if ((df.dump.nproblems || df.dump.truncated) && !r->unproven) {
        /* The first such dump is named (an archive may hold several). */
        if (asprintf(&r->unproven, "(%s%s%s); every byte was scanned: %s",
                     member ? member : "", member ? ": " : "", ds_format_name(df.dump.format),
                     df.dump.nproblems ? df.dump.problems[0] : "truncated") < 0)
            r->unproven = NULL;
    }
    if (df.dump.nproblems || df.dump.truncated)
        rc = exit_merge(rc, EXIT_UNPROVEN);
    if (!member && df.dump.time >= 0)
        r->time = df.dump.time;
    r->rc = exit_merge(r->rc, rc);
    ds_findings_free(&found);
    ds_dumpfile_close(&df);
}

void sweep_scan_file(const sweep_file *f, const ds_scan_opts *o, int jobs,
                     size_t mem_limit, sweep_result *r)
{
    r->time = f->is_stdin ? -1 : f->mtime;
    r->rc = EXIT_CLEAN;
    if (!f->is_stdin && sweep_is_archive_name(f->path))
        sweep_scan_archive(f, o, jobs, mem_limit, r);
    else
        sweep_scan_dump(f->path, f->path, NULL, r->time, o, jobs, mem_limit, r);
    r->done = 1;
}

struct pool {
    const sweep_pool_opts *po;
    size_t *order;
    size_t norder, next;
    int spare;
    pthread_mutex_t mu;
};

static void *worker(void *arg)
{
    struct pool *p = arg;
    const sweep_pool_opts *po = p->po;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        if (p->next >= p->norder) {
            p->spare++;              /* this thread's share goes back */
            pthread_mutex_unlock(&p->mu);
            break;
        }
        size_t i = p->order[p->next++];
        int extra = 0;
        if (po->files->v[i].size >= BIG_FILE && p->spare > 0) {
            extra = p->spare;
            p->spare = 0;
        }
        pthread_mutex_unlock(&p->mu);
        sweep_scan_file(&po->files->v[i], po->opts, 1 + extra, po->mem_limit, &po->results[i]);
        if (extra) {
            pthread_mutex_lock(&p->mu);
            p->spare += extra;
            pthread_mutex_unlock(&p->mu);
        }
        if (po->on_done)
            po->on_done(i, po->arg);
    }
    return NULL;
}

static int by_size_desc(const void *a, const void *b, void *arg)
{
    const sweep_files *fl = arg;
    uint64_t x = fl->v[*(const size_t *)a].size;
    uint64_t y = fl->v[*(const size_t *)b].size;
    if (x != y)
        return x < y ? 1 : -1;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    return i < j ? -1 : i > j;
}

int sweep_pool_run(const sweep_pool_opts *po)
{
    struct pool p = { .po = po };
    p.order = malloc((po->files->n ? po->files->n : 1) * sizeof *p.order);
    if (!p.order) {
        errmsg("out of memory");
        return -1;
    }
    for (size_t i = 0; i < po->files->n; i++)
        if (!po->results[i].done)
            p.order[p.norder++] = i;
    if (!p.norder) {
        free(p.order);
        return 0;
    }
    qsort_r(p.order, p.norder, sizeof *p.order, by_size_desc, (void *)po->files);
    int jobs = po->jobs > 0 ? po->jobs : 1;
    size_t nw = (size_t)jobs < p.norder ? (size_t)jobs : p.norder;
    p.spare = jobs - (int)nw;
    pthread_mutex_init(&p.mu, NULL);
    pthread_t *th = calloc(nw, sizeof *th);
    size_t started = 0;
    if (th)
        for (; started < nw; started++)
            if (pthread_create(&th[started], NULL, worker, &p) != 0)
                break;
    if (started == 0) {
        /* No thread at all: scan on this one. */
        worker(&p);
    } else if (started < nw) {
        pthread_mutex_lock(&p.mu);
        p.spare += (int)(nw - started);
        pthread_mutex_unlock(&p.mu);
    }
    for (size_t t = 0; t < started; t++)
        pthread_join(th[t], NULL);
    free(th);
    pthread_mutex_destroy(&p.mu);
    free(p.order);
    return 0;
}
