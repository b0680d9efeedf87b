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
/* Index of the highest set bit of a non-zero word, without libgcc. */
static inline unsigned rq_highest_bit(uint64_t x)
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

/* The highest priority with a queued thread, or -1. Inline: the fastpath
 * asks, and it calls no function on its way through. */
static inline int rq_highest(const struct runqueues *rq)
{
    if (!rq->top_bits)
        return -1;
    unsigned w = rq_highest_bit(rq->top_bits);
    return (int)(w * 64 + rq_highest_bit(rq->words[w]));
}

static inline struct thread *rq_head(const struct runqueues *rq, int prio)
{
    return rq->queues[prio].head;
}

#endif
