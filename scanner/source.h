/*
 * source.h - where a dump's bytes come from: a regular file (mapped
 * read-only), a pipe or stdin (read in chunks), or a gzip/zstd/xz stream
 * (decompressed on the fly, never written to disk).
 */
#ifndef DS_SOURCE_H
#define DS_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum { DS_COMP_NONE = 0, DS_COMP_GZIP, DS_COMP_ZSTD, DS_COMP_XZ } ds_compression;

typedef struct ds_decomp ds_decomp;

typedef struct {
    int fd;
    const uint8_t *map;     /* whole file when mapped (plain regular files) */
    size_t map_len;
    int stream;             /* 1: read with ds_source_read() */
    ds_compression comp;
    ds_decomp *dec;
    uint8_t *in;            /* compressed input buffer (streams only) */
    size_t in_pos, in_len;
    uint64_t size;          /* file size on disk (0 for pipes) */
    uint8_t peek[8];        /* first bytes of a pipe, consumed before fd */
    size_t peek_len, peek_pos;
    int eof;
} ds_source;

/* Open `path` ("-" = stdin).  Returns 0, or -1 with a one-line message in
 * err (never dump contents). */
int ds_source_open(ds_source *s, const char *path, char *err, size_t errlen);
/* Read the next bytes of a stream source (decompressed).  Returns bytes
 * read, 0 at end, -1 on error (message in err). */
ssize_t ds_source_read(ds_source *s, void *buf, size_t len, char *err, size_t errlen);
void ds_source_close(ds_source *s);

/* Recognise a compression format by its magic bytes. */
ds_compression ds_compression_detect(const uint8_t *p, size_t n);
const char *ds_compression_name(ds_compression c);

/* Streaming decompressor (scanner/decompress.c). */
ds_decomp *ds_decomp_new(ds_compression c);
/* Feed compressed input; writes up to outlen bytes of output.  *consumed
 * and *produced say how much moved.  Returns 0 ok, 1 at end of stream, -1
 * on corrupt data. */
int ds_decomp_run(ds_decomp *d, const uint8_t *in, size_t inlen, size_t *consumed,
                  uint8_t *out, size_t outlen, size_t *produced);
void ds_decomp_free(ds_decomp *d);

#endif
