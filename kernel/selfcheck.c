/*
 * Kernel self-check (see selfcheck.h). Every page in use after boot is
 * either the kernel's own (counted at the end of boot) or charged to a
 * budget; every capability slot's derivation links agree with each other.
 */
#include "selfcheck.h"

#include "console.h"
#include "kalloc.h"
#include "object/budget.h"
#include "object/process.h"
#include "object/thread.h"

static uint64_t kernel_pages;

void selfcheck_boot_done(void)
{
    kernel_pages = kalloc_total_pages() - kalloc_free_pages() - budget_pages_in_use();
}

bool selfcheck_run(void)
{
    bool ok = true;
    uint64_t used = kalloc_total_pages() - kalloc_free_pages();
    if (used != kernel_pages + budget_pages_in_use()) {
        kprintf("selfcheck: %lu pages in use, %lu kernel + %lu charged\n",
                (unsigned long)used, (unsigned long)kernel_pages,
                (unsigned long)budget_pages_in_use());
        ok = false;
    }
    for (struct process *p = process_all(); p; p = p->all_next) {
        if (p->cspace.slots && !cspace_check(&p->cspace)) {
            kprintf("selfcheck: capability space of a process is inconsistent\n");
            ok = false;
        }
        for (struct thread *t = p->threads; t; t = t->proc_next) {
            if (t->proc != p || t->state == THREAD_DEAD) {
                kprintf("selfcheck: thread %s is listed in the wrong process\n", t->name);
                ok = false;
            }
        }
    }
    return ok;
}
