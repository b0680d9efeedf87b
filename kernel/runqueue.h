/*
 * Run queues: one FIFO per priority and a two-level bitmap of the
 * non-empty ones, so that the highest runnable priority is found in O(1)
 * (two highest-bit searches). Pure code, unit-tested on the host.
 */
#ifndef MICA_RUNQUEUE_H
#define MICA_RUNQUEUE_H

#include <stdint.h>

#include "object/thread.h"

struct runqueue {
    struct thread *head;
    struct thread *tail;
};

struct runqueues {
    uint64_t top_bits;          /* bit w: words[w] != 0 */
    uint64_t words[PRIO_COUNT / 64];
    struct runqueue queues[PRIO_COUNT];
};

/* Appends t to the queue of its priority. */
void rq_enqueue(struct runqueues *rq, struct thread *t);
/* Removes t from the queue of its priority. */
void rq_dequeue(struct runqueues *rq, struct thread *t);
/* The highest priority with a queued thread, or -1. */
int rq_highest(const struct runqueues *rq);

static inline struct thread *rq_head(const struct runqueues *rq, int prio)
{
    return rq->queues[prio].head;
}

#endif
