/*
 * cmd_scan.c - `dumpscrub scan`: report every secret in every dump.
 */
#include "cli.h"
#include "dumpfile.h"
#include "output.h"
#include "scan_setup.h"
#include "sweep.h"
#include "rules.h"
#include "known_keys.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char scan_usage[] =
    "usage: dumpscrub scan [--json] [--min-confidence LEVEL] [--jobs N] PATH...\n"
    "\n"
    "Scan every byte of each dump (ELF core, minidump, or anything else as raw\n"
    "bytes; gzip/zstd/xz compressed or not; '-' for stdin) for private keys and\n"
    "secrets.  Directories are walked recursively (symlinks are not followed).\n"
    "Each finding is verified with OpenSSL where possible and named by the\n"
    "SHA-256 fingerprint of its public key; secret bytes are never printed.\n"
    "\n"
    "  --json                  JSON Lines, one finding per line\n"
    "  --min-confidence LEVEL  verified | likely | possible (default: possible)\n"
    "  -j, --jobs N            scanning threads: N files at once, spare threads\n"
    "                          inside large files (default: online CPUs)\n"
    "  --rules FILE|DIR        add pattern rules (repeatable; a directory: its *.rules)\n"
    "  --no-default-rules      do not load the default rule pack (patterns/)\n"
    "  -q, --quiet             no per-file warnings, summary or progress on stderr\n"
    "  --known-keys FILE       PEM certificates / public keys: RSA private\n"
    "                          components of these are looked for in any in-memory\n"
    "                          form, and the summary marks all of them \"known\"\n"
    "\n"
    "Sweeps (many files):\n"
    "  --sort                  print files in walk order (default: as they finish)\n"
    "  --summary-json FILE     the summary by key fingerprint as JSON ('-': stdout)\n"
    "  --summary / --no-summary  the summary table on stderr (default: when more\n"
    "                          than one file was scanned)\n"
    "  --state FILE            record finished files; a re-run reads only new or\n"
    "                          changed files and still reports everything\n"
    "  --shard K/N             only the K-th of N shares of the files (SHA-256 of\n"
    "                          the path relative to its root); `dumpscrub merge`\n"
    "                          combines the shards' outputs\n"
    "  -h, --help              this text\n"
    "\n"
    "A progress line (files, bytes, GB/s, ETA) is shown on stderr when it is a\n"
    "terminal.\n"
    "\n"
    "exit codes: 0 nothing at or above the threshold, 1 secrets found,\n"
    "            2 usage or I/O error, 3 a dump's structure could not be fully\n"
    "            read (every byte was scanned, but it is not proven clean);\n"
    "            several files: the worst (found > error > unproven > clean)\n";

enum { OPT_SORT = 0x2000, OPT_SUMJSON, OPT_SUMMARY, OPT_NOSUMMARY, OPT_STATE, OPT_SHARD };

int cmd_scan(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "json", no_argument, NULL, 'J' },
        { "min-confidence", required_argument, NULL, 'm' },
        { "jobs", required_argument, NULL, 'j' },
        { "quiet", no_argument, NULL, 'q' },
        { "sort", no_argument, NULL, OPT_SORT },
        { "summary-json", required_argument, NULL, OPT_SUMJSON },
        { "summary", no_argument, NULL, OPT_SUMMARY },
        { "no-summary", no_argument, NULL, OPT_NOSUMMARY },
        { "state", required_argument, NULL, OPT_STATE },
        { "shard", required_argument, NULL, OPT_SHARD },
        CLI_SCAN_LONGOPTS,
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    ds_scan_opts opts;
    ds_scan_opts_init(&opts);
    sweep_run_opts ro = { .opts = &opts, .summary = -1, .progress = 1 };
    cli_scan_args sa = { .nrules = 0 };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:qh", lopts, NULL)) != -1) {
        switch (c) {
        case 'J': ro.fmt.json = 1; break;
        case 'q': ro.fmt.quiet = 1; break;
        case OPT_SORT: ro.sort = 1; break;
        case OPT_SUMJSON: ro.summary_json = optarg; break;
        case OPT_SUMMARY: ro.summary = 1; break;
        case OPT_NOSUMMARY: ro.summary = 0; break;
        case OPT_STATE: ro.state_path = optarg; break;
        case OPT_SHARD:
            if (shard_parse(optarg, &ro.shard_k, &ro.shard_n) < 0) {
                errmsg("--shard: expected K/N with 1 <= K <= N");
                return EXIT_USAGE;
            }
            break;
        case CLI_OPT_RULES:
        case CLI_OPT_NORULES:
        case CLI_OPT_KNOWN:
            if (cli_scan_arg(&sa, c, optarg) < 0)
                return EXIT_USAGE;
            break;
        case 'm':
            if ((opts.min_confidence = ds_confidence_parse(optarg)) == DS_CONF_NONE) {
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
            ro.jobs = (int)n;
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
    if (cli_scan_args_load(&sa, ro.fmt.quiet) < 0)
        return EXIT_USAGE;
    opts.rules = sa.rules;
    opts.known = sa.known;
    ro.roots = argv + optind;
    ro.nroots = argc - optind;
    ro.known_path = sa.known_path;
    /* What changes the findings of a file: a state file made with other
     * options would report stale findings, so it is refused. */
    char *sig = NULL;
    if (ro.state_path) {
        FILE *m = open_memstream(&sig, &(size_t){ 0 });
        if (!m)
            return EXIT_USAGE;
        fprintf(m, "dumpscrub %s min=%s rules=%s", DS_VERSION,
                ds_confidence_name(opts.min_confidence), sa.no_default_rules ? "" : "default");
        for (int i = 0; i < sa.nrules; i++)
            fprintf(m, ",%s", sa.rule_paths[i]);
        fprintf(m, " known=%s", sa.known_path ? sa.known_path : "");
        fclose(m);
        ro.state_sig = sig;
    }
    int rc = sweep_run(&ro);
    free(sig);
    cli_scan_args_free(&sa);
    return rc;
}
