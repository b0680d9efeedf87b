/*
 * User-side kernel call stubs: one inline function per call in
 * mica/syscall.h.
 */
#ifndef MICA_SYS_H
#define MICA_SYS_H

#include <stddef.h>
#include <stdint.h>

#include "mica/syscall.h"

static inline long mica_syscall2(long nr, long a0, long a1)
{
    register long r0 __asm__("a0") = a0;
    register long r1 __asm__("a1") = a1;
    register long r7 __asm__("a7") = nr;
    __asm__ volatile("ecall" : "+r"(r0) : "r"(r1), "r"(r7) : "memory");
    return r0;
}

static inline long mica_debug_puts(const char *s, size_t len)
{
    return mica_syscall2(MICA_SYS_DEBUG_PUTS, (long)s, (long)len);
}

__attribute__((noreturn)) static inline void mica_exit(int status)
{
    mica_syscall2(MICA_SYS_EXIT, status, 0);
    __builtin_unreachable();
}

static inline uint64_t mica_instret(void)
{
    uint64_t v;
    __asm__ volatile("rdinstret %0" : "=r"(v));
    return v;
}

#endif
