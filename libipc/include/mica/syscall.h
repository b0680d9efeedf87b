/*
 * Kernel call numbers: the one source of truth for the kernel's dispatch
 * table and the user-side stubs. A kernel call is an ecall with a7 < 0;
 * anything else (a Linux system call number) is not the kernel's and
 * becomes a fault message to the thread's fault handler.
 *
 * Arguments go in a0..a5; the result comes back in a0 (negative -E... on
 * error).
 */
#ifndef MICA_SYSCALL_H
#define MICA_SYSCALL_H

#define MICA_SYS_DEBUG_PUTS   (-1)  /* a0 = buffer, a1 = length (<= 4096) */
#define MICA_SYS_EXIT         (-2)  /* a0 = status: ends the calling process */

#define MICA_SYS_COUNT        2     /* calls are -1 .. -MICA_SYS_COUNT */

#define MICA_DEBUG_PUTS_MAX   4096

#endif
