/*
 * User-side kernel call stubs, one inline function per call of
 * mica/syscall.h. Results are as the kernel returns them: >= 0, or -E...
 */
#ifndef MICA_SYS_H
#define MICA_SYS_H

#include <stddef.h>
#include <stdint.h>

#include "mica/syscall.h"

static inline long mica_call6(long nr, long a0, long a1, long a2, long a3,
                              long a4, long a5)
{
    register long r0 __asm__("a0") = a0;
    register long r1 __asm__("a1") = a1;
    register long r2 __asm__("a2") = a2;
    register long r3 __asm__("a3") = a3;
    register long r4 __asm__("a4") = a4;
    register long r5 __asm__("a5") = a5;
    register long r7 __asm__("a7") = nr;
    __asm__ volatile("ecall"
                     : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4), "+r"(r5)
                     : "r"(r7)
                     : "a6", "memory");
    return r0;
}

static inline long mica_syscall2(long nr, long a0, long a1)
{
    return mica_call6(nr, a0, a1, 0, 0, 0, 0);
}

/* A message as the IPC calls carry it in registers. */
struct mica_msg {
    uint64_t info;
    uint64_t w[MICA_MSG_REGS];
    uint64_t badge;          /* set on receive */
};

/* The IPC calls: slot, msginfo and 4 words in, the same back plus a badge. */
static inline long mica_ipc(long nr, long slot, struct mica_msg *m)
{
    register long r0 __asm__("a0") = slot;
    register uint64_t r1 __asm__("a1") = m->info;
    register uint64_t r2 __asm__("a2") = m->w[0];
    register uint64_t r3 __asm__("a3") = m->w[1];
    register uint64_t r4 __asm__("a4") = m->w[2];
    register uint64_t r5 __asm__("a5") = m->w[3];
    register uint64_t r6 __asm__("a6") = 0;
    register long r7 __asm__("a7") = nr;
    __asm__ volatile("ecall"
                     : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4), "+r"(r5),
                       "+r"(r6)
                     : "r"(r7)
                     : "memory");
    m->info = r1;
    m->w[0] = r2;
    m->w[1] = r3;
    m->w[2] = r4;
    m->w[3] = r5;
    m->badge = r6;
    return r0;
}

static inline long mica_send(long ep, struct mica_msg *m) { return mica_ipc(MICA_SYS_SEND, ep, m); }
static inline long mica_nbsend(long ep, struct mica_msg *m) { return mica_ipc(MICA_SYS_NBSEND, ep, m); }
static inline long mica_call(long ep, struct mica_msg *m) { return mica_ipc(MICA_SYS_CALL, ep, m); }
static inline long mica_recv(long ep, struct mica_msg *m) { return mica_ipc(MICA_SYS_RECV, ep, m); }
static inline long mica_nbrecv(long ep, struct mica_msg *m) { return mica_ipc(MICA_SYS_NBRECV, ep, m); }
static inline long mica_reply(struct mica_msg *m) { return mica_ipc(MICA_SYS_REPLY, 0, m); }
static inline long mica_reply_recv(long ep, struct mica_msg *m) { return mica_ipc(MICA_SYS_REPLY_RECV, ep, m); }

static inline long mica_debug_puts(const char *s, size_t len)
{
    return mica_syscall2(MICA_SYS_DEBUG_PUTS, (long)s, (long)len);
}

__attribute__((noreturn)) static inline void mica_exit(int status)
{
    mica_syscall2(MICA_SYS_EXIT, status, 0);
    __builtin_unreachable();
}

static inline long mica_yield(void) { return mica_syscall2(MICA_SYS_YIELD, 0, 0); }
static inline long mica_save_reply(long dest) { return mica_syscall2(MICA_SYS_SAVE_REPLY, dest, 0); }
static inline long mica_grant_copy(long reply, uint64_t off, void *buf, size_t len, int dir)
{
    return mica_call6(MICA_SYS_GRANT_COPY, reply, (long)off, (long)buf, (long)len, dir, 0);
}
static inline long mica_signal(long ntfn) { return mica_syscall2(MICA_SYS_SIGNAL, ntfn, 0); }
static inline long mica_wait(long ntfn) { return mica_syscall2(MICA_SYS_WAIT, ntfn, 0); }
static inline long mica_poll(long ntfn) { return mica_syscall2(MICA_SYS_POLL, ntfn, 0); }
static inline long mica_timer_set(long ntfn, uint64_t deadline, uint64_t period)
{
    return mica_call6(MICA_SYS_TIMER_SET, ntfn, (long)deadline, (long)period, 0, 0, 0);
}
static inline long mica_cap_copy(long src, long dest_proc, long dest, unsigned rights, uint64_t badge)
{
    return mica_call6(MICA_SYS_CAP_COPY, src, dest_proc, dest, rights, (long)badge, 0);
}
static inline long mica_cap_move(long src, long dest) { return mica_syscall2(MICA_SYS_CAP_MOVE, src, dest); }
static inline long mica_cap_delete(long slot) { return mica_syscall2(MICA_SYS_CAP_DELETE, slot, 0); }
static inline long mica_cap_revoke(long slot) { return mica_syscall2(MICA_SYS_CAP_REVOKE, slot, 0); }
static inline long mica_cap_info(long slot) { return mica_syscall2(MICA_SYS_CAP_INFO, slot, 0); }
static inline long mica_create(long budget, enum mica_type type, long dest, uint64_t arg)
{
    return mica_call6(MICA_SYS_CREATE, budget, type, dest, (long)arg, 0, 0);
}
static inline long mica_budget_info(long budget, int what) { return mica_syscall2(MICA_SYS_BUDGET_INFO, budget, what); }
static inline long mica_process_set_fault(long proc, long ep) { return mica_syscall2(MICA_SYS_PROCESS_SET_FAULT, proc, ep); }
static inline long mica_process_destroy(long proc) { return mica_syscall2(MICA_SYS_PROCESS_DESTROY, proc, 0); }
static inline long mica_thread_configure(long t, long ipcbuf_frame, unsigned prio,
                                         const char *name)
{
    return mica_call6(MICA_SYS_THREAD_CONFIGURE, t, ipcbuf_frame, prio, (long)name, 0, 0);
}
static inline long mica_thread_start(long t, uint64_t pc, uint64_t sp, uint64_t a0)
{
    return mica_call6(MICA_SYS_THREAD_START, t, (long)pc, (long)sp, (long)a0, 0, 0);
}
static inline long mica_thread_suspend(long t) { return mica_syscall2(MICA_SYS_THREAD_SUSPEND, t, 0); }
static inline long mica_thread_resume(long t) { return mica_syscall2(MICA_SYS_THREAD_RESUME, t, 0); }
static inline long mica_thread_time(long t) { return mica_syscall2(MICA_SYS_THREAD_TIME, t, 0); }
static inline long mica_thread_read_regs(long t, struct mica_regs *r, unsigned flags)
{
    return mica_call6(MICA_SYS_THREAD_READ_REGS, t, (long)r, flags, 0, 0, 0);
}
static inline long mica_thread_write_regs(long t, const struct mica_regs *r, unsigned flags)
{
    return mica_call6(MICA_SYS_THREAD_WRITE_REGS, t, (long)r, flags, 0, 0, 0);
}
static inline long mica_thread_bind(long t, long ntfn) { return mica_syscall2(MICA_SYS_THREAD_BIND, t, ntfn); }
static inline long mica_thread_set_fault(long t, long ep) { return mica_syscall2(MICA_SYS_THREAD_SET_FAULT, t, ep); }
static inline long mica_map(long proc, long frame, uint64_t va, unsigned rights, uint64_t page)
{
    return mica_call6(MICA_SYS_MAP, proc, frame, (long)va, rights, (long)page, 0);
}
static inline long mica_unmap(long proc, uint64_t va) { return mica_syscall2(MICA_SYS_UNMAP, proc, (long)va); }
static inline long mica_unmap_range(long proc, uint64_t va, uint64_t pages)
{
    return mica_call6(MICA_SYS_UNMAP, proc, (long)va, (long)pages, 0, 0, 0);
}
static inline long mica_protect_range(long proc, uint64_t va, uint64_t pages, unsigned rights)
{
    return mica_call6(MICA_SYS_PROTECT, proc, (long)va, rights, (long)pages, 0, 0);
}
static inline long mica_protect(long proc, uint64_t va, unsigned rights)
{
    return mica_call6(MICA_SYS_PROTECT, proc, (long)va, rights, 0, 0, 0);
}
static inline long mica_frame_info(long frame) { return mica_syscall2(MICA_SYS_FRAME_INFO, frame, 0); }
static inline long mica_device_frame(long devctl, long budget, uint64_t pa, uint64_t pages, long dest)
{
    return mica_call6(MICA_SYS_DEVICE_FRAME, devctl, budget, (long)pa, (long)pages, dest, 0);
}
static inline long mica_irq_get(long ctl, unsigned irq, long dest)
{
    return mica_call6(MICA_SYS_IRQ_GET, ctl, irq, dest, 0, 0, 0);
}
static inline long mica_irq_bind(long irq, long ntfn) { return mica_syscall2(MICA_SYS_IRQ_BIND, irq, ntfn); }
static inline long mica_irq_ack(long irq) { return mica_syscall2(MICA_SYS_IRQ_ACK, irq, 0); }
/* Copies between my memory and that of a process I hold a capability to
 * (its pager's access). Returns the bytes copied before the first unmapped
 * page, or -EFAULT if none. */
static inline long mica_process_copy(long proc, uint64_t remote, void *local, size_t len,
                                     int dir)
{
    return mica_call6(MICA_SYS_PROCESS_COPY, proc, (long)remote, (long)local, (long)len, dir, 0);
}

/* Maps the frames mapped in src at [va, va + pages) into dst at the same
 * addresses, with rights (at most what src's mappings may have): how a
 * fork shares memory copy-on-write. Absent pages are skipped. */
static inline long mica_map_copy(long src, uint64_t va, long dst, uint64_t pages,
                                 unsigned rights)
{
    return mica_call6(MICA_SYS_MAP_COPY, src, (long)va, dst, (long)pages, rights, 0);
}

static inline long mica_selfcheck(void) { return mica_syscall2(MICA_SYS_SELFCHECK, 0, 0); }

static inline uint64_t mica_instret(void)
{
    uint64_t v;
    __asm__ volatile("rdinstret %0" : "=r"(v));
    return v;
}

static inline uint64_t mica_time(void)
{
    uint64_t v;
    __asm__ volatile("rdtime %0" : "=r"(v));
    return v;
}

#endif
