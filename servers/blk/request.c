/*
 * Block requests: validate, queue, start on the device, complete on the
 * interrupt. Each request in flight owns a descriptor chain (header, data,
 * status) and a 64 KiB DMA buffer; the client's data is copied between its
 * grant and that buffer, so the device only ever touches blk's memory.
 * The caller's reply right is saved while the request is in flight.
 *
 * The queue of waiting jobs is the heap root may corrupt on purpose
 * (service inject blk corrupt): each job is sealed when queued and
 * checked when started, so a flipped bit stops blk (to be restarted, its
 * clients retrying) instead of sending a block where it does not belong.
 */
#include "blk.h"

#include "mica/blk.h"
#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/string.h"

#define RING_VA  0x20000000ul
#define META_VA  0x20100000ul
#define BUF_VA   0x21000000ul
#define BUF_SIZE (BLK_MAX_SECTORS * BLK_SECTOR)
#define PAGE     4096ul
#define PENDING_MAX 256

enum { VIRTIO_BLK_T_IN = 0, VIRTIO_BLK_T_OUT = 1, VIRTIO_BLK_T_FLUSH = 4 };
enum { VIRTIO_BLK_S_OK = 0, VIRTIO_BLK_S_IOERR = 1, VIRTIO_BLK_S_UNSUPP = 2 };

struct virtio_blk_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

struct job {
    long reply;              /* saved reply slot */
    uint8_t op;              /* BLK_READ / WRITE / FLUSH */
    uint64_t sector;
    uint32_t count;
    uint64_t seal;           /* over the fields above */
};

struct slot {
    bool busy;
    struct job job;
    uint64_t buf_pa;
};

static struct slot slots[BLK_QUEUE_DEPTH];
static unsigned depth;
static struct virtio_blk_hdr *hdrs;   /* META_VA: headers, then status bytes */
static volatile uint8_t *statuses;
static uint64_t meta_pa;
static struct job pending[PENDING_MAX];
static unsigned pending_head, pending_count;

/* A contiguous frame of npages mapped at va; returns its physical address. */
static uint64_t dma_alloc(uint64_t va, uint32_t npages)
{
    long f = slot_alloc();
    long err = f < 0 ? -ENOMEM : mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, f, npages);
    for (uint32_t i = 0; !err && i < npages; i++)
        err = mica_map(MICA_SLOT_SELF, f, va + i * PAGE, MICA_R_READ | MICA_R_WRITE, i);
    if (err) {
        debug_printf("blk: no DMA memory (%ld)\n", err);
        return 0;
    }
    uint64_t pa = (uint64_t)mica_frame_info(f);
    slot_free(f);              /* the mappings keep the frame */
    return pa;
}

void blk_requests_init(void)
{
    uint16_t want = 64;
    uint64_t ring_pa = dma_alloc(RING_VA, (uint32_t)(virtq_bytes(want) / PAGE));
    uint16_t qsize = virtio_queue_setup(&blk.vq, (void *)RING_VA, ring_pa, want);
    depth = qsize / 3 < BLK_QUEUE_DEPTH ? qsize / 3 : BLK_QUEUE_DEPTH;
    meta_pa = dma_alloc(META_VA, 1);
    hdrs = (struct virtio_blk_hdr *)META_VA;
    statuses = (volatile uint8_t *)(META_VA + sizeof(struct virtio_blk_hdr) * BLK_QUEUE_DEPTH);
    for (unsigned i = 0; i < depth; i++)
        slots[i].buf_pa = dma_alloc(BUF_VA + i * BUF_SIZE, BUF_SIZE / PAGE);
    virtio_driver_ok(&blk.vq);
}

static void *buf_of(unsigned i)
{
    return (void *)(BUF_VA + i * BUF_SIZE);
}

/* Descriptors 3i, 3i+1, 3i+2: header, data (if any), status. */
static void start(unsigned i, const struct job *j)
{
    struct virtq_desc *d = &blk.vq.desc[3 * i];
    hdrs[i] = (struct virtio_blk_hdr){
        j->op == BLK_READ ? VIRTIO_BLK_T_IN : j->op == BLK_WRITE ? VIRTIO_BLK_T_OUT
                                                                   : VIRTIO_BLK_T_FLUSH,
        0, j->sector };
    statuses[i] = 0xff;
    d[0] = (struct virtq_desc){ meta_pa + sizeof(struct virtio_blk_hdr) * i,
                                sizeof(struct virtio_blk_hdr), VIRTQ_DESC_F_NEXT,
                                (uint16_t)(3 * i + 1) };
    d[1] = (struct virtq_desc){ slots[i].buf_pa, j->count * BLK_SECTOR,
                                (uint16_t)(VIRTQ_DESC_F_NEXT |
                                           (j->op == BLK_READ ? VIRTQ_DESC_F_WRITE : 0)),
                                (uint16_t)(3 * i + 2) };
    d[2] = (struct virtq_desc){ meta_pa + sizeof(struct virtio_blk_hdr) * BLK_QUEUE_DEPTH + i,
                                1, VIRTQ_DESC_F_WRITE, 0 };
    if (j->op == BLK_FLUSH)
        d[0].next = (uint16_t)(3 * i + 2);      /* no data descriptor */
    slots[i].busy = true;
    slots[i].job = *j;
    virtio_submit(&blk.vq, (uint16_t)(3 * i));
}

static uint64_t seal(const struct job *j)
{
    uint64_t h = ((uint64_t)j->reply << 8 | j->op) * 0x9e3779b97f4a7c15ull;
    h = (h ^ j->sector) * 0x100000001b3ull;
    return (h ^ j->count) * 0xbf58476d1ce4e5b9ull;
}

void blk_heap(void **base, uint64_t *len)
{
    *base = pending;
    *len = sizeof pending;
}

/* Starts queued jobs while the device has room. */
static void pump(void)
{
    for (unsigned i = 0; i < depth && pending_count; i++) {
        if (slots[i].busy)
            continue;
        if (pending_head >= PENDING_MAX || pending_count > PENDING_MAX ||
            pending[pending_head].seal != seal(&pending[pending_head])) {
            debug_printf("blk: request queue corrupt\n");
            __builtin_trap();
        }
        struct job j = pending[pending_head];
        pending_head = (pending_head + 1) % PENDING_MAX;
        pending_count--;
        if (j.op == BLK_WRITE) {
            long n = mica_grant_copy(j.reply, 0, buf_of(i), j.count * BLK_SECTOR,
                                     MICA_GRANT_FROM);
            if (n < 0) {
                debug_printf("blk: the grant of a write cannot be read: %ld\n", n);
                server_answer(j.reply, n == -EINVAL ? -EINVAL : -EFAULT, 0, 0, 0);
                i--;          /* the slot is still free */
                continue;
            }
        }
        start(i, &j);
    }
}

static long status_error(uint8_t s)
{
    return s == VIRTIO_BLK_S_OK ? 0 : s == VIRTIO_BLK_S_UNSUPP ? -EOPNOTSUPP : -EIO;
}

static void complete(unsigned i)
{
    struct slot *s = &slots[i];
    long r = status_error(statuses[i]);
    if (r == 0 && s->job.op == BLK_READ) {
        long n = mica_grant_copy(s->job.reply, 0, buf_of(i), s->job.count * BLK_SECTOR,
                                 MICA_GRANT_TO);
        if (n < 0)
            r = n == -EINVAL ? -EINVAL : -EFAULT;
    }
    if (r)
        debug_printf("blk: op %u at sector %lu failed: status %u, %ld\n", s->job.op,
                     (unsigned long)s->job.sector, statuses[i], r);
    s->busy = false;
    server_answer(s->job.reply, r, 0, 0, 0);
}

void blk_interrupt(uint64_t bits)
{
    (void)bits;
    virtio_ack_interrupt(&blk.vq);
    int head;
    while ((head = virtio_next_used(&blk.vq)) >= 0)
        if (head % 3 == 0 && (unsigned)head / 3 < depth && slots[head / 3].busy)
            complete((unsigned)head / 3);
    mica_irq_ack(BLK_SLOT_IRQ);
    pump();
}

static long check(const struct request *r, bool write)
{
    uint64_t sector = r->w[0], count = r->w[1];
    if (count == 0 || count > BLK_MAX_SECTORS)
        return -EINVAL;
    if (sector >= blk.sectors || count > blk.sectors - sector)
        return -ERANGE;
    if (!r->has_grant)
        return -EFAULT;
    if (write && blk.read_only)
        return -EROFS;
    return 0;
}

static long queue(struct request *r, uint8_t op)
{
    if (pending_count == PENDING_MAX)
        return -EBUSY;
    long reply = server_defer(r);
    if (reply < 0)
        return reply;
    struct job *j = &pending[(pending_head + pending_count) % PENDING_MAX];
    *j = (struct job){ reply, op, r->w[0], (uint32_t)r->w[1], 0 };
    j->seal = seal(j);
    pending_count++;
    pump();
    return SERVER_DEFERRED;
}

long do_geometry(struct request *r)
{
    r->reply[1] = blk.sectors;
    r->reply[2] = blk.block_size;
    r->reply[3] = blk.read_only ? BLK_F_RO : 0;
    return 0;
}

long do_read(struct request *r)
{
    long err = check(r, false);
    return err ? err : queue(r, BLK_READ);
}

long do_write(struct request *r)
{
    long err = check(r, true);
    return err ? err : queue(r, BLK_WRITE);
}

long do_flush(struct request *r)
{
    if (!blk.can_flush)
        return 0;               /* no volatile cache to flush */
    return queue(r, BLK_FLUSH);
}
