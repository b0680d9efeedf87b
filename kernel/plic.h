/* The platform-level interrupt controller, for the boot hart's S-mode context. */
#ifndef MICA_PLIC_H
#define MICA_PLIC_H

#include <stdint.h>

struct boot_info;

void plic_init(const struct boot_info *bi);
void plic_enable(uint32_t irq);
void plic_disable(uint32_t irq);
/* The highest-priority pending source, 0 if none. */
uint32_t plic_claim(void);
void plic_complete(uint32_t irq);
uint32_t plic_ndev(void);
/* Called on a supervisor external interrupt: claims and dispatches. */
void plic_interrupt(void);

#endif
