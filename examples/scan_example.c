/*
 * scan_example.c - libdumpscrub in a few lines: scan dumps, print one line
 * per finding, optionally write a scrubbed copy.
 *
 *   cc scan_example.c $(pkg-config --cflags --libs dumpscrub) -o scan_example
 *   ./scan_example [-m verified|likely|possible] [-o SCRUBBED] DUMP...
 *
 * Output, one tab-separated line per finding (never a secret byte):
 *   FILE OFFSET LENGTH KIND DETECTOR CONFIDENCE BITS FINGERPRINT VADDR REGION
 * with "-" for what is unknown.  Exit codes as dumpscrub(1): 0 clean,
 * 1 found, 2 error, 3 not proven clean.  -o scrubs the (single) DUMP into
 * SCRUBBED (uncompressed) instead.
 */
#define _POSIX_C_SOURCE 200809L  /* getopt, O_CLOEXEC under -std=c11 */
#include <dumpscrub.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Labels come from the dump: print control characters as '?'. */
static void print_label(const char *s)
{
    if (!s) {
        fputc('-', stdout);
        return;
    }
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, stdout);
}

static int print_finding(void *ctx, const dumpscrub_finding *f)
{
    printf("%s\t%" PRIu64 "\t%" PRIu64 "\t%s\t%s\t%s\t", (const char *)ctx, f->offset,
           f->length, f->kind, f->detector, dumpscrub_confidence_name(f->confidence));
    if (f->bits)
        printf("%d\t", f->bits);
    else
        fputs("-\t", stdout);
    printf("%s\t", f->has_fingerprint ? f->fingerprint_str : "-");
    if (f->has_vaddr)
        printf("0x%" PRIx64 "\t", f->vaddr);
    else
        fputs("-\t", stdout);
    print_label(f->region);
    fputc('\n', stdout);
    return 0;   /* go on */
}

int main(int argc, char **argv)
{
    /* We are about to hold secrets in memory: never dump them ourselves. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

    const char *out = NULL;
    int min = DUMPSCRUB_CONF_POSSIBLE, c;
    while ((c = getopt(argc, argv, "m:o:")) != -1) {
        if (c == 'o') {
            out = optarg;
        } else if (c == 'm') {
            min = !strcmp(optarg, "verified") ? DUMPSCRUB_CONF_VERIFIED
                  : !strcmp(optarg, "likely") ? DUMPSCRUB_CONF_LIKELY
                  : DUMPSCRUB_CONF_POSSIBLE;
        } else {
            return 2;
        }
    }
    if (optind >= argc || (out && optind != argc - 1)) {
        fprintf(stderr, "usage: %s [-m LEVEL] [-o SCRUBBED] DUMP...  (libdumpscrub %s)\n",
                argv[0], dumpscrub_version());
        return 2;
    }

    dumpscrub_options *opts = dumpscrub_options_new();
    if (!opts || dumpscrub_options_set_min_confidence(opts, min) != DUMPSCRUB_OK) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    int worst = DUMPSCRUB_CLEAN;
    for (int i = optind; i < argc; i++) {
        dumpscrub_dump *d;
        char err[512];
        int rc = dumpscrub_open_path_err(&d, argv[i], err, sizeof err);
        if (rc < 0) {
            fprintf(stderr, "%s: %s\n", dumpscrub_errstr(rc), err);
            worst = 2;
            continue;
        }
        if (out) {
            int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            rc = fd < 0 ? DUMPSCRUB_EIO : dumpscrub_scrub_to_fd(d, opts, fd, NULL, NULL);
            if (fd >= 0 && close(fd) < 0 && rc >= 0)
                rc = DUMPSCRUB_EIO;
        } else {
            rc = dumpscrub_scan(d, opts, print_finding, argv[i]);
        }
        if (rc < 0) {
            fprintf(stderr, "%s: %s: %s\n", argv[i], dumpscrub_errstr(rc), dumpscrub_errmsg(d));
            rc = 2;
        }
        /* found (1) beats error (2) beats unproven (3) beats clean (0) */
        static const int rank[] = { 0, 3, 2, 1 };
        if (rank[rc] > rank[worst])
            worst = rc;
        dumpscrub_close(d);
    }
    dumpscrub_options_free(opts);
    return worst;
}
