/*
 * hook_install.c - `dumpscrub install-hook` / `uninstall-hook`.
 *
 * install-hook remembers the current kernel.core_pattern (the handler it
 * replaces, e.g. systemd-coredump) in STATE_DIR/previous-core-pattern,
 * writes SYSCTL_DIR/50-dumpscrub.conf so the setting survives a reboot,
 * and applies it at once.  uninstall-hook puts the remembered pattern back
 * exactly and removes both files.  Installing twice keeps the first
 * remembered pattern (never dumpscrub's own).
 */
#include "cli.h"
#include "hook_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYSCTL_DIR "/etc/sysctl.d"
#define SYSCTL_FILE "50-dumpscrub.conf"
#define CORE_PATTERN "/proc/sys/kernel/core_pattern"
#define DEFAULT_OUT "/var/lib/dumpscrub/cores"
#define CORENAME_MAX 128      /* the kernel's limit, NUL included */

static const char install_usage[] =
    "usage: dumpscrub install-hook [OPTIONS]\n"
    "\n"
    "Make the kernel hand every core to `dumpscrub hook` (kernel.core_pattern,\n"
    "through a sysctl.d file, applied at once).  The pattern it replaces is\n"
    "remembered for --pipe-to-previous and for uninstall-hook.\n"
    "\n"
    "  --out-dir DIR          where scrubbed cores go (default " DEFAULT_OUT ")\n"
    "  --pipe-to-previous     hand each scrubbed core on to the replaced handler\n"
    "                         (e.g. systemd-coredump, so coredumpctl keeps working)\n"
    "  --hook-args 'ARGS'     more options for the hook (e.g. '--on-error metadata-only')\n"
    "  --sysctl-dir DIR       default " SYSCTL_DIR "\n"
    "  --state-dir DIR        default " HOOK_STATE_DIR "\n"
    "  --core-pattern-file F  default " CORE_PATTERN " (tests)\n"
    "  --binary PATH          the dumpscrub the kernel runs (default: this one)\n"
    "\n"
    "The kernel limits core_pattern to 127 bytes: keep paths short.\n"
    "Exit: 0 installed, 2 usage or I/O error.\n";

static const char uninstall_usage[] =
    "usage: dumpscrub uninstall-hook [--sysctl-dir DIR] [--state-dir DIR]\n"
    "                                [--core-pattern-file F]\n"
    "\n"
    "Put back the kernel.core_pattern install-hook replaced, remove its sysctl.d\n"
    "file and its state.\n"
    "Exit: 0 restored, 2 usage or I/O error (nothing saved to restore).\n";

typedef struct {
    const char *sysctl_dir, *state_dir, *cp_file;
} paths;

static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (!ok)
        buf[0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

static int write_pattern(const char *cp_file, const char *pattern)
{
    int fd = open(cp_file, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char line[CORENAME_MAX + 2];
    int n = snprintf(line, sizeof line, "%s\n", pattern);
    int rc = (n > 0 && n < (int)sizeof line && write(fd, line, (size_t)n) == n) ? 0 : -1;
    if (close(fd) < 0)
        rc = -1;
    return rc;
}

/* Write DIR/NAME atomically (temp + rename), mode 0644 or 0600. */
static int write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
    char tmp[4200], dst[4200];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    size_t n = strlen(text);
    int rc = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0 ? 0 : -1;
    fchmod(fd, mode);
    if (close(fd) < 0)
        rc = -1;
    if (rc == 0 && rename(tmp, dst) < 0)
        rc = -1;
    if (rc < 0)
        unlink(tmp);
    return rc;
}

static int is_ours(const char *pattern)
{
    return pattern[0] == '|' && strstr(pattern, " hook ") && strstr(pattern, "dumpscrub");
}

int cmd_install_hook(int argc, char **argv)
{
    static const struct option lo[] = {
        { "out-dir", required_argument, NULL, 'o' },
        { "pipe-to-previous", no_argument, NULL, 'p' },
        { "hook-args", required_argument, NULL, 'a' },
        { "sysctl-dir", required_argument, NULL, 'S' },
        { "state-dir", required_argument, NULL, 's' },
        { "core-pattern-file", required_argument, NULL, 'c' },
        { "binary", required_argument, NULL, 'b' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    paths p = { SYSCTL_DIR, HOOK_STATE_DIR, CORE_PATTERN };
    const char *out = DEFAULT_OUT, *extra = NULL, *bin = NULL;
    int prev = 0, opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (opt) {
        case 'o': out = optarg; break;
        case 'p': prev = 1; break;
        case 'a': extra = optarg; break;
        case 'S': p.sysctl_dir = optarg; break;
        case 's': p.state_dir = optarg; break;
        case 'c': p.cp_file = optarg; break;
        case 'b': bin = optarg; break;
        case 'h': fputs(install_usage, stdout); return EXIT_CLEAN;
        default: fputs(install_usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fputs(install_usage, stderr);
        return EXIT_USAGE;
    }
    char self[4096];
    if (!bin) {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0) {
            errmsg("install-hook: cannot find this program's path; use --binary");
            return EXIT_USAGE;
        }
        self[n] = '\0';
        bin = self;
    }
    if (bin[0] != '/' || out[0] != '/') {
        errmsg("install-hook: --binary and --out-dir must be absolute paths");
        return EXIT_USAGE;
    }
    char pattern[1024];
    int n = snprintf(pattern, sizeof pattern, "|%s hook -o %s%s%s%s%s%s -- %%P %%i %%u %%g %%s %%t %%e",
                     bin, out, prev ? " --pipe-to-previous" : "",
                     prev && strcmp(p.state_dir, HOOK_STATE_DIR) ? " --state-dir " : "",
                     prev && strcmp(p.state_dir, HOOK_STATE_DIR) ? p.state_dir : "",
                     extra ? " " : "", extra ? extra : "");
    if (n >= CORENAME_MAX || strpbrk(out, " \t") || strpbrk(bin, " \t")) {
        errmsg("install-hook: the pattern would be %d bytes, the kernel takes at most %d "
               "(and no blanks in paths): use shorter paths", n, CORENAME_MAX - 1);
        return EXIT_USAGE;
    }
    char err[512];
    int dfd = hook_open_dir(out, 1, err, sizeof err);
    if (dfd < 0) {
        errmsg("install-hook: %s", err);
        return EXIT_USAGE;
    }
    close(dfd);

    char cur[1024];
    if (read_line(p.cp_file, cur, sizeof cur) < 0) {
        errmsg("install-hook: %s: %s", p.cp_file, strerror(errno));
        return EXIT_USAGE;
    }
    char prevfile[4200];
    snprintf(prevfile, sizeof prevfile, "%s/%s", p.state_dir, HOOK_PREV_FILE);
    struct stat st;
    if (!is_ours(cur) || stat(prevfile, &st) < 0) {
        if (is_ours(cur)) {
            errmsg("install-hook: core_pattern is already a dumpscrub hook but %s is missing",
                   prevfile);
            return EXIT_USAGE;
        }
        int sfd = hook_open_dir(p.state_dir, 1, err, sizeof err);
        if (sfd < 0) {
            errmsg("install-hook: %s", err);
            return EXIT_USAGE;
        }
        close(sfd);
        char text[1100];
        snprintf(text, sizeof text, "%s\n", cur);
        if (write_file(p.state_dir, HOOK_PREV_FILE, text, 0600) < 0) {
            errmsg("install-hook: %s: %s", prevfile, strerror(errno));
            return EXIT_USAGE;
        }
    }
    char conf[1400];
    snprintf(conf, sizeof conf,
             "# Written by dumpscrub install-hook; removed by dumpscrub uninstall-hook.\n"
             "# Cores are scrubbed of private keys before they reach the disk.\n"
             "kernel.core_pattern = %s\n", pattern);
    if (write_file(p.sysctl_dir, SYSCTL_FILE, conf, 0644) < 0) {
        errmsg("install-hook: %s/%s: %s", p.sysctl_dir, SYSCTL_FILE, strerror(errno));
        return EXIT_USAGE;
    }
    if (write_pattern(p.cp_file, pattern) < 0) {
        errmsg("install-hook: %s: %s (the sysctl.d file applies at the next boot)",
               p.cp_file, strerror(errno));
        return EXIT_USAGE;
    }
    printf("core_pattern: %s\nprevious:     %s (kept in %s)\nsysctl file:  %s/%s\n", pattern,
           cur, prevfile, p.sysctl_dir, SYSCTL_FILE);
    if (prev && cur[0] != '|')
        printf("note: the previous pattern is not a pipe handler: nothing to chain to\n");
    return EXIT_CLEAN;
}

int cmd_uninstall_hook(int argc, char **argv)
{
    static const struct option lo[] = {
        { "sysctl-dir", required_argument, NULL, 'S' },
        { "state-dir", required_argument, NULL, 's' },
        { "core-pattern-file", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    paths p = { SYSCTL_DIR, HOOK_STATE_DIR, CORE_PATTERN };
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (opt) {
        case 'S': p.sysctl_dir = optarg; break;
        case 's': p.state_dir = optarg; break;
        case 'c': p.cp_file = optarg; break;
        case 'h': fputs(uninstall_usage, stdout); return EXIT_CLEAN;
        default: fputs(uninstall_usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fputs(uninstall_usage, stderr);
        return EXIT_USAGE;
    }
    char prevfile[4200], conf[4200], prev[1024];
    snprintf(prevfile, sizeof prevfile, "%s/%s", p.state_dir, HOOK_PREV_FILE);
    snprintf(conf, sizeof conf, "%s/%s", p.sysctl_dir, SYSCTL_FILE);
    if (read_line(prevfile, prev, sizeof prev) < 0) {
        errmsg("uninstall-hook: %s: %s; set kernel.core_pattern yourself", prevfile,
               strerror(errno));
        return EXIT_USAGE;
    }
    if (unlink(conf) < 0 && errno != ENOENT) {
        errmsg("uninstall-hook: %s: %s", conf, strerror(errno));
        return EXIT_USAGE;
    }
    if (write_pattern(p.cp_file, prev) < 0) {
        errmsg("uninstall-hook: %s: %s", p.cp_file, strerror(errno));
        return EXIT_USAGE;
    }
    unlink(prevfile);
    printf("core_pattern: %s (restored)\nremoved:      %s\n", prev, conf);
    return EXIT_CLEAN;
}
