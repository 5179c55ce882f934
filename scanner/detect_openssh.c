/*
 * detect_openssh.c - OpenSSH private keys ("openssh-key-v1"):
 *   armored   -----BEGIN OPENSSH PRIVATE KEY----- ... -----END ...-----
 *             (ASCII or UTF-16LE, LF or CRLF), detector id "openssh-pem";
 *   binary    the decoded structure as ssh/ssh-keygen/ssh-add hold it in
 *             memory, detector id "openssh-binary".
 *
 * Layout (PROTOCOL.key in OpenSSH):
 *   "openssh-key-v1\0" string ciphername, string kdfname, string kdfoptions,
 *   u32 nkeys (1), string publickey, string private-section [AEAD tag]
 * Unencrypted private section: u32 check1, u32 check2 (equal), keytype and
 * private fields, comment, padding 1, 2, 3...  Those keys are verified
 * through verify.c; encrypted ones are LIKELY, named by the public key in
 * the header.  Every finding covers the whole armored block or structure.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "detector.h"
#include "keytext.h"
#include "components.h"
#include "sshwire.h"

/* An armored 16384-bit RSA key is about 12.5 KiB; twice that in UTF-16. */
#define OPENSSH_MAX_SPAN (32u * 1024)

#define MAGIC      "openssh-key-v1"          /* + its NUL: 15 bytes */
#define MAGIC_LEN  15
#define BEGIN      "-----BEGIN "
#define BEGIN_LEN  11
#define ARMOR      "OPENSSH PRIVATE KEY-----"  /* the hit point of the anchor */
#define ARMOR_LEN  24
#define END        "-----END OPENSSH PRIVATE KEY-----"
#define END_LEN    33

/* "openssh" / "OPENSSH": o at 0, n at 3, h at 6, either case, in ASCII or
 * UTF-16LE: one pass finds the binary magic and both armors. */
static const ds_anchor openssh_anchor = {
    3, { 'o', 'n', 'h' }, { 0x20, 0x20, 0x20 }, { 0, 3, 6 }
};

typedef struct {
    uint8_t narrow[OPENSSH_MAX_SPAN / 2];            /* UTF-16LE armor, narrowed */
    uint8_t blob[OPENSSH_MAX_SPAN / 4 * 3 + 4];      /* decoded armor body */
    uint8_t unescaped[OPENSSH_MAX_SPAN];             /* body of an armor inside a JSON string */
} openssh_state;

/* Authentication tag that follows the private section of AEAD ciphers. */
static size_t cipher_taglen(ds_slice cipher)
{
    return (ds_slice_eq(cipher, "chacha20-poly1305@openssh.com") ||
            ds_slice_eq(cipher, "aes128-gcm@openssh.com") ||
            ds_slice_eq(cipher, "aes256-gcm@openssh.com")) ? 16 : 0;
}

/* A cipher name as OpenSSH writes them: short, printable, no blanks. */
static int plausible_name(ds_slice s)
{
    if (s.n == 0 || s.n > 64)
        return 0;
    for (size_t i = 0; i < s.n; i++)
        if (s.p[i] <= ' ' || s.p[i] >= 0x7F)
            return 0;
    return 1;
}

/* One key of an unencrypted private section, in OpenSSH's field order. */
static int read_private_key(ds_sshrd *r, ds_sshkey *k)
{
    ds_slice type, edk;
    if (!ds_ssh_str(r, &type) || !ds_ssh_alg_of(type, k))
        return 0;
    switch (k->alg) {
    case DS_SSH_RSA:   /* n e d iqmp p q */
        return ds_ssh_mpint(r, &k->pub[1]) && ds_ssh_mpint(r, &k->pub[0]) &&
               ds_ssh_mpint(r, &k->priv[0]) && ds_ssh_mpint(r, &k->priv[3]) &&
               ds_ssh_mpint(r, &k->priv[1]) && ds_ssh_mpint(r, &k->priv[2]);
    case DS_SSH_DSA:   /* p q g y x */
    case DS_SSH_ECDSA: /* curve Q d */
        return ds_ssh_read_pub(r, k) && ds_ssh_mpint(r, &k->priv[0]);
    case DS_SSH_ED25519:
        /* A, then k = seed || A: the seed is the private key. */
        if (!ds_ssh_read_pub(r, k) || !ds_ssh_str(r, &edk) || edk.n != 64 ||
            CRYPTO_memcmp(edk.p + 32, k->pub[0].p, 32) != 0)
            return 0;
        k->priv[0].p = edk.p;
        k->priv[0].n = 32;
        return 1;
    default:           /* ssh-ed448 is PuTTY-only; security-key types hold no secret */
        return 0;
    }
}

/* Verify the unencrypted private section; *k gets its fields. */
static int verify_private_section(ds_slice sec, const ds_sshkey *header_key, ds_keyid *id,
                                  ds_sshkey *k)
{
    ds_sshrd r = { sec.p, sec.n };
    uint32_t check1, check2;
    /* check1 == check2 is what OpenSSH itself uses to detect a wrong
     * passphrase; for us it rejects corrupted or misaligned sections. */
    if (!ds_ssh_u32(&r, &check1) || !ds_ssh_u32(&r, &check2) || check1 != check2)
        return 0;
    if (!read_private_key(&r, k) || k->alg != header_key->alg)
        return 0;
    return ds_ssh_verify(k, id);
}

/*
 * Parse the binary structure at p[0, n).  On success *used is its length
 * and id names the key (VERIFIED when unencrypted, LIKELY when encrypted);
 * *key holds the private fields of an unencrypted key (alg UNKNOWN else).
 */
static int parse_openssh_v1(const uint8_t *p, size_t n, size_t *used, ds_keyid *id,
                            ds_sshkey *key)
{
    if (n < MAGIC_LEN || memcmp(p, MAGIC, MAGIC_LEN) != 0)
        return 0;
    ds_sshrd r = { p + MAGIC_LEN, n - MAGIC_LEN };
    ds_slice cipher, kdf, kdfopts, pub, priv;
    uint32_t nkeys;
    ds_sshkey header_key;
    memset(key, 0, sizeof *key);
    /* ssh-keygen only ever writes one key; more would be a crafted file. */
    if (!ds_ssh_str(&r, &cipher) || !ds_ssh_str(&r, &kdf) || !ds_ssh_str(&r, &kdfopts) ||
        !ds_ssh_u32(&r, &nkeys) || nkeys != 1 || !ds_ssh_str(&r, &pub) ||
        !ds_ssh_str(&r, &priv) || !ds_ssh_parse_pubblob(pub.p, pub.n, &header_key))
        return 0;
    if (priv.n == 0 || priv.n % 8 != 0)   /* every cipher's block size is a multiple of 8 */
        return 0;
    if (ds_slice_eq(cipher, "none")) {
        if (!ds_slice_eq(kdf, "none") || kdfopts.n != 0 ||
            !verify_private_section(priv, &header_key, id, key))
            return 0;
    } else {
        size_t tag = cipher_taglen(cipher);
        if (!plausible_name(cipher) || !ds_slice_eq(kdf, "bcrypt") || r.left < tag ||
            !ds_ssh_pub_id(&header_key, id))
            return 0;
        r.left -= tag;
        id->confidence = DS_CONF_LIKELY;
    }
    *used = n - r.left;
    return 1;
}

static void emit(ds_scan *s, uint64_t off, uint64_t len, const char *detector,
                 const char *encoding, const ds_keyid *id)
{
    ds_finding f = {
        .offset = off, .length = len, .kind = DS_KIND_OPENSSH, .detector = detector,
        .confidence = id->confidence, .bits = id->bits, .encoding = encoding,
        .has_fingerprint = id->has_fingerprint,
    };
    memcpy(f.fingerprint, id->fingerprint, sizeof f.fingerprint);
    ds_emit(s, &f);
}

static void try_binary(ds_scan *s, const uint8_t *buf, size_t at, size_t len, uint64_t base)
{
    size_t n = len - at < OPENSSH_MAX_SPAN ? len - at : OPENSSH_MAX_SPAN, used;
    ds_keyid id;
    ds_sshkey key;
    if (parse_openssh_v1(buf + at, n, &used, &id, &key))
        emit(s, base + at, used, "openssh-binary", "binary", &id);
}

/* Decode the armor body s[0, n) into st->blob.  A body with backslashes
 * is an armor pasted into a JSON string or source code ("...KEY-----\n
 * b3Bl...\n"): unescape it first. */
static int decode_armor_body(openssh_state *st, const uint8_t *s, size_t n, size_t *outlen)
{
    if (memchr(s, '\\', n)) {
        n = ds_unescape_b64_text(s, n, st->unescaped);
        s = st->unescaped;
        if (n == (size_t)-1)
            return 0;
    }
    return ds_b64_decode_body(s, n, st->blob, sizeof st->blob, outlen);
}

/* Armor at buf[at] in `unit`-byte code units: find its END line, decode the
 * body, parse the structure inside. */
static void try_armored(openssh_state *st, ds_scan *s, const uint8_t *buf, size_t at,
                        unsigned unit, size_t len, uint64_t base)
{
    size_t hi = len - at < OPENSSH_MAX_SPAN ? len : at + OPENSSH_MAX_SPAN;
    ds_text t;
    ds_text_view(&t, buf, at, hi, unit, st->narrow);
    const size_t body = BEGIN_LEN + ARMOR_LEN;   /* past "-----BEGIN OPENSSH PRIVATE KEY-----" */
    const uint8_t *end = t.n > body ? memmem(t.s + body, t.n - body, END, END_LEN) : NULL;
    size_t outlen = 0, used, body_n = end ? (size_t)(end - t.s) - body : 0;
    ds_keyid id;
    ds_sshkey key;
    if (end && decode_armor_body(st, t.s + body, body_n, &outlen) &&
        parse_openssh_v1(st->blob, outlen, &used, &id, &key) && used == outlen) {
        size_t stop = (size_t)(end - t.s) + END_LEN;
        emit(s, base + at, (uint64_t)stop * unit,
             "openssh-pem", unit == 1 ? "pem" : "pem-utf16le", &id);
    }
    OPENSSL_cleanse(st->blob, outlen ? outlen : sizeof st->blob);
    if (end && memchr(t.s + body, '\\', body_n))
        OPENSSL_cleanse(st->unescaped, body_n);
    if (unit == 2)
        OPENSSL_cleanse(st->narrow, t.n);
}

static void openssh_scan(void *state, ds_scan *s, const uint8_t *buf, size_t own, size_t len,
                         uint64_t base)
{
    openssh_state *st = state;
    /* The anchor sits on "OPENSSH", up to 22 bytes after the start of a
     * UTF-16LE "-----BEGIN ": look that far past own for starts below it. */
    const size_t back16 = 2 * BEGIN_LEN;
    size_t to = len - own > back16 ? own + back16 : len;
    for (size_t i = 0; (i = ds_anchor_find(&openssh_anchor, buf, i, to, len)) < to; i++) {
        size_t left = len - i;
        if (i < own && left >= MAGIC_LEN && memcmp(buf + i, MAGIC, MAGIC_LEN) == 0)
            try_binary(s, buf, i, len, base);
        else if (i >= BEGIN_LEN && i - BEGIN_LEN < own && left >= ARMOR_LEN &&
                 memcmp(buf + i, ARMOR, ARMOR_LEN) == 0 &&
                 memcmp(buf + i - BEGIN_LEN, BEGIN, BEGIN_LEN) == 0)
            try_armored(st, s, buf, i - BEGIN_LEN, 1, len, base);
        else if (i >= back16 && i - back16 < own && left >= 2 * ARMOR_LEN &&
                 ds_u16_eq(buf + i, ARMOR, ARMOR_LEN) &&
                 ds_u16_eq(buf + i - back16, BEGIN, BEGIN_LEN))
            try_armored(st, s, buf, i - back16, 2, len, base);
    }
}

static void *openssh_open(ds_scan *s, int *err)
{
    (void)s;
    openssh_state *st = OPENSSL_zalloc(sizeof *st);
    if (!st)
        *err = ENOMEM;
    return st;
}

static void openssh_close(void *state)
{
    OPENSSL_clear_free(state, sizeof(openssh_state));
}

const ds_detector ds_detector_openssh = {
    .name = "openssh",
    .max_span = OPENSSH_MAX_SPAN,
    .open = openssh_open,
    .scan = openssh_scan,
    .close = openssh_close,
};

/* ---- components for the echo pass --------------------------------------- */

int ds_openssh_components(const uint8_t *p, size_t n, ds_component_fn fn, void *ctx)
{
    openssh_state *st = NULL;
    const uint8_t *blob = p;
    size_t bloblen = n, used, outlen = 0;
    unsigned unit = 0;
    ds_keyid id;
    ds_sshkey key;
    int rc = 0;
    if (n > OPENSSH_MAX_SPAN)
        return 0;
    if (n >= BEGIN_LEN && memcmp(p, BEGIN, BEGIN_LEN) == 0)
        unit = 1;
    else if (n >= 2 * BEGIN_LEN && ds_u16_eq(p, BEGIN, BEGIN_LEN))
        unit = 2;
    if (unit) {
        if (!(st = OPENSSL_zalloc(sizeof *st)))
            return -1;
        ds_text t;
        ds_text_view(&t, p, 0, n, unit, st->narrow);
        const size_t body = BEGIN_LEN + ARMOR_LEN;
        const uint8_t *end = t.n > body ? memmem(t.s + body, t.n - body, END, END_LEN) : NULL;
        if (!end || !decode_armor_body(st, t.s + body, (size_t)(end - t.s) - body, &outlen))
            goto out;
        blob = st->blob;
        bloblen = outlen;
    }
    if (parse_openssh_v1(blob, bloblen, &used, &id, &key) && key.alg != DS_SSH_UNKNOWN)
        rc = ds_ssh_each_private(&key, fn, ctx);
out:
    OPENSSL_clear_free(st, st ? sizeof *st : 0);
    return rc;
}
