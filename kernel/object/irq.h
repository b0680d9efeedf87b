/*
 * Interrupts as capabilities. The first process holds the IRQ control
 * capability; IRQ_GET makes a handler capability for one PLIC source,
 * IRQ_BIND routes it to a notification, and IRQ_ACK completes it at the
 * PLIC so it can fire again. A source has at most one handler.
 */
#ifndef MICA_IRQ_H
#define MICA_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "object/object.h"

struct notification;
struct budget;

struct irq_handler {
    struct object hdr;
    uint32_t irq;
    bool in_service;             /* claimed, not yet acknowledged */
    struct notification *ntfn;   /* held */
    uint64_t bits;
};

/* Delivers a claimed PLIC source to its handler; false if it has none. */
bool irq_deliver(uint32_t irq);
struct irq_handler *irq_get(struct budget *b, uint32_t irq, int *err);
void irq_bind(struct irq_handler *h, struct notification *n, uint64_t bits);
void irq_drop_notification(struct notification *n);
int irq_ack(struct irq_handler *h);
struct object *irq_control(void);
struct object *device_control(void);

static inline struct irq_handler *irq_of(struct object *o)
{
    return container_of(o, struct irq_handler, hdr);
}

#endif
