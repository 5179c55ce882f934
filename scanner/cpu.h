/*
 * cpu.h - which vector kernels this CPU can run.
 *
 * Detectors build their prefilters twice with GCC/Clang vector types: a
 * 16-byte kernel for any CPU and a 32-byte one compiled with
 * target("avx2") (GCC 12 turns 32-byte vectors into scalar code without
 * it), chosen at run time.  DS_AVX2_BUILD says the second one exists.
 */
#ifndef DS_CPU_H
#define DS_CPU_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(DS_NO_AVX2)
#define DS_AVX2_BUILD 1
#define DS_TARGET_AVX2 __attribute__((target("avx2")))
#endif

/* 1 if the AVX2 kernels are built and this CPU runs them. */
static inline int ds_cpu_avx2(void)
{
#ifdef DS_AVX2_BUILD
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
#else
    return 0;
#endif
}

#endif
