/*
 * Budgets: memory accounting. Every kernel object and page table a process
 * causes to exist is charged to a budget, and a budget can never spend more
 * than its limit, so no process can exhaust the kernel's memory. A budget
 * is carved out of its parent (CREATE(parent, MICA_OBJ_BUDGET, dest,
 * pages)), and its pages go back to the parent when it is freed.
 *
 * Small objects come from slab pages that belong to the budget they are
 * charged to: a budget pays for whole pages, so fragmentation costs only
 * the budget that caused it.
 */
#ifndef MICA_BUDGET_H
#define MICA_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "object/object.h"

#define SLAB_CLASSES 6           /* 64, 128, 256, 512, 1024, 2048 bytes */

struct slab_page;

struct budget {
    struct object hdr;
    uint64_t limit;              /* pages */
    uint64_t used;               /* pages */
    struct slab_page *partial[SLAB_CLASSES];
};

/* The budget of the first process: every free page at boot. */
struct budget *budget_boot(uint64_t pages);
struct budget *budget_create(struct budget *parent, uint64_t pages);
/* count zeroed pages (contiguous, aligned to count rounded up to a power
 * of two) charged to b, or NULL. */
void *budget_alloc_pages(struct budget *b, uint64_t count);
void budget_free_pages(struct budget *b, void *va, uint64_t count);
/* Memory of size bytes (<= 2048 from a slab, else whole pages). */
void *budget_alloc(struct budget *b, size_t size);
void budget_free(struct budget *b, void *p, size_t size);
/* Called when a budget object is freed: returns its pages to its parent. */
void budget_release(struct budget *b);
/* Pages charged to all budgets together, for the kernel self-check. */
uint64_t budget_pages_in_use(void);

#endif
