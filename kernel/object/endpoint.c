/*
 * Endpoints: the general (slow) path of synchronous IPC. fastpath.c
 * handles the common call and reply-recv cases without coming here.
 */
#include "object/endpoint.h"

#include "fault.h"
#include "object/budget.h"
#include "object/cspace.h"
#include "object/notification.h"
#include "object/process.h"
#include "object/thread.h"
#include "panic.h"
#include "sched.h"
#include "mica/errno.h"

size_t endpoint_hdr_offset(void)
{
    return offsetof(struct endpoint, hdr);
}

struct endpoint *endpoint_create(struct budget *b)
{
    return object_alloc(b, MICA_OBJ_ENDPOINT, sizeof(struct endpoint),
                        offsetof(struct endpoint, hdr));
}

/* Word i of the message t is sending: a fault's words, or its registers
 * and IPC buffer. */
static uint64_t msg_word(const struct thread *t, unsigned i)
{
    if (t->fault)
        return fault_word(t, i);
    if (i < MICA_MSG_REGS)
        return t->ctx.regs[REG_A2 + i];
    return t->ipcbuf->mr[i];
}

static uint64_t msg_info(const struct thread *t)
{
    if (t->fault)
        return MICA_INFO(t->fault, MICA_FAULT_LEN, 0, 0);
    return t->ctx.regs[REG_A1];
}

/* Transfers the capability sender names, if it may and receiver takes one. */
static unsigned transfer_cap(struct thread *sender, struct thread *receiver)
{
    if (!sender->send_grant || !sender->ipcbuf || !receiver->ipcbuf || !sender->proc ||
        !receiver->proc)
        return 0;
    struct cap *src = cspace_lookup(&sender->proc->cspace, sender->ipcbuf->send_cap);
    struct cap *dst = cspace_empty_slot(&receiver->proc->cspace, receiver->ipcbuf->recv_slot);
    if (!src || !dst || src->type == MICA_OBJ_REPLY)
        return 0;
    cap_derive(dst, src, MICA_R_ALL, src->badge);
    return 1;
}

/* Copies the words of sender's message into receiver; returns the info it gets. */
static uint64_t copy_message(struct thread *sender, struct thread *receiver, bool caps)
{
    uint64_t info = msg_info(sender);
    unsigned len = MICA_INFO_LEN(info);
    if (len > MICA_MSG_MAX)
        len = MICA_MSG_MAX;      /* a blocked sender's registers were rewritten */
    if (len > MICA_MSG_REGS && !receiver->ipcbuf)
        len = MICA_MSG_REGS;     /* the receiver has nowhere to put the rest */
    if (len > MICA_MSG_REGS && !sender->fault && !sender->ipcbuf)
        len = MICA_MSG_REGS;     /* reconfigured without one since it was checked */
    for (unsigned i = 0; i < len && i < MICA_MSG_REGS; i++)
        receiver->ctx.regs[REG_A2 + i] = msg_word(sender, i);
    for (unsigned i = MICA_MSG_REGS; i < len; i++)
        receiver->ipcbuf->mr[i] = msg_word(sender, i);
    unsigned ncaps = caps && MICA_INFO_CAPS(info) ? transfer_cap(sender, receiver) : 0;
    return MICA_INFO(MICA_INFO_LABEL(info), len, ncaps, MICA_INFO_GRANT(info));
}

void ipc_deliver(struct thread *sender, struct thread *receiver, uint64_t badge)
{
    uint64_t info = copy_message(sender, receiver, true);
    receiver->ctx.regs[REG_A0] = 0;
    receiver->ctx.regs[REG_A1] = info;
    receiver->ctx.regs[REG_A6] = badge;
}

/* sender's call was received by receiver: it now waits for the answer. */
static void become_caller(struct thread *sender, struct thread *receiver)
{
    reply_drop_implicit(receiver);
    receiver->caller = sender;
    sender->replier = receiver;
    sender->state = THREAD_BLOCKED_REPLY;
}

/* The sender's part after its message went to receiver. */
static void sender_done(struct thread *s, struct thread *receiver)
{
    if (s->is_call) {
        become_caller(s, receiver);
        return;
    }
    s->grant_len = 0;
    if (s->state == THREAD_RUNNABLE)
        s->ctx.regs[REG_A0] = 0;
    else
        thread_wake(s, 0);
}

static void block_on(struct thread *t, struct endpoint *ep, struct tqueue *q,
                     enum thread_state state)
{
    if (t->state == THREAD_RUNNABLE)
        sched_remove(t);
    t->state = state;
    t->blocked_on = &ep->hdr;
    object_get(&ep->hdr);
    tqueue_push(q, t);
}

/* Takes the first thread off q, dropping the reference it held on ep. */
static struct thread *take(struct endpoint *ep, struct tqueue *q)
{
    struct thread *t = q->head;
    tqueue_remove(q, t);
    t->blocked_on = NULL;
    object_put(&ep->hdr);
    return t;
}

long endpoint_send(struct endpoint *ep, struct thread *t, uint64_t badge,
                   bool grant, bool is_call, bool nonblocking)
{
    t->send_grant = grant;
    t->is_call = is_call;
    if (ep->receivers.head) {
        struct thread *r = take(ep, &ep->receivers);
        ipc_deliver(t, r, badge);
        sched_make_runnable(r);
        sender_done(t, r);
        return 0;
    }
    if (nonblocking)
        return -EAGAIN;
    t->send_badge = badge;
    block_on(t, ep, &ep->senders, THREAD_BLOCKED_SEND);
    return 0;
}

static void deliver_notify(struct thread *t, uint64_t bits)
{
    t->ctx.regs[REG_A0] = 0;
    t->ctx.regs[REG_A1] = MICA_INFO(MICA_LABEL_NOTIFY, 0, 0, 0);
    t->ctx.regs[REG_A6] = bits;
}

long endpoint_recv(struct endpoint *ep, struct thread *t, bool nonblocking)
{
    /* NBRECV that finds nothing changes nothing, not even the reply right. */
    if (nonblocking && !ep->senders.head && !(t->bound && t->bound->word))
        return -EAGAIN;
    reply_drop_implicit(t);
    uint64_t bits = t->bound ? notification_take(t->bound) : 0;
    if (bits) {
        deliver_notify(t, bits);
        return 0;
    }
    if (ep->senders.head) {
        struct thread *s = take(ep, &ep->senders);
        ipc_deliver(s, t, s->send_badge);
        sender_done(s, t);
        return 0;
    }
    if (nonblocking)
        return -EAGAIN;
    block_on(t, ep, &ep->receivers, THREAD_BLOCKED_RECV);
    return 0;
}

/* The answer to a fault: what the handler's label says happens next. */
static void answer_fault(struct thread *replier, struct thread *caller)
{
    uint64_t label = MICA_INFO_LABEL(replier->ctx.regs[REG_A1]);
    uint8_t kind = caller->fault;
    caller->fault = 0;
    if (kind == MICA_FAULT_EXIT || label == MICA_STOP) {
        caller->state = THREAD_INACTIVE;
        return;
    }
    if (label == MICA_RESUME && kind == MICA_FAULT_SYSCALL) {
        caller->ctx.regs[REG_A0] = replier->ctx.regs[REG_A2];
        caller->ctx.pc += 4;
    }
    sched_make_runnable(caller);
}

void ipc_reply(struct thread *replier, struct thread *caller)
{
    caller->grant_len = 0;
    caller->state = THREAD_INACTIVE;
    if (caller->fault) {
        answer_fault(replier, caller);
        return;
    }
    uint64_t info = copy_message(replier, caller, false);
    caller->ctx.regs[REG_A1] = info;
    caller->ctx.regs[REG_A6] = 0;
    thread_wake(caller, 0);
}

/* A caller whose reply right went unanswered. A thread stopped by a fault
 * raises it again, to be served by its handler's next incarnation; any
 * other caller's call fails with -EPEERDIED. */
void reply_peer_died(struct thread *caller)
{
    caller->grant_len = 0;
    caller->state = THREAD_INACTIVE;
    if (caller->fault) {
        fault_resend(caller);
        return;
    }
    thread_wake(caller, -EPEERDIED);
}

void reply_drop_implicit(struct thread *t)
{
    struct thread *c = t->caller;
    if (!c)
        return;
    t->caller = NULL;
    c->replier = NULL;
    reply_peer_died(c);
}

/* The last capability is gone: nobody can receive or send here again. */
void endpoint_retire(struct object *o)
{
    struct endpoint *ep = endpoint_of(o);
    while (ep->senders.head) {
        struct thread *s = take(ep, &ep->senders);
        s->state = THREAD_INACTIVE;
        if (s->fault)
            s->fault = 0;      /* stays stopped: no handler will come */
        else
            thread_wake(s, -EPEERDIED);
    }
    while (ep->receivers.head) {
        struct thread *r = take(ep, &ep->receivers);
        r->state = THREAD_INACTIVE;
        thread_wake(r, -EPEERDIED);
    }
}
