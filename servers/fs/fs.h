/*
 * The fs server's internals: the mounted ext2 core, the block cache it runs
 * on, and the request handlers. Durability: every request's dirty blocks
 * reach blk (and so the disk) before its reply is sent (fs_table.after),
 * so a restarted fs sees everything its predecessor acknowledged. Within
 * one request the cache writes back, so a bitmap or inode-table block
 * touched many times is written once.
 */
#ifndef FS_FS_H
#define FS_FS_H

#include <stdint.h>

#include "ext2.h"
#include "mica/fs.h"
#include "mica/server.h"
#include "mica/service.h"

#define FS_SLOT_BLK SERVICE_SLOT_CLIENT(SERVICE_BLK)

extern struct ext2 *fs_ext2;
extern const struct server_table fs_table;

/* cache.c */
int cache_init(long blk, uint32_t block_size, uint64_t max_blocks);
int cache_read(void *ctx, uint64_t block, void *buf);
int cache_write(void *ctx, uint64_t block, const void *buf);
/* Writes every dirty block to blk; 0 or -EIO. */
int cache_flush(void);

/* request_*.c */
long do_root(struct request *r);
long do_getattr(struct request *r);
long do_setattr(struct request *r);
long do_statfs(struct request *r);
long do_sync(struct request *r);
long do_read(struct request *r);
long do_write(struct request *r);
long do_readlink(struct request *r);
long do_lookup(struct request *r);
long do_create(struct request *r);
long do_mkdir(struct request *r);
long do_symlink(struct request *r);
long do_link(struct request *r);
long do_unlink(struct request *r);
long do_rmdir(struct request *r);
long do_release(struct request *r);
long do_orphans_free(struct request *r);
long do_rename(struct request *r);
long do_readdir(struct request *r);

#endif
