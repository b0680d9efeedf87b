/*
 * Requests about a whole file or the file system: root, getattr, setattr,
 * statfs, sync.
 */
#include "fs.h"

#include "mica/blk.h"
#include "mica/errno.h"
#include "mica/string.h"

static struct ext2_fileid file_of(const struct request *r)
{
    return (struct ext2_fileid){ (uint32_t)r->w[0], (uint32_t)r->w[1] };
}

/* Puts st in the reply's IPC-buffer words as a struct fs_stat. */
static void reply_stat(struct request *r, const struct ext2_stat *st)
{
    struct fs_stat *out = (struct fs_stat *)&r->mr[FS_ARG_WORD];
    *out = (struct fs_stat){
        .ino = st->ino, .gen = st->gen, .mode = st->mode, .nlink = st->nlink,
        .uid = st->uid, .gid = st->gid, .size = st->size, .blocks = st->blocks,
        .atime = st->atime, .mtime = st->mtime, .ctime = st->ctime,
        .atime_ns = st->atime_ns, .mtime_ns = st->mtime_ns, .ctime_ns = st->ctime_ns,
        .rdev = st->rdev, .block_size = ext2_block_size(fs_ext2),
    };
    r->reply_len = FS_ARG_WORD + FS_WORDS(struct fs_stat);
}

long do_root(struct request *r)
{
    struct ext2_stat st;
    int err = ext2_getattr(fs_ext2, (struct ext2_fileid){ EXT2_ROOT_INO, 0 }, &st);
    if (err)
        return err;
    r->reply[1] = st.ino;
    r->reply[2] = st.gen;
    return 0;
}

long do_getattr(struct request *r)
{
    struct ext2_stat st;
    int err = ext2_getattr(fs_ext2, file_of(r), &st);
    if (err)
        return err;
    reply_stat(r, &st);
    return 0;
}

long do_setattr(struct request *r)
{
    if (r->len < FS_ARG_WORD + FS_WORDS(struct fs_setattr))
        return -EINVAL;
    const struct fs_setattr *in = (const struct fs_setattr *)&r->mr[FS_ARG_WORD];
    struct ext2_setattr sa = {
        .mask = in->mask, .mode = in->mode, .uid = in->uid, .gid = in->gid,
        .atime = in->atime, .mtime = in->mtime, .atime_ns = in->atime_ns,
        .mtime_ns = in->mtime_ns, .size = in->size,
    };
    int err = ext2_setattr(fs_ext2, file_of(r), &sa);
    if (err)
        return err;
    struct ext2_stat st;
    err = ext2_getattr(fs_ext2, file_of(r), &st);
    if (err)
        return err;
    reply_stat(r, &st);
    return 0;
}

long do_statfs(struct request *r)
{
    struct ext2_statfs s;
    int err = ext2_statfs(fs_ext2, &s);
    if (err)
        return err;
    struct fs_statfs *out = (struct fs_statfs *)&r->mr[FS_ARG_WORD];
    *out = (struct fs_statfs){
        .block_size = s.block_size, .name_max = s.name_max, .blocks = s.blocks,
        .free_blocks = s.free_blocks, .avail_blocks = s.avail_blocks,
        .inodes = s.inodes, .free_inodes = s.free_inodes,
    };
    r->reply_len = FS_ARG_WORD + FS_WORDS(struct fs_statfs);
    return 0;
}

long do_sync(struct request *r)
{
    (void)r;
    int err = journal_checkpoint();
    if (!err && blk_flush(FS_SLOT_BLK))
        err = -EIO;
    return err;
}
