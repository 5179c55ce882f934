/*
 * hook_log.c - every outcome of the hook, logged: syslog (LOG_DAEMON,
 * ident "dumpscrub", which journald keeps), optionally a log file, and a
 * JSON report.  Only what a finding says about itself (kind, confidence,
 * fingerprint of the public key, offsets): never a secret byte.  The
 * executable name comes from the crashed process: printed safely.
 */
#include "hook_cli.h"
#include "output.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static int g_logfd = -1;

void hook_log_open(const char *log_file)
{
    openlog("dumpscrub", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    if (log_file)
        g_logfd = open(log_file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
}

void hook_log(int prio, const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    syslog(prio, "%s", line);
    if (g_logfd >= 0) {
        char full[4200];
        int n = snprintf(full, sizeof full, "dumpscrub[%d]: %s\n", (int)getpid(), line);
        if (n > (int)sizeof full - 1)
            n = (int)sizeof full - 1;
        ssize_t w = write(g_logfd, full, (size_t)n);
        (void)w;
    }
}

/* Control characters and quotes out of a name for the log line. */
static void safe_text(const char *s, char *out, size_t len)
{
    size_t o = 0;
    for (; *s && o + 1 < len; s++)
        out[o++] = (unsigned char)*s < 0x20 || *s == 0x7f || *s == '"' || *s == '\\' ? '?' : *s;
    out[o] = '\0';
}

/* "kind/confidence/sha256:0123456789abcdef" (16 hex digits of the fingerprint). */
static void finding_brief(const ds_finding *f, char *out, size_t len)
{
    char fp[72] = "";
    if (f->has_fingerprint)
        ds_fingerprint_str(f->fingerprint, fp);
    snprintf(out, len, "%s/%s%s%.23s", f->kind, ds_confidence_name(f->confidence),
             f->has_fingerprint ? "/" : "", fp);
}

void hook_log_outcome(const hook_outcome *o)
{
    const ds_hook_result *r = o->r;
    char exe[96], list[2048] = "";
    safe_text(o->ctx->e, exe, sizeof exe);
    size_t at = 0;
    for (size_t i = 0; i < r->found.n && at + 100 < sizeof list; i++) {
        char b[160];
        finding_brief(&r->found.v[i], b, sizeof b);
        at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", i ? "," : "", b);
    }
    if (at + 100 >= sizeof list)
        snprintf(list + at, sizeof list - at, ",...");
    char error[700] = "";
    if (r->rc < 0)
        snprintf(error, sizeof error, " error=\"%s: %s\"", r->stage ? r->stage : "?", r->err);
    hook_log(r->published ? (r->found.n || r->echoes.n ? LOG_WARNING : LOG_INFO) : LOG_ERR,
             "hook pid=%s exe=\"%s\" signal=%s uid=%s size=%llu outcome=%s findings=%zu [%s] "
             "echoes=%zu redacted=%llu verified=%d file=%s out_size=%llu time=%.3fs "
             "peak_rss_kib=%ld%s%s%s",
             o->ctx->P, exe, o->ctx->s, o->ctx->u, (unsigned long long)r->in_size, r->outcome,
             r->found.n, list, r->echoes.n, (unsigned long long)r->redacted, r->verified,
             o->file ? o->file : "-", (unsigned long long)r->out_size, o->seconds,
             o->peak_rss_kib, error, o->pipe_note[0] ? " " : "", o->pipe_note);
}

int hook_report_write(int report_dirfd, const char *name, const hook_outcome *o)
{
    const ds_hook_result *r = o->r;
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (!fp)
        return -1;
    fprintf(fp, "{\"pid\":%s,\"tid\":%s,\"uid\":%s,\"gid\":%s,\"signal\":%s,\"time\":%s,\"exe\":",
            o->ctx->P, o->ctx->i, o->ctx->u, o->ctx->g, o->ctx->s, o->ctx->t);
    out_json_str(fp, o->ctx->e);
    fprintf(fp, ",\"cmdline\":");
    if (o->ctx->cmdline)
        out_json_str(fp, o->ctx->cmdline);
    else
        fputs("null", fp);
    fprintf(fp, ",\"outcome\":\"%s\",\"file\":", r->outcome);
    if (o->file)
        out_json_str(fp, o->file);
    else
        fputs("null", fp);
    fprintf(fp, ",\"size\":%llu,\"out_size\":%llu,\"redacted\":%llu,\"verified\":%s,"
            "\"structure_complete\":%s,\"echo_keys\":%zu,\"seconds\":%.3f,\"pass1_seconds\":%.3f,"
            "\"pass2_seconds\":%.3f,\"spooled\":%s,\"peak_rss_kib\":%ld,"
            "\"error\":",
            (unsigned long long)r->in_size, (unsigned long long)r->out_size,
            (unsigned long long)r->redacted, r->verified ? "true" : "false",
            r->structure_complete ? "true" : "false", r->echo_keys, o->seconds, r->t_pass1,
            r->t_pass2, r->spooled ? "true" : "false", o->peak_rss_kib);
    if (r->rc < 0) {
        char e[700];
        snprintf(e, sizeof e, "%s: %s", r->stage ? r->stage : "?", r->err);
        out_json_str(fp, e);
    } else {
        fputs("null", fp);
    }
    fprintf(fp, ",\"pipe_to\":");
    out_json_str(fp, o->pipe_note);
    fputs(",\"findings\":[", fp);
    for (size_t i = 0; i < r->found.n; i++) {
        fputs(i ? "," : "", fp);
        out_finding_json(fp, NULL, &r->found.v[i]);
    }
    fputs("],\"echoes\":[", fp);
    for (size_t i = 0; i < r->echoes.n; i++) {
        fputs(i ? "," : "", fp);
        out_finding_json(fp, NULL, &r->echoes.v[i]);
    }
    fputs("]}\n", fp);
    if (fclose(fp) != 0) {
        free(buf);
        return -1;
    }
    char target[128], err[256];
    snprintf(target, sizeof target, "/proc/self/fd/%d/%s", report_dirfd, name);
    ds_safe_out so;
    int rc = -1;
    if (ds_safe_open(&so, target, err, sizeof err) == 0) {
        ds_safe_attrs a = { .mode = 0600 };
        if (ds_write_all(so.fd, buf, len) == 0 && ds_safe_sync(&so, err, sizeof err) == 0 &&
            ds_safe_commit(&so, &a, err, sizeof err) != -1)
            rc = 0;
        ds_safe_abort(&so);
    }
    free(buf);
    return rc;
}
