/*
 * Trap dispatch. Every entry from user mode lands in trap_user() with the
 * thread's registers saved; it handles the cause and leaves through the
 * scheduler to whichever thread should run next. A trap taken in the
 * kernel itself is a kernel bug and panics.
 */
#include <stdint.h>

#include "console.h"
#include "fastpath.h"
#include "fault.h"
#include "object/object.h"
#include "object/thread.h"
#include "panic.h"
#include "plic.h"
#include "sched.h"
#include "syscall.h"
#include "timer.h"
#include "arch/riscv/csr.h"

static const char *const exception_names[16] = {
    [EXC_INSN_MISALIGNED] = "misaligned fetch",
    [EXC_INSN_ACCESS] = "fetch access fault",
    [EXC_ILLEGAL_INSN] = "illegal instruction",
    [EXC_BREAKPOINT] = "breakpoint",
    [EXC_LOAD_MISALIGNED] = "misaligned load",
    [EXC_LOAD_ACCESS] = "load access fault",
    [EXC_STORE_MISALIGNED] = "misaligned store",
    [EXC_STORE_ACCESS] = "store access fault",
    [EXC_ECALL_U] = "ecall from U-mode",
    [EXC_ECALL_S] = "ecall from S-mode",
    [EXC_INSN_PAGE_FAULT] = "instruction page fault",
    [EXC_LOAD_PAGE_FAULT] = "load page fault",
    [EXC_STORE_PAGE_FAULT] = "store page fault",
};

const char *trap_exception_name(uint64_t cause)
{
    if (cause < 16 && exception_names[cause])
        return exception_names[cause];
    return "unknown exception";
}

static void interrupt(uint64_t irq)
{
    switch (irq) {
    case IRQ_S_TIMER:
        timer_interrupt();
        break;
    case IRQ_S_EXT:
        plic_interrupt();
        break;
    default:
        kprintf("trap: unexpected interrupt %lu\n", (unsigned long)irq);
        break;
    }
}

/* First on every entry from user mode, before trap_user: apart from it so
 * that the fastpath, a tail call from here, runs without a stack frame.
 * It needs no frame pointer either: entry.S starts the chain after it. */
__attribute__((optimize("omit-frame-pointer"))) void trap_entry(struct user_context *ctx)
{
    struct thread *t = (struct thread *)ctx;
    /* Only the trapping thread's own time: waiting and idling are not its.
     * sched_enter took away the time it entered user mode. */
    t->user_ticks += csr_read(time);
    if (csr_read(scause) == EXC_ECALL_U)
        fastpath_try(t);             /* returns only when it does not apply */
}

void trap_user(struct user_context *ctx)
{
    struct thread *t = (struct thread *)ctx;
    uint64_t cause = csr_read(scause);
    if (cause == EXC_ECALL_U) {
        syscall_dispatch(t);
    } else if (cause & SCAUSE_INTR) {
        interrupt(cause & ~SCAUSE_INTR);
    } else {
        fault_exception(t, cause, csr_read(stval));
    }
    if (object_reap_pending())
        object_reap();
    sched_return_to_user();
}

void kernel_trap(struct user_context *frame)
{
    uint64_t cause = csr_read(scause);
    panic("kernel trap: %s (ra %lx)",
          (cause & SCAUSE_INTR) ? "interrupt" : trap_exception_name(cause),
          (unsigned long)frame->regs[REG_RA]);
}
