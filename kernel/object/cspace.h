/*
 * Capability spaces: a process's table of slots. A slot holds a capability:
 * an object, the rights it grants and a badge. Capabilities derived from
 * another (copy, mint, transfer) form a tree (the derivation tree), so that
 * revoke can delete everything derived from one. Deleting a capability
 * moves its children up to its parent.
 *
 * Reply capabilities are special: they name a thread waiting for an answer,
 * do not keep it alive, cannot be copied, and answering or deleting one
 * consumes it.
 */
#ifndef MICA_CSPACE_H
#define MICA_CSPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "object/object.h"

struct cap {
    struct object *obj;          /* NULL: empty slot */
    uint64_t badge;
    uint8_t type;                /* enum mica_type, copied from obj for speed */
    uint8_t rights;
    struct cap *parent;          /* derivation tree */
    struct cap *first_child;
    struct cap *next_sibling;
    struct cap *prev_sibling;
};

struct cspace {
    struct cap *slots;
    uint32_t nslots;
};

/* The capability in slot, or NULL if out of range or empty. */
static inline struct cap *cspace_lookup(const struct cspace *cs, uint64_t slot)
{
    if (slot >= cs->nslots || !cs->slots[slot].obj)
        return NULL;
    return &cs->slots[slot];
}

/* The slot itself if in range and empty, else NULL. */
static inline struct cap *cspace_empty_slot(const struct cspace *cs, uint64_t slot)
{
    if (slot == 0 || slot >= cs->nslots || cs->slots[slot].obj)
        return NULL;
    return &cs->slots[slot];
}

/* Puts a new original capability (no parent) in an empty slot; type is
 * obj's type, or MICA_OBJ_REPLY. */
void cap_install(struct cap *dst, struct object *obj, uint8_t type, uint8_t rights,
                 uint64_t badge);
/* Copies src into the empty dst as its child, with rights masked. */
void cap_derive(struct cap *dst, const struct cap *src, uint8_t rights, uint64_t badge);
/* Moves src into the empty dst, keeping its place in the tree. */
void cap_move(struct cap *dst, struct cap *src);
/* Empties the slot; the object may be retired (object.h). */
void cap_delete(struct cap *c);
/* Deletes every capability derived from c (not c itself). */
void cap_revoke(struct cap *c);
/* Empties every slot of the space. */
void cspace_clear(struct cspace *cs);
/* Checks the tree links of every slot; false if anything is inconsistent. */
bool cspace_check(const struct cspace *cs);

#endif
