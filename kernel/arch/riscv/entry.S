/*
 * Entry points from the firmware and from traps.
 *
 * _start runs at the physical load address with the MMU off. Code compiled
 * with -mcmodel=medany addresses everything pc-relatively, so the C function
 * boot_early_map() can build the boot page table there. Then the MMU goes on
 * and execution continues at the linked (upper-half) addresses in kmain().
 *
 * While a user thread runs, sscratch holds its struct user_context; while
 * the kernel runs, sscratch is 0. The kernel runs with interrupts off on one
 * kernel stack per hart (an event-driven kernel, as seL4's): every entry
 * ends by returning to some user thread through user_return().
 */
#include "memlayout.h"
#include "arch/riscv/context.h"

    .section .text.boot, "ax"
    .globl _start
_start:
    csrw    sie, zero
    csrw    sscratch, zero
    /* Only the first hart to arrive boots; SMP comes later. */
    lla     t0, boot_lottery
    li      t1, 1
    amoadd.w t1, t1, (t0)
    bnez    t1, park
    mv      s0, a0                  /* hart id */
    mv      s1, a1                  /* device tree, physical */
    rdinstret s2                    /* instructions retired before the kernel */
    lla     t0, __bss_start
    lla     t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, (t0)
    addi    t0, t0, 8
    j       1b
2:  lla     sp, boot_stack_top
    call    boot_early_map          /* returns the satp value in a0 */
    csrw    satp, a0
    sfence.vma
    /* Jump to the same code at its linked address. */
    ld      t0, .Lhigh
    jr      t0
    .balign 8
.Lhigh: .dword  high_start

park:
    wfi
    j       park

    .text
high_start:
    li      t0, KERNEL_OFFSET
    add     sp, sp, t0
    lla     t0, trap_vector
    csrw    stvec, t0
    /* User mode may read cycle, time and instret (benchmarks, clocks). */
    li      t0, 7
    csrw    scounteren, t0
    mv      a0, s0
    mv      a1, s1
    mv      a2, s2
    call    kmain
    j       park

/*
 * Trap vector. From U-mode: save the user registers into the context that
 * sscratch points at and call trap_user(ctx) on the kernel stack. From
 * S-mode (sscratch == 0): a kernel fault, handled by kernel_trap() which
 * panics; interrupts are taken in the kernel only through polling in the
 * idle loop, never as traps.
 */
    .balign 4
    .globl trap_vector
trap_vector:
    csrrw   sp, sscratch, sp
    beqz    sp, from_kernel
    sd      ra, CTX_REG(1)(sp)
    sd      gp, CTX_REG(3)(sp)
    sd      tp, CTX_REG(4)(sp)
    sd      t0, CTX_REG(5)(sp)
    sd      t1, CTX_REG(6)(sp)
    sd      t2, CTX_REG(7)(sp)
    sd      s0, CTX_REG(8)(sp)
    sd      s1, CTX_REG(9)(sp)
    sd      a0, CTX_REG(10)(sp)
    sd      a1, CTX_REG(11)(sp)
    sd      a2, CTX_REG(12)(sp)
    sd      a3, CTX_REG(13)(sp)
    sd      a4, CTX_REG(14)(sp)
    sd      a5, CTX_REG(15)(sp)
    sd      a6, CTX_REG(16)(sp)
    sd      a7, CTX_REG(17)(sp)
    sd      s2, CTX_REG(18)(sp)
    sd      s3, CTX_REG(19)(sp)
    sd      s4, CTX_REG(20)(sp)
    sd      s5, CTX_REG(21)(sp)
    sd      s6, CTX_REG(22)(sp)
    sd      s7, CTX_REG(23)(sp)
    sd      s8, CTX_REG(24)(sp)
    sd      s9, CTX_REG(25)(sp)
    sd      s10, CTX_REG(26)(sp)
    sd      s11, CTX_REG(27)(sp)
    sd      t3, CTX_REG(28)(sp)
    sd      t4, CTX_REG(29)(sp)
    sd      t5, CTX_REG(30)(sp)
    sd      t6, CTX_REG(31)(sp)
    csrr    t0, sepc
    sd      t0, CTX_PC(sp)
    csrrw   t0, sscratch, zero      /* user sp; sscratch = 0: in the kernel */
    sd      t0, CTX_REG(2)(sp)
    mv      a0, sp
    lla     sp, kernel_stack_top
    /* A frame-pointer chain that ends here, for panic backtraces. */
    mv      s0, zero
    mv      s1, a0
    call    trap_entry              /* returns if the fastpath does not apply */
    mv      a0, s1
    call    trap_user
    j       park                    /* trap_user never returns */

from_kernel:
    csrrw   sp, sscratch, sp        /* sp = kernel sp again, sscratch = 0 */
    addi    sp, sp, -CTX_SIZE
    sd      ra, CTX_REG(1)(sp)
    sd      s0, CTX_REG(8)(sp)
    sd      a0, CTX_REG(10)(sp)
    csrr    t0, sepc
    sd      t0, CTX_PC(sp)
    mv      a0, sp
    call    kernel_trap
    j       park

/*
 * user_return(ctx): loads the user registers from ctx and enters U-mode.
 * The caller has set satp, sstatus.SPP = 0 and SPIE.
 */
    .globl user_return
user_return:
    csrw    sscratch, a0
    ld      t0, CTX_PC(a0)
    csrw    sepc, t0
    ld      ra, CTX_REG(1)(a0)
    ld      sp, CTX_REG(2)(a0)
    ld      gp, CTX_REG(3)(a0)
    ld      tp, CTX_REG(4)(a0)
    ld      t0, CTX_REG(5)(a0)
    ld      t1, CTX_REG(6)(a0)
    ld      t2, CTX_REG(7)(a0)
    ld      s0, CTX_REG(8)(a0)
    ld      s1, CTX_REG(9)(a0)
    ld      a1, CTX_REG(11)(a0)
    ld      a2, CTX_REG(12)(a0)
    ld      a3, CTX_REG(13)(a0)
    ld      a4, CTX_REG(14)(a0)
    ld      a5, CTX_REG(15)(a0)
    ld      a6, CTX_REG(16)(a0)
    ld      a7, CTX_REG(17)(a0)
    ld      s2, CTX_REG(18)(a0)
    ld      s3, CTX_REG(19)(a0)
    ld      s4, CTX_REG(20)(a0)
    ld      s5, CTX_REG(21)(a0)
    ld      s6, CTX_REG(22)(a0)
    ld      s7, CTX_REG(23)(a0)
    ld      s8, CTX_REG(24)(a0)
    ld      s9, CTX_REG(25)(a0)
    ld      s10, CTX_REG(26)(a0)
    ld      s11, CTX_REG(27)(a0)
    ld      t3, CTX_REG(28)(a0)
    ld      t4, CTX_REG(29)(a0)
    ld      t5, CTX_REG(30)(a0)
    ld      t6, CTX_REG(31)(a0)
    ld      a0, CTX_REG(10)(a0)
    sret

    .section .data
    .balign 4
boot_lottery: .word 0

    .section .bss
    .balign 16
    .globl kernel_stack_top
boot_stack:
    .space KSTACK_SIZE
boot_stack_top:
kernel_stack_top:
