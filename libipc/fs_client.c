/*
 * Client stubs of the file-system protocol (see fs.h).
 */
#include "mica/fs.h"

#include <stdbool.h>

#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/string.h"
#include "mica/sys.h"

/* Lends len bytes at va for the next call: of this process's memory
 * (space 0) or of the process whose capability is in slot space. */
static void lend_of(long space, uint64_t va, size_t len, unsigned rights)
{
    struct mica_ipc_buffer *ib = mica_ipcbuf();
    ib->grant_base = va;
    ib->grant_len = len;
    ib->grant_rights = rights;
    ib->grant_space = (uint64_t)space;
}

static void lend(const void *buf, size_t len, unsigned rights)
{
    lend_of(0, (uint64_t)buf, len, rights);
}

/* Each name request carries a new id, so that a restarted fs answers a
 * retry of a request its predecessor applied without applying it again. */
static uint32_t last_reqid;

/* Puts a name request in the IPC buffer; false if the name is too long. */
static bool put_name(const char *name, size_t len, uint32_t mode, uint32_t uid, uint32_t gid,
                     uint32_t rdev)
{
    if (len > FS_NAME_MAX)
        return false;
    struct fs_name *n = (struct fs_name *)&mica_ipcbuf()->mr[FS_ARG_WORD];
    n->len = (uint32_t)len;
    n->mode = mode;
    n->uid = uid;
    n->gid = gid;
    n->rdev = rdev;
    n->reqid = ++last_reqid ? last_reqid : ++last_reqid;
    memcpy(n->name, name, len);
    n->name[len] = '\0';
    return true;
}

uint64_t fs_changes;

/* Requests that only look: every other one may change some file's
 * attributes, and counts in fs_changes. */
static bool looks_only(enum fs_op op)
{
    return op == FS_ROOT || op == FS_LOOKUP || op == FS_GETATTR || op == FS_READ ||
           op == FS_READLINK || op == FS_READDIR || op == FS_STATFS;
}

/* A request whose server died before answering goes again, unchanged
 * (the IPC buffer and the grant are as they were), to the next
 * incarnation: the endpoint outlives the server. */
static long call(long ep, enum fs_op op, unsigned len, bool grant, uint64_t w0, uint64_t w1,
                 uint64_t w2, uint64_t w3, struct mica_msg *m)
{
    long err;
    do {
        *m = (struct mica_msg){ .info = MICA_INFO(op, len, 0, grant), .w = { w0, w1, w2, w3 } };
        err = mica_call(ep, m);
    } while (err == -EPEERDIED);
    if (!looks_only(op))
        fs_changes++;
    return err ? err : (long)m->w[0];
}

#define NAME_LEN (FS_ARG_WORD + FS_WORDS(struct fs_name))

static long named(long ep, enum fs_op op, struct fs_fileid dir, const char *name, size_t len,
                  uint32_t mode, uint32_t uid, uint32_t gid, uint32_t rdev,
                  struct fs_fileid *out)
{
    struct mica_msg m;
    if (!put_name(name, len, mode, uid, gid, rdev))
        return -ENAMETOOLONG;
    long r = call(ep, op, NAME_LEN, false, dir.ino, dir.gen, 0, 0, &m);
    if (r >= 0 && out)
        *out = (struct fs_fileid){ (uint32_t)m.w[1], (uint32_t)m.w[2] };
    return r;
}

long fs_root(long ep, struct fs_fileid *root)
{
    struct mica_msg m;
    long r = call(ep, FS_ROOT, 0, false, 0, 0, 0, 0, &m);
    if (r >= 0)
        *root = (struct fs_fileid){ (uint32_t)m.w[1], (uint32_t)m.w[2] };
    return r;
}

long fs_lookup(long ep, struct fs_fileid dir, const char *name, size_t len,
               struct fs_fileid *out, uint32_t *mode)
{
    struct mica_msg m;
    if (!put_name(name, len, 0, 0, 0, 0))
        return -ENAMETOOLONG;
    long r = call(ep, FS_LOOKUP, NAME_LEN, false, dir.ino, dir.gen, 0, 0, &m);
    if (r >= 0) {
        *out = (struct fs_fileid){ (uint32_t)m.w[1], (uint32_t)m.w[2] };
        if (mode)
            *mode = (uint32_t)m.w[3];
    }
    return r;
}

static void get_stat(struct fs_stat *st)
{
    if (st)
        memcpy(st, &mica_ipcbuf()->mr[FS_ARG_WORD], sizeof *st);
}

long fs_getattr(long ep, struct fs_fileid f, struct fs_stat *st)
{
    struct mica_msg m;
    long r = call(ep, FS_GETATTR, 2, false, f.ino, f.gen, 0, 0, &m);
    if (r >= 0)
        get_stat(st);
    return r;
}

long fs_setattr(long ep, struct fs_fileid f, const struct fs_setattr *sa, struct fs_stat *st)
{
    struct mica_msg m;
    memcpy(&mica_ipcbuf()->mr[FS_ARG_WORD], sa, sizeof *sa);
    long r = call(ep, FS_SETATTR, FS_ARG_WORD + FS_WORDS(struct fs_setattr), false, f.ino,
                  f.gen, 0, 0, &m);
    if (r >= 0)
        get_stat(st);
    return r;
}

static long io(long ep, enum fs_op op, struct fs_fileid f, uint64_t off, long space,
               uint64_t va, size_t len, unsigned rights)
{
    size_t done = 0;
    while (done < len) {
        size_t n = len - done > FS_IO_MAX ? FS_IO_MAX : len - done;
        struct mica_msg m;
        lend_of(space, va + done, n, rights);
        long r = call(ep, op, 4, true, f.ino, f.gen, off + done, n, &m);
        if (r < 0)
            return done ? (long)done : r;
        done += (size_t)r;
        if ((size_t)r < n)
            break;
    }
    return (long)done;
}

long fs_read(long ep, struct fs_fileid f, uint64_t off, void *buf, size_t len)
{
    return io(ep, FS_READ, f, off, 0, (uint64_t)buf, len, MICA_R_WRITE);
}

long fs_write(long ep, struct fs_fileid f, uint64_t off, const void *buf, size_t len)
{
    return io(ep, FS_WRITE, f, off, 0, (uint64_t)buf, len, MICA_R_READ);
}

long fs_read_into(long ep, struct fs_fileid f, uint64_t off, long process, uint64_t va,
                  size_t len)
{
    return io(ep, FS_READ, f, off, process, va, len, MICA_R_WRITE);
}

long fs_write_from(long ep, struct fs_fileid f, uint64_t off, long process, uint64_t va,
                   size_t len)
{
    return io(ep, FS_WRITE, f, off, process, va, len, MICA_R_READ);
}

long fs_create(long ep, struct fs_fileid dir, const char *name, size_t len, uint32_t mode,
               uint32_t uid, uint32_t gid, uint32_t rdev, struct fs_fileid *out)
{
    return named(ep, FS_CREATE, dir, name, len, mode, uid, gid, rdev, out);
}

long fs_mkdir(long ep, struct fs_fileid dir, const char *name, size_t len, uint32_t mode,
              uint32_t uid, uint32_t gid, struct fs_fileid *out)
{
    return named(ep, FS_MKDIR, dir, name, len, mode, uid, gid, 0, out);
}

long fs_symlink(long ep, struct fs_fileid dir, const char *name, size_t len,
                const char *target, size_t target_len, uint32_t uid, uint32_t gid,
                struct fs_fileid *out)
{
    struct mica_msg m;
    if (!put_name(name, len, 0, uid, gid, 0))
        return -ENAMETOOLONG;
    lend(target, target_len, MICA_R_READ);
    long r = call(ep, FS_SYMLINK, NAME_LEN, true, dir.ino, dir.gen, target_len, 0, &m);
    if (r >= 0 && out)
        *out = (struct fs_fileid){ (uint32_t)m.w[1], (uint32_t)m.w[2] };
    return r;
}

long fs_readlink(long ep, struct fs_fileid f, char *buf, size_t len)
{
    struct mica_msg m;
    lend(buf, len, MICA_R_WRITE);
    return call(ep, FS_READLINK, 3, true, f.ino, f.gen, len, 0, &m);
}

long fs_link(long ep, struct fs_fileid f, struct fs_fileid dir, const char *name, size_t len)
{
    struct mica_msg m;
    if (!put_name(name, len, 0, 0, 0, 0))
        return -ENAMETOOLONG;
    return call(ep, FS_LINK, NAME_LEN, false, f.ino, f.gen, dir.ino, dir.gen, &m);
}

long fs_unlink(long ep, struct fs_fileid dir, const char *name, size_t len)
{
    return named(ep, FS_UNLINK, dir, name, len, 0, 0, 0, 0, 0);
}

long fs_unlink_keep(long ep, struct fs_fileid dir, const char *name, size_t len,
                    struct fs_fileid *gone)
{
    struct mica_msg m;
    if (!put_name(name, len, 0, 0, 0, 0))
        return -ENAMETOOLONG;
    long r = call(ep, FS_UNLINK, NAME_LEN, false, dir.ino, dir.gen, FS_UNLINK_KEEP, 0, &m);
    if (r == 1)
        *gone = (struct fs_fileid){ (uint32_t)m.w[1], (uint32_t)m.w[2] };
    return r;
}

long fs_release(long ep, struct fs_fileid f)
{
    struct mica_msg m;
    return call(ep, FS_RELEASE, 2, false, f.ino, f.gen, 0, 0, &m);
}

long fs_orphans_free(long ep)
{
    struct mica_msg m;
    return call(ep, FS_ORPHANS_FREE, 0, false, 0, 0, 0, 0, &m);
}

long fs_rmdir(long ep, struct fs_fileid dir, const char *name, size_t len)
{
    return named(ep, FS_RMDIR, dir, name, len, 0, 0, 0, 0, 0);
}

long fs_rename(long ep, struct fs_fileid from_dir, const char *from, size_t from_len,
               struct fs_fileid to_dir, const char *to, size_t to_len, unsigned flags)
{
    struct mica_msg m;
    if (!put_name(from, from_len, 0, 0, 0, 0))
        return -ENAMETOOLONG;
    lend(to, to_len, MICA_R_READ);
    return call(ep, FS_RENAME, NAME_LEN, true, FS_PACK(from_dir), FS_PACK(to_dir), flags,
                to_len, &m);
}

long fs_rename_keep(long ep, struct fs_fileid from_dir, const char *from, size_t from_len,
                    struct fs_fileid to_dir, const char *to, size_t to_len, unsigned flags,
                    struct fs_fileid *gone)
{
    struct mica_msg m;
    if (!put_name(from, from_len, 0, 0, 0, 0))
        return -ENAMETOOLONG;
    lend(to, to_len, MICA_R_READ);
    long r = call(ep, FS_RENAME, NAME_LEN, true, FS_PACK(from_dir), FS_PACK(to_dir),
                  flags | FS_RENAME_KEEP, to_len, &m);
    if (r == 1)
        *gone = (struct fs_fileid){ (uint32_t)m.w[1], (uint32_t)m.w[2] };
    return r;
}

long fs_readdir(long ep, struct fs_fileid dir, uint64_t cookie, struct fs_dirent *de)
{
    struct mica_msg m;
    long r = call(ep, FS_READDIR, 3, false, dir.ino, dir.gen, cookie, 0, &m);
    if (r > 0)
        memcpy(de, &mica_ipcbuf()->mr[FS_ARG_WORD], sizeof *de);
    return r;
}

long fs_statfs(long ep, struct fs_statfs *out)
{
    struct mica_msg m;
    long r = call(ep, FS_STATFS, 0, false, 0, 0, 0, 0, &m);
    if (r >= 0)
        memcpy(out, &mica_ipcbuf()->mr[FS_ARG_WORD], sizeof *out);
    return r;
}

long fs_sync(long ep)
{
    struct mica_msg m;
    return call(ep, FS_SYNC, 0, false, 0, 0, 0, 0, &m);
}
