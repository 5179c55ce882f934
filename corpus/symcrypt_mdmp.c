/*
 * symcrypt_mdmp - write a Windows x64 minidump whose memory holds an RSA
 * key the way CNG keeps it: a bcrypt KRSM key wrapper in one heap segment
 * pointing to a SymCrypt SYMCRYPT_RSAKEY (with its MODULUS, INT and
 * MODELEMENT objects) in another (corpus/symcrypt_layout.h), among
 * heap-like filler, a thread stack and a module image.
 *
 *   symcrypt_mdmp [--older] KEY.pem OUT.dmp
 *
 * KEY.pem: an RSA private key (e.g. `openssl genpkey -algorithm RSA`).
 * --older: the older SYMCRYPT_RSAKEY layout (no fAlgorithmInfo).
 *
 * The file: MINIDUMP_HEADER, a 2-entry stream directory, SystemInfo
 * (AMD64, VER_PLATFORM_WIN32_NT, Windows 10.0.19045) and Memory64List
 * with the ranges' bytes after it (as a full-memory dump stores them).
 * Neither the PEM text nor the DER key is written: only the in-memory form.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "symcrypt_layout.h"

typedef struct {
    uint64_t va;
    size_t size;
    uint8_t *img;
} range_t;

static void die(const char *msg)
{
    fprintf(stderr, "symcrypt_mdmp: %s\n", msg);
    exit(2);
}

/* Heap-like bytes: zero runs, pointers into the ranges, small integers,
 * ASCII and UTF-16 text, deterministic (xorshift). */
static void fill_heap(uint8_t *p, size_t n, uint64_t va, uint64_t seed)
{
    static const char *const words[] = {
        "C:\\Windows\\System32\\bcrypt.dll", "Microsoft Software Key Storage Provider",
        "RSA", "SHA256", "HTTP/1.1 200 OK\r\n", "Content-Type: application/json",
    };
    uint64_t s = seed | 1;
    size_t i = 0;
    while (i + 64 <= n) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        size_t run = 16 + (size_t)(s >> 40) % 200;
        if (run > n - i)
            run = n - i;
        switch (s % 5) {
        case 0:
            memset(p + i, 0, run);
            break;
        case 1:   /* heap pointers and sizes */
            for (size_t k = 0; k + 8 <= run; k += 8) {
                uint64_t v = (k / 8) % 2 ? (s >> (k % 24)) % 4096 : va + ((s >> 5) + k * 40) % n;
                scl_put64(p + i + k, v & ~(uint64_t)15);
            }
            break;
        case 2: {   /* text, ASCII or UTF-16LE */
            const char *w = words[(s >> 20) % 6];
            size_t L = strlen(w), k = 0;
            int wide = (s >> 30) & 1;
            for (; k + (wide ? 2 : 1) <= run && k / (wide ? 2 : 1) < L; k += wide ? 2 : 1) {
                p[i + k] = (uint8_t)w[k / (wide ? 2 : 1)];
                if (wide)
                    p[i + k + 1] = 0;
            }
            memset(p + i + k, 0, run - k);
            break;
        }
        default:   /* compressed-looking bytes */
            for (size_t k = 0; k < run; k++) {
                s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                p[i + k] = (uint8_t)(s >> 32);
            }
        }
        i += run;
    }
    memset(p + i, 0, n - i);
}

static void put(FILE *f, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, f) != n)
        die("write failed");
}

int main(int argc, char **argv)
{
    int older = 0, a = 1;
    if (a < argc && !strcmp(argv[a], "--older")) {
        older = 1;
        a++;
    }
    if (argc - a != 2) {
        fprintf(stderr, "usage: symcrypt_mdmp [--older] KEY.pem OUT.dmp\n");
        return 2;
    }
    FILE *kf = fopen(argv[a], "r");
    if (!kf)
        die("cannot open the key file");
    EVP_PKEY *pk = PEM_read_PrivateKey(kf, NULL, NULL, NULL);
    fclose(kf);
    if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
        die("not an RSA private key");

    range_t r[4] = {
        { 0x000001d4c0a00000ULL, 192 * 1024, NULL },   /* heap segment: the KRSM wrapper */
        { 0x000001d4c0c40000ULL, 128 * 1024, NULL },   /* heap segment: SYMCRYPT_RSAKEY */
        { 0x000000a3c2f7c000ULL, 16 * 1024, NULL },    /* a thread stack */
        { 0x00007ff8a1b20000ULL, 64 * 1024, NULL },    /* a module image */
    };
    for (int i = 0; i < 4; i++) {
        if (!(r[i].img = malloc(r[i].size)))
            die("out of memory");
        fill_heap(r[i].img, r[i].size, r[i].va, 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1));
    }
    /* The wrapper in segment 0; the key in segment 1 (its own image). */
    size_t wrap = 0x13a40, key = 0x8e60;
    if (scl_key_size(EVP_PKEY_get_bits(pk)) + key > r[1].size)
        die("key too large for the heap segment");
    scl_spans sp;
    /* build in segment 1 with the wrapper at a scratch spot, then move the
     * wrapper (40 bytes, pointing to segment 1) into segment 0 */
    if (!scl_put_key(r[1].img, r[1].va, 0x100, key, 0, pk, older, &sp))
        die("cannot build the key objects");
    memcpy(r[0].img + wrap, r[1].img + 0x100, 0x28);
    scl_put64(r[0].img + wrap + 24, r[0].va + wrap + 0x60);   /* pAlg: in segment 0 */
    fill_heap(r[1].img + 0x100, 0x28, r[1].va, 7);           /* no second wrapper */

    /* ---- the minidump ---- */
    enum { HDR = 32, DIR = 2 * 12, SYS = 56, CSD = 8 };
    uint64_t sys_at = HDR + DIR, csd_at = sys_at + SYS, mem_at = csd_at + CSD;
    uint64_t memlist = 16 + 16 * 4, data_at = mem_at + memlist;
    uint8_t h[HDR + DIR + SYS + CSD + 16 + 16 * 4];
    memset(h, 0, sizeof h);
    memcpy(h, "MDMP", 4);
    scl_put32(h + 4, 0xa793);
    scl_put32(h + 8, 2);
    scl_put32(h + 12, HDR);
    scl_put32(h + 20, 1763900000u);               /* TimeDateStamp */
    scl_put64(h + 24, 0x2);                       /* MiniDumpWithFullMemory */
    uint8_t *d = h + HDR;
    scl_put32(d, 7);                              /* SystemInfoStream */
    scl_put32(d + 4, SYS);
    scl_put32(d + 8, (uint32_t)sys_at);
    scl_put32(d + 12, 9);                         /* Memory64ListStream */
    scl_put32(d + 16, (uint32_t)memlist);
    scl_put32(d + 20, (uint32_t)mem_at);
    uint8_t *s = h + sys_at;
    s[0] = 9;                                     /* PROCESSOR_ARCHITECTURE_AMD64 */
    s[2] = 6;                                     /* ProcessorLevel */
    s[6] = 4;                                     /* NumberOfProcessors */
    s[7] = 1;                                     /* VER_NT_WORKSTATION */
    scl_put32(s + 8, 10);
    scl_put32(s + 12, 0);
    scl_put32(s + 16, 19045);
    scl_put32(s + 20, 2);                         /* VER_PLATFORM_WIN32_NT */
    scl_put32(s + 24, (uint32_t)csd_at);          /* empty CSD string */
    uint8_t *m = h + mem_at;
    scl_put64(m, 4);
    scl_put64(m + 8, data_at);
    for (int i = 0; i < 4; i++) {
        scl_put64(m + 16 + 16 * i, r[i].va);
        scl_put64(m + 24 + 16 * i, r[i].size);
    }
    FILE *out = fopen(argv[a + 1], "wb");
    if (!out)
        die("cannot create the output file");
    put(out, h, sizeof h);
    for (int i = 0; i < 4; i++)
        put(out, r[i].img, r[i].size);
    if (fclose(out) != 0)
        die("write failed");
    for (int i = 0; i < 4; i++) {
        OPENSSL_cleanse(r[i].img, r[i].size);
        free(r[i].img);
    }
    EVP_PKEY_free(pk);
    return 0;
}
