/*
 * victim_keys.c - a victim process holding ONE secret in memory in ONE form,
 * to be dumped by gcore (gdb) or by a real kernel crash.
 *
 *   victim_keys FORM KEYFILE [wait|crash]
 *
 * Reads KEYFILE (generated at test time, never committed), builds FORM in a
 * malloc'd heap buffer (plus a static or stack copy where a real program
 * would plausibly have one), prints
 *
 *   ready pid=<pid> addr=0x<heap address of the secret> len=<n>
 *         [copy=0x<address of the second copy> where=static|stack]
 *
 * on stdout (flushed), then either waits until stdin reaches EOF or SIGTERM
 * arrives (default; for gcore; gives up by itself after 10 minutes), or
 * crashes with SIGSEGV in crash_here() for a kernel core.
 *
 * If the environment variable VICTIM_SAVE names a file, the exact heap bytes
 * are also written there (mode 0600) so a test can find them in the dump.
 *
 * FORMS
 *   pem             KEYFILE's text as read (any PEM)
 *   pem-crlf        the same with CR LF line ends
 *   pem-utf16le     the same as UTF-16LE text (no BOM)
 *   pem-json        GCP-style service-account JSON; KEYFILE a PKCS#8 PEM
 *   der-pkcs1       RSAPrivateKey DER (KEYFILE: an RSA key, any PEM)
 *   der-pkcs8       PrivateKeyInfo DER (KEYFILE: any unencrypted key PEM)
 *   der-sec1        ECPrivateKey DER (KEYFILE: an EC key)
 *   pkcs8-encrypted the DER inside an ENCRYPTED PRIVATE KEY PEM
 *   pkcs12          KEYFILE's bytes (a .p12)
 *   openssh, ppk, jwk   KEYFILE's text (OpenSSH / PuTTY / JWK JSON)
 *   cng-rsa2, cng-rsa3  BCRYPT_RSAKEY_BLOB (RSA2 / RSA3 "full") from an RSA key
 *   cng-ecc         BCRYPT_ECCKEY_BLOB ECS2/ECS4/ECS6 from a P-256/384/521 key
 *   capi            CAPI PRIVATEKEYBLOB (RSA, CALG_RSA_KEYX)
 *   pvk             KEYFILE's bytes (openssl rsa -outform PVK -pvk-none)
 *   raw             KEYFILE's bytes as-is (negative controls)
 *
 * Exit: 0 after a normal wait, 2 on usage or key errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

/* Static copy for text forms: where a service keeps its loaded config. */
static unsigned char g_static_copy[64 * 1024];
static size_t g_static_len;

/* Visible by name in the core's backtrace. */
void crash_here(const unsigned char *secret, size_t len);

__attribute__((noreturn)) static void die(const char *msg)
{
    fprintf(stderr, "victim_keys: %s\n", msg);
    ERR_print_errors_fp(stderr);
    exit(2);
}

static unsigned char *read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "victim_keys: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    if (!buf)
        die("out of memory");
    for (;;) {
        if (n == cap) {
            unsigned char *nb = malloc(cap * 2);
            if (!nb)
                die("out of memory");
            memcpy(nb, buf, n);
            OPENSSL_cleanse(buf, n);
            free(buf);
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            die("read error");
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    *len = n;
    return buf;
}

/* An exact-size heap copy of a buffer (what the process "holds"). */
static unsigned char *heap_copy(const unsigned char *p, size_t n)
{
    unsigned char *h = malloc(n ? n : 1);
    if (!h)
        die("out of memory");
    memcpy(h, p, n);
    return h;
}

static EVP_PKEY *load_pkey(const unsigned char *pem, size_t len)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    if (!b)
        die("BIO_new_mem_buf");
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!k)
        die("cannot read the private key (unencrypted PEM expected)");
    return k;
}

static unsigned char *encode_der(EVP_PKEY *k, const char *structure, size_t *len)
{
    OSSL_ENCODER_CTX *ctx =
        OSSL_ENCODER_CTX_new_for_pkey(k, EVP_PKEY_KEYPAIR, "DER", structure, NULL);
    if (!ctx || OSSL_ENCODER_CTX_get_num_encoders(ctx) == 0)
        die("no DER encoder for this key and structure");
    unsigned char *out = NULL;
    size_t n = 0;
    if (!OSSL_ENCODER_to_data(ctx, &out, &n))
        die("DER encoding failed");
    OSSL_ENCODER_CTX_free(ctx);
    unsigned char *h = heap_copy(out, n);
    OPENSSL_clear_free(out, n);
    *len = n;
    return h;
}

static BIGNUM *get_bn(EVP_PKEY *k, const char *name)
{
    BIGNUM *bn = NULL;
    if (!EVP_PKEY_get_bn_param(k, name, &bn))
        die("key lacks a component");
    return bn;
}

static void put_u32le(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void put_be(unsigned char **p, const BIGNUM *bn, size_t width)
{
    if (BN_bn2binpad(bn, *p, (int)width) < 0)
        die("component wider than its field");
    *p += width;
}

static void put_le(unsigned char **p, const BIGNUM *bn, size_t width)
{
    if (BN_bn2lebinpad(bn, *p, (int)width) < 0)
        die("component wider than its field");
    *p += width;
}

enum { RSA_N, RSA_E, RSA_D, RSA_P, RSA_Q, RSA_DP, RSA_DQ, RSA_QI, RSA_NCOMP };

static void rsa_components(EVP_PKEY *k, BIGNUM *c[RSA_NCOMP])
{
    if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA)
        die("an RSA key is needed for this form");
    c[RSA_N] = get_bn(k, OSSL_PKEY_PARAM_RSA_N);
    c[RSA_E] = get_bn(k, OSSL_PKEY_PARAM_RSA_E);
    c[RSA_D] = get_bn(k, OSSL_PKEY_PARAM_RSA_D);
    c[RSA_P] = get_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR1);
    c[RSA_Q] = get_bn(k, OSSL_PKEY_PARAM_RSA_FACTOR2);
    c[RSA_DP] = get_bn(k, OSSL_PKEY_PARAM_RSA_EXPONENT1);
    c[RSA_DQ] = get_bn(k, OSSL_PKEY_PARAM_RSA_EXPONENT2);
    c[RSA_QI] = get_bn(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
}

static void rsa_free(BIGNUM *c[RSA_NCOMP])
{
    for (int i = 0; i < RSA_NCOMP; i++)
        BN_clear_free(c[i]);
}

/* BCRYPT_RSAKEY_BLOB: header then big-endian e, n, p, q [, dp, dq, qinv, d]. */
static unsigned char *build_cng_rsa(EVP_PKEY *k, int full, size_t *len)
{
    BIGNUM *c[RSA_NCOMP];
    rsa_components(k, c);
    size_t bits = (size_t)BN_num_bits(c[RSA_N]);
    size_t cbn = (bits + 7) / 8, cbe = (size_t)BN_num_bytes(c[RSA_E]);
    size_t cbp = (size_t)BN_num_bytes(c[RSA_P]), cbq = (size_t)BN_num_bytes(c[RSA_Q]);
    if (cbp < cbn / 2)
        cbp = cbn / 2;
    if (cbq < cbn / 2)
        cbq = cbn / 2;
    size_t n = 24 + cbe + cbn + cbp + cbq;
    if (full)
        n += cbp + cbq + cbp + cbn;
    unsigned char *h = calloc(1, n), *p = h;
    if (!h)
        die("out of memory");
    put_u32le(p, full ? 0x33415352u : 0x32415352u); /* "RSA3" / "RSA2" */
    put_u32le(p + 4, (uint32_t)bits);
    put_u32le(p + 8, (uint32_t)cbe);
    put_u32le(p + 12, (uint32_t)cbn);
    put_u32le(p + 16, (uint32_t)cbp);
    put_u32le(p + 20, (uint32_t)cbq);
    p += 24;
    put_be(&p, c[RSA_E], cbe);
    put_be(&p, c[RSA_N], cbn);
    put_be(&p, c[RSA_P], cbp);
    put_be(&p, c[RSA_Q], cbq);
    if (full) {
        put_be(&p, c[RSA_DP], cbp);
        put_be(&p, c[RSA_DQ], cbq);
        put_be(&p, c[RSA_QI], cbp);
        put_be(&p, c[RSA_D], cbn);
    }
    rsa_free(c);
    *len = n;
    return h;
}

/* CAPI PRIVATEKEYBLOB: BLOBHEADER + RSAPUBKEY + little-endian components. */
static unsigned char *build_capi(EVP_PKEY *k, size_t *len)
{
    BIGNUM *c[RSA_NCOMP];
    rsa_components(k, c);
    size_t bits = (size_t)BN_num_bits(c[RSA_N]);
    if (bits % 16)
        die("CAPI needs a modulus size that is a multiple of 16 bits");
    if (BN_num_bits(c[RSA_E]) > 32)
        die("CAPI needs a 32-bit public exponent");
    size_t b8 = bits / 8, b16 = bits / 16;
    size_t n = 8 + 12 + b8 + 5 * b16 + b8;
    unsigned char *h = calloc(1, n), *p = h;
    if (!h)
        die("out of memory");
    static const unsigned char blobheader[8] = { 0x07, 0x02, 0x00, 0x00, 0x00, 0xA4, 0x00, 0x00 };
    memcpy(p, blobheader, 8);
    put_u32le(p + 8, 0x32415352u); /* "RSA2" */
    put_u32le(p + 12, (uint32_t)bits);
    put_u32le(p + 16, (uint32_t)BN_get_word(c[RSA_E]));
    p += 20;
    put_le(&p, c[RSA_N], b8);
    put_le(&p, c[RSA_P], b16);
    put_le(&p, c[RSA_Q], b16);
    put_le(&p, c[RSA_DP], b16);
    put_le(&p, c[RSA_DQ], b16);
    put_le(&p, c[RSA_QI], b16);
    put_le(&p, c[RSA_D], b8);
    rsa_free(c);
    *len = n;
    return h;
}

/* BCRYPT_ECCKEY_BLOB: {magic, cbKey} + X, Y, d big-endian. */
static unsigned char *build_cng_ecc(EVP_PKEY *k, size_t *len)
{
    if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC)
        die("an EC key is needed for cng-ecc");
    char group[64];
    if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL))
        die("EC key without a named group");
    uint32_t magic;
    size_t cb;
    if (!strcmp(group, "prime256v1") || !strcmp(group, "P-256")) {
        magic = 0x32534345u; /* "ECS2" */
        cb = 32;
    } else if (!strcmp(group, "secp384r1") || !strcmp(group, "P-384")) {
        magic = 0x34534345u; /* "ECS4" */
        cb = 48;
    } else if (!strcmp(group, "secp521r1") || !strcmp(group, "P-521")) {
        magic = 0x36534345u; /* "ECS6" */
        cb = 66;
    } else {
        die("cng-ecc supports P-256, P-384 and P-521 only");
    }
    BIGNUM *x = get_bn(k, OSSL_PKEY_PARAM_EC_PUB_X);
    BIGNUM *y = get_bn(k, OSSL_PKEY_PARAM_EC_PUB_Y);
    BIGNUM *d = get_bn(k, OSSL_PKEY_PARAM_PRIV_KEY);
    size_t n = 8 + 3 * cb;
    unsigned char *h = calloc(1, n), *p = h;
    if (!h)
        die("out of memory");
    put_u32le(p, magic);
    put_u32le(p + 4, (uint32_t)cb);
    p += 8;
    put_be(&p, x, cb);
    put_be(&p, y, cb);
    put_be(&p, d, cb);
    BN_free(x);
    BN_free(y);
    BN_clear_free(d);
    *len = n;
    return h;
}

static unsigned char *build_crlf(const unsigned char *t, size_t n, size_t *len)
{
    size_t m = n;
    for (size_t i = 0; i < n; i++)
        if (t[i] == '\n' && (i == 0 || t[i - 1] != '\r'))
            m++;
    unsigned char *h = malloc(m ? m : 1), *p = h;
    if (!h)
        die("out of memory");
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '\n' && (i == 0 || t[i - 1] != '\r'))
            *p++ = '\r';
        *p++ = t[i];
    }
    *len = m;
    return h;
}

static unsigned char *build_utf16le(const unsigned char *t, size_t n, size_t *len)
{
    unsigned char *h = malloc(n ? 2 * n : 1);
    if (!h)
        die("out of memory");
    for (size_t i = 0; i < n; i++) {
        if (t[i] >= 0x80)
            die("pem-utf16le: ASCII text expected");
        h[2 * i] = t[i];
        h[2 * i + 1] = 0;
    }
    *len = 2 * n;
    return h;
}

/* A GCP service-account key file, "private_key" JSON-escaped.  The key id
 * is made at run time (hex SHA-1 of the public key, as Google's look): the
 * victim's own read-only data must hold nothing token-like, or every dump
 * of it, negative controls included, would carry a "secret". */
static unsigned char *build_json(const unsigned char *t, size_t n, size_t *len)
{
    static const char head1[] =
        "{\n"
        "  \"type\": \"service_account\",\n"
        "  \"project_id\": \"dumpscrub-demo-417203\",\n"
        "  \"private_key_id\": \"";
    static const char head2[] = "\",\n  \"private_key\": \"";
    static const char tail[] =
        "\",\n"
        "  \"client_email\": \"signer@dumpscrub-demo-417203.iam.gserviceaccount.com\",\n"
        "  \"client_id\": \"104729318562047391856\",\n"
        "  \"auth_uri\": \"https://accounts.google.com/o/oauth2/auth\",\n"
        "  \"token_uri\": \"https://oauth2.googleapis.com/token\",\n"
        "  \"auth_provider_x509_cert_url\": \"https://www.googleapis.com/oauth2/v1/certs\",\n"
        "  \"universe_domain\": \"googleapis.com\"\n"
        "}\n";
    if (n < 28 || memcmp(t, "-----BEGIN PRIVATE KEY-----", 27) != 0)
        die("pem-json: a PKCS#8 PEM (BEGIN PRIVATE KEY) is needed");
    EVP_PKEY *k = load_pkey(t, n);
    unsigned char *spki = NULL, md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int spki_len = i2d_PUBKEY(k, &spki);
    if (spki_len <= 0 || !EVP_Digest(spki, (size_t)spki_len, md, &mdlen, EVP_sha1(), NULL))
        die("pem-json: cannot hash the public key");
    OPENSSL_free(spki);
    EVP_PKEY_free(k);
    char id[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(id + 2 * i, 3, "%02x", md[i]);
    size_t cap = sizeof head1 + strlen(id) + sizeof head2 + 2 * n + sizeof tail;
    unsigned char *h = malloc(cap), *p = h;
    if (!h)
        die("out of memory");
    memcpy(p, head1, sizeof head1 - 1);
    p += sizeof head1 - 1;
    memcpy(p, id, strlen(id));
    p += strlen(id);
    memcpy(p, head2, sizeof head2 - 1);
    p += sizeof head2 - 1;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '\n') {
            *p++ = '\\';
            *p++ = 'n';
        } else if (t[i] == '\r') {
            continue;
        } else if (t[i] == '"' || t[i] == '\\') {
            *p++ = '\\';
            *p++ = t[i];
        } else {
            *p++ = t[i];
        }
    }
    memcpy(p, tail, sizeof tail - 1);
    p += sizeof tail - 1;
    *len = (size_t)(p - h);
    return h;
}

/* The DER inside a PEM block (any label), without a password. */
static unsigned char *pem_body(const unsigned char *t, size_t n, const char *want, size_t *len)
{
    BIO *b = BIO_new_mem_buf(t, (int)n);
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long dlen = 0;
    if (!b || !PEM_read_bio(b, &name, &header, &data, &dlen))
        die("no PEM block in KEYFILE");
    BIO_free(b);
    if (want && strcmp(name, want) != 0)
        die("unexpected PEM label in KEYFILE");
    unsigned char *h = heap_copy(data, (size_t)dlen);
    OPENSSL_clear_free(data, (size_t)dlen);
    OPENSSL_free(name);
    OPENSSL_free(header);
    *len = (size_t)dlen;
    return h;
}

static void save_copy(const unsigned char *p, size_t n)
{
    const char *path = getenv("VICTIM_SAVE");
    if (!path || !*path)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        die("VICTIM_SAVE: cannot create");
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            die("VICTIM_SAVE: write error");
        off += (size_t)w;
    }
    close(fd);
}

__attribute__((noinline)) void crash_here(const unsigned char *secret, size_t len)
{
    volatile unsigned char *volatile nowhere = NULL;
    /* Touch the secret so it is live in this frame, then fault. */
    nowhere[0] = (unsigned char)(secret[0] ^ (unsigned char)len);
    abort(); /* not reached */
}

static int is_text_form(const char *form)
{
    static const char *const text[] = { "pem", "pem-crlf", "pem-utf16le", "pem-json",
                                        "openssh", "ppk", "jwk", NULL };
    for (int i = 0; text[i]; i++)
        if (!strcmp(form, text[i]))
            return 1;
    return 0;
}

__attribute__((noreturn)) static void usage(void)
{
    fputs("usage: victim_keys FORM KEYFILE [wait|crash]\n"
          "FORM: pem pem-crlf pem-utf16le pem-json der-pkcs1 der-pkcs8 der-sec1\n"
          "      pkcs8-encrypted pkcs12 openssh ppk jwk cng-rsa2 cng-rsa3 cng-ecc\n"
          "      capi pvk raw\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4)
        usage();
    const char *form = argv[1], *keyfile = argv[2];
    const char *mode = argc == 4 ? argv[3] : "wait";
    int crash = !strcmp(mode, "crash");
    if (!crash && strcmp(mode, "wait") != 0)
        usage();

    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    size_t flen = 0;
    unsigned char *file = read_file(keyfile, &flen);
    unsigned char *secret = NULL;
    size_t slen = 0;
    EVP_PKEY *k = NULL;

    if (!strcmp(form, "pem") || !strcmp(form, "openssh") || !strcmp(form, "ppk") ||
        !strcmp(form, "jwk") || !strcmp(form, "pkcs12") || !strcmp(form, "pvk") ||
        !strcmp(form, "raw")) {
        secret = heap_copy(file, flen);
        slen = flen;
    } else if (!strcmp(form, "pem-crlf")) {
        secret = build_crlf(file, flen, &slen);
    } else if (!strcmp(form, "pem-utf16le")) {
        secret = build_utf16le(file, flen, &slen);
    } else if (!strcmp(form, "pem-json")) {
        secret = build_json(file, flen, &slen);
    } else if (!strcmp(form, "pkcs8-encrypted")) {
        secret = pem_body(file, flen, "ENCRYPTED PRIVATE KEY", &slen);
    } else if (!strcmp(form, "der-pkcs1") || !strcmp(form, "der-pkcs8") ||
               !strcmp(form, "der-sec1")) {
        k = load_pkey(file, flen);
        const char *structure = "PrivateKeyInfo";
        if (!strcmp(form, "der-pkcs1")) {
            if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA)
                die("der-pkcs1 needs an RSA key");
            structure = "type-specific";
        } else if (!strcmp(form, "der-sec1")) {
            if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC)
                die("der-sec1 needs an EC key");
            structure = "type-specific";
        }
        secret = encode_der(k, structure, &slen);
    } else if (!strcmp(form, "cng-rsa2") || !strcmp(form, "cng-rsa3")) {
        k = load_pkey(file, flen);
        secret = build_cng_rsa(k, !strcmp(form, "cng-rsa3"), &slen);
    } else if (!strcmp(form, "cng-ecc")) {
        k = load_pkey(file, flen);
        secret = build_cng_ecc(k, &slen);
    } else if (!strcmp(form, "capi")) {
        k = load_pkey(file, flen);
        secret = build_capi(k, &slen);
    } else {
        usage();
    }
    EVP_PKEY_free(k);
    /* The file buffer is gone: only the form remains (plus the copies below). */
    OPENSSL_cleanse(file, flen);
    free(file);

    /* Realistic second copies: text in a static (config) buffer, binary
     * blobs in a stack buffer of the frame that uses them. */
    unsigned char stack_copy[8192];
    size_t stack_len = 0;
    if (is_text_form(form) && slen <= sizeof g_static_copy) {
        memcpy(g_static_copy, secret, slen);
        g_static_len = slen;
    } else if (!is_text_form(form) && strcmp(form, "raw") != 0 && slen <= sizeof stack_copy) {
        memcpy(stack_copy, secret, slen);
        stack_len = slen;
    }

    save_copy(secret, slen);
    printf("ready pid=%ld addr=0x%" PRIxPTR " len=%zu", (long)getpid(), (uintptr_t)secret, slen);
    if (g_static_len)
        printf(" copy=0x%" PRIxPTR " where=static", (uintptr_t)g_static_copy);
    else if (stack_len)
        printf(" copy=0x%" PRIxPTR " where=stack", (uintptr_t)stack_copy);
    putchar('\n');
    fflush(stdout);

    if (crash)
        crash_here(secret, slen);

    signal(SIGTERM, SIG_DFL);
    alarm(600); /* never outlive a forgotten test run */
    char sink[256];
    for (;;) {
        ssize_t r = read(0, sink, sizeof sink);
        if (r > 0 || (r < 0 && errno == EINTR))
            continue;
        break;
    }
    OPENSSL_cleanse(stack_copy, stack_len);
    OPENSSL_cleanse(g_static_copy, g_static_len);
    OPENSSL_cleanse(secret, slen);
    free(secret);
    return 0;
}
