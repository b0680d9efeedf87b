/*
 * The block server's internals: the device, its queue of requests and the
 * DMA buffers. blk keeps no state that a fresh start cannot rebuild from
 * the device: a restart resets the device and serves from scratch.
 */
#ifndef BLK_BLK_H
#define BLK_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "mica/server.h"
#include "mica/service.h"
#include "virtio.h"

/* Capabilities root gives blk (servers/root/table.c). */
#define BLK_SLOT_REGS  (SERVICE_SLOT_FIRST + 0)   /* the virtio slot's registers */
#define BLK_SLOT_IRQ   (SERVICE_SLOT_FIRST + 1)   /* its interrupt */
#define BLK_SLOT_NTFN  (SERVICE_SLOT_FIRST + 2)   /* where the interrupt arrives */

#define BLK_QUEUE_DEPTH 16           /* requests in flight at once */

struct blk_device {
    struct virtio_dev vq;
    uint64_t sectors;
    uint32_t block_size;
    bool read_only;
    bool can_flush;
};

extern struct blk_device blk;
extern const struct server_table blk_table;

/* request.c */
void blk_requests_init(void);
/* The queue of waiting jobs: the heap blk checks on every use. */
void blk_heap(void **base, uint64_t *len);
void blk_interrupt(uint64_t bits);
long do_geometry(struct request *r);
long do_read(struct request *r);
long do_write(struct request *r);
long do_flush(struct request *r);

#endif
