/*
 * panic() and power-off.
 *
 * Power-off goes through the SBI system-reset extension. SRST carries only
 * "no reason" or "system failure", and QEMU's exit status cannot tell an
 * init status of 3 from one of 7 that way; so when the device tree has the
 * SiFive test finisher (QEMU's virt machine), the kernel writes the status
 * to it directly, which makes QEMU exit with that status. OpenSBI leaves
 * that device accessible to S-mode.
 */
#include <stdarg.h>
#include <stdint.h>

#include "console.h"
#include "fdt.h"
#include "memlayout.h"
#include "panic.h"
#include "arch/riscv/csr.h"
#include "arch/riscv/sbi.h"
#include "mica/fmt.h"

#define FINISHER_FAIL 0x3333
#define FINISHER_PASS 0x5555

static volatile uint32_t *finisher;
static int panicking;

extern char __kernel_start[], __text_end[];
extern char kernel_stack_top[];

void poweroff_init(const struct boot_info *bi)
{
    if (bi->has_poweroff)
        finisher = pa_to_va(bi->poweroff.base);
}

void machine_poweroff(int status)
{
    int code = status & 0xff;
    if (status != 0 && code == 0)
        code = 1;
    if (finisher)
        *finisher = code ? (uint32_t)code << 16 | FINISHER_FAIL : FINISHER_PASS;
    sbi_shutdown(code != 0);
    for (;;)
        wfi();
}

static void backtrace(void)
{
    uint64_t fp = (uint64_t)__builtin_frame_address(0);
    uint64_t top = (uint64_t)kernel_stack_top;
    uint64_t bottom = top - KSTACK_SIZE;
    kprintf("backtrace:\n");
    for (int depth = 0; depth < 32; depth++) {
        if (fp < bottom + 16 || fp > top || (fp & 7))
            break;
        uint64_t ra = ((uint64_t *)fp)[-1];
        uint64_t next = ((uint64_t *)fp)[-2];
        if (ra < (uint64_t)__kernel_start || ra >= (uint64_t)__text_end)
            break;
        /* ra - 2 lies inside the call instruction (2 or 4 bytes long), so
         * addr2line names the caller's line even after a noreturn call. */
        kprintf("  #%d %lx\n", depth, (unsigned long)(ra - 2));
        if (next <= fp)
            break;
        fp = next;
    }
}

void panic(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    csr_clear(sstatus, SSTATUS_SIE);
    if (panicking++)
        machine_poweroff(PANIC_EXIT_STATUS);
    va_start(ap, fmt);
    fmt_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    kprintf("\npanic: %s\n", buf);
    kprintf("scause %lx sepc %lx stval %lx\n", (unsigned long)csr_read(scause),
            (unsigned long)csr_read(sepc), (unsigned long)csr_read(stval));
    backtrace();
    machine_poweroff(PANIC_EXIT_STATUS);
}
