/*
 * Address spaces: the mappings of a process's page table. Each mapped page
 * holds a reference on its frame; page tables are charged to the process's
 * budget.
 */
#include "object/budget.h"
#include "object/frame.h"
#include "object/process.h"
#include "memlayout.h"
#include "sched.h"
#include "arch/riscv/csr.h"
#include "mica/errno.h"

static void *pt_alloc(void *ctx)
{
    return budget_alloc_pages(ctx, 1);
}

static uint64_t pte_perm(unsigned rights)
{
    return ((rights & MICA_R_READ) ? PTE_R : 0) | ((rights & MICA_R_WRITE) ? PTE_W : 0) |
           ((rights & MICA_R_EXEC) ? PTE_X : 0);
}

/* Rights Sv39 can express: W needs R, and a leaf needs R or X. */
static bool valid_rights(unsigned rights)
{
    if (rights & ~(unsigned)(MICA_R_READ | MICA_R_WRITE | MICA_R_EXEC))
        return false;
    if ((rights & MICA_R_WRITE) && !(rights & MICA_R_READ))
        return false;
    return (rights & (MICA_R_READ | MICA_R_EXEC)) != 0;
}

static bool valid_va(uint64_t va)
{
    return va >= PAGE_SIZE && va < USER_TOP && (va & (PAGE_SIZE - 1)) == 0;
}

int aspace_map(struct process *p, struct frame *f, uint64_t va, unsigned rights,
               uint64_t page, unsigned max_rights)
{
    if (!valid_va(va) || !valid_rights(rights) || page >= f->npages)
        return -EINVAL;
    if (p->dead)
        return -ESRCH;
    uint64_t may = ((max_rights & MICA_R_WRITE) ? PTE_MAY_W : 0) |
                   ((max_rights & MICA_R_EXEC) ? PTE_MAY_X : 0);
    int r = vm_user_map(p->pagetable, va, f->pa + page * PAGE_SIZE, pte_perm(rights) | may,
                        pt_alloc, p->budget);
    if (r == -2)
        return -EEXIST;
    if (r < 0)
        return -ENOMEM;
    object_get(&f->hdr);
    return 0;
}

/* [va, va + npages pages) lies in the user range. */
static bool valid_range(uint64_t va, uint64_t npages)
{
    return valid_va(va) && npages && npages <= (USER_TOP - va) / PAGE_SIZE;
}

long aspace_unmap(struct process *p, uint64_t va, uint64_t npages)
{
    if (!valid_range(va, npages))
        return -EINVAL;
    uint64_t end = va + npages * PAGE_SIZE;
    long n = 0;
    for (va = vm_user_next(p->pagetable, va, end); va < end;
         va = vm_user_next(p->pagetable, va + PAGE_SIZE, end)) {
        pte_t old = vm_user_unmap(p->pagetable, va);
        object_put(&frame_of_pa(pte_pa(old))->hdr);
        n++;
    }
    if (n)
        sfence_vma();
    return n;
}

long aspace_protect(struct process *p, uint64_t va, uint64_t npages, unsigned rights)
{
    if (!valid_range(va, npages) || !valid_rights(rights))
        return -EINVAL;
    uint64_t end = va + npages * PAGE_SIZE, want = pte_perm(rights);
    /* Never more than the frame capability allowed at map time (kept in the
     * PTE's software bits). Checked for every page before any changes. */
    for (uint64_t a = vm_user_next(p->pagetable, va, end); a < end;
         a = vm_user_next(p->pagetable, a + PAGE_SIZE, end)) {
        pte_t pte = *vm_user_lookup(p->pagetable, a);
        uint64_t may = PTE_R | ((pte & PTE_MAY_W) ? PTE_W : 0) | ((pte & PTE_MAY_X) ? PTE_X : 0);
        if (want & ~may)
            return -EACCES;
    }
    long n = 0;
    for (uint64_t a = vm_user_next(p->pagetable, va, end); a < end;
         a = vm_user_next(p->pagetable, a + PAGE_SIZE, end)) {
        pte_t *pte = vm_user_lookup(p->pagetable, a);
        *pte = (*pte & ~(PTE_R | PTE_W | PTE_X)) | want;
        n++;
    }
    if (n)
        sfence_vma();
    return n;
}

long aspace_map_copy(struct process *src, struct process *dst, uint64_t va, uint64_t npages,
                     unsigned rights)
{
    if (!valid_range(va, npages) || !valid_rights(rights))
        return -EINVAL;
    uint64_t end = va + npages * PAGE_SIZE, want = pte_perm(rights);
    long n = 0;
    for (uint64_t a = vm_user_next(src->pagetable, va, end); a < end;
         a = vm_user_next(src->pagetable, a + PAGE_SIZE, end)) {
        pte_t pte = *vm_user_lookup(src->pagetable, a);
        uint64_t may = PTE_R | ((pte & PTE_MAY_W) ? PTE_W : 0) | ((pte & PTE_MAY_X) ? PTE_X : 0);
        uint64_t grant = want & may;
        /* Nothing left (or W without R) would make a PTE the hardware
         * reads as a pointer to a page table, or reserved (kfuzz). */
        if (!(grant & PTE_R) && grant != PTE_X)
            return -EACCES;
        uint64_t perm = grant | (pte & (PTE_MAY_W | PTE_MAY_X));
        int r = vm_user_map(dst->pagetable, a, pte_pa(pte), perm, pt_alloc, dst->budget);
        if (r == -2)
            return -EEXIST;
        if (r < 0)
            return -ENOMEM;
        object_get(&frame_of_pa(pte_pa(pte))->hdr);
        n++;
    }
    return n;
}

static void put_leaf(pte_t pte)
{
    object_put(&frame_of_pa(pte_pa(pte))->hdr);
}

static void unmap_level(pte_t *table, int level)
{
    for (unsigned i = pte_next_used(table, 0); i < 512; i = pte_next_used(table, i + 1)) {
        pte_t pte = table[i];
        if (!(pte & PTE_V))
            continue;
        if (pte & (PTE_R | PTE_W | PTE_X))
            put_leaf(pte);
        else if (level > 0)
            unmap_level(pa_to_va(pte_pa(pte)), level - 1);
    }
}

static void pt_free(void *page, void *ctx)
{
    budget_free_pages(ctx, page, 1);
}

void aspace_destroy(struct process *p)
{
    pte_t *root = p->pagetable;
    p->pagetable = NULL;
    for (int i = 0; i < 256; i++) {
        pte_t pte = root[i];
        if ((pte & PTE_V) && !(pte & (PTE_R | PTE_W | PTE_X)))
            unmap_level(pa_to_va(pte_pa(pte)), 1);
    }
    sched_forget_pagetable(root);
    vm_user_destroy(root, pt_free, p->budget);
}
