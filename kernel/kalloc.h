/*
 * Physical page allocator.
 *
 * One page_pool covers the span of RAM with one bit per 4 KiB page (1 = in
 * use). Holes between RAM regions, the kernel image, the device tree and
 * firmware-reserved regions start out in use and are never handed out.
 * Allocation takes the lowest free run of the requested size and alignment,
 * so contiguous (DMA) allocations work too. The pool logic is pure and is
 * unit-tested on the host; kalloc_* wrap it for the kernel.
 */
#ifndef MICA_KALLOC_H
#define MICA_KALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct page_pool {
    uint64_t base;       /* physical address of page 0 */
    uint64_t npages;
    uint64_t *bitmap;    /* npages bits, 1 = in use */
    uint64_t nfree;
    uint64_t hint;       /* no free page below this index */
};

/* Number of bytes the bitmap of npages pages needs. */
static inline size_t pool_bitmap_bytes(uint64_t npages)
{
    return (size_t)((npages + 63) / 64) * 8;
}

/* Starts with every page in use. */
void pool_init(struct page_pool *p, uint64_t base, uint64_t npages, uint64_t *bitmap);
/* Marks the whole pages inside [pa, pa + size) free. */
void pool_release(struct page_pool *p, uint64_t pa, uint64_t size);
/* Marks every page touching [pa, pa + size) in use. */
void pool_reserve(struct page_pool *p, uint64_t pa, uint64_t size);
/* Allocates count contiguous pages aligned to align pages (a power of two).
 * Returns the physical address, or 0 when no such run is free. */
uint64_t pool_alloc(struct page_pool *p, uint64_t count, uint64_t align);
/* Frees count pages at pa. Returns 0, or -1 if any is outside the pool or
 * already free (nothing is changed then). */
int pool_free(struct page_pool *p, uint64_t pa, uint64_t count);
bool pool_page_used(const struct page_pool *p, uint64_t pa);

#ifndef HOST_TEST
struct boot_info;
void kalloc_init(const struct boot_info *bi, uint64_t fdt_pa, uint64_t fdt_size);
/* A zeroed page (direct-map address), or NULL when memory is exhausted. */
void *kalloc_page(void);
/* count zeroed contiguous pages aligned to count rounded to a power of two. */
void *kalloc_pages(uint64_t count);
void kfree_page(void *va);
void kfree_pages(void *va, uint64_t count);
uint64_t kalloc_free_pages(void);
uint64_t kalloc_total_pages(void);
/* True if pa is RAM, which the direct map covers (device memory is not). */
bool kalloc_is_ram(uint64_t pa);
/* The same range, [*base, *end), for a loop to test without a call. */
void kalloc_ram_range(uint64_t *base, uint64_t *end);
#endif

#endif
