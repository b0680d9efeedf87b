/*
 * Saved reply capabilities (see reply.h).
 */
#include "object/reply.h"

#include "object/cspace.h"
#include "object/thread.h"
#include "panic.h"

void reply_peer_died(struct thread *caller);

void reply_save(struct thread *t, struct cap *dst)
{
    struct thread *caller = t->caller;
    kassert(caller && caller->replier == t);
    t->caller = NULL;
    caller->replier = NULL;
    cap_install(dst, &caller->hdr, MICA_OBJ_REPLY, 0, 0);
    caller->reply_cap = dst;
}

struct thread *reply_caller(const struct cap *c)
{
    struct thread *caller = thread_of(c->obj);
    kassert(caller->reply_cap == c);
    return caller;
}

void reply_moved(struct cap *dst, struct cap *src)
{
    struct thread *caller = thread_of(dst->obj);
    kassert(caller->reply_cap == src);
    caller->reply_cap = dst;
}

void reply_deleted(struct object *o, struct cap *c)
{
    struct thread *caller = thread_of(o);
    if (caller->reply_cap != c)
        return;       /* answered: the reply path cleared it first */
    caller->reply_cap = NULL;
    reply_peer_died(caller);
}
