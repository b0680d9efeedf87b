/*
 * System V shared memory: shmget, shmat, shmdt, shmctl. A segment's pages
 * are frames posix allocates at shmget (zeroed, in chunks of SHM_CHUNK
 * pages) and keeps; shmat maps them all into the caller as a shared area
 * (VMA_SHM), which fork shares like any MAP_SHARED area. The attachments
 * are counted from the live processes' areas; a segment removed while
 * attached (IPC_RMID) lives on, marked SHM_DEST and with no key, until the
 * last attachment goes: it is collected at the next shm call or process
 * exit. Limits: SHM_SEGS segments of at most SHM_MAX_PAGES pages.
 */
#include "sysv.h"

#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/string.h"
#include "mica/sys.h"

#define SHM_SEGS      32
#define SHM_CHUNK     16             /* pages per frame object */
#define SHM_MAX_PAGES 4096           /* 16 MiB */
#define SHM_CHUNKS    (SHM_MAX_PAGES / SHM_CHUNK)
#define SHM_DEST      01000
#define SHM_RDONLY    010000
#define SHM_RND       020000
#define SHM_REMAP     040000
#define SHM_EXEC      0100000
#define SHM_LOCK      11
#define SHM_UNLOCK    12

/* struct shmid64_ds of the generic 64-bit Linux ABI. */
struct shmid_k {
    struct ipc_perm_k perm;
    uint64_t segsz;
    int64_t atime, dtime, ctime;
    int32_t cpid, lpid;
    uint64_t nattch;
    uint64_t unused[2];
};
_Static_assert(sizeof(struct shmid_k) == 112, "shmid64_ds");

struct segment {
    uint64_t size;
    uint64_t pages;
    long chunks[SHM_CHUNKS];       /* frame slots */
    int32_t cpid, lpid;
    int64_t atime, dtime;
};

static struct sysv_obj objs[SHM_SEGS];
static struct segment segs[SHM_SEGS];

static void seg_free(int i)
{
    for (uint64_t c = 0; c < SHM_CHUNKS && segs[i].chunks[c]; c++) {
        slot_free(segs[i].chunks[c]);
        segs[i].chunks[c] = 0;
    }
    sysv_remove(&objs[i], SYSV_SHM, i);
}

/* Attachments of segment i: the live areas that start one. */
static uint64_t nattch(int i)
{
    long id = sysv_id(objs, i);
    uint64_t n = 0;
    for (int k = 0; k < MAX_PROCS; k++) {
        struct lproc *p = &procs[k];
        if (!p->pid || !p->kproc)
            continue;
        for (int j = 0; j < p->nvmas; j++)
            n += (p->vmas[j].flags & VMA_SHM) && p->vmas[j].shm == id && !p->vmas[j].offset;
    }
    return n;
}

/* Frees the removed segments nobody has attached any more. */
static void collect(void)
{
    for (int i = 0; i < SHM_SEGS; i++)
        if (objs[i].used && (objs[i].mode & SHM_DEST) && nattch(i) == 0)
            seg_free(i);
}

void shm_exit(void)
{
    collect();
}

static long seg_alloc(int i, uint64_t size, int pid)
{
    struct segment *sg = &segs[i];
    *sg = (struct segment){ .size = size, .pages = (size + PAGE - 1) / PAGE, .cpid = pid };
    for (uint64_t c = 0; c * SHM_CHUNK < sg->pages; c++) {
        uint64_t n = sg->pages - c * SHM_CHUNK < SHM_CHUNK ? sg->pages - c * SHM_CHUNK : SHM_CHUNK;
        long f = slot_alloc();
        if (f < 0 || mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, f, n) < 0) {
            if (f >= 0)
                slot_free(f);
            seg_free(i);
            return -ENOMEM;
        }
        sg->chunks[c] = f;
    }
    return 0;
}

long sys_shmget(struct lthread *t, const struct sysargs *s)
{
    uint64_t size = s->a[1];
    bool created;
    collect();
    long i = sysv_get(objs, SHM_SEGS, (int32_t)s->a[0], (int)s->a[2], &created);
    if (i < 0)
        return i;
    if (created) {
        if (size == 0 || size > SHM_MAX_PAGES * PAGE) {
            objs[i].used = false;
            return -EINVAL;
        }
        long err = seg_alloc((int)i, size, t->proc->pid);
        if (err)
            return err;
    } else if (size > segs[i].size) {
        return -EINVAL;
    }
    return sysv_id(objs, (int)i);
}

/* Maps segment page `page` at va in p. */
static long map_page(struct lproc *p, int i, uint64_t page, uint64_t va, unsigned rights)
{
    long f = segs[i].chunks[page / SHM_CHUNK];
    long err = mica_map(p->kproc, f, va, rights, page % SHM_CHUNK);
    if (err == -EEXIST)
        err = mica_protect(p->kproc, va, rights);
    return err;
}

bool shm_fault(struct lproc *p, const struct vma *v, uint64_t va)
{
    long i = sysv_index(objs, SHM_SEGS, v->shm);
    uint64_t page = (v->offset + va - v->start) / PAGE;
    return i >= 0 && page < segs[i].pages && map_page(p, (int)i, page, va, v->prot) == 0;
}

long sys_shmat(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = t->proc;
    long i = sysv_index(objs, SHM_SEGS, (long)s->a[0]);
    uint64_t addr = s->a[1];
    int flags = (int)s->a[2];
    if (i < 0)
        return i;
    struct segment *sg = &segs[i];
    uint64_t len = sg->pages * PAGE;
    unsigned rights = MICA_R_READ | (flags & SHM_RDONLY ? 0 : MICA_R_WRITE) |
                      (flags & SHM_EXEC ? MICA_R_EXEC : 0);
    if (flags & SHM_RND)
        addr &= ~(PAGE - 1);
    if (addr & (PAGE - 1))
        return -EINVAL;
    if (!limits_allow_growth(p, len, false))
        return -ENOMEM;
    if (addr) {
        for (int k = 0; k < p->nvmas; k++)
            if (addr < p->vmas[k].end && p->vmas[k].start < addr + len && !(flags & SHM_REMAP))
                return -EINVAL;
        if (mm_remove_range(p, addr, addr + len))
            return -ENOMEM;
    } else if (!(addr = mm_free_range(p, len))) {
        return -ENOMEM;
    }
    if (mm_add_vma(p, addr, addr + len, rights, VMA_SHARED | VMA_SHM))
        return -ENOMEM;
    p->vmas[p->nvmas - 1].shm = sysv_id(objs, (int)i);
    for (uint64_t pg = 0; pg < sg->pages; pg++) {
        if (map_page(p, (int)i, pg, addr + pg * PAGE, rights)) {
            mm_remove_range(p, addr, addr + len);
            return -ENOMEM;
        }
    }
    sg->lpid = p->pid;
    sg->atime = sysv_now();
    return (long)addr;
}

long sys_shmdt(struct lthread *t, const struct sysargs *s)
{
    struct lproc *p = t->proc;
    uint64_t addr = s->a[0];
    for (int k = 0; k < p->nvmas; k++) {
        struct vma *v = &p->vmas[k];
        if (!(v->flags & VMA_SHM) || v->start != addr || v->offset)
            continue;
        long id = v->shm, i = sysv_index(objs, SHM_SEGS, id);
        /* The whole attachment, also the parts an mprotect split off. */
        uint64_t end = addr + (i >= 0 ? segs[i].pages * PAGE : v->end - v->start);
        for (int j = 0; j < p->nvmas; j++) {
            struct vma *w = &p->vmas[j];
            if ((w->flags & VMA_SHM) && w->shm == id && w->start >= addr && w->end <= end) {
                mm_remove_range(p, w->start, w->end);
                j = -1;
            }
        }
        if (i >= 0) {
            segs[i].lpid = p->pid;
            segs[i].dtime = sysv_now();
        }
        collect();
        return 0;
    }
    return -EINVAL;
}

long sys_shmctl(struct lthread *t, const struct sysargs *s)
{
    long i = sysv_index(objs, SHM_SEGS, (long)s->a[0]);
    int cmd = (int)s->a[1] & ~IPC_64;
    struct shmid_k ds;
    if (i < 0)
        return i;
    struct segment *sg = &segs[i];
    switch (cmd) {
    case IPC_STAT:
        ds = (struct shmid_k){ .segsz = sg->size, .atime = sg->atime, .dtime = sg->dtime,
                               .ctime = objs[i].ctime, .cpid = sg->cpid, .lpid = sg->lpid,
                               .nattch = nattch((int)i) };
        sysv_perm(&objs[i], &ds.perm);
        return mm_copy_out(t->proc, s->a[2], &ds, sizeof ds) < 0 ? -EFAULT : 0;
    case IPC_SET:
        if (mm_copy_in(t->proc, &ds, s->a[2], sizeof ds) < 0)
            return -EFAULT;
        sysv_set(&objs[i], &ds.perm);
        return 0;
    case IPC_RMID:
        objs[i].mode |= SHM_DEST;
        objs[i].key = IPC_PRIVATE;
        collect();
        return 0;
    case SHM_LOCK:
    case SHM_UNLOCK:
        return 0;                   /* nothing is ever paged out */
    default:
        return -EINVAL;
    }
}
