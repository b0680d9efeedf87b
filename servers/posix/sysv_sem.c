/*
 * System V semaphore sets: semget, semop and semtimedop (all operations of
 * a call happen at once or not at all; a call that cannot happen waits),
 * semctl, and SEM_UNDO: each process's adjustments are kept in a pool and
 * applied when it ends. Limits: SEM_SETS sets of at most SEM_MAX
 * semaphores, SEM_OPS operations per call, UNDO_MAX adjustments in all.
 */
#include "sysv.h"

#include "mica/runtime.h"
#include "mica/string.h"

#define SEM_SETS   32
#define SEM_MAX    64               /* Linux's SEMMSL is 32000 */
#define SEM_OPS    64               /* Linux's SEMOPM is 500 */
#define SEMVMX     32767
#define UNDO_MAX   256
#define SEM_UNDO   0x1000
#define GETPID     11
#define GETVAL     12
#define GETALL     13
#define GETNCNT    14
#define GETZCNT    15
#define SETVAL     16
#define SETALL     17

/* struct semid64_ds of the generic 64-bit Linux ABI. */
struct semid_k {
    struct ipc_perm_k perm;
    int64_t otime, ctime;
    uint64_t nsems;
    uint64_t unused[2];
};
_Static_assert(sizeof(struct semid_k) == 88, "semid64_ds");

struct sembuf_k {
    uint16_t num;
    int16_t op;
    int16_t flags;
};

struct semset {
    int nsems;
    uint16_t val[SEM_MAX];
    int32_t pid[SEM_MAX];
    int64_t otime;
};

/* One process's adjustment of one semaphore (SEM_UNDO). */
struct undo {
    int pid;                        /* 0: free */
    int set;
    uint16_t seq;                   /* of the set, so a new set is not touched */
    int num;
    int adj;
};

static struct sysv_obj objs[SEM_SETS];
static struct semset sets[SEM_SETS];
static struct undo undos[UNDO_MAX];

long sys_semget(struct lthread *t, const struct sysargs *s)
{
    (void)t;
    long nsems = (long)(int)s->a[1];
    bool created;
    if (nsems < 0 || nsems > SEM_MAX)
        return -EINVAL;
    long i = sysv_get(objs, SEM_SETS, (int32_t)s->a[0], (int)s->a[2], &created);
    if (i < 0)
        return i;
    if (created) {
        if (nsems == 0) {
            objs[i].used = false;
            return -EINVAL;
        }
        sets[i] = (struct semset){ .nsems = (int)nsems };
    } else if (nsems > sets[i].nsems) {
        return -EINVAL;
    }
    return sysv_id(objs, (int)i);
}

static struct undo *undo_find(int pid, int set, int num)
{
    for (int k = 0; k < UNDO_MAX; k++)
        if (undos[k].pid == pid && undos[k].set == set && undos[k].num == num &&
            undos[k].seq == objs[set].seq)
            return &undos[k];
    return NULL;
}

/* Forgets the adjustments of semaphore num of set (all of it if num < 0). */
static void undo_clear(int set, int num)
{
    for (int k = 0; k < UNDO_MAX; k++)
        if (undos[k].pid && undos[k].set == set && (num < 0 || undos[k].num == num))
            undos[k].pid = 0;
}

/* Can every SEM_UNDO operation of ops get an adjustment slot? */
static bool undo_room(int pid, int set, const struct sembuf_k *ops, int n)
{
    int need = 0, free = 0;
    for (int k = 0; k < n; k++)
        if ((ops[k].flags & SEM_UNDO) && !undo_find(pid, set, ops[k].num))
            need++;
    for (int k = 0; k < UNDO_MAX && free < need; k++)
        free += undos[k].pid == 0;
    return free >= need;
}

static void undo_add(int pid, int set, int num, int adj)
{
    struct undo *u = undo_find(pid, set, num);
    for (int k = 0; !u && k < UNDO_MAX; k++)
        if (!undos[k].pid) {
            u = &undos[k];
            *u = (struct undo){ pid, set, objs[set].seq, num, 0 };
        }
    if (u)
        u->adj += adj;
}

/* 0 if all of ops can happen now, 1 if they must wait, or -E... */
static int sem_check(const struct semset *ss, const struct sembuf_k *ops, int n)
{
    int val[SEM_MAX];
    for (int k = 0; k < ss->nsems; k++)
        val[k] = ss->val[k];
    for (int k = 0; k < n; k++) {
        if (ops[k].num >= ss->nsems)
            return -EFBIG;
        int v = val[ops[k].num] + ops[k].op;
        if (ops[k].op == 0 ? val[ops[k].num] != 0 : v < 0)
            return 1;
        if (v > SEMVMX)
            return -ERANGE;
        val[ops[k].num] = v;
    }
    return 0;
}

static long semop_common(struct lthread *t, const struct sysargs *s, uint64_t timeout)
{
    long i = sysv_index(objs, SEM_SETS, (long)s->a[0]);
    uint64_t n = s->a[2];
    static struct sembuf_k ops[SEM_OPS];
    if (i < 0)
        return i;
    if (n == 0)
        return -EINVAL;
    if (n > SEM_OPS)
        return -E2BIG;
    if (mm_copy_in(t->proc, ops, s->a[1], n * sizeof ops[0]) < 0)
        return -EFAULT;
    struct semset *ss = &sets[i];
    int pid = t->proc->pid;
    int r = sem_check(ss, ops, (int)n);
    if (r < 0)
        return r;
    if (r > 0) {
        for (uint64_t k = 0; k < n; k++)
            if (ops[k].flags & IPC_NOWAIT)
                return -EAGAIN;
        uint64_t deadline = 0;
        if (t->wait == WAIT_IPC) {
            deadline = t->timed ? t->deadline_ns : 0;    /* tried again */
        } else if (timeout) {
            int64_t ts[2];
            if (mm_copy_in(t->proc, ts, timeout, sizeof ts) < 0)
                return -EFAULT;
            if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
                return -EINVAL;
            deadline = mica_monotonic_ns() + (uint64_t)ts[0] * 1000000000 + (uint64_t)ts[1];
        }
        return sysv_wait(t, SYSV_SEM, (int)i, s, deadline);
    }
    if (!undo_room(pid, (int)i, ops, (int)n))
        return -ENOSPC;
    for (uint64_t k = 0; k < n; k++) {
        ss->val[ops[k].num] = (uint16_t)(ss->val[ops[k].num] + ops[k].op);
        ss->pid[ops[k].num] = pid;
        if ((ops[k].flags & SEM_UNDO) && ops[k].op)
            undo_add(pid, (int)i, ops[k].num, -ops[k].op);
    }
    ss->otime = sysv_now();
    sysv_retry(SYSV_SEM, (int)i);
    return 0;
}

long sys_semop(struct lthread *t, const struct sysargs *s)
{
    return semop_common(t, s, 0);
}

long sys_semtimedop(struct lthread *t, const struct sysargs *s)
{
    return semop_common(t, s, s->a[3]);
}

/* How many threads wait for semaphore num of set to grow (zero: to be 0). */
static long waiting(int set, int num, bool zero)
{
    static struct sembuf_k ops[SEM_OPS];
    long count = 0;
    for (int k = 0; k < MAX_THREADS; k++) {
        struct lthread *w = &threads[k];
        if (!w->tid || w->wait != WAIT_IPC || w->ipc_kind != SYSV_SEM || w->ipc_index != set)
            continue;
        uint64_t n = w->ipc_args[2];
        if (n > SEM_OPS || mm_copy_in(w->proc, ops, w->ipc_args[1], n * sizeof ops[0]) < 0)
            continue;
        /* The operation it waits at: the first that cannot happen. */
        int val[SEM_MAX];
        for (int j = 0; j < sets[set].nsems; j++)
            val[j] = sets[set].val[j];
        for (uint64_t j = 0; j < n && ops[j].num < sets[set].nsems; j++) {
            int v = val[ops[j].num] + ops[j].op;
            bool blocks = ops[j].op == 0 ? val[ops[j].num] != 0 : v < 0;
            if (blocks) {
                count += ops[j].num == num && (ops[j].op == 0) == zero;
                break;
            }
            val[ops[j].num] = v;
        }
    }
    return count;
}

static long set_values(struct lthread *t, int i, int num, uint64_t arg)
{
    struct semset *ss = &sets[i];
    uint16_t vals[SEM_MAX];
    if (num >= 0) {
        if ((int)arg < 0 || (int)arg > SEMVMX)
            return -ERANGE;
        vals[0] = (uint16_t)arg;
    } else if (mm_copy_in(t->proc, vals, arg, (uint64_t)ss->nsems * sizeof vals[0]) < 0) {
        return -EFAULT;
    }
    for (int k = 0; num < 0 && k < ss->nsems; k++)
        if (vals[k] > SEMVMX)
            return -ERANGE;
    for (int k = 0; k < ss->nsems; k++) {
        if (num >= 0 && k != num)
            continue;
        ss->val[k] = vals[num >= 0 ? 0 : k];
        ss->pid[k] = t->proc->pid;
    }
    undo_clear(i, num);
    objs[i].ctime = sysv_now();
    sysv_retry(SYSV_SEM, i);
    return 0;
}

long sys_semctl(struct lthread *t, const struct sysargs *s)
{
    long i = sysv_index(objs, SEM_SETS, (long)s->a[0]);
    int num = (int)s->a[1], cmd = (int)s->a[2] & ~IPC_64;
    uint64_t arg = s->a[3];
    struct semid_k ds;
    if (i < 0)
        return i;
    struct semset *ss = &sets[i];
    bool one = cmd == GETPID || cmd == GETVAL || cmd == GETNCNT || cmd == GETZCNT ||
               cmd == SETVAL;
    if (one && (num < 0 || num >= ss->nsems))
        return -EINVAL;
    switch (cmd) {
    case IPC_STAT:
        ds = (struct semid_k){ .otime = ss->otime, .ctime = objs[i].ctime,
                               .nsems = (uint64_t)ss->nsems };
        sysv_perm(&objs[i], &ds.perm);
        return mm_copy_out(t->proc, arg, &ds, sizeof ds) < 0 ? -EFAULT : 0;
    case IPC_SET:
        if (mm_copy_in(t->proc, &ds, arg, sizeof ds) < 0)
            return -EFAULT;
        sysv_set(&objs[i], &ds.perm);
        return 0;
    case IPC_RMID:
        undo_clear((int)i, -1);
        sysv_remove(&objs[i], SYSV_SEM, (int)i);
        return 0;
    case GETVAL:
        return ss->val[num];
    case GETPID:
        return ss->pid[num];
    case GETNCNT:
        return waiting((int)i, num, false);
    case GETZCNT:
        return waiting((int)i, num, true);
    case GETALL:
        return mm_copy_out(t->proc, arg, ss->val, (uint64_t)ss->nsems * sizeof ss->val[0]) < 0
                   ? -EFAULT : 0;
    case SETVAL:
        return set_values(t, (int)i, num, arg);
    case SETALL:
        return set_values(t, (int)i, -1, arg);
    default:
        return -EINVAL;
    }
}

void sem_exit(struct lproc *p)
{
    for (int k = 0; k < UNDO_MAX; k++) {
        struct undo *u = &undos[k];
        if (u->pid != p->pid)
            continue;
        u->pid = 0;
        if (!objs[u->set].used || objs[u->set].seq != u->seq)
            continue;
        int v = sets[u->set].val[u->num] + u->adj;
        sets[u->set].val[u->num] = (uint16_t)(v < 0 ? 0 : v > SEMVMX ? SEMVMX : v);
        sets[u->set].pid[u->num] = p->pid;
        sysv_retry(SYSV_SEM, u->set);
    }
}
