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
/* Index of the highest set bit of a non-zero word, without libgcc: a
 * binary search written out (GCC kept the loop, a third slower, and
 * every slow-path switch asks twice). */
static inline unsigned rq_highest_bit(uint64_t x)
{
    unsigned n = 0;
    if (x >> 32)
        x >>= 32, n += 32;
    if (x >> 16)
        x >>= 16, n += 16;
    if (x >> 8)
        x >>= 8, n += 8;
    if (x >> 4)
        x >>= 4, n += 4;
    if (x >> 2)
        x >>= 2, n += 2;
    return n + (unsigned)(x >> 1);
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
