/*
 * Identity and time: uname, the uid calls, clock_gettime, getrandom.
 */
#include "posix.h"

#include "mica/runtime.h"
#include "mica/fs.h"
#include "mica/string.h"
#include "mica/sys.h"

#define CLOCK_REALTIME  0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID  3
#define CLOCK_BOOTTIME  7
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD   1

static char hostname[65] = "mica";
static char domainname[65] = "(none)";

long sys_uname(struct lthread *t, const struct sysargs *s)
{
    /* struct utsname: six 65-byte fields. */
    const char *const fields[6] = {
        "Linux", hostname, "6.1.0-mica", "#1 Mica", "riscv64", domainname,
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
    case CLOCK_PROCESS_CPUTIME_ID: {
        struct cpu_time c = proc_cpu(t->proc);
        ns = (int64_t)(c.user + c.sys);
        break;
    }
    case CLOCK_THREAD_CPUTIME_ID: {
        struct cpu_time c = thread_cpu(t);
        ns = (int64_t)(c.user + c.sys);
        break;
    }
    default:                     /* other processes' CPU clocks too */
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

long sys_sched_yield(struct lthread *t, const struct sysargs *s)
{
    (void)t;
    (void)s;
    return 0;                    /* answered, the caller goes to the back of its queue */
}

/* One hart. */
long sys_sched_getaffinity(struct lthread *t, const struct sysargs *s)
{
    uint64_t mask = 1;
    if (s->a[1] < sizeof mask)
        return -EINVAL;
    return mm_copy_out(t->proc, s->a[2], &mask, sizeof mask) < 0 ? -EFAULT : (long)sizeof mask;
}

long sys_getresuid(struct lthread *t, const struct sysargs *s)
{
    uint32_t zero = 0;
    for (int i = 0; i < 3; i++)
        if (mm_copy_out(t->proc, s->a[i], &zero, 4) < 0)
            return -EFAULT;
    return 0;
}

/* One user: root may become anyone, but there is only root. */
long sys_setuid(struct lthread *t, const struct sysargs *s)
{
    (void)t;
    return s->a[0] == 0 || s->a[0] == (uint64_t)-1 ? 0 : -EPERM;
}

long sys_getpgid(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = s->a[0] ? proc_by_pid((int)s->a[0]) : t->proc;
    return p ? p->pgid : -ESRCH;
}

long sys_setpgid(struct lthread *t, const struct sysargs *s)
{
    int pid = (int)s->a[0], pgid = (int)s->a[1];
    struct lproc *p = pid ? proc_by_pid(pid) : t->proc;
    if (pgid < 0)
        return -EINVAL;
    if (!p || (p != t->proc && p->ppid != t->proc->pid))
        return -ESRCH;
    if (p->sid == p->pid)
        return -EPERM;           /* a session leader stays where it is */
    p->pgid = pgid ? pgid : p->pid;
    return 0;
}

long sys_getsid(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = s->a[0] ? proc_by_pid((int)s->a[0]) : t->proc;
    return p ? p->sid : -ESRCH;
}

long sys_setsid(struct lthread *t, const struct sysargs *s)
{
    (void)s;
    struct lproc *p = t->proc;
    for (int i = 0; i < proc_high; i++)
        if (procs[i].pid && procs[i].pgid == p->pid)
            return -EPERM;       /* already a group leader */
    p->sid = p->pgid = p->pid;
    return p->sid;
}

#define PR_SET_NAME 15
#define PR_GET_NAME 16

long sys_prctl(struct lthread *t, const struct sysargs *s)
{
    switch (s->a[0]) {
    case PR_SET_NAME: {
        char name[16];
        long n = mm_copy_string(t->proc, name, s->a[1], sizeof name);
        if (n == -EFAULT)
            return n;
        name[15] = '\0';
        memcpy(t->name, name, sizeof name);
        mica_thread_configure(t->kthread, 0, 100, name);
        return 0;
    }
    case PR_GET_NAME:
        return mm_copy_out(t->proc, s->a[1], t->name, sizeof t->name) < 0 ? -EFAULT : 0;
    default:
        return -EINVAL;
    }
}

void rusage_fill(uint64_t ru[18], struct cpu_time c)
{
    for (int i = 0; i < 18; i++)
        ru[i] = 0;
    ru[0] = c.user / 1000000000;
    ru[1] = c.user % 1000000000 / 1000;
    ru[2] = c.sys / 1000000000;
    ru[3] = c.sys % 1000000000 / 1000;
}

/* struct rusage: ru_utime and ru_stime (timevals) first; the counters
 * after them are not kept and stay zero. */
long sys_getrusage(struct lthread *t, const struct sysargs *s)
{
    uint64_t ru[18];
    struct cpu_time c;
    switch ((int64_t)s->a[0]) {
    case 0:                      /* RUSAGE_SELF */
        c = proc_cpu(t->proc);
        break;
    case RUSAGE_CHILDREN:
        c = children_cpu(t->proc);
        break;
    case RUSAGE_THREAD:
        c = thread_cpu(t);
        break;
    default:
        return -EINVAL;
    }
    rusage_fill(ru, c);
    return mm_copy_out(t->proc, s->a[1], ru, sizeof ru) < 0 ? -EFAULT : 0;
}

/* In clock ticks of 100 Hz (sysconf(_SC_CLK_TCK), from AT_CLKTCK). */
long sys_times(struct lthread *t, const struct sysargs *s)
{
    struct cpu_time self = proc_cpu(t->proc), children = children_cpu(t->proc);
    uint64_t tms[4] = { self.user / 10000000, self.sys / 10000000, children.user / 10000000,
                        children.sys / 10000000 };
    if (s->a[0] && mm_copy_out(t->proc, s->a[0], tms, sizeof tms) < 0)
        return -EFAULT;
    return (long)(mica_monotonic_ns() / 10000000);      /* clock ticks of 100 Hz */
}

long sys_sysinfo(struct lthread *t, const struct sysargs *s)
{
    struct {
        int64_t uptime;
        uint64_t loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
        uint16_t procs, pad;
        uint32_t pad2;
        uint64_t totalhigh, freehigh;
        uint32_t mem_unit;
        char reserved[4];
    } si;
    memset(&si, 0, sizeof si);
    si.uptime = (int64_t)(mica_monotonic_ns() / 1000000000);
    si.totalram = (uint64_t)mica_budget_info(MICA_SLOT_BUDGET, 2) * PAGE;
    si.freeram = (uint64_t)mica_budget_info(MICA_SLOT_BUDGET, 0) * PAGE;
    for (int i = 0; i < proc_high; i++)
        si.procs += procs[i].pid != 0;
    si.mem_unit = 1;
    return mm_copy_out(t->proc, s->a[0], &si, sizeof si) < 0 ? -EFAULT : 0;
}

long sys_clock_getres(struct lthread *t, const struct sysargs *s)
{
    if (s->a[0] != CLOCK_REALTIME && s->a[0] != CLOCK_MONOTONIC && s->a[0] != CLOCK_BOOTTIME &&
        s->a[0] != 2 && s->a[0] != 3)
        return -EINVAL;
    /* rdtime ticks: 100 ns on QEMU virt's 10 MHz timebase. */
    int64_t res[2] = { 0, (int64_t)(1000000000 / (mica_timebase_freq ? mica_timebase_freq : 1)) };
    if (res[1] == 0)
        res[1] = 1;
    return s->a[1] && mm_copy_out(t->proc, s->a[1], res, sizeof res) < 0 ? -EFAULT : 0;
}

long sys_clock_settime(struct lthread *t, const struct sysargs *s)
{
    int64_t ts[2];
    if (s->a[0] != CLOCK_REALTIME)
        return -EINVAL;
    if (mm_copy_in(t->proc, ts, s->a[1], sizeof ts) < 0)
        return -EFAULT;
    if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1000000000)
        return -EINVAL;
    /* The wall clock is an offset from the monotonic one. */
    mica_realtime_offset_ns = ts[0] * 1000000000 + ts[1] - (int64_t)mica_monotonic_ns();
    return 0;
}

#define REBOOT_MAGIC1 0xfee1deadu
#define REBOOT_CMD_POWER_OFF 0x4321fedcu
#define REBOOT_CMD_HALT 0xcdef0123u
#define REBOOT_CMD_RESTART 0x01234567u

/* reboot(2): the file system is synced and the system ends (a restart is
 * a power-off too: QEMU runs with -no-reboot). */
long sys_reboot(struct lthread *t, const struct sysargs *s)
{
    (void)t;
    uint32_t cmd = (uint32_t)s->a[2];
    if ((uint32_t)s->a[0] != REBOOT_MAGIC1)
        return -EINVAL;
    if (cmd != REBOOT_CMD_POWER_OFF && cmd != REBOOT_CMD_HALT && cmd != REBOOT_CMD_RESTART)
        return -EINVAL;
    posix_init_exited(0);           /* which syncs */
    return 0;
}

static long set_name(struct lthread *t, char *dst, uint64_t src, uint64_t len)
{
    if (len > 64)
        return -EINVAL;
    char tmp[65];
    if (mm_copy_in(t->proc, tmp, src, len) < 0)
        return -EFAULT;
    tmp[len] = '\0';
    memcpy(dst, tmp, len + 1);
    return 0;
}

long sys_sethostname(struct lthread *t, const struct sysargs *s)
{
    return set_name(t, hostname, s->a[0], s->a[1]);
}

long sys_setdomainname(struct lthread *t, const struct sysargs *s)
{
    return set_name(t, domainname, s->a[0], s->a[1]);
}
