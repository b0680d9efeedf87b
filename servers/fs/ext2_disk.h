/*
 * The ext2 on-disk format, as far as the core uses it: the superblock, the
 * group descriptor, the inode (with the 256-byte inode's extra fields) and
 * the directory entry. All fields are little-endian; the core runs only on
 * little-endian machines (RISC-V and the x86 host), so the structures are
 * used as they are, copied in and out of block buffers with memcpy.
 */
#ifndef FS_EXT2_DISK_H
#define FS_EXT2_DISK_H

#include <stddef.h>
#include <stdint.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "ext2 structures are used as they are");

#define EXT2_MAGIC          0xef53
#define EXT2_SUPER_OFFSET   1024        /* bytes from the start of the disk */
#define EXT2_SUPER_SIZE     1024
#define EXT2_GOOD_OLD_REV   0
#define EXT2_DYNAMIC_REV    1
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_GOOD_OLD_FIRST_INO  11
#define EXT2_MIN_BLOCK_LOG  10
#define EXT2_MAX_BLOCK_LOG  12          /* the core's buffers hold 4 KiB */
#define EXT2_MAX_BLOCK      (1u << EXT2_MAX_BLOCK_LOG)

#define EXT2_NDIR_BLOCKS    12
#define EXT2_IND_BLOCK      12
#define EXT2_DIND_BLOCK     13
#define EXT2_TIND_BLOCK     14
#define EXT2_N_BLOCKS       15

#define EXT2_LINK_MAX       32000       /* Linux's ext2 limit */

/* s_feature_compat */
#define EXT2_COMPAT_DIR_PREALLOC    0x0001
#define EXT2_COMPAT_IMAGIC_INODES   0x0002
#define EXT2_COMPAT_HAS_JOURNAL     0x0004
#define EXT2_COMPAT_EXT_ATTR        0x0008
#define EXT2_COMPAT_RESIZE_INODE    0x0010
#define EXT2_COMPAT_DIR_INDEX       0x0020
/* s_feature_incompat */
#define EXT2_INCOMPAT_FILETYPE      0x0002
/* s_feature_ro_compat */
#define EXT2_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_RO_COMPAT_LARGE_FILE   0x0002

/* What the core accepts; see ext2.h for why. */
#define EXT2_COMPAT_SUPP    (EXT2_COMPAT_DIR_PREALLOC | EXT2_COMPAT_IMAGIC_INODES | \
                             EXT2_COMPAT_EXT_ATTR | EXT2_COMPAT_RESIZE_INODE |      \
                             EXT2_COMPAT_DIR_INDEX)
#define EXT2_INCOMPAT_SUPP  EXT2_INCOMPAT_FILETYPE
#define EXT2_RO_COMPAT_SUPP (EXT2_RO_COMPAT_SPARSE_SUPER | EXT2_RO_COMPAT_LARGE_FILE)

struct ext2_super {
    uint32_t s_inodes_count;
    uint32_t s_blocks_count;
    uint32_t s_r_blocks_count;
    uint32_t s_free_blocks_count;
    uint32_t s_free_inodes_count;
    uint32_t s_first_data_block;
    uint32_t s_log_block_size;
    uint32_t s_log_frag_size;
    uint32_t s_blocks_per_group;
    uint32_t s_frags_per_group;
    uint32_t s_inodes_per_group;
    uint32_t s_mtime;
    uint32_t s_wtime;
    uint16_t s_mnt_count;
    int16_t s_max_mnt_count;
    uint16_t s_magic;
    uint16_t s_state;
    uint16_t s_errors;
    uint16_t s_minor_rev_level;
    uint32_t s_lastcheck;
    uint32_t s_checkinterval;
    uint32_t s_creator_os;
    uint32_t s_rev_level;
    uint16_t s_def_resuid;
    uint16_t s_def_resgid;
    /* EXT2_DYNAMIC_REV */
    uint32_t s_first_ino;
    uint16_t s_inode_size;
    uint16_t s_block_group_nr;
    uint32_t s_feature_compat;
    uint32_t s_feature_incompat;
    uint32_t s_feature_ro_compat;
    uint8_t s_uuid[16];
    uint8_t s_volume_name[16];
    uint8_t s_last_mounted[64];
    uint32_t s_algorithm_usage_bitmap;
    uint8_t s_prealloc_blocks;
    uint8_t s_prealloc_dir_blocks;
    uint16_t s_reserved_gdt_blocks;
    uint8_t s_unused1[0xe8 - 0xd0];     /* journal */
    uint32_t s_last_orphan;             /* first inode of the orphan list */
    uint8_t s_unused3[0x274 - 0xec];    /* hash seed, ext4 fields */
    uint8_t s_wtime_hi;
    uint8_t s_unused2[EXT2_SUPER_SIZE - 0x275];
};
_Static_assert(sizeof(struct ext2_super) == EXT2_SUPER_SIZE, "superblock size");
_Static_assert(offsetof(struct ext2_super, s_magic) == 0x38, "s_magic");
_Static_assert(offsetof(struct ext2_super, s_first_ino) == 0x54, "s_first_ino");
_Static_assert(offsetof(struct ext2_super, s_feature_ro_compat) == 0x64, "features");
_Static_assert(offsetof(struct ext2_super, s_reserved_gdt_blocks) == 0xce, "s_reserved_gdt");
_Static_assert(offsetof(struct ext2_super, s_last_orphan) == 0xe8, "s_last_orphan");

struct ext2_group {
    uint32_t bg_block_bitmap;
    uint32_t bg_inode_bitmap;
    uint32_t bg_inode_table;
    uint16_t bg_free_blocks_count;
    uint16_t bg_free_inodes_count;
    uint16_t bg_used_dirs_count;
    uint16_t bg_flags;
    uint8_t bg_reserved[12];
};
_Static_assert(sizeof(struct ext2_group) == 32, "group descriptor size");

/* The inode as the core holds it: the 128 bytes every inode has, then the
 * extra fields of larger inodes, valid up to 128 + i_extra_isize. */
struct ext2_inode {
    uint16_t i_mode;
    uint16_t i_uid;
    uint32_t i_size;
    uint32_t i_atime;
    uint32_t i_ctime;
    uint32_t i_mtime;
    uint32_t i_dtime;
    uint16_t i_gid;
    uint16_t i_links_count;
    uint32_t i_blocks;                  /* 512-byte units */
    uint32_t i_flags;
    uint32_t i_osd1;
    uint32_t i_block[EXT2_N_BLOCKS];
    uint32_t i_generation;
    uint32_t i_file_acl;
    uint32_t i_size_high;
    uint32_t i_faddr;
    uint16_t i_blocks_hi;
    uint16_t i_file_acl_high;
    uint16_t i_uid_high;
    uint16_t i_gid_high;
    uint16_t i_checksum_lo;
    uint16_t i_reserved;
    /* Extra fields */
    uint16_t i_extra_isize;
    uint16_t i_checksum_hi;
    uint32_t i_ctime_extra;             /* nanoseconds << 2 | epoch bits */
    uint32_t i_mtime_extra;
    uint32_t i_atime_extra;
    uint32_t i_crtime;
    uint32_t i_crtime_extra;
    uint32_t i_version_hi;
    uint32_t i_projid;
};
_Static_assert(offsetof(struct ext2_inode, i_block) == 0x28, "i_block");
_Static_assert(offsetof(struct ext2_inode, i_generation) == 0x64, "i_generation");
_Static_assert(offsetof(struct ext2_inode, i_extra_isize) == EXT2_GOOD_OLD_INODE_SIZE,
               "extra fields");
_Static_assert(offsetof(struct ext2_inode, i_crtime) == 0x90, "i_crtime");
_Static_assert(sizeof(struct ext2_inode) == 160, "inode size");

/* The extra fields new inodes get: everything up to i_projid. */
#define EXT2_EXTRA_ISIZE    (sizeof(struct ext2_inode) - EXT2_GOOD_OLD_INODE_SIZE)
/* The extra size that covers the three *_extra time fields. */
#define EXT2_EXTRA_TIMES    (offsetof(struct ext2_inode, i_crtime) - EXT2_GOOD_OLD_INODE_SIZE)

#define EXT2_EPOCH_BITS     2
#define EXT2_EPOCH_MASK     3u

/* i_flags */
#define EXT2_INDEX_FL       0x00001000  /* hash-indexed directory */

/* i_mode */
#define EXT2_S_IFMT         0170000
#define EXT2_S_IFSOCK       0140000
#define EXT2_S_IFLNK        0120000
#define EXT2_S_IFREG        0100000
#define EXT2_S_IFBLK        0060000
#define EXT2_S_IFDIR        0040000
#define EXT2_S_IFCHR        0020000
#define EXT2_S_IFIFO        0010000
#define EXT2_S_PERM         07777

/* A directory entry's fixed part; the name follows. */
struct ext2_dirent_head {
    uint32_t inode;
    uint16_t rec_len;
    uint8_t name_len;
    uint8_t file_type;                  /* name_len's high byte without FILETYPE */
};
_Static_assert(sizeof(struct ext2_dirent_head) == 8, "directory entry head");

#define EXT2_DIR_REC_LEN(name_len) (((uint32_t)(name_len) + 8 + 3) & ~3u)

/* Directory entry file types */
#define EXT2_FT_UNKNOWN     0
#define EXT2_FT_REG_FILE    1
#define EXT2_FT_DIR         2
#define EXT2_FT_CHRDEV      3
#define EXT2_FT_BLKDEV      4
#define EXT2_FT_FIFO        5
#define EXT2_FT_SOCK        6
#define EXT2_FT_SYMLINK     7
#define EXT2_FT_MAX         8

/* Extended attribute block header */
#define EXT2_XATTR_MAGIC    0xea020000u
struct ext2_xattr_head {
    uint32_t h_magic;
    uint32_t h_refcount;
    uint32_t h_blocks;
    uint32_t h_hash;
};

/* A symlink target shorter than this lives in i_block. */
#define EXT2_FAST_SYMLINK_MAX (EXT2_N_BLOCKS * 4)

#endif
