/*
 * Threads and futexes: clone of a thread (CLONE_VM), a thread's exit with
 * its clear-child-tid wake and robust-list processing, and futex wait,
 * wake and requeue. A futex is keyed by (process, address): futexes in
 * memory shared between processes are not matched across them.
 */
#include "posix.h"

#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/string.h"
#include "mica/sys.h"

#define CLONE_VM             0x00000100
#define CLONE_THREAD         0x00010000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_ANY 0xffffffffu
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
#define ROBUST_LIMIT 2048

long thread_clone(struct lthread *t, const struct sysargs *s)
{
    uint64_t flags = s->a[0], stack = s->a[1], ptid = s->a[2], tls = s->a[3], ctid = s->a[4];
    struct lproc *p = t->proc;
    if ((flags & (CLONE_VM | CLONE_THREAD)) != (CLONE_VM | CLONE_THREAD))
        return -EINVAL;          /* a shared address space without a shared process */
    struct lthread *n = thread_new(p);
    if (!n)
        return -EAGAIN;
    static struct mica_regs r;
    long err = mica_thread_read_regs(t->kthread, &r, MICA_REGS_FP);
    if (!err) {
        r.pc += 4;
        r.x[10 - 1] = 0;                  /* a0 */
        if (stack)
            r.x[2 - 1] = stack;           /* sp */
        if (flags & CLONE_SETTLS)
            r.x[4 - 1] = tls;             /* tp */
        err = mica_thread_write_regs(n->kthread, &r, MICA_REGS_FP);
    }
    int32_t tid = n->tid;
    if (!err && (flags & CLONE_PARENT_SETTID) && mm_copy_out(p, ptid, &tid, 4) < 0)
        err = -EFAULT;
    if (!err && (flags & CLONE_CHILD_SETTID) && mm_copy_out(p, ctid, &tid, 4) < 0)
        err = -EFAULT;
    if (err) {
        thread_free(n);
        return err;
    }
    if (flags & CLONE_CHILD_CLEARTID)
        n->clear_child_tid = ctid;
    n->sigmask = t->sigmask;
    mica_thread_resume(n->kthread);
    return tid;
}

static bool waits_on(const struct lthread *w, const struct lproc *p, uint64_t addr)
{
    return w->tid && w->proc == p && w->wait == WAIT_FUTEX && w->wait_addr == addr;
}

/* Wakes up to n waiters of (p, addr) whose bitset meets bits. */
static long wake(struct lproc *p, uint64_t addr, long n, uint32_t bits)
{
    long woken = 0;
    for_each_thread(w, p) {
        if (woken == n)
            break;
        if (waits_on(w, p, addr) && (w->futex_bits & bits)) {
            reply_to(w, 0);      /* a freed w ends the walk: unlinking clears sibling */
            woken++;
        }
    }
    return woken;
}

/* Robust list: head = { next, futex_offset, list_op_pending }. Each
 * futex t still owns is marked FUTEX_OWNER_DIED and passed on. */
static void robust_exit(struct lthread *t)
{
    struct lproc *p = t->proc;
    uint64_t head[3];
    if (!t->robust_head || mm_copy_in(p, head, t->robust_head, sizeof head) < 0)
        return;
    uint64_t entry = head[0];
    for (int n = 0; entry && entry != t->robust_head && n < ROBUST_LIMIT; n++) {
        uint64_t word = entry + head[1];
        uint32_t v;
        if (mm_copy_in(p, &v, word, 4) < 0)
            break;
        if ((v & FUTEX_TID_MASK) == (uint32_t)t->tid) {
            v = (v & ~FUTEX_TID_MASK) | FUTEX_OWNER_DIED;
            mm_copy_out(p, word, &v, 4);
            /* A PI mutex goes straight to its next owner. */
            if (!futex_pi_handover(p, word, FUTEX_OWNER_DIED))
                wake(p, word, 1, FUTEX_BITSET_ANY);
        }
        if (mm_copy_in(p, &entry, entry, 8) < 0)
            break;
    }
}

/* The thread t ends: its clear-child-tid, robust list and PI locks are
 * handled, in Linux's order. */
void thread_exit_cleanup(struct lthread *t)
{
    struct lproc *p = t->proc;
    if (t->clear_child_tid) {
        int32_t zero = 0;
        if (mm_copy_out(p, t->clear_child_tid, &zero, 4) == 4)
            wake(p, t->clear_child_tid, 1, FUTEX_BITSET_ANY);
    }
    robust_exit(t);
    futex_pi_owner_exit(t);
}

long sys_set_robust_list(struct lthread *t, const struct sysargs *s)
{
    if (s->a[1] != 24)
        return -EINVAL;
    t->robust_head = s->a[0];
    return 0;
}

long sys_get_robust_list(struct lthread *t, const struct sysargs *s)
{
    struct lthread *w = s->a[0] ? thread_by_tid((int)s->a[0]) : t;
    if (!w || w->proc != t->proc)
        return -ESRCH;
    uint64_t len = 24;
    if (mm_copy_out(t->proc, s->a[1], &w->robust_head, 8) < 0 ||
        mm_copy_out(t->proc, s->a[2], &len, 8) < 0)
        return -EFAULT;
    return 0;
}

static long futex_wait(struct lthread *t, uint64_t addr, uint32_t val, uint64_t timeout,
                       uint32_t bits, bool absolute, bool realtime)
{
    uint32_t cur;
    if (addr & 3)
        return -EINVAL;
    if (!bits)
        return -EINVAL;
    if (mm_copy_in(t->proc, &cur, addr, 4) < 0)
        return -EFAULT;
    if (cur != val)
        return -EAGAIN;
    uint64_t deadline = 0;
    if (timeout) {
        int64_t ts[2];
        if (mm_copy_in(t->proc, ts, timeout, sizeof ts) < 0)
            return -EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -EINVAL;
        int64_t ns = ts[0] * 1000000000 + ts[1];
        if (absolute && realtime)
            ns -= mica_realtime_offset_ns;
        deadline = absolute ? (ns > 0 ? (uint64_t)ns : 1) : mica_monotonic_ns() + (uint64_t)ns;
    }
    t->wait = WAIT_FUTEX;
    t->wait_addr = addr;
    t->futex_bits = bits;
    t->interruptible = true;
    return time_wait_until(t, deadline);
}

/* Moves up to n waiters of addr to addr2 (they stay asleep). */
static long requeue(struct lproc *p, uint64_t addr, uint64_t addr2, long n)
{
    long moved = 0;
    for_each_thread(w, p) {
        if (moved == n)
            break;
        if (waits_on(w, p, addr) && w->futex_bits) {      /* not PI waiters */
            w->wait_addr = addr2;
            moved++;
        }
    }
    return moved;
}

long sys_futex(struct lthread *t, const struct sysargs *s)
{
    uint64_t addr = s->a[0], val = s->a[2], arg = s->a[3], addr2 = s->a[4], val3 = s->a[5];
    int op = (int)s->a[1] & ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME);
    bool realtime = s->a[1] & FUTEX_CLOCK_REALTIME;
    struct lproc *p = t->proc;
    switch (op) {
    case FUTEX_WAIT:
        return futex_wait(t, addr, (uint32_t)val, arg, FUTEX_BITSET_ANY, false, false);
    case FUTEX_WAIT_BITSET:
        return futex_wait(t, addr, (uint32_t)val, arg, (uint32_t)val3, true, realtime);
    case FUTEX_WAKE:
        return wake(p, addr, (long)(uint32_t)val, FUTEX_BITSET_ANY);
    case FUTEX_WAKE_BITSET:
        return val3 ? wake(p, addr, (long)(uint32_t)val, (uint32_t)val3) : -EINVAL;
    case FUTEX_CMP_REQUEUE: {
        uint32_t cur;
        if (mm_copy_in(p, &cur, addr, 4) < 0)
            return -EFAULT;
        if (cur != (uint32_t)val3)
            return -EAGAIN;
    }
        /* fall through */
    case FUTEX_REQUEUE: {
        long woken = wake(p, addr, (long)(uint32_t)val, FUTEX_BITSET_ANY);
        return woken + requeue(p, addr, addr2, (long)(uint32_t)arg);
    }
    case 6: case 7: case 8: case 13:      /* LOCK_PI, UNLOCK_PI, TRYLOCK_PI, LOCK_PI2 */
        return futex_pi(t, op, addr, arg, realtime);
    default:
        return -ENOSYS;
    }
}
