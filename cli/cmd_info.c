/*
 * cmd_info.c - `dumpscrub info`: what a dump is and where its bytes belong.
 */
#include "cli.h"
#include "dumpfile.h"
#include "output.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char info_usage[] =
    "usage: dumpscrub info [--json] FILE...\n"
    "\n"
    "Show a dump's format, architecture, process, threads, modules and the\n"
    "region table (file offset, size, virtual address, permissions, label)\n"
    "that scan findings are labelled from.  FILE may be '-' for stdin and may\n"
    "be gzip/zstd/xz compressed.\n"
    "\n"
    "  --json      one JSON object per file (JSON Lines)\n"
    "  -h, --help  this text\n"
    "\n"
    "exit codes: 0 read completely, 2 usage or I/O error,\n"
    "            3 the structure could not be fully read (problems listed)\n";

static void perms_str(uint32_t p, char out[4])
{
    out[0] = p & DS_PERM_R ? 'r' : '-';
    out[1] = p & DS_PERM_W ? 'w' : '-';
    out[2] = p & DS_PERM_X ? 'x' : '-';
    out[3] = '\0';
}

static void print_json(const char *path, const ds_dumpfile *f)
{
    const ds_dump *d = &f->dump;
    FILE *o = stdout;
    fputs("{\"file\":", o);
    out_json_str(o, path);
    fprintf(o, ",\"format\":\"%s\",\"compression\":\"%s\",\"size\":%" PRIu64,
            ds_format_name(d->format), ds_compression_name(f->src.comp), d->file_size);
    fputs(",\"arch\":", o);
    out_json_str(o, d->arch);
    fprintf(o, ",\"byte_order\":\"%s\",\"word_size\":%d", d->big_endian ? "big" : "little",
            d->word_size);
    if (d->os) { fputs(",\"os\":", o); out_json_str(o, d->os); }
    if (d->os_version) { fputs(",\"os_version\":", o); out_json_str(o, d->os_version); }
    if (d->pid >= 0) fprintf(o, ",\"pid\":%" PRId64, d->pid);
    if (d->process_name) { fputs(",\"process_name\":", o); out_json_str(o, d->process_name); }
    if (d->cmdline) { fputs(",\"cmdline\":", o); out_json_str(o, d->cmdline); }
    if (d->time >= 0) fprintf(o, ",\"time\":%" PRId64, d->time);
    if (d->crash_signal) fprintf(o, ",\"crash_signal\":%d", d->crash_signal);
    if (d->has_exception)
        fprintf(o, ",\"exception\":{\"code\":\"0x%" PRIx32 "\",\"address\":\"0x%" PRIx64 "\"}",
                d->exception_code, d->exception_address);
    fputs(",\"threads\":[", o);
    for (size_t i = 0; i < d->nthreads; i++) {
        const ds_thread *t = &d->threads[i];
        fprintf(o, "%s{\"tid\":%" PRIu64 ",\"sp\":\"0x%" PRIx64 "\",\"pc\":\"0x%" PRIx64 "\"",
                i ? "," : "", t->tid, t->sp, t->pc);
        if (t->signal) fprintf(o, ",\"signal\":%d", t->signal);
        if (t->stack_size)
            fprintf(o, ",\"stack\":\"0x%" PRIx64 "\",\"stack_size\":%" PRIu64, t->stack_vaddr,
                    t->stack_size);
        fprintf(o, ",\"crashed\":%s}", t->crashed ? "true" : "false");
    }
    fputs("],\"modules\":[", o);
    for (size_t i = 0; i < d->nmodules; i++) {
        const ds_module *m = &d->modules[i];
        fputs(i ? ",{\"name\":" : "{\"name\":", o);
        out_json_str(o, m->name);
        fprintf(o, ",\"base\":\"0x%" PRIx64 "\",\"size\":%" PRIu64 "}", m->base, m->size);
    }
    fputs("],\"regions\":[", o);
    for (size_t i = 0; i < d->nregions; i++) {
        const ds_region *r = &d->regions[i];
        char p[4];
        perms_str(r->perms, p);
        fprintf(o, "%s{\"file_off\":%" PRIu64 ",\"file_size\":%" PRIu64, i ? "," : "",
                r->file_off, r->file_size);
        if (r->has_vaddr)
            fprintf(o, ",\"vaddr\":\"0x%" PRIx64 "\",\"mem_size\":%" PRIu64 ",\"perms\":\"%s\"",
                    r->vaddr, r->mem_size, p);
        if (r->label) { fputs(",\"label\":", o); out_json_str(o, r->label); }
        fputc('}', o);
    }
    fprintf(o, "],\"truncated\":%s,\"problems\":[", d->truncated ? "true" : "false");
    for (size_t i = 0; i < d->nproblems; i++) {
        if (i) fputc(',', o);
        out_json_str(o, d->problems[i]);
    }
    fputs("]}\n", o);
}

static void print_text(const char *path, const ds_dumpfile *f)
{
    const ds_dump *d = &f->dump;
    FILE *o = stdout;
    fputs("file:      ", o); out_text_str(o, path, 0); fputc('\n', o);
    fprintf(o, "format:    %s", ds_format_name(d->format));
    if (f->src.comp) fprintf(o, " (%s-compressed)", ds_compression_name(f->src.comp));
    fprintf(o, ", %" PRIu64 " bytes%s\n", d->file_size, d->truncated ? ", TRUNCATED" : "");
    fprintf(o, "arch:      %s, %s-endian, %d-bit", d->arch, d->big_endian ? "big" : "little",
            d->word_size * 8);
    if (d->os) { fputs(", ", o); out_text_str(o, d->os, 0); }
    if (d->os_version) { fputs(" ", o); out_text_str(o, d->os_version, 0); }
    fputc('\n', o);
    fputs("process:   ", o);
    out_text_str(o, d->process_name, 0);
    if (d->pid >= 0) fprintf(o, " (pid %" PRId64 ")", d->pid);
    if (d->crash_signal) fprintf(o, ", signal %d", d->crash_signal);
    if (d->has_exception)
        fprintf(o, ", exception 0x%08" PRIx32 " at 0x%" PRIx64, d->exception_code,
                d->exception_address);
    fputc('\n', o);
    if (d->cmdline) { fputs("cmdline:   ", o); out_text_str(o, d->cmdline, 0); fputc('\n', o); }
    fprintf(o, "threads:   %zu\n", d->nthreads);
    for (size_t i = 0; i < d->nthreads; i++) {
        const ds_thread *t = &d->threads[i];
        fprintf(o, "  tid %-8" PRIu64 " sp 0x%016" PRIx64 " pc 0x%016" PRIx64 "%s\n", t->tid,
                t->sp, t->pc, t->crashed ? "  (crashed)" : "");
    }
    fprintf(o, "modules:   %zu\n", d->nmodules);
    for (size_t i = 0; i < d->nmodules; i++) {
        const ds_module *m = &d->modules[i];
        fprintf(o, "  0x%016" PRIx64 " %10" PRIu64 "  ", m->base, m->size);
        out_text_str(o, m->name, 0);
        fputc('\n', o);
    }
    fprintf(o, "regions:   %zu\n", d->nregions);
    fprintf(o, "  %-12s %-12s %-18s %-12s %-4s %s\n", "FILE_OFF", "FILE_SIZE", "VADDR",
            "MEM_SIZE", "PERM", "LABEL");
    for (size_t i = 0; i < d->nregions; i++) {
        const ds_region *r = &d->regions[i];
        char p[4];
        perms_str(r->perms, p);
        if (r->has_vaddr)
            fprintf(o, "  0x%-10" PRIx64 " 0x%-10" PRIx64 " 0x%-16" PRIx64 " 0x%-10" PRIx64 " %-4s ",
                    r->file_off, r->file_size, r->vaddr, r->mem_size, p);
        else
            fprintf(o, "  0x%-10" PRIx64 " 0x%-10" PRIx64 " %-18s %-12s %-4s ", r->file_off,
                    r->file_size, "-", "-", "");
        out_text_str(o, r->label, 0);
        fputc('\n', o);
    }
    if (d->nproblems) {
        fprintf(o, "problems:  %zu\n", d->nproblems);
        for (size_t i = 0; i < d->nproblems; i++) {
            fputs("  ", o);
            out_text_str(o, d->problems[i], 0);
            fputc('\n', o);
        }
    }
}

struct info_opts { int json, nfiles; };

static int info_one(const char *path, void *arg)
{
    struct info_opts *io = arg;
    ds_dumpfile f;
    char err[512];
    /* info needs the whole structure: hold up to 16 GiB of a stream. */
    if (ds_dumpfile_open(&f, path, (size_t)16 << 30, err, sizeof err) < 0) {
        errmsg("%s", err);
        return EXIT_USAGE;
    }
    if (io->json) {
        print_json(path, &f);
    } else {
        if (io->nfiles++)
            fputc('\n', stdout);
        print_text(path, &f);
    }
    int rc = f.dump.nproblems || f.dump.truncated || f.streaming ? EXIT_UNPROVEN : EXIT_CLEAN;
    ds_dumpfile_close(&f);
    return rc;
}

int cmd_info(int argc, char **argv)
{
    static const struct option lopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct info_opts io = { 0, 0 };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
        switch (c) {
        case 'j': io.json = 1; break;
        case 'h': fputs(info_usage, stdout); return EXIT_CLEAN;
        default: fputs(info_usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fputs(info_usage, stderr);
        return EXIT_USAGE;
    }
    int rc = EXIT_CLEAN;
    for (int i = optind; i < argc; i++)
        rc = exit_merge(rc, info_one(argv[i], &io));
    return rc;
}
