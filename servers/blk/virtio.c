/*
 * virtio-mmio transport and split virtqueue (see virtio.h), after the
 * virtio 1.1 specification, sections 2.6 and 4.2.
 */
#include "virtio.h"

#include "mica/string.h"

enum {
    REG_MAGIC = 0x000, REG_VERSION = 0x004, REG_DEVICE_ID = 0x008,
    REG_DEVICE_FEATURES = 0x010, REG_DEVICE_FEATURES_SEL = 0x014,
    REG_DRIVER_FEATURES = 0x020, REG_DRIVER_FEATURES_SEL = 0x024,
    REG_GUEST_PAGE_SIZE = 0x028, REG_QUEUE_SEL = 0x030, REG_QUEUE_NUM_MAX = 0x034,
    REG_QUEUE_NUM = 0x038, REG_QUEUE_ALIGN = 0x03c, REG_QUEUE_PFN = 0x040,
    REG_QUEUE_READY = 0x044, REG_QUEUE_NOTIFY = 0x050, REG_INTERRUPT_STATUS = 0x060,
    REG_INTERRUPT_ACK = 0x064, REG_STATUS = 0x070, REG_QUEUE_DESC_LOW = 0x080,
    REG_QUEUE_DESC_HIGH = 0x084, REG_QUEUE_DRIVER_LOW = 0x090, REG_QUEUE_DRIVER_HIGH = 0x094,
    REG_QUEUE_DEVICE_LOW = 0x0a0, REG_QUEUE_DEVICE_HIGH = 0x0a4, REG_CONFIG = 0x100,
};

enum {
    STATUS_ACKNOWLEDGE = 1, STATUS_DRIVER = 2, STATUS_DRIVER_OK = 4,
    STATUS_FEATURES_OK = 8, STATUS_FAILED = 128,
};

#define F_VERSION_1 (1ull << 32)
#define PAGE 4096ul

static inline uint32_t rd(struct virtio_dev *d, unsigned off)
{
    return d->regs[off / 4];
}

static inline void wr(struct virtio_dev *d, unsigned off, uint32_t v)
{
    d->regs[off / 4] = v;
}

static inline void barrier(void)
{
    __asm__ volatile("fence iorw, iorw" ::: "memory");
}

void virtio_reset(struct virtio_dev *d)
{
    wr(d, REG_STATUS, 0);
}

static uint64_t device_features(struct virtio_dev *d)
{
    wr(d, REG_DEVICE_FEATURES_SEL, 1);
    uint64_t hi = rd(d, REG_DEVICE_FEATURES);
    wr(d, REG_DEVICE_FEATURES_SEL, 0);
    return hi << 32 | rd(d, REG_DEVICE_FEATURES);
}

int64_t virtio_init(struct virtio_dev *d, volatile void *regs, uint32_t dev_id,
                    uint64_t want)
{
    memset(d, 0, sizeof *d);
    d->regs = regs;
    if (rd(d, REG_MAGIC) != VIRTIO_MAGIC || rd(d, REG_DEVICE_ID) != dev_id)
        return -1;
    d->version = rd(d, REG_VERSION);
    if (d->version != 1 && d->version != 2)
        return -1;
    virtio_reset(d);
    wr(d, REG_STATUS, STATUS_ACKNOWLEDGE);
    wr(d, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    if (d->version == 2)
        want |= F_VERSION_1;         /* required of a modern driver */
    uint64_t accepted = device_features(d) & want;
    wr(d, REG_DRIVER_FEATURES_SEL, 1);
    wr(d, REG_DRIVER_FEATURES, (uint32_t)(accepted >> 32));
    wr(d, REG_DRIVER_FEATURES_SEL, 0);
    wr(d, REG_DRIVER_FEATURES, (uint32_t)accepted);
    if (d->version == 2) {
        wr(d, REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        if (!(rd(d, REG_STATUS) & STATUS_FEATURES_OK)) {
            wr(d, REG_STATUS, STATUS_FAILED);
            return -1;
        }
    } else {
        wr(d, REG_GUEST_PAGE_SIZE, PAGE);
    }
    return (int64_t)accepted;
}

/* Layout: descriptors and the available ring in the first part, the used
 * ring on the next page boundary (what the legacy interface requires). */
static uint64_t used_offset(uint16_t qsize)
{
    uint64_t first = 16ul * qsize + 6 + 2ul * qsize;
    return (first + PAGE - 1) & ~(PAGE - 1);
}

uint64_t virtq_bytes(uint16_t qsize)
{
    uint64_t used = 6 + 8ul * qsize;
    return used_offset(qsize) + ((used + PAGE - 1) & ~(PAGE - 1));
}

uint16_t virtio_queue_setup(struct virtio_dev *d, void *mem, uint64_t mem_pa, uint16_t max)
{
    wr(d, REG_QUEUE_SEL, 0);
    uint32_t devmax = rd(d, REG_QUEUE_NUM_MAX);
    if (devmax == 0)
        return 0;
    uint16_t qsize = max;
    while (qsize > devmax)
        qsize >>= 1;                 /* stays a power of two */
    d->qsize = qsize;
    memset(mem, 0, virtq_bytes(qsize));
    d->desc = mem;
    d->avail = (volatile uint16_t *)((char *)mem + 16ul * qsize);
    d->used = (volatile uint16_t *)((char *)mem + used_offset(qsize));
    wr(d, REG_QUEUE_NUM, qsize);
    uint64_t avail_pa = mem_pa + 16ul * qsize, used_pa = mem_pa + used_offset(qsize);
    if (d->version == 2) {
        wr(d, REG_QUEUE_DESC_LOW, (uint32_t)mem_pa);
        wr(d, REG_QUEUE_DESC_HIGH, (uint32_t)(mem_pa >> 32));
        wr(d, REG_QUEUE_DRIVER_LOW, (uint32_t)avail_pa);
        wr(d, REG_QUEUE_DRIVER_HIGH, (uint32_t)(avail_pa >> 32));
        wr(d, REG_QUEUE_DEVICE_LOW, (uint32_t)used_pa);
        wr(d, REG_QUEUE_DEVICE_HIGH, (uint32_t)(used_pa >> 32));
        wr(d, REG_QUEUE_READY, 1);
    } else {
        wr(d, REG_QUEUE_ALIGN, PAGE);
        wr(d, REG_QUEUE_PFN, (uint32_t)(mem_pa / PAGE));
    }
    return qsize;
}

void virtio_driver_ok(struct virtio_dev *d)
{
    uint32_t s = STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK;
    if (d->version == 2)
        s |= STATUS_FEATURES_OK;
    wr(d, REG_STATUS, s);
}

void virtio_submit(struct virtio_dev *d, uint16_t head)
{
    d->avail[2 + d->avail_idx % d->qsize] = head;
    barrier();                       /* the entry before the index */
    d->avail_idx++;
    d->avail[1] = d->avail_idx;
    barrier();                       /* the index before the notify */
    wr(d, REG_QUEUE_NOTIFY, 0);
}

int virtio_next_used(struct virtio_dev *d)
{
    barrier();
    if (d->last_used == d->used[1])
        return -1;
    volatile struct virtq_used_elem *e =
        (volatile struct virtq_used_elem *)(d->used + 2) + d->last_used % d->qsize;
    d->last_used++;
    return (int)e->id;
}

uint32_t virtio_ack_interrupt(struct virtio_dev *d)
{
    uint32_t s = rd(d, REG_INTERRUPT_STATUS);
    wr(d, REG_INTERRUPT_ACK, s);
    return s;
}

volatile void *virtio_config(struct virtio_dev *d)
{
    return (volatile char *)d->regs + REG_CONFIG;
}
