/* System V IPC: message queues, semaphore sets (with waiting, timeouts and
 * SEM_UNDO) and shared memory segments, between a parent and its child. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"

struct msg {
    long type;
    char text[32];
};

static int child_status(pid_t pid)
{
    int status = -1;
    return waitpid(pid, &status, 0) == pid ? status : -1;
}

static void msg_queue(void)
{
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    EXPECT(q >= 0);
    struct msg m = { 2, "two" }, r;
    EXPECT(msgsnd(q, &m, 4, 0) == 0);
    m = (struct msg){ 1, "one" };
    EXPECT(msgsnd(q, &m, 4, 0) == 0);
    m = (struct msg){ 0, "zero" };
    EXPECT(msgsnd(q, &m, 5, IPC_NOWAIT) == -1 && errno == EINVAL);
    struct msqid_ds ds;
    EXPECT(msgctl(q, IPC_STAT, &ds) == 0 && ds.msg_qnum == 2 && ds.msg_cbytes == 8 &&
           ds.msg_lspid == getpid() && (ds.msg_perm.mode & 0777) == 0600);
    /* By type: 1 first, then the lowest type up to 5, then nothing. */
    EXPECT(msgrcv(q, &r, sizeof r.text, 1, 0) == 4 && r.type == 1 && !strcmp(r.text, "one"));
    EXPECT(msgrcv(q, &r, 2, -5, 0) == -1 && errno == E2BIG);
    EXPECT(msgrcv(q, &r, 2, -5, MSG_NOERROR) == 2 && r.type == 2 && !memcmp(r.text, "tw", 2));
    EXPECT(msgrcv(q, &r, sizeof r.text, 0, IPC_NOWAIT) == -1 && errno == ENOMSG);
    /* A receive waits for the child's send. */
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100000);
        struct msg c = { 7, "from child" };
        _exit(msgsnd(q, &c, sizeof c.text, 0) == 0 ? 0 : 1);
    }
    EXPECT(msgrcv(q, &r, sizeof r.text, 7, 0) == sizeof r.text && !strcmp(r.text, "from child"));
    EXPECT(child_status(pid) == 0);
    /* Removal ends a waiting receive with EIDRM. */
    pid = fork();
    if (pid == 0)
        _exit(msgrcv(q, &r, sizeof r.text, 0, 0) == -1 && errno == EIDRM ? 0 : 1);
    usleep(100000);
    EXPECT(msgctl(q, IPC_RMID, 0) == 0);
    EXPECT(child_status(pid) == 0);
    EXPECT(msgsnd(q, &m, 4, 0) == -1 && errno == EINVAL);
}

static void sem_set(void)
{
    key_t key = 0x4d494341;
    int s = semget(key, 2, IPC_CREAT | 0600);
    if (s >= 0)
        semctl(s, 0, IPC_RMID);     /* a leftover of an earlier run */
    s = semget(key, 2, IPC_CREAT | IPC_EXCL | 0600);
    EXPECT(s >= 0);
    EXPECT(semget(key, 2, IPC_CREAT | IPC_EXCL | 0600) == -1 && errno == EEXIST);
    EXPECT(semget(key, 3, 0) == -1 && errno == EINVAL);
    EXPECT(semget(key, 0, 0) == s);
    unsigned short all[2] = { 0, 5 };
    EXPECT(semctl(s, 0, SETALL, all) == 0 && semctl(s, 1, GETVAL) == 5);
    /* All or nothing: the second operation cannot happen, so neither does. */
    struct sembuf two[2] = { { 1, -1, 0 }, { 0, -1, IPC_NOWAIT } };
    EXPECT(semop(s, two, 2) == -1 && errno == EAGAIN && semctl(s, 1, GETVAL) == 5);
    struct sembuf bad = { 2, 1, 0 };
    EXPECT(semop(s, &bad, 1) == -1 && errno == EFBIG);
    struct timespec ts = { 0, 50000000 };
    struct sembuf down = { 0, -1, 0 };
    EXPECT(semtimedop(s, &down, 1, &ts) == -1 && errno == EAGAIN);
    /* The child waits for semaphore 0; the parent sees it wait, then posts. */
    pid_t pid = fork();
    if (pid == 0)
        _exit(semop(s, &down, 1) == 0 ? 0 : 1);
    for (int i = 0; i < 100 && semctl(s, 0, GETNCNT) != 1; i++)
        usleep(10000);
    EXPECT(semctl(s, 0, GETNCNT) == 1);
    struct sembuf up = { 0, 1, 0 };
    EXPECT(semop(s, &up, 1) == 0);
    EXPECT(child_status(pid) == 0 && semctl(s, 0, GETVAL) == 0);
    EXPECT(semctl(s, 0, GETPID) == pid);
    /* SEM_UNDO: what the child took comes back when it ends. */
    pid = fork();
    if (pid == 0) {
        struct sembuf take = { 1, -3, SEM_UNDO };
        _exit(semop(s, &take, 1) == 0 && semctl(s, 1, GETVAL) == 2 ? 0 : 1);
    }
    EXPECT(child_status(pid) == 0 && semctl(s, 1, GETVAL) == 5);
    struct semid_ds ds;
    EXPECT(semctl(s, 0, IPC_STAT, &ds) == 0 && ds.sem_nsems == 2 && ds.sem_otime > 0);
    EXPECT(semctl(s, 0, SETVAL, 40000) == -1 && errno == ERANGE);
    EXPECT(semctl(s, 0, IPC_RMID) == 0);
    EXPECT(semctl(s, 0, GETVAL) == -1 && errno == EINVAL);
}

static void shm_segment(void)
{
    int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    EXPECT(id >= 0);
    char *a = shmat(id, 0, 0);
    EXPECT(a != (void *)-1);
    if (a == (void *)-1)
        return;
    EXPECT(a[0] == 0 && a[9999] == 0);
    strcpy(a, "parent");
    /* A child attaches it again and writes; the parent sees both. */
    pid_t pid = fork();
    if (pid == 0) {
        char *b = shmat(id, 0, SHM_RDONLY);
        int ok = b != (void *)-1 && !strcmp(b, "parent");
        strcpy(a + 8000, "child");
        _exit(ok && shmdt(b) == 0 ? 0 : 1);
    }
    EXPECT(child_status(pid) == 0 && !strcmp(a + 8000, "child"));
    struct shmid_ds ds;
    EXPECT(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_segsz == 10000 && ds.shm_nattch == 1 &&
           ds.shm_cpid == getpid());
    /* Removed while attached: the memory stays until shmdt. */
    EXPECT(shmctl(id, IPC_RMID, 0) == 0);
    EXPECT(!strcmp(a, "parent"));
    EXPECT(shmdt(a) == 0);
    EXPECT(shmdt(a) == -1 && errno == EINVAL);
    EXPECT(shmctl(id, IPC_STAT, &ds) == -1 && errno == EINVAL);
    EXPECT(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600) == -1 && errno == EINVAL);
}

static const struct test_case cases[] = {
    { "msg_queue", msg_queue },
    { "sem_set", sem_set },
    { "shm_segment", shm_segment },
};

int main(int argc, char **argv)
{
    return run_cases("sysv", cases, sizeof cases / sizeof cases[0], argc, argv);
}
