/*
 * test_putty.c - the PuTTY .ppk detector on files built here from keys
 * OpenSSL generates at run time: format 2 and 3, LF / CRLF / UTF-16LE,
 * unencrypted (verified) and encrypted (likely); and what must not be
 * reported: truncations before the private lines are complete, corrupted
 * private fields, a header that names another algorithm, an unknown
 * cipher, a file without private lines.
 *
 * `test_putty --file PATH` scans a file with this detector only (used by
 * tests/t_sshkeys.sh with puttygen's files).
 */
#include "keytest.h"

extern const ds_detector ds_detector_putty;

typedef struct {
    const char *name;
    EVP_PKEY *pk;
    int bits;
    uint8_t fp[32];
} testkey;

/* PuTTY's private blob: RSA d p q iqmp; ECDSA d; EdDSA string(seed). */
static void ppk_private(kt_buf *b, EVP_PKEY *pk)
{
    const char *curve;
    kt_ssh_type(pk, &curve);
    int id = EVP_PKEY_get_base_id(pk);
    if (id == EVP_PKEY_RSA) {
        const char *order[] = { OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
                                OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1 };
        for (int i = 0; i < 4; i++)
            kt_put_bn_param(b, pk, order[i]);
    } else if (curve) {
        kt_put_bn_param(b, pk, OSSL_PKEY_PARAM_PRIV_KEY);
    } else {
        kt_u32(b, id == EVP_PKEY_ED448 ? 57 : 32);
        kt_put_raw(b, pk, 1);
    }
}

typedef struct {
    int version;          /* 2 or 3 */
    const char *eol;
    const char *cipher;   /* "none", "aes256-cbc", or anything to test */
    const char *header_type;   /* NULL: the key's own */
    size_t flip;          /* 1 + index of a private blob byte to corrupt; 0 none */
    size_t extra;         /* bytes added to an encrypted blob (not a block multiple) */
} ppk_opts;

/* The file text; *span = its length up to the end of the Private-MAC
 * value, *priv_end = end of the last private line (both from out->n at entry). */
static void ppk(kt_buf *out, EVP_PKEY *pk, const ppk_opts *o, size_t *span, size_t *priv_end)
{
    size_t start = out->n;
    const char *curve, *type = kt_ssh_type(pk, &curve);
    kt_buf pub = { 0 }, priv = { 0 };
    char line[128];
    kt_pubblob(&pub, pk);
    ppk_private(&priv, pk);
    int enc = strcmp(o->cipher, "none") != 0;
    if (enc) {   /* the content of an encrypted blob is never read: random */
        size_t n = (priv.n + 15) / 16 * 16 + o->extra;
        kt_free(&priv);
        kt_random(&priv, n);
    }
    if (o->flip)
        priv.p[o->flip - 1] ^= 0x01;
    snprintf(line, sizeof line, "PuTTY-User-Key-File-%d: %s%s", o->version,
             o->header_type ? o->header_type : type, o->eol);
    kt_puts(out, line);
    snprintf(line, sizeof line, "Encryption: %s%sComment: imported-openssh-key%s", o->cipher,
             o->eol, o->eol);
    kt_puts(out, line);
    snprintf(line, sizeof line, "Public-Lines: %zu%s", (pub.n + 47) / 48, o->eol);
    kt_puts(out, line);
    kt_base64_lines(out, pub.p, pub.n, 64, o->eol);
    if (o->version == 3 && enc) {
        snprintf(line, sizeof line, "Key-Derivation: Argon2id%sArgon2-Memory: 8192%s"
                 "Argon2-Passes: 13%sArgon2-Parallelism: 1%s", o->eol, o->eol, o->eol, o->eol);
        kt_puts(out, line);
        snprintf(line, sizeof line, "Argon2-Salt: 0123456789abcdef0123456789abcdef%s", o->eol);
        kt_puts(out, line);
    }
    snprintf(line, sizeof line, "Private-Lines: %zu%s", (priv.n + 47) / 48, o->eol);
    kt_puts(out, line);
    kt_base64_lines(out, priv.p, priv.n, 64, o->eol);
    *priv_end = out->n - strlen(o->eol) - start;
    kt_puts(out, "Private-MAC: ");
    kt_puts(out, o->version == 3 ? "6e1620e223c53f1d59de7e99f26c99cc4fd2ca0212e28d6c240238fd20de9711"
                                 : "392d7758cf8fae4c172534d9fc796a0e8e01b904");
    *span = out->n - start;
    kt_puts(out, o->eol);
    kt_free(&pub);
    kt_free(&priv);
}

static size_t count(const uint8_t *p, size_t n)
{
    ds_findings f = kt_scan(&ds_detector_putty, p, n, 0, 1);
    size_t c = f.n;
    ds_findings_free(&f);
    return c;
}

static void test_key(const testkey *k)
{
    char name[128];
    size_t span, pe;
    for (int v = 2; v <= 3; v++) {
        for (int e = 0; e < 2; e++) {
            ppk_opts o = { v, e ? "\r\n" : "\n", "none", NULL, 0, 0 };
            kt_buf b = { 0 };
            kt_random(&b, 999);
            ppk(&b, k->pk, &o, &span, &pe);
            kt_random(&b, 99);
            ds_findings f = kt_scan(&ds_detector_putty, b.p, b.n, 0, 1);
            snprintf(name, sizeof name, "%s ppk v%d %s", k->name, v, e ? "CRLF" : "LF");
            kt_expect_one(name, &f, 999, span, DS_KIND_PUTTY, "putty-ppk", DS_CONF_VERIFIED,
                          k->bits, k->fp);
            ds_findings_free(&f);
            kt_free(&b);
        }
        /* Encrypted: likely, named by the public blob. */
        ppk_opts o = { v, "\n", "aes256-cbc", NULL, 0, 0 };
        kt_buf b = { 0 };
        kt_random(&b, 10);
        ppk(&b, k->pk, &o, &span, &pe);
        ds_findings f = kt_scan(&ds_detector_putty, b.p, b.n, 0, 1);
        snprintf(name, sizeof name, "%s ppk v%d aes256-cbc", k->name, v);
        kt_expect_one(name, &f, 10, span, DS_KIND_PUTTY, "putty-ppk", DS_CONF_LIKELY, k->bits,
                      k->fp);
        ds_findings_free(&f);
        kt_free(&b);
    }
    /* UTF-16LE (CRLF, at an odd offset). */
    ppk_opts o = { 3, "\r\n", "none", NULL, 0, 0 };
    kt_buf text = { 0 }, b = { 0 };
    ppk(&text, k->pk, &o, &span, &pe);
    kt_random(&b, 501);
    kt_widen(&b, text.p, text.n);
    ds_findings f = kt_scan(&ds_detector_putty, b.p, b.n, 0, 1);
    snprintf(name, sizeof name, "%s ppk UTF-16LE", k->name);
    kt_expect_one(name, &f, 501, 2 * span, DS_KIND_PUTTY, "putty-ppk", DS_CONF_VERIFIED, k->bits,
                  k->fp);
    ds_findings_free(&f);
    kt_free(&b);
    kt_free(&text);

    /* A corrupted private field does not verify. */
    ppk_opts bad = { 3, "\n", "none", NULL, 6, 0 };
    ppk(&b, k->pk, &bad, &span, &pe);
    snprintf(name, sizeof name, "%s corrupted private blob: nothing", k->name);
    CHECK_EQ_U64(name, 0, count(b.p, b.n));
    kt_free(&b);
}

/* Cut the file at every length: nothing until the last private line is
 * complete, then the key (its bytes are all there). */
static void test_truncations(const testkey *k)
{
    ppk_opts o = { 3, "\n", "none", NULL, 0, 0 };
    kt_buf text = { 0 };
    size_t span, pe, early = 0, late = 0, late_cuts = 0;
    ppk(&text, k->pk, &o, &span, &pe);
    for (size_t cut = 0; cut <= text.n; cut++) {
        uint8_t *copy = malloc(cut + 1);   /* exact size: ASan sees overreads */
        memcpy(copy, text.p, cut);
        size_t c = count(copy, cut);
        if (cut <= pe)
            early += c;
        else
            late += c, late_cuts++;
        free(copy);
    }
    CHECK_EQ_U64("truncated before the private lines end: nothing", 0, early);
    CHECK_EQ_U64("truncated after the private lines: the key", late_cuts, late);
    kt_free(&text);
}

static void test_negatives(const testkey *ed, const testkey *rsa)
{
    size_t span, pe;
    kt_buf b = { 0 };
    ppk_opts wrong = { 3, "\n", "none", "ssh-rsa", 0, 0 };
    ppk(&b, ed->pk, &wrong, &span, &pe);
    CHECK_EQ_U64("header names another algorithm: nothing", 0, count(b.p, b.n));
    kt_free(&b);

    ppk_opts cipher = { 3, "\n", "aes128-ctr", NULL, 0, 0 };
    ppk(&b, rsa->pk, &cipher, &span, &pe);
    CHECK_EQ_U64("unknown cipher: nothing", 0, count(b.p, b.n));
    kt_free(&b);

    ppk_opts partial = { 3, "\n", "aes256-cbc", NULL, 0, 5 };
    ppk(&b, rsa->pk, &partial, &span, &pe);
    CHECK_EQ_U64("encrypted blob not a whole number of AES blocks: nothing", 0, count(b.p, b.n));
    kt_free(&b);

    /* Public parts only: the PuTTY header without private lines, and an
     * RFC 4716 public key file. */
    kt_buf pub = { 0 };
    kt_pubblob(&pub, ed->pk);
    kt_puts(&b, "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: x\nPublic-Lines: 2\n");
    kt_base64_lines(&b, pub.p, pub.n, 64, "\n");
    kt_puts(&b, "---- BEGIN SSH2 PUBLIC KEY ----\nComment: \"PuTTY\"\n");
    kt_base64_lines(&b, pub.p, pub.n, 64, "\n");
    kt_puts(&b, "---- END SSH2 PUBLIC KEY ----\n");
    kt_random(&b, 1 << 20);
    CHECK_EQ_U64("public parts, random bytes: nothing", 0, count(b.p, b.n));
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
        const ds_detector *const dets[] = { &ds_detector_putty, NULL };
        return kt_file_mode(argv[2], dets);
    }
    testkey keys[6];
    make_key(&keys[0], "ed25519", EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
    make_key(&keys[1], "rsa2048", EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048));
    make_key(&keys[2], "p256", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
    make_key(&keys[3], "p384", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"));
    make_key(&keys[4], "p521", EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"));
    make_key(&keys[5], "ed448", EVP_PKEY_Q_keygen(NULL, NULL, "ED448"));
    for (int i = 0; i < 6; i++)
        test_key(&keys[i]);
    test_truncations(&keys[0]);
    test_truncations(&keys[2]);
    test_negatives(&keys[0], &keys[1]);
    for (int i = 0; i < 6; i++)
        EVP_PKEY_free(keys[i].pk);
    CHECK_DONE();
}
