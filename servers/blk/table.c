/* The block server's dispatch table: request label -> handler. */
#include "blk.h"

#include "mica/blk.h"

static const server_handler handlers[BLK_OPS] = {
    [BLK_GEOMETRY] = do_geometry,
    [BLK_READ] = do_read,
    [BLK_WRITE] = do_write,
    [BLK_FLUSH] = do_flush,
};

const struct server_table blk_table = {
    .handlers = handlers, .nhandlers = BLK_OPS, .notify = blk_interrupt,
};
