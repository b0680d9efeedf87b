/*
 * root: the first process. It holds every resource at boot, starts the
 * servers with exactly the capabilities its table of rights gives each
 * (table.c), is the fault endpoint of all of them, and runs init. The
 * mechanism of starting a server is in manager.c; replacing a dead one,
 * the heartbeat and fault injection in restart.c; what root does with the
 * messages it receives is in request.c.
 */
#ifndef ROOT_ROOT_H
#define ROOT_ROOT_H

#include <stdbool.h>
#include <stdint.h>

#include "mica/bootinfo.h"
#include "mica/service.h"
#include "mica/spawn.h"
#include "mica/sys.h"

/* What a server needs from the hardware. */
enum device_need {
    NEED_NONE,
    NEED_VIRTIO_BLOCK,    /* registers, interrupt and notification of the disk */
    NEED_ARCHIVE,         /* the boot archive (programs to run), read-only */
    NEED_CONSOLE,         /* the boot archive, and the console UART with its interrupt */
};

/* One line of the table of server rights. */
struct server_rights {
    const char *name;           /* boot-archive program */
    enum service_id id;
    uint32_t budget_pages;      /* memory lent to it */
    uint32_t state_pages;       /* its state frame, kept across incarnations */
    unsigned prio;
    enum device_need device;
    uint32_t uses;              /* services it is a client of: bit id, each
                                 * endpoint at SERVICE_SLOT_CLIENT(id) */
    uint32_t needs;             /* of those, the ones it cannot start without */
};

#define USES(id) (1u << (id))

/* In the badge of a server's fault endpoint: the message is a fault (or
 * exit), not a request. */
#define FAULT_BIT (1ull << 32)

extern const struct server_rights server_table[];
extern const unsigned server_count;
extern const struct server_rights init_rights;

struct server {
    const struct server_rights *rights;
    const char *args;
    struct child child;
    long budget;                /* slot of its budget */
    long ep;                    /* slot of the endpoint it serves */
    long state;                 /* slot of its state frame */
    struct service_state *state_va;   /* ... mapped in root */
    bool running;
    bool ready;                 /* announced */
    bool served;                /* some incarnation announced (clients may
                                 * queue on its endpoint while it restarts) */
    unsigned generation;
    /* restart.c */
    unsigned restarts;
    unsigned quick_deaths;      /* in a row, before announcing: the back-off */
    uint64_t started_ns, died_ns, restart_at_ns;
    bool restart_pending;
    uint64_t heap, heap_len;    /* announced: FAULT_CORRUPT's target */
    uint64_t busy_since;        /* its user time when last seen waiting or
                                 * making progress */
    uint64_t progress;          /* its state frame's count at that time */
    uint64_t last_kind, last_pc, last_addr, last_recovery_ns;
};

extern struct server servers[SERVICES];
extern long root_ep;
extern const struct mica_bootinfo *bootinfo;

/* manager.c */
int manager_init(void);
int server_start(struct server *s, const char *args);
void server_stop(struct server *s);
struct server *server_by_badge(uint64_t badge);
/* Stops the disk's DMA (a dead blk's buffers are about to be freed). */
void disk_reset(void);

/* restart.c */
int restart_init(void);
/* Gives a new incarnation what fault injection needs. */
long restart_prepare(struct server *s);
/* s has died (a fault of kind, or an exit when kind is MICA_FAULT_EXIT). */
void restart_death(struct server *s, uint64_t kind, uint64_t pc, uint64_t addr);
/* s announced itself. */
void restart_ready(struct server *s, uint64_t heap, uint64_t heap_len);
/* The periodic tick: heartbeats and restarts that are due. */
void restart_tick(void);
long restart_inject(struct server *s, enum service_fault kind);
long restart_now(struct server *s);
void restart_status(const struct server *s, struct service_status *out);

/* request.c: handles one message. */
enum root_answer {
    ROOT_NO_ANSWER,     /* nobody waits for one (or must not get one yet) */
    ROOT_ANSWER,        /* *answer goes to the caller */
    ROOT_END,           /* init has ended: the system ends with *status */
};
enum root_answer root_handle(uint64_t label, uint64_t badge, const uint64_t *w,
                             struct mica_msg *answer, int *status);

#endif
