/*
 * Requests that move file data: read, write, readlink. The data goes
 * between the client's grant and a bounce buffer here, FS_IO_MAX bytes at
 * most per request.
 */
#include "fs.h"

#include "mica/errno.h"
#include "mica/sys.h"

static uint8_t bounce[FS_IO_MAX];

static struct ext2_fileid file_of(const struct request *r)
{
    return (struct ext2_fileid){ (uint32_t)r->w[0], (uint32_t)r->w[1] };
}

long do_read(struct request *r)
{
    uint64_t off = r->w[2], len = r->w[3];
    if (!r->has_grant)
        return -EFAULT;
    if (len > FS_IO_MAX)
        len = FS_IO_MAX;
    int64_t n = ext2_read(fs_ext2, file_of(r), off, bounce, len);
    if (n <= 0)
        return n;
    long c = mica_grant_copy(-1, 0, bounce, (size_t)n, MICA_GRANT_TO);
    return c < 0 ? -EFAULT : n;
}

long do_write(struct request *r)
{
    uint64_t off = r->w[2], len = r->w[3];
    if (!r->has_grant)
        return -EFAULT;
    if (len > FS_IO_MAX)
        len = FS_IO_MAX;
    if (len && mica_grant_copy(-1, 0, bounce, len, MICA_GRANT_FROM) < 0)
        return -EFAULT;
    return ext2_write(fs_ext2, file_of(r), off, bounce, len);
}

long do_readlink(struct request *r)
{
    uint64_t len = r->w[2];
    if (!r->has_grant)
        return -EFAULT;
    if (len > FS_PATH_MAX)
        len = FS_PATH_MAX;
    int64_t n = ext2_readlink(fs_ext2, file_of(r), (char *)bounce, len);
    if (n <= 0)
        return n;
    return mica_grant_copy(-1, 0, bounce, (size_t)n, MICA_GRANT_TO) < 0 ? -EFAULT : n;
}
