/*
 * cmd_hook.c - `dumpscrub hook`: the kernel's core_pattern pipe handler.
 *
 * The kernel starts it as root, in the initial namespaces, with an empty
 * environment, the core on stdin and fds 1 and 2 closed.  It makes itself
 * safe first (fds 1/2 to /dev/null so no file ever lands on them, umask
 * 077, non-dumpable and RLIMIT_CORE 0 from main.c), opens its directories
 * without following symlinks, reads /proc/PID while the process exists,
 * drops its capabilities when nothing after it needs them, then runs the
 * job (scrubber/hook.c) and logs the outcome.
 */
#include "cli.h"
#include "hook_cli.h"
#include "scan_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static const char hook_usage[] =
    "usage: dumpscrub hook --out-dir DIR [OPTIONS] -- %P %i %u %g %s %t %e\n"
    "\n"
    "The kernel's crash handler (kernel.core_pattern = |/path/dumpscrub hook ...):\n"
    "reads the core from stdin, scrubs it with bounded memory and stores only\n"
    "the scrubbed core (mode 0600).  Unscrubbed bytes are never written in\n"
    "clear: the second pass reads an anonymous spool encrypted under a key\n"
    "that exists only in memory.  `dumpscrub install-hook` sets it up.\n"
    "\n"
    "  -o, --out-dir DIR      where scrubbed cores go (created 0700 if missing;\n"
    "                         no component may be a symlink)\n"
    "  -r, --report-dir DIR   also write a JSON report per crash there\n"
    "  --compress zstd|gzip|none   output compression (default zstd)\n"
    "  --pipe-to 'CMD ARGS'   after publishing, run CMD (absolute path) with ARGS\n"
    "                         (% specifiers expanded: %P %p %i %I %u %g %s %t %e\n"
    "                         %E %c %h %d %%) and feed it the scrubbed core\n"
    "  --pipe-to-previous     the same with the handler install-hook replaced\n"
    "  --state-dir DIR        where install-hook keeps it (default " HOOK_STATE_DIR ")\n"
    "  --on-error drop|metadata-only   when the core cannot be scrubbed: store\n"
    "                         nothing (default), or only the ELF header and notes\n"
    "                         (registers), never memory\n"
    "  --max-memory SIZE      memory budget for buffers (default 256M; K, M, G)\n"
    "  --confidence LEVEL     scrub findings at or above (default likely)\n"
    "  --fill HEX             byte pattern written over secrets (default 00)\n"
    "  -l, --log-file FILE    also append the log lines to FILE (syslog always)\n"
    "  --rules FILE, --no-default-rules   pattern rules as for scan\n"
    "\n"
    "After --: the kernel's %P %i %u %g %s %t %e (pid, tid, uid, gid, signal,\n"
    "time, executable name); only %P is required when run by hand.\n"
    "The kernel takes at most 127 bytes of core_pattern: the short options help.\n"
    "Exit: 0 stored scrubbed, 2 failed (nothing or metadata only stored).\n";

/* Files the kernel left closed would otherwise be the first ones opened
 * (the output!), and a stray message would land in it. */
static void fix_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (n >= 0 && n != fd) {
                dup2(n, fd);
                close(n);
            }
        }
}

/* No capability is needed once the directories and logs are open (the
 * files are created through those fds, in root-owned directories). */
static int drop_caps(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    return (int)syscall(SYS_capset, &h, d);
}

int hook_open_dir(const char *path, int create, char *err, size_t errlen)
{
    char *copy = strdup(path);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int cur = open(path[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char *save = NULL;
    char *comp = strtok_r(copy, "/", &save);
    while (cur >= 0 && comp) {
        char *next = strtok_r(NULL, "/", &save);
        int fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && create) {   /* missing parents too (0700) */
            if (mkdirat(cur, comp, 0700) < 0 && errno != EEXIST) {
                snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
                close(cur);
                free(copy);
                return -1;
            }
            fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0) {
            if (errno == ELOOP || errno == ENOTDIR) {
                struct stat st;
                if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
                    snprintf(err, errlen, "%s: component '%s' is a symbolic link: refused",
                             path, comp);
                else
                    snprintf(err, errlen, "%s: '%s' is not a directory", path, comp);
            } else {
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
            }
            close(cur);
            free(copy);
            return -1;
        }
        close(cur);
        cur = fd;
        comp = next;
    }
    free(copy);
    if (cur < 0)
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return cur;
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (*end == 'i' || *end == 'B')
        end++;
    if (*end == 'B')
        end++;
    if (*end || v > (SIZE_MAX >> shift))
        return -1;
    *out = (size_t)v << shift;
    return 0;
}

enum { O_COMPRESS = 0x2000, O_PIPE, O_PIPE_PREV, O_STATE, O_ONERR,
       O_MAXMEM, O_CONF, O_FILL };

int cmd_hook(int argc, char **argv)
{
    fix_std_fds();
    umask(077);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    static const struct option lo[] = {
        { "out-dir", required_argument, NULL, 'o' },
        { "report-dir", required_argument, NULL, 'r' },
        { "compress", required_argument, NULL, O_COMPRESS },
        { "pipe-to", required_argument, NULL, O_PIPE },
        { "pipe-to-previous", no_argument, NULL, O_PIPE_PREV },
        { "state-dir", required_argument, NULL, O_STATE },
        { "on-error", required_argument, NULL, O_ONERR },
        { "max-memory", required_argument, NULL, O_MAXMEM },
        { "confidence", required_argument, NULL, O_CONF },
        { "fill", required_argument, NULL, O_FILL },
        { "log-file", required_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },
        CLI_SCAN_LONGOPTS,
        { NULL, 0, NULL, 0 }
    };
    const char *out_dir = NULL, *report_dir = NULL, *pipe_to = NULL, *log_file = NULL;
    const char *state_dir = HOOK_STATE_DIR;
    int pipe_prev = 0;
    ds_hook_opts ho;
    ds_hook_opts_init(&ho);
    cli_scan_args sa;
    memset(&sa, 0, sizeof sa);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "ho:r:l:", lo, NULL)) != -1) {
        switch (opt) {
        case 'o': out_dir = optarg; break;
        case 'r': report_dir = optarg; break;
        case O_PIPE: pipe_to = optarg; break;
        case O_PIPE_PREV: pipe_prev = 1; break;
        case O_STATE: state_dir = optarg; break;
        case 'l': log_file = optarg; break;
        case O_COMPRESS:
            if (!strcmp(optarg, "zstd")) ho.comp = DS_COMP_ZSTD;
            else if (!strcmp(optarg, "gzip")) ho.comp = DS_COMP_GZIP;
            else if (!strcmp(optarg, "none")) ho.comp = DS_COMP_NONE;
            else { errmsg("hook: --compress zstd, gzip or none"); return EXIT_USAGE; }
            break;
        case O_ONERR:
            if (!strcmp(optarg, "drop")) ho.metadata_on_error = 0;
            else if (!strcmp(optarg, "metadata-only")) ho.metadata_on_error = 1;
            else { errmsg("hook: --on-error drop or metadata-only"); return EXIT_USAGE; }
            break;
        case O_MAXMEM:
            if (parse_size(optarg, &ho.max_memory) < 0 || ho.max_memory < ((size_t)16 << 20)) {
                errmsg("hook: --max-memory: a size of at least 16M");
                return EXIT_USAGE;
            }
            break;
        case O_CONF:
            if ((ho.min_conf = ds_confidence_parse(optarg)) == DS_CONF_NONE) {
                errmsg("hook: --confidence verified, likely or possible");
                return EXIT_USAGE;
            }
            break;
        case O_FILL:
            if (ds_fill_parse(&ho.fill, optarg) < 0) {
                errmsg("hook: --fill: 1 to %d bytes of hex", DS_FILL_MAX);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            fputs(hook_usage, stdout);
            return EXIT_CLEAN;
        default:
            if (opt >= CLI_OPT_RULES && opt <= CLI_OPT_KNOWN) {
                if (cli_scan_arg(&sa, opt, optarg) < 0)
                    return EXIT_USAGE;
                break;
            }
            fputs(hook_usage, stderr);
            return EXIT_USAGE;
        }
    }
    int npos = argc - optind;
    if (!out_dir || npos < 1 || npos > 7) {
        errmsg("hook: --out-dir DIR and -- %%P [%%i %%u %%g %%s %%t %%e] are required");
        fputs(hook_usage, stderr);
        return EXIT_USAGE;
    }
    char **pos = argv + optind;
    char now[24];
    snprintf(now, sizeof now, "%lld", (long long)time(NULL));
    hook_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.P = pos[0];
    ctx.i = npos > 1 ? pos[1] : pos[0];
    ctx.u = npos > 2 ? pos[2] : "0";
    ctx.g = npos > 3 ? pos[3] : "0";
    ctx.s = npos > 4 ? pos[4] : "0";
    ctx.t = npos > 5 ? pos[5] : now;
    ctx.e = npos > 6 ? pos[6] : "unknown";
    for (const char *p = ctx.P; *p; p++)
        if (*p < '0' || *p > '9') {
            errmsg("hook: %%P must be a process id");
            return EXIT_USAGE;
        }

    hook_log_open(log_file);
    signal(SIGPIPE, SIG_IGN);
    ds_safe_signals(0, -1);
    /* Context first: /proc/PID exists only while the stream lasts. */
    hook_proc_read(&ctx);
    char err[512];
    int rc = EXIT_USAGE;
    int report_fd = -1;
    int dirfd = hook_open_dir(out_dir, 1, err, sizeof err);
    if (dirfd < 0) {
        hook_log(LOG_ERR, "hook pid=%s: output directory: %s; core dropped", ctx.P, err);
        while (read(0, err, sizeof err) > 0)
            ;
        hook_proc_free(&ctx);
        return EXIT_USAGE;
    }
    if (report_dir && (report_fd = hook_open_dir(report_dir, 1, err, sizeof err)) < 0)
        hook_log(LOG_WARNING, "hook pid=%s: report directory: %s; no report", ctx.P, err);
    char prev[1024];
    if (pipe_prev && !pipe_to && hook_previous_pipe(state_dir, prev, sizeof prev) == 0)
        pipe_to = prev;
    if (cli_scan_args_load(&sa, 1) < 0)
        hook_log(LOG_WARNING, "hook pid=%s: pattern rules could not be loaded", ctx.P);
    if (!pipe_to && drop_caps() < 0)
        hook_log(LOG_WARNING, "hook pid=%s: cannot drop capabilities: %s", ctx.P, strerror(errno));

    char name[160], meta[176], rep[176];
    const char *suffix = ho.comp == DS_COMP_ZSTD ? ".zst" : ho.comp == DS_COMP_GZIP ? ".gz" : "";
    snprintf(name, sizeof name, "core.%s.%s.%s%s", ctx.exe_safe, ctx.P, ctx.t, suffix);
    snprintf(meta, sizeof meta, "core.%s.%s.%s.metadata", ctx.exe_safe, ctx.P, ctx.t);
    snprintf(rep, sizeof rep, "core.%s.%s.%s.json", ctx.exe_safe, ctx.P, ctx.t);
    ho.in_fd = 0;
    ho.dirfd = dirfd;
    ho.name = name;
    ho.meta_name = meta;
    ho.rules = sa.rules;
    ho.label = hook_proc_label;
    ho.label_arg = &ctx;

    ds_hook_result r;
    ds_hook_run(&ho, &r);

    char pnote[600] = "";
    if (r.published && pipe_to) {
        int prc = hook_pipe_to(pipe_to, &ctx, dirfd, name, err, sizeof err);
        if (prc < 0)
            snprintf(pnote, sizeof pnote, "pipe-to failed: %s", err);
        else
            snprintf(pnote, sizeof pnote, "pipe-to exit %d", prc);
    }
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    hook_outcome oc = {
        .ctx = &ctx, .r = &r,
        .file = r.published ? name : r.meta_published ? meta : NULL,
        .seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
        .peak_rss_kib = ru.ru_maxrss,
        .pipe_note = pnote,
    };
    hook_log_outcome(&oc);
    if (report_fd >= 0 && hook_report_write(report_fd, rep, &oc) < 0)
        hook_log(LOG_WARNING, "hook pid=%s: cannot write the report", ctx.P);
    rc = r.published ? EXIT_CLEAN : EXIT_USAGE;
    ds_hook_result_free(&r);
    cli_scan_args_free(&sa);
    hook_proc_free(&ctx);
    if (report_fd >= 0)
        close(report_fd);
    close(dirfd);
    return rc;
}
