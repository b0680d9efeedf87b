/*
 * Threads (TCBs). The saved user context comes first: entry.S stores the
 * registers of the interrupted thread through sscratch into it.
 *
 * A thread runs in a process (its address space and capability space). Its
 * state says where it waits; the IPC fields are guarded by that state:
 *   RUNNABLE        on a run queue, or the current thread
 *   BLOCKED_SEND    on ep->senders; is_call says whether it wants a reply
 *   BLOCKED_RECV    on ep->receivers (or waiting for its bound notification)
 *   BLOCKED_REPLY   its call was received; replier or reply_cap holds the right
 *   BLOCKED_NTFN    on a notification's waiters
 *   INACTIVE        not started, suspended, or stopped after a fault
 *   DEAD            killed; only references keep the memory alive
 */
#ifndef MICA_THREAD_H
#define MICA_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/riscv/context.h"
#include "object/object.h"
#include "vm.h"
#include "mica/syscall.h"

#define THREAD_NAME_MAX 16
#define PRIO_COUNT      256

enum thread_state {
    THREAD_INACTIVE,
    THREAD_RUNNABLE,
    THREAD_BLOCKED_SEND,
    THREAD_BLOCKED_RECV,
    THREAD_BLOCKED_REPLY,
    THREAD_BLOCKED_NTFN,
    THREAD_DEAD,
};

struct process;
struct endpoint;
struct notification;
struct frame;
struct cap;

struct fpu_state {
    uint64_t f[32];
    uint64_t fcsr;
};

struct thread {
    struct user_context ctx;       /* must stay first */
    struct object hdr;
    struct process *proc;          /* holds a reference */
    struct thread *proc_next;      /* the process's thread list */
    enum thread_state state;
    uint8_t prio;
    uint8_t mcp;                   /* highest priority it may give */
    bool fpu_enabled;              /* has used the FPU */
    uint64_t user_ticks;           /* time run in user mode (THREAD_TIME), less the
                                    * time it entered while it is there */
    struct thread *rq_next;        /* run queue or wait queue links */
    struct thread *rq_prev;

    /* IPC */
    struct object *blocked_on;     /* endpoint or notification; holds a reference */
    uint64_t send_badge;           /* badge of the capability it sends with */
    bool is_call;
    bool ntfn_as_message;          /* BLOCKED_NTFN from RECV: the bits come as a message */
    bool send_grant;               /* its capability had the grant right */
    uint8_t fault;                 /* enum mica_fault when the pending call is a fault */
    uint64_t fault_msg[MICA_FAULT_LEN];
    struct thread *caller;         /* the call it received and has not answered */
    struct thread *replier;        /* who holds its implicit reply right */
    struct cap *reply_cap;         /* or the saved reply capability naming it */
    uint64_t grant_base;           /* memory it lends with its pending call */
    uint64_t grant_len;
    uint8_t grant_rights;
    uint64_t grant_space;          /* 0: its own memory; else a process capability's slot */

    struct endpoint *fault_ep;     /* NULL: the process's */
    uint64_t fault_badge;
    struct frame *ipcbuf_frame;    /* holds a reference */
    struct mica_ipc_buffer *ipcbuf;/* kernel address of the IPC buffer */
    struct notification *bound;    /* holds a reference */

    struct fpu_state fpu;
    char name[THREAD_NAME_MAX];
};

struct budget;

struct thread *thread_create(struct budget *b, struct process *p);
void thread_set_name(struct thread *t, const char *name);
/* Makes an inactive thread runnable at pc with sp and a0. */
void thread_start(struct thread *t, uint64_t pc, uint64_t sp, uint64_t arg);
/* Takes a thread off whatever it waits on; a blocked call ends with -err. */
void thread_suspend(struct thread *t, long err);
void thread_resume(struct thread *t);
/* Stops the thread for good, releasing everything it holds. */
void thread_kill(struct thread *t);
/* Wakes a blocked thread with a0 = result. */
void thread_wake(struct thread *t, long result);

static inline struct thread *thread_of(struct object *o)
{
    return container_of(o, struct thread, hdr);
}

/* Lazy FPU: called on an illegal instruction; true if it enabled the FPU
 * for t and the instruction should be retried. */
bool fpu_trap(struct thread *t);
void fpu_save_if_owner(struct thread *t);
/* sstatus.FS value for returning to t. */
uint64_t fpu_sstatus(struct thread *t);
/* The thread whose FP state is in the FPU (lazy switching), or NULL. */
extern struct thread *fpu_owner;

#endif
