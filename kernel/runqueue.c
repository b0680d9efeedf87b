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
