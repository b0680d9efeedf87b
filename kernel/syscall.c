/*
 * Kernel call dispatch: a table indexed by -a7, one sys_* function per
 * call, each validating its arguments before it changes anything. An ecall
 * with a7 >= 0 is a Linux system call and not the kernel's business.
 */
#include <stdint.h>

#include "console.h"
#include "object/thread.h"
#include "syscall.h"
#include "usercopy.h"
#include "mica/errno.h"
#include "mica/syscall.h"

typedef long (*syscall_fn)(struct thread *t);

static inline uint64_t arg(struct thread *t, int n)
{
    return t->ctx.regs[REG_A0 + n];
}

static long sys_debug_puts(struct thread *t)
{
    char buf[256];
    uint64_t p = arg(t, 0), len = arg(t, 1);
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

static long sys_exit(struct thread *t)
{
    thread_exit(t, (int)arg(t, 0));
    return 0;
}

static const syscall_fn table[MICA_SYS_COUNT + 1] = {
    [-MICA_SYS_DEBUG_PUTS] = sys_debug_puts,
    [-MICA_SYS_EXIT] = sys_exit,
};

void syscall_dispatch(struct thread *t)
{
    int64_t nr = (int64_t)t->ctx.regs[REG_A7];
    t->ctx.pc += 4;
    if (nr < 0 && nr >= -MICA_SYS_COUNT && table[-nr]) {
        long r = table[-nr](t);
        t->ctx.regs[REG_A0] = (uint64_t)r;
        return;
    }
    /* Linux system calls become fault messages once fault endpoints exist. */
    t->ctx.regs[REG_A0] = (uint64_t)-ENOSYS;
}
