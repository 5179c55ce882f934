/*
 * fuzz_minidump.c - libFuzzer target for the minidump reader.
 *
 * Each input is read twice: as a whole file, and as a streaming prefix of
 * half its bytes with the full size known (the crash-hook path).  The
 * model is finished and looked up as the scanner would, so the region
 * table the reader builds is exercised too.  Seed with the external
 * corpus' minidumps (tests/t_fuzz_smoke.sh does).
 */
#include <stddef.h>
#include <stdint.h>

#include "dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const uint8_t *data, size_t len, uint64_t total)
{
    ds_dump d;
    ds_dump_init(&d, total ? total : len);
    if (ds_read_minidump(data, len, total, &d) >= 0) {
        uint64_t off;
        ds_dump_finish(&d);
        (void)ds_dump_region_at(&d, len / 2);
        if (d.nthreads > 0)
            (void)ds_dump_vaddr_to_off(&d, d.threads[0].sp, &off);
    }
    ds_dump_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    one(data, size, 0);
    if (size >= 8)
        one(data, size / 2, size);
    return 0;
}
