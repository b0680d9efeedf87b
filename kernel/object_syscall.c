/*
 * The kernel calls that create, configure and destroy objects and manage
 * capabilities. Each decodes every argument before it changes anything.
 */
#include "kalloc.h"
#include "memlayout.h"
#include "object/budget.h"
#include "object/cspace.h"
#include "object/endpoint.h"
#include "object/frame.h"
#include "object/irq.h"
#include "object/notification.h"
#include "object/process.h"
#include "object/thread.h"
#include "sched.h"
#include "selfcheck.h"
#include "syscall.h"
#include "syscall_table.h"
#include "usercopy.h"
#include "mica/errno.h"
#include "mica/string.h"

#define ARG(n) SYS_ARG(t, n)
#define SELF ((uint64_t)-1)

/* An empty slot of cs: -EBADF if out of range (or slot 0), -EEXIST if taken. */
static struct cap *dest_slot(struct cspace *cs, uint64_t slot, long *err)
{
    if (slot == 0 || slot >= cs->nslots) {
        *err = -EBADF;
        return NULL;
    }
    if (cs->slots[slot].obj) {
        *err = -EEXIST;
        return NULL;
    }
    return &cs->slots[slot];
}

/* ---- capabilities ---- */

long sys_cap_copy(struct thread *t)
{
    long err;
    struct cap *src = syscall_cap(t, ARG(0), 0, 0, &err);
    if (!src)
        return err;
    struct cspace *cs = &t->proc->cspace;
    if (ARG(1) != SELF) {
        struct cap *pc = syscall_cap(t, ARG(1), MICA_OBJ_PROCESS, MICA_R_WRITE, &err);
        if (!pc)
            return err;
        cs = &process_of(pc->obj)->cspace;
        if (process_of(pc->obj)->dead)
            return -ESRCH;
    }
    struct cap *dst = dest_slot(cs, ARG(2), &err);
    if (!dst)
        return err;
    if (src->type == MICA_OBJ_REPLY)
        return -EINVAL;
    uint64_t badge = ARG(4);
    if (badge && src->badge && badge != src->badge)
        return -EPERM;
    cap_derive(dst, src, (uint8_t)ARG(3), badge ? badge : src->badge);
    return 0;
}

long sys_cap_move(struct thread *t)
{
    long err;
    struct cap *src = syscall_cap(t, ARG(0), 0, 0, &err);
    if (!src)
        return err;
    struct cap *dst = dest_slot(&t->proc->cspace, ARG(1), &err);
    if (!dst)
        return err;
    cap_move(dst, src);
    return 0;
}

long sys_cap_delete(struct thread *t)
{
    long err;
    struct cap *c = syscall_cap(t, ARG(0), 0, 0, &err);
    if (!c)
        return err;
    cap_delete(c);
    return 0;
}

long sys_cap_revoke(struct thread *t)
{
    long err;
    struct cap *c = syscall_cap(t, ARG(0), 0, 0, &err);
    if (!c)
        return err;
    cap_revoke(c);
    return 0;
}

long sys_cap_info(struct thread *t)
{
    long err;
    struct cap *c = syscall_cap(t, ARG(0), 0, 0, &err);
    if (!c)
        return err;
    return c->type | (long)c->rights << 8;
}

/* ---- creation and budgets ---- */

static struct object *create(struct thread *t, struct budget *b, uint64_t type,
                             uint64_t arg, long *err)
{
    void *o = NULL;
    *err = -EINVAL;
    switch (type) {
    case MICA_OBJ_BUDGET:
        if (!arg)
            return NULL;
        *err = -ENOMEM;
        o = budget_create(b, arg);
        return o ? &((struct budget *)o)->hdr : NULL;
    case MICA_OBJ_PROCESS:
        if (arg == 0 || arg > MICA_MAX_SLOTS)
            return NULL;
        *err = -ENOMEM;
        o = process_create(b, (uint32_t)arg);
        return o ? &((struct process *)o)->hdr : NULL;
    case MICA_OBJ_THREAD: {
        struct cap *pc = syscall_cap(t, arg, MICA_OBJ_PROCESS, MICA_R_WRITE, err);
        if (!pc)
            return NULL;
        *err = -ESRCH;
        if (process_of(pc->obj)->dead)
            return NULL;
        *err = -ENOMEM;
        o = thread_create(b, process_of(pc->obj));
        return o ? &((struct thread *)o)->hdr : NULL;
    }
    case MICA_OBJ_FRAME:
        if (arg == 0 || arg > MICA_MAX_FRAME_PAGES)
            return NULL;
        *err = -ENOMEM;
        o = frame_create(b, (uint32_t)arg);
        return o ? &((struct frame *)o)->hdr : NULL;
    case MICA_OBJ_ENDPOINT:
        *err = -ENOMEM;
        o = endpoint_create(b);
        return o ? &((struct endpoint *)o)->hdr : NULL;
    case MICA_OBJ_NOTIFICATION:
        *err = -ENOMEM;
        o = notification_create(b);
        return o ? &((struct notification *)o)->hdr : NULL;
    default:
        return NULL;
    }
}

long sys_create(struct thread *t)
{
    long err;
    struct cap *bc = syscall_cap(t, ARG(0), MICA_OBJ_BUDGET, MICA_R_WRITE, &err);
    if (!bc)
        return err;
    struct cap *dst = dest_slot(&t->proc->cspace, ARG(2), &err);
    if (!dst)
        return err;
    struct object *o = create(t, container_of(bc->obj, struct budget, hdr), ARG(1), ARG(3),
                              &err);
    if (!o)
        return err;
    cap_install(dst, o, o->type, MICA_R_ALL, 0);
    return 0;
}

long sys_budget_info(struct thread *t)
{
    long err;
    struct cap *bc = syscall_cap(t, ARG(0), MICA_OBJ_BUDGET, 0, &err);
    if (!bc)
        return err;
    struct budget *b = container_of(bc->obj, struct budget, hdr);
    switch (ARG(1)) {
    case 0:
        return (long)(b->limit - b->used);
    case 1:
        return (long)b->used;
    case 2:
        return (long)b->limit;
    case 3:
        return (long)kalloc_free_pages();
    default:
        return -EINVAL;
    }
}

/* ---- processes ---- */

static struct process *process_arg(struct thread *t, uint64_t slot, long *err)
{
    struct cap *c = syscall_cap(t, slot, MICA_OBJ_PROCESS, MICA_R_WRITE, err);
    return c ? process_of(c->obj) : NULL;
}

/* An endpoint to send faults to: its object and badge, or NULL for slot -1. */
static long fault_ep_arg(struct thread *t, uint64_t slot, struct endpoint **ep,
                         uint64_t *badge)
{
    long err;
    *ep = NULL;
    *badge = 0;
    if (slot == SELF)
        return 0;
    struct cap *c = syscall_cap(t, slot, MICA_OBJ_ENDPOINT, MICA_R_WRITE, &err);
    if (!c)
        return err;
    *ep = endpoint_of(c->obj);
    *badge = c->badge;
    return 0;
}

static void set_ep(struct endpoint **field, struct endpoint *ep)
{
    if (ep)
        object_get(&ep->hdr);
    if (*field)
        object_put(&(*field)->hdr);
    *field = ep;
}

long sys_process_set_fault(struct thread *t)
{
    long err;
    struct process *p = process_arg(t, ARG(0), &err);
    if (!p)
        return err;
    struct endpoint *ep;
    uint64_t badge;
    if ((err = fault_ep_arg(t, ARG(1), &ep, &badge)))
        return err;
    if (p->dead)
        return -ESRCH;
    set_ep(&p->fault_ep, ep);
    p->fault_badge = badge;
    return 0;
}

long sys_process_destroy(struct thread *t)
{
    long err;
    struct process *p = process_arg(t, ARG(0), &err);
    if (!p)
        return err;
    process_destroy(p);
    return 0;
}

/* ---- threads ---- */

static struct thread *thread_arg(struct thread *t, uint64_t slot, long *err)
{
    struct cap *c = syscall_cap(t, slot, MICA_OBJ_THREAD, MICA_R_WRITE, err);
    if (!c)
        return NULL;
    struct thread *x = thread_of(c->obj);
    if (x->state == THREAD_DEAD) {
        *err = -ESRCH;
        return NULL;
    }
    return x;
}

static void set_priority(struct thread *x, uint8_t prio)
{
    if (x->state == THREAD_RUNNABLE && x != sched_current()) {
        sched_remove(x);
        x->prio = prio;
        sched_make_runnable(x);
        return;
    }
    x->prio = prio;
}

long sys_thread_configure(struct thread *t)
{
    long err;
    struct thread *x = thread_arg(t, ARG(0), &err);
    if (!x)
        return err;
    struct frame *f = NULL;
    if (ARG(1)) {
        struct cap *fc = syscall_cap(t, ARG(1), MICA_OBJ_FRAME, MICA_R_READ | MICA_R_WRITE,
                                     &err);
        if (!fc)
            return err;
        f = frame_of(fc->obj);
        if (f->device)
            return -EINVAL;
    }
    uint64_t prio = ARG(2);
    if (prio >= PRIO_COUNT || prio > t->mcp)
        return -EPERM;
    char name[THREAD_NAME_MAX];
    name[0] = '\0';
    if (ARG(3)) {
        err = copy_string_from_user(t->proc->pagetable, name, ARG(3), sizeof name);
        if (err == -EFAULT)
            return err;
    }
    /* Invoke. */
    if (f)
        object_get(&f->hdr);
    if (x->ipcbuf_frame)
        object_put(&x->ipcbuf_frame->hdr);
    x->ipcbuf_frame = f;
    x->ipcbuf = f ? pa_to_va(f->pa) : NULL;
    x->mcp = (uint8_t)prio;
    set_priority(x, (uint8_t)prio);
    if (name[0])
        thread_set_name(x, name);
    return 0;
}

long sys_thread_start(struct thread *t)
{
    long err;
    struct thread *x = thread_arg(t, ARG(0), &err);
    if (!x)
        return err;
    if (x->state != THREAD_INACTIVE)
        return -EBUSY;
    if (ARG(1) >= USER_TOP || !x->proc || x->proc->dead)
        return -EINVAL;
    thread_start(x, ARG(1), ARG(2), ARG(3));
    return 0;
}

long sys_thread_suspend(struct thread *t)
{
    long err;
    struct thread *x = thread_arg(t, ARG(0), &err);
    if (!x)
        return err;
    thread_suspend(x, -EINTR);
    return 0;               /* also what a thread that suspended itself sees when resumed */
}

long sys_thread_resume(struct thread *t)
{
    long err;
    struct thread *x = thread_arg(t, ARG(0), &err);
    if (!x)
        return err;
    thread_resume(x);
    return 0;
}

/* User-mode time alone: the kernel's and servers' work for a thread is
 * not charged to it, so this is what Linux calls utime. */
long sys_thread_time(struct thread *t)
{
    long err;
    struct thread *x = thread_arg(t, ARG(0), &err);
    if (!x)
        return err;
    return (long)(x->user_ticks & INT64_MAX);
}

long sys_thread_read_regs(struct thread *t)
{
    long err;
    struct thread *x = thread_arg(t, ARG(0), &err);
    if (!x)
        return err;
    if (ARG(2) & ~(uint64_t)MICA_REGS_FP)
        return -EINVAL;
    struct mica_regs r;
    r.pc = x->ctx.pc;
    for (int i = 1; i < 32; i++)
        r.x[i - 1] = x->ctx.regs[i];
    size_t size = offsetof(struct mica_regs, f);
    if (ARG(2) & MICA_REGS_FP) {
        fpu_save_if_owner(x);
        memcpy(r.f, x->fpu.f, sizeof r.f);
        r.fcsr = x->fpu.fcsr;
        size = sizeof r;
    }
    return copy_to_user(t->proc->pagetable, ARG(1), &r, size);
}

long sys_thread_write_regs(struct thread *t)
{
    long err;
    struct thread *x = thread_arg(t, ARG(0), &err);
    if (!x)
        return err;
    if (ARG(2) & ~(uint64_t)MICA_REGS_FP)
        return -EINVAL;
    struct mica_regs r;
    bool fp = ARG(2) & MICA_REGS_FP;
    size_t size = fp ? sizeof r : offsetof(struct mica_regs, f);
    if (copy_from_user(t->proc->pagetable, &r, ARG(1), size))
        return -EFAULT;
    if (r.pc >= USER_TOP)
        return -EINVAL;
    x->ctx.pc = r.pc;
    for (int i = 1; i < 32; i++)
        x->ctx.regs[i] = r.x[i - 1];
    if (fp) {
        fpu_save_if_owner(x);
        memcpy(x->fpu.f, r.f, sizeof r.f);
        x->fpu.fcsr = r.fcsr;
        x->fpu_enabled = true;
    }
    return x == t ? SYS_KEEP_REGS : 0;
}

long sys_thread_bind(struct thread *t)
{
    long err;
    struct thread *x = thread_arg(t, ARG(0), &err);
    if (!x)
        return err;
    if (ARG(1) == SELF) {
        notification_unbind(x);
        return 0;
    }
    struct cap *nc = syscall_cap(t, ARG(1), MICA_OBJ_NOTIFICATION, MICA_R_READ, &err);
    if (!nc)
        return err;
    struct notification *n = notification_of(nc->obj);
    if (x->bound || n->bound)
        return -EBUSY;
    notification_bind(n, x);
    return 0;
}

long sys_thread_set_fault(struct thread *t)
{
    long err;
    struct thread *x = thread_arg(t, ARG(0), &err);
    if (!x)
        return err;
    struct endpoint *ep;
    uint64_t badge;
    if ((err = fault_ep_arg(t, ARG(1), &ep, &badge)))
        return err;
    set_ep(&x->fault_ep, ep);
    x->fault_badge = badge;
    return 0;
}

/* ---- memory ---- */

long sys_map(struct thread *t)
{
    long err;
    struct process *p = process_arg(t, ARG(0), &err);
    if (!p)
        return err;
    struct cap *fc = syscall_cap(t, ARG(1), MICA_OBJ_FRAME, 0, &err);
    if (!fc)
        return err;
    if (ARG(3) > MICA_R_ALL)
        return -EINVAL;
    unsigned rights = (unsigned)ARG(3);
    if ((rights & fc->rights) != rights)
        return -EACCES;
    return aspace_map(p, frame_of(fc->obj), ARG(2), rights, ARG(4), fc->rights);
}

long sys_unmap(struct thread *t)
{
    long err;
    struct process *p = process_arg(t, ARG(0), &err);
    if (!p)
        return err;
    if (p->dead)
        return -ESRCH;
    long n = aspace_unmap(p, ARG(1), ARG(2) ? ARG(2) : 1);
    /* One page asked for and not there: say so. */
    return n == 0 && ARG(2) <= 1 ? -ENOENT : n < 0 ? n : 0;
}

long sys_protect(struct thread *t)
{
    long err;
    struct process *p = process_arg(t, ARG(0), &err);
    if (!p)
        return err;
    if (p->dead)
        return -ESRCH;
    if (ARG(2) > MICA_R_ALL)
        return -EINVAL;
    long n = aspace_protect(p, ARG(1), ARG(3) ? ARG(3) : 1, (unsigned)ARG(2));
    return n == 0 && ARG(3) <= 1 ? -ENOENT : n < 0 ? n : 0;
}

long sys_frame_info(struct thread *t)
{
    long err;
    struct cap *fc = syscall_cap(t, ARG(0), MICA_OBJ_FRAME, 0, &err);
    if (!fc)
        return err;
    return (long)frame_of(fc->obj)->pa;
}

long sys_device_frame(struct thread *t)
{
    long err;
    if (!syscall_cap(t, ARG(0), MICA_OBJ_DEVICE_CONTROL, 0, &err))
        return err;
    struct cap *bc = syscall_cap(t, ARG(1), MICA_OBJ_BUDGET, MICA_R_WRITE, &err);
    if (!bc)
        return err;
    struct cap *dst = dest_slot(&t->proc->cspace, ARG(4), &err);
    if (!dst)
        return err;
    if (ARG(3) == 0 || ARG(3) > MICA_MAX_FRAME_PAGES)
        return -EINVAL;
    int e;
    struct frame *f = frame_create_device(container_of(bc->obj, struct budget, hdr), ARG(2),
                                          (uint32_t)ARG(3), &e);
    if (!f)
        return e;
    cap_install(dst, &f->hdr, MICA_OBJ_FRAME, MICA_R_READ | MICA_R_WRITE, 0);
    return 0;
}

/* ---- interrupts ---- */

long sys_irq_get(struct thread *t)
{
    long err;
    if (!syscall_cap(t, ARG(0), MICA_OBJ_IRQ_CONTROL, 0, &err))
        return err;
    struct cap *dst = dest_slot(&t->proc->cspace, ARG(2), &err);
    if (!dst)
        return err;
    if (ARG(1) > UINT32_MAX)
        return -EINVAL;
    int e;
    struct irq_handler *h = irq_get(t->proc->budget, (uint32_t)ARG(1), &e);
    if (!h)
        return e;
    cap_install(dst, &h->hdr, MICA_OBJ_IRQ, MICA_R_ALL, 0);
    return 0;
}

long sys_irq_bind(struct thread *t)
{
    long err;
    struct cap *ic = syscall_cap(t, ARG(0), MICA_OBJ_IRQ, 0, &err);
    if (!ic)
        return err;
    struct cap *nc = syscall_cap(t, ARG(1), MICA_OBJ_NOTIFICATION, MICA_R_WRITE, &err);
    if (!nc)
        return err;
    irq_bind(irq_of(ic->obj), notification_of(nc->obj), nc->badge);
    return 0;
}

long sys_irq_ack(struct thread *t)
{
    long err;
    struct cap *ic = syscall_cap(t, ARG(0), MICA_OBJ_IRQ, 0, &err);
    if (!ic)
        return err;
    return irq_ack(irq_of(ic->obj));
}

/* The pager's access to a process's memory (the POSIX server reads system
 * call arguments this way). The process capability must have write right. */
long sys_process_copy(struct thread *t)
{
    long err;
    struct process *p = process_arg(t, ARG(0), &err);
    if (!p)
        return err;
    uint64_t remote = ARG(1), local = ARG(2), len = ARG(3), dir = ARG(4);
    if (dir > MICA_COPY_TO || len > MICA_COPY_MAX)
        return -EINVAL;
    if (p->dead)
        return -ESRCH;
    if (len == 0)
        return 0;
    pte_t *mine = t->proc->pagetable, *theirs = p->pagetable;
    size_t n = dir == MICA_COPY_FROM ? copy_user_partial(mine, local, theirs, remote, len)
                                     : copy_user_partial(theirs, remote, mine, local, len);
    return n ? (long)n : -EFAULT;
}

long sys_map_copy(struct thread *t)
{
    long err;
    struct process *src = process_arg(t, ARG(0), &err);
    if (!src)
        return err;
    struct process *dst = process_arg(t, ARG(2), &err);
    if (!dst)
        return err;
    if (src->dead || dst->dead)
        return -ESRCH;
    if (ARG(4) > MICA_R_ALL)
        return -EINVAL;
    return aspace_map_copy(src, dst, ARG(1), ARG(3), (unsigned)ARG(4));
}

long sys_selfcheck(struct thread *t)
{
    (void)t;
    return selfcheck_run() ? 0 : -EIO;
}
