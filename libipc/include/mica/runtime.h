/*
 * The runtime of native (non-POSIX) programs: crt0 calls
 * main(bootinfo) and exits with its result; debug_printf prints through
 * the kernel's debug console.
 */
#ifndef MICA_RUNTIME_H
#define MICA_RUNTIME_H

#include <stdint.h>

#include "mica/syscall.h"

/* rdinstret as the program's first instruction executed. */
extern uint64_t runtime_start_instret;

/* rdtime ticks per second. */
extern uint64_t mica_timebase_freq;
/* Wall clock = this + the monotonic clock, in ns (root reads the RTC). */
extern int64_t mica_realtime_offset_ns;

/* Nanoseconds since boot, from rdtime. */
uint64_t mica_monotonic_ns(void);
/* Nanoseconds since the epoch. */
int64_t mica_realtime_ns(void);

/* The command line a spawned program was started with ("" if none). */
const char *mica_args(void);

/* Per-thread data of native programs; tp points at it. */
struct mica_tls {
    struct mica_ipc_buffer *ipcbuf;   /* this thread's IPC buffer */
    long thread;                      /* slot of this thread's capability */
};

static inline struct mica_tls *mica_tls(void)
{
    struct mica_tls *t;
    __asm__("mv %0, tp" : "=r"(t));
    return t;
}

/* The calling thread's IPC buffer. */
static inline struct mica_ipc_buffer *mica_ipcbuf(void)
{
    return mica_tls()->ipcbuf;
}

int main(void *arg);
void debug_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
