/*
 * sweep_files.c - the list of files a sweep scans, collected up front so
 * that sharding, the state file and the progress line know every file (and
 * its size) before the first one is read.
 */
#include "cli.h"
#include "sweep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct collect {
    sweep_files *fl;
    const char *root;
    size_t root_len;
    int is_dir;
};

static int add_file(const char *path, void *arg)
{
    struct collect *c = arg;
    sweep_files *fl = c->fl;
    if (fl->n == fl->cap) {
        size_t cap = fl->cap ? fl->cap * 2 : 256;
        sweep_file *v = realloc(fl->v, cap * sizeof *v);
        if (!v) {
            errmsg("out of memory");
            return EXIT_USAGE;
        }
        fl->v = v;
        fl->cap = cap;
    }
    sweep_file *f = &fl->v[fl->n];
    memset(f, 0, sizeof *f);
    if (!(f->path = strdup(path))) {
        errmsg("out of memory");
        return EXIT_USAGE;
    }
    f->rel = f->path;
    if (c->is_dir && strncmp(path, c->root, c->root_len) == 0) {
        f->rel = f->path + c->root_len;
        while (*f->rel == '/')
            f->rel++;
    }
    if (!strcmp(path, "-")) {
        f->is_stdin = 1;
    } else {
        /* Errors here are reported when the file is opened. */
        struct stat st;
        if (stat(path, &st) == 0) {
            f->size = (uint64_t)st.st_size;
            f->mtime = (int64_t)st.st_mtim.tv_sec;
            f->mtime_ns = (int64_t)st.st_mtim.tv_nsec;
            f->ino = (uint64_t)st.st_ino;
        }
    }
    fl->n++;
    return EXIT_CLEAN;
}

int sweep_files_collect(sweep_files *fl, const char *root)
{
    struct stat st;
    struct collect c = { .fl = fl, .root = root, .root_len = strlen(root) };
    c.is_dir = strcmp(root, "-") != 0 && stat(root, &st) == 0 && S_ISDIR(st.st_mode);
    return walk_paths(root, add_file, &c);
}

void sweep_files_free(sweep_files *fl)
{
    for (size_t i = 0; i < fl->n; i++)
        free(fl->v[i].path);
    free(fl->v);
    memset(fl, 0, sizeof *fl);
}
