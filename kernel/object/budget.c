/*
 * Budgets and their slabs (see budget.h).
 */
#include "object/budget.h"

#include "kalloc.h"
#include "memlayout.h"
#include "panic.h"
#include "mica/string.h"

#define SLAB_MIN 64

/* The header at the start of every slab page; slot 0 holds it. */
struct slab_page {
    struct slab_page *next;
    struct slab_page *prev;
    void *free;                  /* free slots, linked through their first word */
    uint32_t inuse;
    uint32_t capacity;
};

_Static_assert(sizeof(struct slab_page) <= SLAB_MIN, "slab header fits slot 0");

static uint64_t pages_charged;   /* over all budgets */
static struct budget boot_budget;

uint64_t budget_pages_in_use(void)
{
    return pages_charged;
}

static uint64_t pow2_at_least(uint64_t n)
{
    uint64_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

void *budget_alloc_pages(struct budget *b, uint64_t count)
{
    if (count == 0 || b->used + count > b->limit || b->used + count < b->used)
        return NULL;
    void *p = kalloc_pages(count);
    if (!p)
        return NULL;
    b->used += count;
    pages_charged += count;
    return p;
}

void budget_free_pages(struct budget *b, void *va, uint64_t count)
{
    kassert(b->used >= count);
    kfree_pages(va, count);
    b->used -= count;
    pages_charged -= count;
}

static int slab_class(size_t size)
{
    int c = 0;
    for (size_t s = SLAB_MIN; s < size; s <<= 1)
        c++;
    return c;
}

static void list_remove(struct slab_page **head, struct slab_page *sp)
{
    if (sp->prev)
        sp->prev->next = sp->next;
    else
        *head = sp->next;
    if (sp->next)
        sp->next->prev = sp->prev;
    sp->next = sp->prev = NULL;
}

static void list_push(struct slab_page **head, struct slab_page *sp)
{
    sp->prev = NULL;
    sp->next = *head;
    if (*head)
        (*head)->prev = sp;
    *head = sp;
}

static struct slab_page *slab_new(struct budget *b, int c)
{
    size_t sz = (size_t)SLAB_MIN << c;
    struct slab_page *sp = budget_alloc_pages(b, 1);
    if (!sp)
        return NULL;
    sp->capacity = PAGE_SIZE / sz - 1;
    for (uint32_t i = sp->capacity; i >= 1; i--) {
        void **slot = (void **)((char *)sp + i * sz);
        *slot = sp->free;
        sp->free = slot;
    }
    list_push(&b->partial[c], sp);
    return sp;
}

void *budget_alloc(struct budget *b, size_t size)
{
    if (size > PAGE_SIZE / 2)
        return budget_alloc_pages(b, pow2_at_least(PAGE_ROUND_UP(size) / PAGE_SIZE));
    int c = slab_class(size);
    struct slab_page *sp = b->partial[c];
    if (!sp && !(sp = slab_new(b, c)))
        return NULL;
    void **slot = sp->free;
    sp->free = *slot;
    if (++sp->inuse == sp->capacity)
        list_remove(&b->partial[c], sp);
    memset(slot, 0, (size_t)SLAB_MIN << c);
    return slot;
}

void budget_free(struct budget *b, void *p, size_t size)
{
    if (size > PAGE_SIZE / 2) {
        budget_free_pages(b, p, pow2_at_least(PAGE_ROUND_UP(size) / PAGE_SIZE));
        return;
    }
    int c = slab_class(size);
    struct slab_page *sp = (struct slab_page *)PAGE_ROUND_DOWN((uint64_t)p);
    if (sp->inuse == sp->capacity)
        list_push(&b->partial[c], sp);
    *(void **)p = sp->free;
    sp->free = p;
    if (--sp->inuse == 0) {
        list_remove(&b->partial[c], sp);
        budget_free_pages(b, sp, 1);
    }
}

struct budget *budget_boot(uint64_t pages)
{
    boot_budget.hdr.type = MICA_OBJ_BUDGET;
    boot_budget.limit = pages;
    return &boot_budget;
}

struct budget *budget_create(struct budget *parent, uint64_t pages)
{
    /* The child's pages are spent from the parent up front. */
    if (parent->used + pages < parent->used || parent->used + pages > parent->limit)
        return NULL;
    struct budget *b = object_alloc(parent, MICA_OBJ_BUDGET, sizeof *b,
                                    offsetof(struct budget, hdr));
    if (!b)
        return NULL;
    if (parent->used + pages > parent->limit) {   /* the slab page tipped it */
        budget_free(parent, b, sizeof *b);
        object_put(&parent->hdr);
        return NULL;
    }
    parent->used += pages;
    b->limit = pages;
    return b;
}

void budget_release(struct budget *b)
{
    /* Every object charged to b held a reference, so b spends nothing now. */
    kassert(b->used == 0);
    if (b->hdr.budget)
        b->hdr.budget->used -= b->limit;
}
