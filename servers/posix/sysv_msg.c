/*
 * System V message queues: msgget, msgsnd, msgrcv, msgctl. A queue keeps
 * its messages' bytes packed in one buffer of MSGMNB bytes (Linux's
 * default msg_qbytes, which IPC_SET may lower but not raise here) and at
 * most MSG_MAX_COUNT messages; a send that does not fit waits (or EAGAIN
 * with IPC_NOWAIT), as does a receive that finds nothing (ENOMSG).
 */
#include "sysv.h"

#include "mica/string.h"

#define MSG_QUEUES     16
#define MSGMNB         16384          /* bytes a queue holds */
#define MSGMAX         8192           /* bytes of one message */
#define MSG_MAX_COUNT  256
#define MSG_NOERROR    010000
#define MSG_EXCEPT     020000
#define MSG_COPY       040000

/* struct msqid64_ds of the generic 64-bit Linux ABI. */
struct msqid_k {
    struct ipc_perm_k perm;
    int64_t stime, rtime, ctime;
    uint64_t cbytes, qnum, qbytes;
    int32_t lspid, lrpid;
    uint64_t unused[2];
};
_Static_assert(sizeof(struct msqid_k) == 120, "msqid64_ds");

struct message {
    int64_t type;
    uint32_t off, len;             /* its bytes in the queue's buffer */
};

struct queue {
    struct message msgs[MSG_MAX_COUNT];
    uint32_t count, bytes, qbytes;
    int32_t lspid, lrpid;
    int64_t stime, rtime;
    uint8_t data[MSGMNB];
};

static struct sysv_obj objs[MSG_QUEUES];
static struct queue queues[MSG_QUEUES];

long sys_msgget(struct lthread *t, const struct sysargs *s)
{
    (void)t;
    bool created;
    long i = sysv_get(objs, MSG_QUEUES, (int32_t)s->a[0], (int)s->a[1], &created);
    if (i < 0)
        return i;
    if (created)
        queues[i] = (struct queue){ .qbytes = MSGMNB };
    return sysv_id(objs, (int)i);
}

long sys_msgsnd(struct lthread *t, const struct sysargs *s)
{
    long i = sysv_index(objs, MSG_QUEUES, (long)s->a[0]);
    uint64_t buf = s->a[1], len = s->a[2];
    int flags = (int)s->a[3];
    int64_t type;
    if (i < 0)
        return i;
    if ((int64_t)len < 0 || len > MSGMAX)
        return -EINVAL;
    if (mm_copy_in(t->proc, &type, buf, sizeof type) < 0)
        return -EFAULT;
    if (type < 1)
        return -EINVAL;
    struct queue *q = &queues[i];
    if (q->bytes + len > q->qbytes || q->count == MSG_MAX_COUNT) {
        if (flags & IPC_NOWAIT)
            return -EAGAIN;
        return sysv_wait(t, SYSV_MSG, (int)i, s, 0);
    }
    if (mm_copy_in(t->proc, q->data + q->bytes, buf + sizeof type, len) < 0)
        return -EFAULT;
    q->msgs[q->count++] = (struct message){ type, q->bytes, (uint32_t)len };
    q->bytes += (uint32_t)len;
    q->lspid = t->proc->pid;
    q->stime = sysv_now();
    sysv_retry(SYSV_MSG, (int)i);
    return 0;
}

/* The message msgrcv's type argument picks, or -1. */
static int pick(const struct queue *q, int64_t want, int flags)
{
    int best = -1;
    for (uint32_t k = 0; k < q->count; k++) {
        int64_t type = q->msgs[k].type;
        if (want == 0)
            return (int)k;
        if (want > 0 && ((flags & MSG_EXCEPT) ? type != want : type == want))
            return (int)k;
        if (want < 0 && type <= -want && (best < 0 || type < q->msgs[best].type))
            best = (int)k;
    }
    return best;
}

/* Takes message k out, closing the gap in the buffer. */
static void take(struct queue *q, uint32_t k)
{
    struct message m = q->msgs[k];
    memmove(q->data + m.off, q->data + m.off + m.len, q->bytes - m.off - m.len);
    q->bytes -= m.len;
    for (uint32_t j = k + 1; j < q->count; j++) {
        q->msgs[j - 1] = q->msgs[j];
        q->msgs[j - 1].off -= m.len;
    }
    q->count--;
}

long sys_msgrcv(struct lthread *t, const struct sysargs *s)
{
    long i = sysv_index(objs, MSG_QUEUES, (long)s->a[0]);
    uint64_t buf = s->a[1], len = s->a[2];
    int64_t want = (int64_t)s->a[3];
    int flags = (int)s->a[4];
    if (i < 0)
        return i;
    if ((int64_t)len < 0)
        return -EINVAL;
    if (flags & MSG_COPY)
        return -ENOSYS;             /* as Linux without checkpoint/restore */
    struct queue *q = &queues[i];
    int k = pick(q, want, flags);
    if (k < 0) {
        if (flags & IPC_NOWAIT)
            return -ENOMSG;
        return sysv_wait(t, SYSV_MSG, (int)i, s, 0);
    }
    struct message *m = &q->msgs[k];
    if (m->len > len && !(flags & MSG_NOERROR))
        return -E2BIG;
    uint64_t n = m->len < len ? m->len : len;
    if (mm_copy_out(t->proc, buf, &m->type, sizeof m->type) < 0 ||
        mm_copy_out(t->proc, buf + sizeof m->type, q->data + m->off, n) < 0)
        return -EFAULT;
    take(q, (uint32_t)k);
    q->lrpid = t->proc->pid;
    q->rtime = sysv_now();
    sysv_retry(SYSV_MSG, (int)i);
    return (long)n;
}

long sys_msgctl(struct lthread *t, const struct sysargs *s)
{
    long i = sysv_index(objs, MSG_QUEUES, (long)s->a[0]);
    int cmd = (int)s->a[1] & ~IPC_64;
    struct msqid_k ds;
    if (i < 0)
        return i;
    struct queue *q = &queues[i];
    switch (cmd) {
    case IPC_STAT:
        ds = (struct msqid_k){ .stime = q->stime, .rtime = q->rtime, .ctime = objs[i].ctime,
                               .cbytes = q->bytes, .qnum = q->count, .qbytes = q->qbytes,
                               .lspid = q->lspid, .lrpid = q->lrpid };
        sysv_perm(&objs[i], &ds.perm);
        return mm_copy_out(t->proc, s->a[2], &ds, sizeof ds) < 0 ? -EFAULT : 0;
    case IPC_SET:
        if (mm_copy_in(t->proc, &ds, s->a[2], sizeof ds) < 0)
            return -EFAULT;
        if (ds.qbytes > MSGMNB)
            return -EPERM;          /* more than the buffer holds */
        sysv_set(&objs[i], &ds.perm);
        q->qbytes = (uint32_t)ds.qbytes;
        sysv_retry(SYSV_MSG, (int)i);
        return 0;
    case IPC_RMID:
        sysv_remove(&objs[i], SYSV_MSG, (int)i);
        return 0;
    default:
        return -EINVAL;
    }
}
