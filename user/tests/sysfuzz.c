/*
 * sysfuzz: random Linux system calls with random arguments, from several
 * processes and threads, seeded and reproducible (the seed is printed).
 * The fuzzing processes may die of signals; posix and the kernel must stay
 * up, and init (this program's parent side) reaps them, kills any that
 * hang past a deadline, and checks at the end that it can still fork and
 * run a program.
 *
 *   sysfuzz SEED CALLS
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WORKERS 4
#define CHUNK 5000
#define THREADS 2

static uint64_t rng;
static volatile uint64_t *counter;     /* shared with the workers */

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t arg(void)
{
    static char scratch[4096];
    switch (next() % 8) {
    case 0: return 0;
    case 1: return next() % 64;
    case 2: return (uint64_t)-1;
    case 3: return (uint64_t)scratch + next() % 4000;         /* valid memory */
    case 4: return 0xffffffc000000000ull + next() % 4096;     /* kernel address */
    case 5: return 0x10000000ull * (next() % 64);              /* likely unmapped */
    case 6: return next() & 0xffffffff;
    default: return next();
    }
}

/* Calls that would end the worker or hang it where a signal cannot help. */
static int skipped(long nr)
{
    return nr == SYS_exit || nr == SYS_exit_group || nr == SYS_clone || nr == SYS_execve ||
           nr == SYS_clone3 || nr == SYS_kill || nr == SYS_tkill || nr == SYS_tgkill ||
           nr == SYS_rt_sigreturn || nr == SYS_setitimer;
}

static void fuzz(int n)
{
    for (int i = 0; i < n; i++) {
        long nr = (long)(next() % 300);
        if (skipped(nr))
            continue;
        syscall(nr, arg(), arg(), arg(), arg(), arg(), arg());
        __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
    }
}

static void *thread_main(void *arg)
{
    fuzz((int)(long)arg);
    return 0;
}

static void worker(uint64_t seed)
{
    rng = seed | 1;
    /* A watchdog the fuzzed calls cannot disarm easily. */
    alarm(5);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], 0, thread_main, (void *)(long)(CHUNK / (THREADS + 1)));
    fuzz(CHUNK / (THREADS + 1));
    _exit(0);
}

int main(int argc, char **argv)
{
    /* Unbuffered: the workers must not inherit (and flush) our output. */
    setvbuf(stdout, 0, _IONBF, 0);
    uint64_t seed = argc > 1 ? strtoull(argv[1], 0, 0) : (uint64_t)time(0);
    long calls = argc > 2 ? atol(argv[2]) : 100000;
    printf("sysfuzz: seed %llu, %ld calls\n", (unsigned long long)seed, calls);
    counter = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counter == MAP_FAILED)
        return 2;
    int started = 0, died = 0;
    while ((long)*counter < calls) {
        pid_t pids[WORKERS];
        for (int w = 0; w < WORKERS; w++) {
            uint64_t s = seed * 1000003 + (uint64_t)started++;
            if ((pids[w] = fork()) == 0)
                worker(s);
        }
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += 20;
        for (int w = 0; w < WORKERS; w++) {
            int status;
            for (;;) {
                pid_t r = waitpid(pids[w], &status, WNOHANG);
                if (r == pids[w])
                    break;
                struct timespec now;
                clock_gettime(CLOCK_MONOTONIC, &now);
                if (now.tv_sec > deadline.tv_sec)
                    kill(pids[w], SIGKILL);
                usleep(10000);
            }
            died += WIFSIGNALED(status);
        }
    }
    /* The system still works: a new process runs and exits. */
    pid_t p = fork();
    if (p == 0)
        _exit(7);
    int status = 0;
    waitpid(p, &status, 0);
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 7;
    printf("\nsysfuzz: %ld calls from %d processes (%d killed by signals), %s\n",
           (long)*counter, started, died, ok ? "system still up" : "FAILED");
    return ok ? 0 : 1;
}
