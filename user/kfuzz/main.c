/*
 * kfuzz: the kernel fuzz test. Booted as the first process,
 *     root=kfuzz init=SEED COUNT [tN] [wN] [v] [c] [h] [raw] [only=N,N,...]
 * it sets up a pool of objects, starts N fuzzing threads (default 4) that
 * make COUNT random kernel calls between them, two answering threads, one
 * that never blocks and runs whenever the others wait, and N worker
 * processes (default 2: copies of kfuzz that fuzz on their own and are
 * spawned again and again), then tears everything down and checks that
 * the kernel is consistent (SELFCHECK) and that every page came back. It
 * prints
 *     kfuzz: N calls, seed S, selfcheck ok, leak 0 pages
 * and exits 0, or exits non-zero with a message.
 *
 * Options: `v` prints every call of the fuzzers (with small counts: the
 * way to narrow a failure down), `c` the results of the first process's
 * calls by call, `h` holds the machine after a leak for a debugger,
 * `raw` drops the workarounds for known kernel bugs (guard.c), and
 * `only=17,19` restricts the fuzzers to those calls (numbers negated; 0
 * for Linux system calls). `init=repro NAME` runs one of the
 * reproductions of kernel bugs in repro.c instead. Spawned as a worker,
 * main() gets an argument word instead of the boot information (WARG in
 * kfuzz.h).
 */
#include "kfuzz.h"

#include "mica/bootinfo.h"
#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/string.h"
#include "mica/sys.h"

struct options opt = { .seed = 1, .count = 200000, .threads = 4, .workers = 2 };
uint64_t timebase_freq;
int worker_index = -1;
long answerer_slot[2], answerer_frame[2];
long fault_ep, handler_reply_slot, stats_frame;
struct kfuzz_stats *const stats = (struct kfuzz_stats *)STATS_VA;

#define NANSWERERS 2
#define BADGE_MAIN 0x100ul      /* fault badge of the first process's thread i */

static struct fuzzer fuzzers[MAX_FUZZERS + NANSWERERS + 1];
static int nfuzzers;
static struct watch watch;

/* ---- options ---- */

static uint64_t parse_u64(const char **s)
{
    uint64_t v = 0;
    while (**s >= '0' && **s <= '9')
        v = v * 10 + (uint64_t)(*(*s)++ - '0');
    return v;
}

static int parse_options(const char *s)
{
    int field = 0;
    while (*s) {
        if (*s == ' ') {
            s++;
            continue;
        }
        if (*s >= '0' && *s <= '9' && field < 2) {
            uint64_t v = parse_u64(&s);
            if (field++ == 0)
                opt.seed = v;
            else
                opt.count = v;
        } else if (*s == 't') {
            s++;
            opt.threads = (int)parse_u64(&s);
        } else if (*s == 'w') {
            s++;
            opt.workers = (int)parse_u64(&s);
        } else if (*s == 'v') {
            s++;
            opt.verbose = true;
        } else if (*s == 'c') {
            s++;
            opt.counts = true;
        } else if (*s == 'h') {
            s++;
            opt.hold = true;
        } else if (!strncmp(s, "raw", 3)) {
            s += 3;
            opt.raw = true;
        } else if (!strncmp(s, "only=", 5)) {
            s += 5;
            while (*s >= '0' && *s <= '9') {
                uint64_t n = parse_u64(&s);
                if (n < 64)
                    opt.only |= 1ull << n;
                if (*s == ',')
                    s++;
            }
        } else {
            return -1;
        }
        if (*s && *s != ' ')
            return -1;
    }
    if (opt.threads < 1 || opt.threads > MAX_FUZZERS || opt.workers < 0 ||
        opt.workers > MAX_WORKERS)
        return -1;
    return 0;
}

/* ---- set-up helpers ---- */

/* The first process cannot run without what it sets up; a worker goes on
 * without it (fuzzers of the first process may have got there first, and
 * it is spawned again soon anyway). */
static void setup_failed(const char *what, long r)
{
    if (worker_index >= 0)
        return;
    debug_printf("kfuzz: set-up: %s failed: %ld\n", what, r);
    mica_exit(2);
}

static long new_object(long budget, enum mica_type type, uint64_t arg)
{
    long s = slot_alloc();
    long r = mica_create(budget, type, s, arg);
    if (r)
        setup_failed("create", r);
    return s;
}

/* A new frame of npages mapped at va in this process; returns its slot. */
static long map_frame(uint64_t va, uint32_t npages, unsigned rights)
{
    long f = new_object(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, npages);
    for (uint32_t i = 0; i < npages; i++) {
        long r = mica_map(MICA_SLOT_SELF, f, va + i * PAGE, rights, i);
        if (r)
            setup_failed("map", r);
    }
    return f;
}

/* Maps and unmaps a page at va, so the page tables that cover it exist
 * before the free-page count is taken. */
static void make_page_tables(uint64_t va)
{
    long f = map_frame(va, 1, MICA_R_READ);
    mica_unmap(MICA_SLOT_SELF, va);
    slot_free(f);
}

/* A thread of this process whose faults reach the fault handler with the
 * given badge (0: none). */
static long spawn_thread(void (*fn)(uint64_t), uint64_t arg, unsigned prio, const char *name,
                         uint64_t badge, long *frame)
{
    long t = start_thread(MICA_SLOT_BUDGET, fn, arg, prio, name, frame);
    if (t < 0)
        setup_failed(name, t);
    if (badge) {
        long ep = slot_alloc();
        if (mica_cap_copy(fault_ep, -1, ep, MICA_R_WRITE, badge) ||
            mica_thread_set_fault(t, ep))
            debug_printf("kfuzz: set-up: fault endpoint of %s\n", name);
        slot_free(ep);
    }
    return t;
}

static struct fuzzer *new_fuzzer(enum fuzzer_kind kind, uint64_t target, bool in_first)
{
    struct fuzzer *f = &fuzzers[nfuzzers];
    f->id = nfuzzers++;
    f->kind = kind;
    f->target = target;
    f->in_first = in_first;
    f->rng = seed_for(opt.seed, (uint64_t)worker_index + 1, (uint64_t)f->id);
    f->verbose = opt.verbose && kind == FZ_FUZZER;
    f->only = kind == FZ_FUZZER ? opt.only : 0;
    if (kind != FZ_BACKGROUND)
        watch.f[watch.n++] = f;
    return f;
}

static void start_timer(long ntfn, uint64_t period)
{
    mica_timer_set(ntfn, mica_time() + period, period);
}

/* ---- the first process ---- */

static uint64_t first_calls(void)
{
    uint64_t n = 0;
    for (int i = 0; i < nfuzzers; i++)
        n += fuzzers[i].calls;
    return n;
}

static bool fuzzers_done(void)
{
    for (int i = 0; i < nfuzzers; i++)
        if (fuzzers[i].kind == FZ_FUZZER && !fuzzers[i].done)
            return false;
    return true;
}

/* Stops the answering threads and takes back what fuzzers may have given
 * them. */
static void reset_answerers(void)
{
    for (int i = 0; i < NANSWERERS; i++) {
        long t = answerer_slot[i];
        mica_thread_suspend(t);
        mica_thread_bind(t, -1);
        mica_thread_set_fault(t, -1);
        mica_thread_configure(t, answerer_frame[i], FUZZ_PRIO, NULL);
    }
}

static int first_main(const struct mica_bootinfo *bi)
{
    timebase_freq = bi->timebase_freq;
    if (!strncmp(bi->init, "repro", 5))
        return repro_run(bi->init + 5);
    if (parse_options(bi->init)) {
        debug_printf("kfuzz: usage: init=SEED COUNT [tN] [wN] [v] [c] [h] [raw] "
                     "[only=N,...] | repro NAME [N]\n");
        return 2;
    }
    debug_printf("kfuzz: seed %lu count %lu\n", (unsigned long)opt.seed,
                 (unsigned long)opt.count);
    while (slot_alloc() < INFRA_FIRST - 1)
        ;                                   /* the pool's slots stay the fuzzers' */

    /* Memory the run needs, and page tables it would otherwise make later. */
    stats_frame = map_frame(STATS_VA, 1, MICA_R_READ | MICA_R_WRITE);
    stats->timebase = timebase_freq;
    stats->only = opt.only;
    stats->raw = opt.raw;
    gen_init(bi);
    map_frame(WSCRATCH_VA, 2, MICA_R_READ | MICA_R_WRITE);
    map_frame(WSCRATCH_VA + WSCRATCH_LEN, 1, MICA_R_READ);
    make_page_tables(FUZZ_VA);
    make_page_tables(SPAWN_SCRATCH_VA);

    /* The machinery: fault handler, fuzzers, answerers, watchdog, monitor. */
    fault_ep = new_object(MICA_SLOT_BUDGET, MICA_OBJ_ENDPOINT, 0);
    handler_reply_slot = slot_alloc();
    spawn_thread(fault_handler_thread, seed_for(opt.seed, 77, 0), HANDLER_PRIO, "kf-faults", 0,
                 NULL);
    for (int i = 0; i < opt.threads; i++) {
        uint64_t share = opt.count / (uint64_t)opt.threads +
                         (i < (int)(opt.count % (uint64_t)opt.threads));
        struct fuzzer *f = new_fuzzer(FZ_FUZZER, share, true);
        f->self = spawn_thread(fuzz_thread, (uint64_t)f, FUZZ_PRIO, "kf-fuzz",
                               BADGE_MAIN + (uint64_t)f->id, &f->frame);
    }
    for (int i = 0; i < NANSWERERS; i++) {
        struct fuzzer *f = new_fuzzer(FZ_ANSWERER, 0, true);
        f->self = spawn_thread(fuzz_thread, (uint64_t)f, FUZZ_PRIO, "kf-answer",
                               BADGE_MAIN + (uint64_t)f->id, &f->frame);
        answerer_slot[i] = f->self;
        answerer_frame[i] = f->frame;
    }
    struct fuzzer *bg = new_fuzzer(FZ_BACKGROUND, 0, true);
    bg->self = spawn_thread(fuzz_thread, (uint64_t)bg, BACKGROUND_PRIO, "kf-background",
                            BADGE_MAIN + (uint64_t)bg->id, &bg->frame);
    watch.timer = new_object(MICA_SLOT_BUDGET, MICA_OBJ_NOTIFICATION, 0);
    long watchdog = spawn_thread(watchdog_thread, (uint64_t)&watch, WATCHDOG_PRIO, "kf-watch",
                                 0, NULL);
    long tick = new_object(MICA_SLOT_BUDGET, MICA_OBJ_NOTIFICATION, 0);

    long base = mica_budget_info(MICA_SLOT_BUDGET, 3);
    long base_used = mica_budget_info(MICA_SLOT_BUDGET, 1);
    if (pool_create(&watch) || workers_start())
        return 2;
    start_timer(watch.timer, timebase_freq / 500);
    start_timer(tick, timebase_freq / 200);
    uint64_t t0 = mica_time(), last_change = t0, last_total = 0, last_report = t0;

    /* The monitor: tends the workers until the fuzzers are done. */
    while (!fuzzers_done()) {
        mica_wait(tick);
        uint64_t now = mica_time(), total = first_calls();
        workers_tend(now);
        if (now - last_report > 5 * timebase_freq) {
            last_report = now;
            debug_printf("kfuzz: %lu s: first process %lu calls, workers %lu\n",
                         (unsigned long)((now - t0) / timebase_freq), (unsigned long)total,
                         (unsigned long)workers_calls());
        }
        if (total != last_total) {
            last_total = total;
            last_change = now;
        } else if (now - last_change > 10 * timebase_freq) {
            debug_printf("kfuzz: no progress for 10 s after %lu calls\n",
                         (unsigned long)total);
            return 4;
        }
    }
    uint64_t t1 = mica_time();

    /* Teardown: everything made after `base` goes. The answerers may have
     * been given priorities at which the workers starve them: they are
     * stopped, not asked to stop. */
    mica_thread_suspend(watchdog);
    mica_thread_suspend(bg->self);
    reset_answerers();
    mica_process_set_fault(MICA_SLOT_SELF, -1);
    workers_destroy();
    pool_destroy();
    for (int i = 0; i < FUZZ_PAGES; i++)
        mica_unmap(MICA_SLOT_SELF, FUZZ_VA + i * PAGE);
    mica_timer_set(tick, 0, 0);
    mica_timer_set(watch.timer, 0, 0);
    long selfcheck = mica_selfcheck();
    long leak = base - mica_budget_info(MICA_SLOT_BUDGET, 3);

    uint64_t mine = first_calls(), theirs = workers_calls(), total = mine + theirs;
    uint64_t ms = (t1 - t0) * 1000 / timebase_freq, unexpected = 0;
    for (int i = 0; i < nfuzzers; i++)
        unexpected += fuzzers[i].unexpected;
    debug_printf("kfuzz: %lu ms, %lu calls/s: first process %lu, workers %lu; "
                 "%lu respawns (%lu exit, %lu killed, %lu stall, %lu age), %lu faults, "
                 "%lu unstuck\n",
                 (unsigned long)ms, (unsigned long)(ms ? total * 1000 / ms : 0),
                 (unsigned long)mine, (unsigned long)theirs, (unsigned long)respawns,
                 (unsigned long)respawn_why[0], (unsigned long)respawn_why[1],
                 (unsigned long)respawn_why[2], (unsigned long)respawn_why[3],
                 (unsigned long)stats->faults, (unsigned long)watch.unstuck);
    if (opt.counts)
        fuzz_print_counts();
    if (workers_errors())
        debug_printf("kfuzz: %lu unexpected results in workers (not counted as failures: "
                     "their fuzzers may overwrite their memory)\n",
                     (unsigned long)workers_errors());
    if (unexpected) {
        debug_printf("kfuzz: %lu unexpected results\n", (unsigned long)unexpected);
        return 5;
    }
    if (selfcheck) {
        debug_printf("kfuzz: selfcheck failed at the end: %ld\n", selfcheck);
        return 3;
    }
    if (leak) {
        debug_printf("kfuzz: leak %ld pages (the budget of all memory spends %ld more)\n", leak,
                     mica_budget_info(MICA_SLOT_BUDGET, 1) - base_used);
        if (opt.hold)
            for (;;)
                mica_thread_suspend(MICA_SLOT_THREAD);  /* for a debugger to look */
        return 6;
    }
    debug_printf("kfuzz: %lu calls, seed %lu, selfcheck ok, leak 0 pages\n",
                 (unsigned long)total, (unsigned long)opt.seed);
    return 0;
}

/* ---- a worker ---- */

int worker_main(uint64_t arg)
{
    worker_index = WARG_INDEX(arg);
    opt.seed = WARG_SEED(arg);
    opt.verbose = WARG_VERBOSE(arg);
    int nthreads = WARG_THREADS(arg);
    if (nthreads > MAX_WTHREADS - 2)
        nthreads = MAX_WTHREADS - 2;
    timebase_freq = stats->timebase;
    opt.only = stats->only;
    while (slot_alloc() < POOL_END - 1)
        ;
    gen_init(NULL);

    /* Its own objects, after those the first process gave it. */
    mica_create(MICA_SLOT_BUDGET, MICA_OBJ_ENDPOINT, W_OWN_EP, 0);
    mica_create(MICA_SLOT_BUDGET, MICA_OBJ_NOTIFICATION, W_OWN_NTFN, 0);
    mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, W_OWN_FRAME, 2);
    mica_create(MICA_SLOT_BUDGET, MICA_OBJ_BUDGET, W_OWN_BUDGET, 16);
    mica_create(MICA_SLOT_BUDGET, MICA_OBJ_THREAD, W_OWN_THREAD, MICA_SLOT_SELF);
    map_frame(WSCRATCH_VA, 2, MICA_R_READ | MICA_R_WRITE);
    map_frame(WSCRATCH_VA + WSCRATCH_LEN, 1, MICA_R_READ);
    for (long s = W_EP0; s <= W_OWN_THREAD; s++)
        refill_keep(&watch, s);

    struct fuzzer *first = new_fuzzer(FZ_FUZZER, 0, false);
    first->self = MICA_SLOT_THREAD;
    first->frame = MICA_SLOT_IPC_BUFFER;
    first->ipcbuf = (struct mica_ipc_buffer *)MICA_IPCBUF_VA;
    for (int i = 1; i <= nthreads; i++) {
        struct fuzzer *f = new_fuzzer(i < nthreads ? FZ_FUZZER : FZ_ANSWERER, 0, false);
        f->self = start_thread(MICA_SLOT_BUDGET, fuzz_thread, (uint64_t)f, FUZZ_PRIO,
                               "kf-wfuzz", &f->frame);
        if (f->self < 0)
            f->done = true;                 /* its budget ran out: run without it */
    }
    for (int i = 0; i < nfuzzers; i++)
        fuzzers[i].stat = &stats->calls[worker_index][i];
    if (nfuzzers > 1)
        mica_cap_copy(fuzzers[1].self, -1, W_FUZZER_COPY, MICA_R_ALL, 0);
    watch.timer = slot_alloc();
    watch.fault_ep = W_FAULT_EP;
    mica_create(MICA_SLOT_BUDGET, MICA_OBJ_NOTIFICATION, watch.timer, 0);
    start_thread(MICA_SLOT_BUDGET, watchdog_thread, (uint64_t)&watch, WORKER_PRIO, "kf-wwatch",
                 NULL);
    start_timer(watch.timer, timebase_freq / 500);

    /* From here on nothing it does runs above the first process's fuzzers. */
    mica_thread_configure(MICA_SLOT_THREAD, MICA_SLOT_IPC_BUFFER, FUZZ_PRIO, "kf-worker");
    fuzz_run(first);
    for (;;)
        mica_thread_suspend(MICA_SLOT_THREAD);
}

int main(void *arg)
{
    if ((uint64_t)arg != MICA_BOOTINFO_VA)
        return worker_main((uint64_t)arg);
    return first_main(arg);
}
