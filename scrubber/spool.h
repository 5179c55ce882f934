/*
 * spool.h - an encrypted, anonymous spool file for a stream that must be
 * read twice (the crash hook: pass 1 scans, pass 2 redacts what pass 1
 * found, including copies of keys found late that were streamed past).
 *
 * The plain bytes never reach the disk: each record is sealed with
 * AES-256-GCM under a key drawn from RAND_bytes for this spool alone.  The
 * key lives only in this process's memory (the hook is non-dumpable) and
 * is cleansed on ds_spool_free; without it the file is noise.  The file is
 * O_TMPFILE (never has a name), or, where the filesystem lacks it, a name
 * unlinked at once.  A kill at any moment leaves nothing readable behind.
 *
 * Records: the stream is cut into records of `rec` plain bytes (the last
 * may be shorter).  Record i sits at i * (rec + 16) in the file: its
 * ciphertext, then its 16-byte tag.  The nonce is the record number, the
 * additional data binds the number and the length, so records cannot be
 * swapped, cut or replayed unnoticed.
 */
#ifndef DS_SPOOL_H
#define DS_SPOOL_H

#include <stddef.h>
#include <stdint.h>

typedef struct ds_spool ds_spool;

/* A new spool in directory dirfd with records of rec bytes.  NULL with a
 * one-line message in err on failure. */
ds_spool *ds_spool_new(int dirfd, size_t rec, char *err, size_t errlen);
/* Append the next record (n <= rec; only the last record may be short).
 * 0, or -1 with a message. */
int ds_spool_append(ds_spool *s, const uint8_t *p, size_t n, char *err, size_t errlen);
/* Plain bytes appended so far. */
uint64_t ds_spool_size(const ds_spool *s);
/* Decrypt and authenticate record i into out (room for rec bytes); *n gets
 * its length.  0, or -1 with a message (a read error, a forged record). */
int ds_spool_read(ds_spool *s, uint64_t i, uint8_t *out, size_t *n, char *err, size_t errlen);
/* Number of records. */
uint64_t ds_spool_records(const ds_spool *s);
/* Cleanse the key, close (and so free) the file. */
void ds_spool_free(ds_spool *s);

#endif
