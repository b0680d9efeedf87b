/*
 * Byte-at-a-time string functions, with an unrolled word loop for the bulk
 * copies and fills that page zeroing, message and register copies spend
 * their time in.
 */
#include <stdint.h>

#include "mica/string.h"

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
        /* Sixteen words a turn: the loads go ahead of the stores, and the
         * loop's own upkeep (two pointers, one branch) is paid once per
         * 128 bytes. Blocks and pages are what this mostly copies. */
        const unsigned char *end = s + (n & ~(size_t)127);
        for (; s != end; d += 128, s += 128) {
            const uint64_t *sw = (const uint64_t *)s;
            uint64_t w0 = sw[0], w1 = sw[1], w2 = sw[2], w3 = sw[3];
            uint64_t w4 = sw[4], w5 = sw[5], w6 = sw[6], w7 = sw[7];
            uint64_t w8 = sw[8], w9 = sw[9], w10 = sw[10], w11 = sw[11];
            uint64_t w12 = sw[12], w13 = sw[13], w14 = sw[14], w15 = sw[15];
            uint64_t *dw = (uint64_t *)d;
            dw[0] = w0, dw[1] = w1, dw[2] = w2, dw[3] = w3;
            dw[4] = w4, dw[5] = w5, dw[6] = w6, dw[7] = w7;
            dw[8] = w8, dw[9] = w9, dw[10] = w10, dw[11] = w11;
            dw[12] = w12, dw[13] = w13, dw[14] = w14, dw[15] = w15;
        }
        n &= 127;
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *(uint64_t *)d = *(const uint64_t *)s;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d <= s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    if (((uintptr_t)d & 7) == 0) {
        uint64_t w = 0x0101010101010101ull * (unsigned char)c;
        for (; n >= 32; n -= 32, d += 32) {
            uint64_t *dw = (uint64_t *)d;
            dw[0] = dw[1] = dw[2] = dw[3] = w;
        }
        for (; n >= 8; n -= 8, d += 8)
            *(uint64_t *)d = w;
    }
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b || !*a)
            return (unsigned char)*a - (unsigned char)*b;
    }
    return 0;
}
