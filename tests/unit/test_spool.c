/* test_spool.c - the crash hook's encrypted spool (scrubber/spool.c) and
 * its metadata-only core (scrubber/hook.c: ds_core_metadata).
 *
 * Round trip of records (full and a short last one); the file holds no
 * plain byte run of the input; a flipped byte, a swapped record and a read
 * past the end are refused; the file has no name.  Then a synthetic ELF
 * core: the metadata copy keeps the notes, zeroes the XSAVE note's
 * contents, and gives every PT_LOAD no file bytes. */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "hook.h"
#include "spool.h"

#define REC 4096

static int find(const uint8_t *h, size_t hn, const uint8_t *n, size_t nn)
{
    for (size_t i = 0; i + nn <= hn; i++)
        if (!memcmp(h + i, n, nn))
            return 1;
    return 0;
}

static void test_spool(void)
{
    char dir[] = "/tmp/dstest-spool.XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK("spool: temp dir", 0);
        return;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    char err[256];
    ds_spool *s = ds_spool_new(dfd, REC, err, sizeof err);
    CHECK("spool: created", s != NULL);
    if (!s)
        return;
    size_t total = 3 * REC + 1000;
    uint8_t *in = malloc(total), *out = malloc(REC);
    for (size_t i = 0; i < total; i++)
        in[i] = (uint8_t)(i * 7 + (i >> 9));
    memcpy(in + REC + 100, "SECRET-KEY-MATERIAL-0123456789", 30);
    int ok = 1;
    for (size_t at = 0; at < total; at += REC)
        ok &= ds_spool_append(s, in + at, total - at < REC ? total - at : REC, err, sizeof err) == 0;
    CHECK("spool: appended", ok);
    CHECK_EQ_U64("spool: records", 4, ds_spool_records(s));
    CHECK_EQ_U64("spool: size", total, ds_spool_size(s));
    ok = 1;
    for (uint64_t i = 0; i < 4; i++) {
        size_t n = 0;
        ok &= ds_spool_read(s, i, out, &n, err, sizeof err) == 0 &&
              n == (i < 3 ? REC : 1000) && !memcmp(out, in + i * REC, n);
    }
    CHECK("spool: every record reads back", ok);
    size_t n;
    CHECK("spool: no record past the end", ds_spool_read(s, 4, out, &n, err, sizeof err) < 0);

    /* The file itself, through /proc (it has no name). */
    int fd = -1;
    for (int k = 3; k < 64 && fd < 0; k++) {
        char p[64], t[512];
        snprintf(p, sizeof p, "/proc/self/fd/%d", k);
        ssize_t l = readlink(p, t, sizeof t - 1);
        if (l > 0) {
            t[l] = 0;
            if (!strncmp(t, dir, strlen(dir)) && strstr(t, "(deleted)"))
                fd = k;
        }
    }
    CHECK("spool: an unnamed file in the directory", fd >= 0);
    if (fd >= 0) {
        struct stat st;
        fstat(fd, &st);
        uint8_t *raw = malloc((size_t)st.st_size);
        ssize_t got = pread(fd, raw, (size_t)st.st_size, 0);
        CHECK("spool: no plain secret run in the file",
              got > 0 && !find(raw, (size_t)got, (const uint8_t *)"SECRET-KEY", 10) &&
                  !find(raw, (size_t)got, in + 2 * REC, 32));
        /* Flip one byte of record 1: authentication fails. */
        uint8_t b = 0;
        int io = pread(fd, &b, 1, REC + 16 + 5) == 1;
        b ^= 1;
        io &= pwrite(fd, &b, 1, REC + 16 + 5) == 1;
        CHECK("spool: a flipped byte is refused",
              io && ds_spool_read(s, 1, out, &n, err, sizeof err) < 0);
        b ^= 1;
        io &= pwrite(fd, &b, 1, REC + 16 + 5) == 1;
        CHECK("spool: restored, it reads again", ds_spool_read(s, 1, out, &n, err, sizeof err) == 0);
        /* Record 0 copied over record 2: its nonce and AAD differ. */
        io = pwrite(fd, raw, REC + 16, 2 * (REC + 16)) == REC + 16;
        CHECK("spool: a record moved elsewhere is refused",
              io && ds_spool_read(s, 2, out, &n, err, sizeof err) < 0);
        free(raw);
    }
    ds_spool_free(s);
    int left = 0;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s)\"", dir);
    left = system(cmd);
    CHECK("spool: nothing left in the directory", left == 0);
    rmdir(dir);
    close(dfd);
    free(in);
    free(out);
}

static void test_metadata(void)
{
    /* ELF header, 2 program headers (NOTE, LOAD), notes, memory. */
    size_t notes_off = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
    uint8_t notes[256];
    size_t nl = 0;
    struct { uint32_t type, descsz; uint8_t fill; } nn[] = {
        { NT_PRSTATUS, 32, 0x11 }, { NT_X86_XSTATE, 64, 0x5e } };
    for (int i = 0; i < 2; i++) {
        uint32_t h[3] = { 5, nn[i].descsz, nn[i].type };
        memcpy(notes + nl, h, 12);
        memcpy(notes + nl + 12, "CORE\0\0\0", 8);
        memset(notes + nl + 20, nn[i].fill, nn[i].descsz);
        nl += 20 + nn[i].descsz;
    }
    size_t mem_off = notes_off + nl, total = mem_off + 4096;
    uint8_t *core = calloc(1, total);
    Elf64_Ehdr eh = { .e_type = ET_CORE, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
                      .e_phoff = sizeof eh, .e_ehsize = sizeof eh,
                      .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 2 };
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    Elf64_Phdr ph[2] = {
        { .p_type = PT_NOTE, .p_offset = notes_off, .p_filesz = nl },
        { .p_type = PT_LOAD, .p_offset = mem_off, .p_vaddr = 0x400000, .p_filesz = 4096,
          .p_memsz = 4096, .p_flags = PF_R | PF_W } };
    memcpy(core, &eh, sizeof eh);
    memcpy(core + sizeof eh, ph, sizeof ph);
    memcpy(core + notes_off, notes, nl);
    memset(core + mem_off, 0xAB, 4096);
    uint8_t *m = NULL;
    size_t mlen = 0;
    CHECK("metadata: made", ds_core_metadata(core, total, &m, &mlen) == 0);
    if (m) {
        Elf64_Phdr q[2];
        memcpy(q, m + sizeof eh, sizeof q);
        CHECK_EQ_U64("metadata: header + program headers + notes only", notes_off + nl, mlen);
        CHECK("metadata: PT_LOAD has no file bytes", q[1].p_type == PT_LOAD && q[1].p_filesz == 0 &&
              q[1].p_memsz == 4096);
        CHECK("metadata: no memory byte", !find(m, mlen, (const uint8_t *)"\xab\xab\xab\xab", 4));
        CHECK("metadata: NT_PRSTATUS kept", find(m, mlen, (const uint8_t *)"\x11\x11\x11\x11", 4));
        CHECK("metadata: NT_X86_XSTATE zeroed", !find(m, mlen, (const uint8_t *)"\x5e\x5e\x5e\x5e", 4));
        free(m);
    }
    CHECK("metadata: notes beyond the prefix: refused",
          ds_core_metadata(core, notes_off + 10, &m, &mlen) < 0);
    core[EI_CLASS] = 7;
    CHECK("metadata: not an ELF64 core: refused", ds_core_metadata(core, total, &m, &mlen) < 0);
    free(core);
}

int main(void)
{
    test_spool();
    test_metadata();
    CHECK_DONE();
}
