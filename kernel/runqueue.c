/*
 * Run queues (see runqueue.h).
 */
#include "runqueue.h"

static void mark(struct runqueues *rq, unsigned prio)
{
    rq->words[prio / 64] |= 1ull << (prio % 64);
    rq->top_bits |= 1ull << (prio / 64);
}

static void unmark(struct runqueues *rq, unsigned prio)
{
    rq->words[prio / 64] &= ~(1ull << (prio % 64));
    if (!rq->words[prio / 64])
        rq->top_bits &= ~(1ull << (prio / 64));
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

int rq_highest(const struct runqueues *rq)
{
    if (!rq->top_bits)
        return -1;
    unsigned w = highest_bit(rq->top_bits);
    return (int)(w * 64 + highest_bit(rq->words[w]));
}

void rq_enqueue(struct runqueues *rq, struct thread *t)
{
    struct runqueue *q = &rq->queues[t->prio];
    t->rq_next = NULL;
    t->rq_prev = q->tail;
    if (q->tail)
        q->tail->rq_next = t;
    else
        q->head = t;
    q->tail = t;
    mark(rq, t->prio);
}

void rq_dequeue(struct runqueues *rq, struct thread *t)
{
    struct runqueue *q = &rq->queues[t->prio];
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
        unmark(rq, t->prio);
}
