/* fuzz_elf_core.c - libFuzzer target for the ELF core reader: the input as
 * a whole file, as a streaming prefix of a larger file, with its size
 * unknown, and as a file truncated to half.  Besides the sanitizers, it
 * checks the reader's promises: rc is -1, 0 or 1; -1 leaves the dump
 * untouched; no region claims bytes the file does not have. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *data, size_t len, uint64_t total)
{
    ds_dump d;
    ds_dump_init(&d, total ? total : len);
    int rc = ds_read_elf_core(data, len, total, &d);
    if (rc < -1 || rc > 1)
        abort();
    if (rc == -1 && (d.format != DS_FMT_RAW || d.nregions || d.nthreads || d.nproblems))
        abort();
    if (rc == 0 && d.nproblems)
        abort();
    ds_dump_finish(&d);
    uint64_t have = total ? (total > len ? total : len) : UINT64_MAX;
    for (size_t i = 0; i < d.nregions; i++) {
        const ds_region *r = &d.regions[i];
        if (r->file_size && (r->file_off >= have || r->file_size > have - r->file_off))
            abort();
        /* Lookups by offset and by address stay consistent. */
        if (r->file_size && !ds_dump_region_at(&d, r->file_off))
            abort();
    }
    for (size_t i = 0; i < d.nproblems; i++)
        if (!d.problems[i] || strchr(d.problems[i], '\n'))
            abort();
    ds_dump_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The reader must stay inside [data, data + len): give it an exact
     * copy so that ASan sees any read past the end. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    check(copy, size, size);                    /* the whole file */
    check(copy, size, 0);                       /* size unknown (pipe) */
    check(copy, size / 2, size);                /* streaming prefix */
    check(copy, size / 2, size / 2);            /* truncated file */
    free(copy);
    return 0;
}
