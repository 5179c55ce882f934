/*
 * scrub_file.c - one file, end to end:
 *
 *   1. open the input once (every later read goes through that fd, so a
 *      file swapped under its name cannot be mixed in), refuse what cannot
 *      be scrubbed safely (pipes, in-place symlinks, hard-linked files);
 *   2. scan it (SHA-256 of the input on a helper thread meanwhile);
 *   3. write the redacted copy to a hidden temp beside the target:
 *      plain -> plain with copy_file_range around the spans; anything
 *      compressed through decoder -> redact -> encoder, chunk by chunk, so
 *      the plain dump never touches disk (a compressed input is therefore
 *      decompressed twice: once to scan, once to write);
 *   4. fsync, then verify: open the temp again, exactly as the scan opened
 *      the input (decompressing it if it is compressed), scan it at the same
 *      threshold; anything found, or a different dump size, and nothing is
 *      published (SHA-256 of the output on a helper thread meanwhile);
 *   5. publish (safe_output.c): owner and mode, rename, fsync the directory.
 *
 * Only bytes inside finding spans change.  A dump whose structure was not
 * fully read (DS_SCRUB_UNPROVEN) is still scrubbed and published: the
 * output holds strictly fewer secrets than the input, and the caller still
 * learns that it is not proven clean.
 */
#include "scrub.h"
#include "dumpfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define CHUNK ((size_t)1 << 20)
#define RAWBUF ((size_t)1 << 16)

void ds_scrub_opts_init(ds_scrub_opts *o)
{
    memset(o, 0, sizeof *o);
    o->min_conf = DS_CONF_LIKELY;
    ds_fill_default(&o->fill);
    o->compress = DS_COMPRESS_KEEP;
    o->jobs = 1;
}

void ds_scrub_result_free(ds_scrub_result *r)
{
    ds_dump_free(&r->dump);
    ds_findings_free(&r->found);
}

__attribute__((format(printf, 3, 4)))
static int fail(ds_scrub_result *r, const char *stage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->stage = stage;
    r->rc = DS_SCRUB_ERROR;
    return -1;
}

static int same_version(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Bytes of the dump a finished scan saw (decompressed). */
static uint64_t scanned_size(const ds_dumpfile *f)
{
    return f->streaming ? f->dump.file_size : f->len;
}

/* Open `path` as the scanner does, check it is the inode `want` (when
 * given), scan it. */
static int open_and_scan(const char *path, const struct stat *want, const ds_scan_opts *so,
                         ds_dumpfile *f, ds_findings *found, char *err, size_t errlen)
{
    if (ds_dumpfile_open(f, path, 0, err, errlen) < 0)
        return -1;
    struct stat st;
    if (want && (fstat(f->src.fd, &st) < 0 || st.st_dev != want->st_dev ||
                 st.st_ino != want->st_ino)) {
        snprintf(err, errlen, "%s: replaced while being opened", path);
        ds_dumpfile_close(f);
        return -1;
    }
    if (ds_dumpfile_scan(f, so, found, err, errlen) < 0) {
        ds_dumpfile_close(f);
        return -1;
    }
    return 0;
}

static int structure_complete(const ds_dumpfile *f)
{
    return f->read_rc == 0 && !f->dump.nproblems && !f->dump.truncated;
}

/* ---- write pass for anything compressed (in or out) ---------------------- */

typedef struct {
    int fd;                 /* the input */
    uint64_t raw_off, raw_size;
    ds_compression comp;
    ds_decomp *dec;
    uint8_t *in;
    size_t in_pos, in_len;
    int end;
} plain_reader;

/* Next plain bytes of the input: pread for a plain file, pread + decoder
 * for a compressed one.  Returns bytes, 0 at the end, -1 on error. */
static ssize_t reader_next(plain_reader *pr, uint8_t *out, size_t cap, char *err, size_t errlen)
{
    if (pr->comp == DS_COMP_NONE) {
        for (;;) {
            size_t want = pr->raw_size - pr->raw_off < cap ? (size_t)(pr->raw_size - pr->raw_off) : cap;
            if (!want)
                return 0;
            ssize_t n = pread(pr->fd, out, want, (off_t)pr->raw_off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                snprintf(err, errlen, "read: %s", n < 0 ? strerror(errno) : "input shrank");
                return -1;
            }
            pr->raw_off += (uint64_t)n;
            return n;
        }
    }
    for (;;) {
        if (pr->in_pos == pr->in_len && pr->raw_off == pr->raw_size) {
            if (pr->end)
                return 0;
            /* End of input: let the decoder flush (xz's concatenated mode
             * only ends the stream when told there is no more input). */
            size_t used = 0, made = 0;
            int rc = ds_decomp_run(pr->dec, pr->in, 0, &used, out, cap, &made);
            if (rc == 1)
                pr->end = 1;
            if (made)
                return (ssize_t)made;
            if (rc == 1)
                return 0;
            snprintf(err, errlen, "truncated %s stream", ds_compression_name(pr->comp));
            return -1;
        }
        if (pr->in_pos == pr->in_len) {
            size_t want = pr->raw_size - pr->raw_off < RAWBUF ? (size_t)(pr->raw_size - pr->raw_off) : RAWBUF;
            ssize_t n = pread(pr->fd, pr->in, want, (off_t)pr->raw_off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                snprintf(err, errlen, "read: %s", n < 0 ? strerror(errno) : "input shrank");
                return -1;
            }
            pr->raw_off += (uint64_t)n;
            pr->in_pos = 0;
            pr->in_len = (size_t)n;
        }
        if (pr->end) {
            /* More input after the end of a stream: the next gzip member or
             * zstd frame (as gzip -d / zstd -d read them).  A fresh decoder
             * takes it; trailing junk fails it, and the size check against
             * the scan then refuses to publish. */
            ds_decomp_free(pr->dec);
            if (!(pr->dec = ds_decomp_new(pr->comp))) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            pr->end = 0;
        }
        size_t used = 0, made = 0;
        int rc = ds_decomp_run(pr->dec, pr->in + pr->in_pos, pr->in_len - pr->in_pos, &used,
                               out, cap, &made);
        pr->in_pos += used;
        if (rc < 0) {
            snprintf(err, errlen, "corrupt %s data", ds_compression_name(pr->comp));
            return -1;
        }
        if (rc == 1)
            pr->end = 1;
        if (made)
            return (ssize_t)made;
        if (!used && rc == 0) {
            snprintf(err, errlen, "%s decoder made no progress", ds_compression_name(pr->comp));
            return -1;
        }
    }
}

static int write_stream(int fd_in, const struct stat *st, ds_compression in_comp,
                        ds_compression out_comp, int level, const ds_spans *spans,
                        const ds_fill *fill, uint64_t dump_size, int fd_out, ds_scrub_result *r)
{
    plain_reader pr = { .fd = fd_in, .raw_size = (uint64_t)st->st_size, .comp = in_comp };
    uint8_t *buf = malloc(CHUNK);
    ds_sink sink;
    int rc = -1;
    char err[256] = "";
    if (!buf) {
        free(buf);
        return fail(r, "write", "out of memory");
    }
    if (in_comp != DS_COMP_NONE &&
        (!(pr.dec = ds_decomp_new(in_comp)) || !(pr.in = malloc(RAWBUF)))) {
        ds_decomp_free(pr.dec);
        free(buf);
        return fail(r, "write", "cannot start %s decompression", ds_compression_name(in_comp));
    }
    if (ds_sink_init(&sink, fd_out, out_comp, level, err, sizeof err) < 0) {
        fail(r, "write", "%s", err);
        goto out;
    }
    uint64_t off = 0;
    size_t cursor = 0;
    for (;;) {
        ssize_t n = reader_next(&pr, buf, CHUNK, err, sizeof err);
        if (n < 0) {
            fail(r, "write", "%s", err);
            goto out_sink;
        }
        if (n == 0)
            break;
        ds_redact_buf(buf, (size_t)n, off, spans, &cursor, fill);
        off += (uint64_t)n;
        if (ds_sink_write(&sink, buf, (size_t)n) < 0) {
            fail(r, "write", "%s", err);
            goto out_sink;
        }
    }
    if (off != dump_size) {
        fail(r, "write", "the input decompressed to %llu bytes, but %llu were scanned: not "
             "publishing", (unsigned long long)off, (unsigned long long)dump_size);
        goto out_sink;
    }
    if (ds_sink_finish(&sink) < 0) {
        fail(r, "write", "%s", err);
        goto out_sink;
    }
    rc = 0;
out_sink:
    ds_sink_free(&sink);
out:
    OPENSSL_cleanse(buf, CHUNK);      /* unredacted dump bytes passed through */
    free(buf);
    if (pr.in) {
        OPENSSL_cleanse(pr.in, RAWBUF);
        free(pr.in);
    }
    ds_decomp_free(pr.dec);
    return rc;
}

/* ---- other copies of the keys found ------------------------------------ */

static int cmp_finding(const void *a, const void *b)
{
    const ds_finding *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->length > y->length ? -1 : x->length < y->length;
}

/* With the dump in memory (mapped, or decompressed within the memory
 * limit), search it for the components of every key found; the echoes join
 * the findings.  *out keeps the search for the verification.  A streamed
 * dump is not searched (r->echo_skipped). */
static int echo_search(const ds_dumpfile *f, ds_confidence min, ds_scrub_result *r,
                       ds_echo **out)
{
    *out = NULL;
    if (!r->found.n)
        return 0;
    if (!f->data) {
        r->echo_skipped = 1;
        return 0;
    }
    ds_echo *e = ds_echo_new();
    if (!e)
        return -1;
    for (size_t i = 0; i < r->found.n; i++)
        if (r->found.v[i].confidence >= min &&
            ds_echo_add_finding(e, f->data, f->len, &r->found.v[i]) < 0) {
            ds_echo_free(e);
            return -1;
        }
    if (!(r->echo_keys = ds_echo_keys(e))) {
        ds_echo_free(e);
        return 0;
    }
    ds_spans known;
    if (ds_spans_build(&known, &r->found, min, f->len) < 0) {
        ds_echo_free(e);
        return -1;
    }
    int rc = ds_echo_scan(e, f->data, f->len, &f->dump, &known, &r->found);
    ds_spans_free(&known);
    if (rc < 0) {
        ds_echo_free(e);
        return -1;
    }
    qsort(r->found.v, r->found.n, sizeof *r->found.v, cmp_finding);
    *out = e;
    return 0;
}

/* ---- the whole job --------------------------------------------------------- */

static void dir_of(const char *path, char *out, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, len, ".");
    else if (slash == path)
        snprintf(out, len, "/");
    else
        snprintf(out, len, "%.*s", (int)(slash - path), path);
}

/* Verification: the temp, opened and scanned exactly as an input would be. */
static int verify(ds_safe_out *so, const ds_scan_opts *scan, const ds_scrub_opts *o,
                  const ds_echo *echo, uint64_t dump_size, ds_scrub_result *r)
{
    char path[4200], err[512];
    ds_safe_reopen_path(so, path, sizeof path);
    struct stat st;
    if (fstat(so->fd, &st) < 0)
        return fail(r, "verify", "%s: fstat: %s", so->target, strerror(errno));
    r->out_size = (uint64_t)st.st_size;
    ds_hasher *h = NULL;
    if (o->want_hashes && !(h = ds_hash_start(so->fd, r->out_size)))
        return fail(r, "verify", "cannot start hashing");
    ds_dumpfile f;
    ds_findings left = { 0 };
    int rc = open_and_scan(path, &st, scan, &f, &left, err, sizeof err);
    if (rc == 0 && echo && f.data && ds_echo_scan(echo, f.data, f.len, NULL, NULL, &left) < 0) {
        ds_dumpfile_close(&f);
        rc = -1;
        snprintf(err, sizeof err, "out of memory");
    }
    if (rc == 0) {
        r->remaining = left.n;
        uint64_t got = scanned_size(&f);
        if (left.n)
            fail(r, "verify", "%s: %zu finding%s at or above '%s' still in the output after "
                 "scrubbing: not publishing", so->target, left.n, left.n == 1 ? "" : "s",
                 ds_confidence_name(o->min_conf));
        else if (got != dump_size)
            fail(r, "verify", "%s: the output holds %llu dump bytes, the input %llu: not "
                 "publishing", so->target, (unsigned long long)got, (unsigned long long)dump_size);
        else
            r->verified = 1;
        /* Same reading of the structure as before, or a warning. */
        if (r->structure_complete != structure_complete(&f) ||
            r->dump.format != f.dump.format || r->dump.nregions != f.dump.nregions ||
            r->dump.nthreads != f.dump.nthreads || r->dump.nmodules != f.dump.nmodules)
            r->structure_changed = 1;
        ds_dumpfile_close(&f);
    } else {
        fail(r, "verify", "reading the output back: %s", err);
    }
    ds_findings_free(&left);
    if (h && ds_hash_finish(h, r->out_sha) < 0 && r->verified) {
        r->verified = 0;
        return fail(r, "verify", "%s: reading the output to hash it failed", so->target);
    }
    return r->verified ? 0 : -1;
}

int ds_scrub_file(const ds_scrub_opts *o, ds_scrub_result *r)
{
    memset(r, 0, sizeof *r);
    ds_dump_init(&r->dump, 0);
    r->rc = DS_SCRUB_OK;
    int in_place = o->out == NULL;
    const char *target = in_place ? o->in : o->out;
    char err[512];

    if (!strcmp(o->in, "-"))
        return fail(r, "open", "scrub needs a regular file: a pipe cannot be read twice"), r->rc;
    int fd_in = open(o->in, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
                                (in_place ? O_NOFOLLOW : 0));
    if (fd_in < 0) {
        if (errno == ELOOP && in_place)
            fail(r, "open", "%s: is a symbolic link; scrub the file it points to", o->in);
        else
            fail(r, "open", "%s: %s", o->in, strerror(errno));
        return r->rc;
    }
    fcntl(fd_in, F_SETFL, fcntl(fd_in, F_GETFL) & ~O_NONBLOCK);
    struct stat st;
    ds_safe_out so = { .fd = -1, .dirfd = -1 };
    ds_spans spans = { 0 };
    ds_hasher *h = NULL;
    ds_echo *echo = NULL;
    if (fstat(fd_in, &st) < 0) {
        fail(r, "open", "%s: %s", o->in, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        fail(r, "open", "%s: not a regular file", o->in);
        goto out;
    }
    r->in_st = st;
    if (!in_place) {
        struct stat ost;
        if (stat(o->out, &ost) == 0) {
            if (S_ISDIR(ost.st_mode)) {
                fail(r, "open", "%s: is a directory", o->out);
                goto out;
            }
            /* -o naming the input itself is an in-place scrub. */
            if (ost.st_dev == st.st_dev && ost.st_ino == st.st_ino)
                in_place = 1;
        }
    }
    if (in_place && st.st_nlink > 1) {
        fail(r, "open", "%s: has %ju hard links; the other names would keep the secrets "
             "(scrub with -o and replace every name)", o->in, (uintmax_t)st.st_nlink);
        goto out;
    }
    r->in_size = (uint64_t)st.st_size;
    uint8_t magic[8];
    ssize_t mn = pread(fd_in, magic, sizeof magic, 0);
    r->in_comp = ds_compression_detect(magic, mn > 0 ? (size_t)mn : 0);
    r->out_comp = o->compress == DS_COMPRESS_KEEP ? r->in_comp : (ds_compression)o->compress;
    if (in_place && r->out_comp != r->in_comp) {
        fail(r, "open", "%s: --in-place keeps the file's compression (%s); use -o to change it",
             o->in, ds_compression_name(r->in_comp));
        goto out;
    }

    /* 2. scan */
    ds_scan_opts scan;
    ds_scan_opts_init(&scan);
    scan.min_confidence = o->min_conf;
    scan.jobs = o->jobs;
    scan.rules = o->rules;
    scan.known = o->known;
    if (o->want_hashes && !(h = ds_hash_start(fd_in, r->in_size))) {
        fail(r, "scan", "cannot start hashing");
        goto out;
    }
    ds_dumpfile f;
    if (open_and_scan(o->in, &st, &scan, &f, &r->found, err, sizeof err) < 0) {
        fail(r, "scan", "%s", err);
        goto out;
    }
    r->dump_size = scanned_size(&f);
    r->structure_complete = structure_complete(&f);
    int erc = echo_search(&f, o->min_conf, r, &echo);
    r->dump = f.dump;                    /* labels of the findings point into it */
    ds_dump_init(&f.dump, 0);
    ds_dumpfile_close(&f);
    if (erc < 0) {
        fail(r, "scan", "out of memory searching for other copies of the keys");
        goto out;
    }
    if (h) {
        int hr = ds_hash_finish(h, r->in_sha);
        h = NULL;
        if (hr < 0) {
            fail(r, "scan", "%s: reading the input to hash it failed", o->in);
            goto out;
        }
        r->have_hashes = 1;
    }
    if (ds_spans_build(&spans, &r->found, o->min_conf, r->dump_size) < 0) {
        fail(r, "scan", "out of memory");
        goto out;
    }
    r->redacted = ds_spans_bytes(&spans);
    int unproven = !r->structure_complete;

    /* Nothing to change in place: leave the file alone (same inode, same
     * times), it is exactly what a scrub would write. */
    if (in_place && spans.n == 0) {
        r->unchanged = 1;
        r->out_size = r->in_size;
        memcpy(r->out_sha, r->in_sha, 32);
        r->out_st = st;
        r->rc = unproven ? DS_SCRUB_UNPROVEN : DS_SCRUB_OK;
        goto out;
    }

    /* 3. write */
    char dir[4200];
    dir_of(target, dir, sizeof dir);
    ds_safe_clean_stale(dir, DS_STALE_AGE);
    if (ds_safe_open(&so, target, err, sizeof err) < 0) {
        fail(r, "write", "%s", err);
        goto out;
    }
    int wrc;
    if (r->in_comp == r->out_comp && (r->in_comp == DS_COMP_NONE || spans.n == 0)) {
        /* Plain to plain, or a compressed file with nothing to scrub: the
         * bytes themselves, spans overwritten.  (Empty spans for a
         * compressed file: a byte-identical copy.) */
        ds_spans none = { 0 };
        wrc = ds_redact_copy_file(fd_in, r->in_size,
                                  r->in_comp == DS_COMP_NONE ? &spans : &none, &o->fill,
                                  so.fd, err, sizeof err);
        if (wrc < 0)
            fail(r, "write", "%s: %s", target, err);
    } else {
        wrc = write_stream(fd_in, &st, r->in_comp, r->out_comp, o->level, &spans, &o->fill,
                           r->dump_size, so.fd, r);
        if (wrc < 0) {
            char m[sizeof r->err];
            snprintf(m, sizeof m, "%s", r->err);
            fail(r, "write", "%s: %s", target, m);
        }
    }
    if (wrc < 0)
        goto out;
    struct stat st2;
    if (fstat(fd_in, &st2) < 0 || !same_version(&st, &st2)) {
        r->input_changed = 1;
        fail(r, "write", "%s: the input changed while it was being scrubbed: not publishing",
             o->in);
        goto out;
    }
    if (ds_safe_sync(&so, err, sizeof err) < 0) {
        fail(r, "write", "%s", err);
        goto out;
    }

    /* 4. verify */
    if (verify(&so, &scan, o, echo, r->dump_size, r) < 0)
        goto out;

    /* 5. publish */
    ds_safe_attrs attrs = { .mode = st.st_mode & 07777 };
    if (in_place) {
        attrs.set_owner = 1;
        attrs.uid = st.st_uid;
        attrs.gid = st.st_gid;
    } else {
        /* Like cp: the input's permissions less the umask, never more
         * open than the input was. */
        mode_t um = umask(0);
        umask(um);
        attrs.mode = st.st_mode & 0777 & ~um;
    }
    int crc = ds_safe_commit(&so, &attrs, err, sizeof err);
    if (crc < 0) {
        fail(r, "publish", "%s", err);
        r->written = crc == -2;
        goto out;
    }
    r->written = 1;
    if (stat(target, &r->out_st) < 0)
        memset(&r->out_st, 0, sizeof r->out_st);
    r->rc = unproven ? DS_SCRUB_UNPROVEN : DS_SCRUB_OK;
out:
    if (h) {
        uint8_t dummy[32];
        ds_hash_finish(h, dummy);
    }
    ds_safe_abort(&so);
    ds_spans_free(&spans);
    ds_echo_free(echo);
    close(fd_in);
    return r->rc;
}
