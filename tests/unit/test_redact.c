/*
 * test_redact.c - the redaction plan and the copy: spans merged and
 * clipped, fill patterns in phase across chunk boundaries, copy with holes,
 * the temp-name pattern, and the echo search for key fragments.
 */
#include "check.h"
#include "scrub.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

static ds_finding mk(uint64_t off, uint64_t len, ds_confidence c)
{
    ds_finding f;
    memset(&f, 0, sizeof f);
    f.offset = off;
    f.length = len;
    f.kind = DS_KIND_RSA;
    f.detector = "test";
    f.confidence = c;
    return f;
}

static void test_spans(void)
{
    ds_finding v[] = { mk(100, 10, DS_CONF_VERIFIED), mk(50, 10, DS_CONF_LIKELY),
                       mk(105, 20, DS_CONF_LIKELY), mk(125, 5, DS_CONF_LIKELY),
                       mk(300, 10, DS_CONF_POSSIBLE), mk(990, 100, DS_CONF_VERIFIED) };
    ds_findings f = { v, 6, 6 };
    ds_spans s;
    CHECK("spans: build", ds_spans_build(&s, &f, DS_CONF_LIKELY, 1000) == 0);
    CHECK_EQ_U64("spans: possible dropped, overlaps and touching merged", 3, s.n);
    CHECK("spans: sorted", s.v[0].off == 50 && s.v[0].len == 10);
    CHECK("spans: [100,110)+[105,125)+[125,130) = [100,130)", s.v[1].off == 100 && s.v[1].len == 30);
    CHECK("spans: clipped at the file's end", s.v[2].off == 990 && s.v[2].len == 10);
    CHECK_EQ_U64("spans: bytes", 50, ds_spans_bytes(&s));
    ds_spans_free(&s);
}

static void test_fill(void)
{
    ds_fill f;
    char hex[2 * DS_FILL_MAX + 1];
    CHECK("fill: parse deadbeef", ds_fill_parse(&f, "deadbeef") == 0 && f.n == 4 && f.b[0] == 0xde);
    ds_fill_hex(&f, hex);
    CHECK("fill: hex round trip", !strcmp(hex, "deadbeef"));
    CHECK("fill: 0x prefix", ds_fill_parse(&f, "0xCC") == 0 && f.n == 1 && f.b[0] == 0xcc);
    CHECK("fill: odd length refused", ds_fill_parse(&f, "abc") < 0);
    CHECK("fill: non-hex refused", ds_fill_parse(&f, "zz") < 0);
    CHECK("fill: empty refused", ds_fill_parse(&f, "") < 0);
    CHECK("fill: 33 bytes refused",
          ds_fill_parse(&f, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20") < 0);

    /* The same result whole or in chunks of any size: the pattern's phase
     * follows the span, not the buffer. */
    uint8_t whole[4096], chunked[4096];
    for (size_t i = 0; i < sizeof whole; i++)
        whole[i] = chunked[i] = (uint8_t)(i * 7 + 1);
    ds_finding v[] = { mk(10, 1000, DS_CONF_VERIFIED), mk(2000, 7, DS_CONF_VERIFIED),
                       mk(3000, 1096, DS_CONF_VERIFIED) };
    ds_findings fs = { v, 3, 3 };
    ds_spans s;
    ds_spans_build(&s, &fs, DS_CONF_LIKELY, sizeof whole);
    ds_fill_parse(&f, "a1b2c3");
    size_t cur = 0;
    ds_redact_buf(whole, sizeof whole, 0, &s, &cur, &f);
    cur = 0;
    for (size_t off = 0, step = 1; off < sizeof chunked; off += step, step = step * 3 % 97 + 1) {
        size_t n = off + step > sizeof chunked ? sizeof chunked - off : step;
        ds_redact_buf(chunked + off, n, off, &s, &cur, &f);
    }
    CHECK("fill: chunked redaction = whole redaction", !memcmp(whole, chunked, sizeof whole));
    CHECK("fill: span starts with the pattern", whole[10] == 0xa1 && whole[11] == 0xb2 && whole[12] == 0xc3);
    CHECK("fill: pattern restarts per span", whole[2000] == 0xa1 && whole[3000] == 0xa1);
    CHECK("fill: bytes outside spans untouched", whole[9] == (uint8_t)(9 * 7 + 1) &&
          whole[1010] == (uint8_t)(1010 * 7 + 1) && whole[2007] == (uint8_t)(2007 * 7 + 1));
    ds_spans_free(&s);
}

static void test_copy(void)
{
    char in[] = "/tmp/test_redact.in.XXXXXX", out[] = "/tmp/test_redact.out.XXXXXX";
    int fi = mkstemp(in), fo = mkstemp(out);
    uint8_t buf[300000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i % 251 + 1);
    /* A hole in the middle: [100000, 200000) never written. */
    ssize_t w1 = pwrite(fi, buf, 100000, 0), w2 = pwrite(fi, buf + 200000, 100000, 200000);
    CHECK("copy: input written", w1 == 100000 && w2 == 100000);
    ds_finding v[] = { mk(99990, 20, DS_CONF_VERIFIED), mk(150000, 10, DS_CONF_VERIFIED),
                       mk(299995, 5, DS_CONF_VERIFIED) };
    ds_findings fs = { v, 3, 3 };
    ds_spans s;
    ds_spans_build(&s, &fs, DS_CONF_LIKELY, sizeof buf);
    ds_fill f;
    ds_fill_parse(&f, "ee");
    char err[256];
    CHECK("copy: ok", ds_redact_copy_file(fi, sizeof buf, &s, &f, fo, err, sizeof err) == 0);
    uint8_t got[300000];
    CHECK("copy: size", pread(fo, got, sizeof got, 0) == (ssize_t)sizeof got);
    int ok = 1;
    for (size_t i = 0; i < sizeof got; i++) {
        uint8_t want = (i >= 100000 && i < 200000) ? 0 : buf[i];
        if ((i >= 99990 && i < 100010) || (i >= 150000 && i < 150010) || i >= 299995)
            want = 0xee;
        if (got[i] != want) {
            ok = 0;
            printf("  byte %zu: %02x, want %02x\n", i, got[i], want);
            break;
        }
    }
    CHECK("copy: spans filled (also inside the hole), the rest identical", ok);
    ds_spans_free(&s);
    close(fi);
    close(fo);
    unlink(in);
    unlink(out);
}

static void test_names(void)
{
    CHECK("temp name: ours", ds_safe_is_temp_name(".core.1.dumpscrub-aB3xY9"));
    CHECK("temp name: not hidden", !ds_safe_is_temp_name("core.dumpscrub-aB3xY9"));
    CHECK("temp name: wrong suffix length", !ds_safe_is_temp_name(".core.dumpscrub-aB3x"));
    CHECK("temp name: not alnum", !ds_safe_is_temp_name(".core.dumpscrub-aB3x-9"));
    CHECK("temp name: no base name", !ds_safe_is_temp_name(".dumpscrub-aB3xY9"));
}

/* Fragments of a key's components anywhere: found; the key's own DER
 * (a known span) skipped. */
static void test_echo(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    CHECK("echo: keygen", k != NULL);
    if (!k)
        return;
    unsigned char *der = NULL;
    int dlen = i2d_PrivateKey(k, &der);
    static uint8_t dump[200000];
    memset(dump, 0x41, sizeof dump);
    memcpy(dump + 1000, der, (size_t)dlen);
    /* A fragment of 30 bytes from the end of the DER (the CRT coefficient),
     * no header left to find it by. */
    memcpy(dump + 50000, der + dlen - 40, 30);
    /* Little-endian limbs of the same stretch: reversed bytes. */
    for (int i = 0; i < 64; i++)
        dump[90000 + i] = der[dlen - 1 - i];
    ds_finding f = mk(1000, (uint64_t)dlen, DS_CONF_VERIFIED);
    ds_echo *e = ds_echo_new();
    CHECK("echo: key parsed from its DER", ds_echo_add_finding(e, dump, sizeof dump, &f) == 0 &&
          ds_echo_keys(e) == 1);
    ds_findings fs = { &f, 1, 1 }, out = { 0 };
    ds_spans known;
    ds_spans_build(&known, &fs, DS_CONF_LIKELY, sizeof dump);
    CHECK("echo: scan", ds_echo_scan(e, dump, sizeof dump, NULL, &known, &out) == 0);
    int frag = 0, le = 0, inside = 0;
    for (size_t i = 0; i < out.n; i++) {
        if (out.v[i].offset >= 50000 && out.v[i].offset + out.v[i].length <= 50030)
            frag = 1;
        if (out.v[i].offset >= 90000 && out.v[i].offset < 90064 && !strcmp(out.v[i].encoding, "raw-le"))
            le = 1;
        if (out.v[i].offset >= 1000 && out.v[i].offset < 1000 + (uint64_t)dlen)
            inside = 1;
    }
    CHECK("echo: a 30-byte fragment without its header is found", frag);
    CHECK("echo: little-endian copy found", le);
    CHECK("echo: the known span itself is not reported again", !inside);
    ds_findings_free(&out);
    ds_spans_free(&known);
    ds_echo_free(e);
    OPENSSL_clear_free(der, (size_t)dlen);
    EVP_PKEY_free(k);
}

/* base64 of p[0, n) in lines of 64 characters (the PEM layout), URL-safe
 * alphabet without padding and lines when url is set; returns the length. */
static size_t b64_lines(const uint8_t *p, size_t n, char *out, int url)
{
    static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *a = url ? safe : std;
    size_t o = 0, col = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        size_t chars = n - i >= 3 ? 4 : n - i + 1;
        for (size_t j = 0; j < 4; j++) {
            if (j < chars)
                out[o++] = a[v >> (18 - 6 * j) & 63];
            else if (!url)
                out[o++] = '=';
            if (!url && ++col == 64) {
                out[o++] = '\n';
                col = 0;
            }
        }
    }
    if (!url && col)
        out[o++] = '\n';
    return o;
}

/* The body of an armored key whose header a freed stdio buffer lost: its
 * components in base64 at whatever alignment, lines broken every 64
 * characters.  Found through the key's other copy, widened to the whole
 * text; the same for a JWK member (base64url) found through a JWK. */
static void test_echo_base64(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    CHECK("echo base64: keygen", k != NULL);
    if (!k)
        return;
    unsigned char *der = NULL;
    int dlen = i2d_PrivateKey(k, &der);
    static uint8_t dump[300000];
    static char text[4096];
    memset(dump, 0, sizeof dump);
    memcpy(dump + 1000, der, (size_t)dlen);
    /* Three damaged bodies: the DER from byte 100, 101, 102 on (every
     * alignment of every component), each without its first 64 chars. */
    size_t at[3], tlen[3];
    for (int a = 0; a < 3; a++) {
        size_t n = b64_lines(der + 100 + a, (size_t)dlen - 100 - (size_t)a, text, 0);
        at[a] = 20000 + 10000 * (size_t)a;
        tlen[a] = n - 65 - 1;                  /* no first line, no final newline */
        memcpy(dump + at[a], text + 65, tlen[a]);
    }
    ds_finding f = mk(1000, (uint64_t)dlen, DS_CONF_VERIFIED);
    ds_echo *e = ds_echo_new();
    CHECK("echo base64: key taken", e && ds_echo_add_finding(e, dump, sizeof dump, &f) == 0);
    ds_findings out = { 0 };
    CHECK("echo base64: scan", ds_echo_scan(e, dump, sizeof dump, NULL, NULL, &out) == 0);
    for (int a = 0; a < 3; a++) {
        int whole = 0;
        for (size_t i = 0; i < out.n; i++)
            if (out.v[i].offset == at[a] && out.v[i].length == tlen[a] &&
                !strncmp(out.v[i].encoding, "base64", 6))   /* either needle may see it first */
                whole = 1;
        char name[96];
        snprintf(name, sizeof name, "echo base64: damaged body at alignment %d scrubbed whole", a);
        CHECK(name, whole);
    }
    ds_findings_free(&out);
    ds_echo_free(e);

    /* JWK: the finding is the object; a lone copy of "d" elsewhere. */
    BIGNUM *d = NULL, *n = NULL;
    EVP_PKEY_get_bn_param(k, "d", &d);
    EVP_PKEY_get_bn_param(k, "n", &n);
    uint8_t db[256], nb[256];
    int dl = BN_bn2bin(d, db), nl = BN_bn2bin(n, nb);
    char dtxt[400], ntxt[400];
    size_t dtl = b64_lines(db, (size_t)dl, dtxt, 1), ntl = b64_lines(nb, (size_t)nl, ntxt, 1);
    int jl = snprintf(text, sizeof text, "{\"kty\":\"RSA\",\"n\":\"%.*s\",\"e\":\"AQAB\",\"d\":\"%.*s\"}",
                      (int)ntl, ntxt, (int)dtl, dtxt);
    memset(dump, 0, sizeof dump);
    memcpy(dump + 5000, text, (size_t)jl);
    memcpy(dump + 60001, dtxt, dtl);            /* "d" alone, odd offset */
    dump[60000] = '"';
    dump[60001 + dtl] = '"';
    ds_finding j = mk(5000, (uint64_t)jl, DS_CONF_VERIFIED);
    j.detector = "jwk";
    e = ds_echo_new();
    CHECK("echo base64url: JWK components taken",
          e && ds_echo_add_finding(e, dump, sizeof dump, &j) == 0 && ds_echo_keys(e) == 1);
    memset(&out, 0, sizeof out);
    CHECK("echo base64url: scan", ds_echo_scan(e, dump, sizeof dump, NULL, NULL, &out) == 0);
    int lone = 0;
    for (size_t i = 0; i < out.n; i++)
        if (out.v[i].offset == 60001 && out.v[i].length == dtl &&
            !strcmp(out.v[i].encoding, "base64url"))
            lone = 1;
    CHECK("echo base64url: the lone copy of d found, quote to quote", lone);
    ds_findings_free(&out);

    /* .NET's RSA.ToXmlString in a UTF-16LE string: <D>base64</D>; and d
     * in upper-case hex, UTF-16LE too. */
    char xml[700], b64d[400], hexd[600];
    size_t bl = b64_lines(db, (size_t)dl, b64d, 0);
    while (bl && (b64d[bl - 1] == '\n'))
        bl--;
    size_t w = 0;
    for (size_t i = 0; i < bl; i++)   /* one line: XML has no breaks */
        if (b64d[i] != '\n')
            b64d[w++] = b64d[i];
    int xl = snprintf(xml, sizeof xml, "<D>%.*s</D>", (int)w, b64d);
    for (int i = 0; i < dl; i++)
        snprintf(hexd + 2 * i, 3, "%02X", db[i]);
    memset(dump, 0, sizeof dump);
    memcpy(dump + 5000, text, (size_t)jl);
    for (int i = 0; i < xl; i++)
        dump[100000 + 2 * i] = (uint8_t)xml[i];
    for (int i = 0; i < 2 * dl; i++)
        dump[150000 + 2 * i] = (uint8_t)hexd[i];
    memset(&out, 0, sizeof out);
    CHECK("echo utf16le: scan", ds_echo_scan(e, dump, sizeof dump, NULL, NULL, &out) == 0);
    int x16 = 0, h16 = 0;
    for (size_t i = 0; i < out.n; i++) {
        if (out.v[i].offset == 100000 + 6 && out.v[i].length == 2 * w &&
            strstr(out.v[i].encoding, "-utf16le") && !strncmp(out.v[i].encoding, "base64", 6))
            x16 = 1;
        if (out.v[i].offset >= 150000 && out.v[i].offset + out.v[i].length <= 150000 + 4 * (size_t)dl &&
            out.v[i].length >= 64 && !strcmp(out.v[i].encoding, "HEX-utf16le"))
            h16 = 1;
    }
    CHECK("echo utf16le: <D> of an RSAKeyValue found, whole member", x16);
    CHECK("echo utf16le: d in upper-case hex found", h16);
    ds_findings_free(&out);
    OPENSSL_cleanse(xml, sizeof xml);
    OPENSSL_cleanse(b64d, sizeof b64d);
    OPENSSL_cleanse(hexd, sizeof hexd);
    ds_echo_free(e);
    OPENSSL_cleanse(text, sizeof text);
    OPENSSL_cleanse(dtxt, sizeof dtxt);
    OPENSSL_cleanse(db, sizeof db);
    BN_clear_free(d);
    BN_free(n);
    OPENSSL_clear_free(der, (size_t)dlen);
    EVP_PKEY_free(k);
}

int main(void)
{
    test_spans();
    test_fill();
    test_copy();
    test_names();
    test_echo();
    test_echo_base64();
    CHECK_DONE();
}
