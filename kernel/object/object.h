/*
 * What every kernel object has in common.
 *
 * An object lives while capabilities name it (ncaps) or the kernel holds it
 * (krefs: a mapping, a binding, a thread blocked on it). When its last
 * capability goes, the object is *retired* (a process is torn down, a
 * thread stops, the threads blocked on an endpoint are told), and when
 * nothing refers to it any more it is freed and its memory returns to the
 * budget it was charged to. Both steps go through a queue drained at the
 * end of each kernel call, so tearing down a process that holds the last
 * capability to another never recurses.
 */
#ifndef MICA_OBJECT_H
#define MICA_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mica/syscall.h"

struct budget;

struct object {
    uint8_t type;            /* enum mica_type */
    bool retired;
    bool queued;             /* on the reap queue */
    uint32_t ncaps;
    uint32_t krefs;
    uint32_t size;           /* bytes charged */
    struct budget *budget;   /* charged to; NULL for boot-time singletons */
    struct object *reap_next;
};

#define container_of(p, type, member) \
    ((type *)((char *)(p) - offsetof(type, member)))

/* Allocates size zeroed bytes charged to b and initialises the header.
 * NULL when b cannot pay (-ENOMEM for the caller). */
void *object_alloc(struct budget *b, enum mica_type type, size_t size, size_t hdr_offset);

static inline void object_get(struct object *o)
{
    o->krefs++;
}

void object_put(struct object *o);
void object_cap_added(struct object *o);
void object_cap_removed(struct object *o);
/* Retires and frees what the last kernel call released. */
void object_reap(void);
bool object_reap_pending(void);

#endif
