/*
 * kbench: the kernel benchmarks. Booted as the first process (root=kbench,
 * under QEMU with -icount shift=0, where rdinstret counts guest
 * instructions exactly), it measures each path between two address spaces
 * and prints one line per figure, `name value unit`.
 *
 * The other address space is a copy of kbench spawned in "peer" mode; the
 * argument word says which role it plays.
 */
#include <stdint.h>

#include "mica/bootinfo.h"
#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/sys.h"

#define ROUNDS 2000
#define WARMUP 50

/* Slots the peer finds its endpoints and notifications in. */
#define PEER_EP     (MICA_SLOT_FIRST_FREE + 0)
#define PEER_NTFN_A (MICA_SLOT_FIRST_FREE + 1)
#define PEER_NTFN_B (MICA_SLOT_FIRST_FREE + 2)

enum role { ROLE_ECHO = 1, ROLE_SYSCALLER, ROLE_NOTIFY, ROLE_YIELD };

static struct mica_ipc_buffer *const ipcbuf = (struct mica_ipc_buffer *)MICA_IPCBUF_VA;

/* ---- the peer side ---- */

static void peer_echo(void)
{
    struct mica_msg m = { 0 };
    long recv_slot = MICA_SLOT_FIRST_FREE + 8;
    ipcbuf->recv_slot = (uint64_t)recv_slot;
    mica_recv(PEER_EP, &m);
    for (;;) {
        /* A received capability is dropped so the next can land. */
        if (MICA_INFO_CAPS(m.info))
            mica_cap_delete(recv_slot);
        m.info = MICA_INFO(0, MICA_INFO_LEN(m.info) > 4 ? 4 : MICA_INFO_LEN(m.info), 0, 0);
        mica_reply_recv(PEER_EP, &m);
    }
}

/* Makes Linux-ABI system calls (a7 = getppid), answered by kbench. */
static void peer_syscaller(void)
{
    for (;;) {
        register long a0 __asm__("a0") = 0;
        register long a7 __asm__("a7") = 173;
        __asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
    }
}

static void peer_notify(void)
{
    for (;;) {
        mica_wait(PEER_NTFN_A);
        mica_signal(PEER_NTFN_B);
    }
}

static void peer_yield(void)
{
    for (;;)
        mica_yield();
}

/* ---- the measuring side ---- */

static struct child peer;

static long new_object(enum mica_type type)
{
    long s = slot_alloc();
    if (mica_create(MICA_SLOT_BUDGET, type, s, 0))
        debug_printf("kbench: cannot create type %d\n", type);
    return s;
}

static void start_peer(enum role role, long ep, long na, long nb, long fault_ep)
{
    struct spawn_cap caps[] = {
        { ep, PEER_EP, MICA_R_ALL, 0 },
        { na, PEER_NTFN_A, MICA_R_ALL, 0 },
        { nb, PEER_NTFN_B, MICA_R_ALL, 0 },
    };
    struct spawn_args a = { .name = "kbench", .budget = MICA_SLOT_BUDGET, .prio = 100,
                            .arg = role, .caps = caps, .ncaps = 3, .fault_ep = fault_ep };
    long r = spawn(&a, &peer);
    if (r)
        debug_printf("kbench: spawn: %ld\n", r);
}

static void report(const char *name, uint64_t total, uint64_t ops)
{
    uint64_t per = total / ops, frac = (total % ops) * 10 / ops;
    debug_printf("%s %lu.%lu instructions\n", name, (unsigned long)per, (unsigned long)frac);
}

/* call + reply-recv round trips with len words (and a capability). */
static void bench_call(const char *name, unsigned len, int cap)
{
    long ep = new_object(MICA_OBJ_ENDPOINT);
    long na = new_object(MICA_OBJ_NOTIFICATION), nb = new_object(MICA_OBJ_NOTIFICATION);
    start_peer(ROLE_ECHO, ep, na, nb, 0);
    ipcbuf->send_cap = (uint64_t)na;
    struct mica_msg m = { 0 };
    uint64_t start = 0;
    for (int i = 0; i < ROUNDS + WARMUP; i++) {
        if (i == WARMUP)
            start = mica_instret();
        m.info = MICA_INFO(1, len, cap, 0);
        m.w[0] = (uint64_t)i;
        mica_call(ep, &m);
    }
    report(name, mica_instret() - start, ROUNDS);
    spawn_destroy(&peer);
    slot_free(ep);
    slot_free(na);
    slot_free(nb);
}

/* A Linux system call of the peer, answered here. */
static void bench_syscall_fault(void)
{
    long ep = new_object(MICA_OBJ_ENDPOINT);
    long na = new_object(MICA_OBJ_NOTIFICATION), nb = new_object(MICA_OBJ_NOTIFICATION);
    struct mica_msg m = { 0 };
    start_peer(ROLE_SYSCALLER, ep, na, nb, ep);
    mica_recv(ep, &m);
    uint64_t start = 0;
    for (int i = 0; i < ROUNDS + WARMUP; i++) {
        if (i == WARMUP)
            start = mica_instret();
        m.info = MICA_INFO(MICA_RESUME, 1, 0, 0);
        m.w[0] = 1;
        mica_reply_recv(ep, &m);
    }
    report("syscall_fault_roundtrip", mica_instret() - start, ROUNDS);
    spawn_destroy(&peer);
    slot_free(ep);
    slot_free(na);
    slot_free(nb);
}

/* Signal to a thread waiting in another address space, until it runs:
 * half of a signal/wait ping-pong. */
static void bench_notify(void)
{
    long ep = new_object(MICA_OBJ_ENDPOINT);
    long na = new_object(MICA_OBJ_NOTIFICATION), nb = new_object(MICA_OBJ_NOTIFICATION);
    start_peer(ROLE_NOTIFY, ep, na, nb, 0);
    uint64_t start = 0;
    for (int i = 0; i < ROUNDS + WARMUP; i++) {
        if (i == WARMUP)
            start = mica_instret();
        mica_signal(na);
        mica_wait(nb);
    }
    report("notify_wake", mica_instret() - start, 2 * ROUNDS);
    spawn_destroy(&peer);
    slot_free(ep);
    slot_free(na);
    slot_free(nb);
}

static void bench_yield(void)
{
    long ep = new_object(MICA_OBJ_ENDPOINT);
    long na = new_object(MICA_OBJ_NOTIFICATION), nb = new_object(MICA_OBJ_NOTIFICATION);
    /* Same priority as the peer, so each yield switches address space. */
    mica_thread_configure(MICA_SLOT_THREAD, 0, 100, 0);
    start_peer(ROLE_YIELD, ep, na, nb, 0);
    uint64_t start = 0;
    for (int i = 0; i < ROUNDS + WARMUP; i++) {
        if (i == WARMUP)
            start = mica_instret();
        mica_yield();
    }
    report("ctx_switch_yield", mica_instret() - start, 2 * ROUNDS);
    spawn_destroy(&peer);
    slot_free(ep);
    slot_free(na);
    slot_free(nb);
}

int main(void *arg)
{
    switch ((uint64_t)arg) {
    case ROLE_ECHO:
        peer_echo();
        break;
    case ROLE_SYSCALLER:
        peer_syscaller();
        break;
    case ROLE_NOTIFY:
        peer_notify();
        break;
    case ROLE_YIELD:
        peer_yield();
        break;
    default:
        break;
    }
    bench_call("ipc_call_reply", 1, 0);
    bench_call("ipc_call_reply_64w_cap", 64, 1);
    bench_syscall_fault();
    bench_notify();
    bench_yield();
    debug_printf("kbench: done\n");
    return 0;
}
