/*
 * Advisory file locks. Record locks (fcntl F_GETLK, F_SETLK, F_SETLKW)
 * belong to a process and a file: a process's locks on a file go when it
 * closes any descriptor of that file, or ends; a process never conflicts
 * with itself, and a new lock replaces the part of its own locks it
 * covers. flock locks belong to an open file description and go with its
 * last close. A request that conflicts waits (F_SETLKW, flock without
 * LOCK_NB) and is tried again whenever a lock goes, as System V waits are
 * (sysv.c); F_SETLKW answers EDEADLK when the owner it waits for waits
 * for it. Limits: MAX_LOCKS record locks and MAX_FLOCKS flock locks.
 */
#include "sysv.h"

#include "mica/string.h"

#define MAX_LOCKS   256
#define MAX_FLOCKS  128
#define F_RDLCK     0
#define F_WRLCK     1
#define F_UNLCK     2
#define F_GETLK     5
#define F_SETLK     6
#define F_SETLKW    7
#define LOCK_SH     1
#define LOCK_EX     2
#define LOCK_NB     4
#define LOCK_UN     8
#define O_ACCMODE   3
#define END         UINT64_MAX       /* to the end of the file, however long */
#define SYS_FCNTL   25               /* a waiting F_SETLKW (flock is 32) */

struct rlock {
    int pid;                         /* 0: free */
    struct fs_fileid id;
    uint64_t start, end;             /* [start, end) */
    int type;
};

struct flock_k {
    struct ofile *f;                 /* NULL: free */
    struct fs_fileid id;
    bool exclusive;
};

/* struct flock of the riscv64 Linux ABI. */
struct flock_u {
    int16_t type, whence;
    int32_t pad;
    int64_t start, len;
    int32_t pid, pad2;
};

static struct rlock locks[MAX_LOCKS];
static struct flock_k flocks[MAX_FLOCKS];
/* No entry at or past these has ever been taken: the scans every close and
 * exit makes stop there (a program that never locks pays nothing). */
static int locks_top, flocks_top;

static bool same(struct fs_fileid a, struct fs_fileid b)
{
    return a.ino == b.ino && a.gen == b.gen;
}

/* Anything changed: waiting lock requests try again. */
static void changed(void)
{
    sysv_retry(SYSV_LOCK, 0);
}

/* The lock of another process that conflicts with [start, end) of type. */
static struct rlock *conflict(int pid, struct fs_fileid id, uint64_t start, uint64_t end,
                              int type)
{
    for (int i = 0; i < MAX_LOCKS; i++) {
        struct rlock *l = &locks[i];
        if (l->pid && l->pid != pid && same(l->id, id) && l->start < end && start < l->end &&
            (type == F_WRLCK || l->type == F_WRLCK))
            return l;
    }
    return NULL;
}

static struct rlock *new_lock(void)
{
    for (int i = 0; i < MAX_LOCKS; i++) {
        if (!locks[i].pid) {
            if (i >= locks_top)
                locks_top = i + 1;
            return &locks[i];
        }
    }
    return NULL;
}

/* Frees are needed to apply a request: at most one split. */
static int free_locks(void)
{
    int n = 0;
    for (int i = 0; i < MAX_LOCKS; i++)
        n += !locks[i].pid;
    return n;
}

/* Takes [start, end) out of pid's locks on id (there is room for a split). */
static void carve(int pid, struct fs_fileid id, uint64_t start, uint64_t end)
{
    for (int i = 0; i < MAX_LOCKS; i++) {
        struct rlock *l = &locks[i];
        if (!l->pid || l->pid != pid || !same(l->id, id) || l->end <= start || end <= l->start)
            continue;
        if (l->start < start && l->end > end) {
            struct rlock *r = new_lock();
            *r = *l;
            r->start = end;
            l->end = start;
        } else if (l->start < start) {
            l->end = start;
        } else if (l->end > end) {
            l->start = end;
        } else {
            l->pid = 0;
        }
    }
}

/* Does the owner of l wait (F_SETLKW) for a lock pid holds? */
static bool deadlock(const struct rlock *l, int pid)
{
    for (int i = 0; i < thread_high; i++) {
        struct lthread *w = &threads[i];
        if (!w->tid || w->proc->pid != l->pid || w->wait != WAIT_IPC || w->ipc_kind != SYSV_LOCK ||
            w->ipc_nr != SYS_FCNTL)
            continue;
        for (int k = 0; k < MAX_LOCKS; k++)
            if (locks[k].pid == pid && same(locks[k].id, l->id))
                return true;
    }
    return false;
}

/* The byte range a struct flock names, for file f. */
static long range_of(struct ofile *f, const struct flock_u *fl, uint64_t *start, uint64_t *end)
{
    int64_t base;
    if (fl->whence == 0) {
        base = 0;
    } else if (fl->whence == 1) {
        base = (int64_t)f->offset;
    } else if (fl->whence == 2) {
        struct fs_stat st;
        long err = attr_get(f->id, &st);
        if (err)
            return err;
        base = (int64_t)st.size;
    } else {
        return -EINVAL;
    }
    int64_t s = base + fl->start, e;
    if (fl->len > 0) {
        e = s + fl->len;
    } else if (fl->len < 0) {
        e = s;
        s += fl->len;
    } else {
        e = -1;
    }
    if (s < 0)
        return -EINVAL;
    *start = (uint64_t)s;
    *end = e < 0 ? END : (uint64_t)e;
    return 0;
}

long lock_fcntl(struct lthread *t, const struct sysargs *s, struct ofile *f)
{
    struct lproc *p = t->proc;
    int cmd = (int)s->a[1];
    struct flock_u fl;
    uint64_t start, end;
    if (f->kind != OF_FILE)
        return -EINVAL;
    if (mm_copy_in(p, &fl, s->a[2], sizeof fl) < 0)
        return -EFAULT;
    if (fl.type != F_RDLCK && fl.type != F_WRLCK && fl.type != F_UNLCK)
        return -EINVAL;
    long err = range_of(f, &fl, &start, &end);
    if (err)
        return err;
    if (cmd == F_GETLK) {
        if (fl.type == F_UNLCK)
            return -EINVAL;
        struct rlock *l = conflict(p->pid, f->id, start, end, fl.type);
        if (!l) {
            fl.type = F_UNLCK;
        } else {
            fl = (struct flock_u){ .type = (int16_t)l->type, .whence = 0,
                                   .start = (int64_t)l->start,
                                   .len = l->end == END ? 0 : (int64_t)(l->end - l->start),
                                   .pid = l->pid };
        }
        return mm_copy_out(p, s->a[2], &fl, sizeof fl) < 0 ? -EFAULT : 0;
    }
    uint32_t acc = f->flags & O_ACCMODE;
    if ((fl.type == F_RDLCK && acc == 1) || (fl.type == F_WRLCK && acc == 0))
        return -EBADF;
    if (fl.type != F_UNLCK) {
        struct rlock *l = conflict(p->pid, f->id, start, end, fl.type);
        if (l && cmd == F_SETLK)
            return -EAGAIN;
        if (l && deadlock(l, p->pid))
            return -EDEADLK;
        if (l)
            return sysv_wait(t, SYSV_LOCK, 0, s, 0);
        if (free_locks() < 2)
            return -ENOLCK;
    } else if (free_locks() < 1) {
        return -ENOLCK;
    }
    carve(p->pid, f->id, start, end);
    if (fl.type != F_UNLCK)
        *new_lock() = (struct rlock){ p->pid, f->id, start, end, fl.type };
    changed();
    return 0;
}

void lock_closed(struct lproc *p, struct ofile *f)
{
    bool any = false;
    for (int i = 0; i < locks_top; i++)
        if (locks[i].pid == p->pid && same(locks[i].id, f->id)) {
            locks[i].pid = 0;
            any = true;
        }
    if (any)
        changed();
}

void lock_exit(struct lproc *p)
{
    bool any = false;
    for (int i = 0; i < locks_top; i++)
        if (locks[i].pid == p->pid) {
            locks[i].pid = 0;
            any = true;
        }
    if (any)
        changed();
}

void lock_file_gone(struct ofile *f)
{
    for (int i = 0; i < flocks_top; i++)
        if (flocks[i].f == f) {
            flocks[i].f = NULL;
            changed();
        }
}

long sys_flock(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    int op = (int)s->a[1];
    if (!f)
        return -EBADF;
    int kind = op & ~LOCK_NB;
    if (kind != LOCK_SH && kind != LOCK_EX && kind != LOCK_UN)
        return -EINVAL;
    if (f->kind != OF_FILE)
        return -EINVAL;
    struct flock_k *mine = NULL, *slot = NULL;
    for (int i = 0; i < MAX_FLOCKS; i++) {
        if (flocks[i].f == f)
            mine = &flocks[i];
        else if (!flocks[i].f && !slot)
            slot = &flocks[i];
    }
    if (kind == LOCK_UN) {
        if (mine) {
            mine->f = NULL;
            changed();
        }
        return 0;
    }
    bool ex = kind == LOCK_EX;
    for (int i = 0; i < MAX_FLOCKS; i++) {
        struct flock_k *o = &flocks[i];
        if (o->f && o->f != f && same(o->id, f->id) && (ex || o->exclusive)) {
            if (op & LOCK_NB)
                return -EAGAIN;         /* EWOULDBLOCK */
            return sysv_wait(t, SYSV_LOCK, 0, s, 0);
        }
    }
    if (!mine && !(mine = slot))
        return -ENOLCK;
    *mine = (struct flock_k){ f, f->id, ex };
    if (mine - flocks >= flocks_top)
        flocks_top = (int)(mine - flocks) + 1;
    changed();                          /* a downgrade lets others in */
    return 0;
}
