/*
 * api_scrub.c - libdumpscrub: a scrubbed copy of a dump written to an fd.
 * The same steps as `dumpscrub scrub` (scrubber/scrub_file.c), in memory:
 * scan, find every other copy of each key, redact a private copy, scan the
 * copy again, and only then write it.  The fd may be anything writable (a
 * pipe to an uploader), so nothing is written before the copy is proven
 * clean.
 */
#include "api_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int cmp_finding(const void *a, const void *b)
{
    const ds_finding *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->length > y->length ? -1 : x->length < y->length;
}

/* Add the echoes (other copies of the private components) of every key in
 * found to found; *out keeps the search for the verification (NULL when
 * no key could be parsed).  0 or -1 (ENOMEM). */
static int echo_search(const uint8_t *buf, size_t len, const ds_dump *dump, ds_confidence min,
                       ds_findings *found, ds_echo **out)
{
    *out = NULL;
    if (!found->n)
        return 0;
    ds_echo *e = ds_echo_new();
    if (!e)
        return -1;
    for (size_t i = 0; i < found->n; i++)
        if (found->v[i].confidence >= min &&
            ds_echo_add_finding(e, buf, len, &found->v[i]) < 0)
            goto fail;
    if (!ds_echo_keys(e)) {
        ds_echo_free(e);
        return 0;
    }
    ds_spans known;
    if (ds_spans_build(&known, found, min, len) < 0)
        goto fail;
    int rc = ds_echo_scan(e, buf, len, dump, &known, found);
    ds_spans_free(&known);
    if (rc < 0)
        goto fail;
    qsort(found->v, found->n, sizeof *found->v, cmp_finding);
    *out = e;
    return 0;
fail:
    ds_echo_free(e);
    return -1;
}

int dumpscrub_scrub_to_fd(dumpscrub_dump *d, const dumpscrub_options *o, int out_fd,
                          dumpscrub_finding_cb cb, void *ctx)
{
    if (!d || out_fd < 0)
        return DUMPSCRUB_EINVAL;
    if (!o && !(o = api_default_options()))
        return api_fail(d, DUMPSCRUB_ENOMEM, "out of memory");
    d->err[0] = 0;
    if (!d->from_memory && d->f.streaming)
        return api_fail(d, DUMPSCRUB_ESTATE, "the dump is too large to be held in memory "
                        "(streamed): it cannot be scrubbed through the library");
    size_t len;
    const uint8_t *buf = api_dump_bytes(d, &len);
    const ds_dump *dump = api_dump_structure(d);
    ds_confidence min = (ds_confidence)o->scrub_conf;

    ds_findings found, left = { 0 };
    ds_spans spans = { 0 };
    ds_echo *echo = NULL;
    uint8_t *copy = NULL;
    int rc = api_scan_findings(d, o, min, &found);
    if (rc < 0)
        return rc;
    if (echo_search(buf, len, dump, min, &found, &echo) < 0 ||
        ds_spans_build(&spans, &found, min, len) < 0) {
        rc = api_fail(d, DUMPSCRUB_ENOMEM, "out of memory");
        goto out;
    }
    /* The private copy holds the secrets until redacted: cleansed below. */
    if (len && !(copy = malloc(len))) {
        rc = api_fail(d, DUMPSCRUB_ENOMEM, "out of memory for a copy of %zu bytes", len);
        goto out;
    }
    if (len)
        memcpy(copy, buf, len);
    size_t cursor = 0;
    ds_redact_buf(copy, len, 0, &spans, &cursor, &o->fill);

    /* Verify: the copy, scanned as the original was, echoes included. */
    ds_scan_opts so;
    ds_scan_opts_init(&so);
    so.min_confidence = min;
    so.jobs = o->jobs;
    so.rules = o->rules;
    so.known = o->known;
    if (ds_scan_memory(copy, len, dump, &so, &left) < 0 ||
        (echo && ds_echo_scan(echo, copy, len, NULL, NULL, &left) < 0)) {
        rc = api_fail(d, DUMPSCRUB_ENOMEM, "out of memory verifying the scrubbed copy");
        goto out;
    }
    if (left.n) {
        rc = api_fail(d, DUMPSCRUB_EVERIFY, "%zu finding%s at or above '%s' still in the "
                      "scrubbed copy: nothing written", left.n, left.n == 1 ? "" : "s",
                      ds_confidence_name(min));
        goto out;
    }
    if ((rc = api_deliver(&found, cb, ctx)) < 0) {
        api_fail(d, rc, "stopped by the callback: nothing written");
        goto out;
    }
    if (ds_write_all(out_fd, copy, len) < 0) {
        rc = api_fail(d, DUMPSCRUB_EIO, "writing the scrubbed dump: %s", strerror(errno));
        goto out;
    }
    rc = dumpscrub_dump_complete(d) ? DUMPSCRUB_OK : DUMPSCRUB_UNPROVEN;
out:
    if (copy) {
        explicit_bzero(copy, len);
        free(copy);
    }
    ds_echo_free(echo);
    ds_spans_free(&spans);
    ds_findings_free(&left);
    ds_findings_free(&found);
    return rc;
}
