/*
 * fuzz_jwk.c - libFuzzer target for the JWK/JWKS detector.
 *
 * For each input:
 *  - the input as it is, in the default chunking and in small odd chunks
 *    (every finding inside the input, well-formed, the same either way);
 *  - the input as the tail of a JWK object ({"kty":"EC","crv":"P-256",...)
 *    and inside a JWKS, so the member parser sees it; in UTF-16LE too;
 *  - an Ed25519 JWK whose seed is the first 32 bytes, planted at an offset
 *    the input picks: it must be found, verified, with its exact span.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "components.h"
#include "detector.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const ds_detector ds_detector_jwk;
static const ds_detector *const dets[] = { &ds_detector_jwk, NULL };

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

static void widen(buf *out, const buf *in)
{
    for (size_t i = 0; i < in->n; i++) {
        uint8_t u[2] = { in->p[i], 0 };
        put(out, u, 2);
    }
}

static void b64url(buf *b, const uint8_t *s, size_t n)
{
    uint8_t enc[64];
    int m = EVP_EncodeBlock(enc, s, (int)n);   /* n <= 33 here */
    while (m > 0 && enc[m - 1] == '=')
        m--;
    for (int i = 0; i < m; i++)
        enc[i] = enc[i] == '+' ? '-' : enc[i] == '/' ? '_' : enc[i];
    put(b, enc, (size_t)m);
}

typedef struct {
    const uint8_t *want;
    int seen, count;
} comp_ctx;

static int on_component(void *ctx, const uint8_t *be, size_t len)
{
    comp_ctx *c = ctx;
    if (len == 0)
        abort();
    c->count++;
    c->seen |= c->want && len == 32 && memcmp(be, c->want, 32) == 0;
    return 0;
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
        if (x->offset > n || x->length > n - x->offset || x->length < 2 || x->bits <= 0 ||
            !x->has_fingerprint || x->confidence != DS_CONF_VERIFIED)
            abort();
        /* A reported span is a whole object: '{' ... '}' (or their UTF-16LE units). */
        if (p[x->offset] != '{' || (p[x->offset + x->length - 1] != '}' &&
                                    p[x->offset + x->length - 2] != '}'))
            abort();
        /* The echo pass re-parses the object: a verified key has a
         * private member to give. */
        comp_ctx c = { 0 };
        if (ds_jwk_components(p + x->offset, (size_t)x->length, on_component, &c) <= 0)
            abort();
    }
}

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
    buf t = { 0 };
    puts_(&t, "{\"kty\":\"EC\",\"crv\":\"P-256\",");
    put(&t, data, size);
    puts_(&t, "}");
    scan_both_and_wide(&t);
    t.n = 0;
    puts_(&t, "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"");
    put(&t, data, size);
    puts_(&t, "\"}]}");
    scan_both_and_wide(&t);
    free(t.p);
}

static int constant(const uint8_t *p, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (p[i] != p[0])
            return 0;
    return 1;
}

static int ed25519_jwk(const uint8_t seed[32], buf *j)
{
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    uint8_t pub[32];
    size_t pn = sizeof pub;
    int ok = pk && EVP_PKEY_get_raw_public_key(pk, pub, &pn);
    EVP_PKEY_free(pk);
    if (!ok)
        return 0;
    puts_(j, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"");
    b64url(j, pub, 32);
    puts_(j, "\",\"d\":\"");
    b64url(j, seed, 32);
    puts_(j, "\"}");
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    scan_both(data, size);
    comp_ctx any = { 0 };
    if (ds_jwk_components(data, size, on_component, &any) < 0)
        abort();
    if (size <= 16384)
        wrapped(data, size);
    /* A constant seed is rejected as junk by design: skip those. */
    buf j = { 0 }, b = { 0 };
    if (size >= 34 && !constant(data, 32) && ed25519_jwk(data, &j)) {
        size_t rest = size - 34, at = ((size_t)data[32] << 8 | data[33]) % (rest + 1);
        put(&b, data + 34, at);
        put(&b, j.p, j.n);
        put(&b, data + 34 + at, rest - at);
        ds_findings f;
        scan(b.p, b.n, 0, &f);
        int found = 0;
        comp_ctx c = { data, 0, 0 };
        for (size_t i = 0; i < f.n; i++)
            if (f.v[i].offset <= at && f.v[i].offset + f.v[i].length >= at + j.n) {
                found = 1;
                ds_jwk_components(b.p + f.v[i].offset, (size_t)f.v[i].length, on_component, &c);
            }
        /* The seed comes back from the object found exactly. */
        if (!found || (f.n == 1 && f.v[0].offset == at && !c.seen))
            abort();
        ds_findings_free(&f);
    }
    free(j.p);
    free(b.p);
    return 0;
}
