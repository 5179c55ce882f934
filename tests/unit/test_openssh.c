/*
 * test_openssh.c - the OpenSSH private key detector on structures built
 * here from keys OpenSSL generates at run time: binary, armored (LF, CRLF,
 * UTF-16LE), encrypted (CTR and AEAD), across chunk borders; and what must
 * not be reported: mismatched check words, truncations, corrupted keys,
 * public keys, random bytes.
 *
 * `test_openssh --file PATH` scans a file with this detector only and
 * prints its findings (used by tests/t_openssh.sh with ssh-keygen keys).
 */
#include "keytest.h"

extern const ds_detector ds_detector_openssh;

typedef struct {
    const char *name;
    EVP_PKEY *pk;
    int bits;
    uint8_t fp[32];
} testkey;

/* One key of the private section, in OpenSSH's order. */
static void privkey(kt_buf *b, EVP_PKEY *pk)
{
    const char *curve, *type = kt_ssh_type(pk, &curve);
    kt_cstr(b, type);
    if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA) {
        const char *order[] = { OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E,
                                OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
                                OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2 };
        for (int i = 0; i < 6; i++)
            kt_put_bn_param(b, pk, order[i]);
    } else if (curve) {
        kt_cstr(b, curve);
        kt_put_ec_point(b, pk);
        kt_put_bn_param(b, pk, OSSL_PKEY_PARAM_PRIV_KEY);
    } else {
        kt_u32(b, 32);
        kt_put_raw(b, pk, 0);
        kt_u32(b, 64);
        kt_put_raw(b, pk, 1);
        kt_put_raw(b, pk, 0);
    }
}

enum { PLAIN, BAD_CHECK, ENC_CTR, ENC_AEAD };

/* openssh-key-v1 for pk; `mode` picks plain, corrupted check words or an
 * encrypted private section (random bytes: its content is never read). */
static void openssh_v1(kt_buf *out, EVP_PKEY *pk, int mode)
{
    kt_buf pub = { 0 }, sec = { 0 };
    kt_pubblob(&pub, pk);
    uint32_t check = 0x5eedc0de;
    kt_u32(&sec, check);
    kt_u32(&sec, mode == BAD_CHECK ? check ^ 1 : check);
    privkey(&sec, pk);
    kt_cstr(&sec, "test@dumpscrub");
    size_t block = mode == ENC_CTR ? 16 : 8;
    for (uint8_t pad = 1; sec.n % block; pad++)
        kt_put(&sec, &pad, 1);

    kt_put(out, "openssh-key-v1", 15);
    if (mode == ENC_CTR || mode == ENC_AEAD) {
        kt_cstr(out, mode == ENC_CTR ? "aes256-ctr" : "chacha20-poly1305@openssh.com");
        kt_cstr(out, "bcrypt");
        kt_u32(out, 24);
        kt_u32(out, 16);
        kt_random(out, 16);
        kt_u32(out, 16);
    } else {
        kt_cstr(out, "none");
        kt_cstr(out, "none");
        kt_cstr(out, "");
    }
    kt_u32(out, 1);
    kt_str(out, pub.p, pub.n);
    kt_u32(out, (uint32_t)sec.n);
    if (mode == ENC_CTR || mode == ENC_AEAD)
        kt_random(out, sec.n + (mode == ENC_AEAD ? 16 : 0));
    else
        kt_put(out, sec.p, sec.n);
    kt_free(&pub);
    kt_free(&sec);
}

/* The armored text; *span is its length up to the end of the END line's
 * dashes (what the detector reports), without the final line break. */
static void armor(kt_buf *out, const kt_buf *bin, const char *eol, size_t *span)
{
    size_t start = out->n;
    kt_puts(out, "-----BEGIN OPENSSH PRIVATE KEY-----");
    kt_puts(out, eol);
    kt_base64_lines(out, bin->p, bin->n, 70, eol);
    kt_puts(out, "-----END OPENSSH PRIVATE KEY-----");
    *span = out->n - start;
    kt_puts(out, eol);
}

static void expect(const char *name, const kt_buf *buf, uint64_t off, uint64_t len,
                   const char *det, ds_confidence conf, const testkey *k)
{
    ds_findings f = kt_scan(&ds_detector_openssh, buf->p, buf->n, 0, 1);
    kt_expect_one(name, &f, off, len, DS_KIND_OPENSSH, det, conf, k->bits, k->fp);
    ds_findings_free(&f);
}

static size_t count(const uint8_t *p, size_t n, size_t chunk, int jobs)
{
    ds_findings f = kt_scan(&ds_detector_openssh, p, n, chunk, jobs);
    size_t c = f.n;
    ds_findings_free(&f);
    return c;
}

static void test_key(const testkey *k)
{
    char name[128];
    kt_buf bin = { 0 };
    openssh_v1(&bin, k->pk, PLAIN);

    kt_buf b = { 0 };
    kt_random(&b, 1000);
    kt_put(&b, bin.p, bin.n);
    kt_random(&b, 1000);
    snprintf(name, sizeof name, "%s binary", k->name);
    expect(name, &b, 1000, bin.n, "openssh-binary", DS_CONF_VERIFIED, k);
    kt_free(&b);

    const char *eols[] = { "\n", "\r\n" };
    for (int e = 0; e < 2; e++) {
        size_t span;
        kt_random(&b, 777);
        armor(&b, &bin, eols[e], &span);
        kt_random(&b, 100);
        snprintf(name, sizeof name, "%s armored %s", k->name, e ? "CRLF" : "LF");
        expect(name, &b, 777, span, "openssh-pem", DS_CONF_VERIFIED, k);
        kt_free(&b);
    }

    /* Inside a JSON string: escaped line breaks, '/' written as \/. */
    kt_buf armored = { 0 }, json = { 0 };
    size_t jspan;
    armor(&armored, &bin, "\\n", &jspan);
    kt_random(&b, 500);
    kt_puts(&b, "{\"ssh_key\": \"");
    size_t jstart = b.n;
    for (size_t i = 0; i < jspan; i++) {
        if (armored.p[i] == '/')
            kt_puts(&json, "\\");
        kt_put(&json, armored.p + i, 1);
    }
    kt_put(&b, json.p, json.n);
    kt_puts(&b, "\\n\"}");
    kt_random(&b, 100);
    snprintf(name, sizeof name, "%s armored inside a JSON string", k->name);
    expect(name, &b, jstart, json.n, "openssh-pem", DS_CONF_VERIFIED, k);
    kt_free(&b);
    kt_free(&armored);
    kt_free(&json);

    /* UTF-16LE at an odd offset: a dump need not align text. */
    kt_buf text = { 0 };
    size_t span;
    armor(&text, &bin, "\r\n", &span);
    kt_random(&b, 1001);
    kt_widen(&b, text.p, text.n);
    kt_random(&b, 64);
    snprintf(name, sizeof name, "%s armored UTF-16LE", k->name);
    expect(name, &b, 1001, 2 * span, "openssh-pem", DS_CONF_VERIFIED, k);
    kt_free(&b);
    kt_free(&text);

    /* The check words differ: not a decrypted section, not a finding. */
    kt_buf bad = { 0 };
    openssh_v1(&bad, k->pk, BAD_CHECK);
    snprintf(name, sizeof name, "%s check1 != check2: nothing", k->name);
    CHECK_EQ_U64(name, 0, count(bad.p, bad.n, 0, 1));
    kt_free(&bad);

    /* Encrypted: named by the header's public key, LIKELY. */
    int modes[] = { ENC_CTR, ENC_AEAD };
    for (int m = 0; m < 2; m++) {
        kt_buf enc = { 0 };
        openssh_v1(&enc, k->pk, modes[m]);
        kt_random(&b, 300);
        kt_put(&b, enc.p, enc.n);
        kt_random(&b, 300);
        snprintf(name, sizeof name, "%s encrypted %s", k->name, m ? "chacha20-poly1305" : "aes256-ctr");
        expect(name, &b, 300, enc.n, "openssh-binary", DS_CONF_LIKELY, k);
        kt_free(&b);
        kt_free(&enc);
    }
    kt_free(&bin);
}

/* Every truncation of a structure (at the end of the buffer, so nothing
 * completes it) is rejected without reading past the buffer. */
static void test_truncations(const testkey *k)
{
    kt_buf bin = { 0 }, text = { 0 };
    size_t span;
    openssh_v1(&bin, k->pk, PLAIN);
    armor(&text, &bin, "\n", &span);
    size_t found = 0;
    for (size_t cut = 0; cut < bin.n; cut++) {
        uint8_t *copy = malloc(cut + 1);   /* exact size: ASan sees overreads */
        memcpy(copy, bin.p, cut);
        found += count(copy, cut, 0, 1);
        free(copy);
    }
    CHECK_EQ_U64("every truncated binary structure: nothing", 0, found);
    found = 0;
    for (size_t cut = 0; cut < span; cut++) {
        uint8_t *copy = malloc(cut + 1);
        memcpy(copy, text.p, cut);
        found += count(copy, cut, 0, 1);
        free(copy);
    }
    CHECK_EQ_U64("every truncated armor: nothing", 0, found);
    kt_free(&bin);
    kt_free(&text);
}

/* Flip one bit of the private scalar / seed: the key no longer checks out. */
static void test_corrupted(const testkey *k, size_t back)
{
    kt_buf bin = { 0 };
    openssh_v1(&bin, k->pk, PLAIN);
    /* The private field ends just before the comment string and padding. */
    size_t tail = 4 + strlen("test@dumpscrub");
    /* Padding is 1, 2, .., k: its last byte is its length (none if the
     * last byte is the comment's). */
    size_t pad = bin.p[bin.n - 1] <= 7 ? bin.p[bin.n - 1] : 0;
    bin.p[bin.n - pad - tail - back] ^= 0x10;
    char name[96];
    snprintf(name, sizeof name, "%s corrupted private key: nothing", k->name);
    CHECK_EQ_U64(name, 0, count(bin.p, bin.n, 0, 1));
    kt_free(&bin);
}

static void test_chunk_borders(const testkey *k)
{
    kt_buf bin = { 0 }, b = { 0 };
    size_t span;
    openssh_v1(&bin, k->pk, PLAIN);
    kt_random(&b, 4096 - 20);
    armor(&b, &bin, "\n", &span);
    kt_random(&b, 9000);
    kt_widen(&b, b.p + 4096 - 20, span);   /* a second copy, UTF-16LE */
    kt_random(&b, 100);
    size_t chunks[] = { 4096, 5000, 65536 };
    for (size_t c = 0; c < 3; c++)
        for (int jobs = 1; jobs <= 3; jobs += 2) {
            char name[96];
            snprintf(name, sizeof name, "chunk=%zu jobs=%d: both copies once", chunks[c], jobs);
            CHECK_EQ_U64(name, 2, count(b.p, b.n, chunks[c], jobs));
        }
    kt_free(&bin);
    kt_free(&b);
}

static void test_negatives(const testkey *ed)
{
    kt_buf b = { 0 }, pub = { 0 };
    /* A public key line: "ssh-ed25519 AAAA... comment". */
    kt_pubblob(&pub, ed->pk);
    kt_puts(&b, "ssh-ed25519 ");
    kt_base64_lines(&b, pub.p, pub.n, 1000, " openssh public key\n");
    kt_puts(&b, "-----BEGIN OPENSSH PRIVATE KEY-----\n-----END OPENSSH PRIVATE KEY-----\n");
    kt_put(&b, "openssh-key-v1", 15);
    kt_random(&b, 200);
    kt_put(&b, "openssh-key-v1", 15);
    kt_u32(&b, 0xffffffffu);
    kt_random(&b, 1 << 20);
    CHECK_EQ_U64("public key, empty armor, junk after the magic, random: nothing", 0,
                 count(b.p, b.n, 0, 1));
    kt_free(&b);
    kt_free(&pub);
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
        const ds_detector *const dets[] = { &ds_detector_openssh, NULL };
        return kt_file_mode(argv[2], dets);
    }
    testkey keys[5];
    make_key(&keys[0], "ed25519", EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
    make_key(&keys[1], "rsa2048", EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048));
    make_key(&keys[2], "p256", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
    make_key(&keys[3], "p384", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"));
    make_key(&keys[4], "p521", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"));
    for (int i = 0; i < 5; i++)
        test_key(&keys[i]);
    test_truncations(&keys[0]);
    test_truncations(&keys[2]);
    test_corrupted(&keys[0], 40);   /* inside the seed */
    test_corrupted(&keys[1], 600);  /* inside d */
    test_corrupted(&keys[2], 10);   /* inside d */
    test_chunk_borders(&keys[0]);
    test_negatives(&keys[0]);
    for (int i = 0; i < 5; i++)
        EVP_PKEY_free(keys[i].pk);
    CHECK_DONE();
}
