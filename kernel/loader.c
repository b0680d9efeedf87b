/*
 * The first process: the kernel builds it from an ELF image in the boot
 * archive (kernel/arch/riscv/archive.S) after elf_check() has vetted every
 * segment, gives it a stack and a read-only boot-info page, and makes its
 * thread runnable. Everything after it is built by user space.
 */
#include "loader.h"

#include "archive.h"
#include "cmdline.h"
#include "console.h"
#include "elf.h"
#include "kalloc.h"
#include "memlayout.h"
#include "object/thread.h"
#include "panic.h"
#include "sched.h"
#include "timer.h"
#include "vm.h"
#include "arch/riscv/csr.h"
#include "mica/bootinfo.h"
#include "mica/string.h"

#define FIRST_PRIO 100

extern const char boot_archive[], boot_archive_end[];

static struct process first_process;
static struct thread first_thread;

static void *page_alloc(void *ctx)
{
    (void)ctx;
    return kalloc_page();
}

/* Maps a fresh zeroed page at va; returns its kernel address. */
static void *map_new_page(pte_t *root, uint64_t va, uint64_t perm)
{
    void *page = kalloc_page();
    if (!page || vm_user_map(root, va, va_to_pa(page), perm, page_alloc, NULL))
        panic("loader: out of memory");
    return page;
}

static uint64_t perm_of(uint32_t flags)
{
    return ((flags & ELF_SEG_R) ? PTE_R : 0) | ((flags & ELF_SEG_W) ? PTE_W : 0) |
           ((flags & ELF_SEG_X) ? PTE_X : 0);
}

static void load_segment(pte_t *root, const char *file, const struct elf_segment *s)
{
    uint64_t start = PAGE_ROUND_DOWN(s->vaddr);
    uint64_t end = PAGE_ROUND_UP(s->vaddr + s->memsz);
    for (uint64_t va = start; va < end; va += PAGE_SIZE) {
        char *page = map_new_page(root, va, perm_of(s->flags));
        /* The part of [vaddr, vaddr + filesz) that falls in this page. */
        uint64_t lo = va < s->vaddr ? s->vaddr : va;
        uint64_t hi = va + PAGE_SIZE;
        if (hi > s->vaddr + s->filesz)
            hi = s->vaddr + s->filesz;
        if (lo < hi)
            memcpy(page + (lo - va), file + s->offset + (lo - s->vaddr), hi - lo);
    }
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

void loader_start_first(const struct cmdline *cmd, const char *bootargs,
                        uint64_t firmware_instret)
{
    struct archive_entry e;
    struct elf_image img;
    const char *err;

    if (archive_find(boot_archive, boot_archive_end - boot_archive, cmd->root, &e))
        panic("loader: no '%s' in the boot archive", cmd->root);
    if (elf_check(e.data, e.size, MICA_STACK_TOP - MICA_STACK_PAGES * PAGE_SIZE,
                  &img, &err))
        panic("loader: '%s' rejected: %s", cmd->root, err);

    struct process *p = &first_process;
    p->pagetable = vm_user_create(page_alloc, NULL);
    if (!p->pagetable)
        panic("loader: out of memory");
    p->is_first = 1;
    for (int i = 0; i < img.nseg; i++)
        load_segment(p->pagetable, e.data, &img.seg[i]);
    for (uint64_t i = 1; i <= MICA_STACK_PAGES; i++)
        map_new_page(p->pagetable, MICA_STACK_TOP - i * PAGE_SIZE, PTE_R | PTE_W);
    struct mica_bootinfo *bi = map_new_page(p->pagetable, MICA_BOOTINFO_VA, PTE_R);
    fill_bootinfo(bi, cmd, bootargs, firmware_instret);

    struct thread *t = &first_thread;
    thread_init(t, p, cmd->root, FIRST_PRIO);
    p->main = t;
    thread_start(t, img.entry, MICA_STACK_TOP, MICA_BOOTINFO_VA);
    kprintf("loader: started '%s' (%lu KiB), entry %lx\n", cmd->root,
            (unsigned long)(e.size / 1024), (unsigned long)img.entry);
    /* Last: instructions the kernel took to get here. */
    bi->kernel_instret = read_instret();
}
