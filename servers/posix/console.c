/*
 * File descriptors 0, 1 and 2 are the console until files and the tty come
 * (part 2): output goes to the kernel's debug console, input is at its end.
 */
#include "posix.h"

#include "mica/sys.h"

#define CHUNK 512
#define IOV_MAX 1024
#define TIOCGWINSZ 0x5413
#define TCGETS 0x5401

static long console_write(struct lthread *t, uint64_t buf, uint64_t len)
{
    char tmp[CHUNK];
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < CHUNK ? len - done : CHUNK;
        if (mm_copy_in(t->proc, tmp, buf + done, n) < 0)
            return done ? (long)done : -EFAULT;
        mica_debug_puts(tmp, n);
        done += n;
    }
    return (long)done;
}

static bool is_console(uint64_t fd)
{
    return fd <= 2;
}

long sys_write(struct lthread *t, const struct sysargs *s)
{
    if (!is_console(s->a[0]))
        return -EBADF;
    return console_write(t, s->a[1], s->a[2]);
}

long sys_writev(struct lthread *t, const struct sysargs *s)
{
    uint64_t iov = s->a[1], cnt = s->a[2];
    if (!is_console(s->a[0]))
        return -EBADF;
    if (cnt > IOV_MAX)
        return -EINVAL;
    long total = 0;
    for (uint64_t i = 0; i < cnt; i++) {
        uint64_t v[2];
        if (mm_copy_in(t->proc, v, iov + i * 16, 16) < 0)
            return total ? total : -EFAULT;
        long n = console_write(t, v[0], v[1]);
        if (n < 0)
            return total ? total : n;
        total += n;
    }
    return total;
}

long sys_read(struct lthread *t, const struct sysargs *s)
{
    (void)t;
    if (!is_console(s->a[0]))
        return -EBADF;
    return 0;
}

long sys_ioctl(struct lthread *t, const struct sysargs *s)
{
    if (!is_console(s->a[0]))
        return -EBADF;
    if (s->a[1] == TIOCGWINSZ) {
        uint16_t ws[4] = { 24, 80, 0, 0 };
        return mm_copy_out(t->proc, s->a[2], ws, sizeof ws) < 0 ? -EFAULT : 0;
    }
    return -ENOTTY;
}
