/*
 * walk.c - recursive directory walk in sorted order, no symlinks followed.
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(const char *dir, int depth, int (*fn)(const char *, void *), void *arg)
{
    if (depth > 64) {
        errmsg("%s: directory tree too deep", dir);
        return EXIT_USAGE;
    }
    DIR *d = opendir(dir);
    if (!d) {
        errmsg("%s: %s", dir, strerror(errno));
        return EXIT_USAGE;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = EXIT_CLEAN;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (!p) { rc = EXIT_USAGE; break; }
            names = p;
        }
        if (!(names[n] = strdup(e->d_name))) { rc = EXIT_USAGE; break; }
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        char *path;
        if (asprintf(&path, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]) < 0) {
            rc = exit_merge(rc, EXIT_USAGE);
            continue;
        }
        struct stat st;
        if (lstat(path, &st) < 0) {
            errmsg("%s: %s", path, strerror(errno));
            rc = exit_merge(rc, EXIT_USAGE);
        } else if (S_ISDIR(st.st_mode)) {
            rc = exit_merge(rc, walk_dir(path, depth + 1, fn, arg));
        } else if (S_ISREG(st.st_mode)) {
            rc = exit_merge(rc, fn(path, arg));
        }
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int walk_paths(const char *path, int (*fn)(const char *, void *), void *arg)
{
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return walk_dir(path, 0, fn, arg);
    return fn(path, arg);   /* a file, a pipe, stdin; errors reported by fn */
}
