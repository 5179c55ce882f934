/*
 * detect_jwk.c - private JSON Web Keys (RFC 7517/7518/8037), alone or
 * inside a JWKS {"keys":[...]}, in ASCII or UTF-16LE; detector id "jwk".
 *
 * Prefilter: the member name "kty" (both encodings in one pass).  From a
 * hit, look back (at most JWK_BACK characters) for the '{' of the object
 * that has this "kty" as a direct member: try each '{' from the nearest
 * on, parsing forward with a small bounded JSON tokenizer (strings with
 * escapes, nested values skipped by depth counting, no recursion) until
 * one object contains the hit.  Then decode the members that matter and
 * verify:
 *   RSA  n e + d and/or p q          -> ds_verify_rsa
 *   EC   crv x y d                   -> ds_verify_ec (04||x||y)
 *   OKP  crv x d                     -> ds_verify_okp
 * A JWK without private members is a public key: never reported.  The
 * finding covers the whole object, '{' to '}'.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "b64url.h"
#include "components.h"
#include "detector.h"
#include "keytext.h"
#include "verify.h"

#define JWK_MAX_SPAN (32u * 1024)   /* longest object, in bytes of the dump */
#define JWK_BACK     8192u          /* "kty" at most this many characters after '{' */
#define JWK_TRIES    16             /* candidate '{' tried per hit */
/* Parsing budget per chunk, in characters per byte the chunk owns.  Real
 * data spends a few characters per byte at most (one parse per JWK); a
 * crafted run of "kty"s behind unclosed brackets would spend 16 x 32 KiB
 * per hit.  Past the budget each hit gets one short parse (nearest '{',
 * 4 KiB): linear time, and compact JWKs are still found. */
#define JWK_BUDGET_PER_BYTE 64
#define JWK_SHORT_SPAN 4096u
#define JWK_FIELD    2048u          /* decoded member: a 16384-bit modulus */
#define JWK_FIELD_CHARS (JWK_FIELD / 3 * 4 + 4)

/* k at 0, '"' at 3 (6 in UTF-16LE): the name "kty" with its closing quote. */
static const ds_anchor jwk_anchor = { 2, { 'k', '"' }, { 0, 0 }, { 0, 3 } };

enum { M_KTY, M_CRV, M_N, M_E, M_D, M_P, M_Q, M_X, M_Y, M_DP, M_DQ, M_QI, M_COUNT };
static const char *const member_names[M_COUNT] = {
    "kty", "crv", "n", "e", "d", "p", "q", "x", "y", "dp", "dq", "qi"
};

typedef struct {
    size_t lo, hi;      /* raw string content, quotes excluded */
} jspan;

typedef struct {
    jspan m[M_COUNT];
    unsigned have;      /* bit per member */
    size_t kty_at;      /* index of the '"' that opens the name "kty" */
    size_t end;         /* index just past the '}' */
    size_t reach;       /* how far the parse looked (its cost) */
} jwk_obj;

typedef struct {
    uint8_t narrow[JWK_BACK + JWK_MAX_SPAN / 2];
    uint8_t text[JWK_FIELD_CHARS];       /* one member, unescaped */
    uint8_t field[M_COUNT][JWK_FIELD];   /* decoded members */
    size_t len[M_COUNT];
} jwk_state;

static int is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const uint8_t *s, size_t n, size_t i)
{
    while (i < n && is_ws(s[i]))
        i++;
    return i;
}

/* s[i] == '"': index just past the closing quote, or 0 if the string is
 * cut off or holds a raw control character (not JSON). */
static size_t json_string_end(const uint8_t *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '"')
            return i + 1;
        if (s[i] < 0x20)
            return 0;
        if (s[i] == '\\')
            i++;   /* the escaped character (\uXXXX's digits are plain) */
    }
    return 0;
}

/* Skip one value at s[i]: string, number/literal, or a nested object or
 * array (depth counting, string-aware).  Index past it, or 0. */
static size_t json_skip_value(const uint8_t *s, size_t n, size_t i)
{
    if (i >= n)
        return 0;
    if (s[i] == '"')
        return json_string_end(s, n, i);
    if (s[i] == '{' || s[i] == '[') {
        size_t depth = 0;
        while (i < n) {
            uint8_t c = s[i];
            if (c == '"') {
                if (!(i = json_string_end(s, n, i)))
                    return 0;
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if ((c == '}' || c == ']') && --depth == 0)
                return i + 1;
            i++;
        }
        return 0;
    }
    size_t j = i;
    while (j < n && ((s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'z') ||
                     s[j] == '-' || s[j] == '+' || s[j] == '.' || s[j] == 'E'))
        j++;
    return j > i ? j : 0;
}

static int member_index(const uint8_t *name, size_t n)
{
    for (int k = 0; k < M_COUNT; k++)
        if (strlen(member_names[k]) == n && memcmp(member_names[k], name, n) == 0)
            return k;
    return -1;
}

/* Parse the object whose '{' is s[b]; members of interest are recorded. */
static int json_object(const uint8_t *s, size_t n, size_t b, jwk_obj *o)
{
    memset(o, 0, sizeof *o);
    o->reach = n;   /* a failed string or value may have run to the end */
    size_t i = skip_ws(s, n, b + 1);
    if (i < n && s[i] == '}') {
        o->end = o->reach = i + 1;
        return 1;
    }
    while (i < n) {
        size_t name_end = s[i] == '"' ? json_string_end(s, n, i) : 0;
        if (!name_end)
            return 0;
        int k = member_index(s + i + 1, name_end - i - 2);
        if (k == M_KTY)
            o->kty_at = i;
        i = skip_ws(s, n, name_end);
        o->reach = i;
        if (i >= n || s[i] != ':')
            return 0;
        i = skip_ws(s, n, i + 1);
        size_t v = i;
        o->reach = n;
        if (!(i = json_skip_value(s, n, i)))
            return 0;
        if (k >= 0 && s[v] == '"') {
            o->m[k].lo = v + 1;
            o->m[k].hi = i - 1;
            o->have |= 1u << k;
        }
        i = skip_ws(s, n, i);
        o->reach = i;
        if (i < n && s[i] == '}') {
            o->end = o->reach = i + 1;
            return 1;
        }
        if (i >= n || s[i] != ',')
            return 0;
        i = skip_ws(s, n, i + 1);
    }
    return 0;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Undo JSON escapes (\/ is the one producers actually emit; \uXXXX must
 * stay ASCII).  Returns the unescaped length, or (size_t)-1. */
static size_t json_unescape(const uint8_t *s, size_t n, uint8_t *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c == '\\') {
            if (++i >= n)
                return (size_t)-1;
            c = s[i];
            if (c == 'u') {
                int v = 0;
                for (int k = 1; k <= 4; k++) {
                    int h = i + k < n ? hexval(s[i + k]) : -1;
                    if (h < 0)
                        return (size_t)-1;
                    v = v * 16 + h;
                }
                if (v >= 0x80)
                    return (size_t)-1;
                c = (uint8_t)v;
                i += 4;
            } else if (c != '/' && c != '\\' && c != '"') {
                return (size_t)-1;   /* \n \t ... never belong in base64url */
            }
        }
        if (o == cap)
            return (size_t)-1;
        out[o++] = c;
    }
    return o;
}

/* Decode member k (base64url inside the JSON string) into st->field[k]. */
static int decode_member(jwk_state *st, const uint8_t *s, const jwk_obj *o, int k)
{
    if (!(o->have & (1u << k)))
        return 0;
    size_t t = json_unescape(s + o->m[k].lo, o->m[k].hi - o->m[k].lo, st->text, sizeof st->text);
    size_t d = t == (size_t)-1 ? t : ds_b64url_decode(st->text, t, st->field[k], JWK_FIELD);
    OPENSSL_cleanse(st->text, sizeof st->text);
    if (d == (size_t)-1 || d == 0)
        return 0;
    st->len[k] = d;
    return 1;
}

static int value_is(const uint8_t *s, const jwk_obj *o, int k, const char *lit)
{
    size_t n = strlen(lit);
    return (o->have & (1u << k)) && o->m[k].hi - o->m[k].lo == n && memcmp(s + o->m[k].lo, lit, n) == 0;
}

static BIGNUM *field_bn(const jwk_state *st, int k, int secret)
{
    if (!st->len[k])
        return NULL;
    BIGNUM *bn = secret ? BN_secure_new() : BN_new();
    if (bn && !BN_bin2bn(st->field[k], (int)st->len[k], bn)) {
        BN_clear_free(bn);
        bn = NULL;
    }
    return bn;
}

static int verify_rsa_jwk(jwk_state *st, const uint8_t *s, const jwk_obj *o, ds_keyid *id)
{
    if (!decode_member(st, s, o, M_N) || !decode_member(st, s, o, M_E))
        return 0;
    /* d, p, q: any of them makes it private; verify uses what is there. */
    int priv = decode_member(st, s, o, M_D) | decode_member(st, s, o, M_P) |
               decode_member(st, s, o, M_Q);
    if (!priv)
        return 0;
    BIGNUM *n = field_bn(st, M_N, 0), *e = field_bn(st, M_E, 0);
    BIGNUM *d = field_bn(st, M_D, 1), *p = field_bn(st, M_P, 1), *q = field_bn(st, M_Q, 1);
    int ok = n && e && ds_verify_rsa(n, e, d, p, q, id);
    BN_free(n);
    BN_free(e);
    BN_clear_free(d);
    BN_clear_free(p);
    BN_clear_free(q);
    return ok;
}

static int verify_ec_jwk(jwk_state *st, const uint8_t *s, const jwk_obj *o, ds_keyid *id)
{
    static const struct { const char *crv, *group; size_t size; } curves[] = {
        { "P-256", "prime256v1", 32 }, { "P-384", "secp384r1", 48 },
        { "P-521", "secp521r1", 66 },  { "secp256k1", "secp256k1", 32 },
    };
    for (size_t c = 0; c < sizeof curves / sizeof curves[0]; c++) {
        if (!value_is(s, o, M_CRV, curves[c].crv))
            continue;
        size_t fs = curves[c].size;
        if (!decode_member(st, s, o, M_D) || !decode_member(st, s, o, M_X) ||
            !decode_member(st, s, o, M_Y) || st->len[M_X] > fs || st->len[M_Y] > fs)
            return 0;
        /* Uncompressed point; coordinates left-padded to the field size
         * (RFC 7518 says full length, some encoders strip leading zeros). */
        uint8_t pub[1 + 2 * 66] = { 0x04 };
        memcpy(pub + 1 + fs - st->len[M_X], st->field[M_X], st->len[M_X]);
        memcpy(pub + 1 + 2 * fs - st->len[M_Y], st->field[M_Y], st->len[M_Y]);
        return ds_verify_ec(curves[c].group, st->field[M_D], st->len[M_D], pub, 1 + 2 * fs, id);
    }
    return 0;
}

static int verify_okp_jwk(jwk_state *st, const uint8_t *s, const jwk_obj *o, ds_keyid *id)
{
    static const struct { const char *crv; int type; size_t len; } curves[] = {
        { "Ed25519", EVP_PKEY_ED25519, 32 }, { "X25519", EVP_PKEY_X25519, 32 },
        { "Ed448", EVP_PKEY_ED448, 57 },     { "X448", EVP_PKEY_X448, 56 },
    };
    for (size_t c = 0; c < sizeof curves / sizeof curves[0]; c++) {
        if (!value_is(s, o, M_CRV, curves[c].crv))
            continue;
        if (!decode_member(st, s, o, M_D) || !decode_member(st, s, o, M_X) ||
            st->len[M_D] != curves[c].len || st->len[M_X] != curves[c].len)
            return 0;
        return ds_verify_okp(curves[c].type, st->field[M_D], st->len[M_D], st->field[M_X],
                             st->len[M_X], id);
    }
    return 0;
}

static int verify_jwk(jwk_state *st, const uint8_t *s, const jwk_obj *o, ds_keyid *id)
{
    /* No private member, no finding (and no decoding work). */
    if (!(o->have & (1u << M_D | 1u << M_P | 1u << M_Q)))
        return 0;
    memset(st->len, 0, sizeof st->len);
    int ok = 0;
    if (value_is(s, o, M_KTY, "RSA"))
        ok = verify_rsa_jwk(st, s, o, id);
    else if (value_is(s, o, M_KTY, "EC"))
        ok = verify_ec_jwk(st, s, o, id);
    else if (value_is(s, o, M_KTY, "OKP"))
        ok = verify_okp_jwk(st, s, o, id);
    for (int k = 0; k < M_COUNT; k++)
        if (st->len[k])
            OPENSSL_cleanse(st->field[k], st->len[k]);
    return ok;
}

/* The object around the "kty" name whose opening quote is t->s[q]: the
 * nearest '{' before it that opens an object holding that very member.
 * Parsing is charged to *budget; once it is spent, one short try. */
static int find_object(const ds_text *t, size_t q, size_t max_chars, size_t *budget,
                       size_t *start, jwk_obj *o)
{
    size_t lo = q > JWK_BACK ? q - JWK_BACK : 0;
    int tries = 0, max_tries = *budget ? JWK_TRIES : 1;
    if (!*budget && max_chars > JWK_SHORT_SPAN)
        max_chars = JWK_SHORT_SPAN;
    for (size_t b = q; b-- > lo && tries < max_tries;) {
        if (t->s[b] != '{')
            continue;
        tries++;
        size_t n = t->n - b < max_chars ? t->n : b + max_chars;
        int ok = json_object(t->s, n, b, o);
        size_t cost = o->reach - b;
        *budget = *budget > cost ? *budget - cost : 0;
        if (ok && o->end > q && o->kty_at == q) {
            *start = b;
            return 1;
        }
    }
    return 0;
}

/* Report the private JWK around the "kty" at buf[q]; returns the buffer
 * index just past the reported object, or 0. */
static size_t try_jwk(jwk_state *st, ds_scan *s, const uint8_t *buf, size_t q, unsigned unit,
                      size_t own, size_t len, uint64_t base, size_t *budget)
{
    size_t done = 0;
    /* Window: JWK_BACK characters before the quote, the span after it. */
    size_t back = q / unit < JWK_BACK ? q / unit : JWK_BACK;
    size_t lo = q - back * unit;
    size_t hi = len - q < JWK_MAX_SPAN ? len : q + JWK_MAX_SPAN;
    ds_text t;
    jwk_obj o;
    size_t start;
    ds_keyid id;
    ds_text_view(&t, buf, lo, hi, unit, st->narrow);
    if (find_object(&t, back, JWK_MAX_SPAN / unit, budget, &start, &o) &&
        ds_text_pos(&t, start) < own && verify_jwk(st, t.s, &o, &id)) {
        ds_finding f = {
            .offset = base + ds_text_pos(&t, start), .length = (uint64_t)(o.end - start) * unit,
            .kind = DS_KIND_JWK, .detector = "jwk", .confidence = id.confidence, .bits = id.bits,
            .has_fingerprint = id.has_fingerprint, .encoding = unit == 1 ? "json" : "json-utf16le",
        };
        memcpy(f.fingerprint, id.fingerprint, sizeof f.fingerprint);
        ds_emit(s, &f);
        done = (size_t)ds_text_pos(&t, o.end);
    }
    if (unit == 2)
        OPENSSL_cleanse(st->narrow, t.n);
    return done;
}

static void jwk_scan(void *state, ds_scan *s, const uint8_t *buf, size_t own, size_t len,
                     uint64_t base)
{
    jwk_state *st = state;
    /* An object starting below own can have its "kty" up to JWK_BACK
     * characters (2x bytes in UTF-16LE) further on. */
    size_t to = len - own > 2 * JWK_BACK ? own + 2 * JWK_BACK : len;
    size_t budget = JWK_BUDGET_PER_BYTE * (own + JWK_MAX_SPAN);
    for (size_t i = 0; (i = ds_anchor_find(&jwk_anchor, buf, i, to, len)) < to; i++) {
        size_t left = len - i, done = 0;
        if (i >= 1 && buf[i - 1] == '"' && left >= 4 && memcmp(buf + i, "kty\"", 4) == 0)
            done = try_jwk(st, s, buf, i - 1, 1, own, len, base, &budget);
        else if (i >= 2 && buf[i - 2] == '"' && buf[i - 1] == 0 && left >= 8 &&
                 ds_u16_eq(buf + i, "kty\"", 4))
            done = try_jwk(st, s, buf, i - 2, 2, own, len, base, &budget);
        if (done > i)   /* a "kty" inside a reported object is a nested value */
            i = done - 1;
    }
}

static void *jwk_open(ds_scan *s, int *err)
{
    (void)s;
    jwk_state *st = OPENSSL_zalloc(sizeof *st);
    if (!st)
        *err = ENOMEM;
    return st;
}

static void jwk_close(void *state)
{
    OPENSSL_clear_free(state, sizeof(jwk_state));
}

const ds_detector ds_detector_jwk = {
    .name = "jwk",
    .max_span = JWK_MAX_SPAN,
    .open = jwk_open,
    .scan = jwk_scan,
    .close = jwk_close,
};

/* ---- components for the echo pass --------------------------------------- */

int ds_jwk_components(const uint8_t *p, size_t n, ds_component_fn fn, void *ctx)
{
    unsigned unit = n >= 2 && p[0] == '{' && p[1] == 0 ? 2 : 1;
    if (n == 0 || p[0] != '{' || n > JWK_MAX_SPAN)
        return 0;
    jwk_state *st = OPENSSL_zalloc(sizeof *st);
    if (!st)
        return -1;
    static const int secret[] = { M_D, M_P, M_Q, M_DP, M_DQ, M_QI };
    ds_text t;
    jwk_obj o;
    int rc = 0;
    ds_text_view(&t, p, 0, n, unit, st->narrow);
    if (json_object(t.s, t.n, 0, &o))
        for (size_t i = 0; i < sizeof secret / sizeof secret[0] && rc >= 0; i++) {
            int k = secret[i];
            if (!decode_member(st, t.s, &o, k))
                continue;
            rc = fn(ctx, st->field[k], st->len[k]) < 0 ? -1 : rc + 1;
        }
    OPENSSL_clear_free(st, sizeof *st);
    return rc;
}
