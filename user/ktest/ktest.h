/*
 * What the ktest cases share: expectations, object and slot helpers,
 * threads in ktest's own process (kt_thread), and ktest spawned again as
 * a helper process (kt_helper) when a case needs a second address space.
 *
 * Every case must leave nothing behind: the runner (main.c) checks after
 * each one that the system's free pages are what they were before, and
 * that the kernel's self-check passes.
 */
#ifndef KTEST_H
#define KTEST_H

#include <stdint.h>

#include "mica/bootinfo.h"
#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/sys.h"

/* ---- expectations ---- */

extern int kt_failures;

void kt_fail(const char *file, int line, const char *what);
void kt_fail_eq(const char *file, int line, const char *a, const char *b, long va, long vb);

#define EXPECT(cond)                                   \
    do {                                               \
        if (!(cond))                                   \
            kt_fail(__FILE__, __LINE__, #cond);        \
    } while (0)

/* Prints both values when they differ: most checks compare a result. */
#define EXPECT_EQ(a, b)                                                 \
    do {                                                                \
        long kt_a_ = (long)(a), kt_b_ = (long)(b);                      \
        if (kt_a_ != kt_b_)                                             \
            kt_fail_eq(__FILE__, __LINE__, #a, #b, kt_a_, kt_b_);       \
    } while (0)

/* ---- addresses ---- */

#define KT_PAGE        4096ul
#define KT_KERNEL_PTR  0xffffffc000000000ul   /* the kernel's direct map */
#define KT_UNMAPPED    0x2000000000ul         /* user half, never mapped */
#define KT_TOO_HIGH    (1ul << 38)            /* first address beyond Sv39 user space */
/* Stacks and IPC buffers of kt_thread (support.c), then the pages the
 * memory cases map (KT_MAP(0 .. 511)): each range stays inside one 2 MiB
 * page table, which main() makes up front so that no case appears to
 * leak it. */
#define KT_THREAD_VA   0x3c00000000ul
#define KT_MAP_VA      0x3c00200000ul
#define KT_MAP(i)      (KT_MAP_VA + (uint64_t)(i) * KT_PAGE)

/* ---- objects and slots ---- */

/* A new object from MICA_SLOT_BUDGET in a new slot (a failure is recorded). */
long kt_new(enum mica_type type, uint64_t arg);
/* A copy of src with rights and badge in a new slot. */
long kt_copy(long src, unsigned rights, uint64_t badge);
/* Deletes the capability and frees the slot. */
void kt_free(long slot);
/* Lets every other runnable thread of priority 100 run until it blocks. */
void kt_settle(void);

/* ---- threads in ktest's process ---- */

#define KT_PRIO 100

struct kt_thread {
    long slot;
    long frame;                 /* its stack and IPC buffer */
    int area;
    struct mica_tls tls;        /* its tp: mica_ipcbuf() works in it */
    void (*fn)(uint64_t);
    uint64_t arg;
    volatile int done;          /* fn returned; the thread is suspended */
};

/* Starts fn(arg) in a new thread at prio; fault_ep (0: none) gets its
 * faults. Returns 0 or -E... */
long kt_thread_start(struct kt_thread *t, void (*fn)(uint64_t), uint64_t arg, unsigned prio,
                     long fault_ep);
/* Waits (yielding) until fn has returned; false after too long. */
int kt_thread_join(struct kt_thread *t);
/* Deletes the thread and frees its stack. */
void kt_thread_stop(struct kt_thread *t);
/* The thread's IPC buffer, as mapped in ktest's process. */
struct mica_ipc_buffer *kt_thread_ipcbuf(const struct kt_thread *t);

/* A call made from a thread of its own: for the cases that need the
 * caller blocked while the main thread acts. */
struct kt_async {
    struct kt_thread t;
    long slot;
    struct mica_msg m;
    volatile long result;
};
void kt_async_call(struct kt_async *a, long slot, uint64_t label, uint64_t w0, uint64_t w1);
void kt_async_recv(struct kt_async *a, long slot);
void kt_async_stop(struct kt_async *a);

/* ---- helper processes: ktest spawned with an argument ---- */

/* main()'s argument in a helper: role << 16 | slot. */
#define KT_HELPER_ARG(role, slot) (((uint64_t)(role) << 16) | (uint64_t)(slot))
enum kt_role {
    KT_ROLE_SERVER,     /* serves the kt_cmd calls on its endpoint */
    KT_ROLE_EXIT,       /* exits with the status in the slot bits */
    KT_ROLE_FPU,        /* two threads keep their FP registers; exits with failures */
    KT_ROLE_FAULT,      /* stores to address 0 */
};
/* Calls to a KT_ROLE_SERVER helper, by label. */
enum kt_cmd {
    KT_CMD_ECHO,        /* -> w0 + 1, the badge */
    KT_CMD_CAPINFO,     /* w0 = slot -> cap_info */
    KT_CMD_HOLD,        /* keeps the call unanswered, suspended */
    KT_CMD_SAVE,        /* saves the reply in slot w0 and receives again */
    KT_CMD_CALL,        /* answers, then calls slot w0 with w1 */
    KT_CMD_RECV,        /* answers, then receives on slot w0 and keeps what came */
    KT_CMD_GRANT,       /* adds 1 to each of w0 bytes of the grant -> results */
    KT_CMD_EXIT,        /* exits with w0, the call unanswered */
    KT_CMD_DESTROY,     /* destroys its own process, the call unanswered */
    KT_CMD_DELETE_SELF, /* deletes its capability to its own process */
};

#define KT_HELPER_EP     MICA_SLOT_FIRST_FREE       /* its command endpoint */
#define KT_HELPER_EXTRA  (MICA_SLOT_FIRST_FREE + 1) /* the extra capability */

struct kt_helper {
    struct child c;
    long budget;                /* pays for it; lent to it */
    long ep;                    /* its command endpoint, in our slots */
};

/* Spawns a helper of role with role_slot (a server's endpoint slot,
 * KT_HELPER_EP or KT_HELPER_EXTRA; KT_ROLE_EXIT's status); extra (0: none)
 * is copied to KT_HELPER_EXTRA with extra_rights; its faults and exit go
 * to fault_ep (0: none) with fault_badge. */
long kt_helper_start(struct kt_helper *h, unsigned role, uint64_t role_slot, long extra,
                     unsigned extra_rights, long fault_ep, uint64_t fault_badge);
/* Destroys it and checks that its budget got everything back. */
void kt_helper_stop(struct kt_helper *h);
/* Calls the helper's server with a command. */
long kt_helper_cmd(struct kt_helper *h, unsigned cmd, uint64_t w0, uint64_t w1,
                   struct mica_msg *out);
int kt_helper_main(uint64_t arg);

/* ---- floating point, without compiling ktest for it ---- */

static inline void kt_fp_set(uint64_t f0, uint64_t f31)
{
    __asm__ volatile(".option push\n.option arch, +d\n"
                     "fmv.d.x f0, %0\nfmv.d.x f31, %1\n"
                     ".option pop" :: "r"(f0), "r"(f31));
}

static inline uint64_t kt_fp_get0(void)
{
    uint64_t v;
    __asm__ volatile(".option push\n.option arch, +d\n"
                     "fmv.x.d %0, f0\n.option pop" : "=r"(v));
    return v;
}

static inline uint64_t kt_fp_get31(void)
{
    uint64_t v;
    __asm__ volatile(".option push\n.option arch, +d\n"
                     "fmv.x.d %0, f31\n.option pop" : "=r"(v));
    return v;
}

/* Checks f0 and f31 keep their values across n yields; returns failures. */
int kt_fp_keeps(uint64_t f0, uint64_t f31, int n);

/* ---- the cases, by file (the table is in main.c) ---- */

/* misc.c */
void debug_puts_ok(void);
void debug_puts_bad_pointer(void);
void unknown_kernel_call(void);
void yield_returns(void);
void kernel_pointers(void);

/* cap.c */
void cap_info_first_slots(void);
void cap_bad_slots(void);
void cap_copy_masks_rights(void);
void cap_copy_badge_once(void);
void cap_copy_errors(void);
void cap_copy_other_process(void);
void cap_move(void);
void cap_delete_keeps_children(void);
void cap_revoke(void);
void cap_revoke_recv_waiter(void);
void cap_delete_wakes_waiters(void);
void cap_delete_control(void);

/* budget.c */
void budget_child(void);
void budget_errors(void);
void budget_exhaust_frames(void);
void budget_exhaust_endpoints(void);
void budget_exhaust_process(void);
void budget_nested(void);
void budget_system_pages(void);
void create_errors(void);

/* thread.c */
void thread_start_twice(void);
void thread_time_counts_user_time(void);
void thread_configure_errors(void);
void thread_start_errors(void);
void thread_suspend_resume(void);
void thread_suspend_blocked(void);
void thread_regs(void);
void thread_regs_errors(void);
void thread_regs_fp(void);
void thread_fpu_lazy(void);
void thread_fpu_process(void);
void thread_bind_errors(void);
void thread_priority(void);
void thread_name(void);
void thread_delete_self(void);

/* proc.c */
void proc_create_destroy(void);
void proc_dead_errors(void);
void proc_errors(void);
void proc_exit_message(void);
void proc_destroy_blocked_recv(void);
void proc_destroy_blocked_call(void);
void proc_destroy_holding_call(void);
void proc_destroy_saved_reply(void);
void proc_destroy_caller(void);
void proc_destroy_self(void);
void proc_destroy_fault_handler(void);
void proc_copy(void);
void proc_delete_last_cap(void);
void proc_restart_keeps_callers(void);

/* fault.c */
void fault_page_null(void);
void fault_page_resume(void);
void fault_stop_resume(void);
void fault_illegal(void);
void fault_linux_syscall(void);
void fault_linux_syscall_fast(void);
void fault_linux_syscall_stop(void);
void fault_kernel_sp(void);
void fault_resent(void);
void fault_process_endpoint(void);
void fault_set_errors(void);
void fault_suspend_keeps_regs(void);
void fault_resend_no_handler(void);
void fault_breakpoint(void);

/* ipc.c */
void ipc_send_lengths(void);
void ipc_call_lengths(void);
void ipc_too_long(void);
void ipc_nonblocking(void);
void ipc_without_ipc_buffer(void);
void ipc_errors(void);
void ipc_badges(void);
void ipc_cap_transfer(void);
void ipc_cap_transfer_errors(void);
void ipc_call_same_process(void);
void ipc_call_other_process(void);
void ipc_reply_recv_loop(void);
void ipc_sender_loses_ipc_buffer(void);
void ipc_sender_regs_rewritten(void);

/* reply.c */
void reply_saved(void);
void reply_saved_errors(void);
void reply_double(void);
void reply_cap_deleted(void);
void reply_recv_drops_caller(void);
void reply_suspended_caller(void);

/* grant.c */
void grant_copy_both(void);
void grant_errors(void);
void grant_saved_reply(void);
void grant_other_process(void);
void grant_pieces(void);
void grant_space(void);
void grant_space_dead(void);

/* notify.c */
void ntfn_signal_poll(void);
void ntfn_wait_blocks(void);
void ntfn_errors(void);
void ntfn_bound_recv(void);
void timer_oneshot(void);
void timer_periodic(void);
void timer_cancel(void);
void timer_errors(void);
void ntfn_recv(void);

/* memory.c */
void mem_map_unmap(void);
void mem_map_errors(void);
void mem_protect(void);
void mem_shared_frame(void);
void mem_other_process(void);
void mem_map_copy(void);
void mem_map_copy_errors(void);
void device_frame_virtio(void);
void device_frame_errors(void);
void irq_get_bind_ack(void);
void irq_uart(void);

#endif
