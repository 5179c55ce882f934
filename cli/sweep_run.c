/*
 * sweep_run.c - `dumpscrub scan` from the file list to the exit code:
 * collect the files (and keep this shard's share), take finished ones from
 * the state file, scan the rest in the pool, print each file's findings in
 * one piece, record it in the state, account it in the summary.
 */
#include "cli.h"
#include "sweep.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct run {
    const sweep_run_opts *ro;
    sweep_files files;
    sweep_result *res;
    pthread_mutex_t mu;          /* stdout, stderr, summary, print order */
    size_t next_print;
    int header_done;
    sweep_state *state;
    sweep_summary *sum;
    progress *prog;
    int state_failed;
};

/* Print one finished file's text and release what the report no longer
 * needs (the summary has its share already).  Called under run.mu. */
static void emit(struct run *r, size_t i)
{
    sweep_result *x = &r->res[i];
    progress_lock(r->prog);
    if (x->out_len) {
        if (!r->ro->fmt.json && !r->header_done++)
            sweep_print_header(stdout);
        fwrite(x->out, 1, x->out_len, stdout);
        fflush(stdout);
    }
    if (x->err_len) {
        fwrite(x->err, 1, x->err_len, stderr);
        fflush(stderr);
    }
    progress_unlock(r->prog);
    int rc = x->rc, done = x->done;
    sweep_result_free(x);
    x->rc = rc;
    x->done = done;
}

static void on_done(size_t i, void *arg)
{
    struct run *r = arg;
    sweep_result *x = &r->res[i];
    const sweep_file *f = &r->files.v[i];
    if (sweep_result_render(x, f->path, &r->ro->fmt) < 0) {
        x->rc = exit_merge(x->rc, EXIT_USAGE);
        errmsg("out of memory");
    }
    if (!x->from_state && sweep_state_append(r->state, f, x) < 0)
        r->state_failed = 1;
    pthread_mutex_lock(&r->mu);
    progress_done(r->prog, f->size);
    if (sweep_summary_add(r->sum, f->path, f->size, x) < 0) {
        errmsg("out of memory");
        r->state_failed = 1;
    }
    if (!r->ro->sort) {
        emit(r, i);
    } else {
        /* Files in walk order: print every finished file up to the first
         * one still running; the rest waits (its text only). */
        x->done = 2;
        while (r->next_print < r->files.n && r->res[r->next_print].done == 2)
            emit(r, r->next_print++);
    }
    pthread_mutex_unlock(&r->mu);
}

int sweep_run(const sweep_run_opts *ro)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.ro = ro;
    int rc = EXIT_CLEAN;
    for (int i = 0; i < ro->nroots; i++)
        rc = exit_merge(rc, sweep_files_collect(&r.files, ro->roots[i]));
    if (ro->shard_n) {
        size_t w = 0;
        for (size_t i = 0; i < r.files.n; i++) {
            if (shard_of(r.files.v[i].rel, ro->shard_n) == ro->shard_k)
                r.files.v[w++] = r.files.v[i];
            else
                free(r.files.v[i].path);
        }
        r.files.n = w;
    }
    r.res = calloc(r.files.n ? r.files.n : 1, sizeof *r.res);
    r.sum = sweep_summary_new();
    if (!r.res || !r.sum) {
        errmsg("out of memory");
        rc = EXIT_USAGE;
        goto out;
    }
    if (ro->known_path && sweep_known_fingerprints(r.sum, ro->known_path) < 0) {
        rc = EXIT_USAGE;
        goto out;
    }
    if (ro->state_path && !(r.state = sweep_state_open(ro->state_path, ro->state_sig))) {
        rc = EXIT_USAGE;
        goto out;
    }
    pthread_mutex_init(&r.mu, NULL);
    uint64_t total = 0;
    size_t resumed = 0;
    for (size_t i = 0; i < r.files.n; i++) {
        total += r.files.v[i].size;
        resumed += (size_t)sweep_state_lookup(r.state, &r.files.v[i], &r.res[i]);
    }
    if (r.state && !ro->fmt.quiet && resumed)
        errmsg("--state: %zu of %zu files finished before, not read again", resumed, r.files.n);
    r.prog = progress_start(ro->progress && !ro->fmt.quiet, r.files.n, total);
    for (size_t i = 0; i < r.files.n; i++)
        if (r.res[i].from_state)
            on_done(i, &r);
    int jobs = ro->jobs;
    if (jobs <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = n < 1 ? 1 : n > 256 ? 256 : (int)n;
    }
    sweep_pool_opts po = {
        .files = &r.files, .results = r.res, .opts = ro->opts, .jobs = jobs,
        .on_done = on_done, .arg = &r,
    };
    if (sweep_pool_run(&po) < 0)
        rc = exit_merge(rc, EXIT_USAGE);
    progress_stop(r.prog);
    rc = exit_merge(rc, sweep_summary_exit(r.sum));
    if (sweep_state_close(r.state) < 0 || r.state_failed)
        rc = exit_merge(rc, EXIT_USAGE);
    r.state = NULL;
    if (ro->summary > 0 || (ro->summary < 0 && r.files.n > 1 && !ro->fmt.quiet)) {
        fflush(stdout);
        sweep_summary_print(r.sum, stderr);
    }
    if (ro->summary_json && sweep_summary_write_json(r.sum, ro->summary_json) < 0)
        rc = exit_merge(rc, EXIT_USAGE);
    pthread_mutex_destroy(&r.mu);
out:
    sweep_state_close(r.state);
    for (size_t i = 0; r.res && i < r.files.n; i++)
        sweep_result_free(&r.res[i]);
    free(r.res);
    sweep_summary_free(r.sum);
    sweep_files_free(&r.files);
    return rc;
}
