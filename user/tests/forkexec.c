/* fork, copy-on-write, execve and wait4, checked from the program's side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

static const struct test_case cases[] = {
    { "fork_cow", fork_cow },
    { "exec_wait", exec_wait },
};

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return 42;
    self = argv[0];
    return run_cases("forkexec", cases, sizeof cases / sizeof cases[0], argc, argv);
}
