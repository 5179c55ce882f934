/*
 * spool.c - the encrypted anonymous spool (spool.h).
 */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define TAG 16
#define KEYLEN 32
#define IVLEN 12

struct ds_spool {
    int fd;
    size_t rec;
    uint64_t nrec, size;
    int short_tail;           /* a record shorter than rec was appended: no more */
    unsigned char key[KEYLEN];
    EVP_CIPHER_CTX *enc, *dec;
    uint8_t *cbuf;            /* ciphertext + tag of one record */
};

/* Nonce and additional data of record i with n plain bytes. */
static void record_iv(uint64_t i, unsigned char iv[IVLEN])
{
    memset(iv, 0, IVLEN);
    for (int k = 0; k < 8; k++)
        iv[IVLEN - 1 - k] = (unsigned char)(i >> (8 * k));
}

static void record_aad(uint64_t i, size_t n, unsigned char aad[16])
{
    for (int k = 0; k < 8; k++) {
        aad[k] = (unsigned char)(i >> (8 * k));
        aad[8 + k] = (unsigned char)((uint64_t)n >> (8 * k));
    }
}

static int open_anonymous(int dirfd)
{
    int fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    /* No O_TMPFILE on this filesystem: a random name, unlinked at once.
     * Between the two calls it holds nothing yet. */
    for (int tries = 0; tries < 50; tries++) {
        unsigned char r[8];
        char name[40];
        if (RAND_bytes(r, sizeof r) != 1)
            return -1;
        snprintf(name, sizeof name, ".dumpscrub-spool-%02x%02x%02x%02x%02x%02x%02x%02x",
                 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
        fd = openat(dirfd, name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) {
            unlinkat(dirfd, name, 0);
            return fd;
        }
        if (errno != EEXIST)
            return -1;
    }
    return -1;
}

ds_spool *ds_spool_new(int dirfd, size_t rec, char *err, size_t errlen)
{
    ds_spool *s = calloc(1, sizeof *s);
    if (!s || !rec) {
        snprintf(err, errlen, "spool: out of memory");
        free(s);
        return NULL;
    }
    s->fd = -1;
    s->rec = rec;
    if (!(s->cbuf = malloc(rec + TAG)) || !(s->enc = EVP_CIPHER_CTX_new()) ||
        !(s->dec = EVP_CIPHER_CTX_new())) {
        snprintf(err, errlen, "spool: out of memory");
        goto fail;
    }
    if (RAND_bytes(s->key, KEYLEN) != 1) {
        snprintf(err, errlen, "spool: no random key (RAND_bytes failed)");
        goto fail;
    }
    if (EVP_EncryptInit_ex(s->enc, EVP_aes_256_gcm(), NULL, s->key, NULL) != 1 ||
        EVP_DecryptInit_ex(s->dec, EVP_aes_256_gcm(), NULL, s->key, NULL) != 1) {
        snprintf(err, errlen, "spool: cannot set up AES-256-GCM");
        goto fail;
    }
    if ((s->fd = open_anonymous(dirfd)) < 0) {
        snprintf(err, errlen, "spool: cannot create an anonymous file: %s", strerror(errno));
        goto fail;
    }
    return s;
fail:
    ds_spool_free(s);
    return NULL;
}

int ds_spool_append(ds_spool *s, const uint8_t *p, size_t n, char *err, size_t errlen)
{
    if (n > s->rec || s->short_tail || !n) {
        snprintf(err, errlen, "spool: bad record length");
        return -1;
    }
    unsigned char iv[IVLEN], aad[16];
    record_iv(s->nrec, iv);
    record_aad(s->nrec, n, aad);
    int len = 0, fin = 0;
    if (EVP_EncryptInit_ex(s->enc, NULL, NULL, NULL, iv) != 1 ||
        EVP_EncryptUpdate(s->enc, NULL, &len, aad, sizeof aad) != 1 ||
        EVP_EncryptUpdate(s->enc, s->cbuf, &len, p, (int)n) != 1 ||
        EVP_EncryptFinal_ex(s->enc, s->cbuf + len, &fin) != 1 ||
        (size_t)(len + fin) != n ||
        EVP_CIPHER_CTX_ctrl(s->enc, EVP_CTRL_GCM_GET_TAG, TAG, s->cbuf + n) != 1) {
        snprintf(err, errlen, "spool: encryption failed");
        return -1;
    }
    off_t at = (off_t)(s->nrec * (uint64_t)(s->rec + TAG));
    size_t done = 0;
    while (done < n + TAG) {
        ssize_t w = pwrite(s->fd, s->cbuf + done, n + TAG - done, at + (off_t)done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "spool: write: %s", w < 0 ? strerror(errno) : "no progress");
            return -1;
        }
        done += (size_t)w;
    }
    s->nrec++;
    s->size += n;
    if (n < s->rec)
        s->short_tail = 1;
    return 0;
}

uint64_t ds_spool_size(const ds_spool *s) { return s->size; }
uint64_t ds_spool_records(const ds_spool *s) { return s->nrec; }

int ds_spool_read(ds_spool *s, uint64_t i, uint8_t *out, size_t *n, char *err, size_t errlen)
{
    if (i >= s->nrec) {
        snprintf(err, errlen, "spool: no record %llu", (unsigned long long)i);
        return -1;
    }
    size_t want = i + 1 < s->nrec ? s->rec : (size_t)(s->size - i * (uint64_t)s->rec);
    off_t at = (off_t)(i * (uint64_t)(s->rec + TAG));
    size_t done = 0;
    while (done < want + TAG) {
        ssize_t r = pread(s->fd, s->cbuf + done, want + TAG - done, at + (off_t)done);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(err, errlen, "spool: read: %s", r < 0 ? strerror(errno) : "short file");
            return -1;
        }
        done += (size_t)r;
    }
    unsigned char iv[IVLEN], aad[16];
    record_iv(i, iv);
    record_aad(i, want, aad);
    int len = 0, fin = 0;
    if (EVP_DecryptInit_ex(s->dec, NULL, NULL, NULL, iv) != 1 ||
        EVP_DecryptUpdate(s->dec, NULL, &len, aad, sizeof aad) != 1 ||
        EVP_DecryptUpdate(s->dec, out, &len, s->cbuf, (int)want) != 1 ||
        EVP_CIPHER_CTX_ctrl(s->dec, EVP_CTRL_GCM_SET_TAG, TAG, s->cbuf + want) != 1 ||
        EVP_DecryptFinal_ex(s->dec, out + len, &fin) != 1) {
        OPENSSL_cleanse(out, want);
        snprintf(err, errlen, "spool: record %llu fails authentication", (unsigned long long)i);
        return -1;
    }
    *n = want;
    return 0;
}

void ds_spool_free(ds_spool *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s->key, sizeof s->key);
    EVP_CIPHER_CTX_free(s->enc);      /* frees (and cleanses) the key schedules */
    EVP_CIPHER_CTX_free(s->dec);
    free(s->cbuf);                    /* ciphertext only */
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}
