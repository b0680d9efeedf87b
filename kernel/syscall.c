/*
 * Kernel call dispatch: a table indexed by -a7. Each sys_* function first
 * decodes (looks up and checks every capability and argument, and can fail
 * with an error code), then invokes (changes state, and cannot fail). The
 * IPC calls are in ipc_syscall.c, the object calls in object_syscall.c.
 */
#include <stdint.h>

#include "console.h"
#include "fault.h"
#include "object/cspace.h"
#include "object/process.h"
#include "object/thread.h"
#include "sched.h"
#include "syscall.h"
#include "syscall_table.h"
#include "usercopy.h"
#include "mica/errno.h"
#include "mica/syscall.h"

struct cap *syscall_cap(struct thread *t, uint64_t slot, unsigned type, unsigned rights,
                        long *err)
{
    struct cap *c = cspace_lookup(&t->proc->cspace, slot);
    if (!c) {
        *err = -EBADF;
        return NULL;
    }
    if (type && c->type != type) {
        *err = -EINVAL;
        return NULL;
    }
    if ((c->rights & rights) != rights) {
        *err = -EACCES;
        return NULL;
    }
    return c;
}

long sys_debug_puts(struct thread *t)
{
    char buf[256];
    uint64_t p = SYS_ARG(t, 0), len = SYS_ARG(t, 1);
    if (len > MICA_DEBUG_PUTS_MAX)
        return -EINVAL;
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done < sizeof buf ? len - done : sizeof buf;
        if (copy_from_user(t->proc->pagetable, buf, p + done, n))
            return -EFAULT;
        console_write(buf, n);
        done += n;
    }
    return (long)len;
}

long sys_exit(struct thread *t)
{
    process_exit(t->proc, t, (int)SYS_ARG(t, 0));
    return SYS_KEEP_REGS;
}

long sys_yield(struct thread *t)
{
    (void)t;
    sched_yield();
    return 0;
}

typedef long (*syscall_fn)(struct thread *t);

static const syscall_fn table[MICA_SYS_COUNT + 1] = {
#define X(nr, fn) [-(nr)] = fn,
    SYSCALL_TABLE(X)
#undef X
};

void syscall_dispatch(struct thread *t)
{
    int64_t nr = (int64_t)t->ctx.regs[REG_A7];
    if (nr >= 0) {
        fault_syscall(t);            /* a Linux system call: not ours */
        return;
    }
    t->ctx.pc += 4;
    long r = -ENOSYS;
    if (nr >= -MICA_SYS_COUNT && table[-nr])
        r = table[-nr](t);
    if (r != SYS_KEEP_REGS)
        t->ctx.regs[REG_A0] = (uint64_t)r;
}
