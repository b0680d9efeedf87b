/*
 * Notifications: a word of signal bits. SIGNAL ORs in the badge of the
 * capability used; WAIT blocks until the word is non-zero and takes it.
 * A notification bound to a thread also wakes that thread's RECV on an
 * endpoint. Interrupts and timers arrive as notifications.
 */
#ifndef MICA_NOTIFICATION_H
#define MICA_NOTIFICATION_H

#include <stdint.h>

#include "object/endpoint.h"
#include "object/object.h"

struct notification {
    struct object hdr;
    uint64_t word;
    struct tqueue waiters;
    struct thread *bound;            /* thread whose RECV it also wakes */
    uint64_t deadline;               /* timer: rdtime ticks, 0 = off */
    uint64_t period;
    uint64_t timer_bits;             /* what the timer signals */
    struct notification *timer_next; /* armed timers, by deadline */
};

struct notification *notification_create(struct budget *b);
void notification_signal(struct notification *n, uint64_t bits);
long notification_wait(struct notification *n, struct thread *t, bool nonblocking);
/* Bits pending for a thread bound to n (taken), 0 if none. */
uint64_t notification_take(struct notification *n);
void notification_bind(struct notification *n, struct thread *t);
void notification_unbind(struct thread *t);
/* The timer signals bits (the badge of the capability that set it, or 1). */
void notification_set_timer(struct notification *n, uint64_t deadline, uint64_t period,
                            uint64_t bits);
/* Signals every timer that is due; returns the next deadline (0: none). */
uint64_t notification_timers_run(uint64_t now);

static inline struct notification *notification_of(struct object *o)
{
    return container_of(o, struct notification, hdr);
}

#endif
