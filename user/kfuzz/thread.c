/*
 * kfuzz's own threads. Unlike libipc's thread_spawn() they set gp (code
 * linked with relaxation reaches globals through it, and the kernel starts
 * a thread with only pc, sp and a0 set) and keep the capability to the
 * frame that holds the thread's stack and IPC buffer, so that the watchdog
 * can give the thread back its IPC buffer and priority after a fuzzer
 * changed them.
 */
#include "kfuzz.h"

#include "mica/errno.h"
#include "mica/spawn.h"
#include "mica/sys.h"

#define STACK_PAGES 4
#define THREADS_VA  (HIGH_VA + 0x80000000ul)   /* above thread_spawn()'s */
#define MAX_THREADS (MAX_FUZZERS + 8)

/* Sets gp, then calls fn(arg) from the struct thread_start a0 points at. */
__asm__(".pushsection .text\n"
        "kfuzz_thread_entry:\n"
        ".option push\n"
        ".option norelax\n"
        "    lla gp, __global_pointer$\n"
        ".option pop\n"
        "    ld t0, 0(a0)\n"
        "    ld a0, 8(a0)\n"
        "    jr t0\n"
        ".popsection\n");

extern char kfuzz_thread_entry[];

struct thread_start {
    void (*fn)(uint64_t);
    uint64_t arg;
};

static struct thread_start starts[MAX_THREADS];
static int nstarts;
static uint64_t next_va = THREADS_VA;

/* The frame's page 0 is the IPC buffer, right above the stack (pages 1 ..
 * STACK_PAGES); the page below the stack stays unmapped as a guard. */
long start_thread(long budget, void (*fn)(uint64_t), uint64_t arg, unsigned prio,
                  const char *name, long *frame)
{
    if (nstarts == MAX_THREADS)
        return -ENOMEM;
    long f = slot_alloc(), t = slot_alloc();
    if (f < 0 || t < 0)
        return -ENOMEM;
    uint64_t base = next_va, top = base + (STACK_PAGES + 1) * PAGE;
    struct thread_start *s = &starts[nstarts];
    *s = (struct thread_start){ fn, arg };
    long r = mica_create(budget, MICA_OBJ_FRAME, f, STACK_PAGES + 1);
    if (!r)
        r = mica_map(MICA_SLOT_SELF, f, top, MICA_R_READ | MICA_R_WRITE, 0);
    for (uint64_t i = 1; !r && i <= STACK_PAGES; i++)
        r = mica_map(MICA_SLOT_SELF, f, base + i * PAGE, MICA_R_READ | MICA_R_WRITE, i);
    if (!r)
        r = mica_create(budget, MICA_OBJ_THREAD, t, MICA_SLOT_SELF);
    if (!r)
        r = mica_thread_configure(t, f, prio, name);
    if (!r)
        r = mica_thread_start(t, (uint64_t)kfuzz_thread_entry, top, (uint64_t)s);
    next_va += (STACK_PAGES + 2) * PAGE;
    if (r) {
        slot_free(t);
        slot_free(f);
        return r;
    }
    nstarts++;
    if (frame)
        *frame = f;
    return t;
}
