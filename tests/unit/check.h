/* check.h - minimal assertions for C unit tests; output counted by tests/run.sh. */
#ifndef DS_CHECK_H
#define DS_CHECK_H
#include <stdio.h>
#include <stdlib.h>

static int check_failures;
#define CHECK(name, cond) do { \
    if (cond) printf("PASS %s\n", name); \
    else { printf("FAIL %s: %s (%s:%d)\n", name, #cond, __FILE__, __LINE__); check_failures++; } \
} while (0)
#define CHECK_EQ_U64(name, want, got) do { \
    unsigned long long w_ = (unsigned long long)(want), g_ = (unsigned long long)(got); \
    if (w_ == g_) printf("PASS %s\n", name); \
    else { printf("FAIL %s: expected %llu (0x%llx), got %llu (0x%llx) (%s:%d)\n", name, w_, w_, g_, g_, __FILE__, __LINE__); check_failures++; } \
} while (0)
#define CHECK_DONE() return 0
#endif
