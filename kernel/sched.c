/*
 * Run queues and the switch to user mode (see sched.h).
 */
#include <stdbool.h>
#include <stdint.h>

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

void sched_enqueue(struct thread *t)
{
    struct runqueue *q = &queues[t->prio];
    kassert(t->state != THREAD_RUNNABLE);
    t->state = THREAD_RUNNABLE;
    t->rq_next = NULL;
    t->rq_prev = q->tail;
    if (q->tail)
        q->tail->rq_next = t;
    else
        q->head = t;
    q->tail = t;
    mark(t->prio);
}

void sched_dequeue(struct thread *t)
{
    struct runqueue *q = &queues[t->prio];
    kassert(t->state == THREAD_RUNNABLE);
    if (t->rq_prev)
        t->rq_prev->rq_next = t->rq_next;
    else
        q->head = t->rq_next;
    if (t->rq_next)
        t->rq_next->rq_prev = t->rq_prev;
    else
        q->tail = t->rq_prev;
    t->rq_next = t->rq_prev = NULL;
    t->state = THREAD_INACTIVE;
    if (!q->head)
        unmark(t->prio);
    if (t == current)
        current = NULL;
}

struct thread *sched_current(void)
{
    return current;
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

struct thread *sched_pick(void)
{
    if (!top_bits)
        return NULL;
    unsigned w = highest_bit(top_bits);
    unsigned prio = w * 64 + highest_bit(words[w]);
    return queues[prio].head;
}

void sched_tick(void)
{
    struct thread *t = current;
    if (!t || t->state != THREAD_RUNNABLE || !t->rq_next)
        return;
    sched_dequeue(t);
    sched_enqueue(t);
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

void sched_return_to_user(void)
{
    struct thread *t;
    while ((t = sched_pick()) == NULL) {
        /* wfi wakes on any interrupt enabled in sie, even with SIE clear. */
        wfi();
        poll_interrupts();
    }
    current = t;
    if (t->proc->pagetable != current_pagetable) {
        current_pagetable = t->proc->pagetable;
        csr_write(satp, vm_satp(current_pagetable));
        sfence_vma();
    }
    /* sret to U-mode with interrupts on. */
    csr_clear(sstatus, SSTATUS_SPP);
    csr_set(sstatus, SSTATUS_SPIE);
    user_return(&t->ctx);
}
