/*
 * Linux processes and threads: the tables, creation, exit and wait4, and
 * the answer to a waiting system call.
 */
#include "posix.h"
#include "sysv.h"

#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/string.h"
#include "mica/sys.h"

struct lproc procs[MAX_PROCS];
struct lthread threads[MAX_THREADS];
static int next_id = 1;

#define WAIT_EXITED(status) (((status) & 0xff) << 8)
#define WIFSIGNALED(status) (((status) & 0x7f) != 0)
#define SA_NOCLDSTOP 1

int thread_high;

/* The entry with this id; id 0 finds a free entry, the lowest. */
static struct lthread *find_thread(int tid)
{
    for (int i = 0; i < (tid ? thread_high : MAX_THREADS); i++)
        if (threads[i].tid == tid)
            return &threads[i];
    return NULL;
}

/* t has just been taken (its tid set). */
static void thread_taken(const struct lthread *t)
{
    if (t - threads >= thread_high)
        thread_high = (int)(t - threads) + 1;
}

int proc_high;

/* The process with this pid; pid 0 finds a free entry, the lowest. */
static struct lproc *find_proc(int pid)
{
    for (int i = 0; i < (pid ? proc_high : MAX_PROCS); i++)
        if (procs[i].pid == pid)
            return &procs[i];
    return NULL;
}

struct lthread *thread_by_tid(int tid)
{
    return tid > 0 ? find_thread(tid) : NULL;
}



struct lproc *proc_by_pid(int pid)
{
    return pid > 0 ? find_proc(pid) : NULL;
}

static int new_id(void)
{
    while (find_thread(next_id) || find_proc(next_id))
        next_id = next_id % 0x3fffffff + 1;
    return next_id++;
}

static void free_thread(struct lthread *t);

/* A kernel thread in p whose faults come to posix badged with t's place
 * in the table (thread_by_badge finds it at once). */
static long make_kthread(struct lproc *p, const struct lthread *t, long *kthread)
{
    uint64_t id = (uint64_t)(t - threads) + 1;
    long ep = slot_alloc();
    *kthread = slot_alloc();
    long err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_THREAD, *kthread, (uint64_t)p->kproc);
    if (!err)
        err = mica_cap_copy(posix_ep, -1, ep, MICA_R_WRITE, id);
    if (!err)
        err = mica_thread_set_fault(*kthread, ep);
    if (!err)
        err = mica_thread_configure(*kthread, 0, 100, "linux");
    slot_free(ep);
    if (err)
        slot_free(*kthread);
    return err;
}

static void link_thread(struct lproc *p, struct lthread *t)
{
    t->sibling = p->thread_list;
    p->thread_list = t;
}

static void unlink_thread(struct lthread *t)
{
    struct lthread **link = &t->proc->thread_list;
    while (*link && *link != t)
        link = &(*link)->sibling;
    if (*link)
        *link = t->sibling;
    t->sibling = NULL;
}

struct lthread *thread_new(struct lproc *p)
{
    struct lthread *t = find_thread(0);
    if (!t)
        return NULL;
    int id = new_id();
    long kthread;
    if (make_kthread(p, t, &kthread))
        return NULL;
    *t = (struct lthread){ .tid = id, .proc = p, .kthread = kthread };
    thread_taken(t);
    link_thread(p, t);
    p->nthreads++;
    return t;
}

void thread_free(struct lthread *t)
{
    t->proc->nthreads--;
    free_thread(t);
}

/* A process and its first thread, with their kernel objects, but no
 * program yet (exec.c loads one). */
struct lthread *proc_new(int ppid)
{
    struct lproc *p = find_proc(0);
    struct lthread *t = find_thread(0);
    if (!p || !t)
        return NULL;
    long kproc = slot_alloc(), kthread = 0;
    int id = new_id();
    long err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_PROCESS, kproc, 4);
    p->kproc = kproc;
    /* Its faults and system calls come to posix, badged with its place in the table. */
    if (!err)
        err = make_kthread(p, t, &kthread);
    if (err) {
        if (kproc > 0)
            mica_process_destroy(kproc);
        slot_free(kproc);
        p->kproc = 0;
        return NULL;
    }
    *p = (struct lproc){ .pid = id, .ppid = ppid, .kproc = kproc, .nthreads = 1,
                         .pgid = id, .sid = id };
    if (p - procs >= proc_high)
        proc_high = (int)(p - procs) + 1;
    limits_default(p);
    *t = (struct lthread){ .tid = id, .proc = p, .kthread = kthread };
    thread_taken(t);
    link_thread(p, t);
    return t;
}

/* Holds t's answer until its process continues. */
static bool hold(struct lthread *t, long value)
{
    t->held = true;
    t->held_value = value;
    return false;
}

bool syscall_answer_slow(struct lthread *t, long value, struct mica_msg *m)
{
    if (t->proc->stopped)
        return hold(t, value);
    bool restartable = t->restartable;
    t->wait = WAIT_NONE;
    t->interruptible = t->restartable = false;
    if (signal_ready(t)) {
        static struct mica_regs r;
        if (mica_thread_read_regs(t->kthread, &r, MICA_REGS_FP) == 0) {
            r.pc += 4;                       /* past the ecall */
            r.x[10 - 1] = (uint64_t)value;   /* a0 */
            int d = signal_deliver(t, &r, restartable);
            if (d == -2)
                return hold(t, value);       /* it stopped */
            if (d < 0)
                return false;                /* the process has ended */
            if (d > 0 && mica_thread_write_regs(t->kthread, &r, 0) == 0) {
                *m = (struct mica_msg){ .info = MICA_INFO(MICA_RESUME_AS_IS, 0, 0, 0) };
                return true;
            }
        }
    }
    if (t->restore_mask) {           /* rt_sigsuspend, and no handler ran */
        t->sigmask = t->saved_mask;
        t->restore_mask = false;
    }
    *m = (struct mica_msg){ .info = MICA_INFO(MICA_RESUME, 1, 0, 0), .w = { (uint64_t)value } };
    return true;
}

void reply_to(struct lthread *t, long value)
{
    if (!t->reply)
        return;
    struct mica_msg m;
    long slot = t->reply;
    t->reply = 0;
    if (syscall_answer(t, value, &m)) {
        if (mica_send(slot, &m) == 0) {
            slot_forget(slot);       /* the SEND consumed the reply capability */
            return;
        }
    } else if (t->tid && t->held) {
        t->reply = slot;             /* answered when the process continues */
        return;
    }
    slot_free(slot);
}

static uint64_t thread_ticks(struct lthread *t)
{
    long ticks = mica_thread_time(t->kthread);
    return ticks > 0 ? (uint64_t)ticks : 0;
}

static uint64_t ticks_to_ns(uint64_t ticks)
{
    uint64_t f = mica_timebase_freq ? mica_timebase_freq : 1;
    return ticks / f * 1000000000ull + ticks % f * 1000000000ull / f;
}

struct cpu_time thread_cpu(struct lthread *t)
{
    return (struct cpu_time){ ticks_to_ns(thread_ticks(t)), ticks_to_ns(t->sys_ticks) };
}

struct cpu_time proc_cpu(struct lproc *p)
{
    uint64_t user = p->dead_ticks, sys = p->dead_sys_ticks;
    for_each_thread(w, p) {
        user += thread_ticks(w);
        sys += w->sys_ticks;
    }
    return (struct cpu_time){ ticks_to_ns(user), ticks_to_ns(sys) };
}

struct cpu_time children_cpu(struct lproc *p)
{
    return (struct cpu_time){ ticks_to_ns(p->child_ticks), ticks_to_ns(p->child_sys_ticks) };
}

static void free_thread(struct lthread *t)
{
    t->proc->dead_ticks += thread_ticks(t);
    t->proc->dead_sys_ticks += t->sys_ticks;
    if (t->reply) {
        slot_free(t->reply);      /* deleting it drops the waiting call */
        t->reply = 0;
    }
    slot_free(t->kthread);
    unlink_thread(t);
    t->tid = 0;
    while (thread_high && !threads[thread_high - 1].tid)
        thread_high--;
}

/* A child of p reported its status to p's waiting wait4, if any. */
static void wake_waiter(struct lproc *parent, struct lproc *child);

/* Frees p's threads and kernel objects (and so all its memory). */
static void release(struct lproc *p)
{
    /* Its exec or exit lets a vfork caller go on. */
    struct lthread *w = p->vfork_waiter ? thread_by_tid(p->vfork_waiter) : NULL;
    p->vfork_waiter = 0;
    if (w && w->wait == WAIT_VFORK && w->wait_pid == p->pid)
        reply_to(w, p->pid);
    mfile_release(p);
    files_close_all(p);
    while (p->thread_list)
        free_thread(p->thread_list);
    mica_process_destroy(p->kproc);
    slot_free(p->kproc);
    p->kproc = 0;
}

void proc_gone(struct lproc *p)
{
    p->pid = 0;
    while (proc_high && !procs[proc_high - 1].pid)
        proc_high--;
}

void proc_discard(struct lproc *p)
{
    release(p);
    proc_gone(p);
}

long proc_take_over(struct lthread *nt, struct lthread *old)
{
    struct lproc *np = nt->proc, *op = old->proc;
    /* Its faults arrive badged with its own place in the table: only the
     * ids move. */
    int pid = op->pid, ppid = op->ppid, tid = old->tid;
    /* Caught signals go back to their default; ignored ones stay ignored;
     * the mask and the pending signals stay. */
    for (int sig = 1; sig < NSIG; sig++) {
        np->actions[sig] = op->actions[sig];
        if (np->actions[sig].handler > 1)
            np->actions[sig] = (struct sigaction_k){ 0 };
    }
    np->pending = op->pending;
    np->pgid = op->pgid;
    np->sid = op->sid;
    np->child_ticks = op->child_ticks;
    np->child_sys_ticks = op->child_sys_ticks;
    memcpy(np->rlim, op->rlim, sizeof np->rlim);
    /* The descriptors stay (but close-on-exec ones), and the cwd. */
    np->files = op->files;
    memset(&op->files, 0, sizeof op->files);
    np->fs = op->fs;
    files_exec(np);
    nt->sigmask = old->sigmask;
    nt->pending = old->pending;
    release(op);
    np->dead_ticks = op->dead_ticks;        /* exec keeps the process's times */
    np->dead_sys_ticks = op->dead_sys_ticks;
    proc_gone(op);
    np->pid = pid;
    np->ppid = ppid;
    nt->tid = tid;
    return 0;
}

void proc_exit(struct lproc *p, int wait_status)
{
    release(p);
    signal_forget(p, 0);
    sem_exit(p);
    shm_exit();
    lock_exit(p);
    p->zombie = true;
    p->exit_status = wait_status;
    /* Orphans go to init (pid 1), which reaps those already ended. */
    struct lproc *init = proc_by_pid(1);
    for (int i = 0; i < proc_high; i++) {
        if (!procs[i].pid || procs[i].ppid != p->pid)
            continue;
        procs[i].ppid = 1;
        if (procs[i].zombie && init && !init->zombie)
            wake_waiter(init, &procs[i]);
    }
    struct lproc *parent = proc_by_pid(p->ppid);
    if (!parent || parent->zombie || parent == p) {
        if (p->pid == 1)
            posix_init_exited(wait_status);
        proc_gone(p);                    /* nobody will wait: gone */
        return;
    }
    int pid = p->pid;
    wake_waiter(parent, p);
    /* si_status: the exit status, or the signal that ended it. */
    bool killed = WIFSIGNALED(wait_status);
    signal_send_value(parent, NULL, SIGCHLD, killed ? CLD_KILLED : CLD_EXITED, pid,
                      killed ? (uint64_t)(wait_status & 0x7f) : (uint64_t)(wait_status >> 8 & 0xff));
}

long sys_exit(struct lthread *t, const struct sysargs *s)
{
    /* The last thread's exit ends the process. */
    thread_exit_cleanup(t);
    if (t->proc->nthreads > 1)
        thread_free(t);
    else
        proc_exit(t->proc, WAIT_EXITED(s->a[0]));
    return POSIX_DEFERRED;
}

long sys_exit_group(struct lthread *t, const struct sysargs *s)
{
    proc_exit(t->proc, WAIT_EXITED(s->a[0]));
    return POSIX_DEFERRED;
}

long sys_getpid(struct lthread *t, const struct sysargs *s)
{
    (void)s;
    return t->proc->pid;
}

long sys_getppid(struct lthread *t, const struct sysargs *s)
{
    (void)s;
    return t->proc->ppid;
}

long sys_gettid(struct lthread *t, const struct sysargs *s)
{
    (void)s;
    return t->tid;
}

long sys_set_tid_address(struct lthread *t, const struct sysargs *s)
{
    t->clear_child_tid = s->a[0];
    return t->tid;
}

/* ---- wait4 and waitid ---- */

#define WNOHANG     1
#define WUNTRACED   2            /* waitid's WSTOPPED */
#define WEXITED     4
#define WCONTINUED  8
#define WNOWAIT     0x01000000
#define WCHILDKINDS 0xe0000000u  /* __WNOTHREAD, __WALL, __WCLONE: one kind of child here */
#define WAITID_INFO 0x10000000   /* posix's own: the answer is a siginfo */
#define P_ALL  0
#define P_PID  1
#define P_PGID 2

/* wait_pid: -1 any child, > 0 that child, < -1 the children in group -wait_pid. */
static bool matches(const struct lthread *w, const struct lproc *child)
{
    if (w->wait_pid > 0)
        return child->pid == w->wait_pid;
    return w->wait_pid == -1 || child->pgid == -w->wait_pid;
}

/* Whether a wait with options has something to report of child c now, and
 * its status as wait4 encodes it. Takes a stop or continue report unless
 * WNOWAIT. */
static bool child_event(struct lproc *c, int options, int *status)
{
    bool take = !(options & WNOWAIT);
    if (c->zombie) {
        *status = c->exit_status;
        return (options & WEXITED) != 0;
    }
    if ((options & WUNTRACED) && c->stopped && c->stop_unreported) {
        *status = (c->stop_sig << 8) | 0x7f;
        c->stop_unreported = !take;
        return true;
    }
    if ((options & WCONTINUED) && c->cont_unreported) {
        *status = 0xffff;
        c->cont_unreported = !take;
        return true;
    }
    return false;
}

/* The siginfo waitid writes (its first 32 bytes: Linux writes no more). */
static int put_child_info(struct lproc *p, uint64_t addr, int pid, int status)
{
    int32_t info[8] = { SIGCHLD, 0, CLD_EXITED, 0, pid, 0, (status >> 8) & 0xff, 0 };
    if (!pid) {
        info[0] = info[2] = 0;           /* WNOHANG and nothing to report */
    } else if (status == 0xffff) {
        info[2] = CLD_CONTINUED;
        info[6] = SIGCONT;
    } else if ((status & 0xff) == 0x7f) {
        info[2] = CLD_STOPPED;
    } else if (WIFSIGNALED(status)) {
        info[2] = (status & 0x80) ? CLD_DUMPED : CLD_KILLED;
        info[6] = status & 0x7f;
    }
    return mm_copy_out(p, addr, info, sizeof info);
}

/* Writes what a wait reports of child c to addr in waiter's memory and
 * reaps c if it has ended; returns the call's result. */
static long report(struct lproc *waiter, uint64_t addr, uint64_t ru_addr, int options,
                   struct lproc *c, int status)
{
    int pid = c->pid;
    if (ru_addr) {
        /* The child's own times and its reaped children's, as Linux's. */
        struct cpu_time own = proc_cpu(c), kids = children_cpu(c);
        uint64_t ru[18];
        rusage_fill(ru, (struct cpu_time){ own.user + kids.user, own.sys + kids.sys });
        if (mm_copy_out(waiter, ru_addr, ru, sizeof ru) < 0)
            return -EFAULT;
    }
    if (addr && ((options & WAITID_INFO) ? put_child_info(waiter, addr, pid, status)
                                         : mm_copy_out(waiter, addr, &status, sizeof status)) < 0)
        return -EFAULT;
    if (c->zombie && !(options & WNOWAIT)) {
        waiter->child_ticks += c->dead_ticks + c->child_ticks;
        waiter->child_sys_ticks += c->dead_sys_ticks + c->child_sys_ticks;
        proc_gone(c);
    }
    return (options & WAITID_INFO) ? 0 : pid;
}

/* Answers a thread of parent waiting for child, if one is and it has
 * something to report. */
static void wake_waiter(struct lproc *parent, struct lproc *child)
{
    for_each_thread(w, parent) {
        int status;
        if (w->wait == WAIT_CHILD && matches(w, child) &&
            child_event(child, w->wait_options, &status)) {
            reply_to(w, report(parent, w->wait_addr, w->wait_rusage, w->wait_options, child,
                               status));
            return;
        }
    }
}

void proc_state_changed(struct lproc *child)
{
    struct lproc *parent = proc_by_pid(child->ppid);
    if (!parent || parent->zombie)
        return;
    wake_waiter(parent, child);
    if (!(parent->actions[SIGCHLD].flags & SA_NOCLDSTOP))
        signal_send_value(parent, NULL, SIGCHLD, child->stopped ? CLD_STOPPED : CLD_CONTINUED,
                          child->pid, child->stopped ? (uint64_t)child->stop_sig : SIGCONT);
}

/* The wait both calls share: reports a child at once, or waits. */
static long wait_child(struct lthread *t, int pid, uint64_t addr, uint64_t ru_addr, int options)
{
    bool any = false;
    t->wait_pid = pid;
    t->wait_rusage = ru_addr;
    for (int i = 0; i < proc_high; i++) {
        struct lproc *c = &procs[i];
        int status;
        if (!c->pid || c->ppid != t->proc->pid || !matches(t, c))
            continue;
        any = true;
        if (child_event(c, options, &status))
            return report(t->proc, addr, ru_addr, options, c, status);
    }
    if (!any)
        return -ECHILD;
    if (options & WNOHANG) {
        if ((options & WAITID_INFO) && addr && put_child_info(t->proc, addr, 0, 0) < 0)
            return -EFAULT;
        return 0;
    }
    t->wait = WAIT_CHILD;
    t->wait_options = options;
    t->wait_addr = addr;
    t->interruptible = t->restartable = true;
    return POSIX_DEFERRED;
}

long sys_wait4(struct lthread *t, const struct sysargs *s)
{
    int pid = (int)s->a[0];
    uint64_t options = s->a[2];
    if (options & ~(uint64_t)(WNOHANG | WUNTRACED | WCONTINUED | WCHILDKINDS))
        return -EINVAL;
    if (pid == INT32_MIN)
        return -ESRCH;
    if (pid == 0)
        pid = -t->proc->pgid;
    return wait_child(t, pid, s->a[1], s->a[3], (int)(options & ~WCHILDKINDS) | WEXITED);
}

long sys_waitid(struct lthread *t, const struct sysargs *s)
{
    int type = (int)s->a[0], id = (int)s->a[1];
    uint64_t options = s->a[3];
    if (options & ~(uint64_t)(WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | WCHILDKINDS) ||
        !(options & (WUNTRACED | WEXITED | WCONTINUED)))
        return -EINVAL;
    int pid;
    if (type == P_ALL)
        pid = -1;
    else if (type == P_PID && id > 0)
        pid = id;
    else if (type == P_PGID && id >= 0)
        pid = -(id ? id : t->proc->pgid);
    else
        return -EINVAL;
    return wait_child(t, pid, s->a[2], s->a[4], (int)(options & ~WCHILDKINDS) | WAITID_INFO);
}
