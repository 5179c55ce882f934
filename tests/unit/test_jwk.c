/*
 * test_jwk.c - the JWK/JWKS detector on JSON built here from keys OpenSSL
 * generates at run time: RSA (with and without CRT members, primes only),
 * EC P-256/384/521/secp256k1, OKP Ed25519/X25519/Ed448/X448, members in
 * any order, pretty-printed, escaped characters, nested values, a JWKS
 * with two private keys and a public one, UTF-16LE, chunk borders; and
 * what must not be reported: public keys, corrupted keys, truncations.
 *
 * `test_jwk --file PATH` scans a file with this detector only.
 */
#include "keytest.h"

extern const ds_detector ds_detector_jwk;

enum {
    F_CRT = 1,        /* RSA: p q dp dq qi */
    F_NO_D = 2,       /* RSA: primes but no d */
    F_PUBLIC = 4,     /* no private member at all */
    F_PRETTY = 8,     /* newlines (CRLF) and indentation */
    F_KTY_LAST = 16,  /* "kty" after every other member */
    F_ESCAPES = 32,   /* \/ and \" in kid and x5u, \u0041-style in d */
    F_NESTED = 64,    /* nested object/array with braces in strings, first */
    F_FLIP_D = 128    /* corrupt d */
};

typedef struct {
    const char *name;
    EVP_PKEY *pk;
    int bits;
    uint8_t fp[32];
} testkey;

static void b64url(kt_buf *out, const uint8_t *p, size_t n)
{
    size_t cap = (n + 2) / 3 * 4 + 1;
    unsigned char *enc = OPENSSL_secure_malloc(cap);
    int m = EVP_EncodeBlock(enc, p, (int)n);
    while (m > 0 && enc[m - 1] == '=')
        m--;
    for (int i = 0; i < m; i++)
        enc[i] = enc[i] == '+' ? '-' : enc[i] == '/' ? '_' : enc[i];
    kt_put(out, enc, (size_t)m);
    OPENSSL_secure_clear_free(enc, cap);
}

typedef struct {
    kt_buf *out;
    unsigned flags;
    int first;
} jw;

static void sep(jw *w)
{
    if (!w->first)
        kt_puts(w->out, ",");
    kt_puts(w->out, w->flags & F_PRETTY ? "\r\n    " : "");
    w->first = 0;
}

static void member_str(jw *w, const char *name, const char *value)
{
    sep(w);
    kt_puts(w->out, "\"");
    kt_puts(w->out, name);
    kt_puts(w->out, w->flags & F_PRETTY ? "\" : \"" : "\":\"");
    kt_puts(w->out, value);
    kt_puts(w->out, "\"");
}

static void member_b64(jw *w, const char *name, const uint8_t *p, size_t n, int escape_first)
{
    kt_buf v = { 0 };
    b64url(&v, p, n);
    sep(w);
    kt_puts(w->out, "\"");
    kt_puts(w->out, name);
    kt_puts(w->out, "\":\"");
    if (escape_first) {   /* its first character as \u00XX */
        char u[8];
        snprintf(u, sizeof u, "\\u%04x", v.p[0]);
        kt_puts(w->out, u);
        kt_put(w->out, v.p + 1, v.n - 1);
    } else {
        kt_put(w->out, v.p, v.n);
    }
    kt_puts(w->out, "\"");
    kt_free(&v);
}

static void member_bn(jw *w, EVP_PKEY *pk, const char *name, const char *param, size_t pad,
                      int flip)
{
    BIGNUM *bn = NULL;
    uint8_t tmp[1100];
    if (!EVP_PKEY_get_bn_param(pk, param, &bn))
        abort();
    int n = pad ? BN_bn2binpad(bn, tmp, (int)pad) : BN_bn2bin(bn, tmp);
    if (flip)
        tmp[n / 2] ^= 0x04;
    member_b64(w, name, tmp, (size_t)n, flip == 0 && (w->flags & F_ESCAPES) && !strcmp(name, "d"));
    BN_clear_free(bn);
    OPENSSL_cleanse(tmp, sizeof tmp);
}

static void kty(jw *w, const char *t) { member_str(w, "kty", t); }

/* The JSON object for pk; returns its length (from out->n at entry). */
static size_t jwk(kt_buf *out, EVP_PKEY *pk, unsigned flags)
{
    size_t start = out->n;
    jw w = { out, flags, 1 };
    int id = EVP_PKEY_get_base_id(pk), priv = !(flags & F_PUBLIC), flip = !!(flags & F_FLIP_D);
    const char *t = id == EVP_PKEY_RSA ? "RSA" : id == EVP_PKEY_EC ? "EC" : "OKP";
    kt_puts(out, "{");
    if (flags & F_NESTED) {
        sep(&w);
        kt_puts(out, "\"meta\":{\"s\":\"}{\\\"kty\\\": \\\\\",\"a\":[1,{\"b\":null},[]],"
                     "\"t\":true,\"f\":-1.5e3}");
    }
    if (!(flags & F_KTY_LAST))
        kty(&w, t);
    if (flags & F_ESCAPES) {
        member_str(&w, "kid", "2024-01\\/signing \\\"k\\\", {\\\"kty\\\":\\\"RSA\\\"}");
        member_str(&w, "x5u", "https:\\/\\/keys.example\\/jwks.json");
    }
    member_str(&w, "use", "sig");
    if (id == EVP_PKEY_RSA) {
        member_bn(&w, pk, "n", OSSL_PKEY_PARAM_RSA_N, 0, 0);
        member_bn(&w, pk, "e", OSSL_PKEY_PARAM_RSA_E, 0, 0);
        if (priv && !(flags & F_NO_D))
            member_bn(&w, pk, "d", OSSL_PKEY_PARAM_RSA_D, 0, flip);
        if (priv && (flags & (F_CRT | F_NO_D))) {
            member_bn(&w, pk, "p", OSSL_PKEY_PARAM_RSA_FACTOR1, 0, 0);
            member_bn(&w, pk, "q", OSSL_PKEY_PARAM_RSA_FACTOR2, 0, 0);
        }
        if (priv && (flags & F_CRT)) {
            member_bn(&w, pk, "dp", OSSL_PKEY_PARAM_RSA_EXPONENT1, 0, 0);
            member_bn(&w, pk, "dq", OSSL_PKEY_PARAM_RSA_EXPONENT2, 0, 0);
            member_bn(&w, pk, "qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1, 0, 0);
        }
    } else if (id == EVP_PKEY_EC) {
        char group[32];
        uint8_t q[200];
        size_t qn = 0;
        EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL);
        EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, q, sizeof q, &qn);
        size_t fs = (qn - 1) / 2;
        member_str(&w, "crv", !strcmp(group, "prime256v1") ? "P-256" : !strcmp(group, "secp384r1") ? "P-384"
                             : !strcmp(group, "secp521r1") ? "P-521" : "secp256k1");
        member_b64(&w, "x", q + 1, fs, 0);
        member_b64(&w, "y", q + 1 + fs, fs, 0);
        if (priv)
            member_bn(&w, pk, "d", OSSL_PKEY_PARAM_PRIV_KEY, fs, flip);
    } else {
        uint8_t k[64];
        size_t kn = sizeof k;
        member_str(&w, "crv", id == EVP_PKEY_ED25519 ? "Ed25519" : id == EVP_PKEY_X25519 ? "X25519"
                              : id == EVP_PKEY_ED448 ? "Ed448" : "X448");
        EVP_PKEY_get_raw_public_key(pk, k, &kn);
        member_b64(&w, "x", k, kn, 0);
        kn = sizeof k;
        EVP_PKEY_get_raw_private_key(pk, k, &kn);
        if (flip)
            k[3] ^= 1;
        if (priv)
            member_b64(&w, "d", k, kn, (flags & F_ESCAPES) && !flip);
        OPENSSL_cleanse(k, sizeof k);
    }
    if (flags & F_KTY_LAST)
        kty(&w, t);
    kt_puts(out, flags & F_PRETTY ? "\r\n}" : "}");
    return out->n - start;
}

static size_t count(const uint8_t *p, size_t n, size_t chunk, int jobs)
{
    ds_findings f = kt_scan(&ds_detector_jwk, p, n, chunk, jobs);
    size_t c = f.n;
    ds_findings_free(&f);
    return c;
}

static void expect_jwk(const char *name, const testkey *k, unsigned flags)
{
    kt_buf b = { 0 };
    kt_random(&b, 333);
    size_t len = jwk(&b, k->pk, flags);
    kt_random(&b, 77);
    ds_findings f = kt_scan(&ds_detector_jwk, b.p, b.n, 0, 1);
    kt_expect_one(name, &f, 333, len, DS_KIND_JWK, "jwk", DS_CONF_VERIFIED, k->bits, k->fp);
    ds_findings_free(&f);
    kt_free(&b);
}

/* {"keys":[private A, public B, private C]}: A and C, each exactly. */
static void test_jwks(const testkey *a, const testkey *b, const testkey *c)
{
    kt_buf t = { 0 }, w = { 0 };
    kt_puts(&t, "{\"keys\": [\n  ");
    size_t a_off = t.n, a_len = jwk(&t, a->pk, F_CRT);
    kt_puts(&t, ",\n  ");
    jwk(&t, b->pk, F_PUBLIC);
    kt_puts(&t, ",\n  ");
    size_t c_off = t.n, c_len = jwk(&t, c->pk, F_PRETTY | F_KTY_LAST);
    kt_puts(&t, "\n]}\n");
    for (unsigned unit = 1; unit <= 2; unit++) {
        kt_random(&w, 1000 + unit);
        size_t base = w.n;
        if (unit == 1)
            kt_put(&w, t.p, t.n);
        else
            kt_widen(&w, t.p, t.n);
        kt_random(&w, 100);
        ds_findings f = kt_scan(&ds_detector_jwk, w.p, w.n, 0, 1);
        const char *enc = unit == 1 ? "JWKS" : "JWKS UTF-16LE";
        char name[96];
        snprintf(name, sizeof name, "%s: two private keys", enc);
        CHECK_EQ_U64(name, 2, f.n);
        if (f.n == 2) {
            snprintf(name, sizeof name, "%s: first key span", enc);
            CHECK(name, f.v[0].offset == base + a_off * unit && f.v[0].length == a_len * unit);
            snprintf(name, sizeof name, "%s: first key fingerprint", enc);
            CHECK(name, memcmp(f.v[0].fingerprint, a->fp, 32) == 0);
            snprintf(name, sizeof name, "%s: second key span", enc);
            CHECK(name, f.v[1].offset == base + c_off * unit && f.v[1].length == c_len * unit);
            snprintf(name, sizeof name, "%s: second key fingerprint", enc);
            CHECK(name, memcmp(f.v[1].fingerprint, c->fp, 32) == 0);
        }
        ds_findings_free(&f);
        /* Across chunk borders, with threads. */
        size_t chunks[] = { 4096, 5000 };
        for (int ci = 0; ci < 2; ci++)
            for (int jobs = 1; jobs <= 3; jobs += 2) {
                snprintf(name, sizeof name, "%s chunk=%zu jobs=%d: two keys", enc, chunks[ci], jobs);
                CHECK_EQ_U64(name, 2, count(w.p, w.n, chunks[ci], jobs));
            }
        kt_free(&w);
    }
    kt_free(&t);
}

static void test_negatives(const testkey *keys, int nkeys)
{
    kt_buf b = { 0 };
    /* Every key public-only, alone and as a JWKS. */
    kt_puts(&b, "{\"keys\":[");
    for (int i = 0; i < nkeys; i++) {
        if (i)
            kt_puts(&b, ",");
        jwk(&b, keys[i].pk, F_PUBLIC);
    }
    kt_puts(&b, "]}");
    for (int i = 0; i < nkeys; i++)
        jwk(&b, keys[i].pk, F_PUBLIC | F_PRETTY);
    /* "kty" in junk, an empty object, a brace inside a string. */
    kt_puts(&b, "\"kty\" {\"kty\"} {\"kty\":} {\"a\":\"{\",\"kty\":\"RSA\"} {}");
    kt_random(&b, 1 << 20);
    CHECK_EQ_U64("public JWKs and JWKS, junk, random: nothing", 0, count(b.p, b.n, 0, 1));
    kt_free(&b);

    for (int i = 0; i < nkeys; i++) {
        char name[96];
        jwk(&b, keys[i].pk, F_CRT | F_FLIP_D);
        snprintf(name, sizeof name, "%s corrupted d: nothing", keys[i].name);
        CHECK_EQ_U64(name, 0, count(b.p, b.n, 0, 1));
        kt_free(&b);
    }
}

static void test_truncations(const testkey *k)
{
    kt_buf t = { 0 };
    jwk(&t, k->pk, F_PRETTY);
    size_t found = 0;
    for (size_t cut = 0; cut < t.n; cut++) {
        uint8_t *copy = malloc(cut + 1);   /* exact size: ASan sees overreads */
        memcpy(copy, t.p, cut);
        found += count(copy, cut, 0, 1);
        free(copy);
    }
    char name[96];
    snprintf(name, sizeof name, "%s: every truncation: nothing", k->name);
    CHECK_EQ_U64(name, 0, found);
    kt_free(&t);
}

static void make_key(testkey *k, const char *name, EVP_PKEY *pk)
{
    if (!pk)
        abort();
    k->name = name;
    k->pk = pk;
    k->bits = EVP_PKEY_get_bits(pk);
    kt_fingerprint(pk, k->fp);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--file")) {
        const ds_detector *const dets[] = { &ds_detector_jwk, NULL };
        return kt_file_mode(argv[2], dets);
    }
    enum { NK = 9 };
    testkey keys[NK];
    make_key(&keys[0], "rsa2048", EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048));
    make_key(&keys[1], "P-256", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
    make_key(&keys[2], "P-384", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"));
    make_key(&keys[3], "P-521", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"));
    make_key(&keys[4], "secp256k1", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1"));
    make_key(&keys[5], "Ed25519", EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
    make_key(&keys[6], "X25519", EVP_PKEY_Q_keygen(NULL, NULL, "X25519"));
    make_key(&keys[7], "Ed448", EVP_PKEY_Q_keygen(NULL, NULL, "ED448"));
    make_key(&keys[8], "X448", EVP_PKEY_Q_keygen(NULL, NULL, "X448"));

    expect_jwk("RSA n e d", &keys[0], 0);
    expect_jwk("RSA with CRT members", &keys[0], F_CRT);
    expect_jwk("RSA primes without d", &keys[0], F_NO_D);
    for (int i = 1; i < NK; i++) {
        char name[96];
        snprintf(name, sizeof name, "%s", keys[i].name);
        expect_jwk(name, &keys[i], 0);
        snprintf(name, sizeof name, "%s pretty, kty last, escapes, nested", keys[i].name);
        expect_jwk(name, &keys[i], F_PRETTY | F_KTY_LAST | F_ESCAPES | F_NESTED);
    }
    expect_jwk("RSA pretty, kty last, escapes, nested", &keys[0],
               F_CRT | F_PRETTY | F_KTY_LAST | F_ESCAPES | F_NESTED);
    test_jwks(&keys[0], &keys[1], &keys[5]);
    test_negatives(keys, NK);
    test_truncations(&keys[1]);
    test_truncations(&keys[5]);
    for (int i = 0; i < NK; i++)
        EVP_PKEY_free(keys[i].pk);
    CHECK_DONE();
}
