/* fork, copy-on-write, execve and wait4, checked from the program's side. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"

static char page_data[8192] = "parent";
static const char *self;         /* argv[0], for exec_wait to run again */

/* The child's writes to data and heap must not reach the parent. */
static void fork_cow(void)
{
    int *heap = malloc(sizeof *heap);
    *heap = 7;
    pid_t pid = fork();
    if (pid == 0) {
        strcpy(page_data, "child");
        *heap = 8;
        _exit(page_data[0] == 'c' && *heap == 8 ? 5 : 6);
    }
    EXPECT(pid > 0);
    int status = 0;
    EXPECT(waitpid(pid, &status, 0) == pid);
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 5);
    EXPECT(strcmp(page_data, "parent") == 0 && *heap == 7);
    free(heap);
}

/* A child execs this program as "child", whose exit status comes back. */
static void exec_wait(void)
{
    int status = 0;
    pid_t pid = fork();
    if (pid == 0) {
        /* Under qemu-user on the host, exec goes through the emulator. */
        const char *via = getenv("EXEC_VIA");
        if (via)
            execl(via, via, self, "child", (char *)0);
        else
            execl(self, self, "child", (char *)0);
        _exit(99);
    }
    EXPECT(waitpid(pid, &status, 0) == pid);
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 42);
    EXPECT(waitpid(-1, &status, WNOHANG) == -1);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int vfork_child(void *arg)
{
    static const struct timespec pause = { 0, 200000000 };
    nanosleep(&pause, 0);
    if (arg) {
        const char *via = getenv("EXEC_VIA");
        if (via)
            execl(via, via, self, "child", (char *)0);
        else
            execl(self, self, "child", (char *)0);
        _exit(99);
    }
    return 3;
}

/* vfork's caller waits until the child execs or exits. musl's vfork() is
 * a plain fork on riscv64, so the call is made as posix_spawn makes it:
 * clone with CLONE_VM | CLONE_VFORK and a stack of the child's own. */
static void vfork_waits(void)
{
    static char stack[64 * 1024] __attribute__((aligned(16)));
    /* qemu-user (EXEC_VIA set) makes CLONE_VFORK a fork that does not wait. */
    int qemu_user = getenv("EXEC_VIA") != 0;
    for (int exec = 0; exec < 2; exec++) {
        double t0 = now();
        pid_t pid = clone(vfork_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD,
                          exec ? (void *)1 : 0);
        EXPECT(pid > 0 && (qemu_user || now() - t0 >= 0.19));
        int status = 0;
        EXPECT(waitpid(pid, &status, 0) == pid);
        EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == (exec ? 42 : 3));
    }
}

static const struct test_case cases[] = {
    { "fork_cow", fork_cow },
    { "exec_wait", exec_wait },
    { "vfork_waits", vfork_waits },
};

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return 42;
    self = argv[0];
    return run_cases("forkexec", cases, sizeof cases / sizeof cases[0], argc, argv);
}
