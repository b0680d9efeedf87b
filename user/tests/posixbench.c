/*
 * posixbench: the POSIX personality's benchmarks, in guest instructions per
 * operation (rdinstret; run under QEMU with -icount shift=0). The same
 * binary runs on Linux (../shared/linux/run.sh) for the comparison.
 */
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t instret(void)
{
    uint64_t v;
    __asm__ volatile("rdinstret %0" : "=r"(v));
    return v;
}

static void report(const char *name, uint64_t total, uint64_t ops)
{
    printf("%s %llu instructions\n", name, (unsigned long long)(total / ops));
}

static void null_syscall(void)
{
    for (int i = 0; i < 100; i++)
        getppid();
    uint64_t t0 = instret();
    for (int i = 0; i < 10000; i++)
        syscall(SYS_getppid);
    report("posix_null_syscall", instret() - t0, 10000);
}

static void fork_exit_wait(void)
{
    uint64_t t0 = instret();
    for (int i = 0; i < 100; i++) {
        pid_t p = fork();
        if (p == 0)
            _exit(0);
        waitpid(p, 0, 0);
    }
    report("posix_fork_exit_wait", instret() - t0, 100);
}

static void fork_exec_wait(const char *self)
{
    uint64_t t0 = instret();
    for (int i = 0; i < 50; i++) {
        pid_t p = fork();
        if (p == 0) {
            execl(self, self, "exit", (char *)0);
            _exit(127);
        }
        waitpid(p, 0, 0);
    }
    report("posix_execve_static", instret() - t0, 50);
}

static volatile int word;

static void futex_op(int op, int val)
{
    syscall(SYS_futex, &word, op | FUTEX_PRIVATE_FLAG, val, 0, 0, 0);
}

/* Two threads hand a token back and forth through one futex word. */
static void *ponger(void *arg)
{
    int rounds = (int)(long)arg;
    for (int i = 0; i < rounds; i++) {
        while (__atomic_load_n(&word, __ATOMIC_ACQUIRE) != 1)
            futex_op(FUTEX_WAIT, 0);
        __atomic_store_n(&word, 0, __ATOMIC_RELEASE);
        futex_op(FUTEX_WAKE, 1);
    }
    return 0;
}

static void futex_pingpong(void)
{
    int rounds = 2000;
    pthread_t t;
    pthread_create(&t, 0, ponger, (void *)(long)rounds);
    uint64_t t0 = instret();
    for (int i = 0; i < rounds; i++) {
        __atomic_store_n(&word, 1, __ATOMIC_RELEASE);
        futex_op(FUTEX_WAKE, 1);
        while (__atomic_load_n(&word, __ATOMIC_ACQUIRE) != 0)
            futex_op(FUTEX_WAIT, 1);
    }
    report("posix_futex_pingpong", instret() - t0, rounds);
    pthread_join(t, 0);
}

static volatile int caught;
static void handler(int sig) { (void)sig; caught++; }

static void signal_roundtrip(void)
{
    signal(SIGUSR1, handler);
    uint64_t t0 = instret();
    for (int i = 0; i < 1000; i++)
        kill(getpid(), SIGUSR1);
    report("posix_signal_roundtrip", instret() - t0, 1000);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return 0;                /* the exec benchmark's child */
    null_syscall();
    fork_exit_wait();
    fork_exec_wait(argv[0]);
    futex_pingpong();
    signal_roundtrip();
    printf("posixbench: done\n");
    return 0;
}
