/*
 * Mutation fuzzer for the ext2 core (servers/fs/ext2*.c).
 *
 *   fuzz_ext2 ITERATIONS SEED SCRATCHDIR [FIRST]
 *
 * Makes one small image (1 MiB, 1 KiB blocks, four groups) with mkfs.ext2
 * and fills it through the core: directories three deep, a directory of
 * five blocks, files, one through the double and one through the triple
 * indirect blocks, a hard link, fast and slow symlinks, device nodes. Each
 * iteration copies it, mutates the copy where the structures are (the
 * superblock, group descriptors, inodes in use, directory blocks, indirect
 * blocks, bitmaps) and sometimes anywhere, mounts it from a heap block of
 * exactly its size through an io layer that refuses blocks past the end,
 * and runs a fixed workload of every operation. Errors are expected; a
 * crash (ASan, UBSan), a hang (SIGALRM after ten seconds) or a broken
 * promise of ext2.h (a cookie that does not advance, a count larger than
 * asked) is a failure: it prints how to replay the iteration and leaves
 * the mutated image in SCRATCHDIR/fuzz_ext2-fail.img.
 *
 * First the workload runs once on the image unmutated: it must meet no
 * -EUCLEAN or -EIO and leave an image e2fsck finds clean.
 *
 * Iteration i draws from a xorshift64 stream seeded from SEED and i alone,
 * so a failure at iteration i replays with ITERATIONS 1 and FIRST i.
 */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#include "ext2/mutate.h"
#include "ext2_impl.h"
#include "mica/errno.h"

#define NOW         1700000000
#define ALARM_SECS  10

struct mem {
    uint8_t *p;
    uint64_t nblocks;
    unsigned long refused;      /* requests past the end */
};

static int mem_read(void *ctx, uint64_t block, void *buf)
{
    struct mem *m = ctx;
    if (block >= m->nblocks) {
        m->refused++;
        return -EIO;
    }
    memcpy(buf, m->p + block * BS, BS);
    return 0;
}

static int mem_write(void *ctx, uint64_t block, const void *buf)
{
    struct mem *m = ctx;
    if (block >= m->nblocks) {
        m->refused++;
        return -EIO;
    }
    memcpy(m->p + block * BS, buf, BS);
    return 0;
}

static int64_t fixed_now(void *ctx)
{
    (void)ctx;
    return NOW;
}

static struct ext2 *fs;         /* ext2_size() bytes, reused */

/* The core's buffers hold 4 KiB; with 1 KiB blocks, the 3 KiB past the
 * block are poisoned while mounted, so that ASan sees a record or a name
 * read past the end of its block (struct ext2 has no red zones of its own
 * between its buffers). */
static void guard_buffers(bool on)
{
#ifdef __SANITIZE_ADDRESS__
    uint8_t *bufs[EXT2_SLOTS + 2];
    for (int s = 0; s < EXT2_SLOTS; s++)
        bufs[s] = fs->slot[s].data;
    bufs[EXT2_SLOTS] = fs->dir;
    bufs[EXT2_SLOTS + 1] = fs->data;
    for (int i = 0; i < EXT2_SLOTS + 2; i++) {
        if (on)
            ASAN_POISON_MEMORY_REGION(bufs[i] + BS, EXT2_MAX_BLOCK - BS);
        else
            ASAN_UNPOISON_MEMORY_REGION(bufs[i] + BS, EXT2_MAX_BLOCK - BS);
    }
#else
    (void)on;
#endif
}

/* The blocks in place, as fs's cache gives them (ext2_read_to reads them
 * so, ext2_write_from writes whole blocks so); test_ext2's harness has
 * neither, for the other way. */
static const void *mem_view(void *ctx, uint64_t block)
{
    struct mem *m = ctx;
    if (block >= m->nblocks) {
        m->refused++;
        return NULL;
    }
    return m->p + block * BS;
}

static void *mem_claim(void *ctx, uint64_t block)
{
    return (void *)mem_view(ctx, block);
}

/* Pinned slots, in place too: the image is where they stay. */
static void *mem_pin(void *ctx, uint64_t block, bool whole)
{
    (void)whole;
    return mem_claim(ctx, block);
}

static void mem_unpin(void *ctx, uint64_t block)
{
    (void)ctx, (void)block;
}

static int mem_mark(void *ctx, uint64_t block, uint32_t off, uint32_t len)
{
    (void)ctx, (void)block, (void)off, (void)len;
    return 0;
}

static int mount_mem(struct mem *m, uint8_t *img, const char **msg)
{
    static struct ext2_io io;
    *m = (struct mem){ img, IMG_SIZE / BS, 0 };
    io = (struct ext2_io){ m, mem_read, mem_write, fixed_now, mem_view, mem_claim,
                           mem_pin, mem_unpin, mem_mark };
    guard_buffers(false);
    int err = ext2_mount(fs, &io, msg);
    if (!err && ext2_block_size(fs) == BS)
        guard_buffers(true);
    return err;
}

static const char *scratch;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_ext2: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static struct ext2_fileid must_create(struct ext2_fileid dir, const char *name, uint32_t mode)
{
    struct ext2_fileid f;
    int err = (mode & 0170000) == 0040000
                  ? ext2_mkdir(fs, dir, name, strlen(name), mode, 0, 0, &f)
                  : ext2_create(fs, dir, name, strlen(name), mode, 0, 0, 0x0103, &f);
    if (err)
        die("seed: create %s: %d", name, err);
    return f;
}

static void must_write(struct ext2_fileid f, uint64_t off, size_t len)
{
    static uint8_t buf[64 * 1024];
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)((off + i) * 7 + 1);
    if (ext2_write(fs, f, off, buf, len) != (int64_t)len)
        die("seed: write");
}

/* The tree every iteration starts from. */
static void populate(void)
{
    struct ext2_fileid r = { EXT2_ROOT_INO, 0 }, f;
    struct ext2_fileid a = must_create(r, "a", 040755);
    struct ext2_fileid b = must_create(a, "b", 040755);
    struct ext2_fileid c = must_create(b, "c", 040700);
    struct ext2_fileid many = must_create(a, "many", 040755);
    must_write(must_create(a, "file", 0100644), 0, 3000);
    must_write(must_create(c, "deep", 0100600), 0, 100);
    f = must_create(r, "big", 0100644);
    must_write(f, 0, 40 * 1024);
    must_write(f, 300 * 1024, 100);             /* double indirect */
    must_write(must_create(r, "sparse", 0100644), 70u << 20, 10);   /* triple */
    for (int i = 0; i < 120; i++) {
        char name[48];
        snprintf(name, sizeof name, "entry-with-a-longer-name-%03d", i);
        must_create(many, name, 0100644);
    }
    must_create(r, "dev", 0020600);
    must_create(r, "fifo", 0010600);
    char target[200];
    memset(target, 'x', sizeof target);
    if (ext2_symlink(fs, r, "link", 4, "a/file", 6, 0, 0, &f) ||
        ext2_symlink(fs, r, "slow", 4, target, sizeof target, 0, 0, &f) ||
        ext2_lookup(fs, a, "file", 4, &f) || ext2_link(fs, f, b, "hard", 4) || ext2_sync(fs))
        die("seed: links");
}

static void write_file(const char *path, const uint8_t *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, len, f) != len || fclose(f))
        die("cannot write %s", path);
}

static uint8_t *make_seed(void)
{
    char path[512], cmd[1024];
    snprintf(path, sizeof path, "%s/fuzz_ext2-seed.img", scratch);
    snprintf(cmd, sizeof cmd,
             "E2FSPROGS_FAKE_TIME=%d mkfs.ext2 -q -F -b %u -I 256 -g 256 -N 256 "
             "-O none,filetype,sparse_super,large_file "
             "-U 6f0e9d3c-2b1a-4c5d-8e7f-0a1b2c3d4e5f -E hash_seed=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 "
             "'%s' %u >/dev/null 2>&1",
             NOW, BS, path, IMG_SIZE / 1024);
    if (system(cmd))
        die("mkfs.ext2 failed");
    uint8_t *img = malloc(IMG_SIZE);
    FILE *f = fopen(path, "rb");
    if (!img || !f || fread(img, 1, IMG_SIZE, f) != IMG_SIZE)
        die("cannot read %s", path);
    fclose(f);
    struct mem m;
    const char *msg;
    if (mount_mem(&m, img, &msg))
        die("seed: mount: %s", msg);
    populate();
    write_file(path, img, IMG_SIZE);
    snprintf(cmd, sizeof cmd, "e2fsck -fn '%s' >/dev/null 2>&1", path);
    if (system(cmd))
        die("the seed image is not e2fsck-clean: %s", path);
    return img;
}

/* Records inode ino's place and its directory or indirect blocks. */
static void find_inode(uint32_t ino)
{
    struct ext2_node n;
    struct ext2_group gd;
    if (ext2_iread(fs, ino, &n) || !n.i.i_links_count ||
        ext2_group_get(fs, (ino - 1) / fs->ipg, &gd))
        return;
    add_target(INODE, gd.bg_inode_table * BS + (ino - 1) % fs->ipg * fs->inode_size);
    if (!ext2_maps_blocks(fs, &n))
        return;
    if (ext2_type(&n) == EXT2_S_IFDIR) {
        for (uint64_t l = 0; l < ext2_isize(&n) / BS; l++) {
            uint32_t p;
            bool fresh;
            if (!ext2_bmap(fs, &n, l, false, &p, &fresh) && p)
                add_target(DIRBLK, p);
        }
    }
    for (int i = EXT2_IND_BLOCK; i < EXT2_N_BLOCKS; i++) {
        uint32_t blk = n.i.i_block[i];
        if (!blk)
            continue;
        add_target(INDBLK, blk);
        uint8_t buf[BS];
        if (i > EXT2_IND_BLOCK && !ext2_bread(fs, blk, buf))
            for (uint32_t e = 0; e < BS / 4; e++)
                if (ext2_ld32(buf, e))
                    add_target(INDBLK, ext2_ld32(buf, e));
    }
}

static void find_targets(uint8_t *img)
{
    struct mem m;
    const char *msg;
    if (mount_mem(&m, img, &msg))
        die("seed: mount: %s", msg);
    add_target(SUPER, 1);
    add_target(GROUP, fs->gdt_block);
    for (uint32_t g = 0; g < fs->ngroups; g++) {
        struct ext2_group gd;
        if (!ext2_group_get(fs, g, &gd)) {
            add_target(BITMAP, gd.bg_block_bitmap);
            add_target(BITMAP, gd.bg_inode_bitmap);
        }
    }
    for (uint32_t ino = 1; ino <= fs->ninodes; ino++)
        if (ino == EXT2_ROOT_INO || ino >= fs->first_ino)
            find_inode(ino);
    for (int k = 0; k < KINDS; k++)
        if (!targets[k].n)
            die("seed: no structures of kind %d", k);
}

static struct {
    unsigned long mounted, refused, ok, euclean, eio, other, past_end;
} stats;
static const char *broken;      /* a promise of ext2.h not kept */

static void note(int64_t r)
{
    if (r >= 0)
        stats.ok++;
    else if (r == -EUCLEAN)
        stats.euclean++;
    else if (r == -EIO)
        stats.eio++;
    else
        stats.other++;
}

static const struct ext2_fileid root = { EXT2_ROOT_INO, 0 };

/* Looks up a path one component at a time; false if any step fails. */
static bool walk(const char *path, struct ext2_fileid *out)
{
    struct ext2_fileid cur = root;
    for (const char *p = path; *p;) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n) {
            int r = ext2_lookup(fs, cur, p, n, &cur);
            note(r);
            if (r)
                return false;
        }
        p += n;
    }
    *out = cur;
    return true;
}

static void list_dir(struct ext2_fileid d)
{
    struct ext2_dirent de;
    uint64_t k = 0;
    for (int n = 0; n < 100000; n++) {
        int r = ext2_readdir(fs, d, k, &de);
        note(r);
        if (r != 1)
            return;
        if (de.next <= k)
            broken = "readdir cookie does not advance";
        else if (strlen(de.name) != de.name_len)
            broken = "readdir name length wrong";
        if (broken)
            return;
        k = de.next;
    }
    broken = "readdir does not end";
}

static void read_all(struct ext2_fileid f)
{
    static uint8_t buf[16384];
    for (uint64_t off = 0; off < (256u << 10); off += sizeof buf) {
        int64_t r = ext2_read(fs, f, off, buf, sizeof buf);
        note(r);
        if (r > (int64_t)sizeof buf)
            broken = "read more than asked";
        if (r <= 0)
            break;
    }
    note(ext2_read(fs, f, 70u << 20, buf, 100));
    note(ext2_read(fs, f, 1ull << 40, buf, 100));
}

static const char *const paths[] = {
    "/a", "/a/b", "/a/b/c", "/a/b/c/deep", "/a/file", "/a/b/hard", "/a/many", "/big",
    "/sparse", "/link", "/slow", "/dev", "/fifo", "/lost+found", "/a/../a/b/..", "/none",
};

/* Reads everything the paths reach. */
static void look_around(void)
{
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        struct ext2_fileid f;
        struct ext2_stat st;
        char target[1100];
        if (!walk(paths[i], &f))
            continue;
        int r = ext2_getattr(fs, f, &st);
        note(r);
        if (r)
            continue;
        if ((st.mode & 0170000) == 0040000) {
            list_dir(f);
        } else if ((st.mode & 0170000) == 0100000) {
            read_all(f);
        } else {
            int64_t n = ext2_readlink(fs, f, target, sizeof target);
            note(n);
            if (n > (int64_t)sizeof target)
                broken = "readlink longer than asked";
        }
    }
    struct ext2_statfs sf;
    note(ext2_statfs(fs, &sf));
}

static struct ext2_fileid id(const char *path)
{
    struct ext2_fileid f = { 0, 0 };
    walk(path, &f);
    return f;
}

static void ren(const char *from_dir, const char *from, const char *to_dir, const char *to)
{
    note(ext2_rename(fs, id(from_dir), from, strlen(from), id(to_dir), to, strlen(to), false));
}

/* Changes: every operation that writes. */
static void change_things(void)
{
    static uint8_t data[4096];
    struct ext2_fileid f, g;
    memset(data, 'w', sizeof data);
    note(ext2_create(fs, root, "new", 3, 0100644, 0, 0, 0, &f));
    note(ext2_write(fs, f, 0, data, 3000));
    note(ext2_write(fs, f, 70 * 1024, data, 100));
    note(ext2_read(fs, f, 0, data, sizeof data));
    struct ext2_setattr sa = { .mask = EXT2_SET_SIZE, .size = 500 };
    note(ext2_setattr(fs, f, &sa));
    sa = (struct ext2_setattr){ .mask = EXT2_SET_SIZE | EXT2_SET_MODE | EXT2_SET_MTIME,
                                .size = 100000, .mode = 0600, .mtime = 1ll << 33 };
    note(ext2_setattr(fs, f, &sa));
    note(ext2_mkdir(fs, id("/a"), "newdir", 6, 0755, 0, 0, &g));
    ren("/", "new", "/a/newdir", "moved");
    ren("/a", "newdir", "/", "newdir2");
    ren("/a", "b", "/a/many", "b");
    ren("/", "big", "/a", "file");
    ren("/a/many/b/c", "deep", "/", "deep");
    note(ext2_link(fs, id("/a/many/b/hard"), id("/a/many"), "hard2", 5));
    memset(data, 's', 300);
    note(ext2_symlink(fs, id("/a/many/b/c"), "sl", 2, (char *)data, 300, 0, 0, &g));
    note(ext2_unlink(fs, root, "sparse", 6));
    note(ext2_unlink(fs, id("/a/many/b"), "hard", 4));
    note(ext2_rmdir(fs, id("/a/many/b"), "c", 1));
    note(ext2_unlink(fs, id("/a/many/b/c"), "sl", 2));
    note(ext2_rmdir(fs, id("/a/many/b"), "c", 1));
    sa = (struct ext2_setattr){ .mask = EXT2_SET_SIZE, .size = 0 };
    note(ext2_setattr(fs, id("/a/file"), &sa));
    ren("/a/many", "entry-with-a-longer-name-005", "/a/many", "renamed");
    for (int i = 0; i < 20; i++) {
        char name[40];
        snprintf(name, sizeof name, "entry-with-a-longer-name-%03d", i * 3);
        note(ext2_unlink(fs, id("/a/many"), name, strlen(name)));
        snprintf(name, sizeof name, "n%d", i);
        note(ext2_create(fs, id("/a/many"), name, strlen(name), 0100644, 0, 0, 0, &g));
    }
    list_dir(id("/a/many"));
    note(ext2_unlink(fs, root, "link", 4));
    note(ext2_unlink(fs, root, "slow", 4));
    note(ext2_unlink(fs, root, "dev", 3));
    note(ext2_rmdir(fs, root, "lost+found", 10));
    note(ext2_sync(fs));
}

static void run(uint8_t *img)
{
    struct mem m;
    const char *msg;
    if (mount_mem(&m, img, &msg)) {
        stats.refused++;
        return;
    }
    stats.mounted++;
    look_around();
    if (!broken)
        change_things();
    if (!broken)
        look_around();
    stats.past_end += m.refused;
}

static uint8_t *cur_image;      /* the mutated image of the running iteration */
static uint64_t cur_seed, cur_iter;
static char fail_path[512];

static void save_failure(void)
{
    fprintf(stderr, "fuzz_ext2: failure at iteration %llu%s%s; replay: fuzz_ext2 1 %llu %s %llu;"
            " image in %s\n", (unsigned long long)cur_iter, broken ? ": " : "",
            broken ? broken : "", (unsigned long long)cur_seed, scratch,
            (unsigned long long)cur_iter, fail_path);
    FILE *f = fopen(fail_path, "wb");
    if (f) {
        fwrite(cur_image, 1, IMG_SIZE, f);
        fclose(f);
    }
}

static void on_alarm(int sig)
{
    (void)sig;
    broken = "hang";
    save_failure();
    _exit(1);
}

/* The workload on the image as made: no corruption reported, and a
 * result e2fsck accepts. */
static void clean_run(const uint8_t *seed, uint8_t *work)
{
    char path[512], cmd[1024];
    memcpy(work, seed, IMG_SIZE);
    run(work);
    if (stats.mounted != 1 || stats.euclean || stats.eio || broken)
        die("the workload fails on the unmutated image (%lu -EUCLEAN, %lu -EIO%s%s)",
            stats.euclean, stats.eio, broken ? ", " : "", broken ? broken : "");
    snprintf(path, sizeof path, "%s/fuzz_ext2-clean.img", scratch);
    write_file(path, work, IMG_SIZE);
    snprintf(cmd, sizeof cmd, "e2fsck -fn '%s' >/dev/null 2>&1", path);
    if (system(cmd))
        die("the workload leaves an image e2fsck does not accept: %s", path);
    printf("fuzz_ext2: unmutated: %lu operations ok, %lu failed as expected, e2fsck clean\n",
           stats.ok, stats.other);
    memset(&stats, 0, sizeof stats);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s ITERATIONS SEED SCRATCHDIR [FIRST]\n", argv[0]);
        return 2;
    }
    uint64_t iters = strtoull(argv[1], NULL, 0);
    cur_seed = strtoull(argv[2], NULL, 0);
    scratch = argv[3];
    uint64_t first = argc > 4 ? strtoull(argv[4], NULL, 0) : 0;
    snprintf(fail_path, sizeof fail_path, "%s/fuzz_ext2-fail.img", scratch);
    printf("fuzz_ext2: seed %llu\n", (unsigned long long)cur_seed);
    fflush(stdout);
    fs = malloc(ext2_size());
    uint8_t *seed = make_seed();
    find_targets(seed);
    cur_image = malloc(IMG_SIZE);
    uint8_t *work = malloc(IMG_SIZE);           /* exactly the image: ASan sees past it */
    if (!fs || !cur_image || !work)
        die("out of memory");
#ifdef __SANITIZE_ADDRESS__
    __sanitizer_set_death_callback(save_failure);
#endif
    signal(SIGALRM, on_alarm);
    clean_run(seed, work);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (uint64_t i = first; i < first + iters; i++) {
        cur_iter = i;
        seed_iteration(cur_seed, i);
        memcpy(cur_image, seed, IMG_SIZE);
        for (uint64_t n = 1 + below(4); n > 0; n--)
            mutate(cur_image);
        memcpy(work, cur_image, IMG_SIZE);
        alarm(ALARM_SECS);
        run(work);
        alarm(0);
        if (broken) {
            save_failure();
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("fuzz_ext2: %llu iterations in %.1f s: %lu mounted, %lu refused; "
           "operations: %lu ok, %lu -EUCLEAN, %lu -EIO, %lu other errors; "
           "%lu block requests past the image refused\n",
           (unsigned long long)iters, secs, stats.mounted, stats.refused, stats.ok,
           stats.euclean, stats.eio, stats.other, stats.past_end);
    free(seed);
    free(work);
    free(cur_image);
    free(fs);
    return 0;
}
