/*
 * scrub_report.c - what a scrub did, as JSON: every scrubbed span with its
 * label and fingerprint, the SHA-256 of input and output, and how it ended.
 * Positions, names and digests only: never a secret byte.
 */
#include "scrub_report.h"
#include "cli.h"
#include "output.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void kv_str(FILE *fp, const char *k, const char *v)
{
    fprintf(fp, ",\"%s\":", k);
    out_json_str(fp, v);
}

static void kv_sha(FILE *fp, const char *k, const uint8_t d[32])
{
    char hex[65];
    ds_sha256_hex(d, hex);
    fprintf(fp, ",\"%s\":\"%s\"", k, hex);
}

void scrub_report_print(FILE *fp, const ds_scrub_opts *o, const ds_scrub_result *r,
                        const char *target, int exit_code)
{
    char fill[2 * DS_FILL_MAX + 1];
    ds_fill_hex(&o->fill, fill);
    fprintf(fp, "{\"tool\":\"dumpscrub %s\"", DS_VERSION);
    kv_str(fp, "input", o->in);
    kv_str(fp, "output", target);
    fprintf(fp, ",\"in_place\":%s", o->out ? "false" : "true");
    fprintf(fp, ",\"format\":\"%s\"", ds_format_name(r->dump.format));
    fprintf(fp, ",\"input_compression\":\"%s\",\"output_compression\":\"%s\"",
            ds_compression_name(r->in_comp), ds_compression_name(r->out_comp));
    fprintf(fp, ",\"min_confidence\":\"%s\",\"fill\":\"%s\"", ds_confidence_name(o->min_conf), fill);
    fprintf(fp, ",\"input_size\":%" PRIu64 ",\"dump_size\":%" PRIu64, r->in_size, r->dump_size);
    if (r->written || r->unchanged || r->out_size)
        fprintf(fp, ",\"output_size\":%" PRIu64, r->out_size);
    if (r->have_hashes) {
        kv_sha(fp, "input_sha256", r->in_sha);
        if (r->written || r->unchanged)
            kv_sha(fp, "output_sha256", r->out_sha);
    }
    fprintf(fp, ",\"structure_complete\":%s", r->structure_complete ? "true" : "false");
    if (r->dump.nproblems) {
        fputs(",\"problems\":[", fp);
        for (size_t i = 0; i < r->dump.nproblems; i++) {
            if (i)
                fputc(',', fp);
            out_json_str(fp, r->dump.problems[i]);
        }
        fputc(']', fp);
    }
    /* Offsets are in the decompressed dump for compressed inputs. */
    fprintf(fp, ",\"findings\":%zu,\"redacted_bytes\":%" PRIu64 ",\"spans\":[", r->found.n,
            r->redacted);
    for (size_t i = 0; i < r->found.n; i++) {
        if (i)
            fputc(',', fp);
        out_finding_json(fp, NULL, &r->found.v[i]);
    }
    fputc(']', fp);
    /* Other copies of the keys found: searched for by their components. */
    fprintf(fp, ",\"echo_keys\":%zu,\"echo_search\":\"%s\"", r->echo_keys,
            r->echo_skipped ? "skipped (dump streamed: larger than the memory limit)"
                            : r->echo_keys ? "done" : "no parsable key");
    fprintf(fp, ",\"verified_clean\":%s", r->verified || (r->unchanged && !r->found.n)
                                              ? "true" : "false");
    if (r->stage && r->rc == DS_SCRUB_ERROR && r->remaining)
        fprintf(fp, ",\"remaining_findings\":%zu", r->remaining);
    fprintf(fp, ",\"structure_changed\":%s", r->structure_changed ? "true" : "false");
    fprintf(fp, ",\"published\":%s,\"unchanged\":%s", r->written ? "true" : "false",
            r->unchanged ? "true" : "false");
    fprintf(fp, ",\"exit\":%d", exit_code);
    if (r->rc == DS_SCRUB_ERROR) {
        kv_str(fp, "stage", r->stage ? r->stage : "");
        kv_str(fp, "error", r->err);
    }
    fputc('}', fp);
}

int scrub_report_write(const char *path, const ds_scrub_opts *o, const ds_scrub_result *r,
                       const char *target, int exit_code, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        snprintf(err, errlen, "report: out of memory");
        return -1;
    }
    scrub_report_print(mem, o, r, target, exit_code);
    fputc('\n', mem);
    if (fclose(mem) != 0) {
        free(text);
        snprintf(err, errlen, "report: out of memory");
        return -1;
    }
    ds_safe_out so;
    int rc = -1;
    if (ds_safe_open(&so, path, err, errlen) == 0) {
        if (ds_write_all(so.fd, text, len) < 0) {
            snprintf(err, errlen, "%s: write: %s", path, strerror(errno));
            ds_safe_abort(&so);
        } else if (ds_safe_sync(&so, err, errlen) == 0) {
            mode_t um = umask(0);
            umask(um);
            ds_safe_attrs a = { .mode = 0666 & ~um };
            rc = ds_safe_commit(&so, &a, err, errlen);
        } else {
            ds_safe_abort(&so);
        }
    }
    free(text);
    return rc;
}
