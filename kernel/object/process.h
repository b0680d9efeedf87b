/*
 * Processes: a capability space, an address space and the threads that run
 * in them, charged to one budget. Tearing a process down (PROCESS_DESTROY,
 * or its last capability going) kills its threads, empties its capability
 * space and frees its page tables in one step that cannot stop halfway.
 */
#ifndef MICA_PROCESS_H
#define MICA_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "object/cspace.h"
#include "object/object.h"
#include "vm.h"

struct budget;
struct thread;
struct endpoint;

struct process {
    struct object hdr;
    struct cspace cspace;
    pte_t *pagetable;
    struct vm_asid asid;            /* its ASID (vm_switch) */
    struct budget *budget;          /* pays for page tables; held */
    struct thread *threads;         /* linked through proc_next */
    struct endpoint *fault_ep;      /* default fault endpoint of its threads; held */
    uint64_t fault_badge;
    struct process *all_next;       /* every process, for the self-check */
    bool dead;
    bool is_first;                  /* its exit powers the machine off */
};

struct process *process_create(struct budget *b, uint32_t nslots);
void process_destroy(struct process *p);
/* The first of all processes (follow all_next). */
struct process *process_all(void);
void process_add_thread(struct process *p, struct thread *t);
void process_remove_thread(struct process *p, struct thread *t);
/* EXIT: the process ends with status; its fault handler is told. */
void process_exit(struct process *p, struct thread *t, int status);

/* Address space operations (aspace.c). */
struct frame;
/* Maps page `page` of f at va with rights; the caller has checked its right
 * to. PROTECT may later raise the rights up to max_rights. */
int aspace_map(struct process *p, struct frame *f, uint64_t va, unsigned rights,
               uint64_t page, unsigned max_rights);
/* Unmap and protect work on npages pages from va; pages that are not
 * mapped are skipped. They return the number of pages changed. */
long aspace_unmap(struct process *p, uint64_t va, uint64_t npages);
long aspace_protect(struct process *p, uint64_t va, uint64_t npages, unsigned rights);
/* Maps the frames of src's pages in [va, va + npages) into dst at the
 * same addresses with rights (each no more than src's mapping may have);
 * returns the pages mapped, or -EEXIST / -ENOMEM (what was done stays). */
long aspace_map_copy(struct process *src, struct process *dst, uint64_t va, uint64_t npages,
                     unsigned rights);
void aspace_destroy(struct process *p);

static inline struct process *process_of(struct object *o)
{
    return container_of(o, struct process, hdr);
}

#endif
