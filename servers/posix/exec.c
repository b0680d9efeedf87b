/*
 * Starting programs: static ELF executables, loaded into a new process with
 * their segments' rights, a stack holding argc, argv, envp and the
 * auxiliary vector as the Linux riscv64 ABI lays them out. Programs come
 * from the boot archive (given by root, mapped at MICA_ARCHIVE_VA) until
 * files come from the fs server.
 */
#include "posix.h"

#include "mica/archive.h"
#include "mica/bootinfo.h"
#include "mica/elf.h"
#include "mica/fs.h"
#include "mica/runtime.h"
#include "mica/spawn.h"
#include "mica/string.h"
#include "mica/sys.h"

#define SCRATCH_VA  0x3e00000000ul
#define STACK_TOP   0x3ff0000000ul
#define STACK_SIZE  (8ul << 20)
#define USER_LIMIT  0x3e00000000ul       /* programs load below this */
#define MAX_ARGS    256
#define ARGS_MAX    (128 * 1024)

/* Auxiliary vector types (Linux's elf.h). */
enum {
    AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
    AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14,
    AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_EXECFN = 31,
};

/* rv64imafdc: one bit per single-letter extension. */
#define HWCAP_RV64GC ((1ul << ('i' - 'a')) | (1ul << ('m' - 'a')) | (1ul << ('a' - 'a')) | \
                      (1ul << ('f' - 'a')) | (1ul << ('d' - 'a')) | (1ul << ('c' - 'a')))

static uint64_t archive_size;

/* Maps the boot archive the first time it is needed: page by page until
 * the frame ends. */
static const void *archive(void)
{
    while (!archive_size || archive_size % PAGE == 0) {
        long r = mica_map(MICA_SLOT_SELF, SERVICE_SLOT_FIRST, MICA_ARCHIVE_VA + archive_size,
                          MICA_R_READ, archive_size / PAGE);
        if (r)
            break;
        archive_size += PAGE;
    }
    return (const void *)MICA_ARCHIVE_VA;
}

static unsigned rights_of(uint32_t flags)
{
    return MICA_R_READ | ((flags & ELF_SEG_W) ? MICA_R_WRITE : 0) |
           ((flags & ELF_SEG_X) ? MICA_R_EXEC : 0);
}

/* One page of a segment: file bytes where the segment has them, zeros after. */
static long load_page(struct lproc *p, const char *file, const struct elf_segment *s,
                      uint64_t va)
{
    long f = slot_alloc();
    long err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, f, 1);
    if (!err)
        err = mica_map(MICA_SLOT_SELF, f, SCRATCH_VA, MICA_R_READ | MICA_R_WRITE, 0);
    if (!err) {
        uint64_t lo = va < s->vaddr ? s->vaddr : va;
        uint64_t hi = va + PAGE < s->vaddr + s->filesz ? va + PAGE : s->vaddr + s->filesz;
        if (lo < hi)
            memcpy((char *)SCRATCH_VA + (lo - va), file + s->offset + (lo - s->vaddr), hi - lo);
        mica_unmap(MICA_SLOT_SELF, SCRATCH_VA);
        err = mica_map(p->kproc, f, va, rights_of(s->flags), 0);
    }
    slot_free(f);
    return err;
}

static long load_segments(struct lproc *p, const char *file, const struct elf_image *img)
{
    uint64_t top = 0;
    for (int i = 0; i < img->nseg; i++) {
        const struct elf_segment *s = &img->seg[i];
        uint64_t start = s->vaddr & ~(PAGE - 1);
        uint64_t end = (s->vaddr + s->memsz + PAGE - 1) & ~(PAGE - 1);
        for (uint64_t va = start; va < end; va += PAGE) {
            long err = load_page(p, file, s, va);
            if (err)
                return err;
        }
        if (mm_add_vma(p, start, end, rights_of(s->flags), 0))
            return -ENOMEM;
        if (end > top)
            top = end;
    }
    p->brk_start = p->brk = top;
    return 0;
}

static uint64_t random_word(void)
{
    static uint64_t x;
    x ^= mica_time() * 0x9e3779b97f4a7c15ull + (uint64_t)mica_realtime_ns();
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

/* Builds the initial stack image in buf (which ends at STACK_TOP) and
 * returns the initial sp, or 0 if it does not fit. */
static uint64_t build_stack(uint8_t *buf, uint64_t size, const struct elf_image *img,
                            const char *const *argv, const char *const *envp)
{
    uint64_t sp = STACK_TOP;
    uint64_t argv_at[MAX_ARGS], envp_at[MAX_ARGS];
    int argc = 0, envc = 0;
#define PUSH_BYTES(src, n) do { sp -= (n); if (STACK_TOP - sp > size) return 0; \
                                memcpy(buf + size - (STACK_TOP - sp), (src), (n)); } while (0)
    for (; envp && envp[envc] && envc < MAX_ARGS - 1; envc++) {
        PUSH_BYTES(envp[envc], strlen(envp[envc]) + 1);
        envp_at[envc] = sp;
    }
    for (; argv && argv[argc] && argc < MAX_ARGS - 1; argc++) {
        PUSH_BYTES(argv[argc], strlen(argv[argc]) + 1);
        argv_at[argc] = sp;
    }
    uint64_t execfn = argc ? argv_at[0] : 0;
    uint64_t rnd[2] = { random_word(), random_word() };
    PUSH_BYTES(rnd, sizeof rnd);
    uint64_t random_at = sp;
    uint64_t aux[] = {
        AT_PHDR, img->phdr_vaddr, AT_PHENT, img->phentsize, AT_PHNUM, img->phnum,
        AT_PAGESZ, PAGE, AT_BASE, 0, AT_FLAGS, 0, AT_ENTRY, img->entry,
        AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0, AT_HWCAP, HWCAP_RV64GC,
        AT_CLKTCK, 100, AT_SECURE, 0, AT_RANDOM, random_at, AT_EXECFN, execfn,
        AT_NULL, 0,
    };
    /* argc, argv[], NULL, envp[], NULL, auxv: 16-byte aligned at the end. */
    uint64_t words = 1 + argc + 1 + envc + 1 + sizeof aux / 8;
    sp = (sp - words * 8) & ~15ul;
    if (STACK_TOP - sp > size)
        return 0;
    uint64_t *w = (uint64_t *)(buf + size - (STACK_TOP - sp));
    *w++ = (uint64_t)argc;
    for (int i = 0; i < argc; i++)
        *w++ = argv_at[i];
    *w++ = 0;
    for (int i = 0; i < envc; i++)
        *w++ = envp_at[i];
    *w++ = 0;
    memcpy(w, aux, sizeof aux);
    return sp;
#undef PUSH_BYTES
}

#define IMAGE_VA    0x3c00000000ul
#define IMAGE_MAX   (MICA_MAX_FRAME_PAGES * PAGE)
#define MAX_INTERP  4

/* The program file, read whole from fs into a buffer made on first use. */
static long read_image(const char *path, const void **data, uint64_t *size)
{
    static bool mapped;
    if (!mapped) {
        long f = slot_alloc();
        long err = mica_create(MICA_SLOT_BUDGET, MICA_OBJ_FRAME, f, MICA_MAX_FRAME_PAGES);
        for (uint64_t i = 0; !err && i < MICA_MAX_FRAME_PAGES; i++)
            err = mica_map(MICA_SLOT_SELF, f, IMAGE_VA + i * PAGE, MICA_R_READ | MICA_R_WRITE, i);
        slot_free(f);
        if (err)
            return -ENOMEM;
        mapped = true;
    }
    struct fs_fileid id;
    uint32_t mode;
    long err = namei(exec_proc, -100, path, true, &id, &mode);
    if (err)
        return err;
    if ((mode & 0170000) != 0100000)
        return (mode & 0170000) == 0040000 ? -EACCES : -EACCES;
    if (!(mode & 0111))
        return -EACCES;
    struct fs_stat st;
    if ((err = attr_get(id, &st)))
        return err;
    if (st.size > IMAGE_MAX)
        return -ENOMEM;
    long n = fs_read(FS_EP, id, 0, (void *)IMAGE_VA, st.size);
    if (n < 0)
        return n;
    *data = (const void *)IMAGE_VA;
    *size = (uint64_t)n;
    return 0;
}

/* The program: from the file system if there is one, else (or if it is
 * not there) from the boot archive. */
static long find_image(const char *path, const void **data, uint64_t *size)
{
    long err = have_fs ? read_image(path, data, size) : -ENOENT;
    if (err != -ENOENT)
        return err;
    struct archive_entry e;
    const void *a = archive();
    while (*path == '/')
        path++;
    if (archive_find(a, archive_size, path, &e))
        return -ENOENT;
    *data = e.data;
    *size = e.size;
    return 0;
}

/* "#!interp [arg]": the new argv is interp, arg, path, argv[1..]. */
static long script_argv(const char *data, uint64_t size, const char *path,
                        const char *const *argv, const char **out, char *line)
{
    uint64_t n = 2;
    while (n < size && n < 255 && data[n] != '\n')
        n++;
    memcpy(line, data + 2, n - 2);
    line[n - 2] = '\0';
    char *interp = line;
    while (*interp == ' ' || *interp == '\t')
        interp++;
    char *arg = interp;
    while (*arg && *arg != ' ' && *arg != '\t')
        arg++;
    if (*arg)
        *arg++ = '\0';
    while (*arg == ' ' || *arg == '\t')
        arg++;
    for (char *e = arg + strlen(arg); e > arg && (e[-1] == ' ' || e[-1] == '\t'); )
        *--e = '\0';
    if (!*interp)
        return -ENOEXEC;
    int k = 0;
    out[k++] = interp;
    if (*arg)
        out[k++] = arg;
    out[k++] = path;
    for (int i = 1; argv && argv[i] && k < 255; i++)
        out[k++] = argv[i];
    out[k] = 0;
    return 0;
}

struct lproc *exec_proc;

struct lthread *exec_new(int ppid, const char *path, const char *const *argv,
                         const char *const *envp, long *err)
{
    static uint8_t stack_image[ARGS_MAX];
    static const char *script_args[MAX_INTERP][256];
    static char lines[MAX_INTERP][256];
    struct elf_image img;
    const char *why;
    const void *data;
    uint64_t size;
    for (int depth = 0;; depth++) {
        if ((*err = find_image(path, &data, &size)))
            return NULL;
        if (size < 2 || memcmp(data, "#!", 2))
            break;
        if (depth == MAX_INTERP) {
            *err = -ELOOP;
            return NULL;
        }
        if ((*err = script_argv(data, size, path, argv, script_args[depth], lines[depth])))
            return NULL;
        argv = script_args[depth];
        path = argv[0];
    }
    if (elf_check(data, size, USER_LIMIT, &img, &why)) {
        *err = -ENOEXEC;
        return NULL;
    }
    struct lthread *t = proc_new(ppid);
    if (!t) {
        *err = -EAGAIN;
        return NULL;
    }
    struct lproc *p = t->proc;
    procfs_set_exe(p, path, exec_proc);
    uint64_t sp = build_stack(stack_image, sizeof stack_image, &img, argv, envp);
    *err = sp ? load_segments(p, data, &img) : -E2BIG;
    if (!*err)
        *err = mm_add_vma(p, STACK_TOP - STACK_SIZE, STACK_TOP, MICA_R_READ | MICA_R_WRITE,
                          VMA_STACK);
    if (!*err)
        *err = signal_map_trampoline(p);
    if (!*err && mm_copy_out(p, sp, stack_image + sizeof stack_image - (STACK_TOP - sp),
                             STACK_TOP - sp) < 0)
        *err = -EFAULT;
    if (!*err)
        *err = mica_thread_start(t->kthread, img.entry, sp, 0);
    if (*err) {
        proc_discard(p);
        return NULL;
    }
    return t;
}
