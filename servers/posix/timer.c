/*
 * Interval and POSIX timers: setitimer/getitimer (ITIMER_REAL sends
 * SIGALRM) and timer_create/settime/gettime/getoverrun/delete with
 * SIGEV_SIGNAL, SIGEV_THREAD_ID and SIGEV_NONE. All of them are deadlines
 * on the monotonic clock, served by time.c's kernel timer.
 */
#include "posix.h"

#include "mica/runtime.h"
#include "mica/string.h"

#define NS 1000000000ull
#define ITIMER_REAL 0
#define SIGALRM 14
#define SIGEV_SIGNAL 0
#define SIGEV_NONE 1
#define SIGEV_THREAD_ID 4
#define TIMER_ABSTIME 1
#define SI_TIMER (-2)
#define SI_KERNEL 0x80

static uint64_t now(void)
{
    return mica_monotonic_ns();
}

/* The earliest deadline of any timer, 0 if none. */
uint64_t timers_next(void)
{
    uint64_t first = 0;
    for (int i = 0; i < proc_high; i++) {
        struct lproc *p = &procs[i];
        if (!p->pid || p->zombie)
            continue;
        for (int k = 0; k < MAX_TIMERS; k++) {
            uint64_t d = p->timers[k].deadline;
            if (p->timers[k].used && d && (!first || d < first))
                first = d;
        }
    }
    return first;
}

static void fire(struct lproc *p, struct ptimer *tm, uint64_t t)
{
    if (tm->interval) {
        uint64_t missed = (t - tm->deadline) / tm->interval;
        tm->overrun = (int)(missed > 0x7fffffff ? 0x7fffffff : missed);
        tm->deadline += (missed + 1) * tm->interval;
    } else {
        tm->deadline = 0;
    }
    if (tm->notify == SIGEV_NONE)
        return;
    struct lthread *target = tm->notify == SIGEV_THREAD_ID ? thread_by_tid(tm->tid) : NULL;
    if (target && target->proc != p)
        target = NULL;
    p->sig_value[tm->signo] = tm->value;
    p->sig_timer[tm->signo] = tm->id;
    signal_send(p, target, tm->signo, tm == &p->timers[0] ? SI_KERNEL : SI_TIMER, 0);
}

void timers_expire(void)
{
    uint64_t t = now();
    for (int i = 0; i < proc_high; i++) {
        struct lproc *p = &procs[i];
        for (int k = 0; k < MAX_TIMERS && p->pid && !p->zombie; k++) {
            struct ptimer *tm = &p->timers[k];
            if (tm->used && tm->deadline && tm->deadline <= t)
                fire(p, tm, t);
        }
    }
}

static void to_timespec(uint64_t ns, int64_t out[2])
{
    out[0] = (int64_t)(ns / NS);
    out[1] = (int64_t)(ns % NS);
}

/* A timer's state as {interval, value} timespecs. */
static void get(const struct ptimer *tm, int64_t its[4])
{
    uint64_t t = now();
    to_timespec(tm->interval, its);
    to_timespec(tm->deadline > t ? tm->deadline - t : tm->deadline ? 1 : 0, its + 2);
}

static long read_its(struct lthread *t, uint64_t addr, int64_t its[4])
{
    if (mm_copy_in(t->proc, its, addr, 4 * sizeof its[0]) < 0)
        return -EFAULT;
    for (int i = 0; i < 4; i += 2)
        if (its[i] < 0 || its[i + 1] < 0 || its[i + 1] >= (int64_t)NS)
            return -EINVAL;
    return 0;
}

static void arm(struct ptimer *tm, const int64_t its[4], bool absolute, int clock)
{
    uint64_t value = (uint64_t)its[2] * NS + (uint64_t)its[3];
    tm->interval = (uint64_t)its[0] * NS + (uint64_t)its[1];
    if (!value) {
        tm->deadline = 0;
    } else if (absolute) {
        int64_t mono = clock == 0 ? (int64_t)value - mica_realtime_offset_ns : (int64_t)value;
        tm->deadline = mono > 0 ? (uint64_t)mono : 1;
    } else {
        tm->deadline = now() + value;
    }
    tm->overrun = 0;
    time_rearm();
}

/* ITIMER_REAL is timers[0]; itimerval uses timevals (microseconds). */
long sys_setitimer(struct lthread *t, const struct sysargs *s)
{
    if (s->a[0] != ITIMER_REAL)
        return s->a[0] > 2 ? -EINVAL : -EOPNOTSUPP;
    struct ptimer *tm = &t->proc->timers[0];
    int64_t tv[4], its[4];
    if (s->a[2]) {
        get(tm, its);
        int64_t old[4] = { its[0], its[1] / 1000, its[2], its[3] / 1000 };
        if (mm_copy_out(t->proc, s->a[2], old, sizeof old) < 0)
            return -EFAULT;
    }
    if (!s->a[1])
        return 0;
    if (mm_copy_in(t->proc, tv, s->a[1], sizeof tv) < 0)
        return -EFAULT;
    if (tv[1] < 0 || tv[1] >= 1000000 || tv[3] < 0 || tv[3] >= 1000000 || tv[0] < 0 || tv[2] < 0)
        return -EINVAL;
    int64_t n[4] = { tv[0], tv[1] * 1000, tv[2], tv[3] * 1000 };
    tm->used = true;
    tm->notify = SIGEV_SIGNAL;
    tm->signo = SIGALRM;
    arm(tm, n, false, 1);
    return 0;
}

long sys_getitimer(struct lthread *t, const struct sysargs *s)
{
    if (s->a[0] > 2)
        return -EINVAL;
    int64_t its[4] = { 0 };
    if (s->a[0] == ITIMER_REAL)
        get(&t->proc->timers[0], its);
    int64_t tv[4] = { its[0], its[1] / 1000, its[2], its[3] / 1000 };
    return mm_copy_out(t->proc, s->a[1], tv, sizeof tv) < 0 ? -EFAULT : 0;
}

long sys_timer_create(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = t->proc;
    int clock = (int)s->a[0];
    if (clock != 0 && clock != 1 && clock != 7)
        return -EINVAL;
    /* struct sigevent: value, signo, notify, tid */
    struct { uint64_t value; int32_t signo, notify, tid; } ev = { 0, SIGALRM, SIGEV_SIGNAL, 0 };
    if (s->a[1] && mm_copy_in(p, &ev, s->a[1], sizeof ev) < 0)
        return -EFAULT;
    if (ev.notify != SIGEV_SIGNAL && ev.notify != SIGEV_NONE && ev.notify != SIGEV_THREAD_ID)
        return -EINVAL;
    if (ev.notify != SIGEV_NONE && (ev.signo < 1 || ev.signo >= NSIG))
        return -EINVAL;
    if (ev.notify == SIGEV_THREAD_ID && (!thread_by_tid(ev.tid) || thread_by_tid(ev.tid)->proc != p))
        return -EINVAL;
    for (int k = 1; k < MAX_TIMERS; k++) {
        struct ptimer *tm = &p->timers[k];
        if (tm->used)
            continue;
        *tm = (struct ptimer){ .used = true, .id = k, .clock = clock, .notify = ev.notify,
                               .signo = ev.signo, .tid = ev.tid, .value = ev.value };
        if (!s->a[1])
            tm->value = (uint64_t)k;
        int32_t id = k;
        if (mm_copy_out(p, s->a[2], &id, sizeof id) < 0) {
            tm->used = false;
            return -EFAULT;
        }
        return 0;
    }
    return -EAGAIN;
}

static struct ptimer *timer_arg(struct lthread *t, uint64_t id)
{
    if (id == 0 || id >= MAX_TIMERS || !t->proc->timers[id].used)
        return NULL;
    return &t->proc->timers[id];
}

long sys_timer_settime(struct lthread *t, const struct sysargs *s)
{
    struct ptimer *tm = timer_arg(t, s->a[0]);
    int64_t its[4], old[4];
    if (!tm)
        return -EINVAL;
    long err = read_its(t, s->a[2], its);
    if (err)
        return err;
    if (s->a[3]) {
        get(tm, old);
        if (mm_copy_out(t->proc, s->a[3], old, sizeof old) < 0)
            return -EFAULT;
    }
    arm(tm, its, (s->a[1] & TIMER_ABSTIME) != 0, tm->clock);
    return 0;
}

long sys_timer_gettime(struct lthread *t, const struct sysargs *s)
{
    struct ptimer *tm = timer_arg(t, s->a[0]);
    int64_t its[4];
    if (!tm)
        return -EINVAL;
    get(tm, its);
    return mm_copy_out(t->proc, s->a[1], its, sizeof its) < 0 ? -EFAULT : 0;
}

long sys_timer_getoverrun(struct lthread *t, const struct sysargs *s)
{
    struct ptimer *tm = timer_arg(t, s->a[0]);
    return tm ? tm->overrun : -EINVAL;
}

long sys_timer_delete(struct lthread *t, const struct sysargs *s)
{
    struct ptimer *tm = timer_arg(t, s->a[0]);
    if (!tm)
        return -EINVAL;
    tm->used = false;
    tm->deadline = 0;
    time_rearm();
    return 0;
}
