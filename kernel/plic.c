/*
 * PLIC driver. Every source gets priority 1 and starts disabled; a source is
 * enabled when a driver binds it (interrupts reach user-space drivers as
 * notifications). A claimed source nobody handles is disabled and reported
 * once, so a stuck line cannot livelock the kernel.
 */
#include <stdbool.h>

#include "console.h"
#include "fdt.h"
#include "object/irq.h"
#include "memlayout.h"
#include "panic.h"
#include "plic.h"
#include "arch/riscv/csr.h"

#define PLIC_PRIORITY(irq)        (4 * (irq))
#define PLIC_ENABLE(ctx)          (0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx)       (0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)           (0x200004 + 0x1000 * (ctx))

static volatile uint8_t *plic;
static int context;
static uint32_t ndev;

static inline volatile uint32_t *reg(uint64_t off)
{
    return (volatile uint32_t *)(plic + off);
}

void plic_init(const struct boot_info *bi)
{
    if (!bi->has_plic || bi->plic_context < 0) {
        kprintf("plic: none for this hart; no external interrupts\n");
        return;
    }
    plic = pa_to_va(bi->plic.base);
    context = bi->plic_context;
    ndev = bi->plic_ndev;
    for (uint32_t irq = 1; irq <= ndev; irq++) {
        *reg(PLIC_PRIORITY(irq)) = 1;
        plic_disable(irq);
    }
    *reg(PLIC_THRESHOLD(context)) = 0;
    csr_set(sie, SIE_SEIE);
}

uint32_t plic_ndev(void)
{
    return ndev;
}

void plic_enable(uint32_t irq)
{
    if (plic && irq && irq <= ndev)
        *reg(PLIC_ENABLE(context) + 4 * (irq / 32)) |= 1u << (irq % 32);
}

void plic_disable(uint32_t irq)
{
    if (plic && irq && irq <= ndev)
        *reg(PLIC_ENABLE(context) + 4 * (irq / 32)) &= ~(1u << (irq % 32));
}

uint32_t plic_claim(void)
{
    return plic ? *reg(PLIC_CLAIM(context)) : 0;
}

void plic_complete(uint32_t irq)
{
    if (plic)
        *reg(PLIC_CLAIM(context)) = irq;
}

void plic_interrupt(void)
{
    uint32_t irq;
    while ((irq = plic_claim()) != 0) {
        if (irq_deliver(irq))
            continue;       /* completed when the driver acknowledges */
        kprintf("plic: interrupt %u has no handler; disabled\n", irq);
        plic_disable(irq);
        plic_complete(irq);
    }
}
