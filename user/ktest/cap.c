/*
 * Cases: capabilities. CAP_INFO, COPY (rights masked, badge set once, into
 * another process), MOVE, DELETE and REVOKE, and what happens to threads
 * waiting on an object when its last capability goes.
 */
#include "ktest.h"

#define INFO(type, rights) ((long)(type) | (long)(rights) << 8)

void cap_info_first_slots(void)
{
    EXPECT_EQ(mica_cap_info(MICA_SLOT_SELF), INFO(MICA_OBJ_PROCESS, MICA_R_ALL));
    EXPECT_EQ(mica_cap_info(MICA_SLOT_THREAD), INFO(MICA_OBJ_THREAD, MICA_R_ALL));
    EXPECT_EQ(mica_cap_info(MICA_SLOT_BUDGET), INFO(MICA_OBJ_BUDGET, MICA_R_ALL));
    EXPECT_EQ(mica_cap_info(MICA_SLOT_IRQ_CONTROL), INFO(MICA_OBJ_IRQ_CONTROL, MICA_R_ALL));
    EXPECT_EQ(mica_cap_info(MICA_SLOT_DEVICE_CONTROL),
              INFO(MICA_OBJ_DEVICE_CONTROL, MICA_R_ALL));
    EXPECT_EQ(mica_cap_info(MICA_SLOT_IPC_BUFFER), INFO(MICA_OBJ_FRAME, MICA_R_ALL));
    EXPECT_EQ(mica_cap_info(MICA_SLOT_ARCHIVE), INFO(MICA_OBJ_FRAME, MICA_R_READ));
}

/* Slot 0, out-of-range and empty slots, for the calls that only name one. */
void cap_bad_slots(void)
{
    long empty = slot_alloc();
    const long bad[] = { MICA_SLOT_NULL, MICA_MAX_SLOTS, -1, 1l << 40, empty };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long s = bad[i];
        EXPECT_EQ(mica_cap_info(s), -EBADF);
        EXPECT_EQ(mica_cap_delete(s), -EBADF);
        EXPECT_EQ(mica_cap_revoke(s), -EBADF);
        EXPECT_EQ(mica_cap_move(s, empty), -EBADF);
        EXPECT_EQ(mica_cap_copy(s, -1, empty, MICA_R_ALL, 0), -EBADF);
        EXPECT_EQ(mica_signal(s), -EBADF);
        EXPECT_EQ(mica_frame_info(s), -EBADF);
        EXPECT_EQ(mica_budget_info(s, 0), -EBADF);
        EXPECT_EQ(mica_process_destroy(s), -EBADF);
        EXPECT_EQ(mica_thread_resume(s), -EBADF);
        EXPECT_EQ(mica_irq_ack(s), -EBADF);
    }
    /* As destinations. */
    const long dest[] = { MICA_SLOT_NULL, MICA_MAX_SLOTS, -1 };
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    for (unsigned i = 0; i < sizeof dest / sizeof dest[0]; i++) {
        EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_ENDPOINT, dest[i], 0), -EBADF);
        EXPECT_EQ(mica_cap_copy(ep, -1, dest[i], MICA_R_ALL, 0), -EBADF);
        EXPECT_EQ(mica_cap_move(ep, dest[i]), -EBADF);
        EXPECT_EQ(mica_irq_get(MICA_SLOT_IRQ_CONTROL, 1, dest[i]), -EBADF);
        EXPECT_EQ(mica_device_frame(MICA_SLOT_DEVICE_CONTROL, MICA_SLOT_BUDGET, 0x10001000, 1,
                                    dest[i]), -EBADF);
    }
    kt_free(ep);
    slot_free(empty);
}

void cap_copy_masks_rights(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long r = kt_copy(ep, MICA_R_READ, 0);
    EXPECT_EQ(mica_cap_info(r), INFO(MICA_OBJ_ENDPOINT, MICA_R_READ));
    long r2 = kt_copy(r, MICA_R_ALL, 0);              /* cannot gain rights */
    EXPECT_EQ(mica_cap_info(r2), INFO(MICA_OBJ_ENDPOINT, MICA_R_READ));
    long w = kt_copy(ep, MICA_R_WRITE | MICA_R_GRANT, 0);
    EXPECT_EQ(mica_cap_info(w), INFO(MICA_OBJ_ENDPOINT, MICA_R_WRITE | MICA_R_GRANT));
    long none = kt_copy(ep, 0, 0);
    EXPECT_EQ(mica_cap_info(none), INFO(MICA_OBJ_ENDPOINT, 0));
    /* The rights are what the calls check. */
    struct mica_msg m = { .info = MICA_INFO(1, 0, 0, 0) };
    EXPECT_EQ(mica_nbsend(r2, &m), -EACCES);
    EXPECT_EQ(mica_nbrecv(r2, &m), -EAGAIN);
    EXPECT_EQ(mica_nbrecv(w, &m), -EACCES);
    EXPECT_EQ(mica_nbsend(w, &m), -EAGAIN);
    EXPECT_EQ(mica_nbsend(none, &m), -EACCES);
    /* Rights beyond MICA_R_ALL are ignored, not kept. */
    long more = kt_copy(ep, 0xffu, 0);
    EXPECT_EQ(mica_cap_info(more), INFO(MICA_OBJ_ENDPOINT, MICA_R_ALL));
    kt_free(more);
    kt_free(none);
    kt_free(w);
    kt_free(r2);
    kt_free(r);
    kt_free(ep);
}

/* The badge a receiver on ep sees for a send through via. */
static uint64_t badge_seen(long ep, long via)
{
    struct kt_async a;
    kt_async_recv(&a, ep);
    struct mica_msg m = { .info = MICA_INFO(1, 0, 0, 0) };
    EXPECT_EQ(mica_send(via, &m), 0);
    EXPECT(kt_thread_join(&a.t));
    EXPECT_EQ(a.result, 0);
    kt_async_stop(&a);
    return a.m.badge;
}

void cap_copy_badge_once(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    EXPECT_EQ(badge_seen(ep, ep), 0);
    long b5 = kt_copy(ep, MICA_R_ALL, 5);
    EXPECT_EQ(badge_seen(ep, b5), 5);
    long s = slot_alloc();
    EXPECT_EQ(mica_cap_copy(b5, -1, s, MICA_R_ALL, 6), -EPERM);
    EXPECT_EQ(mica_cap_info(s), -EBADF);
    EXPECT_EQ(mica_cap_copy(b5, -1, s, MICA_R_WRITE, 0), 0);   /* keeps the badge */
    EXPECT_EQ(badge_seen(ep, s), 5);
    long s2 = slot_alloc();
    EXPECT_EQ(mica_cap_copy(s, -1, s2, MICA_R_WRITE, 7), -EPERM);
    slot_free(s2);
    slot_free(s);
    kt_free(b5);
    kt_free(ep);
}

void cap_copy_errors(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long taken = kt_new(MICA_OBJ_NOTIFICATION, 0);
    long dst = slot_alloc();
    long empty = slot_alloc();
    EXPECT_EQ(mica_cap_copy(empty, -1, dst, MICA_R_ALL, 0), -EBADF);
    EXPECT_EQ(mica_cap_copy(ep, -1, taken, MICA_R_ALL, 0), -EEXIST);
    EXPECT_EQ(mica_cap_copy(ep, -1, ep, MICA_R_ALL, 0), -EEXIST);
    EXPECT_EQ(mica_cap_info(taken), INFO(MICA_OBJ_NOTIFICATION, MICA_R_ALL));
    /* The destination process: empty, not a process, no write right. */
    EXPECT_EQ(mica_cap_copy(ep, empty, dst, MICA_R_ALL, 0), -EBADF);
    EXPECT_EQ(mica_cap_copy(ep, taken, dst, MICA_R_ALL, 0), -EINVAL);
    long self_ro = kt_copy(MICA_SLOT_SELF, MICA_R_READ, 0);
    EXPECT_EQ(mica_cap_copy(ep, self_ro, dst, MICA_R_ALL, 0), -EACCES);
    long self_rw = kt_copy(MICA_SLOT_SELF, MICA_R_WRITE, 0);
    EXPECT_EQ(mica_cap_copy(ep, self_rw, dst, MICA_R_ALL, 0), 0);   /* own, by capability */
    EXPECT_EQ(mica_cap_info(dst), INFO(MICA_OBJ_ENDPOINT, MICA_R_ALL));
    kt_free(self_rw);
    kt_free(self_ro);
    slot_free(empty);
    slot_free(dst);
    kt_free(taken);
    kt_free(ep);
}

void cap_copy_other_process(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long p = kt_new(MICA_OBJ_PROCESS, 16);
    EXPECT_EQ(mica_cap_copy(ep, p, 3, MICA_R_ALL, 0), 0);
    EXPECT_EQ(mica_cap_copy(ep, p, 3, MICA_R_ALL, 0), -EEXIST);
    EXPECT_EQ(mica_cap_copy(ep, p, 16, MICA_R_ALL, 0), -EBADF);
    EXPECT_EQ(mica_cap_copy(ep, p, 0, MICA_R_ALL, 0), -EBADF);
    EXPECT_EQ(mica_process_destroy(p), 0);
    EXPECT_EQ(mica_cap_copy(ep, p, 4, MICA_R_ALL, 0), -ESRCH);
    kt_free(p);

    /* What the other process sees in the slot. */
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, 0, 0, 0, 0) == 0) {
        struct mica_msg m;
        long ro = kt_copy(ep, MICA_R_READ | MICA_R_GRANT, 0);
        EXPECT_EQ(mica_cap_copy(ro, h.c.proc, 20, MICA_R_ALL, 9), 0);
        EXPECT_EQ(kt_helper_cmd(&h, KT_CMD_CAPINFO, 20, 0, &m), 0);
        EXPECT_EQ(m.w[0], INFO(MICA_OBJ_ENDPOINT, MICA_R_READ | MICA_R_GRANT));
        EXPECT_EQ(kt_helper_cmd(&h, KT_CMD_CAPINFO, 21, 0, &m), 0);
        EXPECT_EQ(m.w[0], -EBADF);
        kt_free(ro);
        /* Revoking our original reaches into the other process. */
        EXPECT_EQ(mica_cap_revoke(ep), 0);
        EXPECT_EQ(kt_helper_cmd(&h, KT_CMD_CAPINFO, 20, 0, &m), 0);
        EXPECT_EQ(m.w[0], -EBADF);
        kt_helper_stop(&h);
    }
    kt_free(ep);
}

void cap_move(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long child = kt_copy(ep, MICA_R_READ, 0);
    long dst = slot_alloc();
    EXPECT_EQ(mica_cap_move(ep, dst), 0);
    EXPECT_EQ(mica_cap_info(ep), -EBADF);
    EXPECT_EQ(mica_cap_info(dst), INFO(MICA_OBJ_ENDPOINT, MICA_R_ALL));
    /* A moved child keeps its place under its parent. */
    long moved = slot_alloc();
    EXPECT_EQ(mica_cap_move(child, moved), 0);
    EXPECT_EQ(mica_cap_info(moved), INFO(MICA_OBJ_ENDPOINT, MICA_R_READ));
    /* The derivation tree moved along: revoke at the new place. */
    EXPECT_EQ(mica_cap_revoke(dst), 0);
    EXPECT_EQ(mica_cap_info(moved), -EBADF);
    EXPECT_EQ(mica_cap_info(dst), INFO(MICA_OBJ_ENDPOINT, MICA_R_ALL));
    /* Errors. */
    long taken = kt_new(MICA_OBJ_NOTIFICATION, 0);
    EXPECT_EQ(mica_cap_move(ep, moved), -EBADF);
    EXPECT_EQ(mica_cap_move(dst, taken), -EEXIST);
    EXPECT_EQ(mica_cap_move(dst, dst), -EEXIST);
    EXPECT_EQ(mica_cap_move(dst, 0), -EBADF);
    EXPECT_EQ(mica_cap_info(dst), INFO(MICA_OBJ_ENDPOINT, MICA_R_ALL));
    kt_free(taken);
    slot_free(moved);
    slot_free(child);
    slot_free(dst);
    slot_free(ep);
}

void cap_delete_keeps_children(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long c = kt_copy(ep, MICA_R_ALL, 0);
    long g = kt_copy(c, MICA_R_READ, 0);
    EXPECT_EQ(mica_cap_delete(ep), 0);
    EXPECT_EQ(mica_cap_delete(ep), -EBADF);
    EXPECT_EQ(mica_cap_info(c), INFO(MICA_OBJ_ENDPOINT, MICA_R_ALL));
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_nbrecv(c, &m), -EAGAIN);          /* the endpoint lives on */
    EXPECT_EQ(mica_cap_delete(c), 0);
    EXPECT_EQ(mica_nbrecv(g, &m), -EAGAIN);
    /* g moved up to the top: a copy of it is its child, and revoke finds it. */
    long gg = kt_copy(g, MICA_R_ALL, 0);
    EXPECT_EQ(mica_cap_revoke(g), 0);
    EXPECT_EQ(mica_cap_info(gg), -EBADF);
    slot_free(gg);
    kt_free(g);
    slot_free(c);
    slot_free(ep);
}

void cap_revoke(void)
{
    long o = kt_new(MICA_OBJ_ENDPOINT, 0);
    long c1 = kt_copy(o, MICA_R_ALL, 0);
    long c2 = kt_copy(o, MICA_R_READ, 3);
    long g1 = kt_copy(c1, MICA_R_ALL, 4);
    long g2 = kt_copy(g1, MICA_R_ALL, 0);
    EXPECT_EQ(mica_cap_revoke(c1), 0);               /* a middle one: its subtree */
    EXPECT_EQ(mica_cap_info(g1), -EBADF);
    EXPECT_EQ(mica_cap_info(g2), -EBADF);
    EXPECT_EQ(mica_cap_info(c1), INFO(MICA_OBJ_ENDPOINT, MICA_R_ALL));
    EXPECT_EQ(mica_cap_info(c2), INFO(MICA_OBJ_ENDPOINT, MICA_R_READ));
    EXPECT_EQ(mica_cap_revoke(o), 0);
    EXPECT_EQ(mica_cap_info(c1), -EBADF);
    EXPECT_EQ(mica_cap_info(c2), -EBADF);
    EXPECT_EQ(mica_cap_info(o), INFO(MICA_OBJ_ENDPOINT, MICA_R_ALL));  /* the original stays */
    EXPECT_EQ(mica_cap_revoke(o), 0);                /* nothing left to revoke */
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_nbrecv(o, &m), -EAGAIN);
    slot_free(g2);
    slot_free(g1);
    slot_free(c2);
    slot_free(c1);
    kt_free(o);
}

/* A thread waiting in RECV keeps waiting while any capability to the
 * endpoint exists, and gets -EPEERDIED when the last one goes. */
void cap_revoke_recv_waiter(void)
{
    long o = kt_new(MICA_OBJ_ENDPOINT, 0);
    long c = kt_copy(o, MICA_R_READ, 0);
    struct kt_async a;
    kt_async_recv(&a, c);
    EXPECT_EQ(a.result, 1);
    EXPECT_EQ(mica_cap_revoke(o), 0);
    kt_settle();
    EXPECT_EQ(mica_cap_info(c), -EBADF);
    EXPECT_EQ(a.result, 1);
    kt_free(o);
    EXPECT(kt_thread_join(&a.t));
    EXPECT_EQ(a.result, -EPEERDIED);
    kt_async_stop(&a);
    slot_free(c);
}

static void waiter(uint64_t p)
{
    struct kt_async *a = (struct kt_async *)p;
    a->result = mica_wait(a->slot);
}

static void sender(uint64_t p)
{
    struct kt_async *a = (struct kt_async *)p;
    a->result = mica_send(a->slot, &a->m);
}

void cap_delete_wakes_waiters(void)
{
    /* WAIT on a notification. */
    struct kt_async w = { .slot = kt_new(MICA_OBJ_NOTIFICATION, 0), .result = 1 };
    kt_thread_start(&w.t, waiter, (uint64_t)&w, KT_PRIO, 0);
    kt_settle();
    EXPECT_EQ(w.result, 1);
    kt_free(w.slot);
    EXPECT(kt_thread_join(&w.t));
    EXPECT_EQ(w.result, -EPEERDIED);
    kt_thread_stop(&w.t);

    /* SEND and CALL on an endpoint, both queued. */
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_async s = { .slot = ep, .result = 1, .m = { .info = MICA_INFO(1, 1, 0, 0) } };
    kt_thread_start(&s.t, sender, (uint64_t)&s, KT_PRIO, 0);
    struct kt_async c;
    kt_async_call(&c, ep, 2, 0, 0);
    EXPECT_EQ(s.result, 1);
    EXPECT_EQ(c.result, 1);
    kt_free(ep);
    EXPECT(kt_thread_join(&s.t));
    EXPECT(kt_thread_join(&c.t));
    EXPECT_EQ(s.result, -EPEERDIED);
    EXPECT_EQ(c.result, -EPEERDIED);
    kt_thread_stop(&s.t);
    kt_async_stop(&c);
}

/* The IRQ and device control capabilities name boot-time objects that are
 * never freed: deleting the last capability to one is allowed and leaves
 * the kernel standing. Runs alone: ktest cannot get them back. */
void cap_delete_control(void)
{
    long moved = slot_alloc();
    EXPECT_EQ(mica_cap_move(MICA_SLOT_IRQ_CONTROL, moved), 0);
    EXPECT_EQ(mica_cap_delete(moved), 0);
    EXPECT_EQ(mica_cap_delete(MICA_SLOT_DEVICE_CONTROL), 0);
    EXPECT_EQ(mica_cap_info(MICA_SLOT_DEVICE_CONTROL), -EBADF);
    EXPECT_EQ(mica_irq_get(MICA_SLOT_IRQ_CONTROL, 1, moved), -EBADF);
    slot_free(moved);
}
