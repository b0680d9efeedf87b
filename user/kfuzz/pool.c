/*
 * The first process's side of the run: the pool of objects the fuzzers
 * name, the worker processes (copies of kfuzz, spawned again when they die
 * or reach their age), the fault handler that answers every fault of every
 * kfuzz thread, and the shadow copies that make sure every process a fuzzer
 * creates is destroyed at the end.
 *
 * Every object of the pool is made in a slot of the machinery (>=
 * INFRA_FIRST) and copied into the pool, so fuzzers can delete and move
 * the pool's capabilities while new workers still get theirs. Everything
 * here is made after the free-page count is taken and destroyed before it
 * is taken again; only the monitor (the first thread) calls these, except
 * shadow_process() and the fault handler.
 */
#include "kfuzz.h"

#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/sys.h"

#define POOL_PAGES    256       /* the pool budget: runs out */
#define WORKER_PAGES  256       /* each worker's budget */
#define NSHADOW       32        /* processes fuzzers made that stay alive */
#define BADGE_WORKER  0x1000ul  /* fault badge of worker i: BADGE_WORKER + i */

/* Made by main.c before the pool. */
extern long fault_ep, handler_reply_slot, stats_frame;

/* Originals of the pool objects, and where their copies go. */
struct pool_obj {
    int dest;
    enum mica_type type;
    uint64_t arg;
    long slot;                  /* the original, >= INFRA_FIRST */
};

static struct pool_obj objs[] = {
    { S_BUDGET, MICA_OBJ_BUDGET, POOL_PAGES, 0 },
    { S_EP0, MICA_OBJ_ENDPOINT, 0, 0 },
    { S_EP1, MICA_OBJ_ENDPOINT, 0, 0 },
    { S_NTFN0, MICA_OBJ_NOTIFICATION, 0, 0 },
    { S_NTFN1, MICA_OBJ_NOTIFICATION, 0, 0 },
    { S_FRAME1, MICA_OBJ_FRAME, 1, 0 },
    { S_FRAME4, MICA_OBJ_FRAME, 4, 0 },
    { S_FRAME16, MICA_OBJ_FRAME, 16, 0 },
    { S_PROC0, MICA_OBJ_PROCESS, 16, 0 },
    { S_PROC1, MICA_OBJ_PROCESS, 64, 0 },
    { S_PTHREAD0, MICA_OBJ_THREAD, S_PROC0, 0 },
    { S_PTHREAD1, MICA_OBJ_THREAD, S_PROC1, 0 },
    { S_SUBBUDGET, MICA_OBJ_BUDGET, 32, 0 },
};
#define NOBJS (int)(sizeof objs / sizeof objs[0])

static long shadow[NSHADOW];
static uint32_t shadow_next;

static struct child workers[MAX_WORKERS];
static long wbudget[MAX_WORKERS];
static uint32_t wincarnation[MAX_WORKERS];
static uint64_t wborn[MAX_WORKERS], wlife[MAX_WORKERS];
static uint64_t wlast_calls[MAX_WORKERS], wlast_progress[MAX_WORKERS];
static uint64_t wrng;
uint64_t respawns, respawn_why[5];      /* exited, killed, stalled, aged, failed */

static long must(long r, const char *what)
{
    if (r < 0)
        debug_printf("kfuzz: set-up: %s failed: %ld\n", what, r);
    return r;
}

static long original(int dest)
{
    for (int i = 0; i < NOBJS; i++)
        if (objs[i].dest == dest)
            return objs[i].slot;
    return 0;
}

int pool_create(struct watch *w)
{
    for (int i = 0; i < NOBJS; i++) {
        struct pool_obj *o = &objs[i];
        o->slot = slot_alloc();
        /* A pool thread runs in a pool process made before it. */
        uint64_t arg = o->type == MICA_OBJ_THREAD ? (uint64_t)original((int)o->arg) : o->arg;
        long budget = o->type == MICA_OBJ_BUDGET && o->dest == S_BUDGET ? MICA_SLOT_BUDGET
                                                                        : objs[0].slot;
        if (must(mica_create(budget, o->type, o->slot, arg), "create") < 0 ||
            must(mica_cap_copy(o->slot, -1, o->dest, MICA_R_ALL, 0), "copy") < 0)
            return -1;
    }
    /* Badged and weakened copies, and the pool processes' fault endpoint. */
    if (mica_cap_copy(S_EP0, -1, S_EP0_BADGED, MICA_R_ALL, 0x77) ||
        mica_cap_copy(S_EP1, -1, S_EP1_NOGRANT, MICA_R_READ | MICA_R_WRITE, 0) ||
        mica_cap_copy(S_NTFN0, -1, S_NTFN0_BADGED, MICA_R_ALL, 0x10) ||
        mica_cap_copy(S_FRAME1, -1, S_FRAME1_RO, MICA_R_READ, 0) ||
        mica_process_set_fault(S_PROC0, S_EP1) || mica_process_set_fault(S_PROC1, S_EP1) ||
        mica_cap_copy(answerer_slot[0], -1, S_ANSWER0, MICA_R_ALL, 0) ||
        mica_cap_copy(answerer_slot[1], -1, S_ANSWER1, MICA_R_ALL, 0)) {
        debug_printf("kfuzz: set-up: pool copies failed\n");
        return -1;
    }
    for (int i = 0; i < NOBJS; i++)
        refill_add(w, objs[i].dest, objs[i].slot, MICA_R_ALL, 0);
    refill_add(w, S_EP0_BADGED, original(S_EP0), MICA_R_ALL, 0x77);
    refill_add(w, S_EP1_NOGRANT, original(S_EP1), MICA_R_READ | MICA_R_WRITE, 0);
    refill_add(w, S_NTFN0_BADGED, original(S_NTFN0), MICA_R_ALL, 0x10);
    refill_add(w, S_FRAME1_RO, original(S_FRAME1), MICA_R_READ, 0);
    for (int i = 0; i < NSHADOW; i++)
        shadow[i] = slot_alloc();
    return 0;
}

static bool is_process(long slot)
{
    long info = mica_cap_info(slot);
    return info >= 0 && (info & 0xff) == MICA_OBJ_PROCESS;
}

/*
 * A fuzzer created a process in slot: keep the original in a shadow slot
 * no fuzzer names, and give the fuzzer a copy. A process can hold a
 * capability to itself, and then outlives every capability the fuzzers
 * delete; the shadow lets the end of the run destroy it. When the ring is
 * full the oldest shadowed process is destroyed.
 */
int shadow_process(long slot)
{
    uint32_t i = __atomic_fetch_add(&shadow_next, 1, __ATOMIC_RELAXED) % NSHADOW;
    long sh = shadow[i];
    if (is_process(sh))
        mica_process_destroy(sh);
    mica_cap_delete(sh);
    if (mica_cap_move(slot, sh))
        return -1;
    return (int)mica_cap_copy(sh, -1, slot, MICA_R_ALL, 0);
}

/* Destroys every process the pool names, then empties the pool. */
void pool_destroy(void)
{
    for (long s = MICA_SLOT_FIRST_FREE; s < POOL_END; s++)
        if (is_process(s))
            mica_process_destroy(s);
    for (int i = 0; i < NSHADOW; i++)
        if (is_process(shadow[i]))
            mica_process_destroy(shadow[i]);
    for (int i = 0; i < NOBJS; i++)
        if (is_process(objs[i].slot))
            mica_process_destroy(objs[i].slot);
    for (long s = MICA_SLOT_FIRST_FREE; s < POOL_END; s++) {
        mica_cap_revoke(s);
        mica_cap_delete(s);
    }
    for (int i = 0; i < NSHADOW; i++)
        slot_free(shadow[i]);
    /* Threads before their processes, budgets last. */
    for (int i = NOBJS - 1; i >= 0; i--)
        slot_free(objs[i].slot);
}

/* ---- workers ---- */

static int worker_spawn(int i)
{
    uint32_t inc = wincarnation[i]++;
    long b = slot_alloc();
    if (b < 0)
        return -ENOMEM;
    long r = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_BUDGET, b, WORKER_PAGES);
    if (r) {
        slot_free(b);
        return (int)r;
    }
    const struct spawn_cap caps[] = {
        { original(S_EP0), W_EP0, MICA_R_ALL, BADGE_WORKER + (uint64_t)i },
        { original(S_EP1), W_EP1, MICA_R_ALL, 0 },
        { original(S_EP0), W_EP0_PLAIN, MICA_R_READ | MICA_R_WRITE, 0 },
        { original(S_NTFN0), W_NTFN0, MICA_R_ALL, 1ul << (8 + i) },
        { original(S_NTFN1), W_NTFN1, MICA_R_ALL, 0 },
        { original(S_FRAME1), W_FRAME1, MICA_R_ALL, 0 },
        { MICA_SLOT_ARCHIVE, W_ARCHIVE, MICA_R_READ, 0 },
        { fault_ep, W_FAULT_EP, MICA_R_WRITE, BADGE_WORKER + (uint64_t)i },
    };
    uint64_t seed = seed_for(opt.seed, 1000 + (uint64_t)i, inc);
    struct spawn_args a = {
        .name = "kfuzz", .budget = b, .child_budget = b, .fault_ep = fault_ep,
        .fault_badge = BADGE_WORKER + (uint64_t)i, .prio = WORKER_PRIO,
        .arg = WARG(seed, i, opt.threads, opt.verbose), .caps = caps,
        .ncaps = sizeof caps / sizeof caps[0], .nslots = WORKER_SLOTS,
    };
    r = spawn(&a, &workers[i]);
    if (!r)
        r = mica_map(workers[i].proc, stats_frame, STATS_VA, MICA_R_READ | MICA_R_WRITE, 0);
    if (r) {
        debug_printf("kfuzz: spawning worker %d failed: %ld\n", i, r);
        if (workers[i].proc > 0)
            spawn_destroy(&workers[i]);
        slot_free(b);
        return (int)r;
    }
    wbudget[i] = b;
    stats->exited[i] = 0;
    /* The pool's copies name the new incarnation. */
    mica_cap_delete(S_WPROC0 + i);
    mica_cap_delete(S_WTHREAD0 + i);
    mica_cap_copy(workers[i].proc, -1, S_WPROC0 + i, MICA_R_ALL, 0);
    mica_cap_copy(workers[i].thread, -1, S_WTHREAD0 + i, MICA_R_ALL, 0);
    return 0;
}

static void worker_kill(int i)
{
    if (workers[i].proc > 0)
        spawn_destroy(&workers[i]);
    if (wbudget[i] > 0)
        slot_free(wbudget[i]);
    wbudget[i] = 0;
}

int workers_start(void)
{
    wrng = seed_for(opt.seed, 999, 0);
    uint64_t now = mica_time();
    for (int i = 0; i < opt.workers; i++) {
        if (worker_spawn(i))
            return -1;
        wborn[i] = wlast_progress[i] = now;
        wlife[i] = timebase_freq / 4 + rng_below(&wrng, timebase_freq);
    }
    return 0;
}

static uint64_t worker_calls(int i)
{
    uint64_t n = 0;
    for (int t = 0; t < MAX_WTHREADS; t++)
        n += stats->calls[i][t];
    return n;
}

uint64_t workers_calls(void)
{
    uint64_t n = 0;
    for (int i = 0; i < MAX_WORKERS; i++)
        n += worker_calls(i);
    return n;
}

uint64_t workers_errors(void)
{
    uint64_t n = 0;
    for (int i = 0; i < MAX_WORKERS; i++)
        n += stats->errors[i];
    return n;
}

/*
 * A worker is spawned again when it exited, a fuzzer destroyed it, it
 * made no progress for 250 ms
 * (its threads stopped by faults, suspended, or its process destroyed by
 * a fuzzer), or reached its age (0.25 .. 1.25 s): tearing a process down in
 * whatever state the fuzzers left it is part of the test.
 */
void workers_tend(uint64_t now)
{
    for (int i = 0; i < opt.workers; i++) {
        if (workers[i].proc > 0 && mica_cap_info(S_WPROC0 + i) < 0)
            mica_cap_copy(workers[i].proc, -1, S_WPROC0 + i, MICA_R_ALL, 0);
        if (workers[i].thread > 0 && mica_cap_info(S_WTHREAD0 + i) < 0)
            mica_cap_copy(workers[i].thread, -1, S_WTHREAD0 + i, MICA_R_ALL, 0);
        uint64_t calls = worker_calls(i);
        if (calls != wlast_calls[i]) {
            wlast_calls[i] = calls;
            wlast_progress[i] = now;
        }
        /* PROTECT of a page of a destroyed process fails with -ESRCH. */
        bool killed = workers[i].proc > 0 &&
                      mica_protect(workers[i].proc, STATS_VA, MICA_R_READ | MICA_R_WRITE) ==
                          -ESRCH;
        bool stalled = now - wlast_progress[i] > timebase_freq / 4;
        bool aged = now - wborn[i] >= wlife[i];
        int why = stats->exited[i] ? 0 : killed ? 1 : stalled ? 2 : aged ? 3 : wbudget[i] ? -1 : 4;
        if (why < 0)
            continue;
        respawn_why[why]++;
        worker_kill(i);
        if (worker_spawn(i) == 0)
            respawns++;
        wborn[i] = wlast_progress[i] = now;
        wlife[i] = timebase_freq / 4 + rng_below(&wrng, timebase_freq);
    }
}

void workers_destroy(void)
{
    for (int i = 0; i < opt.workers; i++)
        worker_kill(i);
}

/* ---- the fault handler ---- */

/*
 * Answers the faults of every kfuzz thread: Linux system calls, page
 * faults, exits. The answer is random: resume (a system call returns a
 * random value), resume as is (the instruction runs again), or stop (the
 * watchdogs resume stopped fuzzers; a stopped worker is spawned again).
 * The reply goes back in one of three ways: REPLY_RECV (the fastpath),
 * REPLY then RECV, or a saved reply capability.
 */
void fault_handler_thread(uint64_t arg)
{
    uint64_t rng = arg;
    struct mica_msg m = { 0 };
    long r = mica_recv(fault_ep, &m);
    for (;;) {
        if (r) {
            r = mica_recv(fault_ep, &m);
            continue;
        }
        uint64_t label = MICA_INFO_LABEL(m.info);
        stats->faults++;
        if (m.badge >= BADGE_WORKER && m.badge < BADGE_WORKER + MAX_WORKERS &&
            label == MICA_FAULT_EXIT)
            stats->exited[m.badge - BADGE_WORKER] = 1;
        uint64_t k = rng_below(&rng, 10);
        uint64_t answer = k < 6 ? MICA_RESUME : k < 8 ? MICA_RESUME_AS_IS : MICA_STOP;
        m = (struct mica_msg){ .info = MICA_INFO(answer, 1, 0, 0), .w = { rng_next(&rng) } };
        switch (rng_below(&rng, 3)) {
        case 0:
            r = mica_reply_recv(fault_ep, &m);
            break;
        case 1:
            mica_reply(&m);
            r = mica_recv(fault_ep, &m);
            break;
        default:
            if (mica_save_reply(handler_reply_slot) == 0)
                mica_send(handler_reply_slot, &m);
            r = mica_recv(fault_ep, &m);
            break;
        }
    }
}
