/*
 * Starting native programs from the boot archive as new processes, and
 * threads in one's own process. Used by root to start the servers, and by
 * the kernel tests and benchmarks.
 *
 * A spawned process gets, at the same slot numbers the first process uses:
 * MICA_SLOT_SELF (its process), MICA_SLOT_THREAD (its first thread),
 * MICA_SLOT_IPC_BUFFER, and MICA_SLOT_BUDGET if the spawner lends one;
 * then the extra capabilities the spawner lists. Its stack ends at
 * MICA_STACK_TOP, its IPC buffer is at MICA_IPCBUF_VA, and main() receives
 * `arg`.
 */
#ifndef MICA_SPAWN_H
#define MICA_SPAWN_H

#include <stdint.h>

struct spawn_cap {
    long src;                 /* slot in the spawner */
    long dest;                /* slot in the child */
    unsigned rights;
    uint64_t badge;
};

struct spawn_args {
    const char *name;         /* boot-archive entry */
    long budget;              /* pays for the child (slot in the spawner) */
    long child_budget;        /* lent to the child as MICA_SLOT_BUDGET, or 0 */
    long fault_ep;            /* the child's fault endpoint, or 0 */
    uint64_t fault_badge;
    unsigned prio;
    uint64_t arg;
    const char *args;         /* command line, read-only at MICA_ARGS_VA ("" if NULL) */
    const struct spawn_cap *caps;
    int ncaps;
    uint32_t nslots;          /* 0: 256 */
    uint32_t console_shift;   /* the console UART's register spacing, if given one */
};

struct child {
    long proc;                /* slots in the spawner */
    long thread;
};

/* A free slot of one's own capability space, or -1. */
long slot_alloc(void);
void slot_free(long slot);
/* Frees a slot whose capability is gone already (a reply capability a
 * SEND consumed), without asking the kernel to delete it. */
void slot_forget(long slot);

/* Returns 0 or -E...; on error nothing is left behind. */
int spawn(const struct spawn_args *a, struct child *out);
/* Destroys the child and frees its slots in the spawner. */
void spawn_destroy(struct child *c);

/* A thread in one's own process running fn(arg) on a new 16 KiB stack,
 * with its own IPC buffer (mica_ipcbuf()). When fn returns, the thread
 * suspends itself. Returns the thread's slot, or -E... */
long thread_spawn(long budget, void (*fn)(uint64_t), uint64_t arg, unsigned prio,
                  const char *name);

#endif
