/*
 * kfuzz: the kernel fuzz test. Shared declarations of its parts:
 *   main.c    the two modes (first process, worker), set-up, teardown, checks
 *   pool.c    the pool of objects, the workers, the fault handler, the monitor
 *   fuzz.c    the fuzzing loop, the watchdog and the wild thread entries
 *   thread.c  kfuzz's own threads
 *   gen.c     the call table and argument generators
 *   guard.c   what fuzzers may not do: keeps the first process's own
 *             capabilities and memory safe, and clear of known kernel bugs
 *   repro.c   minimal reproductions of the kernel bugs kfuzz has found
 *
 * Every thread draws from its own generator, seeded from the run's seed, so
 * a thread's sequence of calls is reproducible; how the threads interleave
 * is not, unless QEMU runs with -icount.
 */
#ifndef KFUZZ_H
#define KFUZZ_H

#include <stdbool.h>
#include <stdint.h>

#include "mica/syscall.h"

#define PAGE 4096ul
#define USER_TOP 0x4000000000ul        /* the end of user addresses (Sv39) */

/* ---- capability slots ---- */
/* The pool lives in slots [POOL_FIRST, POOL_END) of every kfuzz process;
 * fuzzing threads draw their slot numbers from 0..64. Slots from
 * INFRA_FIRST up belong to the test's own machinery: the first process's
 * fuzzing threads never name them (gen.c maps such numbers into the pool). */
#define POOL_FIRST   MICA_SLOT_FIRST_FREE
#define POOL_END     64
#define INFRA_FIRST  100

/* The first process's pool (pool.c). */
enum {
    S_BUDGET = POOL_FIRST,   /* the pool budget: small, so it runs out */
    S_EP0, S_EP1, S_EP0_BADGED, S_EP1_NOGRANT,
    S_NTFN0, S_NTFN1, S_NTFN0_BADGED,
    S_FRAME1, S_FRAME4, S_FRAME16, S_FRAME1_RO,
    S_PROC0, S_PROC1,        /* empty processes */
    S_PTHREAD0, S_PTHREAD1,  /* threads in them, never started */
    S_WPROC0, S_WPROC1,      /* copies of the workers' process capabilities */
    S_WTHREAD0, S_WTHREAD1,  /* ... and of their first threads */
    S_ANSWER0, S_ANSWER1,    /* answering threads of the first process */
    S_SUBBUDGET,
    S_IRQ0, S_IRQ1,          /* left empty: where IRQ_GET often puts handlers */
    S_POOL_USED              /* first slot left empty for the fuzzers */
};

/* A worker's pool: copies the first process gives it when it spawns it,
 * then what it makes itself. */
enum {
    W_EP0 = POOL_FIRST, W_EP1, W_EP0_PLAIN, W_NTFN0, W_NTFN1, W_FRAME1, W_ARCHIVE,
    W_OWN_EP, W_OWN_NTFN, W_OWN_FRAME, W_OWN_BUDGET,
    W_OWN_THREAD,            /* never started */
    W_FUZZER_COPY,           /* a copy of one of its fuzzing threads */
    W_POOL_USED              /* first slot left empty for the fuzzers */
};
#define WORKER_SLOTS 256
#define W_FAULT_EP   200                /* its fault endpoint, for the watchdog */

/* ---- address space ---- */
/* Every kfuzz process is laid out alike:
 *   PROGRAM_VA .. PROGRAM_END    the program (libipc/user.ld), then nothing
 *   FUZZ_VA, WSCRATCH_VA, STATS_VA  (below)
 *   HOLE_VA .. HIGH_VA           never mapped
 *   HIGH_VA .. USER_TOP          thread stacks (libipc's and thread.c's),
 *                                spawn()'s scratch page, the boot archive,
 *                                the stack, the IPC buffer, the boot info */
#define PROGRAM_VA   0x10000ul
#define PROGRAM_END  0x10000000ul
#define HOLE_VA      0x2300000000ul
#define HIGH_VA      0x3d00000000ul
#define SPAWN_SCRATCH_VA 0x3e00000000ul    /* libipc/spawn.c maps child frames here */
/* The fuzz area: where fuzzers may map frames into their own process. */
#define FUZZ_VA      0x2000000000ul
#define FUZZ_PAGES   16
/* Scratch memory the kernel may write on a fuzzer's behalf (thread
 * registers, grant copies): two writable pages, then a read-only one, so a
 * long copy stops there. */
#define WSCRATCH_VA  0x2100000000ul
#define WSCRATCH_LEN (2 * PAGE)
/* The statistics page, shared by the first process and every worker. */
#define STATS_VA     0x2200000000ul

/* ---- limits ---- */
#define MAX_FUZZERS   8         /* fuzzing threads per process */
#define MAX_WORKERS   4
#define MAX_WTHREADS  8

/* Priorities: everything a fuzzer can make runs at FUZZ_PRIO or below, so
 * the machinery above it always gets the processor. */
#define FUZZ_PRIO     40
#define BACKGROUND_PRIO 30
#define WORKER_PRIO   50        /* a worker's first thread while it sets up */
#define HANDLER_PRIO  90
#define WATCHDOG_PRIO 95
#define MONITOR_PRIO  100       /* the first thread: the kernel gives it 100 */

/* Shared by the first process and the workers, at STATS_VA. */
struct kfuzz_stats {
    uint64_t calls[MAX_WORKERS][MAX_WTHREADS];
    uint64_t exited[MAX_WORKERS];        /* EXIT faults seen by the handler */
    uint64_t errors[MAX_WORKERS];        /* unexpected results in the worker */
    uint64_t faults;                     /* fault messages answered */
    uint64_t timebase;                   /* rdtime ticks per second */
    uint64_t only;                       /* the calls fuzzers make (options) */
    uint64_t raw;                        /* no KFUZZ-WORKAROUNDs (options) */
    uint64_t ndev;                       /* device registers, from the boot info */
    struct { uint64_t base, size; } dev[16];
};
_Static_assert(sizeof(struct kfuzz_stats) <= PAGE, "stats fit a page");

/* ---- options: init=SEED COUNT [tN] [wN] [v] [c] [h] [raw] [only=N,N,...] ---- */
struct options {
    uint64_t seed;
    uint64_t count;          /* calls by the first process's fuzzers */
    int threads;             /* fuzzing threads of the first process */
    int workers;
    bool verbose;            /* print every call of the first process */
    bool counts;             /* print the results of its calls by call */
    bool hold;               /* on a leak, stop instead of exiting (for gdb) */
    bool raw;                /* no KFUZZ-WORKAROUNDs: do the known bugs still bite? */
    uint64_t only;           /* bit n: only kernel call -n, bit 0: Linux (0: all) */
};

/* ---- random numbers: splitmix64 ---- */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static inline uint64_t rng_below(uint64_t *s, uint64_t n)
{
    return rng_next(s) % n;
}

/* True one time in n. */
static inline bool rng_one_in(uint64_t *s, uint64_t n)
{
    return rng_below(s, n) == 0;
}

static inline uint64_t seed_for(uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t s = seed ^ (a * 0x100000001b3ull) ^ (b << 40);
    return rng_next(&s);
}

/* ---- a fuzzing thread ---- */
enum fuzzer_kind {
    FZ_FUZZER,               /* every call */
    FZ_ANSWERER,             /* IPC and notifications only: answers the others */
    FZ_BACKGROUND,           /* never blocks: runs while the others wait */
};

struct fuzzer {
    uint64_t rng;
    volatile uint64_t calls; /* progress, read by the watchdog */
    uint64_t last_seen;      /* the watchdog's copy */
    unsigned idle_rounds;    /* watchdog rounds without progress */
    volatile bool may_block; /* in a call that can wait for another thread */
    uint64_t target;         /* calls to make; 0: no end */
    volatile uint64_t *stat; /* a worker's counter in the stats page, or NULL */
    struct mica_ipc_buffer *ipcbuf;
    long self;               /* its own thread capability */
    long frame;              /* its stack and IPC buffer, or 0 */
    int id;
    enum fuzzer_kind kind;
    bool in_first;           /* runs in the first process: guarded */
    bool verbose;
    uint64_t only;
    volatile bool done;
    bool received;           /* its last call received a message */
    bool received_grant;     /* ... a call that lends memory */
    uint64_t unexpected;     /* results outside the kernel's contract */
    struct mica_regs wregs;  /* what THREAD_WRITE_REGS writes */
};

/* The run (main.c). */
extern struct options opt;
extern struct kfuzz_stats *const stats;
extern uint64_t timebase_freq;
extern int worker_index;                 /* -1 in the first process */
extern long answerer_slot[2], answerer_frame[2]; /* the first process's answerers */

/* gen.c */
struct mica_bootinfo;
/* Once, before any fuzzer runs; bi is NULL in a worker. */
void gen_init(const struct mica_bootinfo *bi);
struct call_args {
    long nr;
    uint64_t a[6];
};
/* Picks a call and its arguments for f; false if the guard refused it. */
bool gen_call(struct fuzzer *f, struct call_args *c);
const char *gen_call_name(long nr);
/* Is r within what the kernel promises for call nr? */
bool gen_result_ok(long nr, long r);
/* Makes f's IPC buffer fields (capability to send, grant) random but safe. */
void gen_ipcbuf(struct fuzzer *f);

/* guard.c */
void guard_init(const struct mica_bootinfo *bi);
/* Vets (and may fix) f's call c; bit i of slots says argument i is a
 * capability slot. False: skip the call. */
bool guard_call(struct fuzzer *f, struct call_args *c, unsigned slots);
/* True if the kernel may write at va on behalf of the first process. */
bool guard_write_ok(uint64_t va);
/* A pc a fuzzer may start a thread at. */
uint64_t guard_pc(uint64_t pc);
void guard_ipcbuf(struct fuzzer *f);

/* fuzz.c */
void fuzz_thread(uint64_t arg);          /* arg: struct fuzzer * */
void fuzz_run(struct fuzzer *f);
/* A pool slot the watchdog fills again (from src) when a fuzzer emptied it. */
struct refill {
    long dest, src;
    unsigned rights;
    uint64_t badge;
};
#define MAX_REFILLS 32
struct watch {
    struct fuzzer *f[MAX_FUZZERS + 3];
    int n;
    long timer;              /* notification with a periodic timer */
    uint64_t unstuck;        /* threads the watchdog suspended and resumed */
    struct refill refill[MAX_REFILLS];
    int nrefill;
    long fault_ep;           /* a worker's fault endpoint, set again each round */
};
void refill_add(struct watch *w, long dest, long src, unsigned rights, uint64_t badge);
/* Moves the capability in slot to a new slot of the machinery and puts a
 * copy back, to be refilled from there. */
void refill_keep(struct watch *w, long slot);
void watchdog_thread(uint64_t arg);      /* arg: struct watch * */
void fuzz_print_counts(void);
/* Entry points for threads the fuzzers start (no stack needed). */
extern const uint64_t wild_entries[];
extern const int nwild_entries;

/* pool.c */
int pool_create(struct watch *w);
void pool_destroy(void);
int workers_start(void);
/* The monitor's periodic duty: restart workers that died or aged. */
void workers_tend(uint64_t now);
void workers_destroy(void);
void fault_handler_thread(uint64_t arg);
int shadow_process(long slot);
uint64_t workers_calls(void);
uint64_t workers_errors(void);
extern uint64_t respawns, respawn_why[5];

/* main.c, worker mode */
int worker_main(uint64_t arg);
/* The worker's argument word. */
#define WARG(seed32, index, threads, verbose) \
    ((uint64_t)(uint32_t)(seed32) | (uint64_t)(index) << 32 | \
     (uint64_t)(threads) << 40 | (uint64_t)(verbose) << 48 | 1ull << 62)
#define WARG_SEED(a)    ((uint32_t)(a))
#define WARG_INDEX(a)   ((int)(((a) >> 32) & 0xff))
#define WARG_THREADS(a) ((int)(((a) >> 40) & 0xff))
#define WARG_VERBOSE(a) ((bool)(((a) >> 48) & 1))

/* thread.c */
/* A thread of this process running fn(arg) at prio; *frame gets the frame
 * of its stack and IPC buffer. Returns its slot or -E... */
long start_thread(long budget, void (*fn)(uint64_t), uint64_t arg, unsigned prio,
                  const char *name, long *frame);

/* repro.c */
int repro_run(const char *name);

#endif
