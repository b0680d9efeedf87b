/*
 * IRQ handler objects (see irq.h).
 */
#include "object/irq.h"

#include "object/budget.h"
#include "object/notification.h"
#include "plic.h"
#include "mica/errno.h"

#define IRQ_MAX 1024

static struct irq_handler *handlers[IRQ_MAX];
/* Boot-time singletons: never freed (a permanent reference). */
static struct object irq_control_obj = { .type = MICA_OBJ_IRQ_CONTROL, .krefs = 1 };
static struct object device_control_obj = { .type = MICA_OBJ_DEVICE_CONTROL, .krefs = 1 };

size_t irq_hdr_offset(void)
{
    return offsetof(struct irq_handler, hdr);
}

struct object *irq_control(void)
{
    return &irq_control_obj;
}

struct object *device_control(void)
{
    return &device_control_obj;
}

struct irq_handler *irq_get(struct budget *b, uint32_t irq, int *err)
{
    *err = -EINVAL;
    if (irq == 0 || irq > plic_ndev() || irq >= IRQ_MAX)
        return NULL;
    *err = -EBUSY;
    if (handlers[irq])
        return NULL;
    *err = -ENOMEM;
    struct irq_handler *h = object_alloc(b, MICA_OBJ_IRQ, sizeof *h,
                                         offsetof(struct irq_handler, hdr));
    if (!h)
        return NULL;
    h->irq = irq;
    handlers[irq] = h;
    return h;
}

/* A new binding is a new driver: what the old one claimed and never
 * acknowledged (it died, say) is completed, so the source fires again. */
void irq_bind(struct irq_handler *h, struct notification *n, uint64_t bits)
{
    if (h->ntfn)
        object_put(&h->ntfn->hdr);
    if (h->in_service) {
        h->in_service = false;
        plic_complete(h->irq);
    }
    h->ntfn = n;
    h->bits = bits ? bits : 1;
    object_get(&n->hdr);
    plic_enable(h->irq);
}

/* n is going (its last capability went): it gets no more interrupts,
 * and the handlers no longer keep it, and the budget it was paid from,
 * alive. The sources stay masked until someone binds them again. */
void irq_drop_notification(struct notification *n)
{
    for (uint32_t i = 0; i < IRQ_MAX; i++) {
        struct irq_handler *h = handlers[i];
        if (!h || h->ntfn != n)
            continue;
        plic_disable(h->irq);
        h->ntfn = NULL;
        object_put(&n->hdr);
    }
}

int irq_ack(struct irq_handler *h)
{
    if (!h->in_service)
        return -EINVAL;
    h->in_service = false;
    plic_complete(h->irq);
    return 0;
}

bool irq_deliver(uint32_t irq)
{
    struct irq_handler *h = irq < IRQ_MAX ? handlers[irq] : NULL;
    if (!h || !h->ntfn)
        return false;
    h->in_service = true;
    notification_signal(h->ntfn, h->bits);
    return true;
}

void irq_retire(struct object *o)
{
    struct irq_handler *h = irq_of(o);
    plic_disable(h->irq);
    if (h->in_service)
        plic_complete(h->irq);
    handlers[h->irq] = NULL;
    if (h->ntfn) {
        object_put(&h->ntfn->hdr);
        h->ntfn = NULL;
    }
}
