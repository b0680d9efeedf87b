/* Kernel calls: ecall with a7 < 0 (libipc/include/mica/syscall.h). */
#ifndef MICA_SYSCALL_KERNEL_H
#define MICA_SYSCALL_KERNEL_H

#include <stdint.h>

struct thread;
struct cap;

/* A handler's result when it has set the caller's registers itself (or the
 * caller blocked and will get its result when woken). */
#define SYS_KEEP_REGS ((long)INT64_MIN)

/* Handles the ecall that t made (a kernel call or a Linux system call). */
void syscall_dispatch(struct thread *t);
/* The capability in t's slot of the given type (0: any) with the rights,
 * or NULL with *err = -EBADF (empty), -EINVAL (type) or -EACCES (rights). */
struct cap *syscall_cap(struct thread *t, uint64_t slot, unsigned type, unsigned rights,
                        long *err);

#endif
