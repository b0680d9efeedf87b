/*
 * blk: the virtio-blk driver, in user space. It maps the registers of the
 * virtio-mmio slot root gave it, resets and negotiates with the device,
 * sets up one virtqueue in DMA memory from its budget, announces itself to
 * root and serves the block protocol (mica/blk.h), with the device's
 * interrupt arriving as a notification bound to its thread.
 */
#include "blk.h"

#include "mica/blk.h"
#include "mica/runtime.h"
#include "mica/sys.h"

#define REGS_VA 0x10000000ul

#define F_RO        (1ull << 5)
#define F_BLK_SIZE  (1ull << 6)
#define F_FLUSH     (1ull << 9)

struct blk_device blk;

static int device_init(void)
{
    if (mica_map(MICA_SLOT_SELF, BLK_SLOT_REGS, REGS_VA, MICA_R_READ | MICA_R_WRITE, 0))
        return -1;
    int64_t f = virtio_init(&blk.vq, (volatile void *)REGS_VA, VIRTIO_DEV_BLOCK,
                            F_RO | F_BLK_SIZE | F_FLUSH);
    if (f < 0)
        return -1;
    volatile uint32_t *cfg = virtio_config(&blk.vq);
    blk.sectors = cfg[0] | (uint64_t)cfg[1] << 32;
    blk.block_size = (f & F_BLK_SIZE) ? cfg[5] : BLK_SECTOR;
    blk.read_only = (f & F_RO) != 0;
    blk.can_flush = (f & F_FLUSH) != 0;
    return 0;
}

int main(void *arg)
{
    (void)arg;
    if (device_init()) {
        debug_printf("blk: no virtio block device in my slot\n");
        return 1;
    }
    blk_requests_init();
    if (mica_thread_bind(MICA_SLOT_THREAD, BLK_SLOT_NTFN) ||
        mica_irq_bind(BLK_SLOT_IRQ, BLK_SLOT_NTFN)) {
        debug_printf("blk: cannot bind the interrupt\n");
        return 1;
    }
    /* A predecessor may have died between taking an interrupt and
     * acknowledging it: the line would stay masked (-EINVAL if not). */
    mica_irq_ack(BLK_SLOT_IRQ);
    debug_printf("blk: virtio-mmio v%u, %lu sectors%s, queue of %u\n",
                 blk.vq.version, (unsigned long)blk.sectors,
                 blk.read_only ? ", read-only" : "", blk.vq.qsize);
    void *heap;
    uint64_t heap_len;
    blk_heap(&heap, &heap_len);
    service_announce_heap(SERVICE_BLK, heap, heap_len);
    server_run(SERVICE_SLOT_EP, &blk_table);
}
