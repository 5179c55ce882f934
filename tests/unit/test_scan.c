/*
 * test_scan.c - the scan engine: every byte offered once, chunk overlaps,
 * deduplication, labelling, confidence threshold, threads, streaming.
 *
 * Uses a test-only detector that reports the marker "SECRETMARK" followed
 * by a length byte, so the engine is tested apart from real detectors.
 */
#include "check.h"
#include "scan.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MARK "SECRETMARK"
#define MARKLEN 10

static void mark_scan(void *state, ds_scan *s, const uint8_t *buf, size_t own, size_t len,
                      uint64_t base)
{
    (void)state;
    for (size_t i = 0; i < own; i++) {
        if (buf[i] != 'S' || len - i < MARKLEN + 1 || memcmp(buf + i, MARK, MARKLEN))
            continue;
        ds_finding f = { .offset = base + i, .length = MARKLEN + 1 + buf[i + MARKLEN],
                         .kind = DS_KIND_TOKEN, .detector = "test-mark",
                         .confidence = buf[i + MARKLEN] >= 100 ? DS_CONF_POSSIBLE
                                                               : DS_CONF_VERIFIED };
        ds_emit(s, &f);
    }
}

static const ds_detector mark = { "mark", 300, NULL, mark_scan, NULL };

/* The same, naming where the chunk's bytes came from: the whole mapping
 * or a copy (ds_scan_mapped_file reads chunks with pread). */
static void where_scan(void *state, ds_scan *s, const uint8_t *buf, size_t own, size_t len,
                       uint64_t base)
{
    (void)state;
    size_t wl = 0;
    const uint8_t *whole = ds_scan_whole(s, &wl);
    int in_map = whole && buf >= whole && buf < whole + wl;
    for (size_t i = 0; i < own; i++) {
        if (buf[i] != 'S' || len - i < MARKLEN + 1 || memcmp(buf + i, MARK, MARKLEN))
            continue;
        ds_finding f = { .offset = base + i, .length = MARKLEN + 1 + buf[i + MARKLEN],
                         .kind = DS_KIND_TOKEN, .detector = in_map ? "in-map" : "in-copy",
                         .confidence = DS_CONF_VERIFIED };
        ds_emit(s, &f);
    }
}

static const ds_detector where = { "where", 300, NULL, where_scan, NULL };
static const ds_detector *const only_where[] = { &where, NULL };
static const ds_detector *const only_mark[] = { &mark, NULL };

static void plant(uint8_t *buf, size_t off, uint8_t extra)
{
    memcpy(buf + off, MARK, MARKLEN);
    buf[off + MARKLEN] = extra;
}

int main(void)
{
    enum { N = 1 << 20 };
    static uint8_t buf[N];
    memset(buf, 'x', sizeof buf);
    /* Planted at a chunk start, straddling chunk borders, at the very end. */
    size_t offs[] = { 0, 4096 - 3, 8192 - MARKLEN, 65536 + 1, N - MARKLEN - 1 };
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        plant(buf, offs[i], 5);
    plant(buf, 300000, 150);   /* low confidence (possible) */

    ds_dump d;
    ds_dump_init(&d, N);
    ds_region r = { .file_off = 65536, .file_size = 4096, .vaddr = 0x7f0000001000,
                    .mem_size = 8192, .has_vaddr = 1, .label = "[heap]", .module = -1 };
    ds_dump_add_region(&d, &r);
    ds_dump_finish(&d);

    size_t chunks[] = { 4096, 5000, 1 << 20, 0 };
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        for (int jobs = 1; jobs <= 3; jobs += 2) {
            ds_scan_opts o;
            ds_scan_opts_init(&o);
            o.detectors = only_mark;
            o.chunk_size = chunks[c];
            o.jobs = jobs;
            ds_findings f = { 0 };
            char name[96];
            snprintf(name, sizeof name, "scan chunk=%zu jobs=%d", chunks[c], jobs);
            CHECK(name, ds_scan_memory(buf, N, &d, &o, &f) == 0);
            snprintf(name, sizeof name, "each marker once, chunk=%zu jobs=%d", chunks[c], jobs);
            CHECK_EQ_U64(name, 6, f.n);
            int sorted = 1;
            for (size_t i = 1; i < f.n; i++)
                sorted &= f.v[i - 1].offset < f.v[i].offset;
            snprintf(name, sizeof name, "sorted by offset, chunk=%zu", chunks[c]);
            CHECK(name, sorted);
            ds_findings_free(&f);
        }
    }

    /* A mapped regular file: chunks read with pread into a copy, the same
     * findings at every chunk size and thread count. */
    char path[] = "/tmp/dstest-scan-XXXXXX";
    int fd = mkstemp(path);
    int wrote = fd >= 0 && write(fd, buf, N) == N;
    const uint8_t *map = wrote ? mmap(NULL, N, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    CHECK("mapped file: written and mapped", map != MAP_FAILED);
    for (size_t c = 0; map != MAP_FAILED && c < sizeof chunks / sizeof chunks[0]; c++) {
        for (int jobs = 1; jobs <= 3; jobs += 2) {
            ds_scan_opts o;
            ds_scan_opts_init(&o);
            o.detectors = only_where;
            o.chunk_size = chunks[c];
            o.jobs = jobs;
            ds_findings f = { 0 }, m = { 0 };
            int ok = ds_scan_mapped_file(map, N, fd, &d, &o, &f) == 0 &&
                     ds_scan_memory(map, N, &d, &o, &m) == 0 && f.n == 6 && m.n == 6;
            for (size_t i = 0; ok && i < f.n; i++)
                ok = f.v[i].offset == m.v[i].offset && f.v[i].length == m.v[i].length &&
                     !strcmp(f.v[i].detector, "in-copy") && !strcmp(m.v[i].detector, "in-map");
            char name[96];
            snprintf(name, sizeof name, "mapped file read by chunks = mapping, chunk=%zu jobs=%d",
                     chunks[c], jobs);
            CHECK(name, ok);
            ds_findings_free(&f);
            ds_findings_free(&m);
        }
    }
    if (map != MAP_FAILED)
        munmap((void *)map, N);
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }

    /* Threshold, labels, vaddr translation. */
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = only_mark;
    o.min_confidence = DS_CONF_VERIFIED;
    ds_findings f = { 0 };
    ds_scan_memory(buf, N, &d, &o, &f);
    CHECK_EQ_U64("threshold drops possible", 5, f.n);
    int labelled = 0;
    for (size_t i = 0; i < f.n; i++)
        if (f.v[i].offset == 65537) {
            labelled = f.v[i].has_vaddr && f.v[i].vaddr == 0x7f0000001001 &&
                       f.v[i].region && !strcmp(f.v[i].region, "[heap]");
        }
    CHECK("finding labelled with vaddr and region", labelled);
    CHECK("unmapped finding has no vaddr", !f.v[0].has_vaddr);
    ds_findings_free(&f);

    /* Streaming in odd-sized pieces gives the same findings. */
    ds_scan_opts_init(&o);
    o.detectors = only_mark;
    o.chunk_size = 4096;
    ds_findings sf = { 0 };
    ds_stream *st = ds_stream_new(&d, &o, &sf);
    CHECK("stream created", st != NULL);
    size_t pos = 0, piece = 1;
    while (pos < N) {
        size_t n = N - pos < piece ? N - pos : piece;
        ds_stream_feed(st, buf + pos, n);
        pos += n;
        piece = piece * 3 % 9973 + 1;
        CHECK("final offset never ahead of input", ds_stream_final_offset(st) <= pos);
        if (ds_stream_final_offset(st) > pos)
            break;
    }
    ds_stream_finish(st);
    CHECK_EQ_U64("stream final offset = size", N, ds_stream_final_offset(st));
    ds_stream_free(st);
    CHECK_EQ_U64("stream finds each marker once", 6, sf.n);
    ds_findings_free(&sf);

    /* Containment dedup: the same key twice, one inside the other. */
    static uint8_t b2[4096];
    memset(b2, 'y', sizeof b2);
    plant(b2, 100, 50);   /* spans 100..161 */
    plant(b2, 120, 5);    /* inside it, same kind, no fingerprint */
    ds_findings df = { 0 };
    ds_dump d2;
    ds_dump_init(&d2, sizeof b2);
    ds_scan_memory(b2, sizeof b2, &d2, &o, &df);
    CHECK_EQ_U64("contained duplicate dropped", 1, df.n);
    ds_findings_free(&df);
    ds_dump_free(&d2);

    /* Empty input. */
    ds_findings ef = { 0 };
    CHECK("empty buffer scans", ds_scan_memory(buf, 0, &d, &o, &ef) == 0 && ef.n == 0);
    ds_dump_free(&d);
    return check_failures ? 1 : 0;
}
