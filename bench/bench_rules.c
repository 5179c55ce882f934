/*
 * bench_rules.c - throughput of the rules detector alone over one file.
 *
 *   bench_rules FILE [RULES]     (RULES: a rule file or directory; none = 0 rules)
 *
 * Maps FILE, runs ds_scan_memory with only the rules detector (one thread),
 * three times, and prints the median CPU time of the thread and GB/s
 * (1e9 bytes), plus the number of findings.  Also times a plain read pass
 * (sum of 64-bit words) as the memory ceiling of this machine.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rules.h"
#include "scan.h"

extern const ds_detector ds_detector_rules;

static double cpu_now(void)
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

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_rules FILE [RULES]\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        perror(argv[1]);
        return 2;
    }
    size_t len = (size_t)st.st_size;
    const uint8_t *buf = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    ds_ruleset *rs = NULL;
    char err[1024];
    if (argc > 2) {
        rs = ds_ruleset_new();
        if (!rs || ds_ruleset_add_path(rs, argv[2], err, sizeof err) < 0 ||
            ds_ruleset_finish(rs, err, sizeof err) < 0) {
            fprintf(stderr, "%s\n", err);
            return 2;
        }
    }
    static const ds_detector *const only[] = { &ds_detector_rules, NULL };
    double t[3], r[3];
    size_t nf = 0;
    for (int k = 0; k < 3; k++) {
        double t0 = cpu_now();
        uint64_t sum = 0;
        for (size_t i = 0; i + 8 <= len; i += 8) {
            uint64_t w;
            memcpy(&w, buf + i, 8);
            sum += w;
        }
        r[k] = cpu_now() - t0;
        if (sum == 42)
            putchar(' ');
        ds_scan_opts o;
        ds_scan_opts_init(&o);
        o.detectors = only;
        o.rules = rs;
        ds_findings f = { 0 };
        t0 = cpu_now();
        ds_scan_memory(buf, len, NULL, &o, &f);
        t[k] = cpu_now() - t0;
        nf = f.n;
        ds_findings_free(&f);
    }
    qsort(t, 3, sizeof t[0], cmp_d);
    qsort(r, 3, sizeof r[0], cmp_d);
    printf("rules=%zu keywords=%zu ac_states=%zu bytes=%zu read_gbps=%.2f cpu_s=%.3f gbps=%.2f findings=%zu\n",
           rs ? rs->nrules : 0, rs ? rs->nkws : 0, rs ? ds_ac_states(rs->ac) : 0, len,
           (double)len / r[1] / 1e9, t[1], (double)len / t[1] / 1e9, nf);
    ds_ruleset_free(rs);
    return 0;
}
