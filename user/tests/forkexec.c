/* fork, copy-on-write, execve and wait4, checked from the program's side. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

#define EXPECT(c) do { if (!(c)) { printf("forkexec: failed: %s (line %d)\n", #c, __LINE__); failures++; } } while (0)

static char page_data[8192] = "parent";

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return 42;
    int *heap = malloc(sizeof *heap);
    *heap = 7;
    pid_t pid = fork();
    if (pid == 0) {
        /* Writes here must not reach the parent. */
        strcpy(page_data, "child");
        *heap = 8;
        _exit(page_data[0] == 'c' && *heap == 8 ? 5 : 6);
    }
    EXPECT(pid > 0);
    int status = 0;
    EXPECT(waitpid(pid, &status, 0) == pid);
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 5);
    EXPECT(strcmp(page_data, "parent") == 0 && *heap == 7);

    pid = fork();
    if (pid == 0) {
        /* Under qemu-user on the host, exec goes through the emulator. */
        const char *via = getenv("EXEC_VIA");
        if (via)
            execl(via, via, argv[0], "child", (char *)0);
        else
            execl(argv[0], argv[0], "child", (char *)0);
        _exit(99);
    }
    EXPECT(waitpid(pid, &status, 0) == pid);
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 42);
    EXPECT(waitpid(-1, &status, WNOHANG) == -1);
    printf("forkexec: %s\n", failures ? "FAILED" : "ok");
    return failures;
}
