/*
 * Interrupt sources bound to handlers. The PLIC claims a source and asks
 * here who takes it; the binding table is filled by IRQ capabilities.
 */
#include <stddef.h>

#include "irq.h"
#include "plic.h"

#define IRQ_MAX 1024

static void *bound[IRQ_MAX];

bool irq_deliver(uint32_t irq)
{
    return irq < IRQ_MAX && bound[irq] != NULL;
}
