/*
 * /sbin/init, PID 1: makes the console its controlling tty, runs /etc/rc,
 * then an interactive login shell, reaping orphans all along. When the
 * shell exits, it syncs and ends, which powers the machine off (root ends
 * the system with init's status). `poweroff` does the same through reboot(2).
 *
 *   init [PROGRAM ARGS...]   runs PROGRAM instead of the shell
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

static char *const login_env[] = { "HOME=/root", "PATH=/sbin:/bin:/usr/sbin:/usr/bin",
                                   "TERM=vt100", "SHELL=/bin/sh", "USER=root", 0 };

static void console(void)
{
    int fd = open("/dev/console", O_RDWR);
    if (fd < 0)
        return;
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2)
        close(fd);
    ioctl(0, TIOCSCTTY, 0);
}

/* Runs argv in its own process group in the foreground; returns its status. */
static int run(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        tcsetpgrp(0, getpid());
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        signal(SIGTSTP, SIG_DFL);
        execve(argv[0], argv, login_env);
        perror(argv[0]);
        _exit(127);
    }
    int status = 0;
    for (;;) {
        pid_t r = wait(&status);
        if (r == pid || r < 0)
            break;               /* others are orphans: reaped and forgotten */
    }
    tcsetpgrp(0, getpgrp());
    return status;
}

/* busybox's halt, poweroff and reboot signal PID 1: the system ends. */
static void shutdown_signal(int sig)
{
    (void)sig;
    kill(-1, SIGTERM);
    sync();
    _exit(0);
}

int main(int argc, char **argv)
{
    setsid();
    console();
    signal(SIGUSR1, shutdown_signal);
    signal(SIGUSR2, shutdown_signal);
    signal(SIGTERM, shutdown_signal);
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGTSTP, SIG_IGN);
    if (access("/etc/rc", R_OK) == 0) {
        char *rc[] = { "/bin/sh", "/etc/rc", 0 };
        run(rc);
    }
    int status;
    if (argc > 1) {
        status = run(argv + 1);
    } else {
        char *sh[] = { "/bin/sh", "-l", 0 };
        status = run(sh);
    }
    sync();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
