/*
 * eventfd: a 64-bit counter behind a descriptor. write adds to it, read
 * takes all of it (or one, with EFD_SEMAPHORE); a read of zero or a write
 * that would pass the maximum waits (its reply saved, holding a reference
 * to the file) unless the file is non-blocking. Readiness shows in ppoll
 * and pselect6 (poll_events).
 */
#include "posix.h"

#include "mica/sys.h"

#define EFD_SEMAPHORE 1
#define EFD_NONBLOCK  04000
#define EFD_CLOEXEC   02000000
#define O_RDWR        2
#define COUNT_MAX     0xfffffffffffffffeull

static long create(struct lthread *t, uint64_t initval, uint64_t flags)
{
    if (flags & ~(uint64_t)(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC) || initval > UINT32_MAX)
        return -EINVAL;
    struct ofile *f = file_new(OF_EVENTFD);
    if (!f)
        return -ENFILE;
    f->flags = O_RDWR | (uint32_t)(flags & EFD_NONBLOCK);
    f->mode = 0600;              /* an anonymous inode: no file type */
    f->count = initval;
    f->semaphore = flags & EFD_SEMAPHORE;
    long fd = file_install(t->proc, f, flags & EFD_CLOEXEC, 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

long sys_eventfd2(struct lthread *t, const struct sysargs *s)
{
    return create(t, s->a[0], s->a[1]);
}

/* Moves the value now if it can: a read's result, or 0 for a write that
 * must wait. */
static long transfer(struct lthread *t, struct ofile *f, uint64_t buf, bool write, uint64_t v)
{
    if (write) {
        if (v > COUNT_MAX - f->count)
            return 0;
        f->count += v;
        return 8;
    }
    if (!f->count)
        return 0;
    uint64_t take = f->semaphore ? 1 : f->count;
    if (mm_copy_out(t->proc, buf, &take, 8) < 0)
        return -EFAULT;
    f->count -= take;
    return 8;
}

/* The counter of f changed: answer its waiters that can go on now. */
static void wake(struct ofile *f)
{
    poll_wake();
    for (int i = 0; i < thread_high; i++) {
        struct lthread *w = &threads[i];
        if (!w->tid || w->wait != WAIT_EVENTFD || w->io_file != f)
            continue;
        long r = transfer(w, f, w->io_buf, w->io_write, w->io_len);
        if (!r)
            continue;
        w->io_file = NULL;
        reply_to(w, r);
        file_put(f);
        if (r > 0)
            wake(f);     /* the other side may go on now */
        return;
    }
}

long eventfd_io(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t len, bool write)
{
    if (len < 8)
        return -EINVAL;
    uint64_t v = 0;
    if (write && mm_copy_in(t->proc, &v, buf, 8) < 0)
        return -EFAULT;
    if (write && v == ~0ull)
        return -EINVAL;
    long r = transfer(t, f, buf, write, v);
    if (r > 0) {
        wake(f);
        return r;
    }
    if (r < 0)
        return r;
    if (f->flags & EFD_NONBLOCK)
        return -EAGAIN;
    f->refs++;                   /* the file lives while the call waits */
    t->wait = WAIT_EVENTFD;
    t->io_file = f;
    t->io_buf = buf;
    t->io_len = v;
    t->io_write = write;
    t->interruptible = t->restartable = true;
    return POSIX_DEFERRED;
}

void eventfd_interrupt(struct lthread *t)
{
    struct ofile *f = t->io_file;
    t->io_file = NULL;
    file_put(f);
}

int16_t eventfd_events(const struct ofile *f)
{
    return (int16_t)((f->count ? POLLIN : 0) | (f->count < COUNT_MAX ? POLLOUT : 0));
}
