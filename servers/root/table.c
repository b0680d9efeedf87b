/*
 * The table of server rights: which capabilities, devices, memory and
 * peers each server gets (MINIX's system.conf). Nothing else gives a
 * server anything.
 */
#include "root.h"

const struct server_rights server_table[] = {
    /* name    id             pages  state prio device           uses / needs */
    { "blk",   SERVICE_BLK,   1024,  1,   200, NEED_VIRTIO_BLOCK, 0, 0 },
    /* fs's state frame holds its journal: a page, then 256 4-KiB blocks. */
    { "fs",    SERVICE_FS,    16384, 257, 150, NEED_NONE,         USES(SERVICE_BLK),
      USES(SERVICE_BLK) },
    { "posix", SERVICE_POSIX, 32768, 1,   120, NEED_CONSOLE,      USES(SERVICE_FS), 0 },
};

const unsigned server_count = sizeof server_table / sizeof server_table[0];

/* A native init (until the POSIX personality runs /sbin/init): a client
 * of blk and fs. */
const struct server_rights init_rights = {
    0, SERVICE_INIT, 4096, 0, 100, NEED_NONE, USES(SERVICE_BLK) | USES(SERVICE_FS), 0,
};
