/*
 * detect_putty.c - PuTTY private key files (.ppk, format 2 and 3), in ASCII
 * or UTF-16LE, LF or CRLF; detector id "putty-ppk".
 *
 *   PuTTY-User-Key-File-3: ssh-ed25519
 *   Encryption: none | aes256-cbc
 *   Comment: ...
 *   Public-Lines: N        then N lines of base64: the SSH public key blob
 *   (v3, encrypted: Key-Derivation, Argon2-Memory/-Passes/-Parallelism/-Salt)
 *   Private-Lines: N       then N lines of base64: the private fields
 *   Private-MAC: hex
 *
 * Unencrypted files are verified (public blob + private fields through
 * verify.c); encrypted ones are LIKELY, named by the public blob.  The
 * finding covers the whole file text, first header byte to the end of the
 * Private-MAC value (or of the private lines if the MAC line is missing).
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "detector.h"
#include "keytext.h"
#include "components.h"
#include "sshwire.h"

#define PUTTY_MAX_SPAN (32u * 1024)
#define PPK_MAGIC      "PuTTY-User-Key-File-"
#define PPK_MAGIC_LEN  20
#define PPK_MAX_LINES  512      /* base64 lines of one blob (16384-bit RSA: ~60) */
#define PPK_MAX_FIELDS 16       /* header lines between the blobs */

/* "PuTTY": P at 0, Y at 4 (8 in UTF-16LE). */
static const ds_anchor putty_anchor = { 2, { 'P', 'Y' }, { 0, 0 }, { 0, 4 } };

typedef struct {
    uint8_t narrow[PUTTY_MAX_SPAN / 2];
    uint8_t pub[PUTTY_MAX_SPAN / 4 * 3 + 4];
    uint8_t priv[PUTTY_MAX_SPAN / 4 * 3 + 4];
} putty_state;

/* The text layout of one file, as indexes into the narrow view. */
typedef struct {
    ds_slice type, encryption;
    size_t pub_lo, pub_hi, priv_lo, priv_hi;
    size_t end;
} ppk_layout;

static int is_name_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* "Name: value" at s[i]: the value runs to the end of the line. */
static int ppk_field(const uint8_t *s, size_t n, size_t i, ds_slice *name, ds_slice *value)
{
    size_t j = i;
    while (j < n && j - i < 32 && is_name_char(s[j]))
        j++;
    if (j == i || n - j < 2 || s[j] != ':' || s[j + 1] != ' ')
        return 0;
    name->p = s + i;
    name->n = j - i;
    value->p = s + j + 2;
    value->n = ds_line_end(s, n, j + 2) - (j + 2);
    return 1;
}

/* A line count "1".."512" for Public-Lines / Private-Lines. */
static int ppk_count(ds_slice v, size_t *count)
{
    size_t c = 0;
    if (v.n == 0 || v.n > 3)
        return 0;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return 0;
        c = c * 10 + (size_t)(v.p[i] - '0');
    }
    *count = c;
    return c >= 1 && c <= PPK_MAX_LINES;
}

/* `count` non-empty lines starting at s[i]: [*lo, *hi) spans them (line
 * breaks inside are skipped by the base64 decoder); returns the index of
 * the next line, or 0 if the text ends first. */
static size_t ppk_lines(const uint8_t *s, size_t n, size_t i, size_t count, size_t *lo, size_t *hi)
{
    *lo = i;
    for (size_t k = 0; k < count; k++) {
        size_t e = ds_line_end(s, n, i);
        if (e == i || e == n)   /* empty line, or the text is cut off */
            return 0;
        *hi = e;
        i = ds_next_line(s, n, i);
    }
    return i;
}

/* Parse the text layout from the magic on. */
static int ppk_parse_layout(const uint8_t *s, size_t n, ppk_layout *L)
{
    ds_slice name, value;
    memset(L, 0, sizeof *L);
    /* "PuTTY-User-Key-File-2: ssh-rsa": the version, then the key type. */
    if (!ppk_field(s, n, 0, &name, &value) || name.n != PPK_MAGIC_LEN + 1 ||
        (s[PPK_MAGIC_LEN] != '2' && s[PPK_MAGIC_LEN] != '3') || value.n == 0 || value.n > 64)
        return 0;
    L->type = value;
    size_t i = ds_next_line(s, n, 0), count;
    for (int f = 0; f < PPK_MAX_FIELDS && i < n; f++) {
        if (!ppk_field(s, n, i, &name, &value))
            break;
        if (ds_slice_eq(name, "Public-Lines") || ds_slice_eq(name, "Private-Lines")) {
            int pub = name.p[1] == 'u';
            if (!ppk_count(value, &count) || (pub ? L->pub_hi : L->priv_hi) || (!pub && !L->pub_hi))
                return 0;
            i = ppk_lines(s, n, ds_next_line(s, n, i), count, pub ? &L->pub_lo : &L->priv_lo,
                          pub ? &L->pub_hi : &L->priv_hi);
            if (!i)
                return 0;
            L->end = pub ? L->pub_hi : L->priv_hi;
            continue;
        }
        if (ds_slice_eq(name, "Private-MAC")) {
            if (L->priv_hi && value.n > 0)
                L->end = (size_t)(value.p - s) + value.n;
            break;
        }
        if (ds_slice_eq(name, "Encryption"))
            L->encryption = value;
        i = ds_next_line(s, n, i);
    }
    return L->priv_hi != 0 && L->encryption.n != 0;
}

/* PuTTY's private blob: RSA d p q iqmp; DSA x; ECDSA d; EdDSA the seed. */
static int ppk_read_private(const uint8_t *p, size_t n, ds_sshkey *k)
{
    ds_sshrd r = { p, n };
    switch (k->alg) {
    case DS_SSH_RSA:
        return ds_ssh_mpint(&r, &k->priv[0]) && ds_ssh_mpint(&r, &k->priv[1]) &&
               ds_ssh_mpint(&r, &k->priv[2]) && ds_ssh_mpint(&r, &k->priv[3]);
    case DS_SSH_DSA:
    case DS_SSH_ECDSA:
        return ds_ssh_mpint(&r, &k->priv[0]);
    case DS_SSH_ED25519:
    case DS_SSH_ED448:
        return ds_ssh_str(&r, &k->priv[0]);
    default:
        return 0;
    }
}

/* Decode both blobs and name the key; 0 if anything does not fit. */
static int ppk_check(putty_state *st, const uint8_t *s, const ppk_layout *L, ds_keyid *id,
                     size_t *publen, size_t *privlen)
{
    ds_sshkey k;
    if (!ds_b64_decode_body(s + L->pub_lo, L->pub_hi - L->pub_lo, st->pub, sizeof st->pub, publen) ||
        !ds_b64_decode_body(s + L->priv_lo, L->priv_hi - L->priv_lo, st->priv, sizeof st->priv,
                            privlen) ||
        !ds_ssh_parse_pubblob(st->pub, *publen, &k))
        return 0;
    /* The header names the same algorithm as the blob. */
    ds_sshkey named;
    if (!ds_ssh_alg_of(L->type, &named) || named.alg != k.alg || named.group != k.group)
        return 0;
    if (ds_slice_eq(L->encryption, "none"))
        return ppk_read_private(st->priv, *privlen, &k) && ds_ssh_verify(&k, id);
    if (ds_slice_eq(L->encryption, "aes256-cbc") && *privlen > 0 && *privlen % 16 == 0 &&
        ds_ssh_pub_id(&k, id)) {
        id->confidence = DS_CONF_LIKELY;
        return 1;
    }
    return 0;
}

static void try_ppk(putty_state *st, ds_scan *s, const uint8_t *buf, size_t at, unsigned unit,
                    size_t len, uint64_t base)
{
    size_t hi = len - at < PUTTY_MAX_SPAN ? len : at + PUTTY_MAX_SPAN;
    size_t publen = 0, privlen = 0;
    ds_text t;
    ppk_layout L;
    ds_keyid id;
    ds_text_view(&t, buf, at, hi, unit, st->narrow);
    if (ppk_parse_layout(t.s, t.n, &L) && ppk_check(st, t.s, &L, &id, &publen, &privlen)) {
        ds_finding f = {
            .offset = base + at, .length = (uint64_t)L.end * unit, .kind = DS_KIND_PUTTY,
            .detector = "putty-ppk", .confidence = id.confidence, .bits = id.bits,
            .has_fingerprint = id.has_fingerprint, .encoding = unit == 1 ? "ppk" : "ppk-utf16le",
        };
        memcpy(f.fingerprint, id.fingerprint, sizeof f.fingerprint);
        ds_emit(s, &f);
    }
    OPENSSL_cleanse(st->priv, privlen ? privlen : sizeof st->priv);
    if (unit == 2)
        OPENSSL_cleanse(st->narrow, t.n);
}

static void putty_scan(void *state, ds_scan *s, const uint8_t *buf, size_t own, size_t len,
                       uint64_t base)
{
    putty_state *st = state;
    for (size_t i = 0; (i = ds_anchor_find(&putty_anchor, buf, i, own, len)) < own; i++) {
        size_t left = len - i;
        if (left >= PPK_MAGIC_LEN && memcmp(buf + i, PPK_MAGIC, PPK_MAGIC_LEN) == 0)
            try_ppk(st, s, buf, i, 1, len, base);
        else if (left >= 2 * PPK_MAGIC_LEN && ds_u16_eq(buf + i, PPK_MAGIC, PPK_MAGIC_LEN))
            try_ppk(st, s, buf, i, 2, len, base);
    }
}

static void *putty_open(ds_scan *s, int *err)
{
    (void)s;
    putty_state *st = OPENSSL_zalloc(sizeof *st);
    if (!st)
        *err = ENOMEM;
    return st;
}

static void putty_close(void *state)
{
    OPENSSL_clear_free(state, sizeof(putty_state));
}

const ds_detector ds_detector_putty = {
    .name = "putty",
    .max_span = PUTTY_MAX_SPAN,
    .open = putty_open,
    .scan = putty_scan,
    .close = putty_close,
};

/* ---- components for the echo pass --------------------------------------- */

int ds_putty_components(const uint8_t *p, size_t n, ds_component_fn fn, void *ctx)
{
    unsigned unit = 0;
    if (n > PUTTY_MAX_SPAN)
        return 0;
    if (n >= PPK_MAGIC_LEN && memcmp(p, PPK_MAGIC, PPK_MAGIC_LEN) == 0)
        unit = 1;
    else if (n >= 2 * PPK_MAGIC_LEN && ds_u16_eq(p, PPK_MAGIC, PPK_MAGIC_LEN))
        unit = 2;
    if (!unit)
        return 0;
    putty_state *st = OPENSSL_zalloc(sizeof *st);
    if (!st)
        return -1;
    ds_text t;
    ppk_layout L;
    ds_sshkey k;
    size_t publen = 0, privlen = 0;
    int rc = 0;
    ds_text_view(&t, p, 0, n, unit, st->narrow);
    if (ppk_parse_layout(t.s, t.n, &L) && ds_slice_eq(L.encryption, "none") &&
        ds_b64_decode_body(t.s + L.pub_lo, L.pub_hi - L.pub_lo, st->pub, sizeof st->pub, &publen) &&
        ds_b64_decode_body(t.s + L.priv_lo, L.priv_hi - L.priv_lo, st->priv, sizeof st->priv,
                           &privlen) &&
        ds_ssh_parse_pubblob(st->pub, publen, &k) && ppk_read_private(st->priv, privlen, &k))
        rc = ds_ssh_each_private(&k, fn, ctx);
    OPENSSL_clear_free(st, sizeof *st);
    return rc;
}
