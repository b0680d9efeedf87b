/* Kernel calls: ecall with a7 < 0 (libipc/include/mica/syscall.h). */
#ifndef MICA_SYSCALL_KERNEL_H
#define MICA_SYSCALL_KERNEL_H

struct thread;

/* Handles the ecall that t made; its result is left in t's a0. */
void syscall_dispatch(struct thread *t);

#endif
