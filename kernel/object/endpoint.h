/*
 * Endpoints: synchronous rendezvous between a sender and a receiver. The
 * thread that comes first waits in the endpoint's queue. A call gives the
 * receiver a one-shot reply right (reply.c). Endpoints outlive the threads
 * that receive on them: senders queued while a server restarts wait for
 * its next incarnation.
 */
#ifndef MICA_ENDPOINT_H
#define MICA_ENDPOINT_H

#include <stdint.h>

#include "object/object.h"

struct thread;
struct cap;

struct tqueue {
    struct thread *head;
    struct thread *tail;
};

struct endpoint {
    struct object hdr;
    struct tqueue senders;
    struct tqueue receivers;
};

/* Wait queues link threads through rq_next/rq_prev (thread.h). */
#include "object/thread.h"

static inline void tqueue_push(struct tqueue *q, struct thread *t)
{
    t->rq_next = NULL;
    t->rq_prev = q->tail;
    if (q->tail)
        q->tail->rq_next = t;
    else
        q->head = t;
    q->tail = t;
}

static inline void tqueue_remove(struct tqueue *q, struct thread *t)
{
    if (t->rq_prev)
        t->rq_prev->rq_next = t->rq_next;
    else
        q->head = t->rq_next;
    if (t->rq_next)
        t->rq_next->rq_prev = t->rq_prev;
    else
        q->tail = t->rq_prev;
    t->rq_next = t->rq_prev = NULL;
}

struct endpoint *endpoint_create(struct budget *b);
/* t sends (or calls, or raises a fault) on ep with the given badge. The
 * message is in t's registers, IPC buffer or fault_msg. Blocks t unless
 * nonblocking. Returns 0, or -EAGAIN when nonblocking and nobody waits. */
long endpoint_send(struct endpoint *ep, struct thread *t, uint64_t badge,
                   bool grant, bool is_call, bool nonblocking);
/* t receives on ep; blocks unless a sender waits or nonblocking. */
long endpoint_recv(struct endpoint *ep, struct thread *t, bool nonblocking);
/* Delivers sender's message to receiver (both off any queue). */
void ipc_deliver(struct thread *sender, struct thread *receiver, uint64_t badge);
/* Answers caller's call with replier's message (REPLY). */
void ipc_reply(struct thread *replier, struct thread *caller);
/* Drops the reply right t holds implicitly; its caller gets -EPEERDIED. */
void reply_drop_implicit(struct thread *t);

static inline struct endpoint *endpoint_of(struct object *o)
{
    return container_of(o, struct endpoint, hdr);
}

#endif
