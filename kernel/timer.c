/*
 * The scheduler tick. One deadline per hart is programmed: the next tick.
 * With Sstc the kernel writes stimecmp itself (no trip to M-mode); without
 * it, SBI TIME does the same through the firmware.
 */
#include <stdbool.h>

#include "console.h"
#include "fdt.h"
#include "object/notification.h"
#include "panic.h"
#include "sched.h"
#include "timer.h"
#include "arch/riscv/csr.h"
#include "arch/riscv/sbi.h"

#define TICK_HZ 100

static bool use_sstc;
static uint64_t freq;
static uint64_t tick_len;
static uint64_t next_tick;
static uint64_t next_timer;     /* earliest notification timer, 0 if none */
static bool idle;               /* no tick while nothing runs */

void timer_init(const struct boot_info *bi)
{
    freq = bi->timebase_freq;
    if (!freq)
        panic("timer: no timebase-frequency in the device tree");
    use_sstc = bi->has_sstc;
    tick_len = freq / TICK_HZ;
    next_tick = timer_now() + tick_len;
    timer_set(next_tick);
    csr_set(sie, SIE_STIE);
}

uint64_t timer_now(void)
{
    return read_time();
}

uint64_t timer_freq(void)
{
    return freq;
}

void timer_set(uint64_t deadline)
{
    if (use_sstc)
        write_stimecmp(deadline);
    else
        sbi_set_timer(deadline);
}

void timer_reprogram(void)
{
    next_timer = notification_timers_run(timer_now());
    uint64_t tick = idle ? UINT64_MAX : next_tick;
    timer_set(next_timer && next_timer < tick ? next_timer : tick);
}

void timer_idle_enter(void)
{
    idle = true;
    timer_reprogram();
}

void timer_idle_exit(void)
{
    idle = false;
    next_tick = timer_now() + tick_len;
    timer_reprogram();
}

void timer_interrupt(void)
{
    uint64_t now = timer_now();
    if (!idle && next_tick <= now) {
        while (next_tick <= now)
            next_tick += tick_len;
        sched_tick();
    }
    timer_reprogram();
}
