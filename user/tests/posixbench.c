/*
 * posixbench: the POSIX personality's benchmarks, in guest instructions per
 * operation (rdinstret; run under QEMU with -icount shift=0). The same
 * binary runs on Linux (../shared/linux/run.sh) for the comparison.
 */
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* One byte each way between two processes through two pipes. */
static void pipe_pingpong(void)
{
    int there[2], back[2], rounds = 2000;
    char c = 'x';
    if (pipe(there) || pipe(back))
        return;
    pid_t p = fork();
    if (p == 0) {
        close(there[1]);         /* so that the parent's close ends the loop */
        while (read(there[0], &c, 1) == 1 && write(back[1], &c, 1) == 1)
            ;
        _exit(0);
    }
    uint64_t t0 = instret();
    for (int i = 0; i < rounds; i++) {
        write(there[1], &c, 1);
        read(back[0], &c, 1);
    }
    report("posix_pipe_pingpong", instret() - t0, rounds);
    close(there[1]);
    waitpid(p, 0, 0);
    close(there[0]);
    close(back[0]);
    close(back[1]);
}

/* The file benchmarks need the disk: they are skipped without it. */
static void open_close(const char *path)
{
    close(open(path, O_CREAT | O_WRONLY, 0644));
    uint64_t t0 = instret();
    for (int i = 0; i < 1000; i++)
        close(open(path, O_RDONLY));
    report("posix_open_close", instret() - t0, 1000);
}

static void stat_deep(void)
{
    const char *dirs[] = { "/tmp/pb", "/tmp/pb/a", "/tmp/pb/a/b", "/tmp/pb/a/b/c" };
    for (int i = 0; i < 4; i++)
        mkdir(dirs[i], 0755);
    close(open("/tmp/pb/a/b/c/f", O_CREAT | O_WRONLY, 0644));
    struct stat st;
    uint64_t t0 = instret();
    for (int i = 0; i < 1000; i++)
        stat("/tmp/pb/a/b/c/f", &st);
    report("posix_stat", instret() - t0, 1000);
}

/* 16 MiB in 64 KiB pieces, with fsync; then read back (cached). */
static void file_16m(const char *path)
{
    enum { PIECE = 64 << 10, TOTAL = 16 << 20 };
    char *buf = malloc(PIECE);
    if (!buf)
        return;
    memset(buf, 'm', PIECE);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    uint64_t t0 = instret();
    for (int done = 0; done < TOTAL; done += PIECE)
        write(fd, buf, PIECE);
    fsync(fd);
    report("posix_file_write_16M", instret() - t0, TOTAL >> 10);
    close(fd);
    fd = open(path, O_RDONLY);
    t0 = instret();
    while (read(fd, buf, PIECE) > 0)
        ;
    report("posix_file_read_16M", instret() - t0, TOTAL >> 10);
    close(fd);
    unlink(path);
    free(buf);
}

/* A shell loop running /bin/true 1000 times: fork and exec from sh. */
static void sh_script(void)
{
    uint64_t t0 = instret();
    pid_t p = fork();
    if (p == 0) {
        execl("/bin/sh", "sh", "-c",
              "i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done", (char *)0);
        _exit(127);
    }
    int status;
    waitpid(p, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        report("sh_script_1000_forks", instret() - t0, 1);
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
    pipe_pingpong();
    if (access("/tmp", W_OK) == 0) {
        open_close("/tmp/pb-open");
        stat_deep();
        file_16m("/tmp/pb-16m");
        if (access("/bin/sh", X_OK) == 0)
            sh_script();
    } else {
        printf("posixbench: no writable /tmp: file benchmarks skipped\n");
    }
    printf("posixbench: done\n");
    return 0;
}
