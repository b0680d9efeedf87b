/*
 * Physical page allocator: a bitmap over the span of RAM (see kalloc.h).
 */
#include "kalloc.h"

#ifndef HOST_TEST
#include "fdt.h"
#include "memlayout.h"
#include "panic.h"
#include "mica/string.h"
#endif

#define BITS 64

static inline bool test_bit(const uint64_t *bm, uint64_t i)
{
    return (bm[i / BITS] >> (i % BITS)) & 1;
}

static inline void set_bit(uint64_t *bm, uint64_t i)
{
    bm[i / BITS] |= 1ull << (i % BITS);
}

static inline void clear_bit(uint64_t *bm, uint64_t i)
{
    bm[i / BITS] &= ~(1ull << (i % BITS));
}

void pool_init(struct page_pool *p, uint64_t base, uint64_t npages, uint64_t *bitmap)
{
    p->base = base;
    p->npages = npages;
    p->bitmap = bitmap;
    p->nfree = 0;
    p->hint = npages;
    for (uint64_t i = 0; i < (npages + BITS - 1) / BITS; i++)
        bitmap[i] = ~0ull;
}

/* Clamps [pa, pa + size) to the pool; returns page indices [*first, *end). */
static bool clamp(const struct page_pool *p, uint64_t pa, uint64_t size,
                  bool inward, uint64_t *first, uint64_t *end)
{
    uint64_t lo = pa, hi = pa + size;
    if (hi < lo)
        hi = UINT64_MAX;
    uint64_t pool_end = p->base + p->npages * 4096;
    if (lo < p->base)
        lo = p->base;
    if (hi > pool_end)
        hi = pool_end;
    if (lo >= hi)
        return false;
    if (inward) {
        *first = (lo - p->base + 4095) / 4096;
        *end = (hi - p->base) / 4096;
    } else {
        *first = (lo - p->base) / 4096;
        *end = (hi - p->base + 4095) / 4096;
    }
    return *first < *end;
}

void pool_release(struct page_pool *p, uint64_t pa, uint64_t size)
{
    uint64_t first, end;
    if (!clamp(p, pa, size, true, &first, &end))
        return;
    for (uint64_t i = first; i < end; i++) {
        if (test_bit(p->bitmap, i)) {
            clear_bit(p->bitmap, i);
            p->nfree++;
        }
    }
    if (first < p->hint)
        p->hint = first;
}

void pool_reserve(struct page_pool *p, uint64_t pa, uint64_t size)
{
    uint64_t first, end;
    if (!clamp(p, pa, size, false, &first, &end))
        return;
    for (uint64_t i = first; i < end; i++) {
        if (!test_bit(p->bitmap, i)) {
            set_bit(p->bitmap, i);
            p->nfree--;
        }
    }
}

/* The index of x's lowest set bit (x != 0), by a de Bruijn sequence: the
 * kernel is built without Zbb's ctz. */
static inline unsigned lowest_bit(uint64_t x)
{
    static const uint8_t at[64] = {
        0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4,
        62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
        63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
        46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9, 13, 8, 7, 6,
    };
    return at[((x & -x) * 0x03f79d71b4cb0a89ull) >> 58];
}

/* The first page at or after i that is free (want_used false) or in use
 * (true), or end: a word at a time. The bitmap's bits past npages are set,
 * so the last word needs no mask. */
static uint64_t next_page(const struct page_pool *p, uint64_t i, uint64_t end, bool want_used)
{
    while (i < end) {
        uint64_t w = p->bitmap[i / BITS];
        uint64_t hits = (want_used ? w : ~w) >> (i % BITS);
        if (hits) {
            i += lowest_bit(hits);
            return i < end ? i : end;
        }
        i = (i | (BITS - 1)) + 1;
    }
    return end;
}

static uint64_t next_free(const struct page_pool *p, uint64_t i)
{
    return next_page(p, i, p->npages, false);
}

/* Each candidate is a free page, aligned up; a run cut short resumes at
 * the free page after the one in use, so a fragmented stretch costs a few
 * instructions per free piece, not per page. */
uint64_t pool_alloc(struct page_pool *p, uint64_t count, uint64_t align)
{
    if (count == 0 || count > p->nfree || align == 0 || (align & (align - 1)))
        return 0;
    /* Alignment is of the physical address, not of the index. */
    uint64_t base_pfn = p->base / 4096;
    uint64_t i = next_free(p, p->hint);
    while (i < p->npages && count <= p->npages - i) {
        uint64_t mis = (base_pfn + i) & (align - 1);
        if (mis) {
            i = next_free(p, i + (align - mis));
            continue;
        }
        uint64_t used = next_page(p, i, i + count, true);
        if (used == i + count) {
            for (uint64_t k = 0; k < count; k++)
                set_bit(p->bitmap, i + k);
            p->nfree -= count;
            if (i == p->hint || count == 1)
                p->hint = next_free(p, p->hint);
            return p->base + i * 4096;
        }
        i = next_free(p, used + 1);
    }
    return 0;
}

int pool_free(struct page_pool *p, uint64_t pa, uint64_t count)
{
    if (pa < p->base || (pa - p->base) % 4096)
        return -1;
    uint64_t first = (pa - p->base) / 4096;
    if (first >= p->npages || count > p->npages - first)
        return -1;
    for (uint64_t k = 0; k < count; k++)
        if (!test_bit(p->bitmap, first + k))
            return -1;
    for (uint64_t k = 0; k < count; k++)
        clear_bit(p->bitmap, first + k);
    p->nfree += count;
    if (first < p->hint)
        p->hint = first;
    return 0;
}

bool pool_page_used(const struct page_pool *p, uint64_t pa)
{
    if (pa < p->base || (pa - p->base) / 4096 >= p->npages)
        return true;
    return test_bit(p->bitmap, (pa - p->base) / 4096);
}

#ifndef HOST_TEST

static struct page_pool pool;

extern char __kernel_start[], __kernel_end[];

static bool overlaps(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize)
{
    return a < b + bsize && b < a + asize;
}

/*
 * Finds size bytes of RAM for the bitmap itself, clear of the kernel, the
 * device tree and reserved regions: tries the page after each of them.
 */
static uint64_t place_bitmap(const struct boot_info *bi, uint64_t size,
                             uint64_t kstart, uint64_t kend,
                             uint64_t fdt_pa, uint64_t fdt_size)
{
    uint64_t cand[2 + FDT_MAX_RESERVED];
    int n = 0;
    cand[n++] = kend;
    cand[n++] = PAGE_ROUND_UP(fdt_pa + fdt_size);
    for (int i = 0; i < bi->nreserved; i++)
        cand[n++] = PAGE_ROUND_UP(bi->reserved[i].base + bi->reserved[i].size);
    for (int c = 0; c < n; c++) {
        uint64_t at = cand[c];
        bool ok = false;
        for (int r = 0; r < bi->nram; r++)
            if (at >= bi->ram[r].base && at + size <= bi->ram[r].base + bi->ram[r].size)
                ok = true;
        ok = ok && !overlaps(at, size, kstart, kend - kstart) &&
             !overlaps(at, size, fdt_pa, fdt_size);
        for (int i = 0; ok && i < bi->nreserved; i++)
            ok = !overlaps(at, size, bi->reserved[i].base, bi->reserved[i].size);
        /* The boot page table maps only the first 4 GiB. */
        if (ok && at + size <= 4 * GIGA_SIZE)
            return at;
    }
    panic("kalloc: no room for the page bitmap");
}

void kalloc_init(const struct boot_info *bi, uint64_t fdt_pa, uint64_t fdt_size)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    uint64_t dmap_max = DMAP_LIMIT - DMAP_BASE;
    for (int i = 0; i < bi->nram; i++) {
        uint64_t b = bi->ram[i].base, e = b + bi->ram[i].size;
        if (e > dmap_max)
            e = dmap_max;
        if (b < lo)
            lo = b;
        if (e > hi)
            hi = e;
    }
    lo = PAGE_ROUND_DOWN(lo);
    hi = PAGE_ROUND_DOWN(hi);
    if (lo >= hi)
        panic("kalloc: no usable RAM");
    uint64_t npages = (hi - lo) / PAGE_SIZE;
    uint64_t kstart = kernel_pa(__kernel_start), kend = kernel_pa(__kernel_end);
    uint64_t bm_size = PAGE_ROUND_UP(pool_bitmap_bytes(npages));
    uint64_t bm = place_bitmap(bi, bm_size, kstart, kend, fdt_pa, fdt_size);

    pool_init(&pool, lo, npages, pa_to_va(bm));
    for (int i = 0; i < bi->nram; i++)
        pool_release(&pool, bi->ram[i].base, bi->ram[i].size);
    pool_reserve(&pool, kstart, kend - kstart);
    pool_reserve(&pool, fdt_pa, fdt_size);
    pool_reserve(&pool, bm, bm_size);
    for (int i = 0; i < bi->nreserved; i++)
        pool_reserve(&pool, bi->reserved[i].base, bi->reserved[i].size);
}

void *kalloc_pages(uint64_t count)
{
    uint64_t align = 1;
    while (align < count)
        align <<= 1;
    uint64_t pa = pool_alloc(&pool, count, align);
    if (!pa)
        return NULL;
    void *va = pa_to_va(pa);
    memset(va, 0, count * PAGE_SIZE);
    return va;
}

void *kalloc_page(void)
{
    return kalloc_pages(1);
}

void kfree_pages(void *va, uint64_t count)
{
    if (pool_free(&pool, va_to_pa(va), count) < 0)
        panic("kfree: bad free of %lu pages at %p", (unsigned long)count, va);
}

void kfree_page(void *va)
{
    kfree_pages(va, 1);
}

uint64_t kalloc_free_pages(void)
{
    return pool.nfree;
}

uint64_t kalloc_total_pages(void)
{
    return pool.npages;
}

bool kalloc_is_ram(uint64_t pa)
{
    return pa >= pool.base && (pa - pool.base) / PAGE_SIZE < pool.npages;
}

void kalloc_ram_range(uint64_t *base, uint64_t *end)
{
    *base = pool.base;
    *end = pool.base + pool.npages * PAGE_SIZE;
}

#endif
