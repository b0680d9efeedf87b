/*
 * Requests that move file data: read, write, readlink, FS_IO_MAX bytes at
 * most per request. A read goes from the cache's blocks straight into the
 * client's grant, and a write's whole blocks from the grant straight into
 * the cache's, CACHE_VIEWS blocks per kernel call. A write's part of an
 * old block goes through the ext2 core's buffer, a readlink through a
 * bounce buffer here.
 */
#include "fs.h"

#include "ext2_disk.h"

#include "mica/errno.h"
#include "mica/string.h"
#include "mica/sys.h"

static uint8_t bounce[FS_IO_MAX];

static struct ext2_fileid file_of(const struct request *r)
{
    return (struct ext2_fileid){ (uint32_t)r->w[0], (uint32_t)r->w[1] };
}

/* The pieces of a read not yet copied to the grant: blocks in the cache
 * (each a view), or zeros for a hole; blocks lying in a row in the cache's
 * memory make one piece. */
struct gather {
    struct mica_piece piece[CACHE_VIEWS];
    unsigned n;
    unsigned blocks;             /* put since the last flush */
    uint64_t at;                 /* where the first goes in the grant */
    int err;                     /* -EFAULT: a copy failed */
};

static const uint8_t zeros[EXT2_MAX_BLOCK];

/* Adds len bytes at base to a piece list, to the last piece if they follow it. */
static void add_piece(struct mica_piece *piece, unsigned *n, const void *base, size_t len)
{
    if (*n && piece[*n - 1].base + piece[*n - 1].len == (uint64_t)base)
        piece[*n - 1].len += len;
    else
        piece[(*n)++] = (struct mica_piece){ (uint64_t)base, len };
}

/* The blocks viewed or claimed since the last flush are still where they
 * were: victim() passes over them. One that moved is a broken promise of
 * the cache (or its index corrupt), and fs stops before it copies or logs
 * the wrong block. */
static void views_kept(void)
{
    if (!cache_views_intact())
        __builtin_trap();
}

static int gather_flush(struct gather *g)
{
    views_kept();
    if (mica_grant_copy(-1, g->at, g->piece, g->n, MICA_GRANT_TO | MICA_GRANT_PIECES) < 0)
        return g->err = -EFAULT;
    g->n = g->blocks = 0;
    cache_views_forget();
    return 0;
}

static int gather_put(void *ctx, uint64_t at, const void *src, size_t len)
{
    struct gather *g = ctx;
    if (g->blocks == CACHE_VIEWS && gather_flush(g))
        return g->err;
    if (!g->blocks++)
        g->at = at;
    /* Holes are not merged: zeros is one block long. */
    if (src)
        add_piece(g->piece, &g->n, src, len);
    else
        g->piece[g->n++] = (struct mica_piece){ (uint64_t)zeros, len };
    return 0;
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
    struct gather g;             /* the pieces are filled before use: not zeroed */
    g.n = g.blocks = 0;
    g.err = 0;
    struct ext2_sink to = { &g, gather_put };
    cache_views_forget();
    int64_t n = ext2_read_to(fs_ext2, file_of(r), off, len, &to);
    if (n > 0 && !g.err && g.blocks)
        gather_flush(&g);
    return g.err ? g.err : n;
}

/* The pieces of a write not yet copied from the grant: claimed cache
 * blocks, consecutive in the grant from `at`, merged as a read's are; each
 * block is also kept on its own, for a failed copy. */
struct scatter {
    struct mica_piece piece[CACHE_VIEWS];
    unsigned n;
    struct {
        void *dst;
        size_t len;
        bool fresh;
    } block[CACHE_VIEWS];
    unsigned blocks;
    uint64_t at, next;
};

/* A claimed block whose copy failed (wholly, partly or not begun): a new
 * block becomes zeros, one the claim brought in leaves the cache (the disk
 * has it), one cached before keeps what it holds. */
static void claim_failed(void *dst, size_t len, bool fresh)
{
    if (fresh)
        memset(dst, 0, len);
    else
        cache_claim_failed(dst);
}

static int scatter_flush(struct scatter *s)
{
    int err = 0;
    views_kept();
    if (s->n &&
        mica_grant_copy(-1, s->at, s->piece, s->n, MICA_GRANT_FROM | MICA_GRANT_PIECES) < 0) {
        for (unsigned i = 0; i < s->blocks; i++)
            claim_failed(s->block[i].dst, s->block[i].len, s->block[i].fresh);
        err = -EFAULT;
    }
    s->n = s->blocks = 0;
    cache_views_forget();
    return err;
}

static int scatter_get(void *ctx, uint64_t at, void *dst, size_t len, bool later, bool fresh)
{
    struct scatter *s = ctx;
    int err = 0;
    if (s->blocks && (s->blocks == CACHE_VIEWS || !later || at != s->next))
        err = scatter_flush(s);
    if (err) {
        if (later)
            claim_failed(dst, len, fresh);
        return err;
    }
    if (!later)
        return mica_grant_copy(-1, at, dst, len, MICA_GRANT_FROM) < 0 ? -EFAULT : 0;
    if (!s->blocks)
        s->at = at;
    s->block[s->blocks].dst = dst;
    s->block[s->blocks].len = len;
    s->block[s->blocks++].fresh = fresh;
    add_piece(s->piece, &s->n, dst, len);
    s->next = at + len;
    return 0;
}

static int scatter_done(void *ctx)
{
    return scatter_flush(ctx);
}

/* As a read: the client's bytes go straight into the cache's blocks,
 * CACHE_VIEWS per kernel call, and -EFAULT if any copy failed. */
long do_write(struct request *r)
{
    uint64_t off = r->w[2], len = r->w[3];
    if (!r->has_grant)
        return -EFAULT;
    if (len > FS_IO_MAX)
        len = FS_IO_MAX;
    struct scatter s;            /* as do_read's gather */
    s.n = s.blocks = 0;
    struct ext2_source from = { &s, scatter_get, scatter_done };
    cache_views_forget();
    return ext2_write_from(fs_ext2, file_of(r), off, len, &from);
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
