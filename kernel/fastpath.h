/* The IPC fastpath (fastpath.c); built in when CONFIG_FASTPATH is 1. */
#ifndef MICA_FASTPATH_H
#define MICA_FASTPATH_H

struct thread;

#if CONFIG_FASTPATH
/* Handles t's ecall straight to another thread when it can; otherwise
 * returns and the general path takes over. */
void fastpath_try(struct thread *t);
#else
static inline void fastpath_try(struct thread *t)
{
    (void)t;
}
#endif

#endif
