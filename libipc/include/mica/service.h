/*
 * What every server started by root finds in its capability space, and
 * root's own protocol. The rest of a server's slots are declared in root's
 * table of server rights (servers/root/table.c) and in the server's
 * protocol header.
 *
 *   ROOT_ANNOUNCE     w0 = service id      a server is (again) ready to serve
 *   ROOT_INIT_EXITED  w0 = exit status     posix: init (pid 1) has ended
 */
#ifndef MICA_SERVICE_H
#define MICA_SERVICE_H

#include "mica/syscall.h"

#define SERVICE_SLOT_ROOT   MICA_SLOT_FIRST_FREE        /* root's endpoint, badged */
#define SERVICE_SLOT_EP     (MICA_SLOT_FIRST_FREE + 1)  /* the endpoint it serves */
#define SERVICE_SLOT_FIRST  (MICA_SLOT_FIRST_FREE + 2)  /* server-specific */
/* Where a client finds the endpoint of service id (given per the table). */
#define SERVICE_SLOT_CLIENT(id) (MICA_SLOT_FIRST_FREE + 16 + (id))

enum root_op {
    ROOT_ANNOUNCE = 0x100,   /* above the fault labels, which share the endpoint */
    ROOT_INIT_EXITED,
    ROOT_OPS
};

enum service_id {
    SERVICE_BLK = 1,
    SERVICE_FS,
    SERVICE_POSIX,
    SERVICE_INIT,
    SERVICES
};

/* Tells root the caller is ready; returns root's answer. */
long service_announce(enum service_id id);

#endif
