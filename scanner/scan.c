/*
 * scan.c - the scan engine.
 *
 * Every byte of the file is offered to every detector: the file is cut into
 * chunks, and detector i sees buf[0 .. own + overlap) for starts in
 * buf[0 .. own), the overlap being the largest max_span of all detectors.
 * Nothing the dump's structure says can hide bytes from the scan.
 *
 * Workers (jobs > 1) take chunks from a shared counter; each has its own
 * detector states, findings go through one mutex (they are rare).
 */
#include "scan.h"

#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK (4u << 20)

struct ds_scan {
    const ds_dump *dump;
    const uint8_t *whole;      /* NULL when streaming */
    size_t whole_len;
    ds_confidence min_conf;
    const struct ds_known_keys *known;
    const struct ds_ruleset *rules;
    pthread_mutex_t lock;
    ds_findings *out;
    int oom;
};

void ds_scan_opts_init(ds_scan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->min_confidence = DS_CONF_POSSIBLE;
    o->jobs = 1;
}

void ds_findings_free(ds_findings *f)
{
    free(f->v);
    memset(f, 0, sizeof *f);
}

int ds_findings_push(ds_findings *f, const ds_finding *x)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        ds_finding *v = realloc(f->v, cap * sizeof *v);
        if (!v)
            return -1;
        f->v = v;
        f->cap = cap;
    }
    f->v[f->n++] = *x;
    return 0;
}

void ds_emit(ds_scan *s, const ds_finding *f)
{
    if (f->confidence < s->min_conf || f->length == 0)
        return;
    ds_finding c = *f;
    c.has_vaddr = 0;
    c.region = NULL;
    pthread_mutex_lock(&s->lock);
    if (ds_findings_push(s->out, &c) < 0)
        s->oom = 1;
    pthread_mutex_unlock(&s->lock);
}

const ds_dump *ds_scan_dump(const ds_scan *s) { return s->dump; }
const struct ds_known_keys *ds_scan_known(const ds_scan *s) { return s->known; }
const struct ds_ruleset *ds_scan_rules(const ds_scan *s) { return s->rules; }

const uint8_t *ds_scan_whole(const ds_scan *s, size_t *len)
{
    if (len)
        *len = s->whole_len;
    return s->whole;
}

static const ds_detector *const *detector_list(const ds_scan_opts *o)
{
    return o && o->detectors ? o->detectors : ds_detectors;
}

static size_t overlap_of(const ds_detector *const *dl)
{
    size_t ov = 0;
    for (; *dl; dl++)
        if ((*dl)->max_span > ov)
            ov = (*dl)->max_span;
    return ov;
}

/* Per-worker detector states, opened together and closed together. */
typedef struct {
    const ds_detector *const *dl;
    void *state[64];
    size_t n;
} workerset;

static int workerset_open(workerset *w, const ds_detector *const *dl, ds_scan *s)
{
    memset(w, 0, sizeof *w);
    w->dl = dl;
    for (; dl[w->n]; w->n++) {
        if (w->n == sizeof w->state / sizeof w->state[0])
            return -1;
        int err = 0;
        w->state[w->n] = dl[w->n]->open ? dl[w->n]->open(s, &err) : NULL;
        if (err) {
            w->n++;   /* close what was opened, including this slot (NULL) */
            return -1;
        }
    }
    return 0;
}

static void workerset_close(workerset *w)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->dl[i]->close)
            w->dl[i]->close(w->state[i]);
    w->n = 0;
}

static void workerset_scan(workerset *w, ds_scan *s, const uint8_t *buf, size_t own,
                           size_t len, uint64_t base)
{
    for (size_t i = 0; i < w->n; i++)
        w->dl[i]->scan(w->state[i], s, buf, own, len, base);
}

/* ---- in-memory scan ------------------------------------------------------ */

typedef struct {
    ds_scan *s;
    const ds_detector *const *dl;
    const uint8_t *buf;
    int fd;                 /* >= 0: buf maps this file; read chunks with pread */
    size_t len, chunk, overlap, nchunks;
    atomic_size_t next;
    atomic_int failed;
} memjob;

/* buf[0, n) <- the file at off; 0 when all of it came. */
static int pread_all(int fd, uint8_t *buf, size_t n, uint64_t off)
{
    while (n) {
        ssize_t k = pread(fd, buf, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        buf += k;
        off += (uint64_t)k;
        n -= (size_t)k;
    }
    return 0;
}

static void *mem_worker(void *arg)
{
    memjob *j = arg;
    workerset w;
    uint8_t *copy = NULL;
    size_t copy_len = j->chunk + j->overlap;
    if (j->fd >= 0 && (copy = aligned_alloc(1u << 21, (copy_len + (1u << 21) - 1) & ~(size_t)((1u << 21) - 1))))
        madvise(copy, copy_len, MADV_HUGEPAGE);   /* one TLB entry per 2 MiB */
    if (workerset_open(&w, j->dl, j->s) < 0) {
        workerset_close(&w);
        free(copy);
        atomic_store(&j->failed, 1);
        return NULL;
    }
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->nchunks)
            break;
        size_t start = i * j->chunk;
        size_t own = j->len - start < j->chunk ? j->len - start : j->chunk;
        size_t avail = j->len - start;
        size_t wlen = avail - own < j->overlap ? avail : own + j->overlap;
        /* The mapping when the copy is not there or the read fails (the
         * bytes are the same: both come from the page cache). */
        const uint8_t *p = copy && pread_all(j->fd, copy, wlen, start) == 0 ? copy : j->buf + start;
        workerset_scan(&w, j->s, p, own, wlen, start);
    }
    workerset_close(&w);
    if (copy) {
        OPENSSL_cleanse(copy, copy_len);   /* it held the dump's secrets */
        free(copy);
    }
    return NULL;
}

static int cmp_finding(const void *a, const void *b)
{
    const ds_finding *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    if (x->length != y->length)     /* longer first: containers before contents */
        return x->length > y->length ? -1 : 1;
    return (int)y->confidence - (int)x->confidence;
}

/* Is b (inside a, no more confident) the same key or secret as a? */
static int same_key(const ds_finding *a, const ds_finding *b)
{
    if (a->has_fingerprint && b->has_fingerprint)
        return memcmp(a->fingerprint, b->fingerprint, 32) == 0;
    /* Unidentified: the same kind, and the same detector or a strictly
     * more confident container (a token rule's `likely` finding swallows
     * the generic secret-assignment heuristic's `possible` one; two rules
     * with equal confidence on the same bytes are two facts). */
    if (!a->has_fingerprint && !b->has_fingerprint)
        return strcmp(a->kind, b->kind) == 0 &&
               (strcmp(a->detector, b->detector) == 0 || a->confidence > b->confidence);
    return 0;
}

/* Sort; drop a finding contained in an earlier one of the same key (a PKCS#1
 * key inside the PKCS#8 that wraps it, the same blob seen by two chunks);
 * label from the region map. */
static void finish_findings(ds_findings *f, const ds_dump *d)
{
    if (f->n > 1)
        qsort(f->v, f->n, sizeof *f->v, cmp_finding);
    size_t keep = 0;
    for (size_t i = 0; i < f->n; i++) {
        ds_finding *x = &f->v[i];
        int dup = 0;
        /* Look back over the findings that can still contain x. */
        for (size_t k = keep; k-- > 0;) {
            ds_finding *c = &f->v[k];
            if (c->offset + c->length <= x->offset) {
                if (x->offset - c->offset > (1u << 20))
                    break;
                continue;
            }
            /* A PKCS#12 container swallows the (encrypted) key bags found
             * inside it when it straddled a chunk border; an identified key
             * swallows unidentified pieces of the same kind inside it (a
             * JWK's private members found by the fragment rule). */
            if (x->offset + x->length <= c->offset + c->length &&
                (same_key(c, x) || !strcmp(c->kind, DS_KIND_PKCS12) ||
                 (c->has_fingerprint && !x->has_fingerprint && !strcmp(c->kind, x->kind))) &&
                c->confidence >= x->confidence) {
                dup = 1;
                break;
            }
        }
        if (dup)
            continue;
        const ds_region *r = d ? ds_dump_region_at(d, x->offset) : NULL;
        if (r) {
            x->region = r->label;
            if (r->has_vaddr) {
                x->has_vaddr = 1;
                x->vaddr = r->vaddr + (x->offset - r->file_off);
            }
        }
        f->v[keep++] = *x;
    }
    f->n = keep;
}

static void scan_init(ds_scan *s, const ds_dump *d, const ds_scan_opts *o, ds_findings *out)
{
    memset(s, 0, sizeof *s);
    s->dump = d;
    s->min_conf = o ? o->min_confidence : DS_CONF_POSSIBLE;
    s->known = o ? o->known : NULL;
    s->rules = o ? o->rules : NULL;
    s->out = out;
    pthread_mutex_init(&s->lock, NULL);
}

int ds_scan_memory(const uint8_t *buf, size_t len, const ds_dump *d,
                   const ds_scan_opts *o, ds_findings *out)
{
    return ds_scan_mapped_file(buf, len, -1, d, o, out);
}

int ds_scan_mapped_file(const uint8_t *buf, size_t len, int fd, const ds_dump *d,
                        const ds_scan_opts *o, ds_findings *out)
{
    ds_scan s;
    scan_init(&s, d, o, out);
    s.whole = buf;
    s.whole_len = len;

    memjob j = { .s = &s, .dl = detector_list(o), .buf = buf, .fd = fd, .len = len };
    j.chunk = o && o->chunk_size ? o->chunk_size : DEFAULT_CHUNK;
    j.overlap = overlap_of(j.dl);
    j.nchunks = len ? (len - 1) / j.chunk + 1 : 0;
    atomic_init(&j.next, 0);
    atomic_init(&j.failed, 0);

    int jobs = o && o->jobs > 1 ? o->jobs : 1;
    if ((size_t)jobs > j.nchunks)
        jobs = j.nchunks ? (int)j.nchunks : 1;
    pthread_t tid[256];
    int started = 0;
    if (jobs > 256)
        jobs = 256;
    for (int i = 1; i < jobs; i++)
        if (pthread_create(&tid[started], NULL, mem_worker, &j) == 0)
            started++;
    mem_worker(&j);   /* the calling thread works too */
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    pthread_mutex_destroy(&s.lock);

    finish_findings(out, d);
    return (s.oom || atomic_load(&j.failed)) ? -1 : 0;
}

/* ---- streaming ------------------------------------------------------------ */

struct ds_stream {
    ds_scan s;
    workerset w;
    const ds_detector *const *dl;
    uint8_t *buf;          /* chunk + overlap bytes */
    size_t fill, chunk, overlap;
    uint64_t base;         /* file offset of buf[0] */
    int failed;
};

ds_stream *ds_stream_new(const ds_dump *d, const ds_scan_opts *o, ds_findings *out)
{
    ds_stream *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    scan_init(&st->s, d, o, out);
    st->dl = detector_list(o);
    st->chunk = o && o->chunk_size ? o->chunk_size : DEFAULT_CHUNK;
    st->overlap = overlap_of(st->dl);
    st->buf = malloc(st->chunk + st->overlap);
    if (!st->buf || workerset_open(&st->w, st->dl, &st->s) < 0) {
        ds_stream_free(st);
        return NULL;
    }
    return st;
}

int ds_stream_feed(ds_stream *st, const uint8_t *data, size_t len)
{
    size_t cap = st->chunk + st->overlap;
    while (len) {
        size_t take = cap - st->fill < len ? cap - st->fill : len;
        memcpy(st->buf + st->fill, data, take);
        st->fill += take;
        data += take;
        len -= take;
        if (st->fill == cap) {
            /* Starts in [0, chunk) can now be judged: they see a full overlap. */
            workerset_scan(&st->w, &st->s, st->buf, st->chunk, cap, st->base);
            memmove(st->buf, st->buf + st->chunk, st->overlap);
            st->fill = st->overlap;
            st->base += st->chunk;
        }
    }
    return st->s.oom ? -1 : 0;
}

int ds_stream_finish(ds_stream *st)
{
    if (st->fill)
        workerset_scan(&st->w, &st->s, st->buf, st->fill, st->fill, st->base);
    st->base += st->fill;
    st->fill = 0;
    finish_findings(st->s.out, st->s.dump);
    return st->s.oom ? -1 : 0;
}

uint64_t ds_stream_final_offset(const ds_stream *st)
{
    return st->base;
}

void ds_stream_free(ds_stream *st)
{
    if (!st)
        return;
    workerset_close(&st->w);
    if (st->buf) {
        /* The window held raw dump bytes, possibly secrets. */
        explicit_bzero(st->buf, st->chunk + st->overlap);
        free(st->buf);
    }
    pthread_mutex_destroy(&st->s.lock);
    free(st);
}
