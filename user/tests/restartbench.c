/*
 * restartbench: how long a restart takes, as a client sees it. fs and
 * then blk are killed ROUNDS times each (a null dereference, by `service
 * kill`'s route); each time a one-byte write that goes through posix, fs
 * and blk waits for service to come back. Root reports, for the last
 * death, the guest instructions and nanoseconds from the fault to the
 * first request the new incarnation answered; the averages are printed
 * as `name value unit` lines for make bench.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

int main(void)
{
    int fd = open("/tmp/restartbench", O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0)
        return perror("restartbench: /tmp/restartbench"), 1;
    int bad = bench("fs", SERVICE_FS, fd) || bench("blk", SERVICE_BLK, fd);
    close(fd);
    unlink("/tmp/restartbench");
    return bad;
}
