/*
 * victim_aes - a process holding live AES key schedules (tests/t_aes.sh).
 *
 *   victim_aes wait    set up the contexts, print the line below, then wait
 *                      until stdin is closed (or SIGTERM) and exit 0: for gcore
 *   victim_aes crash   the same, then die of SIGSEGV in crash_here(): for
 *                      the kernel's core
 *
 * Three EVP cipher contexts with random keys (RAND_bytes), each used once:
 *   AES-128-GCM encryption, AES-256-CBC encryption, AES-192-CBC decryption
 * (the last keeps an equivalent-inverse-cipher decryption schedule).  With
 * AES-NI, OpenSSL's provider keeps each schedule as round-key bytes in the
 * context's algorithm data; without it, in whatever layout the fallback
 * (vpaes, bsaes, C) uses.
 *
 * Output, one line, written before waiting or crashing:
 *   ready pid=<pid> key128=<hex> key256=<hex> key192dec=<hex>
 * The keys are random and exist only for the test; the raw key buffers and
 * the line are cleansed once written, so that the schedules are the only
 * copies left in the process.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

void crash_here(volatile char *buf);

__attribute__((noinline)) void crash_here(volatile char *buf)
{
    volatile uintptr_t zero = 0;
    buf[0] = 'X';
    *(volatile int *)zero = 42;
}

static void wait_for_eof(void)
{
    char b[256];
    for (;;) {
        ssize_t n = read(0, b, sizeof b);
        if (n == 0 || (n < 0 && errno != EINTR))
            return;
    }
}

static void hex(char *out, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = 0;
}

static EVP_CIPHER_CTX *start(const EVP_CIPHER *c, const unsigned char *key, int enc)
{
    unsigned char iv[16], in[64], out[128];
    int outl;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx || RAND_bytes(iv, sizeof iv) != 1 || RAND_bytes(in, sizeof in) != 1 ||
        EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc) != 1 ||
        EVP_CipherUpdate(ctx, out, &outl, in, sizeof in) != 1) {
        fprintf(stderr, "victim_aes: OpenSSL setup failed\n");
        exit(1);
    }
    return ctx;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "wait") != 0 && strcmp(mode, "crash") != 0) {
        fprintf(stderr, "usage: %s wait|crash\n", argv[0]);
        return 2;
    }
    unsigned char k128[16], k256[32], k192[24];
    if (RAND_bytes(k128, sizeof k128) != 1 || RAND_bytes(k256, sizeof k256) != 1 ||
        RAND_bytes(k192, sizeof k192) != 1)
        return 1;
    EVP_CIPHER_CTX *gcm = start(EVP_aes_128_gcm(), k128, 1);
    EVP_CIPHER_CTX *cbc = start(EVP_aes_256_cbc(), k256, 1);
    EVP_CIPHER_CTX *dec = start(EVP_aes_192_cbc(), k192, 0);

    char h128[33], h256[65], h192[49], line[256];
    hex(h128, k128, sizeof k128);
    hex(h256, k256, sizeof k256);
    hex(h192, k192, sizeof k192);
    int n = snprintf(line, sizeof line, "ready pid=%ld key128=%s key256=%s key192dec=%s\n",
                     (long)getpid(), h128, h256, h192);
    /* write(2), not stdio: no copy of the line stays in a stdio buffer. */
    ssize_t w = write(1, line, (size_t)n);
    OPENSSL_cleanse(k128, sizeof k128);
    OPENSSL_cleanse(k256, sizeof k256);
    OPENSSL_cleanse(k192, sizeof k192);
    OPENSSL_cleanse(h128, sizeof h128);
    OPENSSL_cleanse(h256, sizeof h256);
    OPENSSL_cleanse(h192, sizeof h192);
    OPENSSL_cleanse(line, sizeof line);
    if (w != n)
        return 1;

    static char scratch[64];
    if (strcmp(mode, "crash") == 0)
        crash_here(scratch);
    else
        wait_for_eof();
    EVP_CIPHER_CTX_free(gcm);
    EVP_CIPHER_CTX_free(cbc);
    EVP_CIPHER_CTX_free(dec);
    return 0;
}
