/*
 * test_rsamem.c - the rsamem detector (RSA keys in their in-memory form) on
 * synthetic dumps: a RAW ds_dump with a fake region map, holding OpenSSL
 * BIGNUM structs {d, top, dmax, neg, flags} that point to limb arrays.
 *
 *  - a whole key as BIGNUMs (n e d p q dmp1 dmq1 iqmp): every private
 *    component reported verified, with the key's fingerprint, at its limbs;
 *    in several chunk sizes and thread counts; also at file offsets that
 *    are not 8-aligned (minidump memory) and as 32-bit limbs (i386 core);
 *  - the same key as Go math/big.Int structs {neg, ptr, len, cap}, and as
 *    BIGNUMs of a big-endian 64-bit core;
 *  - bare limb arrays with a known modulus: a lone LE prime and a lone BE
 *    prime found ("rsa-limbs"), and nothing without the known modulus;
 *  - negatives: random data, a pointer-rich fake heap with BIGNUM-shaped
 *    structs pointing to random limbs, a BIGNUM pointing to a composite
 *    next to the real n: no finding.
 */
#include "check.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "detector.h"
#include "known_keys.h"
#include "rsamem.h"
#include "scan.h"
#include "verify.h"

extern const ds_detector ds_detector_rsamem;
static const ds_detector *const only_rsamem[] = { &ds_detector_rsamem, NULL };

enum { N = 1 << 20 };
#define VA 0x5555aaaa0000ULL
#define VA32 0x08100000ULL

enum { C_N, C_E, C_D, C_P, C_Q, C_DP, C_DQ, C_QI, NC };
static const char *const pnames[NC] = {
    OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
    OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
    OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
    OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

typedef struct {
    EVP_PKEY *pk;
    BIGNUM *c[NC];
    uint8_t fp[32];
} key;

static void key_make(key *k, unsigned bits)
{
    memset(k, 0, sizeof *k);
    k->pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    for (int i = 0; i < NC; i++)
        EVP_PKEY_get_bn_param(k->pk, pnames[i], &k->c[i]);
    ds_fingerprint_pkey(k->pk, k->fp);
}

static void key_free(key *k)
{
    for (int i = 0; i < NC; i++)
        BN_clear_free(k->c[i]);
    EVP_PKEY_free(k->pk);
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* Limbs (LE, word size ws) of x at buf+off; returns the limb count. */
static uint32_t put_limbs(uint8_t *buf, size_t off, const BIGNUM *x, int ws)
{
    int nb = BN_num_bytes(x);
    uint32_t top = (uint32_t)((nb + ws - 1) / ws);
    BN_bn2lebinpad(x, buf + off, (int)top * ws);
    return top;
}

/* A BIGNUM header at buf+off pointing to vaddr lv. */
static void put_bignum(uint8_t *buf, size_t off, uint64_t lv, uint32_t top, int ws)
{
    if (ws == 8) {
        put64(buf + off, lv);
        off += 8;
    } else {
        put32(buf + off, (uint32_t)lv);
        off += 4;
    }
    put32(buf + off, top);
    put32(buf + off + 4, top);
    put32(buf + off + 8, 0);
    put32(buf + off + 12, 5);   /* MALLOCED | CONSTTIME */
}

static void fill_random(uint8_t *p, size_t n) { RAND_bytes(p, (int)n); }

static int scan(const uint8_t *buf, size_t len, uint64_t file_off, uint64_t va, int ws,
                size_t chunk, int jobs, const ds_known_keys *kk, ds_findings *f)
{
    ds_dump d;
    ds_dump_init(&d, len);
    d.word_size = ws;
    ds_region r = { .file_off = file_off, .file_size = len - file_off, .vaddr = va,
                    .mem_size = len - file_off, .has_vaddr = 1, .perms = 3,
                    .label = "[heap]", .module = -1 };
    ds_dump_add_region(&d, &r);
    ds_dump_finish(&d);
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = only_rsamem;
    o.chunk_size = chunk;
    o.jobs = jobs;
    o.known = kk;
    memset(f, 0, sizeof *f);
    int rc = ds_scan_memory(buf, len, &d, &o, f);
    ds_dump_free(&d);
    return rc;
}

static int has_finding(const ds_findings *f, uint64_t off, uint64_t len, const char *det,
                       const uint8_t fp[32])
{
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].offset == off && f->v[i].length == len &&
            strcmp(f->v[i].detector, det) == 0 && f->v[i].confidence == DS_CONF_VERIFIED &&
            f->v[i].has_fingerprint && memcmp(f->v[i].fingerprint, fp, 32) == 0)
            return 1;
    return 0;
}

/* A whole key as BIGNUMs: headers at hdr0 (24/20 bytes apart), limbs at
 * lim0 (spaced 1 KiB).  file_off/va: the region's mapping. */
static void plant_key(uint8_t *buf, const key *k, size_t hdr0, size_t lim0, uint64_t file_off,
                      uint64_t va, int ws, uint64_t loff[NC], uint32_t top[NC])
{
    size_t hsz = ws == 8 ? 24 : 20;
    for (int i = 0; i < NC; i++) {
        loff[i] = lim0 + (size_t)i * 1024;
        top[i] = put_limbs(buf, loff[i], k->c[i], ws);
        put_bignum(buf, hdr0 + (size_t)i * (hsz + 8), va + (loff[i] - file_off), top[i], ws);
    }
}

static void whole_key_tests(const key *k)
{
    static uint8_t buf[N];
    uint64_t loff[NC];
    uint32_t top[NC];
    static const struct { size_t chunk; int jobs; } runs[] = {
        { 0, 1 }, { 65536, 3 }, { 4096 * 3 + 8, 2 },
    };
    for (int ws = 8; ws >= 4; ws -= 4) {
        for (uint64_t foff = 0; foff <= 4; foff += 4) {
            if (ws == 4 && foff)
                continue;
            uint64_t va = ws == 8 ? VA : VA32;
            fill_random(buf, N);
            plant_key(buf, k, 200000 + foff, 300000 + foff, foff, va, ws, loff, top);
            for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
                ds_findings f;
                char name[160];
                snprintf(name, sizeof name, "bignums ws=%d file_off=%llu chunk=%zu jobs=%d: scan",
                         ws, (unsigned long long)foff, runs[r].chunk, runs[r].jobs);
                CHECK(name, scan(buf, N, foff, va, ws, runs[r].chunk, runs[r].jobs, NULL, &f) == 0);
                static const int priv[] = { C_D, C_P, C_Q, C_DP, C_DQ, C_QI };
                static const char *const pn[] = { "d", "p", "q", "dmp1", "dmq1", "iqmp" };
                for (size_t i = 0; i < 6; i++) {
                    int c = priv[i];
                    snprintf(name, sizeof name,
                             "bignums ws=%d file_off=%llu chunk=%zu: %s verified at its limbs",
                             ws, (unsigned long long)foff, runs[r].chunk, pn[i]);
                    CHECK(name, has_finding(&f, loff[c], (uint64_t)top[c] * (uint64_t)ws,
                                            "rsa-bignum", k->fp));
                }
                int pub = 0;
                for (size_t i = 0; i < f.n; i++)
                    pub |= f.v[i].offset == loff[C_N];
                snprintf(name, sizeof name, "bignums ws=%d chunk=%zu: n not reported", ws,
                         runs[r].chunk);
                CHECK(name, !pub);
                ds_findings_free(&f);
            }
        }
    }
}

/* A big-endian 64-bit core (s390x, ppc64): header fields and each limb
 * big-endian, limbs still least significant first. */
static void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void be_tests(const key *k)
{
    static uint8_t buf[N];
    fill_random(buf, N);
    uint64_t loff[NC];
    uint32_t top[NC];
    for (int i = 0; i < NC; i++) {
        loff[i] = 500000 + (size_t)i * 1024;
        top[i] = put_limbs(buf, loff[i], k->c[i], 8);
        for (uint32_t l = 0; l < top[i]; l++) {   /* each limb to big-endian */
            uint8_t *q = buf + loff[i] + 8 * l;
            for (int a = 0, b = 7; a < b; a++, b--) {
                uint8_t t = q[a];
                q[a] = q[b];
                q[b] = t;
            }
        }
        size_t h = 90000 + (size_t)i * 32;
        put_be64(buf + h, VA + loff[i]);
        put_be32(buf + h + 8, top[i]);
        put_be32(buf + h + 12, top[i]);
        put_be32(buf + h + 16, 0);
        put_be32(buf + h + 20, 1);
    }
    ds_dump d;
    ds_dump_init(&d, N);
    d.word_size = 8;
    d.big_endian = 1;
    ds_region r = { .file_off = 0, .file_size = N, .vaddr = VA, .mem_size = N, .has_vaddr = 1,
                    .perms = 3, .label = "[heap]", .module = -1 };
    ds_dump_add_region(&d, &r);
    ds_dump_finish(&d);
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = only_rsamem;
    ds_findings f = { 0 };
    CHECK("big-endian core: scan", ds_scan_memory(buf, N, &d, &o, &f) == 0);
    static const int priv[] = { C_D, C_P, C_Q, C_DP, C_DQ, C_QI };
    for (size_t i = 0; i < 6; i++) {
        char name[96];
        snprintf(name, sizeof name, "big-endian core: component %zu verified at its limbs", i);
        CHECK(name, has_finding(&f, loff[priv[i]], (uint64_t)top[priv[i]] * 8, "rsa-bignum", k->fp));
    }
    ds_findings_free(&f);
    ds_dump_free(&d);
}

/* Go: math/big.Int {neg bool; abs []Word} = {neg, ptr, len, cap}. */
static void go_tests(const key *k)
{
    static uint8_t buf[N];
    fill_random(buf, N);
    uint64_t loff[NC];
    uint32_t top[NC];
    for (int i = 0; i < NC; i++) {
        loff[i] = 400000 + (size_t)i * 1024;
        top[i] = put_limbs(buf, loff[i], k->c[i], 8);
        size_t h = 100000 + (size_t)i * 48;
        put64(buf + h, 0);
        put64(buf + h + 8, VA + loff[i]);
        put64(buf + h + 16, top[i]);
        put64(buf + h + 24, top[i] + 2);
    }
    ds_findings f;
    CHECK("go big.Int: scan", scan(buf, N, 0, VA, 8, 0, 1, NULL, &f) == 0);
    static const int priv[] = { C_D, C_P, C_Q, C_DP, C_DQ, C_QI };
    for (size_t i = 0; i < 6; i++) {
        char name[96];
        snprintf(name, sizeof name, "go big.Int: component %zu verified at its limbs", i);
        CHECK(name, has_finding(&f, loff[priv[i]], (uint64_t)top[priv[i]] * 8, "rsa-bignum", k->fp));
    }
    ds_findings_free(&f);
}

static void known_tests(const key *k)
{
    static uint8_t buf[N];
    fill_random(buf, N);
    int pb = BN_num_bytes(k->c[C_P]), qb = BN_num_bytes(k->c[C_Q]);
    size_t poff = 123456 & ~(size_t)7, qoff = 700008;
    BN_bn2lebinpad(k->c[C_P], buf + poff, pb);
    BN_bn2binpad(k->c[C_Q], buf + qoff, qb);
    ds_known_keys *kk = ds_known_keys_new();
    CHECK("known: add modulus", kk && ds_known_keys_add(kk, k->c[C_N], k->c[C_E]) == 0);
    ds_findings f;
    CHECK("known: scan", scan(buf, N, 0, VA, 8, 0, 1, kk, &f) == 0);
    CHECK("known: lone LE prime found", has_finding(&f, poff, (uint64_t)pb, "rsa-limbs", k->fp));
    CHECK("known: lone BE prime found", has_finding(&f, qoff, (uint64_t)qb, "rsa-limbs", k->fp));
    ds_findings_free(&f);
    CHECK("known: chunked scan", scan(buf, N, 0, VA, 8, 4096 * 5 + 8, 3, kk, &f) == 0);
    CHECK("known: lone LE prime found (small chunks)",
          has_finding(&f, poff, (uint64_t)pb, "rsa-limbs", k->fp));
    ds_findings_free(&f);
    CHECK("known: scan without the modulus", scan(buf, N, 0, VA, 8, 0, 1, NULL, &f) == 0);
    CHECK_EQ_U64("known: nothing without the modulus", 0, f.n);
    ds_findings_free(&f);

    /* lone d as a BIGNUM, with the known modulus */
    fill_random(buf, N);
    uint32_t dt = put_limbs(buf, 500000, k->c[C_D], 8);
    put_bignum(buf, 400000, VA + 500000, dt, 8);
    CHECK("known: lone d scan", scan(buf, N, 0, VA, 8, 0, 1, kk, &f) == 0);
    CHECK("known: lone d BIGNUM found", has_finding(&f, 500000, (uint64_t)dt * 8, "rsa-bignum", k->fp));
    ds_findings_free(&f);
    CHECK("known: lone d without the modulus", scan(buf, N, 0, VA, 8, 0, 1, NULL, &f) == 0);
    CHECK_EQ_U64("known: lone d, no modulus: nothing", 0, f.n);
    ds_findings_free(&f);
    ds_known_keys_free(kk);
}

/* The header prefilter (vectorised where the CPU has AVX2) passes exactly
 * the positions the one-position scalar path passes: words mixing
 * pointers, {top, dmax} pairs on both sides of every bound, zeros and
 * random data; whole-range calls against 32-byte calls (scalar). */
static void filter_tests(void)
{
    enum { L = 1 << 16 };
    static uint8_t b[L];
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < L; i += 8) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint64_t w, r = x >> 32;
        /* every bound of the filter and of the full test, and between */
        static const uint32_t tops[] = { 3, 4, 5, 64, 127, 128, 129, 254, 255, 256, 257 };
        static const uint32_t gaps[] = { 0, 1, 4095, 4096, 8190, 8191, 8192, 9000 };
        uint32_t top = r & 1 ? tops[r / 2 % 11] : (uint32_t)(r % 300);
        uint32_t dmax = top + ((x >> 12) & 1 ? gaps[(x >> 16) % 8] : (uint32_t)((x >> 8) % 9000));
        switch (x % 8) {
        case 0: w = x; break;
        case 1: case 2: w = 0x00005555aaaa0000ULL + (r & 0xffff) * 8; break;
        case 3: w = (uint64_t)dmax << 32 | top; break;
        case 4: w = top; break;                             /* Go len, dmax 0 */
        case 5: w = 0; break;
        case 6: w = r & 3; break;
        default: w = 0x00005555aaaa0000ULL + (r & 0xffff) * 8 + 4; break;   /* unaligned */
        }
        memcpy(b + i, &w, 8);
        if (x % 4 == 1 && i + 24 <= L) {   /* a whole header: pointer, {top, dmax}, flags */
            w = (uint64_t)dmax << 32 | top;
            memcpy(b + i + 8, &w, 8);
            w = (x >> 20) & 1;
            memcpy(b + i + 16, &w, 8);
            i += 16;
        }
    }
    ds_dump d;
    ds_dump_init(&d, L);
    rm_view v;
    memset(&v, 0, sizeof v);
    v.dump = &d;
    v.ws = 8;
    v.buf = b;
    v.own = v.len = L;
    v.vmin = 1;
    v.vmax = 2;
    static rm_cand out[8];
    size_t n = 0, whole = rm_find_bignums(&v, 0, L, out, &n, 8), one = 0;
    /* 32-byte ranges are too short for the vector loop (72 bytes). */
    for (size_t i = 0; i < L; i += 32)
        one += rm_find_bignums(&v, i, i + 32, out, &n, 8);
    CHECK("bignum filter: the test data has headers", whole > 30);
    CHECK_EQ_U64("bignum filter: whole-range pass = 32 bytes at a time", one, whole);
    ds_dump_free(&d);
}

static void negative_tests(const key *k)
{
    static uint8_t buf[N];
    ds_findings f;
    fill_random(buf, N);
    CHECK("negative: random scan", scan(buf, N, 0, VA, 8, 0, 1, NULL, &f) == 0);
    CHECK_EQ_U64("negative: random data gives nothing", 0, f.n);
    ds_findings_free(&f);

    /* pointer-rich fake heap: pointers into the region, and BIGNUM-shaped
     * structs pointing to random odd limbs of prime and modulus sizes */
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < N; i += 8) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        put64(buf + i, (x & 3) ? VA + (x % N & ~(uint64_t)15) : x);
    }
    for (size_t i = 0; i < 2000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        size_t lo = (size_t)(x % (N - 4096)) & ~(size_t)7;
        uint32_t t = (i & 1) ? 16 : 32;
        fill_random(buf + lo, (size_t)t * 8);
        buf[lo] |= 1;
        buf[lo + (size_t)t * 8 - 1] |= 0xc0;
        put_bignum(buf, (size_t)(i * 64 + 8) % (N - 64), VA + lo, t, 8);
    }
    CHECK("negative: fake heap scan", scan(buf, N, 0, VA, 8, 0, 1, NULL, &f) == 0);
    CHECK_EQ_U64("negative: fake heap gives nothing", 0, f.n);
    ds_findings_free(&f);

    /* the real n and q as BIGNUMs, but p replaced by a composite */
    fill_random(buf, N);
    BIGNUM *bad = BN_dup(k->c[C_P]);
    BN_add_word(bad, 2);
    while (BN_check_prime(bad, NULL, NULL) == 1)
        BN_add_word(bad, 2);
    uint32_t t;
    t = put_limbs(buf, 300000, k->c[C_N], 8);
    put_bignum(buf, 200000, VA + 300000, t, 8);
    t = put_limbs(buf, 302048, bad, 8);
    put_bignum(buf, 200032, VA + 302048, t, 8);
    t = put_limbs(buf, 304096, k->c[C_Q], 8);
    put_bignum(buf, 200064, VA + 304096, t, 8);
    BN_free(bad);
    CHECK("negative: composite scan", scan(buf, N, 0, VA, 8, 0, 1, NULL, &f) == 0);
    /* q divides n: a lone prime, so the key IS found; the composite never is */
    int comp = 0;
    for (size_t i = 0; i < f.n; i++)
        comp |= f.v[i].offset == 302048;
    CHECK("negative: the composite is not reported", !comp);
    CHECK("negative: the real q next to n is (lone prime)",
          has_finding(&f, 304096, (uint64_t)t * 8, "rsa-bignum", k->fp));
    ds_findings_free(&f);

    /* without q: only n and the composite -> nothing */
    memset(buf + 304096, 0x5a, 1024);
    memset(buf + 200064, 0, 24);
    CHECK("negative: composite alone scan", scan(buf, N, 0, VA, 8, 0, 1, NULL, &f) == 0);
    CHECK_EQ_U64("negative: n + composite gives nothing", 0, f.n);
    ds_findings_free(&f);
}

int main(void)
{
    key k1, k2;
    key_make(&k1, 1024);
    key_make(&k2, 2048);
    CHECK("keys generated", k1.pk && k2.pk && k1.c[C_QI] && k2.c[C_QI]);
    whole_key_tests(&k1);
    whole_key_tests(&k2);
    go_tests(&k2);
    be_tests(&k1);
    known_tests(&k2);
    negative_tests(&k1);
    filter_tests();
    key_free(&k1);
    key_free(&k2);
    return check_failures ? 1 : 0;
}
