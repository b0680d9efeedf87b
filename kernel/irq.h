/* Interrupt sources bound to notifications (IRQ capabilities). */
#ifndef MICA_IRQ_H
#define MICA_IRQ_H

#include <stdbool.h>
#include <stdint.h>

/* Delivers a claimed PLIC source to whoever bound it; false if nobody. */
bool irq_deliver(uint32_t irq);

#endif
