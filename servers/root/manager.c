/*
 * Starting and stopping servers: finds the devices a server needs, makes
 * its endpoint and budget, and spawns it from the boot archive with the
 * capabilities its line of the table gives it.
 */
#include "root.h"

#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/string.h"
#include "mica/sys.h"

#define PROBE_VA  0x3c00000000ul
#define STATE_VA  0x3d00000000ul         /* + id * STATE_STRIDE: state frames */
#define STATE_STRIDE 0x10000000ul

struct server servers[SERVICES];
long root_ep;

/* The disk: the virtio-mmio slot whose device ID is block. */
static long disk_regs = -1;
static const struct mica_device *disk;

static bool is_virtio_block(long frame)
{
    if (mica_map(MICA_SLOT_SELF, frame, PROBE_VA, MICA_R_READ, 0))
        return false;
    volatile uint32_t *r = (volatile uint32_t *)PROBE_VA;
    bool yes = r[0] == 0x74726976 && r[2] == 2;     /* magic, device id */
    mica_unmap(MICA_SLOT_SELF, PROBE_VA);
    return yes;
}

static void find_disk(void)
{
    for (uint32_t i = 0; i < bootinfo->ndevices; i++) {
        const struct mica_device *d = &bootinfo->devices[i];
        if (d->kind != MICA_DEV_VIRTIO_MMIO)
            continue;
        long f = slot_alloc();
        if (mica_device_frame(MICA_SLOT_DEVICE_CONTROL, MICA_SLOT_BUDGET, d->base, 1, f)) {
            slot_free(f);
            continue;
        }
        if (is_virtio_block(f)) {
            disk_regs = f;
            disk = d;
            return;
        }
        slot_free(f);
    }
}

/* The wall clock: read QEMU's goldfish RTC once (ns since the epoch). */
static void read_rtc(void)
{
    for (uint32_t i = 0; i < bootinfo->ndevices; i++) {
        const struct mica_device *d = &bootinfo->devices[i];
        if (d->kind != MICA_DEV_GOLDFISH_RTC)
            continue;
        long f = slot_alloc();
        if (!mica_device_frame(MICA_SLOT_DEVICE_CONTROL, MICA_SLOT_BUDGET, d->base, 1, f) &&
            !mica_map(MICA_SLOT_SELF, f, PROBE_VA, MICA_R_READ, 0)) {
            volatile uint32_t *r = (volatile uint32_t *)PROBE_VA;
            uint64_t low = r[0];              /* reading TIME_LOW latches TIME_HIGH */
            uint64_t ns = (uint64_t)r[1] << 32 | low;
            mica_realtime_offset_ns = (int64_t)(ns - mica_monotonic_ns());
            mica_unmap(MICA_SLOT_SELF, PROBE_VA);
        }
        slot_free(f);
        return;
    }
}

/* Stops the disk: a reset ends the device's use of the queue and the
 * buffers (virtio 1.1, 2.1), which a dead blk's memory held. */
void disk_reset(void)
{
    if (disk_regs < 0 ||
        mica_map(MICA_SLOT_SELF, disk_regs, PROBE_VA, MICA_R_READ | MICA_R_WRITE, 0))
        return;
    volatile uint32_t *r = (volatile uint32_t *)PROBE_VA;
    r[0x70 / 4] = 0;                              /* Status */
    __asm__ volatile("fence iorw, iorw" ::: "memory");
    mica_unmap(MICA_SLOT_SELF, PROBE_VA);
}

int manager_init(void)
{
    read_rtc();
    root_ep = slot_alloc();
    if (mica_create(MICA_SLOT_BUDGET, MICA_OBJ_ENDPOINT, root_ep, 0))
        return -ENOMEM;
    find_disk();
    return 0;
}

/* The device capabilities of a server that drives the disk; made once and
 * given again to each incarnation. */
static int device_caps(struct spawn_cap *caps, int *n)
{
    static long irq, ntfn;
    if (!disk)
        return -ENODEV;
    if (!irq) {
        irq = slot_alloc();
        ntfn = slot_alloc();
        if (mica_irq_get(MICA_SLOT_IRQ_CONTROL, disk->irq, irq) ||
            mica_create(MICA_SLOT_BUDGET, MICA_OBJ_NOTIFICATION, ntfn, 0))
            return -EBUSY;
    }
    caps[(*n)++] = (struct spawn_cap){ disk_regs, SERVICE_SLOT_FIRST + 0, MICA_R_ALL, 0 };
    caps[(*n)++] = (struct spawn_cap){ irq, SERVICE_SLOT_FIRST + 1, MICA_R_ALL, 0 };
    caps[(*n)++] = (struct spawn_cap){ ntfn, SERVICE_SLOT_FIRST + 2, MICA_R_ALL, 0 };
    return 0;
}

/* The console UART's registers and interrupt, made once; the register
 * spacing goes in the server's arguments (console_shift). */
static uint32_t console_shift;

static int console_caps(struct spawn_cap *caps, int *n)
{
    static long regs, irq;
    if (!regs) {
        const struct mica_device *u = 0;
        for (uint32_t i = 0; i < bootinfo->ndevices; i++)
            if (bootinfo->devices[i].kind == MICA_DEV_UART_16550)
                u = &bootinfo->devices[i];
        if (!u)
            return 0;            /* no UART: posix keeps the debug console */
        regs = slot_alloc();
        irq = slot_alloc();
        if (mica_device_frame(MICA_SLOT_DEVICE_CONTROL, MICA_SLOT_BUDGET, u->base & ~4095ul, 1,
                              regs) ||
            mica_irq_get(MICA_SLOT_IRQ_CONTROL, u->irq, irq))
            return -EBUSY;
        console_shift = u->reg_shift;
    }
    caps[(*n)++] = (struct spawn_cap){ regs, SERVICE_SLOT_FIRST + 1, MICA_R_ALL, 0 };
    caps[(*n)++] = (struct spawn_cap){ irq, SERVICE_SLOT_FIRST + 2, MICA_R_ALL, 0 };
    return 0;
}

/* The state frame, made once and mapped in root too; its header says
 * which incarnation reads it. */
static int state_frame(struct server *s)
{
    const struct server_rights *r = s->rights;
    if (!s->state) {
        uint64_t va = STATE_VA + r->id * STATE_STRIDE;
        s->state = slot_alloc();
        long err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, s->state, r->state_pages);
        for (uint32_t i = 0; !err && i < r->state_pages; i++)
            err = mica_map(MICA_SLOT_SELF, s->state, va + i * 4096ul,
                           MICA_R_READ | MICA_R_WRITE, i);
        if (err)
            return (int)err;
        s->state_va = (struct service_state *)va;
        s->state_va->pages = r->state_pages;
    }
    s->state_va->generation = s->generation + 1;
    return 0;
}

int server_start(struct server *s, const char *args)
{
    const struct server_rights *r = s->rights;
    struct spawn_cap caps[8 + SERVICES];
    int n = 0;
    if (r->state_pages) {
        int e = state_frame(s);
        if (e)
            return e;
        caps[n++] = (struct spawn_cap){ s->state, SERVICE_SLOT_STATE,
                                        MICA_R_READ | MICA_R_WRITE, 0 };
    }
    s->budget = slot_alloc();
    long err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_BUDGET, s->budget, r->budget_pages);
    if (err)
        return (int)err;
    if (s->ep <= 0) {
        s->ep = slot_alloc();
        if ((err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_ENDPOINT, s->ep, 0)))
            return (int)err;
    }
    caps[n++] = (struct spawn_cap){ root_ep, SERVICE_SLOT_ROOT, MICA_R_WRITE, r->id };
    caps[n++] = (struct spawn_cap){ s->ep, SERVICE_SLOT_EP, MICA_R_ALL, 0 };
    if (r->device == NEED_VIRTIO_BLOCK && (err = device_caps(caps, &n)))
        return (int)err;
    if (r->device == NEED_ARCHIVE || r->device == NEED_CONSOLE)
        caps[n++] = (struct spawn_cap){ MICA_SLOT_ARCHIVE, SERVICE_SLOT_FIRST, MICA_R_READ, 0 };
    if (r->device == NEED_CONSOLE && (err = console_caps(caps, &n)))
        return (int)err;
    /* The badge names the client (fs keeps each client's last answer). */
    for (unsigned id = 1; id < SERVICES; id++)
        if ((r->uses & USES(id)) && servers[id].ep > 0 && servers[id].served)
            caps[n++] = (struct spawn_cap){ servers[id].ep, SERVICE_SLOT_CLIENT(id),
                                            MICA_R_WRITE, r->id };
    struct spawn_args a = {
        .name = r->name, .budget = s->budget, .child_budget = s->budget,
        .fault_ep = root_ep, .fault_badge = FAULT_BIT | r->id, .prio = r->prio,
        .args = args, .caps = caps, .ncaps = n, .nslots = 1024,
        .console_shift = console_shift,
    };
    err = spawn(&a, &s->child);
    if (err)
        return (int)err;
    if ((err = restart_prepare(s))) {
        spawn_destroy(&s->child);
        return (int)err;
    }
    s->args = args;
    s->running = true;
    s->generation++;
    s->started_ns = mica_monotonic_ns();
    return 0;
}

void server_stop(struct server *s)
{
    if (!s->running)
        return;
    spawn_destroy(&s->child);
    slot_free(s->budget);
    s->running = s->ready = false;
}

struct server *server_by_badge(uint64_t badge)
{
    uint64_t id = badge & ~FAULT_BIT;
    return id > 0 && id < SERVICES ? &servers[id] : 0;
}
