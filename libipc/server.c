/*
 * The native servers' receive loop (see server.h).
 */
#include "mica/server.h"

#include "mica/errno.h"
#include "mica/runtime.h"
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

long server_answer(long reply_slot, long result, uint64_t w1, uint64_t w2, uint64_t w3)
{
    struct mica_msg m = { .info = MICA_INFO(0, 4, 0, 0),
                          .w = { (uint64_t)result, w1, w2, w3 } };
    long err = mica_send(reply_slot, &m);
    /* SEND on a reply capability consumes it; only the slot is left. */
    slot_free(reply_slot);
    return err;
}

static long dispatch(const struct server_table *t, struct request *r)
{
    if (r->label >= t->nhandlers || !t->handlers[r->label])
        return -ENOSYS;
    return t->handlers[r->label](r);
}

void server_run(long ep, const struct server_table *t)
{
    struct mica_msg m = { 0 };
    long err = mica_recv(ep, &m);
    for (;;) {
        struct request r = { 0 };
        long result = SERVER_DEFERRED;
        if (err == 0 && MICA_INFO_LABEL(m.info) == MICA_LABEL_NOTIFY) {
            if (t->notify)
                t->notify(m.badge);
        } else if (err == 0) {
            r.label = MICA_INFO_LABEL(m.info);
            r.len = MICA_INFO_LEN(m.info);
            r.badge = m.badge;
            r.has_grant = MICA_INFO_GRANT(m.info);
            r.mr = mica_ipcbuf()->mr;
            for (int i = 0; i < MICA_MSG_REGS; i++)
                r.w[i] = i < (int)r.len ? m.w[i] : 0;
            result = dispatch(t, &r);
            if (t->after)
                t->after(&r);
        }
        if (result == SERVER_DEFERRED) {
            m = (struct mica_msg){ 0 };
            err = mica_recv(ep, &m);
            continue;
        }
        m.info = MICA_INFO(0, r.reply_len ? r.reply_len : MICA_MSG_REGS, 0, 0);
        m.w[0] = (uint64_t)result;
        for (int i = 1; i < MICA_MSG_REGS; i++)
            m.w[i] = r.reply[i];
        err = mica_reply_recv(ep, &m);
    }
}
