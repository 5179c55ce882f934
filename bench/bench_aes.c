/*
 * bench_aes.c - throughput of the AES key schedule detector alone, one core.
 *
 *   bench_aes FILE [REPS]
 *
 * Maps FILE (pages faulted in first), then, each REPS times (median kept):
 *   read      a plain pass over the bytes (64-bit XOR): the memory ceiling
 *   stage1-K  the SIMD prefilter alone, for each kernel K the CPU has, on
 *             the whole file and (interleaved, 101 trials) on a cached slice
 *   detector  ds_scan_memory with only the "aes" detector, jobs = 1
 *   cached    the same on 4 MiB slices already in the cache (compute cost)
 *   worst     16 MiB crafted to pass the prefilter everywhere
 * Times are this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that other
 * processes on the machine do not count.  Prints "key value" lines (GB = 1e9 bytes) that bench/aes_bench.sh turns
 * into bench/RESULTS-aes.md, and the findings as offset/size/detector/
 * confidence lines (never a key byte).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aes_schedule.h"
#include "detector.h"
#include "scan.h"

extern const ds_detector ds_detector_aes;
static const ds_detector *const only_aes[] = { &ds_detector_aes, NULL };

/* CPU time of this thread: on a shared machine wall time measures the
 * neighbours.  (The detector runs single-threaded here: jobs = 1.) */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_aes FILE [REPS]\n");
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    if (reps < 1 || reps > 50)
        reps = 3;
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < 4096) {
        perror(argv[1]);
        return 2;
    }
    size_t len = (size_t)st.st_size;
    const uint8_t *buf = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    close(fd);
    printf("bytes %zu\n", len);

    double t[50];
    volatile uint64_t sink = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        uint64_t x = 0;
        for (size_t i = 0; i + 8 <= len; i += 8) {
            uint64_t v;
            memcpy(&v, buf + i, 8);
            x ^= v;
        }
        sink ^= x;
        t[r] = now() - t0;
    }
    printf("read_gbps %.2f\n", (double)len / median(t, reps) / 1e9);

    static const char *kname[] = { "swar", "avx2", "avx512" };
    size_t end = len - 72 + 1;
    for (int k = 0; k < ds_aes_stage1_kernels(); k++) {
        size_t hits = 0;
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            hits = 0;
            for (size_t q = 32; q < end; q += 32) {
                q = ds_aes_stage1(k, buf, q, end);
                hits += q < end;
            }
            t[r] = now() - t0;
        }
        printf("stage1_%s_gbps %.2f\n", kname[k], (double)len / median(t, reps) / 1e9);
        printf("stage1_hits %zu\n", hits);
    }

    /* The kernels on a 256 KiB slice (middle of the dump) in the cache,
     * interleaved over 101 trials so that the machine's noise hits both. */
    {
        size_t sl = 256u << 10, off = len / 2 & ~(size_t)63, e2 = sl - 72 + 1;
        double tk[3][101];
        int nk = ds_aes_stage1_kernels();
        for (int r = 0; r < 101; r++)
            for (int k = 0; k < nk; k++) {
                double t0 = now();
                for (size_t q = 32; q < e2; q += 32)
                    q = ds_aes_stage1(k, buf + off, q, e2);
                tk[k][r] = now() - t0;
            }
        for (int k = 0; k < nk; k++)
            printf("stage1_%s_cached_gbps %.2f\n", kname[k], (double)sl / median(tk[k], 101) / 1e9);
    }

    ds_dump d;
    ds_dump_init(&d, len);
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = only_aes;
    o.jobs = 1;
    ds_findings f = { 0 };
    for (int r = 0; r < reps; r++) {
        ds_findings_free(&f);
        double t0 = now();
        if (ds_scan_memory(buf, len, &d, &o, &f) < 0)
            return 2;
        t[r] = now() - t0;
    }
    double secs = median(t, reps);
    printf("detector_seconds %.3f\n", secs);
    printf("detector_gbps %.2f\n", (double)len / secs / 1e9);
    printf("findings %zu\n", f.n);
    for (size_t i = 0; i < f.n; i++)
        printf("finding %llu %d %s %s %s\n", (unsigned long long)f.v[i].offset, f.v[i].bits,
               f.v[i].detector, ds_confidence_name(f.v[i].confidence),
               f.v[i].encoding ? f.v[i].encoding : "-");
    ds_findings_free(&f);

    /* Compute cost apart from memory bandwidth (the machine may be shared):
     * 4 MiB slices of the dump, each scanned while it sits in the cache. */
    {
        size_t slice = 4u << 20, total = 0;
        double sum = 0;
        for (size_t off = 0; off + slice <= len; off += len / 16) {
            ds_dump sd;
            ds_dump_init(&sd, slice);
            ds_scan_memory(buf + off, slice, &sd, &o, &f);   /* warm */
            ds_findings_free(&f);
            for (int r = 0; r < reps; r++)
                t[r] = 0;
            for (int r = 0; r < reps; r++) {
                double t0 = now();
                for (int i = 0; i < 8; i++) {
                    ds_scan_memory(buf + off, slice, &sd, &o, &f);
                    ds_findings_free(&f);
                }
                t[r] = (now() - t0) / 8;
            }
            sum += median(t, reps);
            if (getenv("BENCH_AES_SLICES"))
                fprintf(stderr, "slice %zu: %.2f GB/s\n", off, (double)slice / t[reps / 2] / 1e9);
            total += slice;
            ds_dump_free(&sd);
        }
        printf("detector_cached_gbps %.2f\n", (double)total / sum / 1e9);
    }

    /* Worst cases: 16 MiB of words obeying one layout's linear relations
     * everywhere (x[t] = x[t-a] ^ x[t-b]), so that every vector passes
     * stage 1 and every start would pass a purely linear score; and
     * ("phased") obeying them only where a real AES-128 schedule does
     * (random words where the S-box term would be), so that one start in
     * four of each vector reaches the full check. */
    static const struct { const char *name; int a, b, phased; } adv[] = {
        { "enc128", 1, 4, 0 }, { "enc256", 1, 8, 0 }, { "dec128", 4, 5, 0 },
        { "dec192", 2, 3, 0 }, { "enc128_phased", 1, 4, 4 },
    };
    size_t alen = 16u << 20;
    uint32_t *x = malloc(alen);
    if (!x)
        return 2;
    for (size_t k = 0; k < sizeof adv / sizeof adv[0]; k++) {
        uint32_t seed = 0x9e3779b9u;
        for (size_t i = 0; i < alen / 4; i++) {
            if (i < 16 || (adv[k].phased && i % (size_t)adv[k].phased == 0)) {
                seed = seed * 1664525u + 1013904223u;
                x[i] = seed | 0x01010101u;
            } else {
                x[i] = x[i - (size_t)adv[k].a] ^ x[i - (size_t)adv[k].b];
            }
        }
        ds_dump ad;
        ds_dump_init(&ad, alen);
        double t0 = now();
        if (ds_scan_memory((const uint8_t *)x, alen, &ad, &o, &f) < 0)
            return 2;
        double sec = now() - t0;
        printf("adversarial_%s_gbps %.4f\n", adv[k].name, (double)alen / sec / 1e9);
        printf("adversarial_%s_findings %zu\n", adv[k].name, f.n);
        ds_findings_free(&f);
        ds_dump_free(&ad);
    }
    free(x);
    ds_dump_free(&d);
    munmap((void *)buf, len);
    return (int)(sink & 0);
}
