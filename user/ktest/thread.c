/*
 * Cases: threads. CONFIGURE, START, SUSPEND and RESUME, the registers
 * (integer and FP), notification binding, priorities, and the lazy FPU
 * keeping each thread's FP registers across switches.
 */
#include "ktest.h"

#define X(n) ((n) - 1)              /* struct mica_regs x[] index of register xn */
#define A0 X(10)
#define A7 X(17)
#define SP X(2)

static inline uint64_t read_fcsr(void)
{
    uint64_t v;
    __asm__ volatile(".option push\n.option arch, +d\nfrcsr %0\n.option pop" : "=r"(v));
    return v;
}

static void wait_on(uint64_t p)
{
    struct kt_async *a = (struct kt_async *)p;
    a->result = mica_wait(a->slot);
}

static volatile uint64_t regs_seen;
static long regs_slot;

static void regs_target(uint64_t a0)
{
    regs_seen = a0;
    for (;;)
        mica_thread_suspend(regs_slot);
}

void thread_start_twice(void)
{
    struct kt_async a = { .slot = kt_new(MICA_OBJ_NOTIFICATION, 0), .result = 1 };
    kt_thread_start(&a.t, wait_on, (uint64_t)&a, KT_PRIO, 0);
    EXPECT_EQ(mica_thread_start(a.t.slot, (uint64_t)wait_on, MICA_STACK_TOP, 0), -EBUSY);
    kt_settle();                                  /* now blocked */
    EXPECT_EQ(mica_thread_start(a.t.slot, (uint64_t)wait_on, MICA_STACK_TOP, 0), -EBUSY);
    EXPECT_EQ(mica_signal(a.slot), 0);
    EXPECT(kt_thread_join(&a.t));
    EXPECT_EQ(a.result, 1);
    /* Stopped (it suspended itself), it can be started afresh. */
    struct mica_regs r;
    EXPECT_EQ(mica_thread_read_regs(a.t.slot, &r, 0), 0);
    regs_slot = a.t.slot;
    regs_seen = 0;
    EXPECT_EQ(mica_thread_start(a.t.slot, (uint64_t)regs_target, r.x[X(2)], 77), 0);
    kt_settle();
    EXPECT_EQ(regs_seen, 77);
    kt_thread_stop(&a.t);
    kt_free(a.slot);
}

static long spin_block;              /* a notification nobody signals */

static void time_spinner(uint64_t n)
{
    for (volatile uint64_t i = 0; i < n; i++)
        ;
    for (;;)
        mica_wait(spin_block);
}

/* THREAD_TIME counts a thread's own user-mode time, not others'. */
void thread_time_counts_user_time(void)
{
    struct kt_thread t;
    spin_block = kt_new(MICA_OBJ_NOTIFICATION, 0);
    EXPECT_EQ(kt_thread_start(&t, time_spinner, 0, KT_PRIO, 0), 0);
    kt_settle();
    long idle = mica_thread_time(t.slot);
    EXPECT(idle >= 0);
    long before = mica_thread_time(MICA_SLOT_THREAD);
    for (volatile int i = 0; i < 2000000; i++)
        ;
    EXPECT(mica_thread_time(MICA_SLOT_THREAD) > before);
    EXPECT_EQ(mica_thread_time(t.slot), idle);    /* blocked: no time of its own */
    kt_thread_stop(&t);
    EXPECT_EQ(kt_thread_start(&t, time_spinner, 2000000, KT_PRIO, 0), 0);
    kt_settle();
    EXPECT(mica_thread_time(t.slot) > idle);
    kt_thread_stop(&t);
    EXPECT(mica_thread_time(spin_block) < 0);     /* not a thread */
    EXPECT(mica_thread_time(4095) < 0);           /* an empty slot */
    kt_free(spin_block);
}

static void delete_own_cap(uint64_t p)
{
    const struct kt_thread *t = (const struct kt_thread *)p;
    mica_cap_delete(t->slot);
}

/* A thread deletes the last capability to itself: it is gone at once. */
void thread_delete_self(void)
{
    struct kt_thread t;
    kt_thread_start(&t, delete_own_cap, (uint64_t)&t, KT_PRIO, 0);
    kt_settle();
    EXPECT(!t.done);
    EXPECT_EQ(mica_cap_info(t.slot), -EBADF);
    kt_thread_stop(&t);
}

void thread_configure_errors(void)
{
    long t = kt_new(MICA_OBJ_THREAD, MICA_SLOT_SELF);
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long empty = slot_alloc();
    /* Above the caller's own: see thread_priority. */
    EXPECT_EQ(mica_thread_configure(t, 0, 256, NULL), -EPERM);
    EXPECT_EQ(mica_thread_configure(t, 0, ~0u, NULL), -EPERM);
    EXPECT_EQ(mica_thread_configure(t, 0, KT_PRIO, "a name longer than sixteen bytes"), 0);
    EXPECT_EQ(mica_thread_configure(t, 0, 0, "low"), 0);
    /* The IPC buffer frame: not a frame, empty, not writable. */
    EXPECT_EQ(mica_thread_configure(t, ep, KT_PRIO, NULL), -EINVAL);
    EXPECT_EQ(mica_thread_configure(t, empty, KT_PRIO, NULL), -EBADF);
    EXPECT_EQ(mica_thread_configure(t, MICA_SLOT_ARCHIVE, KT_PRIO, NULL), -EACCES);
    long ro = kt_copy(MICA_SLOT_IPC_BUFFER, MICA_R_READ, 0);
    EXPECT_EQ(mica_thread_configure(t, ro, KT_PRIO, NULL), -EACCES);
    /* The thread: empty, not a thread, no write right. */
    EXPECT_EQ(mica_thread_configure(empty, 0, KT_PRIO, NULL), -EBADF);
    EXPECT_EQ(mica_thread_configure(ep, 0, KT_PRIO, NULL), -EINVAL);
    long t_ro = kt_copy(t, MICA_R_READ, 0);
    struct mica_regs r;
    EXPECT_EQ(mica_thread_configure(t_ro, 0, KT_PRIO, NULL), -EACCES);
    EXPECT_EQ(mica_thread_start(t_ro, (uint64_t)wait_on, MICA_STACK_TOP, 0), -EACCES);
    EXPECT_EQ(mica_thread_suspend(t_ro), -EACCES);
    EXPECT_EQ(mica_thread_resume(t_ro), -EACCES);
    EXPECT_EQ(mica_thread_read_regs(t_ro, &r, 0), -EACCES);
    EXPECT_EQ(mica_thread_write_regs(t_ro, &r, 0), -EACCES);
    EXPECT_EQ(mica_thread_set_fault(t_ro, -1), -EACCES);
    EXPECT_EQ(mica_thread_bind(t_ro, -1), -EACCES);
    kt_free(t_ro);
    kt_free(ro);
    slot_free(empty);
    kt_free(ep);
    kt_free(t);
}

void thread_start_errors(void)
{
    long t = kt_new(MICA_OBJ_THREAD, MICA_SLOT_SELF);
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long empty = slot_alloc();
    EXPECT_EQ(mica_thread_start(t, KT_TOO_HIGH, MICA_STACK_TOP, 0), -EINVAL);
    EXPECT_EQ(mica_thread_start(empty, (uint64_t)wait_on, MICA_STACK_TOP, 0), -EBADF);
    EXPECT_EQ(mica_thread_start(ep, (uint64_t)wait_on, MICA_STACK_TOP, 0), -EINVAL);
    /* A thread that was never started cannot be resumed into running. */
    EXPECT_EQ(mica_thread_resume(t), 0);
    EXPECT_EQ(mica_thread_suspend(t), 0);
    slot_free(empty);
    kt_free(ep);
    kt_free(t);
}

static volatile unsigned long spins;

static void spinner(uint64_t arg)
{
    (void)arg;
    for (;;) {
        spins++;
        mica_yield();
    }
}

static volatile long self_suspend_result;

static void self_suspender(uint64_t p)
{
    const struct kt_thread *t = (const struct kt_thread *)p;
    self_suspend_result = mica_thread_suspend(t->slot);
}

void thread_suspend_resume(void)
{
    struct kt_thread t;
    spins = 0;
    kt_thread_start(&t, spinner, 0, KT_PRIO, 0);
    kt_settle();
    EXPECT(spins > 0);
    EXPECT_EQ(mica_thread_suspend(t.slot), 0);
    unsigned long s = spins;
    kt_settle();
    EXPECT_EQ(spins, s);
    EXPECT_EQ(mica_thread_suspend(t.slot), 0);
    EXPECT_EQ(mica_thread_resume(t.slot), 0);
    kt_settle();
    EXPECT(spins > s);
    EXPECT_EQ(mica_thread_resume(t.slot), 0);        /* running: nothing to do */
    kt_thread_stop(&t);

    /* A thread that suspends itself sees 0 when resumed. */
    self_suspend_result = 1;
    kt_thread_start(&t, self_suspender, (uint64_t)&t, KT_PRIO, 0);
    kt_settle();
    EXPECT_EQ(self_suspend_result, 1);
    EXPECT_EQ(mica_thread_resume(t.slot), 0);
    EXPECT(kt_thread_join(&t));
    EXPECT_EQ(self_suspend_result, 0);
    kt_thread_stop(&t);
}

/* A blocked thread that is suspended leaves the queue; resumed, its call
 * ends with -EINTR. */
void thread_suspend_blocked(void)
{
    struct kt_async w = { .slot = kt_new(MICA_OBJ_NOTIFICATION, 0), .result = 1 };
    kt_thread_start(&w.t, wait_on, (uint64_t)&w, KT_PRIO, 0);
    kt_settle();
    EXPECT_EQ(mica_thread_suspend(w.t.slot), 0);
    EXPECT_EQ(mica_signal(w.slot), 0);
    EXPECT_EQ(mica_poll(w.slot), 1);                  /* nobody waited for it */
    EXPECT_EQ(mica_thread_resume(w.t.slot), 0);
    EXPECT(kt_thread_join(&w.t));
    EXPECT_EQ(w.result, -EINTR);
    kt_thread_stop(&w.t);
    kt_free(w.slot);

    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_async r, c;
    struct mica_msg m = { .info = MICA_INFO(1, 0, 0, 0) };
    kt_async_recv(&r, ep);
    EXPECT_EQ(mica_thread_suspend(r.t.slot), 0);
    EXPECT_EQ(mica_nbsend(ep, &m), -EAGAIN);          /* no longer a receiver */
    EXPECT_EQ(mica_thread_resume(r.t.slot), 0);
    EXPECT(kt_thread_join(&r.t));
    EXPECT_EQ(r.result, -EINTR);
    kt_async_stop(&r);

    kt_async_call(&c, ep, 1, 0, 0);
    EXPECT_EQ(mica_thread_suspend(c.t.slot), 0);
    EXPECT_EQ(mica_nbrecv(ep, &m), -EAGAIN);          /* no longer a sender */
    EXPECT_EQ(mica_thread_resume(c.t.slot), 0);
    EXPECT(kt_thread_join(&c.t));
    EXPECT_EQ(c.result, -EINTR);
    kt_async_stop(&c);
    kt_free(ep);
}

void thread_regs(void)
{
    struct kt_async w = { .slot = kt_new(MICA_OBJ_NOTIFICATION, 0), .result = 1 };
    kt_thread_start(&w.t, wait_on, (uint64_t)&w, KT_PRIO, 0);
    kt_settle();
    EXPECT_EQ(mica_thread_suspend(w.t.slot), 0);
    struct mica_regs r;
    EXPECT_EQ(mica_thread_read_regs(w.t.slot, &r, 0), 0);
    EXPECT_EQ(r.x[A0], -EINTR);                       /* its WAIT's result */
    EXPECT_EQ(r.x[A7], MICA_SYS_WAIT);
    EXPECT(r.x[SP] > KT_THREAD_VA && r.x[SP] < KT_MAP_VA);
    r.pc = (uint64_t)regs_target;
    r.x[A0] = 0x1234;
    EXPECT_EQ(mica_thread_write_regs(w.t.slot, &r, 0), 0);
    struct mica_regs r2;
    EXPECT_EQ(mica_thread_read_regs(w.t.slot, &r2, 0), 0);
    EXPECT_EQ(r2.pc, (uint64_t)regs_target);
    EXPECT_EQ(r2.x[A0], 0x1234);
    regs_slot = w.t.slot;
    regs_seen = 0;
    EXPECT_EQ(mica_thread_resume(w.t.slot), 0);
    kt_settle();
    EXPECT_EQ(regs_seen, 0x1234);
    kt_thread_stop(&w.t);
    kt_free(w.slot);
}

void thread_regs_errors(void)
{
    long t = kt_new(MICA_OBJ_THREAD, MICA_SLOT_SELF);
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long empty = slot_alloc();
    struct mica_regs r = { .pc = (uint64_t)wait_on };
    EXPECT_EQ(mica_thread_write_regs(t, &r, 0), 0);
    EXPECT_EQ(mica_thread_read_regs(t, &r, 2), -EINVAL);
    EXPECT_EQ(mica_thread_write_regs(t, &r, 2), -EINVAL);
    EXPECT_EQ(mica_thread_read_regs(t, &r, ~0u), -EINVAL);
    r.pc = KT_TOO_HIGH;
    EXPECT_EQ(mica_thread_write_regs(t, &r, 0), -EINVAL);
    r.pc = KT_KERNEL_PTR;
    EXPECT_EQ(mica_thread_write_regs(t, &r, MICA_REGS_FP), -EINVAL);
    EXPECT_EQ(mica_thread_read_regs(t, &r, 0), 0);
    EXPECT_EQ(r.pc, (uint64_t)wait_on);               /* unchanged */
    EXPECT_EQ(mica_thread_read_regs(empty, &r, 0), -EBADF);
    EXPECT_EQ(mica_thread_read_regs(ep, &r, 0), -EINVAL);
    EXPECT_EQ(mica_thread_write_regs(ep, &r, 0), -EINVAL);
    slot_free(empty);
    kt_free(ep);
    kt_free(t);
}

struct fp_probe {
    struct kt_thread t;
    long ntfn;
    int set_first;
    volatile uint64_t f0, f31, fcsr;
};

static void fp_probe(uint64_t p)
{
    struct fp_probe *x = (struct fp_probe *)p;
    if (x->set_first)
        kt_fp_set(0xa0a0, 0xb0b0);
    mica_wait(x->ntfn);
    x->f0 = kt_fp_get0();
    x->f31 = kt_fp_get31();
    x->fcsr = read_fcsr();
}

/* Reads a probe's FP registers, writes new ones and checks it sees them. */
static void fp_probe_run(int set_first)
{
    struct fp_probe x = { .ntfn = kt_new(MICA_OBJ_NOTIFICATION, 0), .set_first = set_first };
    kt_thread_start(&x.t, fp_probe, (uint64_t)&x, KT_PRIO, 0);
    kt_settle();
    struct mica_regs r;
    r.f[0] = 1;
    EXPECT_EQ(mica_thread_read_regs(x.t.slot, &r, 0), 0);
    EXPECT_EQ(r.f[0], 1);                             /* without the flag: untouched */
    EXPECT_EQ(mica_thread_read_regs(x.t.slot, &r, MICA_REGS_FP), 0);
    EXPECT_EQ(r.f[0], set_first ? 0xa0a0 : 0);
    EXPECT_EQ(r.f[31], set_first ? 0xb0b0 : 0);
    r.f[0] = 0xc0c0;
    r.f[31] = 0xd0d0;
    r.fcsr = 0x41;                                    /* rounding mode 2, inexact */
    EXPECT_EQ(mica_thread_write_regs(x.t.slot, &r, MICA_REGS_FP), 0);
    EXPECT_EQ(mica_thread_read_regs(x.t.slot, &r, MICA_REGS_FP), 0);
    EXPECT_EQ(r.f[0], 0xc0c0);
    EXPECT_EQ(r.fcsr, 0x41);
    EXPECT_EQ(mica_signal(x.ntfn), 0);
    EXPECT(kt_thread_join(&x.t));
    EXPECT_EQ(x.f0, 0xc0c0);
    EXPECT_EQ(x.f31, 0xd0d0);
    EXPECT_EQ(x.fcsr, 0x41);
    kt_thread_stop(&x.t);
    kt_free(x.ntfn);
}

void thread_regs_fp(void)
{
    fp_probe_run(1);
    fp_probe_run(0);                                  /* a thread that never used the FPU */
}

struct fp_job {
    struct kt_thread t;
    uint64_t a, b;
    volatile int bad;
};

static void fp_worker(uint64_t p)
{
    struct fp_job *j = (struct fp_job *)p;
    j->bad = kt_fp_keeps(j->a, j->b, 300);
}

void thread_fpu_lazy(void)
{
    struct fp_job j[2] = { { .a = 0x1001, .b = 0x1002, .bad = -1 },
                           { .a = 0x2001, .b = 0x2002, .bad = -1 } };
    struct kt_thread spin;
    kt_thread_start(&spin, spinner, 0, KT_PRIO, 0);      /* switches without the FPU */
    for (int i = 0; i < 2; i++)
        kt_thread_start(&j[i].t, fp_worker, (uint64_t)&j[i], KT_PRIO, 0);
    EXPECT_EQ(kt_fp_keeps(0x3001, 0x3002, 300), 0);
    for (int i = 0; i < 2; i++) {
        EXPECT(kt_thread_join(&j[i].t));
        EXPECT_EQ(j[i].bad, 0);
        kt_thread_stop(&j[i].t);
    }
    kt_thread_stop(&spin);
}

/* A process of its own with two FP threads, while one of ours uses it too. */
void thread_fpu_process(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct fp_job j = { .a = 0x4001, .b = 0x4002, .bad = -1 };
    kt_thread_start(&j.t, fp_worker, (uint64_t)&j, KT_PRIO, 0);
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_FPU, 0, 0, 0, ep, 0x77) == 0) {
        struct mica_msg m = { 0 };
        EXPECT_EQ(mica_recv(ep, &m), 0);
        EXPECT_EQ(MICA_INFO_LABEL(m.info), MICA_FAULT_EXIT);
        EXPECT_EQ(m.badge, 0x77);
        EXPECT_EQ(m.w[0], 0);                          /* its failures */
        kt_helper_stop(&h);
    }
    EXPECT(kt_thread_join(&j.t));
    EXPECT_EQ(j.bad, 0);
    kt_thread_stop(&j.t);
    kt_free(ep);
}

void thread_bind_errors(void)
{
    long n1 = kt_new(MICA_OBJ_NOTIFICATION, 0), n2 = kt_new(MICA_OBJ_NOTIFICATION, 0);
    long t1 = kt_new(MICA_OBJ_THREAD, MICA_SLOT_SELF), t2 = kt_new(MICA_OBJ_THREAD, MICA_SLOT_SELF);
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long empty = slot_alloc();
    EXPECT_EQ(mica_thread_bind(t1, n1), 0);
    EXPECT_EQ(mica_thread_bind(t1, n2), -EBUSY);      /* the thread is bound */
    EXPECT_EQ(mica_thread_bind(t2, n1), -EBUSY);      /* the notification is bound */
    long wo = kt_copy(n2, MICA_R_WRITE, 0);
    EXPECT_EQ(mica_thread_bind(t2, wo), -EACCES);
    EXPECT_EQ(mica_thread_bind(t2, ep), -EINVAL);
    EXPECT_EQ(mica_thread_bind(t2, empty), -EBADF);
    EXPECT_EQ(mica_thread_bind(empty, n2), -EBADF);
    EXPECT_EQ(mica_thread_bind(t1, -1), 0);
    EXPECT_EQ(mica_thread_bind(t1, -1), 0);
    EXPECT_EQ(mica_thread_bind(t2, n1), 0);
    /* A bound notification and thread can both go first. */
    kt_free(n1);
    EXPECT_EQ(mica_thread_bind(t1, n2), 0);
    kt_free(t1);
    kt_free(wo);
    slot_free(empty);
    kt_free(ep);
    kt_free(t2);
    kt_free(n2);
}

struct low {
    struct kt_thread t;
    long ntfn, other;
    volatile int ran;
    volatile long higher, same;
};

static void low_fn(uint64_t p)
{
    struct low *x = (struct low *)p;
    x->ran = 1;
    x->higher = mica_thread_configure(x->other, 0, 51, NULL);
    x->same = mica_thread_configure(x->other, 0, 50, NULL);
    mica_signal(x->ntfn);
}

/* A lower priority runs only when the higher one blocks, and can give no
 * more than its own. */
void thread_priority(void)
{
    struct low x = { .ntfn = kt_new(MICA_OBJ_NOTIFICATION, 0),
                     .other = kt_new(MICA_OBJ_THREAD, MICA_SLOT_SELF), .higher = 1, .same = 1 };
    kt_thread_start(&x.t, low_fn, (uint64_t)&x, 50, 0);
    kt_settle();
    EXPECT_EQ(x.ran, 0);
    EXPECT_EQ(mica_wait(x.ntfn), 1);
    EXPECT_EQ(x.ran, 1);
    EXPECT_EQ(x.higher, -EPERM);
    EXPECT_EQ(x.same, 0);
    kt_thread_stop(&x.t);
    kt_free(x.other);
    kt_free(x.ntfn);
}

/* The name a thread is given shows in the kernel's messages about it: a
 * thread of another process with no fault handler faults, the kernel
 * stops it and says so (test_ktest.py looks for the line). */
void thread_name(void)
{
    long b = kt_new(MICA_OBJ_BUDGET, 16);
    long p = slot_alloc(), t = slot_alloc();
    EXPECT_EQ(mica_create(b, MICA_OBJ_PROCESS, p, 16), 0);
    EXPECT_EQ(mica_create(b, MICA_OBJ_THREAD, t, (uint64_t)p), 0);
    EXPECT_EQ(mica_thread_configure(t, 0, KT_PRIO, "kt-named-thread-truncated"), 0);
    EXPECT_EQ(mica_thread_start(t, KT_MAP(1), KT_MAP(1), 0), 0);
    kt_settle();
    struct mica_regs r;
    EXPECT_EQ(mica_thread_read_regs(t, &r, 0), 0);
    EXPECT_EQ(r.pc, KT_MAP(1));                        /* stopped where it faulted */
    EXPECT_EQ(mica_process_destroy(p), 0);
    slot_free(t);
    slot_free(p);
    EXPECT_EQ(mica_budget_info(b, 1), 0);
    kt_free(b);
}
