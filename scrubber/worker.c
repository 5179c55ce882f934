/*
 * worker.c - the ordered helper thread (worker.h): a ring of buffers, a
 * mutex and two condition variables.
 */
#include "worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

struct ds_worker {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_free;
    uint8_t **bufs;
    size_t *lens;
    size_t nbuf, cap;
    size_t head, tail, queued;   /* ring of submitted buffers: [tail, head) */
    uint8_t **free_list;
    size_t nfree;
    int stop, failed;
    char err[512];
    ds_worker_fn fn;
    void *arg;
};

static void *run(void *p)
{
    ds_worker *w = p;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->queued && !w->stop)
            pthread_cond_wait(&w->cv_work, &w->mu);
        if (!w->queued)
            break;
        uint8_t *b = w->bufs[w->tail];
        size_t n = w->lens[w->tail];
        int failed = w->failed;
        pthread_mutex_unlock(&w->mu);
        char err[512] = "";
        int rc = failed || !n ? 0 : w->fn(w->arg, b, n, err, sizeof err);
        pthread_mutex_lock(&w->mu);
        if (rc < 0 && !w->failed) {
            w->failed = 1;
            snprintf(w->err, sizeof w->err, "%s", err);
        }
        w->tail = (w->tail + 1) % w->nbuf;
        w->queued--;
        w->free_list[w->nfree++] = b;
        pthread_cond_broadcast(&w->cv_free);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

ds_worker *ds_worker_new(size_t nbuf, size_t cap, ds_worker_fn fn, void *arg)
{
    ds_worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->nbuf = nbuf;
    w->cap = cap;
    w->fn = fn;
    w->arg = arg;
    w->bufs = calloc(nbuf, sizeof *w->bufs);
    w->lens = calloc(nbuf, sizeof *w->lens);
    w->free_list = calloc(nbuf, sizeof *w->free_list);
    if (!w->bufs || !w->lens || !w->free_list)
        goto fail;
    for (size_t i = 0; i < nbuf; i++) {
        if (!(w->free_list[i] = malloc(cap)))
            goto fail;
        w->nfree++;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv_work, NULL);
    pthread_cond_init(&w->cv_free, NULL);
    if (pthread_create(&w->tid, NULL, run, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv_work);
        pthread_cond_destroy(&w->cv_free);
        goto fail;
    }
    return w;
fail:
    if (w->free_list)
        for (size_t i = 0; i < w->nfree; i++)
            free(w->free_list[i]);
    free(w->free_list);
    free(w->bufs);
    free(w->lens);
    free(w);
    return NULL;
}

uint8_t *ds_worker_buf(ds_worker *w)
{
    pthread_mutex_lock(&w->mu);
    while (!w->nfree && !w->failed)
        pthread_cond_wait(&w->cv_free, &w->mu);
    uint8_t *b = w->failed ? NULL : w->free_list[--w->nfree];
    pthread_mutex_unlock(&w->mu);
    return b;
}

int ds_worker_submit(ds_worker *w, uint8_t *buf, size_t n)
{
    pthread_mutex_lock(&w->mu);
    /* A buffer taken from the free list always has a ring slot. */
    w->bufs[w->head] = buf;
    w->lens[w->head] = n;
    w->head = (w->head + 1) % w->nbuf;
    w->queued++;
    int failed = w->failed;
    pthread_cond_signal(&w->cv_work);
    pthread_mutex_unlock(&w->mu);
    return failed ? -1 : 0;
}

int ds_worker_finish(ds_worker *w, char *err, size_t errlen)
{
    pthread_mutex_lock(&w->mu);
    while (w->queued)
        pthread_cond_wait(&w->cv_free, &w->mu);
    int failed = w->failed;
    if (failed)
        snprintf(err, errlen, "%s", w->err);
    pthread_mutex_unlock(&w->mu);
    return failed ? -1 : 0;
}

void ds_worker_free(ds_worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    w->failed = 1;       /* anything still queued is dropped, not processed */
    pthread_cond_signal(&w->cv_work);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->tid, NULL);
    /* Every buffer is back on the free list once the thread has ended. */
    for (size_t i = 0; i < w->nfree; i++) {
        OPENSSL_cleanse(w->free_list[i], w->cap);
        free(w->free_list[i]);
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv_work);
    pthread_cond_destroy(&w->cv_free);
    free(w->free_list);
    free(w->bufs);
    free(w->lens);
    free(w);
}
