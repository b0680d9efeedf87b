/*
 * Sleeping: nanosleep, clock_nanosleep and rt_sigsuspend. A sleeper
 * keeps its reply saved; one notification bound to posix's thread carries
 * a kernel timer set for the earliest deadline.
 */
#include "posix.h"
#include "sysv.h"

#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/sys.h"

#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME  7
#define TIMER_ABSTIME   1
#define NS 1000000000ull

static long timer_ntfn;

/* posix's one notification, bound to its thread: the kernel timer signals
 * bit 0 (POSIX_TIMER_BIT), the console's interrupt POSIX_CONSOLE_BIT. */
int time_init(void)
{
    timer_ntfn = slot_alloc();
    long console = slot_alloc();
    long err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_NOTIFICATION, timer_ntfn, 0);
    if (!err)
        err = mica_thread_bind(MICA_SLOT_THREAD, timer_ntfn);
    if (!err)
        err = mica_cap_copy(timer_ntfn, -1, console, MICA_R_ALL, POSIX_CONSOLE_BIT);
    if (!err)
        err = console_init(console);
    return (int)err;
}

static uint64_t ns_to_ticks(uint64_t ns)
{
    uint64_t f = mica_timebase_freq;
    return ns / NS * f + ns % NS * f / NS;
}

/* Sets the kernel timer for the earliest sleeper or timer (or cancels it). */
void time_rearm(void)
{
    uint64_t first = timers_next();
    for (int i = 0; i < thread_high; i++) {
        struct lthread *t = &threads[i];
        if (t->tid && t->timed && (!first || t->deadline_ns < first))
            first = t->deadline_ns;
    }
    /* A deadline already past fires at once: never pass 0 (cancel). */
    mica_timer_set(timer_ntfn, first ? ns_to_ticks(first) | 1 : 0, 0);
}

void time_expire(void)
{
    timers_expire();
    uint64_t now = mica_monotonic_ns();
    for (int i = 0; i < thread_high; i++) {
        struct lthread *t = &threads[i];
        if (t->tid && t->timed && t->deadline_ns <= now) {
            t->timed = false;
            /* futex: ETIMEDOUT; sigtimedwait, semtimedop: EAGAIN; sleeps, polls: 0. */
            long r = t->wait == WAIT_FUTEX ? -ETIMEDOUT
                     : t->waitset || t->wait == WAIT_IPC ? -EAGAIN : 0;
            if (t->wait == WAIT_SELECT)
                select_timed_out(t);
            t->waitset = 0;
            reply_to(t, r);
        }
    }
    time_rearm();
}

void interrupt_wait(struct lthread *t)
{
    if (t->wait == WAIT_PIPE)
        pipe_interrupt(t);
    if (t->wait == WAIT_EVENTFD)
        eventfd_interrupt(t);
    if (t->wait == WAIT_SLEEP && t->wait_addr) {
        uint64_t now = mica_monotonic_ns();
        uint64_t left = t->deadline_ns > now ? t->deadline_ns - now : 0;
        int64_t rem[2] = { (int64_t)(left / NS), (int64_t)(left % NS) };
        mm_copy_out(t->proc, t->wait_addr, rem, sizeof rem);
    }
    bool timed = t->timed;
    t->wait = WAIT_NONE;
    t->timed = false;
    if (timed)
        time_rearm();
}

long time_wait_until(struct lthread *t, uint64_t deadline)
{
    if (!deadline)
        return POSIX_DEFERRED;
    if (deadline <= mica_monotonic_ns()) {
        t->wait = WAIT_NONE;
        return -ETIMEDOUT;
    }
    t->timed = true;
    t->deadline_ns = deadline;
    time_rearm();
    return POSIX_DEFERRED;
}

static long sleep_until(struct lthread *t, uint64_t deadline, uint64_t rem)
{
    if (deadline <= mica_monotonic_ns())
        return 0;
    t->wait = WAIT_SLEEP;
    t->interruptible = true;
    t->wait_addr = rem;
    return time_wait_until(t, deadline);
}

long read_timespec(struct lthread *t, uint64_t addr, uint64_t *ns)
{
    int64_t ts[2];
    if (mm_copy_in(t->proc, ts, addr, sizeof ts) < 0)
        return -EFAULT;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= (int64_t)NS)
        return -EINVAL;
    *ns = (uint64_t)ts[0] > UINT64_MAX / NS - 1 ? UINT64_MAX / 2 : (uint64_t)ts[0] * NS + (uint64_t)ts[1];
    return 0;
}

long sys_nanosleep(struct lthread *t, const struct sysargs *s)
{
    uint64_t ns;
    long err = read_timespec(t, s->a[0], &ns);
    if (err)
        return err;
    return sleep_until(t, mica_monotonic_ns() + ns, s->a[1]);
}

long sys_clock_nanosleep(struct lthread *t, const struct sysargs *s)
{
    uint64_t clock = s->a[0], flags = s->a[1], ns;
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME)
        return -EINVAL;
    long err = read_timespec(t, s->a[2], &ns);
    if (err)
        return err;
    if (!(flags & TIMER_ABSTIME))
        return sleep_until(t, mica_monotonic_ns() + ns, s->a[3]);
    /* Absolute: a realtime deadline in monotonic terms; no remainder. */
    int64_t mono = clock == CLOCK_REALTIME ? (int64_t)ns - mica_realtime_offset_ns : (int64_t)ns;
    return sleep_until(t, mono < 0 ? 0 : (uint64_t)mono, 0);
}

long sys_rt_sigsuspend(struct lthread *t, const struct sysargs *s)
{
    uint64_t mask;
    if (s->a[1] != 8)
        return -EINVAL;
    if (mm_copy_in(t->proc, &mask, s->a[0], 8) < 0)
        return -EFAULT;
    t->saved_mask = t->sigmask;
    t->sigmask = mask & ~(SIGBIT(9) | SIGBIT(19));
    t->wait = WAIT_SIGNAL;
    t->interruptible = true;
    if (signal_ready(t)) {
        t->restore_mask = true;
        return -EINTR;
    }
    return POSIX_DEFERRED;
}

#define MAX_POLL 256

int16_t poll_events(const struct ofile *f)
{
    if (f->kind == OF_PIPE_READ)
        return pipe_ready(f, false) ? (pipe_ready(f, false) && !pipe_has_data(f) ? POLLHUP : POLLIN) : 0;
    if (f->kind == OF_PIPE_WRITE)
        return pipe_ready(f, true) ? (pipe_has_reader(f) ? POLLOUT : POLLERR) : 0;
    if (f->kind == OF_CONSOLE) {
        if (!console_readable())
            console_awaited();
        return (int16_t)(POLLOUT | (console_readable() ? POLLIN : 0));
    }
    if (f->kind == OF_EVENTFD)
        return eventfd_events(f);
    if (f->kind == OF_SOCKET)
        return sock_events(f);
    return POLLIN | POLLOUT;
}

/* Fills in revents for t's poll array; returns how many are ready, or
 * -EFAULT. Files and devices are always ready; pipes when they can move. */
static long poll_scan(struct lthread *t, uint64_t fds, uint64_t nfds)
{
    int ready = 0;
    for (uint64_t i = 0; i < nfds; i++) {
        struct { int32_t fd; int16_t events, revents; } pf;
        if (mm_copy_in(t->proc, &pf, fds + i * 8, 8) < 0)
            return -EFAULT;
        struct ofile *f = pf.fd < 0 ? NULL : file_get(t->proc, (uint64_t)pf.fd);
        int16_t want = pf.events | POLLERR | POLLHUP, r;
        if (pf.fd < 0)
            r = 0;
        else if (!f)
            r = POLLNVAL;
        else
            r = poll_events(f);
        pf.revents = (int16_t)(r & (want | POLLNVAL));
        if (pf.revents)
            ready++;
        if (mm_copy_out(t->proc, fds + i * 8, &pf, 8) < 0)
            return -EFAULT;
    }
    return ready;
}

/* Something a poller may wait on changed: answer those now ready. */
void poll_wake(void)
{
    for (int i = 0; i < thread_high; i++) {
        struct lthread *w = &threads[i];
        if (w->tid && w->wait == WAIT_SELECT)
            select_wake(w);
        if (!w->tid || w->wait != WAIT_POLL)
            continue;
        long n = poll_scan(w, w->io_buf, w->io_len);
        if (n != 0)
            reply_to(w, n);
    }
}

/* ppoll, with pause-like waiting for a signal when nothing is asked. */
long sys_ppoll(struct lthread *t, const struct sysargs *s)
{
    uint64_t fds = s->a[0], nfds = s->a[1], tmo = s->a[2], mask = s->a[3];
    if (nfds > MAX_POLL)
        return -EINVAL;
    long ready = poll_scan(t, fds, nfds);
    if (ready)
        return ready;
    uint64_t deadline = 0;
    if (tmo) {
        uint64_t ns;
        long err = read_timespec(t, tmo, &ns);
        if (err)
            return err;
        if (!ns)
            return 0;
        deadline = mica_monotonic_ns() + ns;
    }
    if (mask) {
        uint64_t m;
        if (mm_copy_in(t->proc, &m, mask, 8) < 0)
            return -EFAULT;
        t->saved_mask = t->sigmask;
        t->sigmask = m & ~(SIGBIT(9) | SIGBIT(19));
        t->restore_mask = true;
    }
    t->wait = nfds ? WAIT_POLL : WAIT_SIGNAL;
    t->io_buf = fds;
    t->io_len = nfds;
    t->interruptible = true;
    long r = time_wait_until(t, deadline);
    if (r == -ETIMEDOUT)
        return 0;
    return r;
}
