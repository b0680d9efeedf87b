/*
 * Names: lookup, and the operations that add or remove one entry (create,
 * mkdir, symlink, link, unlink, rmdir). Each checks everything it can
 * before it changes anything: the name, the directory, the free slot for a
 * new entry. A step that can still fail afterwards (allocation) is undone.
 *
 * Link counts follow ext2: a directory has 2 plus one per subdirectory,
 * at most EXT2_LINK_MAX; "." and ".." cannot be created or removed.
 */
#include "ext2_impl.h"

#include "mica/errno.h"
#include "mica/string.h"

/* A name for a new entry: "." and ".." always exist. */
static int check_new_name(const char *name, size_t len)
{
    int err = ext2_check_name(name, len);
    return err ? err : ext2_is_dot(name, len) ? -EEXIST : 0;
}

/* Reads the inode a found entry names; -EUCLEAN for a reserved or free
 * one. */
int ext2_entry_inode(struct ext2 *fs, const struct ext2_dirloc *loc, struct ext2_node *n)
{
    if ((loc->ino < fs->first_ino && loc->ino != EXT2_ROOT_INO) || loc->ino > fs->ninodes)
        return -EUCLEAN;
    int err = ext2_iread(fs, loc->ino, n);
    if (err)
        return err;
    return n->i.i_links_count && n->i.i_mode ? 0 : -EUCLEAN;
}

int ext2_lookup(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len,
                struct ext2_fileid *out)
{
    struct ext2_node d, n;
    struct ext2_dirloc loc;
    int err = ext2_check_name(name, len);
    if (err || (err = ext2_open_dir(fs, dir, &d)) ||
        (err = ext2_dir_find(fs, &d, name, len, &loc)) || (err = ext2_entry_inode(fs, &loc, &n)))
        return err;
    *out = (struct ext2_fileid){ n.ino, n.i.i_generation };
    return 0;
}

/* The first half of every creation: checks the name and the directory,
 * finds the slot and allocates the inode (in memory). */
static int make_node(struct ext2 *fs, struct ext2_fileid dirf, const char *name, size_t len,
                     uint32_t mode, uint32_t uid, uint32_t gid, struct ext2_node *dir,
                     struct ext2_dirloc *slot, struct ext2_node *n)
{
    int err = check_new_name(name, len);
    if (err || (err = ext2_open_dir(fs, dirf, dir)))
        return err;
    if ((mode & EXT2_S_IFMT) == EXT2_S_IFDIR && dir->i.i_links_count >= EXT2_LINK_MAX)
        return -EMLINK;
    if ((err = ext2_dir_prepare(fs, dir, name, len, slot)))
        return err;
    return ext2_new_inode(fs, dir, mode, uid, gid, n);
}

/* Gives n back after a failed creation. */
static int unmake_node(struct ext2 *fs, struct ext2_node *n, int err)
{
    n->i.i_links_count = 0;
    ext2_release(fs, n);
    return err;
}

/* The second half: writes n and enters it in dir at slot. */
static int link_node(struct ext2 *fs, struct ext2_node *dir, const struct ext2_dirloc *slot,
                     const char *name, size_t len, struct ext2_node *n,
                     struct ext2_fileid *out)
{
    int err = ext2_iwrite(fs, n);
    if (!err)
        err = ext2_dir_insert(fs, dir, slot, name, len, n->ino, ext2_ft_of_mode(n->i.i_mode));
    if (!err && ext2_type(n) == EXT2_S_IFDIR)
        dir->i.i_links_count++;
    if (!err)
        ext2_touch(fs, dir, EXT2_TOUCH_M | EXT2_TOUCH_C);
    int werr = ext2_iwrite(fs, dir);     /* also after a failed insert */
    if (err)
        return unmake_node(fs, n, err);
    *out = (struct ext2_fileid){ n->ino, n->i.i_generation };
    return werr;
}

/* Puts a device number in i_block, in the old form when it fits. */
static void set_rdev(struct ext2_node *n, uint32_t rdev)
{
    uint32_t major = rdev >> 8 & 0xfff, minor = (rdev & 0xff) | (rdev >> 12 & 0xfff00);
    if (major < 256 && minor < 256)
        n->i.i_block[0] = major << 8 | minor;
    else
        n->i.i_block[1] = rdev;
}

static int do_mkdir(struct ext2 *fs, struct ext2_fileid dirf, const char *name, size_t len,
                    uint32_t mode, uint32_t uid, uint32_t gid, struct ext2_fileid *out)
{
    struct ext2_node dir, n;
    struct ext2_dirloc slot;
    mode = EXT2_S_IFDIR | (mode & EXT2_S_PERM);
    int err = make_node(fs, dirf, name, len, mode, uid, gid, &dir, &slot, &n);
    if (err)
        return err;
    if ((err = ext2_dir_init(fs, &n, dir.ino)))
        return unmake_node(fs, &n, err);
    return link_node(fs, &dir, &slot, name, len, &n, out);
}

int ext2_mkdir(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len,
               uint32_t mode, uint32_t uid, uint32_t gid, struct ext2_fileid *out)
{
    return (int)ext2_done(fs, do_mkdir(fs, dir, name, len, mode, uid, gid, out));
}

static int do_create(struct ext2 *fs, struct ext2_fileid dirf, const char *name, size_t len,
                     uint32_t mode, uint32_t uid, uint32_t gid, uint32_t rdev,
                     struct ext2_fileid *out)
{
    struct ext2_node dir, n;
    struct ext2_dirloc slot;
    uint32_t type = mode & EXT2_S_IFMT;
    if (type == 0)
        type = EXT2_S_IFREG;
    if (type == EXT2_S_IFDIR)
        return do_mkdir(fs, dirf, name, len, mode, uid, gid, out);
    if (type == EXT2_S_IFLNK || ext2_ft_of_mode(type) == EXT2_FT_UNKNOWN)
        return -EINVAL;
    int err = make_node(fs, dirf, name, len, type | (mode & EXT2_S_PERM), uid, gid, &dir,
                        &slot, &n);
    if (err)
        return err;
    if (type == EXT2_S_IFCHR || type == EXT2_S_IFBLK)
        set_rdev(&n, rdev);
    return link_node(fs, &dir, &slot, name, len, &n, out);
}

int ext2_create(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len,
                uint32_t mode, uint32_t uid, uint32_t gid, uint32_t rdev,
                struct ext2_fileid *out)
{
    return (int)ext2_done(fs, do_create(fs, dir, name, len, mode, uid, gid, rdev, out));
}

/* Stores a symlink's target: in i_block when short (a fast symlink),
 * else in a block of its own, NUL-padded as e2fsck wants. */
static int set_target(struct ext2 *fs, struct ext2_node *n, const char *target, size_t len)
{
    if (len < EXT2_FAST_SYMLINK_MAX) {
        memcpy(n->i.i_block, target, len);
    } else {
        uint32_t pblk;
        bool fresh;
        int err = ext2_bmap(fs, n, 0, true, &pblk, &fresh);
        if (err)
            return err;
        memset(fs->data, 0, fs->bs);
        memcpy(fs->data, target, len);
        if ((err = ext2_bwrite(fs, pblk, fs->data)))
            return err;
    }
    n->i.i_size = (uint32_t)len;
    return 0;
}

static int do_symlink(struct ext2 *fs, struct ext2_fileid dirf, const char *name, size_t len,
                      const char *target, size_t target_len, uint32_t uid, uint32_t gid,
                      struct ext2_fileid *out)
{
    struct ext2_node dir, n;
    struct ext2_dirloc slot;
    if (target_len == 0)
        return -ENOENT;
    if (target_len >= fs->bs)
        return -ENAMETOOLONG;
    for (size_t i = 0; i < target_len; i++)
        if (target[i] == 0)
            return -EINVAL;
    int err = make_node(fs, dirf, name, len, EXT2_S_IFLNK | 0777, uid, gid, &dir, &slot, &n);
    if (err)
        return err;
    if ((err = set_target(fs, &n, target, target_len)))
        return unmake_node(fs, &n, err);
    return link_node(fs, &dir, &slot, name, len, &n, out);
}

int ext2_symlink(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len,
                 const char *target, size_t target_len, uint32_t uid, uint32_t gid,
                 struct ext2_fileid *out)
{
    return (int)ext2_done(fs, do_symlink(fs, dir, name, len, target, target_len, uid, gid, out));
}

static int do_link(struct ext2 *fs, struct ext2_fileid f, struct ext2_fileid dirf,
                   const char *name, size_t len)
{
    struct ext2_node n, dir;
    struct ext2_dirloc slot;
    int err = check_new_name(name, len);
    if (err || (err = ext2_open(fs, f, &n)))
        return err;
    if (ext2_type(&n) == EXT2_S_IFDIR)
        return -EPERM;
    if (n.i.i_links_count == 0)
        return -ENOENT;             /* an orphan, as Linux answers */
    if (n.i.i_links_count >= EXT2_LINK_MAX)
        return -EMLINK;
    if ((err = ext2_open_dir(fs, dirf, &dir)) ||
        (err = ext2_dir_prepare(fs, &dir, name, len, &slot)))
        return err;
    /* The count goes up first: never an entry more than the count says. */
    n.i.i_links_count++;
    ext2_touch(fs, &n, EXT2_TOUCH_C);
    if ((err = ext2_iwrite(fs, &n)))
        return err;
    err = ext2_dir_insert(fs, &dir, &slot, name, len, n.ino, ext2_ft_of_mode(n.i.i_mode));
    if (!err)
        ext2_touch(fs, &dir, EXT2_TOUCH_M | EXT2_TOUCH_C);
    int werr = ext2_iwrite(fs, &dir);
    if (err) {
        n.i.i_links_count--;
        ext2_iwrite(fs, &n);
        return err;
    }
    return werr;
}

int ext2_link(struct ext2 *fs, struct ext2_fileid f, struct ext2_fileid dir, const char *name,
              size_t len)
{
    return (int)ext2_done(fs, do_link(fs, f, dir, name, len));
}

/* Finds name in directory dirf: opens both. */
static int find_entry(struct ext2 *fs, struct ext2_fileid dirf, const char *name, size_t len,
                      struct ext2_node *dir, struct ext2_dirloc *loc, struct ext2_node *n)
{
    int err = ext2_open_dir(fs, dirf, dir);
    if (err || (err = ext2_dir_find(fs, dir, name, len, loc)))
        return err;
    return ext2_entry_inode(fs, loc, n);
}

/* Drops one link of n (not a directory). With the last, n is freed, or
 * with keep goes on the orphan list (1). */
static int drop_link(struct ext2 *fs, struct ext2_node *n, bool keep)
{
    if (n->i.i_links_count)
        n->i.i_links_count--;
    if (n->i.i_links_count == 0) {
        if (!keep)
            return ext2_release(fs, n);
        int err = ext2_orphan_add(fs, n);
        return err ? err : 1;
    }
    ext2_touch(fs, n, EXT2_TOUCH_C);
    return ext2_iwrite(fs, n);
}

static int do_unlink(struct ext2 *fs, struct ext2_fileid dirf, const char *name, size_t len,
                     bool keep, struct ext2_fileid *gone)
{
    struct ext2_node dir, n;
    struct ext2_dirloc loc;
    int err = ext2_check_name(name, len);
    if (err)
        return err;
    if (ext2_is_dot(name, len))
        return -EISDIR;
    if ((err = find_entry(fs, dirf, name, len, &dir, &loc, &n)))
        return err;
    if (ext2_type(&n) == EXT2_S_IFDIR)
        return -EISDIR;
    if ((err = ext2_dir_remove(fs, &dir, &loc)))
        return err;
    ext2_touch(fs, &dir, EXT2_TOUCH_M | EXT2_TOUCH_C);
    if ((err = ext2_iwrite(fs, &dir)))
        return err;
    if (gone)
        *gone = (struct ext2_fileid){ n.ino, n.i.i_generation };
    return drop_link(fs, &n, keep);
}

int ext2_unlink(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len)
{
    return (int)ext2_done(fs, do_unlink(fs, dir, name, len, false, NULL));
}

int ext2_unlink_keep(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len,
                     struct ext2_fileid *gone)
{
    return (int)ext2_done(fs, do_unlink(fs, dir, name, len, true, gone));
}

static int do_rmdir(struct ext2 *fs, struct ext2_fileid dirf, const char *name, size_t len)
{
    struct ext2_node dir, n;
    struct ext2_dirloc loc;
    int err = ext2_check_name(name, len);
    if (err)
        return err;
    if (ext2_is_dot(name, len))
        return len == 1 ? -EINVAL : -ENOTEMPTY;
    if ((err = find_entry(fs, dirf, name, len, &dir, &loc, &n)))
        return err;
    if (ext2_type(&n) != EXT2_S_IFDIR)
        return -ENOTDIR;
    if ((err = ext2_dir_empty(fs, &n)) <= 0)
        return err ? err : -ENOTEMPTY;
    if ((err = ext2_dir_remove(fs, &dir, &loc)))
        return err;
    if (dir.i.i_links_count > 2)
        dir.i.i_links_count--;
    ext2_touch(fs, &dir, EXT2_TOUCH_M | EXT2_TOUCH_C);
    if ((err = ext2_iwrite(fs, &dir)))
        return err;
    n.i.i_links_count = 0;
    return ext2_release(fs, &n);
}

int ext2_rmdir(struct ext2 *fs, struct ext2_fileid dir, const char *name, size_t len)
{
    return (int)ext2_done(fs, do_rmdir(fs, dir, name, len));
}
