/*
 * What the fuzzers call: a table of the kernel calls with the kind of each
 * argument, and generators that draw an argument of a kind: usually a
 * plausible one (a slot of the right type, a mapped address, a small
 * length), often one from the generic mix of small slots, random words,
 * kernel and user addresses and edge values. guard.c then vets the call.
 */
#include "kfuzz.h"

#include "mica/bootinfo.h"
#include "mica/errno.h"
#include "mica/sys.h"

enum kind {
    K_ZERO,
    K_ANY,          /* the generic mix */
    /* Capability slots, K_SLOT .. K_REPLY */
    K_SLOT,         /* any */
    K_DSLOT,        /* one to fill */
    K_EP, K_NTFN, K_FRAME, K_PROC, K_THREAD, K_BUDGET, K_IRQ, K_IRQCTL, K_DEVCTL,
    K_IRQ_DEST,     /* where IRQ_GET puts a handler */
    K_PROC_SELF,    /* a process, or -1 for one's own */
    K_EP_SELF,      /* an endpoint, or -1 for none */
    K_NTFN_SELF,    /* a notification, or -1 to unbind */
    K_FRAME_0,      /* a frame, or 0 for none */
    K_REPLY,        /* a saved reply capability, or -1 for the implicit one */
    K_INFO, K_WORD,
    K_RVA,          /* user memory the kernel reads */
    K_WVA,          /* user memory the kernel writes */
    K_PUTS,         /* the buffer of DEBUG_PUTS */
    K_LEN, K_RIGHTS, K_MAPRIGHTS, K_TYPE, K_CREATE_ARG, K_BADGE, K_PRIO, K_NAME,
    K_PC, K_PAGEVA, K_PAGE, K_DEADLINE, K_PERIOD, K_WHAT, K_FLAGS, K_DIR,
    K_OFF, K_PA, K_NPAGES, K_IRQNUM, K_REGS,
};

/* What a call returns when it succeeds. */
enum result {
    RES_ZERO,       /* 0 */
    RES_VALUE,      /* a count, an address, a type: >= 0 */
    RES_ANY,        /* bits (WAIT, POLL), or registers the call left alone */
};

struct call_desc {
    const char *name;
    uint8_t weight;             /* relative, for the weighted half of the picks */
    uint8_t result;             /* enum result */
    uint8_t kind[6];
};

/* Indexed by -nr; the name is the macro's without "MICA_SYS_" (9 chars). */
#define CALL(nr, w, res, ...) [-(nr)] = { #nr + 9, w, res, { __VA_ARGS__ } }

/* Half the calls are picked by weight from this table, half uniformly from
 * -1 .. -(MICA_SYS_COUNT + 2); one in 64 is a Linux number. */
static const struct call_desc calls[MICA_SYS_COUNT + 3] = {
    CALL(MICA_SYS_DEBUG_PUTS, 2, RES_VALUE, K_PUTS, K_LEN),
    CALL(MICA_SYS_EXIT, 1, RES_ANY, K_ANY),
    CALL(MICA_SYS_YIELD, 2, RES_ZERO),
    CALL(MICA_SYS_SEND, 3, RES_ZERO, K_EP, K_INFO, K_WORD, K_WORD, K_WORD, K_WORD),
    CALL(MICA_SYS_NBSEND, 5, RES_ZERO, K_EP, K_INFO, K_WORD, K_WORD, K_WORD, K_WORD),
    CALL(MICA_SYS_CALL, 4, RES_ZERO, K_EP, K_INFO, K_WORD, K_WORD, K_WORD, K_WORD),
    CALL(MICA_SYS_RECV, 2, RES_ZERO, K_EP),
    CALL(MICA_SYS_NBRECV, 5, RES_ZERO, K_EP),
    CALL(MICA_SYS_REPLY, 4, RES_ZERO, K_ZERO, K_INFO, K_WORD, K_WORD, K_WORD, K_WORD),
    CALL(MICA_SYS_REPLY_RECV, 3, RES_ZERO, K_EP, K_INFO, K_WORD, K_WORD, K_WORD, K_WORD),
    CALL(MICA_SYS_SAVE_REPLY, 3, RES_ZERO, K_DSLOT),
    CALL(MICA_SYS_GRANT_COPY, 3, RES_VALUE, K_REPLY, K_OFF, K_WVA, K_LEN, K_DIR),
    CALL(MICA_SYS_SIGNAL, 4, RES_ZERO, K_NTFN),
    CALL(MICA_SYS_WAIT, 2, RES_ANY, K_NTFN),
    CALL(MICA_SYS_POLL, 3, RES_ANY, K_NTFN),
    CALL(MICA_SYS_TIMER_SET, 2, RES_ZERO, K_NTFN, K_DEADLINE, K_PERIOD),
    CALL(MICA_SYS_CAP_COPY, 7, RES_ZERO, K_SLOT, K_PROC_SELF, K_DSLOT, K_RIGHTS, K_BADGE),
    CALL(MICA_SYS_CAP_MOVE, 4, RES_ZERO, K_SLOT, K_DSLOT),
    CALL(MICA_SYS_CAP_DELETE, 5, RES_ZERO, K_SLOT),
    CALL(MICA_SYS_CAP_REVOKE, 2, RES_ZERO, K_SLOT),
    CALL(MICA_SYS_CAP_INFO, 3, RES_VALUE, K_SLOT),
    CALL(MICA_SYS_CREATE, 9, RES_ZERO, K_BUDGET, K_TYPE, K_DSLOT, K_CREATE_ARG),
    CALL(MICA_SYS_BUDGET_INFO, 2, RES_VALUE, K_BUDGET, K_WHAT),
    CALL(MICA_SYS_PROCESS_SET_FAULT, 2, RES_ZERO, K_PROC, K_EP_SELF),
    CALL(MICA_SYS_PROCESS_DESTROY, 1, RES_ZERO, K_PROC),
    CALL(MICA_SYS_THREAD_CONFIGURE, 3, RES_ZERO, K_THREAD, K_FRAME_0, K_PRIO, K_NAME),
    CALL(MICA_SYS_THREAD_START, 3, RES_ZERO, K_THREAD, K_PC, K_ANY, K_ANY),
    CALL(MICA_SYS_THREAD_SUSPEND, 2, RES_ANY, K_THREAD),
    CALL(MICA_SYS_THREAD_RESUME, 3, RES_ZERO, K_THREAD),
    CALL(MICA_SYS_THREAD_READ_REGS, 2, RES_ZERO, K_THREAD, K_WVA, K_FLAGS),
    CALL(MICA_SYS_THREAD_WRITE_REGS, 2, RES_ANY, K_THREAD, K_REGS, K_FLAGS),
    CALL(MICA_SYS_THREAD_BIND, 3, RES_ZERO, K_THREAD, K_NTFN_SELF),
    CALL(MICA_SYS_THREAD_SET_FAULT, 2, RES_ZERO, K_THREAD, K_EP_SELF),
    CALL(MICA_SYS_MAP, 6, RES_ZERO, K_PROC, K_FRAME, K_PAGEVA, K_MAPRIGHTS, K_PAGE),
    CALL(MICA_SYS_UNMAP, 4, RES_VALUE, K_PROC, K_PAGEVA, K_NPAGES),
    CALL(MICA_SYS_PROTECT, 3, RES_VALUE, K_PROC, K_PAGEVA, K_MAPRIGHTS, K_NPAGES),
    CALL(MICA_SYS_FRAME_INFO, 2, RES_VALUE, K_FRAME),
    CALL(MICA_SYS_DEVICE_FRAME, 1, RES_ZERO, K_DEVCTL, K_BUDGET, K_PA, K_NPAGES, K_DSLOT),
    CALL(MICA_SYS_IRQ_GET, 1, RES_ZERO, K_IRQCTL, K_IRQNUM, K_IRQ_DEST),
    CALL(MICA_SYS_IRQ_BIND, 1, RES_ZERO, K_IRQ, K_NTFN),
    CALL(MICA_SYS_IRQ_ACK, 1, RES_ZERO, K_IRQ),
    CALL(MICA_SYS_SELFCHECK, 1, RES_ZERO),
    CALL(MICA_SYS_PROCESS_COPY, 3, RES_VALUE, K_PROC, K_RVA, K_WVA, K_LEN, K_DIR),
    CALL(MICA_SYS_MAP_COPY, 3, RES_VALUE, K_PROC, K_PAGEVA, K_PROC, K_NPAGES, K_MAPRIGHTS),
#ifdef MICA_SYS_THREAD_TIME
    CALL(MICA_SYS_THREAD_TIME, 2, RES_VALUE, K_THREAD),
#endif
    /* Numbers past the last call. A call added to mica/syscall.h and not
     * listed here is still made, with arguments from the mix. */
    [MICA_SYS_COUNT + 1] = { "UNDEFINED", 1, RES_ZERO, { K_ANY, K_ANY } },
    [MICA_SYS_COUNT + 2] = { "UNDEFINED", 1, RES_ZERO, { K_ANY, K_ANY } },
};

/* The calls an answerer makes: it serves the fuzzers' blocking IPC. */
static const long answerer_calls[] = {
    MICA_SYS_NBRECV, MICA_SYS_NBRECV, MICA_SYS_RECV, MICA_SYS_REPLY, MICA_SYS_REPLY,
    MICA_SYS_REPLY_RECV, MICA_SYS_NBSEND, MICA_SYS_NBSEND, MICA_SYS_SEND, MICA_SYS_CALL,
    MICA_SYS_SIGNAL, MICA_SYS_SIGNAL, MICA_SYS_POLL, MICA_SYS_WAIT, MICA_SYS_SAVE_REPLY,
    MICA_SYS_GRANT_COPY, MICA_SYS_YIELD,
};

/* Is r within what the kernel promises for call nr? A Linux number
 * returns the fault handler's answer; a call the table does not know, any
 * value. */
bool gen_result_ok(long nr, long r)
{
    int res = nr >= 0 ? RES_ANY : nr < -(MICA_SYS_COUNT + 2) ? RES_ZERO
              : calls[-nr].name ? calls[-nr].result : RES_VALUE;
    if (res == RES_ANY || r == 0 || (r > 0 && res == RES_VALUE))
        return true;
    switch (-r) {
    case EPERM:
    case ENOENT:
    case ESRCH:
    case EINTR:
    case E2BIG:
    case EBADF:
    case EAGAIN:
    case ENOMEM:
    case EACCES:
    case EFAULT:
    case EBUSY:
    case EEXIST:
    case ENODEV:
    case EINVAL:
    case ENOSYS:
    case EPEERDIED:
        return true;
    default:
        return false;
    }
}

const char *gen_call_name(long nr)
{
    if (nr >= 0)
        return "LINUX";
    if (nr < -(MICA_SYS_COUNT + 2) || !calls[-nr].name)
        return "?";
    return calls[-nr].name;
}

/* ---- slots ---- */

struct slot_list {
    const long *s;
    int n;
};

#define LIST(...) { (const long[]){ __VA_ARGS__ }, \
                    sizeof((const long[]){ __VA_ARGS__ }) / sizeof(long) }

/* Slots of a type in the first process's pool and in a worker's. */
static const struct slot_list first_lists[] = {
    [K_EP] = LIST(S_EP0, S_EP1, S_EP0_BADGED, S_EP1_NOGRANT),
    [K_NTFN] = LIST(S_NTFN0, S_NTFN1, S_NTFN0_BADGED),
    [K_FRAME] = LIST(MICA_SLOT_IPC_BUFFER, MICA_SLOT_ARCHIVE, S_FRAME1, S_FRAME4, S_FRAME16,
                     S_FRAME1_RO),
    [K_PROC] = LIST(MICA_SLOT_SELF, S_PROC0, S_PROC1, S_PROC0, S_PROC1, S_WPROC0, S_WPROC1),
    [K_THREAD] = LIST(MICA_SLOT_THREAD, S_PTHREAD0, S_PTHREAD1, S_WTHREAD0, S_WTHREAD1,
                      S_ANSWER0, S_ANSWER1),
    [K_BUDGET] = LIST(MICA_SLOT_BUDGET, S_BUDGET, S_SUBBUDGET),
    [K_IRQ] = LIST(S_IRQ0, S_IRQ1),
    [K_IRQCTL] = LIST(MICA_SLOT_IRQ_CONTROL),
    [K_DEVCTL] = LIST(MICA_SLOT_DEVICE_CONTROL),
};

static const struct slot_list worker_lists[] = {
    [K_EP] = LIST(W_EP0, W_EP1, W_EP0_PLAIN, W_OWN_EP),
    [K_NTFN] = LIST(W_NTFN0, W_NTFN1, W_OWN_NTFN),
    [K_FRAME] = LIST(MICA_SLOT_IPC_BUFFER, W_FRAME1, W_ARCHIVE, W_OWN_FRAME),
    [K_PROC] = LIST(MICA_SLOT_SELF),
    [K_THREAD] = LIST(MICA_SLOT_THREAD, W_OWN_THREAD, W_FUZZER_COPY),
    [K_BUDGET] = LIST(MICA_SLOT_BUDGET, W_OWN_BUDGET),
};

static uint64_t any_slot(uint64_t *r)
{
    switch (rng_below(r, 16)) {
    case 0:
        return (uint64_t)-1;
    case 1:
        return MICA_MAX_SLOTS - rng_below(r, 2);
    case 2:
        return rng_next(r);
    case 3:
        return WORKER_SLOTS - 1 + rng_below(r, 2);
    default:
        return rng_below(r, POOL_END + 1);
    }
}

static uint64_t typed_slot(uint64_t *r, int kind)
{
    static const struct slot_list none;
    const struct slot_list *l = worker_index < 0 ? &first_lists[kind] : &none;
    if (worker_index >= 0 && kind < (int)(sizeof worker_lists / sizeof worker_lists[0]))
        l = &worker_lists[kind];
    if (l->n && rng_below(r, 3))
        return (uint64_t)l->s[rng_below(r, (uint64_t)l->n)];
    return any_slot(r);
}

/* A slot to fill: mostly the empty part of the pool. */
static uint64_t dest_slot(uint64_t *r)
{
    uint64_t first = worker_index < 0 ? S_POOL_USED : W_POOL_USED;
    if (rng_below(r, 4))
        return first + rng_below(r, POOL_END - first);
    return any_slot(r);
}

/* ---- addresses ---- */

static const char name_ok[] = "fuzzed";
static char some_data[64] = "data";
extern const char kfuzz_long_name[];
const char kfuzz_long_name[32] __attribute__((aligned(32))) = "0123456789abcdef0123456789abcde";

static uint64_t kernel_addr(uint64_t *r)
{
    static const uint64_t kbase[] = { 0xffffffc000000000ul, 0xffffffff80200000ul,
                                      0xffffffc080000000ul, 0xffffffffffffff00ul };
    return kbase[rng_below(r, 4)] + (rng_next(r) & 0xffffff8ul);
}

/* Addresses nothing is ever mapped at. */
static uint64_t unmapped_addr(uint64_t *r)
{
    switch (rng_below(r, 4)) {
    case 0:
        return rng_below(r, PROGRAM_VA);
    case 1:
        return PROGRAM_END + rng_below(r, 0x1000000);
    case 2:
        return FUZZ_VA + FUZZ_PAGES * PAGE + rng_below(r, PAGE);
    default:
        return HOLE_VA + (rng_next(r) & 0xfffffff);
    }
}

static uint64_t user_addr(struct fuzzer *f)
{
    uint64_t *r = &f->rng;
    uint64_t local = 0;
    switch (rng_below(r, 10)) {
    case 0:
    case 1:
        return WSCRATCH_VA + rng_below(r, WSCRATCH_LEN + PAGE);
    case 2:
        return FUZZ_VA + rng_below(r, FUZZ_PAGES * PAGE);
    case 3:
        return (uint64_t)&local - rng_below(r, 256);    /* its own stack */
    case 4:
        return (uint64_t)some_data + rng_below(r, 64);
    case 5:
        return (uint64_t)fuzz_run + rng_below(r, 256);  /* text */
    case 6:
        return (uint64_t)f->ipcbuf + rng_below(r, PAGE);
    case 7:
        return USER_TOP - rng_below(r, 64);
    default:
        return unmapped_addr(r);
    }
}

static uint64_t page_va(struct fuzzer *f)
{
    uint64_t *r = &f->rng;
    switch (rng_below(r, 12)) {
    case 0:
        return (uint64_t)fuzz_run & ~(PAGE - 1);
    case 1:
        return ((uint64_t)some_data & ~(PAGE - 1));
    case 2:
        return MICA_STACK_TOP - PAGE;
    case 3:
        return 0x1000 * rng_below(r, 3);
    case 4:
        return USER_TOP - PAGE + PAGE * rng_below(r, 2);
    case 5:
        return rng_next(r) & (0x3ffffff000ul);
    case 6:
        return FUZZ_VA + rng_below(r, FUZZ_PAGES * PAGE);       /* unaligned */
    default:
        return FUZZ_VA + PAGE * rng_below(r, FUZZ_PAGES);
    }
}

static uint64_t interesting(uint64_t *r)
{
    static const uint64_t v[] = {
        0, 1, 2, 3, (uint64_t)-1, (uint64_t)-2, 63, 64, 65, 255, 256, 4095,
        MICA_MAX_SLOTS, MICA_MAX_SLOTS + 1, MICA_MAX_FRAME_PAGES, MICA_MAX_FRAME_PAGES + 1,
        0x7fffffffffffffffull, 0x8000000000000000ull, 0xffffffffull, 0x100000000ull,
        0x4000000000ull, 0x3fffffffffull, 0x3ffffff000ull, PAGE, PAGE - 1, PAGE + 1,
        0xffffffc000000000ull, MICA_LABEL_NOTIFY, 0x80000000ull, 0x80200000ull,
    };
    return v[rng_below(r, sizeof v / sizeof v[0])];
}

/* The generic mix of the brief: small slots, random words, kernel and user
 * addresses, edge values and page addresses. */
static uint64_t mix(struct fuzzer *f)
{
    uint64_t *r = &f->rng;
    switch (rng_below(r, 9)) {
    case 0:
    case 1:
    case 2:
        return rng_below(r, POOL_END + 1);
    case 3:
        return rng_next(r);
    case 4:
        return kernel_addr(r);
    case 5:
        return user_addr(f);
    case 6:
    case 7:
        return interesting(r);
    default:
        return page_va(f);
    }
}

/* ---- the other kinds ---- */

static uint64_t device_base[MICA_MAX_DEVICES];
static int ndevice_base;

static uint32_t total_weight;

void gen_init(const struct mica_bootinfo *bi)
{
    for (int i = 1; i <= MICA_SYS_COUNT + 2; i++)
        total_weight += calls[i].weight;
    if (!bi)
        return;
    guard_init(bi);
    for (uint32_t i = 0; i < bi->ndevices && i < MICA_MAX_DEVICES; i++)
        if (bi->devices[i].kind != MICA_DEV_UART_16550)
            device_base[ndevice_base++] = bi->devices[i].base;
}

static uint64_t info(struct fuzzer *f)
{
    uint64_t *r = &f->rng;
    uint64_t label = rng_below(r, 4) ? rng_below(r, 4) : rng_next(r);
    uint64_t k = rng_below(r, 20), len;
    if (k == 0)
        len = 65 + rng_below(r, 191);       /* beyond MICA_MSG_MAX */
    else if (k < 8)
        len = 5 + rng_below(r, 60);         /* through the IPC buffer */
    else
        len = rng_below(r, 5);
    uint64_t caps = rng_below(r, 6) ? 0 : rng_below(r, 4);
    uint64_t grant = rng_one_in(r, 6);
    if (f->kind == FZ_ANSWERER)
        caps = grant = 0;
    return MICA_INFO(label, len, caps > 1 && rng_below(r, 2) ? 1 : caps, grant);
}

static uint64_t create_arg(struct fuzzer *f, uint64_t type)
{
    uint64_t *r = &f->rng;
    if (rng_one_in(r, 8))
        return mix(f);
    switch (type) {
    case MICA_OBJ_BUDGET:
        return rng_below(r, 40);
    case MICA_OBJ_PROCESS:
        return rng_one_in(r, 32) ? MICA_MAX_SLOTS + rng_below(r, 2) : 1 + rng_below(r, 300);
    case MICA_OBJ_THREAD:
        return typed_slot(r, K_PROC);
    case MICA_OBJ_FRAME:
        return rng_one_in(r, 16) ? MICA_MAX_FRAME_PAGES + rng_below(r, 2) : rng_below(r, 17);
    default:
        return mix(f);
    }
}

static uint64_t deadline(struct fuzzer *f)
{
    uint64_t *r = &f->rng;
    uint64_t now = mica_time();
    switch (rng_below(r, 6)) {
    case 0:
        return 0;
    case 1:
        return now - rng_below(r, now + 1);         /* past */
    case 2:
        return mix(f);
    default:
        return now + rng_below(r, timebase_freq / 50 + 1);  /* within 20 ms */
    }
}

static uint64_t period(struct fuzzer *f)
{
    uint64_t *r = &f->rng;
    uint64_t min = timebase_freq / 1000;            /* 1 ms */
    switch (rng_below(r, 4)) {
    case 0:
    case 1:
        return 0;
    case 2:
        return min + rng_below(r, 20 * min);
    default:
        return min + (rng_next(r) >> 8);
    }
}

static uint64_t pa(struct fuzzer *f)
{
    uint64_t *r = &f->rng;
    switch (rng_below(r, 4)) {
    case 0:
    case 1:
        if (ndevice_base)
            return (device_base[rng_below(r, (uint64_t)ndevice_base)] & ~(PAGE - 1)) +
                   PAGE * rng_below(r, 2);
        return mix(f);
    case 2:
        return 0x80000000ul + PAGE * rng_below(r, 0x10000);  /* RAM on QEMU virt */
    default:
        return mix(f);
    }
}

/* Registers for THREAD_WRITE_REGS: small numbers, the mix, often a wild
 * entry as pc. KFUZZ-WORKAROUND(msg_too_long): a blocked sender's a1
 * rewritten to more than MICA_MSG_MAX words overwrites the receiver's IPC
 * buffer fields (repro.c), which could make the first process hand out its
 * own capabilities: rewritten registers say the message has no words. */
static void fill_regs(struct fuzzer *f)
{
    uint64_t *r = &f->rng;
    uint64_t *w = (uint64_t *)&f->wregs;
    for (unsigned i = 0; i < sizeof f->wregs / 8; i++)
        w[i] = rng_below(r, 4) ? rng_below(r, 256) : mix(f);
    if (rng_below(r, 4))
        f->wregs.pc = wild_entries[rng_below(r, (uint64_t)nwild_entries)];
    f->wregs.pc = guard_pc(f->wregs.pc);
    if (!stats->raw)
        f->wregs.x[10] &= ~0xffull;         /* a1: a message of no words */
}

static uint64_t arg_of(struct fuzzer *f, int kind)
{
    uint64_t *r = &f->rng;
    if (kind != K_ZERO && rng_one_in(r, 5))
        return mix(f);
    switch (kind) {
    case K_ZERO:
        return rng_one_in(r, 8) ? mix(f) : 0;
    case K_ANY:
        return mix(f);
    case K_SLOT:
        return any_slot(r);
    case K_DSLOT:
        return dest_slot(r);
    case K_EP:
    case K_NTFN:
    case K_FRAME:
    case K_PROC:
    case K_THREAD:
    case K_BUDGET:
    case K_IRQ:
    case K_IRQCTL:
    case K_DEVCTL:
        return typed_slot(r, kind);
    case K_IRQ_DEST:
        return rng_below(r, 2) ? typed_slot(r, K_IRQ) : dest_slot(r);
    case K_PROC_SELF:
        return rng_below(r, 2) ? (uint64_t)-1 : typed_slot(r, K_PROC);
    case K_EP_SELF:
        return rng_one_in(r, 3) ? (uint64_t)-1 : typed_slot(r, K_EP);
    case K_NTFN_SELF:
        return rng_one_in(r, 3) ? (uint64_t)-1 : typed_slot(r, K_NTFN);
    case K_FRAME_0:
        return rng_one_in(r, 3) ? 0 : typed_slot(r, K_FRAME);
    case K_REPLY:
        return rng_below(r, 2) ? (uint64_t)-1 : dest_slot(r);
    case K_INFO:
        return info(f);
    case K_WORD:
        return rng_below(r, 2) ? rng_below(r, 256) : rng_next(r);
    case K_RVA:
    case K_WVA:
        return user_addr(f);
    case K_PUTS:
        return rng_below(r, 2) ? unmapped_addr(r) : kernel_addr(r);
    case K_LEN:
        return rng_below(r, 2) ? rng_below(r, 600) : interesting(r);
    case K_RIGHTS:
        return rng_below(r, 8) ? rng_below(r, 16) : rng_next(r);
    case K_MAPRIGHTS:
        return rng_below(r, 8) ? rng_below(r, 8) : rng_below(r, 256);
    case K_TYPE:
        return rng_below(r, 8) ? 1 + rng_below(r, 6) : rng_below(r, MICA_OBJ_TYPES + 2);
    case K_BADGE:
        return rng_below(r, 2) ? 0 : rng_below(r, 4) ? rng_below(r, 256) : rng_next(r);
    case K_PRIO:
        return rng_below(r, 4) ? rng_below(r, FUZZ_PRIO + 1) : rng_below(r, 300);
    case K_NAME:
        switch (rng_below(r, 4)) {
        case 0:
            return (uint64_t)name_ok;
        case 1:
            return (uint64_t)kfuzz_long_name;
        case 2:
            return 0;
        default:
            return mix(f);
        }
    case K_PC:
        if (rng_below(r, 3))
            return wild_entries[rng_below(r, (uint64_t)nwild_entries)];
        return mix(f);
    case K_PAGEVA:
        return page_va(f);
    case K_PAGE:
        return rng_below(r, 8) ? rng_below(r, 4) : rng_below(r, 20);
    case K_DEADLINE:
        return deadline(f);
    case K_PERIOD:
        return period(f);
    case K_WHAT:
        return rng_below(r, 8) ? rng_below(r, 5) : mix(f);
    case K_FLAGS:
    case K_DIR:
        return rng_below(r, 8) ? rng_below(r, 3) : mix(f);
    case K_OFF:
        return rng_below(r, 2) ? 0 : rng_below(r, 3) ? rng_below(r, 8192) : mix(f);
    case K_PA:
        return pa(f);
    case K_NPAGES:
        return rng_below(r, 8) ? rng_below(r, 5) : interesting(r);
    case K_IRQNUM:
        return rng_below(r, 4) ? rng_below(r, 17) : mix(f);
    case K_REGS:
        return (uint64_t)&f->wregs;         /* filled by gen_call() */
    default:
        return 0;
    }
}

static long pick_any(uint64_t *r)
{
    if (rng_one_in(r, 64))
        return rng_below(r, 2) ? (long)rng_below(r, 512) : (long)(rng_next(r) >> 1);
    if (rng_below(r, 2))
        return -1 - (long)rng_below(r, MICA_SYS_COUNT + 2);
    uint64_t x = rng_below(r, total_weight);
    for (int i = 1; i <= MICA_SYS_COUNT + 2; i++) {
        if (x < calls[i].weight)
            return -i;
        x -= calls[i].weight;
    }
    return MICA_SYS_YIELD;
}

/*
 * A fuzzer's blocking calls mostly become their non-blocking twins: a
 * blocked fuzzer idles until the watchdog's next round. SELFCHECK walks
 * every capability space: it runs one time in 16 it is picked.
 */
static long pick_nr(struct fuzzer *f)
{
    uint64_t *r = &f->rng;
    /* Just received a message: maybe a call, whose reply right and grant
     * are now worth using. */
    if (f->received) {
        f->received = false;
        static const long follow[] = { MICA_SYS_GRANT_COPY, MICA_SYS_SAVE_REPLY,
                                       MICA_SYS_REPLY };
        if (f->received_grant)
            return MICA_SYS_GRANT_COPY;
        if (rng_below(r, 2))
            return follow[rng_below(r, sizeof follow / sizeof follow[0])];
    }
    if (f->kind == FZ_ANSWERER)
        return answerer_calls[rng_below(r, sizeof answerer_calls / sizeof answerer_calls[0])];
    long nr = pick_any(r);
    if (f->kind == FZ_BACKGROUND) {
        switch (nr) {
        case MICA_SYS_SEND:
        case MICA_SYS_CALL:
            return MICA_SYS_NBSEND;
        case MICA_SYS_RECV:
            return MICA_SYS_NBRECV;
        case MICA_SYS_WAIT:
            return MICA_SYS_POLL;
        case MICA_SYS_REPLY_RECV:
            return MICA_SYS_REPLY;
        case MICA_SYS_SELFCHECK:
            return rng_one_in(r, 16) ? nr : MICA_SYS_CAP_INFO;
        default:
            return nr >= 0 ? MICA_SYS_YIELD : nr;   /* a fault message waits */
        }
    }
    bool blocking_ok = rng_one_in(r, 3);
    switch (nr) {
    case MICA_SYS_SEND:
        return blocking_ok ? nr : MICA_SYS_NBSEND;
    case MICA_SYS_RECV:
        return blocking_ok ? nr : MICA_SYS_NBRECV;
    case MICA_SYS_WAIT:
        return blocking_ok ? nr : MICA_SYS_POLL;
    case MICA_SYS_REPLY_RECV:
        return blocking_ok ? nr : MICA_SYS_REPLY;
    case MICA_SYS_SELFCHECK:
        return rng_one_in(r, 16) ? nr : MICA_SYS_CAP_INFO;
    default:
        return nr;
    }
}

bool gen_call(struct fuzzer *f, struct call_args *c)
{
    c->nr = pick_nr(f);
    if (f->only && !(f->only & (1ull << (c->nr >= 0 ? 0 : -c->nr))))
        return false;
    for (int i = 0; i < 6; i++)
        c->a[i] = 0;
    if (c->nr >= 0) {
        for (int i = 0; i < 6; i++)
            c->a[i] = mix(f);
        return true;
    }
    const struct call_desc *d = &calls[-c->nr];
    bool pure = !d->name || rng_one_in(&f->rng, 8);   /* all arguments from the mix */
    for (int i = 0; i < 6; i++) {
        if (pure)
            c->a[i] = mix(f);
        else if (d->kind[i] == K_CREATE_ARG)
            c->a[i] = create_arg(f, c->a[1]);
        else
            c->a[i] = arg_of(f, d->kind[i]);
    }
    if (c->nr == MICA_SYS_THREAD_WRITE_REGS) {
        fill_regs(f);
        c->a[1] = (uint64_t)&f->wregs;
    }
    if (c->nr == MICA_SYS_GRANT_COPY && f->received_grant && rng_below(&f->rng, 4)) {
        c->a[0] = (uint64_t)-1;             /* copy within the grant just received */
        c->a[1] = rng_below(&f->rng, 64);
        c->a[2] = WSCRATCH_VA + rng_below(&f->rng, PAGE);
        c->a[3] = rng_below(&f->rng, 256);
        c->a[4] = rng_below(&f->rng, 2);
    }
    f->received_grant = false;
    /* Which arguments name slots, however they were drawn (all of them,
     * for a call the table does not know). */
    unsigned slots = d->name ? 0 : 0x3f;
    for (int i = 0; i < 6; i++)
        if (d->kind[i] >= K_SLOT && d->kind[i] <= K_REPLY)
            slots |= 1u << i;
    return guard_call(f, c, slots);
}

/* Now and then new random IPC buffer fields for f's next send: the
 * capability to transfer, where one received goes, the grant, the words
 * beyond the registers. */
void gen_ipcbuf(struct fuzzer *f)
{
    uint64_t *r = &f->rng;
    struct mica_ipc_buffer *b = f->ipcbuf;
    if (rng_one_in(r, 4)) {
        b->send_cap = rng_below(r, 4) ? rng_below(r, POOL_END) : any_slot(r);
        b->recv_slot = rng_below(r, 4) ? dest_slot(r) : any_slot(r);
        b->grant_base = user_addr(f);
        b->grant_len = rng_below(r, 2) ? rng_below(r, 3 * PAGE) : mix(f);
        b->grant_rights = rng_below(r, 8) ? rng_below(r, 4) : mix(f);
        b->grant_space = rng_below(r, 4) ? 0 : rng_below(r, 4) ? rng_below(r, POOL_END)
                                                                : any_slot(r);
        for (int i = MICA_MSG_REGS; i < MICA_MSG_MAX; i++)
            b->mr[i] = rng_below(r, 2) ? (uint64_t)i : rng_next(r);
    }
    guard_ipcbuf(f);
}
