/*
 * Requests that move file data: read, write, readlink, FS_IO_MAX bytes at
 * most per request. A read goes from the cache's blocks straight into the
 * client's grant, CACHE_VIEWS blocks per kernel call; the rest goes between
 * the grant and a bounce buffer here.
 */
#include "fs.h"

#include "ext2_disk.h"

#include "mica/errno.h"
#include "mica/sys.h"

static uint8_t bounce[FS_IO_MAX];

static struct ext2_fileid file_of(const struct request *r)
{
    return (struct ext2_fileid){ (uint32_t)r->w[0], (uint32_t)r->w[1] };
}

/* The pieces of a read not yet copied to the grant: blocks in the cache
 * (each a view), or zeros for a hole. */
struct gather {
    struct mica_piece piece[CACHE_VIEWS];
    unsigned n;
    uint64_t at;                 /* where the first goes in the grant */
    int err;                     /* -EAGAIN: views lost; -EFAULT: a copy failed */
};

static const uint8_t zeros[EXT2_MAX_BLOCK];

static int gather_flush(struct gather *g)
{
    /* A miss while gathering may have evicted a block viewed before it:
     * then the pieces are not what they say. */
    if (!cache_views_intact())
        return g->err = -EAGAIN;
    if (mica_grant_copy(-1, g->at, g->piece, g->n, MICA_GRANT_TO | MICA_GRANT_PIECES) < 0)
        return g->err = -EFAULT;
    g->n = 0;
    cache_views_forget();
    return 0;
}

static int gather_put(void *ctx, uint64_t at, const void *src, size_t len)
{
    struct gather *g = ctx;
    if (g->n == CACHE_VIEWS && gather_flush(g))
        return g->err;
    if (!g->n)
        g->at = at;
    g->piece[g->n++] = (struct mica_piece){ (uint64_t)(src ? src : zeros), len };
    return 0;
}

static long read_bounced(struct request *r, uint64_t off, uint64_t len)
{
    int64_t n = ext2_read(fs_ext2, file_of(r), off, bounce, len);
    if (n <= 0)
        return n;
    long c = mica_grant_copy(-1, 0, bounce, (size_t)n, MICA_GRANT_TO);
    return c < 0 ? -EFAULT : n;
}

/* A failed copy makes the answer -EFAULT even after some bytes went:
 * posix, lending a program's memory, then does the read again its own way
 * (faulting the pages in), which a short count would not tell it to. */
long do_read(struct request *r)
{
    uint64_t off = r->w[2], len = r->w[3];
    if (!r->has_grant)
        return -EFAULT;
    if (len > FS_IO_MAX)
        len = FS_IO_MAX;
    struct gather g = { .n = 0 };
    struct ext2_sink to = { &g, gather_put };
    cache_views_forget();
    int64_t n = ext2_read_to(fs_ext2, file_of(r), off, len, &to);
    if (n > 0 && !g.err && g.n)
        gather_flush(&g);
    if (g.err == -EAGAIN)
        return read_bounced(r, off, len);
    return g.err ? g.err : n;
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
