/*
 * fork and execve. fork shares the parent's memory copy-on-write: every
 * page is mapped read-only in both, and the first write to a page of a
 * writable area copies it (mm.c). execve loads the new program into a new
 * kernel process that takes over the caller's ids.
 */
#include "posix.h"

#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/string.h"
#include "mica/sys.h"

#define CLONE_VM      0x00000100
#define CLONE_VFORK   0x00004000
#define CSIGNAL       0x000000ff
#define ARG_MAX       (128 * 1024)
#define MAX_ARGV      256

/* The child's memory: the parent's areas, shared until written. */
static long share_memory(struct lproc *parent, struct lproc *child)
{
    for (int i = 0; i < parent->nvmas; i++) {
        struct vma *v = &parent->vmas[i];
        uint64_t pages = (v->end - v->start) / PAGE;
        unsigned ro = v->prot & ~(unsigned)MICA_R_WRITE;
        if (!ro)
            continue;            /* PROT_NONE: nothing is mapped */
        if (v->flags & VMA_SHARED) {
            if (mica_map_copy(parent->kproc, v->start, child->kproc, pages, v->prot) < 0)
                return -ENOMEM;
            continue;            /* the same pages, writable in both */
        }
        if (mica_map_copy(parent->kproc, v->start, child->kproc, pages, ro) < 0)
            return -ENOMEM;
        if ((v->prot & MICA_R_WRITE) && mica_protect_range(parent->kproc, v->start, pages, ro) < 0)
            return -ENOMEM;
    }
    memcpy(child->vmas, parent->vmas, sizeof parent->vmas);
    child->nvmas = parent->nvmas;
    child->brk_start = parent->brk_start;
    child->brk = parent->brk;
    return 0;
}

/* The child resumes where the parent called, with a0 = 0. */
static long copy_registers(struct lthread *parent, struct lthread *child, uint64_t stack)
{
    static struct mica_regs r;
    long err = mica_thread_read_regs(parent->kthread, &r, MICA_REGS_FP);
    if (err)
        return err;
    r.pc += 4;
    r.x[10 - 1] = 0;              /* a0 */
    if (stack)
        r.x[2 - 1] = stack;       /* sp */
    err = mica_thread_write_regs(child->kthread, &r, MICA_REGS_FP);
    return err ? err : mica_thread_resume(child->kthread);
}

/* Linux exempts a process with CAP_SYS_RESOURCE (root) from RLIMIT_NPROC:
 * so does Mica, where every process is root. */
static const bool root_exempt = true;

static uint64_t nproc(void)
{
    uint64_t n = 0;
    for (int i = 0; i < proc_high; i++)
        n += procs[i].pid && !procs[i].zombie;
    return n;
}

long sys_clone(struct lthread *t, const struct sysargs *s)
{
    uint64_t flags = s->a[0], stack = s->a[1];
    /* vfork shares memory with the parent until exec; copy-on-write gives
     * the child the same view (but its writes stay its own), so it is a
     * fork whose caller waits until the child execs or exits. */
    if ((flags & CLONE_VM) && !(flags & CLONE_VFORK))
        return thread_clone(t, s);
    if (nproc() >= t->proc->rlim[RLIMIT_NPROC][0] && t->proc->rlim[RLIMIT_NPROC][0] != ~0ull &&
        !root_exempt)
        return -EAGAIN;
    struct lthread *c = proc_new(t->proc->pid);
    if (!c)
        return -EAGAIN;
    struct lproc *cp = c->proc, *pp = t->proc;
    memcpy(cp->actions, pp->actions, sizeof cp->actions);
    cp->pgid = pp->pgid;
    cp->sid = pp->sid;
    memcpy(cp->rlim, pp->rlim, sizeof cp->rlim);
    memcpy(cp->exe, pp->exe, sizeof cp->exe);
    files_fork(cp, pp);
    c->sigmask = t->sigmask;
    c->altstack_sp = t->altstack_sp;
    c->altstack_size = t->altstack_size;
    long err = share_memory(t->proc, c->proc);
    /* A child forked in a signal handler returns through the trampoline. */
    if (!err)
        err = signal_map_trampoline(c->proc);
    if (!err)
        err = copy_registers(t, c, stack);
    if (err) {
        proc_discard(c->proc);
        return err;
    }
    if (flags & CLONE_VFORK) {
        /* Not interruptible: Linux's vfork wait ends only for a fatal signal. */
        cp->vfork_waiter = t->tid;
        t->wait = WAIT_VFORK;
        t->wait_pid = cp->pid;
        return POSIX_DEFERRED;
    }
    return c->proc->pid;
}

/* Reads a NULL-terminated array of strings from the caller into buf. */
static long copy_strings(struct lproc *p, uint64_t array, const char **out, int max,
                         char *buf, uint64_t *used)
{
    int n = 0;
    for (; array; n++) {
        uint64_t ptr;
        if (n == max - 1)
            return -E2BIG;
        if (mm_copy_in(p, &ptr, array + n * 8, 8) < 0)
            return -EFAULT;
        if (!ptr)
            break;
        long len = mm_copy_string(p, buf + *used, ptr, ARG_MAX - *used);
        if (len < 0)
            return len == -ENAMETOOLONG ? -E2BIG : len;
        out[n] = buf + *used;
        *used += (uint64_t)len + 1;
    }
    out[n] = 0;
    return n;
}

long sys_execve(struct lthread *t, const struct sysargs *s)
{
    static char path[4096], strings[ARG_MAX];
    static const char *argv[MAX_ARGV], *envp[MAX_ARGV];
    struct lproc *p = t->proc;
    long len = mm_copy_string(p, path, s->a[0], sizeof path);
    if (len < 0)
        return len;
    uint64_t used = 0;
    long n = copy_strings(p, s->a[1], argv, MAX_ARGV, strings, &used);
    if (n < 0)
        return n;
    if ((n = copy_strings(p, s->a[2], envp, MAX_ARGV, strings, &used)) < 0)
        return n;
    long err;
    exec_proc = p;
    struct lthread *nt = exec_new(p->ppid, path, argv, envp, &err);
    exec_proc = NULL;
    if (!nt)
        return err;
    /* The new image takes over the caller's identity. */
    if ((err = proc_take_over(nt, t))) {
        proc_discard(nt->proc);
        return err;
    }
    return POSIX_DEFERRED;       /* the old image is gone: nobody to answer */
}
