/*
 * Descriptors and open file descriptions, and the calls that use an open
 * file: read, write (and their vectored and positional forms), lseek,
 * close, dup, fcntl, fsync, ftruncate, getdents64. File data moves through
 * a buffer here: from the program's memory, by a grant to fs.
 */
#include "posix.h"
#include "sysv.h"

#include "mica/runtime.h"
#include "mica/string.h"
#include "mica/sys.h"

#define O_ACCMODE  3
#define O_RDONLY   0
#define O_WRONLY   1
#define O_APPEND   02000
#define O_NONBLOCK 04000
#define O_CLOEXEC  02000000
#define O_PATH     010000000
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1
#define IO_CHUNK (64 * 1024)
#define S_IFMT 0170000
#define S_IFDIR 0040000

bool have_fs;
static struct ofile files[MAX_FILES];
static uint8_t io_buf[IO_CHUNK];

struct ofile *file_new(enum ofile_kind kind)
{
    for (int i = 0; i < MAX_FILES; i++) {
        if (!files[i].refs) {
            files[i] = (struct ofile){ .refs = 1, .kind = kind, .flags = 2 /* O_RDWR */ };
            return &files[i];
        }
    }
    return NULL;
}

/* The open description of file id other than skip, or NULL. */
static struct ofile *file_open_as(struct fs_fileid id, const struct ofile *skip)
{
    for (int i = 0; i < MAX_FILES; i++)
        if (files[i].refs && &files[i] != skip && files[i].kind == OF_FILE &&
            files[i].id.ino == id.ino && files[i].id.gen == id.gen)
            return &files[i];
    return NULL;
}

bool file_is_open(struct fs_fileid id)
{
    return file_open_as(id, NULL) != NULL;
}

bool file_any_open(void)
{
    for (int i = 0; i < MAX_FILES; i++)
        if (files[i].refs && files[i].kind == OF_FILE)
            return true;
    return false;
}

void file_orphaned(struct fs_fileid id)
{
    for (int i = 0; i < MAX_FILES; i++)
        if (files[i].refs && files[i].kind == OF_FILE &&
            files[i].id.ino == id.ino && files[i].id.gen == id.gen)
            files[i].orphan = true;
}

uint64_t file_ino(const struct ofile *f)
{
    return (uint64_t)(f - files) + 1;
}

/* Process p closes a descriptor of f: its record locks on the file go. */
static void fd_close(struct lproc *p, struct ofile *f)
{
    if (f && f->kind == OF_FILE)
        lock_closed(p, f);
    file_put(f);
}

void file_put(struct ofile *f)
{
    if (!f || f->refs <= 0)
        return;
    if (--f->refs)
        return;
    if (f->kind == OF_PIPE_READ || f->kind == OF_PIPE_WRITE)
        pipe_close(f);
    if (f->kind == OF_SOCKET)
        sock_close(f);
    if (f->kind == OF_FILE)
        lock_file_gone(f);
    /* The last close of an unlinked file frees it on the disk. */
    if (f->kind == OF_FILE && f->orphan && !file_open_as(f->id, f))
        fs_release(FS_EP, f->id);
    if (f->refs == 0 && f->kind == OF_TEXT)
        procfs_close(f);
}

struct ofile *file_get(struct lproc *p, uint64_t fd)
{
    return fd < MAX_FDS ? p->files.fd[fd] : NULL;
}

/* Puts f in the lowest free descriptor >= from; -EMFILE if none. */
long file_install(struct lproc *p, struct ofile *f, bool cloexec, int from)
{
    uint64_t limit = p->rlim[RLIMIT_NOFILE][0] < MAX_FDS ? p->rlim[RLIMIT_NOFILE][0] : MAX_FDS;
    for (uint64_t fd = (uint64_t)from; fd < limit; fd++) {
        if (!p->files.fd[fd]) {
            p->files.fd[fd] = f;
            p->files.cloexec[fd] = cloexec;
            return (long)fd;
        }
    }
    return -EMFILE;
}

void files_init_console(struct lproc *p)
{
    struct ofile *c = file_new(OF_CONSOLE);
    if (!c)
        return;
    for (int fd = 0; fd < 3; fd++) {
        p->files.fd[fd] = c;
        c->refs += fd ? 1 : 0;
    }
    p->fs.umask = 022;
}

void files_fork(struct lproc *child, const struct lproc *parent)
{
    child->files = parent->files;
    for (int fd = 0; fd < MAX_FDS; fd++)
        if (child->files.fd[fd])
            child->files.fd[fd]->refs++;
    child->fs = parent->fs;
}

void files_exec(struct lproc *p)
{
    for (int fd = 0; fd < MAX_FDS; fd++) {
        if (p->files.fd[fd] && p->files.cloexec[fd]) {
            fd_close(p, p->files.fd[fd]);
            p->files.fd[fd] = NULL;
        }
    }
}

void files_close_all(struct lproc *p)
{
    for (int fd = 0; fd < MAX_FDS; fd++) {
        file_put(p->files.fd[fd]);
        p->files.fd[fd] = NULL;
    }
}

static bool readable(const struct ofile *f)
{
    return (f->flags & O_ACCMODE) != O_WRONLY && !(f->flags & O_PATH);
}

static bool writable(const struct ofile *f)
{
    return (f->flags & O_ACCMODE) != O_RDONLY && !(f->flags & O_PATH);
}

/* One piece of file_io through posix's own buffer: the program's pages are
 * faulted in as it would have faulted them. */
static long bounced_io(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t n,
                       uint64_t off, bool write)
{
    long r;
    if (write) {
        if (mm_copy_in(t->proc, io_buf, buf, n) < 0)
            return -EFAULT;
        return fs_write(FS_EP, f->id, off, io_buf, n);
    }
    r = fs_read(FS_EP, f->id, off, io_buf, n);
    if (r > 0 && mm_copy_out(t->proc, buf, io_buf, (uint64_t)r) < 0)
        return -EFAULT;
    return r;
}

/* Moves up to len bytes between the program's buf and the file at off.
 * fs copies straight between its cache and the program's memory, lent by
 * posix; where a page of it is not mapped with the access (not touched
 * yet, or shared copy-on-write), fs answers -EFAULT and the piece goes
 * through posix's buffer instead. */
static long file_io(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t len,
                    uint64_t off, bool write)
{
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < IO_CHUNK ? len - done : IO_CHUNK;
        long kp = t->proc->kproc;
        long r = write ? fs_write_from(FS_EP, f->id, off + done, kp, buf + done, n)
                       : fs_read_into(FS_EP, f->id, off + done, kp, buf + done, n);
        if (r == -EFAULT)
            r = bounced_io(t, f, buf + done, n, off + done, write);
        if (r < 0)
            return done ? (long)done : r;
        done += (uint64_t)r;
        if ((uint64_t)r < n)
            break;
    }
    return (long)done;
}

static long fill_random(struct lthread *t, uint64_t buf, uint64_t len)
{
    struct sysargs s = { .nr = 278, .a = { buf, len } };
    return sys_getrandom(t, &s);
}

static long do_read(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t len,
                    uint64_t *offset)
{
    if (!readable(f))
        return -EBADF;
    switch (f->kind) {
    case OF_CONSOLE:
        return console_read(t, f, buf, len);
    case OF_NULL:
        return 0;
    case OF_ZERO:
    case OF_FULL: {
        uint64_t done = 0;
        memset(io_buf, 0, sizeof io_buf);
        while (done < len) {
            uint64_t n = len - done < IO_CHUNK ? len - done : IO_CHUNK;
            if (mm_copy_out(t->proc, buf + done, io_buf, n) < 0)
                return done ? (long)done : -EFAULT;
            done += n;
        }
        return (long)done;
    }
    case OF_RANDOM:
        return fill_random(t, buf, len);
    case OF_PIPE_READ:
        return pipe_read(t, f, buf, len);
    case OF_PIPE_WRITE:
        return -EBADF;
    case OF_EVENTFD:
        return eventfd_io(t, f, buf, len, false);
    case OF_TEXT:
        return procfs_read(t, f, buf, len);
    case OF_SOCKET:
        return -EINVAL;             /* readv: not for sockets here */
    case OF_FILE:
        if ((f->mode & S_IFMT) == S_IFDIR)
            return -EISDIR;
        break;
    }
    long r = file_io(t, f, buf, len, *offset, false);
    if (r > 0)
        *offset += (uint64_t)r;
    return r;
}

static long do_write(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t len,
                     uint64_t *offset, bool positional)
{
    if (!writable(f))
        return -EBADF;
    switch (f->kind) {
    case OF_CONSOLE:
        return console_write(t, buf, len);
    case OF_NULL:
    case OF_ZERO:
    case OF_RANDOM:
        return (long)len;
    case OF_FULL:
        return -ENOSPC;
    case OF_PIPE_WRITE:
        return pipe_write(t, f, buf, len);
    case OF_PIPE_READ:
        return -EBADF;
    case OF_EVENTFD:
        return eventfd_io(t, f, buf, len, true);
    case OF_TEXT:
    case OF_SOCKET:
        return -EINVAL;
    case OF_FILE:
        break;
    }
    if ((f->flags & O_APPEND) && !positional) {
        struct fs_stat st;
        long err = attr_get(f->id, &st);
        if (err)
            return err;
        *offset = st.size;
    }
    long r = file_io(t, f, buf, len, *offset, true);
    if (r > 0)
        *offset += (uint64_t)r;
    return r;
}

long sys_read(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    if (f && f->kind == OF_SOCKET)
        return sock_recv(t, s, f, s->a[1], s->a[2], 0, 0, 0);
    return f ? do_read(t, f, s->a[1], s->a[2], &f->offset) : -EBADF;
}

long sys_write(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    if (f && f->kind == OF_SOCKET)
        return sock_send(t, s, f, s->a[1], s->a[2], 0, 0, 0);
    return f ? do_write(t, f, s->a[1], s->a[2], &f->offset, false) : -EBADF;
}

/* Pipes and the console have no offset: pread, pwrite and their vectored
 * forms refuse them. */
static bool seekable(const struct ofile *f)
{
    return f->kind != OF_CONSOLE && f->kind != OF_PIPE_READ && f->kind != OF_PIPE_WRITE &&
           f->kind != OF_EVENTFD && f->kind != OF_SOCKET;
}

long sys_pread64(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    uint64_t off = s->a[3];
    if (!f)
        return -EBADF;
    if ((int64_t)off < 0)
        return -EINVAL;
    return !seekable(f) ? -ESPIPE : do_read(t, f, s->a[1], s->a[2], &off);
}

long sys_pwrite64(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    uint64_t off = s->a[3];
    if (!f)
        return -EBADF;
    if ((int64_t)off < 0)
        return -EINVAL;
    return !seekable(f) ? -ESPIPE : do_write(t, f, s->a[1], s->a[2], &off, true);
}

/* writev of at most PIPE_BUF bytes to a pipe goes in whole, as POSIX
 * requires; returns -1 when that does not apply. */
static long pipe_writev_whole(struct lthread *t, struct ofile *f, uint64_t iov, uint64_t cnt)
{
    static uint8_t gather[4096];
    uint64_t len = 0;
    if (cnt > 64)
        return -1;
    for (uint64_t i = 0; i < cnt; i++) {
        uint64_t v[2];
        if (mm_copy_in(t->proc, v, iov + i * 16, 16) < 0 || len + v[1] > sizeof gather ||
            mm_copy_in(t->proc, gather + len, v[0], v[1]) < 0)
            return -1;
        len += v[1];
    }
    return pipe_write_whole(f, gather, len) ? (long)len : -1;
}

/* readv and writev at the file's offset, preadv and pwritev at *at. */
static long vectored(struct lthread *t, const struct sysargs *s, bool write, uint64_t *at)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    uint64_t iov = s->a[1], cnt = s->a[2];
    if (!f)
        return -EBADF;
    if (cnt > 1024 || (at && (int64_t)*at < 0))
        return -EINVAL;
    if (at && !seekable(f))
        return -ESPIPE;
    uint64_t *off = at ? at : &f->offset;
    if (write && f->kind == OF_PIPE_WRITE) {
        long n = pipe_writev_whole(t, f, iov, cnt);
        if (n >= 0)
            return n;
    }
    long total = 0;
    for (uint64_t i = 0; i < cnt; i++) {
        uint64_t v[2];
        if (mm_copy_in(t->proc, v, iov + i * 16, 16) < 0)
            return total ? total : -EFAULT;
        if (!v[1])
            continue;
        long n = write ? do_write(t, f, v[0], v[1], off, at != NULL)
                       : do_read(t, f, v[0], v[1], off);
        if (n < 0)
            return total ? total : n;
        total += n;
        if ((uint64_t)n < v[1])
            break;
    }
    return total;
}

long sys_readv(struct lthread *t, const struct sysargs *s)
{
    return vectored(t, s, false, NULL);
}

long sys_writev(struct lthread *t, const struct sysargs *s)
{
    return vectored(t, s, true, NULL);
}

/* The offset comes whole in a3 on 64-bit (a4 is its unused high half). */
long sys_preadv(struct lthread *t, const struct sysargs *s)
{
    uint64_t at = s->a[3];
    return vectored(t, s, false, &at);
}

long sys_pwritev(struct lthread *t, const struct sysargs *s)
{
    uint64_t at = s->a[3];
    return vectored(t, s, true, &at);
}

/* ext2 here has no preallocation: refused as Linux refuses it on
 * file systems without it. */
long sys_fallocate(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    if (!f)
        return -EBADF;
    return f->kind == OF_PIPE_READ || f->kind == OF_PIPE_WRITE ? -ESPIPE : -EOPNOTSUPP;
}

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

long sys_lseek(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    int64_t off = (int64_t)s->a[1], base;
    if (!f)
        return -EBADF;
    if (f->kind == OF_CONSOLE || f->kind == OF_PIPE_READ || f->kind == OF_PIPE_WRITE)
        return -ESPIPE;
    if (f->kind != OF_FILE)
        return 0;
    struct fs_stat st;
    long err = attr_get(f->id, &st);
    if (err)
        return err;
    switch (s->a[2]) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)f->offset; break;
    case SEEK_END: base = (int64_t)st.size; break;
    /* Holes read as data here: the whole file is one extent. */
    case SEEK_DATA:
        if (off < 0 || (uint64_t)off >= st.size)
            return -ENXIO;
        f->offset = (uint64_t)off;
        return off;
    case SEEK_HOLE:
        if (off < 0 || (uint64_t)off > st.size)
            return -ENXIO;
        f->offset = st.size;
        return (long)st.size;
    default: return -EINVAL;
    }
    if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
        return -EINVAL;
    f->offset = (uint64_t)(base + off);
    return (long)f->offset;
}

long sys_close(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    if (!f)
        return -EBADF;
    t->proc->files.fd[s->a[0]] = NULL;
    fd_close(t->proc, f);
    return 0;
}

long sys_close_range(struct lthread *t, const struct sysargs *s)
{
    uint64_t first = s->a[0], last = s->a[1], flags = s->a[2];
    if (first > last || (flags & ~4ul))
        return -EINVAL;
    for (uint64_t fd = first; fd <= last && fd < MAX_FDS; fd++) {
        struct ofile *f = t->proc->files.fd[fd];
        if (!f)
            continue;
        if (flags & 4) {                    /* CLOSE_RANGE_CLOEXEC */
            t->proc->files.cloexec[fd] = 1;
            continue;
        }
        t->proc->files.fd[fd] = NULL;
        fd_close(t->proc, f);
    }
    return 0;
}

long sys_dup(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    if (!f)
        return -EBADF;
    long fd = file_install(t->proc, f, false, 0);
    if (fd >= 0)
        f->refs++;
    return fd;
}

long sys_dup3(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = t->proc;
    struct ofile *f = file_get(p, s->a[0]);
    uint64_t to = s->a[1];
    if (!f)
        return -EBADF;
    if (s->a[0] == to || (s->a[2] & ~(uint64_t)O_CLOEXEC))
        return -EINVAL;
    if (to >= MAX_FDS || to >= p->rlim[RLIMIT_NOFILE][0])
        return -EBADF;
    f->refs++;
    fd_close(p, p->files.fd[to]);
    p->files.fd[to] = f;
    p->files.cloexec[to] = (s->a[2] & O_CLOEXEC) != 0;
    return (long)to;
}

long sys_fcntl(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = t->proc;
    struct ofile *f = file_get(p, s->a[0]);
    uint64_t fd = s->a[0], arg = s->a[2];
    if (!f)
        return -EBADF;
    switch (s->a[1]) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        if (arg >= MAX_FDS)
            return -EINVAL;
        long n = file_install(p, f, s->a[1] == F_DUPFD_CLOEXEC, (int)arg);
        if (n >= 0)
            f->refs++;
        return n;
    }
    case F_GETFD:
        return p->files.cloexec[fd] ? FD_CLOEXEC : 0;
    case F_SETFD:
        p->files.cloexec[fd] = (arg & FD_CLOEXEC) != 0;
        return 0;
    case F_GETFL:
        return f->flags;
    case F_SETFL:
        f->flags = (f->flags & ~(uint32_t)(O_APPEND | O_NONBLOCK)) |
                   ((uint32_t)arg & (O_APPEND | O_NONBLOCK));
        return 0;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
        return lock_fcntl(t, s, f);
    default:
        return -EINVAL;
    }
}

long sys_fsync(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    if (!f)
        return -EBADF;
    return f->kind == OF_FILE ? fs_sync(FS_EP) : 0;
}

long sys_sync(struct lthread *t, const struct sysargs *s)
{
    (void)t;
    (void)s;
    if (have_fs)
        fs_sync(FS_EP);
    return 0;
}

long sys_ftruncate(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    if (!f)
        return -EBADF;
    if (f->kind != OF_FILE || !writable(f))
        return -EINVAL;
    if ((int64_t)s->a[1] < 0)
        return -EINVAL;
    struct fs_setattr sa = { .mask = FS_SET_SIZE, .size = s->a[1] };
    return fs_setattr(FS_EP, f->id, &sa, 0);
}

/* struct linux_dirent64: ino, off, reclen, type, name. The offset is the
 * fs cookie of the next entry. */
long sys_getdents64(struct lthread *t, const struct sysargs *s)
{
    struct ofile *f = file_get(t->proc, s->a[0]);
    uint64_t buf = s->a[1], len = s->a[2], used = 0;
    if (!f)
        return -EBADF;
    if (f->kind != OF_FILE || (f->mode & S_IFMT) != S_IFDIR)
        return -ENOTDIR;
    for (;;) {
        struct fs_dirent de;
        long r = fs_readdir(FS_EP, f->id, f->offset, &de);
        if (r < 0)
            return used ? (long)used : r;
        if (r == 0)
            break;
        uint64_t reclen = (19 + de.name_len + 1 + 7) & ~7ul;
        if (used + reclen > len)
            return used ? (long)used : -EINVAL;
        uint8_t rec[19 + FS_NAME_MAX + 1 + 8];
        memset(rec, 0, sizeof rec);
        uint64_t ino = de.ino, off = de.next;
        uint16_t rl = (uint16_t)reclen;
        memcpy(rec, &ino, 8);
        memcpy(rec + 8, &off, 8);
        memcpy(rec + 16, &rl, 2);
        rec[18] = de.type;
        memcpy(rec + 19, de.name, de.name_len);
        if (mm_copy_out(t->proc, buf + used, rec, reclen) < 0)
            return used ? (long)used : -EFAULT;
        used += reclen;
        f->offset = de.next;
    }
    return (long)used;
}

/* sendfile: read from in_fd, write to out_fd, through posix's buffer. */
long sys_sendfile(struct lthread *t, const struct sysargs *s)
{
    struct ofile *out = file_get(t->proc, s->a[0]), *in = file_get(t->proc, s->a[1]);
    uint64_t off_addr = s->a[2], count = s->a[3], off;
    if (!out || !in)
        return -EBADF;
    if (in->kind != OF_FILE || !readable(in) || !writable(out))
        return -EINVAL;
    uint64_t *pos = &in->offset;
    if (off_addr) {
        if (mm_copy_in(t->proc, &off, off_addr, 8) < 0)
            return -EFAULT;
        pos = &off;
    }
    static uint8_t chunk[IO_CHUNK];
    uint64_t done = 0;
    while (done < count) {
        uint64_t n = count - done < IO_CHUNK ? count - done : IO_CHUNK;
        long r = fs_read(FS_EP, in->id, *pos, chunk, n);
        if (r <= 0) {
            if (r < 0 && !done)
                return r;
            break;
        }
        long w;
        if (out->kind == OF_FILE) {
            w = fs_write(FS_EP, out->id, out->offset, chunk, (size_t)r);
            if (w > 0)
                out->offset += (uint64_t)w;
        } else if (out->kind == OF_CONSOLE) {
            for (long i = 0; i < r; i++)
                console_put((uint8_t)chunk[i]);
            w = r;
        } else if (out->kind == OF_PIPE_WRITE && r <= 4096 && pipe_write_whole(out, chunk, (uint64_t)r)) {
            w = r;
        } else {
            w = -EINVAL;             /* the caller falls back to read and write */
        }
        if (w <= 0) {
            if (!done)
                return w;
            break;
        }
        *pos += (uint64_t)w;
        done += (uint64_t)w;
        if (w < r)
            break;
    }
    if (off_addr && mm_copy_out(t->proc, off_addr, pos, 8) < 0)
        return -EFAULT;
    return (long)done;
}
