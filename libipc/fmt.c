/*
 * fmt_vsnprintf: the one formatter of the kernel and the native servers.
 * Always NUL-terminates when size > 0 and returns the length the full
 * output would have had, as C's vsnprintf does.
 */
#include <stdbool.h>
#include <stdint.h>

#include "mica/fmt.h"

struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void pad(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

struct spec {
    bool left;
    bool zero;
    int width;
    int prec;
};

static void put_str(struct out *o, const char *s, struct spec sp)
{
    int n = 0;
    if (!s)
        s = "(null)";
    while (s[n] && (sp.prec < 0 || n < sp.prec))
        n++;
    if (!sp.left)
        pad(o, ' ', sp.width - n);
    for (int i = 0; i < n; i++)
        put(o, s[i]);
    if (sp.left)
        pad(o, ' ', sp.width - n);
}

static void put_num(struct out *o, uint64_t v, bool neg, unsigned base,
                    bool upper, struct spec sp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    int len = n + (neg ? 1 : 0);
    if (sp.left) {
        if (neg)
            put(o, '-');
        while (n)
            put(o, tmp[--n]);
        pad(o, ' ', sp.width - len);
        return;
    }
    if (sp.zero) {
        if (neg)
            put(o, '-');
        pad(o, '0', sp.width - len);
    } else {
        pad(o, ' ', sp.width - len);
        if (neg)
            put(o, '-');
    }
    while (n)
        put(o, tmp[--n]);
}

/* Reads flags, width and precision ('*' takes an int argument); returns
 * the position after them. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){ false, false, 0, -1 };
    for (;; f++) {
        if (*f == '-')
            sp->left = true;
        else if (*f == '0')
            sp->zero = true;
        else
            break;
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {
            sp->left = true;
            sp->width = -sp->width;
        }
        f++;
    }
    while (*f >= '0' && *f <= '9')
        sp->width = sp->width * 10 + (*f++ - '0');
    if (*f == '.') {
        sp->prec = 0;
        if (*++f == '*') {
            sp->prec = va_arg(*ap, int);
            if (sp->prec < 0)
                sp->prec = -1;
            f++;
        }
        for (; *f >= '0' && *f <= '9'; f++)
            sp->prec = sp->prec * 10 + (*f - '0');
    }
    return f;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
    struct out o = { buf, size, 0 };
    va_list ap;
    va_copy(ap, ap_in);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        struct spec sp;
        f = parse_spec(f + 1, &sp, &ap);
        int lng = 0;
        while (*f == 'l' || *f == 'z') {
            lng++;
            f++;
        }
        switch (*f) {
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false, sp);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            unsigned base = *f == 'u' ? 10 : *f == 'o' ? 8 : 16;
            put_num(&o, v, false, base, *f == 'X', sp);
            break;
        }
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_num(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), false, 16, false, sp);
            break;
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case 's':
            put_str(&o, va_arg(ap, const char *), sp);
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            f--;
            break;
        default:
            put(&o, '%');
            put(&o, *f);
            break;
        }
    }
    va_end(ap);
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
