/*
 * Kernel command line parsing (see cmdline.h).
 */
#include <stddef.h>

#include "cmdline.h"

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int starts_with(const char *s, int len, const char *prefix)
{
    int i = 0;
    for (; prefix[i]; i++)
        if (i >= len || s[i] != prefix[i])
            return 0;
    return 1;
}

/* Copies len bytes to dst (capacity cap); -1 if they do not fit. */
static int copy(char *dst, int cap, const char *src, int len)
{
    if (len >= cap)
        return -1;
    for (int i = 0; i < len; i++)
        dst[i] = src[i];
    dst[len] = '\0';
    return 0;
}

static void set_default(struct cmdline *out)
{
    copy(out->root, CMDLINE_NAME_MAX, "root", 4);
    out->init[0] = '\0';
    out->asid_bits = -1;
}

/* A decimal number of up to two digits, or -1. */
static int small_number(const char *s, int len)
{
    if (len < 1 || len > 2)
        return -1;
    int n = 0;
    for (int i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        n = n * 10 + (s[i] - '0');
    }
    return n;
}

void cmdline_parse(const char *s, struct cmdline *out,
                   void (*warn)(const char *, const char *, int))
{
    set_default(out);
    while (*s) {
        while (is_space(*s))
            s++;
        if (!*s)
            break;
        int len = 0;
        while (s[len] && !is_space(s[len]))
            len++;
        if (starts_with(s, len, "init=")) {
            /* The rest of the line, trailing blanks trimmed. */
            int rest = 0;
            while (s[rest])
                rest++;
            while (rest > 5 && is_space(s[rest - 1]))
                rest--;
            if (rest == 5 || copy(out->init, CMDLINE_MAX, s + 5, rest - 5))
                warn("malformed argument ignored", s, rest);
            return;
        }
        if (starts_with(s, len, "root=")) {
            if (len == 5 || copy(out->root, CMDLINE_NAME_MAX, s + 5, len - 5)) {
                warn("malformed argument ignored", s, len);
                copy(out->root, CMDLINE_NAME_MAX, "root", 4);
            }
        } else if (starts_with(s, len, "asids=")) {
            int n = small_number(s + 6, len - 6);
            if (n < 0 || n > 16)
                warn("malformed argument ignored", s, len);
            else
                out->asid_bits = n;
        } else {
            warn("unknown argument ignored", s, len);
        }
        s += len;
    }
}
