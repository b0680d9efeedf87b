/*
 * Cases: notifications. SIGNAL, WAIT and POLL with badges ORed together,
 * a bound notification ending a RECV, and timers (one-shot, periodic,
 * cancelled) in rdtime ticks.
 */
#include "ktest.h"

/* QEMU's clock is the host's: the cases allow for the host pausing
 * QEMU for a while, and never wait on a signal they might have taken. */
static uint64_t ticks_per_ms(void)
{
    return mica_timebase_freq / 1000;
}

/* Blocks until rdtime has passed deadline, on a timer of its own. */
static void sleep_until(uint64_t deadline)
{
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    EXPECT_EQ(mica_timer_set(n, deadline, 0), 0);
    EXPECT_EQ(mica_wait(n), 1);
    kt_free(n);
}

void ntfn_signal_poll(void)
{
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    long b1 = kt_copy(n, MICA_R_WRITE, 1), b2 = kt_copy(n, MICA_R_WRITE, 2);
    long b4 = kt_copy(n, MICA_R_WRITE, 4);
    EXPECT_EQ(mica_poll(n), 0);
    EXPECT_EQ(mica_signal(b1), 0);
    EXPECT_EQ(mica_signal(b4), 0);
    EXPECT_EQ(mica_signal(b4), 0);
    EXPECT_EQ(mica_poll(n), 5);
    EXPECT_EQ(mica_poll(n), 0);                       /* taken */
    EXPECT_EQ(mica_signal(n), 0);                     /* no badge: bit 0 */
    EXPECT_EQ(mica_poll(n), 1);
    EXPECT_EQ(mica_signal(b2), 0);
    EXPECT_EQ(mica_wait(n), 2);                       /* pending: no blocking */
    long big = kt_copy(n, MICA_R_WRITE, 1ul << 40);
    EXPECT_EQ(mica_signal(big), 0);
    EXPECT_EQ(mica_poll(n), 1l << 40);
    kt_free(big);
    kt_free(b4);
    kt_free(b2);
    kt_free(b1);
    kt_free(n);
}

static void wait_on(uint64_t p)
{
    struct kt_async *a = (struct kt_async *)p;
    a->result = mica_wait(a->slot);
}

void ntfn_wait_blocks(void)
{
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    long b2 = kt_copy(n, MICA_R_WRITE, 2);
    struct kt_async w[2];
    /* One at a time: the queue's order is then w[0], w[1] whatever a
     * timer tick does to the threads' start. */
    for (int i = 0; i < 2; i++) {
        w[i] = (struct kt_async){ .slot = n, .result = 1 };
        kt_thread_start(&w[i].t, wait_on, (uint64_t)&w[i], KT_PRIO, 0);
        kt_settle();
    }
    EXPECT_EQ(w[0].result, 1);
    EXPECT_EQ(mica_signal(b2), 0);                    /* wakes the first waiter only */
    kt_settle();
    EXPECT_EQ(w[0].result, 2);
    EXPECT_EQ(w[1].result, 1);
    EXPECT_EQ(mica_signal(n), 0);
    EXPECT(kt_thread_join(&w[1].t));
    EXPECT_EQ(w[1].result, 1);
    EXPECT_EQ(mica_poll(n), 0);
    for (int i = 0; i < 2; i++)
        kt_thread_stop(&w[i].t);
    kt_free(b2);
    kt_free(n);
}

void ntfn_errors(void)
{
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long empty = slot_alloc();
    long ro = kt_copy(n, MICA_R_READ, 0), wo = kt_copy(n, MICA_R_WRITE, 0);
    EXPECT_EQ(mica_signal(ro), -EACCES);
    EXPECT_EQ(mica_wait(wo), -EACCES);
    EXPECT_EQ(mica_poll(wo), -EACCES);
    EXPECT_EQ(mica_timer_set(ro, 1, 0), -EACCES);
    EXPECT_EQ(mica_signal(ep), -EINVAL);
    EXPECT_EQ(mica_wait(ep), -EINVAL);
    EXPECT_EQ(mica_poll(ep), -EINVAL);
    EXPECT_EQ(mica_timer_set(ep, 1, 0), -EINVAL);
    EXPECT_EQ(mica_signal(empty), -EBADF);
    EXPECT_EQ(mica_wait(empty), -EBADF);
    EXPECT_EQ(mica_poll(0), -EBADF);
    EXPECT_EQ(mica_timer_set(empty, 1, 0), -EBADF);
    EXPECT_EQ(mica_poll(n), 0);                       /* nothing was signalled */
    kt_free(wo);
    kt_free(ro);
    slot_free(empty);
    kt_free(ep);
    kt_free(n);
}

struct bound {
    struct kt_thread t;
    long ep, go;
    volatile long result;
    struct mica_msg m;
};

static void recv_after_go(uint64_t p)
{
    struct bound *b = (struct bound *)p;
    mica_wait(b->go);
    b->result = mica_recv(b->ep, &b->m);
}

/* Starts a thread bound to n that receives on ep when told to. */
static void bound_start(struct bound *b, long ep, long n)
{
    *b = (struct bound){ .ep = ep, .go = kt_new(MICA_OBJ_NOTIFICATION, 0), .result = 1 };
    kt_thread_start(&b->t, recv_after_go, (uint64_t)b, KT_PRIO, 0);
    EXPECT_EQ(mica_thread_bind(b->t.slot, n), 0);
}

static void bound_stop(struct bound *b)
{
    kt_thread_stop(&b->t);
    kt_free(b->go);
}

void ntfn_bound_recv(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    long b4 = kt_copy(n, MICA_R_WRITE, 4), b1 = kt_copy(n, MICA_R_WRITE, 1);
    struct bound b;
    /* Signalled while it waits in RECV. */
    bound_start(&b, ep, n);
    EXPECT_EQ(mica_signal(b.go), 0);
    kt_settle();
    EXPECT_EQ(b.result, 1);
    EXPECT_EQ(mica_signal(b4), 0);
    EXPECT(kt_thread_join(&b.t));
    EXPECT_EQ(b.result, 0);
    EXPECT_EQ(b.m.info, MICA_INFO(MICA_LABEL_NOTIFY, 0, 0, 0));
    EXPECT_EQ(b.m.badge, 4);
    EXPECT_EQ(mica_poll(n), 0);                       /* delivered, not left pending */
    bound_stop(&b);
    /* Signalled before: RECV returns at once. */
    bound_start(&b, ep, n);
    EXPECT_EQ(mica_signal(b1), 0);
    EXPECT_EQ(mica_signal(b4), 0);
    EXPECT_EQ(mica_signal(b.go), 0);
    EXPECT(kt_thread_join(&b.t));
    EXPECT_EQ(b.m.info, MICA_INFO(MICA_LABEL_NOTIFY, 0, 0, 0));
    EXPECT_EQ(b.m.badge, 5);
    bound_stop(&b);
    /* A message still comes as a message. */
    bound_start(&b, ep, n);
    EXPECT_EQ(mica_signal(b.go), 0);
    kt_settle();
    struct mica_msg m = { .info = MICA_INFO(7, 1, 0, 0), .w = { 70 } };
    EXPECT_EQ(mica_send(ep, &m), 0);
    EXPECT(kt_thread_join(&b.t));
    EXPECT_EQ(b.m.info, MICA_INFO(7, 1, 0, 0));
    EXPECT_EQ(b.m.w[0], 70);
    bound_stop(&b);
    /* Unbound: the signal stays in the notification. */
    bound_start(&b, ep, n);
    EXPECT_EQ(mica_thread_bind(b.t.slot, -1), 0);
    EXPECT_EQ(mica_signal(b.go), 0);
    kt_settle();
    EXPECT_EQ(mica_signal(b4), 0);
    kt_settle();
    EXPECT_EQ(b.result, 1);
    EXPECT_EQ(mica_poll(n), 4);
    bound_stop(&b);
    kt_free(b1);
    kt_free(b4);
    kt_free(n);
    kt_free(ep);
}

void timer_oneshot(void)
{
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    uint64_t deadline = mica_time() + 2 * ticks_per_ms();
    EXPECT_EQ(mica_timer_set(n, deadline, 0), 0);
    EXPECT_EQ(mica_wait(n), 1);
    EXPECT(mica_time() >= deadline);
    sleep_until(mica_time() + 3 * ticks_per_ms());
    EXPECT_EQ(mica_poll(n), 0);                       /* once only */
    /* A deadline already passed fires at once. */
    EXPECT_EQ(mica_timer_set(n, 1, 0), 0);
    EXPECT_EQ(mica_poll(n), 1);
    kt_free(n);
}

void timer_periodic(void)
{
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    uint64_t period = ticks_per_ms(), start = mica_time();
    EXPECT_EQ(mica_timer_set(n, start + period, period), 0);
    uint64_t last = start;
    for (int i = 1; i <= 3; i++) {
        EXPECT_EQ(mica_wait(n), 1);
        uint64_t now = mica_time();
        EXPECT(now >= start + (uint64_t)i * period);
        EXPECT(now > last);
        last = now;
    }
    EXPECT_EQ(mica_timer_set(n, 0, 0), 0);            /* cancel */
    /* Periods that would storm or overflow are refused (kfuzz found both). */
    EXPECT_EQ(mica_timer_set(n, 1, 1), -EINVAL);
    EXPECT_EQ(mica_timer_set(n, 1, ~0ull), -EINVAL);
    EXPECT_EQ(mica_timer_set(n, 1, (1ull << 48) + 1), -EINVAL);
    mica_poll(n);                                     /* one may have come meanwhile */
    sleep_until(mica_time() + 3 * period);
    EXPECT_EQ(mica_poll(n), 0);
    kt_free(n);
}

void timer_cancel(void)
{
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    uint64_t now = mica_time();
    EXPECT_EQ(mica_timer_set(n, now + 20 * ticks_per_ms(), 0), 0);
    EXPECT_EQ(mica_timer_set(n, 0, 0), 0);
    /* Re-arming replaces the deadline. */
    long m = kt_new(MICA_OBJ_NOTIFICATION, 0);
    EXPECT_EQ(mica_timer_set(m, now + 1000 * ticks_per_ms(), 0), 0);
    EXPECT_EQ(mica_timer_set(m, now + 1 * ticks_per_ms(), 0), 0);
    EXPECT_EQ(mica_wait(m), 1);
    EXPECT(mica_time() < now + 1000 * ticks_per_ms());
    /* A notification deleted with its timer armed. */
    long d = kt_new(MICA_OBJ_NOTIFICATION, 0);
    EXPECT_EQ(mica_timer_set(d, now + 2 * ticks_per_ms(), ticks_per_ms()), 0);
    kt_free(d);
    sleep_until(now + 25 * ticks_per_ms());
    EXPECT_EQ(mica_poll(n), 0);
    EXPECT_EQ(mica_timer_set(m, 0, 0), 0);
    kt_free(m);
    kt_free(n);
}

void timer_errors(void)
{
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    EXPECT_EQ(mica_timer_set(n, 0, 5), -EINVAL);
    EXPECT_EQ(mica_timer_set(n, 0, 0), 0);            /* cancelling nothing */
    EXPECT_EQ(mica_poll(n), 0);
    kt_free(n);
}

/* RECV on a notification (mica/syscall.h: "ep (or notification)"): the
 * bits come as a message with MICA_LABEL_NOTIFY and the bits as badge. */
void ntfn_recv(void)
{
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    long b2 = kt_copy(n, MICA_R_WRITE, 2);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_nbrecv(n, &m), -EAGAIN);
    EXPECT_EQ(mica_signal(b2), 0);
    EXPECT_EQ(mica_recv(n, &m), 0);
    EXPECT_EQ(m.info, MICA_INFO(MICA_LABEL_NOTIFY, 0, 0, 0));
    EXPECT_EQ(m.badge, 2);
    kt_free(b2);
    kt_free(n);
}
