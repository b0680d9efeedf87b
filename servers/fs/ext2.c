/*
 * Mounting, the superblock and the group descriptors, block i/o, sync and
 * statfs.
 *
 * The group descriptors are not kept in memory: each change is written
 * through to its descriptor block at once (the caller's io layer caches),
 * so the bitmaps and the descriptors always agree on disk. The superblock
 * is written at the end of an operation that changed what only it holds
 * (the orphan list, a feature flag: ext2_done). Its free counts are kept in
 * memory and written with it, or by ext2_sync: a mount sums the group
 * descriptors' counts rather than trust them, as e2fsck does (which finds
 * them wrong before a sync, and passes: they are a summary).
 */
#include "ext2_impl.h"

#include "mica/errno.h"
#include "mica/string.h"

/* Features named in ext2_mount's refusal. */
static const struct {
    int word;                   /* 0 compat, 1 incompat, 2 ro_compat */
    uint32_t mask;
    const char *msg;
} feature_names[] = {
    { 0, 0x0004, "unsupported feature has_journal" },
    { 0, 0x0040, "unsupported feature lazy_bg" },
    { 0, 0x0100, "unsupported feature exclude_bitmap" },
    { 0, 0x0200, "unsupported feature sparse_super2" },
    { 0, 0x0400, "unsupported feature fast_commit" },
    { 0, 0x0800, "unsupported feature stable_inodes" },
    { 0, 0x1000, "unsupported feature orphan_file" },
    { 1, 0x0001, "unsupported feature compression" },
    { 1, 0x0004, "unsupported feature needs_recovery" },
    { 1, 0x0008, "unsupported feature journal_dev" },
    { 1, 0x0010, "unsupported feature meta_bg" },
    { 1, 0x0040, "unsupported feature extent" },
    { 1, 0x0080, "unsupported feature 64bit" },
    { 1, 0x0100, "unsupported feature mmp" },
    { 1, 0x0200, "unsupported feature flex_bg" },
    { 1, 0x0400, "unsupported feature ea_inode" },
    { 1, 0x1000, "unsupported feature dirdata" },
    { 1, 0x2000, "unsupported feature metadata_csum_seed" },
    { 1, 0x4000, "unsupported feature large_dir" },
    { 1, 0x8000, "unsupported feature inline_data" },
    { 1, 0x10000, "unsupported feature encrypt" },
    { 1, 0x20000, "unsupported feature casefold" },
    { 2, 0x0008, "unsupported feature huge_file" },
    { 2, 0x0010, "unsupported feature uninit_bg" },
    { 2, 0x0020, "unsupported feature dir_nlink" },
    { 2, 0x0040, "unsupported feature extra_isize" },
    { 2, 0x0100, "unsupported feature quota" },
    { 2, 0x0200, "unsupported feature bigalloc" },
    { 2, 0x0400, "unsupported feature metadata_csum" },
    { 2, 0x1000, "unsupported feature read-only" },
    { 2, 0x2000, "unsupported feature project" },
    { 2, 0x8000, "unsupported feature verity" },
};

size_t ext2_size(void)
{
    return sizeof(struct ext2);
}

uint32_t ext2_block_size(const struct ext2 *fs)
{
    return fs->bs;
}

/* A block that may hold file data or metadata: not the superblock's, and
 * inside the file system. Block pointers are checked with it. */
bool ext2_valid_block(const struct ext2 *fs, uint64_t blk)
{
    return blk > fs->first_data && blk < fs->nblocks;
}

/* Every change of a slot's dirty mark goes through these two. */
static void set_clean(struct ext2 *fs, struct ext2_buf *b)
{
    if (b->dirty)
        fs->dirty_slots--;
    b->dirty = false;
}

static void set_dirty(struct ext2 *fs, struct ext2_buf *b)
{
    if (!b->dirty)
        fs->dirty_slots++;
    b->dirty = true;
}

static int slot_writeback(struct ext2 *fs, struct ext2_buf *b)
{
    if (!b->dirty)
        return 0;
    set_clean(fs, b);
    if (fs->io.write(fs->io.ctx, b->blk, b->data)) {
        b->valid = false;
        return -EIO;
    }
    return 0;
}

int ext2_slots_settle(struct ext2 *fs, uint32_t blk)
{
    for (int s = 0; fs->dirty_slots && s < EXT2_SLOTS; s++) {
        struct ext2_buf *b = &fs->slot[s];
        if (b->dirty && b->blk == blk)
            return slot_writeback(fs, b);
    }
    return 0;
}

int ext2_slots_flush(struct ext2 *fs)
{
    int err = 0;
    for (int s = 0; fs->dirty_slots && s < EXT2_SLOTS; s++)
        if (slot_writeback(fs, &fs->slot[s]))
            err = -EIO;
    return err;
}

int ext2_bread(struct ext2 *fs, uint32_t blk, void *buf)
{
    if (blk >= fs->nblocks)
        return -EUCLEAN;
    if (ext2_slots_settle(fs, blk))
        return -EIO;
    return fs->io.read(fs->io.ctx, blk, buf) ? -EIO : 0;
}

/* With an io that pins blocks (fs's cache), a slot is the block in the
 * io's own place: nothing is copied in or out, a change is marked at once
 * (so a slot is never dirty), and slots holding the same block share it.
 * The slot keeps the block pinned until it takes another one. */
static bool pinning(const struct ext2 *fs)
{
    return fs->io.pin != NULL;
}

static void slot_drop(struct ext2 *fs, struct ext2_buf *b)
{
    set_clean(fs, b);
    if (b->valid && pinning(fs))
        fs->io.unpin(fs->io.ctx, b->blk);
    b->valid = false;
}

/* Drops the slots other than keep holding blk: a newer copy is coming.
 * (Pinned slots see it come: they are the io's copy.) */
static void supersede(struct ext2 *fs, uint32_t blk, const uint8_t *keep)
{
    if (pinning(fs))
        return;
    for (int s = 0; s < EXT2_SLOTS; s++) {
        struct ext2_buf *b = &fs->slot[s];
        if (b->valid && b->blk == blk && b->data != keep)
            slot_drop(fs, b);
    }
}

int ext2_bwrite(struct ext2 *fs, uint32_t blk, const void *buf)
{
    if (blk >= fs->nblocks)
        return -EUCLEAN;
    supersede(fs, blk, buf);
    if (fs->io.write(fs->io.ctx, blk, buf)) {
        for (int s = 0; s < EXT2_SLOTS; s++)
            if (fs->slot[s].blk == blk)
                slot_drop(fs, &fs->slot[s]);
        return -EIO;
    }
    return 0;
}

uint8_t *ext2_bclaim(struct ext2 *fs, uint32_t blk)
{
    if (blk >= fs->nblocks)
        return NULL;
    supersede(fs, blk, NULL);
    return fs->io.claim(fs->io.ctx, blk);
}

/* Slot s takes block blk: pinned in the io's place (whole: not read, as
 * changed), or read into its buffer. */
static int slot_take(struct ext2 *fs, struct ext2_buf *b, uint32_t blk, bool whole)
{
    int err = slot_writeback(fs, b);
    slot_drop(fs, b);
    if (err)
        return err;
    if (pinning(fs)) {
        if (blk >= fs->nblocks)
            return -EUCLEAN;
        if (!(b->ptr = fs->io.pin(fs->io.ctx, blk, whole)))
            return -EIO;
    } else {
        b->ptr = b->data;
        if (!whole && (err = ext2_bread(fs, blk, b->data)))
            return err;
        if (whole)
            supersede(fs, blk, b->data);
    }
    b->blk = blk;
    b->valid = true;
    return 0;
}

/* Points *data at slot s holding block blk, reading it unless it is there. */
int ext2_slot_read(struct ext2 *fs, enum ext2_slot s, uint32_t blk, uint8_t **data)
{
    struct ext2_buf *b = &fs->slot[s];
    int err;
    if ((!b->valid || b->blk != blk) && (err = slot_take(fs, b, blk, false)))
        return err;
    *data = b->ptr;
    return 0;
}

/* Gives slot s to a new block blk, zeroed, without reading it; NULL if
 * the block the slot held could not be written back. */
uint8_t *ext2_slot_claim(struct ext2 *fs, enum ext2_slot s, uint32_t blk)
{
    struct ext2_buf *b = &fs->slot[s];
    if (slot_take(fs, b, blk, true))
        return NULL;
    memset(b->ptr, 0, fs->bs);
    return b->ptr;
}

/* Slot s was changed in place by the caller: it is to be written back
 * (pinned: the io is told now). */
int ext2_slot_write(struct ext2 *fs, enum ext2_slot s, uint32_t off, uint32_t len)
{
    struct ext2_buf *b = &fs->slot[s];
    if (!b->valid)
        return -EIO;
    if (pinning(fs))
        return fs->io.mark(fs->io.ctx, b->blk, off, len) ? -EIO : 0;
    supersede(fs, b->blk, b->data);
    set_dirty(fs, b);
    return 0;
}

int64_t ext2_now(struct ext2 *fs)
{
    return fs->io.now ? fs->io.now(fs->io.ctx) : 0;
}

static bool group_ok(const struct ext2 *fs, const struct ext2_group *gd)
{
    return ext2_valid_block(fs, gd->bg_block_bitmap) &&
           ext2_valid_block(fs, gd->bg_inode_bitmap) &&
           ext2_valid_block(fs, gd->bg_inode_table) &&
           (uint64_t)gd->bg_inode_table + fs->itable_blocks <= fs->nblocks &&
           gd->bg_free_blocks_count <= fs->bpg && gd->bg_free_inodes_count <= fs->ipg &&
           gd->bg_used_dirs_count <= fs->ipg;
}

static uint32_t group_block(const struct ext2 *fs, uint32_t g, uint32_t *off)
{
    uint32_t per_block = fs->bs / sizeof(struct ext2_group);
    *off = g % per_block * (uint32_t)sizeof(struct ext2_group);
    return fs->gdt_block + g / per_block;
}

/* Reads group g's descriptor; -EUCLEAN if it points outside the disk. */
int ext2_group_get(struct ext2 *fs, uint32_t g, struct ext2_group *out)
{
    uint32_t off;
    uint8_t *data;
    if (g >= fs->ngroups)
        return -EUCLEAN;
    int err = ext2_slot_read(fs, EXT2_SLOT_GROUP, group_block(fs, g, &off), &data);
    if (err)
        return err;
    memcpy(out, data + off, sizeof *out);
    return group_ok(fs, out) ? 0 : -EUCLEAN;
}

int ext2_group_put(struct ext2 *fs, uint32_t g, const struct ext2_group *gd)
{
    uint32_t off;
    uint8_t *data;
    int err = ext2_slot_read(fs, EXT2_SLOT_GROUP, group_block(fs, g, &off), &data);
    if (err)
        return err;
    memcpy(data + off, gd, sizeof *gd);
    return ext2_slot_write(fs, EXT2_SLOT_GROUP, off, sizeof *gd);
}

/* Writes the in-memory superblock, with the current free counts. */
int ext2_flush_super(struct ext2 *fs)
{
    uint32_t blk = fs->bs == 1024 ? 1 : 0;
    uint32_t off = fs->bs == 1024 ? 0 : EXT2_SUPER_OFFSET;
    uint8_t *data;
    fs->sb.s_free_blocks_count = (uint32_t)fs->free_blocks;
    fs->sb.s_free_inodes_count = (uint32_t)fs->free_inodes;
    int err = ext2_slot_read(fs, EXT2_SLOT_SUPER, blk, &data);
    if (err)
        return err;
    memcpy(data + off, &fs->sb, sizeof fs->sb);
    err = ext2_slot_write(fs, EXT2_SLOT_SUPER, off, sizeof fs->sb);
    if (!err)
        fs->sb_dirty = false;
    return err;
}

/* Ends a public operation: writes the superblock if the operation changed
 * it, and the dirty slots, so the disk is consistent between operations.
 * Returns ret, or a write's error if ret was a success. */
int64_t ext2_done(struct ext2 *fs, int64_t ret)
{
    int err = fs->sb_dirty ? ext2_flush_super(fs) : 0;
    if (ext2_slots_flush(fs))
        err = -EIO;
    return ret >= 0 && err ? err : ret;
}

int ext2_sync(struct ext2 *fs)
{
    int64_t now = ext2_now(fs);
    fs->sb.s_wtime = (uint32_t)now;
    fs->sb.s_wtime_hi = now > 0 ? (uint8_t)((uint64_t)now >> 32) : 0;
    return (int)ext2_done(fs, ext2_flush_super(fs));
}

int ext2_statfs(struct ext2 *fs, struct ext2_statfs *out)
{
    uint64_t reserved = fs->sb.s_r_blocks_count;
    *out = (struct ext2_statfs){
        .block_size = fs->bs,
        .blocks = fs->nblocks,
        .free_blocks = fs->free_blocks,
        .avail_blocks = fs->free_blocks > reserved ? fs->free_blocks - reserved : 0,
        .inodes = fs->ninodes,
        .free_inodes = fs->free_inodes,
        .name_max = EXT2_NAME_MAX,
    };
    return 0;
}

/* Finds the superblock. The io layer works in blocks of the file system's
 * block size, which only the superblock tells: with blocks of 2 KiB or
 * more it is at offset 1024 of block 0, with 1 KiB blocks it is block 1.
 * Sets *big to which. */
static int read_super(struct ext2 *fs, bool *big)
{
    uint8_t *buf = fs->data;
    memset(buf, 0, EXT2_MAX_BLOCK);
    if (fs->io.read(fs->io.ctx, 0, buf))
        return -EIO;
    memcpy(&fs->sb, buf + EXT2_SUPER_OFFSET, sizeof fs->sb);
    *big = fs->sb.s_magic == EXT2_MAGIC;
    if (*big)
        return 0;
    if (fs->io.read(fs->io.ctx, 1, buf))
        return -EIO;
    memcpy(&fs->sb, buf, sizeof fs->sb);
    return fs->sb.s_magic == EXT2_MAGIC ? 0 : -EINVAL;
}

static const char *check_features(const struct ext2_super *sb)
{
    if (sb->s_rev_level == EXT2_GOOD_OLD_REV)
        return 0;
    uint32_t bad[3] = { sb->s_feature_compat & ~(uint32_t)EXT2_COMPAT_SUPP,
                        sb->s_feature_incompat & ~(uint32_t)EXT2_INCOMPAT_SUPP,
                        sb->s_feature_ro_compat & ~(uint32_t)EXT2_RO_COMPAT_SUPP };
    for (size_t i = 0; i < sizeof feature_names / sizeof feature_names[0]; i++)
        if (bad[feature_names[i].word] & feature_names[i].mask)
            return feature_names[i].msg;
    if (bad[0])
        return "unsupported compat feature";
    if (bad[1])
        return "unsupported incompat feature";
    if (bad[2])
        return "unsupported ro_compat feature";
    return 0;
}

/* The largest file in blocks: what the block tree addresses, less what
 * would overflow the 32-bit i_blocks (in 512-byte units) once the
 * indirect blocks are counted, as Linux limits it. */
static uint64_t max_file_blocks(uint32_t bs, uint32_t apb)
{
    uint64_t p = apb;
    uint64_t tree = EXT2_NDIR_BLOCKS + p + p * p + p * p * p;
    uint64_t limit = 0xffffffffull / (bs / 512);
    uint64_t meta = limit / p + limit / (p * p) + 5;
    return tree + meta <= limit ? tree : limit - meta;
}

/* Checks the superblock's geometry and derives the core's copy of it. */
static const char *check_geometry(struct ext2 *fs, bool big)
{
    const struct ext2_super *sb = &fs->sb;
    if (sb->s_rev_level > EXT2_DYNAMIC_REV)
        return "unsupported revision";
    if (sb->s_log_block_size > EXT2_MAX_BLOCK_LOG - EXT2_MIN_BLOCK_LOG)
        return "unsupported block size";
    fs->bs = 1024u << sb->s_log_block_size;
    if (big != (fs->bs > 1024))
        return "superblock not where its block size puts it";
    fs->apb = fs->bs / 4;
    fs->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
    fs->first_ino = EXT2_GOOD_OLD_FIRST_INO;
    if (sb->s_rev_level == EXT2_DYNAMIC_REV) {
        fs->inode_size = sb->s_inode_size;
        fs->first_ino = sb->s_first_ino;
    }
    uint32_t isz = fs->inode_size;
    if (isz < EXT2_GOOD_OLD_INODE_SIZE || isz > fs->bs || (isz & (isz - 1)))
        return "bad inode size";
    fs->nblocks = sb->s_blocks_count;
    fs->ninodes = sb->s_inodes_count;
    fs->first_data = sb->s_first_data_block;
    fs->bpg = sb->s_blocks_per_group;
    fs->ipg = sb->s_inodes_per_group;
    if (fs->first_data != (fs->bs == 1024 ? 1u : 0u))
        return "bad first data block";
    if (fs->bpg == 0 || fs->bpg > 8 * fs->bs || fs->bpg % 8)
        return "bad blocks per group";
    if (fs->ipg == 0 || fs->ipg > 8 * fs->bs || fs->ipg % 8)
        return "bad inodes per group";
    if (fs->nblocks <= fs->first_data + 1)
        return "bad block count";
    fs->ngroups = (fs->nblocks - fs->first_data + fs->bpg - 1) / fs->bpg;
    if ((uint64_t)fs->ngroups * fs->ipg != fs->ninodes)
        return "inode count does not match the groups";
    if (fs->first_ino <= EXT2_ROOT_INO || fs->first_ino > fs->ninodes)
        return "bad first inode";
    fs->itable_blocks = (uint32_t)(((uint64_t)fs->ipg * isz + fs->bs - 1) / fs->bs);
    fs->gdt_block = fs->first_data + 1;
    uint64_t gdt_blocks = ((uint64_t)fs->ngroups * sizeof(struct ext2_group) + fs->bs - 1) /
                          fs->bs;
    if (fs->gdt_block + gdt_blocks > fs->nblocks)
        return "group descriptors beyond the disk";
    fs->max_blocks = max_file_blocks(fs->bs, fs->apb);
    fs->filetype = sb->s_rev_level == EXT2_DYNAMIC_REV &&
                   (sb->s_feature_incompat & EXT2_INCOMPAT_FILETYPE);
    return 0;
}

/* Checks every group descriptor and sums the free counts. */
static const char *check_groups(struct ext2 *fs)
{
    fs->free_blocks = 0;
    fs->free_inodes = 0;
    for (uint32_t g = 0; g < fs->ngroups; g++) {
        struct ext2_group gd;
        int err = ext2_group_get(fs, g, &gd);
        if (err == -EIO)
            return "cannot read the group descriptors";
        if (err)
            return "bad group descriptor";
        fs->free_blocks += gd.bg_free_blocks_count;
        fs->free_inodes += gd.bg_free_inodes_count;
    }
    if (fs->free_blocks > fs->nblocks || fs->free_inodes > fs->ninodes)
        return "bad free counts";
    return 0;
}

int ext2_mount(struct ext2 *fs, const struct ext2_io *io, const char **err)
{
    memset(fs, 0, sizeof *fs);
    if (!io->read || !io->write) {
        *err = "no io callbacks";
        return -EINVAL;
    }
    fs->io = *io;
    bool big;
    int e = read_super(fs, &big);
    if (e) {
        *err = e == -EIO ? "cannot read the superblock" : "bad magic";
        return e;
    }
    const char *msg = check_features(&fs->sb);
    if (msg) {
        *err = msg;
        return -EINVAL;
    }
    if ((msg = check_geometry(fs, big)) || (msg = check_groups(fs))) {
        *err = msg;
        return -EUCLEAN;
    }
    struct ext2_node root;
    e = ext2_iread(fs, EXT2_ROOT_INO, &root);
    if (e || ext2_type(&root) != EXT2_S_IFDIR || root.i.i_links_count == 0) {
        *err = e == -EIO ? "cannot read the root inode" : "root is not a directory";
        return e ? e : -EUCLEAN;
    }
    *err = 0;
    return 0;
}
