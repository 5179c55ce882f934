/*
 * cmd_rules.c - `dumpscrub rules check FILE|DIR...`: compile rule files and
 * run every rule's embedded samples (sample+ must be found, sample- must
 * not, in ASCII and, for rules that search it, UTF-16LE).  Prints one line
 * per sample (rule id, sample line, encoding; never the sample itself).
 */
#include "cli.h"
#include "rules.h"

#include <stdio.h>
#include <string.h>

static const char rules_usage[] =
    "usage: dumpscrub rules check FILE|DIR...\n"
    "\n"
    "Compile pattern rule files (a directory: every *.rules in it) and run each\n"
    "rule's embedded samples: every 'sample+' must be found by its rule, no\n"
    "'sample-' may be, in ASCII and (unless the rule says otherwise) UTF-16LE.\n"
    "The format is described in patterns/README.md.\n"
    "\n"
    "exit codes: 0 all rules compile and every sample behaves,\n"
    "            1 a sample failed or a rule has no positive sample,\n"
    "            2 a rule file does not compile (file:line: message) or I/O error\n";

int cmd_rules(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        fputs(rules_usage, stdout);
        return EXIT_CLEAN;
    }
    if (argc < 3 || strcmp(argv[1], "check")) {
        fputs(rules_usage, stderr);
        return EXIT_USAGE;
    }
    ds_ruleset *rs = ds_ruleset_new();
    char err[1024];
    if (!rs) {
        errmsg("out of memory");
        return EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++)
        if (ds_ruleset_add_path(rs, argv[i], err, sizeof err) < 0) {
            errmsg("%s", err);
            ds_ruleset_free(rs);
            return EXIT_USAGE;
        }
    if (ds_ruleset_finish(rs, err, sizeof err) < 0) {
        errmsg("%s", err);
        ds_ruleset_free(rs);
        return EXIT_USAGE;
    }
    int failures = 0, ran = 0;
    for (size_t r = 0; r < rs->nrules; r++) {
        const ds_rule *rule = &rs->rules[r];
        int npos = 0;
        for (size_t k = 0; k < rule->nsamples; k++) {
            const ds_rule_sample *sm = &rule->samples[k];
            npos += sm->positive;
            for (int enc = DS_ENC_ASCII; enc <= DS_ENC_UTF16LE; enc <<= 1) {
                if (!(rule->encodings & enc))
                    continue;
                int e = 0;
                size_t hits = ds_rules_sample_hits(rs, r, sm->bytes, sm->len, enc, &e);
                if (e) {
                    errmsg("out of memory");
                    ds_ruleset_free(rs);
                    return EXIT_USAGE;
                }
                int ok = sm->positive ? hits > 0 : hits == 0;
                ran++;
                failures += !ok;
                printf("%s %s %s:%d sample%c %s%s\n", ok ? "PASS" : "FAIL", rule->id, rule->file,
                       sm->line, sm->positive ? '+' : '-',
                       enc == DS_ENC_ASCII ? "ascii" : "utf16le",
                       ok ? "" : sm->positive ? " (not found)" : " (found)");
            }
        }
        if (!npos) {
            failures++;
            printf("FAIL %s %s:%d no sample+ line\n", rule->id, rule->file, rule->line);
        }
    }
    printf("%zu rules, %d sample checks, %d failed\n", rs->nrules, ran, failures);
    ds_ruleset_free(rs);
    return failures ? EXIT_FOUND : EXIT_CLEAN;
}
