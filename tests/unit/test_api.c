/*
 * test_api.c - libdumpscrub's public API (include/dumpscrub.h) on keys made
 * at test time: dumps opened from memory, an fd and a path; scans with a
 * callback; scrubbing to an fd; every documented error code.
 */
#include "check.h"
#include "keygen.h"

#include <dumpscrub.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define DUMP_SIZE (256 * 1024)
#define KEY_OFF 77777

typedef struct {
    int n;
    dumpscrub_finding first;
    char fp_str[80];
    char kind[48], detector[48];
    int stop;                 /* return this from the callback */
} collect_t;

static int collect(void *ctx, const dumpscrub_finding *f)
{
    collect_t *c = ctx;
    if (!c->n++) {
        c->first = *f;
        snprintf(c->kind, sizeof c->kind, "%s", f->kind);
        snprintf(c->detector, sizeof c->detector, "%s", f->detector);
        snprintf(c->fp_str, sizeof c->fp_str, "%s", f->fingerprint_str ? f->fingerprint_str : "");
    }
    return c->stop;
}

static int memfd_with(const void *p, size_t n)
{
    int fd = memfd_create("api-test", MFD_CLOEXEC);
    if (fd < 0 || write(fd, p, n) != (ssize_t)n)
        abort();
    return fd;
}

static size_t read_all(int fd, uint8_t *buf, size_t cap)
{
    size_t got = 0;
    ssize_t r;
    while (got < cap && (r = pread(fd, buf + got, cap - got, (off_t)got)) > 0)
        got += (size_t)r;
    return got;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

int main(void)
{
    /* versions and status names */
    CHECK("api: version string", strcmp(dumpscrub_version(), DUMPSCRUB_VERSION) == 0);
    CHECK_EQ_U64("api: version number", DUMPSCRUB_VERSION_NUMBER, dumpscrub_version_number());
    CHECK("api: errstr names codes", strcmp(dumpscrub_errstr(DUMPSCRUB_FOUND), "secrets found") == 0 &&
          strcmp(dumpscrub_errstr(DUMPSCRUB_ENOMEM), "out of memory") == 0 &&
          strcmp(dumpscrub_errstr(12345), "unknown status") == 0);
    CHECK("api: confidence names", strcmp(dumpscrub_confidence_name(DUMPSCRUB_CONF_VERIFIED),
                                          "verified") == 0 && !dumpscrub_confidence_name(9));

    /* a dump-like buffer holding a fresh RSA key (PKCS#8 DER) */
    EVP_PKEY *pk = gen_rsa("RSA", 2048);
    tbuf der = der_pkcs8(pk);
    uint8_t fp[32];
    pubkey_fp(pk, fp);
    tbuf dump = embed(&der, KEY_OFF, DUMP_SIZE, 42);

    dumpscrub_options *o = dumpscrub_options_new();
    CHECK("api: options_new", o != NULL);
    /* Rules are tested below with an explicit file; the default pack's
     * location depends on where the test binary lives. */
    CHECK_EQ_U64("api: default rules off", 0, dumpscrub_options_set_default_rules(o, 0));

    /* ---- scan from memory ---- */
    dumpscrub_dump *d = NULL;
    CHECK_EQ_U64("api: open_memory", 0, dumpscrub_open_memory(&d, dump.p, dump.n));
    CHECK("api: raw format", d && strcmp(dumpscrub_dump_format(d), "raw") == 0);
    CHECK_EQ_U64("api: size", DUMP_SIZE, dumpscrub_dump_size(d));
    CHECK_EQ_U64("api: complete", 1, dumpscrub_dump_complete(d));
    collect_t c = { 0 };
    CHECK_EQ_U64("api: scan finds (FOUND)", DUMPSCRUB_FOUND, dumpscrub_scan(d, o, collect, &c));
    CHECK_EQ_U64("api: one finding", 1, c.n);
    CHECK("api: kind and detector", !strcmp(c.kind, "rsa-private-key") && !strcmp(c.detector, "der-pkcs8"));
    CHECK_EQ_U64("api: offset", KEY_OFF, c.first.offset);
    CHECK("api: length covers the DER", c.first.length >= 1000 && c.first.length <= der.n);
    CHECK_EQ_U64("api: confidence verified", DUMPSCRUB_CONF_VERIFIED, c.first.confidence);
    CHECK_EQ_U64("api: bits", 2048, c.first.bits);
    CHECK("api: fingerprint = SHA-256 of the SPKI",
          c.first.has_fingerprint && memcmp(c.first.fingerprint, fp, 32) == 0);
    char want_fp[72];
    ds_fingerprint_str(fp, want_fp);
    CHECK("api: fingerprint_str", strcmp(c.fp_str, want_fp) == 0);
    CHECK("api: no region or vaddr in raw bytes", !c.first.has_vaddr);

    /* the callback may stop the scan */
    collect_t stop = { .stop = 1 };
    CHECK_EQ_U64("api: callback stops (EABORT)", (uint64_t)DUMPSCRUB_EABORT,
                 (uint64_t)dumpscrub_scan(d, o, collect, &stop));
    /* NULL options: the defaults; NULL callback: count only */
    CHECK_EQ_U64("api: scan with defaults, no callback", DUMPSCRUB_FOUND, dumpscrub_scan(d, NULL, NULL, NULL));
    /* threshold above the finding: clean */
    dumpscrub_options *hi = dumpscrub_options_new();
    dumpscrub_options_set_default_rules(hi, 0);
    CHECK_EQ_U64("api: jobs 2", 0, dumpscrub_options_set_jobs(hi, 2));
    CHECK_EQ_U64("api: min confidence verified", 0,
                 dumpscrub_options_set_min_confidence(hi, DUMPSCRUB_CONF_VERIFIED));
    collect_t c2 = { 0 };
    CHECK_EQ_U64("api: 2 jobs find the same", DUMPSCRUB_FOUND, dumpscrub_scan(d, hi, collect, &c2));
    CHECK_EQ_U64("api: 2 jobs: same offset", KEY_OFF, c2.first.offset);

    /* ---- scrub to an fd ---- */
    CHECK_EQ_U64("api: fill pattern", 0, dumpscrub_options_set_fill(o, "\xcc", 1));
    int out = memfd_create("scrubbed", MFD_CLOEXEC);
    collect_t cs = { 0 };
    CHECK_EQ_U64("api: scrub_to_fd", DUMPSCRUB_OK, dumpscrub_scrub_to_fd(d, o, out, collect, &cs));
    CHECK("api: scrub reports what it scrubbed", cs.n >= 1 && cs.first.offset == KEY_OFF);
    uint8_t *back = malloc(DUMP_SIZE + 1);
    CHECK_EQ_U64("api: scrubbed copy has the dump's size", DUMP_SIZE, read_all(out, back, DUMP_SIZE + 1));
    CHECK("api: the key is gone", !memmem(back, DUMP_SIZE, der.p, der.n));
    int outside_same = 1, inside_filled = 1;
    for (size_t i = 0; i < DUMP_SIZE; i++) {
        int in = i >= c.first.offset && i < c.first.offset + c.first.length;
        if (in && back[i] != 0xcc)
            inside_filled = 0;
        if (!in && back[i] != dump.p[i] && cs.n == 1)
            outside_same = 0;
    }
    CHECK("api: the span is filled with the pattern", inside_filled);
    CHECK("api: nothing else changed", outside_same);
    dumpscrub_dump *d2 = NULL;
    CHECK_EQ_U64("api: open the scrubbed copy", 0, dumpscrub_open_memory(&d2, back, DUMP_SIZE));
    CHECK_EQ_U64("api: scrubbed copy scans clean", DUMPSCRUB_CLEAN, dumpscrub_scan(d2, o, NULL, NULL));
    dumpscrub_close(d2);
    close(out);
    free(back);

    /* ---- open from an fd and from a path ---- */
    int fd = memfd_with(dump.p, dump.n);
    dumpscrub_dump *df = NULL;
    CHECK_EQ_U64("api: open_fd", 0, dumpscrub_open_fd(&df, fd));
    collect_t cf = { 0 };
    CHECK_EQ_U64("api: open_fd scan finds", DUMPSCRUB_FOUND, dumpscrub_scan(df, o, collect, &cf));
    CHECK("api: open_fd same finding", cf.n == 1 && cf.first.offset == KEY_OFF &&
          memcmp(cf.first.fingerprint, fp, 32) == 0);
    CHECK_EQ_U64("api: a mapped dump scans again", DUMPSCRUB_FOUND, dumpscrub_scan(df, o, NULL, NULL));
    dumpscrub_close(df);
    close(fd);

    /* a pipe: read to its end, then scanned like a file */
    int pfd[2];
    if (pipe(pfd) < 0)
        abort();
    pid_t child = fork();
    if (child == 0) {
        close(pfd[0]);
        size_t off = 0;
        while (off < dump.n) {
            ssize_t w = write(pfd[1], dump.p + off, dump.n - off);
            if (w <= 0)
                _exit(1);
            off += (size_t)w;
        }
        _exit(0);
    }
    close(pfd[1]);
    dumpscrub_dump *dpipe = NULL;
    CHECK_EQ_U64("api: open_fd on a pipe", 0, dumpscrub_open_fd(&dpipe, pfd[0]));
    close(pfd[0]);
    waitpid(child, NULL, 0);
    collect_t cp = { 0 };
    CHECK_EQ_U64("api: pipe scan finds", DUMPSCRUB_FOUND, dumpscrub_scan(dpipe, o, collect, &cp));
    CHECK("api: pipe: same finding", cp.n == 1 && cp.first.offset == KEY_OFF);
    int pout = memfd_create("pipe-scrubbed", MFD_CLOEXEC);
    CHECK_EQ_U64("api: a pipe held in memory can be scrubbed", DUMPSCRUB_OK,
                 dumpscrub_scrub_to_fd(dpipe, o, pout, NULL, NULL));
    close(pout);
    dumpscrub_close(dpipe);

    dumpscrub_dump *dp = (dumpscrub_dump *)1;
    char err[256] = "";
    CHECK_EQ_U64("api: missing path is EIO", (uint64_t)DUMPSCRUB_EIO,
                 (uint64_t)dumpscrub_open_path_err(&dp, "/nonexistent/dump.core", err, sizeof err));
    CHECK("api: failed open leaves NULL", dp == NULL);
    CHECK("api: message names the path", strstr(err, "/nonexistent/dump.core") != NULL);

    /* ---- errors ---- */
    static const uint8_t gz[] = { 0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3 };
    dumpscrub_dump *dz = NULL;
    CHECK_EQ_U64("api: compressed memory is EUNSUPP", (uint64_t)DUMPSCRUB_EUNSUPP,
                 (uint64_t)dumpscrub_open_memory(&dz, gz, sizeof gz));
    CHECK_EQ_U64("api: NULL out is EINVAL", (uint64_t)DUMPSCRUB_EINVAL,
                 (uint64_t)dumpscrub_open_memory(NULL, gz, sizeof gz));
    CHECK_EQ_U64("api: scan NULL dump is EINVAL", (uint64_t)DUMPSCRUB_EINVAL,
                 (uint64_t)dumpscrub_scan(NULL, o, NULL, NULL));
    CHECK_EQ_U64("api: jobs 0 is EINVAL", (uint64_t)DUMPSCRUB_EINVAL,
                 (uint64_t)dumpscrub_options_set_jobs(o, 0));
    CHECK_EQ_U64("api: confidence 7 is EINVAL", (uint64_t)DUMPSCRUB_EINVAL,
                 (uint64_t)dumpscrub_options_set_min_confidence(o, 7));
    CHECK_EQ_U64("api: fill of 33 bytes is EINVAL", (uint64_t)DUMPSCRUB_EINVAL,
                 (uint64_t)dumpscrub_options_set_fill(o, "0123456789abcdef0123456789abcdef!", 33));
    CHECK_EQ_U64("api: scrub to fd -1 is EINVAL", (uint64_t)DUMPSCRUB_EINVAL,
                 (uint64_t)dumpscrub_scrub_to_fd(d, o, -1, NULL, NULL));
    dumpscrub_close(NULL);
    dumpscrub_options_free(NULL);

    /* ---- rules: a broken file, then a working one ---- */
    char dir[] = "/tmp/dsapi.XXXXXX";
    if (!mkdtemp(dir))
        abort();
    char bad[64], good[64];
    snprintf(bad, sizeof bad, "%s/bad.rules", dir);
    snprintf(good, sizeof good, "%s/good.rules", dir);
    write_file(bad, "id: no-regex\nkeywords: abc\n");
    write_file(good, "id: example-api-key\nkind: token\nkeywords: exk_live_\n"
                     "keyword-case: sensitive\n"
                     "regex: (?<secret>exk_live_[A-Za-z0-9]{32})\n"
                     "sample+: exk_live_Qm9vZ2xlIGlzIG5vdCBhIHNlY3JldCBr\n");
    CHECK_EQ_U64("api: broken rule file is ERULES", (uint64_t)DUMPSCRUB_ERULES,
                 (uint64_t)dumpscrub_options_add_rules(o, bad));
    CHECK("api: rule error message names the file",
          strstr(dumpscrub_options_errmsg(o), "bad.rules") != NULL);
    CHECK_EQ_U64("api: good rule file", 0, dumpscrub_options_add_rules(o, good));
    CHECK_EQ_U64("api: missing known-keys file is ERULES", (uint64_t)DUMPSCRUB_ERULES,
                 (uint64_t)dumpscrub_options_set_known_keys(o, bad));
    static const char token[] = "API_KEY=exk_live_Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV4 ";
    memcpy(dump.p + 4096, token, sizeof token - 1);
    dumpscrub_dump *dt = NULL;
    dumpscrub_open_memory(&dt, dump.p, dump.n);
    collect_t ct = { 0 };
    CHECK_EQ_U64("api: rule finding", DUMPSCRUB_FOUND, dumpscrub_scan(dt, o, collect, &ct));
    CHECK("api: the token comes first, from the rule",
          ct.n == 2 && !strcmp(ct.kind, "token") && !strcmp(ct.detector, "example-api-key") &&
          ct.first.offset == 4096 + 8 && ct.first.length == 41);
    dumpscrub_close(dt);
    unlink(bad);
    unlink(good);
    rmdir(dir);

    /* ---- a clean dump ---- */
    fill_dumplike(dump.p, dump.n, 7);
    dumpscrub_dump *dc = NULL;
    dumpscrub_open_memory(&dc, dump.p, dump.n);
    CHECK_EQ_U64("api: clean dump", DUMPSCRUB_CLEAN, dumpscrub_scan(dc, o, NULL, NULL));
    dumpscrub_close(dc);

    dumpscrub_close(d);
    dumpscrub_options_free(o);
    dumpscrub_options_free(hi);
    tbuf_free(&dump);
    tbuf_free(&der);
    EVP_PKEY_free(pk);
    return check_failures ? 1 : 0;
}
