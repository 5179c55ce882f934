/*
 * sink.c - where the redacted stream goes: an fd, directly or through an
 * encoder.  Write errors (ENOSPC, EIO, EFBIG) come back as one line.
 */
#include "scrub.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OBUF ((size_t)1 << 20)

int ds_write_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

int ds_sink_init(ds_sink *k, int fd, ds_compression c, int level, char *err, size_t errlen)
{
    memset(k, 0, sizeof *k);
    k->fd = fd;
    k->err = err;
    k->errlen = errlen;
    if (c == DS_COMP_NONE)
        return 0;
    if (!(k->enc = ds_encoder_new(c, level)) || !(k->obuf = malloc(OBUF))) {
        snprintf(err, errlen, "cannot start %s compression", ds_compression_name(c));
        ds_sink_free(k);
        return -1;
    }
    k->ocap = OBUF;
    return 0;
}

static int put(ds_sink *k, const uint8_t *p, size_t n)
{
    if (ds_write_all(k->fd, p, n) < 0) {
        snprintf(k->err, k->errlen, "write: %s", strerror(errno));
        return -1;
    }
    k->written += n;
    return 0;
}

/* Drive the encoder until it has taken all of p (or, finishing, until the
 * stream is closed), writing out whatever it produces. */
static int encode(ds_sink *k, const uint8_t *p, size_t n, int finish)
{
    for (;;) {
        size_t used = 0, made = 0;
        int rc = ds_encoder_run(k->enc, p, n, finish, &used, k->obuf, k->ocap, &made);
        if (rc < 0) {
            snprintf(k->err, k->errlen, "compression failed");
            return -1;
        }
        if (made && put(k, k->obuf, made) < 0)
            return -1;
        p += used;
        n -= used;
        if (rc == 1)
            return 0;
        if (!finish && n == 0)
            return 0;
        if (!used && !made) {
            snprintf(k->err, k->errlen, "compression made no progress");
            return -1;
        }
    }
}

int ds_sink_write(ds_sink *k, const uint8_t *p, size_t n)
{
    k->plain_in += n;
    return k->enc ? encode(k, p, n, 0) : put(k, p, n);
}

int ds_sink_finish(ds_sink *k)
{
    return k->enc ? encode(k, NULL, 0, 1) : 0;
}

void ds_sink_free(ds_sink *k)
{
    ds_encoder_free(k->enc);
    k->enc = NULL;
    free(k->obuf);    /* compressed output of redacted bytes: no secrets */
    k->obuf = NULL;
}
