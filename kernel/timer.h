/* The supervisor timer: Sstc's stimecmp when the hart has it, else SBI. */
#ifndef MICA_TIMER_H
#define MICA_TIMER_H

#include <stdint.h>

struct boot_info;

void timer_init(const struct boot_info *bi);
/* Arms the timer interrupt for an absolute time in timebase ticks. */
void timer_set(uint64_t deadline);
uint64_t timer_now(void);
uint64_t timer_freq(void);
/* Programs the hardware for the earlier of the next tick and timer. */
void timer_reprogram(void);
/* The hart goes idle: no tick until it runs a thread again (tickless
 * idle), only the notification timers. */
void timer_idle_enter(void);
void timer_idle_exit(void);
/* Called on a supervisor timer interrupt. */
void timer_interrupt(void);

#endif
