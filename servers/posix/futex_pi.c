/*
 * Priority-inheritance futexes (FUTEX_LOCK_PI, LOCK_PI2, TRYLOCK_PI,
 * UNLOCK_PI), as musl's PTHREAD_PRIO_INHERIT mutexes use them. The futex
 * word holds the owner's tid, FUTEX_WAITERS while someone waits and
 * FUTEX_OWNER_DIED after a robust owner died; posix hands the lock
 * directly to the first waiter on unlock (or on a robust owner's death),
 * writing that waiter's tid into the word. Every thread has the same
 * priority here, so there is no priority to lend. A PI waiter is a
 * WAIT_FUTEX wait with an empty bitset, which no plain wake matches.
 */
#include "posix.h"

#include "mica/runtime.h"

#define FUTEX_LOCK_PI     6
#define FUTEX_UNLOCK_PI   7
#define FUTEX_TRYLOCK_PI  8
#define FUTEX_LOCK_PI2    13
#define FUTEX_WAITERS     0x80000000u
#define FUTEX_OWNER_DIED  0x40000000u
#define FUTEX_TID_MASK    0x3fffffffu

static bool pi_waits_on(const struct lthread *w, const struct lproc *p, uint64_t addr)
{
    return w->tid && w->proc == p && w->wait == WAIT_FUTEX && w->wait_addr == addr &&
           w->futex_bits == 0;
}

/* The first PI waiter of addr other than skip, or NULL. */
static struct lthread *pi_waiter(struct lproc *p, uint64_t addr, const struct lthread *skip)
{
    for_each_thread(w, p)
        if (w != skip && pi_waits_on(w, p, addr))
            return w;
    return NULL;
}

/* Makes w the owner of addr (its waiters told in the word). */
static bool give(struct lproc *p, uint64_t addr, struct lthread *w, uint32_t died)
{
    uint32_t v = (uint32_t)w->tid | died;
    for_each_thread(o, p)
        if (o != w && pi_waits_on(o, p, addr)) {
            o->pi_owner = w->tid;
            v |= FUTEX_WAITERS;
        }
    if (mm_copy_out(p, addr, &v, 4) < 0)
        return false;
    reply_to(w, 0);
    return true;
}

bool futex_pi_handover(struct lproc *p, uint64_t addr, uint32_t died)
{
    struct lthread *w = pi_waiter(p, addr, NULL);
    return w && give(p, addr, w, died);
}

void futex_pi_owner_exit(struct lthread *t)
{
    struct lproc *p = t->proc;
    for (bool again = true; again; ) {
        again = false;
        for_each_thread(w, p) {
            if (w == t || !pi_waits_on(w, p, w->wait_addr) || w->pi_owner != t->tid)
                continue;
            /* Linux keeps a death the owner's robust list marked. */
            uint32_t v = 0;
            mm_copy_in(p, &v, w->wait_addr, 4);
            give(p, w->wait_addr, w, v & FUTEX_OWNER_DIED);
            again = true;                /* the list changed under the walk */
            break;
        }
    }
}

static long lock_pi(struct lthread *t, uint64_t addr, uint64_t timeout, bool realtime, bool try)
{
    struct lproc *p = t->proc;
    uint32_t v;
    if (addr & 3)
        return -EINVAL;
    if (mm_copy_in(p, &v, addr, 4) < 0)
        return -EFAULT;
    uint32_t owner = v & FUTEX_TID_MASK;
    if (owner == 0) {
        /* Free, or its owner died: it is ours, the death still shown. */
        v = (uint32_t)t->tid | (v & FUTEX_OWNER_DIED) |
            (pi_waiter(p, addr, NULL) ? FUTEX_WAITERS : 0);
        return mm_copy_out(p, addr, &v, 4) < 0 ? -EFAULT : 0;
    }
    if (owner == (uint32_t)t->tid)
        return -EDEADLK;
    struct lthread *o = thread_by_tid((int)owner);
    if (!o)
        return -ESRCH;            /* an owner that ended without a robust list */
    if (try)
        return -EAGAIN;
    uint64_t deadline = 0;
    if (timeout) {
        int64_t ts[2];
        if (mm_copy_in(p, ts, timeout, sizeof ts) < 0)
            return -EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -EINVAL;
        int64_t ns = ts[0] * 1000000000 + ts[1];
        if (realtime)
            ns -= mica_realtime_offset_ns;
        deadline = ns > 0 ? (uint64_t)ns : 1;
    }
    v |= FUTEX_WAITERS;
    if (mm_copy_out(p, addr, &v, 4) < 0)
        return -EFAULT;
    t->wait = WAIT_FUTEX;
    t->wait_addr = addr;
    t->futex_bits = 0;
    t->pi_owner = (int)owner;
    t->interruptible = false;     /* like Linux: a signal does not end it */
    return time_wait_until(t, deadline);
}

static long unlock_pi(struct lthread *t, uint64_t addr)
{
    struct lproc *p = t->proc;
    uint32_t v;
    if (addr & 3)
        return -EINVAL;
    if (mm_copy_in(p, &v, addr, 4) < 0)
        return -EFAULT;
    if ((v & FUTEX_TID_MASK) != (uint32_t)t->tid)
        return -EPERM;
    if (futex_pi_handover(p, addr, 0))
        return 0;
    v = 0;
    return mm_copy_out(p, addr, &v, 4) < 0 ? -EFAULT : 0;
}

long futex_pi(struct lthread *t, int op, uint64_t addr, uint64_t timeout, bool realtime)
{
    switch (op) {
    case FUTEX_LOCK_PI:
        return lock_pi(t, addr, timeout, true, false);
    case FUTEX_LOCK_PI2:
        return lock_pi(t, addr, timeout, realtime, false);
    case FUTEX_TRYLOCK_PI:
        return lock_pi(t, addr, 0, false, true);
    case FUTEX_UNLOCK_PI:
        return unlock_pi(t, addr);
    default:
        return -ENOSYS;
    }
}
