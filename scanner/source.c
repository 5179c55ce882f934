/*
 * source.c - open a dump for reading: mmap for plain regular files, a
 * chunked reader for pipes, stdin and compressed files.
 */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Compressed input is read through this buffer. */
#define INBUF 65536

static ssize_t raw_read(ds_source *s, void *buf, size_t len)
{
    if (s->peek_pos < s->peek_len) {
        size_t n = s->peek_len - s->peek_pos < len ? s->peek_len - s->peek_pos : len;
        memcpy(buf, s->peek + s->peek_pos, n);
        s->peek_pos += n;
        return (ssize_t)n;
    }
    for (;;) {
        ssize_t n = read(s->fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        return n;
    }
}

int ds_source_open(ds_source *s, const char *path, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    if (strcmp(path, "-") == 0) {
        s->fd = dup(STDIN_FILENO);
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    }
    if (s->fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    /* O_NONBLOCK only guarded the open against FIFOs without writers. */
    fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) & ~O_NONBLOCK);
    struct stat st;
    if (fstat(s->fd, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        ds_source_close(s);
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory", path);
        ds_source_close(s);
        return -1;
    }
    if (S_ISREG(st.st_mode)) {
        s->size = (uint64_t)st.st_size;
        if (st.st_size > 0) {
            void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, s->fd, 0);
            if (m == MAP_FAILED) {
                snprintf(err, errlen, "%s: mmap: %s", path, strerror(errno));
                ds_source_close(s);
                return -1;
            }
            madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
            s->map = m;
            s->map_len = (size_t)st.st_size;
            s->comp = ds_compression_detect(s->map, s->map_len);
        }
    } else {
        /* Pipe/stdin: peek at the magic to choose a decompressor. */
        s->stream = 1;
#ifdef F_SETPIPE_SZ
        fcntl(s->fd, F_SETPIPE_SZ, 1 << 20);   /* ~2x throughput on big cores */
#endif
        while (s->peek_len < sizeof s->peek) {
            ssize_t n = read(s->fd, s->peek + s->peek_len, sizeof s->peek - s->peek_len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                snprintf(err, errlen, "%s: read: %s", path, strerror(errno));
                ds_source_close(s);
                return -1;
            }
            if (n == 0)
                break;
            s->peek_len += (size_t)n;
        }
        s->comp = ds_compression_detect(s->peek, s->peek_len);
    }
    if (s->comp != DS_COMP_NONE) {
        s->stream = 1;
        if (!(s->dec = ds_decomp_new(s->comp)) || !(s->in = malloc(INBUF))) {
            snprintf(err, errlen, "%s: cannot start %s decompression", path,
                     ds_compression_name(s->comp));
            ds_source_close(s);
            return -1;
        }
        if (s->map) {
            /* Read compressed files through read(), not the mapping, so
             * that the mapping is not needed; keep it simple: unmap. */
            munmap((void *)s->map, s->map_len);
            s->map = NULL;
            s->map_len = 0;
        }
    }
    return 0;
}

/* Read decompressed bytes. */
ssize_t ds_source_read(ds_source *s, void *buf, size_t len, char *err, size_t errlen)
{
    if (!s->dec) {
        ssize_t n = raw_read(s, buf, len);
        if (n < 0)
            snprintf(err, errlen, "read: %s", strerror(errno));
        return n;
    }
    size_t total = 0;
    while (total == 0 && !s->eof) {
        if (s->in_pos == s->in_len) {
            ssize_t n = raw_read(s, s->in, INBUF);
            if (n < 0) {
                snprintf(err, errlen, "read: %s", strerror(errno));
                return -1;
            }
            s->in_pos = 0;
            s->in_len = (size_t)n;
        }
        size_t used = 0, made = 0;
        int rc = ds_decomp_run(s->dec, s->in + s->in_pos, s->in_len - s->in_pos, &used,
                               (uint8_t *)buf + total, len - total, &made);
        s->in_pos += used;
        total += made;
        if (rc < 0) {
            snprintf(err, errlen, "corrupt %s data", ds_compression_name(s->comp));
            return -1;
        }
        if (rc == 1) {
            s->eof = 1;
            break;
        }
        if (s->in_len == 0 && used == 0 && made == 0) {
            snprintf(err, errlen, "truncated %s stream", ds_compression_name(s->comp));
            return -1;
        }
    }
    return (ssize_t)total;
}

void ds_source_close(ds_source *s)
{
    if (s->map)
        munmap((void *)s->map, s->map_len);
    if (s->fd >= 0)
        close(s->fd);
    ds_decomp_free(s->dec);
    free(s->in);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}
