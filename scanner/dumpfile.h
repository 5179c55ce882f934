/*
 * dumpfile.h - one dump opened for scanning: its bytes (mapped, or read
 * into memory, or streamed), its structure (ds_dump) and the scan over it.
 * The same engine runs on all three; only where the bytes live differs.
 */
#ifndef DS_DUMPFILE_H
#define DS_DUMPFILE_H

#include "dump.h"
#include "scan.h"
#include "source.h"

typedef struct {
    ds_source src;
    ds_dump dump;
    int read_rc;             /* reader: 0 complete, 1 partial (dump.problems) */
    const uint8_t *data;     /* the whole (decompressed) dump, or NULL when streaming */
    size_t len;              /* bytes in data, or bytes read so far when streaming */
    uint8_t *heap;           /* owned copy (pipes, compressed): cleansed on close */
    size_t heap_cap;
    int streaming;           /* too big for memory: the rest is read during the scan */
} ds_dumpfile;

/* Default: streams up to this size are held in memory and scanned like a
 * mapped file (full labels); larger ones are scanned as a stream. */
#define DS_DEFAULT_MEM_LIMIT ((size_t)256 << 20)

/* Open a dump and read its structure.  Returns 0, or -1 with a one-line
 * error in err. */
int ds_dumpfile_open(ds_dumpfile *f, const char *path, size_t mem_limit,
                     char *err, size_t errlen);
/* Scan every byte (consumes the stream when streaming).  0 ok, -1 error. */
int ds_dumpfile_scan(ds_dumpfile *f, const ds_scan_opts *o, ds_findings *out,
                     char *err, size_t errlen);
void ds_dumpfile_close(ds_dumpfile *f);

#endif
