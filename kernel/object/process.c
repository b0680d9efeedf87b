/*
 * Processes: creation, teardown and exit (see process.h).
 */
#include "object/process.h"

#include "console.h"
#include "object/budget.h"
#include "object/endpoint.h"
#include "object/thread.h"
#include "panic.h"
#include "sched.h"
#include "mica/errno.h"

static struct process *all;

struct process *process_all(void)
{
    return all;
}

size_t process_hdr_offset(void)
{
    return offsetof(struct process, hdr);
}

static void *pt_alloc(void *ctx)
{
    return budget_alloc_pages(ctx, 1);
}

struct process *process_create(struct budget *b, uint32_t nslots)
{
    struct process *p = object_alloc(b, MICA_OBJ_PROCESS, sizeof *p,
                                     offsetof(struct process, hdr));
    if (!p)
        return NULL;
    p->budget = b;
    object_get(&b->hdr);
    p->all_next = all;
    all = p;
    p->cspace.nslots = nslots;
    p->cspace.slots = budget_alloc(b, nslots * sizeof(struct cap));
    p->pagetable = vm_user_create(pt_alloc, b);
    if (!p->cspace.slots || !p->pagetable) {
        /* Nothing names it yet: release it the normal way. */
        p->hdr.krefs = 1;
        object_put(&p->hdr);
        object_reap();
        return NULL;
    }
    return p;
}

void process_add_thread(struct process *p, struct thread *t)
{
    t->proc = p;
    object_get(&p->hdr);
    t->proc_next = p->threads;
    p->threads = t;
}

void process_remove_thread(struct process *p, struct thread *t)
{
    for (struct thread **pp = &p->threads; *pp; pp = &(*pp)->proc_next) {
        if (*pp == t) {
            *pp = t->proc_next;
            t->proc_next = NULL;
            return;
        }
    }
}

/*
 * Teardown: kill the threads, empty the capability space, unmap and free
 * the address space. Idempotent; the memory of the process object itself
 * goes when the last reference does.
 */
void process_destroy(struct process *p)
{
    if (p->dead)
        return;
    p->dead = true;
    while (p->threads)
        thread_kill(p->threads);
    if (p->cspace.slots)
        cspace_clear(&p->cspace);
    if (p->pagetable)
        aspace_destroy(p);
    if (p->fault_ep) {
        object_put(&p->fault_ep->hdr);
        p->fault_ep = NULL;
    }
}

void process_retire(struct object *o)
{
    process_destroy(process_of(o));
}

void process_release(struct object *o)
{
    struct process *p = process_of(o);
    process_destroy(p);
    for (struct process **pp = &all; *pp; pp = &(*pp)->all_next) {
        if (*pp == p) {
            *pp = p->all_next;
            break;
        }
    }
    if (p->cspace.slots)
        budget_free(p->budget, p->cspace.slots, p->cspace.nslots * sizeof(struct cap));
    object_put(&p->budget->hdr);
}

/*
 * EXIT: the first process's exit ends the system. Any other process stops
 * all its threads and tells its fault handler with an EXIT fault message
 * from the exiting thread; the handler then destroys it.
 */
void process_exit(struct process *p, struct thread *t, int status)
{
    if (p->is_first) {
        kprintf("init exited with status %d\n", status);
        machine_poweroff(status);
    }
    for (struct thread *o = p->threads; o; o = o->proc_next)
        if (o != t)
            thread_suspend(o, -EINTR);
    t->fault = MICA_FAULT_EXIT;
    t->fault_msg[0] = (uint64_t)(int64_t)status;
    struct endpoint *ep = t->fault_ep ? t->fault_ep : p->fault_ep;
    uint64_t badge = t->fault_ep ? t->fault_badge : p->fault_badge;
    if (!ep) {
        kprintf("process of thread %s exited with status %d; nobody to tell\n",
                t->name, status);
        thread_suspend(t, 0);
        return;
    }
    endpoint_send(ep, t, badge, false, true, false);
}
