/*
 * cmd_scan.c - `dumpscrub scan`: report every secret in every dump.
 */
#include "cli.h"
#include "dumpfile.h"
#include "output.h"
#include "output_sarif.h"
#include "scan_setup.h"
#include "rules.h"
#include "known_keys.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char scan_usage[] =
    "usage: dumpscrub scan [--json | --format FORMAT] [--min-confidence LEVEL] [--jobs N] PATH...\n"
    "\n"
    "Scan every byte of each dump (ELF core, minidump, or anything else as raw\n"
    "bytes; gzip/zstd/xz compressed or not; '-' for stdin) for private keys and\n"
    "secrets.  Directories are walked recursively (symlinks are not followed).\n"
    "Each finding is verified with OpenSSL where possible and named by the\n"
    "SHA-256 fingerprint of its public key; secret bytes are never printed.\n"
    "\n"
    "  --json                  JSON Lines, one finding per line (= --format json)\n"
    "  --format FORMAT         table (default) | json | sarif (one SARIF 2.1.0 log\n"
    "                          for the whole run, for security dashboards)\n"
    "  --min-confidence LEVEL  verified | likely | possible (default: possible)\n"
    "  -j, --jobs N            threads scanning one file (default: 1)\n"
    "  --rules FILE|DIR        add pattern rules (repeatable; a directory: its *.rules)\n"
    "  --no-default-rules      do not load the default rule pack (patterns/)\n"
    "  -q, --quiet             no per-file warnings on stderr\n"
    "  --known-keys FILE       PEM certificates / public keys whose RSA private\n"
    "                          components are looked for in any in-memory form\n"
    "  -h, --help              this text\n"
    "\n"
    "exit codes: 0 nothing at or above the threshold, 1 secrets found,\n"
    "            2 usage or I/O error, 3 a dump's structure could not be fully\n"
    "            read (every byte was scanned, but it is not proven clean)\n";

struct scan_ctx {
    ds_scan_opts opts;
    int json, quiet, header_done;
    int sarif;                /* --format sarif */
    sarif_out so;
};

static void print_row(const char *path, const ds_finding *f, struct scan_ctx *sc)
{
    FILE *o = stdout;
    if (!sc->header_done++)
        fprintf(o, "%-28s %-10s %-18s %-22s %-22s %5s %-9s %s\n", "FILE", "OFFSET", "VADDR",
                "REGION", "KIND", "BITS", "CONF", "FINGERPRINT");
    out_text_str(o, path, 28);
    fprintf(o, " 0x%-8" PRIx64 " ", f->offset);
    if (f->has_vaddr)
        fprintf(o, "0x%-16" PRIx64 " ", f->vaddr);
    else
        fprintf(o, "%-18s ", "-");
    out_text_str(o, f->region, 22);
    fprintf(o, " %-22s ", f->kind);
    if (f->bits > 0)
        fprintf(o, "%5d ", f->bits);
    else
        fprintf(o, "%5s ", "-");
    fprintf(o, "%-9s ", ds_confidence_name(f->confidence));
    if (f->has_fingerprint) {
        char fp[72];
        ds_fingerprint_str(f->fingerprint, fp);
        fputs(fp, o);
    } else {
        fputc('-', o);
    }
    fputc('\n', o);
}

static int scan_one(const char *path, void *arg)
{
    struct scan_ctx *sc = arg;
    ds_dumpfile f;
    char err[512];
    if (ds_dumpfile_open(&f, path, 0, err, sizeof err) < 0) {
        errmsg("%s", err);
        if (sc->sarif)
            sarif_note(&sc->so, path, "error", err);
        return EXIT_USAGE;
    }
    ds_findings found = { 0 };
    int rc = EXIT_CLEAN;
    if (ds_dumpfile_scan(&f, &sc->opts, &found, err, sizeof err) < 0) {
        errmsg("%s: %s", path, err);
        if (sc->sarif)
            sarif_note(&sc->so, path, "error", err);
        rc = EXIT_USAGE;
    }
    for (size_t i = 0; i < found.n; i++) {
        if (sc->sarif) {
            sarif_result(&sc->so, path, &found.v[i]);
        } else if (sc->json) {
            out_finding_json(stdout, path, &found.v[i]);
            fputc('\n', stdout);
        } else {
            print_row(path, &found.v[i], sc);
        }
    }
    fflush(stdout);
    if (found.n)
        rc = exit_merge(rc, EXIT_FOUND);
    if (f.dump.nproblems || f.dump.truncated) {
        if (!sc->quiet) {
            fputs("dumpscrub: ", stderr);
            out_text_str(stderr, path, 0);
            fprintf(stderr, ": structure not fully read (%s); every byte was scanned: ",
                    ds_format_name(f.dump.format));
            out_text_str(stderr, f.dump.nproblems ? f.dump.problems[0] : "truncated", 0);
            fputc('\n', stderr);
        }
        if (sc->sarif) {
            char note[600];
            snprintf(note, sizeof note, "structure not fully read (%s): %s; every byte was "
                     "scanned, but it is not proven clean", ds_format_name(f.dump.format),
                     f.dump.nproblems ? f.dump.problems[0] : "truncated");
            sarif_note(&sc->so, path, "warning", note);
        }
        rc = exit_merge(rc, EXIT_UNPROVEN);
    }
    ds_findings_free(&found);
    ds_dumpfile_close(&f);
    return rc;
}

int cmd_scan(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "json", no_argument, NULL, 'J' },
        { "format", required_argument, NULL, 'F' },
        { "min-confidence", required_argument, NULL, 'm' },
        { "jobs", required_argument, NULL, 'j' },
        { "quiet", no_argument, NULL, 'q' },
        CLI_SCAN_LONGOPTS,
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct scan_ctx sc;
    memset(&sc, 0, sizeof sc);
    ds_scan_opts_init(&sc.opts);
    cli_scan_args sa = { .nrules = 0 };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:qh", lopts, NULL)) != -1) {
        switch (c) {
        case 'J': sc.json = 1; sc.sarif = 0; break;
        case 'F':
            sc.json = !strcmp(optarg, "json");
            sc.sarif = !strcmp(optarg, "sarif");
            if (!sc.json && !sc.sarif && strcmp(optarg, "table")) {
                errmsg("--format: expected table, json or sarif");
                return EXIT_USAGE;
            }
            break;
        case 'q': sc.quiet = 1; break;
        case CLI_OPT_RULES:
        case CLI_OPT_NORULES:
        case CLI_OPT_KNOWN:
            if (cli_scan_arg(&sa, c, optarg) < 0)
                return EXIT_USAGE;
            break;
        case 'm':
            if ((sc.opts.min_confidence = ds_confidence_parse(optarg)) == DS_CONF_NONE) {
                errmsg("--min-confidence: expected verified, likely or possible");
                return EXIT_USAGE;
            }
            break;
        case 'j': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 256) {
                errmsg("--jobs: expected a number from 1 to 256");
                return EXIT_USAGE;
            }
            sc.opts.jobs = (int)n;
            break;
        }
        case 'h': fputs(scan_usage, stdout); return EXIT_CLEAN;
        default: fputs(scan_usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fputs(scan_usage, stderr);
        return EXIT_USAGE;
    }
    if (cli_scan_args_load(&sa, sc.quiet) < 0)
        return EXIT_USAGE;
    sc.opts.rules = sa.rules;
    sc.opts.known = sa.known;
    int rc = EXIT_CLEAN;
    if (sc.sarif)
        sarif_begin(&sc.so, stdout);
    for (int i = optind; i < argc; i++)
        rc = exit_merge(rc, walk_paths(argv[i], scan_one, &sc));
    if (sc.sarif)
        sarif_end(&sc.so, rc);
    cli_scan_args_free(&sa);
    return rc;
}
