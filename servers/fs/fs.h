/*
 * The fs server's internals: the mounted ext2 core, the block cache it runs
 * on, the journal and the request handlers. Durability: every request's
 * changed blocks are committed to the journal, which outlives fs, before
 * its reply is sent, all of them or, should fs die on the way, none; a new
 * incarnation writes the journal to the disk before it mounts, so it sees
 * everything its predecessor acknowledged (journal.c). The disk gets the
 * blocks at the journal's checkpoints and on FS_SYNC.
 */
#ifndef FS_FS_H
#define FS_FS_H

#include <stdbool.h>
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
/* The block in place (the ext2 io's view), or NULL on a read error. It is
 * noted, up to CACHE_VIEWS of them, and stays where it is until
 * cache_views_forget(): a miss evicts other blocks. cache_views_intact()
 * checks that it held (more than CACHE_VIEWS views lose it, and a caller
 * must not take so many). */
#define CACHE_VIEWS 16
const void *cache_view(void *ctx, uint64_t block);
/* The ext2 io's claim: the block in place, noted as a view, dirty, for the
 * caller to overwrite whole (it is not read); NULL on a write-back error,
 * or when CACHE_VIEWS blocks are viewed already.
 * If the copy into it fails, cache_claim_failed(buf) drops it again when
 * the claim brought it into the cache (it holds nothing of the block). */
void *cache_claim(void *ctx, uint64_t block);
void cache_claim_failed(const void *buf);
/* The ext2 io's pin, unpin and mark: blocks the core's slots hold in
 * place, up to CACHE_PINS pins at once (NULL past that). */
#define CACHE_PINS 16
void *cache_pin(void *ctx, uint64_t block, bool whole);
void cache_unpin(void *ctx, uint64_t block);
int cache_mark(void *ctx, uint64_t block, uint32_t off, uint32_t len);
bool cache_views_intact(void);
void cache_views_forget(void);
/* Writes every dirty block (logged or not) to blk; 0 or -EIO. */
int cache_flush(void);
/* A record of the journal's log: len bytes of block at off, which follow
 * it, padded to 8 bytes. */
struct log_record {
    uint64_t block;
    uint32_t off, len;
};
/* What changed in each block since it was last handed out so (the bytes
 * from the first change to the last), as records at log, if they fit in
 * room bytes; returns the bytes they take. The blocks stay dirty, as
 * logged. */
uint64_t cache_dirty(uint8_t *log, uint64_t room);
/* The cache's index: the heap fs checks on every use. */
void cache_heap(void **base, uint64_t *len);

/* journal.c */
int journal_init(uint32_t block_size);
bool journal_before(struct request *r, long *result);
void journal_after(struct request *r);
/* Puts every committed block on the disk (FS_SYNC); 0 or -EIO. */
int journal_checkpoint(void);

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
