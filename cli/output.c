/*
 * output.c - JSON and text printing of untrusted strings and findings.
 */
#include "output.h"

#include <inttypes.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s, or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) return 1;
    if ((c & 0xe0) == 0xc0) { n = 2; min = 0x80; c &= 0x1f; }
    else if ((c & 0xf0) == 0xe0) { n = 3; min = 0x800; c &= 0x0f; }
    else if ((c & 0xf8) == 0xf0) { n = 4; min = 0x10000; c &= 0x07; }
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return n;
}

void out_json_str(FILE *fp, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    fputc('"', fp);
    while (*s) {
        unsigned c = *s;
        if (c == '"' || c == '\\') {
            fputc('\\', fp);
            fputc((int)c, fp);
            s++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(fp, "\\u%04x", c);
            s++;
        } else if (c < 0x80) {
            fputc((int)c, fp);
            s++;
        } else {
            size_t n = utf8_len(s);
            if (n) {
                fwrite(s, 1, n, fp);
                s += n;
            } else {
                fputs("\\ufffd", fp);
                s++;
            }
        }
    }
    fputc('"', fp);
}

void out_text_str(FILE *fp, const char *str, int width)
{
    if (!str)
        str = "-";
    const unsigned char *s = (const unsigned char *)str;
    int w = 0;
    while (*s) {
        size_t n = *s < 0x80 ? 1 : utf8_len(s);
        if (n == 1 && (*s < 0x20 || *s == 0x7f)) {
            fputc('?', fp);
            s++;
        } else if (n == 0) {
            fputc('?', fp);
            s++;
        } else {
            fwrite(s, 1, n, fp);
            s += n;
        }
        w++;
    }
    for (; w < width; w++)
        fputc(' ', fp);
}

void out_finding_json(FILE *fp, const char *file, const ds_finding *f)
{
    fputc('{', fp);
    if (file) {
        fputs("\"file\":", fp);
        out_json_str(fp, file);
        fputc(',', fp);
    }
    fprintf(fp, "\"offset\":%" PRIu64 ",\"length\":%" PRIu64 ",\"kind\":", f->offset, f->length);
    out_json_str(fp, f->kind);
    fputs(",\"detector\":", fp);
    out_json_str(fp, f->detector);
    fprintf(fp, ",\"confidence\":\"%s\"", ds_confidence_name(f->confidence));
    if (f->bits > 0)
        fprintf(fp, ",\"bits\":%d", f->bits);
    if (f->has_fingerprint) {
        char fp_str[72];
        ds_fingerprint_str(f->fingerprint, fp_str);
        fprintf(fp, ",\"fingerprint\":\"%s\"", fp_str);
    }
    if (f->encoding)
        fprintf(fp, ",\"encoding\":\"%s\"", f->encoding);
    if (f->has_vaddr)
        fprintf(fp, ",\"vaddr\":\"0x%" PRIx64 "\"", f->vaddr);
    if (f->region) {
        fputs(",\"region\":", fp);
        out_json_str(fp, f->region);
    }
    fputc('}', fp);
}
