/* Threads: create and join, a contended mutex, a condition variable, TLS,
 * robust mutexes whose owner dies, and futex timeouts. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int ready;
static __thread int tls_value;

static void *adder(void *arg)
{
    tls_value = (int)(long)arg;
    for (int i = 0; i < 1000; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        if (i % 100 == 0)
            sched_yield();
    }
    return (void *)(long)(tls_value * 2);
}

static void *waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!ready)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    return 0;
}

static pthread_mutex_t robust;

static void *dies_holding(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&robust);
    return 0;                    /* exits with the mutex held */
}

/* Four threads contend for one mutex; each has its own TLS value. */
static void create_join_mutex(void)
{
    counter = 0;
    pthread_t t[4];
    for (long i = 0; i < 4; i++)
        EXPECT(pthread_create(&t[i], 0, adder, (void *)(i + 1)) == 0);
    for (long i = 0; i < 4; i++) {
        void *ret;
        EXPECT(pthread_join(t[i], &ret) == 0 && (long)ret == (i + 1) * 2);
    }
    EXPECT(counter == 4000);
    EXPECT(tls_value == 0);
}

static void condvar_broadcast(void)
{
    ready = 0;
    pthread_t w;
    EXPECT(pthread_create(&w, 0, waiter, 0) == 0);
    usleep(10000);
    pthread_mutex_lock(&lock);
    ready = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    EXPECT(pthread_join(w, 0) == 0);
}

static void robust_owner_dies(void)
{
    /* qemu-user does not implement robust futex lists (FACTS.md). */
    if (getenv("NO_ROBUST_FUTEX"))
        return;
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &a);
    pthread_t d;
    EXPECT(pthread_create(&d, 0, dies_holding, 0) == 0);
    EXPECT(pthread_join(d, 0) == 0);
    EXPECT(pthread_mutex_lock(&robust) == EOWNERDEAD);
    EXPECT(pthread_mutex_consistent(&robust) == 0);
    pthread_mutex_unlock(&robust);
}

static void cond_timedwait(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&lock);
    EXPECT(pthread_cond_timedwait(&cond, &lock, &ts) == ETIMEDOUT);
    pthread_mutex_unlock(&lock);
}

static pthread_mutex_t pi;
static int pi_got;

/* Holds the PI mutex a while, then ends with it held. */
static void *pi_holder(void *arg)
{
    pthread_mutex_lock(&pi);
    *(volatile int *)arg = 1;
    usleep(50000);
    return 0;
}

static void *pi_locker(void *arg)
{
    (void)arg;
    pi_got = pthread_mutex_lock(&pi);
    pthread_mutex_unlock(&pi);
    return 0;
}

/* Priority-inheritance mutexes (FUTEX_LOCK_PI, UNLOCK_PI): a waiter gets
 * the lock from the owner's unlock, or from its death if the mutex is
 * robust; relocking is EDEADLK and a stranger's unlock EPERM. */
static void pi_mutex(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    EXPECT(pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT) == 0);
    EXPECT(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK) == 0);
    EXPECT(pthread_mutex_init(&pi, &a) == 0);
    EXPECT(pthread_mutex_lock(&pi) == 0);
    EXPECT(pthread_mutex_lock(&pi) == EDEADLK);
    pi_got = -1;
    pthread_t w;
    EXPECT(pthread_create(&w, 0, pi_locker, 0) == 0);
    usleep(20000);
    EXPECT(pi_got == -1);                /* it waits */
    EXPECT(pthread_mutex_unlock(&pi) == 0);
    EXPECT(pthread_join(w, 0) == 0 && pi_got == 0);
    EXPECT(pthread_mutex_unlock(&pi) == EPERM);
    pthread_mutex_destroy(&pi);
    if (getenv("NO_ROBUST_FUTEX"))
        return;
    /* Robust: the waiter gets it when the owner ends. */
    EXPECT(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) == 0);
    EXPECT(pthread_mutex_init(&pi, &a) == 0);
    volatile int held = 0;
    pthread_t h;
    EXPECT(pthread_create(&h, 0, pi_holder, (void *)&held) == 0);
    while (!held)
        usleep(1000);
    EXPECT(pthread_mutex_lock(&pi) == EOWNERDEAD);
    EXPECT(pthread_join(h, 0) == 0);
    EXPECT(pthread_mutex_consistent(&pi) == 0 && pthread_mutex_unlock(&pi) == 0);
    pthread_mutex_destroy(&pi);
}

static const struct test_case cases[] = {
    { "create_join_mutex", create_join_mutex },
    { "condvar_broadcast", condvar_broadcast },
    { "robust_owner_dies", robust_owner_dies },
    { "cond_timedwait", cond_timedwait },
    { "pi_mutex", pi_mutex },
};

int main(int argc, char **argv)
{
    return run_cases("threads", cases, sizeof cases / sizeof cases[0], argc, argv);
}
