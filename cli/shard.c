/*
 * shard.c - --shard K/N: a deterministic share of an archive's files, so N
 * workers of any scheduler split it without talking to each other.
 *
 * The hash is SHA-256 (OpenSSL) of the path relative to the root given on
 * the command line; its first 8 bytes, read big-endian, modulo N, plus 1,
 * name the shard.  Relative paths make the split independent of where the
 * archive is mounted on each machine; SHA-256 makes it uniform whatever the
 * naming scheme of the dumps.
 */
#include "sweep.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

int shard_parse(const char *s, unsigned *k, unsigned *n)
{
    char *end;
    unsigned long a = strtoul(s, &end, 10);
    if (end == s || *end != '/')
        return -1;
    const char *t = end + 1;
    unsigned long b = strtoul(t, &end, 10);
    if (end == t || *end || b < 1 || b > 1000000 || a < 1 || a > b)
        return -1;
    *k = (unsigned)a;
    *n = (unsigned)b;
    return 0;
}

unsigned shard_of(const char *rel, unsigned n)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)rel, strlen(rel), md);
    uint64_t h = 0;
    for (int i = 0; i < 8; i++)
        h = h << 8 | md[i];
    return (unsigned)(h % n) + 1;
}
