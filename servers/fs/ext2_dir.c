/*
 * Directory entries. A directory is a linear list of records in its
 * blocks; a record never crosses a block. An entry is added in the slack
 * of a record (splitting it), in a record whose inode is 0, or in a new
 * block at the end; it is removed by merging its record into the previous
 * one, or, first in its block, by setting its inode to 0. So records never
 * move, and a readdir cookie, an entry's byte offset in the directory,
 * stays valid while other entries come and go.
 *
 * Indexed (htree) directories are read as linear ones, which their format
 * allows; the first change to one clears its EXT2_INDEX_FL, after which it
 * is a plain linear directory to everyone (see ext2.h).
 *
 * Every record is checked as it is read; a bad one is -EUCLEAN.
 */
#include "ext2_impl.h"

#include "mica/errno.h"
#include "mica/string.h"

#define DIR_SIZE_MAX (1ull << 31)       /* keeps i_size positive for old tools */

/* A record as read from a block. */
struct rec {
    uint32_t ino;
    uint32_t rec_len;
    uint32_t name_len;
    uint8_t ft;
    const uint8_t *name;
};

int ext2_check_name(const char *name, size_t len)
{
    if (len == 0)
        return -ENOENT;
    if (len > EXT2_NAME_MAX)
        return -ENAMETOOLONG;
    for (size_t i = 0; i < len; i++)
        if (name[i] == '/' || name[i] == 0)
            return -EINVAL;
    return 0;
}

bool ext2_is_dot(const char *name, size_t len)
{
    return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

static const uint16_t ft_mode[EXT2_FT_MAX] = {
    [EXT2_FT_REG_FILE] = EXT2_S_IFREG, [EXT2_FT_DIR] = EXT2_S_IFDIR,
    [EXT2_FT_CHRDEV] = EXT2_S_IFCHR,   [EXT2_FT_BLKDEV] = EXT2_S_IFBLK,
    [EXT2_FT_FIFO] = EXT2_S_IFIFO,     [EXT2_FT_SOCK] = EXT2_S_IFSOCK,
    [EXT2_FT_SYMLINK] = EXT2_S_IFLNK,
};

uint8_t ext2_ft_of_mode(uint32_t mode)
{
    for (uint8_t ft = 1; ft < EXT2_FT_MAX; ft++)
        if (ft_mode[ft] == (mode & EXT2_S_IFMT))
            return ft;
    return EXT2_FT_UNKNOWN;
}

/* Reads the record at off of block buffer blk. */
static int parse(const struct ext2 *fs, const uint8_t *blk, uint32_t off, struct rec *r)
{
    struct ext2_dirent_head h;
    if (off % 4 || off + sizeof h > fs->bs)
        return -EUCLEAN;
    memcpy(&h, blk + off, sizeof h);
    r->ino = h.inode;
    r->rec_len = h.rec_len;
    r->name_len = fs->filetype ? h.name_len : (uint32_t)h.name_len | (uint32_t)h.file_type << 8;
    r->ft = fs->filetype ? h.file_type : EXT2_FT_UNKNOWN;
    r->name = blk + off + sizeof h;
    if (r->rec_len < EXT2_DIR_REC_LEN(1) || r->rec_len % 4 || r->rec_len > fs->bs - off ||
        r->name_len > EXT2_NAME_MAX || EXT2_DIR_REC_LEN(r->name_len) > r->rec_len ||
        r->ino > fs->ninodes || (r->ino && r->name_len == 0))
        return -EUCLEAN;
    return 0;
}

static void put_head(const struct ext2 *fs, uint8_t *blk, uint32_t off, uint32_t ino,
                     uint32_t rec_len, size_t name_len, uint8_t ft)
{
    struct ext2_dirent_head h = {
        .inode = ino, .rec_len = (uint16_t)rec_len, .name_len = (uint8_t)name_len,
        .file_type = fs->filetype ? ft : 0,
    };
    memcpy(blk + off, &h, sizeof h);
}

static bool same_name(const struct rec *r, const char *name, size_t len)
{
    return r->ino && r->name_len == len && memcmp(r->name, name, len) == 0;
}

/* The number of blocks of directory dir. */
static int dir_blocks(const struct ext2 *fs, const struct ext2_node *dir, uint64_t *out)
{
    uint64_t size = ext2_isize(dir);
    if (size % fs->bs || size / fs->bs > fs->nblocks)
        return -EUCLEAN;
    *out = size / fs->bs;
    return 0;
}

/* Reads block lblk of dir into fs->dir; a hole is -EUCLEAN. */
static int read_block(struct ext2 *fs, struct ext2_node *dir, uint64_t lblk, uint32_t *pblk)
{
    bool fresh;
    int err = ext2_bmap(fs, dir, lblk, false, pblk, &fresh);
    if (err)
        return err;
    if (*pblk == 0)
        return -EUCLEAN;
    return ext2_bread(fs, *pblk, fs->dir);
}

/* Looks for name in the block in fs->dir. Returns 1 and fills *loc when
 * found, 0 when not, or an error. */
static int find_in_block(struct ext2 *fs, const char *name, size_t len, struct ext2_dirloc *loc)
{
    uint32_t prev = 0;
    for (uint32_t off = 0; off < fs->bs;) {
        struct rec r;
        int err = parse(fs, fs->dir, off, &r);
        if (err)
            return err;
        if (same_name(&r, name, len)) {
            *loc = (struct ext2_dirloc){ .off = off, .prev = prev, .ino = r.ino, .ft = r.ft };
            return 1;
        }
        prev = off;
        off += r.rec_len;
    }
    return 0;
}

/* Finds the entry name in dir, starting where the last lookup in dir
 * succeeded, so that walking a directory in order costs little. */
int ext2_dir_find(struct ext2 *fs, struct ext2_node *dir, const char *name, size_t len,
                  struct ext2_dirloc *loc)
{
    uint64_t n;
    int err = dir_blocks(fs, dir, &n);
    if (err)
        return err;
    uint64_t start = fs->hint_ino == dir->ino && fs->hint_lblk < n ? fs->hint_lblk : 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t lblk = (start + i) % n;
        uint32_t pblk;
        if ((err = read_block(fs, dir, lblk, &pblk)))
            return err;
        if ((err = find_in_block(fs, name, len, loc)) < 0)
            return err;
        if (err) {
            loc->lblk = lblk;
            fs->hint_ino = dir->ino;
            fs->hint_lblk = lblk;
            return 0;
        }
    }
    return -ENOENT;
}

/* Checks that name is not in dir and finds room for it: *slot is the
 * first record with enough slack, or a new block at the end. */
int ext2_dir_prepare(struct ext2 *fs, struct ext2_node *dir, const char *name, size_t len,
                     struct ext2_dirloc *slot)
{
    uint64_t n;
    uint32_t need = EXT2_DIR_REC_LEN(len);
    bool found = false;
    int err = dir_blocks(fs, dir, &n);
    if (err)
        return err;
    for (uint64_t lblk = 0; lblk < n; lblk++) {
        uint32_t pblk;
        if ((err = read_block(fs, dir, lblk, &pblk)))
            return err;
        for (uint32_t off = 0; off < fs->bs;) {
            struct rec r;
            if ((err = parse(fs, fs->dir, off, &r)))
                return err;
            if (same_name(&r, name, len))
                return -EEXIST;
            uint32_t used = r.ino ? EXT2_DIR_REC_LEN(r.name_len) : 0;
            if (!found && r.rec_len >= used + need) {
                *slot = (struct ext2_dirloc){ .lblk = lblk, .off = off, .rec_len = need };
                found = true;
            }
            off += r.rec_len;
        }
    }
    if (!found) {
        if ((n + 1) * fs->bs > DIR_SIZE_MAX)
            return -EFBIG;
        *slot = (struct ext2_dirloc){ .lblk = n, .rec_len = need, .append = true };
    }
    return 0;
}

/* Adds a block to dir holding only the entry. */
static int append_entry(struct ext2 *fs, struct ext2_node *dir, uint64_t lblk, const char *name,
                        size_t len, uint32_t ino, uint8_t ft)
{
    uint32_t pblk;
    bool fresh;
    int err = ext2_bmap(fs, dir, lblk, true, &pblk, &fresh);
    if (err)
        return err;
    memset(fs->dir, 0, fs->bs);
    put_head(fs, fs->dir, 0, ino, fs->bs, len, ft);
    memcpy(fs->dir + sizeof(struct ext2_dirent_head), name, len);
    if ((err = ext2_bwrite(fs, pblk, fs->dir)))
        return err;
    ext2_set_isize(fs, dir, (lblk + 1) * fs->bs);
    return 0;
}

/* Adds the entry at the slot ext2_dir_prepare found; dir has not changed
 * since. Changes dir's inode in memory (size, flags); the caller writes it. */
int ext2_dir_insert(struct ext2 *fs, struct ext2_node *dir, const struct ext2_dirloc *slot,
                    const char *name, size_t len, uint32_t ino, uint8_t ft)
{
    uint32_t pblk;
    struct rec r;
    dir->i.i_flags &= ~(uint32_t)EXT2_INDEX_FL;
    if (slot->append)
        return append_entry(fs, dir, slot->lblk, name, len, ino, ft);
    int err = read_block(fs, dir, slot->lblk, &pblk);
    if (err || (err = parse(fs, fs->dir, slot->off, &r)))
        return err;
    uint32_t used = r.ino ? EXT2_DIR_REC_LEN(r.name_len) : 0;
    if (r.rec_len < used + slot->rec_len)
        return -EUCLEAN;
    uint32_t off = slot->off;
    if (used) {
        put_head(fs, fs->dir, off, r.ino, used, r.name_len, r.ft);
        off += used;
    }
    put_head(fs, fs->dir, off, ino, r.rec_len - used, len, ft);
    memcpy(fs->dir + off + sizeof(struct ext2_dirent_head), name, len);
    return ext2_bwrite(fs, pblk, fs->dir);
}

/* Reads the block of loc and checks that its entry is still there. */
static int reread(struct ext2 *fs, struct ext2_node *dir, const struct ext2_dirloc *loc,
                  uint32_t *pblk, struct rec *r)
{
    int err = read_block(fs, dir, loc->lblk, pblk);
    if (err || (err = parse(fs, fs->dir, loc->off, r)))
        return err;
    return r->ino == loc->ino ? 0 : -EUCLEAN;
}

/* Removes the entry ext2_dir_find found at loc. */
int ext2_dir_remove(struct ext2 *fs, struct ext2_node *dir, const struct ext2_dirloc *loc)
{
    uint32_t pblk;
    struct rec r, p;
    int err = reread(fs, dir, loc, &pblk, &r);
    if (err)
        return err;
    dir->i.i_flags &= ~(uint32_t)EXT2_INDEX_FL;
    if (loc->prev == loc->off) {
        put_head(fs, fs->dir, loc->off, 0, r.rec_len, r.name_len, r.ft);
    } else {
        if ((err = parse(fs, fs->dir, loc->prev, &p)))
            return err;
        if (loc->prev + p.rec_len != loc->off)
            return -EUCLEAN;
        put_head(fs, fs->dir, loc->prev, p.ino, p.rec_len + r.rec_len, p.name_len, p.ft);
    }
    return ext2_bwrite(fs, pblk, fs->dir);
}

/* Points the entry at loc to another inode (rename over an entry, "..").
 * The names do not change, so an htree index stays valid. */
int ext2_dir_retarget(struct ext2 *fs, struct ext2_node *dir, const struct ext2_dirloc *loc,
                      uint32_t ino, uint8_t ft)
{
    uint32_t pblk;
    struct rec r;
    int err = reread(fs, dir, loc, &pblk, &r);
    if (err)
        return err;
    put_head(fs, fs->dir, loc->off, ino, r.rec_len, r.name_len, ft);
    return ext2_bwrite(fs, pblk, fs->dir);
}

/* Returns 1 if dir has no entries but "." and "..", 0 if it has, or an
 * error. */
int ext2_dir_empty(struct ext2 *fs, struct ext2_node *dir)
{
    uint64_t n;
    int err = dir_blocks(fs, dir, &n);
    for (uint64_t lblk = 0; !err && lblk < n; lblk++) {
        uint32_t pblk;
        if ((err = read_block(fs, dir, lblk, &pblk)))
            break;
        for (uint32_t off = 0; off < fs->bs;) {
            struct rec r;
            if ((err = parse(fs, fs->dir, off, &r)))
                return err;
            if (r.ino && !ext2_is_dot((const char *)r.name, r.name_len))
                return 0;
            off += r.rec_len;
        }
    }
    return err ? err : 1;
}

/* Gives the new directory dir its first block, with "." and "..". */
int ext2_dir_init(struct ext2 *fs, struct ext2_node *dir, uint32_t parent)
{
    uint32_t pblk;
    bool fresh;
    int err = ext2_bmap(fs, dir, 0, true, &pblk, &fresh);
    if (err)
        return err;
    uint32_t dot = EXT2_DIR_REC_LEN(1);
    memset(fs->dir, 0, fs->bs);
    put_head(fs, fs->dir, 0, dir->ino, dot, 1, EXT2_FT_DIR);
    fs->dir[sizeof(struct ext2_dirent_head)] = '.';
    put_head(fs, fs->dir, dot, parent, fs->bs - dot, 2, EXT2_FT_DIR);
    memcpy(fs->dir + dot + sizeof(struct ext2_dirent_head), "..", 2);
    if ((err = ext2_bwrite(fs, pblk, fs->dir)))
        return err;
    ext2_set_isize(fs, dir, fs->bs);
    return 0;
}

/* The DT_* type of an entry: from its file type, or from its inode on a
 * file system without file types in entries. */
static uint8_t entry_type(struct ext2 *fs, const struct rec *r)
{
    uint32_t mode = r->ft < EXT2_FT_MAX ? ft_mode[r->ft] : 0;
    struct ext2_node n;
    if (!fs->filetype && ext2_iread(fs, r->ino, &n) == 0)
        mode = n.i.i_mode;
    return (uint8_t)((mode & EXT2_S_IFMT) >> 12);
}

int ext2_readdir(struct ext2 *fs, struct ext2_fileid f, uint64_t cookie, struct ext2_dirent *de)
{
    struct ext2_node dir;
    uint64_t n;
    int err = ext2_open_dir(fs, f, &dir);
    if (err || (err = dir_blocks(fs, &dir, &n)))
        return err;
    for (uint64_t lblk = cookie / fs->bs; lblk < n; lblk++) {
        uint32_t pblk;
        if ((err = read_block(fs, &dir, lblk, &pblk)))
            return err;
        /* Walk from the block's start: the cookie may point into a record
         * that absorbed the entry it named. */
        uint32_t from = lblk == cookie / fs->bs ? (uint32_t)(cookie % fs->bs) : 0;
        for (uint32_t off = 0; off < fs->bs;) {
            struct rec r;
            if ((err = parse(fs, fs->dir, off, &r)))
                return err;
            if (r.ino && off >= from) {
                de->ino = r.ino;
                de->name_len = (uint8_t)r.name_len;
                memcpy(de->name, r.name, r.name_len);
                de->name[r.name_len] = 0;
                de->next = lblk * fs->bs + off + r.rec_len;
                de->type = entry_type(fs, &r);
                return 1;
            }
            off += r.rec_len;
        }
    }
    return 0;
}
