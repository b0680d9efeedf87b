/*
 * Signals: actions, masks, pending sets, kill/tkill, delivery on the user
 * stack with the Linux riscv64 signal frame (siginfo + ucontext with the
 * FP state), and rt_sigreturn. A handler returns through a trampoline page
 * posix maps into every process (Linux's vDSO does this there).
 */
#include "posix.h"

#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/string.h"
#include "mica/sys.h"

#define SIG_DFL 0
#define SIG_IGN 1
#define SA_SIGINFO   4
#define SA_ONSTACK   0x08000000
#define SA_RESTART   0x10000000
#define SA_NODEFER   0x40000000
#define SA_RESETHAND 0x80000000
#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SI_USER 0
#define SI_TKILL (-6)
#define SI_QUEUE (-1)
#define SI_TIMER (-2)
#define WAIT_SIGNALED(sig) ((sig) & 0x7f)

/* The frame, laid out as Linux riscv64 does (arch/riscv/kernel/signal.c). */
struct frame_ucontext {
    uint64_t uc_flags;
    uint64_t uc_link;
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t pad;
    uint64_t ss_size;
    uint64_t uc_sigmask;
    uint8_t unused[120];
    uint64_t pad2;               /* uc_mcontext is 16-byte aligned */
    struct mica_regs mcontext;   /* sc_regs: pc, x1..x31; then f[32], fcsr */
    uint8_t fp_rest[528 - 264];  /* the union's size is the Q extension's */
};

struct rt_sigframe {
    struct siginfo_k {
        int32_t si_signo, si_errno, si_code, pad;
        uint64_t fields[14];     /* si_pid/si_uid or si_addr, ... */
    } info;
    struct frame_ucontext uc;
};

_Static_assert(sizeof(struct siginfo_k) == 128, "siginfo is 128 bytes");
_Static_assert(__builtin_offsetof(struct frame_ucontext, mcontext) == 176, "uc_mcontext at 176");
_Static_assert(sizeof(struct rt_sigframe) == 128 + 960, "Linux's rt_sigframe size");

uint64_t trampoline_va = SIGRETURN_VA;
static long trampoline_frame;

/* li a7, 139 (rt_sigreturn); ecall */
static const uint32_t trampoline_code[] = { 0x08b00893, 0x00000073 };

int signal_init(void)
{
    trampoline_frame = slot_alloc();
    long err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, trampoline_frame, 1);
    if (!err)
        err = mica_map(MICA_SLOT_SELF, trampoline_frame, SIGRETURN_VA, MICA_R_READ | MICA_R_WRITE, 0);
    if (err)
        return (int)err;
    memcpy((void *)SIGRETURN_VA, trampoline_code, sizeof trampoline_code);
    return (int)mica_unmap(MICA_SLOT_SELF, SIGRETURN_VA);
}

int signal_map_trampoline(struct lproc *p)
{
    return (int)mica_map(p->kproc, trampoline_frame, SIGRETURN_VA, MICA_R_READ | MICA_R_EXEC, 0);
}

#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define STOP_SIGNALS (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))

static bool default_ignores(int sig)
{
    return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH;
}

static bool default_stops(int sig)
{
    return (SIGBIT(sig) & STOP_SIGNALS) != 0;
}

/* Stops p: its threads running in user mode are suspended; those in posix
 * keep waiting, and their answers are held until it continues. */
static void proc_stop(struct lproc *p, int sig)
{
    if (p->stopped)
        return;
    p->stopped = true;
    p->stop_sig = sig;
    p->stop_unreported = true;
    p->cont_unreported = false;
    for_each_thread(w, p) {
        if (!w->reply && w != in_service && !w->suspended &&
            mica_thread_suspend(w->kthread) == 0)
            w->suspended = true;
    }
    proc_state_changed(p);
}

static void proc_continue(struct lproc *p)
{
    if (!p->stopped)
        return;
    p->stopped = false;
    p->stop_unreported = false;
    p->cont_unreported = true;
    for_each_thread(w, p) {
        if (w->suspended) {
            w->suspended = false;
            mica_thread_resume(w->kthread);
        }
        if (w->held) {
            w->held = false;
            reply_to(w, w->held_value);
            if (!p->pid)
                return;
        }
    }
    proc_state_changed(p);
}

/* A signal for a thread running in user mode (posix is not handling it):
 * stop the thread, act on the signal with its registers, resume it. */
static void kick(struct lproc *p, struct lthread *only)
{
    for_each_thread(w, p) {
        if ((only && w != only) || w->reply || w == in_service || w->suspended || !signal_ready(w))
            continue;
        if (mica_thread_suspend(w->kthread))
            continue;
        static struct mica_regs r;
        int d = mica_thread_read_regs(w->kthread, &r, MICA_REGS_FP) ? 0
                                                                      : signal_deliver(w, &r, false);
        if (d == -1)
            return;              /* the process has ended */
        if (d == 1)
            mica_thread_write_regs(w->kthread, &r, 0);
        if (d == -2)
            w->suspended = true; /* it stopped the process */
        else
            mica_thread_resume(w->kthread);
        return;
    }
}

static void fill_info(struct lproc *p, int sig, struct siginfo_k *si);

/* Real-time signals queue: an instance sent while the same signal is
 * pending for the same target (thread or process) waits here with its
 * siginfo, and becomes pending when the one before it is taken. */
#define SIGRTMIN_K 32
#define RTQ_MAX    256

struct rtq_entry {
    int pid;                       /* 0: free */
    int tid;                       /* 0: for the process */
    int sig, code, from;
    uint64_t value;
};

static struct rtq_entry rtq[RTQ_MAX];
static unsigned rtq_seq;           /* FIFO order among the entries */
static unsigned rtq_order[RTQ_MAX];
static unsigned rtq_queued[NSIG];  /* entries of each signal: most are 0, and then no search */

static bool rtq_push(struct lproc *p, struct lthread *t, int sig, int code, int from,
                     uint64_t value)
{
    for (int i = 0; i < RTQ_MAX; i++) {
        if (rtq[i].pid)
            continue;
        rtq[i] = (struct rtq_entry){ p->pid, t ? t->tid : 0, sig, code, from, value };
        rtq_order[i] = rtq_seq++;
        rtq_queued[sig]++;
        return true;
    }
    return false;
}

/* After an instance of sig was taken from t's (or its process's) pending
 * set, the next queued one becomes pending, with its siginfo. */
static void rtq_next(struct lthread *t, int sig, bool thread_directed)
{
    struct lproc *p = t->proc;
    int best = -1;
    if (sig < SIGRTMIN_K || !rtq_queued[sig])
        return;
    for (int i = 0; i < RTQ_MAX; i++)
        if (rtq[i].pid == p->pid && rtq[i].sig == sig &&
            rtq[i].tid == (thread_directed ? t->tid : 0) &&
            (best < 0 || rtq_order[i] - rtq_order[best] > RTQ_MAX * 4u))
            best = i;
    if (best < 0)
        return;
    struct rtq_entry e = rtq[best];
    rtq[best].pid = 0;
    rtq_queued[sig]--;
    if (thread_directed)
        t->pending |= SIGBIT(sig);
    else
        p->pending |= SIGBIT(sig);
    p->sig_code[sig] = e.code;
    p->sig_pid[sig] = e.from;
    p->sig_value[sig] = e.value;
}

/* Forgets p's queued instances (of sig only, if sig > 0). */
void signal_forget(struct lproc *p, int sig)
{
    for (int i = 0; i < RTQ_MAX; i++) {
        if (rtq[i].pid == p->pid && (sig <= 0 || rtq[i].sig == sig)) {
            rtq[i].pid = 0;
            rtq_queued[rtq[i].sig]--;
        }
    }
}

/* Queues sig for a thread (tkill) or its whole process. */
/* Is sig blocked, or awaited by rt_sigtimedwait, in t (or, sent to the
 * process, in any of p's threads)? Such a signal is kept pending even when
 * its action ignores it, as Linux does: the action may change before it is
 * unblocked, and sigtimedwait may take it. Delivery drops it if ignored. */
static bool held_back(struct lproc *p, struct lthread *t, int sig)
{
    for_each_thread(w, p)
        if ((!t || w == t) && ((w->sigmask & SIGBIT(sig)) ||
                               (w->wait == WAIT_SIGNAL && (w->waitset & SIGBIT(sig)))))
            return true;
    return false;
}

void signal_send(struct lproc *p, struct lthread *t, int sig, int code, int from_pid)
{
    signal_send_value(p, t, sig, code, from_pid, p->sig_value[sig]);
}

long signal_send_value(struct lproc *p, struct lthread *t, int sig, int code, int from_pid,
                       uint64_t value)
{
    struct sigaction_k *a = &p->actions[sig];
    if (sig == SIGKILL) {
        proc_exit(p, WAIT_SIGNALED(SIGKILL));       /* at once, whatever it does */
        return 0;
    }
    /* SIGCONT continues a stopped process even when caught or ignored, and
     * cancels pending stops; a stop cancels a pending SIGCONT. */
    if (sig == SIGCONT) {
        p->pending &= ~STOP_SIGNALS;
        for_each_thread(w, p)
            w->pending &= ~STOP_SIGNALS;
        proc_continue(p);
        if (!p->pid)
            return 0;
    } else if (default_stops(sig)) {
        p->pending &= ~SIGBIT(SIGCONT);
    }
    if ((a->handler == SIG_IGN || (a->handler == SIG_DFL && default_ignores(sig))) &&
        !held_back(p, t, sig))
        return 0;
    uint64_t *set = t ? &t->pending : &p->pending;
    if ((*set & SIGBIT(sig)) && sig >= SIGRTMIN_K && code != SI_TIMER)
        return rtq_push(p, t, sig, code, from_pid, value) ? 0 : -EAGAIN;
    *set |= SIGBIT(sig);
    p->sig_code[sig] = code;
    p->sig_pid[sig] = from_pid;
    p->sig_value[sig] = value;
    /* A thread in rt_sigtimedwait for it takes it. */
    for_each_thread(w, p) {
        if ((!t || w == t) && w->reply && w->wait == WAIT_SIGNAL &&
            (w->waitset & SIGBIT(sig))) {
            *set &= ~SIGBIT(sig);      /* it was not pending: no queue behind it */
            if (w->waitinfo) {
                struct siginfo_k si = { 0 };
                fill_info(p, sig, &si);
                mm_copy_out(p, w->waitinfo, &si, sizeof si);
            }
            w->waitset = 0;
            interrupt_wait(w);
            reply_to(w, sig);
            return 0;
        }
    }
    /* A thread waiting in an interruptible call gets it now. */
    for_each_thread(w, p) {
        if ((!t || w == t) && w->reply && (SIGBIT(sig) & ~w->sigmask) && w->interruptible) {
            interrupt_wait(w);
            if (w->wait == WAIT_SIGNAL)
                w->restore_mask = true;
            reply_to(w, -EINTR);
            if (!p->pid)
                return 0;          /* the signal ended the process */
            return 0;
        }
    }
    kick(p, t);
    return 0;
}

/* The lowest deliverable signal of t, taken off its pending set (the
 * thread's own first; *own says which); 0 if none. */
static int take_pending(struct lthread *t, bool *own)
{
    uint64_t ready = (t->pending | t->proc->pending) & ~(t->sigmask & ~UNBLOCKABLE);
    if (!ready)
        return 0;
    int sig = 1;
    while (!(ready & 1)) {        /* the lowest first, as Linux does */
        ready >>= 1;
        sig++;
    }
    *own = t->pending & SIGBIT(sig);
    if (*own)
        t->pending &= ~SIGBIT(sig);
    else
        t->proc->pending &= ~SIGBIT(sig);
    return sig;
}

/* The siginfo of p's pending signal sig, as a handler or sigtimedwait sees it. */
static void fill_info(struct lproc *p, int sig, struct siginfo_k *si)
{
    si->si_signo = sig;
    si->si_code = p->sig_code[sig];
    si->fields[0] = (uint64_t)(uint32_t)p->sig_pid[sig];   /* si_pid, si_uid = 0 */
    if (p->sig_addr[sig])
        si->fields[0] = p->sig_addr[sig];                   /* si_addr for faults */
    if (si->si_code == SI_TIMER)                            /* si_tid, si_overrun */
        si->fields[0] = (uint64_t)(uint32_t)p->sig_timer[sig] |
                        (uint64_t)(uint32_t)p->timers[p->sig_timer[sig]].overrun << 32;
    if (si->si_code == SI_TIMER || si->si_code == SI_QUEUE)
        si->fields[1] = p->sig_value[sig];                  /* si_value */
    if (sig == SIGCHLD && si->si_code >= CLD_EXITED && si->si_code <= CLD_CONTINUED)
        si->fields[1] = p->sig_value[sig];                  /* si_status */
}

#define SS_ONSTACK    1
#define SS_DISABLE    2

static bool on_stack(const struct lthread *t, uint64_t sp)
{
    return sp > t->altstack_sp && sp - t->altstack_sp <= t->altstack_size;
}

/* Writes the frame below the thread's stack (or at the top of its
 * alternate stack) and points r at the handler. Only the fields Linux
 * fills are written: the rest of the static frame stays zero. */
static long push_frame(struct lthread *t, int sig, struct mica_regs *r)
{
    struct lproc *p = t->proc;
    struct sigaction_k *a = &p->actions[sig];
    static struct rt_sigframe f;
    memset(&f.info, 0, sizeof f.info);
    fill_info(p, sig, &f.info);
    f.uc.uc_sigmask = t->restore_mask ? t->saved_mask : t->sigmask;
    t->restore_mask = false;
    uint64_t sp = r->x[2 - 1];
    bool on_alt = t->altstack_size && on_stack(t, sp);
    f.uc.ss_sp = t->altstack_sp;
    f.uc.ss_flags = !t->altstack_size ? SS_DISABLE : on_alt ? SS_ONSTACK : 0;
    f.uc.ss_size = t->altstack_size;
    f.uc.mcontext = *r;
    if ((a->flags & SA_ONSTACK) && t->altstack_size && !on_alt)
        sp = t->altstack_sp + t->altstack_size;
    sp = (sp - sizeof f) & ~15ul;
    if (mm_copy_out(p, sp, &f, sizeof f) < 0)
        return -EFAULT;
    r->pc = a->handler;
    r->x[1 - 1] = trampoline_va;                              /* ra */
    r->x[2 - 1] = sp;                                         /* sp */
    r->x[10 - 1] = (uint64_t)sig;                             /* a0 */
    r->x[11 - 1] = sp;                                        /* a1 = &info */
    r->x[12 - 1] = sp + sizeof f.info;                        /* a2 = &uc */
    t->sigmask |= a->mask & ~UNBLOCKABLE;
    if (!(a->flags & SA_NODEFER))
        t->sigmask |= SIGBIT(sig);
    if (a->flags & SA_RESETHAND)
        a->handler = SIG_DFL;
    return 0;
}

/*
 * Delivers t's pending signals before it resumes. r holds its registers,
 * FP state included, as they will be on return (the system call's result
 * already in a0). Returns 1 if r's general registers changed (a handler
 * runs; the FP state stays as it is), 0 if not, -1 if the process ended,
 * -2 if it stopped.
 */
int signal_deliver(struct lthread *t, struct mica_regs *r, bool restartable)
{
    int sig;
    int changed = 0;
    bool own;
    while ((sig = take_pending(t, &own)) != 0) {
        struct lproc *p = t->proc;
        struct sigaction_k *a = &p->actions[sig];
        if (a->handler == SIG_IGN || (a->handler == SIG_DFL && default_ignores(sig))) {
            rtq_next(t, sig, own);
            continue;
        }
        if ((a->handler == SIG_DFL && default_stops(sig)) || sig == SIGSTOP) {
            proc_stop(p, sig);
            return -2;
        }
        if (a->handler == SIG_DFL || sig == SIGKILL) {
            proc_exit(p, WAIT_SIGNALED(sig));
            return -1;
        }
        /* An interrupted call with SA_RESTART runs again after the handler. */
        if (restartable && (a->flags & SA_RESTART) && (int64_t)r->x[10 - 1] == -EINTR) {
            r->pc -= 4;
            r->x[10 - 1] = t->sys_a0;
        }
        if (push_frame(t, sig, r)) {
            proc_exit(p, WAIT_SIGNALED(SIGSEGV));
            return -1;
        }
        rtq_next(t, sig, own);       /* its siginfo is in the frame now */
        changed = 1;
        break;                   /* the handler runs first */
    }
    return changed;
}


long sys_rt_sigaction(struct lthread *t, const struct sysargs *s)
{
    int sig = (int)s->a[0];
    uint64_t act = s->a[1], old = s->a[2];
    if (sig < 1 || sig >= NSIG || s->a[3] != 8)
        return -EINVAL;
    struct sigaction_k *a = &t->proc->actions[sig];
    if (old && mm_copy_out(t->proc, old, a, sizeof *a) < 0)
        return -EFAULT;
    if (!act)
        return 0;
    if (sig == SIGKILL || sig == SIGSTOP)
        return -EINVAL;
    struct sigaction_k n;
    if (mm_copy_in(t->proc, &n, act, sizeof n) < 0)
        return -EFAULT;
    *a = n;
    /* Setting SIG_IGN discards what is pending. */
    if (n.handler == SIG_IGN) {
        t->proc->pending &= ~SIGBIT(sig);
        for_each_thread(w, t->proc)
            w->pending &= ~SIGBIT(sig);
        signal_forget(t->proc, sig);
    }
    return 0;
}

long sys_rt_sigprocmask(struct lthread *t, const struct sysargs *s)
{
    uint64_t how = s->a[0], set = s->a[1], old = s->a[2];
    if (s->a[3] != 8)
        return -EINVAL;
    uint64_t cur = t->sigmask, n;
    if (set) {
        if (how > SIG_SETMASK)
            return -EINVAL;
        if (mm_copy_in(t->proc, &n, set, 8) < 0)
            return -EFAULT;
    }
    if (old && mm_copy_out(t->proc, old, &cur, 8) < 0)
        return -EFAULT;
    if (set)
        t->sigmask = (how == SIG_BLOCK ? cur | n : how == SIG_UNBLOCK ? cur & ~n : n) &
                     ~UNBLOCKABLE;
    return 0;
}

/* The frame is where the handler's return left sp. Of its ucontext only
 * the mask and the registers are read back, as Linux does. */
long sys_rt_sigreturn(struct lthread *t, const struct sysargs *s)
{
    static struct frame_ucontext uc;
    const size_t from = offsetof(struct frame_ucontext, uc_sigmask);
    const size_t to = offsetof(struct frame_ucontext, mcontext) + sizeof uc.mcontext;
    uint64_t frame = s->sp + sizeof(struct siginfo_k);
    if (mm_copy_in(t->proc, (char *)&uc + from, frame + from, to - from) < 0) {
        proc_exit(t->proc, WAIT_SIGNALED(SIGSEGV));
        return POSIX_DEFERRED;
    }
    t->sigmask = uc.uc_sigmask & ~UNBLOCKABLE;
    if (mica_thread_write_regs(t->kthread, &uc.mcontext, MICA_REGS_FP))
        return -EFAULT;
    return POSIX_RESUME_AS_IS;
}

long sys_kill(struct lthread *t, const struct sysargs *s)
{
    int pid = (int)s->a[0], sig = (int)s->a[1];
    if (sig < 0 || sig >= NSIG)
        return -EINVAL;
    int hit = 0;
    for (int i = 0; i < proc_high; i++) {
        struct lproc *p = &procs[i];
        if (!p->pid || p->zombie)
            continue;
        bool match = pid > 0 ? p->pid == pid : pid == -1 ? p->pid != 1 && p != t->proc
                                                           : pid == 0 ? p->pgid == t->proc->pgid
                                                                      : p->pgid == -pid;
        if (!match)
            continue;
        hit++;
        if (sig)
            signal_send(p, NULL, sig, SI_USER, t->proc->pid);
    }
    return hit ? 0 : -ESRCH;
}

long sys_tkill(struct lthread *t, const struct sysargs *s)
{
    int tid = (int)s->a[s->nr == 131 ? 1 : 0], sig = (int)s->a[s->nr == 131 ? 2 : 1];
    struct lthread *target = thread_by_tid(tid);
    if (sig < 0 || sig >= NSIG || tid <= 0)
        return -EINVAL;
    if (!target || (s->nr == 131 && target->proc->pid != (int)s->a[0]))
        return -ESRCH;
    if (sig)
        signal_send(target->proc, target, sig, SI_TKILL, t->proc->pid);
    return 0;
}

/* rt_sigqueueinfo and rt_tgsigqueueinfo: a signal with the sender's
 * siginfo. Like Linux, only a process signalling itself may claim a code
 * the kernel would set (kill's, or tkill's). */
long sys_rt_sigqueueinfo(struct lthread *t, const struct sysargs *s)
{
    bool tg = s->nr == 240;
    int pid = (int)s->a[0], sig = (int)s->a[tg ? 2 : 1];
    struct siginfo_k si;
    if (mm_copy_in(t->proc, &si, s->a[tg ? 3 : 2], sizeof si) < 0)
        return -EFAULT;
    if (sig < 0 || sig >= NSIG)
        return -EINVAL;
    struct lproc *p = proc_by_pid(pid);
    struct lthread *target = tg ? thread_by_tid((int)s->a[1]) : NULL;
    if (!p || p->zombie || (tg && (!target || target->proc != p)))
        return -ESRCH;
    if ((si.si_code >= 0 || si.si_code == SI_TKILL) && p != t->proc)
        return -EPERM;
    if (sig) {
        return signal_send_value(p, target, sig, si.si_code, (int)(uint32_t)si.fields[0],
                                 si.fields[1]);
    }
    return 0;
}

#define SS_AUTODISARM (1u << 31)
#define MINSIGSTKSZ   2048

long sys_sigaltstack(struct lthread *t, const struct sysargs *s)
{
    struct { uint64_t sp; int32_t flags, pad; uint64_t size; } ss;
    bool on = t->altstack_size && on_stack(t, s->sp);   /* Linux's on_sig_stack */
    if (s->a[1]) {
        ss.sp = t->altstack_sp;
        ss.flags = !t->altstack_size ? SS_DISABLE : on ? SS_ONSTACK : 0;
        ss.pad = 0;
        ss.size = t->altstack_size;
        if (mm_copy_out(t->proc, s->a[1], &ss, sizeof ss) < 0)
            return -EFAULT;
    }
    if (s->a[0]) {
        if (mm_copy_in(t->proc, &ss, s->a[0], sizeof ss) < 0)
            return -EFAULT;
        if (on)
            return -EPERM;              /* not while running on it */
        uint32_t mode = (uint32_t)ss.flags & ~SS_AUTODISARM;
        if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
            return -EINVAL;
        if (mode == SS_DISABLE) {
            t->altstack_sp = t->altstack_size = 0;
        } else {
            if (ss.size < MINSIGSTKSZ)
                return -ENOMEM;
            t->altstack_sp = ss.sp;
            t->altstack_size = ss.size;
        }
    }
    return 0;
}

long sys_rt_sigpending(struct lthread *t, const struct sysargs *s)
{
    uint64_t set = (t->pending | t->proc->pending) & t->sigmask;
    return mm_copy_out(t->proc, s->a[0], &set, 8) < 0 ? -EFAULT : 0;
}

/* rt_sigtimedwait: takes a pending signal of the set, or waits for one
 * (with a timeout) while the set is blocked. */
long sys_rt_sigtimedwait(struct lthread *t, const struct sysargs *s)
{
    uint64_t set, info = s->a[1], tmo = s->a[2];
    if (s->a[3] != 8)
        return -EINVAL;
    if (mm_copy_in(t->proc, &set, s->a[0], 8) < 0)
        return -EFAULT;
    set &= ~UNBLOCKABLE;
    uint64_t ready = (t->pending | t->proc->pending) & set;
    if (ready) {
        int sig = 1;
        while (!(ready & 1)) {
            ready >>= 1;
            sig++;
        }
        bool own = t->pending & SIGBIT(sig);
        if (own)
            t->pending &= ~SIGBIT(sig);
        else
            t->proc->pending &= ~SIGBIT(sig);
        struct siginfo_k si = { 0 };
        fill_info(t->proc, sig, &si);
        rtq_next(t, sig, own);
        if (info && mm_copy_out(t->proc, info, &si, sizeof si) < 0)
            return -EFAULT;
        return sig;
    }
    uint64_t deadline = 0;
    if (tmo) {
        int64_t ts[2];
        if (mm_copy_in(t->proc, ts, tmo, sizeof ts) < 0)
            return -EFAULT;
        if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
            return -EINVAL;
        uint64_t ns = (uint64_t)ts[0] * 1000000000 + (uint64_t)ts[1];
        if (!ns)
            return -EAGAIN;
        deadline = mica_monotonic_ns() + ns;
    }
    /* Wait with the set unblocked only for the wait, as sigsuspend does;
     * the signal is then taken here rather than handled. */
    t->waitset = set;
    t->waitinfo = info;
    t->wait = WAIT_SIGNAL;
    t->interruptible = true;
    long r = time_wait_until(t, deadline);
    return r == -ETIMEDOUT ? -EAGAIN : r;
}
