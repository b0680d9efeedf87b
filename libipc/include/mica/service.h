/*
 * What every server started by root finds in its capability space, and
 * root's own protocol. The rest of a server's slots are declared in root's
 * table of server rights (servers/root/table.c) and in the server's
 * protocol header.
 *
 *   ROOT_ANNOUNCE     w0 = service id      a server is (again) ready to serve
 *   ROOT_INIT_EXITED  w0 = exit status     posix: init (pid 1) has ended
 *   ROOT_STATUS       w0 = service id      -> mr[4..]: struct service_status
 *   ROOT_KILL         w0 = id, w1 = kind   the server dies of an injected fault
 *   ROOT_RESTART      w0 = id              the server is replaced (a kill, then restart)
 *
 * Only posix may send ROOT_STATUS, ROOT_KILL and ROOT_RESTART (for the
 * `service` program); root checks the badge.
 *
 * Root also sends SERVICE_PING to every server it runs, without waiting
 * (mica_nbsend): a server that neither waits for requests nor handles
 * any (service_state.progress) while it keeps running in user mode is
 * hung (the heartbeat; see servers/root).
 *
 * Each server has a state frame that root keeps across its incarnations,
 * mapped at SERVICE_STATE_VA (struct service_state, then what the server
 * keeps there itself): how a new incarnation learns what its predecessor
 * was doing when it died.
 */
#ifndef MICA_SERVICE_H
#define MICA_SERVICE_H

#include <stdint.h>

#include "mica/syscall.h"

#define SERVICE_SLOT_ROOT   MICA_SLOT_FIRST_FREE        /* root's endpoint, badged */
#define SERVICE_SLOT_EP     (MICA_SLOT_FIRST_FREE + 1)  /* the endpoint it serves */
#define SERVICE_SLOT_STATE  (MICA_SLOT_FIRST_FREE + 2)  /* its state frame */
#define SERVICE_SLOT_FIRST  (MICA_SLOT_FIRST_FREE + 3)  /* server-specific */
/* Where a client finds the endpoint of service id (given per the table). */
#define SERVICE_SLOT_CLIENT(id) (MICA_SLOT_FIRST_FREE + 16 + (id))

enum root_op {
    ROOT_ANNOUNCE = 0x100,   /* above the fault labels, which share the endpoint */
    ROOT_INIT_EXITED,
    ROOT_STATUS,
    ROOT_KILL,
    ROOT_RESTART,
    ROOT_OPS
};

/* Root's heartbeat, on a server's own endpoint (no reply expected). */
#define SERVICE_PING 0x1ff

/* How `service kill` and `service inject` make a server die (or not). */
enum service_fault {
    FAULT_SEGV = 1,    /* a load from address 0 */
    FAULT_ILLEGAL,     /* an illegal instruction */
    FAULT_HANG,        /* an endless loop: the heartbeat catches it */
    FAULT_STACK,       /* endless recursion into the stack's guard page */
    FAULT_CORRUPT,     /* random bits of its heap flipped; it goes on */
    FAULT_KINDS
};

enum service_id {
    SERVICE_BLK = 1,
    SERVICE_FS,
    SERVICE_POSIX,
    SERVICE_INIT,
    SERVICES
};

#define SERVICE_STATE_VA 0x3d00000000ul    /* clear of what posix maps */

struct service_state {
    uint32_t generation;       /* root: 1 for the first incarnation */
    uint32_t injected;         /* root: the last death was caused by root */
    uint64_t current;          /* server: key of the request it is serving, or 0 */
    uint64_t suspect;          /* server: a request that killed an incarnation */
    uint32_t strikes;          /* how many incarnations it killed */
    uint32_t pages;            /* root: size of the state frame */
    uint64_t died_instret;     /* root: rdinstret when the predecessor died */
    uint64_t died_ns;          /* root: ... and the monotonic clock */
    uint64_t answered_instret; /* server: when it first answered a request */
    uint64_t answered_ns;
    uint64_t progress;         /* server: messages handled (the heartbeat) */
};

/* Deaths that are not faults, in service_status.last_kind (faults are
 * MICA_FAULT_*). */
#define SERVICE_DEATH_HANG    0x80    /* killed: no heartbeat */
#define SERVICE_DEATH_RESTART 0x81    /* `service restart` */

/* What a death is called: root's restart lines and `service status`. */
static inline const char *service_death_name(uint64_t kind)
{
    static const char *const faults[] = {
        [MICA_FAULT_SYSCALL] = "system call", [MICA_FAULT_PAGE] = "page fault",
        [MICA_FAULT_ACCESS] = "access fault", [MICA_FAULT_ILLEGAL] = "illegal instruction",
        [MICA_FAULT_MISALIGNED] = "misaligned access", [MICA_FAULT_BREAKPOINT] = "breakpoint",
        [MICA_FAULT_EXIT] = "exit",
    };
    if (kind == SERVICE_DEATH_HANG)
        return "hang (no heartbeat)";
    if (kind == SERVICE_DEATH_RESTART)
        return "restart requested";
    if (kind < sizeof faults / sizeof faults[0] && faults[kind])
        return faults[kind];
    return "fault";
}

/* The Linux system call (not a Linux number) by which `service` asks posix
 * to forward one of ROOT_STATUS, ROOT_KILL, ROOT_RESTART to root:
 * a0 = op, a1 = service id, a2 = kind, a3 = struct service_status *. */
#define SERVICE_LINUX_SYSCALL 0x4d69

/* What root tells `service status` about one server. */
struct service_status {
    char name[16];
    uint32_t running, generation;
    uint32_t restarts, last_kind;  /* last_kind: MICA_FAULT_*, or 0 if none */
    uint64_t uptime_ns;            /* of the current incarnation */
    uint64_t last_pc, last_addr;
    uint64_t last_recovery_ns;     /* from that death to the new incarnation's announce */
    uint64_t free_pages;           /* root's unspent memory: a dead incarnation's
                                    * budget comes back to it whole */
    uint64_t answer_instret;       /* from the last death to the first request the
                                    * new incarnation answered (0: none yet) */
    uint64_t answer_ns;
};

/* The state frame, mapped (NULL if root gave none). */
struct service_state *service_state(void);

/* Tells root the caller is ready to serve; heap..heap+len is the memory
 * whose every use the server checks (FAULT_CORRUPT's target), or 0, 0.
 * Returns root's answer. */
long service_announce(enum service_id id);
long service_announce_heap(enum service_id id, const void *heap, uint64_t len);

#endif
