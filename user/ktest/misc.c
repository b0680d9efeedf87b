/*
 * Cases: the debug console, unknown calls, yield, and every pointer
 * argument of the kernel calls given a kernel or an unmapped address.
 */
#include "ktest.h"

void debug_puts_ok(void)
{
    EXPECT_EQ(mica_debug_puts("ktest: hello\n", 13), 13);
    EXPECT_EQ(mica_debug_puts("", 0), 0);
}

void debug_puts_bad_pointer(void)
{
    EXPECT_EQ(mica_debug_puts(NULL, 10), -EFAULT);
    EXPECT_EQ(mica_debug_puts((const char *)KT_KERNEL_PTR, 10), -EFAULT);
    EXPECT_EQ(mica_debug_puts((const char *)0x3ffffffff0ul, 100), -EFAULT);
    EXPECT_EQ(mica_debug_puts((const char *)main, MICA_DEBUG_PUTS_MAX + 1), -EINVAL);
    /* The boot-info page is readable; the page after the stack top is not. */
    EXPECT_EQ(mica_debug_puts((const char *)MICA_STACK_TOP - 1, 2), -EFAULT);
}

void unknown_kernel_call(void)
{
    EXPECT_EQ(mica_syscall2(-1000, 0, 0), -ENOSYS);
    EXPECT_EQ(mica_syscall2(-(MICA_SYS_COUNT + 1), 0, 0), -ENOSYS);
    EXPECT_EQ(mica_syscall2(INT64_MIN, 0, 0), -ENOSYS);
}

void yield_returns(void)
{
    EXPECT_EQ(mica_yield(), 0);
}

static const struct mica_regs read_only_regs;   /* in .rodata */

/* Each pointer a kernel call takes (GRANT_COPY's and the IPC buffer's
 * grant are in grant.c), with a kernel and an unmapped address. */
void kernel_pointers(void)
{
    static const uint64_t bad[] = { KT_KERNEL_PTR, KT_UNMAPPED, KT_TOO_HIGH, ~0ul - 7 };
    long t = kt_new(MICA_OBJ_THREAD, MICA_SLOT_SELF);
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        EXPECT_EQ(mica_debug_puts((const char *)bad[i], 8), -EFAULT);
        EXPECT_EQ(mica_thread_configure(t, 0, KT_PRIO, (const char *)bad[i]), -EFAULT);
        EXPECT_EQ(mica_thread_read_regs(t, (struct mica_regs *)bad[i], 0), -EFAULT);
        EXPECT_EQ(mica_thread_read_regs(t, (struct mica_regs *)bad[i], MICA_REGS_FP), -EFAULT);
        EXPECT_EQ(mica_thread_write_regs(t, (struct mica_regs *)bad[i], 0), -EFAULT);
        EXPECT_EQ(mica_thread_write_regs(t, (struct mica_regs *)bad[i], MICA_REGS_FP), -EFAULT);
        /* Not pointers, but they must be user addresses too. */
        if (bad[i] >= KT_TOO_HIGH) {
            EXPECT_EQ(mica_thread_start(t, bad[i], MICA_STACK_TOP, 0), -EINVAL);
            EXPECT_EQ(mica_map(MICA_SLOT_SELF, MICA_SLOT_IPC_BUFFER, bad[i] & ~(KT_PAGE - 1),
                               MICA_R_READ, 0), -EINVAL);
        }
    }
    /* Readable but not writable: the kernel must not write there. */
    EXPECT_EQ(mica_thread_read_regs(t, (struct mica_regs *)&read_only_regs, 0), -EFAULT);
    EXPECT_EQ(mica_thread_write_regs(t, &read_only_regs, 0), 0);
    /* A name running off the end of mapped memory. */
    long f = kt_new(MICA_OBJ_FRAME, 1);
    EXPECT_EQ(mica_map(MICA_SLOT_SELF, f, KT_MAP(0), MICA_R_READ | MICA_R_WRITE, 0), 0);
    char *end = (char *)KT_MAP(1);
    for (int i = 1; i <= 8; i++)
        end[-i] = 'x';
    EXPECT_EQ(mica_debug_puts(end - 4, 8), -EFAULT);
    EXPECT_EQ(mica_thread_configure(t, 0, KT_PRIO, end - 4), -EFAULT);
    EXPECT_EQ(mica_unmap(MICA_SLOT_SELF, KT_MAP(0)), 0);
    kt_free(f);
    kt_free(t);
}
