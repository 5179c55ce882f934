/* fuzz_pem.c - libFuzzer target for the PEM detector: armor parsing in
 * ASCII, UTF-16LE and JSON-escaped form, base64 decoding, and the DER
 * identification of the decoded body. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "der.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    size_t len;
    uint64_t base;
} bounds;

static void check_finding(void *ctx, const ds_finding *f)
{
    const bounds *b = ctx;
    if (f->offset < b->base || f->length == 0 || f->offset - b->base > b->len ||
        f->length > b->len - (f->offset - b->base) || !f->kind || !f->detector ||
        f->confidence < DS_CONF_POSSIBLE)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t scratch[2 * DS_PEM_MAX_DER];   /* harness only */
    bounds b = { size, 0 };
    ds_pem_find(data, size, size, 0, scratch, check_finding, &b);
    b.base = 100;
    ds_pem_find(data, size / 2, size, 100, scratch, check_finding, &b);
    return 0;
}
