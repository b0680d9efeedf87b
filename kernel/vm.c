/*
 * Sv39 page tables (see vm.h).
 */
#include "vm.h"

#include "console.h"
#include "fdt.h"
#include "kalloc.h"
#include "memlayout.h"
#include "panic.h"
#include "arch/riscv/csr.h"
#include "mica/string.h"

_Static_assert(DMAP_BASE == 0xffffffc000000000ul, "vm_satp knows the direct map");

#define LEVELS 3
#define PTE_LEAF (PTE_R | PTE_W | PTE_X)
#define KERNEL_HALF 256

static pte_t *kernel_root;

extern char __kernel_start[], __text_end[], __rodata_end[], __kernel_end[];

static inline unsigned vpn(uint64_t va, int level)
{
    return (va >> (PAGE_SHIFT + 9 * level)) & 511;
}

static inline pte_t make_pte(uint64_t pa, uint64_t flags)
{
    return ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | flags | PTE_V;
}

/*
 * Walks to the PTE for va at level `leaf` (0 = 4 KiB, 1 = 2 MiB), creating
 * intermediate tables with alloc when it is not NULL. NULL if absent or a
 * larger page is in the way.
 */
static pte_t *walk(pte_t *root, uint64_t va, int leaf, pt_alloc_fn alloc, void *ctx)
{
    pte_t *table = root;
    for (int level = LEVELS - 1; level > leaf; level--) {
        pte_t *pte = &table[vpn(va, level)];
        if (*pte & PTE_V) {
            if (*pte & PTE_LEAF)
                return NULL;
            table = pa_to_va(pte_pa(*pte));
            continue;
        }
        if (!alloc)
            return NULL;
        pte_t *next = alloc(ctx);
        if (!next)
            return NULL;
        *pte = make_pte(va_to_pa(next), 0);
        table = next;
    }
    return &table[vpn(va, leaf)];
}

static void *boot_alloc(void *ctx)
{
    (void)ctx;
    void *p = kalloc_page();
    if (!p)
        panic("vm: out of memory for kernel page tables");
    return p;
}

/* Maps [va, va + size) to pa in the kernel table, with 2 MiB pages where
 * both addresses are aligned. */
static void kmap(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
    uint64_t end = va + size;
    flags |= PTE_G | PTE_A | PTE_D;
    while (va < end) {
        int level = ((va | pa) & (MEGA_SIZE - 1)) == 0 && end - va >= MEGA_SIZE;
        pte_t *pte = walk(kernel_root, va, level, boot_alloc, NULL);
        if (!pte)
            panic("vm: cannot map %lx", (unsigned long)va);
        *pte = make_pte(pa, flags);
        uint64_t step = level ? MEGA_SIZE : PAGE_SIZE;
        va += step;
        pa += step;
    }
}

static void kmap_device(const struct fdt_region *r)
{
    uint64_t base = PAGE_ROUND_DOWN(r->base);
    uint64_t end = PAGE_ROUND_UP(r->base + r->size);
    kmap((uint64_t)pa_to_va(base), base, end - base, PTE_R | PTE_W);
}

#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK  0xffffull

static unsigned asid_bits;        /* implemented ASID bits; 0: none */
uint64_t vm_asid_gen = 1;
static uint64_t asid_next = 1;    /* 0 is the kernel table's */

/* satp.ASID is WARL: the bits that stick are the implemented ones. */
static void asid_probe(void)
{
    uint64_t satp = vm_kernel_satp();
    csr_write(satp, satp | SATP_ASID_MASK << SATP_ASID_SHIFT);
    uint64_t got = csr_read(satp) >> SATP_ASID_SHIFT & SATP_ASID_MASK;
    csr_write(satp, satp);
    while (got & 1) {
        asid_bits++;
        got >>= 1;
    }
}

void vm_limit_asids(unsigned bits)
{
    if (bits < asid_bits)
        asid_bits = bits;
}

/* An address space whose ASID is of an older generation (or none yet)
 * gets a new one; without ASIDs every switch comes here (gen stays 0). */
void vm_switch_new(pte_t *root, struct vm_asid *a)
{
    if (!asid_bits) {
        csr_write(satp, vm_satp(root));
        sfence_vma();
        return;
    }
    bool flush = false;
    if (asid_next >> asid_bits) {
        vm_asid_gen++;
        asid_next = 1;
        flush = true;
    }
    a->gen = vm_asid_gen;
    a->satp = vm_satp(root) | asid_next++ << SATP_ASID_SHIFT;
    csr_write(satp, a->satp);
    /* After the write: what the hart fetched for the old satp goes too. */
    if (flush)
        sfence_vma();
}

void vm_init(const struct boot_info *bi)
{
    kernel_root = boot_alloc(NULL);

    uint64_t text = (uint64_t)__kernel_start, rodata = (uint64_t)__text_end;
    uint64_t data = (uint64_t)__rodata_end, end = (uint64_t)__kernel_end;
    kmap(text, kernel_pa(__kernel_start), rodata - text, PTE_R | PTE_X);
    kmap(rodata, kernel_pa(__text_end), data - rodata, PTE_R);
    kmap(data, kernel_pa(__rodata_end), end - data, PTE_R | PTE_W);

    uint64_t dmap_max = DMAP_LIMIT - DMAP_BASE;
    for (int i = 0; i < bi->nram; i++) {
        uint64_t b = PAGE_ROUND_DOWN(bi->ram[i].base);
        uint64_t e = PAGE_ROUND_DOWN(bi->ram[i].base + bi->ram[i].size);
        if (e > dmap_max) {
            kprintf("vm: RAM above %lx is not used\n", (unsigned long)dmap_max);
            e = dmap_max;
        }
        if (b < e)
            kmap((uint64_t)pa_to_va(b), b, e - b, PTE_R | PTE_W);
    }
    if (bi->has_uart)
        kmap_device(&bi->uart.reg);
    if (bi->has_plic)
        kmap_device(&bi->plic);
    if (bi->has_poweroff)
        kmap_device(&bi->poweroff);

    /* The kernel half is complete: user tables copy these root entries. */
    csr_write(satp, vm_kernel_satp());
    sfence_vma();
    asid_probe();
}

uint64_t vm_kernel_satp(void)
{
    return vm_satp(kernel_root);
}

pte_t *vm_user_create(pt_alloc_fn alloc, void *ctx)
{
    pte_t *root = alloc(ctx);
    if (!root)
        return NULL;
    memcpy(&root[KERNEL_HALF], &kernel_root[KERNEL_HALF],
           KERNEL_HALF * sizeof(pte_t));
    return root;
}

static void free_level(pte_t *table, int level,
                       void (*free_fn)(void *, void *), void *ctx)
{
    /* A last-level table holds only leaves: nothing under it to free. */
    for (unsigned i = pte_next_used(table, 0); level > 0 && i < 512;
         i = pte_next_used(table, i + 1)) {
        pte_t pte = table[i];
        if ((pte & PTE_V) && !(pte & PTE_LEAF))
            free_level(pa_to_va(pte_pa(pte)), level - 1, free_fn, ctx);
    }
    free_fn(table, ctx);
}

void vm_user_destroy(pte_t *root, void (*free_fn)(void *, void *), void *ctx)
{
    for (int i = 0; i < KERNEL_HALF; i++) {
        pte_t pte = root[i];
        if ((pte & PTE_V) && !(pte & PTE_LEAF))
            free_level(pa_to_va(pte_pa(pte)), LEVELS - 2, free_fn, ctx);
    }
    free_fn(root, ctx);
}

int vm_user_map(pte_t *root, uint64_t va, uint64_t pa, uint64_t perm,
                pt_alloc_fn alloc, void *ctx)
{
    kassert(va < USER_TOP && (va & (PAGE_SIZE - 1)) == 0);
    pte_t *pte = walk(root, va, 0, alloc, ctx);
    if (!pte)
        return -1;
    if (*pte & PTE_V)
        return -2;
    /* A and D set up front: Svade hardware would trap to set them. */
    *pte = make_pte(pa, (perm & (PTE_LEAF | PTE_MAY_W | PTE_MAY_X)) | PTE_U | PTE_A | PTE_D);
    return 0;
}

pte_t *vm_user_lookup(pte_t *root, uint64_t va)
{
    if (va >= USER_TOP)
        return NULL;
    pte_t *pte = walk(root, va, 0, NULL, NULL);
    return pte && (*pte & PTE_V) ? pte : NULL;
}

pte_t *vm_user_table(pte_t *root, uint64_t va)
{
    if (va >= USER_TOP)
        return NULL;
    pte_t *pte = walk(root, va, 0, NULL, NULL);
    return pte ? pte - vpn(va, 0) : NULL;
}

uint64_t vm_user_next(pte_t *root, uint64_t va, uint64_t end)
{
    if (end > USER_TOP)
        end = USER_TOP;
    while (va < end) {
        /* Down from the root; in each table, the entries before the next
         * valid one are skipped where they lie, not walked to one by one
         * from the root (a fork's sparse stack and heap have many). */
        pte_t *table = root;
        for (int level = LEVELS - 1;; level--) {
            uint64_t span = PAGE_SIZE << (9 * level);
            unsigned i = vpn(va, level), j = i;
            if (!(table[i] & PTE_V))
                j = pte_next_used(table, i + 1);
            if (j != i) {
                va = (va & ~(span - 1)) + (uint64_t)(j - i) * span;
                if (va >= end)
                    return end;
                if (j == 512)
                    break;                   /* past this table: from the root again */
                if (!(table[j] & PTE_V))
                    break;                   /* not zero, not valid: walk again from va */
            }
            pte_t pte = table[j];
            if (level == 0 || (pte & PTE_LEAF))
                return va;
            table = pa_to_va(pte_pa(pte));
        }
    }
    return end;
}

pte_t vm_user_unmap(pte_t *root, uint64_t va)
{
    pte_t *pte = vm_user_lookup(root, va);
    if (!pte)
        return 0;
    pte_t old = *pte;
    *pte = 0;
    return old;
}
