/*
 * Trap dispatch. Every entry from user mode lands in trap_user() with the
 * thread's registers saved; it handles the cause and leaves through the
 * scheduler to whichever thread should run next. A trap taken in the
 * kernel itself is a kernel bug and panics.
 */
#include <stdint.h>

#include "console.h"
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

/*
 * A fault the kernel does not resolve itself. Until fault endpoints exist,
 * the thread is stopped and the fault reported; the first process's fault
 * ends the system.
 */
static void user_fault(struct thread *t, uint64_t cause, uint64_t tval)
{
    kprintf("thread %s: %s at pc %lx addr %lx; stopped\n", t->name,
            trap_exception_name(cause), (unsigned long)t->ctx.pc,
            (unsigned long)tval);
    thread_exit(t, 255);
}

void trap_user(struct user_context *ctx)
{
    struct thread *t = (struct thread *)ctx;
    uint64_t cause = csr_read(scause);
    if (cause & SCAUSE_INTR)
        interrupt(cause & ~SCAUSE_INTR);
    else if (cause == EXC_ECALL_U)
        syscall_dispatch(t);
    else
        user_fault(t, cause, csr_read(stval));
    sched_return_to_user();
}

void kernel_trap(struct user_context *frame)
{
    uint64_t cause = csr_read(scause);
    panic("kernel trap: %s (ra %lx)",
          (cause & SCAUSE_INTR) ? "interrupt" : trap_exception_name(cause),
          (unsigned long)frame->regs[REG_RA]);
}
