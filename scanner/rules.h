/*
 * rules.h - pattern rules (patterns/NAME.rules): parsing, compiling (PCRE2 JIT,
 * Aho-Corasick prefilter over the rules' keywords) and the default pack's
 * location.  The format is documented in patterns/README.md.
 *
 * A ds_ruleset is built once (add files, then finish) and is read-only
 * afterwards: the rules detector's workers share it.  It must outlive every
 * scan that uses it: findings point at its rule ids and kinds.
 */
#ifndef DS_RULES_H
#define DS_RULES_H

#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "ahocorasick.h"
#include "literal_hs.h"
#include "finding.h"

enum { DS_VAL_NONE, DS_VAL_JWT, DS_VAL_BASE64, DS_VAL_CHECKSUM, DS_VAL_KEYTAB };
enum { DS_ENC_ASCII = 1, DS_ENC_UTF16LE = 2 };

typedef struct {
    uint8_t *bytes;
    size_t len;
    int positive;
    int line;
} ds_rule_sample;

typedef struct {
    char *id, *description, *kind, *regex;
    const char *file;           /* owned by the ruleset */
    int line;                   /* line of the rule's first key */
    pcre2_code *code;
    int jit;                    /* JIT compiled */
    uint32_t group;             /* capture group holding the secret */
    double min_entropy;         /* bits per byte of the secret group */
    int validator;              /* DS_VAL_* */
    ds_confidence confidence;   /* when every check passes */
    int scrub;                  /* 0: report at "possible", never scrubbed */
    int encodings;              /* DS_ENC_* bits */
    int nocase;                 /* keywords case-insensitive */
    size_t window_before, window_after;
    ds_rule_sample *samples;
    size_t nsamples;
} ds_rule;

typedef struct {
    uint8_t *bytes;
    size_t len;
    uint32_t rule;
    int nocase;
} ds_rule_keyword;

typedef struct ds_ruleset {
    ds_rule *rules;
    size_t nrules;
    ds_rule_keyword *kws;
    size_t nkws;
    char **files;
    size_t nfiles;
    /* Built by ds_ruleset_finish: pattern 2k = keyword k in ASCII,
     * 2k+1 = keyword k in UTF-16LE.  The prefilter is Hyperscan where it
     * runs (hs), else the Aho-Corasick automaton (ac); exactly one is set
     * when there are patterns. */
    struct ds_hs *hs;
    ds_ac *ac;
    uint32_t *pat_kw;               /* AC pattern -> keyword index */
    uint8_t *pat_enc;               /* AC pattern -> DS_ENC_ASCII | DS_ENC_UTF16LE */
    uint8_t **pat_bytes;            /* AC pattern bytes (case as written) */
    size_t *pat_len;
    size_t npat;
    size_t max_before, max_after;   /* largest windows of any rule */
} ds_ruleset;

ds_ruleset *ds_ruleset_new(void);
void ds_ruleset_free(ds_ruleset *rs);

/* Add the rules of a file, or of every *.rules file in a directory (sorted).
 * On error returns -1 and err holds "file:line: message". */
int ds_ruleset_add_path(ds_ruleset *rs, const char *path, char *err, size_t errlen);
/* Add rules from text held in memory; `name` names it in messages. */
int ds_ruleset_add_text(ds_ruleset *rs, const char *name, const char *text, size_t len,
                        char *err, size_t errlen);
/* Build the prefilter.  Must be called once after the last add. */
int ds_ruleset_finish(ds_ruleset *rs, char *err, size_t errlen);

/* The default pack: $DUMPSCRUB_RULES if set; else <exe dir>/../patterns
 * (the source tree, for build/dumpscrub); else <exe dir>/../share/dumpscrub/
 * patterns (a relocated install); else DS_DATADIR/patterns.  Writes the
 * path found into buf; returns NULL if none exists. */
const char *ds_rules_default_path(char *buf, size_t len);

/* Shannon entropy of p[0, n) in bits per byte. */
double ds_entropy(const uint8_t *p, size_t n);
/* Run a validator on the secret group g[0, n); `after` bytes follow it in
 * the (narrow) window.  May narrow the secret: *off and *len (relative to g).
 * Returns 1 if it passes. */
int ds_rule_validate(int validator, const uint8_t *g, size_t n, size_t after,
                     size_t *off, size_t *len);

/* Scan text (written as ASCII, or widened to UTF-16LE when enc is
 * DS_ENC_UTF16LE), padded with newlines, with the rules detector alone;
 * returns how many findings name rules[rule]. *err = ENOMEM on failure.
 * (detect_rules.c) */
size_t ds_rules_sample_hits(const ds_ruleset *rs, size_t rule, const uint8_t *text, size_t n,
                            int enc, int *err);

#endif
