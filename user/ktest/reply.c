/*
 * Cases: answering calls. SAVE_REPLY and SEND on the reply capability from
 * another thread, the one-shot rule (double reply), deleting an unanswered
 * reply, and callers that go away before the answer.
 */
#include "ktest.h"

struct replier {
    struct kt_thread t;
    long reply;
    struct mica_msg m;
    volatile long result;
};

static void reply_through(uint64_t p)
{
    struct replier *r = (struct replier *)p;
    struct mica_ipc_buffer *buf = mica_ipcbuf();
    buf->mr[4] = 0x44;
    r->result = mica_send(r->reply, &r->m);
}

void reply_saved(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_async c;
    kt_async_call(&c, ep, 1, 11, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(m.w[0], 11);
    long saved = slot_alloc(), moved = slot_alloc(), copy = slot_alloc();
    EXPECT_EQ(mica_save_reply(saved), 0);
    EXPECT_EQ(mica_cap_info(saved), MICA_OBJ_REPLY);
    EXPECT_EQ(mica_reply(&m), -ESRCH);                /* the implicit right went with it */
    EXPECT_EQ(mica_cap_copy(saved, -1, copy, MICA_R_ALL, 0), -EINVAL);
    EXPECT_EQ(mica_cap_move(saved, moved), 0);
    EXPECT_EQ(mica_cap_revoke(moved), 0);             /* no children: nothing happens */
    /* Another thread answers, with five words. */
    struct replier r = { .reply = moved, .result = 1,
                         .m = { .info = MICA_INFO(2, 5, 0, 0), .w = { 1, 2, 3, 4 } } };
    kt_thread_start(&r.t, reply_through, (uint64_t)&r, KT_PRIO, 0);
    EXPECT(kt_thread_join(&r.t));
    EXPECT_EQ(r.result, 0);
    kt_thread_stop(&r.t);
    EXPECT(kt_thread_join(&c.t));
    EXPECT_EQ(c.result, 0);
    EXPECT_EQ(c.m.info, MICA_INFO(2, 5, 0, 0));
    EXPECT_EQ(c.m.w[3], 4);
    EXPECT_EQ(kt_thread_ipcbuf(&c.t)->mr[4], 0x44);
    EXPECT_EQ(c.m.badge, 0);
    kt_async_stop(&c);
    EXPECT_EQ(mica_cap_info(moved), -EBADF);          /* consumed */
    slot_free(copy);
    slot_free(moved);
    slot_free(saved);
    kt_free(ep);
}

void reply_saved_errors(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long s = slot_alloc();
    EXPECT_EQ(mica_save_reply(s), -ESRCH);            /* no call to answer */
    struct kt_async c;
    kt_async_call(&c, ep, 1, 0, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(mica_save_reply(0), -EBADF);
    EXPECT_EQ(mica_save_reply(MICA_MAX_SLOTS), -EBADF);
    EXPECT_EQ(mica_save_reply(-1), -EBADF);
    EXPECT_EQ(mica_save_reply(ep), -EEXIST);
    EXPECT_EQ(mica_save_reply(s), 0);
    EXPECT_EQ(mica_save_reply(s), -ESRCH);            /* saved once only */
    EXPECT_EQ(mica_cap_move(s, MICA_SLOT_NULL), -EBADF);
    m.info = MICA_INFO(0, 1, 0, 0);
    m.w[0] = 12;
    EXPECT_EQ(mica_reply(&m), -ESRCH);
    EXPECT_EQ(mica_send(s, &m), 0);                   /* failed saves changed nothing */
    EXPECT(kt_thread_join(&c.t));
    EXPECT_EQ(c.m.w[0], 12);
    kt_async_stop(&c);
    slot_free(s);
    kt_free(ep);
}

void reply_double(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_async c;
    kt_async_call(&c, ep, 1, 0, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(ep, &m), 0);
    m.info = MICA_INFO(0, 0, 0, 0);
    EXPECT_EQ(mica_reply(&m), 0);
    EXPECT_EQ(mica_reply(&m), -ESRCH);
    EXPECT(kt_thread_join(&c.t));
    kt_async_stop(&c);
    /* Through a saved capability. */
    long r = slot_alloc();
    kt_async_call(&c, ep, 1, 0, 0);
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(mica_save_reply(r), 0);
    m.info = MICA_INFO(0, 0, 0, 0);
    EXPECT_EQ(mica_send(r, &m), 0);
    EXPECT_EQ(mica_send(r, &m), -EBADF);
    EXPECT_EQ(mica_nbsend(r, &m), -EBADF);
    EXPECT(kt_thread_join(&c.t));
    EXPECT_EQ(c.result, 0);
    kt_async_stop(&c);
    slot_free(r);
    kt_free(ep);
}

/* Deleting an unanswered reply capability: the caller gets -EPEERDIED. */
void reply_cap_deleted(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_async c;
    kt_async_call(&c, ep, 1, 0, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(ep, &m), 0);
    long r = slot_alloc();
    EXPECT_EQ(mica_save_reply(r), 0);
    EXPECT_EQ(c.result, 1);
    EXPECT_EQ(mica_cap_delete(r), 0);
    EXPECT(kt_thread_join(&c.t));
    EXPECT_EQ(c.result, -EPEERDIED);
    kt_async_stop(&c);
    EXPECT_EQ(mica_grant_copy(r, 0, &m, 8, MICA_GRANT_FROM), -EBADF);
    slot_free(r);
    kt_free(ep);
}

/* Receiving the next call without answering drops the implicit reply
 * right; an NBRECV that finds nothing changes nothing. */
void reply_recv_drops_caller(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_async c1, c2;
    kt_async_call(&c1, ep, 1, 0, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(mica_nbrecv(ep, &m), -EAGAIN);
    kt_settle();
    EXPECT_EQ(c1.result, 1);
    kt_async_call(&c2, ep, 2, 0, 0);
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(MICA_INFO_LABEL(m.info), 2);
    EXPECT(kt_thread_join(&c1.t));
    EXPECT_EQ(c1.result, -EPEERDIED);
    m.info = MICA_INFO(0, 0, 0, 0);
    EXPECT_EQ(mica_reply(&m), 0);
    EXPECT(kt_thread_join(&c2.t));
    EXPECT_EQ(c2.result, 0);
    EXPECT_EQ(mica_reply(&m), -ESRCH);
    kt_async_stop(&c2);
    kt_async_stop(&c1);
    kt_free(ep);
}

/* A caller suspended while it waits for the answer: nobody can answer it
 * any more, and it sees -EINTR when resumed. */
void reply_suspended_caller(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_async c;
    kt_async_call(&c, ep, 1, 0, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(mica_thread_suspend(c.t.slot), 0);
    m.info = MICA_INFO(0, 0, 0, 0);
    EXPECT_EQ(mica_reply(&m), -ESRCH);
    EXPECT_EQ(mica_thread_resume(c.t.slot), 0);
    EXPECT(kt_thread_join(&c.t));
    EXPECT_EQ(c.result, -EINTR);
    kt_async_stop(&c);
    /* The same with the answer saved as a capability: it goes away. */
    long r = slot_alloc();
    kt_async_call(&c, ep, 1, 0, 0);
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(mica_save_reply(r), 0);
    EXPECT_EQ(mica_thread_suspend(c.t.slot), 0);
    EXPECT_EQ(mica_cap_info(r), -EBADF);
    EXPECT_EQ(mica_thread_resume(c.t.slot), 0);
    EXPECT(kt_thread_join(&c.t));
    EXPECT_EQ(c.result, -EINTR);
    kt_async_stop(&c);
    /* A caller that dies: its thread is deleted while we hold the call. */
    kt_async_call(&c, ep, 1, 0, 0);
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(mica_save_reply(r), 0);
    kt_async_stop(&c);
    EXPECT_EQ(mica_cap_info(r), -EBADF);
    EXPECT_EQ(mica_send(r, &m), -EBADF);
    slot_free(r);
    kt_free(ep);
}
