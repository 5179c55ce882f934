/*
 * hook.c - the crash hook's job (hook.h): stream -> scan + encrypted spool,
 * then spool -> echo search + redaction + verification + compression ->
 * atomic publication.  On any failure: nothing, or the metadata only.
 */
#include "hook.h"
#include "spool.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define REC ((size_t)1 << 20)          /* spool record and read unit */
#define ECHO_OV ((size_t)64 << 10)     /* > longest component text (RSA-16384 d as hex) */
#define KEY_MAX ((size_t)1 << 20)      /* findings longer than this add no echo needles */
#define PREFIX_MAX ((size_t)64 << 20)    /* a core up to this size is done in memory */

void ds_hook_opts_init(ds_hook_opts *o)
{
    memset(o, 0, sizeof *o);
    o->in_fd = 0;
    o->dirfd = -1;
    o->comp = DS_COMP_ZSTD;
    o->max_memory = (size_t)256 << 20;
    o->min_conf = DS_CONF_LIKELY;
    ds_fill_default(&o->fill);
}

void ds_hook_result_free(ds_hook_result *r)
{
    ds_dump_free(&r->dump);
    ds_findings_free(&r->found);
    ds_findings_free(&r->echoes);
}

__attribute__((format(printf, 3, 4)))
static int fail(ds_hook_result *r, const char *stage, const char *fmt, ...)
{
    if (r->rc < 0)
        return -1;          /* keep the first error */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->stage = stage;
    r->rc = -1;
    return -1;
}

static void wipe_free(void *p, size_t n)
{
    if (p) {
        OPENSSL_cleanse(p, n);
        free(p);
    }
}

/* read() until n bytes or EOF.  Bytes read, or -1. */
static ssize_t read_full(int fd, uint8_t *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* ---- metadata only ------------------------------------------------------- */

#include <elf.h>

/* Zero the contents of every note but those a backtrace needs: general
 * registers (NT_PRSTATUS), process info, signal info, auxv, mapped files.
 * FP and vector registers (NT_FPREGSET, NT_X86_XSTATE...) go: memcpy and
 * AES-NI leave secret bytes in them. */
static void keep_general_notes(uint8_t *p, size_t n)
{
    size_t at = 0;
    while (n - at >= 12) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, p + at, 4);
        memcpy(&descsz, p + at + 4, 4);
        memcpy(&type, p + at + 8, 4);
        size_t name_end = at + 12 + (((size_t)namesz + 3) & ~(size_t)3);
        if (name_end > n || descsz > n - name_end) {
            memset(p + at, 0, n - at);      /* malformed: keep nothing */
            return;
        }
        if (type != NT_PRSTATUS && type != NT_PRPSINFO && type != NT_SIGINFO &&
            type != NT_AUXV && type != NT_FILE)
            memset(p + name_end, 0, descsz);
        size_t next = name_end + (((size_t)descsz + 3) & ~(size_t)3);
        if (next > n)
            return;
        at = next;
    }
}

int ds_core_metadata(const uint8_t *p, size_t len, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    Elf64_Ehdr eh;
    if (len < sizeof eh)
        return -1;
    memcpy(&eh, p, sizeof eh);
    static const uint16_t one = 1;
    int little = *(const uint8_t *)&one == 1;
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_ident[EI_DATA] != (little ? ELFDATA2LSB : ELFDATA2MSB) || eh.e_type != ET_CORE ||
        eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum == PN_XNUM)
        return -1;
    uint64_t phsize = (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr);
    if (eh.e_phoff < sizeof eh || eh.e_phoff > len || phsize > len - eh.e_phoff)
        return -1;
    /* Layout: ELF header, program headers, then the notes one after the
     * other (a gcore core has them at its end, a kernel core at its start). */
    uint64_t total = sizeof eh + phsize;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, p + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_NOTE)
            continue;
        if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
            return -1;       /* notes beyond what we hold */
        total += (ph.p_filesz + 3) & ~(uint64_t)3;
    }
    uint8_t *m = calloc(1, (size_t)total);
    if (!m)
        return -1;
    Elf64_Ehdr nh = eh;
    nh.e_phoff = sizeof nh;
    nh.e_shoff = 0;
    nh.e_shnum = 0;
    nh.e_shstrndx = 0;
    memcpy(m, &nh, sizeof nh);
    uint64_t at = sizeof eh + phsize;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, p + eh.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type == PT_NOTE) {
            memcpy(m + at, p + ph.p_offset, (size_t)ph.p_filesz);
            keep_general_notes(m + at, (size_t)ph.p_filesz);
            ph.p_offset = at;
            at += (ph.p_filesz + 3) & ~(uint64_t)3;
        } else {
            /* No memory at all: present in the map, absent from the file. */
            ph.p_offset = total;
            ph.p_filesz = 0;
        }
        memcpy(m + sizeof eh + i * sizeof ph, &ph, sizeof ph);
    }
    *out = m;
    *outlen = (size_t)total;
    return 0;
}

/* Store the metadata: scanned (registers could hold a key schedule), any
 * finding overwritten, published under o->meta_name. */
static void store_metadata(const ds_hook_opts *o, const uint8_t *prefix, size_t plen,
                           ds_hook_result *r)
{
    uint8_t *m = NULL;
    size_t mlen = 0;
    if (!o->meta_name || ds_core_metadata(prefix, plen, &m, &mlen) < 0)
        return;
    ds_scan_opts so;
    ds_scan_opts_init(&so);
    so.min_confidence = DS_CONF_POSSIBLE;
    so.rules = o->rules;
    ds_findings f = { 0 };
    ds_spans sp = { 0 };
    ds_safe_out out = { .fd = -1, .dirfd = -1 };
    char target[128], err[256];
    ds_dump raw;
    ds_dump_init(&raw, mlen);
    int src = ds_scan_memory(m, mlen, &raw, &so, &f);
    ds_dump_free(&raw);
    if (src < 0 ||
        ds_spans_build(&sp, &f, DS_CONF_POSSIBLE, mlen) < 0)
        goto done;
    size_t cur = 0;
    ds_redact_buf(m, mlen, 0, &sp, &cur, &o->fill);
    snprintf(target, sizeof target, "/proc/self/fd/%d/%s", o->dirfd, o->meta_name);
    if (ds_safe_open(&out, target, err, sizeof err) < 0)
        goto done;
    ds_safe_attrs a = { .mode = 0600 };
    if (ds_write_all(out.fd, m, mlen) == 0 && ds_safe_sync(&out, err, sizeof err) == 0 &&
        ds_safe_commit(&out, &a, err, sizeof err) == 0)
        r->meta_published = 1;
done:
    ds_safe_abort(&out);
    ds_spans_free(&sp);
    ds_findings_free(&f);
    wipe_free(m, mlen);
}

/* The helper threads' work (worker.h). */
static int spool_cb(void *arg, const uint8_t *b, size_t n, char *err, size_t errlen)
{
    return ds_spool_append(arg, b, n, err, errlen);
}

static int sink_cb(void *arg, const uint8_t *b, size_t n, char *err, size_t errlen)
{
    ds_sink *k = arg;
    if (ds_sink_write(k, b, n) == 0)
        return 0;
    snprintf(err, errlen, "%s", k->err);
    return -1;
}

/* ---- pass 2 helpers ------------------------------------------------------- */

/* Record i of the core: from the spool, or from memory when the whole
 * core fitted there (sp NULL). */
static int get_record(ds_spool *sp, const uint8_t *mem, size_t mlen, uint64_t i, uint8_t *out,
                      size_t *n, char *err, size_t errlen)
{
    if (sp)
        return ds_spool_read(sp, i, out, n, err, errlen);
    if (i * REC >= mlen) {
        snprintf(err, errlen, "no record %llu", (unsigned long long)i);
        return -1;
    }
    *n = mlen - i * REC < REC ? (size_t)(mlen - i * REC) : REC;
    memcpy(out, mem + i * REC, *n);
    return 0;
}

/* Bytes [off, off+len) of the core (spool or memory). */
static int spool_bytes(ds_spool *sp, const uint8_t *mem, size_t mlen, uint64_t off, size_t len,
                       uint8_t *out, uint8_t *rec, char *err, size_t errlen)
{
    size_t done = 0;
    while (done < len) {
        uint64_t at = off + done, i = at / REC;
        size_t n;
        if (get_record(sp, mem, mlen, i, rec, &n, err, errlen) < 0)
            return -1;
        size_t in = (size_t)(at - i * REC);
        if (in >= n) {
            snprintf(err, errlen, "spool: finding beyond the stream");
            return -1;
        }
        size_t take = n - in < len - done ? n - in : len - done;
        memcpy(out + done, rec + in, take);
        done += take;
    }
    return 0;
}

/* Does any span of s intersect [a, b)? */
static int spans_touch(const ds_spans *s, uint64_t a, uint64_t b)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {   /* first span ending after a */
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].off + s->v[mid].len <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->v[lo].off < b;
}

static void fill_span(uint8_t *p, size_t n, const ds_fill *fill)
{
    for (size_t i = 0; i < n; i++)
        p[i] = fill->b[i % fill->n];
}

/* The base64 body of a PEM text (without its armor lines, which are the
 * same in every key): 1 with [*off, *off + *len), else 0. */
static int pem_body(const uint8_t *p, size_t n, size_t *off, size_t *len)
{
    static const char begin[] = "-----BEGIN ", end[] = "-----END ";
    if (n < 64 || memcmp(p, begin, sizeof begin - 1) != 0)
        return 0;
    const uint8_t *nl = memchr(p, '\n', n);
    if (!nl)
        return 0;
    size_t a = (size_t)(nl - p) + 1, b = a;
    while (b + sizeof end - 1 <= n && memcmp(p + b, end, sizeof end - 1) != 0)
        b++;
    if (b + sizeof end - 1 > n || b - a < 32)
        return 0;
    *off = a;
    *len = b - a;
    return 1;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the job ----------------------------------------------------------------- */

int ds_hook_run(const ds_hook_opts *o, ds_hook_result *r)
{
    memset(r, 0, sizeof *r);
    ds_dump_init(&r->dump, 0);
    r->outcome = "dropped";
    char err[512] = "";
    double t0 = now_s();

    size_t budget = o->max_memory ? o->max_memory : (size_t)256 << 20;
    size_t pfx_cap = budget / 4 < PREFIX_MAX ? budget / 4 : PREFIX_MAX;
    pfx_cap = pfx_cap / REC * REC;
    if (pfx_cap < REC)
        pfx_cap = REC;
    size_t scan_chunk = budget / 16 < ((size_t)4 << 20) ? budget / 16 : ((size_t)4 << 20);
    if (scan_chunk < ((size_t)256 << 10))
        scan_chunk = (size_t)256 << 10;

    /* Larger pipe buffer: fewer wake-ups, about twice the throughput. */
    fcntl(o->in_fd, F_SETPIPE_SZ, (int)REC);

    uint8_t *prefix = malloc(pfx_cap), *rbuf = malloc(REC), *win = malloc(ECHO_OV + REC);
    uint8_t *keybuf = NULL;
    ds_spool *sp = NULL;
    ds_stream *st = NULL, *vst = NULL;
    ds_worker *wk = NULL;
    char serr[512] = "";
    ds_echo *echo = NULL;
    ds_spans spans = { 0 };
    ds_findings vfound = { 0 }, tmp = { 0 };
    ds_safe_out out = { .fd = -1, .dirfd = -1 };
    ds_sink sink;
    int sink_open = 0;
    size_t plen = 0;
    if (!prefix || !rbuf || !win) {
        fail(r, "read", "out of memory");
        goto out;
    }

    /* ---- pass 1: the structure from the first bytes ---- */
    ssize_t got = read_full(o->in_fd, prefix, pfx_cap);
    if (got < 0) {
        fail(r, "read", "reading the core: %s", strerror(errno));
        goto out;
    }
    plen = (size_t)got;
    int whole = plen < pfx_cap;
    if (ds_read_dump(prefix, plen, whole ? plen : 0, &r->dump) < 0) {
        fail(r, "read", "out of memory reading the structure");
        goto out;
    }
    r->structure_complete = !r->dump.nproblems && !r->dump.truncated;
    if (o->label)
        o->label(&r->dump, o->label_arg);

    ds_scan_opts so;
    ds_scan_opts_init(&so);
    so.min_confidence = o->min_conf;
    so.rules = o->rules;
    so.chunk_size = scan_chunk;
    if (whole) {
        /* The whole core is in memory: one scan with full context (the
         * in-memory RSA detector follows pointers across the dump), no
         * spool at all. */
        so.jobs = 2;
        r->in_size = plen;
        if (ds_scan_memory(prefix, plen, &r->dump, &so, &r->found) < 0) {
            fail(r, "scan", "out of memory during the scan");
            goto out;
        }
    } else {
        if (!(st = ds_stream_new(&r->dump, &so, &r->found))) {
            fail(r, "scan", "out of memory starting the scan");
            goto out;
        }
        if (!(sp = ds_spool_new(o->dirfd, REC, err, sizeof err))) {
            fail(r, "spool", "%s", err);
            goto out;
        }
        r->spooled = 1;
        if (ds_stream_feed(st, prefix, plen) < 0) {
            fail(r, "scan", "out of memory during the scan");
            goto out;
        }
        for (size_t at = 0; at < plen; at += REC) {
            size_t n = plen - at < REC ? plen - at : REC;
            if (ds_spool_append(sp, prefix + at, n, err, sizeof err) < 0) {
                fail(r, "spool", "%s", err);
                goto out;
            }
        }
        r->in_size = plen;
        /* ---- pass 1: the rest of the stream ----
         * The helper thread encrypts and writes each record while this
         * one scans it (both only read the buffer; it is taken again only
         * after the scan). */
        if (!(wk = ds_worker_new(4, REC, spool_cb, sp))) {
            fail(r, "spool", "cannot start the spool writer");
            goto out;
        }
        for (;;) {
            uint8_t *b = ds_worker_buf(wk);
            if (!b)
                break;                       /* the writer failed: below */
            ssize_t n = read_full(o->in_fd, b, REC);
            ds_worker_submit(wk, b, n > 0 ? (size_t)n : 0);
            if (n < 0) {
                fail(r, "read", "reading the core: %s", strerror(errno));
                goto out;
            }
            if (n == 0)
                break;
            r->in_size += (uint64_t)n;
            if (ds_stream_feed(st, b, (size_t)n) < 0) {
                fail(r, "scan", "out of memory during the scan");
                goto out;
            }
            if ((size_t)n < REC)
                break;
        }
        if (ds_worker_finish(wk, err, sizeof err) < 0) {
            fail(r, "spool", "%s", err);
            goto out;
        }
        ds_worker_free(wk);
        wk = NULL;
        if (ds_stream_finish(st) < 0) {
            fail(r, "scan", "out of memory during the scan");
            goto out;
        }
        ds_stream_free(st);
        st = NULL;
    }
    r->dump.file_size = r->in_size;
    double t1 = now_s();
    r->t_pass1 = t1 - t0;
    if (r->in_size == 0) {
        fail(r, "read", "empty core");
        goto out;
    }

    /* ---- keys: their components from the spool ---- */
    if (!(echo = ds_echo_new()) || !(keybuf = malloc(KEY_MAX))) {
        fail(r, "scan", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < r->found.n; i++) {
        const ds_finding *f = &r->found.v[i];
        if (f->confidence < o->min_conf || f->length > KEY_MAX)
            continue;
        if (spool_bytes(sp, prefix, plen, f->offset, (size_t)f->length, keybuf, rbuf, err,
                        sizeof err) < 0) {
            fail(r, "spool", "%s", err);
            goto out;
        }
        ds_finding at0 = *f;
        at0.offset = 0;
        /* Components of a parsed key; for what cannot be parsed (BIGNUM
         * limbs, a key schedule) the verified bytes themselves. */
        int erc = ds_echo_add_finding(echo, keybuf, (size_t)f->length, &at0);
        /* A PEM key's text leaves pieces of itself too: in the vector
         * registers of the notes (memcpy), in freed stdio buffers. */
        size_t bo, bn;
        if (erc == 0 && pem_body(keybuf, (size_t)f->length, &bo, &bn))
            erc = ds_echo_add_raw(echo, keybuf + bo, bn, &at0);
        OPENSSL_cleanse(keybuf, (size_t)f->length);
        if (erc < 0) {
            fail(r, "scan", "out of memory");
            goto out;
        }
    }
    r->echo_keys = ds_echo_keys(echo);
    if (ds_spans_build(&spans, &r->found, o->min_conf, r->in_size) < 0) {
        fail(r, "scan", "out of memory");
        goto out;
    }

    /* ---- pass 2 ---- */
    char target[128];
    snprintf(target, sizeof target, "/proc/self/fd/%d/%s", o->dirfd, o->name);
    if (ds_safe_open(&out, target, err, sizeof err) < 0) {
        fail(r, "write", "%s", err);
        goto out;
    }
    if (ds_sink_init(&sink, out.fd, o->comp, 0, serr, sizeof serr) < 0) {
        fail(r, "write", "%s", serr);
        goto out;
    }
    sink_open = 1;
    /* The helper thread compresses and writes while this one decrypts,
     * searches and redacts the next record. */
    if (!(wk = ds_worker_new(3, ECHO_OV + REC, sink_cb, &sink))) {
        fail(r, "write", "cannot start the output writer");
        goto out;
    }
    /* Verification: the redacted bytes are scanned again wherever they
     * differ from what pass 1 scanned, with a record (1 MiB, more than any
     * detector's span) of context on each side.  Everywhere else the bytes
     * are exactly pass 1's (the spool is authenticated), where nothing at
     * the threshold was left unredacted: scanning them again would find
     * the same nothing, at the price of a whole second scan. */
    int verify = spans.n > 0 || r->echo_keys > 0, prev_echo = 0;
    uint64_t base = 0, nrec = sp ? ds_spool_records(sp) : (plen + REC - 1) / REC;
    size_t carry = 0, cursor = 0;
    for (uint64_t i = 0; i < nrec; i++) {
        size_t n;
        if (get_record(sp, prefix, plen, i, win + carry, &n, err, sizeof err) < 0) {
            fail(r, "spool", "%s", err);
            goto out;
        }
        size_t wlen = carry + n;
        int last = i + 1 == nrec, echo_here = 0;
        if (r->echo_keys) {
            tmp.n = 0;
            if (ds_echo_scan(echo, win, wlen, NULL, NULL, &tmp) < 0) {
                fail(r, "scan", "out of memory");
                goto out;
            }
            for (size_t k = 0; k < tmp.n; k++) {
                ds_finding *e = &tmp.v[k];
                /* A run that touches the window's end may go on: the next
                 * window holds all of it. */
                if (!last && e->offset + e->length == wlen)
                    continue;
                fill_span(win + e->offset, (size_t)e->length, &o->fill);
                echo_here = 1;
                e->offset += base;
                if (ds_spans_contain(&spans, e->offset, e->offset + e->length))
                    continue;        /* a component inside its own key's finding */
                const ds_region *reg = ds_dump_region_at(&r->dump, e->offset);
                if (reg) {
                    e->region = reg->label;
                    if (reg->has_vaddr) {
                        e->has_vaddr = 1;
                        e->vaddr = reg->vaddr + (e->offset - reg->file_off);
                    }
                }
                r->redacted += e->length;
                if (ds_findings_push(&r->echoes, e) < 0) {
                    fail(r, "scan", "out of memory");
                    goto out;
                }
            }
        }
        size_t emit = last ? wlen : (wlen > ECHO_OV ? wlen - ECHO_OV : 0);
        ds_redact_buf(win, emit, base, &spans, &cursor, &o->fill);
        int feed = verify && (echo_here || prev_echo ||
                              spans_touch(&spans, base > REC ? base - REC : 0, base + wlen + REC));
        prev_echo = echo_here;
        if (feed && !vst && !(vst = ds_stream_new(&r->dump, &so, &vfound))) {
            fail(r, "verify", "out of memory starting the verification");
            goto out;
        }
        if (vst && (feed ? ds_stream_feed(vst, win, emit) : ds_stream_finish(vst)) < 0) {
            fail(r, "verify", "out of memory during the verification");
            goto out;
        }
        if (vst && !feed) {
            ds_stream_free(vst);
            vst = NULL;
        }
        uint8_t *ob = ds_worker_buf(wk);
        if (!ob) {
            ds_worker_finish(wk, err, sizeof err);
            fail(r, "write", "%s", err);
            goto out;
        }
        memcpy(ob, win, emit);
        ds_worker_submit(wk, ob, emit);
        memmove(win, win + emit, wlen - emit);
        base += emit;
        carry = wlen - emit;
    }
    r->redacted += ds_spans_bytes(&spans);
    if (base != r->in_size) {
        fail(r, "write", "wrote %llu bytes of a %llu-byte core", (unsigned long long)base,
             (unsigned long long)r->in_size);
        goto out;
    }
    if (vst && ds_stream_finish(vst) < 0) {
        fail(r, "verify", "out of memory during the verification");
        goto out;
    }
    if (verify) {
        if (vfound.n) {
            fail(r, "verify", "%zu finding%s left after redaction: not publishing", vfound.n,
                 vfound.n == 1 ? "" : "s");
            goto out;
        }
        r->verified = 1;
    }
    if (ds_worker_finish(wk, err, sizeof err) < 0) {
        fail(r, "write", "%s", err);
        goto out;
    }
    ds_worker_free(wk);
    wk = NULL;
    if (ds_sink_finish(&sink) < 0) {
        fail(r, "write", "%s", serr);
        goto out;
    }
    r->out_size = sink.written;
    if (ds_safe_sync(&out, err, sizeof err) < 0) {
        fail(r, "write", "%s", err);
        goto out;
    }
    ds_safe_attrs attrs = { .mode = 0600 };
    int crc = ds_safe_commit(&out, &attrs, err, sizeof err);
    if (crc == -1) {
        fail(r, "publish", "%s", err);
        goto out;
    }
    r->published = 1;
    r->outcome = r->redacted ? "scrubbed" : "clean";
    r->t_pass2 = now_s() - t1;
out:
    ds_worker_free(wk);         /* before the sink and spool it writes to */
    if (sink_open)
        ds_sink_free(&sink);
    ds_safe_abort(&out);        /* removes an unpublished temp */
    ds_stream_free(st);
    ds_stream_free(vst);
    ds_spool_free(sp);          /* the key goes: the spool is noise, and it has no name */
    ds_echo_free(echo);
    ds_spans_free(&spans);
    ds_findings_free(&vfound);
    ds_findings_free(&tmp);
    if (r->rc < 0) {
        /* Drain the pipe so the kernel finishes the dump quickly. */
        if (rbuf)
            while (read(o->in_fd, rbuf, REC) > 0)
                ;
        if (o->metadata_on_error && prefix) {
            store_metadata(o, prefix, plen, r);
            if (r->meta_published)
                r->outcome = "metadata-only";
        }
    }
    wipe_free(prefix, pfx_cap);
    wipe_free(rbuf, REC);
    wipe_free(win, ECHO_OV + REC);
    wipe_free(keybuf, KEY_MAX);
    return r->rc;
}
