/*
 * decompress.c - one streaming interface over zlib (gzip), libzstd and
 * liblzma (xz), so compressed dumps are scanned without a plain copy.
 */
#include "source.h"

#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

struct ds_decomp {
    ds_compression c;
    z_stream z;
    ZSTD_DCtx *zs;
    lzma_stream x;
};

ds_compression ds_compression_detect(const uint8_t *p, size_t n)
{
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return DS_COMP_GZIP;
    if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
        return DS_COMP_ZSTD;
    if (n >= 6 && !memcmp(p, "\xfd" "7zXZ\0", 6))
        return DS_COMP_XZ;
    return DS_COMP_NONE;
}

const char *ds_compression_name(ds_compression c)
{
    switch (c) {
    case DS_COMP_GZIP: return "gzip";
    case DS_COMP_ZSTD: return "zstd";
    case DS_COMP_XZ:   return "xz";
    default:           return "none";
    }
}

ds_decomp *ds_decomp_new(ds_compression c)
{
    ds_decomp *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->c = c;
    int ok = 0;
    switch (c) {
    case DS_COMP_GZIP:
        ok = inflateInit2(&d->z, 15 + 32) == Z_OK;    /* +32: gzip or zlib header */
        break;
    case DS_COMP_ZSTD:
        ok = (d->zs = ZSTD_createDCtx()) != NULL;
        break;
    case DS_COMP_XZ: {
        lzma_stream init = LZMA_STREAM_INIT;
        d->x = init;
        ok = lzma_stream_decoder(&d->x, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK;
        break;
    }
    default:
        break;
    }
    if (!ok) {
        free(d);
        return NULL;
    }
    return d;
}

int ds_decomp_run(ds_decomp *d, const uint8_t *in, size_t inlen, size_t *consumed,
                  uint8_t *out, size_t outlen, size_t *produced)
{
    *consumed = *produced = 0;
    switch (d->c) {
    case DS_COMP_GZIP: {
        /* zlib counts in uInt; feed at most 1 GiB per call. */
        d->z.next_in = (Bytef *)in;
        d->z.avail_in = (uInt)(inlen > (1u << 30) ? (1u << 30) : inlen);
        d->z.next_out = out;
        d->z.avail_out = (uInt)(outlen > (1u << 30) ? (1u << 30) : outlen);
        uInt ai = d->z.avail_in, ao = d->z.avail_out;
        int rc = inflate(&d->z, Z_NO_FLUSH);
        *consumed = ai - d->z.avail_in;
        *produced = ao - d->z.avail_out;
        if (rc == Z_STREAM_END) {
            /* Concatenated gzip members (gzip -c a >> f) are one stream. */
            if (*consumed < inlen) {
                inflateReset(&d->z);
                return 0;
            }
            return 1;
        }
        if (rc == Z_OK || (rc == Z_BUF_ERROR && (*consumed || *produced || inlen == 0)))
            return 0;
        return -1;
    }
    case DS_COMP_ZSTD: {
        ZSTD_inBuffer ib = { in, inlen, 0 };
        ZSTD_outBuffer ob = { out, outlen, 0 };
        size_t rc = ZSTD_decompressStream(d->zs, &ob, &ib);
        *consumed = ib.pos;
        *produced = ob.pos;
        if (ZSTD_isError(rc))
            return -1;
        return (rc == 0 && ib.pos == inlen) ? 1 : 0;
    }
    case DS_COMP_XZ: {
        d->x.next_in = in;
        d->x.avail_in = inlen;
        d->x.next_out = out;
        d->x.avail_out = outlen;
        lzma_ret rc = lzma_code(&d->x, inlen ? LZMA_RUN : LZMA_FINISH);
        *consumed = inlen - d->x.avail_in;
        *produced = outlen - d->x.avail_out;
        if (rc == LZMA_STREAM_END)
            return 1;
        if (rc == LZMA_OK || rc == LZMA_BUF_ERROR)
            return (rc == LZMA_BUF_ERROR && !*consumed && !*produced) ? -1 : 0;
        return -1;
    }
    default:
        return -1;
    }
}

void ds_decomp_free(ds_decomp *d)
{
    if (!d)
        return;
    if (d->c == DS_COMP_GZIP)
        inflateEnd(&d->z);
    else if (d->c == DS_COMP_ZSTD)
        ZSTD_freeDCtx(d->zs);
    else if (d->c == DS_COMP_XZ)
        lzma_end(&d->x);
    free(d);
}
