/*
 * cmd_scrub.c - `dumpscrub scrub`: overwrite every secret found in a dump,
 * check the result, publish it atomically.
 */
#include "cli.h"
#include "output.h"
#include "scrub.h"
#include "scan_setup.h"
#include "scrub_report.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char scrub_usage[] =
    "usage: dumpscrub scrub IN (-o OUT | --in-place) [OPTIONS]\n"
    "\n"
    "Overwrite the bytes of every secret found in the dump IN (ELF core,\n"
    "minidump, raw; plain or gzip/zstd/xz) and nothing else, so debuggers read\n"
    "the result as before.  The result is scanned again before it is published;\n"
    "it replaces OUT (or IN) atomically: on any failure, signal or kill, the\n"
    "target name shows the old file or the complete new one, never a part.\n"
    "A compressed dump is decompressed in memory, twice (scan, then write), and\n"
    "recompressed as it is written: its plain bytes never touch the disk.\n"
    "\n"
    "  -o, --output OUT         write the scrubbed dump to OUT (mode: IN's, less umask)\n"
    "  -i, --in-place           replace IN (owner and mode kept; untouched if clean)\n"
    "  --min-confidence LEVEL   scrub findings at or above LEVEL: verified | likely |\n"
    "                           possible (default: likely)\n"
    "  --fill HEX               pattern written over secrets, 1-32 bytes (default: 00)\n"
    "  --report FILE            JSON report: each scrubbed span (offset, length, vaddr,\n"
    "                           region, kind, confidence, fingerprint, detector) and\n"
    "                           the SHA-256 of input and output\n"
    "  --compress MODE          output compression: keep (default) | none | gzip |\n"
    "                           zstd | xz\n"
    "  --level N                compression level (default: gzip 6, zstd 3, xz 6)\n"
    "  --rules FILE|DIR         add pattern rules (repeatable), as `scan` does\n"
    "  --no-default-rules       do not load the default rule pack (patterns/)\n"
    "  --known-keys FILE        certificates / public keys whose private halves to\n"
    "                           look for (see `scan --help`)\n"
    "  -j, --jobs N             threads scanning the dump (default: 1)\n"
    "  -q, --quiet              print nothing but errors\n"
    "  -h, --help               this text\n"
    "\n"
    "exit codes: 0 scrubbed and verified clean (also: nothing found; OUT is then\n"
    "              an identical copy, and --in-place leaves IN untouched)\n"
    "            2 usage, I/O or verification failure: nothing was published\n"
    "            3 the dump's structure could not be fully read: every byte was\n"
    "              scanned and what was found is scrubbed and published, but the\n"
    "              result is not proven clean (gates treat it as dirty)\n";

static int parse_compress(const char *s, int *out)
{
    if (!strcmp(s, "keep")) *out = DS_COMPRESS_KEEP;
    else if (!strcmp(s, "none")) *out = DS_COMP_NONE;
    else if (!strcmp(s, "gzip") || !strcmp(s, "gz")) *out = DS_COMP_GZIP;
    else if (!strcmp(s, "zstd") || !strcmp(s, "zst")) *out = DS_COMP_ZSTD;
    else if (!strcmp(s, "xz")) *out = DS_COMP_XZ;
    else return -1;
    return 0;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (!*s || *end || n < lo || n > hi)
        return -1;
    *out = (int)n;
    return 0;
}

static void print_result(const ds_scrub_opts *o, const ds_scrub_result *r, const char *target)
{
    for (size_t i = 0; i < r->found.n; i++) {
        const ds_finding *f = &r->found.v[i];
        printf("scrubbed 0x%-10" PRIx64 " %8" PRIu64 " ", f->offset, f->length);
        if (f->has_vaddr)
            printf("0x%-16" PRIx64 " ", f->vaddr);
        else
            printf("%-18s ", "-");
        out_text_str(stdout, f->region, 20);
        printf(" %-22s %-9s ", f->kind, ds_confidence_name(f->confidence));
        if (f->has_fingerprint) {
            char fp[72];
            ds_fingerprint_str(f->fingerprint, fp);
            fputs(fp, stdout);
        } else {
            fputc('-', stdout);
        }
        fputc('\n', stdout);
    }
    out_text_str(stdout, o->in, 0);
    if (r->unchanged) {
        printf(": nothing at or above '%s' found; left untouched\n",
               ds_confidence_name(o->min_conf));
        return;
    }
    fputs(" -> ", stdout);
    out_text_str(stdout, target, 0);
    printf(": %zu finding%s scrubbed (%" PRIu64 " bytes), output verified clean\n", r->found.n,
           r->found.n == 1 ? "" : "s", r->redacted);
}

int cmd_scrub(int argc, char **argv)
{
    enum { O_MINCONF = 256, O_FILL, O_REPORT, O_COMPRESS, O_LEVEL };
    static const struct option lopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "in-place", no_argument, NULL, 'i' },
        { "min-confidence", required_argument, NULL, O_MINCONF },
        { "fill", required_argument, NULL, O_FILL },
        { "report", required_argument, NULL, O_REPORT },
        { "compress", required_argument, NULL, O_COMPRESS },
        { "level", required_argument, NULL, O_LEVEL },
        CLI_SCAN_LONGOPTS,
        { "jobs", required_argument, NULL, 'j' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    ds_scrub_opts o;
    ds_scrub_opts_init(&o);
    const char *out = NULL, *report = NULL;
    cli_scan_args sa = { .nrules = 0 };
    int in_place = 0, quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:ij:qh", lopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'i': in_place = 1; break;
        case 'q': quiet = 1; break;
        case O_REPORT: report = optarg; break;
        case O_MINCONF:
            if ((o.min_conf = ds_confidence_parse(optarg)) == DS_CONF_NONE) {
                errmsg("--min-confidence: expected verified, likely or possible");
                return EXIT_USAGE;
            }
            break;
        case O_FILL:
            if (ds_fill_parse(&o.fill, optarg) < 0) {
                errmsg("--fill: expected 1 to %d bytes of hex, e.g. 00 or deadbeef", DS_FILL_MAX);
                return EXIT_USAGE;
            }
            break;
        case O_COMPRESS:
            if (parse_compress(optarg, &o.compress) < 0) {
                errmsg("--compress: expected keep, none, gzip, zstd or xz");
                return EXIT_USAGE;
            }
            break;
        case O_LEVEL:
            if (parse_int(optarg, 1, 22, &o.level) < 0) {
                errmsg("--level: expected a number from 1 to 22");
                return EXIT_USAGE;
            }
            break;
        case 'j':
            if (parse_int(optarg, 1, 256, &o.jobs) < 0) {
                errmsg("--jobs: expected a number from 1 to 256");
                return EXIT_USAGE;
            }
            break;
        case CLI_OPT_RULES:
        case CLI_OPT_NORULES:
        case CLI_OPT_KNOWN:
            if (cli_scan_arg(&sa, c, optarg) < 0)
                return EXIT_USAGE;
            break;
        case 'h': fputs(scrub_usage, stdout); return EXIT_CLEAN;
        default: fputs(scrub_usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || (!out == !in_place)) {
        if (optind == argc - 1)
            errmsg("scrub: give exactly one of -o OUT and --in-place");
        fputs(scrub_usage, stderr);
        return EXIT_USAGE;
    }
    o.in = argv[optind];
    o.out = out;
    o.want_hashes = report != NULL;
    if (report && (!strcmp(report, o.in) || (out && !strcmp(report, out)))) {
        errmsg("--report: must not name the dump itself");
        return EXIT_USAGE;
    }
    if (report) {
        /* Checked before anything is published: a report that cannot be
         * written after a successful scrub would turn it into exit 2. */
        char dir[4200];
        const char *slash = strrchr(report, '/');
        snprintf(dir, sizeof dir, "%.*s", slash ? (slash == report ? 1 : (int)(slash - report)) : 1,
                 slash ? report : ".");
        if (access(dir, W_OK | X_OK) < 0) {
            errmsg("--report %s: directory %s: %s", report, dir, strerror(errno));
            return EXIT_USAGE;
        }
    }

    if (cli_scan_args_load(&sa, quiet) < 0)
        return EXIT_USAGE;
    o.rules = sa.rules;
    o.known = sa.known;

    /* A signal removes the temp and kills us: the target is untouched. */
    ds_safe_signals(0, -1);
    ds_scrub_result r;
    int rc = ds_scrub_file(&o, &r);
    const char *target = out ? out : o.in;
    if (rc == DS_SCRUB_ERROR) {
        errmsg("%s", r.err);
    } else {
        if (!quiet)
            print_result(&o, &r, target);
        if (rc == DS_SCRUB_UNPROVEN) {
            fputs("dumpscrub: ", stderr);
            out_text_str(stderr, o.in, 0);
            fprintf(stderr, ": structure not fully read (%s): ", ds_format_name(r.dump.format));
            out_text_str(stderr, r.dump.nproblems ? r.dump.problems[0] : "truncated", 0);
            fputs("; scrubbed what was found, but not proven clean\n", stderr);
        }
        if (r.structure_changed && !quiet) {
            fputs("dumpscrub: warning: ", stderr);
            out_text_str(stderr, target, 0);
            fputs(": the scrubbed dump's structure reads differently (a secret overlapped "
                  "metadata)\n", stderr);
        }
    }
    if (report) {
        char err[512];
        if (scrub_report_write(report, &o, &r, target, rc, err, sizeof err) < 0) {
            errmsg("%s", err);
            rc = exit_merge(rc, EXIT_USAGE);
        }
    }
    /* Findings point at rule ids and kinds: free the rules last. */
    ds_scrub_result_free(&r);
    cli_scan_args_free(&sa);
    return rc;
}
