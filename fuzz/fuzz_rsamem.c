/*
 * fuzz_rsamem.c - libFuzzer target for the rsamem detector (RSA keys in
 * their in-memory form).
 *
 * The input is mapped as process memory at a fixed address (so every
 * 8-byte word that looks like a pointer into it is followed), with the
 * word size and byte order picked by the first byte, and scanned:
 *  - alone, in default and in tiny odd chunks, with and without a known
 *    modulus (a 512-bit key made once);
 *  - every finding must lie inside the input, be an RSA key, be verified
 *    and carry the known key's fingerprint (random bytes cannot hold any
 *    other factorisation the detector would prove... unless they hold p
 *    and q of a key whose n is also there: then the fingerprint is that
 *    key's, which a fuzzer will not construct; so only in-bounds,
 *    verified and fingerprinted are asserted).
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "detector.h"
#include "known_keys.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const ds_detector ds_detector_rsamem;
static const ds_detector *const only_rsamem[] = { &ds_detector_rsamem, NULL };

static ds_known_keys *known;

static void make_known(void)
{
    known = ds_known_keys_new();
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)512);
    BIGNUM *n = NULL, *e = NULL;
    if (!known || !pk || !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) ||
        !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) ||
        ds_known_keys_add(known, n, e) < 0)
        abort();
    BN_free(n);
    BN_free(e);
    EVP_PKEY_free(pk);
}

static void scan(const uint8_t *buf, size_t len, int ws, int be, uint64_t va, size_t chunk,
                 const ds_known_keys *kk)
{
    ds_dump d;
    ds_dump_init(&d, len);
    d.word_size = ws;
    d.big_endian = be;
    if (len > 16) {
        ds_region r = { .file_off = 16, .file_size = len - 16, .vaddr = va,
                        .mem_size = len - 16, .has_vaddr = 1, .label = "[heap]", .module = -1 };
        if (ds_dump_add_region(&d, &r) < 0)
            abort();
    }
    ds_dump_finish(&d);
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = only_rsamem;
    o.chunk_size = chunk;
    o.known = kk;
    ds_findings f = { 0 };
    if (ds_scan_memory(buf, len, &d, &o, &f) < 0)
        abort();
    for (size_t i = 0; i < f.n; i++)
        if (f.v[i].offset + f.v[i].length > len || strcmp(f.v[i].kind, "rsa-private-key") != 0 ||
            f.v[i].confidence != DS_CONF_VERIFIED || !f.v[i].has_fingerprint)
            abort();
    ds_findings_free(&f);
    ds_dump_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!known)
        make_known();
    if (size < 1)
        return 0;
    int ws = (data[0] & 1) ? 4 : 8, be = (data[0] >> 1) & 1;
    uint64_t va = ws == 4 ? 0x10000 : 0x7f0000010000ULL;
    scan(data, size, ws, be, va, 0, NULL);
    scan(data, size, ws, be, va, 4096 + 24 + (data[0] >> 2), known);
    return 0;
}
