/*
 * What the three kinds of System V IPC object share (sysv.h): the key to
 * index lookup, ids, permissions, and waiting on an object.
 */
#include "sysv.h"

#include "mica/runtime.h"
#include "mica/string.h"

int64_t sysv_now(void)
{
    return mica_realtime_ns() / 1000000000;
}

long sysv_get(struct sysv_obj *o, int n, int32_t key, int flags, bool *created)
{
    *created = false;
    if (key != IPC_PRIVATE) {
        for (int i = 0; i < n; i++) {
            if (!o[i].used || o[i].key != key)
                continue;
            if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
                return -EEXIST;
            return i;
        }
        if (!(flags & IPC_CREAT))
            return -ENOENT;
    }
    for (int i = 0; i < n; i++) {
        if (o[i].used)
            continue;
        o[i].used = true;
        o[i].key = key;
        o[i].mode = (uint32_t)flags & 0777;
        o[i].ctime = sysv_now();
        *created = true;
        return i;
    }
    return -ENOSPC;
}

long sysv_index(const struct sysv_obj *o, int n, long id)
{
    if (id < 0)
        return -EINVAL;
    long i = id % SYSV_SEQ;
    if (i >= n || !o[i].used || o[i].seq != id / SYSV_SEQ)
        return -EINVAL;
    return i;
}

long sysv_id(const struct sysv_obj *o, int index)
{
    return index + (long)SYSV_SEQ * o[index].seq;
}

void sysv_perm(const struct sysv_obj *o, struct ipc_perm_k *out)
{
    *out = (struct ipc_perm_k){ .key = o->key, .mode = o->mode, .seq = o->seq };
}

void sysv_set(struct sysv_obj *o, const struct ipc_perm_k *in)
{
    o->mode = (o->mode & ~0777u) | (in->mode & 0777);
    o->ctime = sysv_now();
}

static bool waits_on(const struct lthread *t, enum sysv_kind kind, int index)
{
    return t->tid && t->wait == WAIT_IPC && t->ipc_kind == (int)kind && t->ipc_index == index;
}

static void answer(struct lthread *t, long r)
{
    bool timed = t->timed;
    t->timed = false;
    reply_to(t, r);
    if (timed)
        time_rearm();
}

void sysv_remove(struct sysv_obj *o, enum sysv_kind kind, int index)
{
    o->used = false;
    o->seq = (uint16_t)((o->seq + 1) % (0x7fffffff / SYSV_SEQ));
    for (int i = 0; i < thread_high; i++)
        if (waits_on(&threads[i], kind, index))
            answer(&threads[i], -EIDRM);
}

long sysv_wait(struct lthread *t, enum sysv_kind kind, int index, const struct sysargs *s,
               uint64_t deadline)
{
    t->wait = WAIT_IPC;
    t->interruptible = true;
    t->ipc_kind = (int)kind;
    t->ipc_index = index;
    t->ipc_nr = s->nr;
    memcpy(t->ipc_args, s->a, sizeof t->ipc_args);
    if (t->timed && deadline == t->deadline_ns)
        return POSIX_DEFERRED;           /* tried again: the same deadline */
    return time_wait_until(t, deadline);
}

void sysv_retry(enum sysv_kind kind, int index)
{
    /* An answer given here can make room for another (a receive for a
     * send) and calls back in: the outer call just goes round again. */
    static bool busy, again;
    if (busy) {
        again = true;
        return;
    }
    busy = true;
    do {
        again = false;
        for (int i = 0; i < thread_high; i++) {
            struct lthread *t = &threads[i];
            if (!waits_on(t, kind, index))
                continue;
            struct sysargs s = { .nr = t->ipc_nr };
            memcpy(s.a, t->ipc_args, sizeof s.a);
            long r = syscall_dispatch(t, &s);
            if (r != POSIX_DEFERRED) {
                answer(t, r);
                again = true;
            }
        }
    } while (again);
    busy = false;
}
