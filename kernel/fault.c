/*
 * Fault messages (see fault.h).
 */
#include "fault.h"

#include "console.h"
#include "object/endpoint.h"
#include "object/process.h"
#include "object/thread.h"
#include "panic.h"
#include "arch/riscv/csr.h"

static struct endpoint *fault_ep(struct thread *t, uint64_t *badge)
{
    if (t->fault_ep) {
        *badge = t->fault_badge;
        return t->fault_ep;
    }
    *badge = t->proc ? t->proc->fault_badge : 0;
    return t->proc ? t->proc->fault_ep : NULL;
}

static const char *const kind_names[] = {
    [MICA_FAULT_SYSCALL] = "system call",
    [MICA_FAULT_PAGE] = "page fault",
    [MICA_FAULT_ACCESS] = "access fault",
    [MICA_FAULT_ILLEGAL] = "illegal instruction",
    [MICA_FAULT_MISALIGNED] = "misaligned access",
    [MICA_FAULT_BREAKPOINT] = "breakpoint",
    [MICA_FAULT_EXIT] = "exit",
};

/* Nobody handles t's faults: it stops, and the first process's fault ends
 * the system. */
static void unhandled(struct thread *t)
{
    kprintf("thread %s: %s at pc %lx addr %lx; no fault handler, stopped\n", t->name,
            kind_names[t->fault], (unsigned long)t->ctx.pc,
            (unsigned long)fault_word(t, 1));
    if (t->proc && t->proc->is_first) {
        kprintf("init exited with status 255\n");
        machine_poweroff(255);
    }
    t->fault = 0;
    thread_suspend(t, 0);
}

static void raise(struct thread *t)
{
    uint64_t badge;
    struct endpoint *ep = fault_ep(t, &badge);
    if (!ep) {
        unhandled(t);
        return;
    }
    endpoint_send(ep, t, badge, false, true, false);
}

void fault_resend(struct thread *t)
{
    uint64_t badge;
    struct endpoint *ep = fault_ep(t, &badge);
    if (ep)
        endpoint_send(ep, t, badge, false, true, false);
    else
        t->fault = 0;       /* stays stopped, as unhandled() leaves it */
}

static uint8_t classify(uint64_t cause, uint64_t *access)
{
    *access = 0;
    switch (cause) {
    case EXC_INSN_PAGE_FAULT:
        *access = MICA_R_EXEC;
        return MICA_FAULT_PAGE;
    case EXC_LOAD_PAGE_FAULT:
        *access = MICA_R_READ;
        return MICA_FAULT_PAGE;
    case EXC_STORE_PAGE_FAULT:
        *access = MICA_R_WRITE;
        return MICA_FAULT_PAGE;
    case EXC_INSN_ACCESS:
        *access = MICA_R_EXEC;
        return MICA_FAULT_ACCESS;
    case EXC_LOAD_ACCESS:
        *access = MICA_R_READ;
        return MICA_FAULT_ACCESS;
    case EXC_STORE_ACCESS:
        *access = MICA_R_WRITE;
        return MICA_FAULT_ACCESS;
    case EXC_INSN_MISALIGNED:
        *access = MICA_R_EXEC;
        return MICA_FAULT_MISALIGNED;
    case EXC_LOAD_MISALIGNED:
        *access = MICA_R_READ;
        return MICA_FAULT_MISALIGNED;
    case EXC_STORE_MISALIGNED:
        *access = MICA_R_WRITE;
        return MICA_FAULT_MISALIGNED;
    case EXC_BREAKPOINT:
        return MICA_FAULT_BREAKPOINT;
    default:
        return MICA_FAULT_ILLEGAL;
    }
}

/* A switch keeps the TLB (ASIDs), and RISC-V lets it hold on to a page's
 * "not mapped" after MAP filled the entry in, without an sfence.vma that
 * every MAP would pay for. A page fault on a page mapped with the right it
 * lacked is that: flush the page and run the instruction again. */
static bool stale_tlb(struct thread *t, uint64_t cause, uint64_t va)
{
    uint64_t need = cause == EXC_LOAD_PAGE_FAULT ? PTE_R
                    : cause == EXC_STORE_PAGE_FAULT ? PTE_W
                    : cause == EXC_INSN_PAGE_FAULT ? PTE_X : 0;
    if (!need || !t->proc)
        return false;
    pte_t *pte = vm_user_lookup(t->proc->pagetable, va);
    if (!pte || (*pte & (PTE_U | need)) != (PTE_U | need))
        return false;
    vm_flush_page(va);
    return true;
}

void fault_exception(struct thread *t, uint64_t cause, uint64_t tval)
{
    if (cause == EXC_ILLEGAL_INSN && fpu_trap(t))
        return;             /* first FPU use: retry with the FPU on */
    if (stale_tlb(t, cause, tval))
        return;
    uint64_t access;
    t->fault = classify(cause, &access);
    t->fault_msg[0] = t->ctx.pc;
    t->fault_msg[1] = tval;
    t->fault_msg[2] = t->fault == MICA_FAULT_ILLEGAL ? cause : access;
    for (int i = 3; i < MICA_FAULT_LEN; i++)
        t->fault_msg[i] = 0;
    raise(t);
}

void fault_syscall(struct thread *t)
{
    t->fault = MICA_FAULT_SYSCALL;
    raise(t);
}
