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

static void mark(struct hart *h, unsigned prio)
{
    h->words[prio / 64] |= 1ull << (prio % 64);
    h->top_bits |= 1ull << (prio / 64);
}

static void unmark(struct hart *h, unsigned prio)
{
    h->words[prio / 64] &= ~(1ull << (prio % 64));
    if (!h->words[prio / 64])
        h->top_bits &= ~(1ull << (prio / 64));
}

/* Index of the highest set bit of a non-zero word, without libgcc. */
static unsigned highest_bit(uint64_t x)
{
    unsigned n = 0;
    for (unsigned shift = 32; shift; shift >>= 1) {
        if (x >> shift) {
            x >>= shift;
            n += shift;
        }
    }
    return n;
}

int sched_highest(void)
{
    struct hart *h = this_hart();
    if (!h->top_bits)
        return -1;
    unsigned w = highest_bit(h->top_bits);
    return (int)(w * 64 + highest_bit(h->words[w]));
}

static void enqueue(struct thread *t)
{
    struct hart *h = this_hart();
    struct runqueue *q = &h->queues[t->prio];
    t->rq_next = NULL;
    t->rq_prev = q->tail;
    if (q->tail)
        q->tail->rq_next = t;
    else
        q->head = t;
    q->tail = t;
    mark(h, t->prio);
}

static void dequeue(struct thread *t)
{
    struct hart *h = this_hart();
    struct runqueue *q = &h->queues[t->prio];
    if (t->rq_prev)
        t->rq_prev->rq_next = t->rq_next;
    else
        q->head = t->rq_next;
    if (t->rq_next)
        t->rq_next->rq_prev = t->rq_prev;
    else
        q->tail = t->rq_prev;
    t->rq_next = t->rq_prev = NULL;
    if (!q->head)
        unmark(h, t->prio);
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
    int high = sched_highest();
    if (t && (high < t->prio || (high == t->prio && !h->resched)))
        return t;
    h->resched = false;
    if (high < 0)
        return t;
    if (t)
        enqueue(t);        /* preempted: back of its queue */
    struct thread *next = h->queues[high].head;
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

void sched_return_to_user(void)
{
    struct hart *h = this_hart();
    struct thread *t;
    while ((t = choose(h)) == NULL) {
        /* wfi wakes on any interrupt enabled in sie, even with SIE clear. */
        wfi();
        poll_interrupts();
    }
    h->current = t;
    sched_enter(t);
}
