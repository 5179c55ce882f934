/*
 * sweep_state.c - --state FILE: which files a sweep has finished, and what
 * it found in them, so that an interrupted sweep continues where it stopped
 * and a re-run over a grown archive reads only new or changed files, while
 * still printing the full report.
 *
 * The file is JSON Lines, append-only: a header line naming the options
 * that change findings, then one record per finished file:
 *   {"path":..., "path_sha256":..., "size":..., "mtime":..., "mtime_ns":...,
 *    "ino":..., "rc":..., "time":..., "unproven":..., "findings":[...]}
 * Each record goes out in one write() on an O_APPEND descriptor, so a kill
 * leaves at most a torn last line; it is cut off on the next open.
 * fdatasync runs at most once a second and at the end: after a power loss
 * the last second's files are scanned again, never lost.  A later record
 * for the same path replaces an earlier one.  Files that could not be read
 * (exit 2) get no record: the next run tries them again.
 *
 * The path is matched by the SHA-256 of its exact bytes (paths need not be
 * UTF-8); "path" itself is for people reading the file.
 */
#include "cli.h"
#include "finding_json.h"
#include "output.h"
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>

struct rec {
    uint8_t key[32];
    uint64_t size, ino;
    int64_t mtime, mtime_ns;
    json_t *obj;
    int used;
};

struct sweep_state {
    int fd;
    char *path;
    struct rec *tab;       /* open addressing, by path hash */
    size_t cap, n;
    pthread_mutex_t mu;
    struct timespec last_sync;
    int failed;
};

static void path_key(const char *path, uint8_t key[32])
{
    SHA256((const unsigned char *)path, strlen(path), key);
}

static struct rec *slot(sweep_state *st, const uint8_t key[32])
{
    uint64_t h;
    memcpy(&h, key, sizeof h);
    for (size_t i = (size_t)(h & (st->cap - 1));; i = (i + 1) & (st->cap - 1))
        if (!st->tab[i].used || !memcmp(st->tab[i].key, key, 32))
            return &st->tab[i];
}

static int grow(sweep_state *st)
{
    size_t ncap = st->cap ? st->cap * 2 : 1024;
    struct rec *old = st->tab;
    size_t ocap = st->cap;
    if (!(st->tab = calloc(ncap, sizeof *st->tab))) {
        st->tab = old;
        return -1;
    }
    st->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].used)
            *slot(st, old[i].key) = old[i];
    free(old);
    return 0;
}

static int hex_key(const char *s, uint8_t key[32])
{
    char buf[80];
    if (!s || strlen(s) != 64)
        return -1;
    snprintf(buf, sizeof buf, "sha256:%s", s);
    return fingerprint_parse(buf, key);
}

static int get_i64(json_t *o, const char *k, int64_t *v)
{
    json_t *j = json_object_get(o, k);
    if (!json_is_integer(j))
        return -1;
    *v = (int64_t)json_integer_value(j);
    return 0;
}

/* Take one record line; 0 kept, -1 malformed (ignored by the caller). */
static int load_record(sweep_state *st, json_t *o)
{
    struct rec r = { .used = 1 };
    int64_t size, ino, rc;
    if (!json_is_object(o) ||
        hex_key(json_string_value(json_object_get(o, "path_sha256")), r.key) < 0 ||
        get_i64(o, "size", &size) < 0 || get_i64(o, "ino", &ino) < 0 ||
        get_i64(o, "mtime", &r.mtime) < 0 || get_i64(o, "mtime_ns", &r.mtime_ns) < 0 ||
        get_i64(o, "rc", &rc) < 0 || !json_is_array(json_object_get(o, "findings")))
        return -1;
    r.size = (uint64_t)size;
    r.ino = (uint64_t)ino;
    if ((st->n + 1) * 2 > st->cap && grow(st) < 0)
        return -1;
    struct rec *s = slot(st, r.key);
    if (s->used)
        json_decref(s->obj);
    else
        st->n++;
    r.obj = json_incref(o);
    *s = r;
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int load(sweep_state *st, const char *sig)
{
    FILE *fp = fdopen(dup(st->fd), "r");
    if (!fp) {
        errmsg("--state %s: %s", st->path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0, bad = 0;
    off_t good_end = 0;
    ssize_t len;
    int rc = 0, have_header = 0;
    while ((len = getline(&line, &cap, fp)) > 0) {
        if (line[len - 1] != '\n')
            break;              /* torn last line: cut below */
        lineno++;
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)len, 0, &je);
        if (lineno == 1) {
            const char *s = json_string_value(json_object_get(o, "options"));
            if (!o || !json_object_get(o, "dumpscrub_state") || !s) {
                errmsg("--state %s: not a dumpscrub state file", st->path);
                json_decref(o);
                rc = -1;
                break;
            }
            if (strcmp(s, sig) != 0) {
                errmsg("--state %s: made with other options (%s), not (%s): use a new state file",
                       st->path, s, sig);
                json_decref(o);
                rc = -1;
                break;
            }
            have_header = 1;
        } else if (!o || load_record(st, o) < 0) {
            bad++;
        }
        json_decref(o);
        good_end += (off_t)len;
    }
    free(line);
    fclose(fp);
    if (rc < 0)
        return -1;
    if (bad)
        errmsg("warning: --state %s: %zu damaged records ignored (those files are scanned again)",
               st->path, bad);
    struct stat sb;
    if (fstat(st->fd, &sb) == 0 && sb.st_size > good_end) {
        if (ftruncate(st->fd, good_end) < 0) {
            errmsg("--state %s: cannot cut the torn last record: %s", st->path, strerror(errno));
            return -1;
        }
    }
    if (!have_header) {
        char *h = NULL;
        size_t hl = 0;
        FILE *m = open_memstream(&h, &hl);
        if (!m)
            return -1;
        fputs("{\"dumpscrub_state\":1,\"options\":", m);
        out_json_str(m, sig);
        fputs("}\n", m);
        fclose(m);
        int w = write_all(st->fd, h, hl);
        free(h);
        if (w < 0 || fdatasync(st->fd) < 0) {
            errmsg("--state %s: %s", st->path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

sweep_state *sweep_state_open(const char *path, const char *sig)
{
    sweep_state *st = calloc(1, sizeof *st);
    if (!st || !(st->path = strdup(path))) {
        free(st);
        errmsg("out of memory");
        return NULL;
    }
    st->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (st->fd < 0) {
        errmsg("--state %s: %s", path, strerror(errno));
        free(st->path);
        free(st);
        return NULL;
    }
    if (flock(st->fd, LOCK_EX | LOCK_NB) < 0) {
        errmsg("--state %s: in use by another sweep", path);
        goto fail;
    }
    pthread_mutex_init(&st->mu, NULL);
    clock_gettime(CLOCK_MONOTONIC, &st->last_sync);
    if (grow(st) < 0 || load(st, sig) < 0)
        goto fail_mu;
    return st;
fail_mu:
    pthread_mutex_destroy(&st->mu);
fail:
    for (size_t i = 0; i < st->cap; i++)
        if (st->tab[i].used)
            json_decref(st->tab[i].obj);
    free(st->tab);
    close(st->fd);
    free(st->path);
    free(st);
    return NULL;
}

int sweep_state_lookup(sweep_state *st, const sweep_file *f, sweep_result *r)
{
    if (!st || f->is_stdin)
        return 0;
    uint8_t key[32];
    path_key(f->path, key);
    struct rec *s = slot(st, key);
    if (!s->used || s->size != f->size || s->ino != f->ino || s->mtime != f->mtime ||
        s->mtime_ns != f->mtime_ns)
        return 0;
    int64_t rc = 0, t = -1;
    get_i64(s->obj, "rc", &rc);
    get_i64(s->obj, "time", &t);
    r->time = t;
    json_t *arr = json_object_get(s->obj, "findings"), *v;
    json_t *times = json_object_get(s->obj, "finding_times");
    size_t i;
    json_array_foreach(arr, i, v) {
        ds_finding fd;
        const char *file = NULL;
        if (finding_from_json(v, &fd, &file) < 0) {
            sweep_result_free(r);
            return 0;                   /* unreadable record: scan the file again */
        }
        if (sweep_result_push(r, &fd) < 0) {
            free((char *)fd.kind);
            free((char *)fd.detector);
            free((char *)fd.encoding);
            free((char *)fd.region);
            sweep_result_free(r);
            return 0;
        }
        if (file && sweep_result_origin(r, r->n - 1, file,
                                        json_integer_value(json_array_get(times, i))) < 0) {
            sweep_result_free(r);
            return 0;
        }
    }
    const char *u = json_string_value(json_object_get(s->obj, "unproven"));
    if (u && !(r->unproven = strdup(u))) {
        sweep_result_free(r);
        return 0;
    }
    r->rc = (int)rc;
    r->done = 1;
    r->from_state = 1;
    return 1;
}

int sweep_state_append(sweep_state *st, const sweep_file *f, const sweep_result *r)
{
    if (!st || f->is_stdin || r->rc == EXIT_USAGE)
        return 0;
    uint8_t key[32];
    char hex[72];
    path_key(f->path, key);
    ds_fingerprint_str(key, hex);       /* "sha256:" + hex */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return -1;
    fputs("{\"path\":", m);
    out_json_str(m, f->path);
    fprintf(m, ",\"path_sha256\":\"%s\",\"size\":%llu,\"mtime\":%lld,\"mtime_ns\":%lld,"
               "\"ino\":%llu,\"rc\":%d,\"time\":%lld",
            hex + 7, (unsigned long long)f->size, (long long)f->mtime, (long long)f->mtime_ns,
            (unsigned long long)f->ino, r->rc, (long long)r->time);
    if (r->unproven) {
        fputs(",\"unproven\":", m);
        out_json_str(m, r->unproven);
    }
    fputs(",\"findings\":[", m);
    for (size_t i = 0; i < r->n; i++) {
        if (i)
            fputc(',', m);
        /* "file" only for archive members (ARCHIVE!member). */
        out_finding_json(m, r->fpath ? r->fpath[i] : NULL, &r->v[i]);
    }
    fputc(']', m);
    if (r->fpath) {
        fputs(",\"finding_times\":[", m);
        for (size_t i = 0; i < r->n; i++)
            fprintf(m, "%s%lld", i ? "," : "", (long long)r->ftime[i]);
        fputc(']', m);
    }
    fputs("}\n", m);
    if (fclose(m) != 0) {
        free(buf);
        return -1;
    }
    pthread_mutex_lock(&st->mu);
    int rc = write_all(st->fd, buf, len);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (rc == 0 && now.tv_sec > st->last_sync.tv_sec) {
        rc = fdatasync(st->fd);
        st->last_sync = now;
    }
    if (rc < 0 && !st->failed) {
        st->failed = 1;
        errmsg("--state %s: %s", st->path, strerror(errno));
    }
    pthread_mutex_unlock(&st->mu);
    free(buf);
    return rc;
}

int sweep_state_close(sweep_state *st)
{
    if (!st)
        return 0;
    int rc = st->failed ? -1 : 0;
    if (fdatasync(st->fd) < 0 || close(st->fd) < 0) {
        errmsg("--state %s: %s", st->path, strerror(errno));
        rc = -1;
    }
    for (size_t i = 0; i < st->cap; i++)
        if (st->tab[i].used)
            json_decref(st->tab[i].obj);
    free(st->tab);
    pthread_mutex_destroy(&st->mu);
    free(st->path);
    free(st);
    return rc;
}
