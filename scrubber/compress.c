/*
 * compress.c - streaming encoders for the scrubbed output: gzip (zlib
 * deflate with a gzip header), zstd (ZSTD_compressStream2) and xz
 * (lzma_easy_encoder), behind one interface so that a compressed dump is
 * recompressed chunk by chunk and its plain bytes never reach disk.
 *
 * The encoders only ever see redacted bytes.
 */
#include "scrub.h"

#include <stdlib.h>
#include <string.h>

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

struct ds_encoder {
    ds_compression c;
    z_stream z;
    ZSTD_CCtx *zs;
    lzma_stream x;
    int done;
};

ds_encoder *ds_encoder_new(ds_compression c, int level)
{
    ds_encoder *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->c = c;
    int ok = 0;
    switch (c) {
    case DS_COMP_GZIP:
        /* windowBits 15 + 16: a gzip header and trailer, as gzip(1) writes. */
        ok = deflateInit2(&e->z, level ? level : 6, Z_DEFLATED, 15 + 16, 8,
                          Z_DEFAULT_STRATEGY) == Z_OK;
        break;
    case DS_COMP_ZSTD:
        if ((e->zs = ZSTD_createCCtx()) != NULL) {
            ok = !ZSTD_isError(ZSTD_CCtx_setParameter(e->zs, ZSTD_c_compressionLevel,
                                                      level ? level : 3)) &&
                 !ZSTD_isError(ZSTD_CCtx_setParameter(e->zs, ZSTD_c_checksumFlag, 1));
            if (!ok)
                ZSTD_freeCCtx(e->zs);
        }
        break;
    case DS_COMP_XZ: {
        lzma_stream init = LZMA_STREAM_INIT;
        e->x = init;
        ok = lzma_easy_encoder(&e->x, (uint32_t)(level ? level : 6), LZMA_CHECK_CRC64) == LZMA_OK;
        break;
    }
    default:
        break;
    }
    if (!ok) {
        free(e);
        return NULL;
    }
    return e;
}

int ds_encoder_run(ds_encoder *e, const uint8_t *in, size_t inlen, int finish,
                   size_t *consumed, uint8_t *out, size_t outlen, size_t *produced)
{
    *consumed = *produced = 0;
    if (e->done)
        return 1;
    switch (e->c) {
    case DS_COMP_GZIP: {
        /* zlib counts in uInt: at most 1 GiB per call each way. */
        uInt ai = (uInt)(inlen > (1u << 30) ? (1u << 30) : inlen);
        uInt ao = (uInt)(outlen > (1u << 30) ? (1u << 30) : outlen);
        e->z.next_in = (Bytef *)in;
        e->z.avail_in = ai;
        e->z.next_out = out;
        e->z.avail_out = ao;
        int fl = (finish && ai == inlen) ? Z_FINISH : Z_NO_FLUSH;
        int rc = deflate(&e->z, fl);
        *consumed = ai - e->z.avail_in;
        *produced = ao - e->z.avail_out;
        if (rc == Z_STREAM_END)
            return e->done = 1;
        return (rc == Z_OK || rc == Z_BUF_ERROR) ? 0 : -1;
    }
    case DS_COMP_ZSTD: {
        ZSTD_inBuffer ib = { in, inlen, 0 };
        ZSTD_outBuffer ob = { out, outlen, 0 };
        size_t rc = ZSTD_compressStream2(e->zs, &ob, &ib, finish ? ZSTD_e_end : ZSTD_e_continue);
        *consumed = ib.pos;
        *produced = ob.pos;
        if (ZSTD_isError(rc))
            return -1;
        if (finish && rc == 0 && ib.pos == inlen)
            return e->done = 1;
        return 0;
    }
    case DS_COMP_XZ: {
        e->x.next_in = in;
        e->x.avail_in = inlen;
        e->x.next_out = out;
        e->x.avail_out = outlen;
        lzma_ret rc = lzma_code(&e->x, finish ? LZMA_FINISH : LZMA_RUN);
        *consumed = inlen - e->x.avail_in;
        *produced = outlen - e->x.avail_out;
        if (rc == LZMA_STREAM_END)
            return e->done = 1;
        return (rc == LZMA_OK || rc == LZMA_BUF_ERROR) ? 0 : -1;
    }
    default:
        return -1;
    }
}

void ds_encoder_free(ds_encoder *e)
{
    if (!e)
        return;
    if (e->c == DS_COMP_GZIP)
        deflateEnd(&e->z);
    else if (e->c == DS_COMP_ZSTD)
        ZSTD_freeCCtx(e->zs);
    else if (e->c == DS_COMP_XZ)
        lzma_end(&e->x);
    free(e);
}
