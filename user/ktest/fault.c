/*
 * Cases: faults as messages. Page faults, illegal instructions and Linux
 * system calls arrive on the fault endpoint as calls with the fault's
 * label and words; the reply resumes or stops the thread.
 */
#include "ktest.h"

#define X(n) ((n) - 1)              /* struct mica_regs x[] index of register xn */
#define LINUX_GETPID 172
#define UNIMP 0xc0001073u           /* csrrw zero, cycle, zero: always illegal */

/* A thread of ours whose faults come to ep, with the endpoint's badge. */
struct faulter {
    struct kt_thread t;
    long ep, fault_cap;
    volatile long result;
};

static void faulter_start(struct faulter *f, void (*fn)(uint64_t), uint64_t badge)
{
    f->ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    f->fault_cap = kt_copy(f->ep, MICA_R_WRITE, badge);
    f->result = 1;
    kt_thread_start(&f->t, fn, (uint64_t)f, KT_PRIO, f->fault_cap);
}

static void faulter_stop(struct faulter *f)
{
    kt_thread_stop(&f->t);
    kt_free(f->fault_cap);
    kt_free(f->ep);
}

static long reply_label(uint64_t label)
{
    struct mica_msg m = { .info = MICA_INFO(label, 0, 0, 0) };
    return mica_reply(&m);
}

static void null_store(uint64_t p)
{
    (void)p;
    *(volatile int *)0 = 1;
}

/* Is pc inside fn (the functions here are short)? */
static int in_fn(uint64_t pc, void (*fn)(uint64_t))
{
    return pc >= (uint64_t)fn && pc < (uint64_t)fn + 64;
}

void fault_page_null(void)
{
    struct faulter f;
    faulter_start(&f, null_store, 0x51);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(f.ep, &m), 0);
    EXPECT_EQ(m.info, MICA_INFO(MICA_FAULT_PAGE, MICA_FAULT_LEN, 0, 0));
    EXPECT_EQ(m.badge, 0x51);
    EXPECT(in_fn(m.w[0], null_store));
    EXPECT_EQ(m.w[1], 0);
    EXPECT_EQ(m.w[2], MICA_R_WRITE);
    EXPECT_EQ(reply_label(MICA_STOP), 0);
    kt_settle();
    EXPECT(!f.t.done);
    faulter_stop(&f);
}

/* The pager's case: map the page, answer MICA_RESUME, the load is retried. */
static void load_unmapped(uint64_t p)
{
    struct faulter *f = (struct faulter *)p;
    f->result = *(volatile long *)KT_MAP(10);
}

void fault_page_resume(void)
{
    struct faulter f;
    faulter_start(&f, load_unmapped, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(f.ep, &m), 0);
    EXPECT_EQ(MICA_INFO_LABEL(m.info), MICA_FAULT_PAGE);
    EXPECT_EQ(m.w[1], KT_MAP(10));
    EXPECT_EQ(m.w[2], MICA_R_READ);
    long frame = kt_new(MICA_OBJ_FRAME, 1);
    EXPECT_EQ(mica_map(MICA_SLOT_SELF, frame, KT_MAP(10), MICA_R_READ | MICA_R_WRITE, 0), 0);
    *(volatile long *)KT_MAP(10) = 0x5a5a;
    EXPECT_EQ(reply_label(MICA_RESUME), 0);
    EXPECT(kt_thread_join(&f.t));
    EXPECT_EQ(f.result, 0x5a5a);
    faulter_stop(&f);
    EXPECT_EQ(mica_unmap(MICA_SLOT_SELF, KT_MAP(10)), 0);
    kt_free(frame);
}

/* MICA_STOP leaves the thread stopped; RESUME runs the instruction again. */
void fault_stop_resume(void)
{
    struct faulter f;
    faulter_start(&f, null_store, 0);
    struct mica_msg m = { 0 }, m2 = { 0 };
    EXPECT_EQ(mica_recv(f.ep, &m), 0);
    EXPECT_EQ(reply_label(MICA_STOP), 0);
    kt_settle();
    struct mica_msg none = { 0 };
    EXPECT_EQ(mica_nbrecv(f.ep, &none), -EAGAIN);     /* stopped, not faulting again */
    EXPECT_EQ(mica_thread_resume(f.t.slot), 0);
    EXPECT_EQ(mica_recv(f.ep, &m2), 0);
    EXPECT_EQ(MICA_INFO_LABEL(m2.info), MICA_FAULT_PAGE);
    EXPECT_EQ(m2.w[0], m.w[0]);
    EXPECT_EQ(reply_label(MICA_STOP), 0);
    faulter_stop(&f);
}

static void illegal(uint64_t p)
{
    struct faulter *f = (struct faulter *)p;
    __asm__ volatile(".word 0xc0001073");
    f->result = 2;
}

/* ILLEGAL; the handler moves the pc past it and answers MICA_RESUME_AS_IS. */
void fault_illegal(void)
{
    struct faulter f;
    faulter_start(&f, illegal, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(f.ep, &m), 0);
    EXPECT_EQ(MICA_INFO_LABEL(m.info), MICA_FAULT_ILLEGAL);
    EXPECT(in_fn(m.w[0], illegal));
    EXPECT_EQ(m.w[1], UNIMP);
    struct mica_regs r;
    EXPECT_EQ(mica_thread_read_regs(f.t.slot, &r, 0), 0);
    EXPECT_EQ(r.pc, m.w[0]);
    r.pc += 4;
    EXPECT_EQ(mica_thread_write_regs(f.t.slot, &r, 0), 0);
    EXPECT_EQ(reply_label(MICA_RESUME_AS_IS), 0);
    EXPECT(kt_thread_join(&f.t));
    EXPECT_EQ(f.result, 2);
    faulter_stop(&f);
}

__attribute__((noinline)) static long linux_call(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
    register long r0 __asm__("a0") = a0;
    register long r1 __asm__("a1") = a1;
    register long r2 __asm__("a2") = a2;
    register long r3 __asm__("a3") = a3;
    register long r4 __asm__("a4") = a4;
    register long r5 __asm__("a5") = a5;
    register long r7 __asm__("a7") = nr;
    __asm__ volatile("ecall" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7)
                     : "memory");
    return r0;
}

static volatile long linux_results[3];

static void getpid_thrice(uint64_t p)
{
    struct faulter *f = (struct faulter *)p;
    for (int i = 0; i < 3; i++)
        linux_results[i] = linux_call(LINUX_GETPID, 10 + i, 11, 12, 13, 14, 15);
    f->result = 0;
}

/* Checks a SYSCALL fault message for getpid_thrice's call i. */
static void check_getpid(const struct mica_msg *m, int i)
{
    const struct mica_ipc_buffer *buf = mica_ipcbuf();
    EXPECT_EQ(m->info, MICA_INFO(MICA_FAULT_SYSCALL, MICA_FAULT_LEN, 0, 0));
    EXPECT_EQ(m->w[0], LINUX_GETPID);
    EXPECT_EQ(m->w[1], 10 + i);
    EXPECT_EQ(m->w[2], 11);
    EXPECT_EQ(m->w[3], 12);
    EXPECT_EQ(buf->mr[4], 13);
    EXPECT_EQ(buf->mr[5], 14);
    EXPECT_EQ(buf->mr[6], 15);
    EXPECT(buf->mr[7] > (uint64_t)linux_call && buf->mr[7] < (uint64_t)linux_call + 128);
}

/* The general path: the fault is queued before we receive; we answer
 * with REPLY. */
void fault_linux_syscall(void)
{
    struct faulter f;
    faulter_start(&f, getpid_thrice, 0);
    for (int i = 0; i < 3; i++) {
        kt_settle();
        struct mica_msg m = { 0 };
        EXPECT_EQ(mica_recv(f.ep, &m), 0);
        check_getpid(&m, i);
        m.info = MICA_INFO(MICA_RESUME, 1, 0, 0);
        m.w[0] = 4242 + i;
        EXPECT_EQ(mica_reply(&m), 0);
    }
    EXPECT(kt_thread_join(&f.t));
    for (int i = 0; i < 3; i++)
        EXPECT_EQ(linux_results[i], 4242 + i);
    faulter_stop(&f);
}

/* The fastpath: we wait before the fault and answer with REPLY_RECV. */
void fault_linux_syscall_fast(void)
{
    struct faulter f;
    faulter_start(&f, getpid_thrice, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(f.ep, &m), 0);
    for (int i = 0; i < 3; i++) {
        check_getpid(&m, i);
        m.info = MICA_INFO(MICA_RESUME, 1, 0, 0);
        m.w[0] = 100 + i;
        if (i < 2)
            EXPECT_EQ(mica_reply_recv(f.ep, &m), 0);
        else
            EXPECT_EQ(mica_reply(&m), 0);
    }
    EXPECT(kt_thread_join(&f.t));
    for (int i = 0; i < 3; i++)
        EXPECT_EQ(linux_results[i], 100 + i);
    faulter_stop(&f);
}

/* MICA_STOP: the thread stays at its ecall; resumed, it makes it again. */
void fault_linux_syscall_stop(void)
{
    struct faulter f;
    faulter_start(&f, getpid_thrice, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(f.ep, &m), 0);
    EXPECT_EQ(reply_label(MICA_STOP), 0);
    kt_settle();
    EXPECT_EQ(mica_nbrecv(f.ep, &m), -EAGAIN);
    struct mica_regs r;
    EXPECT_EQ(mica_thread_read_regs(f.t.slot, &r, 0), 0);
    EXPECT_EQ(r.x[X(17)], LINUX_GETPID);
    EXPECT_EQ(mica_thread_resume(f.t.slot), 0);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(mica_recv(f.ep, &m), 0);
        check_getpid(&m, i);
        m.info = MICA_INFO(MICA_RESUME, 1, 0, 0);
        m.w[0] = 7;
        EXPECT_EQ(mica_reply(&m), 0);
    }
    EXPECT(kt_thread_join(&f.t));
    EXPECT_EQ(linux_results[0], 7);
    faulter_stop(&f);
}

/* A thread started with its stack pointer in kernel memory faults on its
 * first store, in user mode: the kernel is not written. */
void fault_kernel_sp(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long t = kt_new(MICA_OBJ_THREAD, MICA_SLOT_SELF);
    const uint64_t sp = KT_KERNEL_PTR + 0x10000;
    EXPECT_EQ(mica_thread_configure(t, 0, KT_PRIO, "badsp"), 0);
    EXPECT_EQ(mica_thread_set_fault(t, ep), 0);
    EXPECT_EQ(mica_thread_start(t, (uint64_t)getpid_thrice, sp, 0), 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(MICA_INFO_LABEL(m.info), MICA_FAULT_PAGE);
    EXPECT(m.w[1] >= sp - 256 && m.w[1] < sp);
    EXPECT_EQ(m.w[2], MICA_R_WRITE);
    EXPECT_EQ(reply_label(MICA_STOP), 0);
    kt_free(t);
    kt_free(ep);
}

struct handler {
    struct kt_thread t;
    long ep;
    struct mica_msg m1, m2;
    volatile long r1, r2;
};

static void recv_twice(uint64_t p)
{
    struct handler *h = (struct handler *)p;
    h->r1 = mica_recv(h->ep, &h->m1);
    h->r2 = mica_recv(h->ep, &h->m2);
}

/* A handler that drops a fault unanswered (here: receives again) gets it
 * again: the faulting thread stays stopped until someone answers. */
void fault_resent(void)
{
    struct faulter f;
    faulter_start(&f, null_store, 0);
    struct handler h = { .ep = f.ep, .r1 = 1, .r2 = 1 };
    kt_thread_start(&h.t, recv_twice, (uint64_t)&h, KT_PRIO, 0);
    EXPECT(kt_thread_join(&h.t));
    EXPECT_EQ(h.r1, 0);
    EXPECT_EQ(h.r2, 0);
    EXPECT_EQ(MICA_INFO_LABEL(h.m1.info), MICA_FAULT_PAGE);
    EXPECT_EQ(h.m2.info, h.m1.info);
    EXPECT_EQ(h.m2.w[0], h.m1.w[0]);
    EXPECT_EQ(h.m2.w[1], h.m1.w[1]);
    /* The handler dies holding it: it comes to the next one. */
    kt_thread_stop(&h.t);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(f.ep, &m), 0);
    EXPECT_EQ(m.w[0], h.m1.w[0]);
    EXPECT_EQ(reply_label(MICA_STOP), 0);
    faulter_stop(&f);
}

static void store_null_a0(uint64_t p)
{
    (void)p;
    __asm__ volatile("li a0, 0x1234\nsw zero, 0(zero)" ::: "a0", "memory");
}

/* A thread stopped in a fault keeps its registers when suspended: resumed,
 * it runs the faulting instruction (or ecall) again with them. */
void fault_suspend_keeps_regs(void)
{
    struct faulter f;
    faulter_start(&f, store_null_a0, 0);
    kt_settle();                                      /* its fault is queued */
    EXPECT_EQ(mica_thread_suspend(f.t.slot), 0);
    struct mica_regs r;
    EXPECT_EQ(mica_thread_read_regs(f.t.slot, &r, 0), 0);
    EXPECT_EQ(r.x[X(10)], 0x1234);
    EXPECT_EQ(mica_thread_resume(f.t.slot), 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(f.ep, &m), 0);                /* received: it waits for the answer */
    EXPECT_EQ(mica_thread_suspend(f.t.slot), 0);
    EXPECT_EQ(reply_label(MICA_RESUME), -ESRCH);
    EXPECT_EQ(mica_thread_read_regs(f.t.slot, &r, 0), 0);
    EXPECT_EQ(r.x[X(10)], 0x1234);
    faulter_stop(&f);
    /* A Linux system call made again has its first argument. */
    faulter_start(&f, getpid_thrice, 0);
    kt_settle();
    EXPECT_EQ(mica_thread_suspend(f.t.slot), 0);
    EXPECT_EQ(mica_thread_resume(f.t.slot), 0);
    EXPECT_EQ(mica_recv(f.ep, &m), 0);
    EXPECT_EQ(m.w[1], 10);
    EXPECT_EQ(reply_label(MICA_STOP), 0);
    faulter_stop(&f);
}

struct redirected {
    long ep;
    volatile long result;
};
static struct redirected redirected;

static void call_redirected(uint64_t unused)
{
    (void)unused;
    struct mica_msg m = { .info = MICA_INFO(77, 1, 0, 0), .w = { 78 } };
    redirected.result = mica_call(redirected.ep, &m);
    for (;;)
        mica_thread_suspend(mica_tls()->thread);
}

/* A fault whose handler drops it while the thread has no fault endpoint
 * any more: the thread stays stopped, and its next IPC is its own. */
void fault_resend_no_handler(void)
{
    struct faulter f;
    faulter_start(&f, getpid_thrice, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(f.ep, &m), 0);
    EXPECT_EQ(mica_thread_set_fault(f.t.slot, -1), 0);
    long saved = slot_alloc();
    EXPECT_EQ(mica_save_reply(saved), 0);
    EXPECT_EQ(mica_cap_delete(saved), 0);             /* drops the fault unanswered */
    slot_free(saved);
    kt_settle();
    /* Stopped at its ecall: send it elsewhere with its registers. */
    struct mica_regs r;
    EXPECT_EQ(mica_thread_read_regs(f.t.slot, &r, 0), 0);
    EXPECT_EQ(r.x[X(17)], LINUX_GETPID);
    redirected = (struct redirected){ .ep = kt_new(MICA_OBJ_ENDPOINT, 0), .result = 1 };
    r.pc = (uint64_t)call_redirected;
    EXPECT_EQ(mica_thread_write_regs(f.t.slot, &r, 0), 0);
    EXPECT_EQ(mica_thread_resume(f.t.slot), 0);
    m = (struct mica_msg){ 0 };
    EXPECT_EQ(mica_recv(redirected.ep, &m), 0);
    EXPECT_EQ(m.info, MICA_INFO(77, 1, 0, 0));
    EXPECT_EQ(m.w[0], 78);
    m.info = MICA_INFO(0, 1, 0, 0);
    m.w[0] = 79;
    EXPECT_EQ(mica_reply(&m), 0);
    kt_settle();
    EXPECT_EQ(redirected.result, 0);
    faulter_stop(&f);
    kt_free(redirected.ep);
}

static void breakpoint(uint64_t p)
{
    struct faulter *f = (struct faulter *)p;
    __asm__ volatile(".4byte 0x00100073");           /* ebreak, not the compressed one */
    f->result = 3;
}

void fault_breakpoint(void)
{
    struct faulter f;
    faulter_start(&f, breakpoint, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(f.ep, &m), 0);
    EXPECT_EQ(MICA_INFO_LABEL(m.info), MICA_FAULT_BREAKPOINT);
    EXPECT(in_fn(m.w[0], breakpoint));
    struct mica_regs r;
    EXPECT_EQ(mica_thread_read_regs(f.t.slot, &r, 0), 0);
    r.pc += 4;
    EXPECT_EQ(mica_thread_write_regs(f.t.slot, &r, 0), 0);
    EXPECT_EQ(reply_label(MICA_RESUME_AS_IS), 0);
    EXPECT(kt_thread_join(&f.t));
    EXPECT_EQ(f.result, 3);
    faulter_stop(&f);
}

/* PROCESS_SET_FAULT: the process's endpoint, unless the thread has one. */
void fault_process_endpoint(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_FAULT, 0, 0, 0, ep, 0x61) == 0) {
        struct mica_msg m = { 0 };
        EXPECT_EQ(mica_recv(ep, &m), 0);
        EXPECT_EQ(MICA_INFO_LABEL(m.info), MICA_FAULT_PAGE);
        EXPECT_EQ(m.badge, 0x61);
        EXPECT_EQ(m.w[1], 0);
        EXPECT_EQ(m.w[2], MICA_R_WRITE);
        EXPECT_EQ(reply_label(MICA_STOP), 0);
        kt_helper_stop(&h);
    }
    /* Our own process: its endpoint, then the thread's own over it. */
    long pep = kt_copy(ep, MICA_R_WRITE, 0x62);
    long tep = kt_copy(ep, MICA_R_WRITE, 0x63);
    EXPECT_EQ(mica_process_set_fault(MICA_SLOT_SELF, pep), 0);
    struct kt_thread t;
    kt_thread_start(&t, null_store, 0, KT_PRIO, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(m.badge, 0x62);
    EXPECT_EQ(mica_thread_set_fault(t.slot, tep), 0);
    EXPECT_EQ(reply_label(MICA_RESUME), 0);           /* faults again, to its own */
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(m.badge, 0x63);
    EXPECT_EQ(mica_thread_set_fault(t.slot, -1), 0);  /* back to the process's */
    EXPECT_EQ(reply_label(MICA_RESUME), 0);
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(m.badge, 0x62);
    EXPECT_EQ(reply_label(MICA_STOP), 0);
    EXPECT_EQ(mica_process_set_fault(MICA_SLOT_SELF, -1), 0);
    kt_thread_stop(&t);
    kt_free(tep);
    kt_free(pep);
    kt_free(ep);
}

void fault_set_errors(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    long t = kt_new(MICA_OBJ_THREAD, MICA_SLOT_SELF);
    long empty = slot_alloc();
    long ro = kt_copy(ep, MICA_R_READ, 0);
    EXPECT_EQ(mica_process_set_fault(empty, ep), -EBADF);
    EXPECT_EQ(mica_process_set_fault(ep, ep), -EINVAL);
    EXPECT_EQ(mica_process_set_fault(MICA_SLOT_SELF, empty), -EBADF);
    EXPECT_EQ(mica_process_set_fault(MICA_SLOT_SELF, n), -EINVAL);
    EXPECT_EQ(mica_process_set_fault(MICA_SLOT_SELF, ro), -EACCES);
    EXPECT_EQ(mica_thread_set_fault(empty, ep), -EBADF);
    EXPECT_EQ(mica_thread_set_fault(n, ep), -EINVAL);
    EXPECT_EQ(mica_thread_set_fault(t, empty), -EBADF);
    EXPECT_EQ(mica_thread_set_fault(t, n), -EINVAL);
    EXPECT_EQ(mica_thread_set_fault(t, ro), -EACCES);
    /* The endpoint outlives its capabilities while a thread names it. */
    EXPECT_EQ(mica_thread_set_fault(t, ep), 0);
    kt_free(ro);
    kt_free(ep);
    slot_free(empty);
    kt_free(t);
    kt_free(n);
}
