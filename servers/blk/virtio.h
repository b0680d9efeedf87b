/*
 * virtio over MMIO: device set-up (modern version 2, or legacy version 1)
 * and one split virtqueue. Addresses of the rings and buffers are
 * physical: the caller provides DMA memory and its physical address.
 */
#ifndef BLK_VIRTIO_H
#define BLK_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#define VIRTIO_MAGIC        0x74726976
#define VIRTIO_DEV_BLOCK    2

#define VIRTQ_DESC_F_NEXT   1
#define VIRTQ_DESC_F_WRITE  2

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct virtio_dev {
    volatile uint32_t *regs;      /* the slot's registers, mapped */
    uint32_t version;             /* 1 legacy, 2 modern */
    uint16_t qsize;
    struct virtq_desc *desc;      /* the ring, in DMA memory */
    volatile uint16_t *avail;     /* flags, idx, ring[qsize] */
    volatile uint16_t *used;      /* flags, idx, then elements */
    uint16_t last_used;
    uint16_t avail_idx;
};

/* Bytes of DMA memory a queue of qsize entries needs (page-aligned parts). */
uint64_t virtq_bytes(uint16_t qsize);
/* Resets the device and negotiates: accepts the features in `want` that
 * the device offers; returns the accepted set, or -1 if the device is not
 * a virtio device of type dev_id. */
int64_t virtio_init(struct virtio_dev *d, volatile void *regs, uint32_t dev_id,
                    uint64_t want);
/* Sets up queue 0 in mem (virtq_bytes of it, at physical mem_pa), at most
 * max entries; returns the queue size, or 0. */
uint16_t virtio_queue_setup(struct virtio_dev *d, void *mem, uint64_t mem_pa, uint16_t max);
void virtio_driver_ok(struct virtio_dev *d);
/* Offers the chain starting at descriptor head and tells the device. */
void virtio_submit(struct virtio_dev *d, uint16_t head);
/* The next completed chain's head, or -1. */
int virtio_next_used(struct virtio_dev *d);
/* Acknowledges the device's interrupt; returns the status bits. */
uint32_t virtio_ack_interrupt(struct virtio_dev *d);
volatile void *virtio_config(struct virtio_dev *d);
void virtio_reset(struct virtio_dev *d);

#endif
