/*
 * Identity and time: uname, the uid calls, clock_gettime, getrandom.
 */
#include "posix.h"

#include "mica/runtime.h"
#include "mica/string.h"
#include "mica/sys.h"

#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1
#define CLOCK_BOOTTIME  7

long sys_uname(struct lthread *t, const struct sysargs *s)
{
    /* struct utsname: six 65-byte fields. */
    static const char *const fields[6] = {
        "Linux", "mica", "6.1.0-mica", "#1 Mica", "riscv64", "(none)",
    };
    char u[6 * 65];
    memset(u, 0, sizeof u);
    for (int i = 0; i < 6; i++)
        memcpy(u + 65 * i, fields[i], strlen(fields[i]));
    return mm_copy_out(t->proc, s->a[0], u, sizeof u) < 0 ? -EFAULT : 0;
}

long sys_getuid(struct lthread *t, const struct sysargs *s)
{
    (void)t;
    (void)s;
    return 0;                     /* one user: root */
}

long sys_clock_gettime(struct lthread *t, const struct sysargs *s)
{
    int64_t ns;
    switch (s->a[0]) {
    case CLOCK_REALTIME:
        ns = mica_realtime_ns();
        break;
    case CLOCK_MONOTONIC:
    case CLOCK_BOOTTIME:
        ns = (int64_t)mica_monotonic_ns();
        break;
    default:
        return -EINVAL;
    }
    int64_t ts[2] = { ns / 1000000000, ns % 1000000000 };
    return mm_copy_out(t->proc, s->a[1], ts, sizeof ts) < 0 ? -EFAULT : 0;
}

/* xorshift from the clocks: QEMU's virt machine has no entropy device. */
long sys_getrandom(struct lthread *t, const struct sysargs *s)
{
    static uint64_t x = 0x2545f4914f6cdd1dull;
    uint64_t len = s->a[1] > 256 ? 256 : s->a[1];
    uint8_t buf[256];
    x ^= mica_time() + (uint64_t)mica_realtime_ns();
    for (uint64_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (uint8_t)(x >> 24);
    }
    return mm_copy_out(t->proc, s->a[0], buf, len) < 0 ? -EFAULT : (long)len;
}
