/*
 * cmd_gate.c - `dumpscrub gate`: the check in front of a debug share.
 * Every dump in the given directories either passes, or is scrubbed in
 * place, moved to a quarantine directory, or rejected.  "Not proven clean"
 * (exit 3 of a scan) is dirty here: a gate only lets through what it could
 * check completely.
 */
#include "cli.h"
#include "dumpfile.h"
#include "gate.h"
#include "output.h"
#include "scan_setup.h"
#include "scrub.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char gate_usage[] =
    "usage: dumpscrub gate [--scrub | --quarantine QDIR | --reject] [--watch] [--json]\n"
    "                      [--min-confidence LEVEL] DIR...\n"
    "\n"
    "Check every regular file directly in each DIR (top level only: subdirectories\n"
    "and symbolic links are not followed; dumpscrub's own temporary files are\n"
    "skipped) before the directory is uploaded to a debug share.  A file with no\n"
    "finding at or above LEVEL and a fully read structure passes; any other is\n"
    "handled by the action:\n"
    "\n"
    "  --reject              leave it, report it, exit 1 (the default)\n"
    "  --scrub               scrub it in place (verified, atomic; see `scrub --help`);\n"
    "                        one whose structure was not fully read is scrubbed but\n"
    "                        still rejected\n"
    "  --quarantine QDIR     move it to QDIR (created with mode 0700; rename, or\n"
    "                        copy + fsync + unlink across filesystems)\n"
    "\n"
    "  --watch               keep running: handle each new file once it is completely\n"
    "                        written (inotify close_write / moved_to, then SETTLE ms\n"
    "                        without change and nobody holding it open for writing);\n"
    "                        stop on SIGINT or SIGTERM and print the summary\n"
    "  --settle MS           quiet time before a new file is handled (default 1000)\n"
    "  --json                JSON Lines instead of text\n"
    "  --min-confidence L    verified | likely | possible (default: likely)\n"
    "  --rules FILE|DIR      add pattern rules (repeatable), as `scan` does\n"
    "  --no-default-rules    do not load the default rule pack (patterns/)\n"
    "  --known-keys FILE     certificates / public keys whose private halves to find\n"
    "  -j, --jobs N          threads scanning one file (default: 1)\n"
    "  -h, --help            this text\n"
    "\n"
    "One line per file on stdout: pass|scrubbed|quarantined|rejected|error PATH\n"
    "(N findings); then a summary line.  Each version of a file (device, inode,\n"
    "size, mtime) is handled once.\n"
    "\n"
    "exit codes: 0 every file clean or handled (passed, scrubbed, quarantined)\n"
    "            1 a file was rejected      2 an error (or interrupted batch)\n";

static const char *outcome_name[OUT_N] = { "pass", "scrubbed", "quarantined", "rejected", "error" };

static void print_line(gate *g, gate_outcome oc, const char *path, const ds_findings *found,
                       int unproven, const char *qpath, const char *err)
{
    size_t n = found ? found->n : 0;
    if (g->json) {
        printf("{\"outcome\":\"%s\",\"file\":", outcome_name[oc]);
        out_json_str(stdout, path);
        printf(",\"findings\":%zu,\"not_proven_clean\":%s", n, unproven ? "true" : "false");
        if (qpath) {
            fputs(",\"quarantine\":", stdout);
            out_json_str(stdout, qpath);
        }
        if (err) {
            fputs(",\"error\":", stdout);
            out_json_str(stdout, err);
        }
        fputs(",\"spans\":[", stdout);
        for (size_t i = 0; i < n; i++) {
            if (i)
                fputc(',', stdout);
            out_finding_json(stdout, NULL, &found->v[i]);
        }
        fputs("]}\n", stdout);
    } else {
        printf("%s ", outcome_name[oc]);
        out_text_str(stdout, path, 0);
        printf(" (%zu finding%s%s", n, n == 1 ? "" : "s", unproven ? ", not proven clean" : "");
        if (err) {
            fputs(": ", stdout);
            out_text_str(stdout, err, 0);
        }
        fputc(')', stdout);
        if (qpath) {
            fputs(" -> ", stdout);
            out_text_str(stdout, qpath, 0);
        }
        fputc('\n', stdout);
    }
    fflush(stdout);
    if (err) {
        fputs("dumpscrub: ", stderr);
        out_text_str(stderr, err, 0);
        fputc('\n', stderr);
    }
    g->count[oc]++;
    g->files++;
}

int gate_busy(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return 0;
    int busy = 0;
    if (fcntl(fd, F_SETLEASE, F_RDLCK) == 0)
        fcntl(fd, F_SETLEASE, F_UNLCK);
    else if (errno == EAGAIN)
        busy = 1;
    close(fd);
    return busy;
}

static void remember(gate *g, const struct stat *st)
{
    if (st->st_ino && gate_seen_add(&g->seen, st) < 0)
        errmsg("out of memory remembering handled files: one may be handled twice");
}

/* --scrub: the scrub decides; only a dump proven clean passes.  Returns 2
 * if the file changed under the scrub while watching (try again later). */
static int gate_scrub(gate *g, const char *path)
{
    ds_scrub_opts o;
    ds_scrub_opts_init(&o);
    o.in = path;
    o.min_conf = g->min_conf;
    o.jobs = g->jobs;
    o.rules = g->rules;
    o.known = g->known;
    ds_scrub_result r;
    int rc = ds_scrub_file(&o, &r);
    if (rc == DS_SCRUB_ERROR && r.input_changed && g->watching) {
        ds_scrub_result_free(&r);
        return 2;     /* still being written: nothing was published */
    }
    remember(g, &r.in_st);
    if (r.written)
        remember(g, &r.out_st);
    if (rc == DS_SCRUB_ERROR)
        print_line(g, OUT_ERROR, path, &r.found, 0, NULL, r.err);
    else if (rc == DS_SCRUB_UNPROVEN)
        print_line(g, OUT_REJECTED, path, &r.found, 1, NULL, NULL);
    else
        print_line(g, r.found.n ? OUT_SCRUBBED : OUT_PASS, path, &r.found, 0, NULL, NULL);
    ds_scrub_result_free(&r);
    return 1;
}

static int same_version(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* --reject / --quarantine: scan, then act on the verdict.  Returns 2 if the
 * file changed during the scan while watching (try again later). */
static int gate_check(gate *g, const char *path)
{
    ds_dumpfile f;
    char err[512];
    if (ds_dumpfile_open(&f, path, 0, err, sizeof err) < 0) {
        print_line(g, OUT_ERROR, path, NULL, 0, NULL, err);
        return 1;
    }
    struct stat st, st2;
    int have_st = fstat(f.src.fd, &st) == 0;
    ds_scan_opts so;
    ds_scan_opts_init(&so);
    so.min_confidence = g->min_conf;
    so.jobs = g->jobs;
    so.rules = g->rules;
    so.known = g->known;
    ds_findings found = { 0 };
    if (ds_dumpfile_scan(&f, &so, &found, err, sizeof err) < 0) {
        char m[600];
        snprintf(m, sizeof m, "%s: %s", path, err);
        print_line(g, OUT_ERROR, path, &found, 0, NULL, m);
        goto out;
    }
    /* A file still growing was scanned only in part: not a verdict. */
    if (have_st && (fstat(f.src.fd, &st2) < 0 || !same_version(&st, &st2))) {
        if (g->watching) {
            ds_findings_free(&found);
            ds_dumpfile_close(&f);
            return 2;
        }
        char m[600];
        snprintf(m, sizeof m, "%s: changed while being checked", path);
        print_line(g, OUT_ERROR, path, &found, 0, NULL, m);
        goto out;
    }
    if (have_st)
        remember(g, &st);
    int unproven = f.read_rc != 0 || f.dump.nproblems || f.dump.truncated;
    if (!found.n && !unproven) {
        print_line(g, OUT_PASS, path, &found, 0, NULL, NULL);
    } else if (g->action == GATE_REJECT) {
        print_line(g, OUT_REJECTED, path, &found, unproven, NULL, NULL);
    } else {
        char dest[4200];
        if (gate_quarantine(g->qdir, path, dest, sizeof dest, err, sizeof err) < 0)
            print_line(g, OUT_ERROR, path, &found, unproven, NULL, err);
        else
            print_line(g, OUT_QUARANTINED, path, &found, unproven, dest, NULL);
    }
out:
    ds_findings_free(&found);
    ds_dumpfile_close(&f);
    return 1;
}

int gate_file(gate *g, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (ds_safe_is_temp_name(slash ? slash + 1 : path))
        return 0;
    struct stat st;
    if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || gate_seen_has(&g->seen, &st))
        return 0;
    return g->action == GATE_SCRUB ? gate_scrub(g, path) : gate_check(g, path);
}

/* ---- directory listing ---------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void gate_free_list(char **list)
{
    if (!list)
        return;
    for (char **p = list; *p; p++)
        free(*p);
    free(list);
}

char **gate_list_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    size_t n = 0, cap = 64;
    char **v = malloc(cap * sizeof *v);
    struct dirent *e;
    while (v && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || ds_safe_is_temp_name(e->d_name))
            continue;
        if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
            continue;
        if (n + 1 == cap) {
            char **p = realloc(v, (cap *= 2) * sizeof *v);
            if (!p) {
                v[n] = NULL;
                gate_free_list(v);
                v = NULL;
                break;
            }
            v = p;
        }
        if (asprintf(&v[n], "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name) < 0) {
            v[n] = NULL;
            gate_free_list(v);
            v = NULL;
            break;
        }
        n++;
    }
    closedir(d);
    if (!v) {
        errno = ENOMEM;
        return NULL;
    }
    v[n] = NULL;
    qsort(v, n, sizeof *v, cmp_str);
    return v;
}

/* ---- the command ------------------------------------------------------------- */

static int gate_exit(const gate *g)
{
    int rc = EXIT_CLEAN;
    if (g->count[OUT_ERROR] || g->unhandled)
        rc = exit_merge(rc, EXIT_USAGE);
    if (g->count[OUT_REJECTED])
        rc = exit_merge(rc, EXIT_FOUND);
    return rc;
}

static void print_summary(const gate *g, int rc, int interrupted)
{
    if (g->json) {
        printf("{\"summary\":{\"files\":%lu", g->files);
        for (int i = 0; i < OUT_N; i++)
            printf(",\"%s\":%lu", outcome_name[i], g->count[i]);
        printf(",\"unhandled\":%lu,\"interrupted\":%s,\"exit\":%d}}\n", g->unhandled,
               interrupted ? "true" : "false", rc);
    } else {
        printf("summary: %lu file%s: %lu pass, %lu scrubbed, %lu quarantined, %lu rejected, "
               "%lu error%s", g->files, g->files == 1 ? "" : "s", g->count[OUT_PASS],
               g->count[OUT_SCRUBBED], g->count[OUT_QUARANTINED], g->count[OUT_REJECTED],
               g->count[OUT_ERROR], g->count[OUT_ERROR] == 1 ? "" : "s");
        if (g->unhandled)
            printf(", %lu not yet complete (unhandled)", g->unhandled);
        printf("%s\n", interrupted ? " (interrupted)" : "");
    }
    fflush(stdout);
}

static int prepare_qdir(gate *g, char **dirs, int ndirs)
{
    if (mkdir(g->qdir, 0700) < 0 && errno != EEXIST) {
        errmsg("--quarantine %s: %s", g->qdir, strerror(errno));
        return -1;
    }
    if (stat(g->qdir, &g->qdir_st) < 0 || !S_ISDIR(g->qdir_st.st_mode)) {
        errmsg("--quarantine %s: not a directory", g->qdir);
        return -1;
    }
    if (g->qdir_st.st_mode & 077)
        errmsg("warning: quarantine directory %s is readable by others (mode %03o)", g->qdir,
               (unsigned)(g->qdir_st.st_mode & 0777));
    for (int i = 0; i < ndirs; i++) {
        struct stat st;
        if (stat(dirs[i], &st) == 0 && st.st_dev == g->qdir_st.st_dev &&
            st.st_ino == g->qdir_st.st_ino) {
            errmsg("--quarantine %s: must not be one of the gated directories", g->qdir);
            return -1;
        }
    }
    return 0;
}

static int run_batch(gate *g, char **dirs, int ndirs)
{
    int rc = EXIT_CLEAN;
    for (int i = 0; i < ndirs && !ds_safe_stop_requested(); i++) {
        ds_safe_clean_stale(dirs[i], DS_STALE_AGE);
        char **list = gate_list_dir(dirs[i]);
        if (!list) {
            errmsg("%s: %s", dirs[i], strerror(errno));
            rc = exit_merge(rc, EXIT_USAGE);
            continue;
        }
        for (char **p = list; *p && !ds_safe_stop_requested(); p++) {
            if (gate_busy(*p)) {
                print_line(g, OUT_ERROR, *p, NULL, 0, NULL, "still open for writing: not checked");
                continue;
            }
            gate_file(g, *p);
        }
        gate_free_list(list);
    }
    return rc;
}

int cmd_gate(int argc, char **argv)
{
    enum { O_MINCONF = 256, O_SETTLE };
    static const struct option lopts[] = {
        { "scrub", no_argument, NULL, 's' },
        { "quarantine", required_argument, NULL, 'Q' },
        { "reject", no_argument, NULL, 'r' },
        { "watch", no_argument, NULL, 'w' },
        { "json", no_argument, NULL, 'J' },
        { "min-confidence", required_argument, NULL, O_MINCONF },
        { "settle", required_argument, NULL, O_SETTLE },
        { "jobs", required_argument, NULL, 'j' },
        CLI_SCAN_LONGOPTS,
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    cli_scan_args sa = { .nrules = 0 };
    gate g;
    memset(&g, 0, sizeof g);
    g.action = GATE_REJECT;
    g.min_conf = DS_CONF_LIKELY;
    g.jobs = 1;
    g.settle_ms = 1000;
    g.wake[0] = g.wake[1] = -1;
    int watch = 0, nactions = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:h", lopts, NULL)) != -1) {
        char *end;
        long n;
        switch (c) {
        case 's': g.action = GATE_SCRUB; nactions++; break;
        case 'Q': g.action = GATE_QUARANTINE; g.qdir = optarg; nactions++; break;
        case 'r': g.action = GATE_REJECT; nactions++; break;
        case 'w': watch = 1; break;
        case 'J': g.json = 1; break;
        case O_MINCONF:
            if ((g.min_conf = ds_confidence_parse(optarg)) == DS_CONF_NONE) {
                errmsg("--min-confidence: expected verified, likely or possible");
                return EXIT_USAGE;
            }
            break;
        case O_SETTLE:
            n = strtol(optarg, &end, 10);
            if (!*optarg || *end || n < 0 || n > 3600000) {
                errmsg("--settle: expected milliseconds from 0 to 3600000");
                return EXIT_USAGE;
            }
            g.settle_ms = (int)n;
            break;
        case 'j':
            n = strtol(optarg, &end, 10);
            if (!*optarg || *end || n < 1 || n > 256) {
                errmsg("--jobs: expected a number from 1 to 256");
                return EXIT_USAGE;
            }
            g.jobs = (int)n;
            break;
        case CLI_OPT_RULES:
        case CLI_OPT_NORULES:
        case CLI_OPT_KNOWN:
            if (cli_scan_arg(&sa, c, optarg) < 0)
                return EXIT_USAGE;
            break;
        case 'h': fputs(gate_usage, stdout); return EXIT_CLEAN;
        default: fputs(gate_usage, stderr); return EXIT_USAGE;
        }
    }
    if (nactions > 1) {
        errmsg("gate: give at most one of --scrub, --quarantine, --reject");
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        fputs(gate_usage, stderr);
        return EXIT_USAGE;
    }
    char **dirs = argv + optind;
    int ndirs = argc - optind;
    for (int i = 0; i < ndirs; i++) {
        struct stat st;
        if (stat(dirs[i], &st) < 0) {
            errmsg("%s: %s", dirs[i], strerror(errno));
            return EXIT_USAGE;
        }
        if (!S_ISDIR(st.st_mode)) {
            errmsg("%s: not a directory (the gate takes directories)", dirs[i]);
            return EXIT_USAGE;
        }
    }
    if (g.action == GATE_QUARANTINE && prepare_qdir(&g, dirs, ndirs) < 0)
        return EXIT_USAGE;
    if (cli_scan_args_load(&sa, 0) < 0)
        return EXIT_USAGE;
    g.rules = sa.rules;
    g.known = sa.known;
    if (pipe2(g.wake, O_CLOEXEC | O_NONBLOCK) < 0) {
        errmsg("pipe: %s", strerror(errno));
        cli_scan_args_free(&sa);
        return EXIT_USAGE;
    }
    /* First SIGINT/SIGTERM: finish the current file, print the summary.
     * A second one: remove the temp and die at once. */
    ds_safe_signals(1, g.wake[1]);

    g.watching = watch;
    int rc = watch ? (gate_watch(&g, dirs, ndirs) < 0 ? EXIT_USAGE : EXIT_CLEAN)
                   : run_batch(&g, dirs, ndirs);
    int interrupted = !watch && ds_safe_stop_requested();
    rc = exit_merge(rc, gate_exit(&g));
    if (interrupted)
        rc = exit_merge(rc, EXIT_USAGE);
    print_summary(&g, rc, interrupted);
    gate_seen_free(&g.seen);
    cli_scan_args_free(&sa);
    close(g.wake[0]);
    close(g.wake[1]);
    return rc;
}
