/*
 * Client stubs of the block protocol (see blk.h).
 */
#include "mica/blk.h"

#include <stdbool.h>

#include "mica/errno.h"
#include "mica/runtime.h"
#include "mica/sys.h"

static long request(long ep, enum blk_op op, uint64_t sector, uint32_t count,
                    const void *buf, unsigned rights, uint64_t *out)
{
    struct mica_ipc_buffer *ib = mica_ipcbuf();
    bool grant = buf != 0;
    if (grant) {
        ib->grant_base = (uint64_t)buf;
        ib->grant_len = (uint64_t)count * BLK_SECTOR;
        ib->grant_rights = rights;
        ib->grant_space = 0;
    }
    /* Block requests are idempotent: one whose server died goes again to
     * the next incarnation. */
    struct mica_msg m;
    long err;
    do {
        m = (struct mica_msg){ .info = MICA_INFO(op, 2, 0, grant), .w = { sector, count } };
        err = mica_call(ep, &m);
    } while (err == -EPEERDIED);
    if (err)
        return err;
    if (out)
        for (int i = 0; i < 3; i++)
            out[i] = m.w[i + 1];
    return (long)m.w[0];
}

long blk_geometry(long ep, struct blk_geometry *g)
{
    uint64_t w[3];
    long r = request(ep, BLK_GEOMETRY, 0, 0, 0, 0, w);
    if (r == 0) {
        g->sectors = w[0];
        g->block_size = (uint32_t)w[1];
        g->flags = (uint32_t)w[2];
    }
    return r;
}

long blk_read(long ep, uint64_t sector, void *buf, uint32_t count)
{
    return request(ep, BLK_READ, sector, count, buf, MICA_R_WRITE, 0);
}

long blk_write(long ep, uint64_t sector, const void *buf, uint32_t count)
{
    return request(ep, BLK_WRITE, sector, count, buf, MICA_R_READ, 0);
}

long blk_flush(long ep)
{
    return request(ep, BLK_FLUSH, 0, 0, 0, 0, 0);
}
