/*
 * Minimal reproductions of the kernel bugs kfuzz found, one per name:
 *     root=kfuzz init=repro NAME
 * Each prints what it does and what it expects; a fixed kernel passes it
 * (exit 0), a broken one panics, hangs or fails it (non-zero).
 */
#include "kfuzz.h"

#include "mica/bootinfo.h"
#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/string.h"
#include "mica/sys.h"

static uint64_t repro_arg;      /* a number after the name, or 0 */

static long new_obj(enum mica_type type, uint64_t arg)
{
    long s = slot_alloc();
    long r = mica_create(MICA_SLOT_BUDGET, type, s, arg);
    if (r) {
        debug_printf("repro: create type %d: %ld\n", type, r);
        mica_exit(2);
    }
    return s;
}

/*
 * A periodic timer whose period is close to 2^64, armed with a deadline
 * already past: notification_timers_run() advances the deadline by
 * period * k, which wraps around to just below the old deadline, so the
 * timer is due again; it fires once per tick of the wrapped distance until
 * the deadline passes zero. With period 2^64 - 1 that is `deadline` rounds
 * (tens of millions a few seconds after boot), all in one kernel call with
 * interrupts off.
 */
static int timer_wrap(void)
{
    long n = new_obj(MICA_OBJ_NOTIFICATION, 0);
    uint64_t now = mica_time();
    debug_printf("repro: TIMER_SET(ntfn, %lu, 0xffffffffffffffff)\n", (unsigned long)now);
    long r = mica_timer_set(n, now, UINT64_MAX);
    uint64_t took = mica_time() - now;
    long bits = mica_poll(n);
    debug_printf("repro: = %ld after %lu ms; POLL = %lx\n", r,
                 (unsigned long)(took * 1000 / timebase_freq), (unsigned long)bits);
    return took > timebase_freq / 100 ? 1 : 0;
}

/*
 * A periodic timer with a period shorter than the time the kernel takes
 * to handle its interrupt: every return to user mode finds the next
 * deadline passed, so user code never runs again (the first process
 * cannot even print that it did). `repro timer_storm N` tries a period of
 * N ticks (default 1): in QEMU, 1 and 2 hang the machine, 5 makes 1000
 * YIELDs take most of a second.
 */
static int timer_storm(void)
{
    long n = new_obj(MICA_OBJ_NOTIFICATION, 0);
    uint64_t period = repro_arg ? repro_arg : 1;
    debug_printf("repro: TIMER_SET(ntfn, now + 1000, %lu), then 1000 YIELDs\n",
                 (unsigned long)period);
    uint64_t t0 = mica_time();
    mica_timer_set(n, t0 + 1000, period);
    for (int i = 0; i < 1000; i++)
        mica_yield();
    uint64_t took = mica_time() - t0;
    mica_timer_set(n, 0, 0);
    debug_printf("repro: 1000 YIELDs took %lu ms\n",
                 (unsigned long)(took * 1000 / timebase_freq));
    return took > timebase_freq / 10 ? 1 : 0;
}

static long ep_slot;

/* Sends a message of arg words on ep_slot (it blocks: nobody receives). */
static void long_sender(uint64_t arg)
{
    struct mica_msg m = { .info = MICA_INFO(1, (unsigned)arg, 0, 0), .w = { 1, 2, 3, 4 } };
    long r = mica_send(ep_slot, &m);
    debug_printf("repro: the sender's SEND returned %ld\n", r);
    for (;;)
        mica_yield();
}

/*
 * (Fixed since commit ad16326: copy_message() now clamps the length.)
 * A thread blocked in SEND with a long message (8 words: 4 of them from
 * its IPC buffer) loses its IPC buffer (THREAD_CONFIGURE with frame 0)
 * while it waits. check_message() looked at the buffer when the call was
 * made; when a receiver comes, copy_message() reads the words through the
 * sender's ipcbuf, now NULL: the kernel takes a load page fault at 0x20
 * (mr[4]) in msg_word() and panics.
 */
static int ipcbuf_gone(void)
{
    ep_slot = new_obj(MICA_OBJ_ENDPOINT, 0);
    long t = start_thread(MICA_SLOT_BUDGET, long_sender, 8, MONITOR_PRIO, "sender", NULL);
    mica_yield();                           /* the sender runs and blocks */
    debug_printf("repro: sender blocked in SEND(len 8); THREAD_CONFIGURE(sender, 0, ...)\n");
    long r = mica_thread_configure(t, 0, MONITOR_PRIO, NULL);
    debug_printf("repro: = %ld; RECV on the endpoint\n", r);
    struct mica_msg m = { 0 };
    r = mica_recv(ep_slot, &m);
    debug_printf("repro: RECV = %ld, info %lx\n", r, (unsigned long)m.info);
    return 0;
}

/*
 * The same through THREAD_WRITE_REGS: a thread without an IPC buffer
 * blocks in SEND with 4 words (allowed); its a1, the message info, is
 * rewritten to say 8 words while it waits; the receiver's copy reads
 * through the NULL buffer. (With a buffer, any length up to 255 is copied,
 * beyond MICA_MSG_MAX, and the receiver is told the message has 255 words.)
 */
static int regs_len(void)
{
    ep_slot = new_obj(MICA_OBJ_ENDPOINT, 0);
    long t = start_thread(MICA_SLOT_BUDGET, long_sender, 4, MONITOR_PRIO, "sender", NULL);
    mica_thread_configure(t, 0, MONITOR_PRIO, NULL);
    mica_yield();                           /* the sender runs and blocks */
    struct mica_regs regs;
    long r = mica_thread_read_regs(t, &regs, 0);
    debug_printf("repro: sender blocked in SEND(len 4) without IPC buffer (read_regs %ld); "
                 "THREAD_WRITE_REGS(a1 = len 8)\n", r);
    regs.x[10] = MICA_INFO(1, 8, 0, 0);     /* x11 = a1 */
    r = mica_thread_write_regs(t, &regs, 0);
    debug_printf("repro: = %ld; RECV on the endpoint\n", r);
    struct mica_msg m = { 0 };
    r = mica_recv(ep_slot, &m);
    debug_printf("repro: RECV = %ld, info %lx\n", r, (unsigned long)m.info);
    return 0;
}

/* Sets its IPC buffer's recv_slot to 0x1234, then sends 4 words. */
static void marked_sender(uint64_t arg)
{
    struct mica_ipc_buffer *b = (struct mica_ipc_buffer *)(((uint64_t)&arg + PAGE - 1) &
                                                          ~(PAGE - 1));
    b->recv_slot = 0x1234;
    long_sender(4);
}

/*
 * A message longer than MICA_MSG_MAX: check_message() refuses one, but
 * THREAD_WRITE_REGS can rewrite a blocked sender's a1 to say 255 words.
 * copy_message() then copies words 4..254 from the sender's IPC buffer
 * page into the receiver's, past mr[] over the receiver's send_cap,
 * recv_slot and grant fields (the sender's own fields end up there), and
 * tells the receiver its message has 255 words.
 */
static int msg_too_long(void)
{
    ep_slot = new_obj(MICA_OBJ_ENDPOINT, 0);
    struct mica_ipc_buffer *mine = (struct mica_ipc_buffer *)MICA_IPCBUF_VA;
    mine->recv_slot = 0;
    long t = start_thread(MICA_SLOT_BUDGET, marked_sender, 0, MONITOR_PRIO, "sender", NULL);
    mica_yield();                           /* the sender runs and blocks */
    struct mica_regs regs;
    mica_thread_read_regs(t, &regs, 0);
    regs.x[10] = MICA_INFO(1, 255, 0, 0);   /* x11 = a1 */
    long r = mica_thread_write_regs(t, &regs, 0);
    debug_printf("repro: sender blocked in SEND(len 4); THREAD_WRITE_REGS(a1 = len 255) = %ld\n",
                 r);
    struct mica_msg m = { 0 };
    r = mica_recv(ep_slot, &m);
    debug_printf("repro: RECV = %ld, length %u (max %d), my recv_slot is now %lx\n", r,
                 MICA_INFO_LEN(m.info), MICA_MSG_MAX, (unsigned long)mine->recv_slot);
    return MICA_INFO_LEN(m.info) > MICA_MSG_MAX || mine->recv_slot != 0;
}

/*
 * MAP_COPY with rights MICA_R_EXEC from a page mapped without the execute
 * right (its frame capability lacked it): aspace_map_copy() masks the
 * rights with what the page may have and maps a PTE with V set and none of
 * R, W, X. At level 0 that is no leaf to aspace_destroy()'s unmap_level(),
 * which skips it: the frame keeps the reference the mapping took, and its
 * page never comes back after everything is deleted.
 */
static int map_copy_exec(void)
{
    const uint64_t va = 0x2000000000ul;
    long before = mica_budget_info(MICA_SLOT_BUDGET, 3);
    long f = new_obj(MICA_OBJ_FRAME, 1), ro = slot_alloc();
    long p = new_obj(MICA_OBJ_PROCESS, 16), q = new_obj(MICA_OBJ_PROCESS, 16);
    mica_cap_copy(f, -1, ro, MICA_R_READ, 0);
    long r1 = mica_map(p, ro, va, MICA_R_READ, 0);
    long r2 = mica_call6(MICA_SYS_MAP_COPY, p, (long)va, q, 1, MICA_R_EXEC, 0);
    debug_printf("repro: MAP(p, read-only frame, %lx, R) = %ld; "
                 "MAP_COPY(p, %lx, q, 1 page, X) = %ld\n", (unsigned long)va, r1,
                 (unsigned long)va, r2);
    slot_free(p);
    slot_free(q);
    slot_free(ro);
    slot_free(f);
    long after = mica_budget_info(MICA_SLOT_BUDGET, 3);
    debug_printf("repro: everything deleted: %ld pages fewer free than before\n", before - after);
    return before != after;
}

/*
 * CAP_REVOKE of the root of a chain of copies (each derived from the one
 * before): cap_revoke() finds each leaf by walking down from the root
 * again, so a chain of n capabilities costs n^2/2 steps in one kernel call
 * with interrupts off. Chains can span processes (CAP_COPY into another
 * process), so a budget that pays for a few large capability spaces buys
 * seconds of kernel time.
 */
static int revoke_chain(void)
{
    uint64_t n = repro_arg ? repro_arg : 4000;
    long root = new_obj(MICA_OBJ_ENDPOINT, 0), prev = root;
    for (uint64_t i = 0; i < n; i++) {
        long s = slot_alloc();
        if (s < 0 || mica_cap_copy(prev, -1, s, MICA_R_ALL, 0))
            break;
        prev = s;
    }
    uint64_t t0 = mica_time();
    long r = mica_cap_revoke(root);
    uint64_t us = (mica_time() - t0) * 1000000 / timebase_freq;
    debug_printf("repro: CAP_REVOKE of a chain of %lu copies = %ld after %lu us\n",
                 (unsigned long)n, r, (unsigned long)us);
    return us > 10000;
}

/*
 * A device frame over a virtio-mmio slot, mapped in the caller's address
 * space, then named as a buffer the kernel itself reads (DEBUG_PUTS; the
 * same for THREAD_READ_REGS, PROCESS_COPY, GRANT_COPY). usercopy.c reaches
 * user pages through the direct map, pa_to_va(pte_pa(pte)); vm_init() maps
 * RAM, the UART, the PLIC and the power-off device there, but not the
 * virtio slots, so the kernel takes a page fault and panics.
 */
static int device_copy(void)
{
    const struct mica_bootinfo *bi = (const struct mica_bootinfo *)MICA_BOOTINFO_VA;
    const uint64_t va = 0x2000000000ul;
    uint64_t pa = 0;
    for (uint32_t i = 0; i < bi->ndevices && !pa; i++)
        if (bi->devices[i].kind == MICA_DEV_VIRTIO_MMIO)
            pa = bi->devices[i].base & ~(PAGE - 1);
    long f = slot_alloc();
    long r1 = mica_device_frame(MICA_SLOT_DEVICE_CONTROL, MICA_SLOT_BUDGET, pa, 1, f);
    long r2 = mica_map(MICA_SLOT_SELF, f, va, MICA_R_READ | MICA_R_WRITE, 0);
    debug_printf("repro: DEVICE_FRAME(virtio slot at %lx) = %ld, MAP at %lx = %ld; "
                 "DEBUG_PUTS(%lx, 1)\n", (unsigned long)pa, r1, (unsigned long)va, r2,
                 (unsigned long)va);
    long r = mica_debug_puts((const char *)va, 1);
    debug_printf("\nrepro: DEBUG_PUTS = %ld\n", r);
    return 0;
}

struct repro {
    int (*fn)(void);
    const char *name;
};

static const struct repro repros[] = {
    { timer_wrap, "timer_wrap" },
    { timer_storm, "timer_storm" },
    { ipcbuf_gone, "ipcbuf_gone" },
    { regs_len, "regs_len" },
    { map_copy_exec, "map_copy_exec" },
    { msg_too_long, "msg_too_long" },
    { revoke_chain, "revoke_chain" },
    { device_copy, "device_copy" },
};

int repro_run(const char *name)
{
    while (*name == ' ')
        name++;
    size_t len = 0;
    while (name[len] && name[len] != ' ')
        len++;
    for (const char *p = name + len; *p; p++)
        if (*p >= '0' && *p <= '9')
            repro_arg = repro_arg * 10 + (uint64_t)(*p - '0');
    for (size_t i = 0; i < sizeof repros / sizeof repros[0]; i++) {
        if (strlen(repros[i].name) == len && !strncmp(repros[i].name, name, len)) {
            int r = repros[i].fn();
            debug_printf("repro: %s: %s\n", repros[i].name, r ? "BUG" : "ok");
            return r;
        }
    }
    debug_printf("kfuzz: no reproduction named '%s'\n", name);
    return 2;
}
