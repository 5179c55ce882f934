/*
 * dumpfile.c - open, read the structure, scan.
 */
#include "dumpfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_STEP ((size_t)1 << 20)

/* Read from the stream into f->heap until EOF or limit bytes.  Returns 1 at
 * EOF, 0 if the limit was reached first, -1 on error. */
static int fill_heap(ds_dumpfile *f, size_t limit, char *err, size_t errlen)
{
    for (;;) {
        if (f->len == f->heap_cap) {
            if (f->heap_cap >= limit)
                return 0;
            size_t cap = f->heap_cap ? f->heap_cap * 2 : READ_STEP;
            if (cap > limit)
                cap = limit;
            uint8_t *p = malloc(cap);
            if (!p) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            /* realloc could leave a stale copy of dump bytes behind. */
            if (f->heap) {
                memcpy(p, f->heap, f->len);
                explicit_bzero(f->heap, f->heap_cap);
                free(f->heap);
            }
            f->heap = p;
            f->heap_cap = cap;
        }
        ssize_t n = ds_source_read(&f->src, f->heap + f->len, f->heap_cap - f->len, err, errlen);
        if (n < 0)
            return -1;
        if (n == 0)
            return 1;
        f->len += (size_t)n;
    }
}

int ds_dumpfile_open(ds_dumpfile *f, const char *path, size_t mem_limit,
                     char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    ds_dump_init(&f->dump, 0);
    if (ds_source_open(&f->src, path, err, errlen) < 0)
        return -1;
    if (!mem_limit)
        mem_limit = DS_DEFAULT_MEM_LIMIT;
    uint64_t total;
    if (!f->src.stream) {
        f->data = f->src.map;
        f->len = f->src.map_len;
        total = f->len;
    } else {
        int rc = fill_heap(f, mem_limit, err, errlen);
        if (rc < 0) {
            ds_dumpfile_close(f);
            return -1;
        }
        f->streaming = rc == 0;
        f->data = f->streaming ? NULL : f->heap;
        total = f->streaming ? 0 : f->len;
    }
    ds_dump_init(&f->dump, total);
    f->read_rc = ds_read_dump(f->data ? f->data : f->heap, f->len, total, &f->dump);
    if (f->read_rc < 0) {
        snprintf(err, errlen, "%s: out of memory reading the dump structure", path);
        ds_dumpfile_close(f);
        return -1;
    }
    return 0;
}

int ds_dumpfile_scan(ds_dumpfile *f, const ds_scan_opts *o, ds_findings *out,
                     char *err, size_t errlen)
{
    if (!f->streaming) {
        /* A plain mapped file: chunks are read, the mapping serves the
         * detectors' random reads (scan.h). */
        int fd = f->src.map && f->data == f->src.map ? f->src.fd : -1;
        if (ds_scan_mapped_file(f->data, f->len, fd, &f->dump, o, out) < 0) {
            snprintf(err, errlen, "out of memory during scan");
            return -1;
        }
        return 0;
    }
    ds_stream *st = ds_stream_new(&f->dump, o, out);
    if (!st) {
        snprintf(err, errlen, "out of memory starting the scan");
        return -1;
    }
    int rc = ds_stream_feed(st, f->heap, f->len);
    uint64_t total = f->len;
    while (rc == 0) {
        ssize_t n = ds_source_read(&f->src, f->heap, f->heap_cap, err, errlen);
        if (n < 0) {
            rc = -1;
            break;
        }
        if (n == 0)
            break;
        total += (uint64_t)n;
        if (ds_stream_feed(st, f->heap, (size_t)n) < 0) {
            snprintf(err, errlen, "out of memory during scan");
            rc = -1;
        }
    }
    if (rc == 0 && ds_stream_finish(st) < 0) {
        snprintf(err, errlen, "out of memory during scan");
        rc = -1;
    }
    ds_stream_free(st);
    f->dump.file_size = total;
    f->len = 0;
    return rc;
}

void ds_dumpfile_close(ds_dumpfile *f)
{
    ds_dump_free(&f->dump);
    if (f->heap) {
        explicit_bzero(f->heap, f->heap_cap);
        free(f->heap);
    }
    ds_source_close(&f->src);
    memset(f, 0, sizeof *f);
}
