/*
 * progress.c - one status line on stderr while a sweep runs: files and
 * bytes done, GB/s, ETA.  Only when stderr is a terminal (a log file or a
 * pipe gets nothing), redrawn twice a second by its own thread; output of
 * the sweep clears it first (progress_lock) so lines never mix.
 * Bytes are counted per finished file, on disk (compressed size for
 * compressed dumps), so the ETA assumes the remaining files scan alike.
 */
#include "sweep.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct progress {
    int on;
    uint64_t total_files, total_bytes;
    _Atomic uint64_t files, bytes;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    int stop, shown;
    struct timespec t0;
};

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void draw(progress *p)
{
    double el = since(&p->t0);
    uint64_t f = atomic_load(&p->files), b = atomic_load(&p->bytes);
    double rate = el > 0 ? (double)b / el : 0;
    fprintf(stderr, "\r%llu/%llu files, %.2f/%.2f GB, %.2f GB/s",
            (unsigned long long)f, (unsigned long long)p->total_files, (double)b / 1e9,
            (double)p->total_bytes / 1e9, rate / 1e9);
    if (rate > 0 && p->total_bytes >= b) {
        unsigned long eta = (unsigned long)((double)(p->total_bytes - b) / rate);
        fprintf(stderr, ", ETA %lu:%02lu:%02lu", eta / 3600, eta / 60 % 60, eta % 60);
    }
    fputs("\033[K", stderr);
    fflush(stderr);
    p->shown = 1;
}

static void clear(progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->shown = 0;
    }
}

static void *loop(void *arg)
{
    progress *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_nsec += 500000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&p->cv, &p->mu, &dl);
        if (!p->stop)
            draw(p);
    }
    clear(p);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

progress *progress_start(int enabled, uint64_t total_files, uint64_t total_bytes)
{
    progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->total_files = total_files;
    p->total_bytes = total_bytes;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    if (enabled && isatty(STDERR_FILENO) && pthread_create(&p->th, NULL, loop, p) == 0)
        p->on = 1;
    return p;
}

void progress_done(progress *p, uint64_t bytes)
{
    if (!p)
        return;
    atomic_fetch_add(&p->files, 1);
    atomic_fetch_add(&p->bytes, bytes);
}

void progress_lock(progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    clear(p);
}

void progress_unlock(progress *p)
{
    if (p)
        pthread_mutex_unlock(&p->mu);
}

void progress_stop(progress *p)
{
    if (!p)
        return;
    if (p->on) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->th, NULL);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
