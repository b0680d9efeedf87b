/*
 * Host tests of the capability space and its derivation tree,
 * kernel/object/cspace.c. Objects are plain headers here; the hooks
 * cspace.c calls (object counts, reply capabilities, panic) are recorded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "object/cspace.h"
#include "object/reply.h"

static int removed_to_zero;
static int replies_deleted;

void object_cap_added(struct object *o)
{
    o->ncaps++;
}

void object_cap_removed(struct object *o)
{
    if (--o->ncaps == 0)
        removed_to_zero++;
}

void reply_moved(struct cap *dst, struct cap *src)
{
    (void)dst;
    (void)src;
}

void reply_deleted(struct object *caller, struct cap *c)
{
    (void)caller;
    (void)c;
    replies_deleted++;
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    abort();
}

#define NSLOTS 64
static struct cap slots[NSLOTS];
static struct cspace cs = { slots, NSLOTS };
static struct object ep = { .type = MICA_OBJ_ENDPOINT };
static struct object frame = { .type = MICA_OBJ_FRAME };

static void reset(void)
{
    memset(slots, 0, sizeof slots);
    ep.ncaps = frame.ncaps = 0;
    removed_to_zero = replies_deleted = 0;
}

static void lookup_checks_range_and_emptiness(void)
{
    reset();
    CHECK(cspace_lookup(&cs, 0) == NULL);
    CHECK(cspace_lookup(&cs, NSLOTS) == NULL);
    CHECK(cspace_lookup(&cs, ~0ull) == NULL);
    cap_install(&slots[3], &ep, MICA_OBJ_ENDPOINT, MICA_R_ALL, 0);
    CHECK(cspace_lookup(&cs, 3) == &slots[3]);
    CHECK(cspace_empty_slot(&cs, 3) == NULL);
    CHECK(cspace_empty_slot(&cs, 0) == NULL);       /* slot 0 stays empty */
    CHECK(cspace_empty_slot(&cs, 4) == &slots[4]);
    CHECK(ep.ncaps == 1);
}

static void derive_masks_rights_and_sets_badge(void)
{
    reset();
    cap_install(&slots[1], &ep, MICA_OBJ_ENDPOINT, MICA_R_READ | MICA_R_WRITE, 0);
    cap_derive(&slots[2], &slots[1], MICA_R_WRITE | MICA_R_GRANT, 42);
    CHECK(slots[2].rights == MICA_R_WRITE);           /* grant was never there */
    CHECK(slots[2].badge == 42);
    CHECK(slots[2].parent == &slots[1]);
    CHECK(slots[1].first_child == &slots[2]);
    CHECK(ep.ncaps == 2);
    CHECK(cspace_check(&cs));
}

static void delete_moves_children_up(void)
{
    reset();
    cap_install(&slots[1], &ep, MICA_OBJ_ENDPOINT, MICA_R_ALL, 0);
    cap_derive(&slots[2], &slots[1], MICA_R_ALL, 0);
    cap_derive(&slots[3], &slots[2], MICA_R_ALL, 0);
    cap_derive(&slots[4], &slots[2], MICA_R_ALL, 0);
    cap_delete(&slots[2]);
    CHECK(slots[3].parent == &slots[1] && slots[4].parent == &slots[1]);
    CHECK(cspace_check(&cs));
    CHECK(ep.ncaps == 3);
    cap_revoke(&slots[1]);                          /* grandchildren too */
    CHECK(!slots[3].obj && !slots[4].obj);
    CHECK(slots[1].obj && ep.ncaps == 1);
    CHECK(cspace_check(&cs));
}

static void revoke_deletes_the_whole_subtree(void)
{
    reset();
    cap_install(&slots[1], &ep, MICA_OBJ_ENDPOINT, MICA_R_ALL, 0);
    /* A chain and a fan: 2 <- 1, 3 <- 2, ..., and 20..29 <- 1. */
    for (int i = 2; i < 20; i++)
        cap_derive(&slots[i], &slots[i - 1], MICA_R_ALL, 0);
    for (int i = 20; i < 30; i++)
        cap_derive(&slots[i], &slots[1], MICA_R_ALL, 0);
    cap_install(&slots[40], &frame, MICA_OBJ_FRAME, MICA_R_ALL, 0);
    cap_revoke(&slots[1]);
    for (int i = 2; i < 30; i++)
        CHECK(!slots[i].obj);
    CHECK(slots[1].obj && !slots[1].first_child);
    CHECK(ep.ncaps == 1 && frame.ncaps == 1);
    CHECK(cspace_check(&cs));
    cap_delete(&slots[1]);
    CHECK(removed_to_zero == 1);
}

static void move_keeps_the_tree(void)
{
    reset();
    cap_install(&slots[1], &ep, MICA_OBJ_ENDPOINT, MICA_R_ALL, 0);
    cap_derive(&slots[2], &slots[1], MICA_R_ALL, 0);
    cap_derive(&slots[3], &slots[1], MICA_R_ALL, 0);
    cap_derive(&slots[4], &slots[3], MICA_R_ALL, 0);
    cap_move(&slots[10], &slots[3]);                 /* a middle node moves */
    CHECK(!slots[3].obj);
    CHECK(slots[4].parent == &slots[10]);
    CHECK(slots[10].parent == &slots[1]);
    CHECK(cspace_check(&cs));
    cap_move(&slots[11], &slots[1]);                 /* the root moves */
    CHECK(slots[2].parent == &slots[11] && slots[10].parent == &slots[11]);
    CHECK(cspace_check(&cs));
    cap_revoke(&slots[11]);
    CHECK(!slots[2].obj && !slots[10].obj && !slots[4].obj);
    CHECK(ep.ncaps == 1);
}

static void reply_caps_do_not_count(void)
{
    reset();
    struct object thread = { .type = MICA_OBJ_THREAD };
    cap_install(&slots[5], &thread, MICA_OBJ_REPLY, 0, 0);
    CHECK(thread.ncaps == 0);
    CHECK(cspace_check(&cs));
    cap_delete(&slots[5]);
    CHECK(replies_deleted == 1 && !slots[5].obj);
}

static void clear_empties_everything(void)
{
    reset();
    cap_install(&slots[1], &ep, MICA_OBJ_ENDPOINT, MICA_R_ALL, 0);
    for (int i = 2; i < NSLOTS; i++)
        cap_derive(&slots[i], &slots[rand() % (i - 1) + 1], MICA_R_ALL, 0);
    cspace_clear(&cs);
    for (int i = 0; i < NSLOTS; i++)
        CHECK(!slots[i].obj);
    CHECK(ep.ncaps == 0 && removed_to_zero == 1);
}

/* Random copy/move/delete/revoke; the tree must stay consistent and the
 * count of capabilities must match the object's. */
static void random_operations_stay_consistent(void)
{
    reset();
    srand(3);
    for (int iter = 0; iter < 200000; iter++) {
        int a = 1 + rand() % (NSLOTS - 1), b = 1 + rand() % (NSLOTS - 1);
        switch (rand() % 5) {
        case 0:
            if (!slots[a].obj) {
                struct object *o = rand() % 2 ? &ep : &frame;
                cap_install(&slots[a], o, o->type, MICA_R_ALL, 0);
            }
            break;
        case 1:
            if (slots[a].obj && !slots[b].obj)
                cap_derive(&slots[b], &slots[a], (uint8_t)rand(), (uint64_t)rand());
            break;
        case 2:
            if (slots[a].obj && !slots[b].obj)
                cap_move(&slots[b], &slots[a]);
            break;
        case 3:
            cap_delete(&slots[a]);
            break;
        case 4:
            if (slots[a].obj)
                cap_revoke(&slots[a]);
            break;
        }
        unsigned n_ep = 0, n_frame = 0;
        for (int i = 0; i < NSLOTS; i++) {
            n_ep += slots[i].obj == &ep;
            n_frame += slots[i].obj == &frame;
        }
        if (!cspace_check(&cs) || n_ep != ep.ncaps || n_frame != frame.ncaps) {
            CHECK(cspace_check(&cs));
            CHECK(n_ep == ep.ncaps && n_frame == frame.ncaps);
            fprintf(stderr, "at iteration %d\n", iter);
            return;
        }
    }
}

int main(void)
{
    RUN(lookup_checks_range_and_emptiness);
    RUN(derive_masks_rights_and_sets_badge);
    RUN(delete_moves_children_up);
    RUN(revoke_deletes_the_whole_subtree);
    RUN(move_keeps_the_tree);
    RUN(reply_caps_do_not_count);
    RUN(clear_empties_everything);
    RUN(random_operations_stay_consistent);
    return check_failures != 0;
}
