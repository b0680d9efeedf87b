/*
 * A file's attributes and contents: getattr, setattr (including truncate),
 * read, write and readlink. Holes read as zeros and writes allocate only
 * the blocks they touch, so sparse files stay sparse. Reads do not update
 * the access time (as with Linux's noatime): a read never writes.
 */
#include "ext2_impl.h"

#include "mica/errno.h"
#include "mica/string.h"

/* A device number from i_block: the old 16-bit form (major << 8 | minor)
 * in i_block[0], or Linux's 32-bit one in i_block[1] (minor's low byte |
 * major << 8 | minor's high bits << 12, the low half of the C library's
 * makedev, which the old form is a case of). */
static uint32_t rdev_of(const struct ext2_node *n)
{
    uint32_t t = ext2_type(n);
    if (t != EXT2_S_IFCHR && t != EXT2_S_IFBLK)
        return 0;
    uint32_t old = n->i.i_block[0];
    return old ? old & 0xffff : n->i.i_block[1];
}

int ext2_getattr(struct ext2 *fs, struct ext2_fileid f, struct ext2_stat *st)
{
    struct ext2_node n;
    int err = ext2_open(fs, f, &n);
    if (err)
        return err;
    *st = (struct ext2_stat){
        .ino = n.ino,
        .gen = n.i.i_generation,
        .mode = n.i.i_mode,
        .nlink = n.i.i_links_count,
        .uid = (uint32_t)n.i.i_uid_high << 16 | n.i.i_uid,
        .gid = (uint32_t)n.i.i_gid_high << 16 | n.i.i_gid,
        .size = ext2_isize(&n),
        .blocks = n.i.i_blocks,
        .rdev = rdev_of(&n),
    };
    ext2_get_time(fs, &n, EXT2_TOUCH_A, &st->atime, &st->atime_ns);
    ext2_get_time(fs, &n, EXT2_TOUCH_M, &st->mtime, &st->mtime_ns);
    ext2_get_time(fs, &n, EXT2_TOUCH_C, &st->ctime, &st->ctime_ns);
    return 0;
}

/* Checks a setattr request against the file it names. */
static int setattr_check(const struct ext2 *fs, const struct ext2_node *n,
                         const struct ext2_setattr *sa)
{
    if (sa->mask & EXT2_SET_SIZE) {
        if (ext2_type(n) == EXT2_S_IFDIR)
            return -EISDIR;
        if (ext2_type(n) != EXT2_S_IFREG)
            return -EINVAL;
        if (sa->size > fs->max_blocks * fs->bs)
            return -EFBIG;
    }
    if ((sa->mask & EXT2_SET_ATIME && sa->atime_ns >= 1000000000u) ||
        (sa->mask & EXT2_SET_MTIME && sa->mtime_ns >= 1000000000u))
        return -EINVAL;
    return 0;
}

int ext2_setattr(struct ext2 *fs, struct ext2_fileid f, const struct ext2_setattr *sa)
{
    struct ext2_node n;
    int err = ext2_open(fs, f, &n);
    if (err || (err = setattr_check(fs, &n, sa)))
        return err;
    uint32_t uid = (uint32_t)n.i.i_uid_high << 16 | n.i.i_uid;
    uint32_t gid = (uint32_t)n.i.i_gid_high << 16 | n.i.i_gid;
    if (sa->mask & EXT2_SET_MODE)
        n.i.i_mode = (uint16_t)((n.i.i_mode & EXT2_S_IFMT) | (sa->mode & EXT2_S_PERM));
    ext2_set_owner(&n, sa->mask & EXT2_SET_UID ? sa->uid : uid,
                   sa->mask & EXT2_SET_GID ? sa->gid : gid);
    if (sa->mask & EXT2_SET_SIZE) {
        err = ext2_truncate(fs, &n, sa->size);
        ext2_touch(fs, &n, EXT2_TOUCH_M);
    }
    if (sa->mask & EXT2_SET_ATIME)
        ext2_set_time(fs, &n, EXT2_TOUCH_A, sa->atime, sa->atime_ns);
    if (sa->mask & EXT2_SET_MTIME)
        ext2_set_time(fs, &n, EXT2_TOUCH_M, sa->mtime, sa->mtime_ns);
    ext2_touch(fs, &n, EXT2_TOUCH_C);
    int werr = ext2_iwrite(fs, &n);
    return ext2_done(fs, err ? err : werr);
}

/* Opens f for read or write: a regular file. */
static int open_file(struct ext2 *fs, struct ext2_fileid f, struct ext2_node *n)
{
    int err = ext2_open(fs, f, n);
    if (err)
        return err;
    if (ext2_type(n) == EXT2_S_IFDIR)
        return -EISDIR;
    return ext2_type(n) == EXT2_S_IFREG ? 0 : -EINVAL;
}

/* The bytes of block pblk (0: a hole, NULL) to hand to a sink. */
static int block_for_sink(struct ext2 *fs, uint32_t pblk, const uint8_t **src)
{
    if (!pblk) {
        *src = NULL;
        return 0;
    }
    if (!fs->io.view) {
        *src = fs->data;
        return ext2_bread(fs, pblk, fs->data);
    }
    if (pblk >= fs->nblocks)
        return -EUCLEAN;
    if (ext2_slots_settle(fs, pblk))
        return -EIO;
    return (*src = fs->io.view(fs->io.ctx, pblk)) ? 0 : -EIO;
}

int64_t ext2_read_to(struct ext2 *fs, struct ext2_fileid f, uint64_t off, size_t len,
                     const struct ext2_sink *to)
{
    struct ext2_node n;
    int err = open_file(fs, f, &n);
    if (err)
        return err;
    uint64_t size = ext2_isize(&n);
    if (off >= size)
        return 0;
    if (len > size - off)
        len = (size_t)(size - off);
    size_t done = 0;
    uint32_t pblk = 0, run = 0;        /* the blocks mapped ahead */
    uint64_t last = (off + len - 1) / fs->bs;
    while (done < len) {
        uint64_t pos = off + done;
        uint32_t boff = (uint32_t)(pos % fs->bs);
        size_t chunk = fs->bs - boff < len - done ? fs->bs - boff : len - done;
        const uint8_t *src;
        if (!run && (err = ext2_bmap_run(fs, &n, pos / fs->bs,
                                         (uint32_t)(last - pos / fs->bs + 1), &pblk, &run)))
            break;
        if ((err = block_for_sink(fs, pblk, &src)) ||
            (err = to->put(to->ctx, done, src ? src + boff : NULL, chunk)))
            break;
        done += chunk;
        run--;
        pblk += pblk != 0;
    }
    return done ? (int64_t)done : err;
}

static int put_memory(void *ctx, uint64_t at, const void *src, size_t len)
{
    uint8_t *dst = (uint8_t *)ctx + at;
    if (src)
        memcpy(dst, src, len);
    else
        memset(dst, 0, len);
    return 0;
}

int64_t ext2_read(struct ext2 *fs, struct ext2_fileid f, uint64_t off, void *buf, size_t len)
{
    struct ext2_sink to = { buf, put_memory };
    return ext2_read_to(fs, f, off, len, &to);
}

/* Writes one block's worth (at most) of the source's bytes at pos: a whole
 * or new block into the io's buffer where it can claim it, a part of an
 * old one through fs->data. *copy_err is the source's error; the chunk
 * then counts as written if its block is new (zeros) or was claimed
 * (partly new). */
static int write_chunk(struct ext2 *fs, struct ext2_node *n, uint64_t pos, uint64_t at,
                       size_t chunk, const struct ext2_source *from, int *copy_err)
{
    uint32_t boff = (uint32_t)(pos % fs->bs), pblk;
    bool fresh;
    int err = ext2_bmap(fs, n, pos / fs->bs, true, &pblk, &fresh);
    if (err)
        return err;
    if ((chunk == fs->bs || fresh) && fs->io.claim) {
        uint8_t *dst = ext2_bclaim(fs, pblk);
        if (!dst)
            return -EIO;
        if (chunk < fs->bs)                /* a new block, in part */
            memset(dst, 0, fs->bs);
        *copy_err = from->get(from->ctx, at, dst + boff, chunk, true, fresh);
        return 0;
    }
    if (fresh)
        memset(fs->data, 0, fs->bs);
    else if (chunk < fs->bs && (err = ext2_bread(fs, pblk, fs->data)))
        return err;
    if ((*copy_err = from->get(from->ctx, at, fs->data + boff, chunk, false, fresh))) {
        if (!fresh)
            return *copy_err;          /* the block keeps its bytes */
        memset(fs->data, 0, fs->bs);
    }
    return ext2_bwrite(fs, pblk, fs->data);
}

int64_t ext2_write_from(struct ext2 *fs, struct ext2_fileid f, uint64_t off, size_t len,
                        const struct ext2_source *from)
{
    struct ext2_node n;
    int err = open_file(fs, f, &n), copy_err = 0;
    if (err || len == 0)
        return err;
    uint64_t max = fs->max_blocks * fs->bs;
    if (off >= max)
        return -EFBIG;
    if (len > max - off)
        len = (size_t)(max - off);
    size_t done = 0;
    while (done < len && !err && !copy_err) {
        uint64_t pos = off + done;
        size_t room = fs->bs - (uint32_t)(pos % fs->bs);
        size_t chunk = room < len - done ? room : len - done;
        err = write_chunk(fs, &n, pos, done, chunk, from, &copy_err);
        if (!err)
            done += chunk;
    }
    /* The copies a source batched: the chunks count as written either way. */
    int last = from->done ? from->done(from->ctx) : 0;
    if (!copy_err)
        copy_err = last;
    if (off + done > ext2_isize(&n))
        ext2_set_isize(fs, &n, off + done);
    if (done)
        ext2_touch(fs, &n, EXT2_TOUCH_M | EXT2_TOUCH_C);
    int werr = ext2_done(fs, ext2_iwrite(fs, &n));
    if (werr)
        return werr;
    if (copy_err)                  /* not a short count: the bytes are not all there */
        return copy_err;
    return done ? (int64_t)done : err;
}

static int get_memory(void *ctx, uint64_t at, void *dst, size_t len, bool later, bool fresh)
{
    (void)later, (void)fresh;
    memcpy(dst, (const uint8_t *)ctx + at, len);
    return 0;
}

int64_t ext2_write(struct ext2 *fs, struct ext2_fileid f, uint64_t off, const void *buf,
                   size_t len)
{
    struct ext2_source from = { (void *)buf, get_memory, NULL };
    return ext2_write_from(fs, f, off, len, &from);
}

int64_t ext2_readlink(struct ext2 *fs, struct ext2_fileid f, char *buf, size_t len)
{
    struct ext2_node n;
    int err = ext2_open(fs, f, &n);
    if (err)
        return err;
    if (ext2_type(&n) != EXT2_S_IFLNK)
        return -EINVAL;
    uint32_t size = n.i.i_size;
    const uint8_t *target = (const uint8_t *)n.i.i_block;
    if (!ext2_maps_blocks(fs, &n)) {
        if (size >= EXT2_FAST_SYMLINK_MAX)
            return -EUCLEAN;
    } else {
        uint32_t pblk;
        bool fresh;
        if (size >= fs->bs || n.i.i_size_high)
            return -EUCLEAN;
        err = ext2_bmap(fs, &n, 0, false, &pblk, &fresh);
        if (!err && !pblk)
            err = -EUCLEAN;
        if (err || (err = ext2_bread(fs, pblk, fs->data)))
            return err;
        target = fs->data;
    }
    size_t count = len < size ? len : size;
    memcpy(buf, target, count);
    return (int64_t)count;
}
