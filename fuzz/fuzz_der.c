/* fuzz_der.c - libFuzzer target for the DER detector: the strict walker,
 * the OpenSSL identification of what it accepts, and the chunk scanner
 * (whole input, and as a chunk whose own region ends halfway). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "der.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    size_t len;
    uint64_t base;
} bounds;

static void check_finding(void *ctx, const ds_finding *f)
{
    const bounds *b = ctx;
    /* A finding lies inside the bytes the scanner was given. */
    if (f->offset < b->base || f->length == 0 || f->offset - b->base > b->len ||
        f->length > b->len - (f->offset - b->base) || !f->kind || !f->detector)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t scratch[DS_DER_MAX_SPAN];   /* harness only */
    ds_der_info info;
    if (ds_der_classify(data, size, &info)) {
        if (info.len > size || info.len < 2)
            abort();
        ds_finding f;
        memset(&f, 0, sizeof f);
        ds_der_identify(data, &info, scratch, sizeof scratch, &f);
    }
    (void)ds_der_guess_kind(data, size);
    bounds b = { size, 0 };
    ds_der_find(data, size, size, 0, scratch, check_finding, &b);
    b.base = 4096;
    ds_der_find(data, size / 2, size, 4096, scratch, check_finding, &b);
    return 0;
}
