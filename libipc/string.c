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
        /* Four words a turn: the loads go ahead of the stores, and the
         * loop's own upkeep is paid once per 32 bytes. */
        for (; n >= 32; n -= 32, d += 32, s += 32) {
            const uint64_t *sw = (const uint64_t *)s;
            uint64_t a = sw[0], b = sw[1], c = sw[2], e = sw[3];
            uint64_t *dw = (uint64_t *)d;
            dw[0] = a;
            dw[1] = b;
            dw[2] = c;
            dw[3] = e;
        }
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
