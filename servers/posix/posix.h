/*
 * posix: the Linux riscv64 personality. Unmodified static musl programs run
 * as kernel processes whose threads have posix's endpoint as their fault
 * endpoint, badged with their place in the thread table: their ecalls arrive here as
 * system-call fault messages, their page faults as page-fault messages
 * (posix is their pager). A call that must wait keeps its reply right in a
 * slot and is answered later, so one blocked program never blocks posix.
 */
#ifndef POSIX_POSIX_H
#define POSIX_POSIX_H

#include <stdbool.h>
#include <stdint.h>

#include "file.h"
#include "mica/service.h"
#include "mica/syscall.h"
#include "mica/sys.h"

#define MAX_PROCS    256
#define MAX_THREADS  512
#define MAX_VMAS     64
#define PAGE         4096ul

/* Linux errno values posix answers with (as musl spells them). */
#include "mica/errno.h"

/* Answer of a handler that keeps the caller waiting (its reply is saved). */
#define POSIX_DEFERRED ((long)INT64_MIN)
/* Answer of a handler that has set the caller's registers itself. */
#define POSIX_RESUME_AS_IS ((long)INT64_MIN + 1)

#define NSIG     65
#define SIGBIT(s) (1ull << ((s) - 1))
#define SIGILL   4
#define SIGTRAP  5
#define SIGBUS   7
#define SIGSEGV  11
#define SIGCHLD  17
/* SIGCHLD's si_code */
#define CLD_EXITED    1
#define CLD_KILLED    2
#define CLD_DUMPED    3
#define CLD_STOPPED   5
#define CLD_CONTINUED 6
#define SIGCONT  18
#define SIGURG   23
#define SIGWINCH 28

enum {
    RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_RSS,
    RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS,
    RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME,
    RLIM_NLIMITS
};

/* The address of the signal-return trampoline in every process. */
#define SIGRETURN_VA 0x3ff8000000ul

/* struct k_sigaction as the riscv64 kernel takes it. */
struct sigaction_k {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

/* What a waiting thread waits for (so a signal can end the wait). */
enum wait_kind {
    WAIT_NONE,
    WAIT_CHILD,          /* wait4 */
    WAIT_SLEEP,          /* nanosleep, clock_nanosleep */
    WAIT_SIGNAL,         /* rt_sigsuspend */
    WAIT_FUTEX,
    WAIT_PIPE,           /* read of an empty pipe, write to a full one */
    WAIT_POLL,           /* ppoll: io_buf = the fds, io_len = how many */
    WAIT_TTY,            /* read of the console with no input yet */
    WAIT_SELECT,         /* pselect6: select_sets, io_len = nfds */
    WAIT_EVENTFD,        /* eventfd read or write: io_file, io_buf, io_write */
    WAIT_IPC,            /* System V IPC (sysv.c): ipc_* say on what */
    WAIT_VFORK,          /* vfork: until the child (wait_pid) execs or exits */
};

struct lproc;

/* A Linux thread. */
struct lthread {
    struct lthread *sibling;       /* next in its process's thread list */
    int tid;                       /* 0: free */
    struct lproc *proc;
    long kthread;                  /* slot of its kernel thread */
    long reply;                    /* saved reply while it waits, or 0 */
    uint64_t clear_child_tid;      /* set_tid_address */
    enum wait_kind wait;           /* what its deferred call waits for */
    bool interruptible;            /* a signal ends the wait with EINTR */
    uint64_t deadline_ns;          /* WAIT_SLEEP: monotonic ns */
    uint64_t wait_addr;            /* WAIT_FUTEX: the futex; WAIT_SLEEP: rem;
                                    * WAIT_CHILD: where the status goes */
    int wait_pid;                  /* WAIT_CHILD: wait4's pid argument */
    uint64_t sys_a0;               /* the pending call's a0, to restart it */
    bool restartable;              /* SA_RESTART may restart the pending call */
    bool restore_mask;             /* after rt_sigsuspend: saved_mask is the real one */
    uint64_t sigmask;
    uint64_t saved_mask;           /* rt_sigsuspend restores it */
    uint64_t pending;              /* signals sent to this thread */
    uint64_t altstack_sp, altstack_size;
    uint32_t futex_bits;           /* WAIT_FUTEX: its bitset (0: a PI lock) */
    int pi_owner;                  /* ... and the PI lock's owner then */
    bool timed;                    /* the wait ends at deadline_ns */
    uint64_t robust_head;          /* set_robust_list */
    char name[16];                 /* prctl(PR_SET_NAME) */
    struct ofile *io_file;         /* WAIT_PIPE: the pending read or write */
    uint64_t io_buf, io_len, io_done;
    bool io_write;
    bool held;                     /* its answer waits until the process continues */
    long held_value;
    bool suspended;                /* stopped in user mode by posix */
    int wait_options;              /* WAIT_CHILD: wait4's options */
    uint64_t waitset;              /* rt_sigtimedwait: the signals it takes */
    uint64_t waitinfo;             /* ... and where their siginfo goes */
    uint64_t select_sets[3];       /* WAIT_SELECT: read, write, except sets */
    uint64_t select_timeout;       /* WAIT_SELECT: the timespec to update */
    int ipc_kind, ipc_index;       /* WAIT_IPC: the object, and the call */
    uint64_t ipc_nr, ipc_args[6];  /* to try again when it changes */
    uint64_t sys_ticks;            /* system time: posix serving its calls and faults */
    uint64_t wait_rusage;          /* WAIT_CHILD: where wait4/waitid put the child's rusage */
};

/* A mapped range of a process's address space. */
struct vma {
    uint64_t start, end;           /* page-aligned, end exclusive */
    unsigned prot;                 /* MICA_R_* rights it may be mapped with */
    unsigned flags;                /* VMA_* */
    struct fs_fileid file;         /* VMA_FILE: the mapped file */
    uint64_t offset;               /* VMA_FILE: the file offset of start;
                                    * VMA_SHM: the segment offset of start */
    long shm;                      /* VMA_SHM: the segment's id (sysv_shm.c) */
};

#define VMA_STACK   1u
#define VMA_HEAP    2u
#define VMA_SHARED  4u  /* MAP_SHARED: pages are allocated at once and fork shares them */
#define VMA_FILE    8u  /* pages start as the file's contents (mfile.c) */
#define VMA_FILE_RW 16u /* the file was open for writing: a shared mapping may write */
#define VMA_SHM     32u /* a System V shared memory segment (with VMA_SHARED) */

/* A shared mapping of a file that may write: its pages go back to the file. */
static inline bool vma_writes_back(const struct vma *v)
{
    unsigned all = VMA_FILE | VMA_SHARED | VMA_FILE_RW;
    return (v->flags & all) == all;
}

#define MAX_TIMERS 32

/* An interval or POSIX timer (timers[0] is ITIMER_REAL). */
struct ptimer {
    bool used;
    int id;
    int clock;
    int notify;                    /* SIGEV_* */
    int signo;
    int tid;                       /* SIGEV_THREAD_ID */
    uint64_t value;                /* sigev_value */
    uint64_t deadline;             /* monotonic ns, 0 = disarmed */
    uint64_t interval;
    int overrun;
};

/* A Linux process. */
struct lproc {
    int pid;                       /* 0: free */
    int ppid;
    long kproc;                    /* slot of its kernel process */
    /* Every answer looks at these two: near the start, one load each. */
    uint64_t pending;              /* signals sent to the process */
    bool stopped;                  /* by a stop signal */
    struct vma vmas[MAX_VMAS];
    int nvmas;
    uint64_t brk_start, brk;
    bool zombie;
    int exit_status;               /* wait status, as wait4 reports it */
    int nthreads;
    int pgid, sid;
    struct sigaction_k actions[NSIG];
    int sig_code[NSIG];            /* si_code and sender of each pending signal */
    int sig_pid[NSIG];
    uint64_t sig_addr[NSIG];       /* si_addr of a fault's signal */
    uint64_t rlim[RLIM_NLIMITS][2];   /* soft, hard */
    struct lthread *thread_list;   /* its live threads (for_each_thread) */
    uint64_t dead_ticks;           /* user time of its ended threads */
    uint64_t child_ticks;          /* ... and of its reaped children */
    uint64_t dead_sys_ticks;       /* system time of its ended threads */
    uint64_t child_sys_ticks;      /* ... and of its reaped children */
    int stop_sig;
    bool stop_unreported;          /* for wait4's WUNTRACED */
    bool cont_unreported;          /* for wait4's WCONTINUED */
    struct ptimer timers[MAX_TIMERS];
    struct fdtable files;
    struct fsview fs;
    uint64_t sig_value[NSIG];      /* si_value of a timer's signal */
    int sig_timer[NSIG];           /* si_timerid */
    char exe[256];                 /* the program's path, for /proc/self/exe */
    int vfork_waiter;              /* tid of the vfork caller waiting for its exec or exit */
};

/* System-call arguments as the fault message brings them. */
struct sysargs {
    uint64_t nr;
    uint64_t a[6];
    uint64_t pc;
    uint64_t sp;                   /* rt_sigreturn finds its frame there */
};

typedef long (*syscall_fn)(struct lthread *t, const struct sysargs *s);

extern struct lproc procs[MAX_PROCS];
/* Likewise every entry of procs[] in use lies below proc_high. */
extern int proc_high;
/* p's entry is free again (its pid 0). */
void proc_gone(struct lproc *p);
extern struct lthread threads[MAX_THREADS];
/* Every entry of threads[] in use lies below thread_high (entries are
 * taken lowest first): the scans for waiting threads stop there. */
extern int thread_high;
extern long posix_ep;
/* The threads of process p; the body must not free w. */
#define for_each_thread(w, p) for (struct lthread *w = (p)->thread_list; w; w = w->sibling)

#define SIGKILL 9
#define SIGSTOP 19
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

/* Has t a signal it does not block, sent to it or to its process? */
static inline bool signal_ready(const struct lthread *t)
{
    return ((t->pending | t->proc->pending) & ~(t->sigmask & ~UNBLOCKABLE)) != 0;
}

/* The thread whose message posix is handling now (its reply is implicit). */
extern struct lthread *in_service;

/* CPU time in ns. user: the time in user mode (the kernel's THREAD_TIME).
 * sys: the time posix spends serving the thread's system calls and page
 * faults, from receiving the fault message to answering it (rdtime), the
 * fs and blk servers' work and the disk's latency within it included. The
 * kernel's own time in traps and IPC is in neither. */
struct cpu_time {
    uint64_t user, sys;
};
struct cpu_time thread_cpu(struct lthread *t);
struct cpu_time proc_cpu(struct lproc *p);
struct cpu_time children_cpu(struct lproc *p);

/* table.c: the handler of each Linux system call number, or none. */
#define NSYSCALLS 451
extern const syscall_fn syscall_handlers[NSYSCALLS];
/* An unknown or unimplemented call: logged once by name, ENOSYS. */
long syscall_unknown(struct lthread *t, const struct sysargs *s);
static inline long syscall_dispatch(struct lthread *t, const struct sysargs *s)
{
    syscall_fn fn = s->nr < NSYSCALLS ? syscall_handlers[s->nr] : NULL;
    return fn ? fn(t, s) : syscall_unknown(t, s);
}

/* proc.c */
struct lthread *thread_by_tid(int tid);
/* The thread whose fault message carries badge (its place in threads + 1). */
static inline struct lthread *thread_by_badge(uint64_t badge)
{
    struct lthread *t = badge - 1 < MAX_THREADS ? &threads[badge - 1] : NULL;
    return t && t->tid ? t : NULL;
}
struct lproc *proc_by_pid(int pid);
struct lthread *proc_new(int ppid);
void proc_exit(struct lproc *p, int wait_status);
/* A new thread in p (not started) and its release. */
struct lthread *thread_new(struct lproc *p);
void thread_free(struct lthread *t);
/* Frees a process that never ran, telling nobody. */
void proc_discard(struct lproc *p);
/* execve: the new image nt becomes old's process (its ids, parent and
 * children) and old's image is freed. */
long proc_take_over(struct lthread *nt, struct lthread *old);
/* main.c: init (pid 1) has ended with this wait status. */
void posix_init_exited(int wait_status);
/* Answers t's pending (saved) call with a0 = value, delivering pending
 * signals first. */
void reply_to(struct lthread *t, long value);
/* The answer to t's call with result value (delivering pending signals):
 * false if there is none to give (the process has ended). The common case
 * (running, nothing to deliver) is inline: every system call passes here. */
bool syscall_answer_slow(struct lthread *t, long value, struct mica_msg *m);
/* Can t's call be answered with just its result (running, no mask to put
 * back, nothing to deliver)? Then syscall_answered() notes it answered. */
static inline bool syscall_plain(const struct lthread *t)
{
    return !t->proc->stopped && !t->restore_mask && !signal_ready(t);
}
static inline void syscall_answered(struct lthread *t)
{
    t->wait = WAIT_NONE;
    t->interruptible = t->restartable = false;
}
static inline bool syscall_answer(struct lthread *t, long value, struct mica_msg *m)
{
    if (!syscall_plain(t))
        return syscall_answer_slow(t, value, m);
    syscall_answered(t);
    m->info = MICA_INFO(MICA_RESUME, 1, 0, 0);     /* one word: the kernel reads no more */
    m->w[0] = (uint64_t)value;
    return true;
}
long sys_exit(struct lthread *t, const struct sysargs *s);
long sys_exit_group(struct lthread *t, const struct sysargs *s);
long sys_getpid(struct lthread *t, const struct sysargs *s);
long sys_getppid(struct lthread *t, const struct sysargs *s);
long sys_gettid(struct lthread *t, const struct sysargs *s);
long sys_set_tid_address(struct lthread *t, const struct sysargs *s);
long sys_wait4(struct lthread *t, const struct sysargs *s);
long sys_waitid(struct lthread *t, const struct sysargs *s);

/* mm.c */
int mm_add_vma(struct lproc *p, uint64_t start, uint64_t end, unsigned prot, unsigned flags);
bool find_vma_any(struct lproc *p, uint64_t addr);
/* Handles a page fault; false if the access is not allowed (SIGSEGV). */
bool mm_fault(struct lproc *p, uint64_t addr, unsigned access);
/* Copies to or from a process's memory, faulting pages in as needed. */
long mm_copy_in(struct lproc *p, void *dst, uint64_t src, uint64_t len);
long mm_copy_out(struct lproc *p, uint64_t dst, const void *src, uint64_t len);
long mm_copy_string(struct lproc *p, char *dst, uint64_t src, uint64_t max);
long sys_brk(struct lthread *t, const struct sysargs *s);
long sys_madvise(struct lthread *t, const struct sysargs *s);
long sys_mremap(struct lthread *t, const struct sysargs *s);
long sys_mmap(struct lthread *t, const struct sysargs *s);
long sys_munmap(struct lthread *t, const struct sysargs *s);
long sys_mprotect(struct lthread *t, const struct sysargs *s);
/* Removes [start, end) from p's areas (writing back shared file pages). */
int mm_remove_range(struct lproc *p, uint64_t start, uint64_t end);
/* The highest free range of len bytes for a mapping, or 0. */
uint64_t mm_free_range(struct lproc *p, uint64_t len);

/* mfile.c: mappings of files */
long mfile_map(struct lthread *t, uint64_t fd, uint64_t offset, uint64_t prot, uint64_t flags,
               struct vma *v);
/* Fills buf with the page at va of file area v: the file's bytes, zeros
 * past its end. */
long mfile_fill(void *buf, const struct vma *v, uint64_t va);
/* Writes the pages of [start, end) of shared writable file area v back. */
long mfile_writeback(struct lproc *p, const struct vma *v, uint64_t start, uint64_t end);
/* Writes back every shared writable file area of p (it ends or execs). */
void mfile_release(struct lproc *p);
long sys_msync(struct lthread *t, const struct sysargs *s);

/* futex.c */
long thread_clone(struct lthread *t, const struct sysargs *s);
void thread_exit_cleanup(struct lthread *t);
long sys_futex(struct lthread *t, const struct sysargs *s);
long sys_set_robust_list(struct lthread *t, const struct sysargs *s);
long sys_get_robust_list(struct lthread *t, const struct sysargs *s);

/* futex_pi.c: the PI operations; a robust owner died (died =
 * FUTEX_OWNER_DIED) or unlocked: the first PI waiter gets addr (false if
 * there is none). */
long futex_pi(struct lthread *t, int op, uint64_t addr, uint64_t timeout, bool realtime);
bool futex_pi_handover(struct lproc *p, uint64_t addr, uint32_t died);
/* Thread t ends: the PI locks it owns go to their waiters. */
void futex_pi_owner_exit(struct lthread *t);

/* timer.c */
uint64_t timers_next(void);
void timers_expire(void);
long sys_setitimer(struct lthread *t, const struct sysargs *s);
long sys_getitimer(struct lthread *t, const struct sysargs *s);
long sys_timer_create(struct lthread *t, const struct sysargs *s);
long sys_timer_settime(struct lthread *t, const struct sysargs *s);
long sys_timer_gettime(struct lthread *t, const struct sysargs *s);
long sys_timer_getoverrun(struct lthread *t, const struct sysargs *s);
long sys_timer_delete(struct lthread *t, const struct sysargs *s);

/* limit.c */
void limits_default(struct lproc *p);
/* May p grow by bytes more address space (and data, if data)? */
bool limits_allow_growth(const struct lproc *p, uint64_t bytes, bool data);
long sys_prlimit64(struct lthread *t, const struct sysargs *s);

/* fork.c */
long sys_clone(struct lthread *t, const struct sysargs *s);
long sys_execve(struct lthread *t, const struct sysargs *s);

/* signal.c */
int signal_init(void);
int signal_map_trampoline(struct lproc *p);
void signal_send(struct lproc *p, struct lthread *t, int sig, int code, int from_pid);
/* signal_send with the siginfo's value (sigqueue): -EAGAIN when a
 * real-time signal's queue is full. */
long signal_send_value(struct lproc *p, struct lthread *t, int sig, int code, int from_pid,
                       uint64_t value);
/* Forgets p's queued real-time signals (sig, or all if sig <= 0). */
void signal_forget(struct lproc *p, int sig);
/* A child of parent stopped or continued: tell its wait4 and send SIGCHLD. */
void proc_state_changed(struct lproc *child);
/* restart_a0: the call's first argument if SA_RESTART may restart it. */
int signal_deliver(struct lthread *t, struct mica_regs *r, bool restartable);
long sys_rt_sigqueueinfo(struct lthread *t, const struct sysargs *s);
long sys_rt_sigaction(struct lthread *t, const struct sysargs *s);
long sys_rt_sigprocmask(struct lthread *t, const struct sysargs *s);
long sys_rt_sigreturn(struct lthread *t, const struct sysargs *s);
long sys_rt_sigpending(struct lthread *t, const struct sysargs *s);
long sys_kill(struct lthread *t, const struct sysargs *s);
long sys_tkill(struct lthread *t, const struct sysargs *s);
long sys_sigaltstack(struct lthread *t, const struct sysargs *s);
long sys_rt_sigtimedwait(struct lthread *t, const struct sysargs *s);

/* time.c */
#define POSIX_TIMER_BIT   1u
#define POSIX_CONSOLE_BIT 2u
int time_init(void);
void time_expire(void);
long sys_nanosleep(struct lthread *t, const struct sysargs *s);
long sys_clock_nanosleep(struct lthread *t, const struct sysargs *s);
long sys_rt_sigsuspend(struct lthread *t, const struct sysargs *s);
long sys_ppoll(struct lthread *t, const struct sysargs *s);
void poll_wake(void);
#define POLLIN   0x001
#define POLLOUT  0x004
#define POLLERR  0x008
#define POLLHUP  0x010
#define POLLNVAL 0x020
/* What poll would report of f now (POLLIN, POLLOUT, POLLERR, POLLHUP). */
int16_t poll_events(const struct ofile *f);
/* Reads the timespec at addr as ns: -EFAULT, or -EINVAL if malformed. */
long read_timespec(struct lthread *t, uint64_t addr, uint64_t *ns);

/* select.c */
long sys_pselect6(struct lthread *t, const struct sysargs *s);
/* t waits in pselect6: answer it if an fd is ready (after poll_wake). */
void select_wake(struct lthread *t);
/* t's pselect6 timed out: clear its sets as Linux does. */
void select_timed_out(struct lthread *t);

/* eventfd.c */
long sys_eventfd2(struct lthread *t, const struct sysargs *s);
long eventfd_io(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t len, bool write);
void eventfd_interrupt(struct lthread *t);
int16_t eventfd_events(const struct ofile *f);
/* Lets t's wait end at deadline (monotonic ns; 0: never); returns
 * POSIX_DEFERRED, or -ETIMEDOUT if it has passed. */
long time_wait_until(struct lthread *t, uint64_t deadline);
/* Sets the kernel timer for the next deadline of sleepers and timers. */
void time_rearm(void);
/* Takes t off whatever it waits on (a signal came). */
void interrupt_wait(struct lthread *t);

/* file.c */
#define FS_EP SERVICE_SLOT_CLIENT(SERVICE_FS)
extern bool have_fs;                  /* a file system is mounted */
void files_init_console(struct lproc *p);
void files_fork(struct lproc *child, const struct lproc *parent);
void files_exec(struct lproc *p);     /* closes the close-on-exec ones */
void files_close_all(struct lproc *p);
struct ofile *file_get(struct lproc *p, uint64_t fd);
long file_install(struct lproc *p, struct ofile *f, bool cloexec, int from);
struct ofile *file_new(enum ofile_kind kind);
/* A number naming f among open files (the inode fstat shows of a pipe). */
uint64_t file_ino(const struct ofile *f);
void file_put(struct ofile *f);
/* Unlinked open files: is id open, is any file open, id lost its last name. */
bool file_is_open(struct fs_fileid id);
bool file_any_open(void);
void file_orphaned(struct fs_fileid id);
long sys_close(struct lthread *t, const struct sysargs *s);
long sys_close_range(struct lthread *t, const struct sysargs *s);
long sys_lseek(struct lthread *t, const struct sysargs *s);
long sys_pread64(struct lthread *t, const struct sysargs *s);
long sys_pwrite64(struct lthread *t, const struct sysargs *s);
long sys_readv(struct lthread *t, const struct sysargs *s);
long sys_dup(struct lthread *t, const struct sysargs *s);
long sys_dup3(struct lthread *t, const struct sysargs *s);
long sys_fcntl(struct lthread *t, const struct sysargs *s);
long sys_fsync(struct lthread *t, const struct sysargs *s);
long sys_sync(struct lthread *t, const struct sysargs *s);
long sys_ftruncate(struct lthread *t, const struct sysargs *s);
long sys_getdents64(struct lthread *t, const struct sysargs *s);
long sys_sendfile(struct lthread *t, const struct sysargs *s);
/* copy.c */
long sys_copy_file_range(struct lthread *t, const struct sysargs *s);

/* pipe.c */
long pipe_read(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t len);
long pipe_write(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t len);
/* Writes len bytes (at most PIPE_BUF) of posix's own data at once if they
 * fit now; false if not (the caller writes the usual way). */
bool pipe_write_whole(struct ofile *f, const void *data, uint64_t len);
void pipe_close(struct ofile *f);
bool pipe_ready(const struct ofile *f, bool for_write);
bool pipe_has_data(const struct ofile *f);
bool pipe_has_reader(const struct ofile *f);
void pipe_interrupt(struct lthread *t);
long sys_pipe2(struct lthread *t, const struct sysargs *s);

/* namei.c */
/* Resolves path (relative to dirfd, or cwd with AT_FDCWD) to a file:
 * follow says whether a final symlink is followed; *mode gets its mode. */
long namei(struct lproc *p, int dirfd, const char *path, bool follow, struct fs_fileid *out,
           uint32_t *mode);
long sys_openat(struct lthread *t, const struct sysargs *s);
long sys_newfstatat(struct lthread *t, const struct sysargs *s);
long sys_fstat(struct lthread *t, const struct sysargs *s);
long sys_statx(struct lthread *t, const struct sysargs *s);
long sys_mkdirat(struct lthread *t, const struct sysargs *s);
long sys_mknodat(struct lthread *t, const struct sysargs *s);
long sys_unlinkat(struct lthread *t, const struct sysargs *s);
long sys_renameat2(struct lthread *t, const struct sysargs *s);
long sys_linkat(struct lthread *t, const struct sysargs *s);
long sys_symlinkat(struct lthread *t, const struct sysargs *s);
long sys_readlinkat(struct lthread *t, const struct sysargs *s);
long sys_faccessat(struct lthread *t, const struct sysargs *s);
long sys_fchmodat(struct lthread *t, const struct sysargs *s);
long sys_fchmod(struct lthread *t, const struct sysargs *s);
long sys_fchownat(struct lthread *t, const struct sysargs *s);
long sys_fchown(struct lthread *t, const struct sysargs *s);
long sys_utimensat(struct lthread *t, const struct sysargs *s);
long sys_truncate(struct lthread *t, const struct sysargs *s);
long sys_chdir(struct lthread *t, const struct sysargs *s);
long sys_fchdir(struct lthread *t, const struct sysargs *s);
long sys_getcwd(struct lthread *t, const struct sysargs *s);
long sys_umask(struct lthread *t, const struct sysargs *s);
long sys_chroot(struct lthread *t, const struct sysargs *s);
long sys_statfs(struct lthread *t, const struct sysargs *s);
long sys_fstatfs(struct lthread *t, const struct sysargs *s);

/* The name of device kind (as stat shows it), or NULL. */
const char *device_name(enum ofile_kind kind);
/* The path of directory dir as p sees it (from its ".." links). */
long dir_path(struct lproc *p, struct fs_fileid dir, char *out);

/* namecache.c: fs_lookup through the name cache, and its upkeep. */
long nc_lookup(struct fs_fileid dir, const char *name, size_t len, struct fs_fileid *out,
               uint32_t *mode);
void nc_forget(struct fs_fileid dir, const char *name, size_t len);
void nc_forget_file(struct fs_fileid file);
void nc_flush(void);
/* fs_getattr, answered from what posix kept when no request since could
 * have changed the file. */
long attr_get(struct fs_fileid f, struct fs_stat *st);

/* procfs.c */
bool procfs_path(const char *path);
long procfs_namei(struct lproc *self, const char *path, bool follow, struct fs_fileid *out,
                  uint32_t *mode);
long procfs_readlink(struct lproc *self, const char *path, char *buf);
long procfs_open(struct lthread *t, const char *path, uint64_t flags);
long procfs_read(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t len);
void procfs_close(struct ofile *f);
/* p's program is path, relative to from's cwd (from NULL: absolute). */
void procfs_set_exe(struct lproc *p, const char *path, const struct lproc *from);

/* exec.c */
/* The process whose cwd relative program paths are resolved in (NULL for
 * init, whose path is absolute). */
extern struct lproc *exec_proc;
/* Starts the program path (argv, envp: NULL-terminated) in a new process
 * whose parent is ppid; returns its first thread or NULL with *err. */
struct lthread *exec_new(int ppid, const char *path, const char *const *argv,
                         const char *const *envp, long *err);

/* console.c */
/* rdinstret when a program first waited for console input (the shell's
 * first prompt: make bench's boot_to_prompt), 0 before. */
extern uint64_t console_first_wait;
/* A program looks for console input and there is none: note the first. */
void console_awaited(void);
long console_write(struct lthread *t, uint64_t buf, uint64_t len);
long console_read(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t len);
bool console_readable(void);
int console_init(long ntfn_badged);
void console_put(uint8_t c);
void console_interrupt(void);
void console_session_ended(int sid);
long sys_ioctl(struct lthread *t, const struct sysargs *s);
long sys_write(struct lthread *t, const struct sysargs *s);
long sys_writev(struct lthread *t, const struct sysargs *s);
long sys_preadv(struct lthread *t, const struct sysargs *s);
long sys_pwritev(struct lthread *t, const struct sysargs *s);
long sys_fallocate(struct lthread *t, const struct sysargs *s);
long sys_read(struct lthread *t, const struct sysargs *s);

/* misc.c */
long sys_uname(struct lthread *t, const struct sysargs *s);
long sys_clock_gettime(struct lthread *t, const struct sysargs *s);
long sys_getrandom(struct lthread *t, const struct sysargs *s);
long sys_getuid(struct lthread *t, const struct sysargs *s);
/* service.c */
long sys_service(struct lthread *t, const struct sysargs *s);
long sys_sched_yield(struct lthread *t, const struct sysargs *s);
long sys_sched_getaffinity(struct lthread *t, const struct sysargs *s);
long sys_getresuid(struct lthread *t, const struct sysargs *s);
long sys_setuid(struct lthread *t, const struct sysargs *s);
long sys_getpgid(struct lthread *t, const struct sysargs *s);
long sys_setpgid(struct lthread *t, const struct sysargs *s);
long sys_getsid(struct lthread *t, const struct sysargs *s);
long sys_setsid(struct lthread *t, const struct sysargs *s);
long sys_prctl(struct lthread *t, const struct sysargs *s);
long sys_getrusage(struct lthread *t, const struct sysargs *s);
/* struct rusage (18 words) with these times, the rest zero. */
void rusage_fill(uint64_t ru[18], struct cpu_time c);
long sys_times(struct lthread *t, const struct sysargs *s);
long sys_sysinfo(struct lthread *t, const struct sysargs *s);
long sys_clock_getres(struct lthread *t, const struct sysargs *s);
long sys_reboot(struct lthread *t, const struct sysargs *s);
long sys_sethostname(struct lthread *t, const struct sysargs *s);
long sys_setdomainname(struct lthread *t, const struct sysargs *s);
long sys_clock_settime(struct lthread *t, const struct sysargs *s);

#endif
