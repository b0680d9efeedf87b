/*
 * Open files. An open file description (struct ofile) is shared by the
 * descriptors dup and fork make; it holds what the fs server does not
 * keep: the file (inode and generation), the offset and the flags. fs is
 * stateless, so a file stays an (ino, gen) pair here.
 */
#ifndef POSIX_FILE_H
#define POSIX_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "mica/fs.h"

#define MAX_FDS    256
#define MAX_FILES  1024
#define PATH_MAX   4096

enum ofile_kind {
    OF_FILE,          /* a regular file, directory or symlink (O_PATH) on fs */
    OF_CONSOLE,       /* the console: /dev/console, /dev/tty, fds 0-2 at boot */
    OF_NULL,          /* /dev/null */
    OF_ZERO,          /* /dev/zero */
    OF_FULL,          /* /dev/full */
    OF_RANDOM,        /* /dev/random, /dev/urandom */
    OF_PIPE_READ,     /* the ends of a pipe (pipe.c) */
    OF_PIPE_WRITE,
    OF_EVENTFD,       /* eventfd.c */
    OF_TEXT,          /* a text made by posix: /proc/mounts (procfs.c) */
    OF_SOCKET,        /* an IPv4 loopback socket (socket.c): pipe = which */
};

struct ofile {
    int refs;                      /* 0: free */
    enum ofile_kind kind;
    struct fs_fileid id;
    uint32_t mode;                 /* file type and permissions at open */
    uint64_t offset;
    uint32_t flags;                /* O_* status flags and access mode */
    int pipe;                      /* OF_PIPE_*: which pipe; OF_TEXT: which text;
                                    * OF_SOCKET: which socket */
    bool orphan;                   /* OF_FILE: its last name is gone (fs keeps it
                                    * until the last close releases it) */
    uint64_t count;                /* OF_EVENTFD: the counter */
    bool semaphore;                /* OF_EVENTFD: EFD_SEMAPHORE */
};

/* A process's descriptor table. */
struct fdtable {
    struct ofile *fd[MAX_FDS];
    uint8_t cloexec[MAX_FDS];
};

/* Where a process stands in the file tree. */
struct fsview {
    struct fs_fileid root;         /* chroot's directory; ino 0: fs's root */
    struct fs_fileid cwd;
    char cwd_path[PATH_MAX];
    uint32_t umask;
};

#endif
