/*
 * User memory access through software page-table walks (see usercopy.h).
 */
#include "usercopy.h"

#include "kalloc.h"
#include "memlayout.h"
#include "mica/errno.h"
#include "mica/string.h"

/* Direct-map address of user va if mapped with U and perm, else NULL.
 * Device frames are not in the direct map: a buffer there is refused
 * (kfuzz found the kernel faulting on one). */
static void *user_page(pte_t *root, uint64_t va, uint64_t perm)
{
    pte_t *pte = vm_user_lookup(root, va);
    if (!pte || (*pte & (PTE_U | perm)) != (PTE_U | perm) || !kalloc_is_ram(pte_pa(*pte)))
        return NULL;
    return (char *)pa_to_va(pte_pa(*pte)) + (va & (PAGE_SIZE - 1));
}

static int check_range(uint64_t va, size_t n)
{
    if (va >= USER_TOP || n > USER_TOP - va)
        return -EFAULT;
    return 0;
}

int copy_from_user(pte_t *root, void *dst, uint64_t src, size_t n)
{
    if (check_range(src, n))
        return -EFAULT;
    while (n) {
        size_t chunk = PAGE_SIZE - (src & (PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        void *p = user_page(root, src, PTE_R);
        if (!p)
            return -EFAULT;
        memcpy(dst, p, chunk);
        dst = (char *)dst + chunk;
        src += chunk;
        n -= chunk;
    }
    return 0;
}

int copy_to_user(pte_t *root, uint64_t dst, const void *src, size_t n)
{
    if (check_range(dst, n))
        return -EFAULT;
    while (n) {
        size_t chunk = PAGE_SIZE - (dst & (PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        void *p = user_page(root, dst, PTE_W);
        if (!p)
            return -EFAULT;
        memcpy(p, src, chunk);
        src = (const char *)src + chunk;
        dst += chunk;
        n -= chunk;
    }
    return 0;
}

struct user_cursor user_cursor(pte_t *root)
{
    struct user_cursor c = { root, ~0ull, NULL, 0, 0 };
    kalloc_ram_range(&c.ram, &c.ram_end);
    return c;
}

/* user_page through a cursor; inline, as it runs twice per page copied. */
static inline __attribute__((always_inline)) void *cursor_page(struct user_cursor *c,
                                                               uint64_t va, uint64_t perm)
{
    uint64_t region = va >> (PAGE_SHIFT + 9);
    if (region != c->region) {
        c->table = vm_user_table(c->root, va);
        c->region = c->table ? region : ~0ull;
        if (!c->table)
            return NULL;
    }
    pte_t pte = c->table[(va >> PAGE_SHIFT) & 511];
    uint64_t need = PTE_V | PTE_U | perm;
    uint64_t pa = pte_pa(pte);
    if ((pte & need) != need || pa < c->ram || pa >= c->ram_end)
        return NULL;
    return (char *)pa_to_va(pa) + (va & (PAGE_SIZE - 1));
}

int copy_user_to_user(pte_t *dst_root, uint64_t dst, pte_t *src_root, uint64_t src, size_t n)
{
    return copy_user_partial(dst_root, dst, src_root, src, n) == n ? 0 : -EFAULT;
}

size_t copy_user_partial(pte_t *dst_root, uint64_t dst, pte_t *src_root, uint64_t src, size_t n)
{
    struct user_cursor d = user_cursor(dst_root), s = user_cursor(src_root);
    return copy_user_cursors(&d, dst, &s, src, n);
}

/* Bytes from src to dst that lie in a row in physical memory on both
 * sides, up to n: one memmove, even across page boundaries (a buffer's
 * pages faulted in in order, a frame's pages, often are). */
static size_t run_of(struct user_cursor *dc, uint64_t dst, char *d, struct user_cursor *sc,
                     uint64_t src, char *s, size_t n)
{
    size_t run = 0;
    for (;;) {
        size_t step = PAGE_SIZE - ((src + run) & (PAGE_SIZE - 1));
        size_t dstep = PAGE_SIZE - ((dst + run) & (PAGE_SIZE - 1));
        if (dstep < step)
            step = dstep;
        if (step >= n - run)
            return n;
        run += step;
        if (((src + run) & (PAGE_SIZE - 1)) == 0 && cursor_page(sc, src + run, PTE_R) != s + run)
            return run;
        if (((dst + run) & (PAGE_SIZE - 1)) == 0 && cursor_page(dc, dst + run, PTE_W) != d + run)
            return run;
    }
}

size_t copy_user_cursors(struct user_cursor *dc, uint64_t dst, struct user_cursor *sc,
                         uint64_t src, size_t n)
{
    size_t done = 0;
    if (check_range(src, n) || check_range(dst, n))
        return 0;
    while (n) {
        char *s = cursor_page(sc, src, PTE_R);
        char *d = cursor_page(dc, dst, PTE_W);
        if (!s || !d)
            return done;
        size_t chunk = run_of(dc, dst, d, sc, src, s, n);
        memmove(d, s, chunk);
        src += chunk;
        dst += chunk;
        n -= chunk;
        done += chunk;
    }
    return done;
}

int copy_string_from_user(pte_t *root, char *dst, uint64_t src, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if (check_range(src + i, 1))
            return -EFAULT;
        const char *p = user_page(root, src + i, PTE_R);
        if (!p)
            return -EFAULT;
        dst[i] = *p;
        if (!*p)
            return 0;
    }
    dst[max - 1] = '\0';
    return -ENAMETOOLONG;
}
