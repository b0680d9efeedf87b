/* Pipes: a writer and a reader process, EOF, PIPE_BUF atomicity, EPIPE
 * with SIGPIPE, O_NONBLOCK, and poll. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define EXPECT(c) do { if (!(c)) { printf("pipes: failed: %s (line %d, errno %d)\n", #c, __LINE__, errno); failures++; } } while (0)

static volatile int got_pipe;
static void on_pipe(int sig) { (void)sig; got_pipe = 1; }

int main(void)
{
    int p[2];
    char buf[8192];
    EXPECT(pipe(p) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        memset(buf, 'a', sizeof buf);
        for (int i = 0; i < 40; i++)               /* 320 KiB: more than the pipe holds */
            if (write(p[1], buf, sizeof buf) != sizeof buf)
                _exit(1);
        _exit(0);
    }
    close(p[1]);
    long total = 0, n;
    while ((n = read(p[0], buf, sizeof buf)) > 0)
        total += n;
    EXPECT(n == 0 && total == 40 * 8192);
    int status;
    EXPECT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(p[0]);

    /* No reader: SIGPIPE, and EPIPE once it is caught. */
    signal(SIGPIPE, on_pipe);
    EXPECT(pipe(p) == 0);
    close(p[0]);
    EXPECT(write(p[1], "x", 1) == -1 && errno == EPIPE && got_pipe);
    close(p[1]);

    /* Non-blocking: EAGAIN when empty, readable after a write, per poll. */
    EXPECT(pipe2(p, O_NONBLOCK) == 0);
    EXPECT(read(p[0], buf, 1) == -1 && errno == EAGAIN);
    struct pollfd pf = { p[0], POLLIN, 0 };
    EXPECT(poll(&pf, 1, 0) == 0);
    EXPECT(write(p[1], "hi", 2) == 2);
    EXPECT(poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN));
    EXPECT(read(p[0], buf, 10) == 2);
    close(p[1]);
    EXPECT(poll(&pf, 1, 0) == 1 && (pf.revents & POLLHUP));
    close(p[0]);

    /* A pipeline through the shell's way of doing it: dup2 and exec-less children. */
    EXPECT(pipe(p) == 0);
    if (fork() == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        printf("through the pipe\n");
        _exit(0);
    }
    close(p[1]);
    n = read(p[0], buf, sizeof buf);
    if (n != 17) printf("pipes: read %ld\n", n);
    EXPECT(n == 17 && !memcmp(buf, "through the pipe\n", 17));
    wait(0);
    printf("pipes: %s\n", failures ? "FAILED" : "ok");
    return failures;
}
