/* Waiting for descriptors: pselect6 (select) over pipes, files and the
 * tty, and eventfd. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void select_pipe(void)
{
    int p[2];
    EXPECT(pipe(p) == 0);
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(p[1], &w);
    /* Empty: only the write end is ready. */
    struct timeval tv = { 0, 0 };
    EXPECT(select(p[1] + 1, &r, &w, 0, &tv) == 1 && !FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
    EXPECT(write(p[1], "x", 1) == 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    EXPECT(select(p[0] + 1, &r, 0, 0, &tv) == 1 && FD_ISSET(p[0], &r));
    char c;
    EXPECT(read(p[0], &c, 1) == 1);
    /* A timeout: 0 and the set cleared. */
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv = (struct timeval){ 0, 50000 };
    double t0 = now();
    EXPECT(select(p[0] + 1, &r, 0, 0, &tv) == 0 && !FD_ISSET(p[0], &r));
    EXPECT(now() - t0 >= 0.045);
    /* A child writes while the parent waits. */
    pid_t pid = fork();
    if (pid == 0) {
        usleep(30000);
        _exit(write(p[1], "y", 1) == 1 ? 0 : 1);
    }
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    EXPECT(select(p[0] + 1, &r, 0, 0, 0) == 1 && FD_ISSET(p[0], &r));
    int status;
    EXPECT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* The writer gone: end of file is readable. */
    EXPECT(read(p[0], &c, 1) == 1 && c == 'y');
    close(p[1]);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    EXPECT(select(p[0] + 1, &r, 0, 0, 0) == 1 && FD_ISSET(p[0], &r));
    close(p[0]);
}

static void select_files_tty_and_errors(void)
{
    mkdir("/tmp", 0777);
    int fd = open("/tmp/events-file", O_CREAT | O_RDWR | O_TRUNC, 0644);
    EXPECT(fd >= 0);
    fd_set r, w, e;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(fd, &r);
    FD_SET(fd, &w);
    FD_SET(fd, &e);
    FD_SET(1, &w);               /* stdout, the tty (or a pipe on the host) */
    EXPECT(select(fd + 1, &r, &w, &e, 0) == 3 && FD_ISSET(fd, &r) && FD_ISSET(fd, &w) &&
           FD_ISSET(1, &w) && !FD_ISSET(fd, &e));
    close(fd);
    unlink("/tmp/events-file");
    FD_ZERO(&r);
    FD_SET(fd, &r);              /* closed now */
    errno = 0;
    EXPECT(select(fd + 1, &r, 0, 0, 0) == -1 && errno == EBADF);
    errno = 0;
    EXPECT(select(-1, 0, 0, 0, 0) == -1 && errno == EINVAL);
    struct timeval bad = { 0, -1 };
    errno = 0;
    EXPECT(select(0, 0, 0, 0, &bad) == -1 && errno == EINVAL);
}

static void on_alarm(int sig)
{
    (void)sig;
}

/* pselect with a mask: a blocked signal wakes it only where unblocked. */
static void pselect_signal(void)
{
    struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
    EXPECT(sigaction(SIGALRM, &sa, 0) == 0);
    sigset_t block, none;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigemptyset(&none);
    EXPECT(sigprocmask(SIG_BLOCK, &block, 0) == 0);
    int p[2];
    EXPECT(pipe(p) == 0);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    alarm(1);
    errno = 0;
    /* Interrupted even with SA_RESTART, as on Linux. */
    EXPECT(pselect(p[0] + 1, &r, 0, 0, 0, &none) == -1 && errno == EINTR);
    sigset_t now_mask;
    EXPECT(sigprocmask(SIG_SETMASK, 0, &now_mask) == 0 && sigismember(&now_mask, SIGALRM));
    EXPECT(sigprocmask(SIG_UNBLOCK, &block, 0) == 0);
    signal(SIGALRM, SIG_DFL);
    close(p[0]);
    close(p[1]);
}

static void eventfd_counter(void)
{
    int fd = eventfd(3, EFD_NONBLOCK);
    EXPECT(fd >= 0);
    uint64_t v = 0;
    EXPECT(read(fd, &v, 8) == 8 && v == 3);
    errno = 0;
    EXPECT(read(fd, &v, 8) == -1 && errno == EAGAIN);
    v = 5;
    EXPECT(write(fd, &v, 8) == 8 && write(fd, &v, 8) == 8);
    EXPECT(read(fd, &v, 8) == 8 && v == 10);
    errno = 0;
    EXPECT(read(fd, &v, 4) == -1 && errno == EINVAL);
    v = ~0ull;
    errno = 0;
    EXPECT(write(fd, &v, 8) == -1 && errno == EINVAL);
    v = 0xfffffffffffffffeull;
    EXPECT(write(fd, &v, 8) == 8);
    v = 1;
    errno = 0;
    EXPECT(write(fd, &v, 8) == -1 && errno == EAGAIN);    /* would pass the maximum */
    struct pollfd pf = { fd, POLLIN | POLLOUT, 0 };
    EXPECT(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN);
    EXPECT(lseek(fd, 0, SEEK_SET) == 0);      /* Linux's noop_llseek */
    close(fd);
    fd = eventfd(2, EFD_SEMAPHORE | EFD_CLOEXEC);
    EXPECT(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC);
    EXPECT(read(fd, &v, 8) == 8 && v == 1 && read(fd, &v, 8) == 8 && v == 1);
    pf = (struct pollfd){ fd, POLLIN, 0 };
    EXPECT(poll(&pf, 1, 0) == 0);
    close(fd);
    errno = 0;
    EXPECT(eventfd(0, 0x40) == -1 && errno == EINVAL);
}

/* A blocking read waits for another process's write; select sees it. */
static void eventfd_wait(void)
{
    int fd = eventfd(0, 0);
    EXPECT(fd >= 0);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(30000);
        uint64_t v = 7;
        _exit(write(fd, &v, 8) == 8 ? 0 : 1);
    }
    uint64_t v = 0;
    EXPECT(read(fd, &v, 8) == 8 && v == 7);
    int status;
    EXPECT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    pid = fork();
    if (pid == 0) {
        usleep(30000);
        uint64_t one = 1;
        _exit(write(fd, &one, 8) == 8 ? 0 : 1);
    }
    fd_set r;
    FD_ZERO(&r);
    FD_SET(fd, &r);
    EXPECT(select(fd + 1, &r, 0, 0, 0) == 1 && FD_ISSET(fd, &r));
    EXPECT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT(read(fd, &v, 8) == 8 && v == 1);
    close(fd);
}

static const struct test_case cases[] = {
    { "select_pipe", select_pipe },
    { "select_files_tty_and_errors", select_files_tty_and_errors },
    { "pselect_signal", pselect_signal },
    { "eventfd_counter", eventfd_counter },
    { "eventfd_wait", eventfd_wait },
};

int main(int argc, char **argv)
{
    return run_cases("events", cases, sizeof cases / sizeof cases[0], argc, argv);
}
