/*
 * The scheduler: 256 priorities (higher runs first), round-robin within
 * one, O(1) choice of the highest non-empty queue through a two-level
 * bitmap. The running thread is not on a queue ("lazy" or Benno
 * scheduling), so the IPC fastpath can switch threads without touching the
 * queues. Everything per hart lives in struct hart, so SMP can come.
 */
#ifndef MICA_SCHED_H
#define MICA_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "object/process.h"
#include "object/thread.h"
#include "runqueue.h"
#include "vm.h"
#include "arch/riscv/csr.h"

struct hart {
    struct thread *current;     /* runs at the next return to user mode */
    pte_t *pagetable;           /* in satp now */
    bool resched;               /* the tick or yield asks for round-robin */
    struct runqueues rq;        /* runnable threads other than current */
};

extern struct hart hart0;

static inline struct hart *this_hart(void)
{
    return &hart0;
}

/* Makes t runnable and queues it (unless it is the current thread). */
void sched_make_runnable(struct thread *t);
/* Takes a runnable t off its queue (or clears current). */
void sched_remove(struct thread *t);
/* Timer tick: round-robin at the next return to user mode. */
void sched_tick(void);
/* YIELD: the current thread goes to the back of its queue. */
void sched_yield(void);
/* Called before a page table is freed: stop using it. */
void sched_forget_pagetable(pte_t *pt);
/* Chooses a thread and enters it in user mode; idles while none can run. */
__attribute__((noreturn)) void sched_return_to_user(void);

static inline struct thread *sched_current(void)
{
    return this_hart()->current;
}

/* True if t may run now without passing over a queued thread, or over
 * one of its own priority whose round-robin turn the tick has asked for
 * (as choose() in sched.c decides). */
static inline bool sched_may_run(const struct thread *t)
{
    const struct hart *h = this_hart();
    if (!h->rq.top_bits)
        return true;
    int high = rq_highest(&h->rq);
    return t->prio > high || (t->prio == high && !h->resched);
}

__attribute__((noreturn)) void user_return(struct user_context *ctx);
/* sched_enter's rare cases: a new ASID, FP state to load. */
__attribute__((noreturn, noinline, cold)) void sched_enter_any(struct thread *t);

/* Goes to the noreturn fn(arg) by a jump, not a call: GCC keeps a return
 * address for a noreturn call, and the fastpath would pay a stack frame
 * for it. */
#define SCHED_JUMP(fn, arg)                                               \
    do {                                                                  \
        register void *a0_ __asm__("a0") = (arg);                         \
        __asm__ volatile("tail " #fn : : "r"(a0_));                       \
        __builtin_unreachable();                                          \
    } while (0)

/* Enters t, which must be current, in user mode: its address space, its
 * FPU state, interrupts on. Inline: it is the tail of the fastpath, which
 * then calls no function that returns and keeps no register of its caller;
 * what takes a call goes to sched_enter_any. */
static inline __attribute__((always_inline, noreturn)) void sched_enter(struct thread *t)
{
    struct hart *h = this_hart();
    struct process *p = t->proc;
    bool switch_space = p->pagetable != h->pagetable;
    if ((t->fpu_enabled && fpu_owner != t) || (switch_space && p->asid.gen != vm_asid_gen))
        SCHED_JUMP(sched_enter_any, t);
    if (switch_space) {
        h->pagetable = p->pagetable;
        vm_switch(p->pagetable, &p->asid);
    }
    csr_clear(sstatus, SSTATUS_SPP | SSTATUS_FS);
    csr_set(sstatus, SSTATUS_SPIE | (t->fpu_enabled ? SSTATUS_FS_CLEAN : SSTATUS_FS_OFF));
    t->user_ticks -= csr_read(time);   /* trap_entry adds the time of leaving */
    SCHED_JUMP(user_return, &t->ctx);
}

/* Makes t current and enters it (the fastpath's switch). */
static inline __attribute__((always_inline, noreturn)) void sched_switch_to(struct thread *t)
{
    t->state = THREAD_RUNNABLE;
    this_hart()->current = t;
    sched_enter(t);
}

#endif
