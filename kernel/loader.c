/*
 * The first process: the kernel builds it from an ELF image in the boot
 * archive (kernel/arch/riscv/archive.S) after elf_check() has vetted every
 * segment. It gets every free page as its budget, the IRQ and device
 * control capabilities, a stack, an IPC buffer and a read-only boot-info
 * page. Everything after it is built by user space.
 */
#include "loader.h"

#include "cmdline.h"
#include "console.h"
#include "fdt.h"
#include "kalloc.h"
#include "memlayout.h"
#include "object/budget.h"
#include "object/frame.h"
#include "object/irq.h"
#include "object/process.h"
#include "object/thread.h"
#include "panic.h"
#include "timer.h"
#include "arch/riscv/csr.h"
#include "mica/archive.h"
#include "mica/bootinfo.h"
#include "mica/elf.h"
#include "mica/string.h"

#define FIRST_PRIO 100

extern const char boot_archive[], boot_archive_end[];

/* Maps a new zeroed frame of npages at va; returns its kernel address. */
static void *map_new(struct process *p, uint64_t va, uint32_t npages, unsigned rights,
                     struct frame **out)
{
    struct frame *f = frame_create(p->budget, npages);
    if (!f)
        panic("loader: out of memory");
    for (uint32_t i = 0; i < npages; i++)
        if (aspace_map(p, f, va + i * PAGE_SIZE, rights, i, rights))
            panic("loader: cannot map %lx", (unsigned long)va);
    if (out)
        *out = f;
    return pa_to_va(f->pa);
}

static unsigned rights_of(uint32_t flags)
{
    return ((flags & ELF_SEG_R) ? MICA_R_READ : 0) | ((flags & ELF_SEG_W) ? MICA_R_WRITE : 0) |
           ((flags & ELF_SEG_X) ? MICA_R_EXEC : 0);
}

static void load_segment(struct process *p, const char *file, const struct elf_segment *s)
{
    uint64_t start = PAGE_ROUND_DOWN(s->vaddr);
    uint64_t end = PAGE_ROUND_UP(s->vaddr + s->memsz);
    for (uint64_t va = start; va < end; va += PAGE_SIZE) {
        char *page = map_new(p, va, 1, rights_of(s->flags), NULL);
        /* The part of [vaddr, vaddr + filesz) that falls in this page. */
        uint64_t lo = va < s->vaddr ? s->vaddr : va;
        uint64_t hi = va + PAGE_SIZE;
        if (hi > s->vaddr + s->filesz)
            hi = s->vaddr + s->filesz;
        if (lo < hi)
            memcpy(page + (lo - va), file + s->offset + (lo - s->vaddr), hi - lo);
    }
}

/* The devices user space may drive: the virtio-mmio slots, the UART and
 * the real-time clock. */
static void fill_devices(struct mica_bootinfo *bi, const struct boot_info *dt)
{
    for (int i = 0; i < dt->nvirtio && bi->ndevices < MICA_MAX_DEVICES; i++)
        bi->devices[bi->ndevices++] = (struct mica_device){
            dt->virtio[i].reg.base, dt->virtio[i].reg.size, dt->virtio[i].irq,
            MICA_DEV_VIRTIO_MMIO, 0, 0 };
    if (dt->has_uart && bi->ndevices < MICA_MAX_DEVICES)
        bi->devices[bi->ndevices++] = (struct mica_device){
            dt->uart.reg.base, dt->uart.reg.size, dt->uart.irq, MICA_DEV_UART_16550,
            dt->uart_reg_shift, 0 };
    if (dt->has_rtc && bi->ndevices < MICA_MAX_DEVICES)
        bi->devices[bi->ndevices++] = (struct mica_device){
            dt->rtc.reg.base, dt->rtc.reg.size, dt->rtc.irq, MICA_DEV_GOLDFISH_RTC, 0, 0 };
}

static void fill_bootinfo(struct mica_bootinfo *bi, const struct cmdline *cmd,
                          const char *bootargs, uint64_t firmware_instret)
{
    bi->magic = MICA_BOOTINFO_MAGIC;
    bi->version = MICA_BOOTINFO_VERSION;
    bi->firmware_instret = firmware_instret;
    bi->timebase_freq = timer_freq();
    bi->total_pages = kalloc_total_pages();
    bi->free_pages = kalloc_free_pages();
    memcpy(bi->init, cmd->init, sizeof bi->init);
    size_t n = strnlen(bootargs, sizeof bi->cmdline - 1);
    memcpy(bi->cmdline, bootargs, n);
    bi->cmdline[n] = '\0';
}

static void give(struct process *p, unsigned slot, struct object *o, unsigned rights)
{
    cap_install(&p->cspace.slots[slot], o, o->type, rights, 0);
}

/* The boot archive, mapped read-only: root starts the servers from it. */
static struct frame *map_archive(struct process *p, struct mica_bootinfo *bi)
{
    uint64_t size = boot_archive_end - boot_archive;
    uint32_t npages = PAGE_ROUND_UP(size) / PAGE_SIZE;
    struct frame *f = frame_create_static(kernel_pa(boot_archive), npages);
    for (uint32_t i = 0; i < npages; i++)
        if (aspace_map(p, f, MICA_ARCHIVE_VA + i * PAGE_SIZE, MICA_R_READ, i, MICA_R_READ))
            panic("loader: cannot map the boot archive");
    bi->archive_size = size;
    return f;
}

void loader_start_first(const struct boot_info *dt, const struct cmdline *cmd,
                        const char *bootargs, uint64_t firmware_instret)
{
    struct archive_entry e;
    struct elf_image img;
    const char *err;

    if (archive_find(boot_archive, boot_archive_end - boot_archive, cmd->root, &e))
        panic("loader: no '%s' in the boot archive", cmd->root);
    if (elf_check(e.data, e.size, MICA_STACK_TOP - MICA_STACK_PAGES * PAGE_SIZE,
                  &img, &err))
        panic("loader: '%s' rejected: %s", cmd->root, err);

    struct budget *b = budget_boot(kalloc_free_pages());
    struct process *p = process_create(b, MICA_MAX_SLOTS);
    struct thread *t = p ? thread_create(b, p) : NULL;
    if (!t)
        panic("loader: out of memory");
    p->is_first = true;
    for (int i = 0; i < img.nseg; i++)
        load_segment(p, e.data, &img.seg[i]);
    map_new(p, MICA_STACK_TOP - MICA_STACK_PAGES * PAGE_SIZE, MICA_STACK_PAGES,
            MICA_R_READ | MICA_R_WRITE, NULL);
    struct frame *ipcbuf;
    map_new(p, MICA_IPCBUF_VA, 1, MICA_R_READ | MICA_R_WRITE, &ipcbuf);
    struct mica_bootinfo *bi = map_new(p, MICA_BOOTINFO_VA, 1, MICA_R_READ, NULL);
    fill_bootinfo(bi, cmd, bootargs, firmware_instret);
    fill_devices(bi, dt);

    struct frame *archive = map_archive(p, bi);

    give(p, MICA_SLOT_SELF, &p->hdr, MICA_R_ALL);
    give(p, MICA_SLOT_THREAD, &t->hdr, MICA_R_ALL);
    give(p, MICA_SLOT_BUDGET, &b->hdr, MICA_R_ALL);
    give(p, MICA_SLOT_IRQ_CONTROL, irq_control(), MICA_R_ALL);
    give(p, MICA_SLOT_DEVICE_CONTROL, device_control(), MICA_R_ALL);
    give(p, MICA_SLOT_IPC_BUFFER, &ipcbuf->hdr, MICA_R_ALL);
    give(p, MICA_SLOT_ARCHIVE, &archive->hdr, MICA_R_READ);

    object_get(&ipcbuf->hdr);
    t->ipcbuf_frame = ipcbuf;
    t->ipcbuf = pa_to_va(ipcbuf->pa);
    t->prio = FIRST_PRIO;
    t->mcp = PRIO_COUNT - 1;          /* it gives out every priority */
    thread_set_name(t, cmd->root);
    thread_start(t, img.entry, MICA_STACK_TOP, MICA_BOOTINFO_VA);
    kprintf("loader: started '%s' (%lu KiB), entry %lx\n", cmd->root,
            (unsigned long)(e.size / 1024), (unsigned long)img.entry);
    /* Last: instructions the kernel took to get here. */
    bi->kernel_instret = read_instret();
}
