/*
 * fuzz_aes.c - libFuzzer target for the AES key schedule detector.
 *
 * For each input:
 *  - the detector alone over the input, in default and in tiny odd chunks
 *    (every finding inside the input, the same findings either way);
 *  - the stage-1 kernels (SWAR, AVX2, AVX-512) give the same hits;
 *  - the first bytes of the input taken as a key: its schedule, in the
 *    layout and byte order picked by the next byte, planted in the input at
 *    an offset picked by the next, must be found verified with the exact
 *    span (unless the key is degenerate);
 *  - ds_aes_check / ds_aes_linear_score on every layout at the start.
 */
#include <stdlib.h>
#include <string.h>

#include "aes_schedule.h"
#include "detector.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const ds_detector ds_detector_aes;
static const ds_detector *const only_aes[] = { &ds_detector_aes, NULL };

static void scan(const uint8_t *buf, size_t len, size_t chunk, ds_findings *f)
{
    ds_dump d;
    ds_dump_init(&d, len);
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = only_aes;
    o.chunk_size = chunk;
    memset(f, 0, sizeof *f);
    if (ds_scan_memory(buf, len, &d, &o, f) < 0)
        abort();
    ds_dump_free(&d);
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].offset + f->v[i].length > len || f->v[i].bits == 0)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ds_findings a, b;
    scan(data, size, 0, &a);
    scan(data, size, 1000 + size % 977, &b);
    if (a.n != b.n)
        abort();
    for (size_t i = 0; i < a.n; i++)
        if (a.v[i].offset != b.v[i].offset || a.v[i].length != b.v[i].length ||
            a.v[i].confidence != b.v[i].confidence)
            abort();
    ds_findings_free(&a);
    ds_findings_free(&b);

    if (size >= 32 + 72) {
        size_t end = size - 72 + 1;
        for (size_t q = 32; q < end; q += 32) {
            size_t h = ds_aes_stage1(0, data, q, end);
            for (int k = 1; k < ds_aes_stage1_kernels(); k++)
                if (ds_aes_stage1(k, data, q, end) != h)
                    abort();
            q = h;
        }
    }

    for (int nk = 4; nk <= 8; nk += 2)
        for (int dir = 0; dir < 2; dir++)
            if (size >= 4 * (size_t)ds_aes_nwords(nk)) {
                ds_aes_match m;
                (void)ds_aes_linear_score(data, nk, dir, 1000);
                if (ds_aes_check(data, nk, dir, DS_AES_MAX_BIT_ERRORS, &m) &&
                    (m.bit_errors < 0 || m.bit_errors > DS_AES_MAX_BIT_ERRORS))
                    abort();
            }

    /* Plant the schedule of a key taken from the input. */
    if (size >= 34) {
        int nk = 4 + 2 * (data[32] % 3), dir = (data[32] / 3) & 1, order = (data[32] / 6) & 1;
        size_t nb = 4 * (size_t)ds_aes_nwords(nk);
        size_t len = size + nb, off = data[33] * (size + 1) / 256;
        uint8_t *buf = malloc(len);
        if (!buf)
            abort();
        uint32_t w[DS_AES_MAX_WORDS];
        ds_aes_expand(data, nk, w);
        memcpy(buf, data, off);
        ds_aes_store(w, nk, dir, order, buf + off);
        memcpy(buf + off + nb, data + off, size - off);
        ds_aes_match m;
        if (!ds_aes_check(buf + off, nk, dir, 0, &m) || m.bit_errors != 0)
            abort();
        scan(buf, len, 0, &a);
        int found = 0;
        for (size_t i = 0; i < a.n; i++)
            found |= a.v[i].offset == off && a.v[i].length == nb &&
                     a.v[i].bits == 32 * nk && a.v[i].confidence == DS_CONF_VERIFIED;
        /* Missed only if degenerate, or if a schedule found just before
         * overlaps it (the input may itself hold one). */
        if (!found && !m.degenerate) {
            int overlapped = 0;
            for (size_t i = 0; i < a.n; i++)
                overlapped |= a.v[i].offset < off + nb && a.v[i].offset + a.v[i].length > off;
            if (!overlapped)
                abort();
        }
        ds_findings_free(&a);
        free(buf);
    }
    return 0;
}
