/*
 * The ext2 core's internals, shared by its files:
 *
 *   ext2.c         mount, the superblock, group descriptors, block i/o and
 *                  the few cached metadata blocks, sync, statfs
 *   ext2_alloc.c   block and inode bitmaps: allocation and freeing
 *   ext2_inode.c   inodes: reading, writing, times, block mapping, truncate
 *   ext2_dir.c     directory entries: find, insert, remove, readdir, and
 *                  the summary of one large directory that speeds them up
 *   ext2_file.c    getattr, setattr, read, write, readlink
 *   ext2_namei.c   lookup, create, mkdir, symlink, link, unlink, rmdir
 *   ext2_rename.c  rename
 *   ext2_orphan.c  the orphan list: unlinked files still open
 *
 * No allocation and no deep recursion: struct ext2 holds every buffer.
 * Each buffer has one user at a time, named beside it; a function that
 * needs a block while its caller holds one uses a different buffer.
 */
#ifndef FS_EXT2_IMPL_H
#define FS_EXT2_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ext2.h"
#include "ext2_disk.h"

/* A block buffer that may keep its block between uses (a metadata cache
 * of one block). ext2_slot_write marks it dirty; it goes to the io when
 * the slot takes another block, before the block is read or viewed any
 * other way, and at the end of the operation (ext2_done). So a bitmap, a
 * descriptor block or an indirect block changed for each of the blocks a
 * write allocates is written once, not once per block. Any write of that
 * block through ext2_bwrite from another buffer, or its claim, supersedes
 * it. With an io that pins (fs's cache) a slot is the io's block itself
 * instead: ptr points there, and a change is marked at once (ext2.c). */
struct ext2_buf {
    uint32_t blk;
    bool valid;
    bool dirty;
    uint8_t *ptr;              /* the block's bytes: data, or the io's pinned copy */
    _Alignas(8) uint8_t data[EXT2_MAX_BLOCK];
};

enum ext2_slot {
    EXT2_SLOT_SUPER,        /* the block holding the superblock */
    EXT2_SLOT_GROUP,        /* a block of the group descriptor table */
    EXT2_SLOT_BITMAP,       /* a block bitmap */
    EXT2_SLOT_IBITMAP,      /* an inode bitmap: a creation needs both at once */
    EXT2_SLOT_ITABLE,       /* a block of an inode table */
    EXT2_SLOT_IND1,         /* an indirect block whose entries are data blocks */
    EXT2_SLOT_IND2,         /* a double-indirect block */
    EXT2_SLOT_IND3,         /* a triple-indirect block */
    EXT2_SLOTS
};

/* A summary of one large directory, the last one a creation searched: per
 * block, a small Bloom filter of the names in it (bits set by every name
 * added, never cleared, so a name not in the filter is not in the block)
 * and the largest slack of a record. Searches skip the blocks it rules
 * out; ext2_dir.c keeps it up to date with every change it makes. */
#define EXT2_DCACHE_BYTES   16384
#define EXT2_DCACHE_BLOCKS  1024
struct ext2_dcache {
    bool valid;
    uint32_t ino, gen;          /* the directory */
    uint32_t nblocks;           /* its blocks, all summarised */
    uint32_t capacity;          /* the blocks that fit */
    uint32_t bits;              /* per block, a power of two */
    uint16_t room[EXT2_DCACHE_BLOCKS];
    uint8_t filter[EXT2_DCACHE_BYTES];
};

struct ext2 {
    struct ext2_io io;
    struct ext2_super sb;       /* in memory; written by ext2_flush_super */
    bool sb_dirty;              /* to be written by the end of the operation (the
                                   free counts alone wait for ext2_sync) */

    /* Geometry, checked at mount. */
    uint32_t bs;                /* block size */
    uint32_t apb;               /* block addresses per block */
    uint32_t inode_size;
    uint32_t ninodes, nblocks, first_data, first_ino;
    uint32_t ipg, bpg, ngroups;
    uint32_t itable_blocks;     /* inode table blocks per group */
    uint32_t gdt_block;         /* first block of the descriptor table */
    uint64_t max_blocks;        /* the largest file, in blocks */
    bool filetype;

    /* Free counts: the group descriptors' sums, kept up to date. */
    uint64_t free_blocks, free_inodes;

    /* The directory block where the last lookup found its entry, where
     * the next lookup in that directory starts (like Linux ext2). */
    uint32_t hint_ino;
    uint64_t hint_lblk;

    struct ext2_dcache dc;

    struct ext2_buf slot[EXT2_SLOTS];
    unsigned dirty_slots;       /* how many are dirty: 0 spares looking */
    /* Scratch, never cached. */
    _Alignas(8) uint8_t dir[EXT2_MAX_BLOCK];     /* a directory block */
    _Alignas(8) uint8_t data[EXT2_MAX_BLOCK];    /* file data, symlinks */
};

/* An inode being worked on: read, changed in memory, written back. */
struct ext2_node {
    uint32_t ino;
    uint32_t goal;              /* where the next block allocation starts */
    bool fresh;                 /* new: ext2_iwrite clears the whole slot */
    _Alignas(8) struct ext2_inode i;   /* so memcpy moves it a word at a time */
};

/* Little-endian 32-bit words in block buffers. */
static inline uint32_t ext2_ld32(const uint8_t *p, uint32_t index)
{
    uint32_t v;
    __builtin_memcpy(&v, p + 4 * (size_t)index, 4);
    return v;
}

static inline uint64_t ext2_ld64(const uint8_t *p)
{
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
    return v;
}

static inline void ext2_st32(uint8_t *p, uint32_t index, uint32_t v)
{
    __builtin_memcpy(p + 4 * (size_t)index, &v, 4);
}

/* ext2.c */
bool ext2_valid_block(const struct ext2 *fs, uint64_t blk);
int ext2_bread(struct ext2 *fs, uint32_t blk, void *buf);
int ext2_bwrite(struct ext2 *fs, uint32_t blk, const void *buf);
/* The io's buffer of blk (io.claim), to be overwritten whole; NULL: -EIO. */
uint8_t *ext2_bclaim(struct ext2 *fs, uint32_t blk);
int ext2_slot_read(struct ext2 *fs, enum ext2_slot s, uint32_t blk, uint8_t **data);
/* Slot s was changed in place, len bytes at off (all an io that pins is
 * told of: it logs just those). */
int ext2_slot_write(struct ext2 *fs, enum ext2_slot s, uint32_t off, uint32_t len);
/* A dirty slot holding blk goes to the io first: blk is about to be read
 * some other way. 0 or -EIO. */
int ext2_slots_settle(struct ext2 *fs, uint32_t blk);
uint8_t *ext2_slot_claim(struct ext2 *fs, enum ext2_slot s, uint32_t blk);
int ext2_group_get(struct ext2 *fs, uint32_t g, struct ext2_group *out);
int ext2_group_put(struct ext2 *fs, uint32_t g, const struct ext2_group *gd);
int ext2_flush_super(struct ext2 *fs);
int64_t ext2_done(struct ext2 *fs, int64_t ret);
int64_t ext2_now(struct ext2 *fs);

/* ext2_orphan.c: n (its last link gone) goes on the list; is ino on it? */
int ext2_orphan_add(struct ext2 *fs, struct ext2_node *n);
bool ext2_orphan_has(struct ext2 *fs, uint32_t ino);

/* ext2_alloc.c */
int ext2_alloc_block(struct ext2 *fs, uint32_t goal, uint32_t *out);
int ext2_free_block(struct ext2 *fs, uint32_t blk);
int ext2_alloc_inode(struct ext2 *fs, uint32_t parent, bool dir, uint32_t *out);
int ext2_free_inode(struct ext2 *fs, uint32_t ino, bool dir);

/* ext2_inode.c */
#define EXT2_TOUCH_A 1u
#define EXT2_TOUCH_M 2u
#define EXT2_TOUCH_C 4u
int ext2_iread(struct ext2 *fs, uint32_t ino, struct ext2_node *n);
int ext2_iwrite(struct ext2 *fs, struct ext2_node *n);
int ext2_open(struct ext2 *fs, struct ext2_fileid f, struct ext2_node *n);
int ext2_open_dir(struct ext2 *fs, struct ext2_fileid f, struct ext2_node *n);
uint32_t ext2_type(const struct ext2_node *n);
uint64_t ext2_isize(const struct ext2_node *n);
void ext2_set_isize(struct ext2 *fs, struct ext2_node *n, uint64_t size);
bool ext2_has_extra(const struct ext2 *fs, const struct ext2_node *n, size_t upto);
void ext2_touch(struct ext2 *fs, struct ext2_node *n, unsigned what);
void ext2_set_time(struct ext2 *fs, struct ext2_node *n, unsigned which, int64_t sec,
                   uint32_t ns);
void ext2_get_time(const struct ext2 *fs, const struct ext2_node *n, unsigned which,
                   int64_t *sec, uint32_t *ns);
void ext2_set_owner(struct ext2_node *n, uint32_t uid, uint32_t gid);
int ext2_new_inode(struct ext2 *fs, const struct ext2_node *dir, uint32_t mode, uint32_t uid,
                   uint32_t gid, struct ext2_node *n);
bool ext2_maps_blocks(const struct ext2 *fs, const struct ext2_node *n);
int ext2_bmap(struct ext2 *fs, struct ext2_node *n, uint64_t lblk, bool alloc, uint32_t *pblk,
              bool *fresh);
/* Maps logical blocks from lblk on, without allocating: *pblk for lblk (0:
 * a hole), and *count (1..max) blocks from there lying in a row on the disk
 * (pblk, pblk + 1, ...) under one table, so a read maps a run at once. */
int ext2_bmap_run(struct ext2 *fs, struct ext2_node *n, uint64_t lblk, uint32_t max,
                  uint32_t *pblk, uint32_t *count);
int ext2_truncate(struct ext2 *fs, struct ext2_node *n, uint64_t size);
int ext2_release(struct ext2 *fs, struct ext2_node *n);

/* ext2_dir.c */
struct ext2_dirloc {
    uint64_t lblk;              /* the directory block holding the entry */
    uint32_t off;               /* the entry's offset in that block */
    uint32_t prev;              /* the previous entry's, or off if first */
    uint32_t rec_len;           /* with a free slot: the room it needs */
    uint32_t ino;
    uint8_t ft;
    bool append;                /* a free slot: in a new block at the end */
};
int ext2_check_name(const char *name, size_t len);
bool ext2_is_dot(const char *name, size_t len);
uint8_t ext2_ft_of_mode(uint32_t mode);
int ext2_dir_find(struct ext2 *fs, struct ext2_node *dir, const char *name, size_t len,
                  struct ext2_dirloc *loc);
int ext2_dir_prepare(struct ext2 *fs, struct ext2_node *dir, const char *name, size_t len,
                     struct ext2_dirloc *slot);
int ext2_dir_insert(struct ext2 *fs, struct ext2_node *dir, const struct ext2_dirloc *slot,
                    const char *name, size_t len, uint32_t ino, uint8_t ft);
int ext2_dir_remove(struct ext2 *fs, struct ext2_node *dir, const struct ext2_dirloc *loc);
int ext2_dir_retarget(struct ext2 *fs, struct ext2_node *dir, const struct ext2_dirloc *loc,
                      uint32_t ino, uint8_t ft);
int ext2_dir_empty(struct ext2 *fs, struct ext2_node *dir);
int ext2_dir_init(struct ext2 *fs, struct ext2_node *dir, uint32_t parent);

/* ext2_namei.c */
int ext2_entry_inode(struct ext2 *fs, const struct ext2_dirloc *loc, struct ext2_node *n);

#endif
