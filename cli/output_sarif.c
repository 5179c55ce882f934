/*
 * output_sarif.c - SARIF 2.1.0 output of `scan` (see output_sarif.h).
 */
#include "output_sarif.h"
#include "cli.h"
#include "output.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

void sarif_begin(sarif_out *s, FILE *fp)
{
    memset(s, 0, sizeof *s);
    s->fp = fp;
    fputs("{\"$schema\":\"" SARIF_SCHEMA "\",\"version\":\"2.1.0\",\"runs\":[{\"results\":[",
          fp);
}

/* "file://" + the absolute path (resolved where the file exists), every
 * byte but RFC 3986 unreserved characters and '/' percent-encoded; a
 * relative path that cannot be resolved stays a relative reference, and
 * stdin is "-". */
static void print_uri(FILE *fp, const char *path)
{
    char abs[PATH_MAX];
    const char *p = path;
    if (strcmp(path, "-") && realpath(path, abs))
        p = abs;
    fputs(*p == '/' ? "\"file://" : "\"", fp);
    for (const unsigned char *c = (const unsigned char *)p; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr("-._~/", *c))
            fputc(*c, fp);
        else
            fprintf(fp, "%%%02X", *c);
    }
    fputc('"', fp);
}

static const char *level_of(ds_confidence c)
{
    return c >= DS_CONF_VERIFIED ? "error" : c >= DS_CONF_LIKELY ? "warning" : "note";
}

static void remember_kind(sarif_out *s, const char *kind)
{
    for (size_t i = 0; i < s->nkinds; i++)
        if (!strcmp(s->kinds[i], kind))
            return;
    if (s->nkinds < sizeof s->kinds / sizeof s->kinds[0] && strlen(kind) < sizeof s->kinds[0])
        strcpy(s->kinds[s->nkinds++], kind);
}

void sarif_result(sarif_out *s, const char *path, const ds_finding *f)
{
    FILE *o = s->fp;
    char fp[72] = "";
    if (f->has_fingerprint)
        ds_fingerprint_str(f->fingerprint, fp);
    remember_kind(s, f->kind);
    fputs(s->nresults++ ? "," : "", o);
    fputs("{\"ruleId\":", o);
    out_json_str(o, f->kind);
    fprintf(o, ",\"level\":\"%s\",\"message\":{\"text\":", level_of(f->confidence));
    /* "rsa-private-key (2048 bits, verified) at offset 0x4d8c0 in [heap]" */
    char text[512];
    int n = snprintf(text, sizeof text, "%s (", f->kind);
    if (f->bits > 0)
        n += snprintf(text + n, sizeof text - (size_t)n, "%d bits, ", f->bits);
    n += snprintf(text + n, sizeof text - (size_t)n, "%s) at offset 0x%" PRIx64,
                  ds_confidence_name(f->confidence), f->offset);
    if (f->region && n > 0 && (size_t)n < sizeof text)
        snprintf(text + n, sizeof text - (size_t)n, " in %s", f->region);
    out_json_str(o, text);
    fputs("},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":", o);
    print_uri(o, path);
    fprintf(o, "},\"region\":{\"byteOffset\":%" PRIu64 ",\"byteLength\":%" PRIu64 "}}", f->offset,
            f->length);
    if (f->region) {
        fputs(",\"logicalLocations\":[{\"name\":", o);
        out_json_str(o, f->region);
        fputs("}]", o);
    }
    fputs("}]", o);
    if (f->has_fingerprint)
        fprintf(o, ",\"partialFingerprints\":{\"keyFingerprint/v1\":\"%s\"}", fp);
    fputs(",\"properties\":{\"detector\":", o);
    out_json_str(o, f->detector);
    fprintf(o, ",\"confidence\":\"%s\"", ds_confidence_name(f->confidence));
    if (f->bits > 0)
        fprintf(o, ",\"bits\":%d", f->bits);
    if (f->has_fingerprint)
        fprintf(o, ",\"fingerprint\":\"%s\"", fp);
    if (f->encoding)
        fprintf(o, ",\"encoding\":\"%s\"", f->encoding);
    if (f->has_vaddr)
        fprintf(o, ",\"vaddr\":\"0x%" PRIx64 "\"", f->vaddr);
    if (f->region) {
        fputs(",\"region\":", o);
        out_json_str(o, f->region);
    }
    fputs("}}", o);
}

void sarif_note(sarif_out *s, const char *path, const char *level, const char *msg)
{
    if (!strcmp(level, "error"))
        s->error = 1;
    /* Built in memory with open_memstream: the notifications go into the
     * invocation, after the results. */
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    fprintf(m, "%s{\"level\":\"%s\",\"message\":{\"text\":", s->notes_len ? "," : "", level);
    out_json_str(m, msg);
    fputs("},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":", m);
    print_uri(m, path);
    fputs("}}}]}", m);
    if (fclose(m) != 0 || !buf) {
        free(buf);
        return;
    }
    if (s->notes_len + len + 1 > s->notes_cap) {
        size_t cap = (s->notes_len + len + 1) * 2;
        char *nb = realloc(s->notes, cap);
        if (!nb) {
            free(buf);
            return;
        }
        s->notes = nb;
        s->notes_cap = cap;
    }
    memcpy(s->notes + s->notes_len, buf, len + 1);
    s->notes_len += len;
    free(buf);
}

void sarif_end(sarif_out *s, int exit_code)
{
    FILE *o = s->fp;
    fputs("],\"tool\":{\"driver\":{\"name\":\"dumpscrub\",\"version\":\"" DS_VERSION "\","
          "\"semanticVersion\":\"" DS_VERSION "\","
          "\"rules\":[", o);
    for (size_t i = 0; i < s->nkinds; i++) {
        fprintf(o, "%s{\"id\":", i ? "," : "");
        out_json_str(o, s->kinds[i]);
        fputs(",\"shortDescription\":{\"text\":", o);
        char text[96];
        snprintf(text, sizeof text, "secret in a crash dump: %s", s->kinds[i]);
        out_json_str(o, text);
        fputs("}}", o);
    }
    fprintf(o, "]}},\"invocations\":[{\"executionSuccessful\":%s,\"exitCode\":%d,"
               "\"toolExecutionNotifications\":[%s]}],\"columnKind\":\"unicodeCodePoints\"}]}\n",
            exit_code == EXIT_USAGE || s->error ? "false" : "true", exit_code,
            s->notes ? s->notes : "");
    fflush(o);
    free(s->notes);
    s->notes = NULL;
}
