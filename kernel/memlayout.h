/*
 * The kernel's virtual memory layout (Sv39).
 *
 *   0x0000000000000000 .. 0x0000003fffffffff  user (256 GiB)
 *   0xffffffc000000000 .. 0xffffffff7fffffff  direct map: va = pa + DMAP_BASE
 *                                             (RAM, and the MMIO the kernel uses)
 *   0xffffffff80000000 .. 0xffffffffffffffff  kernel image, linked at +0x200000
 *
 * OpenSBI's fw_jump enters the kernel at KERNEL_PHYS with the MMU off; the
 * kernel runs position-independent code there just long enough to turn on a
 * boot page table (arch/riscv/entry.S, boot.c).
 */
#ifndef MICA_MEMLAYOUT_H
#define MICA_MEMLAYOUT_H

#define PAGE_SHIFT   12
#define PAGE_SIZE    (1ul << PAGE_SHIFT)
#define MEGA_SIZE    (1ul << 21)
#define GIGA_SIZE    (1ul << 30)

#define USER_TOP     0x0000004000000000ul
#define DMAP_BASE    0xffffffc000000000ul
#define DMAP_LIMIT   0xffffffff80000000ul   /* pa < DMAP_LIMIT - DMAP_BASE */
#define KERNEL_VIRT  0xffffffff80200000ul
#define KERNEL_PHYS  0x80200000ul
#define KERNEL_OFFSET (KERNEL_VIRT - KERNEL_PHYS)

#define KSTACK_SIZE  (16 * 1024)

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline void *pa_to_va(uint64_t pa) { return (void *)(pa + DMAP_BASE); }
static inline uint64_t va_to_pa(const void *va) { return (uint64_t)va - DMAP_BASE; }
/* Physical address of a symbol in the kernel image. */
static inline uint64_t kernel_pa(const void *va) { return (uint64_t)va - KERNEL_OFFSET; }

#define PAGE_ROUND_UP(x)   (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((x) & ~(PAGE_SIZE - 1))
#endif

#endif
