/*
 * Frames: physically contiguous runs of pages, of normal memory (zeroed at
 * creation) or device memory (an MMIO range from the device tree). A frame
 * can be mapped in several address spaces; every mapping holds a
 * reference, so its pages stay while they are mapped anywhere.
 */
#ifndef MICA_FRAME_H
#define MICA_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#include "object/object.h"

struct budget;
struct boot_info;

struct frame {
    struct object hdr;
    uint64_t pa;
    uint32_t npages;
    bool device;
    struct frame *dev_next;     /* live device frames */
};

void frame_init(const struct boot_info *bi);
struct frame *frame_create(struct budget *b, uint32_t npages);
/* A frame for [pa, pa + npages pages) of device memory, or NULL with *err. */
struct frame *frame_create_device(struct budget *b, uint64_t pa, uint32_t npages, int *err);
/* A frame over pages of the kernel image (the boot archive): never freed. */
struct frame *frame_create_static(uint64_t pa, uint32_t npages);
/* The frame a mapped physical page belongs to. */
struct frame *frame_of_pa(uint64_t pa);

static inline struct frame *frame_of(struct object *o)
{
    return container_of(o, struct frame, hdr);
}

#endif
