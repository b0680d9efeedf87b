/*
 * The table of server rights: which capabilities, devices, memory and
 * peers each server gets (MINIX's system.conf). Nothing else gives a
 * server anything.
 */
#include "root.h"

const struct server_rights server_table[] = {
    { "blk", SERVICE_BLK, 1024, 200, NEED_VIRTIO_BLOCK, false },
};

const unsigned server_count = sizeof server_table / sizeof server_table[0];

/* A native init (until the POSIX personality runs /sbin/init): a client
 * of blk. */
const struct server_rights init_rights = { 0, SERVICE_INIT, 4096, 100, NEED_NONE, true };
