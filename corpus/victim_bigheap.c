/*
 * victim_bigheap - a process with a large heap and a key found late
 * (tests/t_hook.sh, bench/hook_bench.sh).
 *
 *   victim_bigheap MIB KEY.pem wait|crash
 *
 * Allocates MIB MiB and touches every page (a little random data and
 * text-like filler per page, as real heaps are: compressible, not zero).
 * Near the START of the buffer it stores the key's prime p as raw
 * big-endian bytes with no structure around it (only the echo search can
 * find it); near the END, the key's PEM text (what the scanner finds, a
 * whole buffer later: by then p has long been streamed past).
 *
 * Prints "ready pid=<pid> mib=<n>" (flushed), then waits until stdin is
 * closed (exit 0) or dies of SIGSEGV in crash_here().
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

void crash_here(volatile char *buf);

__attribute__((noinline)) void crash_here(volatile char *buf)
{
    buf[0] = 1;
    *(volatile int *)(uintptr_t)8 = 1;   /* SIGSEGV */
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[3], "wait") && strcmp(argv[3], "crash"))) {
        fprintf(stderr, "usage: victim_bigheap MIB KEY.pem wait|crash\n");
        return 2;
    }
    size_t mib = strtoul(argv[1], NULL, 10), size = mib << 20;
    FILE *f = fopen(argv[2], "r");
    if (!f || size < ((size_t)4 << 20)) {
        perror(argv[2]);
        return 2;
    }
    char pem[16384];
    size_t plen = fread(pem, 1, sizeof pem - 1, f);
    fclose(f);
    pem[plen] = '\0';
    BIO *bio = BIO_new_mem_buf(pem, (int)plen);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIGNUM *p = NULL;
    if (!k || !EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR1, &p)) {
        fprintf(stderr, "%s: not an RSA key\n", argv[2]);
        return 2;
    }
    uint8_t *heap = malloc(size);
    if (!heap)
        return 2;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    static const char filler[] = "GET /index.html HTTP/1.1\r\nHost: example.test\r\n\r\n";
    /* Page by page from two templates (this file is built -O0: no
     * byte loops over a gigabyte). */
    static uint8_t page[2][4096];
    for (size_t i = 0; i < 4096; i++) {
        page[0][i] = (uint8_t)filler[i % (sizeof filler - 1)];
        page[1][i] = (uint8_t)filler[(i + 7) % (sizeof filler - 1)];
    }
    for (size_t pg = 0; pg < size; pg += 4096) {
        memcpy(heap + pg, page[(pg >> 12) & 1], 4096);
        for (size_t i = 0; i < 256; i += 8) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            memcpy(heap + pg + i, &x, 8);
        }
    }
    BN_bn2bin(p, heap + 4096 + 13);
    memcpy(heap + size - (64 << 10), pem, plen);
    OPENSSL_cleanse(pem, sizeof pem);
    BN_clear_free(p);
    EVP_PKEY_free(k);
    BIO_free(bio);
    printf("ready pid=%d mib=%zu\n", (int)getpid(), mib);
    fflush(stdout);
    if (!strcmp(argv[3], "crash"))
        crash_here((volatile char *)heap);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    free(heap);
    return 0;
}
