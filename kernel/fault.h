/*
 * Faults as messages: a user thread's exception, or its ecall with a7 >= 0
 * (a Linux system call), stops it and sends a fault message to its fault
 * endpoint as a call; the handler's reply resumes or stops it
 * (mica/syscall.h, enum mica_fault).
 */
#ifndef MICA_FAULT_H
#define MICA_FAULT_H

#include <stdint.h>

#include "object/thread.h"

/* Handles a synchronous exception scause/stval of t (current). */
void fault_exception(struct thread *t, uint64_t cause, uint64_t tval);
/* An ecall whose a7 is not a kernel call. */
void fault_syscall(struct thread *t);
/* Word i of t's fault message. A system call's is read from its registers,
 * which stay as they were until the answer: nothing is stored for it.
 * Inline: the general IPC path copies a message word by word. */
static inline uint64_t fault_word(const struct thread *t, unsigned i)
{
    if (t->fault != MICA_FAULT_SYSCALL)
        return t->fault_msg[i];
    /* w0 = a7, w1..w6 = a0..a5, w7 = pc, w8 = sp */
    return i == 0 ? t->ctx.regs[REG_A7] : i <= 6 ? t->ctx.regs[REG_A0 + i - 1]
           : i == 7 ? t->ctx.pc : t->ctx.regs[REG_SP];
}
/* Sends t's pending fault again (its handler died before answering). */
void fault_resend(struct thread *t);
const char *trap_exception_name(uint64_t cause);

#endif
