/*
 * gate_seen.c - the set of file versions the gate has handled, so that
 * every version is handled exactly once: repeated close_write events, a
 * rescan after an inotify overflow, and the gate's own in-place output
 * (recorded as handled when it is published) are all skipped.
 *
 * Inode numbers are reused once a file is deleted; a new file with the
 * same inode, size and mtime (to the nanosecond the filesystem keeps)
 * would be taken for the old one.  mtime granularity makes that rare, and
 * a file written later has a later mtime.
 */
#include "gate.h"

#include <stdlib.h>
#include <string.h>

static gate_key key_of(const struct stat *st)
{
    gate_key k = {
        .dev = (uint64_t)st->st_dev, .ino = (uint64_t)st->st_ino,
        .size = (uint64_t)st->st_size,
        .mtime_sec = (int64_t)st->st_mtim.tv_sec, .mtime_nsec = st->st_mtim.tv_nsec,
        .used = 1,
    };
    return k;
}

static uint64_t hash_key(const gate_key *k)
{
    uint64_t h = 1469598103934665603ull;
    uint64_t parts[5] = { k->dev, k->ino, k->size, (uint64_t)k->mtime_sec, (uint64_t)k->mtime_nsec };
    for (int i = 0; i < 5; i++) {
        h ^= parts[i];
        h *= 1099511628211ull;
        h ^= h >> 29;
    }
    return h;
}

static int same(const gate_key *a, const gate_key *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

static size_t find(const gate_key *v, size_t cap, const gate_key *k)
{
    size_t i = (size_t)hash_key(k) & (cap - 1);
    while (v[i].used && !same(&v[i], k))
        i = (i + 1) & (cap - 1);
    return i;
}

int gate_seen_has(const gate_seen *s, const struct stat *st)
{
    if (!s->cap)
        return 0;
    gate_key k = key_of(st);
    return s->v[find(s->v, s->cap, &k)].used;
}

int gate_seen_add(gate_seen *s, const struct stat *st)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        gate_key *v = calloc(cap, sizeof *v);
        if (!v)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->v[i].used)
                v[find(v, cap, &s->v[i])] = s->v[i];
        free(s->v);
        s->v = v;
        s->cap = cap;
    }
    gate_key k = key_of(st);
    size_t i = find(s->v, s->cap, &k);
    if (!s->v[i].used) {
        s->v[i] = k;
        s->n++;
    }
    return 0;
}

void gate_seen_free(gate_seen *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}
