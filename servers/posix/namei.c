/*
 * Names: path resolution over the fs server (symlinks followed to a depth
 * of 40, then ELOOP; "." and ".."; trailing slashes; AT_FDCWD and dirfd)
 * and the calls that take a path: open, stat, mkdir, unlink, rename, link,
 * symlink, readlink, access, chmod, chown, utimensat, truncate, chdir,
 * getcwd, statfs. /dev's character devices are names posix knows itself.
 */
#include "posix.h"

#include "mica/runtime.h"
#include "mica/string.h"
#include "mica/sys.h"

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000
#define O_ACCMODE 3
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_EXCL 0200
#define O_TRUNC 01000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define O_PATH 010000000
#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define S_IFLNK 0120000
#define S_IFCHR 0020000
#define MAX_LINKS 40
#define UTIME_NOW ((1l << 30) - 1)
#define UTIME_OMIT ((1l << 30) - 2)
#define RENAME_NOREPLACE 1

static char path_buf[PATH_MAX];

static bool is_dir(uint32_t mode) { return (mode & S_IFMT) == S_IFDIR; }
static bool is_link(uint32_t mode) { return (mode & S_IFMT) == S_IFLNK; }

/* ---- /dev ---- */

static const struct { const char *name; enum ofile_kind kind; uint32_t rdev; } devices[] = {
    { "/dev/null", OF_NULL, 0x103 }, { "/dev/zero", OF_ZERO, 0x105 },
    { "/dev/full", OF_FULL, 0x107 }, { "/dev/random", OF_RANDOM, 0x108 },
    { "/dev/urandom", OF_RANDOM, 0x109 },
    /* The console first: it is what fstat and ttyname show of /dev/tty. */
    { "/dev/console", OF_CONSOLE, 0x501 }, { "/dev/tty", OF_CONSOLE, 0x500 },
};

/* Every device's name starts so: other paths are told apart at once. */
static bool maybe_device(const char *path)
{
    return path[0] == '/' && path[1] == 'd' && path[2] == 'e' && path[3] == 'v' &&
           path[4] == '/';
}

static int device_of(const char *path)
{
    if (!maybe_device(path))
        return -1;
    for (unsigned i = 0; i < sizeof devices / sizeof devices[0]; i++)
        if (!strcmp(path, devices[i].name))
            return (int)i;
    return -1;
}

/* Does path go through a device as if it were a directory? */
static bool under_device(const char *path)
{
    if (!maybe_device(path))
        return false;
    for (unsigned i = 0; i < sizeof devices / sizeof devices[0]; i++) {
        size_t n = strlen(devices[i].name);
        if (!strncmp(path, devices[i].name, n) && path[n] == '/')
            return true;
    }
    return false;
}

const char *device_name(enum ofile_kind kind)
{
    for (unsigned i = 0; i < sizeof devices / sizeof devices[0]; i++)
        if (devices[i].kind == kind)
            return devices[i].name;
    return NULL;
}

/* ---- resolution ---- */

/* Where "/" leads p: its chroot, or the file system's root. */
static long root_dir(struct lproc *p, struct fs_fileid *dir)
{
    static struct fs_fileid fs_root_dir;       /* fs's root never changes */
    if (p && p->fs.root.ino) {
        *dir = p->fs.root;
        return 0;
    }
    if (!fs_root_dir.ino) {
        long err = fs_root(FS_EP, &fs_root_dir);
        if (err)
            return err;
    }
    *dir = fs_root_dir;
    return 0;
}

static bool same_file(struct fs_fileid a, struct fs_fileid b)
{
    return a.ino == b.ino && a.gen == b.gen;
}

static long start_dir(struct lproc *p, int dirfd, const char *path, struct fs_fileid *dir)
{
    if (path[0] == '/')
        return root_dir(p, dir);
    if (dirfd == AT_FDCWD) {
        *dir = p->fs.cwd;
        return 0;
    }
    struct ofile *f = file_get(p, (uint64_t)dirfd);
    if (!f)
        return -EBADF;
    if (f->kind != OF_FILE || !is_dir(f->mode))
        return -ENOTDIR;
    *dir = f->id;
    return 0;
}

/* Walks path from dir; a symlink is replaced by its target (depth counts
 * them all). Returns 0 with *out, *mode set. */
static long walk(struct lproc *p, struct fs_fileid dir, const char *path, bool follow,
                 struct fs_fileid *out, uint32_t *mode, int *links)
{
    struct fs_fileid cur = dir;
    uint32_t cur_mode = S_IFDIR;
    const char *s = path;
    if (*s == '/') {
        long err = root_dir(p, &cur);
        if (err)
            return err;
    }
    for (;;) {
        while (*s == '/')
            s++;
        if (!*s)
            break;
        const char *end = s;
        while (*end && *end != '/')
            end++;
        size_t len = (size_t)(end - s);
        const char *after = end;
        while (*after == '/')
            after++;
        bool last = !*after;               /* only slashes follow */
        bool trailing = *end == '/';
        if (!is_dir(cur_mode))
            return -ENOTDIR;
        if (len > FS_NAME_MAX)
            return -ENAMETOOLONG;
        /* ".." of a chroot's directory is itself, as at the real root. */
        if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.' && p &&
                                          p->fs.root.ino && same_file(cur, p->fs.root))) {
            s = end;
            continue;
        }
        struct fs_fileid next;
        uint32_t next_mode;
        long err = nc_lookup(cur, s, len, &next, &next_mode);
        if (err)
            return err;
        if (is_link(next_mode) && (!last || follow || trailing)) {
            if (++*links > MAX_LINKS)
                return -ELOOP;
            static char target[PATH_MAX];
            long n = fs_readlink(FS_EP, next, target, PATH_MAX - 1);
            if (n < 0)
                return n;
            size_t rest = strlen(end);
            if ((size_t)n + rest + 1 > PATH_MAX)
                return -ENAMETOOLONG;
            /* target + rest, then walk it from cur (or the root). */
            char *joined = target;
            memmove(joined + n, end, rest + 1);
            static char copy[PATH_MAX];
            memcpy(copy, joined, (size_t)n + rest + 1);
            return walk(p, cur, copy, follow, out, mode, links);
        }
        cur = next;
        cur_mode = next_mode;
        s = end;
    }
    if (s > path && s[-1] == '/' && !is_dir(cur_mode))   /* s is at path's end */
        return -ENOTDIR;
    *out = cur;
    if (mode)
        *mode = cur_mode;
    return 0;
}

long namei(struct lproc *p, int dirfd, const char *path, bool follow, struct fs_fileid *out,
           uint32_t *mode)
{
    struct fs_fileid dir;
    if (!have_fs)
        return -ENOENT;
    if (!*path)
        return -ENOENT;
    if (under_device(path))
        return -ENOTDIR;
    if (procfs_path(path) && p && !p->fs.root.ino)
        return procfs_namei(p, path, follow, out, mode);
    long err = start_dir(p, dirfd, path, &dir);
    if (err)
        return err;
    int links = 0;
    return walk(p, dir, path, follow, out, mode, &links);
}

/* The directory a new name goes in, and the name: path's last component. */
static long parent_of(struct lproc *p, int dirfd, char *path, struct fs_fileid *dir,
                      const char **name, size_t *len)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        path[--n] = '\0';                  /* "dir/" names dir */
    char *slash = NULL;
    for (size_t i = 0; i < n; i++)
        if (path[i] == '/')
            slash = &path[i];
    if (!n)
        return -ENOENT;
    *name = slash ? slash + 1 : path;
    *len = strlen(*name);
    if (!*len)
        return -EEXIST;                    /* "/" itself */
    if (*len > FS_NAME_MAX)
        return -ENAMETOOLONG;
    uint32_t mode;
    if (!slash)
        return namei(p, dirfd, ".", true, dir, &mode);
    char save = slash[1];
    slash[1] = '\0';
    long err = namei(p, dirfd, slash == path ? "/" : path, true, dir, &mode);
    slash[1] = save;
    if (!err && !is_dir(mode))
        err = -ENOTDIR;
    return err;
}

static long read_path(struct lthread *t, uint64_t addr, char *buf)
{
    long n = mm_copy_string(t->proc, buf, addr, PATH_MAX);
    return n < 0 ? n : 0;
}

/* ---- open ---- */

static long open_device(struct lthread *t, int dev, uint64_t flags)
{
    struct ofile *f = file_new(devices[dev].kind);
    if (!f)
        return -ENFILE;
    f->flags = (uint32_t)flags;
    f->mode = S_IFCHR | 0666;
    long fd = file_install(t->proc, f, (flags & O_CLOEXEC) != 0, 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

long sys_openat(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = t->proc;
    int dirfd = (int)s->a[0];
    uint64_t flags = s->a[2], perm = s->a[3] & 07777;
    long err = read_path(t, s->a[1], path_buf);
    if (err)
        return err;
    int dev = device_of(path_buf);
    if (dev >= 0)
        return open_device(t, dev, flags);
    if (procfs_path(path_buf) && !p->fs.root.ino) {
        long fd = procfs_open(t, path_buf, flags);
        if (fd != -ENOENT)
            return fd;
    }
    struct fs_fileid id;
    uint32_t mode = 0;
    bool follow = !(flags & O_NOFOLLOW);
    err = namei(p, dirfd, path_buf, follow, &id, &mode);
    if (err == -ENOENT && (flags & O_CREAT)) {
        struct fs_fileid dir;
        const char *name;
        size_t len;
        err = parent_of(p, dirfd, path_buf, &dir, &name, &len);
        if (!err)
            err = fs_create(FS_EP, dir, name, len, S_IFREG | (perm & ~p->fs.umask), 0, 0, 0, &id);
        mode = S_IFREG | (uint32_t)perm;
        if (err == -EEXIST)                /* raced with itself: open it */
            err = namei(p, dirfd, path_buf, follow, &id, &mode);
    } else if (!err && (flags & O_CREAT) && (flags & O_EXCL)) {
        return -EEXIST;
    }
    if (err)
        return err;
    if (is_link(mode) && !(flags & O_PATH))
        return -ELOOP;                     /* O_NOFOLLOW on a symlink */
    if ((flags & O_DIRECTORY) && !is_dir(mode))
        return -ENOTDIR;
    if (is_dir(mode) && (flags & O_ACCMODE) != 0 && !(flags & O_PATH))
        return -EISDIR;
    if ((flags & O_TRUNC) && (flags & O_ACCMODE) && (mode & S_IFMT) == S_IFREG) {
        struct fs_setattr sa = { .mask = FS_SET_SIZE, .size = 0 };
        if ((err = fs_setattr(FS_EP, id, &sa, 0)))
            return err;
    }
    struct ofile *f = file_new(OF_FILE);
    if (!f)
        return -ENFILE;
    f->id = id;
    f->mode = mode;
    f->flags = (uint32_t)flags & ~(uint32_t)(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
    long fd = file_install(p, f, (flags & O_CLOEXEC) != 0, 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

/* ---- stat ---- */

/* struct stat of the riscv64 (asm-generic) ABI. */
struct kstat {
    uint64_t dev, ino;
    uint32_t mode, nlink, uid, gid;
    uint64_t rdev, pad1;
    int64_t size;
    int32_t blksize, pad2;
    int64_t blocks;
    int64_t atime;
    uint64_t atime_ns;
    int64_t mtime;
    uint64_t mtime_ns;
    int64_t ctime;
    uint64_t ctime_ns;
    uint32_t unused[2];
};

_Static_assert(sizeof(struct kstat) == 128, "struct stat is 128 bytes");

static void to_kstat(const struct fs_stat *st, struct kstat *k)
{
    *k = (struct kstat){
        .dev = 0x800, .ino = st->ino, .mode = st->mode, .nlink = st->nlink, .uid = st->uid,
        .gid = st->gid, .rdev = st->rdev, .size = (int64_t)st->size,
        .blksize = (int32_t)st->block_size, .blocks = (int64_t)st->blocks,
        .atime = st->atime, .atime_ns = st->atime_ns, .mtime = st->mtime,
        .mtime_ns = st->mtime_ns, .ctime = st->ctime, .ctime_ns = st->ctime_ns,
    };
}

static void device_kstat(int dev, struct kstat *k)
{
    *k = (struct kstat){ .dev = 5, .ino = 1000 + (uint64_t)dev, .mode = S_IFCHR | 0666,
                         .nlink = 1, .rdev = devices[dev].rdev, .blksize = 4096 };
}

static long stat_file(struct lproc *p, struct ofile *f, struct kstat *k)
{
    if (f->kind == OF_PIPE_READ || f->kind == OF_PIPE_WRITE || f->kind == OF_EVENTFD ||
        f->kind == OF_SOCKET) {
        /* Not on any file system: what Linux shows of its pipefs and
         * anonymous inodes. */
        *k = (struct kstat){ .dev = 12, .ino = file_ino(f), .mode = f->mode, .nlink = 1,
                             .blksize = 4096 };
        return 0;
    }
    if (f->kind == OF_TEXT) {
        *k = (struct kstat){ .dev = 4, .ino = file_ino(f), .mode = f->mode, .nlink = 1,
                             .blksize = 1024 };
        return 0;
    }
    if (f->kind != OF_FILE) {
        for (unsigned i = 0; i < sizeof devices / sizeof devices[0]; i++)
            if (devices[i].kind == f->kind) {
                device_kstat((int)i, k);
                return 0;
            }
    }
    (void)p;
    struct fs_stat st;
    long err = attr_get(f->id, &st);
    if (!err)
        to_kstat(&st, k);
    return err;
}

/* stat of a path, or of dirfd itself with AT_EMPTY_PATH and "". */
static long stat_at(struct lthread *t, int dirfd, uint64_t path, uint64_t flags, struct kstat *k)
{
    struct lproc *p = t->proc;
    long err = read_path(t, path, path_buf);
    if (err)
        return err;
    if (!path_buf[0] && (flags & AT_EMPTY_PATH)) {
        if (dirfd == AT_FDCWD) {
            struct fs_stat st;
            if ((err = attr_get(p->fs.cwd, &st)))
                return err;
            to_kstat(&st, k);
            return 0;
        }
        struct ofile *f = file_get(p, (uint64_t)dirfd);
        return f ? stat_file(p, f, k) : -EBADF;
    }
    int dev = device_of(path_buf);
    if (dev >= 0) {
        device_kstat(dev, k);
        return 0;
    }
    struct fs_fileid id;
    if ((err = namei(p, dirfd, path_buf, !(flags & AT_SYMLINK_NOFOLLOW), &id, 0)))
        return err;
    struct fs_stat st;
    if ((err = attr_get(id, &st)))
        return err;
    to_kstat(&st, k);
    return 0;
}

long sys_newfstatat(struct lthread *t, const struct sysargs *s)
{
    struct kstat k;
    long err = stat_at(t, (int)s->a[0], s->a[1], s->a[3], &k);
    if (err)
        return err;
    return mm_copy_out(t->proc, s->a[2], &k, sizeof k) < 0 ? -EFAULT : 0;
}

long sys_fstat(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    struct kstat k;
    if (!f)
        return -EBADF;
    long err = stat_file(t->proc, f, &k);
    if (err)
        return err;
    return mm_copy_out(t->proc, s->a[1], &k, sizeof k) < 0 ? -EFAULT : 0;
}

long sys_statx(struct lthread *t, const struct sysargs *s)
{
    struct kstat k;
    long err = stat_at(t, (int)s->a[0], s->a[1], s->a[2], &k);
    if (err)
        return err;
    /* struct statx: the fields musl reads. */
    uint8_t x[256];
    memset(x, 0, sizeof x);
    uint32_t mask = 0x7ff, blksize = (uint32_t)k.blksize, nlink = k.nlink, uid = k.uid,
             gid = k.gid;
    uint16_t mode = (uint16_t)k.mode;
    memcpy(x + 0, &mask, 4);
    memcpy(x + 4, &blksize, 4);
    memcpy(x + 16, &nlink, 4);
    memcpy(x + 20, &uid, 4);
    memcpy(x + 24, &gid, 4);
    memcpy(x + 28, &mode, 2);
    memcpy(x + 32, &k.ino, 8);
    memcpy(x + 40, &k.size, 8);
    memcpy(x + 48, &k.blocks, 8);
    int64_t ts[4][2] = { { k.atime, (int64_t)k.atime_ns }, { 0, 0 },
                         { k.ctime, (int64_t)k.ctime_ns }, { k.mtime, (int64_t)k.mtime_ns } };
    for (int i = 0; i < 4; i++) {
        memcpy(x + 64 + 16 * i, &ts[i][0], 8);
        uint32_t ns = (uint32_t)ts[i][1];
        memcpy(x + 72 + 16 * i, &ns, 4);
    }
    uint32_t rmaj = (uint32_t)(k.rdev >> 8), rmin = (uint32_t)(k.rdev & 0xff);
    uint32_t dmaj = (uint32_t)(k.dev >> 8), dmin = (uint32_t)(k.dev & 0xff);
    memcpy(x + 128, &rmaj, 4);
    memcpy(x + 132, &rmin, 4);
    memcpy(x + 136, &dmaj, 4);
    memcpy(x + 140, &dmin, 4);
    return mm_copy_out(t->proc, s->a[4], x, sizeof x) < 0 ? -EFAULT : 0;
}

/* ---- changing names ---- */

long sys_mkdirat(struct lthread *t, const struct sysargs *s)
{
    struct fs_fileid dir, id;
    const char *name;
    size_t len;
    long err = read_path(t, s->a[1], path_buf);
    if (!err)
        err = parent_of(t->proc, (int)s->a[0], path_buf, &dir, &name, &len);
    if (err)
        return err;
    return fs_mkdir(FS_EP, dir, name, len,
                    S_IFDIR | ((uint32_t)s->a[2] & 07777 & ~t->proc->fs.umask), 0, 0, &id);
}

long sys_mknodat(struct lthread *t, const struct sysargs *s)
{
    struct fs_fileid dir, id;
    const char *name;
    size_t len;
    uint32_t mode = (uint32_t)s->a[2];
    long err = read_path(t, s->a[1], path_buf);
    if (!err)
        err = parent_of(t->proc, (int)s->a[0], path_buf, &dir, &name, &len);
    if (err)
        return err;
    if (!(mode & S_IFMT))
        mode |= S_IFREG;
    if ((mode & S_IFMT) == S_IFDIR)
        return -EINVAL;
    return fs_create(FS_EP, dir, name, len, (mode & S_IFMT) | (mode & 07777 & ~t->proc->fs.umask),
                     0, 0, (uint32_t)s->a[3], &id);
}

/* Removes a name; a file that is open keeps working until its last close
 * (fs keeps it as an orphan). The lookup is only paid while files are open. */
static long unlink_name(struct fs_fileid dir, const char *name, size_t len)
{
    struct fs_fileid id, gone;
    nc_forget(dir, name, len);
    if (!file_any_open() || fs_lookup(FS_EP, dir, name, len, &id, NULL) < 0 ||
        !file_is_open(id))
        return fs_unlink(FS_EP, dir, name, len);
    long r = fs_unlink_keep(FS_EP, dir, name, len, &gone);
    if (r == 1) {
        file_orphaned(gone);
        r = 0;
    }
    return r;
}

long sys_unlinkat(struct lthread *t, const struct sysargs *s)
{
    struct fs_fileid dir;
    const char *name;
    size_t len;
    uint64_t flags = s->a[2];
    if (flags & ~(uint64_t)AT_REMOVEDIR)
        return -EINVAL;
    long err = read_path(t, s->a[1], path_buf);
    if (!err)
        err = parent_of(t->proc, (int)s->a[0], path_buf, &dir, &name, &len);
    if (err)
        return err;
    if (len == 1 && name[0] == '.')
        return -EINVAL;
    if (flags & AT_REMOVEDIR) {
        nc_flush();              /* the directory's own entries, and its ".." */
        return fs_rmdir(FS_EP, dir, name, len);
    }
    return unlink_name(dir, name, len);
}

long sys_renameat2(struct lthread *t, const struct sysargs *s)
{
    static char from_buf[PATH_MAX];
    struct fs_fileid fdir, tdir;
    const char *fname, *tname;
    size_t flen, tlen;
    uint64_t flags = s->a[4];
    if (flags & ~(uint64_t)RENAME_NOREPLACE)
        return -EINVAL;
    long err = read_path(t, s->a[1], from_buf);
    if (!err)
        err = read_path(t, s->a[3], path_buf);
    if (!err)
        err = parent_of(t->proc, (int)s->a[0], from_buf, &fdir, &fname, &flen);
    if (!err)
        err = parent_of(t->proc, (int)s->a[2], path_buf, &tdir, &tname, &tlen);
    if (err)
        return err;
    if ((flen == 1 && fname[0] == '.') || (flen == 2 && !memcmp(fname, "..", 2)))
        return -EINVAL;
    nc_flush();                  /* both names, and a moved directory's ".." */
    unsigned fsflags = flags & RENAME_NOREPLACE ? FS_RENAME_NOREPLACE : 0;
    /* A target that is open keeps working after it is replaced. */
    struct fs_fileid target, gone;
    if (!file_any_open() || fs_lookup(FS_EP, tdir, tname, tlen, &target, NULL) < 0 ||
        !file_is_open(target))
        return fs_rename(FS_EP, fdir, fname, flen, tdir, tname, tlen, fsflags);
    err = fs_rename_keep(FS_EP, fdir, fname, flen, tdir, tname, tlen, fsflags, &gone);
    if (err == 1) {
        file_orphaned(gone);
        err = 0;
    }
    return err;
}

long sys_linkat(struct lthread *t, const struct sysargs *s)
{
    static char from_buf[PATH_MAX];
    struct fs_fileid id, dir;
    const char *name;
    size_t len;
    long err = read_path(t, s->a[1], from_buf);
    if (!err)
        err = read_path(t, s->a[3], path_buf);
    if (!err)
        err = namei(t->proc, (int)s->a[0], from_buf, (s->a[4] & AT_SYMLINK_FOLLOW) != 0, &id, 0);
    if (!err)
        err = parent_of(t->proc, (int)s->a[2], path_buf, &dir, &name, &len);
    return err ? err : fs_link(FS_EP, id, dir, name, len);
}

long sys_symlinkat(struct lthread *t, const struct sysargs *s)
{
    static char target[PATH_MAX];
    struct fs_fileid dir, id;
    const char *name;
    size_t len;
    long err = read_path(t, s->a[0], target);
    if (!err)
        err = read_path(t, s->a[2], path_buf);
    if (!err)
        err = parent_of(t->proc, (int)s->a[1], path_buf, &dir, &name, &len);
    if (err)
        return err;
    if (!target[0])
        return -ENOENT;
    return fs_symlink(FS_EP, dir, name, len, target, strlen(target), 0, 0, &id);
}

long sys_readlinkat(struct lthread *t, const struct sysargs *s)
{
    static char target[PATH_MAX];
    struct fs_fileid id;
    uint32_t mode;
    if ((int64_t)s->a[3] <= 0)
        return -EINVAL;
    long err = read_path(t, s->a[1], path_buf);
    if (!err && procfs_path(path_buf) && !t->proc->fs.root.ino) {
        if ((err = procfs_readlink(t->proc, path_buf, target)))
            return err;
        uint64_t len = strlen(target) < s->a[3] ? strlen(target) : s->a[3];
        return mm_copy_out(t->proc, s->a[2], target, len) < 0 ? -EFAULT : (long)len;
    }
    if (!err)
        err = namei(t->proc, (int)s->a[0], path_buf, false, &id, &mode);
    if (err)
        return err;
    if (!is_link(mode))
        return -EINVAL;
    long n = fs_readlink(FS_EP, id, target, sizeof target);
    if (n < 0)
        return n;
    uint64_t len = (uint64_t)n < s->a[3] ? (uint64_t)n : s->a[3];
    return mm_copy_out(t->proc, s->a[2], target, len) < 0 ? -EFAULT : (long)len;
}

/* ---- attributes ---- */

long sys_faccessat(struct lthread *t, const struct sysargs *s)
{
    struct fs_fileid id;
    uint32_t mode;
    long err = read_path(t, s->a[1], path_buf);
    if (err)
        return err;
    if (device_of(path_buf) >= 0)
        return 0;
    err = namei(t->proc, (int)s->a[0], path_buf, true, &id, &mode);
    if (err)
        return err;
    /* Root may read and write anything, and execute what has an x bit. */
    if ((s->a[2] & 1) && !is_dir(mode) && !(mode & 0111))
        return -EACCES;
    return 0;
}

static long setattr_at(struct lthread *t, int dirfd, uint64_t path, bool follow,
                       const struct fs_setattr *sa)
{
    struct fs_fileid id;
    long err = read_path(t, path, path_buf);
    if (err)
        return err;
    if (device_of(path_buf) >= 0)
        return 0;
    if ((err = namei(t->proc, dirfd, path_buf, follow, &id, 0)))
        return err;
    if (sa->mask & (FS_SET_MODE | FS_SET_UID | FS_SET_GID))
        nc_forget_file(id);      /* its cached mode */
    return fs_setattr(FS_EP, id, sa, 0);
}

static long setattr_fd(struct lthread *t, uint64_t fd, const struct fs_setattr *sa)
{
    struct ofile *f = file_get(t->proc, fd);
    if (!f)
        return -EBADF;
    if (f->kind != OF_FILE)
        return 0;
    if (sa->mask & (FS_SET_MODE | FS_SET_UID | FS_SET_GID))
        nc_forget_file(f->id);   /* its cached mode */
    return fs_setattr(FS_EP, f->id, sa, 0);
}

long sys_fchmodat(struct lthread *t, const struct sysargs *s)
{
    struct fs_setattr sa = { .mask = FS_SET_MODE, .mode = (uint32_t)s->a[2] & 07777 };
    return setattr_at(t, (int)s->a[0], s->a[1], true, &sa);
}

long sys_fchmod(struct lthread *t, const struct sysargs *s)
{
    struct fs_setattr sa = { .mask = FS_SET_MODE, .mode = (uint32_t)s->a[1] & 07777 };
    return setattr_fd(t, s->a[0], &sa);
}

static void owner(struct fs_setattr *sa, uint64_t uid, uint64_t gid)
{
    if ((uint32_t)uid != (uint32_t)-1) {
        sa->mask |= FS_SET_UID;
        sa->uid = (uint32_t)uid;
    }
    if ((uint32_t)gid != (uint32_t)-1) {
        sa->mask |= FS_SET_GID;
        sa->gid = (uint32_t)gid;
    }
}

long sys_fchownat(struct lthread *t, const struct sysargs *s)
{
    struct fs_setattr sa = { 0 };
    owner(&sa, s->a[2], s->a[3]);
    return setattr_at(t, (int)s->a[0], s->a[1], !(s->a[4] & AT_SYMLINK_NOFOLLOW), &sa);
}

long sys_fchown(struct lthread *t, const struct sysargs *s)
{
    struct fs_setattr sa = { 0 };
    owner(&sa, s->a[1], s->a[2]);
    return setattr_fd(t, s->a[0], &sa);
}

long sys_utimensat(struct lthread *t, const struct sysargs *s)
{
    int64_t ts[2][2];
    int64_t now = mica_realtime_ns();
    struct fs_setattr sa = { .mask = FS_SET_ATIME | FS_SET_MTIME };
    if (s->a[2]) {
        if (mm_copy_in(t->proc, ts, s->a[2], sizeof ts) < 0)
            return -EFAULT;
    } else {
        ts[0][1] = ts[1][1] = UTIME_NOW;
    }
    for (int i = 0; i < 2; i++) {
        if (ts[i][1] == UTIME_OMIT) {
            sa.mask &= ~(i ? FS_SET_MTIME : FS_SET_ATIME);
            continue;
        }
        if (ts[i][1] == UTIME_NOW) {
            ts[i][0] = now / 1000000000;
            ts[i][1] = now % 1000000000;
        } else if (ts[i][1] < 0 || ts[i][1] >= 1000000000) {
            return -EINVAL;
        }
    }
    sa.atime = ts[0][0];
    sa.atime_ns = (uint32_t)ts[0][1];
    sa.mtime = ts[1][0];
    sa.mtime_ns = (uint32_t)ts[1][1];
    if (!s->a[1])
        return setattr_fd(t, s->a[0], &sa);
    return setattr_at(t, (int)s->a[0], s->a[1], !(s->a[3] & AT_SYMLINK_NOFOLLOW), &sa);
}

long sys_truncate(struct lthread *t, const struct sysargs *s)
{
    if ((int64_t)s->a[1] < 0)
        return -EINVAL;
    struct fs_setattr sa = { .mask = FS_SET_SIZE, .size = s->a[1] };
    return setattr_at(t, AT_FDCWD, s->a[0], true, &sa);
}

/* ---- where the process is ---- */

/* Makes path (resolved to dir) the cwd; keeps a normalized path for getcwd. */
static long cwd_from_links(struct lproc *p);

static void set_cwd(struct lproc *p, struct fs_fileid dir, const char *path)
{
    static char joined[PATH_MAX];
    /* After fchdir or chroot the old path is not known: find it first. */
    bool known = path[0] == '/' || p->fs.cwd_path[0] || cwd_from_links(p) == 0;
    p->fs.cwd = dir;
    if (!known) {
        p->fs.cwd_path[0] = '\0';     /* getcwd finds it from ".." links */
        return;
    }
    if (path[0] == '/' || !strcmp(p->fs.cwd_path, "/"))
        joined[0] = '\0';       /* components are appended as "/name" */
    else
        memcpy(joined, p->fs.cwd_path, strlen(p->fs.cwd_path) + 1);
    /* Apply each component to joined: "." stays, ".." pops. */
    for (const char *s = path; *s;) {
        while (*s == '/')
            s++;
        const char *e = s;
        while (*e && *e != '/')
            e++;
        size_t len = (size_t)(e - s);
        if (len == 2 && s[0] == '.' && s[1] == '.') {
            char *slash = NULL;
            for (char *c = joined; *c; c++)
                if (*c == '/')
                    slash = c;
            if (slash)
                *slash = '\0';
        } else if (len && !(len == 1 && s[0] == '.')) {
            size_t n = strlen(joined);
            if (n + 1 + len < PATH_MAX) {
                joined[n] = '/';
                memcpy(joined + n + 1, s, len);
                joined[n + 1 + len] = '\0';
            }
        }
        s = e;
    }
    if (!joined[0])
        memcpy(joined, "/", 2);
    memcpy(p->fs.cwd_path, joined, strlen(joined) + 1);
}

/* The directory a path argument names (into path_buf), for chdir and
 * chroot. */
static long path_dir(struct lthread *t, uint64_t upath, struct fs_fileid *id)
{
    uint32_t mode;
    long err = read_path(t, upath, path_buf);
    if (!err)
        err = namei(t->proc, AT_FDCWD, path_buf, true, id, &mode);
    return err ? err : is_dir(mode) ? 0 : -ENOTDIR;
}

long sys_chdir(struct lthread *t, const struct sysargs *s)
{
    struct fs_fileid id;
    long err = path_dir(t, s->a[0], &id);
    if (!err)
        set_cwd(t->proc, id, path_buf);
    return err;
}

long sys_fchdir(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    if (!f)
        return -EBADF;
    if (f->kind != OF_FILE || !is_dir(f->mode))
        return -ENOTDIR;
    t->proc->fs.cwd = f->id;
    /* The path is not kept per open file: getcwd names the directory by
     * walking up its ".." entries. */
    t->proc->fs.cwd_path[0] = '\0';
    return 0;
}

/* The name of dir within its parent, found by scanning the parent. */
static long name_in_parent(struct fs_fileid dir, struct fs_fileid parent, char *out)
{
    struct fs_dirent de;
    for (uint64_t c = 0; fs_readdir(FS_EP, parent, c, &de) == 1; c = de.next) {
        if (de.ino == dir.ino && strcmp(de.name, ".") && strcmp(de.name, "..")) {
            memcpy(out, de.name, de.name_len + 1u);
            return 0;
        }
    }
    return -ENOENT;
}

long dir_path(struct lproc *p, struct fs_fileid dir, char *out)
{
    static char tmp[PATH_MAX], name[FS_NAME_MAX + 1];
    struct fs_fileid cur = dir, root, parent;
    long err = root_dir(p, &root);
    if (err)
        return err;
    tmp[0] = '\0';
    for (int depth = 0; !same_file(cur, root) && depth < 256; depth++) {
        err = nc_lookup(cur, "..", 2, &parent, 0);
        if (!err)
            err = name_in_parent(cur, parent, name);
        if (err)
            return err;
        size_t n = strlen(name), m = strlen(tmp);
        if (n + 1 + m + 1 > PATH_MAX)
            return -ENAMETOOLONG;
        memmove(tmp + n + 1, tmp, m + 1);
        tmp[0] = '/';
        memcpy(tmp + 1, name, n);
        cur = parent;
    }
    memcpy(out, tmp[0] ? tmp : "/", strlen(tmp[0] ? tmp : "/") + 1);
    return 0;
}

/* Rebuilds the cwd's path from ".." links (after fchdir). */
static long cwd_from_links(struct lproc *p)
{
    return dir_path(p, p->fs.cwd, p->fs.cwd_path);
}

long sys_getcwd(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = t->proc;
    if (!p->fs.cwd_path[0]) {
        long err = cwd_from_links(p);
        if (err)
            return err;
    }
    uint64_t len = strlen(p->fs.cwd_path) + 1;
    if (len > s->a[1])
        return -ERANGE;
    return mm_copy_out(p, s->a[0], p->fs.cwd_path, len) < 0 ? -EFAULT : (long)len;
}

/* chroot: "/" and ".." at it lead to the directory from now on; the cwd
 * stays (its path is found again from ".." links, relative to the new
 * root: getcwd fails with ENOENT if it lies outside). */
long sys_chroot(struct lthread *t, const struct sysargs *s)
{
    struct fs_fileid id;
    long err = path_dir(t, s->a[0], &id);
    if (err)
        return err;
    t->proc->fs.root = id;
    t->proc->fs.cwd_path[0] = '\0';
    return 0;
}

long sys_umask(struct lthread *t, const struct sysargs *s)
{
    uint32_t old = t->proc->fs.umask;
    t->proc->fs.umask = (uint32_t)s->a[0] & 0777;
    return old;
}

static long put_statfs(struct lthread *t, uint64_t addr)
{
    struct fs_statfs st;
    long err = fs_statfs(FS_EP, &st);
    if (err)
        return err;
    /* struct statfs (riscv64): type, bsize, blocks, bfree, bavail, files,
     * ffree, fsid, namelen, frsize, flags, spare[4]. */
    uint64_t k[15] = { 0xef53, st.block_size, st.blocks, st.free_blocks, st.avail_blocks,
                       st.inodes, st.free_inodes, 0, st.name_max, st.block_size, 0 };
    return mm_copy_out(t->proc, addr, k, sizeof k) < 0 ? -EFAULT : 0;
}

long sys_statfs(struct lthread *t, const struct sysargs *s)
{
    struct fs_fileid id;
    long err = read_path(t, s->a[0], path_buf);
    if (!err)
        err = namei(t->proc, AT_FDCWD, path_buf, true, &id, 0);
    return err ? err : put_statfs(t, s->a[1]);
}

long sys_fstatfs(struct lthread *t, const struct sysargs *s)
{
    if (!file_get(t->proc, s->a[0]))
        return -EBADF;
    return put_statfs(t, s->a[1]);
}
