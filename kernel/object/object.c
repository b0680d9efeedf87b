/*
 * Object lifetimes: reference counts, retirement and the reap queue (see
 * object.h). Each object type provides its retire and release steps.
 */
#include "object/object.h"

#include "object/budget.h"
#include "panic.h"

struct object_ops {
    size_t hdr_offset;                      /* header within the allocation */
    void (*retire)(struct object *o);       /* last capability gone */
    void (*release)(struct object *o);      /* about to be freed */
};

void budget_retire(struct object *o);
void budget_obj_release(struct object *o);
void process_retire(struct object *o);
void process_release(struct object *o);
void thread_retire(struct object *o);
void thread_release(struct object *o);
void frame_retire(struct object *o);
void frame_release(struct object *o);
void endpoint_retire(struct object *o);
void notification_retire(struct object *o);
void notification_release(struct object *o);
void irq_retire(struct object *o);
size_t thread_hdr_offset(void);
size_t process_hdr_offset(void);
size_t frame_hdr_offset(void);
size_t endpoint_hdr_offset(void);
size_t notification_hdr_offset(void);
size_t irq_hdr_offset(void);

static struct object *reap_head;

static void noop(struct object *o)
{
    (void)o;
}

static struct object_ops ops_of(uint8_t type)
{
    switch (type) {
    case MICA_OBJ_BUDGET:
        return (struct object_ops){ offsetof(struct budget, hdr), noop, budget_obj_release };
    case MICA_OBJ_PROCESS:
        return (struct object_ops){ process_hdr_offset(), process_retire, process_release };
    case MICA_OBJ_THREAD:
        return (struct object_ops){ thread_hdr_offset(), thread_retire, thread_release };
    case MICA_OBJ_FRAME:
        return (struct object_ops){ frame_hdr_offset(), frame_retire, frame_release };
    case MICA_OBJ_ENDPOINT:
        return (struct object_ops){ endpoint_hdr_offset(), endpoint_retire, noop };
    case MICA_OBJ_NOTIFICATION:
        return (struct object_ops){ notification_hdr_offset(), notification_retire,
                                    notification_release };
    case MICA_OBJ_IRQ:
        return (struct object_ops){ irq_hdr_offset(), irq_retire, noop };
    case MICA_OBJ_IRQ_CONTROL:
    case MICA_OBJ_DEVICE_CONTROL:
        /* Boot-time singletons (irq.c), never freed: losing the last
         * capability to one changes nothing. */
        return (struct object_ops){ 0, noop, noop };
    default:
        panic("object: no operations for type %u", type);
    }
}

void *object_alloc(struct budget *b, enum mica_type type, size_t size, size_t hdr_offset)
{
    char *mem = budget_alloc(b, size);
    if (!mem)
        return NULL;
    struct object *o = (struct object *)(mem + hdr_offset);
    o->type = (uint8_t)type;
    o->size = (uint32_t)size;
    o->budget = b;
    object_get(&b->hdr);
    return mem;
}

static void enqueue(struct object *o)
{
    if (o->queued)
        return;
    o->queued = true;
    o->reap_next = reap_head;
    reap_head = o;
}

void object_put(struct object *o)
{
    kassert(o->krefs > 0);
    if (--o->krefs == 0 && o->ncaps == 0)
        enqueue(o);
}

void object_cap_added(struct object *o)
{
    o->ncaps++;
}

void object_cap_removed(struct object *o)
{
    kassert(o->ncaps > 0);
    if (--o->ncaps == 0)
        enqueue(o);
}

bool object_reap_pending(void)
{
    return reap_head != NULL;
}

static void object_free(struct object *o, const struct object_ops *ops)
{
    struct budget *b = o->budget;
    ops->release(o);
    budget_free(b, (char *)o - ops->hdr_offset, o->size);
    object_put(&b->hdr);
}

void object_reap(void)
{
    while (reap_head) {
        struct object *o = reap_head;
        reap_head = o->reap_next;
        if (o->ncaps != 0) {
            o->queued = false;
            continue;
        }
        struct object_ops ops = ops_of(o->type);
        if (!o->retired) {
            o->retired = true;
            ops.retire(o);
        }
        o->queued = false;
        if (o->ncaps == 0 && o->krefs == 0 && o->budget)
            object_free(o, &ops);
    }
}

void budget_obj_release(struct object *o)
{
    budget_release(container_of(o, struct budget, hdr));
}
