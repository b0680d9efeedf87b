/*
 * Mappings of files. A file area (VMA_FILE) remembers the file and the
 * offset of its first page; a page is read from the file when it is first
 * touched (mm.c's pager calls mfile_fill), into a frame of the process's
 * own, zeros past the end of the file.
 *
 * - MAP_PRIVATE: the page is the process's copy from its first touch, so
 *   writes never reach the file (copy-on-write against its contents; fork
 *   shares the pages copy-on-write as any private memory). A page not yet
 *   touched shows the file as it is when touched, one touched shows it as
 *   it was then (Linux shows later writes until the page is written).
 * - MAP_SHARED: all pages are read at mmap time, so that fork shares the
 *   same frames. Read-only unless the file was opened for reading and
 *   writing; then the pages are written back to the file (whole pages, up
 *   to the file's size, which they never change) by msync, munmap, and when
 *   the process ends or execs. Two processes that map the same file apart
 *   (not through fork) have their own copies: each sees the other's writes
 *   only after msync and only in pages it maps afterwards.
 */
#include "posix.h"

#include "mica/fs.h"
#include "mica/string.h"
#include "mica/sys.h"

#define PROT_WRITE    2
#define MAP_SHARED    0x01
#define O_ACCMODE     3
#define O_RDONLY      0
#define O_WRONLY      1
#define O_APPEND      02000
#define O_PATH        010000000
#define S_IFMT        0170000
#define S_IFREG       0100000
#define MS_ASYNC      1
#define MS_INVALIDATE 2
#define MS_SYNC       4

long mfile_map(struct lthread *t, uint64_t fd, uint64_t offset, uint64_t prot, uint64_t flags,
               struct vma *v)
{
    struct ofile *f = file_get(t->proc, fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (offset & (PAGE - 1))
        return -EINVAL;
    if (f->kind == OF_ZERO)
        return 0;                /* /dev/zero: anonymous memory, as on Linux */
    if (f->kind != OF_FILE || (f->mode & S_IFMT) != S_IFREG)
        return -ENODEV;
    if ((f->flags & O_ACCMODE) == O_WRONLY)
        return -EACCES;
    bool rw = (f->flags & O_ACCMODE) != O_RDONLY;
    if ((flags & MAP_SHARED) && (prot & PROT_WRITE) && (!rw || (f->flags & O_APPEND)))
        return -EACCES;
    v->flags |= VMA_FILE | (rw && !(f->flags & O_APPEND) ? VMA_FILE_RW : 0);
    v->file = f->id;
    v->offset = offset;
    return 0;
}

long mfile_fill(void *buf, const struct vma *v, uint64_t va)
{
    long n = fs_read(FS_EP, v->file, v->offset + (va - v->start), buf, PAGE);
    if (n < 0)
        return n == -ESTALE ? -EFAULT : n;
    memset((char *)buf + n, 0, PAGE - (uint64_t)n);
    return 0;
}

long mfile_writeback(struct lproc *p, const struct vma *v, uint64_t start, uint64_t end)
{
    static uint8_t page[PAGE];
    struct fs_stat st;
    long err = attr_get(v->file, &st);
    if (err)
        return err;
    for (uint64_t va = start; va < end; va += PAGE) {
        uint64_t off = v->offset + (va - v->start);
        if (off >= st.size)
            break;
        uint64_t n = st.size - off < PAGE ? st.size - off : PAGE;
        /* A page not mapped (after PROT_NONE) has nothing to write. */
        if (mica_process_copy(p->kproc, va, page, n, MICA_COPY_FROM) != (long)n)
            continue;
        long w = fs_write(FS_EP, v->file, off, page, n);
        if (w < 0)
            return w;
    }
    return 0;
}

void mfile_release(struct lproc *p)
{
    for (int i = 0; i < p->nvmas; i++) {
        struct vma *v = &p->vmas[i];
        if (vma_writes_back(v))
            mfile_writeback(p, v, v->start, v->end);
    }
}

/* Writes the shared file pages of the range back; the others have nothing
 * to do (pages are the only copy, so MS_INVALIDATE has nothing to drop). */
long sys_msync(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = t->proc;
    uint64_t addr = s->a[0], len = (s->a[1] + PAGE - 1) & ~(PAGE - 1), flags = s->a[2];
    if ((addr & (PAGE - 1)) || (flags & ~(uint64_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
        ((flags & MS_ASYNC) && (flags & MS_SYNC)) || addr + len < addr)
        return -EINVAL;
    /* Is all of the range mapped? Walk it area by area. */
    bool unmapped = false;
    for (uint64_t a = addr; a < addr + len && !unmapped;) {
        uint64_t next = a;
        for (int i = 0; i < p->nvmas; i++)
            if (a >= p->vmas[i].start && a < p->vmas[i].end)
                next = p->vmas[i].end;
        unmapped = next == a;
        a = next;
    }
    for (int i = 0; i < p->nvmas; i++) {
        struct vma *v = &p->vmas[i];
        uint64_t lo = addr > v->start ? addr : v->start;
        uint64_t hi = addr + len < v->end ? addr + len : v->end;
        if (lo >= hi || !vma_writes_back(v))
            continue;
        long err = mfile_writeback(p, v, lo, hi);
        if (err)
            return err == -ESTALE ? -EIO : err;
    }
    return unmapped ? -ENOMEM : 0;
}
