/*
 * Inodes: reading and writing them, their times and sizes, mapping a
 * file's logical blocks through the direct, single, double and triple
 * indirect blocks, truncating, and freeing an inode with everything it owns.
 *
 * Times: the 32-bit seconds field plus, in a 256-byte inode whose
 * i_extra_isize covers them, the *_extra fields (nanoseconds << 2 | two
 * epoch bits), as Linux encodes them: seconds from -2^31 to 2^34 - 2^31 - 1
 * (year 2446). Without the extra fields, times are clamped to 32 bits.
 */
#include "ext2_impl.h"

#include "mica/errno.h"
#include "mica/string.h"

#define TIME_MIN    (-((int64_t)1 << 31))
#define TIME32_MAX  (((int64_t)1 << 31) - 1)
#define TIME_MAX    (((int64_t)3 << 32) + TIME32_MAX)
#define EXTRA_END(field) (offsetof(struct ext2_inode, field) + 4)

/* Where inode ino lives: its block and offset in the inode table. */
static int locate(struct ext2 *fs, uint32_t ino, uint32_t *blk, uint32_t *off)
{
    struct ext2_group gd;
    if (ino == 0 || ino > fs->ninodes)
        return -EUCLEAN;
    uint32_t index = (ino - 1) % fs->ipg;
    int err = ext2_group_get(fs, (ino - 1) / fs->ipg, &gd);
    if (err)
        return err;
    uint64_t byte = (uint64_t)index * fs->inode_size;
    *blk = gd.bg_inode_table + (uint32_t)(byte / fs->bs);
    *off = (uint32_t)(byte % fs->bs);
    return 0;
}

static size_t held_size(const struct ext2 *fs)
{
    return fs->inode_size < sizeof(struct ext2_inode) ? fs->inode_size
                                                       : sizeof(struct ext2_inode);
}

int ext2_iread(struct ext2 *fs, uint32_t ino, struct ext2_node *n)
{
    uint32_t blk, off;
    uint8_t *data;
    int err = locate(fs, ino, &blk, &off);
    if (err || (err = ext2_slot_read(fs, EXT2_SLOT_ITABLE, blk, &data)))
        return err;
    memset(n, 0, sizeof *n);
    memcpy(&n->i, data + off, held_size(fs));
    n->ino = ino;
    return 0;
}

int ext2_iwrite(struct ext2 *fs, struct ext2_node *n)
{
    uint32_t blk, off;
    uint8_t *data;
    int err = locate(fs, n->ino, &blk, &off);
    if (err || (err = ext2_slot_read(fs, EXT2_SLOT_ITABLE, blk, &data)))
        return err;
    size_t held = held_size(fs);
    memcpy(data + off, &n->i, held);
    if (n->fresh)               /* no stale in-inode attributes */
        memset(data + off + held, 0, fs->inode_size - held);
    n->fresh = false;
    return ext2_slot_write(fs, EXT2_SLOT_ITABLE, off, fs->inode_size);
}

/* Opens the file f names: -ESTALE unless it is an inode in use with
 * generation f.gen. */
int ext2_open(struct ext2 *fs, struct ext2_fileid f, struct ext2_node *n)
{
    if (f.ino == 0 || f.ino > fs->ninodes || (f.ino < fs->first_ino && f.ino != EXT2_ROOT_INO))
        return -ESTALE;
    int err = ext2_iread(fs, f.ino, n);
    if (err)
        return err;
    if (n->i.i_mode == 0 || n->i.i_generation != f.gen)
        return -ESTALE;
    /* No links: an open file's orphan, or freed. */
    if (n->i.i_links_count == 0 && !ext2_orphan_has(fs, f.ino))
        return -ESTALE;
    return 0;
}

int ext2_open_dir(struct ext2 *fs, struct ext2_fileid f, struct ext2_node *n)
{
    int err = ext2_open(fs, f, n);
    if (!err && ext2_type(n) != EXT2_S_IFDIR)
        err = -ENOTDIR;
    return err;
}

uint32_t ext2_type(const struct ext2_node *n)
{
    return n->i.i_mode & EXT2_S_IFMT;
}

uint64_t ext2_isize(const struct ext2_node *n)
{
    uint64_t high = ext2_type(n) == EXT2_S_IFREG ? n->i.i_size_high : 0;
    return high << 32 | n->i.i_size;
}

void ext2_set_isize(struct ext2 *fs, struct ext2_node *n, uint64_t size)
{
    n->i.i_size = (uint32_t)size;
    if (ext2_type(n) == EXT2_S_IFREG)
        n->i.i_size_high = (uint32_t)(size >> 32);
    if (size > 0x7fffffff && !(fs->sb.s_feature_ro_compat & EXT2_RO_COMPAT_LARGE_FILE) &&
        fs->sb.s_rev_level == EXT2_DYNAMIC_REV) {
        fs->sb.s_feature_ro_compat |= EXT2_RO_COMPAT_LARGE_FILE;
        fs->sb_dirty = true;
    }
}

/* Whether n's i_extra_isize covers the extra fields up to byte upto. */
bool ext2_has_extra(const struct ext2 *fs, const struct ext2_node *n, size_t upto)
{
    uint32_t extra = n->i.i_extra_isize;
    return fs->inode_size > EXT2_GOOD_OLD_INODE_SIZE &&
           extra <= fs->inode_size - EXT2_GOOD_OLD_INODE_SIZE &&
           EXT2_GOOD_OLD_INODE_SIZE + extra >= upto;
}

static uint32_t *time_field(struct ext2_inode *i, unsigned which, uint32_t **extra)
{
    if (which == EXT2_TOUCH_A) {
        *extra = &i->i_atime_extra;
        return &i->i_atime;
    }
    if (which == EXT2_TOUCH_M) {
        *extra = &i->i_mtime_extra;
        return &i->i_mtime;
    }
    *extra = &i->i_ctime_extra;
    return &i->i_ctime;
}

void ext2_set_time(struct ext2 *fs, struct ext2_node *n, unsigned which, int64_t sec,
                   uint32_t ns)
{
    uint32_t *extra, *lo = time_field(&n->i, which, &extra);
    bool wide = ext2_has_extra(fs, n, EXTRA_END(i_atime_extra));
    int64_t max = wide ? TIME_MAX : TIME32_MAX;
    sec = sec < TIME_MIN ? TIME_MIN : sec > max ? max : sec;
    *lo = (uint32_t)sec;
    if (wide) {
        uint32_t epoch = (uint32_t)((sec - (int32_t)*lo) >> 32) & EXT2_EPOCH_MASK;
        *extra = epoch | (ns < 1000000000u ? ns : 0) << EXT2_EPOCH_BITS;
    }
}

void ext2_get_time(const struct ext2 *fs, const struct ext2_node *n, unsigned which,
                   int64_t *sec, uint32_t *ns)
{
    uint32_t *extra, *lo = time_field((struct ext2_inode *)&n->i, which, &extra);
    *sec = (int32_t)*lo;
    *ns = 0;
    if (ext2_has_extra(fs, n, EXTRA_END(i_atime_extra))) {
        *sec += (int64_t)(*extra & EXT2_EPOCH_MASK) << 32;
        *ns = *extra >> EXT2_EPOCH_BITS;
    }
}

/* Sets the times in what (EXT2_TOUCH_*) to now. */
void ext2_touch(struct ext2 *fs, struct ext2_node *n, unsigned what)
{
    int64_t now = ext2_now(fs);
    for (unsigned which = EXT2_TOUCH_A; which <= EXT2_TOUCH_C; which <<= 1)
        if (what & which)
            ext2_set_time(fs, n, which, now, 0);
}

void ext2_set_owner(struct ext2_node *n, uint32_t uid, uint32_t gid)
{
    n->i.i_uid = (uint16_t)uid;
    n->i.i_uid_high = (uint16_t)(uid >> 16);
    n->i.i_gid = (uint16_t)gid;
    n->i.i_gid_high = (uint16_t)(gid >> 16);
}

/* Allocates and fills in (in memory only) a new inode near directory dir.
 * Its generation is one more than the last file's with that number, so
 * the old file's ids go stale. */
int ext2_new_inode(struct ext2 *fs, const struct ext2_node *dir, uint32_t mode, uint32_t uid,
                   uint32_t gid, struct ext2_node *n)
{
    bool is_dir = (mode & EXT2_S_IFMT) == EXT2_S_IFDIR;
    uint32_t ino;
    int err = ext2_alloc_inode(fs, dir->ino, is_dir, &ino);
    if (err)
        return err;
    if ((err = ext2_iread(fs, ino, n))) {
        ext2_free_inode(fs, ino, is_dir);
        return err;
    }
    uint32_t gen = n->i.i_generation + 1;
    memset(&n->i, 0, sizeof n->i);
    n->fresh = true;
    n->i.i_mode = (uint16_t)mode;
    ext2_set_owner(n, uid, gid);
    n->i.i_links_count = is_dir ? 2 : 1;
    n->i.i_generation = gen;
    if (fs->inode_size >= sizeof(struct ext2_inode))
        n->i.i_extra_isize = EXT2_EXTRA_ISIZE;
    ext2_touch(fs, n, EXT2_TOUCH_A | EXT2_TOUCH_M | EXT2_TOUCH_C);
    if (ext2_has_extra(fs, n, EXTRA_END(i_crtime_extra))) {
        n->i.i_crtime = n->i.i_ctime;
        n->i.i_crtime_extra = n->i.i_ctime_extra;
    }
    return 0;
}

static uint32_t xattr_blocks(const struct ext2 *fs, const struct ext2_node *n)
{
    return n->i.i_file_acl ? fs->bs / 512 : 0;
}

/* Whether i_block holds block numbers: not for a fast symlink (its target
 * is there) nor a device (its number is). */
bool ext2_maps_blocks(const struct ext2 *fs, const struct ext2_node *n)
{
    uint32_t t = ext2_type(n);
    if (t == EXT2_S_IFLNK)
        return n->i.i_blocks > xattr_blocks(fs, n);
    return t == EXT2_S_IFREG || t == EXT2_S_IFDIR;
}

/* The i_block index and the index at each level of indirection of
 * logical block lblk. Returns the number of levels, or -EFBIG. */
static int block_path(const struct ext2 *fs, uint64_t lblk, uint32_t idx[4])
{
    uint64_t p = fs->apb;
    if (lblk < EXT2_NDIR_BLOCKS) {
        idx[0] = (uint32_t)lblk;
        return 0;
    }
    lblk -= EXT2_NDIR_BLOCKS;
    if (lblk < p) {
        idx[0] = EXT2_IND_BLOCK;
        idx[1] = (uint32_t)lblk;
        return 1;
    }
    lblk -= p;
    if (lblk < p * p) {
        idx[0] = EXT2_DIND_BLOCK;
        idx[1] = (uint32_t)(lblk / p);
        idx[2] = (uint32_t)(lblk % p);
        return 2;
    }
    lblk -= p * p;
    if (lblk < p * p * p) {
        idx[0] = EXT2_TIND_BLOCK;
        idx[1] = (uint32_t)(lblk / (p * p));
        idx[2] = (uint32_t)(lblk / p % p);
        idx[3] = (uint32_t)(lblk % p);
        return 3;
    }
    return -EFBIG;
}

/* Allocates a block for n near near (0: anywhere in n's group). */
static int new_block(struct ext2 *fs, struct ext2_node *n, uint32_t near, uint32_t *out)
{
    uint32_t goal = n->goal ? n->goal : near;
    if (!goal)
        goal = (uint32_t)(fs->first_data + (uint64_t)((n->ino - 1) / fs->ipg) * fs->bpg);
    int err = ext2_alloc_block(fs, goal, out);
    if (err)
        return err;
    n->goal = *out + 1;
    n->i.i_blocks += fs->bs / 512;
    return 0;
}

/* Gives back one of n's blocks. */
static int release_block(struct ext2 *fs, struct ext2_node *n, uint32_t blk)
{
    int err = ext2_free_block(fs, blk);
    if (!err)
        n->i.i_blocks = n->i.i_blocks > fs->bs / 512 ? n->i.i_blocks - fs->bs / 512 : 0;
    return err;
}

/* Maps logical block lblk of n to *pblk (0: a hole). With alloc, fills a
 * hole (and the indirect blocks on the way) and sets *fresh: the block is
 * new and its contents undefined. n is changed in memory only; the caller
 * writes it, also after an error. */
int ext2_bmap(struct ext2 *fs, struct ext2_node *n, uint64_t lblk, bool alloc, uint32_t *pblk,
              bool *fresh)
{
    uint32_t idx[4];
    int levels = block_path(fs, lblk, idx), err;
    *pblk = 0;
    *fresh = false;
    if (levels < 0)
        return alloc ? levels : 0;
    uint32_t cur = n->i.i_block[idx[0]];
    bool cur_fresh = false;
    if (cur == 0) {
        if (!alloc)
            return 0;
        uint32_t near = idx[0] ? n->i.i_block[idx[0] - 1] : 0;
        if ((err = new_block(fs, n, near ? near + 1 : 0, &cur)))
            return err;
        n->i.i_block[idx[0]] = cur;
        cur_fresh = true;
    } else if (!ext2_valid_block(fs, cur)) {
        return -EUCLEAN;
    }
    for (int l = 1; l <= levels; l++) {
        /* cur is an indirect block of tree level levels - l + 1. */
        enum ext2_slot s = EXT2_SLOT_IND1 + (levels - l);
        uint8_t *buf;
        if (cur_fresh && !(buf = ext2_slot_claim(fs, s, cur)))
            return -EIO;
        if (!cur_fresh && (err = ext2_slot_read(fs, s, cur, &buf)))
            return err;
        uint32_t next = ext2_ld32(buf, idx[l]);
        bool next_fresh = false;
        if (next == 0) {
            if (!alloc)
                return 0;
            uint32_t near = idx[l] ? ext2_ld32(buf, idx[l] - 1) : 0;
            if ((err = new_block(fs, n, near ? near + 1 : cur + 1, &next))) {
                if (cur_fresh)              /* it is referenced: zero it */
                    ext2_slot_write(fs, s, 0, fs->bs);
                return err;
            }
            ext2_st32(buf, idx[l], next);
            next_fresh = true;
            if ((err = ext2_slot_write(fs, s, idx[l] * 4, 4)))
                return err;
        } else if (!ext2_valid_block(fs, next)) {
            return -EUCLEAN;
        }
        cur = next;
        cur_fresh = next_fresh;
    }
    *pblk = cur;
    *fresh = cur_fresh;
    return 0;
}

int ext2_bmap_run(struct ext2 *fs, struct ext2_node *n, uint64_t lblk, uint32_t max,
                  uint32_t *pblk, uint32_t *count)
{
    uint32_t idx[4];
    bool fresh;
    int levels = block_path(fs, lblk, idx);
    int err = ext2_bmap(fs, n, lblk, false, pblk, &fresh);
    *count = 1;
    if (err || levels < 0 || !*pblk)
        return err;
    /* The leaf table holding lblk's entry: the inode's, or the level-1
     * indirect block ext2_bmap just left in its slot. */
    uint32_t i = idx[levels], end = levels ? fs->apb : EXT2_NDIR_BLOCKS;
    const uint8_t *leaf = levels ? fs->slot[EXT2_SLOT_IND1].ptr : (const uint8_t *)n->i.i_block;
    while (*count < max && i + *count < end && *pblk + *count < fs->nblocks &&
           ext2_ld32(leaf, i + *count) == *pblk + *count)
        ++*count;
    return 0;
}

/* Frees the part from logical block keep on of the tree under *slot, an
 * indirect block of the given level (1: its entries are data blocks)
 * covering logical blocks from base; clears *slot when all of it goes.
 * Recurses at most three deep, each level in its own slot. */
static int trunc_tree(struct ext2 *fs, struct ext2_node *n, uint32_t *slot, int level,
                      uint64_t base, uint64_t keep)
{
    uint64_t child_span = 1;
    for (int l = 1; l < level; l++)
        child_span *= fs->apb;
    uint32_t blk = *slot;
    if (blk == 0 || keep >= base + child_span * fs->apb)
        return 0;
    if (!ext2_valid_block(fs, blk))
        return -EUCLEAN;
    enum ext2_slot s = EXT2_SLOT_IND1 + (level - 1);
    uint8_t *buf;
    int err = ext2_slot_read(fs, s, blk, &buf);
    if (err)
        return err;
    bool changed = false;
    uint32_t first = keep > base ? (uint32_t)((keep - base) / child_span) : 0;
    for (uint32_t i = first; i < fs->apb && !err; i++) {
        uint32_t child = ext2_ld32(buf, i), left = child;
        if (child == 0)
            continue;
        if (level == 1) {
            if (!(err = release_block(fs, n, child)))
                left = 0;
        } else {
            err = trunc_tree(fs, n, &left, level - 1, base + i * child_span, keep);
        }
        if (left != child) {
            ext2_st32(buf, i, left);
            changed = true;
        }
    }
    if (!err && keep <= base) {
        if (!(err = release_block(fs, n, blk)))
            *slot = 0;
        return err;
    }
    if (changed) {
        int werr = ext2_slot_write(fs, s, 0, fs->bs);
        err = err ? err : werr;
    }
    return err;
}

/* Frees n's blocks from logical block keep on. */
static int free_blocks_from(struct ext2 *fs, struct ext2_node *n, uint64_t keep)
{
    uint64_t p = fs->apb;
    int err = 0;
    for (uint64_t i = keep; i < EXT2_NDIR_BLOCKS && !err; i++) {
        if (n->i.i_block[i] && !(err = release_block(fs, n, n->i.i_block[i])))
            n->i.i_block[i] = 0;
    }
    uint64_t base = EXT2_NDIR_BLOCKS;
    for (int level = 1; level <= 3 && !err; level++) {
        err = trunc_tree(fs, n, &n->i.i_block[EXT2_IND_BLOCK + level - 1], level, base, keep);
        base += level == 1 ? p : level == 2 ? p * p : 0;
    }
    return err;
}

/* Sets n's size (regular files and directories), freeing the blocks past
 * a smaller size and zeroing the rest of its last block, so that a later
 * growth reads zeros. Changes n in memory; the caller writes it. */
int ext2_truncate(struct ext2 *fs, struct ext2_node *n, uint64_t size)
{
    if (size > fs->max_blocks * fs->bs)
        return -EFBIG;
    uint64_t old = ext2_isize(n);
    if (size < old && ext2_maps_blocks(fs, n)) {
        uint32_t tail = (uint32_t)(size % fs->bs), pblk;
        bool fresh;
        if (tail) {
            int err = ext2_bmap(fs, n, size / fs->bs, false, &pblk, &fresh);
            if (!err && pblk && !(err = ext2_bread(fs, pblk, fs->data))) {
                memset(fs->data + tail, 0, fs->bs - tail);
                err = ext2_bwrite(fs, pblk, fs->data);
            }
            if (err)
                return err;
        }
        int err = free_blocks_from(fs, n, (size + fs->bs - 1) / fs->bs);
        if (err)
            return err;
    }
    ext2_set_isize(fs, n, size);
    return 0;
}

/* Drops n's extended attribute block: one reference less, freed with the
 * last. */
static int release_xattr(struct ext2 *fs, struct ext2_node *n)
{
    uint32_t blk = n->i.i_file_acl;
    struct ext2_xattr_head h;
    if (!ext2_valid_block(fs, blk))
        return -EUCLEAN;
    int err = ext2_bread(fs, blk, fs->data);
    if (err)
        return err;
    memcpy(&h, fs->data, sizeof h);
    if (h.h_magic != EXT2_XATTR_MAGIC || h.h_blocks != 1 || h.h_refcount == 0)
        return -EUCLEAN;
    if (h.h_refcount > 1) {
        h.h_refcount--;
        memcpy(fs->data, &h, sizeof h);
        err = ext2_bwrite(fs, blk, fs->data);
        n->i.i_blocks -= n->i.i_blocks >= fs->bs / 512 ? fs->bs / 512 : n->i.i_blocks;
    } else {
        err = release_block(fs, n, blk);
    }
    if (!err)
        n->i.i_file_acl = 0;
    return err;
}

/* Frees n, whose last link is gone, with its blocks; n's generation stays
 * on disk for the next file with its number. */
int ext2_release(struct ext2 *fs, struct ext2_node *n)
{
    bool dir = ext2_type(n) == EXT2_S_IFDIR;
    int err = 0;
    if (ext2_maps_blocks(fs, n))
        err = free_blocks_from(fs, n, 0);
    if (!err && n->i.i_file_acl)
        err = release_xattr(fs, n);
    if (!err)
        err = ext2_free_inode(fs, n->ino, dir);
    if (err) {
        ext2_iwrite(fs, n);     /* keep what was freed off the inode */
        return err;
    }
    uint32_t gen = n->i.i_generation;
    int64_t now = ext2_now(fs);
    memset(&n->i, 0, sizeof n->i);
    n->i.i_generation = gen;
    /* e2fsck takes a small dtime for an orphan list link. */
    n->i.i_dtime = now >= fs->ninodes && now <= 0xffffffff ? (uint32_t)now : 0;
    return ext2_iwrite(fs, n);
}
