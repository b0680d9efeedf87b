/*
 * Threads: creation, start, suspend and resume, kill, and the lazy FPU.
 */
#include "object/thread.h"

#include "object/budget.h"
#include "object/endpoint.h"
#include "object/frame.h"
#include "object/notification.h"
#include "object/process.h"
#include "object/reply.h"
#include "panic.h"
#include "sched.h"
#include "arch/riscv/csr.h"
#include "mica/errno.h"
#include "mica/string.h"

size_t thread_hdr_offset(void)
{
    return offsetof(struct thread, hdr);
}

struct thread *thread_create(struct budget *b, struct process *p)
{
    struct thread *t = object_alloc(b, MICA_OBJ_THREAD, sizeof *t,
                                    offsetof(struct thread, hdr));
    if (!t)
        return NULL;
    t->state = THREAD_INACTIVE;
    process_add_thread(p, t);
    return t;
}

void thread_set_name(struct thread *t, const char *name)
{
    size_t n = strnlen(name, THREAD_NAME_MAX - 1);
    memcpy(t->name, name, n);
    t->name[n] = '\0';
}

void thread_start(struct thread *t, uint64_t pc, uint64_t sp, uint64_t arg)
{
    t->ctx.pc = pc;
    t->ctx.regs[REG_SP] = sp;
    t->ctx.regs[REG_A0] = arg;
    sched_make_runnable(t);
}

void thread_wake(struct thread *t, long result)
{
    t->ctx.regs[REG_A0] = (uint64_t)result;
    sched_make_runnable(t);
}

/* Takes t off the queue it waits on and drops that reference. */
static void leave_wait_queue(struct thread *t)
{
    struct object *o = t->blocked_on;
    if (!o)
        return;
    if (o->type == MICA_OBJ_ENDPOINT) {
        struct endpoint *ep = endpoint_of(o);
        tqueue_remove(t->state == THREAD_BLOCKED_SEND ? &ep->senders : &ep->receivers, t);
    } else {
        tqueue_remove(&notification_of(o)->waiters, t);
    }
    t->blocked_on = NULL;
    t->ntfn_as_message = false;
    object_put(o);
}

/* Ends t's wait for an answer: nobody may answer it any more. */
static void leave_reply_wait(struct thread *t)
{
    if (t->replier) {
        t->replier->caller = NULL;
        t->replier = NULL;
    }
    if (t->reply_cap) {
        struct cap *c = t->reply_cap;
        t->reply_cap = NULL;
        cap_delete(c);
    }
}

/* Takes t out of whatever it is doing; it ends up neither queued nor current. */
static void detach(struct thread *t)
{
    switch (t->state) {
    case THREAD_RUNNABLE:
        sched_remove(t);
        break;
    case THREAD_BLOCKED_SEND:
    case THREAD_BLOCKED_RECV:
    case THREAD_BLOCKED_NTFN:
        leave_wait_queue(t);
        break;
    case THREAD_BLOCKED_REPLY:
        leave_reply_wait(t);
        break;
    default:
        break;
    }
    t->fault = 0;
}

void thread_suspend(struct thread *t, long err)
{
    if (t->state == THREAD_DEAD || t->state == THREAD_INACTIVE)
        return;
    /* A blocked call ends with err; a thread stopped in a fault keeps its
     * registers: resumed, it runs the faulting instruction again. */
    bool blocked = t->state != THREAD_RUNNABLE && !t->fault;
    detach(t);
    if (blocked)
        t->ctx.regs[REG_A0] = (uint64_t)err;
    t->state = THREAD_INACTIVE;
}

void thread_resume(struct thread *t)
{
    if (t->state == THREAD_INACTIVE && t->ctx.pc)
        sched_make_runnable(t);
}

void thread_kill(struct thread *t)
{
    if (t->state == THREAD_DEAD)
        return;
    detach(t);
    reply_drop_implicit(t);
    t->state = THREAD_DEAD;
    fpu_save_if_owner(t);
    if (t->bound)
        notification_unbind(t);
    if (t->fault_ep) {
        object_put(&t->fault_ep->hdr);
        t->fault_ep = NULL;
    }
    if (t->ipcbuf_frame) {
        object_put(&t->ipcbuf_frame->hdr);
        t->ipcbuf_frame = NULL;
        t->ipcbuf = NULL;
    }
    if (t->proc) {
        struct process *p = t->proc;
        process_remove_thread(p, t);
        t->proc = NULL;
        object_put(&p->hdr);
    }
}

void thread_retire(struct object *o)
{
    thread_kill(thread_of(o));
}

void thread_release(struct object *o)
{
    (void)o;
}

/* ---- lazy FPU ---- */

struct thread *fpu_owner;

void fpu_save(struct fpu_state *s);
void fpu_restore(const struct fpu_state *s);

static void fpu_switch_to(struct thread *t)
{
    if (fpu_owner == t)
        return;
    csr_set(sstatus, SSTATUS_FS_CLEAN);
    if (fpu_owner)
        fpu_save(&fpu_owner->fpu);
    fpu_restore(&t->fpu);
    fpu_owner = t;
}

bool fpu_trap(struct thread *t)
{
    if (fpu_owner == t && t->fpu_enabled)
        return false;        /* the FPU was on: a genuine illegal instruction */
    t->fpu_enabled = true;
    fpu_switch_to(t);
    return true;
}

void fpu_save_if_owner(struct thread *t)
{
    if (fpu_owner != t)
        return;
    csr_set(sstatus, SSTATUS_FS_CLEAN);
    fpu_save(&t->fpu);
    fpu_owner = NULL;
}

uint64_t fpu_sstatus(struct thread *t)
{
    if (!t->fpu_enabled)
        return SSTATUS_FS_OFF;
    fpu_switch_to(t);
    return SSTATUS_FS_CLEAN;
}
