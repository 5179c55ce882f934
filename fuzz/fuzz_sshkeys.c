/*
 * fuzz_sshkeys.c - libFuzzer target for the OpenSSH and PuTTY detectors.
 *
 * For each input:
 *  - the input as it is, in the default chunking and in small odd chunks
 *    (every finding inside the input, well-formed, the same either way);
 *  - the input wrapped so the parsers behind the prefilters see it:
 *    after the binary magic, base64 inside an OpenSSH armor, as the public
 *    and private blobs of a .ppk (encryption picked by the first byte),
 *    and all of these in UTF-16LE;
 *  - an Ed25519 key whose seed is the first 32 bytes, as an OpenSSH
 *    structure and as a .ppk planted at an offset the input picks: each
 *    must be found, verified, with its exact span.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "components.h"
#include "detector.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const ds_detector ds_detector_openssh, ds_detector_putty;
static const ds_detector *const dets[] = { &ds_detector_openssh, &ds_detector_putty, NULL };

typedef struct {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *s, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }

static void u32(buf *b, uint32_t v)
{
    uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
    put(b, x, 4);
}

static void str(buf *b, const void *s, size_t n)
{
    u32(b, (uint32_t)n);
    put(b, s, n);
}

static void base64_lines(buf *b, const uint8_t *s, size_t n, size_t width)
{
    uint8_t *enc = malloc((n + 2) / 3 * 4 + 1);
    int m = EVP_EncodeBlock(enc, s, (int)n);
    for (int i = 0; i < m; i += (int)width) {
        put(b, enc + i, (size_t)(m - i) < width ? (size_t)(m - i) : width);
        puts_(b, "\n");
    }
    free(enc);
}

static void widen(buf *out, const buf *in)
{
    for (size_t i = 0; i < in->n; i++) {
        uint8_t u[2] = { in->p[i], 0 };
        put(out, u, 2);
    }
}

/* Component callback: counts, and remembers whether `want` came by. */
typedef struct {
    const uint8_t *want;
    size_t wantlen;
    int seen, count;
} comp_ctx;

static int on_component(void *ctx, const uint8_t *be, size_t len)
{
    comp_ctx *c = ctx;
    if (len == 0)
        abort();
    c->count++;
    c->seen |= c->want && len == c->wantlen && memcmp(be, c->want, len) == 0;
    return 0;
}

/* The echo pass re-parses a finding's bytes: any bytes must be safe, and
 * an unencrypted key found verified must give at least one component. */
static int components(const uint8_t *p, size_t n, comp_ctx *c)
{
    int a = ds_openssh_components(p, n, on_component, c);
    int b = ds_putty_components(p, n, on_component, c);
    if (a < 0 || b < 0)
        abort();
    return a + b;
}

static void scan(const uint8_t *p, size_t n, size_t chunk, ds_findings *f)
{
    ds_dump d;
    ds_dump_init(&d, n);
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = dets;
    o.chunk_size = chunk;
    memset(f, 0, sizeof *f);
    if (ds_scan_memory(p, n, &d, &o, f) < 0)
        abort();
    ds_dump_free(&d);
    for (size_t i = 0; i < f->n; i++) {
        const ds_finding *x = &f->v[i];
        if (x->offset > n || x->length > n - x->offset || x->length == 0 || x->bits <= 0 ||
            !x->has_fingerprint ||
            (x->confidence != DS_CONF_VERIFIED && x->confidence != DS_CONF_LIKELY))
            abort();
        comp_ctx c = { 0 };
        if (components(p + x->offset, (size_t)x->length, &c) == 0 &&
            x->confidence == DS_CONF_VERIFIED)
            abort();
    }
}

/* Findings of the default and of a small odd chunking agree. */
static void scan_both(const uint8_t *p, size_t n)
{
    ds_findings a, b;
    scan(p, n, 0, &a);
    scan(p, n, 4099, &b);
    if (a.n != b.n)
        abort();
    for (size_t i = 0; i < a.n; i++)
        if (a.v[i].offset != b.v[i].offset || a.v[i].length != b.v[i].length)
            abort();
    ds_findings_free(&a);
    ds_findings_free(&b);
}

static void scan_both_and_wide(const buf *b)
{
    buf w = { 0 };
    scan_both(b->p, b->n);
    widen(&w, b);
    scan_both(w.p, w.n);
    free(w.p);
}

static void wrapped(const uint8_t *data, size_t size)
{
    buf bin = { 0 }, t = { 0 };
    put(&bin, "openssh-key-v1", 15);
    put(&bin, data, size);
    scan_both_and_wide(&bin);

    puts_(&t, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    base64_lines(&t, bin.p, bin.n, 70);
    puts_(&t, "-----END OPENSSH PRIVATE KEY-----\n");
    scan_both_and_wide(&t);

    /* .ppk: the first byte picks the encryption and where to split. */
    size_t cut = size ? data[0] % (size + 1) : 0;
    char line[64];
    t.n = 0;
    puts_(&t, "PuTTY-User-Key-File-3: ssh-ed25519\n");
    puts_(&t, size && (data[0] & 1) ? "Encryption: aes256-cbc\n" : "Encryption: none\n");
    puts_(&t, "Comment: fuzz\n");
    snprintf(line, sizeof line, "Public-Lines: %zu\n", cut ? (cut + 47) / 48 : 1);
    puts_(&t, line);
    base64_lines(&t, data, cut, 64);
    if (!cut)
        puts_(&t, "AAAA\n");
    snprintf(line, sizeof line, "Private-Lines: %zu\n", size - cut ? (size - cut + 47) / 48 : 1);
    puts_(&t, line);
    base64_lines(&t, data + cut, size - cut, 64);
    puts_(&t, "Private-MAC: 00\n");
    scan_both_and_wide(&t);
    free(bin.p);
    free(t.p);
}

/* An Ed25519 key from the seed, its OpenSSH structure and .ppk text. */
static int ed25519_forms(const uint8_t seed[32], buf *ossh, buf *ppk)
{
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    uint8_t pub[32];
    size_t pn = sizeof pub;
    if (!pk || !EVP_PKEY_get_raw_public_key(pk, pub, &pn)) {
        EVP_PKEY_free(pk);
        return 0;
    }
    EVP_PKEY_free(pk);
    buf blob = { 0 }, sec = { 0 }, priv = { 0 };
    str(&blob, "ssh-ed25519", 11);
    str(&blob, pub, 32);
    u32(&sec, 0x01020304);
    u32(&sec, 0x01020304);
    str(&sec, "ssh-ed25519", 11);
    str(&sec, pub, 32);
    u32(&sec, 64);
    put(&sec, seed, 32);
    put(&sec, pub, 32);
    str(&sec, "", 0);
    for (uint8_t pad = 1; sec.n % 8; pad++)
        put(&sec, &pad, 1);
    put(ossh, "openssh-key-v1", 15);
    str(ossh, "none", 4);
    str(ossh, "none", 4);
    str(ossh, "", 0);
    u32(ossh, 1);
    str(ossh, blob.p, blob.n);
    str(ossh, sec.p, sec.n);

    str(&priv, seed, 32);
    puts_(ppk, "PuTTY-User-Key-File-2: ssh-ed25519\nEncryption: none\nComment: c\nPublic-Lines: 2\n");
    base64_lines(ppk, blob.p, blob.n, 64);
    puts_(ppk, "Private-Lines: 1\n");
    base64_lines(ppk, priv.p, priv.n, 64);
    puts_(ppk, "Private-MAC: 0123456789abcdef0123456789abcdef01234567\n");
    free(blob.p);
    free(sec.p);
    free(priv.p);
    return 1;
}

/* Plant `item` at an offset the input picks: its first `span` bytes must
 * be found verified, exactly or inside a larger structure the input built
 * around it (the engine then keeps only the container). */
static void planted(const uint8_t *data, size_t size, const buf *item, size_t span, size_t at,
                    const uint8_t *seed)
{
    buf b = { 0 };
    at = size ? at % (size + 1) : 0;
    put(&b, data, at);
    put(&b, item->p, item->n);
    put(&b, data + at, size - at);
    ds_findings f;
    scan(b.p, b.n, 0, &f);
    int found = 0;
    comp_ctx c = { seed, 32, 0, 0 };
    for (size_t i = 0; i < f.n; i++)
        if (f.v[i].offset <= at && f.v[i].offset + f.v[i].length >= at + span &&
            f.v[i].confidence == DS_CONF_VERIFIED) {
            found = 1;
            components(b.p + f.v[i].offset, (size_t)f.v[i].length, &c);
        }
    /* The seed comes back from a key found exactly (a container the
     * input built around it may hold another key first). */
    if (!found || (item->n == span && f.n == 1 && !c.seen))
        abort();
    ds_findings_free(&f);
    free(b.p);
}

static int constant(const uint8_t *p, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (p[i] != p[0])
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    scan_both(data, size);
    comp_ctx c = { 0 };
    components(data, size, &c);
    if (size <= 16384)
        wrapped(data, size);
    /* A constant seed is rejected as junk by design: skip those. */
    if (size >= 36 && !constant(data, 32)) {
        buf ossh = { 0 }, ppk = { 0 };
        if (ed25519_forms(data, &ossh, &ppk)) {
            size_t at = (size_t)data[32] << 8 | data[33];
            planted(data + 34, size - 34, &ossh, ossh.n, at, data);
            planted(data + 34, size - 34, &ppk, ppk.n - 1, at, data);   /* without the last '\n' */
        }
        free(ossh.p);
        free(ppk.p);
    }
    return 0;
}
