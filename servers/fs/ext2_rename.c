/*
 * rename: POSIX semantics. The checks come first (decode): both names, both
 * directories, the source, the target and whether it may be replaced, a
 * directory not moved under itself, room for a new entry. Then the change
 * (invoke): the new name is entered (or the target's entry pointed at the
 * source) before the old name goes, so a crash in between leaves the file
 * with two names rather than none; a moved directory's ".." and the link
 * counts of both parents follow; a replaced target loses its link.
 */
#include "ext2_impl.h"

#include "mica/errno.h"
#include "mica/string.h"

struct rename_op {
    struct ext2_node from_store, to_store;
    struct ext2_node *from_dir, *to_dir;        /* the same node if one directory */
    struct ext2_node src, tgt;
    struct ext2_dirloc tgt_loc, slot;
    bool has_tgt;
    bool moving;                /* a directory to another parent */
    bool keep;                  /* a replaced file the caller has open... */
    bool orphaned;              /* ... went on the orphan list */
};

/* The parent of directory dir, from its "..". */
static int parent_of(struct ext2 *fs, uint32_t dir, uint32_t *parent)
{
    struct ext2_node n;
    struct ext2_dirloc loc;
    int err = ext2_iread(fs, dir, &n);
    if (!err && ext2_type(&n) != EXT2_S_IFDIR)
        err = -EUCLEAN;
    if (err || (err = ext2_dir_find(fs, &n, "..", 2, &loc)))
        return err == -ENOENT ? -EUCLEAN : err;
    if (loc.ino == dir || loc.ino == 0 || loc.ino > fs->ninodes)
        return -EUCLEAN;
    *parent = loc.ino;
    return 0;
}

/* Whether directory ino is dir or above it: walks ".." from dir up to the
 * root. A corrupt image may loop; Brent's cycle detection (the tortoise
 * jumps to the hare at each power of two) ends the walk within a few
 * times the loop's length. */
static int is_under(struct ext2 *fs, uint32_t ino, uint32_t dir)
{
    uint32_t tortoise = dir;
    uint64_t power = 1, steps = 0;
    for (uint64_t total = 0; total <= fs->ninodes; total++) {
        if (dir == ino)
            return 1;
        if (dir == EXT2_ROOT_INO)
            return 0;
        int err = parent_of(fs, dir, &dir);
        if (err)
            return err;
        if (dir == tortoise)
            return -EUCLEAN;
        if (++steps == power) {
            tortoise = dir;
            power *= 2;
            steps = 0;
        }
    }
    return -EUCLEAN;
}

/* Looks up the target and decides whether it may be replaced. */
static int check_target(struct ext2 *fs, struct rename_op *op, const char *to, size_t to_len,
                        bool noreplace)
{
    int err = ext2_dir_find(fs, op->to_dir, to, to_len, &op->tgt_loc);
    if (err == -ENOENT)
        return ext2_dir_prepare(fs, op->to_dir, to, to_len, &op->slot);
    if (err || (err = ext2_entry_inode(fs, &op->tgt_loc, &op->tgt)))
        return err;
    if (noreplace)
        return -EEXIST;
    op->has_tgt = true;
    bool src_dir = ext2_type(&op->src) == EXT2_S_IFDIR;
    bool tgt_dir = ext2_type(&op->tgt) == EXT2_S_IFDIR;
    if (src_dir && !tgt_dir)
        return -ENOTDIR;
    if (!src_dir && tgt_dir)
        return -EISDIR;
    if (tgt_dir && (err = ext2_dir_empty(fs, &op->tgt)) <= 0)
        return err ? err : -ENOTEMPTY;
    return 0;
}

/* Everything that can fail before anything changes. Returns 1 when the
 * source and target are one file (nothing to do). */
static int rename_check(struct ext2 *fs, struct rename_op *op, struct ext2_fileid fromf,
                        const char *from, size_t from_len, struct ext2_fileid tof,
                        const char *to, size_t to_len, bool noreplace)
{
    struct ext2_dirloc loc;
    int err = ext2_check_name(from, from_len);
    if (err || (err = ext2_check_name(to, to_len)))
        return err;
    if (ext2_is_dot(from, from_len) || ext2_is_dot(to, to_len))
        return -EINVAL;
    if (fromf.ino == tof.ino && fromf.gen != tof.gen)
        return -ESTALE;
    op->from_dir = &op->from_store;
    op->to_dir = fromf.ino == tof.ino ? op->from_dir : &op->to_store;
    if ((err = ext2_open_dir(fs, fromf, op->from_dir)) ||
        (err = ext2_open_dir(fs, tof, op->to_dir)) ||
        (err = ext2_dir_find(fs, op->from_dir, from, from_len, &loc)) ||
        (err = ext2_entry_inode(fs, &loc, &op->src)))
        return err;
    if ((err = check_target(fs, op, to, to_len, noreplace)))
        return err;
    if (op->has_tgt && op->tgt.ino == op->src.ino)
        return 1;
    op->moving = ext2_type(&op->src) == EXT2_S_IFDIR && op->from_dir != op->to_dir;
    if (!op->moving)
        return 0;
    if ((err = is_under(fs, op->src.ino, op->to_dir->ino)))
        return err < 0 ? err : -EINVAL;
    if (!op->has_tgt && op->to_dir->i.i_links_count >= EXT2_LINK_MAX)
        return -EMLINK;
    return 0;
}

/* Points the moved directory's ".." at its new parent. */
static int reparent(struct ext2 *fs, struct rename_op *op)
{
    struct ext2_dirloc loc;
    int err = ext2_dir_find(fs, &op->src, "..", 2, &loc);
    if (err)
        return err == -ENOENT ? -EUCLEAN : err;
    if ((err = ext2_dir_retarget(fs, &op->src, &loc, op->to_dir->ino, EXT2_FT_DIR)))
        return err;
    if (op->from_dir->i.i_links_count > 2)
        op->from_dir->i.i_links_count--;
    op->to_dir->i.i_links_count++;
    return 0;
}

/* Drops the replaced target's link (a directory's both). */
static int drop_target(struct ext2 *fs, struct rename_op *op)
{
    if (ext2_type(&op->tgt) == EXT2_S_IFDIR) {
        if (op->to_dir->i.i_links_count > 2)
            op->to_dir->i.i_links_count--;
        op->tgt.i.i_links_count = 0;
        return ext2_release(fs, &op->tgt);
    }
    if (--op->tgt.i.i_links_count == 0 && op->keep) {
        op->orphaned = true;
        return ext2_orphan_add(fs, &op->tgt);
    }
    if (op->tgt.i.i_links_count == 0)
        return ext2_release(fs, &op->tgt);
    ext2_touch(fs, &op->tgt, EXT2_TOUCH_C);
    return ext2_iwrite(fs, &op->tgt);
}

static int rename_invoke(struct ext2 *fs, struct rename_op *op, const char *from,
                         size_t from_len, const char *to, size_t to_len)
{
    struct ext2_dirloc loc;
    uint8_t ft = ext2_ft_of_mode(op->src.i.i_mode);
    int err;
    if (op->has_tgt)
        err = ext2_dir_retarget(fs, op->to_dir, &op->tgt_loc, op->src.ino, ft);
    else
        err = ext2_dir_insert(fs, op->to_dir, &op->slot, to, to_len, op->src.ino, ft);
    /* Found again: the insert may have split the record before it. */
    if (!err && !(err = ext2_dir_find(fs, op->from_dir, from, from_len, &loc)))
        err = loc.ino == op->src.ino ? ext2_dir_remove(fs, op->from_dir, &loc) : -EUCLEAN;
    if (!err && op->moving)
        err = reparent(fs, op);
    if (!err && op->has_tgt)
        err = drop_target(fs, op);
    ext2_touch(fs, &op->src, EXT2_TOUCH_C);
    ext2_touch(fs, op->from_dir, EXT2_TOUCH_M | EXT2_TOUCH_C);
    ext2_touch(fs, op->to_dir, EXT2_TOUCH_M | EXT2_TOUCH_C);
    int werr = ext2_iwrite(fs, &op->src);
    int werr2 = ext2_iwrite(fs, op->from_dir);
    if (op->to_dir != op->from_dir && !werr2)
        werr2 = ext2_iwrite(fs, op->to_dir);
    return err ? err : werr ? werr : werr2;
}

static int rename_common(struct ext2 *fs, struct ext2_fileid from_dir, const char *from,
                         size_t from_len, struct ext2_fileid to_dir, const char *to,
                         size_t to_len, bool noreplace, struct ext2_fileid *gone)
{
    struct rename_op op;
    memset(&op, 0, sizeof op);
    op.keep = gone != NULL;
    int err = rename_check(fs, &op, from_dir, from, from_len, to_dir, to, to_len, noreplace);
    if (err)
        return err < 0 ? err : 0;
    err = (int)ext2_done(fs, rename_invoke(fs, &op, from, from_len, to, to_len));
    if (err || !op.orphaned)
        return err;
    *gone = (struct ext2_fileid){ op.tgt.ino, op.tgt.i.i_generation };
    return 1;
}

int ext2_rename(struct ext2 *fs, struct ext2_fileid from_dir, const char *from, size_t from_len,
                struct ext2_fileid to_dir, const char *to, size_t to_len, bool noreplace)
{
    return rename_common(fs, from_dir, from, from_len, to_dir, to, to_len, noreplace, NULL);
}

int ext2_rename_keep(struct ext2 *fs, struct ext2_fileid from_dir, const char *from,
                     size_t from_len, struct ext2_fileid to_dir, const char *to, size_t to_len,
                     bool noreplace, struct ext2_fileid *gone)
{
    return rename_common(fs, from_dir, from, from_len, to_dir, to, to_len, noreplace, gone);
}
