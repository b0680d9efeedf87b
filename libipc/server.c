/*
 * The native servers' receive loop (see server.h).
 */
#include "mica/server.h"

#include "mica/errno.h"
#include "mica/poison.h"
#include "mica/runtime.h"
#include "mica/service.h"
#include "mica/spawn.h"

long server_defer(struct request *r)
{
    (void)r;
    long slot = slot_alloc();
    if (slot < 0)
        return -ENOMEM;
    long err = mica_save_reply(slot);
    if (err) {
        slot_free(slot);
        return err;
    }
    return slot;
}

/* The first answer of an incarnation: when its clients got service back
 * (root's restart figures). */
static void note_answer(void)
{
    struct service_state *st = service_state();
    if (st && !st->answered_instret) {
        __asm__ volatile("rdinstret %0" : "=r"(st->answered_instret));
        st->answered_ns = mica_monotonic_ns();
    }
}

long server_answer(long reply_slot, long result, uint64_t w1, uint64_t w2, uint64_t w3)
{
    note_answer();
    struct mica_msg m = { .info = MICA_INFO(0, 4, 0, 0),
                          .w = { (uint64_t)result, w1, w2, w3 } };
    long err = mica_send(reply_slot, &m);
    /* SEND on a reply capability consumes it; only the slot is left. */
    if (err)
        slot_free(reply_slot);
    else
        slot_forget(reply_slot);
    return err;
}

/* Who asked what: equal for a request and its retries. */
static uint64_t request_key(const struct request *r)
{
    uint64_t h = r->badge * 0x9e3779b97f4a7c15ull ^ r->label;
    for (int i = 0; i < MICA_MSG_REGS; i++)
        h = (h ^ r->w[i]) * 0x100000001b3ull;
    for (unsigned i = MICA_MSG_REGS; i < r->len; i++)
        h = (h ^ r->mr[i]) * 0x100000001b3ull;
    return h | 1;
}

/* A request that killed two incarnations is answered -EIO, never run a
 * third time (mica/poison.h); any other becomes the one being served. */
static bool poisoned(struct service_state *st, const struct request *r)
{
    if (!poison_check(st, request_key(r)))
        return false;
    debug_printf("server: request %lu killed the server twice: -EIO\n",
                 (unsigned long)r->label);
    return true;
}

static long dispatch(const struct server_table *t, struct request *r)
{
    if (r->label >= t->nhandlers || !t->handlers[r->label])
        return -ENOSYS;
    struct service_state *st = service_state();
    if (st && poisoned(st, r))
        return -EIO;
    long result;
    if (t->before && t->before(r, &result))
        return result;
    return t->handlers[r->label](r);
}

void server_run(long ep, const struct server_table *t)
{
    struct service_state *st = service_state();
    if (st)
        poison_blame(st);
    struct mica_msg m = { 0 };
    long err = mica_recv(ep, &m);
    for (;;) {
        struct request r = { 0 };
        long result = SERVER_DEFERRED;
        if (st)
            st->progress++;         /* root's heartbeat looks at it */
        if (err == 0 && MICA_INFO_LABEL(m.info) == MICA_LABEL_NOTIFY) {
            if (t->notify)
                t->notify(m.badge);
        } else if (err == 0 && MICA_INFO_LABEL(m.info) == SERVICE_PING) {
            /* Root's heartbeat: being here to receive it was the answer. */
        } else if (err == 0) {
            r.label = MICA_INFO_LABEL(m.info);
            r.len = MICA_INFO_LEN(m.info);
            r.badge = m.badge;
            r.has_grant = MICA_INFO_GRANT(m.info);
            r.mr = mica_ipcbuf()->mr;
            for (int i = 0; i < MICA_MSG_REGS; i++)
                r.w[i] = i < (int)r.len ? m.w[i] : 0;
            result = dispatch(t, &r);
            r.reply[0] = (uint64_t)result;
            if (t->after)
                t->after(&r);
            if (st)
                poison_done(st);
        }
        if (result == SERVER_DEFERRED) {
            m = (struct mica_msg){ 0 };
            err = mica_recv(ep, &m);
            continue;
        }
        note_answer();
        m.info = MICA_INFO(0, r.reply_len ? r.reply_len : MICA_MSG_REGS, 0, 0);
        m.w[0] = (uint64_t)result;
        for (int i = 1; i < MICA_MSG_REGS; i++)
            m.w[i] = r.reply[i];
        err = mica_reply_recv(ep, &m);
    }
}
