/*
 * The orphan list: files whose last name is gone while a client still has
 * them open. Like ext3 and ext4 (and e2fsck, which frees what it finds on
 * it), the superblock's s_last_orphan names the first such inode and each
 * one's i_dtime names the next. An orphan keeps its blocks and stays
 * readable and writable by (ino, gen) until the client releases it
 * (ext2_orphan_release) or, after a restart of the system, until
 * ext2_orphans_free runs when no file can be open any more.
 *
 * The list is short (the files open and unlinked at one moment), so it is
 * walked from the head; a walk longer than the inode count means a loop
 * on disk and stops with -EUCLEAN.
 */
#include "ext2_impl.h"

#include "mica/errno.h"

/* Is ino an inode a well-formed list may hold? */
static bool orphan_valid(const struct ext2 *fs, uint32_t ino)
{
    return ino >= fs->first_ino && ino <= fs->ninodes;
}

int ext2_orphan_add(struct ext2 *fs, struct ext2_node *n)
{
    n->i.i_dtime = fs->sb.s_last_orphan;
    ext2_touch(fs, n, EXT2_TOUCH_C);
    int err = ext2_iwrite(fs, n);
    if (err)
        return err;
    fs->sb.s_last_orphan = n->ino;
    fs->sb_dirty = true;
    return 0;
}

/* Finds ino on the list: *prev gets the inode before it (0: the head).
 * 0, -ENOENT if it is not there, or -EUCLEAN/-EIO. */
static int orphan_find(struct ext2 *fs, uint32_t ino, uint32_t *prev)
{
    struct ext2_node cur;
    uint32_t at = fs->sb.s_last_orphan;
    *prev = 0;
    for (uint32_t steps = 0; at; steps++) {
        if (!orphan_valid(fs, at) || steps > fs->ninodes)
            return -EUCLEAN;
        if (at == ino)
            return 0;
        int err = ext2_iread(fs, at, &cur);
        if (err)
            return err;
        *prev = at;
        at = cur.i.i_dtime;
    }
    return -ENOENT;
}

bool ext2_orphan_has(struct ext2 *fs, uint32_t ino)
{
    uint32_t prev;
    return orphan_find(fs, ino, &prev) == 0;
}

/* Takes n off the list (it is on it, after prev). */
static int orphan_unlink(struct ext2 *fs, struct ext2_node *n, uint32_t prev)
{
    uint32_t next = n->i.i_dtime;
    n->i.i_dtime = 0;
    if (prev == 0) {
        fs->sb.s_last_orphan = next;
        fs->sb_dirty = true;
        return 0;
    }
    struct ext2_node p;
    int err = ext2_iread(fs, prev, &p);
    if (err)
        return err;
    p.i.i_dtime = next;
    return ext2_iwrite(fs, &p);
}

static int do_release(struct ext2 *fs, struct ext2_fileid f)
{
    struct ext2_node n;
    uint32_t prev;
    int err = ext2_open(fs, f, &n);
    if (err)
        return err;
    if (n.i.i_links_count)
        return 0;                   /* linked again: no longer an orphan */
    if ((err = orphan_find(fs, f.ino, &prev)) || (err = orphan_unlink(fs, &n, prev)))
        return err;
    return ext2_release(fs, &n);
}

int ext2_orphan_release(struct ext2 *fs, struct ext2_fileid f)
{
    return (int)ext2_done(fs, do_release(fs, f));
}

static int do_free_all(struct ext2 *fs)
{
    struct ext2_node n;
    uint32_t steps = 0;
    while (fs->sb.s_last_orphan) {
        uint32_t ino = fs->sb.s_last_orphan;
        int err = 0;
        if (!orphan_valid(fs, ino) || steps++ > fs->ninodes)
            err = -EUCLEAN;
        else
            err = ext2_iread(fs, ino, &n);
        if (!err && (n.i.i_links_count || n.i.i_mode == 0))
            err = -EUCLEAN;
        if (err) {
            /* A broken list: drop it, e2fsck finds what it held. */
            fs->sb.s_last_orphan = 0;
            fs->sb_dirty = true;
            return err;
        }
        fs->sb.s_last_orphan = n.i.i_dtime;
        fs->sb_dirty = true;
        n.i.i_dtime = 0;
        if ((err = ext2_release(fs, &n)))
            return err;
    }
    return 0;
}

int ext2_orphans_free(struct ext2 *fs)
{
    return (int)ext2_done(fs, do_free_all(fs));
}
