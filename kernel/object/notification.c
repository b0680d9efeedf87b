/*
 * Notifications and their timers (see notification.h).
 */
#include "object/notification.h"

#include "object/irq.h"

#include "object/budget.h"
#include "object/thread.h"
#include "panic.h"
#include "sched.h"
#include "timer.h"
#include "mica/errno.h"

static struct notification *timers;   /* armed, earliest first */

size_t notification_hdr_offset(void)
{
    return offsetof(struct notification, hdr);
}

struct notification *notification_create(struct budget *b)
{
    return object_alloc(b, MICA_OBJ_NOTIFICATION, sizeof(struct notification),
                        offsetof(struct notification, hdr));
}

/* The bound thread waits in RECV on an endpoint: the signal ends its wait. */
static bool wake_bound_receiver(struct notification *n, uint64_t bits)
{
    struct thread *t = n->bound;
    if (!t || t->state != THREAD_BLOCKED_RECV)
        return false;
    struct endpoint *ep = endpoint_of(t->blocked_on);
    tqueue_remove(&ep->receivers, t);
    t->blocked_on = NULL;
    object_put(&ep->hdr);
    t->ctx.regs[REG_A1] = MICA_INFO(MICA_LABEL_NOTIFY, 0, 0, 0);
    t->ctx.regs[REG_A6] = bits;
    thread_wake(t, 0);
    return true;
}

void notification_signal(struct notification *n, uint64_t bits)
{
    struct thread *w = n->waiters.head;
    if (w) {
        tqueue_remove(&n->waiters, w);
        w->blocked_on = NULL;
        object_put(&n->hdr);
        uint64_t all = n->word | bits;
        n->word = 0;
        if (w->ntfn_as_message) {
            /* It waits in RECV: the bits come as the badge of a message. */
            w->ntfn_as_message = false;
            w->ctx.regs[REG_A1] = MICA_INFO(MICA_LABEL_NOTIFY, 0, 0, 0);
            w->ctx.regs[REG_A6] = all;
            thread_wake(w, 0);
            return;
        }
        thread_wake(w, (long)all);
        return;
    }
    if (wake_bound_receiver(n, n->word | bits)) {
        n->word = 0;
        return;
    }
    n->word |= bits;
}

long notification_wait(struct notification *n, struct thread *t, bool nonblocking)
{
    if (n->word || nonblocking)
        return (long)notification_take(n);
    if (t->state == THREAD_RUNNABLE)
        sched_remove(t);
    t->state = THREAD_BLOCKED_NTFN;
    t->blocked_on = &n->hdr;
    object_get(&n->hdr);
    tqueue_push(&n->waiters, t);
    return 0;
}

uint64_t notification_take(struct notification *n)
{
    uint64_t w = n->word;
    n->word = 0;
    return w;
}

void notification_bind(struct notification *n, struct thread *t)
{
    n->bound = t;
    t->bound = n;
    object_get(&n->hdr);
}

void notification_unbind(struct thread *t)
{
    struct notification *n = t->bound;
    if (!n)
        return;
    n->bound = NULL;
    t->bound = NULL;
    object_put(&n->hdr);
}

static void timer_remove(struct notification *n)
{
    for (struct notification **pp = &timers; *pp; pp = &(*pp)->timer_next) {
        if (*pp == n) {
            *pp = n->timer_next;
            break;
        }
    }
    n->timer_next = NULL;
}

static void timer_insert(struct notification *n)
{
    struct notification **pp = &timers;
    while (*pp && (*pp)->deadline <= n->deadline)
        pp = &(*pp)->timer_next;
    n->timer_next = *pp;
    *pp = n;
}

void notification_set_timer(struct notification *n, uint64_t deadline, uint64_t period,
                            uint64_t bits)
{
    n->timer_bits = bits;
    if (n->deadline)
        timer_remove(n);
    n->deadline = deadline;
    n->period = deadline ? period : 0;
    if (deadline)
        timer_insert(n);
    timer_reprogram();
}

uint64_t notification_timers_run(uint64_t now)
{
    while (timers && timers->deadline <= now) {
        struct notification *n = timers;
        timers = n->timer_next;
        n->timer_next = NULL;
        if (n->period) {
            /* Periodic: the next deadline after now, missed ones skipped. */
            n->deadline += n->period * ((now - n->deadline) / n->period + 1);
            timer_insert(n);
        } else {
            n->deadline = 0;
        }
        notification_signal(n, n->timer_bits ? n->timer_bits : 1);
    }
    return timers ? timers->deadline : 0;
}

/* The last capability is gone: nobody can signal or wait here again. */
void notification_retire(struct object *o)
{
    struct notification *n = notification_of(o);
    if (n->deadline)
        timer_remove(n);
    n->deadline = 0;
    while (n->waiters.head) {
        struct thread *w = n->waiters.head;
        tqueue_remove(&n->waiters, w);
        w->blocked_on = NULL;
        object_put(&n->hdr);
        thread_wake(w, -EPEERDIED);
    }
    if (n->bound)
        notification_unbind(n->bound);
    irq_drop_notification(n);    /* last: it may drop the last reference */
}

void notification_release(struct object *o)
{
    (void)o;
}
