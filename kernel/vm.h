/*
 * Sv39 page tables: the kernel's own mapping and the primitives that user
 * address spaces are built from.
 *
 * Every page table shares the kernel half (root entries 256..511), which
 * vm_init() fills once at boot and never changes afterwards, so a user
 * root table only copies those entries. Page-table pages of the user half
 * come from the caller (an allocator and its context), so that they can be
 * charged to whoever caused them.
 */
#ifndef MICA_VM_H
#define MICA_VM_H

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_U (1ul << 4)
#define PTE_G (1ul << 5)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PTE_PPN_SHIFT 10
/* Software bits: rights the mapping may be raised to later (PROTECT), as
 * the frame capability allowed when it was mapped. R is always allowed. */
#define PTE_MAY_W (1ul << 8)
#define PTE_MAY_X (1ul << 9)

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

typedef uint64_t pte_t;

struct boot_info;

/* Supplies a zeroed page-table page (direct-map address) or NULL. */
typedef void *(*pt_alloc_fn)(void *ctx);

/* The first entry at or after i of a page table that is not zero, or 512.
 * An empty entry is zero, so a scan of a sparse table tests eight at once
 * (a fork's or an exit's walk over tables that are mostly empty). */
static inline unsigned pte_next_used(const pte_t *table, unsigned i)
{
    const pte_t *p = table + i, *end = table + 512;
    for (; p < end && ((uintptr_t)p & 63); p++)     /* tables are page-aligned */
        if (*p)
            return (unsigned)(p - table);
    for (; p < end; p += 8)
        if (p[0] | p[1] | p[2] | p[3] | p[4] | p[5] | p[6] | p[7])
            break;
    for (; p < end && !*p; p++)
        ;
    return (unsigned)(p - table);
}

static inline uint64_t pte_pa(pte_t pte)
{
    return (pte >> PTE_PPN_SHIFT) << 12;
}

void vm_init(const struct boot_info *bi);
/* satp value of the kernel-only page table (used while no user thread runs). */
uint64_t vm_kernel_satp(void);
static inline uint64_t vm_satp(pte_t *root)
{
    /* Sv39 mode, and the root's page number (direct-map address - base). */
    return (8ul << 60) | (((uint64_t)root - 0xffffffc000000000ul) >> 12);
}

/*
 * Puts a user root table in satp. Each address space has an ASID, so the
 * switch leaves the TLB alone: entries of other address spaces are told
 * apart by it. ASIDs are handed out in order; when they run out the TLB is
 * flushed once and a new generation starts, in which every address space
 * gets a new one at its next switch. A hart without ASIDs flushes at every
 * switch. Inline: the fastpath switches with it; the rest is in
 * vm_switch_new.
 */
struct vm_asid {
    uint64_t satp;                /* the root's satp value, with the ASID */
    uint64_t gen;                 /* the ASID's generation; 0: none yet */
};
extern uint64_t vm_asid_gen;
/* Uses at most bits ASID bits (the command line's asids=). */
void vm_limit_asids(unsigned bits);
void vm_switch_new(pte_t *root, struct vm_asid *a);
static inline void vm_switch(pte_t *root, struct vm_asid *a)
{
    if (__builtin_expect(a->gen != vm_asid_gen, 0)) {
        vm_switch_new(root, a);
        return;
    }
    __asm__ volatile("csrw satp, %0" : : "r"(a->satp) : "memory");
}
/* Flushes the TLB entries for user va (all address spaces). */
static inline void vm_flush_page(uint64_t va)
{
    __asm__ volatile("sfence.vma %0, zero" : : "r"(va) : "memory");
}

/* A new user root table sharing the kernel half, or NULL. */
pte_t *vm_user_create(pt_alloc_fn alloc, void *ctx);
/* Frees every user-half page-table page through free_fn (not the frames
 * mapped by them), then the root. */
void vm_user_destroy(pte_t *root, void (*free_fn)(void *page, void *ctx), void *ctx);
/* Maps one 4 KiB page at user va. perm is a set of PTE_R/W/X, plus the
 * PTE_MAY_* bits it may be raised to. Returns 0,
 * -1 if a page table could not be allocated, -2 if va is already mapped. */
int vm_user_map(pte_t *root, uint64_t va, uint64_t pa, uint64_t perm,
                pt_alloc_fn alloc, void *ctx);
/* Removes the mapping at va; returns the old PTE (0 if none). */
pte_t vm_user_unmap(pte_t *root, uint64_t va);
/* The first page at or after va (and before end) that is mapped, or end;
 * skips absent page tables whole, so sparse ranges cost little. */
uint64_t vm_user_next(pte_t *root, uint64_t va, uint64_t end);
/* The leaf PTE for user va, or NULL (no allocation). */
pte_t *vm_user_lookup(pte_t *root, uint64_t va);
/* The last-level table that holds user va's entry, or NULL if there is
 * none yet: the 512 pages of va's 2 MiB region without a walk each. */
pte_t *vm_user_table(pte_t *root, uint64_t va);

#endif
#endif
