/*
 * Requests about names in directories: lookup, create, mkdir, symlink,
 * link, unlink, rmdir, rename, readdir. A name comes as a struct fs_name
 * in the IPC buffer; a second string (a symlink's target, a rename's new
 * name) by a grant.
 */
#include "fs.h"

#include "mica/errno.h"
#include "mica/string.h"
#include "mica/sys.h"

static char second[FS_PATH_MAX];

static struct ext2_fileid file_of(const struct request *r)
{
    return (struct ext2_fileid){ (uint32_t)r->w[0], (uint32_t)r->w[1] };
}

/* The request's name, checked: 1..255 bytes, no '/' and no NUL. */
static const struct fs_name *name_of(const struct request *r, long *err)
{
    *err = -EINVAL;
    if (r->len < FS_ARG_WORD + FS_WORDS(struct fs_name))
        return NULL;
    const struct fs_name *n = (const struct fs_name *)&r->mr[FS_ARG_WORD];
    if (n->len > FS_NAME_MAX) {
        *err = -ENAMETOOLONG;
        return NULL;
    }
    if (n->len == 0) {
        *err = -ENOENT;
        return NULL;
    }
    for (uint32_t i = 0; i < n->len; i++)
        if (n->name[i] == '/' || n->name[i] == '\0')
            return NULL;
    return n;
}

/* A string of len bytes from the caller's grant into `second`. */
static long second_string(const struct request *r, uint64_t len, size_t max)
{
    if (!r->has_grant)
        return -EFAULT;
    if (len == 0)
        return -ENOENT;
    if (len > max)
        return -ENAMETOOLONG;
    if (mica_grant_copy(-1, 0, second, len, MICA_GRANT_FROM) < 0)
        return -EFAULT;
    for (uint64_t i = 0; i < len; i++)
        if (second[i] == '\0')
            return -EINVAL;
    return 0;
}

static long reply_fileid(struct request *r, int err, struct ext2_fileid f)
{
    if (err)
        return err;
    r->reply[1] = f.ino;
    r->reply[2] = f.gen;
    return 0;
}

long do_lookup(struct request *r)
{
    long err;
    const struct fs_name *n = name_of(r, &err);
    if (!n)
        return err;
    struct ext2_fileid f;
    int e = ext2_lookup(fs_ext2, file_of(r), n->name, n->len, &f);
    if (e)
        return e;
    struct ext2_stat st;
    if ((e = ext2_getattr(fs_ext2, f, &st)))
        return e;
    r->reply[3] = st.mode;
    return reply_fileid(r, 0, f);
}

long do_create(struct request *r)
{
    long err;
    const struct fs_name *n = name_of(r, &err);
    if (!n)
        return err;
    struct ext2_fileid f;
    int e = ext2_create(fs_ext2, file_of(r), n->name, n->len, n->mode, n->uid, n->gid,
                        n->rdev, &f);
    return reply_fileid(r, e, f);
}

long do_mkdir(struct request *r)
{
    long err;
    const struct fs_name *n = name_of(r, &err);
    if (!n)
        return err;
    struct ext2_fileid f;
    int e = ext2_mkdir(fs_ext2, file_of(r), n->name, n->len, n->mode, n->uid, n->gid, &f);
    return reply_fileid(r, e, f);
}

long do_symlink(struct request *r)
{
    long err;
    const struct fs_name *n = name_of(r, &err);
    if (!n)
        return err;
    uint64_t tlen = r->w[2];
    struct fs_name copy = *n;           /* the grant copy must not clobber it */
    if ((err = second_string(r, tlen, FS_PATH_MAX - 1)))
        return err;
    struct ext2_fileid f;
    int e = ext2_symlink(fs_ext2, file_of(r), copy.name, copy.len, second, tlen, copy.uid,
                         copy.gid, &f);
    return reply_fileid(r, e, f);
}

long do_link(struct request *r)
{
    long err;
    const struct fs_name *n = name_of(r, &err);
    if (!n)
        return err;
    struct ext2_fileid dir = { (uint32_t)r->w[2], (uint32_t)r->w[3] };
    return ext2_link(fs_ext2, file_of(r), dir, n->name, n->len);
}

long do_unlink(struct request *r)
{
    long err;
    const struct fs_name *n = name_of(r, &err);
    if (!n)
        return err;
    if (!(r->w[2] & FS_UNLINK_KEEP))
        return ext2_unlink(fs_ext2, file_of(r), n->name, n->len);
    struct ext2_fileid gone;
    int e = ext2_unlink_keep(fs_ext2, file_of(r), n->name, n->len, &gone);
    if (e == 1)
        reply_fileid(r, 0, gone);
    return e;
}

long do_release(struct request *r)
{
    return ext2_orphan_release(fs_ext2, file_of(r));
}

long do_orphans_free(struct request *r)
{
    (void)r;
    return ext2_orphans_free(fs_ext2);
}

long do_rmdir(struct request *r)
{
    long err;
    const struct fs_name *n = name_of(r, &err);
    if (!n)
        return err;
    return ext2_rmdir(fs_ext2, file_of(r), n->name, n->len);
}

long do_rename(struct request *r)
{
    long err;
    const struct fs_name *n = name_of(r, &err);
    if (!n)
        return err;
    struct fs_name from = *n;
    uint64_t to_len = r->w[3];
    if ((err = second_string(r, to_len, FS_NAME_MAX)))
        return err;
    for (uint64_t i = 0; i < to_len; i++)
        if (second[i] == '/')
            return -EINVAL;
    struct fs_fileid a = FS_UNPACK(r->w[0]), b = FS_UNPACK(r->w[1]);
    if (r->w[2] & ~(uint64_t)(FS_RENAME_NOREPLACE | FS_RENAME_KEEP))
        return -EINVAL;
    bool noreplace = (r->w[2] & FS_RENAME_NOREPLACE) != 0;
    struct ext2_fileid from_dir = { a.ino, a.gen }, to_dir = { b.ino, b.gen }, gone;
    if (!(r->w[2] & FS_RENAME_KEEP))
        return ext2_rename(fs_ext2, from_dir, from.name, from.len, to_dir, second, to_len,
                           noreplace);
    int e = ext2_rename_keep(fs_ext2, from_dir, from.name, from.len, to_dir, second, to_len,
                             noreplace, &gone);
    if (e == 1)
        reply_fileid(r, 0, gone);
    return e;
}

long do_readdir(struct request *r)
{
    struct ext2_dirent de;
    int more = ext2_readdir(fs_ext2, file_of(r), r->w[2], &de);
    if (more <= 0)
        return more;
    struct fs_dirent *out = (struct fs_dirent *)&r->mr[FS_ARG_WORD];
    out->ino = de.ino;
    out->type = de.type;
    out->name_len = de.name_len;
    out->next = de.next;
    memcpy(out->name, de.name, de.name_len);
    out->name[de.name_len] = '\0';
    r->reply_len = FS_ARG_WORD + FS_WORDS(struct fs_dirent);
    return 1;
}
