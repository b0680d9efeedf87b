/*
 * The IPC fastpath: CALL, REPLY_RECV and the Linux system-call fault, when
 * they hand a short message straight to a thread that is already waiting,
 * switch to that thread without the scheduler or the general IPC code.
 *
 * Preconditions, each checked by one guarded exit to the slow path:
 *
 * CALL (fastpath_call)
 *   1. the message has at most MICA_MSG_REGS words, no capability, no grant;
 *   2. the slot holds an endpoint capability with the write right;
 *   3. a receiver waits on the endpoint;
 *   4. the receiver's priority is at least that of every queued thread
 *      (higher, when the tick has asked for a round-robin turn).
 *
 * REPLY_RECV (fastpath_reply_recv)
 *   1. the reply has at most MICA_MSG_REGS words, no capability, no grant;
 *   2. the thread holds an implicit reply right;
 *   3. a fault caller is answered with MICA_RESUME or MICA_RESUME_AS_IS
 *      (not STOP, and it did not exit), or the caller is not a fault;
 *   4. the slot holds an endpoint capability with the read right;
 *   5. no sender waits on it, and no bound notification is pending;
 *   6. the caller's priority is at least that of every queued thread
 *      (higher, when the tick has asked for a round-robin turn).
 *
 * Linux system call (fastpath_syscall)
 *   1. the thread has a fault endpoint;
 *   2. a receiver with an IPC buffer waits on it;
 *   3. the receiver's priority is at least that of every queued thread
 *      (higher, when the tick has asked for a round-robin turn).
 *
 * The general path (endpoint.c) is complete on its own: with the fastpath
 * built out (make FASTPATH=0) every test passes the same.
 */
#include "fastpath.h"

#include "object/cspace.h"
#include "object/endpoint.h"
#include "object/notification.h"
#include "object/process.h"
#include "object/thread.h"
#include "sched.h"
#include "mica/syscall.h"

#if CONFIG_FASTPATH

#define unlikely(x) __builtin_expect(!!(x), 0)

/* Each ends in user_return and never returns there: a frame pointer would
 * only take a register and four instructions. */
#define FASTPATH_FN __attribute__((optimize("omit-frame-pointer")))

/* Message info bits other than the length and the label: caps and grant. */
#define INFO_EXTRA_MASK 0xff00ull

static inline bool short_plain(uint64_t info)
{
    return MICA_INFO_LEN(info) <= MICA_MSG_REGS && !(info & INFO_EXTRA_MASK);
}

/* Copies the four message registers and sets status, info and badge. */
static inline void give_regs(struct thread *to, const uint64_t *w, uint64_t info,
                             uint64_t badge)
{
    to->ctx.regs[REG_A0] = 0;
    to->ctx.regs[REG_A1] = info;
    to->ctx.regs[REG_A2] = w[0];
    to->ctx.regs[REG_A3] = w[1];
    to->ctx.regs[REG_A4] = w[2];
    to->ctx.regs[REG_A5] = w[3];
    to->ctx.regs[REG_A6] = badge;
}

/* Takes receiver r off ep; the endpoint keeps capabilities, so its
 * reference count cannot reach zero here. */
static inline void take_receiver(struct endpoint *ep, struct thread *r)
{
    tqueue_remove(&ep->receivers, r);
    r->blocked_on = NULL;
    ep->hdr.krefs--;
}

FASTPATH_FN void fastpath_call(struct thread *t)
{
    uint64_t info = t->ctx.regs[REG_A1];
    if (unlikely(!short_plain(info)))
        return;
    const struct cspace *cs = &t->proc->cspace;
    uint64_t slot = t->ctx.regs[REG_A0];
    if (unlikely(slot >= cs->nslots))
        return;
    const struct cap *c = &cs->slots[slot];
    if (unlikely(c->type != MICA_OBJ_ENDPOINT || !(c->rights & MICA_R_WRITE)))
        return;
    struct endpoint *ep = endpoint_of(c->obj);
    struct thread *r = ep->receivers.head;
    if (unlikely(!r))
        return;
    if (unlikely(!sched_may_run(r)))
        return;

    take_receiver(ep, r);
    t->ctx.pc += 4;
    t->is_call = true;
    t->grant_len = 0;
    t->state = THREAD_BLOCKED_REPLY;
    t->replier = r;
    r->caller = t;
    give_regs(r, &t->ctx.regs[REG_A2], info, c->badge);
    sched_switch_to(r);
}

FASTPATH_FN void fastpath_reply_recv(struct thread *t)
{
    uint64_t info = t->ctx.regs[REG_A1];
    if (unlikely(!short_plain(info)))
        return;
    struct thread *caller = t->caller;
    if (unlikely(!caller))
        return;
    if (unlikely(caller->fault && (caller->fault == MICA_FAULT_EXIT ||
                                   MICA_INFO_LABEL(info) > MICA_RESUME_AS_IS)))
        return;
    const struct cspace *cs = &t->proc->cspace;
    uint64_t slot = t->ctx.regs[REG_A0];
    if (unlikely(slot >= cs->nslots))
        return;
    const struct cap *c = &cs->slots[slot];
    if (unlikely(c->type != MICA_OBJ_ENDPOINT || !(c->rights & MICA_R_READ)))
        return;
    struct endpoint *ep = endpoint_of(c->obj);
    if (unlikely(ep->senders.head))
        return;
    if (unlikely(t->bound && t->bound->word))
        return;
    if (unlikely(!sched_may_run(caller)))
        return;

    t->caller = NULL;
    caller->replier = NULL;
    caller->grant_len = 0;
    if (caller->fault) {
        /* as answer_fault (endpoint.c) does for these two labels */
        if (caller->fault == MICA_FAULT_SYSCALL && MICA_INFO_LABEL(info) == MICA_RESUME) {
            caller->ctx.regs[REG_A0] = t->ctx.regs[REG_A2];
            caller->ctx.pc += 4;
        }
        caller->fault = 0;
    } else {
        give_regs(caller, &t->ctx.regs[REG_A2], info, 0);
    }
    t->ctx.pc += 4;
    t->state = THREAD_BLOCKED_RECV;
    t->blocked_on = &ep->hdr;
    ep->hdr.krefs++;
    tqueue_push(&ep->receivers, t);
    sched_switch_to(caller);
}

FASTPATH_FN void fastpath_syscall(struct thread *t)
{
    struct endpoint *ep = t->fault_ep;
    uint64_t badge = t->fault_badge;
    if (!ep) {
        ep = t->proc->fault_ep;
        badge = t->proc->fault_badge;
    }
    if (unlikely(!ep))
        return;
    struct thread *r = ep->receivers.head;
    if (unlikely(!r || !r->ipcbuf))
        return;
    if (unlikely(!sched_may_run(r)))
        return;

    /* The message is the thread's registers (fault_word): if the handler
     * dies before it answers, the fault is raised again from them. */
    uint64_t m[MICA_MSG_REGS] = { t->ctx.regs[REG_A7], t->ctx.regs[REG_A0],
                                  t->ctx.regs[REG_A1], t->ctx.regs[REG_A2] };
    r->ipcbuf->mr[4] = t->ctx.regs[REG_A3];
    r->ipcbuf->mr[5] = t->ctx.regs[REG_A4];
    r->ipcbuf->mr[6] = t->ctx.regs[REG_A5];
    r->ipcbuf->mr[7] = t->ctx.pc;
    r->ipcbuf->mr[8] = t->ctx.regs[REG_SP];
    take_receiver(ep, r);
    t->fault = MICA_FAULT_SYSCALL;
    t->is_call = true;
    t->grant_len = 0;
    t->state = THREAD_BLOCKED_REPLY;
    t->replier = r;
    r->caller = t;
    give_regs(r, m, MICA_INFO(MICA_FAULT_SYSCALL, MICA_FAULT_LEN, 0, 0), badge);
    sched_switch_to(r);
}

#endif
