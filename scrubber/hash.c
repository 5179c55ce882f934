/*
 * hash.c - SHA-256 of a whole file on a helper thread.
 *
 * SHA-256 (about 1.6 GB/s here) is slower than scanning or copying, so the
 * scrub hashes the input while the scan runs and the output while the
 * verification scan runs: the digests cost (almost) no wall time.  The
 * thread reads with pread, from the page cache the scan is filling anyway.
 */
#include "scrub.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define HBUF ((size_t)1 << 20)

struct ds_hasher {
    pthread_t tid;
    int fd;
    uint64_t size;
    int rc;
    uint8_t md[32];
};

static void *hash_main(void *arg)
{
    ds_hasher *h = arg;
    h->rc = -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t *buf = malloc(HBUF);
    if (!ctx || !buf || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
        goto out;
    uint64_t off = 0;
    while (off < h->size) {
        size_t want = h->size - off < HBUF ? (size_t)(h->size - off) : HBUF;
        ssize_t n = pread(h->fd, buf, want, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto out;
        if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
            goto out;
        off += (uint64_t)n;
    }
    unsigned int mdlen = 0;
    if (EVP_DigestFinal_ex(ctx, h->md, &mdlen) == 1 && mdlen == 32)
        h->rc = 0;
out:
    if (buf) {
        /* It held dump bytes: perhaps the very secrets being scrubbed. */
        OPENSSL_cleanse(buf, HBUF);
        free(buf);
    }
    EVP_MD_CTX_free(ctx);
    return NULL;
}

ds_hasher *ds_hash_start(int fd, uint64_t size)
{
    ds_hasher *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->fd = fd;
    h->size = size;
    if (pthread_create(&h->tid, NULL, hash_main, h) != 0) {
        free(h);
        return NULL;
    }
    return h;
}

int ds_hash_finish(ds_hasher *h, uint8_t out[32])
{
    pthread_join(h->tid, NULL);
    int rc = h->rc;
    if (rc == 0)
        memcpy(out, h->md, 32);
    free(h);
    return rc;
}

void ds_sha256_hex(const uint8_t d[32], char out[65])
{
    static const char hx[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[64] = '\0';
}
