/* Signals: handlers with siginfo, masks, kill/raise, SIGCHLD, sigsuspend,
 * sleeping, a SIGSEGV handler that resumes, and stop/continue as wait
 * reports them. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"

static volatile sig_atomic_t got, got_code, got_chld;
static sigjmp_buf jb;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got = sig;
    got_code = si->si_code;
}

static void on_chld(int sig) { (void)sig; got_chld++; }

static void on_segv(int sig) { (void)sig; siglongjmp(jb, 1); }

static void catch_usr1(void)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    EXPECT(sigaction(SIGUSR1, &sa, 0) == 0);
    got = got_code = 0;
}

/* A child that waits to be signalled. */
static pid_t pausing_child(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            pause();
    }
    return pid;
}

static void handler_siginfo(void)
{
    catch_usr1();
    EXPECT(raise(SIGUSR1) == 0);
    EXPECT(got == SIGUSR1 && got_code == SI_TKILL);
}

/* Blocked: pending until unblocked. */
static void blocked_pending(void)
{
    catch_usr1();
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    EXPECT(sigprocmask(SIG_BLOCK, &set, &old) == 0);
    EXPECT(kill(getpid(), SIGUSR1) == 0);
    EXPECT(got == 0);
    sigset_t pend;
    EXPECT(sigpending(&pend) == 0 && sigismember(&pend, SIGUSR1));
    EXPECT(sigprocmask(SIG_SETMASK, &old, 0) == 0);
    EXPECT(got == SIGUSR1 && got_code == SI_USER);
}

/* SIGCHLD from a child's exit, waited for with sigsuspend. */
static void sigchld_sigsuspend(void)
{
    got_chld = 0;
    signal(SIGCHLD, on_chld);
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    sigset_t none;
    sigemptyset(&none);
    while (!got_chld)
        sigsuspend(&none);
    EXPECT(got_chld == 1);
    EXPECT(waitpid(pid, 0, 0) == pid);
    sigprocmask(SIG_SETMASK, &old, 0);
}

/* A child killed by a signal, as wait reports it. */
static void killed_child_status(void)
{
    pid_t pid = pausing_child();
    EXPECT(kill(pid, SIGTERM) == 0);
    int status;
    EXPECT(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
}

static void nanosleep_case(void)
{
    struct timespec t0, t1, req = { 0, 20 * 1000 * 1000 };
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EXPECT(nanosleep(&req, 0) == 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    EXPECT(ms >= 20);
}

/* A SIGSEGV handler that jumps out. */
static void segv_handler(void)
{
    signal(SIGSEGV, on_segv);
    if (sigsetjmp(jb, 1) == 0) {
        volatile int *volatile bad = (int *)8;
        *bad = 1;
        EXPECT(!"survived a store to address 8");
    }
}

/* sigtimedwait: a pending blocked signal is taken; none times out. */
static void sigtimedwait_case(void)
{
    sigset_t w;
    sigemptyset(&w);
    sigaddset(&w, SIGUSR2);
    sigprocmask(SIG_BLOCK, &w, 0);
    kill(getpid(), SIGUSR2);
    siginfo_t si;
    EXPECT(sigtimedwait(&w, &si, 0) == SIGUSR2 && si.si_signo == SIGUSR2);
    struct timespec short_wait = { 0, 10 * 1000 * 1000 };
    EXPECT(sigtimedwait(&w, &si, &short_wait) == -1 && errno == EAGAIN);
}

/* A signal whose default is to be ignored (SIGCHLD) stays pending while it
 * is blocked: sigpending shows it and sigtimedwait takes it, whether it came
 * before the wait or during it. Unblocked with the default action, it goes. */
static void blocked_ignored_kept(void)
{
    sigset_t w, pend;
    sigemptyset(&w);
    sigaddset(&w, SIGCHLD);
    sigprocmask(SIG_BLOCK, &w, 0);
    signal(SIGCHLD, SIG_DFL);
    pid_t c = fork();
    if (c == 0)
        _exit(0);
    waitpid(c, 0, 0);                  /* the SIGCHLD came before the wait */
    EXPECT(sigpending(&pend) == 0 && sigismember(&pend, SIGCHLD));
    siginfo_t si;
    struct timespec second = { 1, 0 };
    EXPECT(sigtimedwait(&w, &si, &second) == SIGCHLD && si.si_pid == c);
    c = fork();
    if (c == 0) {
        usleep(20000);
        _exit(3);
    }
    EXPECT(sigtimedwait(&w, &si, &second) == SIGCHLD && si.si_pid == c &&
           si.si_code == CLD_EXITED && si.si_status == 3);
    waitpid(c, 0, 0);
    kill(getpid(), SIGCHLD);
    sigprocmask(SIG_UNBLOCK, &w, 0);   /* delivered, and ignored */
    EXPECT(sigpending(&pend) == 0 && !sigismember(&pend, SIGCHLD));
}

/* Stop and continue: waitpid's WUNTRACED and WCONTINUED, and SIGKILL
 * ending a stopped child. */
static void stop_continue(void)
{
    int status;
    pid_t pid = pausing_child();
    EXPECT(kill(pid, SIGSTOP) == 0);
    EXPECT(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP);
    EXPECT(waitpid(pid, &status, WUNTRACED | WNOHANG) == 0);
    EXPECT(kill(pid, SIGCONT) == 0);
    EXPECT(waitpid(pid, &status, WCONTINUED) == pid && WIFCONTINUED(status));
    EXPECT(kill(pid, SIGSTOP) == 0);
    EXPECT(waitpid(pid, &status, WUNTRACED) == pid && WIFSTOPPED(status));
    EXPECT(kill(pid, SIGKILL) == 0);
    EXPECT(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* waitid: siginfo for exit, stop and continue; WNOWAIT leaves the child
 * to be waited for again; WNOHANG with nothing to report zeroes si_pid. */
static void waitid_case(void)
{
    pid_t pid = pausing_child();
    siginfo_t wi;
    memset(&wi, 0xff, sizeof wi);
    EXPECT(waitid(P_PID, pid, &wi, WEXITED | WNOHANG) == 0 && wi.si_pid == 0);
    EXPECT(kill(pid, SIGSTOP) == 0);
    EXPECT(waitid(P_PID, pid, &wi, WSTOPPED) == 0 && wi.si_signo == SIGCHLD &&
           wi.si_code == CLD_STOPPED && wi.si_status == SIGSTOP && wi.si_pid == pid);
    EXPECT(kill(pid, SIGCONT) == 0);
    EXPECT(waitid(P_ALL, 0, &wi, WCONTINUED) == 0 && wi.si_code == CLD_CONTINUED);
    EXPECT(kill(pid, SIGTERM) == 0);
    EXPECT(waitid(P_PGID, 0, &wi, WEXITED | WNOWAIT) == 0 && wi.si_code == CLD_KILLED &&
           wi.si_status == SIGTERM);
    EXPECT(waitid(P_PID, pid, &wi, WEXITED) == 0 && wi.si_pid == pid);
    EXPECT(waitid(P_ALL, 0, &wi, WEXITED) == -1 && errno == ECHILD);
    EXPECT(waitid(P_ALL, 0, &wi, 0) == -1 && errno == EINVAL);
}

/* waitpid(0): any child in the caller's process group. */
static void waitpid_group(void)
{
    int status;
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    EXPECT(waitpid(0, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7);
}

/* sigqueue: the value reaches the handler with SI_QUEUE; another process
 * may not forge a kernel code. */
static volatile int queued_value;

static void on_queued(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got = sig;
    got_code = si->si_code;
    queued_value = si->si_value.sival_int;
}

static void sigqueue_value(void)
{
    struct sigaction sa = { 0 };
    sa.sa_sigaction = on_queued;
    sa.sa_flags = SA_SIGINFO;
    EXPECT(sigaction(SIGRTMIN, &sa, 0) == 0);
    got = got_code = queued_value = 0;
    EXPECT(sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = 4242 }) == 0);
    EXPECT(got == SIGRTMIN && got_code == SI_QUEUE && queued_value == 4242);
    pid_t pid = fork();
    if (pid == 0) {
        siginfo_t si = { .si_signo = SIGRTMIN, .si_code = SI_USER };
        long r = syscall(SYS_rt_sigqueueinfo, getppid(), SIGRTMIN, &si);
        _exit(r == -1 && errno == EPERM ? 0 : 1);
    }
    int status;
    EXPECT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT(sigqueue(getpid(), NSIG + 1, (union sigval){ 0 }) == -1 && errno == EINVAL);
    signal(SIGRTMIN, SIG_DFL);
}

/* A child forked inside a handler returns from it (through the signal
 * trampoline) like its parent. */
static volatile pid_t forked;

static void on_usr2_fork(int sig)
{
    (void)sig;
    forked = fork();
}

/* SIGUSR2, not blocked (an earlier case may have left it so). */
static void usr2_unblocked(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_UNBLOCK, &set, 0);
}

static void fork_in_handler(void)
{
    usr2_unblocked();
    signal(SIGUSR2, on_usr2_fork);
    forked = -1;
    EXPECT(raise(SIGUSR2) == 0);
    if (forked == 0)
        _exit(42);                   /* the child, back from its handler */
    int status = 0;
    EXPECT(forked > 0 && waitpid(forked, &status, 0) == forked);
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 42);
    signal(SIGUSR2, SIG_DFL);
}

/* On the alternate stack, sigaltstack says SS_ONSTACK and refuses changes. */
static char altstack[16384];
static volatile int alt_flags, alt_change, alt_on;

static void on_alt(int sig)
{
    (void)sig;
    stack_t ss, other = { .ss_sp = altstack, .ss_size = sizeof altstack };
    char here;
    alt_on = &here >= altstack && &here < altstack + sizeof altstack;
    alt_flags = sigaltstack(0, &ss) == 0 ? ss.ss_flags : -1;
    alt_change = sigaltstack(&other, 0) == -1 ? errno : 0;
}

static void altstack_onstack(void)
{
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack }, old;
    EXPECT(sigaltstack(&ss, 0) == 0);
    usr2_unblocked();
    struct sigaction sa = { .sa_handler = on_alt, .sa_flags = SA_ONSTACK };
    EXPECT(sigaction(SIGUSR2, &sa, 0) == 0);
    EXPECT(raise(SIGUSR2) == 0);
    EXPECT(alt_on && alt_flags == SS_ONSTACK && alt_change == EPERM);
    EXPECT(sigaltstack(0, &old) == 0 && old.ss_flags == 0 && old.ss_size == sizeof altstack);
    ss.ss_size = MINSIGSTKSZ - 1;
    EXPECT(sigaltstack(&ss, 0) == -1 && errno == ENOMEM);
    ss.ss_size = sizeof altstack;
    ss.ss_flags = 12345;
    EXPECT(sigaltstack(&ss, 0) == -1 && errno == EINVAL);
    ss.ss_flags = SS_DISABLE;
    EXPECT(sigaltstack(&ss, 0) == 0 && sigaltstack(0, &old) == 0 && old.ss_flags == SS_DISABLE);
    signal(SIGUSR2, SIG_DFL);
}

/* The frame's ucontext as Linux fills it: uc_stack says SS_DISABLE with no
 * alternate stack, uc_sigmask is the mask the handler interrupted, and
 * sigreturn takes back a mask the handler changed there (as thread
 * cancellation does). */
static volatile int uc_flags, uc_had_usr2;

static void on_uc(int sig, siginfo_t *si, void *p)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = p;
    uc_flags = uc->uc_stack.ss_flags;
    uc_had_usr2 = sigismember(&uc->uc_sigmask, SIGUSR2);
    sigaddset(&uc->uc_sigmask, SIGUSR2);
}

static void frame_ucontext(void)
{
    stack_t none = { .ss_flags = SS_DISABLE };
    EXPECT(sigaltstack(&none, 0) == 0);
    usr2_unblocked();
    struct sigaction sa = { .sa_sigaction = on_uc, .sa_flags = SA_SIGINFO };
    EXPECT(sigaction(SIGUSR1, &sa, 0) == 0);
    EXPECT(raise(SIGUSR1) == 0);
    EXPECT(uc_flags == SS_DISABLE && uc_had_usr2 == 0);
    sigset_t now;
    EXPECT(sigprocmask(SIG_SETMASK, 0, &now) == 0 && sigismember(&now, SIGUSR2) == 1);
    usr2_unblocked();
    signal(SIGUSR1, SIG_DFL);
}

/* Real-time signals queue, each with its value, in order; a standard
 * signal sent twice while blocked comes once. */
static volatile int rt_values[8], rt_count, usr1_count;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    if (rt_count < 8)
        rt_values[rt_count] = si->si_value.sival_int;
    rt_count++;
}

static void on_usr1_count(int sig) { (void)sig; usr1_count++; }

static void rt_queue(void)
{
    struct sigaction sa = { .sa_sigaction = on_rt, .sa_flags = SA_SIGINFO };
    EXPECT(sigaction(SIGRTMIN + 2, &sa, 0) == 0);
    signal(SIGUSR1, on_usr1_count);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 2);
    sigaddset(&set, SIGUSR1);
    EXPECT(sigprocmask(SIG_BLOCK, &set, &old) == 0);
    rt_count = usr1_count = 0;
    for (int i = 1; i <= 3; i++)
        EXPECT(sigqueue(getpid(), SIGRTMIN + 2, (union sigval){ .sival_int = i * 10 }) == 0);
    EXPECT(kill(getpid(), SIGUSR1) == 0 && kill(getpid(), SIGUSR1) == 0);
    EXPECT(rt_count == 0);
    EXPECT(sigprocmask(SIG_SETMASK, &old, 0) == 0);
    EXPECT(rt_count == 3 && rt_values[0] == 10 && rt_values[1] == 20 && rt_values[2] == 30);
    EXPECT(usr1_count == 1);
    /* sigtimedwait takes them one by one too. */
    sigdelset(&set, SIGUSR1);
    EXPECT(sigprocmask(SIG_BLOCK, &set, 0) == 0);
    for (int i = 1; i <= 2; i++)
        EXPECT(sigqueue(getpid(), SIGRTMIN + 2, (union sigval){ .sival_int = i }) == 0);
    siginfo_t si;
    struct timespec ts = { 1, 0 };
    EXPECT(sigtimedwait(&set, &si, &ts) == SIGRTMIN + 2 && si.si_value.sival_int == 1);
    EXPECT(sigtimedwait(&set, &si, &ts) == SIGRTMIN + 2 && si.si_value.sival_int == 2);
    ts.tv_sec = 0;
    ts.tv_nsec = 1000;
    EXPECT(sigtimedwait(&set, &si, &ts) == -1 && errno == EAGAIN);
    EXPECT(sigprocmask(SIG_SETMASK, &old, 0) == 0);
    signal(SIGRTMIN + 2, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
}

static const struct test_case cases[] = {
    { "handler_siginfo", handler_siginfo },
    { "blocked_pending", blocked_pending },
    { "sigchld_sigsuspend", sigchld_sigsuspend },
    { "killed_child_status", killed_child_status },
    { "nanosleep", nanosleep_case },
    { "segv_handler", segv_handler },
    { "sigtimedwait", sigtimedwait_case },
    { "blocked_ignored_kept", blocked_ignored_kept },
    { "stop_continue", stop_continue },
    { "waitid", waitid_case },
    { "waitpid_group", waitpid_group },
    { "sigqueue", sigqueue_value },
    { "fork_in_handler", fork_in_handler },
    { "altstack_onstack", altstack_onstack },
    { "frame_ucontext", frame_ucontext },
    { "rt_queue", rt_queue },
};

int main(int argc, char **argv)
{
    return run_cases("signals", cases, sizeof cases / sizeof cases[0], argc, argv);
}
