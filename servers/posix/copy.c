/*
 * copy_file_range: bytes from one regular file to another through posix's
 * buffer (fs has no copy request; the data crosses posix once each way, as
 * sendfile's does). The checks are Linux's generic ones.
 */
#include "posix.h"

#include "mica/fs.h"
#include "mica/sys.h"

#define O_ACCMODE 3
#define O_RDONLY  0
#define O_WRONLY  1
#define O_APPEND  02000
#define O_PATH    010000000
#define S_IFMT    0170000
#define S_IFDIR   0040000
#define S_IFREG   0100000
#define CHUNK     (64 * 1024)

static long check(const struct ofile *in, const struct ofile *out)
{
    if (!in || !out || (in->flags & O_PATH) || (out->flags & O_PATH) ||
        (in->flags & O_ACCMODE) == O_WRONLY || (out->flags & O_ACCMODE) == O_RDONLY ||
        (out->flags & O_APPEND))
        return -EBADF;
    bool in_file = in->kind == OF_FILE, out_file = out->kind == OF_FILE;
    if ((in_file && (in->mode & S_IFMT) == S_IFDIR) || (out_file && (out->mode & S_IFMT) == S_IFDIR))
        return -EISDIR;
    if (!in_file || !out_file || (in->mode & S_IFMT) != S_IFREG ||
        (out->mode & S_IFMT) != S_IFREG)
        return -EINVAL;
    return 0;
}

static long read_offset(struct lthread *t, uint64_t addr, uint64_t *off)
{
    if (mm_copy_in(t->proc, off, addr, 8) < 0)
        return -EFAULT;
    return (int64_t)*off < 0 ? -EINVAL : 0;
}

long sys_copy_file_range(struct lthread *t, const struct sysargs *s)
{
    struct ofile *in = file_get(t->proc, s->a[0]), *out = file_get(t->proc, s->a[2]);
    uint64_t in_addr = s->a[1], out_addr = s->a[3], len = s->a[4], in_off, out_off;
    if (s->a[5])
        return -EINVAL;
    long err = check(in, out);
    if (err)
        return err;
    in_off = in->offset;
    out_off = out->offset;
    if ((in_addr && (err = read_offset(t, in_addr, &in_off))) ||
        (out_addr && (err = read_offset(t, out_addr, &out_off))))
        return err;
    if (in->id.ino == out->id.ino && in->id.gen == out->id.gen &&
        in_off < out_off + len && out_off < in_off + len)
        return -EINVAL;          /* overlapping ranges of one file */
    static uint8_t buf[CHUNK];
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done < CHUNK ? len - done : CHUNK;
        long r = fs_read(FS_EP, in->id, in_off + done, buf, n);
        long w = r > 0 ? fs_write(FS_EP, out->id, out_off + done, buf, (size_t)r) : r;
        if (w < 0 && !done)
            return w;
        if (w <= 0)
            break;
        done += (uint64_t)w;
        if ((uint64_t)w < n)
            break;
    }
    in_off += done;
    out_off += done;
    if (in_addr ? mm_copy_out(t->proc, in_addr, &in_off, 8) < 0 : (in->offset = in_off, false))
        return -EFAULT;
    if (out_addr ? mm_copy_out(t->proc, out_addr, &out_off, 8) < 0 : (out->offset = out_off, false))
        return -EFAULT;
    return (long)done;
}
