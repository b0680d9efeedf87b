/* Timers: alarm/setitimer (SIGALRM), POSIX timers with SIGEV_SIGNAL and
 * a value, periodic timers, timer_gettime and timer_delete. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"

static volatile int alarms, ticks, value, code;

static void on_alarm(int sig) { (void)sig; alarms++; }

static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    ticks++;
    value = si->si_value.sival_int;
    code = si->si_code;
}

/* A one-shot ITIMER_REAL delivers one SIGALRM and then reads as disarmed. */
static void setitimer_alarm(void)
{
    alarms = 0;
    signal(SIGALRM, on_alarm);
    struct itimerval it = { { 0, 0 }, { 0, 20000 } };
    EXPECT(setitimer(ITIMER_REAL, &it, 0) == 0);
    while (!alarms)
        pause();
    EXPECT(alarms == 1);
    struct itimerval cur;
    EXPECT(getitimer(ITIMER_REAL, &cur) == 0 && cur.it_value.tv_usec == 0);
}

/* A periodic POSIX timer carries its value and SI_TIMER, and stops ticking
 * once deleted. */
static void posix_timer_periodic(void)
{
    ticks = 0;
    struct sigaction sa = { .sa_sigaction = on_rt, .sa_flags = SA_SIGINFO };
    sigaction(SIGRTMIN, &sa, 0);
    struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
    ev.sigev_value.sival_int = 1234;
    timer_t id;
    EXPECT(timer_create(CLOCK_MONOTONIC, &ev, &id) == 0);
    struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } };
    EXPECT(timer_settime(id, 0, &its, 0) == 0);
    while (ticks < 3)
        pause();
    EXPECT(value == 1234 && code == SI_TIMER);
    struct itimerspec left;
    EXPECT(timer_gettime(id, &left) == 0 && left.it_interval.tv_nsec == 10000000);
    EXPECT(timer_delete(id) == 0);
    int before = ticks;
    usleep(30000);
    EXPECT(ticks == before);
}

/* CPU time: a busy loop shows in the process and thread clocks, in
 * getrusage and times; sleeping does not; a reaped child's time shows in
 * RUSAGE_CHILDREN. */
static long monotonic_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000L + t.tv_nsec / 1000000;
}

static long ns_of(clockid_t c);

/* Computes until the thread's CPU clock has advanced ms, giving up after
 * 10 s of wall time (a clock that never moves must fail, not hang). */
static void busy(long ms)
{
    long start = ns_of(CLOCK_THREAD_CPUTIME_ID), give_up = monotonic_ms() + 10000;
    do
        for (volatile int i = 0; i < 100000; i++)
            ;
    while (ns_of(CLOCK_THREAD_CPUTIME_ID) - start < ms * 1000000L && monotonic_ms() < give_up);
}

static long ns_of(clockid_t c)
{
    struct timespec t;
    EXPECT(clock_gettime(c, &t) == 0);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* User and system time of a struct rusage, in microseconds. */
static long us_of(const struct rusage *ru)
{
    return ru->ru_utime.tv_sec * 1000000L + ru->ru_utime.tv_usec +
           ru->ru_stime.tv_sec * 1000000L + ru->ru_stime.tv_usec;
}

static void cpu_time(void)
{
    long p0 = ns_of(CLOCK_PROCESS_CPUTIME_ID), t0 = ns_of(CLOCK_THREAD_CPUTIME_ID);
    busy(100);
    long p1 = ns_of(CLOCK_PROCESS_CPUTIME_ID), t1 = ns_of(CLOCK_THREAD_CPUTIME_ID);
    EXPECT(p1 - p0 >= 100 * 1000000L && t1 - t0 >= 100 * 1000000L);
    EXPECT(p1 - p0 <= 5000 * 1000000L);
    usleep(100 * 1000);
    EXPECT(ns_of(CLOCK_PROCESS_CPUTIME_ID) - p1 < 50 * 1000000L);
    struct rusage ru;
    EXPECT(getrusage(RUSAGE_SELF, &ru) == 0 && us_of(&ru) >= 100000);
    struct tms tm;
    EXPECT(times(&tm) != (clock_t)-1 && tm.tms_utime + tm.tms_stime >= 10);
    pid_t pid = fork();
    if (pid == 0) {
        busy(100);
        _exit(0);
    }
    EXPECT(waitpid(pid, 0, 0) == pid);
    /* busy counts the thread's CPU clock: user and system time together. */
    EXPECT(getrusage(RUSAGE_CHILDREN, &ru) == 0 && us_of(&ru) >= 100000);
    EXPECT(getrusage(7, &ru) == -1 && errno == EINVAL);
    struct timespec res;
    EXPECT(clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0);
}

/* System calls are charged as system time; the process CPU clock is user
 * and system time; wait4 and waitid report a child's times. */
static void system_time(void)
{
    struct rusage ru = { 0 };
    struct stat st;
    long give_up = monotonic_ms() + 10000;
    while (monotonic_ms() < give_up && getrusage(RUSAGE_SELF, &ru) == 0 &&
           ru.ru_stime.tv_sec == 0 && ru.ru_stime.tv_usec == 0)
        for (int i = 0; i < 100; i++)
            stat("/", &st);
    EXPECT(ru.ru_stime.tv_sec > 0 || ru.ru_stime.tv_usec > 0);
    EXPECT(getrusage(RUSAGE_SELF, &ru) == 0);
    long clock_us = ns_of(CLOCK_PROCESS_CPUTIME_ID) / 1000;
    EXPECT(clock_us >= us_of(&ru) - 2);       /* getrusage rounds down */
    struct tms tm;
    EXPECT(times(&tm) != (clock_t)-1);
    for (int kind = 0; kind < 2; kind++) {
        pid_t pid = fork();
        if (pid == 0) {
            busy(100);
            _exit(0);
        }
        struct rusage child = { 0 };
        if (kind == 0) {
            int status;
            EXPECT(wait4(pid, &status, 0, &child) == pid && WIFEXITED(status));
        } else {
            siginfo_t info;
            EXPECT(syscall(SYS_waitid, P_PID, pid, &info, WEXITED, &child) == 0 &&
                   info.si_pid == pid);
        }
        EXPECT(us_of(&child) >= 100000 && us_of(&child) < 5000000);
    }
}

static const struct test_case cases[] = {
    { "setitimer_alarm", setitimer_alarm },
    { "posix_timer_periodic", posix_timer_periodic },
    { "cpu_time", cpu_time },
    { "system_time", system_time },
};

int main(int argc, char **argv)
{
    return run_cases("timers", cases, sizeof cases / sizeof cases[0], argc, argv);
}
