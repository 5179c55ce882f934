/*
 * fuzz_rules.c - libFuzzer target for the pattern rules: the rule file
 * parser/compiler (scanner/rules.c) and the matcher (detect_rules.c).
 *
 * The input is split at the first 0xff byte: before it, a rule file; after
 * it, data to scan.  If the rule text compiles, the data is scanned with
 * it (ASCII and UTF-16LE keywords, PCRE2 JIT with limits); in every case
 * the whole input is also scanned with a small built-in rule set.  Every
 * finding must lie inside the data, name a rule of the set and have a
 * kind; the parser must either succeed or give a "name:line: " message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detector.h"
#include "rules.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const ds_detector ds_detector_rules;
static const ds_detector *const dets[] = { &ds_detector_rules, NULL };

static const char builtin[] =
    "id: f-jwt\nkeywords: eyJ\nkeyword-case: sensitive\n"
    "regex: (?<secret>eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,})\n"
    "validator: jwt\nwindow: 4 2000\n\n"
    "id: f-gh\nkeywords: ghp_\nregex: (?<secret>ghp_[A-Za-z0-9]{36})\nvalidator: checksum\n\n"
    "id: f-b64\nkeywords: key=\nregex: key=(?<secret>[A-Za-z0-9+/=]{8,})\nvalidator: base64\n"
    "entropy: 2\nwindow: 0 200\n\n"
    "id: f-kt\nkeywords: \\x05\\x02\\x00\\x00\nencodings: ascii\nkeyword-case: sensitive\n"
    "regex: (?s)\\x05\\x02\\x00\\x00..\\x00[\\x01-\\x10]\nvalidator: keytab\n\n"
    "id: f-url\nkeywords: ://\nregex: [a-z]+://[^:@/\\s]+:(?<secret>[^@/\\s]{3,})@\nwindow: 16 200\n";

static void scan_check(const ds_ruleset *rs, const uint8_t *p, size_t n)
{
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = dets;
    o.rules = rs;
    o.chunk_size = 4096;   /* many chunk borders */
    ds_findings f = { 0 };
    ds_scan_memory(p, n, NULL, &o, &f);
    for (size_t i = 0; i < f.n; i++) {
        const ds_finding *x = &f.v[i];
        if (!x->length || x->offset > n || x->length > n - x->offset || !x->kind ||
            !x->detector || x->confidence < DS_CONF_POSSIBLE)
            abort();
        int known = 0;
        for (size_t r = 0; r < rs->nrules; r++)
            known |= x->detector == rs->rules[r].id;
        if (!known)
            abort();
    }
    ds_findings_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *sep = memchr(data, 0xff, size);
    size_t tlen = sep ? (size_t)(sep - data) : size;
    const uint8_t *rest = sep ? sep + 1 : data + size;
    size_t rlen = sep ? size - tlen - 1 : 0;
    char err[512];

    ds_ruleset *rs = ds_ruleset_new();
    if (!rs)
        return 0;
    int rc = ds_ruleset_add_text(rs, "fz", (const char *)data, tlen, err, sizeof err);
    if (rc == 0)
        rc = ds_ruleset_finish(rs, err, sizeof err);
    if (rc < 0 && strncmp(err, "fz:", 3) && strncmp(err, "rules:", 6))
        abort();   /* every message names the file */
    if (rc == 0 && rlen)
        scan_check(rs, rest, rlen);
    ds_ruleset_free(rs);

    rs = ds_ruleset_new();
    if (!rs)
        return 0;
    if (ds_ruleset_add_text(rs, "builtin", builtin, sizeof builtin - 1, err, sizeof err) < 0 ||
        ds_ruleset_finish(rs, err, sizeof err) < 0) {
        fprintf(stderr, "builtin rules: %s\n", err);
        abort();
    }
    scan_check(rs, data, size);
    ds_ruleset_free(rs);
    return 0;
}
