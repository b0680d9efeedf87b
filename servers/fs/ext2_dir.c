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

/* Reads and checks the record at off of block buffer blk: its length
 * inside the block, its name inside the record, its inode a real number. */
static inline int parse(const struct ext2 *fs, const uint8_t *blk, uint32_t off, struct rec *r)
{
    if ((off & 3) || fs->bs - off < EXT2_DIR_REC_LEN(1))
        return -EUCLEAN;
    uint64_t h = ext2_ld64(blk + off);
    r->ino = (uint32_t)h;
    r->rec_len = (uint32_t)(h >> 32) & 0xffff;
    r->name_len = (uint32_t)(h >> 48) & (fs->filetype ? 0xff : 0xffff);
    r->ft = fs->filetype ? (uint8_t)(h >> 56) : EXT2_FT_UNKNOWN;
    r->name = blk + off + sizeof(struct ext2_dirent_head);
    if (r->rec_len < EXT2_DIR_REC_LEN(1) || (r->rec_len & 3) || r->rec_len > fs->bs - off ||
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

#define NO_ROOM UINT32_MAX

/* What scan() found in a block. */
struct hit {
    uint32_t off, prev;         /* the entry named, and the record before it */
    uint32_t room;              /* the first record with slack for the name */
};

/* The search loop of lookups and creations, which in a large directory
 * runs over every record of every block: it checks each record as parse()
 * does, but keeps everything in registers and compares names from the end
 * (names in one directory often share a prefix). len is at least 1.
 * Returns 1 with h->off and h->prev when name is in the block in fs->dir,
 * 0 when not, or -EUCLEAN. With need, also sets h->room (NO_ROOM when no
 * record has that slack). */
static int scan(const struct ext2 *fs, const char *name, size_t len, uint32_t need,
                struct hit *h)
{
    const uint8_t *blk = fs->dir;
    const uint32_t bs = fs->bs, ninodes = fs->ninodes, want = (uint32_t)len;
    const uint32_t mask = fs->filetype ? 0xff : 0xffff;
    const uint8_t last = (uint8_t)name[len - 1];
    uint32_t prev = 0, room = NO_ROOM, off = 0;
    while (off < bs) {
        uint64_t head;
        if (bs - off < EXT2_DIR_REC_LEN(1))
            return -EUCLEAN;
        __builtin_memcpy(&head, blk + off, 8);
        uint32_t ino = (uint32_t)head, rec_len = (uint32_t)(head >> 32) & 0xffff;
        uint32_t name_len = (uint32_t)(head >> 48) & mask;
        /* rec_len in [12, bs - off], a multiple of 4, room for the name. */
        if (rec_len - EXT2_DIR_REC_LEN(1) > bs - off - EXT2_DIR_REC_LEN(1) || (rec_len & 3) ||
            name_len + 8 > rec_len || name_len > EXT2_NAME_MAX || ino > ninodes ||
            (ino && name_len == 0))
            return -EUCLEAN;
        if (name_len == want && ino && blk[off + 7 + want] == last) {
            uint32_t i = want - 1;
            while (i > 0 && blk[off + 7 + i] == (uint8_t)name[i - 1])
                i--;
            if (i == 0) {
                h->off = off;
                h->prev = prev;
                return 1;
            }
        }
        if (room == NO_ROOM && need && rec_len >= (ino ? EXT2_DIR_REC_LEN(name_len) : 0) + need)
            h->room = room = off;
        prev = off;
        off += rec_len;
    }
    return 0;
}

/* Looks for name in the block in fs->dir. Returns 1 and fills *loc when
 * found, 0 when not, or an error. */
static int find_in_block(struct ext2 *fs, const char *name, size_t len, struct ext2_dirloc *loc)
{
    struct hit h;
    struct rec r;
    int found = scan(fs, name, len, 0, &h);
    if (found <= 0 || (found = parse(fs, fs->dir, h.off, &r)))
        return found;
    *loc = (struct ext2_dirloc){ .off = h.off, .prev = h.prev, .ino = r.ino, .ft = r.ft };
    return 1;
}

/* The summary of one large directory (struct ext2_dcache). */

#define DC_MIN_BLOCKS 4         /* smaller directories are read whole */
#define DC_BITS_MAX   4096
#define DC_BITS_MIN   128

static uint32_t name_hash(const uint8_t *name, size_t len)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ name[i]) * 16777619u;
    return h;
}

/* The filter of block lblk: two bits per name. */
static void dc_add(struct ext2 *fs, uint64_t lblk, uint32_t h)
{
    uint8_t *f = fs->dc.filter + lblk * (fs->dc.bits / 8);
    uint32_t a = h & (fs->dc.bits - 1), b = (h >> 16) & (fs->dc.bits - 1);
    f[a / 8] |= (uint8_t)(1u << a % 8);
    f[b / 8] |= (uint8_t)(1u << b % 8);
}

static bool dc_may_hold(const struct ext2 *fs, uint64_t lblk, uint32_t h)
{
    const uint8_t *f = fs->dc.filter + lblk * (fs->dc.bits / 8);
    uint32_t a = h & (fs->dc.bits - 1), b = (h >> 16) & (fs->dc.bits - 1);
    return (f[a / 8] & (1u << a % 8)) && (f[b / 8] & (1u << b % 8));
}

static bool dc_covers(const struct ext2 *fs, const struct ext2_node *dir, uint64_t n)
{
    return fs->dc.valid && fs->dc.ino == dir->ino && fs->dc.gen == dir->i.i_generation &&
           fs->dc.nblocks == n;
}

/* Sums up block lblk, in fs->dir: its largest slack and, with names, the
 * names in it. */
static int dc_block(struct ext2 *fs, uint64_t lblk, bool names)
{
    uint32_t best = 0;
    for (uint32_t off = 0; off < fs->bs;) {
        struct rec r;
        int err = parse(fs, fs->dir, off, &r);
        if (err)
            return err;
        uint32_t slack = r.rec_len - (r.ino ? EXT2_DIR_REC_LEN(r.name_len) : 0);
        best = slack > best ? slack : best;
        if (names && r.ino)
            dc_add(fs, lblk, name_hash(r.name, r.name_len));
        off += r.rec_len;
    }
    fs->dc.room[lblk] = (uint16_t)best;
    return 0;
}

/* Summarises dir's n blocks, with room to grow by half. Leaves the
 * summary invalid if the directory is too large or cannot be read. */
static void dc_build(struct ext2 *fs, struct ext2_node *dir, uint64_t n)
{
    uint64_t want = n + n / 2 + 1;
    uint32_t bits = DC_BITS_MAX;
    while (bits >= DC_BITS_MIN && bits / 8 * want > EXT2_DCACHE_BYTES)
        bits /= 2;
    fs->dc.valid = false;
    if (bits < DC_BITS_MIN || want > EXT2_DCACHE_BLOCKS)
        return;
    fs->dc.bits = bits;
    memset(fs->dc.filter, 0, EXT2_DCACHE_BYTES);
    for (uint64_t lblk = 0; lblk < n; lblk++) {
        uint32_t pblk;
        if (read_block(fs, dir, lblk, &pblk) || dc_block(fs, lblk, true))
            return;
    }
    fs->dc.ino = dir->ino;
    fs->dc.gen = dir->i.i_generation;
    fs->dc.nblocks = (uint32_t)n;
    fs->dc.capacity = EXT2_DCACHE_BYTES * 8 / bits;
    fs->dc.valid = true;
}

/* Keeps the summary of dir right after block lblk (in fs->dir) changed:
 * an entry name added (or NULL: one removed), perhaps in a new block. */
static void dc_changed(struct ext2 *fs, const struct ext2_node *dir, uint64_t lblk,
                       const char *name, size_t len)
{
    struct ext2_dcache *dc = &fs->dc;
    if (!dc->valid || dc->ino != dir->ino || dc->gen != dir->i.i_generation)
        return;
    if (lblk == dc->nblocks && dc->nblocks < dc->capacity && dc->nblocks < EXT2_DCACHE_BLOCKS)
        memset(dc->filter + dc->nblocks++ * (dc->bits / 8), 0, dc->bits / 8);
    if (lblk >= dc->nblocks || dc_block(fs, lblk, false)) {
        dc->valid = false;
        return;
    }
    if (name)
        dc_add(fs, lblk, name_hash((const uint8_t *)name, len));
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
    bool dc = dc_covers(fs, dir, n);
    uint32_t h = dc ? name_hash((const uint8_t *)name, len) : 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t lblk = (start + i) % n;
        uint32_t pblk;
        if (dc && !dc_may_hold(fs, lblk, h))
            continue;
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
    if (n >= DC_MIN_BLOCKS && !dc_covers(fs, dir, n))
        dc_build(fs, dir, n);
    bool dc = dc_covers(fs, dir, n);
    uint32_t hash = dc ? name_hash((const uint8_t *)name, len) : 0;
    for (uint64_t lblk = 0; lblk < n; lblk++) {
        uint32_t pblk;
        struct hit h = { .room = NO_ROOM };
        if (dc && !dc_may_hold(fs, lblk, hash) && (found || fs->dc.room[lblk] < need))
            continue;
        if ((err = read_block(fs, dir, lblk, &pblk)))
            return err;
        if ((err = scan(fs, name, len, found ? 0 : need, &h)))
            return err < 0 ? err : -EEXIST;
        if (h.room != NO_ROOM) {
            *slot = (struct ext2_dirloc){ .lblk = lblk, .off = h.room, .rec_len = need };
            found = true;
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
    dc_changed(fs, dir, lblk, name, len);
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
    if ((err = ext2_bwrite(fs, pblk, fs->dir)))
        return err;
    dc_changed(fs, dir, slot->lblk, name, len);
    return 0;
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
    if ((err = ext2_bwrite(fs, pblk, fs->dir)))
        return err;
    dc_changed(fs, dir, loc->lblk, NULL, 0);
    return 0;
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
                for (uint32_t i = 0; i < r.name_len; i++)
                    if (r.name[i] == '/' || r.name[i] == 0)
                        return -EUCLEAN;
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
