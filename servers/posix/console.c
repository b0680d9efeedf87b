/*
 * The console: output goes to the kernel's debug console; input is at its
 * end until the tty driver comes. ioctl answers for the console only.
 */
#include "posix.h"

#include "mica/sys.h"

#define CHUNK 512
#define TIOCGWINSZ 0x5413

long console_write(struct lthread *t, uint64_t buf, uint64_t len)
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

long console_read(struct lthread *t, uint64_t buf, uint64_t len)
{
    (void)t;
    (void)buf;
    (void)len;
    return 0;
}

long sys_ioctl(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    if (!f)
        return -EBADF;
    if (f->kind != OF_CONSOLE)
        return -ENOTTY;
    if (s->a[1] == TIOCGWINSZ) {
        uint16_t ws[4] = { 24, 80, 0, 0 };
        return mm_copy_out(t->proc, s->a[2], ws, sizeof ws) < 0 ? -EFAULT : 0;
    }
    return -ENOTTY;
}
