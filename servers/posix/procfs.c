/*
 * /proc, the part programs and busybox use, made by posix from its own
 * tables (there is no proc file system: the disk's /proc is an empty
 * directory and these absolute paths are recognised by name):
 *
 *   /proc/self/exe, /proc/PID/exe   the path the program was started by
 *                                   (made absolute; symlinks in it are not
 *                                   resolved, as Linux would)
 *   /proc/self/cwd, /proc/PID/cwd   the cwd
 *   /proc/self/fd/N, /proc/PID/fd/N what descriptor N is: a directory's
 *                                   path, a device's name, pipe:[N],
 *                                   anon_inode:[eventfd]; a regular file's
 *                                   name is not kept (ENOENT for readlink,
 *                                   but stat and open follow it)
 *   /proc/mounts, /proc/self/mounts the one mounted file system
 *
 * The links resolve (stat, open, exec, chdir follow them) and readlink
 * reads them; /proc/mounts is a read-only text made at open. Nothing else
 * of /proc exists (no /proc/PID/stat: ps lists nothing).
 */
#include "posix.h"

#include "mica/fmt.h"
#include "mica/string.h"
#include "mica/sys.h"

#define AT_FDCWD  (-100)
#define O_ACCMODE 3
#define O_RDONLY  0
#define O_CLOEXEC 02000000
#define MAX_TEXTS 16
#define TEXT_MAX  256

static char texts[MAX_TEXTS][TEXT_MAX];
static bool text_used[MAX_TEXTS];

enum entry { E_NONE, E_EXE, E_CWD, E_FD, E_MOUNTS };

/* Which entry path names, of which process (and *fd for E_FD). */
static enum entry parse(struct lproc *self, const char *path, struct lproc **p, uint64_t *fd)
{
    if (strncmp(path, "/proc/", 6))
        return E_NONE;
    const char *s = path + 6;
    if (!strcmp(s, "mounts"))
        return *p = self, E_MOUNTS;
    if (!strncmp(s, "self/", 5)) {
        *p = self;
        s += 5;
    } else {
        uint64_t pid = 0;
        const char *d = s;
        while (*d >= '0' && *d <= '9' && pid < 1u << 30)
            pid = pid * 10 + (uint64_t)(*d++ - '0');
        if (d == s || *d != '/' || !(*p = proc_by_pid((int)pid)) || (*p)->zombie)
            return E_NONE;
        s = d + 1;
    }
    if (!strcmp(s, "exe"))
        return E_EXE;
    if (!strcmp(s, "cwd"))
        return E_CWD;
    if (!strcmp(s, "mounts"))
        return E_MOUNTS;
    if (strncmp(s, "fd/", 3) || !s[3])
        return E_NONE;
    *fd = 0;
    for (s += 3; *s >= '0' && *s <= '9' && *fd < MAX_FDS; s++)
        *fd = *fd * 10 + (uint64_t)(*s - '0');
    return *s ? E_NONE : E_FD;
}

bool procfs_path(const char *path)
{
    return !strncmp(path, "/proc/", 6);
}

long procfs_namei(struct lproc *self, const char *path, bool follow, struct fs_fileid *out,
                  uint32_t *mode)
{
    uint32_t ignored;
    if (!mode)
        mode = &ignored;
    struct lproc *p;
    uint64_t fd;
    struct ofile *f;
    switch (parse(self, path, &p, &fd)) {
    case E_EXE:
        if (!follow || !p->exe[0])
            return -ENOENT;  /* a link posix cannot show as one */
        return namei(self, AT_FDCWD, p->exe, true, out, mode);
    case E_CWD:
        if (!follow)
            return -ENOENT;
        *out = p->fs.cwd;
        *mode = 0040000;
        return 0;
    case E_FD:
        f = file_get(p, fd);
        if (!follow || !f || f->kind != OF_FILE)
            return -ENOENT;
        *out = f->id;
        *mode = f->mode;
        return 0;
    default:
        return -ENOENT;
    }
}

static long fd_name(struct lproc *p, uint64_t fd, char *buf)
{
    struct ofile *f = file_get(p, fd);
    if (!f)
        return -ENOENT;
    const char *dev = device_name(f->kind);
    if (dev) {
        memcpy(buf, dev, strlen(dev) + 1);
        return 0;
    }
    if (f->kind == OF_PIPE_READ || f->kind == OF_PIPE_WRITE) {
        fmt_snprintf(buf, PATH_MAX, "pipe:[%lu]", (unsigned long)file_ino(f));
        return 0;
    }
    if (f->kind == OF_EVENTFD) {
        memcpy(buf, "anon_inode:[eventfd]", 21);
        return 0;
    }
    if (f->kind == OF_FILE && (f->mode & 0170000) == 0040000)
        return dir_path(p, f->id, buf);
    return -ENOENT;                /* a regular file's name is not kept */
}

long procfs_readlink(struct lproc *self, const char *path, char *buf)
{
    struct lproc *p;
    uint64_t fd;
    switch (parse(self, path, &p, &fd)) {
    case E_EXE:
        if (!p->exe[0])
            return -ENOENT;
        memcpy(buf, p->exe, strlen(p->exe) + 1);
        return 0;
    case E_CWD:
        return dir_path(p, p->fs.cwd, buf);
    case E_FD:
        return fd_name(p, fd, buf);
    case E_MOUNTS:
        return -EINVAL;            /* not a link */
    default:
        return -ENOENT;
    }
}

long procfs_open(struct lthread *t, const char *path, uint64_t flags)
{
    struct lproc *p;
    uint64_t fd;
    if (parse(t->proc, path, &p, &fd) != E_MOUNTS)
        return -ENOENT;
    int k = 0;
    while (k < MAX_TEXTS && text_used[k])
        k++;
    if (k == MAX_TEXTS)
        return -ENFILE;
    struct ofile *f = file_new(OF_TEXT);
    if (!f)
        return -ENFILE;
    text_used[k] = true;
    f->pipe = k;
    f->flags = (uint32_t)(flags & O_ACCMODE);   /* root may; writes are EINVAL */
    f->mode = 0100444;
    fmt_snprintf(texts[k], TEXT_MAX, "/dev/root / ext2 rw 0 0\n");
    long r = file_install(t->proc, f, (flags & O_CLOEXEC) != 0, 0);
    if (r < 0)
        file_put(f);
    return r;
}

long procfs_read(struct lthread *t, struct ofile *f, uint64_t buf, uint64_t len)
{
    const char *text = texts[f->pipe];
    uint64_t size = strlen(text);
    if (f->offset >= size)
        return 0;
    uint64_t n = size - f->offset < len ? size - f->offset : len;
    if (mm_copy_out(t->proc, buf, text + f->offset, n) < 0)
        return -EFAULT;
    f->offset += n;
    return (long)n;
}

void procfs_close(struct ofile *f)
{
    text_used[f->pipe] = false;
}

void procfs_set_exe(struct lproc *p, const char *path, const struct lproc *from)
{
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    size_t n = strlen(path), base = 0;
    p->exe[0] = '\0';
    if (path[0] != '/' && from) {
        base = strlen(from->fs.cwd_path);
        if (!base || base + 1 + n >= sizeof p->exe)
            return;                    /* not known: readlink says ENOENT */
        memcpy(p->exe, from->fs.cwd_path, base);
        if (p->exe[base - 1] != '/')
            p->exe[base++] = '/';
    }
    if (base + n >= sizeof p->exe) {
        p->exe[0] = '\0';
        return;
    }
    memcpy(p->exe + base, path, n + 1);
}
