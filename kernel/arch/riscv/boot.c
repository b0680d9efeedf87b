/*
 * The boot page table, built before the MMU is on.
 *
 * boot_early_map() runs at the physical load address: it may only touch
 * memory pc-relatively (which -mcmodel=medany guarantees for globals) and
 * must not call anything. It maps, with 1 GiB pages:
 *   - the gigabyte holding the kernel at its physical address, so the
 *     instruction after the satp write still fetches;
 *   - the same gigabyte at KERNEL_VIRT's gigabyte (the linked addresses);
 *   - physical 0..4 GiB in the direct map, so kmain() can read the device
 *     tree before vm_init() builds the real, finer kernel page table.
 */
#include <stdint.h>

#include "memlayout.h"
#include "arch/riscv/csr.h"
#include "vm.h"

__attribute__((aligned(PAGE_SIZE))) static uint64_t boot_pagetable[512];

#define BOOT_DMAP_GIGS 4

static uint64_t giga_pte(uint64_t pa)
{
    return ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) |
           PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G;
}

uint64_t boot_early_map(void)
{
    uint64_t pa = (uint64_t)&boot_pagetable[0];   /* physical: MMU is off */
    uint64_t kgiga = KERNEL_PHYS & ~(GIGA_SIZE - 1);

    boot_pagetable[(kgiga >> 30) & 511] = giga_pte(kgiga);
    boot_pagetable[(KERNEL_VIRT >> 30) & 511] = giga_pte(kgiga);
    for (uint64_t g = 0; g < BOOT_DMAP_GIGS; g++)
        boot_pagetable[((DMAP_BASE >> 30) + g) & 511] = giga_pte(g * GIGA_SIZE);
    return SATP_SV39 | (pa >> PAGE_SHIFT);
}
