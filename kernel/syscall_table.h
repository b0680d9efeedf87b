/*
 * The kernel call table: call number -> handler, one line per call of
 * mica/syscall.h. syscall.c builds its dispatch table from it.
 */
#ifndef MICA_SYSCALL_TABLE_H
#define MICA_SYSCALL_TABLE_H

#include "mica/syscall.h"

struct thread;

#define SYS_ARG(t, n) ((t)->ctx.regs[REG_A0 + (n)])

#define SYSCALL_TABLE(X)                                   \
    X(MICA_SYS_DEBUG_PUTS, sys_debug_puts)                 \
    X(MICA_SYS_EXIT, sys_exit)                             \
    X(MICA_SYS_YIELD, sys_yield)                           \
    X(MICA_SYS_SEND, sys_send)                             \
    X(MICA_SYS_NBSEND, sys_nbsend)                         \
    X(MICA_SYS_CALL, sys_call)                             \
    X(MICA_SYS_RECV, sys_recv)                             \
    X(MICA_SYS_NBRECV, sys_nbrecv)                         \
    X(MICA_SYS_REPLY, sys_reply)                           \
    X(MICA_SYS_REPLY_RECV, sys_reply_recv)                 \
    X(MICA_SYS_SAVE_REPLY, sys_save_reply)                 \
    X(MICA_SYS_GRANT_COPY, sys_grant_copy)                 \
    X(MICA_SYS_SIGNAL, sys_signal)                         \
    X(MICA_SYS_WAIT, sys_wait)                             \
    X(MICA_SYS_POLL, sys_poll)                             \
    X(MICA_SYS_TIMER_SET, sys_timer_set)                   \
    X(MICA_SYS_CAP_COPY, sys_cap_copy)                     \
    X(MICA_SYS_CAP_MOVE, sys_cap_move)                     \
    X(MICA_SYS_CAP_DELETE, sys_cap_delete)                 \
    X(MICA_SYS_CAP_REVOKE, sys_cap_revoke)                 \
    X(MICA_SYS_CAP_INFO, sys_cap_info)                     \
    X(MICA_SYS_CREATE, sys_create)                         \
    X(MICA_SYS_BUDGET_INFO, sys_budget_info)               \
    X(MICA_SYS_PROCESS_SET_FAULT, sys_process_set_fault)   \
    X(MICA_SYS_PROCESS_DESTROY, sys_process_destroy)       \
    X(MICA_SYS_THREAD_CONFIGURE, sys_thread_configure)     \
    X(MICA_SYS_THREAD_START, sys_thread_start)             \
    X(MICA_SYS_THREAD_SUSPEND, sys_thread_suspend)         \
    X(MICA_SYS_THREAD_RESUME, sys_thread_resume)           \
    X(MICA_SYS_THREAD_READ_REGS, sys_thread_read_regs)     \
    X(MICA_SYS_THREAD_WRITE_REGS, sys_thread_write_regs)   \
    X(MICA_SYS_THREAD_BIND, sys_thread_bind)               \
    X(MICA_SYS_THREAD_SET_FAULT, sys_thread_set_fault)     \
    X(MICA_SYS_MAP, sys_map)                               \
    X(MICA_SYS_UNMAP, sys_unmap)                           \
    X(MICA_SYS_PROTECT, sys_protect)                       \
    X(MICA_SYS_FRAME_INFO, sys_frame_info)                 \
    X(MICA_SYS_DEVICE_FRAME, sys_device_frame)             \
    X(MICA_SYS_IRQ_GET, sys_irq_get)                       \
    X(MICA_SYS_IRQ_BIND, sys_irq_bind)                     \
    X(MICA_SYS_IRQ_ACK, sys_irq_ack)                       \
    X(MICA_SYS_SELFCHECK, sys_selfcheck)                   \
    X(MICA_SYS_PROCESS_COPY, sys_process_copy)             \
    X(MICA_SYS_MAP_COPY, sys_map_copy)                     \
    X(MICA_SYS_THREAD_TIME, sys_thread_time)

#define X(nr, fn) long fn(struct thread *t);
SYSCALL_TABLE(X)
#undef X

#endif
