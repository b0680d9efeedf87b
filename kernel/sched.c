/*
 * Run queues and the switch to user mode (see sched.h).
 */
#include <stdbool.h>
#include <stdint.h>

#include "object/process.h"
#include "object/thread.h"
#include "panic.h"
#include "plic.h"
#include "sched.h"
#include "timer.h"
#include "arch/riscv/csr.h"

struct hart hart0;

static void enqueue(struct thread *t)
{
    rq_enqueue(&this_hart()->rq, t);
}

static void dequeue(struct thread *t)
{
    rq_dequeue(&this_hart()->rq, t);
}

void sched_make_runnable(struct thread *t)
{
    kassert(t->state != THREAD_RUNNABLE && t->state != THREAD_DEAD);
    t->state = THREAD_RUNNABLE;
    if (t != this_hart()->current)
        enqueue(t);
}

void sched_remove(struct thread *t)
{
    kassert(t->state == THREAD_RUNNABLE);
    if (t == this_hart()->current)
        this_hart()->current = NULL;
    else
        dequeue(t);
    t->state = THREAD_INACTIVE;
}

void sched_tick(void)
{
    this_hart()->resched = true;
}

void sched_yield(void)
{
    this_hart()->resched = true;
}

/* Handles pending interrupts while the kernel has them masked. */
static void poll_interrupts(void)
{
    uint64_t sip = csr_read(sip);
    if (sip & (1ul << IRQ_S_TIMER))
        timer_interrupt();
    if (sip & (1ul << IRQ_S_EXT))
        plic_interrupt();
}

/* The thread to run next: current, unless a queued one should preempt it. */
static struct thread *choose(struct hart *h)
{
    struct thread *t = h->current;
    if (t && t->state != THREAD_RUNNABLE)
        t = h->current = NULL;
    int high = rq_highest(&h->rq);
    if (t && (high < t->prio || (high == t->prio && !h->resched)))
        return t;
    h->resched = false;
    if (high < 0)
        return t;
    if (t)
        enqueue(t);        /* preempted: back of its queue */
    struct thread *next = rq_head(&h->rq, high);
    dequeue(next);
    return next;
}

void sched_forget_pagetable(pte_t *pt)
{
    struct hart *h = this_hart();
    if (h->pagetable != pt)
        return;
    csr_write(satp, vm_kernel_satp());
    sfence_vma();
    h->pagetable = NULL;
}

/* Does what sched_enter leaves to a call: after it, t's address space is
 * in satp with a current ASID and its FP state is in the FPU, so that
 * sched_enter goes straight through. */
void sched_enter_any(struct thread *t)
{
    struct hart *h = this_hart();
    pte_t *pt = t->proc->pagetable;
    if (pt != h->pagetable) {
        h->pagetable = pt;
        vm_switch(pt, &t->proc->asid);
    }
    if (t->fpu_enabled)
        fpu_sstatus(t);
    sched_enter(t);
}

void sched_return_to_user(void)
{
    struct hart *h = this_hart();
    struct thread *t = choose(h);
    if (!t) {
        /* Idle: tickless, so waiting costs no instructions. wfi wakes on
         * any interrupt enabled in sie, even with SIE clear. */
        timer_idle_enter();
        while ((t = choose(h)) == NULL) {
            wfi();
            poll_interrupts();
        }
        timer_idle_exit();
    }
    h->current = t;
    sched_enter(t);
}
