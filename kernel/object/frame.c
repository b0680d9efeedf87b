/*
 * Frames (see frame.h). A table indexed by page number finds the frame of
 * a mapped RAM page; device frames are few and kept on a list, which also
 * keeps two frames from covering the same device registers.
 */
#include "object/frame.h"

#include "fdt.h"
#include "kalloc.h"
#include "memlayout.h"
#include "object/budget.h"
#include "panic.h"
#include "mica/errno.h"

#define MAX_DEVICE_REGIONS (FDT_MAX_VIRTIO + 2)

static struct frame **owner;          /* per RAM page */
static uint64_t ram_base, ram_pages;
static struct frame *devices;
static struct fdt_region device_regions[MAX_DEVICE_REGIONS];
static int ndevice_regions;

size_t frame_hdr_offset(void)
{
    return offsetof(struct frame, hdr);
}

void frame_init(const struct boot_info *bi)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int i = 0; i < bi->nram; i++) {
        if (bi->ram[i].base < lo)
            lo = bi->ram[i].base;
        if (bi->ram[i].base + bi->ram[i].size > hi)
            hi = bi->ram[i].base + bi->ram[i].size;
    }
    ram_base = PAGE_ROUND_DOWN(lo);
    ram_pages = (PAGE_ROUND_UP(hi) - ram_base) / PAGE_SIZE;
    uint64_t bytes = ram_pages * sizeof(struct frame *);
    owner = kalloc_pages(PAGE_ROUND_UP(bytes) / PAGE_SIZE);
    if (!owner)
        panic("frame: no memory for the page owner table");
    /* What user space may map as device memory: the virtio slots, the UART
     * and the real-time clock. */
    for (int i = 0; i < bi->nvirtio; i++)
        device_regions[ndevice_regions++] = bi->virtio[i].reg;
    if (bi->has_uart)
        device_regions[ndevice_regions++] = bi->uart.reg;
    if (bi->has_rtc)
        device_regions[ndevice_regions++] = bi->rtc.reg;
}

static void set_owner(struct frame *f, struct frame *value)
{
    uint64_t first = (f->pa - ram_base) / PAGE_SIZE;
    for (uint32_t i = 0; i < f->npages; i++)
        owner[first + i] = value;
}

struct frame *frame_create(struct budget *b, uint32_t npages)
{
    if (npages == 0 || npages > MICA_MAX_FRAME_PAGES)
        return NULL;
    struct frame *f = object_alloc(b, MICA_OBJ_FRAME, sizeof *f, offsetof(struct frame, hdr));
    if (!f)
        return NULL;
    void *mem = budget_alloc_pages(b, npages);
    if (!mem) {
        budget_free(b, f, sizeof *f);
        object_put(&b->hdr);
        return NULL;
    }
    f->pa = va_to_pa(mem);
    f->npages = npages;
    set_owner(f, f);
    return f;
}

struct frame *frame_create_static(uint64_t pa, uint32_t npages)
{
    static struct frame archive;
    kassert(!archive.npages);
    archive.hdr.type = MICA_OBJ_FRAME;
    archive.hdr.krefs = 1;            /* permanent */
    archive.pa = pa;
    archive.npages = npages;
    set_owner(&archive, &archive);
    return &archive;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

struct frame *frame_create_device(struct budget *b, uint64_t pa, uint32_t npages, int *err)
{
    uint64_t len = (uint64_t)npages * PAGE_SIZE;
    bool inside = false;
    *err = -EINVAL;
    if (npages == 0 || npages > MICA_MAX_FRAME_PAGES || (pa & (PAGE_SIZE - 1)))
        return NULL;
    for (int i = 0; i < ndevice_regions; i++) {
        uint64_t rb = PAGE_ROUND_DOWN(device_regions[i].base);
        uint64_t re = PAGE_ROUND_UP(device_regions[i].base + device_regions[i].size);
        if (pa >= rb && pa + len <= re && pa + len > pa)
            inside = true;
    }
    *err = -ENODEV;
    if (!inside)
        return NULL;
    *err = -EBUSY;
    for (struct frame *d = devices; d; d = d->dev_next)
        if (overlaps(pa, len, d->pa, (uint64_t)d->npages * PAGE_SIZE))
            return NULL;
    *err = -ENOMEM;
    struct frame *f = object_alloc(b, MICA_OBJ_FRAME, sizeof *f, offsetof(struct frame, hdr));
    if (!f)
        return NULL;
    f->pa = pa;
    f->npages = npages;
    f->device = true;
    f->dev_next = devices;
    devices = f;
    return f;
}

struct frame *frame_of_pa(uint64_t pa)
{
    if (pa >= ram_base && (pa - ram_base) / PAGE_SIZE < ram_pages) {
        struct frame *f = owner[(pa - ram_base) / PAGE_SIZE];
        if (f)
            return f;
    }
    for (struct frame *d = devices; d; d = d->dev_next)
        if (pa >= d->pa && pa - d->pa < (uint64_t)d->npages * PAGE_SIZE)
            return d;
    panic("frame: no frame owns %lx", (unsigned long)pa);
}

void frame_retire(struct object *o)
{
    (void)o;    /* mappings hold references: nothing to do until they go */
}

void frame_release(struct object *o)
{
    struct frame *f = frame_of(o);
    if (f->device) {
        for (struct frame **pp = &devices; *pp; pp = &(*pp)->dev_next) {
            if (*pp == f) {
                *pp = f->dev_next;
                break;
            }
        }
        return;
    }
    set_owner(f, NULL);
    budget_free_pages(o->budget, pa_to_va(f->pa), f->npages);
}
