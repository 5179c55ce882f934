/*
 * test_symcrypt.c - the symcrypt detector (Windows CNG / SymCrypt RSA key
 * objects) on synthetic 64-bit dumps: a RAW ds_dump with a fake region
 * map holding a KRSM wrapper -> SYMCRYPT_RSAKEY -> MODULUS / INT /
 * MODELEMENT objects of an RSA-2048 key made at test time
 * (corpus/symcrypt_layout.h builds them to the documented layout).
 *
 *  - found, verified, with the key's fingerprint and vaddr/region labels;
 *    every copy of p, q, d, dp, dq (LE limbs) in the dump and every CRT
 *    inverse lies inside a reported span; current and older struct layouts;
 *  - wrapper, struct and objects in different chunks (small chunks, 1 to 3
 *    threads), a tag straddling a chunk boundary, a region that does not
 *    start at file offset 0, and a streamed scan (no whole-file view);
 *  - corrupted pointers and counts (no crash, no finding): pKey off by 8,
 *    pointer outside the map, a struct running off the end of the region,
 *    wrong digit count, a huge cbSize, a flipped modulus bit, no private key;
 *  - random data, and KRSM tags followed by garbage or by pointers into the
 *    heap: no finding; a 32-bit dump: nothing is followed.
 */
#include "check.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "../../corpus/symcrypt_layout.h"
#include "detector.h"
#include "scan.h"
#include "verify.h"

extern const ds_detector ds_detector_symcrypt;
static const ds_detector *const only_symcrypt[] = { &ds_detector_symcrypt, NULL };

enum { N = 1 << 20 };
#define VA 0x000001d4c0a00000ULL

static EVP_PKEY *pk;
static uint8_t fp[32];
static uint8_t *priv[5];      /* LE bytes of p, q, d, dp, dq */
static size_t privlen[5];
static const char *const privname[5] = { "p", "q", "d", "dp", "dq" };

static void key_setup(void)
{
    static const char *const names[5] = {
        OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_D,
        OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
    };
    pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (!pk || !ds_fingerprint_pkey(pk, fp))
        abort();
    for (int i = 0; i < 5; i++) {
        BIGNUM *x = NULL;
        if (!EVP_PKEY_get_bn_param(pk, names[i], &x))
            abort();
        privlen[i] = (size_t)BN_num_bytes(x);
        priv[i] = malloc(privlen[i]);
        if (!priv[i])
            abort();
        BN_bn2lebinpad(x, priv[i], (int)privlen[i]);
        BN_clear_free(x);
    }
}

static void fill_random(uint8_t *p, size_t n) { RAND_bytes(p, (int)n); }

/* Scan buf as a 64-bit dump whose one region maps file [file_off, len) at
 * va.  chunk/jobs as the engine takes them; stream: feed it in pieces. */
static int scan_opts(const uint8_t *buf, size_t len, uint64_t file_off, uint64_t va, int ws,
                     size_t chunk, int jobs, int stream, ds_findings *f)
{
    ds_dump d;
    ds_dump_init(&d, len);
    d.word_size = ws;
    d.os = "windows";
    ds_region r = { .file_off = file_off, .file_size = len - file_off, .vaddr = va,
                    .mem_size = len - file_off, .has_vaddr = 1, .perms = 3,
                    .label = "[heap]", .module = -1 };
    ds_dump_add_region(&d, &r);
    ds_dump_finish(&d);
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = only_symcrypt;
    o.chunk_size = chunk;
    o.jobs = jobs;
    memset(f, 0, sizeof *f);
    int rc = 0;
    if (stream) {
        ds_stream *st = ds_stream_new(&d, &o, f);
        rc = st ? 0 : -1;
        for (size_t pos = 0; st && pos < len; pos += 70001)
            rc |= ds_stream_feed(st, buf + pos, len - pos < 70001 ? len - pos : 70001);
        if (st) {
            rc |= ds_stream_finish(st);
            ds_stream_free(st);
        }
    } else {
        rc = ds_scan_memory(buf, len, &d, &o, f);
    }
    /* region labels point into the dump: keep only whether it was ours */
    for (size_t i = 0; i < f->n; i++)
        f->v[i].region = f->v[i].region && !strcmp(f->v[i].region, "[heap]") ? "[heap]" : NULL;
    ds_dump_free(&d);
    return rc;
}

static int scan(const uint8_t *buf, size_t len, size_t chunk, int jobs, ds_findings *f)
{
    return scan_opts(buf, len, 0, VA, 8, chunk, jobs, 0, f);
}

static int covered(const ds_findings *f, uint64_t off, uint64_t len)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].offset <= off && off + len <= f->v[i].offset + f->v[i].length)
            return 1;
    return 0;
}

/* Every finding is a verified RSA key with our fingerprint, labelled. */
static int all_ours(const ds_findings *f, uint64_t file_off, uint64_t va)
{
    for (size_t i = 0; i < f->n; i++) {
        const ds_finding *x = &f->v[i];
        if (strcmp(x->kind, DS_KIND_RSA) || x->confidence != DS_CONF_VERIFIED ||
            !x->has_fingerprint || memcmp(x->fingerprint, fp, 32) || x->bits != 2048 ||
            strcmp(x->detector, "symcrypt-rsakey") || !x->has_vaddr ||
            x->vaddr != va + (x->offset - file_off) || !x->region || strcmp(x->region, "[heap]"))
            return 0;
    }
    return 1;
}

/* Every copy of p, q, d, dp, dq in buf, and each CRT inverse, is covered. */
static void check_found(const char *what, const uint8_t *buf, size_t len, const ds_findings *f,
                        const scl_spans *sp, uint64_t file_off, uint64_t va)
{
    char name[200];
    snprintf(name, sizeof name, "%s: found, each object once (%zu findings)", what, f->n);
    CHECK(name, f->n == 8);
    snprintf(name, sizeof name, "%s: all verified, right fingerprint, vaddr and region", what);
    CHECK(name, all_ours(f, file_off, va));
    for (int c = 0; c < 5; c++) {
        size_t copies = 0, ok = 0;
        const uint8_t *p = buf, *end = buf + len;
        while ((size_t)(end - p) >= privlen[c] &&
               (p = memmem(p, (size_t)(end - p), priv[c], privlen[c])) != NULL) {
            copies++;
            ok += (size_t)covered(f, (uint64_t)(p - buf), privlen[c]);
            p++;
        }
        snprintf(name, sizeof name, "%s: %s present (%zu) and every copy covered (%zu)", what,
                 privname[c], copies, ok);
        CHECK(name, copies >= 1 && ok == copies);
    }
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof name, "%s: CRT inverse %d covered", what, i);
        CHECK(name, covered(f, file_off + sp->crtinv[i].off, sp->crtinv[i].len));
        snprintf(name, sizeof name, "%s: prime %d's whole MODULUS object covered", what, i);
        CHECK(name, covered(f, file_off + sp->p[i].off, sp->p[i].len));
    }
    snprintf(name, sizeof name, "%s: key struct reported", what);
    CHECK(name, covered(f, file_off + sp->hdr.off, sp->hdr.len));
    snprintf(name, sizeof name, "%s: the public modulus object is not reported", what);
    CHECK(name, !covered(f, file_off + sp->n.off + 128, 256));
}

static void plant(uint8_t *buf, size_t wrap, size_t key, size_t obj, int older, scl_spans *sp,
                  uint64_t file_off)
{
    /* the image starts at file offset file_off, vaddr VA */
    if (!scl_put_key(buf + file_off, VA, wrap, key, obj, pk, older, sp))
        abort();
}

static void found_tests(uint8_t *buf)
{
    ds_findings f;
    scl_spans sp;
    for (int older = 0; older < 2; older++) {
        char what[80];
        snprintf(what, sizeof what, "%s layout", older ? "older" : "current");
        fill_random(buf, N);
        plant(buf, 0x10010, 0x20000, 0, older, &sp, 0);
        CHECK(what, scan(buf, N, 0, 1, &f) == 0);
        check_found(what, buf, N, &f, &sp, 0, VA);
        ds_findings_free(&f);
    }

    /* wrapper, struct and objects in different chunks; the wrapper straddles a
     * chunk boundary; an object straddles another */
    static const struct { size_t chunk; int jobs; } runs[] = {
        { 65536, 1 }, { 65536, 2 }, { 4096 * 5 + 8, 3 },
    };
    fill_random(buf, N);
    plant(buf, 0x40000 - 16, 0x80020, 0xc0000 - 0x18, 0, &sp, 0);
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        char what[80];
        snprintf(what, sizeof what, "across chunks (chunk=%zu jobs=%d)", runs[r].chunk,
                 runs[r].jobs);
        CHECK(what, scan(buf, N, runs[r].chunk, runs[r].jobs, &f) == 0);
        check_found(what, buf, N, &f, &sp, 0, VA);
        ds_findings_free(&f);
    }

    /* objects away from the struct (before it): each is reported because
     * its value is the one recomputed from p, q, e (Montgomery CRT inverses
     * included), not because it lies in the key's allocation */
    fill_random(buf, N);
    plant(buf, 0x90000, 0xa0000, 0x20000, 0, &sp, 0);
    CHECK("objects before the struct", scan(buf, N, 0, 1, &f) == 0);
    check_found("objects before the struct", buf, N, &f, &sp, 0, VA);
    ds_findings_free(&f);

    /* a region that starts at file offset 4100 (unaligned, as in minidumps) */
    fill_random(buf, N);
    plant(buf, 0x3000, 0x50000, 0, 0, &sp, 4100);
    CHECK("region at file offset 4100", scan_opts(buf, N, 4100, VA, 8, 0, 1, 0, &f) == 0);
    check_found("region at file offset 4100", buf, N, &f, &sp, 4100, VA);
    ds_findings_free(&f);

    /* streamed: no whole-file view; wrapper, struct and objects together */
    fill_random(buf, N);
    plant(buf, 0x30000 - 0x40, 0x30000, 0, 0, &sp, 0);
    CHECK("streamed scan", scan_opts(buf, N, 0, VA, 8, 65536, 1, 1, &f) == 0);
    check_found("streamed", buf, N, &f, &sp, 0, VA);
    ds_findings_free(&f);

    /* no wrapper (its bytes overwritten): found from the struct itself,
     * in whole-file and streamed scans; and streamed with the wrapper in
     * another chunk than the key */
    fill_random(buf, N);
    plant(buf, 0x10010, 0x60000, 0, 0, &sp, 0);
    fill_random(buf + 0x10010, 0x28);
    CHECK("no wrapper", scan(buf, N, 0, 1, &f) == 0);
    check_found("no wrapper", buf, N, &f, &sp, 0, VA);
    ds_findings_free(&f);
    fill_random(buf, N);
    plant(buf, 0x10010, 0x60000 - 0x80, 0, 1, &sp, 0);   /* struct straddles a 64K chunk end */
    fill_random(buf + 0x10010, 0x28);
    CHECK("no wrapper, older layout, streamed", scan_opts(buf, N, 0, VA, 8, 65536, 1, 1, &f) == 0);
    check_found("no wrapper, older layout, streamed", buf, N, &f, &sp, 0, VA);
    ds_findings_free(&f);
    fill_random(buf, N);
    plant(buf, 0x10010, 0x90000, 0, 0, &sp, 0);
    CHECK("streamed, wrapper in another chunk", scan_opts(buf, N, 0, VA, 8, 65536, 2, 1, &f) == 0);
    check_found("streamed, wrapper in another chunk", buf, N, &f, &sp, 0, VA);
    ds_findings_free(&f);
    /* whole-file view, wrapper and struct in different chunks: both anchors
     * reach the key; it is reported once */
    CHECK("both anchors, different chunks", scan(buf, N, 65536, 2, &f) == 0);
    check_found("both anchors, different chunks", buf, N, &f, &sp, 0, VA);
    ds_findings_free(&f);
    /* no wrapper and the objects away from the struct: not found (the
     * struct anchor needs n right after the struct, as SymCrypt puts it) */
    fill_random(buf, N);
    plant(buf, 0x10010, 0x60000, 0x20000, 0, &sp, 0);
    fill_random(buf + 0x10010, 0x28);
    CHECK("no wrapper, objects elsewhere: scan", scan(buf, N, 0, 1, &f) == 0);
    CHECK_EQ_U64("no wrapper, objects elsewhere: not found (documented limit)", 0, f.n);
    ds_findings_free(&f);

    /* a 32-bit dump: the detector does not follow 64-bit pointers */
    CHECK("32-bit dump scan", scan_opts(buf, N, 0, VA, 4, 0, 1, 0, &f) == 0);
    CHECK_EQ_U64("32-bit dump: nothing", 0, f.n);
    ds_findings_free(&f);
}

static void put64at(uint8_t *p, uint64_t v) { scl_put64(p, v); }

/* One corruption of a freshly planted key: no finding, no crash. */
static void corrupt_case(uint8_t *buf, const char *what, int which)
{
    scl_spans sp;
    ds_findings f;
    const size_t wrap = 0x10010, key = 0x20000;
    fill_random(buf, N);
    /* objects away from the struct when the wrapper is what is damaged:
     * then the struct anchor cannot reach the key either */
    plant(buf, wrap, key, which <= 2 ? 0x40000 : 0, 0, &sp, 0);
    switch (which) {
    case 0: put64at(buf + wrap + 32, VA + key + 8); break;            /* pKey off by 8 */
    case 1: put64at(buf + wrap + 32, 0x00007ff6deadbe00ULL); break;   /* unmapped */
    case 2: put64at(buf + wrap + 32, VA + N - 64); break;             /* runs off the region */
    case 3: scl_put32(buf + key + 20, 5); break;                      /* nDigitsOfModulus */
    case 4: put64at(buf + key + 64 + 64, VA + N - 100); break;        /* pmPrimes[0] off the end */
    case 5: scl_put32(buf + sp.p[0].off + 8, 0x7fffffff); break;      /* prime cbSize huge */
    case 6: buf[sp.n.off + 128 + 17] ^= 0x10; break;                  /* n != p*q */
    case 7: buf[key + 8] = 0; break;                                  /* no private key */
    case 8: scl_put32(buf + key + 28, 0x40000000); break;             /* nPrimes */
    case 9: scl_put32(buf + sp.p[1].off + 64, 0); break;              /* divisor tag */
    case 10: scl_put32(buf + key + 12, 0xffffffff); break;            /* nSetBitsOfModulus */
    }
    char name[120];
    snprintf(name, sizeof name, "corrupt %s: scan", what);
    CHECK(name, scan(buf, N, 0, 1, &f) == 0);
    snprintf(name, sizeof name, "corrupt %s: no finding", what);
    CHECK_EQ_U64(name, 0, f.n);
    ds_findings_free(&f);
    snprintf(name, sizeof name, "corrupt %s: small chunks, no finding", what);
    CHECK(name, scan(buf, N, 4096 * 3 + 8, 2, &f) == 0 && f.n == 0);
    ds_findings_free(&f);
}

static void corrupt_tests(uint8_t *buf)
{
    static const char *const what[] = {
        "pKey+8", "pKey unmapped", "struct past region end", "nDigitsOfModulus",
        "pmPrimes past region end", "prime cbSize", "modulus bit", "hasPrivateKey=0",
        "nPrimes", "divisor tag", "nSetBitsOfModulus",
    };
    for (int i = 0; i < (int)(sizeof what / sizeof what[0]); i++)
        corrupt_case(buf, what[i], i);
}

static void negative_tests(uint8_t *buf)
{
    ds_findings f;
    fill_random(buf, N);
    CHECK("random: scan", scan(buf, N, 0, 1, &f) == 0);
    CHECK_EQ_U64("random: no finding", 0, f.n);
    ds_findings_free(&f);

    /* tags followed by garbage, by pointers into the heap, by a pointer to
     * a struct-shaped header whose objects are random */
    uint64_t x = 0x243F6A8885A308D3ULL;
    for (size_t at = 64; at + 256 < N; at += 4096) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        memcpy(buf + at, "\x28\0\0\0KRSM", 8);
        scl_put32(buf + at + 12, 2048);
        if (x & 1)
            put64at(buf + at + 32, VA + ((x >> 8) % N & ~(uint64_t)7));
        if (x & 2) {   /* a plausible header with random object pointers */
            size_t h = at + 64;
            put64at(buf + at + 32, VA + h);
            memset(buf + h, 0, 64);
            scl_put32(buf + h + 4, 4000);
            buf[h + 8] = 1;
            scl_put32(buf + h + 12, 2048);
            scl_put32(buf + h + 16, 2048);
            scl_put32(buf + h + 20, 4);
            scl_put32(buf + h + 24, 1);
            scl_put32(buf + h + 28, 2);
            scl_put32(buf + h + 32, 1024);
            scl_put32(buf + h + 36, 1024);
            scl_put32(buf + h + 40, 2);
            scl_put32(buf + h + 44, 2);
            scl_put32(buf + h + 48, 2);
            put64at(buf + h + 56, 65537);
            for (int k = 0; k < 16; k++)
                put64at(buf + h + 64 + 8 * k, VA + ((x >> (k + 3)) % N & ~(uint64_t)31));
        }
    }
    /* MODULUS-shaped objects (divisor and int tags) after struct-shaped
     * headers whose pmModulus points to them, with random values */
    for (size_t at = 2048; at + 1024 < N; at += 4096) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t m = at + 192;
        memcpy(buf + m + 64, "\0\0Dg", 4);
        memcpy(buf + m + 96, "\0\0Ig", 4);
        scl_put32(buf + m + 4, 4);
        scl_put32(buf + m + 68, 4);
        scl_put32(buf + m + 100, 4);
        scl_put32(buf + m + 104, 320);
        scl_put32(buf + m + 8, 672);
        memcpy(buf + at, buf + (at - 2048 + 64), 192);   /* a header from above, or junk */
        put64at(buf + at + ((x & 1) ? 120 : 112), VA + m);
    }
    CHECK("KRSM tags and MODULUS shapes with garbage: scan", scan(buf, N, 0, 1, &f) == 0);
    CHECK_EQ_U64("KRSM tags and MODULUS shapes with garbage: no finding", 0, f.n);
    ds_findings_free(&f);
    CHECK("KRSM tags and MODULUS shapes with garbage, small chunks: scan", scan(buf, N, 4096 + 8, 2, &f) == 0);
    CHECK_EQ_U64("KRSM tags and MODULUS shapes with garbage, small chunks: no finding", 0, f.n);
    ds_findings_free(&f);
}

int main(void)
{
    key_setup();
    uint8_t *buf = malloc(N);
    if (!buf)
        abort();
    found_tests(buf);
    corrupt_tests(buf);
    negative_tests(buf);
    free(buf);
    for (int i = 0; i < 5; i++) {
        OPENSSL_cleanse(priv[i], privlen[i]);
        free(priv[i]);
    }
    EVP_PKEY_free(pk);
    return check_failures ? 1 : 0;
}
