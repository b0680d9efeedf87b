/*
 * The guard: what a fuzzer may not do, checked after its call is drawn.
 *
 * It keeps a fuzzer of the first process from destroying the test itself:
 * the process's own process, thread, budget, control and IPC buffer
 * capabilities and its answering threads are never deleted, moved or
 * handed on; no thread of its own is started or rewritten; it never
 * exits (the first process's exit powers the machine off); slot numbers of
 * the machinery are folded into the pool. In every process the kernel
 * never writes into a fuzzer's program or stacks for it (guard_memory()).
 * Workers are otherwise unguarded but for rate limits on what ends them,
 * so that they live long enough to matter.
 * Both keep clear of the kernel bugs marked KFUZZ-WORKAROUND, unless the
 * run's options say `raw` (to see whether a fix holds). All of them are
 * fixed now and the tests run `raw`; the guards stay for bisecting.
 */
#include "kfuzz.h"

#include "mica/bootinfo.h"
#include "mica/sys.h"

static uint64_t uart_base, uart_end;

/* The first process: notes the UART, and lists every device for the
 * workers too (in the statistics page). */
void guard_init(const struct mica_bootinfo *bi)
{
    for (uint32_t i = 0; i < bi->ndevices && i < MICA_MAX_DEVICES; i++) {
        const struct mica_device *d = &bi->devices[i];
        if (d->kind == MICA_DEV_UART_16550) {
            uart_base = d->base & ~(PAGE - 1);
            uart_end = d->base + d->size;
        }
        if (stats->ndev < sizeof stats->dev / sizeof stats->dev[0]) {
            stats->dev[stats->ndev].base = d->base & ~(PAGE - 1);
            stats->dev[stats->ndev++].size = d->size + (d->base & (PAGE - 1));
        }
    }
}

/*
 * KFUZZ-WORKAROUND(device_copy): the kernel reaches user pages through its
 * direct map, which lacks the virtio slots, so a call that makes it read or
 * write a mapped virtio device frame panics (repro.c). Device frames are
 * made, but never mapped.
 */
static bool device_frame(long slot)
{
    if (stats->raw)
        return false;
    long pa = mica_frame_info(slot);
    for (uint64_t i = 0; pa >= 0 && i < stats->ndev; i++)
        if ((uint64_t)pa - stats->dev[i].base < stats->dev[i].size)
            return true;
    return false;
}

/* May [va, va + pages pages) be mapped? Not over a program, stacks, IPC
 * buffers, nor where nothing is ever mapped. */
static bool guard_map_ok(uint64_t va, uint64_t pages)
{
    uint64_t end = pages < USER_TOP / PAGE ? va + pages * PAGE : USER_TOP;
    return !(va < PROGRAM_END && end > PROGRAM_VA) && !(end > HOLE_VA && va < USER_TOP);
}

/* Where the kernel may write for a fuzzer: anything but the program, the
 * stacks and IPC buffers and the statistics page. Everything else is
 * either unmapped or fuzz memory (the fuzz area, the scratch). */
bool guard_write_ok(uint64_t va)
{
    if (va >= PROGRAM_VA && va < PROGRAM_END)
        return false;                       /* text, data, bss */
    if (va >= HIGH_VA && va < USER_TOP)
        return false;                       /* thread stacks, stack, IPC buffers */
    if (va >= STATS_VA && va < STATS_VA + PAGE)
        return false;
    return true;
}

static bool is_answerer(uint64_t s)
{
    return s == S_ANSWER0 || s == S_ANSWER1;
}

/* Slots in [POOL_END, MAX_SLOTS) are the machinery's: fold them into the pool. */
static uint64_t fold(uint64_t s)
{
    return s >= POOL_END && s < MICA_MAX_SLOTS ? s % POOL_END : s;
}

/* Capabilities that must stay where they are and never leave the process. */
static bool pinned(uint64_t s)
{
    return (s >= MICA_SLOT_SELF && s <= MICA_SLOT_IPC_BUFFER) || is_answerer(s);
}

/* [va, va + pages pages) lies in the fuzz area. */
static bool in_fuzz_area(uint64_t va, uint64_t pages)
{
    return va >= FUZZ_VA && va < FUZZ_VA + FUZZ_PAGES * PAGE &&
           pages <= (FUZZ_VA + FUZZ_PAGES * PAGE - va) / PAGE;
}

/* The first process: returns false to skip the call, or fixes arguments. */
static bool guard_first(struct fuzzer *f, struct call_args *c, unsigned slots)
{
    uint64_t *a = c->a;
    for (int i = 0; i < 6; i++)
        if (slots & (1u << i))
            a[i] = fold(a[i]);
    switch (c->nr) {
    case MICA_SYS_EXIT:
        return false;                       /* would power the machine off */
    case MICA_SYS_CAP_COPY:
        return !pinned(a[0]);
    case MICA_SYS_CAP_MOVE:
    case MICA_SYS_CAP_DELETE:
        return !pinned(a[0]) && a[0] != MICA_SLOT_ARCHIVE && a[0] != S_BUDGET;
    case MICA_SYS_CAP_REVOKE:
        return !is_answerer(a[0]);
    case MICA_SYS_CREATE:
        if (a[0] == MICA_SLOT_BUDGET)
            a[0] = S_BUDGET;                /* all of memory: use the pool's */
        return !(a[1] == MICA_OBJ_THREAD && a[3] == MICA_SLOT_SELF);
    case MICA_SYS_DEVICE_FRAME:
        if (a[1] == MICA_SLOT_BUDGET)
            a[1] = S_BUDGET;
        /* The kernel's console is on the UART: user writes to its registers
         * would silence it. */
        return !(uart_end && a[2] < uart_end && a[2] + a[3] * PAGE > uart_base);
    case MICA_SYS_PROCESS_DESTROY:
        /* Workers are worth more alive: they are killed once in a while. */
        if (a[0] == S_WPROC0 || a[0] == S_WPROC1)
            return rng_one_in(&f->rng, 64);
        return a[0] != MICA_SLOT_SELF;
    case MICA_SYS_MAP:
        return a[0] != MICA_SLOT_SELF || in_fuzz_area(a[2], 1);
    case MICA_SYS_UNMAP:
        return a[0] != MICA_SLOT_SELF || in_fuzz_area(a[1], a[2] ? a[2] : 1);
    case MICA_SYS_PROTECT:
        return a[0] != MICA_SLOT_SELF || in_fuzz_area(a[1], a[3] ? a[3] : 1);
    case MICA_SYS_MAP_COPY:
        /* Its own frames would be lent out, or others' mapped in for good. */
        return (a[0] != MICA_SLOT_SELF && a[2] != MICA_SLOT_SELF) || in_fuzz_area(a[1], a[3]);
    case MICA_SYS_THREAD_RESUME:
        return true;
    case MICA_SYS_THREAD_START:
    case MICA_SYS_THREAD_WRITE_REGS:
        if (is_answerer(a[0]))
            return false;
        /* fall through */
    case MICA_SYS_THREAD_CONFIGURE:
        /* An answerer keeps its own IPC buffer: a shared frame's contents
         * would name the slots its received capabilities land in. */
        if (a[0] == S_ANSWER0 || a[0] == S_ANSWER1)
            a[1] = (uint64_t)answerer_frame[a[0] - S_ANSWER0];
        return a[0] != MICA_SLOT_THREAD;
    case MICA_SYS_THREAD_SUSPEND:
    case MICA_SYS_THREAD_BIND:
    case MICA_SYS_THREAD_SET_FAULT:
        return a[0] != MICA_SLOT_THREAD;
    default:
        return true;
    }
}

/* Does [va, va + pages pages) (0 pages: 1) cover the page at x? */
static bool covers(uint64_t va, uint64_t pages, uint64_t x)
{
    if (!pages)
        pages = 1;
    return x >= va && (x - va) / PAGE < pages;
}

/* A worker: rate limits on what ends it, so that it lives a while. */
static bool guard_worker(struct fuzzer *f, struct call_args *c)
{
    uint64_t *r = &f->rng, *a = c->a;
    switch (c->nr) {
    case MICA_SYS_EXIT:
        return rng_one_in(r, 64);
    case MICA_SYS_CREATE:
        /* A process holding a capability to itself outlives every other
         * capability to it; only the first process makes processes, and
         * destroys them at the end. */
        return a[1] != MICA_OBJ_PROCESS;
    case MICA_SYS_PROCESS_DESTROY:
        return a[0] != MICA_SLOT_SELF || rng_one_in(r, 16);
    case MICA_SYS_PROCESS_SET_FAULT:
        /* Without a fault endpoint every fault is a line on the console. */
        return a[0] != MICA_SLOT_SELF || rng_one_in(r, 16);
    case MICA_SYS_CAP_DELETE:
    case MICA_SYS_CAP_MOVE:
    case MICA_SYS_CAP_REVOKE:
        return a[0] < MICA_SLOT_SELF || a[0] > MICA_SLOT_BUDGET || rng_one_in(r, 8);
    case MICA_SYS_UNMAP:
    case MICA_SYS_PROTECT:
        /* Its own program and stacks go rarely; the statistics page never. */
        return a[0] != MICA_SLOT_SELF || in_fuzz_area(a[1], 1) ||
               (rng_one_in(r, 32) &&
                !covers(a[1], a[c->nr == MICA_SYS_UNMAP ? 2 : 3], STATS_VA));
    default:
        return true;
    }
}

/*
 * Every kfuzz process's program, stacks and IPC buffers: the kernel never
 * writes there for a fuzzer (THREAD_READ_REGS, GRANT_COPY, PROCESS_COPY,
 * a grant a call lends), and nothing is mapped into their ranges, so a
 * page a fuzzer unmapped there faults and is not replaced. Otherwise a
 * worker could run its own fuzzing code with corrupted state and make
 * calls no guard has seen (see guard_pc()).
 */
static bool guard_memory(const struct call_args *c)
{
    const uint64_t *a = c->a;
    switch (c->nr) {
    case MICA_SYS_THREAD_READ_REGS:
        return guard_write_ok(a[1]);
    case MICA_SYS_GRANT_COPY:
        return a[4] != MICA_GRANT_FROM || guard_write_ok(a[2]);
    case MICA_SYS_PROCESS_COPY:
        return guard_write_ok(a[a[4] == MICA_COPY_FROM ? 2 : 1]);
    case MICA_SYS_MAP:
        return guard_map_ok(a[2], 1);
    case MICA_SYS_MAP_COPY:
        return guard_map_ok(a[1], a[3]);
    default:
        return true;
    }
}

/* DEBUG_PUTS may only print nothing: its buffer is an address where nothing
 * is mapped, or its length is out of range. */
static void guard_puts(struct call_args *c)
{
    uint64_t p = c->a[0];
    bool hole = p >= USER_TOP || p < PROGRAM_VA || (p >= PROGRAM_END && p < FUZZ_VA) ||
                (p >= HOLE_VA && p < HIGH_VA);
    if (!hole && c->a[1] <= MICA_DEBUG_PUTS_MAX)
        c->a[1] = 0;
}

/*
 * KFUZZ-WORKAROUND(timer_storm, timer_wrap): two kernel bugs (repro.c).
 * A period shorter than the kernel's own interrupt handling livelocks the
 * machine, and one near 2^64 makes the deadline wrap around so that the
 * timer fires for seconds within one kernel call. Periods are kept
 * between 1 ms and 2^40 ticks (or 0: one-shot).
 */
static uint64_t safe_period(uint64_t p)
{
    if (stats->raw)
        return p;
    if (p >= 1ull << 40)
        p >>= 24;
    return p < timebase_freq / 1000 ? 0 : p;
}

/*
 * A thread started (or rewritten) at a pc in kfuzz's own program would run
 * fuzzing code with random registers and make calls no guard has seen:
 * that is how a worker once armed a timer with a period of one tick
 * (timer_storm). KFUZZ-WORKAROUND(timer_storm): such a pc becomes one of
 * the wild entries, which make only the calls they are written to make.
 */
uint64_t guard_pc(uint64_t pc)
{
    if (stats->raw || pc < PROGRAM_VA || pc >= PROGRAM_END)
        return pc;
    for (int i = 0; i < nwild_entries; i++)
        if (pc == wild_entries[i])
            return pc;
    return wild_entries[pc % (uint64_t)nwild_entries];
}

bool guard_call(struct fuzzer *f, struct call_args *c, unsigned slots)
{
    if (c->nr == MICA_SYS_THREAD_START)
        c->a[1] = guard_pc(c->a[1]);
    if (c->nr == MICA_SYS_MAP && device_frame((long)c->a[1]))
        return false;
    /* KFUZZ-WORKAROUND(map_copy_exec): MAP_COPY with the execute right
     * alone can map a page with no rights, which is never unmapped. */
    if (c->nr == MICA_SYS_MAP_COPY && (c->a[4] & (MICA_R_READ | MICA_R_EXEC)) == MICA_R_EXEC &&
        !stats->raw)
        return false;
    if (c->nr == MICA_SYS_DEBUG_PUTS)
        guard_puts(c);
    if (c->nr == MICA_SYS_TIMER_SET)
        c->a[2] = safe_period(c->a[2]);
    if (!guard_memory(c))
        return false;
    if (f->in_first)
        return guard_first(f, c, slots);
    return guard_worker(f, c);
}

/* The IPC buffer fields the kernel reads when a fuzzer sends: a grant
 * lends only memory the kernel may write (of its own process, or of one
 * it made: the same program, so the same addresses are safe there); in the
 * first process never a pinned capability to transfer or to lend the
 * memory of, and received ones go to the pool. */
void guard_ipcbuf(struct fuzzer *f)
{
    struct mica_ipc_buffer *b = f->ipcbuf;
    if (!guard_write_ok(b->grant_base))
        b->grant_base = WSCRATCH_VA;
    if (!f->in_first)
        return;
    if (b->send_cap >= POOL_END || pinned(b->send_cap))
        b->send_cap = S_POOL_USED;
    if (b->grant_space >= POOL_END || pinned(b->grant_space))
        b->grant_space = 0;
    if (b->recv_slot >= POOL_END)
        b->recv_slot = 0;
}
