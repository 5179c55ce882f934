/*
 * victim_basic - a small process to take cores of (tests/t_elf_victim.sh).
 *
 *   victim_basic wait    print the addresses, then wait until stdin is closed
 *                        (or SIGTERM) and exit 0: for gcore
 *   victim_basic crash   print the addresses, then die of SIGSEGV writing
 *                        through a null pointer in crash_here(): for the kernel
 *
 * Output, one line, flushed before waiting or crashing:
 *   heap=0x<addr> stack=0x<addr> pid=<pid>
 * heap is a 64 KiB malloc'd buffer (below glibc's mmap threshold, so it
 * lives in the brk heap), stack the address of a local in main().
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEAP_BYTES (64 * 1024)

void crash_here(volatile char *buf);

/* Not static and not inlined, so it has its own frame and symbol. */
__attribute__((noinline)) void crash_here(volatile char *buf)
{
    /* The null pointer comes through a volatile so that the compiler cannot
     * see it and turn the store into a trap instruction (SIGILL). */
    volatile uintptr_t zero = 0;
    buf[0] = 'X';
    *(volatile int *)zero = 42;
}

static void wait_for_eof(void)
{
    char b[256];
    for (;;) {
        ssize_t n = read(0, b, sizeof b);
        if (n == 0 || (n < 0 && errno != EINTR))
            return;
    }
}

int main(int argc, char **argv)
{
    volatile char marker[64];
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "wait") != 0 && strcmp(mode, "crash") != 0) {
        fprintf(stderr, "usage: %s wait|crash\n", argv[0]);
        return 2;
    }
    char *heap = malloc(HEAP_BYTES);
    if (!heap)
        return 1;
    /* Touch every page so that the buffer is really in the core. */
    memset(heap, 'h', HEAP_BYTES);
    marker[0] = 's';
    printf("heap=%p stack=%p pid=%ld\n", (void *)heap, (void *)marker, (long)getpid());
    fflush(stdout);
    if (strcmp(mode, "crash") == 0)
        crash_here(heap);
    else
        wait_for_eof();
    free(heap);
    return 0;
}
