/*
 * gate_watch.c - `gate --watch`: handle each file dropped into the watched
 * directories once it is completely written, until SIGINT/SIGTERM.
 *
 * When is a file complete?  inotify says when a writer closes it
 * (IN_CLOSE_WRITE) or when it is renamed in (IN_MOVED_TO).  Neither is
 * proof: a writer may reopen and append.  So an event only arms a timer;
 * when it fires the file is handled if it has not changed (inode, size,
 * mtime) for --settle ms and nobody holds it open for writing (a read lease
 * can be taken).  Otherwise the timer is armed again.
 *
 * Bursts: events are read in batches; if the kernel's queue overflows
 * (IN_Q_OVERFLOW) every directory is listed again and each file not yet
 * handled is armed.  The set of handled versions (gate_seen.c) makes
 * repeated events, rescans and the gate's own in-place output harmless.
 */
#include "cli.h"
#include "gate.h"
#include "scrub.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define CLEAN_EVERY_MS (3600 * 1000LL)

typedef struct {
    const char *path;
    int wd;
    int alive;
} wdir;

typedef struct {
    int dir;
    char *name;
    int64_t due;
    struct stat st;
    int has_st;
} pending;

typedef struct {
    gate *g;
    wdir *dirs;
    int ndirs, nalive;
    pending *p;
    size_t np, cap;
    int ifd;
} watch;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *join(const char *dir, const char *name)
{
    char *s;
    if (asprintf(&s, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name) < 0)
        return NULL;
    return s;
}

static int same_st(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* (Re)arm the timer of dir/name: due after delay ms, compared then with
 * the file as it is now. */
static void arm(watch *w, int dir, const char *name, int64_t delay)
{
    /* A version already handled (the gate's own in-place output, a repeated
     * event) needs no timer. */
    char *path = join(w->dirs[dir].path, name);
    struct stat st;
    int has_st = path && lstat(path, &st) == 0;
    free(path);
    if (has_st && gate_seen_has(&w->g->seen, &st))
        return;
    pending *p = NULL;
    for (size_t i = 0; i < w->np; i++)
        if (w->p[i].dir == dir && !strcmp(w->p[i].name, name)) {
            p = &w->p[i];
            break;
        }
    if (!p) {
        if (w->np == w->cap) {
            size_t cap = w->cap ? w->cap * 2 : 64;
            pending *v = realloc(w->p, cap * sizeof *v);
            if (!v) {
                errmsg("out of memory: %s/%s not handled", w->dirs[dir].path, name);
                return;
            }
            w->p = v;
            w->cap = cap;
        }
        p = &w->p[w->np];
        memset(p, 0, sizeof *p);
        if (!(p->name = strdup(name))) {
            errmsg("out of memory: %s/%s not handled", w->dirs[dir].path, name);
            return;
        }
        p->dir = dir;
        w->np++;
    }
    p->due = now_ms() + delay;
    p->has_st = has_st;
    if (has_st)
        p->st = st;
}

static void drop(watch *w, size_t i)
{
    free(w->p[i].name);
    w->p[i] = w->p[--w->np];
}

static void rescan(watch *w, int dir, int64_t delay)
{
    ds_safe_clean_stale(w->dirs[dir].path, DS_STALE_AGE);
    char **list = gate_list_dir(w->dirs[dir].path);
    if (!list) {
        errmsg("%s: %s", w->dirs[dir].path, strerror(errno));
        return;
    }
    for (char **f = list; *f; f++) {
        struct stat st;
        if (lstat(*f, &st) == 0 && S_ISREG(st.st_mode) && !gate_seen_has(&w->g->seen, &st))
            arm(w, dir, strrchr(*f, '/') + 1, delay);
    }
    gate_free_list(list);
}

static void dir_gone(watch *w, int dir, const char *why)
{
    if (!w->dirs[dir].alive)
        return;
    errmsg("%s: %s; no longer watched", w->dirs[dir].path, why);
    inotify_rm_watch(w->ifd, w->dirs[dir].wd);
    w->dirs[dir].alive = 0;
    w->nalive--;
}

static int dir_of_wd(const watch *w, int wd)
{
    for (int i = 0; i < w->ndirs; i++)
        if (w->dirs[i].wd == wd && w->dirs[i].alive)
            return i;
    return -1;
}

/* Read every queued event.  -1 on a read error. */
static int read_events(watch *w)
{
    char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(w->ifd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 0;
        if (n <= 0) {
            errmsg("inotify: %s", n < 0 ? strerror(errno) : "end of events");
            return -1;
        }
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                /* Events were lost: look at everything again. */
                for (int i = 0; i < w->ndirs; i++)
                    if (w->dirs[i].alive)
                        rescan(w, i, w->g->settle_ms);
                continue;
            }
            int d = dir_of_wd(w, ev->wd);
            if (d < 0)
                continue;
            if (ev->mask & (IN_DELETE_SELF | IN_IGNORED | IN_UNMOUNT)) {
                dir_gone(w, d, "deleted or unmounted");
                continue;
            }
            if (ev->mask & IN_MOVE_SELF) {
                dir_gone(w, d, "moved away");
                continue;
            }
            if (!ev->len || (ev->mask & IN_ISDIR) || ds_safe_is_temp_name(ev->name))
                continue;
            if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
                arm(w, d, ev->name, w->g->settle_ms);
        }
    }
}

/* Handle the files whose timer fired and that are complete. */
static void handle_due(watch *w)
{
    int64_t now = now_ms();
    for (size_t i = 0; i < w->np && !ds_safe_stop_requested();) {
        pending *p = &w->p[i];
        if (p->due > now) {
            i++;
            continue;
        }
        char *path = join(w->dirs[p->dir].path, p->name);
        struct stat st;
        if (!path || lstat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
            gate_seen_has(&w->g->seen, &st)) {
            free(path);
            drop(w, i);
            continue;
        }
        if (!p->has_st || !same_st(&st, &p->st) || gate_busy(path)) {
            /* Still being written: wait for another quiet period. */
            p->st = st;
            p->has_st = 1;
            p->due = now + w->g->settle_ms;
            free(path);
            i++;
            continue;
        }
        int hr = gate_file(w->g, path);
        free(path);
        now = now_ms();
        if (hr == 2) {
            /* It changed while being checked: another quiet period. */
            w->p[i].has_st = 0;
            w->p[i].due = now + w->g->settle_ms;
            i++;
            continue;
        }
        drop(w, i);
    }
}

static int next_timeout(const watch *w)
{
    int64_t now = now_ms(), t = 60000;
    for (size_t i = 0; i < w->np; i++) {
        int64_t d = w->p[i].due - now;
        if (d < t)
            t = d < 0 ? 0 : d;
    }
    return (int)t;
}

int gate_watch(gate *g, char **paths, int ndirs)
{
    watch w = { .g = g, .ndirs = ndirs };
    int rc = -1;
    w.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w.ifd < 0) {
        errmsg("inotify: %s", strerror(errno));
        return -1;
    }
    if (!(w.dirs = calloc((size_t)ndirs, sizeof *w.dirs))) {
        errmsg("out of memory");
        goto out;
    }
    for (int i = 0; i < ndirs; i++) {
        w.dirs[i].path = paths[i];
        w.dirs[i].wd = inotify_add_watch(w.ifd, paths[i], WATCH_MASK);
        if (w.dirs[i].wd < 0) {
            errmsg("%s: cannot watch: %s", paths[i], strerror(errno));
            goto out;
        }
        w.dirs[i].alive = 1;
        w.nalive++;
    }
    /* What is there already, after the watches exist (so nothing falls in
     * between); due at once, unless still open for writing. */
    for (int i = 0; i < ndirs; i++)
        rescan(&w, i, 0);
    int64_t next_clean = now_ms() + CLEAN_EVERY_MS;
    rc = 0;
    while (!ds_safe_stop_requested()) {
        handle_due(&w);
        if (ds_safe_stop_requested())
            break;
        if (!w.nalive) {
            errmsg("no directory left to watch");
            rc = -1;
            break;
        }
        struct pollfd pf[2] = { { w.ifd, POLLIN, 0 }, { g->wake[0], POLLIN, 0 } };
        int n = poll(pf, 2, next_timeout(&w));
        if (n < 0 && errno != EINTR) {
            errmsg("poll: %s", strerror(errno));
            rc = -1;
            break;
        }
        if (n > 0 && (pf[0].revents & POLLIN) && read_events(&w) < 0) {
            rc = -1;
            break;
        }
        if (now_ms() >= next_clean) {
            for (int i = 0; i < ndirs; i++)
                if (w.dirs[i].alive)
                    ds_safe_clean_stale(w.dirs[i].path, DS_STALE_AGE);
            next_clean = now_ms() + CLEAN_EVERY_MS;
        }
    }
    /* Timers still armed for versions already handled do not count. */
    for (size_t i = 0; i < w.np; i++) {
        char *path = join(w.dirs[w.p[i].dir].path, w.p[i].name);
        struct stat st;
        if (path && lstat(path, &st) == 0 && S_ISREG(st.st_mode) && !gate_seen_has(&g->seen, &st))
            g->unhandled++;
        free(path);
    }
    if (g->unhandled)
        errmsg("stopping with %lu file%s not yet complete: not handled", g->unhandled,
               g->unhandled == 1 ? "" : "s");
out:
    for (size_t i = 0; i < w.np; i++)
        free(w.p[i].name);
    free(w.p);
    free(w.dirs);
    close(w.ifd);
    return rc;
}
