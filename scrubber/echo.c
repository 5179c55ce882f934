/*
 * echo.c - every other copy of a key already found.
 *
 * Structure detectors find a key by its structure (a DER header, PEM
 * armor).  A process also leaves fragments: a freed buffer whose first
 * bytes malloc overwrote with its list pointers, a stack temporary holding
 * one prime, BIGNUM limbs.  No structure is left to find them by, but once
 * a key has been found its private components are known: this pass takes
 * them from the findings (parsing the finding's own bytes: DER, PEM, a
 * Windows CAPI/CNG key blob, or through the OpenSSH, PuTTY and JWK
 * detectors' parsers, components.h) and searches the whole dump for any
 * run of 16 bytes or more of any of them, big-endian, little-endian
 * (BIGNUM limbs on little-endian machines), as hex text, or as base64 /
 * base64url at each alignment (the body of a key file whose header is
 * gone).  Such runs become findings ("echo") and are scrubbed too.
 *
 * Search: every 16-byte substring of every needle is indexed (a few
 * thousand for an RSA-2048 key), so the dump needs looking at only every
 * 8th offset: a fragment of 23 bytes or more has an 8-aligned start with 16
 * of its bytes after it.  A bitmap of 2^20 bits keyed by a hash of the
 * first 4 bytes (128 KiB) rejects almost every position; survivors go to a
 * hash chain, a full compare, and the run is extended both ways.  A 16-byte
 * exact match of a secret is not a coincidence.
 */
#include "scrub.h"
#include "components.h"
#include "der.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define W 16
#define ECHO_RAW_MAX 4096        /* longest verified finding taken as raw bytes */
#define STRIDE 8                 /* a fragment of W + STRIDE - 1 bytes is never missed */
#define BUCKET_BITS 12
#define BITMAP_BITS 20

typedef struct {
    uint8_t *bytes;          /* the secret run (cleansed on free) */
    size_t len;
    const char *encoding;    /* "raw-be", "raw-le", "hex", "HEX", "base64", "base64url",
                              * the four text forms also with "-utf16le" */
    ds_finding like;         /* kind, confidence, bits, fingerprint of its key */
} needle;

typedef struct {
    uint32_t needle, pos, next;   /* next: index+1 in the bucket chain, 0 ends */
} window;

struct ds_echo {
    needle *n;
    size_t nn, ncap;
    window *w;
    size_t nw, wcap;
    uint32_t bucket[1u << BUCKET_BITS];
    uint64_t bitmap[(1u << BITMAP_BITS) / 64];
    size_t keys;
    uint8_t (*fps)[32];           /* fingerprints of the keys taken */
    size_t nfps;
};

ds_echo *ds_echo_new(void)
{
    return calloc(1, sizeof(ds_echo));
}

void ds_echo_free(ds_echo *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nn; i++) {
        OPENSSL_cleanse(e->n[i].bytes, e->n[i].len);
        free(e->n[i].bytes);
    }
    free(e->n);
    free(e->w);
    free(e->fps);
    free(e);
}

size_t ds_echo_keys(const ds_echo *e)
{
    return e ? e->keys : 0;
}

/* 32 bits of hash of the first 4 bytes: the bitmap takes the top 20, the
 * buckets the top 12. */
static uint32_t h4(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v * 2654435761u;
}

/* Number of distinct byte values among the W bytes at p. */
static unsigned distinct16(const uint8_t *p)
{
    uint64_t seen[4] = { 0 };
    unsigned n = 0;
    for (int i = 0; i < W; i++) {
        uint64_t bit = 1ull << (p[i] & 63);
        if (!(seen[p[i] >> 6] & bit)) {
            seen[p[i] >> 6] |= bit;
            n++;
        }
    }
    return n;
}

static int is_hex(const char *encoding)
{
    return encoding[0] == 'h' || encoding[0] == 'H';
}

static int is_b64(const char *encoding)
{
    return encoding[0] == 'b';
}

static int is_utf16(const char *encoding)
{
    return strstr(encoding, "utf16") != NULL;
}

static int add_window(ds_echo *e, uint32_t ni, uint32_t pos)
{
    const uint8_t *p = e->n[ni].bytes + pos;
    /* A window starting with 4 equal bytes (zeros, 0xff, "0000") would send
     * every such page to the slow path: its neighbours catch the fragment. */
    if (p[0] == p[1] && p[1] == p[2] && p[2] == p[3])
        return 0;
    /* Only a window with the variety of random bytes proves a copy of the
     * secret: a damaged key (a stack copy half zeroed, read as a 32-byte
     * X25519 key) has windows of zeros and pointers that match everywhere,
     * and after a scrub with zeros or a --fill pattern they would match the
     * scrubbed bytes themselves.  16 random bytes have fewer than 10
     * distinct values with odds below 1e-6, 16 hex digits fewer than 6
     * with odds of 1e-5, 16 base64 digits fewer than 8 below 1e-6; the
     * neighbouring windows catch such a fragment. */
    const char *enc = e->n[ni].encoding;
    unsigned need = is_utf16(enc) ? 5u : is_hex(enc) ? 6u : is_b64(enc) ? 8u : 10u;
    if (distinct16(p) < need)   /* UTF-16LE: 8 characters and their zero bytes; */
        return 0;               /* fewer than 4 distinct: 1e-3 for hex */
    if (e->nw == e->wcap) {
        size_t cap = e->wcap ? e->wcap * 2 : 256;
        window *v = realloc(e->w, cap * sizeof *v);
        if (!v)
            return -1;
        e->w = v;
        e->wcap = cap;
    }
    uint32_t h = h4(p), b = h >> (32 - BUCKET_BITS), m = h >> (32 - BITMAP_BITS);
    e->w[e->nw] = (window){ ni, pos, e->bucket[b] };
    e->bucket[b] = (uint32_t)++e->nw;
    e->bitmap[m >> 6] |= 1ull << (m & 63);
    return 0;
}

static int add_needle(ds_echo *e, const uint8_t *p, size_t len, const char *enc,
                      const ds_finding *like)
{
    if (len < W)
        return 0;
    if (e->nn == e->ncap) {
        size_t cap = e->ncap ? e->ncap * 2 : 16;
        needle *v = realloc(e->n, cap * sizeof *v);
        if (!v)
            return -1;
        e->n = v;
        e->ncap = cap;
    }
    uint8_t *copy = malloc(len);
    if (!copy)
        return -1;
    memcpy(copy, p, len);
    needle *nd = &e->n[e->nn];
    nd->bytes = copy;
    nd->len = len;
    nd->encoding = enc;
    nd->like = *like;
    uint32_t ni = (uint32_t)e->nn++;
    for (size_t pos = 0; pos + W <= len; pos++)
        if (add_window(e, ni, (uint32_t)pos) < 0)
            return -1;
    return 0;
}

/* A text form of a component, as ASCII and as UTF-16LE (how .NET and
 * Windows programs hold strings: an RSAKeyValue XML, a JWK, a PEM). */
static int add_text_needle(ds_echo *e, const uint8_t *s, size_t n, const char *enc,
                           const char *enc16, const ds_finding *like)
{
    int rc = add_needle(e, s, n, enc, like);
    uint8_t *w = rc ? NULL : calloc(n ? 2 * n : 1, 1);
    if (rc || !w)
        return -1;
    for (size_t i = 0; i < n; i++)
        w[2 * i] = s[i];
    rc = add_needle(e, w, 2 * n, enc16, like);
    OPENSSL_cleanse(w, 2 * n);
    free(w);
    return rc;
}

/*
 * The component inside a longer base64 text (a PEM or OpenSSH body, PuTTY
 * Private-Lines, a JWK member): its characters depend on where it starts
 * within a 3-byte group.  For each start a = 0, 1, 2, encode a zero bytes
 * + the component (OpenSSL's encoder), cut to whole groups, and drop the
 * first 0, 2 or 3 characters, which mix in the bytes before it; the same
 * characters in the URL-safe alphabet are the base64url needle.
 */
static int add_base64(ds_echo *e, const uint8_t *be, size_t len, const ds_finding *like)
{
    size_t cap = (len + 2) / 3 * 4 + 4;
    uint8_t *in = OPENSSL_malloc(len + 2), *enc = OPENSSL_malloc(cap);
    int rc = in && enc ? 0 : -1;
    for (size_t a = 0; a < 3 && rc == 0; a++) {
        memset(in, 0, a);
        memcpy(in + a, be, len);
        size_t n = (size_t)EVP_EncodeBlock(enc, in, (int)((a + len) / 3 * 3));
        size_t skip = a == 0 ? 0 : a + 1;
        if (n <= skip)
            continue;
        rc = add_text_needle(e, enc + skip, n - skip, "base64", "base64-utf16le", like);
        for (size_t i = skip; i < n; i++)
            enc[i] = enc[i] == '+' ? '-' : enc[i] == '/' ? '_' : enc[i];
        if (rc == 0)
            rc = add_text_needle(e, enc + skip, n - skip, "base64url", "base64url-utf16le", like);
    }
    OPENSSL_clear_free(in, len + 2);
    OPENSSL_clear_free(enc, cap);
    return rc;
}

/* One component: big-endian, little-endian, hex in both cases, base64 in
 * both alphabets. */
static int add_component(ds_echo *e, const uint8_t *be, size_t len, const ds_finding *like)
{
    static const char hx[] = "0123456789abcdef", HX[] = "0123456789ABCDEF";
    uint8_t *tmp = malloc(2 * len);
    if (!tmp)
        return -1;
    int rc = add_needle(e, be, len, "raw-be", like);
    for (size_t i = 0; i < len; i++)
        tmp[i] = be[len - 1 - i];
    if (!rc)
        rc = add_needle(e, tmp, len, "raw-le", like);
    for (size_t i = 0; i < len; i++) {
        tmp[2 * i] = (uint8_t)hx[be[i] >> 4];
        tmp[2 * i + 1] = (uint8_t)hx[be[i] & 15];
    }
    if (!rc)
        rc = add_text_needle(e, tmp, 2 * len, "hex", "hex-utf16le", like);
    for (size_t i = 0; i < len; i++) {
        tmp[2 * i] = (uint8_t)HX[be[i] >> 4];
        tmp[2 * i + 1] = (uint8_t)HX[be[i] & 15];
    }
    if (!rc)
        rc = add_text_needle(e, tmp, 2 * len, "HEX", "HEX-utf16le", like);
    OPENSSL_cleanse(tmp, 2 * len);
    free(tmp);
    if (!rc)
        rc = add_base64(e, be, len, like);
    return rc;
}

/* ---- the key behind a finding -------------------------------------------- */

static EVP_PKEY *key_of(const uint8_t *p, size_t n)
{
    const unsigned char *q = p;
    EVP_PKEY *k = d2i_AutoPrivateKey(NULL, &q, (long)n);
    if (k || n > (1u << 20))
        return k;
    uint8_t *der = malloc(n);
    if (!der)
        return NULL;
    long len = ds_pem_block_der(p, n, der, n);
    if (len > 0) {
        q = der;
        k = d2i_AutoPrivateKey(NULL, &q, len);
    }
    OPENSSL_cleanse(der, n);
    free(der);
    return k;
}

/* ---- Windows key blobs: the private fields by their layout ---------------- */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Add field [off, off+len) of the blob (little-endian if le) as a component. */
static int blob_field(ds_echo *e, const uint8_t *p, size_t n, size_t off, size_t len, int le,
                      const ds_finding *like, int *added)
{
    if (len < W || len > 1024 || off > n || len > n - off)
        return 0;
    uint8_t be[1024];
    for (size_t i = 0; i < len; i++)
        be[i] = le ? p[off + len - 1 - i] : p[off + i];
    size_t skip = 0;
    while (skip < len && !be[skip])
        skip++;
    int rc = add_component(e, be + skip, len - skip, like);
    OPENSSL_cleanse(be, sizeof be);
    (*added)++;
    return rc;
}

static int add_bn(ds_echo *e, const BIGNUM *bn, const ds_finding *like, int *added)
{
    uint8_t buf[1024];
    int len = BN_num_bytes(bn);
    if (len <= 0 || (size_t)len > sizeof buf)
        return 0;
    BN_bn2bin(bn, buf);
    int rc = add_component(e, buf, (size_t)len, like);
    OPENSSL_cleanse(buf, sizeof buf);
    (*added)++;
    return rc;
}

/* A CNG RSA2 blob holds only e, n, p, q: a process that built it from a
 * full key (or will use it) also holds d, dp, dq, qinv.  Derive them, d
 * both modulo phi(n) (older OpenSSL, most libraries) and lambda(n). */
static int rsa_derive(ds_echo *e, const uint8_t *eb, size_t el, const uint8_t *pb, size_t pl,
                      const uint8_t *qb, size_t ql, const ds_finding *like, int *added)
{
    BN_CTX *ctx = BN_CTX_secure_new();
    BIGNUM *E = BN_bin2bn(eb, (int)el, NULL), *P = BN_secure_new(), *Q = BN_secure_new();
    BIGNUM *p1 = BN_secure_new(), *q1 = BN_secure_new(), *phi = BN_secure_new();
    BIGNUM *g = BN_secure_new(), *lam = BN_secure_new(), *d = BN_secure_new();
    BIGNUM *t = BN_secure_new();
    int rc = 0;
    if (!ctx || !E || !P || !Q || !p1 || !q1 || !phi || !g || !lam || !d || !t ||
        !BN_bin2bn(pb, (int)pl, P) || !BN_bin2bn(qb, (int)ql, Q) ||
        !BN_sub(p1, P, BN_value_one()) || !BN_sub(q1, Q, BN_value_one()) ||
        !BN_mul(phi, p1, q1, ctx) || !BN_gcd(g, p1, q1, ctx) || !BN_div(lam, NULL, phi, g, ctx))
        goto out;
    const BIGNUM *mods[2] = { phi, lam };
    for (int i = 0; i < 2 && rc == 0; i++) {
        if (!BN_mod_inverse(d, E, mods[i], ctx))
            continue;
        rc = add_bn(e, d, like, added);
        if (rc == 0 && BN_mod(t, d, p1, ctx))
            rc = add_bn(e, t, like, added);             /* dp */
        if (rc == 0 && BN_mod(t, d, q1, ctx))
            rc = add_bn(e, t, like, added);             /* dq */
    }
    if (rc == 0 && BN_mod_inverse(t, Q, P, ctx))
        rc = add_bn(e, t, like, added);                 /* qinv */
out:
    BN_free(E);
    BN_clear_free(P);
    BN_clear_free(Q);
    BN_clear_free(p1);
    BN_clear_free(q1);
    BN_clear_free(phi);
    BN_clear_free(g);
    BN_clear_free(lam);
    BN_clear_free(d);
    BN_clear_free(t);
    BN_CTX_free(ctx);
    return rc;
}

/* CAPI PRIVATEKEYBLOB (also inside a PVK file), CNG BCRYPT_RSAKEY_BLOB
 * (RSA2/RSA3) and BCRYPT_ECCKEY_BLOB (private magics): layouts from
 * wincrypt.h / bcrypt.h.  Only private fields become components: the
 * modulus and the public point are public and may rightly appear
 * elsewhere (certificates). */
static int blob_components(ds_echo *e, const uint8_t *p, size_t n, const ds_finding *like,
                           int *added)
{
    int rc = 0;
    if (n >= 24 && le32(p) == 0xb0b5f11eu) {        /* PVK: a 24-byte header, then CAPI */
        p += 24;
        n -= 24;
    }
    if (n >= 20 && p[0] == 0x07 && p[1] == 0x02 && !memcmp(p + 8, "RSA2", 4)) {
        size_t bytes = le32(p + 12) / 8, half = bytes / 2, off = 20 + bytes;
        if (bytes < 64 || bytes > 1024)
            return 0;
        for (int i = 0; i < 5 && rc == 0; i++, off += half)   /* p q dp dq qinv */
            rc = blob_field(e, p, n, off, half, 1, like, added);
        if (rc == 0)
            rc = blob_field(e, p, n, off, bytes, 1, like, added);   /* d */
        return rc;
    }
    if (n >= 24 && (!memcmp(p, "RSA2", 4) || !memcmp(p, "RSA3", 4))) {
        size_t cbe = le32(p + 8), cbn = le32(p + 12), cbp = le32(p + 16), cbq = le32(p + 20);
        if (cbe > 16 || cbn > 1024 || cbp > 1024 || cbq > 1024)
            return 0;
        size_t off = 24 + cbe + cbn;
        rc = blob_field(e, p, n, off, cbp, 0, like, added);
        if (rc == 0)
            rc = blob_field(e, p, n, off + cbp, cbq, 0, like, added);
        if (rc == 0 && !memcmp(p, "RSA3", 4)) {
            off += cbp + cbq;
            size_t lens[4] = { cbp, cbq, cbp, cbn };               /* dp dq qinv d */
            for (int i = 0; i < 4 && rc == 0; off += lens[i], i++)
                rc = blob_field(e, p, n, off, lens[i], 0, like, added);
        } else if (rc == 0 && 24 + cbe + cbn + cbp + cbq <= n && cbp && cbq) {
            rc = rsa_derive(e, p + 24, cbe, p + 24 + cbe + cbn, cbp, p + 24 + cbe + cbn + cbp, cbq,
                            like, added);
        }
        return rc;
    }
    if (n >= 8 && (!memcmp(p, "ECS", 3) || !memcmp(p, "ECK", 3)) &&
        (p[3] == '2' || p[3] == '4' || p[3] == '6')) {
        size_t cb = le32(p + 4);
        if (cb < 16 || cb > 66)
            return 0;
        return blob_field(e, p, n, 8 + 2 * cb, cb, 0, like, added);  /* d after X, Y */
    }
    return 0;
}

/* ---- OpenSSH, PuTTY, JWK: through their detectors' parsers ---------------- */

typedef struct {
    ds_echo *e;
    const ds_finding *like;
} text_ctx;

static int text_component(void *ctx, const uint8_t *be, size_t len)
{
    text_ctx *c = ctx;
    return add_component(c->e, be, len, c->like);
}

static int text_components(ds_echo *e, const uint8_t *p, size_t n, const ds_finding *like,
                           int *added)
{
    static int (*const parsers[])(const uint8_t *, size_t, ds_component_fn, void *) = {
        ds_openssh_components, ds_putty_components, ds_jwk_components,
    };
    text_ctx c = { e, like };
    for (size_t i = 0; i < sizeof parsers / sizeof parsers[0]; i++) {
        int got = parsers[i](p, n, text_component, &c);
        if (got != 0) {
            *added += got > 0 ? got : 0;
            return got < 0 ? -1 : 0;
        }
    }
    return 0;
}

int ds_echo_add_finding(ds_echo *e, const uint8_t *dump, size_t dump_len, const ds_finding *f)
{
    if (f->offset >= dump_len || f->length > dump_len - f->offset)
        return 0;
    if (f->has_fingerprint)
        for (size_t i = 0; i < e->nfps; i++)
            if (!memcmp(e->fps[i], f->fingerprint, 32))
                return 0;   /* this key's components are already in */
    ds_finding like = *f;
    like.detector = "echo";
    like.has_vaddr = 0;
    like.region = NULL;
    int rc = 0, added = 0;
    EVP_PKEY *k = key_of(dump + f->offset, (size_t)f->length);
    if (!k) {
        rc = blob_components(e, dump + f->offset, (size_t)f->length, &like, &added);
        if (rc == 0 && !added)
            rc = text_components(e, dump + f->offset, (size_t)f->length, &like, &added);
        goto done;
    }
    static const char *const names[] = {
        OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
        OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
        OSSL_PKEY_PARAM_RSA_COEFFICIENT1, OSSL_PKEY_PARAM_PRIV_KEY, NULL
    };
    uint8_t buf[1024];
    for (size_t i = 0; names[i] && rc == 0; i++) {
        BIGNUM *bn = NULL;
        if (!EVP_PKEY_get_bn_param(k, names[i], &bn))
            continue;
        int len = BN_num_bytes(bn);
        if (len > 0 && (size_t)len <= sizeof buf) {
            BN_bn2bin(bn, buf);
            rc = add_component(e, buf, (size_t)len, &like);
            added++;
        }
        BN_clear_free(bn);
    }
    size_t rlen = sizeof buf;
    if (rc == 0 && !added && EVP_PKEY_get_raw_private_key(k, buf, &rlen) == 1) {
        rc = add_component(e, buf, rlen, &like);
        added++;
    }
    OPENSSL_cleanse(buf, sizeof buf);
    EVP_PKEY_free(k);
done:
    if (rc == 0 && !added && f->confidence == DS_CONF_VERIFIED && f->length >= W &&
        f->length <= ECHO_RAW_MAX) {
        /* Nothing to parse (BIGNUM limbs, an AES key schedule, a SymCrypt
         * object): the verified bytes themselves are the secret whose
         * copies must go.  No fingerprint is recorded: the other
         * components of the same key are other findings. */
        rc = add_component(e, dump + f->offset, (size_t)f->length, &like);
        if (rc == 0)
            e->keys++;
        return rc;
    }
    if (rc == 0 && added) {
        e->keys++;
        if (f->has_fingerprint) {
            uint8_t (*v)[32] = realloc(e->fps, (e->nfps + 1) * sizeof *v);
            if (!v)
                return -1;
            e->fps = v;
            memcpy(e->fps[e->nfps++], f->fingerprint, 32);
        }
    }
    return rc;
}

/* ---- search ------------------------------------------------------------------ */

/*
 * A base64 copy is part of a longer text: an armored key whose header a
 * freed stdio buffer lost, its lines broken every 64 or 70 characters.
 * The component's own characters are only part of it, and the rest
 * (other components, the ends of lines too short to match) is key
 * material too: widen the run to the whole base64 text around it, line
 * breaks included, at most B64_REACH bytes each way.
 */
#define B64_REACH 65536u

/* Both alphabets: a 16-character window without '+', '/', '-' or '_'
 * matches the standard and the URL-safe needle alike, so which one
 * reported it says nothing about the text around it. */
static int b64_char(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '=' || c == '+' || c == '/' || c == '-' || c == '_';
}

static int line_break(uint8_t c)
{
    return c == '\n' || c == '\r';
}

/* A base64 character or a line break in the code unit at buf[i]: one byte,
 * or two in UTF-16LE (the high byte zero). */
static int b64_unit(const uint8_t *buf, size_t i, unsigned unit)
{
    return (unit == 1 || buf[i + 1] == 0) && (b64_char(buf[i]) || line_break(buf[i]));
}

static void widen_base64(const uint8_t *buf, size_t len, unsigned unit, size_t *a, size_t *b)
{
    size_t lo = *a > B64_REACH ? *a - B64_REACH : 0, hi = len - *b > B64_REACH ? *b + B64_REACH : len;
    while (*a >= lo + unit && b64_unit(buf, *a - unit, unit))
        *a -= unit;
    while (*b + unit <= hi && b64_unit(buf, *b, unit))
        *b += unit;
    /* Line breaks at the edges belong to the text around it. */
    while (*a + unit <= *b && line_break(buf[*a]))
        *a += unit;
    while (*b >= *a + unit && line_break(buf[*b - unit]))
        *b -= unit;
}

int ds_echo_scan(const ds_echo *e, const uint8_t *buf, size_t len, const ds_dump *d,
                 const ds_spans *skip, ds_findings *out)
{
    if (!e || !e->nw || len < W)
        return 0;
    for (size_t i = 0; i + W <= len; i += STRIDE) {
        uint32_t h = h4(buf + i), m = h >> (32 - BITMAP_BITS);
        if (!(e->bitmap[m >> 6] >> (m & 63) & 1))
            continue;
        for (uint32_t k = e->bucket[h >> (32 - BUCKET_BITS)]; k; k = e->w[k - 1].next) {
            const window *w = &e->w[k - 1];
            const needle *nd = &e->n[w->needle];
            if (memcmp(buf + i, nd->bytes + w->pos, W) != 0)
                continue;
            size_t a = i, b = i + W, pa = w->pos, pb = w->pos + W;
            while (a > 0 && pa > 0 && buf[a - 1] == nd->bytes[pa - 1])
                a--, pa--;
            while (b < len && pb < nd->len && buf[b] == nd->bytes[pb])
                b++, pb++;
            if (is_b64(nd->encoding))
                widen_base64(buf, len, is_utf16(nd->encoding) ? 2 : 1, &a, &b);
            if (!ds_spans_contain(skip, a, b)) {
                ds_finding f = nd->like;
                f.offset = a;
                f.length = b - a;
                f.encoding = nd->encoding;
                const ds_region *r = d ? ds_dump_region_at(d, a) : NULL;
                if (r) {
                    f.region = r->label;
                    if (r->has_vaddr) {
                        f.has_vaddr = 1;
                        f.vaddr = r->vaddr + (a - r->file_off);
                    }
                }
                if (ds_findings_push(out, &f) < 0)
                    return -1;
            }
            /* Go on at the first grid offset at or past the run's end (the
             * loop adds STRIDE; b >= i + W keeps this ahead of i). */
            i = (b + STRIDE - 1) / STRIDE * STRIDE - STRIDE;
            break;
        }
    }
    return 0;
}

/* ---- raw secret bytes (the crash hook) ------------------------------------- */

int ds_echo_add_raw(ds_echo *e, const uint8_t *p, size_t n, const ds_finding *f)
{
    if (n < W)
        return 0;
    ds_finding like = *f;
    like.detector = "echo";
    like.has_vaddr = 0;
    like.region = NULL;
    /* Both byte orders and hex, as for a parsed key's components. */
    int rc = add_component(e, p, n, &like);
    if (rc == 0)
        e->keys++;
    return rc;
}
