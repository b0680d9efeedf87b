/*
 * SBI calls: legacy console output for the earliest messages, the TIME
 * extension when the hart lacks Sstc, and SRST to power off.
 */
#include "arch/riscv/sbi.h"

#define SBI_EXT_LEGACY_PUTCHAR 0x01
#define SBI_EXT_BASE           0x10
#define SBI_EXT_TIME           0x54494d45
#define SBI_EXT_SRST           0x53525354

#define SBI_BASE_PROBE_EXT     3
#define SBI_SRST_SHUTDOWN      0
#define SBI_SRST_REASON_NONE   0
#define SBI_SRST_REASON_FAIL   1

static struct sbiret sbi_call(long ext, long fid, long a0, long a1, long a2)
{
    register long r0 __asm__("a0") = a0;
    register long r1 __asm__("a1") = a1;
    register long r2 __asm__("a2") = a2;
    register long r6 __asm__("a6") = fid;
    register long r7 __asm__("a7") = ext;
    __asm__ volatile("ecall"
                     : "+r"(r0), "+r"(r1)
                     : "r"(r2), "r"(r6), "r"(r7)
                     : "memory");
    return (struct sbiret){ r0, r1 };
}

void sbi_console_putchar(int c)
{
    sbi_call(SBI_EXT_LEGACY_PUTCHAR, 0, c, 0, 0);
}

void sbi_set_timer(uint64_t deadline)
{
    sbi_call(SBI_EXT_TIME, 0, (long)deadline, 0, 0);
}

long sbi_probe_extension(long ext)
{
    struct sbiret r = sbi_call(SBI_EXT_BASE, SBI_BASE_PROBE_EXT, ext, 0, 0);
    return r.error ? 0 : r.value;
}

void sbi_shutdown(int failure)
{
    sbi_call(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN,
             failure ? SBI_SRST_REASON_FAIL : SBI_SRST_REASON_NONE, 0);
}
