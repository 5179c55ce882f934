/*
 * gate_quarantine.c - move a dirty dump out of the upload directory.
 *
 * Same filesystem: one rename (RENAME_NOREPLACE: an earlier quarantined
 * dump of the same name is never overwritten; the new one gets ".1",
 * ".2"...).  Across filesystems: a crash-safe copy into the quarantine
 * directory (hidden temp, fsync, rename), then the original is unlinked
 * and its directory fsynced - at no moment is the dump in neither place.
 */
#include "gate.h"
#include "scrub.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void fsync_dir_of(const char *path)
{
    char dir[4200];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static int copy_across(const char *path, const char *dest, char *err, size_t errlen)
{
    int in = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (in < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    ds_safe_out so;
    ds_spans none = { 0 };
    ds_fill fill;
    ds_fill_default(&fill);
    int rc = -1;
    if (fstat(in, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
    } else if (ds_safe_open(&so, dest, err, errlen) == 0) {
        ds_safe_attrs a = { .mode = st.st_mode & 07777, .set_owner = 1,
                            .uid = st.st_uid, .gid = st.st_gid };
        if (ds_redact_copy_file(in, (uint64_t)st.st_size, &none, &fill, so.fd, err, errlen) < 0 ||
            ds_safe_sync(&so, err, errlen) < 0)
            ds_safe_abort(&so);
        else
            rc = ds_safe_commit(&so, &a, err, errlen);
    }
    close(in);
    if (rc == 0 && unlink(path) < 0) {
        snprintf(err, errlen, "%s: copied to the quarantine but not removed: %s", path,
                 strerror(errno));
        return -1;
    }
    return rc;
}

int gate_quarantine(const char *qdir, const char *path, char *dest, size_t destlen,
                    char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    for (int i = 0; i < 1000; i++) {
        if (i == 0)
            snprintf(dest, destlen, "%s/%s", qdir, base);
        else
            snprintf(dest, destlen, "%s/%s.%d", qdir, base, i);
        if (renameat2(AT_FDCWD, path, AT_FDCWD, dest, RENAME_NOREPLACE) == 0) {
            fsync_dir_of(dest);
            fsync_dir_of(path);
            return 0;
        }
        if (errno == EEXIST)
            continue;
        if (errno == EXDEV || errno == EINVAL) {
            /* Another filesystem (or no RENAME_NOREPLACE there): copy. */
            if (faccessat(AT_FDCWD, dest, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                continue;
            if (copy_across(path, dest, err, errlen) < 0)
                return -1;
            fsync_dir_of(path);
            return 0;
        }
        snprintf(err, errlen, "%s: cannot move to %s: %s", path, qdir, strerror(errno));
        return -1;
    }
    snprintf(err, errlen, "%s: no free name in %s", path, qdir);
    return -1;
}
