/*
 * root: the first process. It holds every resource at boot, starts the
 * servers with exactly the capabilities its table of rights gives each
 * (table.c), is the fault endpoint of all of them, and runs init. The
 * mechanism of starting a server is in manager.c; what root does with the
 * messages it receives is in request.c.
 */
#ifndef ROOT_ROOT_H
#define ROOT_ROOT_H

#include <stdbool.h>
#include <stdint.h>

#include "mica/bootinfo.h"
#include "mica/service.h"
#include "mica/spawn.h"

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
    unsigned prio;
    enum device_need device;
    uint32_t uses;              /* services it is a client of: bit id, each
                                 * endpoint at SERVICE_SLOT_CLIENT(id) */
    uint32_t needs;             /* of those, the ones it cannot start without */
};

#define USES(id) (1u << (id))

extern const struct server_rights server_table[];
extern const unsigned server_count;
extern const struct server_rights init_rights;

struct server {
    const struct server_rights *rights;
    struct child child;
    long budget;                /* slot of its budget */
    long ep;                    /* slot of the endpoint it serves */
    bool running;
    bool ready;                 /* announced */
    unsigned generation;
};

extern struct server servers[SERVICES];
extern long root_ep;
extern const struct mica_bootinfo *bootinfo;

/* manager.c */
int manager_init(void);
int server_start(struct server *s, const char *args);
void server_stop(struct server *s);
struct server *server_by_badge(uint64_t badge);

/* request.c: handles one message; returns true when the system should end
 * with *status (init has ended). */
bool root_handle(uint64_t label, uint64_t badge, const uint64_t *w, int *status);

#endif
