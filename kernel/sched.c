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

struct runqueue {
    struct thread *head;
    struct thread *tail;
};

static struct runqueue queues[PRIO_COUNT];
static uint64_t top_bits;             /* bit w: words[w] != 0 */
static uint64_t words[PRIO_COUNT / 64];
static struct thread *current;
static bool resched;
static pte_t *current_pagetable;

extern void user_return(struct user_context *ctx) __attribute__((noreturn));

static void mark(unsigned prio)
{
    words[prio / 64] |= 1ull << (prio % 64);
    top_bits |= 1ull << (prio / 64);
}

static void unmark(unsigned prio)
{
    words[prio / 64] &= ~(1ull << (prio % 64));
    if (!words[prio / 64])
        top_bits &= ~(1ull << (prio / 64));
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
    if (!top_bits)
        return -1;
    unsigned w = highest_bit(top_bits);
    return (int)(w * 64 + highest_bit(words[w]));
}

static void enqueue(struct thread *t)
{
    struct runqueue *q = &queues[t->prio];
    t->rq_next = NULL;
    t->rq_prev = q->tail;
    if (q->tail)
        q->tail->rq_next = t;
    else
        q->head = t;
    q->tail = t;
    mark(t->prio);
}

static void dequeue(struct thread *t)
{
    struct runqueue *q = &queues[t->prio];
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
        unmark(t->prio);
}

void sched_make_runnable(struct thread *t)
{
    kassert(t->state != THREAD_RUNNABLE && t->state != THREAD_DEAD);
    t->state = THREAD_RUNNABLE;
    if (t != current)
        enqueue(t);
}

void sched_remove(struct thread *t)
{
    kassert(t->state == THREAD_RUNNABLE);
    if (t == current)
        current = NULL;
    else
        dequeue(t);
    t->state = THREAD_INACTIVE;
}

struct thread *sched_current(void)
{
    return current;
}

void sched_set_current(struct thread *t)
{
    current = t;
}

void sched_tick(void)
{
    resched = true;
}

void sched_yield(void)
{
    resched = true;
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
static struct thread *choose(void)
{
    struct thread *t = current;
    if (t && t->state != THREAD_RUNNABLE)
        t = current = NULL;
    int high = sched_highest();
    if (t && (high < t->prio || (high == t->prio && !resched)))
        return t;
    resched = false;
    if (high < 0)
        return t;
    if (t)
        enqueue(t);        /* preempted: back of its queue */
    struct thread *next = queues[high].head;
    dequeue(next);
    return next;
}

void sched_forget_pagetable(pte_t *pt)
{
    if (current_pagetable != pt)
        return;
    csr_write(satp, vm_kernel_satp());
    sfence_vma();
    current_pagetable = NULL;
}

void sched_enter(struct thread *t)
{
    pte_t *pt = t->proc->pagetable;
    if (pt != current_pagetable) {
        current_pagetable = pt;
        csr_write(satp, vm_satp(pt));
        sfence_vma();
    }
    /* sret to U-mode with interrupts on and the thread's FPU state. */
    uint64_t fs = fpu_sstatus(t);
    csr_clear(sstatus, SSTATUS_SPP | SSTATUS_FS);
    csr_set(sstatus, SSTATUS_SPIE | fs);
    user_return(&t->ctx);
}

void sched_return_to_user(void)
{
    struct thread *t;
    while ((t = choose()) == NULL) {
        /* wfi wakes on any interrupt enabled in sie, even with SIE clear. */
        wfi();
        poll_interrupts();
    }
    current = t;
    sched_enter(t);
}
