/*
 * posix: the receive loop. Every message on posix's endpoint is a fault of
 * a Linux thread (badge = its place in the thread table + 1): a system call is dispatched through
 * table.c and answered with its result, or left waiting (its reply saved);
 * a page fault is resolved as the pager or ends the process with SIGSEGV.
 */
#include "posix.h"

#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/fs.h"
#include "mica/string.h"
#include "mica/sys.h"

#define WAIT_SIGNALED(sig) ((sig) & 0x7f)
#define MAX_INIT_ARGS 32

long posix_ep = SERVICE_SLOT_EP;
struct lthread *in_service;

void posix_init_exited(int wait_status)
{
    /* Tell root, which ends the system with init's status; what was
     * written goes to the disk first, as at a poweroff (fs keeps it in its
     * cache and journal until a sync). */
    int status = (wait_status & 0x7f) ? 128 + (wait_status & 0x7f) : (wait_status >> 8) & 0xff;
    if (console_first_wait)
        debug_printf("posix: input was first awaited at %lu instructions\n",
                     (unsigned long)console_first_wait);
    if (have_fs)
        fs_sync(FS_EP);
    struct mica_msg m = { .info = MICA_INFO(ROOT_INIT_EXITED, 1, 0, 0),
                          .w = { (uint64_t)status } };
    mica_call(SERVICE_SLOT_ROOT, &m);
}

/* init=PATH ARGS: split on blanks into argv. */
static void start_init(void)
{
    static char cmd[256];
    static const char *argv[MAX_INIT_ARGS + 1];
    static const char *const envp[] = { "HOME=/", "PATH=/sbin:/bin:/usr/sbin:/usr/bin",
                                        "TERM=vt100", 0 };
    const char *args = mica_args();
    size_t n = strnlen(args, sizeof cmd - 1);
    memcpy(cmd, args, n);
    int argc = 0;
    for (char *p = cmd; *p && argc < MAX_INIT_ARGS;) {
        while (*p == ' ')
            *p++ = '\0';
        if (!*p)
            break;
        argv[argc++] = p;
        while (*p && *p != ' ')
            p++;
    }
    long err;
    struct lthread *t = argc ? exec_new(0, argv[0], argv, envp, &err) : NULL;
    if (!t) {
        debug_printf("posix: cannot run init '%s': %ld\n", args, argc ? err : -ENOENT);
        posix_init_exited(127 << 8);
        return;
    }
    files_init_console(t->proc);
    if (have_fs)
        fs_root(FS_EP, &t->proc->fs.cwd);
    memcpy(t->proc->fs.cwd_path, "/", 2);
}

#define SEGV_MAPERR 1
#define SEGV_ACCERR 2

/* A fault the pager cannot resolve becomes a synchronous signal: its
 * handler runs if there is one and it is not blocked, else the process
 * ends with it. */
static bool fault_signal(struct lthread *t, int sig, int code, uint64_t pc, uint64_t addr,
                         struct mica_msg *answer)
{
    struct lproc *p = t->proc;
    static struct mica_regs r;
    uint64_t handler = p->actions[sig].handler;
    if (handler > 1 && !(t->sigmask & SIGBIT(sig)) &&
        mica_thread_read_regs(t->kthread, &r, MICA_REGS_FP) == 0) {
        t->pending |= SIGBIT(sig);
        p->sig_code[sig] = code;
        p->sig_addr[sig] = addr;
        int d = signal_deliver(t, &r, false);
        p->sig_addr[sig] = 0;
        if (d < 0)
            return false;
        if (d > 0 && mica_thread_write_regs(t->kthread, &r, 0) == 0) {
            *answer = (struct mica_msg){ .info = MICA_INFO(MICA_RESUME_AS_IS, 0, 0, 0) };
            return true;
        }
    }
    debug_printf("posix: pid %d killed by signal %d (pc %lx addr %lx)\n", p->pid, sig,
                 (unsigned long)pc, (unsigned long)addr);
    proc_exit(p, WAIT_SIGNALED(sig));
    return false;
}

/* What posix receives. A fault message's words lie in the order of struct
 * sysargs: words 0..3 come back in registers and words 4..8 are copied
 * behind them from the IPC buffer, so a system call's arguments are read
 * where they landed instead of gathered again. The label and badge stay in
 * registers (struct received). */
struct inbox {
    union {
        uint64_t w[MICA_FAULT_LEN];
        struct sysargs s;
    };
};
_Static_assert(sizeof(struct sysargs) == MICA_FAULT_LEN * sizeof(uint64_t),
               "a system call's fault message is a struct sysargs");

/* A message's label and badge; a failed receive has neither (badge 0 is no
 * thread, label 0 no message posix answers). */
struct received {
    uint64_t label, badge;
};

#define RECEIVED(err, a1, a6)                                                     \
    ((err) ? (struct received){ 0, 0 } : (struct received){ MICA_INFO_LABEL(a1), a6 })

/* Sends out (on the implicit reply for REPLY_RECV) and receives into in. */
static inline struct received posix_ipc(long nr, const struct mica_msg *out, struct inbox *in)
{
    struct mica_msg m = *out;
    long err = mica_ipc(nr, posix_ep, &m);
    for (int i = 0; i < MICA_MSG_REGS; i++)
        in->w[i] = m.w[i];
    return RECEIVED(err, m.info, m.badge);
}

/* The common answer, kept out of memory: a system call's one-word result
 * (the kernel reads no more words than the answer's length). Only the IPC
 * buffer changes behind the compiler's back, so only it is named. */
static inline struct received answer_syscall(long value, struct inbox *in,
                                             struct mica_ipc_buffer *ib)
{
    register long a0 __asm__("a0") = posix_ep;
    register uint64_t a1 __asm__("a1") = MICA_INFO(MICA_RESUME, 1, 0, 0);
    register uint64_t a2 __asm__("a2") = (uint64_t)value;
    register uint64_t a3 __asm__("a3"), a4 __asm__("a4"), a5 __asm__("a5");
    register uint64_t a6 __asm__("a6") = 0;
    register long a7 __asm__("a7") = MICA_SYS_REPLY_RECV;
    __asm__ volatile("ecall"
                     : "+r"(a0), "+r"(a1), "+r"(a2), "=r"(a3), "=r"(a4), "=r"(a5), "+r"(a6),
                       "+m"(*ib)
                     : "r"(a7));
    in->w[0] = a2;
    in->w[1] = a3;
    in->w[2] = a4;
    in->w[3] = a5;
    return RECEIVED(a0, a1, a6);
}

/* The answer to a system call whose handler returned r: false when the
 * thread waits (or is gone). */
static bool syscall_finish(struct lthread *t, long r, struct mica_msg *answer)
{
    if (r == POSIX_DEFERRED)
        return false;
    if (r == POSIX_RESUME_AS_IS) {
        /* rt_sigreturn: registers restored; deliver what is now unmasked. */
        static struct mica_regs regs;
        *answer = (struct mica_msg){ .info = MICA_INFO(MICA_RESUME_AS_IS, 0, 0, 0) };
        if (signal_ready(t) && mica_thread_read_regs(t->kthread, &regs, MICA_REGS_FP) == 0) {
            int d = signal_deliver(t, &regs, false);
            if (d < 0)
                return false;
            if (d > 0)
                mica_thread_write_regs(t->kthread, &regs, 0);
        }
        return true;
    }
    return syscall_answer(t, r, answer);
}

/* Handles a fault other than a system call; returns true and sets *answer
 * when the thread is to be answered now. */
static bool handle_fault(struct lthread *t, uint64_t label, const uint64_t *w,
                         struct mica_msg *answer)
{
    if (label == MICA_FAULT_PAGE && mm_fault(t->proc, w[1], (unsigned)w[2])) {
        *answer = (struct mica_msg){ .info = MICA_INFO(MICA_RESUME, 0, 0, 0) };
        return true;
    }
    int sig = label == MICA_FAULT_ILLEGAL ? SIGILL : label == MICA_FAULT_BREAKPOINT ? SIGTRAP
              : label == MICA_FAULT_MISALIGNED ? SIGBUS : SIGSEGV;
    int code = label == MICA_FAULT_PAGE && find_vma_any(t->proc, w[1]) ? SEGV_ACCERR : SEGV_MAPERR;
    return fault_signal(t, sig, code, w[0], w[1], answer);
}

/* Charges the time since start to t as system time, unless t has gone. */
static inline void charge(struct lthread *t, uint64_t start)
{
    if (t->tid)
        t->sys_ticks += mica_time() - start;
    in_service = NULL;
}

int main(void *arg)
{
    (void)arg;
    struct fs_fileid root;
    have_fs = fs_root(FS_EP, &root) == 0;
    /* No file is open yet: what unlinked files a crash left open go now. */
    if (have_fs)
        fs_orphans_free(FS_EP);
    if (signal_init() || time_init()) {
        debug_printf("posix: out of memory\n");
        return 1;
    }
    service_announce(SERVICE_POSIX);
    start_init();
    struct mica_ipc_buffer *ib = mica_ipcbuf();
    const uint64_t *mr = ib->mr;
    static const struct mica_msg none;
    struct mica_msg answer;
    struct inbox in;
    struct received m = posix_ipc(MICA_SYS_RECV, &none, &in);
    static struct service_state no_state;
    struct service_state *st = service_state() ? service_state() : &no_state;
    for (;;) {
        st->progress++;             /* root's heartbeat looks at it */
        uint64_t label = m.label;
        struct lthread *t = thread_by_badge(m.badge);
        bool answered = false;
        if (t && label == MICA_FAULT_SYSCALL) {
            /* The fast case first: a call answered at once with its result.
             * (The empty asm keeps t in a register: GCC would work it out
             * from the badge again at each use.) */
            __asm__("" : "+r"(t));
            _Static_assert(MICA_MSG_REGS == 4 && MICA_FAULT_LEN == 9, "words 4..8 copied");
            in.w[4] = mr[4];
            in.w[5] = mr[5];
            in.w[6] = mr[6];
            in.w[7] = mr[7];
            in.w[8] = mr[8];
            in_service = t;
            uint64_t start = mica_time();
            t->sys_a0 = in.s.a[0];
            long r = syscall_dispatch(t, &in.s);
            charge(t, start);
            if (r != POSIX_DEFERRED && r != POSIX_RESUME_AS_IS && syscall_plain(t)) {
                syscall_answered(t);
                m = answer_syscall(r, &in, ib);
                continue;
            }
            answered = syscall_finish(t, r, &answer);
        } else if (label == MICA_LABEL_NOTIFY) {
            if (m.badge & POSIX_CONSOLE_BIT)
                console_interrupt();
            if (m.badge & POSIX_TIMER_BIT)
                time_expire();
            t = NULL;
        } else if (label == SERVICE_PING) {
            t = NULL;               /* root's heartbeat: receiving it was the answer */
        } else if (t) {
            in_service = t;
            uint64_t start = mica_time();
            answered = handle_fault(t, label, in.w, &answer);
            charge(t, start);
        }
        if (answered) {
            m = posix_ipc(MICA_SYS_REPLY_RECV, &answer, &in);
            continue;
        }
        /* Waiting (or gone): keep the reply right if the thread lives. */
        if (t && t->tid && !t->reply) {
            long slot = slot_alloc();
            if (slot > 0 && mica_save_reply(slot) == 0)
                t->reply = slot;
            else if (slot > 0)
                slot_free(slot);
        }
        m = posix_ipc(MICA_SYS_RECV, &none, &in);
    }
}
