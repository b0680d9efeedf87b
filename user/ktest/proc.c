/*
 * Cases: processes. CREATE and PROCESS_DESTROY, what the calls say about
 * a destroyed process and its threads, EXIT as a message, and destroying
 * a process whose threads are in the middle of IPC with ours.
 */
#include "ktest.h"

#include "mica/string.h"

void proc_create_destroy(void)
{
    long b = kt_new(MICA_OBJ_BUDGET, 64);
    long p = slot_alloc(), t = slot_alloc(), f = slot_alloc();
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    EXPECT_EQ(mica_create(b, MICA_OBJ_PROCESS, p, 16), 0);
    EXPECT_EQ(mica_create(b, MICA_OBJ_THREAD, t, (uint64_t)p), 0);
    EXPECT_EQ(mica_create(b, MICA_OBJ_FRAME, f, 1), 0);
    EXPECT_EQ(mica_map(p, f, KT_MAP(0), MICA_R_READ | MICA_R_WRITE, 0), 0);
    EXPECT_EQ(mica_thread_configure(t, f, KT_PRIO, "empty"), 0);
    EXPECT_EQ(mica_process_set_fault(p, ep), 0);
    /* Its first instruction is not mapped: a fault message comes to us. */
    EXPECT_EQ(mica_thread_start(t, KT_MAP(1), KT_MAP(1), 0), 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(MICA_INFO_LABEL(m.info), MICA_FAULT_PAGE);
    EXPECT_EQ(m.w[0], KT_MAP(1));
    EXPECT_EQ(m.w[1], KT_MAP(1));
    EXPECT_EQ(m.w[2], MICA_R_EXEC);
    EXPECT_EQ(mica_process_destroy(p), 0);
    EXPECT_EQ(mica_process_destroy(p), 0);            /* once is enough; twice is harmless */
    EXPECT_EQ(mica_reply(&m), -ESRCH);                /* the faulting thread is gone */
    slot_free(f);
    slot_free(t);
    slot_free(p);
    kt_free(ep);
    EXPECT_EQ(mica_budget_info(b, 1), 0);
    kt_free(b);
}

/* A destroyed process and its threads: -ESRCH from every call that would
 * change them. */
void proc_dead_errors(void)
{
    long p = kt_new(MICA_OBJ_PROCESS, 16);
    long t = slot_alloc(), t2 = slot_alloc();
    long f = kt_new(MICA_OBJ_FRAME, 1);
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_THREAD, t, (uint64_t)p), 0);
    EXPECT_EQ(mica_map(p, f, KT_MAP(0), MICA_R_READ, 0), 0);
    EXPECT_EQ(mica_process_destroy(p), 0);
    struct mica_regs r = { .pc = KT_MAP(0) };
    EXPECT_EQ(mica_thread_start(t, KT_MAP(0), KT_MAP(1), 0), -ESRCH);
    EXPECT_EQ(mica_thread_configure(t, 0, KT_PRIO, NULL), -ESRCH);
    EXPECT_EQ(mica_thread_suspend(t), -ESRCH);
    EXPECT_EQ(mica_thread_resume(t), -ESRCH);
    EXPECT_EQ(mica_thread_read_regs(t, &r, 0), -ESRCH);
    EXPECT_EQ(mica_thread_write_regs(t, &r, 0), -ESRCH);
    EXPECT_EQ(mica_thread_bind(t, n), -ESRCH);
    EXPECT_EQ(mica_thread_set_fault(t, ep), -ESRCH);
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_THREAD, t2, (uint64_t)p), -ESRCH);
    EXPECT_EQ(mica_map(p, f, KT_MAP(1), MICA_R_READ, 0), -ESRCH);
    EXPECT_EQ(mica_unmap(p, KT_MAP(0)), -ESRCH);
    EXPECT_EQ(mica_protect(p, KT_MAP(0), MICA_R_READ), -ESRCH);
    EXPECT_EQ(mica_process_set_fault(p, ep), -ESRCH);
    EXPECT_EQ(mica_cap_copy(ep, p, 1, MICA_R_ALL, 0), -ESRCH);
    /* Capabilities to it still work as capabilities. */
    EXPECT_EQ(mica_cap_info(p), MICA_OBJ_PROCESS | MICA_R_ALL << 8);
    EXPECT_EQ(mica_cap_info(t), MICA_OBJ_THREAD | MICA_R_ALL << 8);
    slot_free(t2);
    slot_free(t);
    kt_free(n);
    kt_free(ep);
    kt_free(f);
    kt_free(p);
}

void proc_errors(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long empty = slot_alloc();
    long ro = kt_copy(MICA_SLOT_SELF, MICA_R_READ, 0);
    EXPECT_EQ(mica_process_destroy(empty), -EBADF);
    EXPECT_EQ(mica_process_destroy(ep), -EINVAL);
    EXPECT_EQ(mica_process_destroy(ro), -EACCES);
    EXPECT_EQ(mica_process_set_fault(ro, ep), -EACCES);
    EXPECT_EQ(mica_map(ro, MICA_SLOT_IPC_BUFFER, KT_MAP(0), MICA_R_READ, 0), -EACCES);
    EXPECT_EQ(mica_unmap(ro, KT_MAP(0)), -EACCES);
    EXPECT_EQ(mica_protect(ro, KT_MAP(0), MICA_R_READ), -EACCES);
    EXPECT_EQ(mica_unmap(ep, KT_MAP(0)), -EINVAL);
    EXPECT_EQ(mica_protect(empty, KT_MAP(0), MICA_R_READ), -EBADF);
    kt_free(ro);
    slot_free(empty);
    kt_free(ep);
}

/* EXIT of a process that is not the first: its fault endpoint is told. */
void proc_exit_message(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_EXIT, 7, 0, 0, ep, 33) == 0) {
        struct mica_msg m = { 0 };
        EXPECT_EQ(mica_recv(ep, &m), 0);
        EXPECT_EQ(m.info, MICA_INFO(MICA_FAULT_EXIT, MICA_FAULT_LEN, 0, 0));
        EXPECT_EQ(m.w[0], 7);
        EXPECT_EQ(m.badge, 33);
        m.info = MICA_INFO(MICA_RESUME, 0, 0, 0);
        EXPECT_EQ(mica_reply(&m), 0);                  /* it stays stopped */
        kt_settle();
        kt_helper_stop(&h);
    }
    /* Exiting with a call unanswered: the caller learns it at the destroy. */
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, 0, 0, ep, 34) == 0) {
        struct kt_async a;
        kt_async_call(&a, h.ep, KT_CMD_EXIT, 9, 0);
        struct mica_msg m = { 0 };
        EXPECT_EQ(mica_recv(ep, &m), 0);
        EXPECT_EQ(MICA_INFO_LABEL(m.info), MICA_FAULT_EXIT);
        EXPECT_EQ(m.w[0], 9);
        EXPECT_EQ(a.result, 1);
        kt_helper_stop(&h);
        EXPECT(kt_thread_join(&a.t));
        EXPECT_EQ(a.result, -EPEERDIED);
        kt_async_stop(&a);
        EXPECT_EQ(mica_reply(&m), -ESRCH);
    }
    kt_free(ep);
}

/* Its thread waits in RECV on our endpoint: the endpoint forgets it. */
void proc_destroy_blocked_recv(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, ep, MICA_R_READ, 0, 0) == 0) {
        EXPECT_EQ(kt_helper_cmd(&h, KT_CMD_RECV, KT_HELPER_EXTRA, 0, NULL), 0);
        kt_settle();
        kt_helper_stop(&h);
    }
    struct mica_msg m = { .info = MICA_INFO(1, 0, 0, 0) };
    EXPECT_EQ(mica_nbsend(ep, &m), -EAGAIN);
    kt_free(ep);
}

/* Its thread waits in CALL on our endpoint: the endpoint forgets it. */
void proc_destroy_blocked_call(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, ep, MICA_R_WRITE, 0, 0) == 0) {
        EXPECT_EQ(kt_helper_cmd(&h, KT_CMD_CALL, KT_HELPER_EXTRA, 5, NULL), 0);
        kt_settle();
        kt_helper_stop(&h);
    }
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_nbrecv(ep, &m), -EAGAIN);
    kt_free(ep);
}

/* Its thread received our call and holds it: our call fails, not hangs. */
void proc_destroy_holding_call(void)
{
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, 0, 0, 0, 0))
        return;
    struct kt_async a;
    kt_async_call(&a, h.ep, KT_CMD_HOLD, 0, 0);
    EXPECT_EQ(a.result, 1);
    kt_helper_stop(&h);
    EXPECT(kt_thread_join(&a.t));
    EXPECT_EQ(a.result, -EPEERDIED);
    kt_async_stop(&a);
}

/* The same with the reply saved as a capability in its space. */
void proc_destroy_saved_reply(void)
{
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, 0, 0, 0, 0))
        return;
    struct kt_async a;
    kt_async_call(&a, h.ep, KT_CMD_SAVE, 20, 0);
    EXPECT_EQ(a.result, 1);
    struct mica_msg m;
    EXPECT_EQ(kt_helper_cmd(&h, KT_CMD_CAPINFO, 20, 0, &m), 0);  /* served meanwhile */
    EXPECT_EQ(m.w[0], MICA_OBJ_REPLY);
    kt_helper_stop(&h);
    EXPECT(kt_thread_join(&a.t));
    EXPECT_EQ(a.result, -EPEERDIED);
    kt_async_stop(&a);
}

/* Its thread called us and waits for the answer: reply after it died. */
void proc_destroy_caller(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_helper h;
    struct mica_msg m = { 0 };
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, ep, MICA_R_WRITE, 0, 0) == 0) {
        EXPECT_EQ(kt_helper_cmd(&h, KT_CMD_CALL, KT_HELPER_EXTRA, 5, NULL), 0);
        EXPECT_EQ(mica_recv(ep, &m), 0);
        EXPECT_EQ(m.w[0], 5);
        kt_helper_stop(&h);
        m.info = MICA_INFO(0, 0, 0, 0);
        EXPECT_EQ(mica_reply(&m), -ESRCH);
    }
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, ep, MICA_R_WRITE, 0, 0) == 0) {
        long r = slot_alloc();
        EXPECT_EQ(kt_helper_cmd(&h, KT_CMD_CALL, KT_HELPER_EXTRA, 6, NULL), 0);
        EXPECT_EQ(mica_recv(ep, &m), 0);
        EXPECT_EQ(mica_save_reply(r), 0);
        kt_helper_stop(&h);
        EXPECT_EQ(mica_cap_info(r), -EBADF);            /* the reply capability went too */
        m.info = MICA_INFO(0, 0, 0, 0);
        EXPECT_EQ(mica_send(r, &m), -EBADF);
        slot_free(r);
    }
    kt_free(ep);
}

/* Its thread destroys its own process while holding our call. */
void proc_destroy_self(void)
{
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, 0, 0, 0, 0))
        return;
    struct mica_msg m;
    EXPECT_EQ(kt_helper_cmd(&h, KT_CMD_DESTROY, 0, 0, &m), -EPEERDIED);
    m = (struct mica_msg){ .info = MICA_INFO(KT_CMD_ECHO, 0, 0, 0) };
    EXPECT_EQ(mica_nbsend(h.ep, &m), -EAGAIN);        /* nobody serves any more */
    kt_helper_stop(&h);
}

/* Its thread is the fault handler of ours and dies holding our fault:
 * the fault waits for the next handler. */
void proc_destroy_fault_handler(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, ep, MICA_R_READ, 0, 0) == 0) {
        EXPECT_EQ(kt_helper_cmd(&h, KT_CMD_RECV, KT_HELPER_EXTRA, 0, NULL), 0);
        struct kt_thread t;
        kt_thread_start(&t, (void (*)(uint64_t))0x8, 0, KT_PRIO, ep);   /* faults at once */
        kt_settle();
        struct mica_msg m = { 0 };
        EXPECT_EQ(mica_nbrecv(ep, &m), -EAGAIN);      /* the helper has it */
        kt_helper_stop(&h);
        EXPECT_EQ(mica_nbrecv(ep, &m), 0);
        EXPECT_EQ(MICA_INFO_LABEL(m.info), MICA_FAULT_PAGE);
        m.info = MICA_INFO(MICA_STOP, 0, 0, 0);
        EXPECT_EQ(mica_reply(&m), 0);
        kt_thread_stop(&t);
    }
    kt_free(ep);
}

/* PROCESS_COPY: a pager's access to another process's memory. */
void proc_copy(void)
{
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, 0, 0, 0, 0))
        return;
    long p = kt_copy(h.c.proc, MICA_R_ALL, 0);
    uint8_t buf[64];
    const uint64_t text = 0x10000, stack = MICA_STACK_TOP - MICA_STACK_PAGES * KT_PAGE;
    /* Its program is ours: the same bytes at the same address. */
    EXPECT_EQ(mica_process_copy(p, text, buf, 64, MICA_COPY_FROM), 64);
    EXPECT_EQ(memcmp(buf, (const void *)text, 64), 0);
    memset(buf, 0x5a, sizeof buf);
    EXPECT_EQ(mica_process_copy(p, stack, buf, 64, MICA_COPY_TO), 64);
    memset(buf, 0, sizeof buf);
    EXPECT_EQ(mica_process_copy(p, stack, buf, 64, MICA_COPY_FROM), 64);
    EXPECT_EQ(buf[63], 0x5a);
    EXPECT_EQ(mica_process_copy(p, text, buf, 8, MICA_COPY_TO), -EFAULT);   /* read-only */
    EXPECT_EQ(mica_process_copy(p, text, buf, 8, MICA_COPY_FROM), 8);
    EXPECT_EQ(memcmp(buf, (const void *)text, 8), 0);
    /* Up to the first page that is not there. */
    EXPECT_EQ(mica_process_copy(p, MICA_STACK_TOP - 16, buf, 64, MICA_COPY_FROM), 16);
    EXPECT_EQ(mica_process_copy(p, stack - 16, buf, 64, MICA_COPY_FROM), -EFAULT);
    EXPECT_EQ(mica_process_copy(p, KT_KERNEL_PTR, buf, 8, MICA_COPY_FROM), -EFAULT);
    EXPECT_EQ(mica_process_copy(p, KT_UNMAPPED, buf, 8, MICA_COPY_TO), -EFAULT);
    /* Our side. */
    EXPECT_EQ(mica_process_copy(p, stack, (void *)KT_KERNEL_PTR, 8, MICA_COPY_FROM), -EFAULT);
    EXPECT_EQ(mica_process_copy(p, stack, (void *)KT_UNMAPPED, 8, MICA_COPY_TO), -EFAULT);
    EXPECT_EQ(mica_process_copy(p, stack, (void *)text, 8, MICA_COPY_FROM), -EFAULT);
    /* Arguments and capabilities. */
    EXPECT_EQ(mica_process_copy(p, stack, buf, 0, MICA_COPY_FROM), 0);
    EXPECT_EQ(mica_process_copy(p, stack, buf, 8, 2), -EINVAL);
    EXPECT_EQ(mica_process_copy(p, stack, buf, MICA_COPY_MAX + 1, MICA_COPY_FROM), -EINVAL);
    long ro = kt_copy(p, MICA_R_READ, 0), empty = slot_alloc();
    EXPECT_EQ(mica_process_copy(ro, stack, buf, 8, MICA_COPY_FROM), -EACCES);
    EXPECT_EQ(mica_process_copy(h.ep, stack, buf, 8, MICA_COPY_FROM), -EINVAL);
    EXPECT_EQ(mica_process_copy(empty, stack, buf, 8, MICA_COPY_FROM), -EBADF);
    EXPECT_EQ(mica_process_copy(MICA_SLOT_SELF, text, buf, 8, MICA_COPY_FROM), 8);
    EXPECT_EQ(mica_process_destroy(p), 0);
    EXPECT_EQ(mica_process_copy(p, stack, buf, 8, MICA_COPY_FROM), -ESRCH);
    slot_free(empty);
    kt_free(ro);
    kt_free(p);
    kt_helper_stop(&h);
}

/* Its thread deletes the last capability to its own process. */
void proc_delete_last_cap(void)
{
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, 0, 0, 0, 0))
        return;
    kt_free(h.c.proc);
    h.c.proc = -1;
    struct mica_msg m;
    EXPECT_EQ(kt_helper_cmd(&h, KT_CMD_DELETE_SELF, 0, 0, &m), -EPEERDIED);
    EXPECT_EQ(mica_thread_resume(h.c.thread), -ESRCH);
    kt_free(h.c.thread);
    h.c.thread = -1;
    kt_helper_stop(&h);
}

/* A server restarts: calls it held fail, calls queued on the endpoint
 * wait for the next incarnation, which answers them. */
void proc_restart_keeps_callers(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_helper h;
    struct kt_async held, queued;
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EXTRA, ep, MICA_R_READ, 0, 0))
        return;
    kt_async_call(&held, ep, KT_CMD_HOLD, 0, 0);
    kt_async_call(&queued, ep, KT_CMD_ECHO, 41, 0);
    kt_helper_stop(&h);
    EXPECT(kt_thread_join(&held.t));
    EXPECT_EQ(held.result, -EPEERDIED);
    EXPECT_EQ(queued.result, 1);
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EXTRA, ep, MICA_R_READ, 0, 0) == 0) {
        EXPECT(kt_thread_join(&queued.t));
        EXPECT_EQ(queued.result, 0);
        EXPECT_EQ(queued.m.w[0], 42);
        kt_helper_stop(&h);
    }
    kt_async_stop(&queued);
    kt_async_stop(&held);
    kt_free(ep);
}
