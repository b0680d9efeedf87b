/*
 * Threads (TCBs). The saved user context comes first: entry.S stores the
 * registers of the interrupted thread through sscratch into it.
 */
#ifndef MICA_THREAD_H
#define MICA_THREAD_H

#include <stdint.h>

#include "arch/riscv/context.h"
#include "vm.h"

#define THREAD_NAME_MAX 16
#define PRIO_COUNT      256

enum thread_state {
    THREAD_INACTIVE,   /* created, not started, or stopped */
    THREAD_RUNNABLE,   /* on a run queue, or running */
    THREAD_DEAD,
};

struct process;

struct thread {
    struct user_context ctx;       /* must stay first */
    struct process *proc;
    enum thread_state state;
    uint8_t prio;
    struct thread *rq_next;        /* run queue links, guarded by sched */
    struct thread *rq_prev;
    char name[THREAD_NAME_MAX];
};

/*
 * Until capabilities arrive, a process is its address space and its first
 * thread; the boot loader creates the only one.
 */
struct process {
    pte_t *pagetable;
    struct thread *main;
    int is_first;       /* its exit ends the system */
};

void thread_init(struct thread *t, struct process *p, const char *name, uint8_t prio);
void thread_start(struct thread *t, uint64_t pc, uint64_t sp, uint64_t arg);
/* Ends a thread; the process's end follows its last thread. */
void thread_exit(struct thread *t, int status);

#endif
