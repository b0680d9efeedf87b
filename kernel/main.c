/*
 * kmain: the boot sequence, one step per line. entry.S has turned on the
 * boot page table and calls this at the kernel's linked address.
 */
#include <stdint.h>

#include "cmdline.h"
#include "console.h"
#include "fdt.h"
#include "kalloc.h"
#include "loader.h"
#include "memlayout.h"
#include "object/frame.h"
#include "panic.h"
#include "plic.h"
#include "sched.h"
#include "selfcheck.h"
#include "timer.h"
#include "vm.h"

#define FDT_MAX_SIZE (1ul << 20)

static struct boot_info boot_info;
static struct cmdline cmdline;

static void cmdline_warn(const char *msg, const char *arg, int len)
{
    kprintf("cmdline: %s: '%.*s'\n", msg, len, arg);
}

/* Parses the device tree handed over by the firmware; panics if malformed. */
static uint64_t fdt_load(unsigned long hartid, uint64_t fdt_pa)
{
    const char *err;
    if (fdt_pa == 0 || fdt_pa + FDT_MAX_SIZE > 4 * GIGA_SIZE)
        panic("fdt: device tree at %lx is outside the boot mapping",
              (unsigned long)fdt_pa);
    size_t size = fdt_total_size(pa_to_va(fdt_pa), FDT_MAX_SIZE);
    if (size == 0 || size > FDT_MAX_SIZE)
        panic("fdt: bad header at %lx", (unsigned long)fdt_pa);
    if (fdt_parse(pa_to_va(fdt_pa), size, hartid, &boot_info, &err) < 0)
        panic("%s", err);
    return size;
}

void kmain(unsigned long hartid, uint64_t fdt_pa, uint64_t firmware_instret)
{
    uint64_t fdt_size = fdt_load(hartid, fdt_pa);        /* memory, devices, bootargs */
    console_init(&boot_info);                     /* the UART, if the tree has one */
    kprintf("\nMica kernel, hart %lu, %d RAM region(s), timebase %lu Hz\n",
            hartid, boot_info.nram, (unsigned long)boot_info.timebase_freq);
    poweroff_init(&boot_info);                    /* the finisher device, if any */
    kalloc_init(&boot_info, fdt_pa, fdt_size);    /* free RAM into the page pool */
    vm_init(&boot_info);                          /* final kernel page table */
    kprintf("memory: %lu KiB free of %lu KiB\n",
            (unsigned long)(kalloc_free_pages() * 4), (unsigned long)(kalloc_total_pages() * 4));
    frame_init(&boot_info);                       /* page owners, device regions */
    plic_init(&boot_info);                        /* external interrupts, all masked */
    timer_init(&boot_info);                       /* scheduler tick */
    cmdline_parse(boot_info.bootargs, &cmdline, cmdline_warn);
    if (cmdline.asid_bits >= 0)
        vm_limit_asids((unsigned)cmdline.asid_bits);
    selfcheck_boot_done();                        /* the kernel's own pages, counted */
    loader_start_first(&boot_info, &cmdline, boot_info.bootargs, firmware_instret);
    sched_return_to_user();                       /* never returns */
}
