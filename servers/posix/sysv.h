/*
 * System V IPC: message queues (sysv_msg.c), semaphore sets (sysv_sem.c)
 * and shared memory segments (sysv_shm.c), with what they have in common
 * (sysv.c): keys, ids, permissions and the threads that wait on an object.
 *
 * An id is index + SYSV_SEQ * seq, seq counting the reuses of the slot, so
 * an id of a removed object is never taken for its successor's (EIDRM or
 * EINVAL, as on Linux). Everyone is root here: permissions are kept and
 * reported, not enforced. A call that must wait keeps the caller's reply
 * (WAIT_IPC) and is tried again whenever its object changes; removal
 * answers EIDRM, a signal EINTR.
 */
#ifndef POSIX_SYSV_H
#define POSIX_SYSV_H

#include "posix.h"

#define SYSV_SEQ     32768
#define IPC_PRIVATE  0
#define IPC_CREAT    01000
#define IPC_EXCL     02000
#define IPC_NOWAIT   04000
#define IPC_RMID     0
#define IPC_SET      1
#define IPC_STAT     2
#define IPC_64       0x100

/* struct ipc64_perm of the generic 64-bit Linux ABI. */
struct ipc_perm_k {
    int32_t key;
    uint32_t uid, gid, cuid, cgid;
    uint32_t mode;
    uint16_t seq, pad;
    uint32_t pad2;
    uint64_t unused[2];
};
_Static_assert(sizeof(struct ipc_perm_k) == 48, "ipc64_perm");

/* SYSV_LOCK, SYSV_SOCK: file locks (lock.c) and sockets (socket.c) wait
 * the same way. */
enum sysv_kind { SYSV_MSG, SYSV_SEM, SYSV_SHM, SYSV_LOCK, SYSV_SOCK };

/* What every object has. */
struct sysv_obj {
    bool used;
    int32_t key;
    uint32_t mode;                 /* permission bits (and SHM_DEST etc.) */
    uint16_t seq;
    int64_t ctime;                 /* seconds */
};

/* Finds the object with key among n, or creates one (flags IPC_CREAT,
 * IPC_EXCL, mode bits): its index, *created set, or -ENOENT, -EEXIST,
 * -ENOSPC. */
long sysv_get(struct sysv_obj *o, int n, int32_t key, int flags, bool *created);
/* The index an id names: -EINVAL if none (or a removed one). */
long sysv_index(const struct sysv_obj *o, int n, long id);
long sysv_id(const struct sysv_obj *o, int index);
void sysv_perm(const struct sysv_obj *o, struct ipc_perm_k *out);
/* IPC_SET: the owner and permission bits from in. */
void sysv_set(struct sysv_obj *o, const struct ipc_perm_k *in);
/* Frees the slot; waiters on it get EIDRM. */
void sysv_remove(struct sysv_obj *o, enum sysv_kind kind, int index);
int64_t sysv_now(void);

/* Makes t wait on (kind, index) with its call s, to be tried again by
 * sysv_retry; deadline as for time_wait_until. */
long sysv_wait(struct lthread *t, enum sysv_kind kind, int index, const struct sysargs *s,
               uint64_t deadline);
/* Tries the waiting calls on (kind, index) again, answering those done. */
void sysv_retry(enum sysv_kind kind, int index);

/* The handlers, for table.c. */
long sys_msgget(struct lthread *t, const struct sysargs *s);
long sys_msgctl(struct lthread *t, const struct sysargs *s);
long sys_msgsnd(struct lthread *t, const struct sysargs *s);
long sys_msgrcv(struct lthread *t, const struct sysargs *s);
long sys_semget(struct lthread *t, const struct sysargs *s);
long sys_semctl(struct lthread *t, const struct sysargs *s);
long sys_semop(struct lthread *t, const struct sysargs *s);
long sys_semtimedop(struct lthread *t, const struct sysargs *s);
long sys_shmget(struct lthread *t, const struct sysargs *s);
long sys_shmctl(struct lthread *t, const struct sysargs *s);
long sys_shmat(struct lthread *t, const struct sysargs *s);
long sys_shmdt(struct lthread *t, const struct sysargs *s);

/* A process ends: its semaphore adjustments (SEM_UNDO) are applied, and
 * removed segments it was the last to have attached are freed. */
void sem_exit(struct lproc *p);
void shm_exit(void);
/* A page of a segment a process has attached is missing (after an
 * mprotect to PROT_NONE): maps it again. */
bool shm_fault(struct lproc *p, const struct vma *v, uint64_t page);

/* lock.c: fcntl's F_GETLK, F_SETLK, F_SETLKW on f; a process closes a
 * descriptor of f or ends; f's last descriptor goes (its flock). */
long lock_fcntl(struct lthread *t, const struct sysargs *s, struct ofile *f);
void lock_closed(struct lproc *p, struct ofile *f);
void lock_exit(struct lproc *p);
void lock_file_gone(struct ofile *f);
long sys_flock(struct lthread *t, const struct sysargs *s);

/* socket.c: the calls, and read/write/close of a socket's open file. */
long sys_socket(struct lthread *t, const struct sysargs *s);
long sys_bind(struct lthread *t, const struct sysargs *s);
long sys_listen(struct lthread *t, const struct sysargs *s);
long sys_accept(struct lthread *t, const struct sysargs *s);
long sys_accept4(struct lthread *t, const struct sysargs *s);
long sys_connect(struct lthread *t, const struct sysargs *s);
long sys_getsockname(struct lthread *t, const struct sysargs *s);
long sys_getpeername(struct lthread *t, const struct sysargs *s);
long sys_sendto(struct lthread *t, const struct sysargs *s);
long sys_recvfrom(struct lthread *t, const struct sysargs *s);
long sys_setsockopt(struct lthread *t, const struct sysargs *s);
long sys_getsockopt(struct lthread *t, const struct sysargs *s);
long sys_shutdown(struct lthread *t, const struct sysargs *s);
long sock_send(struct lthread *t, const struct sysargs *s, struct ofile *f, uint64_t buf,
               uint64_t len, uint64_t flags, uint64_t to, uint64_t tolen);
long sock_recv(struct lthread *t, const struct sysargs *s, struct ofile *f, uint64_t buf,
               uint64_t len, uint64_t flags, uint64_t from, uint64_t fromlen);
void sock_close(struct ofile *f);
/* POLLIN, POLLOUT, POLLHUP of a socket now. */
int16_t sock_events(const struct ofile *f);

#endif
