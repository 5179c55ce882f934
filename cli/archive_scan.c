/*
 * archive_scan.c - dumps inside .zip and .tar (.tar.gz, .tgz, .tar.zst,
 * .tar.xz, .tar.bz2) archives, as WER and crash uploaders produce them.
 *
 * libarchive reads the archive in one pass; each regular member is written
 * by a feeder thread into a pipe that the ordinary scan path opens as
 * /dev/fd/N.  So a member goes through exactly what a file on disk goes
 * through (format detection, gzip/zstd/xz decompression of a compressed
 * member, in memory up to the usual limit and streamed beyond), is never
 * written to disk, and is reported as ARCHIVE!member.
 *
 * Fail closed: a member that cannot be read (encrypted, corrupt data) makes
 * the archive "not proven clean" (encrypted) or an error (corrupt); a
 * broken archive is an error; a file named like an archive that libarchive
 * does not open as one is scanned as a dump.  Only members are scanned, not the archive's
 * own headers.  Archives inside archives are scanned as raw bytes.
 */
#include "cli.h"
#include "sweep.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const suffixes[] = {
    ".zip", ".tar", ".tgz", ".tar.gz", ".tar.zst", ".tzst", ".tar.xz", ".txz",
    ".tar.bz2", ".tbz2", ".tbz",
};

int sweep_is_archive_name(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t m = strlen(suffixes[i]);
        if (n > m && !strcasecmp(path + n - m, suffixes[i]))
            return 1;
    }
    return 0;
}

struct feeder {
    struct archive *a;
    int fd;                  /* write end of the pipe */
    int failed;              /* archive data could not be read */
    char err[256];
};

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Copy the current member into the pipe; holes of sparse members become
 * zeros so file offsets stay those of the member. */
static void *feed(void *arg)
{
    struct feeder *fd = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);           /* a reader that stops: EPIPE, not death */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    static const char zeros[65536];
    int64_t pos = 0;
    for (;;) {
        const void *buf;
        size_t size;
        la_int64_t off;
        int rc = archive_read_data_block(fd->a, &buf, &size, &off);
        if (rc == ARCHIVE_EOF)
            break;
        if (rc < ARCHIVE_WARN) {
            fd->failed = 1;
            snprintf(fd->err, sizeof fd->err, "%s", archive_error_string(fd->a) ?: "read error");
            break;
        }
        while (pos < off) {
            size_t z = off - pos < (int64_t)sizeof zeros ? (size_t)(off - pos) : sizeof zeros;
            if (write_all(fd->fd, zeros, z) < 0)
                goto out;
            pos += (int64_t)z;
        }
        if (write_all(fd->fd, buf, size) < 0)
            goto out;          /* the scan stopped reading: it reports why */
        pos += (int64_t)size;
    }
out:
    close(fd->fd);
    return NULL;
}

static void add_err(sweep_result *r, const char *fmt, const char *a, const char *b)
{
    char *e = NULL;
    if (asprintf(&e, "%sdumpscrub: %s!%s: %s\n", r->err ? r->err : "", a, b, fmt) < 0)
        return;
    free(r->err);
    r->err = e;
    r->err_len = strlen(e);
}

void sweep_scan_archive(const sweep_file *f, const ds_scan_opts *o, int jobs,
                        size_t mem_limit, sweep_result *r)
{
    struct archive *a = archive_read_new();
    if (!a) {
        add_err(r, "out of memory", f->path, "");
        r->rc = exit_merge(r->rc, EXIT_USAGE);
        return;
    }
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    archive_read_support_format_zip(a);
    if (archive_read_open_filename(a, f->path, 1 << 20) != ARCHIVE_OK) {
        /* Named like an archive but not one (a gzip'd core called .tgz):
         * every byte still gets scanned, as a dump. */
        archive_read_free(a);
        sweep_scan_dump(f->path, f->path, NULL, r->time, o, jobs, mem_limit, r);
        return;
    }
    struct archive_entry *e;
    int hrc;
    while ((hrc = archive_read_next_header(a, &e)) == ARCHIVE_OK || hrc == ARCHIVE_WARN) {
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        const char *name = archive_entry_pathname(e);
        if (!name)
            name = "?";
        if (archive_entry_is_encrypted(e)) {
            r->rc = exit_merge(r->rc, EXIT_UNPROVEN);
            if (!r->unproven && asprintf(&r->unproven, "(%s: encrypted member, not scanned)", name) < 0)
                r->unproven = NULL;
            continue;
        }
        char *shown = NULL;
        if (asprintf(&shown, "%s!%s", f->path, name) < 0) {
            r->rc = exit_merge(r->rc, EXIT_USAGE);
            break;
        }
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) {
            add_err(r, strerror(errno), f->path, name);
            r->rc = exit_merge(r->rc, EXIT_USAGE);
            free(shown);
            break;
        }
        struct feeder fd = { .a = a, .fd = p[1] };
        pthread_t th;
        if (pthread_create(&th, NULL, feed, &fd) != 0) {
            close(p[0]);
            close(p[1]);
            add_err(r, "cannot start a thread", f->path, name);
            r->rc = exit_merge(r->rc, EXIT_USAGE);
            free(shown);
            break;
        }
        char dev[64];
        snprintf(dev, sizeof dev, "/dev/fd/%d", p[0]);
        int64_t t = archive_entry_mtime_is_set(e) ? (int64_t)archive_entry_mtime(e) : f->mtime;
        sweep_scan_dump(dev, shown, name, t, o, jobs, mem_limit, r);
        close(p[0]);         /* the feeder, if still writing, gets EPIPE */
        pthread_join(th, NULL);
        if (fd.failed) {
            add_err(r, fd.err, f->path, name);
            r->rc = exit_merge(r->rc, EXIT_USAGE);
        }
        free(shown);
    }
    if (hrc != ARCHIVE_EOF && hrc != ARCHIVE_OK && hrc != ARCHIVE_WARN) {
        char *m = NULL;
        if (asprintf(&m, "%sdumpscrub: %s: damaged archive: %s\n", r->err ? r->err : "",
                     f->path, archive_error_string(a) ?: "read error") >= 0) {
            free(r->err);
            r->err = m;
            r->err_len = strlen(m);
        }
        r->rc = exit_merge(r->rc, EXIT_USAGE);
    }
    archive_read_free(a);
}
