/*
 * Replacing dead servers (MINIX 3's reincarnation server): root learns of
 * a death from a fault message (an exit included) or from the heartbeat,
 * destroys the incarnation (threads, address space, capabilities and the
 * memory of its budget), and starts a new one from the same image with the
 * same endpoint, state frame and rights. Clients keep their capabilities
 * and retry what was in flight (libipc's clients).
 *
 * A server that dies before announcing itself is restarted with an
 * exponential back-off, so a crash at start-up does not become a tight
 * loop. The heartbeat: every tick root sends each server a ping it need
 * not answer, without waiting; a server that is not waiting for requests
 * while it has run in user mode for HANG_NS since it last was is hung,
 * and is killed. A server blocked in a call to another (fs waiting for a
 * restarting blk) uses no time and is not hung.
 *
 * Fault injection (service kill/inject): root stops the server's thread
 * where it is, at a random moment of its work, and sends it to one of the
 * routines of the inject page mapped in every server, where it faults for
 * real; or flips bits in the heap the server announced.
 */
#include "root.h"

#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/string.h"
#include "mica/sys.h"

#define INJECT_VA      0x3b00000000ul   /* in every server */
#define ROOT_INJECT_VA 0x3c80000000ul
#define TICK_NS        100000000ull     /* 100 ms */
#define HANG_NS        1000000000ull    /* of user time without waiting */
#define BACKOFF_NS     10000000ull      /* first delay after a start-up death */
#define BACKOFF_MAX_NS 5000000000ull
#define CORRUPT_BITS   8
#define ROOT_PRIO      255              /* the highest */

/* The inject page: a routine every 16 bytes, by enum service_fault. */
static const uint32_t inject_code[] = {
    [0] = 0x00003283, 0x0000006f, 0, 0,             /* segv: ld t0, 0(zero); j . */
    [4] = 0x00000000, 0x0000006f, 0, 0,             /* illegal: an all-zero instruction */
    [8] = 0x0000006f, 0, 0, 0,                      /* hang: j . */
    [12] = 0xc0010113, 0x00013023, 0xff9ff06f, 0,   /* stack: addi sp, sp, -1024;
                                                     * sd zero, 0(sp); j -8 */
};

static long inject_frame;
static uint64_t rng;

static uint64_t ns_to_ticks(uint64_t ns)
{
    return ns / 1000 * mica_timebase_freq / 1000000;
}

static uint64_t random64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int restart_init(void)
{
    /* Above every server it watches: a server that spins must not starve
     * the heartbeat that finds it (the kernel starts root at 100). */
    long err = mica_thread_configure(MICA_SLOT_THREAD, MICA_SLOT_IPC_BUFFER, ROOT_PRIO, "root");
    if (err)
        return (int)err;
    rng = mica_monotonic_ns() | 1;
    inject_frame = slot_alloc();
    err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, inject_frame, 1);
    if (!err)
        err = mica_map(MICA_SLOT_SELF, inject_frame, ROOT_INJECT_VA,
                       MICA_R_READ | MICA_R_WRITE, 0);
    if (err)
        return (int)err;
    memcpy((void *)ROOT_INJECT_VA, inject_code, sizeof inject_code);
    mica_unmap(MICA_SLOT_SELF, ROOT_INJECT_VA);
    /* The tick: a periodic timer on a notification bound to root's thread,
     * so it arrives on root's endpoint like a message. */
    long ntfn = slot_alloc();
    uint64_t tick = ns_to_ticks(TICK_NS), now;
    __asm__ volatile("rdtime %0" : "=r"(now));
    if ((err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_NOTIFICATION, ntfn, 0)) ||
        (err = mica_thread_bind(MICA_SLOT_THREAD, ntfn)) ||
        (err = mica_timer_set(ntfn, now + tick, tick)))
        return (int)err;
    return 0;
}

long restart_prepare(struct server *s)
{
    return mica_map(s->child.proc, inject_frame, INJECT_VA, MICA_R_READ | MICA_R_EXEC, 0);
}

static const char *name_of(const struct server *s)
{
    return s->rights->name ? s->rights->name : "init";
}

static void try_start(struct server *s)
{
    s->restart_pending = false;
    s->restarts++;
    int err = server_start(s, s->args);
    if (err) {
        debug_printf("root: cannot restart %s: %d (%ld pages free)\n", name_of(s), err,
                     mica_budget_info(MICA_SLOT_BUDGET, 0));
        restart_death(s, MICA_FAULT_EXIT, 0, 0);
    }
}

void restart_death(struct server *s, uint64_t kind, uint64_t pc, uint64_t addr)
{
    bool announced = s->ready;
    s->last_kind = kind;
    s->last_pc = pc;
    s->last_addr = addr;
    s->died_ns = mica_monotonic_ns();
    if (s->state_va) {
        __asm__ volatile("rdinstret %0" : "=r"(s->state_va->died_instret));
        s->state_va->died_ns = s->died_ns;
        s->state_va->answered_instret = s->state_va->answered_ns = 0;
    }
    if (s->rights->id == SERVICE_BLK)
        disk_reset();             /* before its buffers are freed */
    server_stop(s);
    uint64_t delay = 0;
    if (announced) {
        s->quick_deaths = 0;
    } else {
        unsigned n = s->quick_deaths < 16 ? s->quick_deaths : 16;
        delay = BACKOFF_NS << n;
        if (delay > BACKOFF_MAX_NS)
            delay = BACKOFF_MAX_NS;
        s->quick_deaths++;
        debug_printf("root: %s died while starting (%lu times in a row); next try in %lu ms\n",
                     name_of(s), (unsigned long)s->quick_deaths,
                     (unsigned long)(delay / 1000000));
    }
    s->restart_pending = true;
    s->restart_at_ns = s->died_ns + delay;
    if (!delay)
        try_start(s);
}

void restart_ready(struct server *s, uint64_t heap, uint64_t heap_len)
{
    s->ready = s->served = true;
    s->quick_deaths = 0;
    s->heap = heap;
    s->heap_len = heap_len;
    s->busy_since = (uint64_t)mica_thread_time(s->child.thread);
    if (s->generation < 2)
        return;
    s->last_recovery_ns = mica_monotonic_ns() - s->died_ns;
    uint64_t us = s->last_recovery_ns / 1000;
    debug_printf("root: %s restarted after %s at pc %lx: generation %u, recovered in "
                 "%lu.%03lu ms\n", name_of(s), service_death_name(s->last_kind),
                 (unsigned long)s->last_pc, s->generation, (unsigned long)(us / 1000), (unsigned long)(us % 1000));
}

/* Ping s; kill it if it has run HANG_NS without once waiting for work
 * or finishing a message (a busy server always has the next one queued,
 * so the ping alone would find it never waiting). */
static void heartbeat(struct server *s)
{
    struct mica_msg m = { .info = MICA_INFO(SERVICE_PING, 0, 0, 0) };
    uint64_t ran = (uint64_t)mica_thread_time(s->child.thread);
    uint64_t progress = s->state_va ? s->state_va->progress : 0;
    if (mica_nbsend(s->ep, &m) == 0 || progress != s->progress) {
        s->busy_since = ran;
        s->progress = progress;
        return;
    }
    if (ran - s->busy_since < ns_to_ticks(HANG_NS))
        return;
    struct mica_regs regs;
    uint64_t pc = mica_thread_read_regs(s->child.thread, &regs, 0) ? 0 : regs.pc;
    restart_death(s, SERVICE_DEATH_HANG, pc, 0);
}

void restart_tick(void)
{
    uint64_t now = mica_monotonic_ns();
    for (unsigned id = 1; id < SERVICES; id++) {
        struct server *s = &servers[id];
        if (!s->rights || id == SERVICE_INIT)
            continue;
        if (s->restart_pending && now >= s->restart_at_ns)
            try_start(s);
        else if (s->running && s->ready)
            heartbeat(s);
    }
}

/* Flips CORRUPT_BITS random bits of the heap s announced. */
static long corrupt(struct server *s)
{
    if (!s->heap_len)
        return -EOPNOTSUPP;
    for (int i = 0; i < CORRUPT_BITS; i++) {
        uint64_t va = s->heap + random64() % s->heap_len;
        uint8_t byte;
        if (mica_process_copy(s->child.proc, va, &byte, 1, MICA_COPY_FROM) != 1)
            return -EFAULT;
        byte ^= (uint8_t)(1u << (random64() % 8));
        if (mica_process_copy(s->child.proc, va, &byte, 1, MICA_COPY_TO) != 1)
            return -EFAULT;
    }
    return 0;
}

long restart_inject(struct server *s, enum service_fault kind)
{
    if (!s->running || !s->ready)
        return -EAGAIN;           /* between incarnations */
    if (kind < FAULT_SEGV || kind >= FAULT_KINDS)
        return -EINVAL;
    if (s->state_va)
        s->state_va->injected = 1;
    if (kind == FAULT_CORRUPT)
        return corrupt(s);
    /* Wherever it is (computing, or blocked in an IPC, which ends with
     * -EINTR), it goes on at the routine and faults there. */
    struct mica_regs regs;
    long err = mica_thread_suspend(s->child.thread);
    if (!err)
        err = mica_thread_read_regs(s->child.thread, &regs, 0);
    if (!err) {
        regs.pc = INJECT_VA + 16 * (uint64_t)(kind - FAULT_SEGV);
        err = mica_thread_write_regs(s->child.thread, &regs, 0);
    }
    long resumed = mica_thread_resume(s->child.thread);
    if (err == -ESRCH)
        return -EAGAIN;           /* it has just died: its death is on its way here */
    return err ? err : resumed;
}

long restart_now(struct server *s)
{
    if (!s->running)
        return -ESRCH;
    if (s->state_va)
        s->state_va->injected = 1;
    restart_death(s, SERVICE_DEATH_RESTART, 0, 0);
    return 0;
}

void restart_status(const struct server *s, struct service_status *out)
{
    memset(out, 0, sizeof *out);
    const char *n = name_of(s);
    for (size_t i = 0; n[i] && i < sizeof out->name - 1; i++)
        out->name[i] = n[i];
    out->running = s->running && s->ready;
    out->generation = s->generation;
    out->restarts = s->restarts;
    out->last_kind = (uint32_t)s->last_kind;
    out->uptime_ns = s->running ? mica_monotonic_ns() - s->started_ns : 0;
    out->last_pc = s->last_pc;
    out->last_addr = s->last_addr;
    out->last_recovery_ns = s->last_recovery_ns;
    const struct service_state *st = s->state_va;
    if (st && st->died_instret && st->answered_instret) {
        out->answer_instret = st->answered_instret - st->died_instret;
        out->answer_ns = st->answered_ns - st->died_ns;
    }
    long free = mica_budget_info(MICA_SLOT_BUDGET, 0);
    out->free_pages = free > 0 ? (uint64_t)free : 0;
}
