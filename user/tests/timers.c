/* Timers: alarm/setitimer (SIGALRM), POSIX timers with SIGEV_SIGNAL and
 * a value, periodic timers, timer_gettime and timer_delete. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define EXPECT(c) do { if (!(c)) { printf("timers: failed: %s (line %d)\n", #c, __LINE__); failures++; } } while (0)

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

int main(void)
{
    signal(SIGALRM, on_alarm);
    struct itimerval it = { { 0, 0 }, { 0, 20000 } };
    EXPECT(setitimer(ITIMER_REAL, &it, 0) == 0);
    while (!alarms)
        pause();
    EXPECT(alarms == 1);
    struct itimerval cur;
    EXPECT(getitimer(ITIMER_REAL, &cur) == 0 && cur.it_value.tv_usec == 0);

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
    printf("timers: %s\n", failures ? "FAILED" : "ok");
    return failures;
}
