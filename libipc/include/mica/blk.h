/*
 * The block server's protocol (servers/blk). Sectors are 512 bytes. Data
 * travels by a grant: the caller lends its buffer for the one call (read:
 * writable, write: readable) and blk copies between it and its own DMA
 * buffers, so the device never touches memory the client did not lend.
 *
 *   label          request words             reply
 *   BLK_GEOMETRY   -                         w0 = 0, w1 = sectors, w2 = block size,
 *                                            w3 = BLK_F_* flags
 *   BLK_READ       w0 = sector, w1 = count   w0 = 0 or -E
 *   BLK_WRITE      w0 = sector, w1 = count   w0 = 0 or -E
 *   BLK_FLUSH      -                         w0 = 0 or -E
 *
 * Errors: -EINVAL zero count, count above BLK_MAX_SECTORS, or a grant that
 * is not count * 512 bytes; -ERANGE beyond the end of the disk; -EFAULT a
 * missing or unusable grant; -EROFS writing a read-only disk; -EIO the
 * device reported an error; -EOPNOTSUPP the device cannot do it.
 */
#ifndef MICA_BLK_H
#define MICA_BLK_H

#include <stdint.h>

#define BLK_SECTOR       512
#define BLK_MAX_SECTORS  128        /* 64 KiB per request */
#define BLK_F_RO         1u

enum blk_op {
    BLK_GEOMETRY = 1,
    BLK_READ,
    BLK_WRITE,
    BLK_FLUSH,
    BLK_OPS
};

struct blk_geometry {
    uint64_t sectors;
    uint32_t block_size;
    uint32_t flags;
};

/* Client side (libipc/blk_client.c): ep is a slot of the blk endpoint. */
long blk_geometry(long ep, struct blk_geometry *g);
long blk_read(long ep, uint64_t sector, void *buf, uint32_t count);
long blk_write(long ep, uint64_t sector, const void *buf, uint32_t count);
long blk_flush(long ep);

#endif
