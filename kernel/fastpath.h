/* The IPC fastpath (fastpath.c); built in when CONFIG_FASTPATH is 1. */
#ifndef MICA_FASTPATH_H
#define MICA_FASTPATH_H

#include <stdint.h>

#include "object/thread.h"
#include "mica/syscall.h"

#if CONFIG_FASTPATH
/* Each returns only when its preconditions do not hold. */
void fastpath_call(struct thread *t);
void fastpath_reply_recv(struct thread *t);
void fastpath_syscall(struct thread *t);

/* Tries the fastpath for t's ecall; returns when the general path must
 * handle it. Inline so that other kernel calls pay two compares. */
static inline void fastpath_try(struct thread *t)
{
    int64_t nr = (int64_t)t->ctx.regs[REG_A7];
    if (nr == MICA_SYS_CALL)
        fastpath_call(t);
    else if (nr == MICA_SYS_REPLY_RECV)
        fastpath_reply_recv(t);
    else if (nr >= 0)
        fastpath_syscall(t);
}
#else
static inline void fastpath_try(struct thread *t)
{
    (void)t;
}
#endif

#endif
