/*
 * service: what the servers are doing, and fault injection.
 *
 *   service status               name, generation, restarts, uptime, last fault
 *   service kill NAME            NAME dies of a real fault (a null dereference)
 *   service restart NAME         NAME is replaced by a new incarnation
 *   service inject NAME KIND     KIND: segv, illegal, hang, stack, corrupt
 *
 * Exit status: 0, 75 when the server is between incarnations (try again),
 * 1 on any other error, 2 on a usage error.
 *
 * A static Linux program: it asks posix by SERVICE_LINUX_SYSCALL, and posix
 * asks root, which alone can act on a server.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "mica/service.h"

static const char *const kinds[FAULT_KINDS] = {
    [FAULT_SEGV] = "segv", [FAULT_ILLEGAL] = "illegal", [FAULT_HANG] = "hang",
    [FAULT_STACK] = "stack", [FAULT_CORRUPT] = "corrupt",
};

static long service(long op, long id, long kind, struct service_status *st)
{
    return syscall(SERVICE_LINUX_SYSCALL, op, id, kind, st);
}

static int status(void)
{
    struct service_status st;
    if (service(ROOT_STATUS, SERVICE_BLK, 0, &st) == 0)
        printf("root: %llu KiB of memory unspent\n", (unsigned long long)st.free_pages * 4);
    printf("%-8s %4s %8s %10s  %s\n", "NAME", "GEN", "RESTARTS", "UPTIME", "LAST FAULT");
    for (long id = 1; id < SERVICES; id++) {
        if (id == SERVICE_INIT || service(ROOT_STATUS, id, 0, &st))
            continue;
        printf("%-8s %4u %8u %9.3fs  ", st.name, st.generation, st.restarts,
               st.uptime_ns / 1e9);
        if (!st.last_kind)
            printf("-\n");
        else
            printf("%s at pc %#llx addr %#llx, recovered in %.3f ms\n", service_death_name(st.last_kind),
                   (unsigned long long)st.last_pc, (unsigned long long)st.last_addr,
                   st.last_recovery_ns / 1e6);
    }
    return 0;
}

static long id_of(const char *name)
{
    for (long id = 1; id < SERVICES; id++) {
        struct service_status st;
        if (id != SERVICE_INIT && !service(ROOT_STATUS, id, 0, &st) && !strcmp(st.name, name))
            return id;
    }
    fprintf(stderr, "service: no server named %s\n", name);
    return -1;
}

static int kind_of(const char *name)
{
    for (int k = FAULT_SEGV; k < FAULT_KINDS; k++)
        if (!strcmp(kinds[k], name))
            return k;
    fprintf(stderr, "service: no fault kind %s (segv, illegal, hang, stack, corrupt)\n", name);
    return -1;
}

static int act(long op, const char *name, int kind)
{
    long id = id_of(name);
    if (id < 0 || kind < 0)
        return 1;
    if (service(op, id, kind, 0) == 0)
        return 0;
    if (errno == EAGAIN) {
        fprintf(stderr, "service: %s is between incarnations; try again\n", name);
        return 75;                /* EX_TEMPFAIL */
    }
    perror("service");
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "status"))
        return status();
    if (argc == 3 && !strcmp(argv[1], "kill"))
        return act(ROOT_KILL, argv[2], FAULT_SEGV);
    if (argc == 3 && !strcmp(argv[1], "restart"))
        return act(ROOT_RESTART, argv[2], 0);
    if (argc == 4 && !strcmp(argv[1], "inject"))
        return act(ROOT_KILL, argv[2], kind_of(argv[3]));
    fprintf(stderr, "usage: service status | kill NAME | restart NAME | inject NAME KIND\n");
    return 2;
}
