/*
 * Memory of Linux processes: the virtual memory areas each may use, and
 * posix as their pager. Pages are allocated on first touch (lazy), one
 * zeroed frame per page, mapped with the area's rights; the mapping keeps
 * the frame, so destroying the process frees its memory.
 */
#include "posix.h"
#include "sysv.h"

#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/string.h"
#include "mica/sys.h"

#define PROT_READ  1
#define PROT_WRITE 2
#define PROT_EXEC  4
#define MAP_SHARED    0x01
#define MAP_PRIVATE   0x02
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MMAP_TOP   0x3f00000000ul        /* below the stack */
#define MMAP_MIN   0x10000ul             /* Linux's vm.mmap_min_addr */
#define BRK_MAX    (1ul << 30)

static unsigned rights_of_prot(uint64_t prot)
{
    unsigned r = 0;
    if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC))
        r |= MICA_R_READ;            /* Sv39 cannot map write- or exec-only */
    if (prot & PROT_WRITE)
        r |= MICA_R_WRITE;
    if (prot & PROT_EXEC)
        r |= MICA_R_EXEC;
    return r;
}

static struct vma *find_vma(struct lproc *p, uint64_t addr)
{
    for (int i = 0; i < p->nvmas; i++)
        if (addr >= p->vmas[i].start && addr < p->vmas[i].end)
            return &p->vmas[i];
    return NULL;
}

bool find_vma_any(struct lproc *p, uint64_t addr)
{
    return find_vma(p, addr) != NULL;
}

static bool overlaps_any(struct lproc *p, uint64_t start, uint64_t end)
{
    for (int i = 0; i < p->nvmas; i++)
        if (start < p->vmas[i].end && p->vmas[i].start < end)
            return true;
    return false;
}

int mm_add_vma(struct lproc *p, uint64_t start, uint64_t end, unsigned prot, unsigned flags)
{
    if (p->nvmas == MAX_VMAS)
        return -ENOMEM;
    p->vmas[p->nvmas++] = (struct vma){ .start = start, .end = end, .prot = prot, .flags = flags };
    return 0;
}

/* The part of area v from start on (a copy, its file offset moved along). */
static struct vma vma_from(const struct vma *v, uint64_t start)
{
    struct vma w = *v;
    if (v->flags & (VMA_FILE | VMA_SHM))
        w.offset += start - v->start;
    w.start = start;
    return w;
}

/* Splits the area holding addr strictly inside it in two, its pages kept. */
static int split_at(struct lproc *p, uint64_t addr)
{
    struct vma *v = find_vma(p, addr);
    if (!v || v->start == addr)
        return 0;
    if (p->nvmas == MAX_VMAS)
        return -ENOMEM;
    p->vmas[p->nvmas++] = vma_from(v, addr);
    v->end = addr;
    return 0;
}

int mm_remove_range(struct lproc *p, uint64_t start, uint64_t end)
{
    if (split_at(p, start) || split_at(p, end))
        return -ENOMEM;
    for (int i = 0; i < p->nvmas; i++) {
        struct vma *v = &p->vmas[i];
        if (v->start < start || v->end > end)
            continue;
        if (vma_writes_back(v))
            mfile_writeback(p, v, v->start, v->end);
        p->vmas[i--] = p->vmas[--p->nvmas];
    }
    mica_unmap_range(p->kproc, start, (end - start) / PAGE);
    return 0;
}

#define SCRATCH_VA 0x3d80000000ul

/* A write to a page that is mapped read-only in a writable area: the page
 * may be shared with a forked process, so the writer gets its own copy. */
static bool copy_on_write(struct lproc *p, uint64_t page, unsigned prot)
{
    long f = slot_alloc();
    long err = f < 0 ? -ENOMEM : mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, f, 1);
    if (!err)
        err = mica_map(MICA_SLOT_SELF, f, SCRATCH_VA, MICA_R_READ | MICA_R_WRITE, 0);
    if (!err) {
        long n = mica_process_copy(p->kproc, page, (void *)SCRATCH_VA, PAGE, MICA_COPY_FROM);
        mica_unmap(MICA_SLOT_SELF, SCRATCH_VA);
        err = n == (long)PAGE ? 0 : -EFAULT;
    }
    if (!err) {
        mica_unmap(p->kproc, page);
        err = mica_map(p->kproc, f, page, prot, 0);
    }
    slot_free(f);
    return err == 0;
}

/* A new frame at page, mapped with v's rights: zeros, or v's file contents. */
static long map_new(struct lproc *p, uint64_t page, const struct vma *v)
{
    long f = slot_alloc();
    if (f < 0)
        return -ENOMEM;
    long err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, f, 1);
    if (!err && (v->flags & VMA_FILE)) {
        err = mica_map(MICA_SLOT_SELF, f, SCRATCH_VA, MICA_R_READ | MICA_R_WRITE, 0);
        if (!err) {
            err = mfile_fill((void *)SCRATCH_VA, v, page);
            mica_unmap(MICA_SLOT_SELF, SCRATCH_VA);
        }
    }
    if (!err)
        err = mica_map(p->kproc, f, page, v->prot, 0);
    slot_free(f);                /* the mapping keeps the frame */
    return err;
}

bool mm_fault(struct lproc *p, uint64_t addr, unsigned access)
{
    struct vma *v = find_vma(p, addr);
    if (!v || (v->prot & access) != access)
        return false;
    uint64_t page = addr & ~(PAGE - 1);
    if (v->flags & VMA_SHM)
        return shm_fault(p, v, page);
    if (v->flags & VMA_FILE) {
        /* Reading the file is dear: look before making a frame. */
        uint8_t byte;
        if (mica_process_copy(p->kproc, page, &byte, 1, MICA_COPY_FROM) != 1)
            return map_new(p, page, v) == 0;
    } else {
        long err = map_new(p, page, v);
        if (err != -EEXIST)
            return err == 0;
    }
    /* Already mapped, with fewer rights: shared after a fork (copy it), or
     * from before an mprotect (raise its rights to the area's). */
    if ((access & MICA_R_WRITE) && !(v->flags & VMA_SHARED))
        return copy_on_write(p, page, v->prot);
    return mica_protect(p->kproc, page, v->prot) == 0;
}

static long copy(struct lproc *p, uint64_t remote, void *local, uint64_t len, int dir)
{
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = len - done > MICA_COPY_MAX ? MICA_COPY_MAX : len - done;
        long r = mica_process_copy(p->kproc, remote + done, (char *)local + done, n, dir);
        if (r > 0) {
            done += (uint64_t)r;
            continue;
        }
        /* Not mapped yet: fault the page in as the program would have. */
        unsigned access = dir == MICA_COPY_FROM ? MICA_R_READ : MICA_R_WRITE;
        if (!mm_fault(p, remote + done, access))
            return -EFAULT;
        if (mica_process_copy(p->kproc, remote + done, (char *)local + done, 1, dir) != 1)
            return -EFAULT;      /* mapped, but without the right */
        done += 1;
    }
    return (long)done;
}

long mm_copy_in(struct lproc *p, void *dst, uint64_t src, uint64_t len)
{
    return copy(p, src, dst, len, MICA_COPY_FROM);
}

long mm_copy_out(struct lproc *p, uint64_t dst, const void *src, uint64_t len)
{
    return copy(p, dst, (void *)src, len, MICA_COPY_TO);
}

/* In pieces of up to STRING_PIECE bytes that never cross a page, so that
 * reading past the terminator never touches a page the string does not. */
#define STRING_PIECE 128

long mm_copy_string(struct lproc *p, char *dst, uint64_t src, uint64_t max)
{
    for (uint64_t i = 0; i < max;) {
        uint64_t n = PAGE - ((src + i) & (PAGE - 1));
        if (n > STRING_PIECE)
            n = STRING_PIECE;
        if (n > max - i)
            n = max - i;
        if (mm_copy_in(p, &dst[i], src + i, n) != (long)n)
            return -EFAULT;
        size_t len = strnlen(&dst[i], n);
        if (len < n)
            return (long)(i + len);
        i += n;
    }
    return -ENAMETOOLONG;
}

long sys_brk(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = t->proc;
    uint64_t want = s->a[0];
    if (want < p->brk_start || want > p->brk_start + BRK_MAX)
        return (long)p->brk;     /* Linux answers the current break */
    uint64_t old_end = (p->brk + PAGE - 1) & ~(PAGE - 1);
    uint64_t new_end = (want + PAGE - 1) & ~(PAGE - 1);
    if (new_end > old_end) {
        if (overlaps_any(p, old_end, new_end) ||
            !limits_allow_growth(p, new_end - old_end, true))
            return (long)p->brk;
        struct vma *heap = find_vma(p, p->brk_start);
        if (heap && heap->end == old_end)
            heap->end = new_end;
        else if (mm_add_vma(p, old_end, new_end, MICA_R_READ | MICA_R_WRITE, VMA_HEAP))
            return (long)p->brk;
    } else if (new_end < old_end) {
        mm_remove_range(p, new_end, old_end);
    }
    p->brk = want;
    return (long)want;
}

/* The highest free range of len bytes: mappings go down from below the
 * stack, and, as on Linux, may take the room above the break when nothing
 * else is left (brk then fails, and malloc falls back to mmap). */
static uint64_t find_free(struct lproc *p, uint64_t len)
{
    uint64_t top = MMAP_TOP;
    while (top >= MMAP_MIN + len) {
        uint64_t start = top - len;
        if (!overlaps_any(p, start, top))
            return start;
        for (int i = 0; i < p->nvmas; i++)
            if (start < p->vmas[i].end && p->vmas[i].start < top)
                top = p->vmas[i].start;
    }
    return 0;
}

uint64_t mm_free_range(struct lproc *p, uint64_t len)
{
    return find_free(p, len);
}

long sys_mmap(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = t->proc;
    uint64_t addr = s->a[0], len = s->a[1], prot = s->a[2], flags = s->a[3];
    if (len == 0 || (addr & (PAGE - 1)) || (prot & ~7ul))
        return -EINVAL;
    if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
        return -EINVAL;
    bool shared = flags & MAP_SHARED;
    struct vma v = { .prot = rights_of_prot(prot), .flags = shared ? VMA_SHARED : 0 };
    if (!(flags & MAP_ANONYMOUS)) {
        long err = mfile_map(t, s->a[4], s->a[5], prot, flags, &v);
        if (err)
            return err;
    }
    len = (len + PAGE - 1) & ~(PAGE - 1);
    if (len > MMAP_TOP)
        return -ENOMEM;
    bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
    if (fixed && (addr < PAGE || addr + len > MMAP_TOP + (1ul << 30)))
        return -ENOMEM;
    if (fixed && (flags & MAP_FIXED_NOREPLACE) && overlaps_any(p, addr, addr + len))
        return -EEXIST;
    if (!limits_allow_growth(p, len, (prot & PROT_WRITE) && !(flags & MAP_SHARED)))
        return -ENOMEM;
    if (fixed)
        mm_remove_range(p, addr, addr + len);
    else if (!addr || overlaps_any(p, addr, addr + len) || addr + len > MMAP_TOP)
        addr = find_free(p, len);
    if (!addr)
        return -ENOMEM;
    if (p->nvmas == MAX_VMAS)
        return -ENOMEM;
    v.start = addr;
    v.end = addr + len;
    p->vmas[p->nvmas++] = v;
    /* Shared memory must be the same pages in every process that maps it
     * through fork: allocate it now, not on first touch. */
    for (uint64_t a = addr; shared && rights_of_prot(prot) && a < addr + len; a += PAGE)
        if (!mm_fault(p, a, MICA_R_READ)) {
            mm_remove_range(p, addr, addr + len);
            return -ENOMEM;
        }
    return (long)addr;
}

long sys_munmap(struct lthread *t, const struct sysargs *s)
{
    uint64_t addr = s->a[0], len = s->a[1];
    if ((addr & (PAGE - 1)) || len == 0 || addr + len < addr)
        return -EINVAL;
    len = (len + PAGE - 1) & ~(PAGE - 1);
    return mm_remove_range(t->proc, addr, addr + len);
}

long sys_mprotect(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = t->proc;
    uint64_t addr = s->a[0], len = (s->a[1] + PAGE - 1) & ~(PAGE - 1);
    if (addr & (PAGE - 1))
        return -EINVAL;
    unsigned rights = rights_of_prot(s->a[2]);
    for (uint64_t a = addr; a < addr + len; a += PAGE) {
        struct vma *v = find_vma(p, a);
        if (!v)
            return -ENOMEM;
        /* A shared mapping of a file opened read-only stays read-only. */
        if ((rights & MICA_R_WRITE) && (v->flags & (VMA_FILE | VMA_SHARED | VMA_FILE_RW)) ==
                                           (VMA_FILE | VMA_SHARED))
            return -EACCES;
    }
    /* Split so that exactly [addr, addr + len) changes. */
    if (split_at(p, addr) || split_at(p, addr + len))
        return -ENOMEM;
    for (int i = 0; i < p->nvmas; i++) {
        struct vma *v = &p->vmas[i];
        if (v->start >= addr && v->end <= addr + len) {
            v->prot = rights;
            /* Pages already there change now; raising happens on the next
             * fault too, so a page mapped meanwhile cannot keep old rights.
             * A private page may be shared with a forked process: write
             * comes only through the fault, which copies it. */
            uint64_t n = (v->end - v->start) / PAGE;
            unsigned now = (v->flags & VMA_SHARED) ? rights : rights & ~(unsigned)MICA_R_WRITE;
            /* PROT_NONE cannot be a mapping: the pages go (and with them
             * their contents, which Linux would keep: a known limit). */
            if (rights)
                mica_protect_range(p->kproc, v->start, n, now);
            else
                mica_unmap_range(p->kproc, v->start, n);
        }
    }
    return 0;
}

#define MADV_DONTNEED 4
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED   2

/* DONTNEED: the pages go; the next touch gets zeros. Other advice is
 * only a hint. */
long sys_madvise(struct lthread *t, const struct sysargs *s)
{
    uint64_t addr = s->a[0], len = (s->a[1] + PAGE - 1) & ~(PAGE - 1);
    if (addr & (PAGE - 1))
        return -EINVAL;
    if (s->a[2] == MADV_DONTNEED && len)
        mica_unmap_range(t->proc->kproc, addr, len / PAGE);
    return 0;
}

/* Grows or shrinks an anonymous mapping, moving it (its pages copied) if
 * it cannot grow in place and MREMAP_MAYMOVE allows. */
long sys_mremap(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = t->proc;
    uint64_t old = s->a[0], old_len = (s->a[1] + PAGE - 1) & ~(PAGE - 1);
    uint64_t new_len = (s->a[2] + PAGE - 1) & ~(PAGE - 1), flags = s->a[3];
    struct vma *v = find_vma(p, old);
    if ((old & (PAGE - 1)) || !new_len || (flags & ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED)))
        return -EINVAL;
    if (!v || old + old_len > v->end)
        return -EFAULT;
    if (new_len <= old_len) {
        if (new_len < old_len)
            mm_remove_range(p, old + new_len, old + old_len);
        return (long)old;
    }
    if (!limits_allow_growth(p, new_len - old_len, (v->prot & MICA_R_WRITE) != 0))
        return -ENOMEM;
    if (v->end == old + old_len && !overlaps_any(p, old + old_len, old + new_len) &&
        old + new_len <= MMAP_TOP) {
        v->end = old + new_len;
        return (long)old;
    }
    if (!(flags & MREMAP_MAYMOVE))
        return -ENOMEM;
    uint64_t to = find_free(p, new_len);
    if (!to || p->nvmas == MAX_VMAS)
        return -ENOMEM;
    struct vma moved = vma_from(v, old);
    moved.start = to;
    moved.end = to + new_len;
    p->vmas[p->nvmas++] = moved;
    static uint8_t page[PAGE];
    for (uint64_t off = 0; off < old_len; off += PAGE) {
        if (mica_process_copy(p->kproc, old + off, page, PAGE, MICA_COPY_FROM) == (long)PAGE &&
            mm_copy_out(p, to + off, page, PAGE) < 0)
            return -ENOMEM;
    }
    mm_remove_range(p, old, old + old_len);
    return (long)to;
}
