/*
 * cmd_merge.c - `dumpscrub merge FILE...`: one report and one summary from
 * the outputs of the shards of a sweep (scan --shard K/N --json and
 * --summary-json).  Findings come out sorted by file and offset, so the
 * merge of N shards is byte-for-byte the same whatever order the shards
 * finished in; summaries combine key by key (dumps counted by distinct
 * path, first/last time, known if any shard says so).
 */
#include "cli.h"
#include "finding_json.h"
#include "output.h"
#include "sweep.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char merge_usage[] =
    "usage: dumpscrub merge [--summary-json FILE] [--table] [--quiet] FILE...\n"
    "\n"
    "Combine the outputs of the shards of a sweep (`scan --shard K/N --json`\n"
    "JSON Lines, and `--summary-json` files, in any order and mix) into one\n"
    "report on stdout, sorted by file and offset, and one summary.\n"
    "\n"
    "  --summary-json FILE  write the merged summary ('-': stdout)\n"
    "  --table              print the findings as the scan table, not JSON Lines\n"
    "  -q, --quiet          no summary table on stderr\n"
    "  -h, --help           this text\n"
    "\n"
    "The summary comes from the summary files when any are given (they know\n"
    "dump times and unreadable files), else from the findings.\n"
    "exit codes: as scan, merged over every shard (found > error > unproven >\n"
    "            clean); 2 when an input cannot be read\n";

struct item {
    char *file;
    ds_finding f;
};

struct items {
    struct item *v;
    size_t n, cap;
};

static int cmp_item(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c)
        return c;
    if (x->f.offset != y->f.offset)
        return x->f.offset < y->f.offset ? -1 : 1;
    if (x->f.length != y->f.length)
        return x->f.length < y->f.length ? -1 : 1;
    return strcmp(x->f.detector, y->f.detector);
}

static void free_finding(ds_finding *f)
{
    free((char *)f->kind);
    free((char *)f->detector);
    free((char *)f->encoding);
    free((char *)f->region);
}

/* One JSON Lines file of findings.  0, or -1 after a message. */
static int read_lines(const char *path, struct items *it)
{
    FILE *fp = strcmp(path, "-") ? fopen(path, "re") : stdin;
    if (!fp) {
        errmsg("%s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    int rc = 0;
    while ((len = getline(&line, &cap, fp)) > 0) {
        lineno++;
        if (strspn(line, " \t\r\n") == (size_t)len)
            continue;
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)len, 0, &je);
        const char *file = NULL;
        struct item x;
        if (!o || finding_from_json(o, &x.f, &file) < 0 || !file) {
            errmsg("%s:%zu: not a dumpscrub finding", path, lineno);
            json_decref(o);
            rc = -1;
            break;
        }
        x.file = strdup(file);
        json_decref(o);
        if (it->n == it->cap) {
            size_t nc = it->cap ? it->cap * 2 : 256;
            struct item *v = realloc(it->v, nc * sizeof *v);
            if (!v) {
                free(x.file);
                free_finding(&x.f);
                rc = -1;
                break;
            }
            it->v = v;
            it->cap = nc;
        }
        if (!x.file) {
            free_finding(&x.f);
            rc = -1;
            break;
        }
        it->v[it->n++] = x;
    }
    if (ferror(fp)) {
        errmsg("%s: %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    if (fp != stdin)
        fclose(fp);
    return rc;
}

/* A summary file is one JSON object with "dumpscrub_summary". */
static int is_summary(const char *path)
{
    if (!strcmp(path, "-"))
        return 0;
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    int r = o && json_is_object(o) && json_object_get(o, "dumpscrub_summary");
    json_decref(o);
    return r;
}

int cmd_merge(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "summary-json", required_argument, NULL, 'S' },
        { "table", no_argument, NULL, 'T' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *sum_json = NULL;
    int table = 0, quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", lopts, NULL)) != -1) {
        switch (c) {
        case 'S': sum_json = optarg; break;
        case 'T': table = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(merge_usage, stdout); return EXIT_CLEAN;
        default: fputs(merge_usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fputs(merge_usage, stderr);
        return EXIT_USAGE;
    }
    struct items it = { 0 };
    sweep_summary *sum = sweep_summary_new();
    int rc = sum ? EXIT_CLEAN : EXIT_USAGE, nsum = 0;
    for (int i = optind; sum && i < argc; i++) {
        char err[1024];
        if (is_summary(argv[i])) {
            nsum++;
            if (sweep_summary_merge_json(sum, argv[i], err, sizeof err) < 0) {
                errmsg("%s", err);
                rc = EXIT_USAGE;
            }
        } else if (read_lines(argv[i], &it) < 0) {
            rc = EXIT_USAGE;
        }
    }
    if (it.n)
        qsort(it.v, it.n, sizeof *it.v, cmp_item);
    int header = 0;
    for (size_t i = 0; i < it.n; i++) {
        /* The same file in two inputs (a shard run twice): print once. */
        if (i && !cmp_item(&it.v[i - 1], &it.v[i]))
            continue;
        if (table) {
            if (!header++)
                sweep_print_header(stdout);
            sweep_print_row(stdout, it.v[i].file, &it.v[i].f);
        } else {
            out_finding_json(stdout, it.v[i].file, &it.v[i].f);
            fputc('\n', stdout);
        }
        if (!nsum && sum && sweep_summary_add_finding(sum, it.v[i].file, &it.v[i].f) < 0)
            rc = EXIT_USAGE;
    }
    if (fflush(stdout) != 0)
        rc = EXIT_USAGE;
    if (sum) {
        rc = exit_merge(rc, sweep_summary_exit(sum));
        if (!quiet)
            sweep_summary_print(sum, stderr);
        if (sum_json && sweep_summary_write_json(sum, sum_json) < 0)
            rc = exit_merge(rc, EXIT_USAGE);
    }
    for (size_t i = 0; i < it.n; i++) {
        free(it.v[i].file);
        free_finding(&it.v[i].f);
    }
    free(it.v);
    sweep_summary_free(sum);
    return rc;
}
