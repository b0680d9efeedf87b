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
    /* Tell root, which ends the system with init's status. */
    int status = (wait_status & 0x7f) ? 128 + (wait_status & 0x7f) : (wait_status >> 8) & 0xff;
    if (console_first_wait)
        debug_printf("posix: input was first awaited at %lu instructions\n",
                     (unsigned long)console_first_wait);
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

/* Handles one fault message; returns true and sets *answer when the thread
 * is to be answered now. */
static bool handle(struct lthread *t, uint64_t label, const uint64_t *w, const uint64_t *mr,
                   struct mica_msg *answer)
{
    if (label == MICA_FAULT_SYSCALL) {
        struct sysargs s = { w[0], { w[1], w[2], w[3], mr[4], mr[5], mr[6] }, mr[7], mr[8] };
        t->sys_a0 = s.a[0];
        long r = syscall_dispatch(t, &s);
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
    if (label == MICA_FAULT_PAGE && mm_fault(t->proc, w[1], (unsigned)w[2])) {
        *answer = (struct mica_msg){ .info = MICA_INFO(MICA_RESUME, 0, 0, 0) };
        return true;
    }
    int sig = label == MICA_FAULT_ILLEGAL ? SIGILL : label == MICA_FAULT_BREAKPOINT ? SIGTRAP
              : label == MICA_FAULT_MISALIGNED ? SIGBUS : SIGSEGV;
    int code = label == MICA_FAULT_PAGE && find_vma_any(t->proc, w[1]) ? SEGV_ACCERR : SEGV_MAPERR;
    return fault_signal(t, sig, code, w[0], w[1], answer);
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
    uint64_t *mr = mica_ipcbuf()->mr;
    struct mica_msg m = { 0 };
    long err = mica_recv(posix_ep, &m);
    struct service_state *st = service_state();
    for (;;) {
        if (st)
            st->progress++;         /* root's heartbeat looks at it */
        if (!err && MICA_INFO_LABEL(m.info) == MICA_LABEL_NOTIFY) {
            if (m.badge & POSIX_CONSOLE_BIT)
                console_interrupt();
            if (m.badge & POSIX_TIMER_BIT)
                time_expire();
            m = (struct mica_msg){ 0 };
            err = mica_recv(posix_ep, &m);
            continue;
        }
        if (!err && MICA_INFO_LABEL(m.info) == SERVICE_PING) {
            /* root's heartbeat: receiving it was the answer */
            m = (struct mica_msg){ 0 };
            err = mica_recv(posix_ep, &m);
            continue;
        }
        struct lthread *t = err ? NULL : thread_by_badge(m.badge);
        in_service = t;
        uint64_t start = mica_time();
        /* The answer is built in m itself once the message is read. */
        bool answered = t && handle(t, MICA_INFO_LABEL(m.info), m.w, mr, &m);
        if (t && t->tid)
            t->sys_ticks += mica_time() - start;     /* its system time */
        in_service = NULL;
        if (answered) {
            err = mica_reply_recv(posix_ep, &m);
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
        m = (struct mica_msg){ 0 };
        err = mica_recv(posix_ep, &m);
    }
}
