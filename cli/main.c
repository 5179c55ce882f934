/*
 * main.c - the dumpscrub command: subcommand dispatch and process hardening.
 */
#include "cli.h"
#include "sweep.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

static const char usage[] =
    "usage: dumpscrub COMMAND [OPTIONS] ...\n"
    "\n"
    "Find private keys and other secrets in crash dumps (ELF cores, Windows\n"
    "minidumps, anything else as raw bytes) and scrub them.\n"
    "\n"
    "commands:\n"
    "  info FILE...        show a dump's format, process, threads, modules, regions\n"
    "  scan PATH...        report secrets (directories are walked recursively)\n"
    "  scrub IN -o OUT     overwrite the secrets, verify, publish atomically\n"
    "  scrub IN --in-place\n"
    "  gate DIR...         pre-upload gate: pass, scrub, quarantine or reject\n"
    "  rules check FILE... compile pattern rules and run their samples\n"
    "  merge FILE...       combine the JSON outputs of sharded sweeps (scan --shard)\n"
    "  hook --out-dir DIR -- %P %i %u %g %s %t %e\n"
    "                      crash handler: scrub a core streamed on stdin\n"
    "  install-hook        make the kernel pipe every core through `hook`\n"
    "  uninstall-hook      restore the crash handler install-hook replaced\n"
    "\n"
    "  dumpscrub COMMAND --help   options of one command\n"
    "  dumpscrub --version\n"
    "\n"
    "exit codes: 0 clean, 1 secrets found, 2 usage or I/O error,\n"
    "            3 structure not fully read (every byte scanned, not proven clean)\n";

void errmsg(const char *fmt, ...)
{
    va_list ap;
    fputs("dumpscrub: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int exit_merge(int a, int b)
{
    static const int rank[] = { [EXIT_CLEAN] = 0, [EXIT_UNPROVEN] = 1, [EXIT_USAGE] = 2,
                                [EXIT_FOUND] = 3 };
    if (a < 0 || a > 3) return b;
    if (b < 0 || b > 3) return a;
    return rank[a] >= rank[b] ? a : b;
}

/* dumpscrub holds secrets in memory while it works: it must never itself
 * leave a core dump behind (and a crash of the hook must not recurse). */
static void harden(void)
{
    struct rlimit rl = { 0, 0 };
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    setrlimit(RLIMIT_CORE, &rl);
}

int main(int argc, char **argv)
{
    harden();
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return EXIT_CLEAN;
    }
    if (!strcmp(cmd, "--version")) {
        printf("dumpscrub %s\n", DS_VERSION);
        return EXIT_CLEAN;
    }
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        { "info", cmd_info },
        { "scan", cmd_scan },
        { "scrub", cmd_scrub },
        { "gate", cmd_gate },
        { "rules", cmd_rules },
        { "merge", cmd_merge },
        /* crash hook (issue 5) */
        { "hook", cmd_hook },
        { "install-hook", cmd_install_hook },
        { "uninstall-hook", cmd_uninstall_hook },
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(cmd, cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    errmsg("unknown command '%s' (try --help)", cmd);
    return EXIT_USAGE;
}
