/*
 * Block and inode allocation: the bitmaps, and the free counts in the group
 * descriptors (written through) and in the superblock (kept in memory until
 * ext2_sync). Blocks are taken first-fit from a goal, so a file written in
 * order gets consecutive blocks; a new directory's inode goes to a group
 * with more than the average free space, a file's to its directory's group.
 *
 * A bitmap bit that disagrees with the operation (freeing a free block, a
 * free bit on a group's own bitmap or inode table) is -EUCLEAN.
 */
#include "ext2_impl.h"

#include "mica/errno.h"
#include "mica/string.h"

/* Bits b..b + 63 (b a multiple of 64) are all set. */
static bool full_word(const uint8_t *bm, uint32_t b)
{
    uint64_t w;
    __builtin_memcpy(&w, &bm[b >> 3], 8);
    return w == ~0ull;
}

/* The first clear bit in [from, to), or -1. A full word is passed in one
 * step: the used part at the start of a bitmap is what a search crosses. */
static int64_t find_zero(const uint8_t *bm, uint32_t from, uint32_t to)
{
    for (uint32_t b = from; b < to;) {
        if ((b & 63) == 0 && to - b >= 64 && full_word(bm, b)) {
            b += 64;
            continue;
        }
        if ((b & 7) == 0 && to - b >= 8 && bm[b >> 3] == 0xff) {
            b += 8;
            continue;
        }
        if (!(bm[b >> 3] & (1u << (b & 7))))
            return b;
        b++;
    }
    return -1;
}

static bool test_bit(const uint8_t *bm, uint32_t b)
{
    return bm[b >> 3] & (1u << (b & 7));
}

static void flip_bit(uint8_t *bm, uint32_t b)
{
    bm[b >> 3] ^= (uint8_t)(1u << (b & 7));
}

/* Whether blk is one of group gd's own bitmaps or inode table blocks. */
static bool group_meta(const struct ext2 *fs, const struct ext2_group *gd, uint32_t blk)
{
    return blk == gd->bg_block_bitmap || blk == gd->bg_inode_bitmap ||
           (blk >= gd->bg_inode_table && blk - gd->bg_inode_table < fs->itable_blocks);
}

/* The number of blocks in group g (the last may be short). */
static uint32_t group_blocks(const struct ext2 *fs, uint32_t g)
{
    uint64_t first = fs->first_data + (uint64_t)g * fs->bpg;
    uint64_t left = fs->nblocks - first;
    return left < fs->bpg ? (uint32_t)left : fs->bpg;
}

/* Takes a free block of group g, at or after bit from, then before it. */
static int take_block(struct ext2 *fs, uint32_t g, uint32_t from, uint32_t *out)
{
    struct ext2_group gd;
    uint8_t *bm;
    int err = ext2_group_get(fs, g, &gd);
    if (err || gd.bg_free_blocks_count == 0)
        return err ? err : -ENOSPC;
    if ((err = ext2_slot_read(fs, EXT2_SLOT_BITMAP, gd.bg_block_bitmap, &bm)))
        return err;
    uint32_t n = group_blocks(fs, g);
    int64_t bit = from < n ? find_zero(bm, from, n) : -1;
    if (bit < 0)
        bit = find_zero(bm, 0, from < n ? from : n);
    if (bit < 0)
        return -ENOSPC;         /* the count was wrong: try other groups */
    uint64_t blk = fs->first_data + (uint64_t)g * fs->bpg + (uint64_t)bit;
    if (!ext2_valid_block(fs, blk) || group_meta(fs, &gd, (uint32_t)blk))
        return -EUCLEAN;
    flip_bit(bm, (uint32_t)bit);
    if ((err = ext2_slot_write(fs, EXT2_SLOT_BITMAP, (uint32_t)bit / 8, 1)))
        return err;
    gd.bg_free_blocks_count--;
    if ((err = ext2_group_put(fs, g, &gd)))
        return err;
    if (fs->free_blocks)
        fs->free_blocks--;
    *out = (uint32_t)blk;
    return 0;
}

int ext2_alloc_block(struct ext2 *fs, uint32_t goal, uint32_t *out)
{
    if (fs->free_blocks == 0)
        return -ENOSPC;
    if (!ext2_valid_block(fs, goal))
        goal = fs->first_data + 1;
    uint32_t g0 = (goal - fs->first_data) / fs->bpg;
    uint32_t from = (goal - fs->first_data) % fs->bpg;
    for (uint32_t i = 0; i < fs->ngroups; i++) {
        uint32_t g = (g0 + i) % fs->ngroups;
        int err = take_block(fs, g, i == 0 ? from : 0, out);
        if (err != -ENOSPC)
            return err;
    }
    return -ENOSPC;
}

int ext2_free_block(struct ext2 *fs, uint32_t blk)
{
    struct ext2_group gd;
    uint8_t *bm;
    if (!ext2_valid_block(fs, blk))
        return -EUCLEAN;
    uint32_t g = (blk - fs->first_data) / fs->bpg;
    uint32_t bit = (blk - fs->first_data) % fs->bpg;
    int err = ext2_group_get(fs, g, &gd);
    if (err)
        return err;
    if (group_meta(fs, &gd, blk))
        return -EUCLEAN;
    if ((err = ext2_slot_read(fs, EXT2_SLOT_BITMAP, gd.bg_block_bitmap, &bm)))
        return err;
    if (!test_bit(bm, bit) || gd.bg_free_blocks_count >= fs->bpg)
        return -EUCLEAN;
    flip_bit(bm, bit);
    if ((err = ext2_slot_write(fs, EXT2_SLOT_BITMAP, bit / 8, 1)))
        return err;
    gd.bg_free_blocks_count++;
    if ((err = ext2_group_put(fs, g, &gd)))
        return err;
    fs->free_blocks++;
    return 0;
}

/* Takes a free inode of group g. */
static int take_inode(struct ext2 *fs, uint32_t g, bool dir, uint32_t *out)
{
    struct ext2_group gd;
    uint8_t *bm;
    int err = ext2_group_get(fs, g, &gd);
    if (err || gd.bg_free_inodes_count == 0)
        return err ? err : -ENOSPC;
    if ((err = ext2_slot_read(fs, EXT2_SLOT_IBITMAP, gd.bg_inode_bitmap, &bm)))
        return err;
    /* The reserved inodes are never handed out, whatever the bitmap says. */
    uint64_t base = (uint64_t)g * fs->ipg;
    uint32_t from = base + 1 >= fs->first_ino ? 0 : (uint32_t)(fs->first_ino - 1 - base);
    int64_t bit = from < fs->ipg ? find_zero(bm, from, fs->ipg) : -1;
    if (bit < 0)
        return -ENOSPC;
    flip_bit(bm, (uint32_t)bit);
    if ((err = ext2_slot_write(fs, EXT2_SLOT_IBITMAP, (uint32_t)bit / 8, 1)))
        return err;
    gd.bg_free_inodes_count--;
    if (dir)
        gd.bg_used_dirs_count++;
    if ((err = ext2_group_put(fs, g, &gd)))
        return err;
    if (fs->free_inodes)
        fs->free_inodes--;
    *out = (uint32_t)(base + (uint64_t)bit + 1);
    return 0;
}

/* The group to try first for a new directory: after the parent's, the
 * first with at least the average free inodes and blocks, so that
 * directories spread over the disk and their files find room beside them. */
static int dir_group(struct ext2 *fs, uint32_t parent_group, uint32_t *out)
{
    uint64_t avg_inodes = fs->free_inodes / fs->ngroups;
    uint64_t avg_blocks = fs->free_blocks / fs->ngroups;
    for (uint32_t i = 1; i <= fs->ngroups; i++) {
        uint32_t g = (parent_group + i) % fs->ngroups;
        struct ext2_group gd;
        int err = ext2_group_get(fs, g, &gd);
        if (err)
            return err;
        if (gd.bg_free_inodes_count && gd.bg_free_inodes_count >= avg_inodes &&
            gd.bg_free_blocks_count >= avg_blocks) {
            *out = g;
            return 0;
        }
    }
    *out = parent_group;
    return 0;
}

int ext2_alloc_inode(struct ext2 *fs, uint32_t parent, bool dir, uint32_t *out)
{
    if (fs->free_inodes == 0)
        return -ENOSPC;
    uint32_t g0 = (parent - 1) / fs->ipg;
    if (g0 >= fs->ngroups)
        g0 = 0;
    if (dir && fs->ngroups > 1) {
        int err = dir_group(fs, g0, &g0);
        if (err)
            return err;
    }
    for (uint32_t i = 0; i < fs->ngroups; i++) {
        int err = take_inode(fs, (g0 + i) % fs->ngroups, dir, out);
        if (err != -ENOSPC)
            return err;
    }
    return -ENOSPC;
}

int ext2_free_inode(struct ext2 *fs, uint32_t ino, bool dir)
{
    struct ext2_group gd;
    uint8_t *bm;
    if (ino < fs->first_ino || ino > fs->ninodes)
        return -EUCLEAN;
    uint32_t g = (ino - 1) / fs->ipg, bit = (ino - 1) % fs->ipg;
    int err = ext2_group_get(fs, g, &gd);
    if (err)
        return err;
    if ((err = ext2_slot_read(fs, EXT2_SLOT_IBITMAP, gd.bg_inode_bitmap, &bm)))
        return err;
    if (!test_bit(bm, bit) || gd.bg_free_inodes_count >= fs->ipg)
        return -EUCLEAN;
    flip_bit(bm, bit);
    if ((err = ext2_slot_write(fs, EXT2_SLOT_IBITMAP, bit / 8, 1)))
        return err;
    gd.bg_free_inodes_count++;
    if (dir && gd.bg_used_dirs_count)
        gd.bg_used_dirs_count--;
    if ((err = ext2_group_put(fs, g, &gd)))
        return err;
    fs->free_inodes++;
    return 0;
}
