/*
 * The fuzzing loop, the check of each result against the kernel's
 * contract, the watchdog that unsticks blocked fuzzers, and the entry
 * points fuzzers start threads at.
 *
 * Fuzzers make blocking calls too (SEND, CALL, RECV, WAIT, ...), which
 * nothing may answer; the watchdog wakes on a periodic timer and ends them
 * by suspending and resuming the thread (the call returns -EINTR).
 */
#include "kfuzz.h"

#include "mica/errno.h"
#include "mica/fmt.h"
#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/sys.h"

/*
 * Wild entry points: what THREAD_START and THREAD_WRITE_REGS point
 * threads at. They use no stack (their sp is random) and each loops doing
 * one thing the kernel must survive: yielding, Linux system calls (fault
 * messages), page faults, breakpoints, illegal instructions, first use of
 * the FPU, waiting on whatever a0 names, and exit.
 */
__asm__(".pushsection .text\n"
        "kfuzz_wild_yield:\n"
        "    li a7, -3\n"
        "    ecall\n"
        "    j kfuzz_wild_yield\n"
        "kfuzz_wild_linux:\n"
        "    li a7, 64\n"
        "    ecall\n"
        "    j kfuzz_wild_linux\n"
        "kfuzz_wild_fault:\n"
        "    ld a1, 0(zero)\n"
        "    j kfuzz_wild_fault\n"
        "kfuzz_wild_ebreak:\n"
        "    ebreak\n"
        "    j kfuzz_wild_ebreak\n"
        "kfuzz_wild_illegal:\n"
        "    .word 0\n"
        "    j kfuzz_wild_illegal\n"
        "kfuzz_wild_fpu:\n"
        "    .word 0xf2050053\n"          /* fmv.d.x ft0, a0 */
        "    li a7, -3\n"
        "    ecall\n"
        "    j kfuzz_wild_fpu\n"
        "kfuzz_wild_wait:\n"
        "    li a7, -14\n"
        "    ecall\n"
        "    j kfuzz_wild_wait\n"
        "kfuzz_wild_exit:\n"
        "    li a7, -2\n"
        "    li a0, 7\n"
        "    ecall\n"
        "    j kfuzz_wild_exit\n"
        ".popsection\n");

extern char kfuzz_wild_yield[], kfuzz_wild_linux[], kfuzz_wild_fault[], kfuzz_wild_ebreak[],
    kfuzz_wild_illegal[], kfuzz_wild_fpu[], kfuzz_wild_wait[], kfuzz_wild_exit[];

/* Exit is listed once among many: a worker whose thread runs it ends. */
const uint64_t wild_entries[] = {
    (uint64_t)kfuzz_wild_yield, (uint64_t)kfuzz_wild_yield, (uint64_t)kfuzz_wild_linux,
    (uint64_t)kfuzz_wild_linux, (uint64_t)kfuzz_wild_fault, (uint64_t)kfuzz_wild_ebreak,
    (uint64_t)kfuzz_wild_illegal, (uint64_t)kfuzz_wild_fpu, (uint64_t)kfuzz_wild_fpu,
    (uint64_t)kfuzz_wild_wait, (uint64_t)kfuzz_wild_wait, (uint64_t)kfuzz_wild_yield,
    (uint64_t)kfuzz_wild_linux, (uint64_t)kfuzz_wild_fault, (uint64_t)kfuzz_wild_fpu,
    (uint64_t)kfuzz_wild_exit,
};
const int nwild_entries = sizeof wild_entries / sizeof wild_entries[0];

static bool is_ipc(long nr)
{
    return nr == MICA_SYS_SEND || nr == MICA_SYS_NBSEND || nr == MICA_SYS_CALL ||
           nr == MICA_SYS_REPLY || nr == MICA_SYS_REPLY_RECV;
}

/* Calls that can leave the caller waiting for another thread. */
static bool may_block(long nr)
{
    switch (nr) {
    case MICA_SYS_SEND:
    case MICA_SYS_CALL:
    case MICA_SYS_RECV:
    case MICA_SYS_REPLY_RECV:
    case MICA_SYS_WAIT:
    case MICA_SYS_THREAD_SUSPEND:
    case MICA_SYS_THREAD_WRITE_REGS:
    case MICA_SYS_EXIT:
        return true;
    default:
        return nr >= 0;                     /* a Linux call: a fault message */
    }
}

static void fatal(struct fuzzer *f, const char *what, const struct call_args *c, long r)
{
    debug_printf("kfuzz: %s: thread %d.%d call %lu: %s(%lx, %lx, %lx, %lx, %lx, %lx) = %ld\n",
                 what, worker_index, f->id, (unsigned long)f->calls, gen_call_name(c->nr),
                 (unsigned long)c->a[0], (unsigned long)c->a[1], (unsigned long)c->a[2],
                 (unsigned long)c->a[3], (unsigned long)c->a[4], (unsigned long)c->a[5], r);
}

/* A worker's memory may have been overwritten by its own fuzzers (its
 * guard lets them, now and then): its findings are counted, not printed,
 * except a failed self-check, which is the kernel's word. */
static void check(struct fuzzer *f, const struct call_args *c, long r)
{
    if (c->nr == MICA_SYS_SELFCHECK && r != 0) {
        fatal(f, "kernel self-check failed", c, r);
        if (f->in_first)
            mica_exit(3);                   /* any thread's exit ends the run */
    }
    if (!gen_result_ok(c->nr, r) || (c->nr == MICA_SYS_SELFCHECK && r != 0)) {
        if (!f->in_first)
            stats->errors[worker_index]++;
        else if (f->unexpected++ < 8)
            fatal(f, "unexpected result", c, r);
    }
    if (f->in_first && r == 0 && c->nr == MICA_SYS_CREATE && c->a[1] == MICA_OBJ_PROCESS)
        shadow_process((long)c->a[2]);
}

/* Results of the first process's calls, by call: successes, and errors by
 * code (option c). */
static const int codes[] = { EPERM, ENOENT, ESRCH, EINTR, E2BIG, EBADF, EAGAIN, ENOMEM,
                             EACCES, EFAULT, EBUSY, EEXIST, ENODEV, EINVAL, ENOSYS, EPEERDIED };
#define NCODES (int)(sizeof codes / sizeof codes[0])
static uint32_t ok_counts[MICA_SYS_COUNT + 3];
static uint32_t error_counts[MICA_SYS_COUNT + 3][NCODES];

static void count(long nr, long r)
{
    if (nr >= 0 || nr < -(MICA_SYS_COUNT + 2))
        return;
    if (r >= 0)
        ok_counts[-nr]++;
    for (int k = 0; k < NCODES; k++)
        if (r == -codes[k])
            error_counts[-nr][k]++;
}

void fuzz_print_counts(void)
{
    for (int i = 1; i <= MICA_SYS_COUNT + 2; i++) {
        char buf[256];
        int n = 0;
        for (int k = 0; k < NCODES; k++)
            if (error_counts[i][k] && n < (int)sizeof buf)
                n += fmt_snprintf(buf + n, sizeof buf - (size_t)n, " -%d:%u", codes[k],
                                  error_counts[i][k]);
        buf[n < (int)sizeof buf ? n : (int)sizeof buf - 1] = '\0';
        debug_printf("kfuzz: %-18s ok %6u |%s\n", gen_call_name(-i), ok_counts[i], buf);
    }
}

/* mica_call6() that also returns a1: the message info of a receive. */
static inline long call6(long nr, const uint64_t a[6], uint64_t *a1)
{
    register uint64_t r0 __asm__("a0") = a[0];
    register uint64_t r1 __asm__("a1") = a[1];
    register uint64_t r2 __asm__("a2") = a[2];
    register uint64_t r3 __asm__("a3") = a[3];
    register uint64_t r4 __asm__("a4") = a[4];
    register uint64_t r5 __asm__("a5") = a[5];
    register long r7 __asm__("a7") = nr;
    __asm__ volatile("ecall"
                     : "+r"(r0), "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4), "+r"(r5)
                     : "r"(r7)
                     : "a6", "memory");
    *a1 = r1;
    return (long)r0;
}

void fuzz_run(struct fuzzer *f)
{
    struct call_args c;
    while (!f->target || f->calls < f->target) {
        /* Short turns: a thread woken from a blocked call or a fault waits
         * behind every other fuzzer's turn, which the tick alone makes
         * 10 ms long. */
        if (f->calls % 32 == 31) {
            mica_yield();
            f->calls++;
            continue;
        }
        if (!gen_call(f, &c))
            continue;
        if (is_ipc(c.nr))
            gen_ipcbuf(f);
        if (f->verbose)
            debug_printf("kf %d.%d #%lu %s(%lx, %lx, %lx, %lx, %lx, %lx)\n", worker_index,
                         f->id, (unsigned long)f->calls, gen_call_name(c.nr),
                         (unsigned long)c.a[0], (unsigned long)c.a[1], (unsigned long)c.a[2],
                         (unsigned long)c.a[3], (unsigned long)c.a[4], (unsigned long)c.a[5]);
        f->may_block = may_block(c.nr);
        uint64_t info;
        long r = call6(c.nr, c.a, &info);
        f->may_block = false;
        f->calls++;
        if (f->stat)
            (*f->stat)++;
        if (f->verbose)
            debug_printf("kf %d.%d #%lu = %ld @%lu\n", worker_index, f->id,
                         (unsigned long)f->calls - 1, r, (unsigned long)mica_time());
        check(f, &c, r);
        f->received = r == 0 && (c.nr == MICA_SYS_RECV || c.nr == MICA_SYS_NBRECV ||
                                 c.nr == MICA_SYS_REPLY_RECV);
        f->received_grant = f->received && MICA_INFO_GRANT(info);
        if (f->in_first)
            count(c.nr, r);
    }
}

/* A fuzzing thread (start_thread): its IPC buffer is the page above its
 * stack. When done it stays suspended. */
void fuzz_thread(uint64_t arg)
{
    struct fuzzer *f = (struct fuzzer *)arg;
    uint64_t here = (uint64_t)&arg;
    f->ipcbuf = (struct mica_ipc_buffer *)((here + PAGE - 1) & ~(PAGE - 1));
    fuzz_run(f);
    f->done = true;
    for (;;)
        mica_thread_suspend(f->self);
}

void refill_add(struct watch *w, long dest, long src, unsigned rights, uint64_t badge)
{
    if (w->nrefill < MAX_REFILLS)
        w->refill[w->nrefill++] = (struct refill){ dest, src, rights, badge };
}

void refill_keep(struct watch *w, long slot)
{
    long keep = slot_alloc();
    if (keep < 0 || mica_cap_move(slot, keep) || mica_cap_copy(keep, -1, slot, MICA_R_ALL, 0))
        return;
    refill_add(w, slot, keep, MICA_R_ALL, 0);
}

/*
 * Every 2 ms: a thread that made no call since the last round is suspended
 * and resumed, which ends a blocked call with -EINTR (or restarts a
 * stopped fault), and gets its priority and IPC buffer back (a fuzzer may
 * have starved it behind the others); the pool's fixed slots that fuzzers
 * emptied are filled again, so that most calls name live objects. In a
 * worker it also sets the process's fault endpoint again, which its
 * fuzzers may change.
 */
void watchdog_thread(uint64_t arg)
{
    struct watch *w = (struct watch *)arg;
    for (;;) {
        mica_wait(w->timer);
        if (w->fault_ep)
            mica_process_set_fault(MICA_SLOT_SELF, w->fault_ep);
        for (int i = 0; i < w->nrefill; i++) {
            const struct refill *r = &w->refill[i];
            if (mica_cap_info(r->dest) < 0)
                mica_cap_copy(r->src, -1, r->dest, r->rights, r->badge);
        }
        for (int i = 0; i < w->n; i++) {
            struct fuzzer *f = w->f[i];
            if (f->done)
                continue;
            if (f->calls != f->last_seen) {
                f->last_seen = f->calls;
                f->idle_rounds = 0;
                continue;
            }
            /* Suspending a queued thread would send it to the back of the
             * queue: only one in a blocking call, or one that made no
             * progress for 100 ms (stopped in a fault, suspended or
             * starved by a fuzzer) is unstuck. */
            if (!f->may_block && ++f->idle_rounds < 50)
                continue;
            f->idle_rounds = 0;
            mica_thread_suspend(f->self);
            mica_thread_resume(f->self);
            if (f->frame)
                mica_thread_configure(f->self, f->frame, FUZZ_PRIO, NULL);
            w->unstuck++;
        }
    }
}
