/*
 * The ext2 host tests' harness: images made by mkfs.ext2 in the scratch
 * directory, the core mounted over them through a shared mapping, and the
 * checks done by the real tools (e2fsck -fn, debugfs). Included by
 * test_ext2.c only; everything is static.
 */
#ifndef TEST_EXT2_HARNESS_H
#define TEST_EXT2_HARNESS_H

#define _POSIX_C_SOURCE 200809L

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../check.h"
#include "ext2.h"
#include "mica/errno.h"

#define DEFAULT_FEATURES "none,filetype,sparse_super,large_file"

static const char *scratch;
static int64_t fake_now;            /* the clock the core sees; 0: the real one */

struct img {
    char path[512];
    int fd;
    bool mounted;
    uint8_t *map;               /* the image file, mapped shared */
    size_t size;
    uint32_t bs;
    uint64_t nblocks;
    struct ext2_io io;
    struct ext2 *fs;
};

/* The io layer: blocks of the image file, through a shared mapping, so
 * that e2fsck and debugfs see every write at once (one page cache) and a
 * block costs a copy rather than a system call. */
static int file_read(void *ctx, uint64_t block, void *buf)
{
    struct img *im = ctx;
    if (block >= im->nblocks)
        return -EIO;
    memcpy(buf, im->map + block * im->bs, im->bs);
    return 0;
}

static int file_write(void *ctx, uint64_t block, const void *buf)
{
    struct img *im = ctx;
    if (block >= im->nblocks)
        return -EIO;
    memcpy(im->map + block * im->bs, buf, im->bs);
    return 0;
}

static int64_t clock_now(void *ctx)
{
    (void)ctx;
    return fake_now ? fake_now : (int64_t)time(NULL);
}

/* Runs a shell command, its output thrown away; returns its exit status. */
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs a shell command and returns its standard output (malloc'd,
 * NUL-terminated; *len without the NUL) and, in *status, its exit status. */
static char *sh_out(size_t *len, int *status, const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    if (!p || !buf) {
        fprintf(stderr, "cannot run %s\n", cmd);
        exit(2);
    }
    for (size_t got; (got = fread(buf + n, 1, cap - n, p)) > 0;) {
        n += got;
        if (n == cap && !(buf = realloc(buf, (cap *= 2) + 1)))
            exit(2);
    }
    int st = pclose(p);
    buf[n] = 0;
    if (len)
        *len = n;
    if (status)
        *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return buf;
}

/* Makes an image with mkfs.ext2: features NULL for DEFAULT_FEATURES,
 * extra for more options (e.g. "-N 64"). */
static void img_make(struct img *im, const char *name, uint32_t bs, const char *size,
                     const char *features, const char *extra)
{
    memset(im, 0, sizeof *im);
    im->fd = -1;
    im->bs = bs;
    snprintf(im->path, sizeof im->path, "%s/%s.img", scratch, name);
    unlink(im->path);
    char opt[256] = "";
    if (!features || *features)
        snprintf(opt, sizeof opt, "-O %s", features ? features : DEFAULT_FEATURES);
    if (sh("mkfs.ext2 -q -F -b %u -I 256 %s %s '%s' %s >/dev/null 2>&1", bs, opt,
           extra ? extra : "", im->path, size)) {
        fprintf(stderr, "mkfs.ext2 failed for %s\n", im->path);
        exit(2);
    }
}

/* Mounts im with the core; returns ext2_mount's result, with its message
 * in *msg if msg is not NULL. */
static int img_mount_msg(struct img *im, const char **msg)
{
    struct stat st;
    const char *err = 0;
    im->fd = open(im->path, O_RDWR);
    if (im->fd < 0 || fstat(im->fd, &st)) {
        fprintf(stderr, "cannot open %s\n", im->path);
        exit(2);
    }
    im->size = (size_t)st.st_size;
    im->nblocks = im->size / im->bs;
    im->map = mmap(NULL, im->size, PROT_READ | PROT_WRITE, MAP_SHARED, im->fd, 0);
    if (im->map == MAP_FAILED) {
        fprintf(stderr, "cannot map %s\n", im->path);
        exit(2);
    }
    im->io = (struct ext2_io){ im, file_read, file_write, clock_now, NULL, NULL, NULL, NULL, NULL };
    im->fs = malloc(ext2_size());
    int r = ext2_mount(im->fs, &im->io, &err);
    im->mounted = r == 0;
    if (msg)
        *msg = err;
    else if (r)
        fprintf(stderr, "mount %s: %s (%d)\n", im->path, err, r);
    return r;
}

static int img_mount(struct img *im)
{
    return img_mount_msg(im, NULL);
}

static void img_close(struct img *im)
{
    if (im->mounted)
        CHECK(ext2_sync(im->fs) == 0);
    im->mounted = false;
    free(im->fs);
    im->fs = NULL;
    if (im->map)
        munmap(im->map, im->size);
    im->map = NULL;
    if (im->fd >= 0)
        close(im->fd);
    im->fd = -1;
}

/* e2fsck -fn finds nothing at all to fix (the core syncs first). */
static bool img_fsck(struct img *im)
{
    if (im->mounted)
        ext2_sync(im->fs);
    int status;
    char *out = sh_out(NULL, &status, "e2fsck -fn '%s' 2>&1", im->path);
    bool ok = status == 0 && !strstr(out, "Fix?") && !strstr(out, "Clear?") &&
              !strstr(out, "Fix<y>?") && !strstr(out, "wrong");
    if (!ok)
        fprintf(stderr, "e2fsck %s (status %d):\n%s\n", im->path, status, out);
    free(out);
    return ok;
}

/* debugfs's output for one request (read-only), malloc'd. */
static char *img_debugfs(struct img *im, const char *req, size_t *len)
{
    return sh_out(len, NULL, "debugfs -R '%s' '%s' 2>/dev/null", req, im->path);
}

/* A number after "field" in debugfs output ("Links: 3"), or -1. */
static long long field_of(const char *out, const char *field)
{
    const char *p = strstr(out, field);
    return p ? strtoll(p + strlen(field), NULL, 0) : -1;
}

/* A field of debugfs's stat of path. */
static long long stat_field(struct img *im, const char *path, const char *field)
{
    char req[600];
    snprintf(req, sizeof req, "stat %s", path);
    char *out = img_debugfs(im, req, NULL);
    long long v = field_of(out, field);
    free(out);
    return v;
}

/* Whether debugfs cat path gives exactly data. */
static bool cat_is(struct img *im, const char *path, const void *data, size_t len)
{
    char req[600];
    size_t n;
    snprintf(req, sizeof req, "cat %s", path);
    char *out = img_debugfs(im, req, &n);
    bool same = n == len && memcmp(out, data, len) == 0;
    if (!same)
        fprintf(stderr, "debugfs cat %s: %zu bytes, want %zu\n", path, n, len);
    free(out);
    return same;
}

static struct ext2_fileid root_of(void)
{
    return (struct ext2_fileid){ EXT2_ROOT_INO, 0 };
}

/* Looks up a path from the root, one component at a time. */
static int walk(struct img *im, const char *path, struct ext2_fileid *out)
{
    struct ext2_fileid cur = root_of();
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n) {
            int err = ext2_lookup(im->fs, cur, p, n, &cur);
            if (err)
                return err;
        }
        p += n;
    }
    *out = cur;
    return 0;
}

/* Creates a regular file with contents; returns its id. */
static struct ext2_fileid put_file(struct img *im, struct ext2_fileid dir, const char *name,
                                   const void *data, size_t len)
{
    struct ext2_fileid f = { 0, 0 };
    int err = ext2_create(im->fs, dir, name, strlen(name), 0100644, 0, 0, 0, &f);
    CHECK(err == 0);
    if (!err && len)
        CHECK(ext2_write(im->fs, f, 0, data, len) == (int64_t)len);
    return f;
}

static struct ext2_fileid make_dir(struct img *im, struct ext2_fileid dir, const char *name)
{
    struct ext2_fileid d = { 0, 0 };
    CHECK(ext2_mkdir(im->fs, dir, name, strlen(name), 0755, 0, 0, &d) == 0);
    return d;
}

static struct ext2_stat stat_of(struct img *im, struct ext2_fileid f)
{
    struct ext2_stat st;
    memset(&st, 0, sizeof st);
    CHECK(ext2_getattr(im->fs, f, &st) == 0);
    return st;
}

static uint64_t free_blocks(struct img *im)
{
    struct ext2_statfs s;
    ext2_statfs(im->fs, &s);
    return s.free_blocks;
}

static uint64_t free_inodes(struct img *im)
{
    struct ext2_statfs s;
    ext2_statfs(im->fs, &s);
    return s.free_inodes;
}

/* Fills buf with a pattern that depends on the byte's offset and seed. */
static void pattern(uint8_t *buf, size_t len, uint64_t off, unsigned seed)
{
    for (size_t i = 0; i < len; i++) {
        uint64_t x = (off + i) * 2654435761u + seed;
        buf[i] = (uint8_t)(x >> 13);
    }
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

#endif
