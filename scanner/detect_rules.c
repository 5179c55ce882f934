/*
 * detect_rules.c - pattern rules (patterns/NAME.rules, parsed by rules.c); detector
 * id "rules", findings carry the rule id as `detector`.
 *
 * One Aho-Corasick pass per chunk finds every keyword of every rule, in
 * ASCII and in UTF-16LE (each keyword is in the automaton twice).  Around
 * each keyword hit the rule's PCRE2 regex runs (JIT, match/depth/heap
 * limits, JIT stack) on a window: `window` BEFORE AFTER characters (default
 * 1 KiB before the keyword, 4 KiB after).  ASCII windows are the dump's own
 * bytes; a UTF-16LE hit is transcoded into a scratch buffer (only the run
 * of UTF-16LE code units holding ASCII characters around the hit) and the
 * match offsets are mapped back (x2).  A secret group then passes the
 * rule's minimum entropy and validator or is dropped.
 *
 * Cost control: per rule and encoding, a hit lying well inside the window
 * already searched for an earlier hit (at least AFTER/2 before its end) is
 * skipped, so a dump full of one keyword costs at most about two regex
 * passes per byte per rule; matches overlapping one already reported by
 * the same rule are dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "detector.h"
#include "rules.h"

#define RULES_MAX_WINDOW 16384u                 /* rules.c MAX_WINDOW */
#define RULES_MAX_SPAN   (2u * RULES_MAX_WINDOW + 1024u) /* UTF-16LE doubles AFTER */
#define MATCH_LIMIT      200000u
#define DEPTH_LIMIT      2000u
#define HEAP_LIMIT_KIB   2048u
#define MATCHES_PER_WINDOW 256

typedef struct {
    const ds_ruleset *rs;
    ds_scan *s;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    pcre2_jit_stack *jstack;
    uint64_t *covered;        /* per rule x 2 encodings: end of searched window */
    uint64_t *last_end;       /* per rule x 2: end of the last reported secret */
    ds_hs_scratch *hs;        /* Hyperscan's per-thread scratch */
    uint8_t *scratch;         /* transcoded UTF-16LE window */
    size_t scratch_cap;
    /* current chunk */
    const uint8_t *src;       /* whole file if mapped, else the chunk */
    uint64_t src_base;
    size_t src_len;
    const uint8_t *buf;
    uint64_t base;
} rules_state;

static void rules_close(void *st)
{
    rules_state *r = st;
    if (!r)
        return;
    if (r->md)
        pcre2_match_data_free(r->md);
    if (r->mctx)
        pcre2_match_context_free(r->mctx);
    if (r->jstack)
        pcre2_jit_stack_free(r->jstack);
    ds_hs_scratch_free(r->hs);
    if (r->scratch) {
        OPENSSL_cleanse(r->scratch, r->scratch_cap);
        free(r->scratch);
    }
    free(r->covered);
    free(r->last_end);
    free(r);
}

static void *rules_open(ds_scan *s, int *err)
{
    const ds_ruleset *rs = ds_scan_rules(s);
    if (!rs || !rs->nrules || (!rs->ac && !rs->hs))
        return NULL;   /* nothing to do */
    rules_state *r = calloc(1, sizeof *r);
    if (!r) {
        *err = ENOMEM;
        return NULL;
    }
    r->rs = rs;
    r->s = s;
    uint32_t maxcap = 0;
    for (size_t i = 0; i < rs->nrules; i++) {
        uint32_t c = 0;
        pcre2_pattern_info(rs->rules[i].code, PCRE2_INFO_CAPTURECOUNT, &c);
        if (c > maxcap)
            maxcap = c;
    }
    r->md = pcre2_match_data_create(maxcap + 1, NULL);
    r->mctx = pcre2_match_context_create(NULL);
    r->jstack = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
    r->covered = calloc(rs->nrules * 2, sizeof *r->covered);
    r->last_end = calloc(rs->nrules * 2, sizeof *r->last_end);
    r->scratch_cap = 2 * RULES_MAX_WINDOW + 1024;
    r->scratch = malloc(r->scratch_cap);
    if (rs->hs)
        r->hs = ds_hs_scratch_new(rs->hs);
    if (!r->md || !r->mctx || !r->jstack || !r->covered || !r->last_end || !r->scratch ||
        (rs->hs && !r->hs)) {
        rules_close(r);
        *err = ENOMEM;
        return NULL;
    }
    pcre2_set_match_limit(r->mctx, MATCH_LIMIT);
    pcre2_set_depth_limit(r->mctx, DEPTH_LIMIT);
    pcre2_set_heap_limit(r->mctx, HEAP_LIMIT_KIB);
    pcre2_jit_stack_assign(r->mctx, NULL, r->jstack);
    return r;
}

/* Run rule `ri` over win[from, wn) (lookbehinds may see win[0, from));
 * win[k] is at file offset fbase + k * unit.  `cut`: the window ends before
 * the text does, so '$' must not match at its end. */
static void run_window(rules_state *st, uint32_t ri, int enc, const uint8_t *win, size_t from,
                       size_t wn, int cut, uint64_t fbase, unsigned unit)
{
    const ds_rule *rule = &st->rs->rules[ri];
    uint64_t *last_end = &st->last_end[ri * 2 + (enc == DS_ENC_UTF16LE)];
    size_t start = from;
    uint32_t opt = cut ? PCRE2_NOTEOL : 0;
    for (int m = 0; m < MATCHES_PER_WINDOW && start <= wn; m++) {
        int rc = rule->jit ? pcre2_jit_match(rule->code, win, wn, start, opt, st->md, st->mctx)
                           : pcre2_match(rule->code, win, wn, start, opt, st->md, st->mctx);
        if (rc < 0)
            return;   /* no match, or a limit hit: give up on this window */
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(st->md);
        uint32_t g = rule->group < (uint32_t)rc ? rule->group : 0;
        size_t gs = ov[2 * g], ge = ov[2 * g + 1];
        if (gs == PCRE2_UNSET || ge < gs) {
            gs = ov[0];
            ge = ov[1];
        }
        size_t next = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
        if (ov[1] < start)   /* \K tricks: always move forward */
            next = start + 1;
        if (ge > gs && ds_entropy(win + gs, ge - gs) >= rule->min_entropy) {
            size_t so, sl;
            if (ds_rule_validate(rule->validator, win + gs, ge - gs, wn - ge, &so, &sl) &&
                sl > 0) {
                uint64_t off = fbase + (uint64_t)(gs + so) * unit;
                uint64_t len = (uint64_t)sl * unit;
                if (off >= *last_end) {
                    ds_finding f;
                    memset(&f, 0, sizeof f);
                    f.offset = off;
                    f.length = len;
                    f.kind = rule->kind;
                    f.detector = rule->id;
                    f.confidence = rule->scrub ? rule->confidence : DS_CONF_POSSIBLE;
                    f.encoding = enc == DS_ENC_UTF16LE ? "utf16le" : "ascii";
                    ds_emit(st->s, &f);
                    *last_end = off + len;
                }
            }
        }
        start = next;
    }
}

static int on_hit(void *ctx, uint32_t pat, size_t at)
{
    rules_state *st = ctx;
    const ds_ruleset *rs = st->rs;
    const ds_rule_keyword *kw = &rs->kws[rs->pat_kw[pat]];
    int enc = rs->pat_enc[pat];
    size_t plen = rs->pat_len[pat];
    if (!kw->nocase && memcmp(st->buf + at, rs->pat_bytes[pat], plen))
        return 0;
    uint32_t ri = kw->rule;
    const ds_rule *rule = &rs->rules[ri];
    uint64_t abs = st->base + at;
    uint64_t *cov = &st->covered[ri * 2 + (enc == DS_ENC_UTF16LE)];
    unsigned unit = enc == DS_ENC_UTF16LE ? 2 : 1;
    if (abs + (uint64_t)unit * (rule->window_after / 2) <= *cov)
        return 0;   /* well inside a window already searched */
    size_t p = (size_t)(abs - st->src_base);   /* index in src */
    const uint8_t *src = st->src;
    size_t n = st->src_len;
    if (enc == DS_ENC_ASCII) {
        size_t lo = p > rule->window_before ? p - rule->window_before : 0;
        size_t hi = n - p > rule->window_after ? p + rule->window_after : n;
        /* the subject starts at src (lookbehinds see the bytes before lo) */
        run_window(st, ri, enc, src, lo, hi, hi < n, st->src_base, 1);
        *cov = st->src_base + hi;
        return 0;
    }
    /* UTF-16LE: the run of ASCII code units around the hit */
    size_t lo = p, hi = p;
    size_t maxb = rule->window_before, maxa = rule->window_after;
    while (lo >= 2 && src[lo - 1] == 0 && src[lo - 2] && src[lo - 2] < 0x80 &&
           (p - lo) / 2 < maxb)
        lo -= 2;
    while (hi + 1 < n && src[hi + 1] == 0 && src[hi] && src[hi] < 0x80 && (hi - p) / 2 < maxa)
        hi += 2;
    size_t wn = (hi - lo) / 2;
    if (wn > st->scratch_cap)
        wn = st->scratch_cap;
    for (size_t k = 0; k < wn; k++)
        st->scratch[k] = src[lo + 2 * k];
    int cut = hi + 1 < n && src[hi + 1] == 0 && src[hi] && src[hi] < 0x80;   /* stopped by maxa */
    run_window(st, ri, enc, st->scratch, 0, wn, cut, st->src_base + lo, 2);
    OPENSSL_cleanse(st->scratch, wn);
    *cov = st->src_base + hi;
    return 0;
}

static void rules_scan(void *state, ds_scan *s, const uint8_t *buf, size_t own, size_t len,
                       uint64_t base)
{
    rules_state *st = state;
    if (!st)
        return;
    size_t wl = 0;
    const uint8_t *whole = ds_scan_whole(s, &wl);
    st->buf = buf;
    st->base = base;
    if (whole && base + len <= wl) {
        st->src = whole;
        st->src_base = 0;
        st->src_len = wl;
    } else {
        st->src = buf;
        st->src_base = base;
        st->src_len = len;
    }
    if (st->hs)
        ds_hs_search(st->rs->hs, st->hs, buf, own, len, on_hit, st);
    else
        ds_ac_search(st->rs->ac, buf, own, len, on_hit, st);
}

const ds_detector ds_detector_rules = {
    .name = "rules",
    .max_span = RULES_MAX_SPAN,
    .open = rules_open,
    .scan = rules_scan,
    .close = rules_close,
};

/* ---- embedded samples (`dumpscrub rules check`) --------------------------- */

#include "scan.h"

size_t ds_rules_sample_hits(const ds_ruleset *rs, size_t rule, const uint8_t *text, size_t n,
                            int enc, int *err)
{
    static const ds_detector *const only[] = { &ds_detector_rules, NULL };
    const size_t pad = 32;
    size_t unit = enc == DS_ENC_UTF16LE ? 2 : 1;
    size_t blen = (n + 2 * pad) * unit;
    uint8_t *b = calloc(blen ? blen : 1, 1);
    *err = 0;
    if (!b) {
        *err = ENOMEM;
        return 0;
    }
    for (size_t i = 0; i < n + 2 * pad; i++) {
        uint8_t c = (i < pad || i >= pad + n) ? '\n' : text[i - pad];
        b[i * unit] = c;
    }
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = only;
    o.rules = rs;
    ds_findings f = { 0 };
    if (ds_scan_memory(b, blen, NULL, &o, &f) < 0)
        *err = ENOMEM;
    size_t hits = 0;
    for (size_t i = 0; i < f.n; i++)
        if (!strcmp(f.v[i].detector, rs->rules[rule].id))
            hits++;
    ds_findings_free(&f);
    OPENSSL_cleanse(b, blen);
    free(b);
    return hits;
}
