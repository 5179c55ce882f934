/*
 * test_aes.c - the AES key schedule detector (scanner/detect_aes.c).
 *
 * The expansion is checked against the FIPS-197 appendix A vectors and
 * against OpenSSL's own AES_set_encrypt_key / AES_set_decrypt_key (the
 * deprecated low-level API, used here only, as an independent reference).
 * Schedules of random keys (RAND_bytes) are planted at aligned and odd
 * offsets, at chunk borders and at the very end, in random, zero and text
 * backgrounds, in every layout; each must be found once, with the exact span,
 * size, detector, confidence and byte order.  Negative controls: random,
 * zeros, text, degenerate keys, a key followed by garbage, too many errors.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "check.h"
#include "aes_schedule.h"
#include "detector.h"
#include "scan.h"

#include <string.h>

#include <openssl/aes.h>
#include <openssl/rand.h>

extern const ds_detector ds_detector_aes;
static const ds_detector *const only_aes[] = { &ds_detector_aes, NULL };

static void rnd(void *p, size_t n)
{
    if (RAND_bytes(p, (int)n) != 1)
        abort();
}

static uint32_t rnd_u32(void)
{
    uint32_t v;
    rnd(&v, sizeof v);
    return v;
}

static void fill_text(uint8_t *p, size_t n)
{
    static const char *words[] = { "the ", "key ", "schedule ", "of ", "a ", "crash ",
                                   "dump ", "process ", "memory ", "0x7ffd1234 ", "\n",
                                   "error: ", "private ", "secret ", "AES ", "round " };
    size_t i = 0;
    while (i < n) {
        const char *w = words[rnd_u32() % (sizeof words / sizeof words[0])];
        for (size_t k = 0; w[k] && i < n; k++)
            p[i++] = (uint8_t)w[k];
    }
}

enum { BG_RANDOM, BG_ZERO, BG_TEXT };
static const char *bg_name[] = { "random", "zeros", "text" };

static void fill_bg(uint8_t *p, size_t n, int bg)
{
    if (bg == BG_RANDOM)
        rnd(p, n);
    else if (bg == BG_ZERO)
        memset(p, 0, n);
    else
        fill_text(p, n);
}

static int scan(const uint8_t *buf, size_t len, size_t chunk, int jobs, ds_findings *f)
{
    ds_dump d;
    ds_dump_init(&d, len);
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = only_aes;
    o.chunk_size = chunk;
    o.jobs = jobs;
    memset(f, 0, sizeof *f);
    int rc = ds_scan_memory(buf, len, &d, &o, f);
    ds_dump_free(&d);
    return rc;
}

/* Build the stored schedule of a random key; returns its length. */
static size_t make_schedule(int nk, int dir, int order, uint8_t *out, uint8_t *key)
{
    uint32_t w[DS_AES_MAX_WORDS];
    rnd(key, 4 * (size_t)nk);
    ds_aes_expand(key, nk, w);
    ds_aes_store(w, nk, dir, order, out);
    return 4 * (size_t)ds_aes_nwords(nk);
}

/* Exactly one finding: this span, size, direction, confidence, order. */
static void expect_one(const char *what, const ds_findings *f, uint64_t off, size_t len, int bits,
                       int dir, ds_confidence conf, const char *enc)
{
    char name[256];
    int ok = f->n == 1 && f->v[0].offset == off && f->v[0].length == len &&
             f->v[0].bits == bits && !strcmp(f->v[0].kind, DS_KIND_AES) &&
             !strcmp(f->v[0].detector, dir == DS_AES_ENC ? "aes-enc" : "aes-dec") &&
             f->v[0].confidence == conf && !f->v[0].has_fingerprint &&
             (!enc || (f->v[0].encoding && !strcmp(f->v[0].encoding, enc)));
    snprintf(name, sizeof name, "%s", what);
    if (ok) {
        printf("PASS %s\n", name);
        return;
    }
    printf("FAIL %s: want 1 finding at %llu len %zu bits %d %s %s %s; got %zu", name,
           (unsigned long long)off, len, bits, dir == DS_AES_ENC ? "enc" : "dec",
           ds_confidence_name(conf), enc ? enc : "*", f->n);
    for (size_t i = 0; i < f->n && i < 4; i++)
        printf(" [%llu len %llu bits %d %s %s %s]", (unsigned long long)f->v[i].offset,
               (unsigned long long)f->v[i].length, f->v[i].bits, f->v[i].detector,
               ds_confidence_name(f->v[i].confidence),
               f->v[i].encoding ? f->v[i].encoding : "-");
    printf("\n");
    check_failures++;
}

static void test_vectors(void)
{
    /* FIPS-197 appendix A: keys and the last expanded word. */
    static const uint8_t k128[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                      0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
    static const uint8_t k192[24] = { 0x8e, 0x73, 0xb0, 0xf7, 0xda, 0x0e, 0x64, 0x52,
                                      0xc8, 0x10, 0xf3, 0x2b, 0x80, 0x90, 0x79, 0xe5,
                                      0x62, 0xf8, 0xea, 0xd2, 0x52, 0x2c, 0x6b, 0x7b };
    static const uint8_t k256[32] = { 0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe,
                                      0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
                                      0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7,
                                      0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4 };
    uint32_t w[DS_AES_MAX_WORDS];
    ds_aes_expand(k128, 4, w);
    CHECK_EQ_U64("FIPS-197 A.1: w[4]", 0xa0fafe17, w[4]);
    CHECK_EQ_U64("FIPS-197 A.1: w[43]", 0xb6630ca6, w[43]);
    ds_aes_expand(k192, 6, w);
    CHECK_EQ_U64("FIPS-197 A.2: w[6]", 0xfe0c91f7, w[6]);
    CHECK_EQ_U64("FIPS-197 A.2: w[51]", 0x01002202, w[51]);
    ds_aes_expand(k256, 8, w);
    CHECK_EQ_U64("FIPS-197 A.3: w[8]", 0x9ba35411, w[8]);
    CHECK_EQ_U64("FIPS-197 A.3: w[12]", 0xa8b09c1a, w[12]);
    CHECK_EQ_U64("FIPS-197 A.3: w[59]", 0x706c631e, w[59]);
    /* MixColumns test column (FIPS-197 / common vectors): db 13 53 45 -> 8e 4d a1 bc */
    CHECK_EQ_U64("MixColumns", 0x8e4da1bc, ds_aes_mix_word(0xdb135345));
    CHECK_EQ_U64("InvMixColumns", 0xdb135345, ds_aes_inv_mix_word(0x8e4da1bc));
    int inv_ok = 1;
    for (int i = 0; i < 1000; i++) {
        uint32_t v = rnd_u32();
        inv_ok &= ds_aes_inv_mix_word(ds_aes_mix_word(v)) == v;
    }
    CHECK("InvMixColumns inverts MixColumns", inv_ok);
}

/* OpenSSL's AES_set_{en,de}crypt_key as the independent reference. */
static void test_openssl_reference(void)
{
    for (int nk = 4; nk <= 8; nk += 2) {
        for (int dir = 0; dir < 2; dir++) {
            uint8_t key[32], mine[2][DS_AES_MAX_BYTES];
            uint32_t w[DS_AES_MAX_WORDS];
            AES_KEY ak;
            rnd(key, sizeof key);
            int rc = dir == DS_AES_ENC ? AES_set_encrypt_key(key, 32 * nk, &ak)
                                       : AES_set_decrypt_key(key, 32 * nk, &ak);
            size_t nb = 4 * (size_t)ds_aes_nwords(nk);
            ds_aes_expand(key, nk, w);
            ds_aes_store(w, nk, dir, DS_AES_ORDER_BYTES, mine[0]);
            ds_aes_store(w, nk, dir, DS_AES_ORDER_U32LE, mine[1]);
            int same = !memcmp(ak.rd_key, mine[0], nb) || !memcmp(ak.rd_key, mine[1], nb);
            char name[128];
            snprintf(name, sizeof name, "AES_set_%scrypt_key(%d) = our layout (rounds %d)",
                     dir ? "de" : "en", 32 * nk, ak.rounds);
            CHECK(name, rc == 0 && same && ak.rounds == nk + 6);

            /* The real struct, as OpenSSL leaves it, in a random page. */
            uint8_t buf[8192];
            rnd(buf, sizeof buf);
            memcpy(buf + 1024, &ak, sizeof ak);
            ds_findings f;
            scan(buf, sizeof buf, 0, 1, &f);
            snprintf(name, sizeof name, "OpenSSL AES_KEY %s %d found verified",
                     dir ? "dec" : "enc", 32 * nk);
            expect_one(name, &f, 1024, nb, 32 * nk, dir, DS_CONF_VERIFIED, NULL);
            ds_findings_free(&f);
        }
    }
}

/* Every layout, order, background, and a set of offsets. */
static void test_plant(void)
{
    enum { N = 1 << 16 };
    static uint8_t buf[N];
    /* odd indexes run with 4096-byte chunks: starts just before a chunk's
     * end (their schedule lies mostly in the overlap) and just after it */
    static const size_t offs[] = { 0, 4096 - 12, 1, 4096 - 3, 2, 4097, 3, 4100, 4096, 8192 - 100,
                                   4099, 12288 - 4, 12288 - 17, 16384 + 44, 20000 + 5 };
    int all = 0, bad = 0;
    for (int nk = 4; nk <= 8; nk += 2)
        for (int dir = 0; dir < 2; dir++)
            for (int order = 0; order < 2; order++)
                for (int bg = 0; bg < 3; bg++)
                    for (size_t oi = 0; oi <= sizeof offs / sizeof offs[0]; oi++) {
                        uint8_t sch[DS_AES_MAX_BYTES], key[32];
                        size_t nb = make_schedule(nk, dir, order, sch, key);
                        /* the last case: the schedule ends the buffer */
                        size_t off = oi < sizeof offs / sizeof offs[0] ? offs[oi] : N - nb;
                        fill_bg(buf, N, bg);
                        memcpy(buf + off, sch, nb);
                        /* small chunks (4096) put schedules across chunk borders */
                        size_t chunk = (oi & 1) ? 4096 : 0;
                        ds_findings f;
                        scan(buf, N, chunk, (oi % 3) == 2 ? 2 : 1, &f);
                        char name[160];
                        snprintf(name, sizeof name, "plant %s-%d %s in %s at %zu (chunk %zu)",
                                 dir ? "dec" : "enc", 32 * nk,
                                 order ? "u32le" : "bytes", bg_name[bg], off, chunk);
                        int before = check_failures;
                        expect_one(name, &f, off, nb, 32 * nk, dir, DS_CONF_VERIFIED,
                                   order ? "u32le" : "bytes");
                        bad += check_failures != before;
                        all++;
                        ds_findings_free(&f);
                    }
    printf("# planted %d schedules, %d not found exactly\n", all, bad);
}

/* Several schedules side by side, as in structs holding enc and dec keys
 * (OpenSSL's AES_KEY: 240 bytes of round keys, then `int rounds`). */
static void test_neighbours(void)
{
    enum { N = 1 << 15 };
    static uint8_t buf[N];
    rnd(buf, N);
    size_t pos = 512, want[12];
    int n = 0;
    for (int nk = 4; nk <= 8; nk += 2)
        for (int dir = 0; dir < 2; dir++) {
            uint8_t sch[DS_AES_MAX_BYTES], key[32];
            size_t nb = make_schedule(nk, dir, (nk + dir) & 1, sch, key);
            memset(buf + pos, 0, 244);
            memcpy(buf + pos, sch, nb);
            int rounds = nk + 6;
            memcpy(buf + pos + 240, &rounds, 4);
            want[n++] = pos;
            pos += 244;
        }
    ds_findings f;
    scan(buf, N, 0, 1, &f);
    int ok = f.n == (size_t)n;
    for (int i = 0; ok && i < n; i++)
        ok = f.v[i].offset == want[i] && f.v[i].confidence == DS_CONF_VERIFIED;
    CHECK("six AES_KEY structs back to back: six verified findings", ok);
    ds_findings_free(&f);
}

/* 1-3 flipped bits anywhere, including the key: likely; many: nothing. */
static void test_bit_errors(void)
{
    enum { N = 8192 };
    static uint8_t buf[N];
    int ok_likely = 1, ok_none = 1, cases = 0;
    for (int nk = 4; nk <= 8; nk += 2)
        for (int dir = 0; dir < 2; dir++)
            for (int order = 0; order < 2; order++)
                for (int rep = 0; rep < 8; rep++) {
                    uint8_t sch[DS_AES_MAX_BYTES], key[32];
                    size_t nb = make_schedule(nk, dir, order, sch, key);
                    int flips = 1 + rep % 3;
                    for (int i = 0; i < flips; i++) {
                        /* rep 0..2: the key itself; others anywhere */
                        size_t bit = rep < 3 ? rnd_u32() % (32 * (size_t)nk)
                                             : rnd_u32() % (8 * nb);
                        if (dir == DS_AES_DEC && rep < 3)   /* the key is stored last */
                            bit += 8 * nb - 32 * (size_t)nk;
                        sch[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                    }
                    rnd(buf, N);
                    size_t off = 1000 + (size_t)rep;
                    memcpy(buf + off, sch, nb);
                    ds_findings f;
                    scan(buf, N, 0, 1, &f);
                    int good = f.n == 1 && f.v[0].offset == off && f.v[0].length == nb &&
                               f.v[0].bits == 32 * nk;
                    /* the flips may cancel out (same bit twice): then verified */
                    good = good && (f.v[0].confidence == DS_CONF_LIKELY ||
                                    f.v[0].confidence == DS_CONF_VERIFIED);
                    if (!good) {
                        printf("# %d flips in %s-%d %s: %zu findings\n", flips,
                               dir ? "dec" : "enc", 32 * nk, order ? "u32le" : "bytes", f.n);
                        ok_likely = 0;
                    }
                    ds_findings_free(&f);

                    /* 60 more flips: far beyond the bound */
                    for (int i = 0; i < 60; i++) {
                        size_t bit = rnd_u32() % (8 * nb);
                        buf[off + bit / 8] ^= (uint8_t)(1u << (bit % 8));
                    }
                    scan(buf, N, 0, 1, &f);
                    ok_none &= f.n == 0;
                    ds_findings_free(&f);
                    cases++;
                }
    CHECK("1-3 flipped bits (key or round keys): found, likely, exact span", ok_likely);
    CHECK("60+ flipped bits: not reported", ok_none);

    /* Confidence is `likely` (not verified) with one flipped bit. */
    uint8_t sch[DS_AES_MAX_BYTES], key[32];
    size_t nb = make_schedule(4, DS_AES_ENC, DS_AES_ORDER_BYTES, sch, key);
    sch[100] ^= 0x10;
    rnd(buf, N);
    memcpy(buf + 64, sch, nb);
    ds_findings f;
    scan(buf, N, 0, 1, &f);
    expect_one("one flipped bit: likely", &f, 64, nb, 128, DS_AES_ENC, DS_CONF_LIKELY, "bytes");
    ds_findings_free(&f);
    /* ... and the bound is counted: 8 bits still likely, so is the API. */
    ds_aes_match m;
    memcpy(buf, sch, nb);
    for (int i = 0; i < 7; i++)
        buf[20 + 3 * i] ^= 1;   /* 8 bit errors in all */
    CHECK("8 bit errors: within the bound, counted",
          ds_aes_check(buf, 4, DS_AES_ENC, DS_AES_MAX_BIT_ERRORS, &m) && m.bit_errors == 8);
    buf[90] ^= 0x80;
    CHECK("9 bit errors: beyond the bound",
          !ds_aes_check(buf, 4, DS_AES_ENC, DS_AES_MAX_BIT_ERRORS, &m));
}

/* The stage-1 kernels (SWAR, AVX2, AVX-512) agree vector for vector. */
static void test_kernels(void)
{
    enum { N = 1 << 20 };
    uint8_t *buf = malloc(N);
    if (!buf)
        abort();
    rnd(buf, N);
    memset(buf + 4096, 0, 8192);
    fill_text(buf + 20000, 30000);
    for (size_t i = 0; i < 20000 / 4; i++) {
        uint32_t v = (uint32_t)i;
        memcpy(buf + 60000 + 4 * i, &v, 4);
    }
    /* Zero 8-byte groups and zero 32-byte halves next to runs of one value:
     * the kernels skip zeros at different granularities internally. */
    for (size_t i = 0; i < 20000; i += 8) {
        uint8_t *p = buf + 600000 + i;
        switch ((i / 8) % 7) {
        case 0: case 3: memset(p, 0, 8); break;
        case 1: memset(p, 0xff, 8); break;
        case 5: if ((i / 32) % 3 == 0) memset(p, 0, 8); break;
        default: break;
        }
    }
    for (size_t i = 0; i < 20000; i += 64)
        memset(buf + 620000 + i + ((i / 64) % 2) * 32, 0, 32);
    /* Words from {0, A, B, A^B}: relations, zero words and zero 8-byte
     * groups everywhere, many vectors near the threshold. */
    uint32_t ab[4] = { 0, rnd_u32() | 1, rnd_u32() | 1, 0 };
    ab[3] = ab[1] ^ ab[2];
    for (size_t i = 0; i < 65536; i += 4) {
        uint32_t v = ab[rnd_u32() % 4];
        memcpy(buf + 700000 + i, &v, 4);
    }
    for (int i = 0; i < 200; i++) {
        uint8_t sch[DS_AES_MAX_BYTES], key[32];
        int nk = 4 + 2 * (i % 3), dir = (i / 3) & 1, order = (i / 6) & 1;
        size_t nb = make_schedule(nk, dir, order, sch, key);
        size_t off = 100000 + (size_t)i * 4001;
        if (off >= 590000 && off < 770000)
            continue;
        memcpy(buf + off, sch, nb);
        if (i % 5 == 0)
            buf[off + 50] ^= 4;
    }
    size_t end = N - 72 + 1;
    int nkern = ds_aes_stage1_kernels(), same = 1;
    size_t hits = 0, cap = N / 32;
    size_t *ref = calloc(cap, sizeof *ref), *got = calloc(cap, sizeof *got);
    if (!ref || !got)
        abort();
    for (int k = 0; k < nkern; k++) {
        size_t n = 0;
        for (size_t q = 32; q < end; q += 32) {
            q = ds_aes_stage1(k, buf, q, end);
            if (q < end)
                (k ? got : ref)[n++] = q;
        }
        if (k == 0)
            hits = n;
        else
            same &= n == hits && !memcmp(ref, got, n * sizeof *got);
    }
    free(ref);
    free(got);
    printf("# stage 1: %zu hits in 1 MiB with 200 schedules\n", hits);
    CHECK("stage-1 kernels agree", same);
    CHECK("stage 1 passes every planted schedule (>= 200 hits)", hits >= 200);
    free(buf);
}

static void test_negatives(void)
{
    size_t big = 16u << 20;
    uint8_t *buf = malloc(big);
    if (!buf)
        abort();
    ds_findings f;

    rnd(buf, big);
    scan(buf, big, 0, 1, &f);
    CHECK_EQ_U64("16 MiB random: no finding", 0, f.n);
    ds_findings_free(&f);

    memset(buf, 0, big);
    scan(buf, big, 0, 1, &f);
    CHECK_EQ_U64("16 MiB zeros: no finding", 0, f.n);
    ds_findings_free(&f);

    fill_text(buf, 4u << 20);
    scan(buf, 4u << 20, 0, 1, &f);
    CHECK_EQ_U64("4 MiB text: no finding", 0, f.n);
    ds_findings_free(&f);

    /* Structured data: counters, pointer arrays, repeated words. */
    for (size_t i = 0; i < (1u << 20) / 4; i++) {
        uint32_t v = (uint32_t)i;
        memcpy(buf + 4 * i, &v, 4);
    }
    for (size_t i = 0; i < (1u << 20) / 8; i++) {
        uint64_t v = 0x7ffd12340000ULL + 16 * (i % 5000);
        memcpy(buf + (1u << 20) + 8 * i, &v, 8);
    }
    for (size_t i = 0; i < (1u << 20) / 4; i++) {
        uint32_t v = i % 7 == 0 ? 0xdeadbeef : (uint32_t)(i & 0xff00);
        memcpy(buf + (2u << 20) + 4 * i, &v, 4);
    }
    /* Words from a set closed under XOR: relations everywhere. */
    uint32_t ab[4] = { 0, rnd_u32() | 1, rnd_u32() | 1, 0 };
    ab[3] = ab[1] ^ ab[2];
    for (size_t i = 0; i < (1u << 20) / 4; i++) {
        uint32_t v = ab[rnd_u32() % 4];
        memcpy(buf + (3u << 20) + 4 * i, &v, 4);
    }
    scan(buf, 4u << 20, 0, 1, &f);
    CHECK_EQ_U64("4 MiB counters, pointers, repeated words, XOR-closed words: no finding", 0,
                 f.n);
    ds_findings_free(&f);

    /* Degenerate keys: zero, constant, the CTR-DRBG df key 00 01 .. 1f. */
    uint8_t key[32];
    uint32_t w[DS_AES_MAX_WORDS];
    rnd(buf, 65536);
    size_t pos = 256;
    for (int nk = 4; nk <= 8; nk += 2) {
        memset(key, 0, 32);
        ds_aes_expand(key, nk, w);
        ds_aes_store(w, nk, DS_AES_ENC, DS_AES_ORDER_BYTES, buf + pos);
        pos += 300;
        memset(key, 0xa5, 32);
        ds_aes_expand(key, nk, w);
        ds_aes_store(w, nk, DS_AES_DEC, DS_AES_ORDER_U32LE, buf + pos);
        pos += 300;
        for (int i = 0; i < 32; i++)
            key[i] = (uint8_t)i;
        ds_aes_expand(key, nk, w);
        ds_aes_store(w, nk, DS_AES_ENC, DS_AES_ORDER_BYTES, buf + pos);
        pos += 300;
    }
    scan(buf, 65536, 0, 1, &f);
    CHECK_EQ_U64("zero, constant and 00 01 02.. keys: no finding", 0, f.n);
    ds_findings_free(&f);

    /* A key followed by garbled round keys: not verified (nothing at all). */
    int ok = 1;
    for (int nk = 4; nk <= 8; nk += 2)
        for (int dir = 0; dir < 2; dir++) {
            uint8_t sch[DS_AES_MAX_BYTES];
            size_t nb = make_schedule(nk, dir, DS_AES_ORDER_BYTES, sch, key);
            rnd(buf, 8192);
            memcpy(buf + 512, sch, nb);
            /* garble all round keys but the key's */
            if (dir == DS_AES_ENC)
                rnd(buf + 512 + 4 * nk, nb - 4 * (size_t)nk);
            else
                rnd(buf + 512, nb - 4 * (size_t)nk);
            scan(buf, 8192, 0, 1, &f);
            for (size_t i = 0; i < f.n; i++)
                ok &= f.v[i].confidence != DS_CONF_VERIFIED;
            ok &= f.n == 0;
            ds_findings_free(&f);
            /* the schedule with one round key garbled in the middle: likely at most */
            memcpy(buf + 512, sch, nb);
            rnd(buf + 512 + 80, 16);
            scan(buf, 8192, 0, 1, &f);
            for (size_t i = 0; i < f.n; i++)
                ok &= f.v[i].confidence != DS_CONF_VERIFIED;
            ds_findings_free(&f);
        }
    CHECK("key with garbled round keys: not verified", ok);
    OPENSSL_cleanse(key, sizeof key);
    free(buf);
}

int main(void)
{
    test_vectors();
    test_openssl_reference();
    test_plant();
    test_neighbours();
    test_bit_errors();
    test_kernels();
    test_negatives();
    return check_failures ? 1 : 0;
}
