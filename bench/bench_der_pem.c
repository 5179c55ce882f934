/* bench_der_pem.c - throughput of the "der" and "pem" detectors on 256 MiB
 * of dump-like data (4 KiB pages of zeros, random bytes, ASCII text and
 * heap-like words), no keys in it: the cost every dump pays.  Then a worst
 * case: a buffer tiled with certificates in DER and PEM (a CA bundle held
 * in memory), where every OID and every "-----BEGIN" is a candidate.
 * Times are CPU time (best of several runs), so a busy machine skews less.
 *
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Iscanner -o build/bench_der_pem \
 *      bench/bench_der_pem.c build/libdumpscrub.a $(pkg-config --libs libcrypto libelf \
 *      libpcre2-8 zlib libzstd liblzma) -lpthread
 *   build/bench_der_pem [MiB [FILE]]     (FILE: also write the data there)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "der.h"
#include "scan.h"

extern const ds_detector ds_detector_der;
extern const ds_detector ds_detector_pem;

static uint64_t rng(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static void fill_page(uint8_t *p, size_t n, uint64_t *s)
{
    static const char *words[] = {
        "the ", "error: ", "/usr/lib/x86_64-linux-gnu/", "libssl.so.3 ", "--verbose ",
        "0x7ffd1234 ", "connection ", "GET /index.html HTTP/1.1\r\n", "----\n", "key=value ",
        "2024-05-01T12:00:00Z ", "{\"id\": 12345, \"name\": \"x\"} ", "\n", "SELECT * FROM t; ",
    };
    uint64_t r = rng(s) % 100;
    if (r < 30) {
        memset(p, 0, n);
    } else if (r < 60) {
        for (size_t i = 0; i < n; i += 8) {
            uint64_t v = rng(s);
            memcpy(p + i, &v, 8);
        }
    } else if (r < 85) {
        for (size_t i = 0; i < n;) {
            const char *w = words[rng(s) % (sizeof words / sizeof words[0])];
            size_t l = strlen(w) < n - i ? strlen(w) : n - i;
            memcpy(p + i, w, l);
            i += l;
        }
    } else {
        for (size_t i = 0; i < n; i += 8) {
            uint64_t v = rng(s) & 3 ? 0x00007f0000000000ULL | (rng(s) & 0xffffffff0ULL)
                                    : rng(s) % 300;
            memcpy(p + i, &v, 8);
        }
    }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);   /* CPU time: robust to a busy machine */
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static size_t nfound;
static void count(void *ctx, const ds_finding *f)
{
    (void)ctx;
    (void)f;
    nfound++;
}

typedef void (*find_fn)(const uint8_t *, size_t, size_t, uint64_t, uint8_t *, ds_found_fn, void *);

/* Chunked like the engine: 4 MiB chunks, 64 KiB overlap. */
static double run_find(find_fn fn, const uint8_t *buf, size_t len, uint8_t *scratch)
{
    const size_t chunk = 4u << 20, ov = DS_PEM_MAX_SPAN;
    double best = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        for (size_t off = 0; off < len; off += chunk) {
            size_t own = len - off < chunk ? len - off : chunk;
            size_t l = len - off - own < ov ? len - off : own + ov;
            fn(buf + off, own, l, off, scratch, count, NULL);
        }
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

static double run_memmem(const uint8_t *buf, size_t len, const void *needle, size_t nl)
{
    double best = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        size_t pos = 0, hits = 0;
        const uint8_t *m;
        while ((m = memmem(buf + pos, len - pos, needle, nl)) != NULL) {
            hits++;
            pos = (size_t)(m - buf) + 1;
        }
        double t = now() - t0;
        if (t < best)
            best = t;
        nfound += hits;
    }
    return best;
}

static double run_engine(const ds_detector *d, const uint8_t *buf, size_t len)
{
    const ds_detector *dl[] = { d, NULL };
    double best = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        ds_scan_opts o;
        ds_dump dump;
        ds_findings out = { 0 };
        ds_scan_opts_init(&o);
        o.detectors = dl;
        ds_dump_init(&dump, len);
        double t0 = now();
        ds_scan_memory(buf, len, &dump, &o, &out);
        double t = now() - t0;
        if (t < best)
            best = t;
        nfound += out.n;
        ds_findings_free(&out);
        ds_dump_free(&dump);
    }
    return best;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
    size_t len = mib << 20;
    uint8_t *buf = malloc(len), *scratch = malloc(2 * DS_PEM_MAX_DER + DS_DER_MAX_SPAN);
    if (!buf || !scratch)
        return 2;
    uint64_t s = 42;
    for (size_t off = 0; off < len; off += 4096)
        fill_page(buf + off, 4096, &s);
    static const uint8_t u16[] = { '-', 0, '-', 0, '-', 0, '-', 0, '-', 0, 'B', 0, 'E', 0,
                                   'G', 0, 'I', 0, 'N', 0, ' ', 0 };
    if (argc > 2) {
        /* Also write the data out, to time a whole scan with the CLI. */
        FILE *out = fopen(argv[2], "wb");
        if (!out || fwrite(buf, 1, len, out) != len || fclose(out) != 0)
            return 2;
    }
    double gb = (double)len / 1e9, t;
    printf("%zu MiB dump-like data (30%% zero, 30%% random, 25%% text, 15%% heap pages)\n", mib);
    t = run_find(ds_der_find, buf, len, scratch);
    printf("ds_der_find (der detector)        %6.2f GB/s  %.3f ns/byte\n", gb / t, t / (double)len * 1e9);
    t = run_find(ds_pem_find, buf, len, scratch);
    printf("ds_pem_find (pem detector)        %6.2f GB/s  %.3f ns/byte\n", gb / t, t / (double)len * 1e9);
    t = run_memmem(buf, len, "-----BEGIN ", 11);
    printf("  memmem \"-----BEGIN \" alone      %6.2f GB/s\n", gb / t);
    t = run_memmem(buf, len, u16, sizeof u16);
    printf("  memmem UTF-16LE form alone      %6.2f GB/s\n", gb / t);
    t = run_engine(&ds_detector_der, buf, len);
    printf("engine, der only                  %6.2f GB/s\n", gb / t);
    t = run_engine(&ds_detector_pem, buf, len);
    printf("engine, pem only                  %6.2f GB/s\n", gb / t);

    /* Worst case: certificates, DER and PEM, back to back. */
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    unsigned char *der = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, pk);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"bench", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_sign(x, pk, EVP_sha256());
    int dn = i2d_X509(x, &der);
    PEM_write_bio_X509(bio, x);
    long pn = BIO_get_mem_data(bio, &pem);
    size_t clen = 64u << 20;
    if (dn > 0 && pn > 0 && clen <= len) {
        for (size_t off = 0; off + (size_t)dn + (size_t)pn <= clen; off += (size_t)dn + (size_t)pn) {
            memcpy(buf + off, der, (size_t)dn);
            memcpy(buf + off + dn, pem, (size_t)pn);
        }
        double cgb = (double)clen / 1e9;
        t = run_find(ds_der_find, buf, clen, scratch);
        printf("certificate-tiled 64 MiB: der    %6.2f GB/s\n", cgb / t);
        t = run_find(ds_pem_find, buf, clen, scratch);
        printf("certificate-tiled 64 MiB: pem    %6.2f GB/s\n", cgb / t);
    }
    OPENSSL_free(der);
    BIO_free(bio);
    X509_free(x);
    EVP_PKEY_free(pk);
    printf("(findings: %zu)\n", nfound);
    free(buf);
    free(scratch);
    return 0;
}
