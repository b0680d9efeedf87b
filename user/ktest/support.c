/*
 * The cases' common tools (see ktest.h): expectations, objects, and
 * threads in ktest's own process with stacks that are given back.
 */
#include "ktest.h"

#include "mica/string.h"

int kt_failures;

void kt_fail(const char *file, int line, const char *what)
{
    debug_printf("ktest: %s:%d: failed: %s\n", file, line, what);
    kt_failures++;
}

void kt_fail_eq(const char *file, int line, const char *a, const char *b, long va, long vb)
{
    debug_printf("ktest: %s:%d: failed: %s == %s: %ld (%lx) != %ld (%lx)\n", file, line, a,
                 b, va, (unsigned long)va, vb, (unsigned long)vb);
    kt_failures++;
}

long kt_new(enum mica_type type, uint64_t arg)
{
    long s = slot_alloc();
    long r = mica_create(MICA_SLOT_BUDGET, type, s, arg);
    EXPECT_EQ(r, 0);
    return s;
}

long kt_copy(long src, unsigned rights, uint64_t badge)
{
    long s = slot_alloc();
    long r = mica_cap_copy(src, -1, s, rights, badge);
    EXPECT_EQ(r, 0);
    return s;
}

void kt_free(long slot)
{
    slot_free(slot);
}

void kt_settle(void)
{
    /* A yield puts us behind every runnable thread of our priority, and
     * the cases' threads run only until they block: a few rounds are
     * enough even when one was preempted by a tick on the way. */
    for (int i = 0; i < 8; i++)
        mica_yield();
}

/* ---- threads ---- */

#define AREAS        16
#define AREA_PAGES   8                    /* guard, 4 stack pages, IPC buffer, guards */
#define STACK_PAGES  4
#define AREA_BYTES   (AREA_PAGES * KT_PAGE)
#define IPCBUF_PAGE  (1 + STACK_PAGES)

static uint32_t areas_used;

static void thread_entry(uint64_t p)
{
    struct kt_thread *t = (struct kt_thread *)p;
    /* A new thread has only pc, sp and a0 set: it needs the global
     * pointer (small globals are addressed through it) and tp (mica_tls). */
    __asm__ volatile(".option push\n.option norelax\n"
                     "lla gp, __global_pointer$\n"
                     ".option pop\n"
                     "mv tp, %0" :: "r"(&t->tls) : "memory");
    t->fn(t->arg);
    t->done = 1;
    for (;;)
        mica_thread_suspend(t->slot);
}

static long map_area(long frame, uint64_t base)
{
    long r = mica_map(MICA_SLOT_SELF, frame, base + IPCBUF_PAGE * KT_PAGE,
                      MICA_R_READ | MICA_R_WRITE, 0);
    for (int i = 1; r == 0 && i <= STACK_PAGES; i++)
        r = mica_map(MICA_SLOT_SELF, frame, base + i * KT_PAGE, MICA_R_READ | MICA_R_WRITE,
                     (uint64_t)i);
    return r;
}

static void unmap_area(uint64_t base)
{
    for (int i = 1; i <= IPCBUF_PAGE; i++)
        mica_unmap(MICA_SLOT_SELF, base + i * KT_PAGE);
}

long kt_thread_start(struct kt_thread *t, void (*fn)(uint64_t), uint64_t arg, unsigned prio,
                     long fault_ep)
{
    *t = (struct kt_thread){ .slot = -1, .frame = -1, .area = -1, .fn = fn, .arg = arg };
    for (int i = 0; i < AREAS; i++) {
        if (!(areas_used & (1u << i))) {
            areas_used |= 1u << i;
            t->area = i;
            break;
        }
    }
    if (t->area < 0)
        return -ENOMEM;
    uint64_t base = KT_THREAD_VA + (uint64_t)t->area * AREA_BYTES;
    t->frame = slot_alloc();
    t->slot = slot_alloc();
    long r = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, t->frame, 1 + STACK_PAGES);
    if (!r)
        r = map_area(t->frame, base);
    if (!r)
        r = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_THREAD, t->slot, MICA_SLOT_SELF);
    if (!r)
        r = mica_thread_configure(t->slot, t->frame, prio, "kt");
    if (!r && fault_ep)
        r = mica_thread_set_fault(t->slot, fault_ep);
    t->tls.ipcbuf = (struct mica_ipc_buffer *)(base + IPCBUF_PAGE * KT_PAGE);
    t->tls.thread = t->slot;
    if (!r)
        r = mica_thread_start(t->slot, (uint64_t)thread_entry, base + IPCBUF_PAGE * KT_PAGE,
                              (uint64_t)t);
    if (r) {
        kt_thread_stop(t);
        EXPECT_EQ(r, 0);
    }
    return r;
}

struct mica_ipc_buffer *kt_thread_ipcbuf(const struct kt_thread *t)
{
    return t->tls.ipcbuf;
}

int kt_thread_join(struct kt_thread *t)
{
    for (int i = 0; i < 10000 && !t->done; i++)
        mica_yield();
    return t->done;
}

void kt_thread_stop(struct kt_thread *t)
{
    if (t->slot > 0)
        slot_free(t->slot);          /* the last capability: the thread dies */
    if (t->area >= 0) {
        unmap_area(KT_THREAD_VA + (uint64_t)t->area * AREA_BYTES);
        areas_used &= ~(1u << t->area);
    }
    if (t->frame > 0)
        slot_free(t->frame);
    t->slot = t->frame = t->area = -1;
}

/* ---- calls and receives from a thread of their own ---- */

static void async_call(uint64_t p)
{
    struct kt_async *a = (struct kt_async *)p;
    a->result = mica_call(a->slot, &a->m);
}

static void async_recv(uint64_t p)
{
    struct kt_async *a = (struct kt_async *)p;
    a->result = mica_recv(a->slot, &a->m);
}

void kt_async_call(struct kt_async *a, long slot, uint64_t label, uint64_t w0, uint64_t w1)
{
    a->slot = slot;
    a->m = (struct mica_msg){ .info = MICA_INFO(label, 2, 0, 0), .w = { w0, w1 } };
    a->result = 1;        /* neither 0 nor an error: not answered yet */
    kt_thread_start(&a->t, async_call, (uint64_t)a, KT_PRIO, 0);
    kt_settle();
}

void kt_async_recv(struct kt_async *a, long slot)
{
    a->slot = slot;
    a->m = (struct mica_msg){ 0 };
    a->result = 1;
    kt_thread_start(&a->t, async_recv, (uint64_t)a, KT_PRIO, 0);
    kt_settle();
}

void kt_async_stop(struct kt_async *a)
{
    kt_thread_stop(&a->t);
}

/* ---- floating point ---- */

int kt_fp_keeps(uint64_t f0, uint64_t f31, int n)
{
    int bad = 0;
    kt_fp_set(f0, f31);
    for (int i = 0; i < n; i++) {
        mica_yield();
        if (kt_fp_get0() != f0 || kt_fp_get31() != f31)
            bad++;
    }
    return bad;
}
