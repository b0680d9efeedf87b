/*
 * The scheduler: 256 priorities (higher runs first), round-robin within
 * one, O(1) choice of the highest non-empty queue through a two-level
 * bitmap. The running thread is not on a queue ("lazy" or Benno
 * scheduling), so the IPC fastpath can switch threads without touching the
 * queues.
 */
#ifndef MICA_SCHED_H
#define MICA_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "vm.h"

struct thread;

/* Makes t runnable and queues it (unless it is the current thread). */
void sched_make_runnable(struct thread *t);
/* Takes a runnable t off its queue (or clears current). */
void sched_remove(struct thread *t);
struct thread *sched_current(void);
/* Makes t the thread that returns to user mode (the fastpath's switch). */
void sched_set_current(struct thread *t);
/* The highest priority with a queued thread, or -1. */
int sched_highest(void);
/* Timer tick: round-robin at the next return to user mode. */
void sched_tick(void);
/* YIELD: the current thread goes to the back of its queue. */
void sched_yield(void);
/* Chooses a thread and enters it in user mode; idles while none can run. */
__attribute__((noreturn)) void sched_return_to_user(void);
/* Called before a page table is freed: stop using it. */
void sched_forget_pagetable(pte_t *pt);
/* Enters t in user mode; t must be current. */
__attribute__((noreturn)) void sched_enter(struct thread *t);

#endif
