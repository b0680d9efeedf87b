/*
 * Resource limits: prlimit64 reads and sets them; RLIMIT_NPROC is checked
 * by fork and clone, RLIMIT_AS and RLIMIT_DATA by brk and mmap,
 * RLIMIT_STACK sizes the stack at exec, RLIMIT_NOFILE bounds descriptors.
 * Root (the one user) is held to them too, except RLIMIT_NPROC, as Linux
 * exempts a process with CAP_SYS_RESOURCE.
 */
#include "posix.h"

#include "mica/string.h"

#define RLIM_INFINITY (~0ull)

void limits_default(struct lproc *p)
{
    for (int i = 0; i < RLIM_NLIMITS; i++)
        p->rlim[i][0] = p->rlim[i][1] = RLIM_INFINITY;
    p->rlim[RLIMIT_STACK][0] = 8ul << 20;
    p->rlim[RLIMIT_NOFILE][0] = 1024;
    p->rlim[RLIMIT_NOFILE][1] = 4096;
}

/* Bytes of address space, and of private writable data, p has. */
static void usage(const struct lproc *p, uint64_t *as, uint64_t *data)
{
    *as = *data = 0;
    for (int i = 0; i < p->nvmas; i++) {
        uint64_t n = p->vmas[i].end - p->vmas[i].start;
        *as += n;
        if ((p->vmas[i].prot & MICA_R_WRITE) && !(p->vmas[i].flags & VMA_STACK))
            *data += n;
    }
}

bool limits_allow_growth(const struct lproc *p, uint64_t bytes, bool data)
{
    uint64_t as, d;
    usage(p, &as, &d);
    if (as + bytes > p->rlim[RLIMIT_AS][0])
        return false;
    return !data || d + bytes <= p->rlim[RLIMIT_DATA][0];
}

long sys_prlimit64(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = s->a[0] ? proc_by_pid((int)s->a[0]) : t->proc;
    uint64_t res = s->a[1], new_addr = s->a[2], old_addr = s->a[3];
    if (!p)
        return -ESRCH;
    if (res >= RLIM_NLIMITS)
        return -EINVAL;
    uint64_t nl[2];
    if (new_addr) {
        if (mm_copy_in(t->proc, nl, new_addr, sizeof nl) < 0)
            return -EFAULT;
        if (nl[0] > nl[1])
            return -EINVAL;
    }
    if (old_addr && mm_copy_out(t->proc, old_addr, p->rlim[res], sizeof nl) < 0)
        return -EFAULT;
    if (new_addr)
        memcpy(p->rlim[res], nl, sizeof nl);
    return 0;
}
