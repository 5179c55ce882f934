/* test_pem.c - the "pem" detector through the engine: every private-key
 * armor, in ASCII (LF, CRLF), UTF-16LE and JSON-escaped form, legacy and
 * PKCS#8 encryption, damaged bodies, and what must never be reported. */
#include "check.h"
#include "keygen.h"

#include "der.h"

extern const ds_detector ds_detector_pem;

#define AREA (128u * 1024u)

static uint64_t seed_of(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

/* [begin, end) of the armored block in a text: "-----BEGIN" through the
 * last dash of the END line (what a finding must cover). */
static int armor_span(const tbuf *t, size_t unit, size_t *begin, size_t *end)
{
    static const char b[] = "-----BEGIN", e[] = "-----END";
    uint8_t nb[2 * sizeof b], ne[2 * sizeof e];
    for (size_t i = 0; i < sizeof b - 1; i++) {
        nb[unit * i] = (uint8_t)b[i];
        if (unit == 2)
            nb[2 * i + 1] = 0;
    }
    for (size_t i = 0; i < sizeof e - 1; i++) {
        ne[unit * i] = (uint8_t)e[i];
        if (unit == 2)
            ne[2 * i + 1] = 0;
    }
    const uint8_t *pb = memmem(t->p, t->n, nb, unit * (sizeof b - 1));
    const uint8_t *pe = memmem(t->p, t->n, ne, unit * (sizeof e - 1));
    if (!pb || !pe)
        return 0;
    /* After "-----END LABEL": the closing five dashes. */
    const uint8_t *q = memmem(pe + unit * 5, t->n - (size_t)(pe + unit * 5 - t->p), nb, unit * 5);
    if (!q)
        return 0;
    *begin = (size_t)(pb - t->p);
    *end = (size_t)(q - t->p) + unit * 5;
    return 1;
}

static void pem_case_unit(const char *name, const tbuf *item, size_t unit, const expect_t *e)
{
    size_t b0, b1;
    if (!item->n || !armor_span(item, unit, &b0, &b1)) {
        printf("FAIL %s: could not generate the test input\n", name);
        check_failures++;
        return;
    }
    size_t off = 33333 + 2 * (seed_of(name) % 1000);   /* odd */
    tbuf b = embed(item, off, AREA, seed_of(name));
    ds_findings fs = scan_with(&ds_detector_pem, b.p, b.n, 0);
    expect_one(name, &fs, off + b0, b1 - b0, e);
    ds_findings_free(&fs);
    tbuf_free(&b);
}

static void pem_case(const char *name, const tbuf *item, const expect_t *e)
{
    pem_case_unit(name, item, 1, e);
}

static void pem_negative(const char *name, const tbuf *item)
{
    if (!item->n) {
        printf("FAIL %s: could not generate the test input\n", name);
        check_failures++;
        return;
    }
    tbuf b = embed(item, 1235, item->n + 5000, seed_of(name));
    ds_findings fs = scan_with(&ds_detector_pem, b.p, b.n, 0);
    expect_none(name, &fs);
    ds_findings_free(&fs);
    tbuf_free(&b);
}

/* ---- transformations of a PEM text -------------------------------------- */
static tbuf to_crlf(const tbuf *t)
{
    tbuf o = { malloc(2 * t->n), 0 };
    for (size_t i = 0; i < t->n; i++) {
        if (t->p[i] == '\n')
            o.p[o.n++] = '\r';
        o.p[o.n++] = t->p[i];
    }
    return o;
}

static tbuf to_utf16le(const tbuf *t)
{
    tbuf o = { malloc(2 * t->n), 2 * t->n };
    for (size_t i = 0; i < t->n; i++) {
        o.p[2 * i] = t->p[i];
        o.p[2 * i + 1] = 0;
    }
    return o;
}

enum { J_CRLF = 1, J_SLASH = 2, J_PLUS = 4 };

/* A GCP-style service account JSON holding the PEM in "private_key". */
static tbuf to_json(const tbuf *t, int flags)
{
    static const char head[] = "{\n  \"type\": \"service_account\",\n  \"project_id\": \"demo\",\n"
                               "  \"private_key_id\": \"0123abcd\",\n  \"private_key\": \"";
    static const char tail[] = "\",\n  \"client_email\": \"svc@demo.iam.gserviceaccount.com\"\n}\n";
    tbuf o = { malloc(sizeof head + 8 * t->n + sizeof tail), 0 };
    memcpy(o.p, head, sizeof head - 1);
    o.n = sizeof head - 1;
    for (size_t i = 0; i < t->n; i++) {
        uint8_t c = t->p[i];
        const char *rep = NULL;
        if (c == '\n')
            rep = flags & J_CRLF ? "\\r\\n" : "\\n";
        else if (c == '/' && (flags & J_SLASH))
            rep = "\\/";
        else if (c == '+' && (flags & J_PLUS))
            rep = "\\u002B";
        if (rep) {
            memcpy(o.p + o.n, rep, strlen(rep));
            o.n += strlen(rep);
        } else {
            o.p[o.n++] = c;
        }
    }
    memcpy(o.p + o.n, tail, sizeof tail - 1);
    o.n += sizeof tail - 1;
    return o;
}

/* Replace the character at line `line`, column `col` by `c` (0: by a
 * different valid base64 character). */
static void poke_body(tbuf *t, int line, int col, char c)
{
    size_t i = 0;
    for (int l = 0; l < line && i < t->n; i++)
        if (t->p[i] == '\n')
            l++;
    if (i + (size_t)col < t->n) {
        uint8_t *p = &t->p[i + (size_t)col];
        *p = c ? (uint8_t)c : *p == 'A' ? 'B' : 'A';
    }
}

/* An armor with the given label around raw (NULL: nbytes random bytes). */
static tbuf armor_around(const char *label, const uint8_t *raw, size_t nbytes)
{
    uint8_t rnd[512];
    unsigned char b64[800];
    if (!raw) {
        fill_random(rnd, nbytes, 4);
        raw = rnd;
    }
    if (nbytes > 512)
        abort();
    int n = EVP_EncodeBlock(b64, raw, (int)nbytes);
    tbuf o = { malloc(1200), 0 };
    o.n = (size_t)snprintf((char *)o.p, 1200, "-----BEGIN %s-----\n%.*s\n-----END %s-----\n",
                           label, n, (const char *)b64, label);
    return o;
}

/* ---- cases --------------------------------------------------------------- */
static void test_rsa(EVP_PKEY *rsa, X509 *cert)
{
    uint8_t fp[32];
    pubkey_fp(rsa, fp);
    int bits = EVP_PKEY_get_bits(rsa);
    expect_t e = { DS_KIND_RSA, "pem", DS_CONF_VERIFIED, bits, fp };
    expect_t enc = { DS_KIND_ENCRYPTED, "pem", DS_CONF_LIKELY, 0, NULL };
    tbuf t = pem_pkcs8(rsa, NULL), x;

    pem_case("pem pkcs8 rsa LF", &t, &e);
    x = to_crlf(&t);
    pem_case("pem pkcs8 rsa CRLF", &x, &e);
    tbuf_free(&x);

    x = to_utf16le(&t);
    pem_case_unit("pem pkcs8 rsa UTF-16LE", &x, 2, &(expect_t){ DS_KIND_RSA, "pem-utf16le", DS_CONF_VERIFIED, bits, fp });
    tbuf_free(&x);

    expect_t ej = { DS_KIND_RSA, "pem-json", DS_CONF_VERIFIED, bits, fp };
    x = to_json(&t, 0);
    pem_case("pem pkcs8 rsa in JSON (GCP key file)", &x, &ej);
    tbuf_free(&x);
    x = to_json(&t, J_CRLF | J_SLASH | J_PLUS);
    pem_case("pem pkcs8 rsa in JSON with \\r\\n, \\/ and \\u002B", &x, &ej);
    tbuf_free(&x);
    tbuf u = to_json(&t, 0);
    x = to_utf16le(&u);
    pem_case_unit("pem pkcs8 rsa in JSON in UTF-16LE", &x, 2, &(expect_t){ DS_KIND_RSA, "pem-utf16le", DS_CONF_VERIFIED, bits, fp });
    tbuf_free(&x);
    tbuf_free(&u);

    /* Valid base64, damaged key (one modulus digit): POSSIBLE, kind from the OID. */
    x = tbuf_copy(t.p, t.n);
    poke_body(&x, 6, 10, 0);
    {
        /* Make sure the poke changed something: compare with the original. */
        int changed = memcmp(x.p, t.p, t.n) != 0;
        CHECK("pem damaged-body input differs", changed);
    }
    pem_case("pem pkcs8 rsa with a damaged (valid base64) body", &x,
             &(expect_t){ DS_KIND_RSA, "pem", DS_CONF_POSSIBLE, 0, NULL });
    /* Corrupted: a character that is not base64. */
    poke_body(&x, 6, 10, '!');
    pem_negative("pem pkcs8 rsa with a corrupted (invalid base64) body", &x);
    tbuf_free(&x);
    /* Truncated: no END line. */
    x = tbuf_copy(t.p, t.n - 30);
    pem_negative("pem pkcs8 rsa truncated before its END line", &x);
    tbuf_free(&x);
    /* END label that does not match. */
    x = tbuf_copy(t.p, t.n);
    memcpy(memmem(x.p, x.n, "-----END PRIVATE", 16), "-----END PUBLICK", 16);
    pem_negative("pem pkcs8 rsa with a mismatched END label", &x);
    tbuf_free(&x);
    tbuf_free(&t);

    t = pem_traditional(rsa, NULL);
    pem_case("pem RSA PRIVATE KEY", &t, &e);
    x = tbuf_copy(t.p, t.n);
    poke_body(&x, 8, 20, 0);
    pem_case("pem RSA PRIVATE KEY damaged (valid base64)", &x,
             &(expect_t){ DS_KIND_RSA, "pem", DS_CONF_POSSIBLE, 0, NULL });
    tbuf_free(&x);
    tbuf_free(&t);

    t = pem_pkcs8(rsa, EVP_aes_256_cbc());
    pem_case("pem ENCRYPTED PRIVATE KEY", &t, &enc);
    tbuf_free(&t);
    t = pem_traditional(rsa, EVP_aes_128_cbc());
    CHECK("pem legacy encrypted input has Proc-Type", t.n && memmem(t.p, t.n, "Proc-Type: 4,ENCRYPTED", 22));
    pem_case("pem RSA PRIVATE KEY legacy encrypted", &t, &enc);
    x = to_crlf(&t);
    pem_case("pem RSA PRIVATE KEY legacy encrypted CRLF", &x, &enc);
    tbuf_free(&x);
    tbuf_free(&t);

    /* Cert + key in one file: only the key. */
    tbuf c = pem_cert(cert);
    t = pem_pkcs8(rsa, NULL);
    x = (tbuf){ malloc(c.n + t.n), c.n + t.n };
    memcpy(x.p, c.p, c.n);
    memcpy(x.p + c.n, t.p, t.n);
    {
        size_t off = 5001;
        tbuf b = embed(&x, off, AREA, 31);
        ds_findings fs = scan_with(&ds_detector_pem, b.p, b.n, 0);
        expect_one("pem certificate followed by its key", &fs, off + c.n, t.n - 1, &e);
        ds_findings_free(&fs);
        tbuf_free(&b);
    }
    tbuf_free(&x);
    tbuf_free(&t);

    /* Not secrets. */
    pem_negative("pem CERTIFICATE", &c);
    tbuf_free(&c);
    t = pem_of(rsa, EVP_PKEY_PUBLIC_KEY, "SubjectPublicKeyInfo");
    CHECK("pem PUBLIC KEY input", t.n && memmem(t.p, t.n, "BEGIN PUBLIC KEY", 16));
    pem_negative("pem PUBLIC KEY", &t);
    tbuf_free(&t);
    t = pem_of(rsa, EVP_PKEY_PUBLIC_KEY, "type-specific");
    CHECK("pem RSA PUBLIC KEY input", t.n && memmem(t.p, t.n, "BEGIN RSA PUBLIC KEY", 20));
    pem_negative("pem RSA PUBLIC KEY", &t);
    tbuf_free(&t);
    t = armor_around("OPENSSH PRIVATE KEY", NULL, 400);
    pem_negative("pem OPENSSH PRIVATE KEY (another detector's)", &t);
    tbuf_free(&t);
    /* Public keys mislabelled as private: intact DER of another shape. */
    x = der_spki(rsa);
    t = armor_around("PRIVATE KEY", x.p, x.n);
    pem_negative("pem PRIVATE KEY armor around a SubjectPublicKeyInfo", &t);
    tbuf_free(&t);
    tbuf_free(&x);
    x = der_pubkey_typespecific(rsa);
    t = armor_around("RSA PRIVATE KEY", x.p, x.n);
    pem_negative("pem RSA PRIVATE KEY armor around an RSAPublicKey", &t);
    tbuf_free(&t);
    tbuf_free(&x);
    /* Random body under a private label: not DER at all, POSSIBLE. */
    t = armor_around("EC PRIVATE KEY", NULL, 121);
    pem_case("pem EC PRIVATE KEY armor around random bytes", &t,
             &(expect_t){ DS_KIND_EC, "pem", DS_CONF_POSSIBLE, 0, NULL });
    tbuf_free(&t);
}

static void test_other_keys(void)
{
    uint8_t fp[32];
    tbuf t, x;
    EVP_PKEY *ec = gen_ec("P-256", 0);
    pubkey_fp(ec, fp);
    t = pem_traditional(ec, NULL);
    pem_case("pem EC PRIVATE KEY", &t, &(expect_t){ DS_KIND_EC, "pem", DS_CONF_VERIFIED, 256, fp });
    tbuf_free(&t);
    t = pem_pkcs8(ec, NULL);
    x = to_utf16le(&t);
    pem_case_unit("pem pkcs8 p256 UTF-16LE", &x, 2, &(expect_t){ DS_KIND_EC, "pem-utf16le", DS_CONF_VERIFIED, 256, fp });
    tbuf_free(&x);
    tbuf_free(&t);
    t = pem_traditional(ec, EVP_aes_256_cbc());
    pem_case("pem EC PRIVATE KEY legacy encrypted", &t,
             &(expect_t){ DS_KIND_ENCRYPTED, "pem", DS_CONF_LIKELY, 0, NULL });
    tbuf_free(&t);
    EVP_PKEY_free(ec);

    EVP_PKEY *ed = gen_named("ED25519");
    pubkey_fp(ed, fp);
    t = pem_pkcs8(ed, NULL);
    pem_case("pem pkcs8 ed25519", &t, &(expect_t){ DS_KIND_ED25519, "pem", DS_CONF_LIKELY, EVP_PKEY_get_bits(ed), fp });
    x = to_json(&t, J_CRLF);
    pem_case("pem pkcs8 ed25519 in JSON", &x, &(expect_t){ DS_KIND_ED25519, "pem-json", DS_CONF_LIKELY, EVP_PKEY_get_bits(ed), fp });
    tbuf_free(&x);
    tbuf_free(&t);
    EVP_PKEY_free(ed);

    EVP_PKEY *dsa = gen_dsa(1024);
    if (dsa)
        pubkey_fp(dsa, fp);
    t = dsa ? pem_traditional(dsa, NULL) : (tbuf){ NULL, 0 };
    pem_case("pem DSA PRIVATE KEY", &t, &(expect_t){ DS_KIND_DSA, "pem", DS_CONF_VERIFIED, 1024, fp });
    tbuf_free(&t);
    EVP_PKEY_free(dsa);
}

static void test_noise_and_chunks(EVP_PKEY *rsa)
{
    size_t n = 1u << 20;
    tbuf r = { malloc(n), n };
    fill_random(r.p, n, 1);
    ds_findings fs = scan_with(&ds_detector_pem, r.p, r.n, 0);
    expect_none("pem 1 MiB random", &fs);
    ds_findings_free(&fs);
    fill_dumplike(r.p, n, 2);
    fs = scan_with(&ds_detector_pem, r.p, r.n, 0);
    expect_none("pem 1 MiB dump-like filler", &fs);
    ds_findings_free(&fs);
    tbuf_free(&r);

    uint8_t fp[32];
    pubkey_fp(rsa, fp);
    expect_t e = { DS_KIND_RSA, "pem", DS_CONF_VERIFIED, EVP_PKEY_get_bits(rsa), fp };
    tbuf t = pem_pkcs8(rsa, NULL);
    size_t off = 4 * 4096 - 700;
    tbuf b = embed(&t, off, 64 * 1024, 3);
    fs = scan_with(&ds_detector_pem, b.p, b.n, 4096);
    expect_one("pem key straddling two chunks", &fs, off, t.n - 1, &e);
    ds_findings_free(&fs);
    tbuf_free(&b);
    /* BEGIN split by the boundary itself. */
    off = 6 * 4096 - 5;
    b = embed(&t, off, 64 * 1024, 4);
    fs = scan_with(&ds_detector_pem, b.p, b.n, 4096);
    expect_one("pem key whose BEGIN marker straddles a chunk boundary", &fs, off, t.n - 1, &e);
    ds_findings_free(&fs);
    tbuf_free(&b);
    tbuf u = to_utf16le(&t);
    off = 9 * 4096 - 3;
    b = embed(&u, off, 96 * 1024, 5);
    fs = scan_with(&ds_detector_pem, b.p, b.n, 4096);
    e.detector = "pem-utf16le";
    expect_one("pem UTF-16LE key straddling a chunk boundary", &fs, off, 2 * (t.n - 1), &e);
    ds_findings_free(&fs);
    tbuf_free(&b);
    tbuf_free(&u);
    tbuf_free(&t);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    EVP_PKEY *rsa = gen_rsa("RSA", 1024);
    X509 *cert = rsa ? selfsigned(rsa) : NULL;
    CHECK("pem setup: RSA key and certificate", rsa && cert);
    if (!rsa || !cert)
        return 1;
    test_rsa(rsa, cert);
    test_other_keys();
    test_noise_and_chunks(rsa);
    X509_free(cert);
    EVP_PKEY_free(rsa);
    CHECK_DONE();
}
