/*
 * hook_proc.c - the crashed process's context from /proc/PID (readable
 * while the kernel streams its core), the % specifiers, --pipe-to.
 */
#include "hook_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "source.h"

/* Whole small /proc file into a malloc'd NUL-terminated buffer. */
static char *slurp(const char *path, size_t max, size_t *lenp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, len = 0;
    char *b = malloc(cap + 1);
    while (b) {
        if (len == cap) {
            if (cap >= max)
                break;
            char *nb = realloc(b, cap * 2 + 1);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, b + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (b)
        b[len] = '\0';
    if (lenp)
        *lenp = len;
    return b;
}

void hook_proc_read(hook_ctx *c)
{
    char path[64], *s;
    size_t i = 0;
    for (const char *p = c->e; *p && i + 1 < sizeof c->exe_safe; p++)
        c->exe_safe[i++] = (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                                  (*p >= '0' && *p <= '9') || *p == '.' || *p == '-' ||
                                  *p == '_' ? *p : '_');
    if (!i || c->exe_safe[0] == '.')
        c->exe_safe[i ? 0 : i++] = '_';
    c->exe_safe[i] = '\0';
    snprintf(c->ns_pid, sizeof c->ns_pid, "%s", c->P);
    snprintf(c->core_limit, sizeof c->core_limit, "0");
    if (gethostname(c->host, sizeof c->host) < 0)
        snprintf(c->host, sizeof c->host, "localhost");
    c->host[sizeof c->host - 1] = '\0';

    snprintf(path, sizeof path, "/proc/%s/maps", c->P);
    c->maps = slurp(path, (size_t)16 << 20, NULL);
    size_t n = 0;
    snprintf(path, sizeof path, "/proc/%s/cmdline", c->P);
    if ((c->cmdline = slurp(path, 1 << 16, &n)) != NULL) {
        for (size_t k = 0; k + 1 < n; k++)
            if (!c->cmdline[k])
                c->cmdline[k] = ' ';
    }
    snprintf(path, sizeof path, "/proc/%s/status", c->P);
    if ((s = slurp(path, 1 << 16, NULL)) != NULL) {
        char *l = strstr(s, "\nNSpid:");
        if (l) {
            /* The last field is the pid in the innermost namespace. */
            char *end = strchr(l + 1, '\n'), *last = NULL;
            if (end)
                *end = '\0';
            for (char *t = strtok(l + 7, " \t"); t; t = strtok(NULL, " \t"))
                last = t;
            if (last)
                snprintf(c->ns_pid, sizeof c->ns_pid, "%s", last);
        }
        free(s);
    }
    snprintf(path, sizeof path, "/proc/%s/limits", c->P);
    if ((s = slurp(path, 1 << 16, NULL)) != NULL) {
        char *l = strstr(s, "Max core file size");
        char soft[32];
        if (l && sscanf(l + 18, " %31s", soft) == 1)
            snprintf(c->core_limit, sizeof c->core_limit, "%s",
                     !strcmp(soft, "unlimited") ? "18446744073709551615" : soft);
        free(s);
    }
    snprintf(path, sizeof path, "/proc/%s/exe", c->P);
    ssize_t k = readlink(path, c->exe_path, sizeof c->exe_path - 1);
    if (k < 0)
        k = 0;
    c->exe_path[k] = '\0';
    for (char *p = c->exe_path; *p; p++)
        if (*p == '/')
            *p = '!';
}

void hook_proc_free(hook_ctx *c)
{
    free(c->maps);
    free(c->cmdline);
    c->maps = c->cmdline = NULL;
}

void hook_proc_label(ds_dump *d, void *arg)
{
    hook_ctx *c = arg;
    if (c->cmdline && !d->cmdline)
        ds_dump_set_str(&d->cmdline, c->cmdline, strlen(c->cmdline));
    if (!c->maps)
        return;
    /* "start-end perms offset dev inode   path" */
    for (char *l = c->maps; *l;) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl = '\0';
        uint64_t a, b;
        int used = 0;
        if (sscanf(l, "%" SCNx64 "-%" SCNx64 " %*s %*s %*s %*s %n", &a, &b, &used) == 2 &&
            used > 0 && l[used]) {
            const char *label = l + used;
            for (size_t i = 0; i < d->nregions; i++) {
                ds_region *r = &d->regions[i];
                if (r->has_vaddr && !r->label && r->vaddr >= a && r->vaddr < b)
                    r->label = strdup(label);
            }
        }
        if (!nl)
            break;
        *nl = '\n';
        l = nl + 1;
    }
}

int hook_previous_pipe(const char *state_dir, char *buf, size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", state_dir, HOOK_PREV_FILE);
    char *s = slurp(path, 4096, NULL);
    if (!s)
        return -1;
    s[strcspn(s, "\n")] = '\0';
    int rc = -1;
    if (s[0] == '|' && s[1] && strlen(s + 1) < len) {
        snprintf(buf, len, "%s", s + 1);
        rc = 0;
    }
    free(s);
    return rc;
}

/* Expand one word of the template.  0, or -1 on an unknown specifier. */
static int expand(const char *w, const hook_ctx *c, char *out, size_t len)
{
    size_t o = 0;
    for (; *w; w++) {
        const char *v = NULL;
        char one[2] = { 0, 0 };
        if (*w != '%') {
            one[0] = *w;
            v = one;
        } else {
            switch (*++w) {
            case 'P': v = c->P; break;
            case 'p': v = c->ns_pid; break;
            case 'i': case 'I': v = c->i; break;
            case 'u': v = c->u; break;
            case 'g': v = c->g; break;
            case 's': v = c->s; break;
            case 't': v = c->t; break;
            case 'e': v = c->e; break;
            case 'E': v = c->exe_path; break;
            case 'c': v = c->core_limit; break;
            case 'h': v = c->host; break;
            case 'd': v = "1"; break;
            case '%': v = "%"; break;
            default: return -1;
            }
        }
        size_t n = strlen(v);
        if (o + n >= len)
            return -1;
        memcpy(out + o, v, n);
        o += n;
    }
    out[o] = '\0';
    return 0;
}

int hook_pipe_to(const char *tmpl, const hook_ctx *c, int dirfd, const char *name,
                 char *err, size_t errlen)
{
    char *copy = strdup(tmpl), *argv[64], *save = NULL;
    static char words[64][4200];
    int argc = 0;
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (argc == 63 || expand(w, c, words[argc], sizeof words[argc]) < 0) {
            snprintf(err, errlen, "cannot expand '%s'", w);
            free(copy);
            return -1;
        }
        argv[argc] = words[argc];
        argc++;
    }
    argv[argc] = NULL;
    free(copy);
    if (!argc || argv[0][0] != '/') {
        snprintf(err, errlen, "the command must be an absolute path");
        return -1;
    }
    char path[128];
    snprintf(path, sizeof path, "/proc/self/fd/%d/%s", dirfd, name);
    ds_source src;
    if (ds_source_open(&src, path, err, errlen) < 0)
        return -1;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        ds_source_close(&src);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        ds_source_close(&src);
        return -1;
    }
    if (pid == 0) {
        dup2(p[0], 0);
        char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
        execve(argv[0], argv, envp);
        _exit(127);
    }
    close(p[0]);
    static uint8_t buf[1 << 16];
    int werr = 0;
    if (src.map) {
        werr = ds_write_all(p[1], src.map, src.map_len) < 0;
    } else {
        for (;;) {
            ssize_t n = ds_source_read(&src, buf, sizeof buf, err, errlen);
            if (n <= 0) {
                werr = n < 0;
                break;
            }
            if (ds_write_all(p[1], buf, (size_t)n) < 0) {
                werr = 1;
                break;
            }
        }
    }
    close(p[1]);
    ds_source_close(&src);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (werr && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        snprintf(err, errlen, "%s: could not feed it the core", argv[0]);
        return -1;
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    snprintf(err, errlen, "%s: killed by signal %d", argv[0], WTERMSIG(status));
    return -1;
}
