/*
 * The C side of crt0: records the start instruction count, runs main and
 * exits with its status; debug_printf.
 */
#include <stdarg.h>

#include "mica/bootinfo.h"
#include "mica/fmt.h"
#include "mica/runtime.h"
#include "mica/sys.h"

uint64_t runtime_start_instret;
uint64_t mica_timebase_freq;
int64_t mica_realtime_offset_ns;

/* The first thread's: its IPC buffer is where the creator mapped it. */
static struct mica_tls main_tls = {
    (struct mica_ipc_buffer *)MICA_IPCBUF_VA, MICA_SLOT_THREAD
};

__attribute__((noreturn)) void runtime_start(void *arg, uint64_t instret)
{
    runtime_start_instret = instret;
    __asm__ volatile("mv tp, %0" :: "r"(&main_tls));
    /* The first process has the boot info; everyone else its spawn args. */
    if ((uint64_t)arg == MICA_BOOTINFO_VA)
        mica_timebase_freq = ((const struct mica_bootinfo *)arg)->timebase_freq;
    else {
        const struct mica_args *a = (const struct mica_args *)MICA_ARGS_VA;
        mica_timebase_freq = a->timebase_freq;
        mica_realtime_offset_ns = a->realtime_offset_ns;
    }
    mica_exit(main(arg));
}

uint64_t mica_monotonic_ns(void)
{
    uint64_t t = mica_time(), f = mica_timebase_freq ? mica_timebase_freq : 1;
    return t / f * 1000000000ull + t % f * 1000000000ull / f;
}

int64_t mica_realtime_ns(void)
{
    return mica_realtime_offset_ns + (int64_t)mica_monotonic_ns();
}

const char *mica_args(void)
{
    return ((const struct mica_args *)MICA_ARGS_VA)->cmdline;
}

void debug_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    mica_debug_puts(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
}
