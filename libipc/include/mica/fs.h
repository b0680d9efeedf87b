/*
 * The file-system server's protocol (servers/fs). Stateless: a request
 * names a file by inode number and generation (struct fs_fileid), never by
 * an open-file object, so a restarted fs serves any request its previous
 * incarnation could have. Open files live in the client.
 *
 * Words 0..3 travel in registers; a name or attributes travel in the IPC
 * buffer as the typed structs below, at mr[4] (FS_ARG_WORD); file data
 * travels by a grant. Every reply's word 0 is a count or -E...
 *
 *   label        w0, w1        w2          w3         mr[4..]            reply
 *   FS_ROOT      -             -           -          -                  w1 ino, w2 gen
 *   FS_LOOKUP    dir ino, gen  -           -          fs_name            w1 ino, w2 gen, w3 mode
 *   FS_GETATTR   ino, gen      -           -          -                  mr: fs_stat
 *   FS_SETATTR   ino, gen      -           -          fs_setattr         mr: fs_stat
 *   FS_READ      ino, gen      offset      length     grant (writable)   w0 bytes read
 *   FS_WRITE     ino, gen      offset      length     grant (readable)   w0 bytes written
 *   FS_CREATE    dir ino, gen  -           -          fs_name (mode...)  w1 ino, w2 gen
 *   FS_MKDIR     dir ino, gen  -           -          fs_name            w1 ino, w2 gen
 *   FS_SYMLINK   dir ino, gen  target len  -          fs_name, grant     w1 ino, w2 gen
 *   FS_READLINK  ino, gen      length      -          grant (writable)   w0 bytes
 *   FS_LINK      ino, gen      dir ino     dir gen    fs_name            -
 *   FS_UNLINK    dir ino, gen  flags       -          fs_name            w0 1: orphan
 *   FS_RMDIR     dir ino, gen  -           -          fs_name            -
 *   FS_RENAME    from dir      to dir      flags      fs_name, grant     -
 *   FS_READDIR   dir ino, gen  cookie      -          -                  w0 1/0, mr: fs_dirent
 *   FS_STATFS    -             -           -          -                  mr: fs_statfs
 *   FS_SYNC      -             -           -          -                  -
 *   FS_RELEASE   ino, gen      -           -          -                  -
 *   FS_ORPHANS_FREE -          -           -          -                  -
 *
 * Restart: a client whose call fails with -EPEERDIED (fs died) sends the
 * same request again. Reads, writes at an offset, setattr and lookups are
 * idempotent; the requests that are not (create, mkdir, symlink, link,
 * unlink, rmdir, rename) carry a request id in fs_name.reqid, and fs keeps
 * the answer of each client's last such request with the blocks it
 * changed (servers/fs/journal.c), so a retry gets that answer instead of
 * being applied twice.
 *
 * A symlink's target and a rename's new name (w3 = its length) come by a
 * readable grant. For FS_RENAME, w0 and w1 each pack an inode and
 * generation (FS_PACK); w2 holds FS_RENAME_NOREPLACE.
 *
 * Open files that lose their last name: FS_UNLINK with FS_UNLINK_KEEP (the
 * client has the file open) keeps the inode on the disk's orphan list,
 * still usable by (ino, gen), and answers 1 (w1, w2: the file) when it
 * went there; FS_RENAME with FS_RENAME_KEEP does the same for a target it
 * replaces; FS_RELEASE frees it at the last close. A client that starts
 * with no file open sends FS_ORPHANS_FREE to free what a crash left.
 */
#ifndef MICA_FS_H
#define MICA_FS_H

#include <stddef.h>
#include <stdint.h>

#include "mica/syscall.h"

#define FS_NAME_MAX    255
#define FS_PATH_MAX    4096           /* symlink targets */
#define FS_IO_MAX      (64 * 1024)    /* bytes per read or write request */
#define FS_ARG_WORD    MICA_MSG_REGS     /* first IPC-buffer word of a struct */
#define FS_RENAME_NOREPLACE 1u
#define FS_UNLINK_KEEP 1u
#define FS_RENAME_KEEP 2u

enum fs_op {
    FS_ROOT = 1, FS_LOOKUP, FS_GETATTR, FS_SETATTR, FS_READ, FS_WRITE, FS_CREATE,
    FS_MKDIR, FS_SYMLINK, FS_READLINK, FS_LINK, FS_UNLINK, FS_RMDIR, FS_RENAME,
    FS_READDIR, FS_STATFS, FS_SYNC, FS_RELEASE, FS_ORPHANS_FREE, FS_OPS
};

struct fs_fileid {
    uint32_t ino;
    uint32_t gen;
};

#define FS_PACK(f) ((uint64_t)(f).ino << 32 | (f).gen)
#define FS_UNPACK(w) ((struct fs_fileid){ (uint32_t)((w) >> 32), (uint32_t)(w) })

/* A name and, for creation, what to create. */
struct fs_name {
    uint32_t len;
    uint32_t mode;                /* type and permission bits (create, mkdir) */
    uint32_t uid, gid;
    uint32_t rdev;
    uint32_t reqid;               /* the client's request id (exactly once) */
    char name[FS_NAME_MAX + 1];
};

struct fs_stat {
    uint32_t ino, gen;
    uint32_t mode, nlink;
    uint32_t uid, gid;
    uint64_t size, blocks;
    int64_t atime, mtime, ctime;
    uint32_t atime_ns, mtime_ns, ctime_ns;
    uint32_t rdev;
    uint32_t block_size;
    uint32_t pad;
};

#define FS_SET_MODE   1u
#define FS_SET_UID    2u
#define FS_SET_GID    4u
#define FS_SET_ATIME  8u
#define FS_SET_MTIME  16u
#define FS_SET_SIZE   32u

struct fs_setattr {
    uint32_t mask;
    uint32_t mode;
    uint32_t uid, gid;
    int64_t atime, mtime;
    uint32_t atime_ns, mtime_ns;
    uint64_t size;
};

struct fs_dirent {
    uint32_t ino;
    uint8_t type;                 /* DT_* */
    uint8_t name_len;
    uint16_t pad;
    uint64_t next;                /* cookie of the next entry */
    char name[FS_NAME_MAX + 1];
};

struct fs_statfs {
    uint32_t block_size;
    uint32_t name_max;
    uint64_t blocks, free_blocks, avail_blocks;
    uint64_t inodes, free_inodes;
};

#define FS_WORDS(type) ((sizeof(type) + 7) / 8)

_Static_assert(FS_ARG_WORD + FS_WORDS(struct fs_name) <= MICA_MSG_MAX, "fs_name fits");
_Static_assert(FS_ARG_WORD + FS_WORDS(struct fs_stat) <= MICA_MSG_MAX, "fs_stat fits");
_Static_assert(FS_ARG_WORD + FS_WORDS(struct fs_setattr) <= MICA_MSG_MAX, "fs_setattr fits");
_Static_assert(FS_ARG_WORD + FS_WORDS(struct fs_dirent) <= MICA_MSG_MAX, "fs_dirent fits");
_Static_assert(FS_ARG_WORD + FS_WORDS(struct fs_statfs) <= MICA_MSG_MAX, "fs_statfs fits");

/* Client side (libipc/fs_client.c): ep is a slot of the fs endpoint. Each
 * returns what the reply's word 0 says (>= 0, or -E...). */
long fs_root(long ep, struct fs_fileid *root);
long fs_lookup(long ep, struct fs_fileid dir, const char *name, size_t len,
               struct fs_fileid *out, uint32_t *mode);
long fs_getattr(long ep, struct fs_fileid f, struct fs_stat *st);
/* How many requests this client has made that may have changed a file's
 * attributes (all but root, lookup, getattr, read, readlink, readdir and
 * statfs): a client that is fs's only one may keep attributes while it
 * stays the same. */
extern uint64_t fs_changes;
long fs_setattr(long ep, struct fs_fileid f, const struct fs_setattr *sa, struct fs_stat *st);
/* Read and write loop over FS_IO_MAX pieces; they return the bytes moved. */
long fs_read(long ep, struct fs_fileid f, uint64_t off, void *buf, size_t len);
long fs_write(long ep, struct fs_fileid f, uint64_t off, const void *buf, size_t len);
/* The same on another process's memory: va there, its process capability
 * (write right) in slot `process`. The bytes move once, between fs's cache
 * and that memory. -EFAULT if part of it is not mapped with the access
 * needed, after a read may have filled some of it. */
long fs_read_into(long ep, struct fs_fileid f, uint64_t off, long process, uint64_t va,
                  size_t len);
long fs_write_from(long ep, struct fs_fileid f, uint64_t off, long process, uint64_t va,
                   size_t len);
long fs_create(long ep, struct fs_fileid dir, const char *name, size_t len, uint32_t mode,
               uint32_t uid, uint32_t gid, uint32_t rdev, struct fs_fileid *out);
long fs_mkdir(long ep, struct fs_fileid dir, const char *name, size_t len, uint32_t mode,
              uint32_t uid, uint32_t gid, struct fs_fileid *out);
long fs_symlink(long ep, struct fs_fileid dir, const char *name, size_t len,
                const char *target, size_t target_len, uint32_t uid, uint32_t gid,
                struct fs_fileid *out);
long fs_readlink(long ep, struct fs_fileid f, char *buf, size_t len);
long fs_link(long ep, struct fs_fileid f, struct fs_fileid dir, const char *name, size_t len);
long fs_unlink(long ep, struct fs_fileid dir, const char *name, size_t len);
/* Unlinks a file the caller has open: 1 and *gone if it became an orphan
 * (release it with fs_release at its last close), 0 if it has links left. */
long fs_unlink_keep(long ep, struct fs_fileid dir, const char *name, size_t len,
                    struct fs_fileid *gone);
/* fs_rename replacing a target the caller has open: 1 and *gone if the
 * target became an orphan. */
long fs_rename_keep(long ep, struct fs_fileid from_dir, const char *from, size_t from_len,
                    struct fs_fileid to_dir, const char *to, size_t to_len, unsigned flags,
                    struct fs_fileid *gone);
long fs_release(long ep, struct fs_fileid f);
long fs_orphans_free(long ep);
long fs_rmdir(long ep, struct fs_fileid dir, const char *name, size_t len);
long fs_rename(long ep, struct fs_fileid from_dir, const char *from, size_t from_len,
               struct fs_fileid to_dir, const char *to, size_t to_len, unsigned flags);
/* 1 and *de filled, 0 at the end, or -E... */
long fs_readdir(long ep, struct fs_fileid dir, uint64_t cookie, struct fs_dirent *de);
long fs_statfs(long ep, struct fs_statfs *out);
long fs_sync(long ep);

#endif
