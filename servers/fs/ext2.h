/*
 * The ext2 core: the on-disk format and every file-system operation, with
 * no IPC and no knowledge of where blocks come from. The fs server runs it
 * over its block cache and blk; the host unit tests run it over an image
 * file (test/host/). Pure C11, freestanding-friendly: it uses only the
 * callbacks below, <stdint.h>, <stddef.h>, <stdbool.h> and mica/string.h
 * style functions (memcpy, memset, memcmp, strlen).
 *
 * Files are named by inode number plus the inode's generation (i_generation),
 * so a request that names a freed and reused inode gets -ESTALE. Every
 * operation validates what it reads from the disk: a corrupt image gives
 * -EUCLEAN (or -EIO when a block cannot be read), never a crash, a hang or
 * a write outside the image.
 *
 * Supported images: revision 0 or 1, blocks of 1, 2 or 4 KiB, any inode
 * size (256-byte inodes carry times past 2038 and nanoseconds).
 *   incompat   FILETYPE only (images without it work too);
 *   ro_compat  SPARSE_SUPER and LARGE_FILE only (set when a file passes
 *              2 GiB);
 *   compat     EXT_ATTR: attribute blocks are dropped (refcount) with their
 *              inode, in-inode attributes are left alone; RESIZE_INODE: its
 *              reserved blocks are marked in use and inode 7 is never
 *              touched; DIR_INDEX: an htree directory is read as the linear
 *              directory its format also is, and the first change to its
 *              entries clears its EXT2_INDEX_FL (e2fsck accepts that;
 *              e2fsck -D indexes it again), while a rename onto an existing
 *              name, which changes no name, keeps the index; DIR_PREALLOC
 *              and IMAGIC_INODES are hints. So mkfs.ext2's defaults mount.
 * Anything else (has_journal, extent, flex_bg, metadata_csum, ...) makes
 * ext2_mount fail with a message naming the feature.
 *
 * The io layer works in blocks of the file system's block size, which the
 * caller reads from the superblock (s_log_block_size at byte 1024 + 24 of
 * the disk) before mounting; ext2_mount finds the superblock at offset 1024
 * of block 0 (2 and 4 KiB blocks) or in block 1 (1 KiB) and checks that.
 *
 * Durability: each operation writes everything it changed through io
 * before it returns (data, inodes, directory blocks, bitmaps, group
 * descriptors, the superblock's free counts); after it, e2fsck finds
 * nothing to fix. ext2_sync writes the superblock with its write time.
 *
 * Limits and choices: files up to 16 GiB with 1 KiB blocks, about 2 TiB
 * with 4 KiB (the 32-bit i_blocks); directories up to 2 GiB, searched
 * linearly: a lookup starts where the previous one in that directory
 * succeeded, a create or a failed lookup reads the whole directory, except
 * in the last directory a create searched (if under about 680 blocks),
 * where an in-memory filter of each block's names and free room lets them
 * skip most blocks; EXT2_LINK_MAX (32000) links; symlink targets shorter
 * than a block (fast below 60 bytes); times from -2^31 to 2^34 - 2^31 - 1
 * seconds, or 32 bits in 128-byte inodes (clamped); reads never update
 * atime; the reserved blocks are usable by every caller (there are no
 * credentials here); the last unlink frees the inode at once, unless
 * the caller says the file is open (ext2_unlink_keep): then it waits on
 * the orphan list for ext2_orphan_release. struct ext2 holds all the core's buffers and that filter (about
 * 56 KiB, ext2_size()).
 */
#ifndef FS_EXT2_H
#define FS_EXT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXT2_ROOT_INO   2
#define EXT2_NAME_MAX   255

/* Where blocks come from. Block numbers are in file-system blocks. */
struct ext2_io {
    void *ctx;
    /* Each returns 0 or -EIO. */
    int (*read)(void *ctx, uint64_t block, void *buf);
    int (*write)(void *ctx, uint64_t block, const void *buf);
    /* The time for timestamps, seconds since the epoch. */
    int64_t (*now)(void *ctx);
    /* Optional: the block where it lies, to be read in place; valid until
     * the next call of this io. NULL: -EIO. */
    const void *(*view)(void *ctx, uint64_t block);
    /* Optional: the block where it lies, for the caller to overwrite whole:
     * it is not read, and counts as written. It stays where it is as long
     * as the io's own rule says (fs's cache: until it forgets its views).
     * NULL: -EIO. */
    void *(*claim)(void *ctx, uint64_t block);
    /* Optional, all three or none: the block in place, kept there until
     * unpin (whole: to be overwritten, so not read, and counted as
     * changed); NULL: -EIO. The core's slots hold metadata blocks so, and
     * mark tells the io of a change of len bytes at off made in place (0
     * or -EIO). */
    void *(*pin)(void *ctx, uint64_t block, bool whole);
    void (*unpin)(void *ctx, uint64_t block);
    int (*mark)(void *ctx, uint64_t block, uint32_t off, uint32_t len);
};

/* Where ext2_read_to puts the file's bytes: piece by piece in file order,
 * `at` bytes from the start of the read. src is valid during the call only
 * (unless the io's view promises more); NULL stands for len zero bytes (a
 * hole). put returns 0, or an errno that ends the read. */
struct ext2_sink {
    void *ctx;
    int (*put)(void *ctx, uint64_t at, const void *src, size_t len);
};

/* Where ext2_write_from takes the bytes from: get fills dst with the
 * write's bytes [at, at + len), in file order. With later set, dst lies in
 * a block the io claimed, and the copy may wait until done (a batch); a new
 * block (fresh) whose copy then fails the source fills with zeros, as it
 * must never show what the buffer held before. Each returns 0 or an errno;
 * after one, the chunk still counts as written (its bytes may be partly
 * new, or zeros) and the write returns the errno. */
struct ext2_source {
    void *ctx;
    int (*get)(void *ctx, uint64_t at, void *dst, size_t len, bool later, bool fresh);
    int (*done)(void *ctx);
};

struct ext2_fileid {
    uint32_t ino;
    uint32_t gen;
};

struct ext2_stat {
    uint32_t ino;
    uint32_t gen;
    uint32_t mode;              /* type and permission bits, as in st_mode */
    uint32_t nlink;
    uint32_t uid, gid;
    uint64_t size;
    uint64_t blocks;            /* 512-byte units, as in st_blocks */
    int64_t atime, mtime, ctime;        /* seconds (beyond 2038 with 256-byte inodes) */
    uint32_t atime_ns, mtime_ns, ctime_ns;
    uint32_t rdev;
};

struct ext2_statfs {
    uint32_t block_size;
    uint64_t blocks, free_blocks, avail_blocks;
    uint64_t inodes, free_inodes;
    uint32_t name_max;
};

/* What ext2_setattr changes: a mask of these, values in the struct. */
#define EXT2_SET_MODE   1u
#define EXT2_SET_UID    2u
#define EXT2_SET_GID    4u
#define EXT2_SET_ATIME  8u
#define EXT2_SET_MTIME  16u
#define EXT2_SET_SIZE   32u          /* truncate, grow or shrink */

struct ext2_setattr {
    uint32_t mask;
    uint32_t mode;                   /* permission bits only (07777) */
    uint32_t uid, gid;
    int64_t atime, mtime;
    uint32_t atime_ns, mtime_ns;
    uint64_t size;
};

/* A directory entry, for ext2_readdir. */
struct ext2_dirent {
    uint32_t ino;
    uint8_t type;                    /* DT_* values: 1 fifo .. 12 socket, 0 unknown */
    uint8_t name_len;
    char name[EXT2_NAME_MAX + 1];    /* NUL-terminated */
    uint64_t next;                   /* cookie of the entry after this one */
};

struct ext2;     /* the mounted file system; its layout is ext2.c's */

/* The size of struct ext2, for the caller to allocate. */
size_t ext2_size(void);

/* Reads and checks the superblock and group descriptors. Returns 0, or a
 * negative errno with *err naming the problem ("unsupported feature
 * dir_index", "bad magic", ...). */
int ext2_mount(struct ext2 *fs, const struct ext2_io *io, const char **err);
/* Writes to the io any block the core holds changed; 0 or -EIO. Every
 * operation does so before it returns; a server may make sure. */
int ext2_slots_flush(struct ext2 *fs);
uint32_t ext2_block_size(const struct ext2 *fs);
/* Writes the superblock (free counts, write time) and every block the core
 * holds changed to the io. */
int ext2_sync(struct ext2 *fs);

/* Each returns 0 (or a count) or a negative errno: -ENOENT, -ENOTDIR,
 * -EISDIR, -EEXIST, -ENOTEMPTY, -ENAMETOOLONG, -ENOSPC, -EINVAL, -EMLINK,
 * -EFBIG, -ESTALE, -EUCLEAN, -EIO, -EPERM (a hard link to a directory),
 * -EXDEV never. A name is 1..255 bytes without '/' or NUL (-EINVAL); "."
 * and ".." cannot be created (-EEXIST), removed or renamed (-EINVAL,
 * rmdir "..": -ENOTEMPTY, unlink: -EISDIR). */
int ext2_getattr(struct ext2 *fs, struct ext2_fileid f, struct ext2_stat *st);
int ext2_lookup(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len,
                struct ext2_fileid *out);
int64_t ext2_read(struct ext2 *fs, struct ext2_fileid f, uint64_t off, void *buf, size_t len);
/* ext2_read, the bytes going to a sink: read in place when the io can. */
int64_t ext2_read_to(struct ext2 *fs, struct ext2_fileid f, uint64_t off, size_t len,
                     const struct ext2_sink *to);
/* Writes len bytes at off (holes stay sparse); returns the count. */
int64_t ext2_write(struct ext2 *fs, struct ext2_fileid f, uint64_t off, const void *buf,
                   size_t len);
/* ext2_write, the bytes coming from a source: into the io's blocks in
 * place when it can claim them. */
int64_t ext2_write_from(struct ext2 *fs, struct ext2_fileid f, uint64_t off, size_t len,
                        const struct ext2_source *from);
/* Creates a regular file, directory, symlink or device/fifo/socket node in
 * dir. mode has the type bits (S_IFREG etc.; 0 means S_IFREG, S_IFDIR is
 * ext2_mkdir, S_IFLNK is -EINVAL: use ext2_symlink) and the permissions.
 * rdev, for character and block devices, is Linux's 32-bit device number
 * (the low half of the C library's makedev). */
int ext2_create(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len,
                uint32_t mode, uint32_t uid, uint32_t gid, uint32_t rdev,
                struct ext2_fileid *out);
int ext2_mkdir(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len,
               uint32_t mode, uint32_t uid, uint32_t gid, struct ext2_fileid *out);
int ext2_symlink(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len,
                 const char *target, size_t target_len, uint32_t uid, uint32_t gid,
                 struct ext2_fileid *out);
int64_t ext2_readlink(struct ext2 *fs, struct ext2_fileid f, char *buf, size_t len);
int ext2_link(struct ext2 *fs, struct ext2_fileid f, struct ext2_fileid dir,
              const char *name, size_t len);
/* Removes a non-directory entry; the inode is freed when its last link goes. */
int ext2_unlink(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len);
/* ext2_unlink for a file the caller has open: if its last link goes, the
 * inode stays (readable, writable, with nlink 0) on the orphan list and
 * the answer is 1; otherwise 0. *gone is the file either way. */
int ext2_unlink_keep(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len,
                     struct ext2_fileid *gone);
/* Frees an orphan now that it is closed (0 if it has a link again). */
int ext2_orphan_release(struct ext2 *fs, struct ext2_fileid f);
/* Frees every orphan: for when no file can be open (a fresh start). */
int ext2_orphans_free(struct ext2 *fs);
int ext2_rmdir(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len);
/* POSIX rename: replaces an existing target of a compatible type; moving a
 * directory into itself or its own descendant is -EINVAL. With noreplace,
 * an existing target is -EEXIST. */
int ext2_rename(struct ext2 *fs, struct ext2_fileid from_dir, const char *from, size_t from_len,
                struct ext2_fileid to_dir, const char *to, size_t to_len, bool noreplace);
/* ext2_rename for a caller that has the target open: if it loses its last
 * link it goes on the orphan list, and the answer is 1 with *gone set. */
int ext2_rename_keep(struct ext2 *fs, struct ext2_fileid from_dir, const char *from,
                     size_t from_len, struct ext2_fileid to_dir, const char *to, size_t to_len,
                     bool noreplace, struct ext2_fileid *gone);
int ext2_setattr(struct ext2 *fs, struct ext2_fileid f, const struct ext2_setattr *sa);
/* Reads the entry at cookie (0 = first); returns 1 and fills *de, 0 at the
 * end. Cookies stay valid across modifications of other entries. */
int ext2_readdir(struct ext2 *fs, struct ext2_fileid dir, uint64_t cookie,
                 struct ext2_dirent *de);
int ext2_statfs(struct ext2 *fs, struct ext2_statfs *out);

#endif
