/*
 * Cases: endpoint IPC. SEND, NBSEND, RECV, NBRECV, CALL and REPLY_RECV with
 * 0, 4, 5 and 64 words (those beyond 4 in the IPC buffer), messages too
 * long, badges, and capability transfer.
 */
#include "ktest.h"

static const unsigned lengths[] = { 0, 4, 5, MICA_MSG_MAX };

static uint64_t word(unsigned i, uint64_t seed)
{
    return seed << 32 | i;
}

/* Puts a message of len words in m and the IPC buffer buf. */
static void fill(struct mica_msg *m, struct mica_ipc_buffer *buf, uint64_t label, unsigned len,
                 uint64_t seed)
{
    m->info = MICA_INFO(label, len, 0, 0);
    for (unsigned i = 0; i < len; i++) {
        if (i < MICA_MSG_REGS)
            m->w[i] = word(i, seed);
        else
            buf->mr[i] = word(i, seed);
    }
}

/* The number of words of a received message that are not as filled + add. */
static int mismatches(const struct mica_msg *m, const struct mica_ipc_buffer *buf, unsigned len,
                      uint64_t seed, uint64_t add)
{
    int bad = 0;
    for (unsigned i = 0; i < len; i++) {
        uint64_t got = i < MICA_MSG_REGS ? m->w[i] : buf->mr[i];
        bad += got != word(i, seed) + add;
    }
    return bad;
}

struct sender {
    struct kt_thread t;
    long ep;
    unsigned len;
    uint64_t seed;
    volatile long result;
};

static void send_filled(uint64_t p)
{
    struct sender *s = (struct sender *)p;
    struct mica_msg m;
    fill(&m, mica_ipcbuf(), 9, s->len, s->seed);
    s->result = mica_send(s->ep, &m);
}

void ipc_send_lengths(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    for (unsigned k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        unsigned len = lengths[k];
        /* The receiver waits first. */
        struct kt_async a;
        kt_async_recv(&a, ep);
        struct mica_msg m;
        fill(&m, mica_ipcbuf(), 9, len, 10 + k);
        EXPECT_EQ(mica_send(ep, &m), 0);
        EXPECT(kt_thread_join(&a.t));
        EXPECT_EQ(a.result, 0);
        EXPECT_EQ(a.m.info, MICA_INFO(9, len, 0, 0));
        EXPECT_EQ(mismatches(&a.m, kt_thread_ipcbuf(&a.t), len, 10 + k, 0), 0);
        kt_async_stop(&a);
        /* The sender waits first. */
        struct sender s = { .ep = ep, .len = len, .seed = 20 + k, .result = 1 };
        kt_thread_start(&s.t, send_filled, (uint64_t)&s, KT_PRIO, 0);
        kt_settle();
        EXPECT_EQ(s.result, 1);
        EXPECT_EQ(mica_recv(ep, &m), 0);
        EXPECT_EQ(m.info, MICA_INFO(9, len, 0, 0));
        EXPECT_EQ(mismatches(&m, mica_ipcbuf(), len, 20 + k, 0), 0);
        EXPECT(kt_thread_join(&s.t));
        EXPECT_EQ(s.result, 0);
        kt_thread_stop(&s.t);
    }
    kt_free(ep);
}

/* Answers each call with every word plus one and the label plus one. */
static void adder(uint64_t p)
{
    struct kt_async *a = (struct kt_async *)p;
    struct mica_ipc_buffer *buf = mica_ipcbuf();
    struct mica_msg m = { 0 };
    long r = mica_recv(a->slot, &m);
    while (r == 0) {
        unsigned len = MICA_INFO_LEN(m.info);
        for (unsigned i = 0; i < len; i++) {
            if (i < MICA_MSG_REGS)
                m.w[i]++;
            else
                buf->mr[i]++;
        }
        m.info = MICA_INFO(MICA_INFO_LABEL(m.info) + 1, len, 0, 0);
        r = mica_reply_recv(a->slot, &m);
    }
    a->result = r;
}

void ipc_call_lengths(void)
{
    struct kt_async server = { .slot = kt_new(MICA_OBJ_ENDPOINT, 0) };
    kt_thread_start(&server.t, adder, (uint64_t)&server, KT_PRIO, 0);
    for (unsigned k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        unsigned len = lengths[k];
        struct mica_msg m;
        fill(&m, mica_ipcbuf(), 30, len, 40 + k);
        EXPECT_EQ(mica_call(server.slot, &m), 0);
        EXPECT_EQ(m.info, MICA_INFO(31, len, 0, 0));
        EXPECT_EQ(mismatches(&m, mica_ipcbuf(), len, 40 + k, 1), 0);
        EXPECT_EQ(m.badge, 0);
    }
    kt_thread_stop(&server.t);
    kt_free(server.slot);
}

void ipc_too_long(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    const unsigned too_long[] = { MICA_MSG_MAX + 1, 255 };
    for (unsigned k = 0; k < 2; k++) {
        struct mica_msg m = { .info = MICA_INFO(1, too_long[k], 0, 0) };
        EXPECT_EQ(mica_send(ep, &m), -E2BIG);
        EXPECT_EQ(mica_nbsend(ep, &m), -E2BIG);
        EXPECT_EQ(mica_call(ep, &m), -E2BIG);
        EXPECT_EQ(mica_reply(&m), -ESRCH);            /* nobody to answer comes first */
    }
    /* Answers that are too long, to a real caller. */
    struct kt_async c;
    kt_async_call(&c, ep, 1, 0, 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(ep, &m), 0);
    m.info = MICA_INFO(0, MICA_MSG_MAX + 1, 0, 0);
    EXPECT_EQ(mica_reply(&m), -E2BIG);
    m.info = MICA_INFO(0, MICA_MSG_MAX + 1, 0, 0);
    EXPECT_EQ(mica_reply_recv(ep, &m), -E2BIG);
    long r = slot_alloc();
    EXPECT_EQ(mica_save_reply(r), 0);
    m.info = MICA_INFO(0, MICA_MSG_MAX + 1, 0, 0);
    EXPECT_EQ(mica_send(r, &m), -E2BIG);
    EXPECT_EQ(c.result, 1);                            /* still waiting */
    fill(&m, mica_ipcbuf(), 2, MICA_MSG_MAX, 50);
    EXPECT_EQ(mica_send(r, &m), 0);
    EXPECT(kt_thread_join(&c.t));
    EXPECT_EQ(c.result, 0);
    EXPECT_EQ(c.m.info, MICA_INFO(2, MICA_MSG_MAX, 0, 0));
    EXPECT_EQ(mismatches(&c.m, kt_thread_ipcbuf(&c.t), MICA_MSG_MAX, 50, 0), 0);
    kt_async_stop(&c);
    slot_free(r);
    kt_free(ep);
}

struct noipc {
    struct kt_thread t;
    long ep, ntfn;
    volatile long long_send, short_send, cap_send, grant_call, recv, long_reply, reply;
    struct mica_msg m;
};

static void without_ipc_buffer(uint64_t p)
{
    struct noipc *x = (struct noipc *)p;
    mica_wait(x->ntfn);
    struct mica_msg m = { .info = MICA_INFO(1, MICA_MSG_REGS + 1, 0, 0) };
    x->long_send = mica_nbsend(x->ep, &m);
    m.info = MICA_INFO(1, MICA_MSG_REGS, 0, 0);
    x->short_send = mica_nbsend(x->ep, &m);
    m.info = MICA_INFO(1, 0, 1, 0);
    x->cap_send = mica_nbsend(x->ep, &m);
    m.info = MICA_INFO(1, 0, 0, 1);
    x->grant_call = mica_call(x->ep, &m);
    x->recv = mica_recv(x->ep, &x->m);
    m.info = MICA_INFO(2, MICA_MSG_REGS + 1, 0, 0);
    x->long_reply = mica_reply(&m);
    m = (struct mica_msg){ .info = MICA_INFO(2, MICA_MSG_REGS, 0, 0), .w = { 1, 2, 3, 4 } };
    x->reply = mica_reply(&m);
}

/* A thread without an IPC buffer can send only the register words, lends
 * nothing, and receives only the register words. */
void ipc_without_ipc_buffer(void)
{
    struct noipc x = { .ep = kt_new(MICA_OBJ_ENDPOINT, 0),
                       .ntfn = kt_new(MICA_OBJ_NOTIFICATION, 0), .recv = 1 };
    kt_thread_start(&x.t, without_ipc_buffer, (uint64_t)&x, KT_PRIO, 0);
    kt_settle();
    EXPECT_EQ(mica_thread_configure(x.t.slot, 0, KT_PRIO, NULL), 0);
    EXPECT_EQ(mica_signal(x.ntfn), 0);
    kt_settle();
    EXPECT_EQ(x.long_send, -EINVAL);
    EXPECT_EQ(x.short_send, -EAGAIN);
    EXPECT_EQ(x.cap_send, -EBADF);
    EXPECT_EQ(x.grant_call, -EINVAL);
    struct mica_msg m;
    fill(&m, mica_ipcbuf(), 3, MICA_MSG_MAX, 60);
    EXPECT_EQ(mica_call(x.ep, &m), 0);
    EXPECT(kt_thread_join(&x.t));
    EXPECT_EQ(x.recv, 0);
    EXPECT_EQ(x.m.info, MICA_INFO(3, MICA_MSG_REGS, 0, 0));
    EXPECT_EQ(mismatches(&x.m, NULL, MICA_MSG_REGS, 60, 0), 0);
    EXPECT_EQ(x.long_reply, -EINVAL);
    EXPECT_EQ(x.reply, 0);
    EXPECT_EQ(m.info, MICA_INFO(2, MICA_MSG_REGS, 0, 0));
    EXPECT_EQ(m.w[3], 4);
    kt_thread_stop(&x.t);
    kt_free(x.ntfn);
    kt_free(x.ep);
}

/* A sender blocked with a long message loses its IPC buffer (another
 * thread reconfigures it): the words that were there cannot travel. */
void ipc_sender_loses_ipc_buffer(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct sender s = { .ep = ep, .len = MICA_MSG_MAX, .seed = 70, .result = 1 };
    kt_thread_start(&s.t, send_filled, (uint64_t)&s, KT_PRIO, 0);
    kt_settle();
    EXPECT_EQ(s.result, 1);
    EXPECT_EQ(mica_thread_configure(s.t.slot, 0, KT_PRIO, NULL), 0);
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT_EQ(m.info, MICA_INFO(9, MICA_MSG_REGS, 0, 0));
    EXPECT_EQ(mismatches(&m, NULL, MICA_MSG_REGS, 70, 0), 0);
    EXPECT(kt_thread_join(&s.t));
    EXPECT_EQ(s.result, 0);
    kt_thread_stop(&s.t);
    kt_free(ep);
}

/* A blocked sender's registers rewritten (THREAD_WRITE_REGS) to claim a
 * longer message than MICA_MSG_MAX: no more than that is delivered. */
void ipc_sender_regs_rewritten(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct sender s = { .ep = ep, .len = 5, .seed = 80, .result = 1 };
    kt_thread_start(&s.t, send_filled, (uint64_t)&s, KT_PRIO, 0);
    kt_settle();
    struct mica_regs r;
    EXPECT_EQ(mica_thread_read_regs(s.t.slot, &r, 0), 0);
    EXPECT_EQ(r.x[10], MICA_INFO(9, 5, 0, 0));        /* a1 */
    r.x[10] = MICA_INFO(9, 255, 0, 0);
    EXPECT_EQ(mica_thread_write_regs(s.t.slot, &r, 0), 0);
    struct mica_ipc_buffer *buf = mica_ipcbuf();
    buf->send_cap = 0x5e5e;
    buf->recv_slot = 0;
    struct mica_msg m = { 0 };
    EXPECT_EQ(mica_recv(ep, &m), 0);
    EXPECT(MICA_INFO_LEN(m.info) <= MICA_MSG_MAX);
    EXPECT_EQ(buf->send_cap, 0x5e5e);                  /* beyond mr[]: untouched */
    EXPECT_EQ(mismatches(&m, buf, 5, 80, 0), 0);
    buf->send_cap = 0;
    EXPECT(kt_thread_join(&s.t));
    kt_thread_stop(&s.t);
    kt_free(ep);
}

static void send_one(uint64_t p)
{
    struct kt_async *a = (struct kt_async *)p;
    a->result = mica_send(a->slot, &a->m);
}

void ipc_nonblocking(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct mica_msg m = { .info = MICA_INFO(3, 1, 0, 0), .w = { 7 } };
    EXPECT_EQ(mica_nbsend(ep, &m), -EAGAIN);
    EXPECT_EQ(mica_nbrecv(ep, &m), -EAGAIN);
    struct kt_async a;
    kt_async_recv(&a, ep);
    m = (struct mica_msg){ .info = MICA_INFO(3, 1, 0, 0), .w = { 7 } };
    EXPECT_EQ(mica_nbsend(ep, &m), 0);
    EXPECT(kt_thread_join(&a.t));
    EXPECT_EQ(a.m.w[0], 7);
    kt_async_stop(&a);
    /* A queued sender and a queued caller, taken without blocking. */
    struct kt_async s = { .slot = ep, .result = 1,
                          .m = { .info = MICA_INFO(4, 1, 0, 0), .w = { 8 } } };
    kt_thread_start(&s.t, send_one, (uint64_t)&s, KT_PRIO, 0);
    kt_settle();
    m = (struct mica_msg){ 0 };
    EXPECT_EQ(mica_nbrecv(ep, &m), 0);
    EXPECT_EQ(m.info, MICA_INFO(4, 1, 0, 0));
    EXPECT_EQ(m.w[0], 8);
    EXPECT(kt_thread_join(&s.t));
    EXPECT_EQ(s.result, 0);
    kt_thread_stop(&s.t);
    struct kt_async c;
    kt_async_call(&c, ep, 5, 9, 0);
    EXPECT_EQ(mica_nbrecv(ep, &m), 0);
    EXPECT_EQ(m.w[0], 9);
    m.info = MICA_INFO(6, 1, 0, 0);
    m.w[0] = 10;
    EXPECT_EQ(mica_reply(&m), 0);
    EXPECT(kt_thread_join(&c.t));
    EXPECT_EQ(c.result, 0);
    EXPECT_EQ(c.m.w[0], 10);
    kt_async_stop(&c);
    kt_free(ep);
}

void ipc_errors(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    long empty = slot_alloc();
    long ro = kt_copy(ep, MICA_R_READ, 0), wo = kt_copy(ep, MICA_R_WRITE, 0);
    struct mica_msg m = { .info = MICA_INFO(1, 0, 0, 0) };
    const long none[] = { empty, MICA_SLOT_NULL, MICA_MAX_SLOTS };
    for (unsigned i = 0; i < 3; i++) {
        EXPECT_EQ(mica_send(none[i], &m), -EBADF);
        EXPECT_EQ(mica_nbsend(none[i], &m), -EBADF);
        EXPECT_EQ(mica_call(none[i], &m), -EBADF);
        EXPECT_EQ(mica_recv(none[i], &m), -EBADF);
        EXPECT_EQ(mica_nbrecv(none[i], &m), -EBADF);
        EXPECT_EQ(mica_reply_recv(none[i], &m), -EBADF);
    }
    const long wrong[] = { n, MICA_SLOT_IPC_BUFFER, MICA_SLOT_SELF };
    for (unsigned i = 0; i < 3; i++) {
        m.info = MICA_INFO(1, 0, 0, 0);
        EXPECT_EQ(mica_send(wrong[i], &m), -EINVAL);
        EXPECT_EQ(mica_nbsend(wrong[i], &m), -EINVAL);
        EXPECT_EQ(mica_call(wrong[i], &m), -EINVAL);
        EXPECT_EQ(mica_reply_recv(wrong[i], &m), -EINVAL);
        if (wrong[i] != n) {      /* RECV on a notification: see notify.c */
            EXPECT_EQ(mica_recv(wrong[i], &m), -EINVAL);
            EXPECT_EQ(mica_nbrecv(wrong[i], &m), -EINVAL);
        }
    }
    m.info = MICA_INFO(1, 0, 0, 0);
    EXPECT_EQ(mica_send(ro, &m), -EACCES);
    EXPECT_EQ(mica_nbsend(ro, &m), -EACCES);
    EXPECT_EQ(mica_call(ro, &m), -EACCES);
    EXPECT_EQ(mica_recv(wo, &m), -EACCES);
    EXPECT_EQ(mica_nbrecv(wo, &m), -EACCES);
    EXPECT_EQ(mica_reply_recv(wo, &m), -EACCES);
    /* Bad message info: two or three capabilities, a grant on a send. */
    m.info = MICA_INFO(1, 0, 2, 0);
    EXPECT_EQ(mica_nbsend(ep, &m), -EINVAL);
    m.info = MICA_INFO(1, 0, 3, 0);
    EXPECT_EQ(mica_call(ep, &m), -EINVAL);
    m.info = MICA_INFO(1, 0, 0, 1);
    EXPECT_EQ(mica_nbsend(ep, &m), -EINVAL);
    m.info = MICA_INFO(1, 0, 0, 1);
    EXPECT_EQ(mica_send(ep, &m), -EINVAL);
    m.info = MICA_INFO(1, 0, 0, 0);
    EXPECT_EQ(mica_reply(&m), -ESRCH);
    kt_free(wo);
    kt_free(ro);
    slot_free(empty);
    kt_free(n);
    kt_free(ep);
}

/* Answers each call with w0 + 1 and the badge it came with in w1. */
static void echo(uint64_t ep)
{
    struct mica_msg m = { 0 };
    long r = mica_recv((long)ep, &m);
    while (r == 0) {
        m.info = MICA_INFO(0, 2, 0, 0);
        m.w[1] = m.badge;
        m.w[0] += 1;
        r = mica_reply_recv((long)ep, &m);
    }
}

void ipc_badges(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long b = kt_copy(ep, MICA_R_WRITE, 0xbadd);
    struct kt_async a;
    kt_async_recv(&a, ep);
    struct mica_msg m = { .info = MICA_INFO(1, 0, 0, 0) };
    EXPECT_EQ(mica_send(b, &m), 0);
    EXPECT(kt_thread_join(&a.t));
    EXPECT_EQ(a.m.badge, 0xbadd);
    kt_async_stop(&a);
    kt_async_recv(&a, ep);
    m.info = MICA_INFO(1, 0, 0, 0);
    EXPECT_EQ(mica_nbsend(ep, &m), 0);
    EXPECT(kt_thread_join(&a.t));
    EXPECT_EQ(a.m.badge, 0);
    kt_async_stop(&a);
    /* Calls: first before the server waits (general path), then while it
     * waits (fastpath); the answer carries no badge. */
    struct kt_thread t;
    kt_thread_start(&t, echo, (uint64_t)ep, KT_PRIO, 0);
    for (int i = 0; i < 2; i++) {
        m = (struct mica_msg){ .info = MICA_INFO(1, 1, 0, 0), .w = { 5 } };
        EXPECT_EQ(mica_call(b, &m), 0);
        EXPECT_EQ(m.w[0], 6);
        EXPECT_EQ(m.w[1], 0xbadd);
        EXPECT_EQ(m.badge, 0);
        m = (struct mica_msg){ .info = MICA_INFO(1, 1, 0, 0), .w = { 5 } };
        EXPECT_EQ(mica_call(ep, &m), 0);
        EXPECT_EQ(m.w[1], 0);
    }
    kt_thread_stop(&t);
    kt_free(b);
    kt_free(ep);
}

void ipc_cap_transfer(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long g = kt_copy(ep, MICA_R_WRITE | MICA_R_GRANT, 0);
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    long nb = kt_copy(n, MICA_R_WRITE, 8);
    long got = slot_alloc();
    struct kt_async a;
    kt_async_recv(&a, ep);
    kt_thread_ipcbuf(&a.t)->recv_slot = (uint64_t)got;
    mica_ipcbuf()->send_cap = (uint64_t)nb;
    struct mica_msg m = { .info = MICA_INFO(1, 1, 1, 0), .w = { 3 } };
    EXPECT_EQ(mica_send(g, &m), 0);
    EXPECT(kt_thread_join(&a.t));
    EXPECT_EQ(a.m.info, MICA_INFO(1, 1, 1, 0));
    EXPECT_EQ(a.m.w[0], 3);
    EXPECT_EQ(mica_cap_info(got), MICA_OBJ_NOTIFICATION | MICA_R_WRITE << 8);
    EXPECT_EQ(mica_cap_info(nb), MICA_OBJ_NOTIFICATION | MICA_R_WRITE << 8);  /* a copy */
    EXPECT_EQ(mica_signal(got), 0);
    EXPECT_EQ(mica_poll(n), 8);                       /* the badge came along */
    /* The received capability is derived from the sent one. */
    EXPECT_EQ(mica_cap_revoke(nb), 0);
    EXPECT_EQ(mica_cap_info(got), -EBADF);
    kt_async_stop(&a);
    slot_free(got);
    kt_free(nb);
    kt_free(n);
    kt_free(g);
    kt_free(ep);
}

void ipc_cap_transfer_errors(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    long g = kt_copy(ep, MICA_R_WRITE | MICA_R_GRANT, 0);
    long n = kt_new(MICA_OBJ_NOTIFICATION, 0);
    long empty = slot_alloc();
    struct mica_ipc_buffer *buf = mica_ipcbuf();
    struct mica_msg m = { .info = MICA_INFO(1, 0, 1, 0) };
    long nog = kt_copy(ep, MICA_R_READ | MICA_R_WRITE, 0);
    buf->send_cap = (uint64_t)n;
    EXPECT_EQ(mica_nbsend(nog, &m), -EACCES);         /* no grant right */
    EXPECT_EQ(mica_call(nog, &m), -EACCES);
    kt_free(nog);
    buf->send_cap = (uint64_t)empty;
    EXPECT_EQ(mica_nbsend(g, &m), -EBADF);
    buf->send_cap = 0;
    EXPECT_EQ(mica_nbsend(g, &m), -EBADF);
    /* The receiver has no room: the message comes, the capability not. */
    long taken = kt_new(MICA_OBJ_ENDPOINT, 0);
    const long slots[] = { 0, taken, MICA_MAX_SLOTS };
    for (unsigned i = 0; i < 3; i++) {
        struct kt_async a;
        kt_async_recv(&a, ep);
        kt_thread_ipcbuf(&a.t)->recv_slot = (uint64_t)slots[i];
        buf->send_cap = (uint64_t)n;
        m.info = MICA_INFO(1, 0, 1, 0);
        EXPECT_EQ(mica_send(g, &m), 0);
        EXPECT(kt_thread_join(&a.t));
        EXPECT_EQ(a.m.info, MICA_INFO(1, 0, 0, 0));
        kt_async_stop(&a);
    }
    EXPECT_EQ(mica_cap_info(taken), MICA_OBJ_ENDPOINT | MICA_R_ALL << 8);
    /* Reply capabilities do not travel; answers carry no capability. */
    struct kt_async c;
    kt_async_call(&c, ep, 1, 0, 0);
    EXPECT_EQ(mica_recv(ep, &m), 0);
    m.info = MICA_INFO(0, 0, 1, 0);
    buf->send_cap = (uint64_t)n;
    EXPECT_EQ(mica_reply(&m), -EINVAL);
    m.info = MICA_INFO(0, 0, 0, 1);
    EXPECT_EQ(mica_reply(&m), -EINVAL);
    long r = slot_alloc();
    EXPECT_EQ(mica_save_reply(r), 0);
    struct kt_async a;
    kt_async_recv(&a, ep);
    long got = slot_alloc();
    kt_thread_ipcbuf(&a.t)->recv_slot = (uint64_t)got;
    buf->send_cap = (uint64_t)r;
    m.info = MICA_INFO(1, 0, 1, 0);
    EXPECT_EQ(mica_send(g, &m), 0);
    EXPECT(kt_thread_join(&a.t));
    EXPECT_EQ(a.m.info, MICA_INFO(1, 0, 0, 0));
    EXPECT_EQ(mica_cap_info(got), -EBADF);
    kt_async_stop(&a);
    m.info = MICA_INFO(0, 0, 1, 0);
    EXPECT_EQ(mica_send(r, &m), -EINVAL);             /* through the reply capability */
    m.info = MICA_INFO(0, 0, 0, 0);
    EXPECT_EQ(mica_send(r, &m), 0);
    EXPECT(kt_thread_join(&c.t));
    EXPECT_EQ(c.result, 0);
    kt_async_stop(&c);
    buf->send_cap = 0;
    slot_free(got);
    slot_free(r);
    kt_free(taken);
    slot_free(empty);
    kt_free(n);
    kt_free(g);
    kt_free(ep);
}

void ipc_call_same_process(void)
{
    long ep = kt_new(MICA_OBJ_ENDPOINT, 0);
    struct kt_thread t;
    kt_thread_start(&t, echo, (uint64_t)ep, KT_PRIO, 0);
    long badged = kt_copy(ep, MICA_R_WRITE, 77);
    for (int i = 0; i < 3; i++) {
        struct mica_msg m = { .info = MICA_INFO(5, 1, 0, 0), .w = { 41 + (uint64_t)i } };
        EXPECT_EQ(mica_call(badged, &m), 0);
        EXPECT_EQ(m.w[0], 42 + i);
        EXPECT_EQ(m.w[1], 77);
    }
    kt_thread_stop(&t);
    kt_free(badged);
    kt_free(ep);
}

void ipc_call_other_process(void)
{
    struct kt_helper h;
    if (kt_helper_start(&h, KT_ROLE_SERVER, KT_HELPER_EP, 0, 0, 0, 0))
        return;
    long badged = kt_copy(h.ep, MICA_R_WRITE, 78);
    for (int i = 0; i < 3; i++) {
        struct mica_msg m = { .info = MICA_INFO(KT_CMD_ECHO, 1, 0, 0), .w = { 1 + (uint64_t)i } };
        EXPECT_EQ(mica_call(badged, &m), 0);
        EXPECT_EQ(m.w[0], 2 + i);
        EXPECT_EQ(m.w[1], 78);
    }
    kt_free(badged);
    long ep = kt_copy(h.ep, MICA_R_ALL, 0);
    kt_helper_stop(&h);
    /* The helper's thread no longer waits on the endpoint. */
    struct mica_msg m = { .info = MICA_INFO(1, 1, 0, 0) };
    EXPECT_EQ(mica_nbsend(ep, &m), -EAGAIN);
    kt_free(ep);
}

void ipc_reply_recv_loop(void)
{
    struct kt_async server = { .slot = kt_new(MICA_OBJ_ENDPOINT, 0) };
    kt_thread_start(&server.t, adder, (uint64_t)&server, KT_PRIO, 0);
    int bad = 0;
    for (uint64_t i = 0; i < 500; i++) {
        struct mica_msg m = { .info = MICA_INFO(i, 4, 0, 0), .w = { i, i, i, i } };
        bad += mica_call(server.slot, &m) != 0 || m.info != MICA_INFO(i + 1, 4, 0, 0) ||
               m.w[0] != i + 1 || m.w[3] != i + 1;
    }
    EXPECT_EQ(bad, 0);
    kt_thread_stop(&server.t);
    kt_free(server.slot);
}
