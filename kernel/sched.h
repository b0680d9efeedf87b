/*
 * The scheduler: 256 priorities, round-robin within one, O(1) choice of the
 * highest non-empty queue through a two-level bitmap. Higher numbers run
 * first. The running thread stays on its queue.
 */
#ifndef MICA_SCHED_H
#define MICA_SCHED_H

struct thread;

void sched_enqueue(struct thread *t);
void sched_dequeue(struct thread *t);
struct thread *sched_current(void);
/* The highest-priority runnable thread, or NULL. */
struct thread *sched_pick(void);
/* Timer tick: the current thread goes to the back of its queue. */
void sched_tick(void);
/* Chooses a thread and enters it in user mode; idles while none can run. */
__attribute__((noreturn)) void sched_return_to_user(void);

#endif
