/* fuzz_winblob.c - libFuzzer target for the Windows key blob detector.
 *
 * Oracles besides the sanitizers:
 *  - every finding lies inside the input;
 *  - every prefilter kernel (scalar, SSE2, AVX2) finds exactly the same;
 *  - the input cut into two chunks (the second able to look back through
 *    the whole input) finds exactly what one chunk finds: a structure is
 *    reported once, by the chunk its first byte is in.
 * The engine is also run over it with tiny chunks, for its glue. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"
#include "winblob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

extern const ds_detector ds_detector_winblob;

#define MAXF 32

typedef struct {
    size_t size;       /* the whole input */
    ds_finding v[MAXF];
    size_t n;
} found_list;

static void collect(void *ctx, const ds_finding *f)
{
    found_list *l = ctx;
    if (f->offset > l->size || f->length == 0 || f->length > l->size - f->offset || !f->kind ||
        !f->detector || f->confidence < DS_CONF_LIKELY)
        abort();
    if (l->n < MAXF)
        l->v[l->n] = *f;
    l->n++;
}

static int cmp_found(const void *a, const void *b)
{
    const ds_finding *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->length < y->length ? -1 : x->length > y->length;
}

static void same_or_abort(found_list *a, found_list *b)
{
    if (a->n != b->n)
        abort();
    size_t n = a->n < MAXF ? a->n : MAXF;
    qsort(a->v, n, sizeof a->v[0], cmp_found);
    qsort(b->v, n, sizeof b->v[0], cmp_found);
    for (size_t i = 0; i < n; i++) {
        const ds_finding *x = &a->v[i], *y = &b->v[i];
        if (x->offset != y->offset || x->length != y->length || strcmp(x->detector, y->detector) ||
            x->confidence != y->confidence || x->bits != y->bits ||
            memcmp(x->fingerprint, y->fingerprint, sizeof x->fingerprint))
            abort();
    }
}

static void scan_one(const uint8_t *data, size_t size, wb_kernel k, found_list *out)
{
    wb_chunk c = { .buf = data, .own = size, .len = size, .whole = data, .whole_len = size,
                   .emit = collect, .ctx = out };
    wb_scan(&c, k);
}

static void scan_split(const uint8_t *data, size_t size, size_t cut, found_list *out)
{
    wb_chunk c1 = { .buf = data, .own = cut, .len = size, .whole = data, .whole_len = size,
                    .emit = collect, .ctx = out };
    wb_chunk c2 = { .buf = data + cut, .own = size - cut, .len = size - cut, .base = cut,
                    .whole = data, .whole_len = size, .emit = collect, .ctx = out };
    wb_scan(&c1, WB_KERNEL_AUTO);
    wb_scan(&c2, WB_KERNEL_AUTO);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const wb_kernel kernels[] = { WB_KERNEL_SCALAR, WB_KERNEL_SSE2, WB_KERNEL_AVX2 };
    static found_list ref, other;   /* harness only; too big for the stack */
    memset(&ref, 0, sizeof ref);
    ref.size = size;
    scan_one(data, size, WB_KERNEL_AUTO, &ref);
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
        if (!wb_kernel_available(kernels[i]))
            continue;
        memset(&other, 0, sizeof other);
        other.size = size;
        scan_one(data, size, kernels[i], &other);
        same_or_abort(&ref, &other);
    }
    if (size > 0) {
        /* A cut from the input itself, so the fuzzer can move it around. */
        size_t cut = size > 8 ? (data[0] | (size_t)data[1] << 8) % size : size / 2;
        memset(&other, 0, sizeof other);
        other.size = size;
        scan_split(data, size, cut, &other);
        same_or_abort(&ref, &other);
    }

    static const ds_detector *const only[] = { &ds_detector_winblob, NULL };
    ds_dump d;
    ds_dump_init(&d, size);
    ds_scan_opts o;
    ds_scan_opts_init(&o);
    o.detectors = only;
    o.chunk_size = 61;
    ds_findings f = { 0 };
    ds_scan_memory(data, size, &d, &o, &f);
    if (f.n > ref.n)   /* the engine only drops (contained duplicates) */
        abort();
    ds_findings_free(&f);
    ds_dump_free(&d);
    return 0;
}
