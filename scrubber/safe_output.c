/*
 * safe_output.c - publish a new file under a name so that, whatever
 * happens, the name shows either the old file or the complete new one.
 *
 * The new bytes go to a temp in the target's own directory (same
 * filesystem, so the final rename is atomic), created with mode 0600:
 *   1. O_TMPFILE where the filesystem supports it: the temp has no name at
 *      all while it is written, so a SIGKILL, a crash or a power cut leaves
 *      nothing behind.  At commit it is linked (linkat through
 *      /proc/self/fd) under a hidden name and renamed over the target at
 *      once: only a kill in the microseconds between those two calls can
 *      leave the hidden name behind.
 *   2. Otherwise a named temp ".NAME.dumpscrub-XXXXXX" (O_CREAT|O_EXCL).
 *      SIGINT/SIGTERM/SIGHUP remove it; SIGKILL cannot be caught and leaves
 *      it: ds_safe_clean_stale() removes such leftovers when they are older
 *      than an hour (scrub and gate call it on the directories they write).
 * Then: fsync the data, set owner and mode, rename over the target, fsync
 * the directory.  Nothing is ever written to the target name directly.
 */
#include "scrub.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define TMP_SUFFIX ".dumpscrub-"
#define TMP_RAND 6

/* ---- the temp the signal handler must remove ------------------------------ */

/* One output is in progress at a time (scrub, then its report; the gate
 * handles one file after another).  The handler reads these; the main
 * flow only changes g_tmp while g_active is 0. */
static volatile sig_atomic_t g_active, g_graceful, g_stop;
static int g_dirfd = -1, g_wake = -1;
static char g_tmp[256];

static void track(int dirfd, const char *tmp)
{
    g_active = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    g_dirfd = dirfd;
    snprintf(g_tmp, sizeof g_tmp, "%s", tmp);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    g_active = 1;
}

static void untrack(void)
{
    g_active = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static void on_signal(int sig)
{
    int saved = errno;
    if (g_graceful && !g_stop) {
        g_stop = sig;
        if (g_wake >= 0) {
            ssize_t r = write(g_wake, "", 1);
            (void)r;
        }
        errno = saved;
        return;
    }
    if (g_active)
        unlinkat(g_dirfd, g_tmp, 0);
    /* Die by the signal itself, so the parent sees what happened. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    raise(sig);
    errno = saved;
}

void ds_safe_signals(int graceful, int wake_fd)
{
    g_graceful = graceful;
    g_wake = wake_fd;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaddset(&sa.sa_mask, SIGHUP);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGXFSZ, SIG_IGN);
}

int ds_safe_stop_requested(void)
{
    return g_stop;
}

/* ---- names ------------------------------------------------------------------ */

static int is_alnum(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int ds_safe_is_temp_name(const char *name)
{
    size_t n = strlen(name), sl = strlen(TMP_SUFFIX);
    if (n < 2 + sl + TMP_RAND || name[0] != '.')
        return 0;
    const char *s = name + n - TMP_RAND - sl;
    if (memcmp(s, TMP_SUFFIX, sl) != 0)
        return 0;
    for (size_t i = 0; i < TMP_RAND; i++)
        if (!is_alnum((unsigned char)s[sl + i]))
            return 0;
    return 1;
}

/* ".NAME.dumpscrub-XXXXXX", NAME cut so the whole fits NAME_MAX. */
static void make_tmp_name(char out[256], const char *name)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint8_t r[TMP_RAND];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
        /* No entropy source: O_EXCL still guarantees uniqueness. */
        static unsigned counter;
        unsigned v = (unsigned)getpid() * 2654435761u + counter++;
        for (size_t i = 0; i < sizeof r; i++, v >>= 5)
            r[i] = (uint8_t)v;
    }
    int room = 255 - 1 - (int)strlen(TMP_SUFFIX) - TMP_RAND;
    int len = snprintf(out, 256, ".%.*s" TMP_SUFFIX, room, name);
    for (size_t i = 0; i < TMP_RAND; i++)
        out[len + (int)i] = al[r[i] % (sizeof al - 1)];
    out[len + TMP_RAND] = '\0';
}

static int proc_fd_path(int fd, char *buf, size_t len)
{
    snprintf(buf, len, "/proc/self/fd/%d", fd);
    return access(buf, F_OK);
}

/* ---- open, sync, commit, abort ----------------------------------------------- */

int ds_safe_open(ds_safe_out *o, const char *target, char *err, size_t errlen)
{
    memset(o, 0, sizeof *o);
    o->fd = o->dirfd = -1;
    const char *slash = strrchr(target, '/');
    const char *name = slash ? slash + 1 : target;
    if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
        snprintf(err, errlen, "%s: not a file name", target);
        return -1;
    }
    char *dir = slash ? strndup(target, (size_t)(slash - target)) : strdup(".");
    o->target = strdup(target);
    o->name = strdup(name);
    if (!dir || !o->target || !o->name) {
        free(dir);
        snprintf(err, errlen, "out of memory");
        ds_safe_abort(o);
        return -1;
    }
    o->dirfd = open(*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (o->dirfd < 0) {
        snprintf(err, errlen, "%s: directory: %s", target, strerror(errno));
        free(dir);
        ds_safe_abort(o);
        return -1;
    }
    free(dir);

    /* DUMPSCRUB_NO_TMPFILE=1 forces the named temp (tests, odd kernels). */
    const char *no_tmpfile = getenv("DUMPSCRUB_NO_TMPFILE");
    if (!no_tmpfile || !*no_tmpfile || !strcmp(no_tmpfile, "0")) {
        o->fd = openat(o->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (o->fd >= 0) {
            char p[64];
            if (proc_fd_path(o->fd, p, sizeof p) == 0) {
                o->anonymous = 1;
                return 0;
            }
            /* No /proc: it could never be linked.  Use a name. */
            close(o->fd);
            o->fd = -1;
        }
    }
    for (int tries = 0; tries < 100; tries++) {
        make_tmp_name(o->tmp, o->name);
        /* Tracked before it exists: a signal right after creation must
         * still find it. */
        track(o->dirfd, o->tmp);
        o->fd = openat(o->dirfd, o->tmp, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (o->fd >= 0) {
            o->has_name = 1;
            return 0;
        }
        untrack();
        if (errno != EEXIST)
            break;
    }
    snprintf(err, errlen, "%s: cannot create a temporary file beside it: %s", target,
             strerror(errno));
    ds_safe_abort(o);
    return -1;
}

void ds_safe_reopen_path(const ds_safe_out *o, char *buf, size_t len)
{
    if (proc_fd_path(o->fd, buf, len) == 0)
        return;
    /* No /proc (then the temp has a name): dir/.NAME.dumpscrub-XXXXXX */
    const char *slash = strrchr(o->target, '/');
    if (slash)
        snprintf(buf, len, "%.*s/%s", (int)(slash - o->target), o->target, o->tmp);
    else
        snprintf(buf, len, "%s", o->tmp);
}

int ds_safe_sync(ds_safe_out *o, char *err, size_t errlen)
{
    if (fsync(o->fd) < 0) {
        snprintf(err, errlen, "%s: fsync: %s", o->target, strerror(errno));
        return -1;
    }
    return 0;
}

static int give_name(ds_safe_out *o, char *err, size_t errlen)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", o->fd);
    for (int tries = 0; tries < 100; tries++) {
        make_tmp_name(o->tmp, o->name);
        track(o->dirfd, o->tmp);
        if (linkat(AT_FDCWD, p, o->dirfd, o->tmp, AT_SYMLINK_FOLLOW) == 0) {
            o->has_name = 1;
            return 0;
        }
        untrack();
        if (errno != EEXIST)
            break;
    }
    snprintf(err, errlen, "%s: cannot link the temporary file: %s", o->target, strerror(errno));
    return -1;
}

int ds_safe_commit(ds_safe_out *o, const ds_safe_attrs *a, char *err, size_t errlen)
{
    if (a->set_owner && fchown(o->fd, a->uid, a->gid) < 0) {
        /* Not root: keep at least the group if we may; else our own. */
        if (errno != EPERM || (fchown(o->fd, (uid_t)-1, a->gid) < 0 && errno != EPERM)) {
            snprintf(err, errlen, "%s: fchown: %s", o->target, strerror(errno));
            goto fail;
        }
    }
    /* After fchown, which may clear set-id bits. */
    if (fchmod(o->fd, a->mode & 07777) < 0) {
        snprintf(err, errlen, "%s: fchmod: %s", o->target, strerror(errno));
        goto fail;
    }
    if (o->anonymous && !o->has_name && give_name(o, err, errlen) < 0)
        goto fail;
    if (renameat(o->dirfd, o->tmp, o->dirfd, o->name) < 0) {
        snprintf(err, errlen, "%s: rename: %s", o->target, strerror(errno));
        goto fail;
    }
    untrack();
    o->has_name = 0;          /* the temp's name is now the target's */
    close(o->fd);
    o->fd = -1;
    if (fsync(o->dirfd) < 0) {
        /* Published, but not known to be durable: say so. */
        snprintf(err, errlen, "%s: published, but fsync of its directory failed: %s",
                 o->target, strerror(errno));
        ds_safe_abort(o);
        return -2;
    }
    ds_safe_abort(o);
    return 0;
fail:
    ds_safe_abort(o);
    return -1;
}

void ds_safe_abort(ds_safe_out *o)
{
    if (o->has_name && o->dirfd >= 0)
        unlinkat(o->dirfd, o->tmp, 0);
    if (o->has_name || g_active)
        untrack();
    o->has_name = 0;
    if (o->fd >= 0)
        close(o->fd);
    if (o->dirfd >= 0)
        close(o->dirfd);
    o->fd = o->dirfd = -1;
    free(o->target);
    free(o->name);
    o->target = o->name = NULL;
}

/* ---- leftovers of a SIGKILL ----------------------------------------------------- */

int ds_safe_clean_stale(const char *dir, time_t max_age)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -1;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return -1;
    }
    time_t now = time(NULL);
    uid_t me = geteuid();
    int removed = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!ds_safe_is_temp_name(e->d_name))
            continue;
        struct stat st;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        /* Only what we could have made: our own files, old enough that no
         * live scrub is still writing them. */
        if ((me != 0 && st.st_uid != me) || now - st.st_mtime < max_age)
            continue;
        if (unlinkat(dfd, e->d_name, 0) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}
