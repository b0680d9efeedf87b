/*
 * Capability slots and the derivation tree (see cspace.h).
 */
#include "object/cspace.h"

#include "object/reply.h"
#include "panic.h"

static void link_child(struct cap *parent, struct cap *c)
{
    c->parent = parent;
    c->prev_sibling = NULL;
    c->next_sibling = parent ? parent->first_child : NULL;
    if (c->next_sibling)
        c->next_sibling->prev_sibling = c;
    if (parent)
        parent->first_child = c;
}

static void unlink(struct cap *c)
{
    if (c->prev_sibling)
        c->prev_sibling->next_sibling = c->next_sibling;
    else if (c->parent)
        c->parent->first_child = c->next_sibling;
    if (c->next_sibling)
        c->next_sibling->prev_sibling = c->prev_sibling;
    c->parent = c->next_sibling = c->prev_sibling = NULL;
}

void cap_install(struct cap *dst, struct object *obj, uint8_t type, uint8_t rights,
                 uint64_t badge)
{
    kassert(!dst->obj);
    dst->obj = obj;
    dst->type = type;
    dst->rights = rights;
    dst->badge = badge;
    dst->first_child = NULL;
    link_child(NULL, dst);
    if (dst->type != MICA_OBJ_REPLY)
        object_cap_added(obj);
}

void cap_derive(struct cap *dst, const struct cap *src, uint8_t rights, uint64_t badge)
{
    kassert(!dst->obj && src->obj && src->type != MICA_OBJ_REPLY);
    dst->obj = src->obj;
    dst->type = src->type;
    dst->rights = src->rights & rights;
    dst->badge = badge;
    dst->first_child = NULL;
    link_child((struct cap *)src, dst);
    object_cap_added(dst->obj);
}

/* Points the tree's links at c's new address after a move. */
static void relink(struct cap *dst, struct cap *src)
{
    if (dst->prev_sibling)
        dst->prev_sibling->next_sibling = dst;
    else if (dst->parent && dst->parent->first_child == src)
        dst->parent->first_child = dst;
    if (dst->next_sibling)
        dst->next_sibling->prev_sibling = dst;
    for (struct cap *ch = dst->first_child; ch; ch = ch->next_sibling)
        ch->parent = dst;
}

void cap_move(struct cap *dst, struct cap *src)
{
    kassert(!dst->obj && src->obj && dst != src);
    *dst = *src;
    relink(dst, src);
    if (dst->type == MICA_OBJ_REPLY)
        reply_moved(dst, src);
    *src = (struct cap){ 0 };
}

void cap_delete(struct cap *c)
{
    if (!c->obj)
        return;
    /* Children move up to c's parent. */
    struct cap *parent = c->parent;
    while (c->first_child) {
        struct cap *ch = c->first_child;
        unlink(ch);
        link_child(parent, ch);
    }
    unlink(c);
    struct object *o = c->obj;
    uint8_t type = c->type;
    *c = (struct cap){ 0 };
    if (type == MICA_OBJ_REPLY)
        reply_deleted(o, c);
    else
        object_cap_removed(o);
}

void cap_revoke(struct cap *c)
{
    while (c->first_child) {
        struct cap *leaf = c->first_child;
        while (leaf->first_child)
            leaf = leaf->first_child;
        cap_delete(leaf);
    }
}

void cspace_clear(struct cspace *cs)
{
    for (uint32_t i = 0; i < cs->nslots; i++)
        cap_delete(&cs->slots[i]);
}

bool cspace_check(const struct cspace *cs)
{
    for (uint32_t i = 0; i < cs->nslots; i++) {
        const struct cap *c = &cs->slots[i];
        if (!c->obj) {
            if (c->parent || c->first_child || c->next_sibling || c->prev_sibling)
                return false;
            continue;
        }
        if (c->type != c->obj->type && c->type != MICA_OBJ_REPLY)
            return false;
        if (c->type != MICA_OBJ_REPLY && c->obj->ncaps == 0)
            return false;
        if (c->prev_sibling && c->prev_sibling->next_sibling != c)
            return false;
        if (!c->prev_sibling && c->parent && c->parent->first_child != c)
            return false;
        if (c->next_sibling && c->next_sibling->prev_sibling != c)
            return false;
        for (const struct cap *ch = c->first_child; ch; ch = ch->next_sibling)
            if (ch->parent != c || ch->obj != c->obj)
                return false;
    }
    return true;
}
