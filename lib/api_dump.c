/*
 * api_dump.c - libdumpscrub: opening dumps (path, fd, memory) and scanning
 * them, over scanner/dumpfile.c and scanner/scan.c.
 */
#include "api_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api_fail(dumpscrub_dump *d, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->err, sizeof d->err, fmt, ap);
    va_end(ap);
    return code;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

int dumpscrub_open_path_err(dumpscrub_dump **out, const char *path, char *err, size_t errlen)
{
    if (!out)
        return DUMPSCRUB_EINVAL;
    *out = NULL;
    if (!path) {
        set_err(err, errlen, "no path");
        return DUMPSCRUB_EINVAL;
    }
    dumpscrub_dump *d = calloc(1, sizeof *d);
    if (!d) {
        set_err(err, errlen, "out of memory");
        return DUMPSCRUB_ENOMEM;
    }
    errno = 0;
    if (ds_dumpfile_open(&d->f, path, 0, d->err, sizeof d->err) < 0) {
        int code = errno == ENOMEM ? DUMPSCRUB_ENOMEM : DUMPSCRUB_EIO;
        set_err(err, errlen, d->err);
        free(d);
        return code;
    }
    *out = d;
    return 0;
}

int dumpscrub_open_path(dumpscrub_dump **out, const char *path)
{
    return dumpscrub_open_path_err(out, path, NULL, 0);
}

int dumpscrub_open_fd(dumpscrub_dump **out, int fd)
{
    if (!out)
        return DUMPSCRUB_EINVAL;
    *out = NULL;
    if (fd < 0)
        return DUMPSCRUB_EINVAL;
    /* The source layer opens by name (mmap for files, reads for pipes):
     * the fd's /proc name is a new open file of the same object. */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return dumpscrub_open_path(out, path);
}

int dumpscrub_open_memory(dumpscrub_dump **out, const void *buf, size_t len)
{
    if (!out)
        return DUMPSCRUB_EINVAL;
    *out = NULL;
    if (!buf && len)
        return DUMPSCRUB_EINVAL;
    if (ds_compression_detect(buf, len) != DS_COMP_NONE)
        return DUMPSCRUB_EUNSUPP;
    dumpscrub_dump *d = calloc(1, sizeof *d);
    if (!d)
        return DUMPSCRUB_ENOMEM;
    d->from_memory = 1;
    d->mem = buf;
    d->mem_len = len;
    ds_dump_init(&d->mdump, len);
    d->mread_rc = ds_read_dump(d->mem, len, len, &d->mdump);
    if (d->mread_rc < 0) {
        ds_dump_free(&d->mdump);
        free(d);
        return DUMPSCRUB_ENOMEM;
    }
    *out = d;
    return 0;
}

void dumpscrub_close(dumpscrub_dump *d)
{
    if (!d)
        return;
    if (d->from_memory)
        ds_dump_free(&d->mdump);
    else
        ds_dumpfile_close(&d->f);
    free(d);
}

const ds_dump *api_dump_structure(const dumpscrub_dump *d)
{
    return d->from_memory ? &d->mdump : &d->f.dump;
}

const uint8_t *api_dump_bytes(const dumpscrub_dump *d, size_t *len)
{
    if (d->from_memory) {
        *len = d->mem_len;
        return d->mem;
    }
    *len = d->f.data ? d->f.len : 0;
    return d->f.data;
}

const char *dumpscrub_dump_format(const dumpscrub_dump *d)
{
    return d ? ds_format_name(api_dump_structure(d)->format) : "raw";
}

uint64_t dumpscrub_dump_size(const dumpscrub_dump *d)
{
    if (!d)
        return 0;
    if (d->from_memory)
        return d->mem_len;
    return d->f.streaming ? d->f.dump.file_size : d->f.len;
}

int dumpscrub_dump_complete(const dumpscrub_dump *d)
{
    if (!d)
        return 0;
    const ds_dump *s = api_dump_structure(d);
    int rc = d->from_memory ? d->mread_rc : d->f.read_rc;
    return rc == 0 && !s->nproblems && !s->truncated;
}

const char *dumpscrub_errmsg(const dumpscrub_dump *d)
{
    return d ? d->err : "";
}

int api_scan_findings(dumpscrub_dump *d, const dumpscrub_options *o, int min, ds_findings *out)
{
    ds_scan_opts so;
    ds_scan_opts_init(&so);
    so.min_confidence = (ds_confidence)min;
    so.jobs = o->jobs;
    so.rules = o->rules;
    so.known = o->known;
    memset(out, 0, sizeof *out);
    if (d->from_memory) {
        if (ds_scan_memory(d->mem, d->mem_len, &d->mdump, &so, out) < 0)
            return api_fail(d, DUMPSCRUB_ENOMEM, "out of memory during scan");
        return 0;
    }
    if (d->consumed)
        return api_fail(d, DUMPSCRUB_ESTATE, "the dump was streamed and is already scanned");
    if (d->f.streaming)
        d->consumed = 1;
    char err[512];
    if (ds_dumpfile_scan(&d->f, &so, out, err, sizeof err) < 0)
        return api_fail(d, strstr(err, "out of memory") ? DUMPSCRUB_ENOMEM : DUMPSCRUB_EIO,
                        "%s", err);
    return 0;
}

int api_deliver(const ds_findings *fs, dumpscrub_finding_cb cb, void *ctx)
{
    if (!cb)
        return 0;
    for (size_t i = 0; i < fs->n; i++) {
        const ds_finding *f = &fs->v[i];
        char fp[72];
        dumpscrub_finding pf;
        memset(&pf, 0, sizeof pf);
        pf.kind = f->kind;
        pf.detector = f->detector;
        pf.confidence = (int)f->confidence;
        pf.bits = f->bits;
        pf.offset = f->offset;
        pf.length = f->length;
        pf.has_vaddr = f->has_vaddr;
        pf.vaddr = f->vaddr;
        pf.region = f->region;
        pf.encoding = f->encoding;
        if ((pf.has_fingerprint = f->has_fingerprint)) {
            memcpy(pf.fingerprint, f->fingerprint, sizeof pf.fingerprint);
            ds_fingerprint_str(f->fingerprint, fp);
            pf.fingerprint_str = fp;
        }
        if (cb(ctx, &pf))
            return DUMPSCRUB_EABORT;
    }
    return 0;
}

int dumpscrub_scan(dumpscrub_dump *d, const dumpscrub_options *o, dumpscrub_finding_cb cb,
                   void *ctx)
{
    if (!d)
        return DUMPSCRUB_EINVAL;
    if (!o && !(o = api_default_options()))
        return api_fail(d, DUMPSCRUB_ENOMEM, "out of memory");
    d->err[0] = 0;
    ds_findings found;
    int rc = api_scan_findings(d, o, o->min_conf, &found);
    if (rc == 0) {
        rc = api_deliver(&found, cb, ctx);
        if (rc == 0)
            rc = found.n ? DUMPSCRUB_FOUND
                 : dumpscrub_dump_complete(d) ? DUMPSCRUB_CLEAN : DUMPSCRUB_UNPROVEN;
        else
            api_fail(d, rc, "stopped by the callback");
    }
    ds_findings_free(&found);
    return rc;
}
