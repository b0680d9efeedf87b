/*
 * restartbench: how long a restart takes, as a client sees it. fs and
 * then blk are killed ROUNDS times each (a null dereference, by `service
 * kill`'s route); each time a one-byte write that goes through posix, fs
 * and blk waits for service to come back. Root reports, for the last
 * death, the guest instructions and nanoseconds from the fault to the
 * first request the new incarnation answered; the averages are printed
 * as `name value unit` lines for make bench.
 *
 * Then workload_under_kills: the guest time of a fixed file workload
 * (WORK_ROUNDS times: create a file, write 64 KiB, fsync, read it back and
 * check it, rename it, unlink it) with fs killed once per guest second,
 * against the same workload undisturbed; their ratio, and both times.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mica/service.h"

#define ROUNDS 10

static long service(long op, long id, long kind, struct service_status *st)
{
    return syscall(SERVICE_LINUX_SYSCALL, op, id, kind, st);
}

static int bench(const char *name, long id, int fd)
{
    unsigned long long instret = 0, ns = 0;
    for (int i = 0; i < ROUNDS; i++) {
        struct service_status st;
        while (service(ROOT_KILL, id, FAULT_SEGV, 0))
            if (errno != EAGAIN)
                return perror("restartbench: kill"), 1;
        /* Served by the new incarnation (posix, fs and blk all retry). */
        if (pwrite(fd, "x", 1, 0) != 1 || fsync(fd))
            return perror("restartbench: write"), 1;
        if (service(ROOT_STATUS, id, 0, &st) || !st.answer_instret)
            return fprintf(stderr, "restartbench: no figure for %s\n", name), 1;
        instret += st.answer_instret;
        ns += st.answer_ns;
    }
    printf("restart_%s %llu instructions\n", name, instret / ROUNDS);
    printf("restart_%s_time %llu us\n", name, ns / ROUNDS / 1000);
    return 0;
}

#define WORK_ROUNDS 1500
#define WORK_BYTES (64 * 1024)

/* One round of the workload; 0 when every call did what it should. */
static int work_round(int i)
{
    static char out[WORK_BYTES], in[WORK_BYTES];
    char name[64], done[64];
    snprintf(name, sizeof name, "/tmp/work.%d", i);
    snprintf(done, sizeof done, "/tmp/work.%d.done", i);
    for (int k = 0; k < WORK_BYTES; k++)
        out[k] = (char)(i * 7 + k * 13);
    int fd = open(name, O_CREAT | O_EXCL | O_RDWR, 0644);
    if (fd < 0)
        return perror("restartbench: create"), 1;
    int bad = write(fd, out, WORK_BYTES) != WORK_BYTES || fsync(fd) ||
              pread(fd, in, WORK_BYTES, 0) != WORK_BYTES || memcmp(in, out, WORK_BYTES);
    if (close(fd) || bad)
        return fprintf(stderr, "restartbench: %s: write, read or check fails\n", name), 1;
    if (rename(name, done) || unlink(done))
        return perror("restartbench: rename or unlink"), 1;
    return 0;
}

static unsigned long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* The workload's guest time in ns, with fs killed every guest second
 * while it runs if kills; 0 if it failed. *killed counts the kills. */
static unsigned long long workload(int kills, int *killed)
{
    /* SIGCHLD, blocked, ends the wait for the next second at once. */
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, 0);
    unsigned long long start = now_ns();
    pid_t child = fork();
    if (child == 0) {
        for (int i = 0; i < WORK_ROUNDS; i++)
            if (work_round(i))
                _exit(1);
        _exit(0);
    }
    if (child < 0)
        return perror("restartbench: fork"), 0;
    int status = 0;
    *killed = 0;
    for (;;) {
        if (kills) {
            struct timespec second = { 1, 0 };
            sigtimedwait(&chld, 0, &second);
        }
        pid_t r = waitpid(child, &status, kills ? WNOHANG : 0);
        if (r == child)
            break;
        if (r < 0)
            return perror("restartbench: wait"), 0;
        while (service(ROOT_KILL, SERVICE_FS, FAULT_SEGV, 0))
            if (errno != EAGAIN)
                return perror("restartbench: kill"), 0;
        ++*killed;
    }
    unsigned long long t = now_ns() - start;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? t : 0;
}

static int under_kills(void)
{
    int none, killed;
    unsigned long long plain = workload(0, &none), hit = workload(1, &killed);
    if (!plain || !hit)
        return fprintf(stderr, "restartbench: the workload failed\n"), 1;
    printf("workload_plain_time %llu ms\n", plain / 1000000);
    printf("workload_under_kills_time %llu ms\n", hit / 1000000);
    printf("workload_under_kills_kills %d kills\n", killed);
    printf("workload_under_kills %.3f ratio\n", (double)hit / (double)plain);
    return 0;
}

int main(void)
{
    int fd = open("/tmp/restartbench", O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0)
        return perror("restartbench: /tmp/restartbench"), 1;
    int bad = bench("fs", SERVICE_FS, fd) || bench("blk", SERVICE_BLK, fd);
    close(fd);
    unlink("/tmp/restartbench");
    return bad || under_kills();
}
