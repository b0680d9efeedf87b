/*
 * fs: the ext2 file-system server. It reads the superblock through blk to
 * learn the block size, sizes its block cache from its budget, mounts the
 * ext2 core over the cache, announces itself to root and serves the
 * stateless file protocol (mica/fs.h).
 */
#include "fs.h"

#include "mica/blk.h"
#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/sys.h"

#define EXT2_SUPER_SECTOR 2
#define EXT2_MAGIC 0xef53

struct ext2 *fs_ext2;
static uint64_t ext2_mem[12288];         /* struct ext2 lives here (96 KiB) */

static int64_t now(void *ctx)
{
    (void)ctx;
    return mica_realtime_ns() / 1000000000;
}

static const struct ext2_io io = {
    0, cache_read, cache_write, now, cache_view, cache_claim, cache_pin, cache_unpin, cache_mark,
};

/* The block size, from the superblock (bytes 1024..2047 of the disk). */
static uint32_t probe_block_size(void)
{
    static uint8_t sb[1024];
    if (blk_read(FS_SLOT_BLK, EXT2_SUPER_SECTOR, sb, 2))
        return 0;
    uint16_t magic = (uint16_t)(sb[56] | sb[57] << 8);
    uint32_t log = sb[24] | sb[25] << 8 | (uint32_t)sb[26] << 16 | (uint32_t)sb[27] << 24;
    if (magic != EXT2_MAGIC || log > 2)
        return 0;
    return 1024u << log;
}

int main(void *arg)
{
    (void)arg;
    const char *err = "no ext2 superblock";
    uint32_t bs = probe_block_size();
    /* Half the budget for the cache. */
    uint64_t free_pages = (uint64_t)mica_budget_info(MICA_SLOT_BUDGET, 0);
    fs_ext2 = (struct ext2 *)ext2_mem;
    if (ext2_size() > sizeof ext2_mem)
        err = "struct ext2 too large";
    else if (bs && cache_init(FS_SLOT_BLK, bs, free_pages * 4096 / 2 / bs) == 0 &&
             journal_init(bs) == 0 && ext2_mount(fs_ext2, &io, &err) == 0)
        err = 0;
    if (err) {
        debug_printf("fs: cannot mount: %s\n", err);
        return 1;
    }
    debug_printf("fs: ext2 mounted, %u-byte blocks\n", bs);
    void *heap;
    uint64_t heap_len;
    cache_heap(&heap, &heap_len);
    service_announce_heap(SERVICE_FS, heap, heap_len);
    server_run(SERVICE_SLOT_EP, &fs_table);
}
