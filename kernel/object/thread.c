/*
 * Threads: creation, start and exit.
 */
#include "object/thread.h"

#include "console.h"
#include "panic.h"
#include "sched.h"
#include "mica/string.h"

void thread_init(struct thread *t, struct process *p, const char *name, uint8_t prio)
{
    memset(t, 0, sizeof *t);
    t->proc = p;
    t->prio = prio;
    t->state = THREAD_INACTIVE;
    size_t n = strnlen(name, THREAD_NAME_MAX - 1);
    memcpy(t->name, name, n);
    t->name[n] = '\0';
}

void thread_start(struct thread *t, uint64_t pc, uint64_t sp, uint64_t arg)
{
    t->ctx.pc = pc;
    t->ctx.regs[REG_SP] = sp;
    t->ctx.regs[REG_A0] = arg;
    sched_enqueue(t);
}

void thread_exit(struct thread *t, int status)
{
    if (t->state == THREAD_RUNNABLE)
        sched_dequeue(t);
    t->state = THREAD_DEAD;
    if (t->proc && t->proc->is_first) {
        kprintf("init exited with status %d\n", status);
        machine_poweroff(status);
    }
}
