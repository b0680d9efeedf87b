/*
 * pselect6: the three descriptor sets over what poll sees of each file
 * (poll_events). A call with nothing ready waits (WAIT_SELECT, its reply
 * saved) and poll_wake rescans it whenever a pipe, the tty or an eventfd
 * moves; its sets are written only when it returns a count, and are
 * cleared when it times out, as on Linux. The timeout is updated with the
 * time left, as Linux's pselect6 does (musl passes a copy).
 */
#include "posix.h"

#include "mica/runtime.h"
#include "mica/sys.h"

#define FD_SETSIZE 1024
#define SET_WORDS  (FD_SETSIZE / 64)
#define NS 1000000000ull
#define READ_READY  (POLLIN | POLLHUP | POLLERR)
#define WRITE_READY (POLLOUT | POLLERR)

/* Scans t's sets: the number of ready bits (the sets written with them if
 * there are any), or -EBADF / -EFAULT. */
static long scan(struct lthread *t, int nfds)
{
    uint64_t in[3][SET_WORDS] = { { 0 } }, out[3][SET_WORDS] = { { 0 } };
    uint64_t words = ((uint64_t)nfds + 63) / 64;
    for (int k = 0; k < 3; k++)
        if (t->select_sets[k] && mm_copy_in(t->proc, in[k], t->select_sets[k], words * 8) < 0)
            return -EFAULT;
    long n = 0;
    for (int fd = 0; fd < nfds; fd++) {
        uint64_t bit = 1ull << (fd % 64);
        int w = fd / 64;
        if (!((in[0][w] | in[1][w] | in[2][w]) & bit))
            continue;
        struct ofile *f = file_get(t->proc, (uint64_t)fd);
        if (!f)
            return -EBADF;
        int16_t ev = poll_events(f);
        if ((in[0][w] & bit) && (ev & READ_READY)) {
            out[0][w] |= bit;
            n++;
        }
        if ((in[1][w] & bit) && (ev & WRITE_READY)) {
            out[1][w] |= bit;
            n++;
        }
        /* Exceptional conditions (out-of-band data) never arise here. */
    }
    for (int k = 0; n && k < 3; k++)
        if (t->select_sets[k] && mm_copy_out(t->proc, t->select_sets[k], out[k], words * 8) < 0)
            return -EFAULT;
    return n;
}

/* Writes the time left before t's deadline to its timeout. */
static void put_time_left(struct lthread *t)
{
    if (!t->select_timeout || !t->timed)
        return;
    uint64_t now = mica_monotonic_ns();
    uint64_t left = t->deadline_ns > now ? t->deadline_ns - now : 0;
    int64_t ts[2] = { (int64_t)(left / NS), (int64_t)(left % NS) };
    mm_copy_out(t->proc, t->select_timeout, ts, sizeof ts);
}

void select_wake(struct lthread *t)
{
    long n = scan(t, (int)t->io_len);
    if (n == 0)
        return;
    put_time_left(t);
    bool timed = t->timed;
    t->timed = false;
    reply_to(t, n);
    if (timed)
        time_rearm();
}

void select_timed_out(struct lthread *t)
{
    static const uint64_t zero[SET_WORDS];
    uint64_t words = (t->io_len + 63) / 64;
    for (int k = 0; k < 3; k++)
        if (t->select_sets[k])
            mm_copy_out(t->proc, t->select_sets[k], zero, words * 8);
    if (t->select_timeout) {
        static const int64_t ts[2];
        mm_copy_out(t->proc, t->select_timeout, ts, sizeof ts);
    }
}

long sys_pselect6(struct lthread *t, const struct sysargs *s)
{
    int nfds = (int)s->a[0];
    uint64_t tmo = s->a[4], sig = s->a[5];
    if (nfds < 0 || nfds > FD_SETSIZE)
        return -EINVAL;
    uint64_t deadline = 0, ns = 0;
    if (tmo) {
        long err = read_timespec(t, tmo, &ns);
        if (err)
            return err;
        deadline = mica_monotonic_ns() + ns;
    }
    uint64_t mask = 0;
    bool set_mask = false;
    if (sig) {
        uint64_t arg[2];         /* { const sigset_t *ss; size_t ss_len; } */
        if (mm_copy_in(t->proc, arg, sig, sizeof arg) < 0)
            return -EFAULT;
        if (arg[0] && arg[1] != 8)
            return -EINVAL;
        if (arg[0] && mm_copy_in(t->proc, &mask, arg[0], 8) < 0)
            return -EFAULT;
        set_mask = arg[0] != 0;
    }
    t->select_sets[0] = s->a[1];
    t->select_sets[1] = s->a[2];
    t->select_sets[2] = s->a[3];
    t->select_timeout = tmo;
    t->io_len = (uint64_t)nfds;
    long n = scan(t, nfds);
    if (n)
        return n;
    if (tmo && !ns) {
        select_timed_out(t);
        return 0;
    }
    if (set_mask) {
        t->saved_mask = t->sigmask;
        t->sigmask = mask & ~(SIGBIT(9) | SIGBIT(19));
        t->restore_mask = true;
    }
    t->wait = nfds ? WAIT_SELECT : WAIT_SIGNAL;
    t->interruptible = true;
    long r = time_wait_until(t, deadline);
    if (r == -ETIMEDOUT) {
        select_timed_out(t);
        return 0;
    }
    return r;
}
