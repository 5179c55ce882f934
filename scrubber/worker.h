/*
 * worker.h - one helper thread that consumes buffers in order (the crash
 * hook: encrypting and writing the spool while the stream is scanned;
 * compressing and writing the output while the next record is redacted).
 * With two cores, the scan and the I/O overlap instead of adding up.
 *
 * The producer takes a free buffer (ds_worker_buf), fills it, submits it;
 * the thread calls fn(arg, buf, n) on each in submission order (n = 0:
 * skipped; a taken buffer is always submitted) and gives
 * the buffer back.  The first failure of fn stops the work: later submits
 * and ds_worker_finish return -1 and the message.  Buffers are cleansed
 * when freed (they hold dump bytes).
 */
#ifndef DS_WORKER_H
#define DS_WORKER_H

#include <stddef.h>
#include <stdint.h>

typedef int (*ds_worker_fn)(void *arg, const uint8_t *buf, size_t n, char *err, size_t errlen);
typedef struct ds_worker ds_worker;

/* nbuf buffers of cap bytes.  NULL on failure to allocate or start. */
ds_worker *ds_worker_new(size_t nbuf, size_t cap, ds_worker_fn fn, void *arg);
/* A free buffer of cap bytes (waits for one); NULL once the work failed. */
uint8_t *ds_worker_buf(ds_worker *w);
/* Hand over the buffer from ds_worker_buf with n bytes.  0, or -1 when the
 * work has failed. */
int ds_worker_submit(ds_worker *w, uint8_t *buf, size_t n);
/* Wait until everything submitted is done.  0, or -1 with the message. */
int ds_worker_finish(ds_worker *w, char *err, size_t errlen);
/* Stop (after finish, or to abandon the work) and free. */
void ds_worker_free(ds_worker *w);

#endif
