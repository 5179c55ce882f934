/*
 * detect_pem.c - the "pem" detector: PEM-armored private keys.
 *
 * Armors: PRIVATE KEY, RSA / EC / DSA PRIVATE KEY (also with the legacy
 * "Proc-Type: 4,ENCRYPTED" + "DEK-Info:" headers) and ENCRYPTED PRIVATE
 * KEY.  Not OPENSSH PRIVATE KEY (detect_openssh), never CERTIFICATE or
 * PUBLIC KEY.  Forms, all read through one character cursor:
 *   - ASCII, LF or CRLF (or any whitespace between the base64 groups);
 *   - UTF-16LE (how Windows programs hold strings): every other byte 0;
 *   - inside a JSON (or C/Python) string with escaped line breaks, as in
 *     GCP service-account key files: "-----BEGIN PRIVATE KEY-----\nMII...";
 *     \n \r \t \/ \\ and \u00XX escapes are understood.
 *
 * Prefilter: one vector pass for the "-B" / "-\0B" pair inside "-----BEGIN "
 * and its UTF-16LE form, then memcmp of the whole marker.  The body
 * is decoded with a strict base64 decoder into the per-worker scratch
 * buffer and handed to the same DER walker and OpenSSL identification as
 * the DER detector (der.c).  One finding covers the whole armored block,
 * "-----BEGIN" through the last dash of the END line.
 *
 * A block whose armor is complete and whose body is valid base64 of a
 * plausible size, but whose DER does not check out (damaged in memory), is
 * still reported: kind from the label (or the algorithm OID), confidence
 * POSSIBLE, so a scrub at --min-confidence possible removes it.  Legacy
 * encrypted bodies are ciphertext: LIKELY with a DEK-Info header and a
 * whole number of cipher blocks.  Nothing is reported for invalid base64,
 * a missing or mismatched END line, or a body that is intact DER of
 * another shape (a public key or certificate under a private key label).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "der.h"
#include "cpu.h"
#include "detector.h"

/* Kind of a damaged unencrypted "PRIVATE KEY" whose algorithm OID cannot
 * be read: an extension of the kind list (DESIGN.md: extend, never
 * rename); it belongs in finding.h if other detectors need it. */

/* Decoded bodies shorter than this are not a private key of any kind
 * (the smallest, X25519 in PKCS#8, is 48 bytes). */
#define PEM_MIN_DER 32

enum { PEM_UTF16 = 1, PEM_JSON = 2 };

/* ---- character cursor ---------------------------------------------------- */
typedef struct {
    const uint8_t *b;
    size_t pos, end;
    unsigned form;
} pem_cur;

/* One code unit as a byte value: ASCII byte, or UTF-16LE unit whose high
 * byte is 0.  -1 at the end or on a unit outside Latin-1. */
static int raw_unit(pem_cur *c)
{
    if (c->form & PEM_UTF16) {
        if (c->end - c->pos < 2 || c->b[c->pos + 1] != 0)
            return -1;
        int ch = c->b[c->pos];
        c->pos += 2;
        return ch;
    }
    if (c->pos >= c->end)
        return -1;
    return c->b[c->pos++];
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* The next logical character; -1 at the end of input, at the closing
 * quote of a JSON string, or on an escape that cannot be part of PEM. */
static int pc_get(pem_cur *c)
{
    int ch = raw_unit(c);
    if (ch < 0 || !(c->form & PEM_JSON))
        return ch;
    if (ch == '"')
        return -1;
    if (ch != '\\')
        return ch;
    switch (ch = raw_unit(c)) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case '/':
    case '\\':
        return ch;
    case 'u': {
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int h = hexval(raw_unit(c));
            if (h < 0)
                return -1;
            v = v * 16 + h;
        }
        return v < 0x80 ? v : -1;
    }
    default:
        return -1;
    }
}

static int pc_expect(pem_cur *c, const char *lit)
{
    for (; *lit; lit++)
        if (pc_get(c) != (unsigned char)*lit)
            return 0;
    return 1;
}

/* ---- labels -------------------------------------------------------------- */
typedef struct {
    const char *label;
    const char *kind;     /* NULL: by the algorithm OID inside */
} pem_label;

static const pem_label labels[] = {
    { "PRIVATE KEY", NULL },
    { "RSA PRIVATE KEY", DS_KIND_RSA },
    { "EC PRIVATE KEY", DS_KIND_EC },
    { "DSA PRIVATE KEY", DS_KIND_DSA },
    { "ENCRYPTED PRIVATE KEY", DS_KIND_ENCRYPTED },
};

/* Reads the label up to and including its closing "-----". */
static const pem_label *read_label(pem_cur *c)
{
    char name[32];
    size_t n = 0;
    int ch;
    while ((ch = pc_get(c)) != '-') {
        if (n == sizeof name - 1 || !((ch >= 'A' && ch <= 'Z') || ch == ' '))
            return NULL;
        name[n++] = (char)ch;
    }
    name[n] = '\0';
    if (!pc_expect(c, "----"))
        return NULL;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(name, labels[i].label) == 0)
            return &labels[i];
    return NULL;
}

/* ---- RFC 1421 headers ---------------------------------------------------- */
typedef struct {
    int proc_encrypted;   /* Proc-Type: 4,ENCRYPTED */
    int dek_info;         /* DEK-Info: present */
} pem_headers;

enum { LINE_HEADER, LINE_BLANK, LINE_OTHER };

/* Reads one line if it is blank or a "Name: value" header (noting the
 * legacy encryption headers); otherwise leaves the cursor where it was. */
static int header_line(pem_cur *c, pem_headers *h)
{
    pem_cur save = *c;
    char line[96];
    size_t n = 0;
    int ch, kind = LINE_OTHER;
    while ((ch = pc_get(c)) >= 0 && ch != '\n' && n < sizeof line - 1)
        line[n++] = (char)ch;
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--;
    line[n] = '\0';
    if (ch != '\n')                       /* a long line or the end: body */
        kind = LINE_OTHER;
    else if (n == 0)
        kind = LINE_BLANK;
    else if (memchr(line, ':', n))        /* base64 has no ':' */
        kind = LINE_HEADER;
    if (kind == LINE_HEADER) {
        if (strncmp(line, "Proc-Type:", 10) == 0 && strstr(line, "ENCRYPTED"))
            h->proc_encrypted = 1;
        if (strncmp(line, "DEK-Info:", 9) == 0)
            h->dek_info = 1;
    }
    if (kind == LINE_OTHER)
        *c = save;
    OPENSSL_cleanse(line, sizeof line);   /* may hold a line of the body */
    return kind;
}

/* Reads the rest of the BEGIN line and any header lines up to the blank
 * line after them; leaves the cursor at the start of the body. */
static void read_headers(pem_cur *c, pem_headers *h)
{
    int seen = 0;
    for (int lines = 0; lines < 8; lines++) {
        int kind = header_line(c, h);
        if (kind == LINE_OTHER || (kind == LINE_BLANK && seen))
            return;
        seen |= kind == LINE_HEADER;
    }
}

/* ---- base64 -------------------------------------------------------------- */
enum { B64_BAD = 0xff, B64_WS = 0xfe, B64_PAD = 0xfd };

static uint8_t b64val(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return (uint8_t)(ch - 'A');
    if (ch >= 'a' && ch <= 'z')
        return (uint8_t)(ch - 'a' + 26);
    if (ch >= '0' && ch <= '9')
        return (uint8_t)(ch - '0' + 52);
    switch (ch) {
    case '+': return 62;
    case '/': return 63;
    case '=': return B64_PAD;
    case ' ': case '\t': case '\r': case '\n':
        return B64_WS;
    default:
        return B64_BAD;
    }
}

/* Decodes the body up to the first '-' (consumed) into out[0, cap).
 * Strict: only base64 and whitespace, padding only at the end, no
 * impossible group length.  Returns the decoded length or -1. */
static long decode_body(pem_cur *c, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    size_t nchars = 0, npad = 0, o = 0;
    long ret = -1;
    for (;;) {
        int ch = pc_get(c);
        if (ch < 0)
            goto done;
        if (ch == '-')
            break;
        uint8_t v = b64val(ch);
        if (v == B64_WS)
            continue;
        if (v == B64_PAD) {
            if (++npad > 2)
                goto done;
            continue;
        }
        if (v == B64_BAD || npad)
            goto done;
        acc = acc << 6 | v;
        if (++nchars % 4 == 0) {
            if (cap - o < 3)
                goto done;
            out[o++] = (uint8_t)(acc >> 16);
            out[o++] = (uint8_t)(acc >> 8);
            out[o++] = (uint8_t)acc;
            acc = 0;
        }
    }
    size_t r = nchars % 4;
    if (r == 1 || (npad && r + npad != 4) || cap - o < (r ? r - 1 : 0))
        goto done;
    if (r == 2)
        out[o++] = (uint8_t)(acc >> 4);
    else if (r == 3) {
        out[o++] = (uint8_t)(acc >> 10);
        out[o++] = (uint8_t)(acc >> 2);
    }
    ret = (long)o;
done:
    OPENSSL_cleanse(&acc, sizeof acc);
    if (ret < 0)
        OPENSSL_cleanse(out, o);
    return ret;
}

/* ---- one armored block --------------------------------------------------- */
typedef struct {
    const uint8_t *buf;
    size_t own, len;
    uint64_t base;
    uint8_t *scratch;   /* decoded body [0, MAX_DER), re-encoding [MAX_DER, 2*MAX_DER) */
    ds_found_fn fn;
    void *ctx;
} pem_ctx;

/* What the decoded body is, into f (kind, detector, confidence, ...).
 * Returns 0 if it is not worth reporting. */
static int judge_body(const pem_label *lab, const pem_headers *h, uint8_t *der, size_t n,
                      uint8_t *scratch2, ds_finding *f)
{
    ds_der_info info;
    if (n < PEM_MIN_DER)
        return 0;
    if (h->proc_encrypted) {
        /* Legacy OpenSSL encryption: the body is CBC ciphertext. */
        f->kind = DS_KIND_ENCRYPTED;
        f->confidence = h->dek_info && n % 8 == 0 ? DS_CONF_LIKELY : DS_CONF_POSSIBLE;
        return 1;
    }
    int shaped = ds_der_classify(der, n, &info) && info.len == n;
    if (shaped && ds_der_identify(der, &info, scratch2, DS_PEM_MAX_DER, f))
        return 1;
    /* Intact DER of another shape: a public key or certificate under a
     * private key label is not a secret. */
    if (!shaped && ds_der_is_tree(der, n))
        return 0;
    /* Complete armor, valid base64, but a damaged key: key-shaped DER that
     * does not check out, or DER broken somewhere. */
    f->kind = lab->kind ? lab->kind : ds_der_guess_kind(der, n);
    if (!f->kind)
        f->kind = DS_KIND_PRIVATE;
    f->confidence = DS_CONF_POSSIBLE;
    f->bits = 0;
    f->has_fingerprint = 0;
    return 1;
}

/* One armored block, read from just after its "-----BEGIN " through its
 * END line: label, headers, body decoded into out[0, cap).  Returns the
 * decoded length (c at the block's end), or -1 if it is not a complete
 * block; out is cleansed on failure. */
static long read_block(pem_cur *c, const pem_label **lab, pem_headers *h, uint8_t *out,
                       size_t cap)
{
    if (!(*lab = read_label(c)))
        return -1;
    /* Escaped line break right after the BEGIN line: a JSON string. */
    pem_cur t = *c;
    if (raw_unit(&t) == '\\') {
        int e = raw_unit(&t);
        if (e == 'n' || e == 'r')
            c->form |= PEM_JSON;
    }
    read_headers(c, h);
    long n = decode_body(c, out, cap);
    if (n >= 0 && !(pc_expect(c, "----END ") && pc_expect(c, (*lab)->label) &&
                    pc_expect(c, "-----"))) {
        OPENSSL_cleanse(out, (size_t)n);
        n = -1;
    }
    return n;
}

/* Parses the block whose "-----BEGIN " (of nl bytes in this form) starts at
 * s; reports it and returns where it ends, or 0 if it is not one. */
static size_t try_block(const pem_ctx *p, size_t s, size_t nl, int utf16)
{
    size_t lim = p->len - s > DS_PEM_MAX_SPAN ? s + DS_PEM_MAX_SPAN : p->len;
    pem_cur c = { p->buf, s + nl, lim, utf16 ? PEM_UTF16 : 0 };
    const pem_label *lab;
    pem_headers h = { 0, 0 };
    long n = read_block(&c, &lab, &h, p->scratch, DS_PEM_MAX_DER);
    size_t end = 0;
    ds_finding f;
    memset(&f, 0, sizeof f);
    if (n >= 0 && judge_body(lab, &h, p->scratch, (size_t)n, p->scratch + DS_PEM_MAX_DER, &f)) {
        end = c.pos;
        f.offset = p->base + s;
        f.length = end - s;
        f.detector = utf16 ? "pem-utf16le" : (c.form & PEM_JSON) ? "pem-json" : "pem";
        f.encoding = utf16 ? "pem-utf16le" : (c.form & PEM_JSON) ? "json" : "pem";
        p->fn(p->ctx, &f);
    }
    if (n > 0)
        OPENSSL_cleanse(p->scratch, (size_t)n);
    return end;
}

static const uint8_t BEGIN_ASCII[] = "-----BEGIN ";
static const uint8_t BEGIN_UTF16[] = {
    '-', 0, '-', 0, '-', 0, '-', 0, '-', 0, 'B', 0, 'E', 0, 'G', 0, 'I', 0, 'N', 0, ' ', 0
};

long ds_pem_block_der(const uint8_t *b, size_t n, uint8_t *out, size_t cap)
{
    int utf16 = n >= sizeof BEGIN_UTF16 && !memcmp(b, BEGIN_UTF16, sizeof BEGIN_UTF16);
    size_t nl = utf16 ? sizeof BEGIN_UTF16 : sizeof BEGIN_ASCII - 1;
    if (!utf16 && (n < nl || memcmp(b, BEGIN_ASCII, nl)))
        return -1;
    pem_cur c = { b, nl, n, utf16 ? PEM_UTF16 : 0 };
    const pem_label *lab;
    pem_headers h = { 0, 0 };
    long len = read_block(&c, &lab, &h, out, cap);
    if (len >= 0 && h.proc_encrypted) {   /* ciphertext, not DER */
        OPENSSL_cleanse(out, (size_t)len);
        len = -1;
    }
    return len;
}

/* ---- prefilter ------------------------------------------------------------
 * One pass for both forms, anchored on the rare pair where the dashes meet
 * the label: "-B" (ASCII, at start+4) and "-\0B" (UTF-16LE, at start+8).
 * Two separate memmem passes cost about 2.5 times more on dump-like data
 * (zero pages and text full of dashes defeat memmem's skip loop). */
static inline int is_anchor(const uint8_t *p)
{
    return p[0] == '-' && (p[1] == 'B' || (p[1] == 0 && p[2] == 'B'));
}

/* Generic vectors, two builds as in detect_der.c: 16 bytes (baseline) and
 * 32 bytes for AVX2, chosen at run time. */
typedef uint8_t v16 __attribute__((vector_size(16)));
typedef uint8_t v32 __attribute__((vector_size(32)));

/* Defines `name`: the first 64-byte block [i, i + 64), from i in steps of
 * 64, holding an anchor; i itself once i + 64 > hi.  Reads up to b[i + 65]:
 * callers keep hi < len - 1. */
#define DEFINE_NEXT_ANCHOR_BLOCK(name, V, attr)                                   \
    attr static size_t name(const uint8_t *b, size_t i, size_t hi)               \
    {                                                                             \
        for (; i + 64 <= hi; i += 64) {                                           \
            V m = { 0 };                                                          \
            for (size_t k = 0; k < 64; k += sizeof(V)) {                          \
                V a0, a1, a2;                                                     \
                memcpy(&a0, b + i + k, sizeof(V));                                \
                memcpy(&a1, b + i + k + 1, sizeof(V));                            \
                memcpy(&a2, b + i + k + 2, sizeof(V));                            \
                m |= (V)((a0 == '-') & ((a1 == 'B') | ((a1 == 0) & (a2 == 'B')))); \
            }                                                                     \
            uint64_t w[sizeof(V) / 8], any = 0;                                   \
            memcpy(w, &m, sizeof w);                                              \
            for (size_t k = 0; k < sizeof(V) / 8; k++)                            \
                any |= w[k];                                                      \
            if (__builtin_expect(any != 0, 0))                                    \
                return i;                                                         \
        }                                                                         \
        return i;                                                                 \
    }

DEFINE_NEXT_ANCHOR_BLOCK(next_anchor_block16, v16, )
#ifdef DS_AVX2_BUILD
DEFINE_NEXT_ANCHOR_BLOCK(next_anchor_block32, v32, DS_TARGET_AVX2)
#endif

static size_t next_anchor_block(const uint8_t *b, size_t i, size_t hi, int avx2)
{
#ifdef DS_AVX2_BUILD
    if (avx2)
        return next_anchor_block32(b, i, hi);
#endif
    (void)avx2;
    return next_anchor_block16(b, i, hi);
}


/* Anchor at j: the block it belongs to, if any and not already covered. */
static void try_anchor(const pem_ctx *p, size_t j, size_t *skip_until)
{
    int utf16 = p->buf[j + 1] == 0;
    size_t back = utf16 ? 8 : 4;
    const uint8_t *needle = utf16 ? BEGIN_UTF16 : BEGIN_ASCII;
    size_t nl = utf16 ? sizeof BEGIN_UTF16 : sizeof BEGIN_ASCII - 1;
    if (j < back)
        return;
    size_t s = j - back;
    if (s >= p->own || s < *skip_until || nl > p->len - s || memcmp(p->buf + s, needle, nl) != 0)
        return;
    size_t end = try_block(p, s, nl, utf16);
    if (end)
        *skip_until = end;
}

void ds_pem_find(const uint8_t *buf, size_t own, size_t len, uint64_t base,
                 uint8_t *scratch, ds_found_fn fn, void *ctx)
{
    pem_ctx p = { buf, own < len ? own : len, len, base, scratch, fn, ctx };
    if (p.own == 0 || len < 3)
        return;
    /* Anchors of blocks starting in [0, own) lie in [4, own + 9);
     * is_anchor reads three bytes. */
    size_t hi = len - 2, skip_until = 0;
    if (p.own + 9 < hi)
        hi = p.own + 9;
    size_t i = 0;
    int avx2 = ds_cpu_avx2();
    while ((i = next_anchor_block(buf, i, hi, avx2)) + 64 <= hi) {
        for (size_t j = i; j < i + 64; j++)
            if (is_anchor(buf + j))
                try_anchor(&p, j, &skip_until);
        i += 64;
    }
    for (; i < hi; i++)
        if (is_anchor(buf + i))
            try_anchor(&p, i, &skip_until);
}

/* ---- the detector -------------------------------------------------------- */

#define PEM_SCRATCH (2 * DS_PEM_MAX_DER)

static void emit(void *ctx, const ds_finding *f)
{
    ds_emit(ctx, f);
}

static void *pem_open(ds_scan *s, int *err)
{
    (void)s;
    void *scratch = malloc(PEM_SCRATCH);
    if (!scratch)
        *err = ENOMEM;
    return scratch;
}

static void pem_scan(void *state, ds_scan *s, const uint8_t *buf, size_t own, size_t len,
                     uint64_t base)
{
    ds_pem_find(buf, own, len, base, state, emit, s);
}

static void pem_close(void *state)
{
    if (!state)
        return;
    OPENSSL_cleanse(state, PEM_SCRATCH);
    free(state);
}

const ds_detector ds_detector_pem = {
    .name = "pem",
    .max_span = DS_PEM_MAX_SPAN,
    .open = pem_open,
    .scan = pem_scan,
    .close = pem_close,
};
