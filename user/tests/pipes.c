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

#include "cases.h"

static volatile int got_pipe;
static void on_pipe(int sig) { (void)sig; got_pipe = 1; }

/* A child writes more than the pipe holds; the parent reads all to EOF. */
static void writer_reader_eof(void)
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
}

/* No reader: SIGPIPE, and EPIPE once it is caught. */
static void sigpipe_epipe(void)
{
    int p[2];
    got_pipe = 0;
    signal(SIGPIPE, on_pipe);
    EXPECT(pipe(p) == 0);
    close(p[0]);
    EXPECT(write(p[1], "x", 1) == -1 && errno == EPIPE && got_pipe);
    close(p[1]);
}

/* Non-blocking: EAGAIN when empty, readable after a write, per poll. */
static void nonblock_poll(void)
{
    int p[2];
    char buf[16];
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
}

/* A pipeline through the shell's way of doing it: dup2 and exec-less children. */
static void dup2_pipeline(void)
{
    int p[2];
    char buf[8192];
    EXPECT(pipe(p) == 0);
    if (fork() == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        printf("through the pipe\n");
        _exit(0);
    }
    close(p[1]);
    long n = read(p[0], buf, sizeof buf);
    if (n != 17) printf("pipes: read %ld\n", n);
    EXPECT(n == 17 && !memcmp(buf, "through the pipe\n", 17));
    close(p[0]);
    wait(0);
}

static const struct test_case cases[] = {
    { "writer_reader_eof", writer_reader_eof },
    { "sigpipe_epipe", sigpipe_epipe },
    { "nonblock_poll", nonblock_poll },
    { "dup2_pipeline", dup2_pipeline },
};

int main(int argc, char **argv)
{
    return run_cases("pipes", cases, sizeof cases / sizeof cases[0], argc, argv);
}
