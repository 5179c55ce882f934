/*
 * victim_rsamem - a process whose RSA key exists only in OpenSSL's
 * in-memory form (tests/t_rsamem.sh; the Storm-0558 case).
 *
 *   victim_rsamem KEY.pem wait    load, sign, print the line below, then
 *                                 wait until stdin is closed (or SIGTERM)
 *   victim_rsamem KEY.pem crash   the same, then die of SIGSEGV in
 *                                 crash_here(): for the kernel's core
 *
 * The PEM file is read into a malloc'd buffer, decoded from a memory BIO
 * (PEM_read_bio_PrivateKey), then the buffer is cleansed (OPENSSL_cleanse)
 * and freed, so the PEM text is gone; the key is used once
 * (EVP_DigestSign, SHA-256) so that OpenSSL builds its Montgomery and
 * blinding state as a signing service would.
 *
 * Output, one line: ready pid=<pid>
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

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

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[2], "wait") != 0 && strcmp(argv[2], "crash") != 0)) {
        fprintf(stderr, "usage: victim_rsamem KEY.pem wait|crash\n");
        return 2;
    }
    /* open/read, not stdio: stdio's own buffer would keep a copy of the text */
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    size_t cap = 16384, len = 0;
    char *text = malloc(cap);
    if (!text)
        return 1;
    ssize_t r;
    while ((r = read(fd, text + len, cap - len)) > 0) {
        len += (size_t)r;
        if (len == cap) {
            fprintf(stderr, "key file too large\n");
            return 1;
        }
    }
    close(fd);

    BIO *bio = BIO_new_mem_buf(text, (int)len);
    EVP_PKEY *pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    OPENSSL_cleanse(text, cap);
    free(text);
    if (!pk) {
        fprintf(stderr, "cannot load key\n");
        return 1;
    }

    static const unsigned char msg[] = "a token to sign";
    unsigned char sig[1024];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
        EVP_DigestSign(md, sig, &siglen, msg, sizeof msg - 1) != 1) {
        fprintf(stderr, "cannot sign\n");
        return 1;
    }
    EVP_MD_CTX_free(md);

    printf("ready pid=%ld\n", (long)getpid());
    fflush(stdout);
    if (strcmp(argv[2], "crash") == 0) {
        char buf[16];
        crash_here(buf);
    }
    wait_for_eof();
    EVP_PKEY_free(pk);
    return 0;
}
