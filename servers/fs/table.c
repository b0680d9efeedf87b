/* The fs server's dispatch table: request label -> handler. */
#include "fs.h"

static const server_handler handlers[FS_OPS] = {
    [FS_ROOT] = do_root,
    [FS_LOOKUP] = do_lookup,
    [FS_GETATTR] = do_getattr,
    [FS_SETATTR] = do_setattr,
    [FS_READ] = do_read,
    [FS_WRITE] = do_write,
    [FS_CREATE] = do_create,
    [FS_MKDIR] = do_mkdir,
    [FS_SYMLINK] = do_symlink,
    [FS_READLINK] = do_readlink,
    [FS_LINK] = do_link,
    [FS_UNLINK] = do_unlink,
    [FS_RMDIR] = do_rmdir,
    [FS_RENAME] = do_rename,
    [FS_READDIR] = do_readdir,
    [FS_STATFS] = do_statfs,
    [FS_SYNC] = do_sync,
    [FS_RELEASE] = do_release,
    [FS_ORPHANS_FREE] = do_orphans_free,
};

/* Every acknowledged change is in the journal before the reply goes, and a
 * retried request is applied once (journal.c). */
const struct server_table fs_table = {
    .handlers = handlers, .nhandlers = FS_OPS,
    .before = journal_before, .after = journal_after,
};
