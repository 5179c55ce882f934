/*
 * fuzz_symcrypt.c - libFuzzer target for the symcrypt detector (Windows
 * CNG / SymCrypt RSA key objects followed through the region map).
 *
 * First input byte = mode:
 *  - bit 0 clear: the rest of the input is process memory of a 64-bit
 *    dump, mapped at a Windows heap address from file offset (mode >> 2) & 15;
 *  - bit 0 set: a 16 KiB image holding a real KRSM wrapper and
 *    SYMCRYPT_RSAKEY of a 512-bit key made at start-up (bit 1: the older
 *    struct layout), with the input from byte 2 written over it at
 *    64 * byte 1: the fuzzer mutates real structures, counts and pointers
 *    instead of having to discover them.
 * Each is scanned whole and in small odd chunks (jobs 1).  Every finding
 * must lie inside the input, be an RSA key, verified, with a fingerprint;
 * in image mode the fingerprint must be the start-up key's (mutations
 * cannot make another key's factorisation).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "../corpus/symcrypt_layout.h"
#include "detector.h"
#include "scan.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const ds_detector ds_detector_symcrypt;
static const ds_detector *const only_symcrypt[] = { &ds_detector_symcrypt, NULL };

#define VA 0x000001d4c0a00000ULL
enum { IMG = 16384 };

static uint8_t image[2][IMG];
static uint8_t fp[32];
static int ready;

static void make_images(void)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
    scl_spans sp;
    if (!pk || !ds_fingerprint_pkey(pk, fp))
        abort();
    for (int older = 0; older < 2; older++) {
        for (size_t i = 0; i < IMG; i++)
            image[older][i] = (uint8_t)(i * 131 + 7);
        if (!scl_put_key(image[older], VA, 0x100, 0x400, 0, pk, older, &sp))
            abort();
    }
    EVP_PKEY_free(pk);
    ready = 1;
}

static void scan(const uint8_t *buf, size_t len, uint64_t file_off, size_t chunk, int image_mode)
{
    ds_dump d;
    ds_dump_init(&d, len);
    d.word_size = 8;
    if (len > file_off) {
        ds_region r = { .file_off = file_off, .file_size = len - file_off, .vaddr = VA,
                        .mem_size = len - file_off, .has_vaddr = 1, .perms = 3,
                        .label = "[heap]", .module = -1 };
        if (ds_dump_add_region(&d, &r) < 0)
            abort();
    }
    ds_dump_finish(&d);
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = only_symcrypt;
    o.chunk_size = chunk;
    ds_findings f = { 0 };
    if (ds_scan_memory(buf, len, &d, &o, &f) < 0)
        abort();
    for (size_t i = 0; i < f.n; i++)
        if (f.v[i].offset + f.v[i].length > len || strcmp(f.v[i].kind, "rsa-private-key") != 0 ||
            f.v[i].confidence != DS_CONF_VERIFIED || !f.v[i].has_fingerprint ||
            (image_mode && memcmp(f.v[i].fingerprint, fp, 32) != 0))
            abort();
    ds_findings_free(&f);
    ds_dump_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready)
        make_images();
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    if (!(mode & 1)) {
        scan(data + 1, size - 1, (mode >> 2) & 15, 0, 0);
        scan(data + 1, size - 1, (mode >> 2) & 15, 4096 + 8 * (mode >> 4), 0);
        return 0;
    }
    if (size < 2)
        return 0;
    uint8_t *buf = malloc(IMG);
    if (!buf)
        abort();
    memcpy(buf, image[(mode >> 1) & 1], IMG);
    size_t at = (size_t)data[1] * 64 % IMG, n = size - 2;
    if (n > IMG - at)
        n = IMG - at;
    memcpy(buf + at, data + 2, n);
    scan(buf, IMG, 0, 0, 1);
    scan(buf, IMG, 0, 4096 + 8 * (mode >> 4), 1);
    free(buf);
    return 0;
}
