/*
 * Process and thread creation from user space (see spawn.h).
 */
#include "mica/spawn.h"

#include <stdbool.h>

#include "mica/archive.h"
#include "mica/bootinfo.h"
#include "mica/elf.h"
#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/string.h"
#include "mica/sys.h"

#define PAGE 4096ul
/* Where the spawner maps a child's frame for a moment to fill it. */
#define SCRATCH_VA 0x3e00000000ul
/* Stacks and IPC buffers of threads made by thread_spawn. */
#define THREADS_VA 0x3d00000000ul
#define THREAD_STACK_PAGES 4
#define FIRST_SLOT MICA_SLOT_FIRST_FREE
#define MAX_SLOTS MICA_MAX_SLOTS

static uint64_t used[MAX_SLOTS / 64];
/* Slots known to be empty when not used: freed here, or probed once. Only
 * a slot never seen is asked about (its creator may have filled it). */
static uint64_t known[MAX_SLOTS / 64];
/* No free slot lies in a word below this one. */
static long first_word = FIRST_SLOT / 64;

/* The place of x's lowest set bit (x != 0), without libgcc. */
static long lowest_bit(uint64_t x)
{
    long i = 0;
    for (; !(x & 0xff); x >>= 8)
        i += 8;
    for (; !(x & 1); x >>= 1)
        i++;
    return i;
}

long slot_alloc(void)
{
    for (long w = first_word; w < MAX_SLOTS / 64; w++) {
        uint64_t free = ~used[w];
        if (w == FIRST_SLOT / 64)
            free &= ~((1ull << FIRST_SLOT % 64) - 1);
        for (; free; free &= free - 1) {
            uint64_t bit = free & -free;
            long s = w * 64 + lowest_bit(free);
            used[w] |= bit;
            /* A slot the creator filled before we started is taken too. */
            bool empty = (known[w] & bit) || mica_cap_info(s) == -EBADF;
            known[w] |= bit;
            if (empty) {
                first_word = w;
                return s;
            }
        }
    }
    first_word = MAX_SLOTS / 64;
    return -1;
}

void slot_free(long slot)
{
    if (slot >= FIRST_SLOT && slot < MAX_SLOTS)
        mica_cap_delete(slot);
    slot_forget(slot);
}

void slot_forget(long slot)
{
    if (slot >= FIRST_SLOT && slot < MAX_SLOTS) {
        used[slot / 64] &= ~(1ull << (slot % 64));
        known[slot / 64] |= 1ull << (slot % 64);
        if (slot / 64 < first_word)
            first_word = slot / 64;
    }
}

static unsigned rights_of(uint32_t flags)
{
    return ((flags & ELF_SEG_R) ? MICA_R_READ : 0) | ((flags & ELF_SEG_W) ? MICA_R_WRITE : 0) |
           ((flags & ELF_SEG_X) ? MICA_R_EXEC : 0);
}

/* A new frame of npages, filled by fill(ctx, page address, index). */
static long new_frame(long budget, uint32_t npages,
                      void (*fill)(const void *ctx, char *page, uint64_t i), const void *ctx)
{
    long f = slot_alloc();
    if (f < 0)
        return -ENOMEM;
    long r = mica_create(budget, MICA_OBJ_FRAME, f, npages);
    for (uint32_t i = 0; r == 0 && fill && i < npages; i++) {
        r = mica_map(MICA_SLOT_SELF, f, SCRATCH_VA, MICA_R_READ | MICA_R_WRITE, i);
        if (r == 0) {
            fill(ctx, (char *)SCRATCH_VA, i);
            mica_unmap(MICA_SLOT_SELF, SCRATCH_VA);
        }
    }
    if (r) {
        slot_free(f);
        return r;
    }
    return f;
}

struct seg_fill {
    const char *file;
    const struct elf_segment *s;
    uint64_t start;
};

static void fill_segment(const void *ctx, char *page, uint64_t i)
{
    const struct seg_fill *sf = ctx;
    uint64_t va = sf->start + i * PAGE;
    uint64_t lo = va < sf->s->vaddr ? sf->s->vaddr : va;
    uint64_t hi = va + PAGE;
    if (hi > sf->s->vaddr + sf->s->filesz)
        hi = sf->s->vaddr + sf->s->filesz;
    if (lo < hi)
        memcpy(page + (lo - va), sf->file + sf->s->offset + (lo - sf->s->vaddr), hi - lo);
}

/* Maps frame f (npages) at va in proc, then drops the spawner's slot: the
 * mapping keeps the frame. */
static int map_all(long proc, long f, uint64_t va, uint32_t npages, unsigned rights)
{
    int r = 0;
    for (uint32_t i = 0; r == 0 && i < npages; i++)
        r = (int)mica_map(proc, f, va + i * PAGE, rights, i);
    return r;
}

static int load(long budget, long proc, const void *file, const struct elf_image *img)
{
    for (int i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        uint64_t start = s->vaddr & ~(PAGE - 1);
        uint64_t end = (s->vaddr + s->memsz + PAGE - 1) & ~(PAGE - 1);
        /* A frame holds at most MICA_MAX_FRAME_PAGES pages: big segments
         * (a large .bss) take several. */
        for (uint64_t at = start; at < end; at += MICA_MAX_FRAME_PAGES * PAGE) {
            uint64_t left = (end - at) / PAGE;
            uint32_t npages = (uint32_t)(left < MICA_MAX_FRAME_PAGES ? left : MICA_MAX_FRAME_PAGES);
            struct seg_fill sf = { file, s, at };
            long f = new_frame(budget, npages, fill_segment, &sf);
            if (f < 0)
                return (int)f;
            int r = map_all(proc, f, at, npages, rights_of(s->flags));
            slot_free(f);
            if (r)
                return r;
        }
    }
    return 0;
}

static void fill_args(const void *ctx, char *page, uint64_t i)
{
    (void)i;
    const struct spawn_args *sa = ctx;
    struct mica_args *a = (struct mica_args *)page;
    const char *cmdline = sa->args ? sa->args : "";
    size_t n = strnlen(cmdline, PAGE - sizeof *a - 1);
    a->timebase_freq = mica_timebase_freq;
    a->realtime_offset_ns = mica_realtime_offset_ns;
    a->console_shift = sa->console_shift;
    memcpy(a->cmdline, cmdline, n);
    a->cmdline[n] = '\0';
}

static int give_caps(const struct spawn_args *a, struct child *c, long ipcbuf)
{
    int r = (int)mica_cap_copy(c->proc, c->proc, MICA_SLOT_SELF, MICA_R_ALL, 0);
    if (!r)
        r = (int)mica_cap_copy(c->thread, c->proc, MICA_SLOT_THREAD, MICA_R_ALL, 0);
    if (!r)
        r = (int)mica_cap_copy(ipcbuf, c->proc, MICA_SLOT_IPC_BUFFER, MICA_R_ALL, 0);
    if (!r && a->child_budget)
        r = (int)mica_cap_copy(a->child_budget, c->proc, MICA_SLOT_BUDGET, MICA_R_ALL, 0);
    for (int i = 0; !r && i < a->ncaps; i++)
        r = (int)mica_cap_copy(a->caps[i].src, c->proc, a->caps[i].dest, a->caps[i].rights,
                               a->caps[i].badge);
    return r;
}

static int build(const struct spawn_args *a, struct child *c, const struct archive_entry *e,
                 const struct elf_image *img)
{
    int r = (int)mica_create(a->budget, MICA_OBJ_PROCESS, c->proc, a->nslots ? a->nslots : 256);
    if (!r)
        r = (int)mica_create(a->budget, MICA_OBJ_THREAD, c->thread, (uint64_t)c->proc);
    if (!r)
        r = load(a->budget, c->proc, e->data, img);
    long stack = r ? -1 : new_frame(a->budget, MICA_STACK_PAGES, NULL, NULL);
    if (stack < 0)
        return r ? r : (int)stack;
    r = map_all(c->proc, stack, MICA_STACK_TOP - MICA_STACK_PAGES * PAGE, MICA_STACK_PAGES,
                MICA_R_READ | MICA_R_WRITE);
    slot_free(stack);
    long args = r ? -1 : new_frame(a->budget, 1, fill_args, a);
    if (args < 0)
        return r ? r : (int)args;
    r = map_all(c->proc, args, MICA_ARGS_VA, 1, MICA_R_READ);
    slot_free(args);
    long ipcbuf = r ? -1 : new_frame(a->budget, 1, NULL, NULL);
    if (ipcbuf < 0)
        return r ? r : (int)ipcbuf;
    r = map_all(c->proc, ipcbuf, MICA_IPCBUF_VA, 1, MICA_R_READ | MICA_R_WRITE);
    if (!r)
        r = (int)mica_thread_configure(c->thread, ipcbuf, a->prio, a->name);
    if (!r)
        r = give_caps(a, c, ipcbuf);
    slot_free(ipcbuf);
    if (!r && a->fault_ep) {
        long ep = slot_alloc();
        r = (int)mica_cap_copy(a->fault_ep, -1, ep, MICA_R_ALL, a->fault_badge);
        if (!r)
            r = (int)mica_process_set_fault(c->proc, ep);
        slot_free(ep);
    }
    if (!r)
        r = (int)mica_thread_start(c->thread, img->entry, MICA_STACK_TOP, a->arg);
    return r;
}

int spawn(const struct spawn_args *a, struct child *out)
{
    const struct mica_bootinfo *bi = (const struct mica_bootinfo *)MICA_BOOTINFO_VA;
    struct archive_entry e;
    struct elf_image img;
    const char *err;
    if (archive_find((const void *)MICA_ARCHIVE_VA, bi->archive_size, a->name, &e))
        return -ENOENT;
    if (elf_check(e.data, e.size, MICA_ARCHIVE_VA - 0x1000000000ul, &img, &err))
        return -ENOEXEC;
    out->proc = slot_alloc();
    out->thread = slot_alloc();
    if (out->proc < 0 || out->thread < 0) {
        spawn_destroy(out);
        return -ENOMEM;
    }
    int r = build(a, out, &e, &img);
    if (r)
        spawn_destroy(out);
    return r;
}

void spawn_destroy(struct child *c)
{
    if (c->proc > 0) {
        mica_process_destroy(c->proc);
        slot_free(c->proc);
    }
    if (c->thread > 0)
        slot_free(c->thread);
    c->proc = c->thread = -1;
}

static uint64_t next_thread_va = THREADS_VA;

/* What a new thread starts from: kept at the top of its stack. */
struct thread_start {
    struct mica_tls tls;
    void (*fn)(uint64_t);
    uint64_t arg;
};

void thread_entry(void);
__attribute__((noreturn)) void thread_trampoline(struct thread_start *ts);

__attribute__((noreturn)) void thread_trampoline(struct thread_start *ts)
{
    __asm__ volatile("mv tp, %0" :: "r"(&ts->tls));
    ts->fn(ts->arg);
    /* fn returned: this thread has nothing left to do. */
    mica_thread_suspend(ts->tls.thread);
    for (;;)
        mica_yield();
}

/* Lays out a thread's frame: page 0 is the IPC buffer, above the stack;
 * the page below the stack stays unmapped as a guard. */
static long map_thread_frame(long f, uint64_t base)
{
    long r = mica_map(MICA_SLOT_SELF, f, base + (THREAD_STACK_PAGES + 1) * PAGE,
                      MICA_R_READ | MICA_R_WRITE, 0);
    for (uint32_t i = 1; r == 0 && i <= THREAD_STACK_PAGES; i++)
        r = mica_map(MICA_SLOT_SELF, f, base + i * PAGE, MICA_R_READ | MICA_R_WRITE, i);
    return r;
}

long thread_spawn(long budget, void (*fn)(uint64_t), uint64_t arg, unsigned prio,
                  const char *name)
{
    uint64_t base = next_thread_va;
    long f = new_frame(budget, THREAD_STACK_PAGES + 1, NULL, NULL);
    if (f < 0)
        return f;
    long t = slot_alloc();
    long r = t < 0 ? -ENOMEM : map_thread_frame(f, base);
    if (!r)
        r = mica_create(budget, MICA_OBJ_THREAD, t, MICA_SLOT_SELF);
    if (!r)
        r = mica_thread_configure(t, f, prio, name);
    uint64_t top = base + (THREAD_STACK_PAGES + 1) * PAGE;
    struct thread_start *ts = (struct thread_start *)(top - sizeof *ts);
    if (!r) {
        ts->tls.ipcbuf = (struct mica_ipc_buffer *)top;
        ts->tls.thread = t;
        ts->fn = fn;
        ts->arg = arg;
        r = mica_thread_start(t, (uint64_t)thread_entry, (uint64_t)ts & ~15ul, (uint64_t)ts);
    }
    slot_free(f);            /* the mappings and the thread keep the frame */
    if (r) {
        slot_free(t);
        return r;
    }
    next_thread_va += (THREAD_STACK_PAGES + 2) * PAGE;
    return t;
}
