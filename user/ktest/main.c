/*
 * ktest: the kernel's in-QEMU test program. Booted as the first process
 * (root=ktest), it runs the case named by the init= arguments, or every
 * case when none is named, and exits with the number of failures:
 *     APPEND="root=ktest init=ipc_call_lengths"
 * `init=list` prints the case names, one per line. Cases that end the
 * process on purpose (exit, faults without a handler), that take away what
 * later cases need, or that fail on a known kernel problem only run by name.
 *
 * After each case the runner checks that the system's free pages are
 * what they were before it (nothing leaked) and that the kernel's
 * self-check passes. Spawned with another argument than the boot-info
 * address, ktest is a helper process for the cases (helper.c).
 *
 * The cases live in one file per subject: misc.c, cap.c, budget.c,
 * thread.c, proc.c, fault.c, ipc.c, reply.c, grant.c, notify.c, memory.c.
 */
#include "ktest.h"

#include "mica/string.h"

static const char *case_arg;   /* text after the case name */

static int parse_int(const char *s)
{
    int v = 0, neg = 0;
    while (*s == ' ')
        s++;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return neg ? -v : v;
}

static void exit_status(void)
{
    mica_exit(parse_int(case_arg));
}

static void null_fault(void)
{
    *(volatile int *)0 = 1;
    EXPECT(!"survived a store to address 0");
}

static void illegal_instruction(void)
{
    __asm__ volatile(".word 0");
    EXPECT(!"survived an illegal instruction");
}

enum {
    BY_NAME = 1,          /* ends the process on purpose */
    ALONE = 2,            /* changes ktest for good: runs by name only */
    KNOWN = 4,            /* fails on a known kernel problem: runs by name only */
};

struct test_case {
    void (*fn)(void);
    const char *name;
    int flags;
};

#define CASE(fn) { fn, #fn, 0 }
#define ALONE(fn) { fn, #fn, ALONE }
#define KNOWN(fn) { fn, #fn, KNOWN }

static const struct test_case cases[] = {
    /* misc.c */
    CASE(debug_puts_ok),
    CASE(debug_puts_bad_pointer),
    CASE(unknown_kernel_call),
    CASE(yield_returns),
    CASE(kernel_pointers),
    /* cap.c */
    CASE(cap_info_first_slots),
    CASE(cap_bad_slots),
    CASE(cap_copy_masks_rights),
    CASE(cap_copy_badge_once),
    CASE(cap_copy_errors),
    CASE(cap_copy_other_process),
    CASE(cap_move),
    CASE(cap_delete_keeps_children),
    CASE(cap_revoke),
    CASE(cap_revoke_recv_waiter),
    CASE(cap_delete_wakes_waiters),
    ALONE(cap_delete_control),
    /* budget.c */
    CASE(budget_child),
    CASE(budget_errors),
    CASE(budget_exhaust_frames),
    CASE(budget_exhaust_endpoints),
    CASE(budget_exhaust_process),
    CASE(budget_nested),
    CASE(budget_system_pages),
    CASE(create_errors),
    /* thread.c */
    CASE(thread_start_twice),
    CASE(thread_time_counts_user_time),
    CASE(thread_configure_errors),
    CASE(thread_start_errors),
    CASE(thread_suspend_resume),
    CASE(thread_suspend_blocked),
    CASE(thread_regs),
    CASE(thread_regs_errors),
    CASE(thread_regs_fp),
    CASE(thread_fpu_lazy),
    CASE(thread_fpu_process),
    CASE(thread_bind_errors),
    CASE(thread_priority),
    CASE(thread_name),
    CASE(thread_delete_self),
    /* proc.c */
    CASE(proc_create_destroy),
    CASE(proc_dead_errors),
    CASE(proc_errors),
    CASE(proc_exit_message),
    CASE(proc_destroy_blocked_recv),
    CASE(proc_destroy_blocked_call),
    CASE(proc_destroy_holding_call),
    CASE(proc_destroy_saved_reply),
    CASE(proc_destroy_caller),
    CASE(proc_destroy_self),
    CASE(proc_destroy_fault_handler),
    CASE(proc_copy),
    CASE(proc_delete_last_cap),
    CASE(proc_restart_keeps_callers),
    /* fault.c */
    CASE(fault_page_null),
    CASE(fault_page_resume),
    CASE(fault_stop_resume),
    CASE(fault_illegal),
    CASE(fault_linux_syscall),
    CASE(fault_linux_syscall_fast),
    CASE(fault_linux_syscall_stop),
    CASE(fault_kernel_sp),
    CASE(fault_resent),
    CASE(fault_process_endpoint),
    CASE(fault_set_errors),
    CASE(fault_suspend_keeps_regs),
    CASE(fault_resend_no_handler),
    CASE(fault_breakpoint),
    /* ipc.c */
    CASE(ipc_send_lengths),
    CASE(ipc_call_lengths),
    CASE(ipc_too_long),
    CASE(ipc_nonblocking),
    CASE(ipc_without_ipc_buffer),
    CASE(ipc_errors),
    CASE(ipc_badges),
    CASE(ipc_cap_transfer),
    CASE(ipc_cap_transfer_errors),
    CASE(ipc_call_same_process),
    CASE(ipc_call_other_process),
    CASE(ipc_reply_recv_loop),
    CASE(ipc_sender_loses_ipc_buffer),
    CASE(ipc_sender_regs_rewritten),
    /* reply.c */
    CASE(reply_saved),
    CASE(reply_saved_errors),
    CASE(reply_double),
    CASE(reply_cap_deleted),
    CASE(reply_recv_drops_caller),
    CASE(reply_suspended_caller),
    /* grant.c */
    CASE(grant_copy_both),
    CASE(grant_errors),
    CASE(grant_saved_reply),
    CASE(grant_other_process),
    CASE(grant_pieces),
    CASE(grant_space),
    CASE(grant_space_dead),
    /* notify.c */
    CASE(ntfn_signal_poll),
    CASE(ntfn_wait_blocks),
    CASE(ntfn_errors),
    CASE(ntfn_bound_recv),
    CASE(timer_oneshot),
    CASE(timer_periodic),
    CASE(timer_cancel),
    CASE(timer_errors),
    CASE(ntfn_recv),
    /* memory.c */
    CASE(mem_map_unmap),
    CASE(mem_map_errors),
    CASE(mem_protect),
    CASE(mem_shared_frame),
    CASE(mem_other_process),
    CASE(mem_map_copy),
    CASE(mem_map_copy_errors),
    CASE(device_frame_virtio),
    CASE(device_frame_errors),
    CASE(irq_get_bind_ack),
    CASE(irq_uart),
    /* by name only */
    { exit_status, "exit", BY_NAME },
    { null_fault, "null_fault", BY_NAME },
    { illegal_instruction, "illegal_instruction", BY_NAME },
};

#define NCASES (sizeof cases / sizeof cases[0])

/* Makes the page tables of the ranges the cases map in, so that the
 * first case to map there does not look as if it leaked them. */
static void make_page_tables(void)
{
    static const uint64_t ranges[] = { KT_THREAD_VA, KT_MAP_VA, 0x3e00000000ul /* spawn */ };
    long f = slot_alloc();
    EXPECT_EQ(mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, f, 1), 0);
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        EXPECT_EQ(mica_map(MICA_SLOT_SELF, f, ranges[i], MICA_R_READ, 0), 0);
        EXPECT_EQ(mica_unmap(MICA_SLOT_SELF, ranges[i]), 0);
    }
    slot_free(f);
}

static void run(const struct test_case *c)
{
    int before = kt_failures;
    long free_before = mica_budget_info(MICA_SLOT_BUDGET, 3);
    c->fn();
    long leaked = free_before - mica_budget_info(MICA_SLOT_BUDGET, 3);
    if (leaked) {
        debug_printf("ktest: %s: %ld page(s) not given back\n", c->name, leaked);
        kt_failures++;
    }
    long check = mica_selfcheck();
    if (check) {
        debug_printf("ktest: %s: kernel self-check: %ld\n", c->name, check);
        kt_failures++;
    }
    debug_printf("ktest: %s %s\n", kt_failures == before ? "ok  " : "FAIL", c->name);
}

/* One line per case: its name, and why it runs by name only if it does. */
static void list(void)
{
    for (size_t i = 0; i < NCASES; i++) {
        int f = cases[i].flags;
        debug_printf("ktest: case %s%s\n", cases[i].name,
                     f & BY_NAME ? " by-name" : f & ALONE ? " alone" : f & KNOWN ? " known" : "");
    }
}

int main(void *arg)
{
    if ((uint64_t)arg != MICA_BOOTINFO_VA)
        return kt_helper_main((uint64_t)arg);
    const struct mica_bootinfo *bi = arg;
    const char *want = bi->init;
    size_t len = 0;
    while (want[len] && want[len] != ' ')
        len++;
    case_arg = want + len;
    if (len == 4 && !strncmp(want, "list", 4)) {
        list();
        return 0;
    }
    make_page_tables();
    int ran = 0;
    for (size_t i = 0; i < NCASES; i++) {
        const struct test_case *c = &cases[i];
        int named = len && strlen(c->name) == len && !strncmp(c->name, want, len);
        if (named || (!len && !c->flags)) {
            run(c);
            ran++;
        }
    }
    if (!ran) {
        debug_printf("ktest: no case named '%.*s'\n", (int)len, want);
        return 127;
    }
    long check = mica_selfcheck();
    EXPECT_EQ(check, 0);
    debug_printf("ktest: %d case(s), %d failure(s), self-check %ld\n", ran, kt_failures, check);
    return kt_failures;
}
