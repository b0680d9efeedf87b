/*
 * The IPC kernel calls: decode the endpoint, notification or reply
 * capability and the message, then hand over to endpoint.c,
 * notification.c or reply.c.
 */
#include "memlayout.h"
#include "object/cspace.h"
#include "object/endpoint.h"
#include "object/notification.h"
#include "object/process.h"
#include "object/reply.h"
#include "object/thread.h"
#include "syscall.h"
#include "syscall_table.h"
#include "timer.h"
#include "usercopy.h"
#include "mica/errno.h"

/* Checks the message t is about to send and records a grant it carries. */
static long check_message(struct thread *t, const struct cap *via, bool is_call)
{
    uint64_t info = SYS_ARG(t, 1);
    if (MICA_INFO_LEN(info) > MICA_MSG_MAX)
        return -E2BIG;
    if (MICA_INFO_LEN(info) > MICA_MSG_REGS && !t->ipcbuf)
        return -EINVAL;
    if (MICA_INFO_CAPS(info) > 1)
        return -EINVAL;
    if (MICA_INFO_CAPS(info)) {
        if (!via || !(via->rights & MICA_R_GRANT))
            return -EACCES;
        if (!t->ipcbuf || !cspace_lookup(&t->proc->cspace, t->ipcbuf->send_cap))
            return -EBADF;
    }
    t->grant_len = 0;
    if (!MICA_INFO_GRANT(info))
        return 0;
    if (!is_call || !t->ipcbuf)
        return -EINVAL;
    uint64_t base = t->ipcbuf->grant_base, len = t->ipcbuf->grant_len;
    uint64_t rights = t->ipcbuf->grant_rights;
    if (rights == 0 || (rights & ~(uint64_t)(MICA_R_READ | MICA_R_WRITE)))
        return -EINVAL;
    if (base >= USER_TOP || len > USER_TOP - base)
        return -EFAULT;
    uint64_t space = t->ipcbuf->grant_space;
    long err;
    if (space && !syscall_cap(t, space, MICA_OBJ_PROCESS, MICA_R_WRITE, &err))
        return err;
    t->grant_space = space;
    t->grant_base = base;
    t->grant_len = len;
    t->grant_rights = (uint8_t)rights;
    return 0;
}

/* A reply may carry no capability and no grant. */
static long check_reply(struct thread *t)
{
    uint64_t info = SYS_ARG(t, 1);
    if (MICA_INFO_LEN(info) > MICA_MSG_MAX)
        return -E2BIG;
    if (MICA_INFO_LEN(info) > MICA_MSG_REGS && !t->ipcbuf)
        return -EINVAL;
    if (MICA_INFO_CAPS(info) || MICA_INFO_GRANT(info))
        return -EINVAL;
    return 0;
}

/* Answers through a saved reply capability, consuming it. */
static long reply_with_cap(struct thread *t, struct cap *c)
{
    long err = check_reply(t);
    if (err)
        return err;
    struct thread *caller = reply_caller(c);
    caller->reply_cap = NULL;
    cap_delete(c);
    ipc_reply(t, caller);
    return 0;
}

static long do_send(struct thread *t, bool nonblocking)
{
    long err;
    struct cap *c = syscall_cap(t, SYS_ARG(t, 0), 0, 0, &err);
    if (!c)
        return err;
    if (c->type == MICA_OBJ_REPLY)
        return reply_with_cap(t, c);
    if (c->type != MICA_OBJ_ENDPOINT)
        return -EINVAL;
    if (!(c->rights & MICA_R_WRITE))
        return -EACCES;
    if ((err = check_message(t, c, false)))
        return err;
    return endpoint_send(endpoint_of(c->obj), t, c->badge,
                         (c->rights & MICA_R_GRANT) != 0, false, nonblocking);
}

long sys_send(struct thread *t)
{
    return do_send(t, false);
}

long sys_nbsend(struct thread *t)
{
    return do_send(t, true);
}

long sys_call(struct thread *t)
{
    long err;
    struct cap *c = syscall_cap(t, SYS_ARG(t, 0), MICA_OBJ_ENDPOINT, MICA_R_WRITE, &err);
    if (!c)
        return err;
    if ((err = check_message(t, c, true)))
        return err;
    endpoint_send(endpoint_of(c->obj), t, c->badge, (c->rights & MICA_R_GRANT) != 0,
                  true, false);
    return SYS_KEEP_REGS;
}

/* RECV on a notification: its bits as the badge of a NOTIFY message. */
static long recv_notification(struct thread *t, struct cap *c, bool nonblocking)
{
    struct notification *n = notification_of(c->obj);
    uint64_t bits = notification_take(n);
    if (bits) {
        t->ctx.regs[REG_A1] = MICA_INFO(MICA_LABEL_NOTIFY, 0, 0, 0);
        t->ctx.regs[REG_A6] = bits;
        t->ctx.regs[REG_A0] = 0;
        return SYS_KEEP_REGS;
    }
    if (nonblocking)
        return -EAGAIN;
    notification_wait(n, t, false);
    t->ntfn_as_message = true;
    return SYS_KEEP_REGS;
}

static long do_recv(struct thread *t, bool nonblocking)
{
    long err;
    struct cap *c = syscall_cap(t, SYS_ARG(t, 0), 0, MICA_R_READ, &err);
    if (!c)
        return err;
    if (c->type == MICA_OBJ_NOTIFICATION)
        return recv_notification(t, c, nonblocking);
    if (c->type != MICA_OBJ_ENDPOINT)
        return -EINVAL;
    err = endpoint_recv(endpoint_of(c->obj), t, nonblocking);
    return err ? err : SYS_KEEP_REGS;
}

long sys_recv(struct thread *t)
{
    return do_recv(t, false);
}

long sys_nbrecv(struct thread *t)
{
    return do_recv(t, true);
}

long sys_reply(struct thread *t)
{
    if (!t->caller)
        return -ESRCH;
    long err = check_reply(t);
    if (err)
        return err;
    struct thread *caller = t->caller;
    t->caller = NULL;
    caller->replier = NULL;
    ipc_reply(t, caller);
    return 0;
}

long sys_reply_recv(struct thread *t)
{
    long err;
    struct cap *c = syscall_cap(t, SYS_ARG(t, 0), MICA_OBJ_ENDPOINT, MICA_R_READ, &err);
    if (!c)
        return err;
    if (t->caller) {
        if ((err = check_reply(t)))
            return err;
        struct thread *caller = t->caller;
        t->caller = NULL;
        caller->replier = NULL;
        ipc_reply(t, caller);
    }
    endpoint_recv(endpoint_of(c->obj), t, false);
    return SYS_KEEP_REGS;
}

long sys_save_reply(struct thread *t)
{
    if (!t->caller)
        return -ESRCH;
    uint64_t slot = SYS_ARG(t, 0);
    if (slot == 0 || slot >= t->proc->cspace.nslots)
        return -EBADF;
    struct cap *dst = cspace_empty_slot(&t->proc->cspace, slot);
    if (!dst)
        return -EEXIST;
    reply_save(t, dst);
    return 0;
}

/* The page table of the memory caller's grant lends, or NULL if that was
 * another process's and the capability naming it has gone since the call
 * (looked up again here, so that no reference outlives the call). */
static pte_t *grant_memory(const struct thread *caller)
{
    if (!caller->grant_space)
        return caller->proc->pagetable;
    const struct cap *c = cspace_lookup(&caller->proc->cspace, caller->grant_space);
    if (!c || c->type != MICA_OBJ_PROCESS || !(c->rights & MICA_R_WRITE))
        return NULL;
    struct process *p = process_of(c->obj);
    return p->dead ? NULL : p->pagetable;
}

/* The pieces of my memory listed at list go to (or come from) consecutive
 * bytes of the grant from at on, which has room bytes. -EINVAL before
 * anything is copied if they do not fit; on -EFAULT the pieces before the
 * bad one have been copied. */
static long copy_pieces(pte_t *mine, uint64_t list, uint64_t count, pte_t *theirs, uint64_t at,
                        uint64_t room, bool from)
{
    struct mica_piece piece[MICA_GRANT_PIECES_MAX];
    if (count > MICA_GRANT_PIECES_MAX)
        return -EINVAL;
    if (copy_from_user(mine, piece, list, count * sizeof piece[0]))
        return -EFAULT;
    uint64_t total = 0;
    for (uint64_t i = 0; i < count; i++) {
        if (piece[i].len > room - total)
            return -EINVAL;
        total += piece[i].len;
    }
    struct user_cursor me = user_cursor(mine), them = user_cursor(theirs);
    for (uint64_t i = 0, done = 0; i < count; done += piece[i++].len) {
        uint64_t len = piece[i].len;
        size_t n = from ? copy_user_cursors(&me, piece[i].base, &them, at + done, len)
                        : copy_user_cursors(&them, at + done, &me, piece[i].base, len);
        if (n != len)
            return -EFAULT;
    }
    return (long)total;
}

long sys_grant_copy(struct thread *t)
{
    uint64_t slot = SYS_ARG(t, 0), off = SYS_ARG(t, 1), va = SYS_ARG(t, 2);
    uint64_t len = SYS_ARG(t, 3), dir = SYS_ARG(t, 4);
    struct thread *caller = t->caller;
    long err;
    if (slot != (uint64_t)-1) {
        struct cap *c = syscall_cap(t, slot, MICA_OBJ_REPLY, 0, &err);
        if (!c)
            return err;
        caller = reply_caller(c);
    }
    if (!caller)
        return -ESRCH;
    bool pieces = dir & MICA_GRANT_PIECES;
    dir &= ~(uint64_t)MICA_GRANT_PIECES;
    if (dir > MICA_GRANT_TO)
        return -EINVAL;
    unsigned need = dir == MICA_GRANT_FROM ? MICA_R_READ : MICA_R_WRITE;
    if (!(caller->grant_rights & need))
        return -EACCES;
    pte_t *mine = t->proc->pagetable, *theirs = grant_memory(caller);
    if (!theirs)
        return -EFAULT;
    if (off > caller->grant_len)
        return -EINVAL;
    uint64_t room = caller->grant_len - off, at = caller->grant_base + off;
    if (pieces)
        return copy_pieces(mine, va, len, theirs, at, room, dir == MICA_GRANT_FROM);
    if (len > room)
        return -EINVAL;
    int r = dir == MICA_GRANT_FROM ? copy_user_to_user(mine, va, theirs, at, len)
                                   : copy_user_to_user(theirs, at, mine, va, len);
    return r ? r : (long)len;
}

static struct notification *ntfn_arg(struct thread *t, unsigned rights, uint64_t *badge,
                                     long *err)
{
    struct cap *c = syscall_cap(t, SYS_ARG(t, 0), MICA_OBJ_NOTIFICATION, rights, err);
    if (!c)
        return NULL;
    if (badge)
        *badge = c->badge ? c->badge : 1;
    return notification_of(c->obj);
}

long sys_signal(struct thread *t)
{
    long err;
    uint64_t bits;
    struct notification *n = ntfn_arg(t, MICA_R_WRITE, &bits, &err);
    if (!n)
        return err;
    notification_signal(n, bits);
    return 0;
}

long sys_wait(struct thread *t)
{
    long err;
    struct notification *n = ntfn_arg(t, MICA_R_READ, NULL, &err);
    if (!n)
        return err;
    long bits = notification_wait(n, t, false);
    return t->state == THREAD_BLOCKED_NTFN ? SYS_KEEP_REGS : bits;
}

long sys_poll(struct thread *t)
{
    long err;
    struct notification *n = ntfn_arg(t, MICA_R_READ, NULL, &err);
    if (!n)
        return err;
    return notification_wait(n, t, true);
}

long sys_timer_set(struct thread *t)
{
    long err;
    uint64_t bits;
    struct notification *n = ntfn_arg(t, MICA_R_WRITE, &bits, &err);
    if (!n)
        return err;
    uint64_t deadline = SYS_ARG(t, 1), period = SYS_ARG(t, 2);
    /* A tiny period would keep the hart in the timer interrupt; a huge one
     * would overflow the catch-up arithmetic in notification_timers_run. */
    uint64_t min_period = timer_freq() / 100000 ? timer_freq() / 100000 : 1;
    if ((!deadline && period) || (period && (period < min_period || period > (1ull << 48))))
        return -EINVAL;
    notification_set_timer(n, deadline, period, bits);
    return 0;
}
