/*
 * ext2 host test cases about file contents and attributes: sparse files
 * through every level of indirection, truncate, a full disk, large files,
 * times, owners, device nodes. Included by test_ext2.c.
 */
#ifndef TEST_EXT2_CASES_DATA_H
#define TEST_EXT2_CASES_DATA_H

#include "harness.h"

#define CHUNK 5000

static bool is_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* Writes a CHUNK of pattern at off and reads it back. */
static void chunk_at(struct img *im, struct ext2_fileid f, uint64_t off)
{
    static uint8_t data[CHUNK], back[CHUNK];
    pattern(data, CHUNK, off, 3);
    CHECK(ext2_write(im->fs, f, off, data, CHUNK) == CHUNK);
    CHECK(ext2_read(im->fs, f, off, back, CHUNK) == CHUNK && memcmp(data, back, CHUNK) == 0);
}

static bool chunk_ok(struct img *im, struct ext2_fileid f, uint64_t off)
{
    static uint8_t data[CHUNK], back[CHUNK];
    pattern(data, CHUNK, off, 3);
    return ext2_read(im->fs, f, off, back, CHUNK) == CHUNK && memcmp(data, back, CHUNK) == 0;
}

/* 1 KiB blocks: direct 0..11, single 12..267, double 268..65803, triple
 * from 65804 (64 MiB + 268 KiB) to the largest file, 16843020 blocks. */
static void sparse_indirect(void)
{
    struct img im;
    img_make(&im, "sparse", 1024, "32M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    uint64_t blocks = free_blocks(&im);
    const uint64_t max = 16843020ull * 1024;
    const uint64_t offs[] = { 0, 11 * 1024 + 1000, 268 * 1024 - 2000, 65804ull * 1024 - 3000,
                              100ull << 20, (1ull << 30) + 12345, max - CHUNK };
    struct ext2_fileid f = put_file(&im, root_of(), "sparse", NULL, 0);
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        chunk_at(&im, f, offs[i]);
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        CHECK(chunk_ok(&im, f, offs[i]));
    static uint8_t back[8192];
    memset(back, 0xaa, sizeof back);
    CHECK(ext2_read(im.fs, f, CHUNK, back, 3000) == 3000 && is_zero(back, 3000));
    CHECK(ext2_read(im.fs, f, 50u << 20, back, 8192) == 8192 && is_zero(back, 8192));
    CHECK(ext2_read(im.fs, f, (5ull << 30) + 7, back, 8192) == 8192 && is_zero(back, 8192));
    struct ext2_stat st = stat_of(&im, f);
    CHECK(st.size == max);
    CHECK(ext2_write(im.fs, f, max, "x", 1) == -EFBIG);
    CHECK(ext2_write(im.fs, f, max - 10, back, 100) == 10);
    struct ext2_setattr sa = { .mask = EXT2_SET_SIZE, .size = max + 1 };
    CHECK(ext2_setattr(im.fs, f, &sa) == -EFBIG);
    CHECK(img_fsck(&im));
    char *out = img_debugfs(&im, "stat /sparse", NULL);
    CHECK(strstr(out, "(TIND)") != NULL && strstr(out, "(DIND)") != NULL);
    free(out);

    /* debugfs reads what the core wrote past the triple-indirect start. */
    struct ext2_fileid t = put_file(&im, root_of(), "tind", NULL, 0);
    chunk_at(&im, t, 65804ull * 1024 - 3000);
    chunk_at(&im, t, 70ull << 20);
    CHECK(img_fsck(&im));
    char dump[600];
    snprintf(dump, sizeof dump, "%s/tind.dump", scratch);
    unlink(dump);
    sh("debugfs -R 'dump /tind %s' '%s' >/dev/null 2>&1", dump, im.path);
    int fd = open(dump, O_RDONLY);
    static uint8_t want[CHUNK], got[CHUNK];
    CHECK(fd >= 0);
    for (int i = 0; fd >= 0 && i < 2; i++) {
        uint64_t off = i ? 70ull << 20 : 65804ull * 1024 - 3000;
        pattern(want, CHUNK, off, 3);
        CHECK(pread(fd, got, CHUNK, (off_t)off) == CHUNK && memcmp(want, got, CHUNK) == 0);
    }
    CHECK(fd >= 0 && pread(fd, got, CHUNK, 1 << 20) == CHUNK && is_zero(got, CHUNK));
    if (fd >= 0)
        close(fd);
    unlink(dump);

    /* Shrinking frees the indirect trees; to zero frees everything. */
    sa.size = 12 * 1024 + 1;
    CHECK(ext2_setattr(im.fs, f, &sa) == 0);
    CHECK(stat_of(&im, f).blocks == (5 + 1 + 1 + 1) * 2);
    CHECK(chunk_ok(&im, f, 0));
    CHECK(img_fsck(&im));
    sa.size = 0;
    CHECK(ext2_setattr(im.fs, f, &sa) == 0);
    CHECK(ext2_setattr(im.fs, t, &sa) == 0);
    CHECK(stat_of(&im, f).blocks == 0 && free_blocks(&im) == blocks);
    CHECK(img_fsck(&im));
    img_close(&im);
}

static void truncate_sizes(void)
{
    struct img im;
    img_make(&im, "truncate", 4096, "32M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    uint64_t blocks = free_blocks(&im);
    static uint8_t data[1 << 20], back[1 << 20];
    pattern(data, sizeof data, 0, 4);
    struct ext2_fileid f = put_file(&im, root_of(), "f", data, 10000);
    struct ext2_setattr sa = { .mask = EXT2_SET_SIZE, .size = 5000 };
    CHECK(ext2_setattr(im.fs, f, &sa) == 0);
    CHECK(ext2_read(im.fs, f, 0, back, 10000) == 5000 && memcmp(back, data, 5000) == 0);
    CHECK(stat_of(&im, f).blocks == 16);
    sa.size = 20000;
    CHECK(ext2_setattr(im.fs, f, &sa) == 0);
    CHECK(ext2_read(im.fs, f, 0, back, 30000) == 20000 && is_zero(back + 5000, 15000));
    CHECK(stat_of(&im, f).blocks == 16 && stat_of(&im, f).size == 20000);
    CHECK(ext2_write(im.fs, f, 30000, "Z", 1) == 1 && stat_of(&im, f).blocks == 24);

    /* Into the single-indirect range and back to the middle of a block. */
    struct ext2_fileid big = put_file(&im, root_of(), "big", NULL, 0);
    for (uint64_t off = 0; off < (5u << 20); off += sizeof data) {
        pattern(data, sizeof data, off, 5);
        CHECK(ext2_write(im.fs, big, off, data, sizeof data) == (int64_t)sizeof data);
    }
    sa.size = (3u << 20) + 123;
    CHECK(ext2_setattr(im.fs, big, &sa) == 0);
    CHECK(stat_of(&im, big).blocks == (769 + 1) * 8);
    sa.size = 4u << 20;
    CHECK(ext2_setattr(im.fs, big, &sa) == 0);
    CHECK(ext2_read(im.fs, big, 3u << 20, back, 8192) == 8192);
    pattern(data, 123, 3u << 20, 5);
    CHECK(memcmp(back, data, 123) == 0 && is_zero(back + 123, 8192 - 123));
    CHECK(img_fsck(&im));
    img_close(&im);
    CHECK(stat_field(&im, "/big", "Size: ") == 4 << 20);

    CHECK(img_mount(&im) == 0);
    struct ext2_fileid d = make_dir(&im, root_of(), "d"), l;
    CHECK(ext2_symlink(im.fs, root_of(), "l", 1, "f", 1, 0, 0, &l) == 0);
    CHECK(ext2_setattr(im.fs, d, &sa) == -EISDIR);
    CHECK(ext2_setattr(im.fs, l, &sa) == -EINVAL);
    sa.size = 0;
    CHECK(ext2_setattr(im.fs, f, &sa) == 0 && ext2_setattr(im.fs, big, &sa) == 0);
    CHECK(stat_of(&im, big).blocks == 0 && stat_of(&im, big).size == 0);
    CHECK(free_blocks(&im) == blocks - 1);  /* d's block */
    CHECK(img_fsck(&im));
    img_close(&im);
}

static void full_disk(void)
{
    struct img im;
    img_make(&im, "full", 4096, "8M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    uint64_t blocks = free_blocks(&im), inodes = free_inodes(&im);
    static uint8_t data[65536];
    pattern(data, sizeof data, 0, 6);
    struct ext2_fileid f = put_file(&im, root_of(), "fill", NULL, 0), g;
    uint64_t off = 0;
    int64_t n;
    while ((n = ext2_write(im.fs, f, off, data, sizeof data)) == (int64_t)sizeof data)
        off += (uint64_t)n;
    CHECK(n == -ENOSPC || (n > 0 && n < (int64_t)sizeof data));
    if (n > 0)
        off += (uint64_t)n;
    CHECK(ext2_write(im.fs, f, off, data, 100) == -ENOSPC);
    CHECK(free_blocks(&im) == 0 && stat_of(&im, f).size == off);
    /* Creations that need a block fail and leave nothing behind. */
    CHECK(ext2_mkdir(im.fs, root_of(), "d", 1, 0755, 0, 0, &g) == -ENOSPC);
    char target[100];
    memset(target, 't', sizeof target);
    CHECK(ext2_symlink(im.fs, root_of(), "s", 1, target, sizeof target, 0, 0, &g) == -ENOSPC);
    CHECK(free_inodes(&im) == inodes - 1);
    char name[256];
    int made = 0, err = 0;
    for (int i = 0; i < 100 && !err; i++) {
        memset(name, 'a' + i % 26, 250);
        snprintf(name + 250, 6, "%05u", (unsigned)i % 100000);
        err = ext2_create(im.fs, root_of(), name, 255, 0100644, 0, 0, 0, &g);
        made += !err;
    }
    CHECK(err == -ENOSPC && made > 5 && free_inodes(&im) == inodes - 1 - (uint64_t)made);
    CHECK(img_fsck(&im));
    img_close(&im);
    CHECK(stat_field(&im, "/fill", "Size: ") == (long long)off);
    CHECK(img_mount(&im) == 0);
    CHECK(ext2_unlink(im.fs, root_of(), "fill", 4) == 0);
    for (int i = 0; i < made; i++) {
        memset(name, 'a' + i % 26, 250);
        snprintf(name + 250, 6, "%05u", (unsigned)i % 100000);
        CHECK(ext2_unlink(im.fs, root_of(), name, 255) == 0);
    }
    CHECK(free_blocks(&im) == blocks && free_inodes(&im) == inodes);
    CHECK(img_fsck(&im));
    img_close(&im);

    /* Out of inodes. */
    img_make(&im, "noinodes", 1024, "4M", NULL, "-N 16");
    CHECK(img_mount(&im) == 0);
    inodes = free_inodes(&im);
    made = 0;
    for (err = 0; !err; made += !err) {
        snprintf(name, sizeof name, "i%d", made);
        err = ext2_create(im.fs, root_of(), name, strlen(name), 0100644, 0, 0, 0, &g);
    }
    CHECK(err == -ENOSPC && (uint64_t)made == inodes && free_inodes(&im) == 0);
    CHECK(ext2_mkdir(im.fs, root_of(), "d", 1, 0755, 0, 0, &g) == -ENOSPC);
    CHECK(img_fsck(&im));
    img_close(&im);
}

/* A file past 2 GiB on an image without large_file turns the feature on. */
static void large_file(void)
{
    struct img im;
    img_make(&im, "large", 4096, "8M", "none,filetype,sparse_super", NULL);
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid f = put_file(&im, root_of(), "huge", NULL, 0);
    CHECK(ext2_write(im.fs, f, 3ull << 30, "end", 3) == 3);
    CHECK(stat_of(&im, f).size == (3ull << 30) + 3);
    CHECK(img_fsck(&im));
    img_close(&im);
    char *out = sh_out(NULL, NULL, "dumpe2fs -h '%s' 2>/dev/null", im.path);
    CHECK(strstr(out, "large_file") != NULL);
    free(out);
    CHECK(stat_field(&im, "/huge", "Size: ") == (3ll << 30) + 3);
}

static void times(void)
{
    struct img im;
    img_make(&im, "times", 4096, "8M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    fake_now = 1700000000;
    struct ext2_fileid f = put_file(&im, root_of(), "f", NULL, 0);
    struct ext2_stat st = stat_of(&im, f);
    CHECK(st.atime == fake_now && st.mtime == fake_now && st.ctime == fake_now);
    CHECK(stat_of(&im, root_of()).mtime == fake_now);
    fake_now += 100;
    CHECK(ext2_write(im.fs, f, 0, "x", 1) == 1);
    st = stat_of(&im, f);
    CHECK(st.atime == fake_now - 100 && st.mtime == fake_now && st.ctime == fake_now);
    fake_now += 100;
    struct ext2_setattr sa = { .mask = EXT2_SET_ATIME | EXT2_SET_MTIME,
                               .atime = (1ll << 32) + 12345, .atime_ns = 999999999,
                               .mtime = (1ll << 33) + 6789, .mtime_ns = 1 };
    CHECK(ext2_setattr(im.fs, f, &sa) == 0);
    struct ext2_fileid neg = put_file(&im, root_of(), "neg", NULL, 0);
    struct ext2_setattr sn = { .mask = EXT2_SET_MTIME | EXT2_SET_ATIME, .mtime = -1000000,
                               .mtime_ns = 5, .atime = 1ll << 40 };
    CHECK(ext2_setattr(im.fs, neg, &sn) == 0);
    sa.mtime_ns = 1000000000;
    CHECK(ext2_setattr(im.fs, f, &sa) == -EINVAL);
    CHECK(ext2_setattr(im.fs, root_of(), &(struct ext2_setattr){
                                              .mask = EXT2_SET_MTIME, .mtime = 5000000000 }) == 0);
    img_close(&im);
    CHECK(img_fsck(&im));
    CHECK(img_mount(&im) == 0);
    st = stat_of(&im, f);
    CHECK(st.atime == (1ll << 32) + 12345 && st.atime_ns == 999999999);
    CHECK(st.mtime == (1ll << 33) + 6789 && st.mtime_ns == 1 && st.ctime == fake_now);
    st = stat_of(&im, neg);
    CHECK(st.mtime == -1000000 && st.mtime_ns == 5);
    CHECK(st.atime == (3ll << 32) + 0x7fffffff);      /* clamped to the largest */
    CHECK(stat_of(&im, root_of()).mtime == 5000000000);
    img_close(&im);
    char *out = img_debugfs(&im, "stat /f", NULL);
    CHECK(strstr(out, "Size of extra inode fields: 32") != NULL);
    free(out);

    /* 128-byte inodes: 32-bit seconds only. */
    img_make(&im, "times128", 4096, "8M", NULL, "-I 128");
    CHECK(img_mount(&im) == 0);
    f = put_file(&im, root_of(), "f", NULL, 0);
    sa.mtime_ns = 7;
    CHECK(ext2_setattr(im.fs, f, &sa) == 0);
    st = stat_of(&im, f);
    CHECK(st.mtime == 0x7fffffff && st.mtime_ns == 0);
    CHECK(img_fsck(&im));
    img_close(&im);
    fake_now = 0;
}

static void owners_and_devices(void)
{
    struct img im;
    img_make(&im, "nodes", 4096, "8M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid r = root_of(), f, c, b, p, s, g;
    f = put_file(&im, r, "f", NULL, 0);
    struct ext2_setattr sa = { .mask = EXT2_SET_MODE | EXT2_SET_UID | EXT2_SET_GID,
                               .mode = 0104751, .uid = 100000, .gid = 200000 };
    CHECK(ext2_setattr(im.fs, f, &sa) == 0);
    struct ext2_stat st = stat_of(&im, f);
    CHECK(st.mode == 0104751 && st.uid == 100000 && st.gid == 200000);
    sa.mask = EXT2_SET_GID;
    sa.gid = 7;
    CHECK(ext2_setattr(im.fs, f, &sa) == 0);
    st = stat_of(&im, f);
    CHECK(st.uid == 100000 && st.gid == 7);
    uint32_t big = (300u << 8) | (70000u & 0xff) | ((70000u & 0xfff00) << 12);
    CHECK(ext2_create(im.fs, r, "c", 1, 0020600, 0, 0, (1 << 8) | 3, &c) == 0);
    CHECK(ext2_create(im.fs, r, "b", 1, 0060600, 0, 0, big, &b) == 0);
    CHECK(ext2_create(im.fs, r, "p", 1, 0010600, 0, 0, 0, &p) == 0);
    CHECK(ext2_create(im.fs, r, "s", 1, 0140600, 0, 0, 0, &s) == 0);
    CHECK(ext2_create(im.fs, r, "l", 1, 0120777, 0, 0, 0, &g) == -EINVAL);
    CHECK(ext2_create(im.fs, r, "x", 1, 0170777, 0, 0, 0, &g) == -EINVAL);
    CHECK(ext2_create(im.fs, r, "plain", 5, 0644, 3, 4, 0, &g) == 0);
    CHECK(stat_of(&im, g).mode == 0100644 && stat_of(&im, g).uid == 3);
    CHECK(stat_of(&im, c).rdev == ((1 << 8) | 3) && stat_of(&im, b).rdev == big);
    CHECK((stat_of(&im, p).mode & 0170000) == 0010000);
    /* readdir types: DT_REG 8, DT_CHR 2, DT_BLK 6, DT_FIFO 1, DT_SOCK 12. */
    struct ext2_dirent de;
    int seen = 0;
    for (uint64_t k = 0; ext2_readdir(im.fs, r, k, &de) == 1; k = de.next) {
        int want = !strcmp(de.name, "f") ? 8 : !strcmp(de.name, "c") ? 2
                 : !strcmp(de.name, "b") ? 6 : !strcmp(de.name, "p") ? 1
                 : !strcmp(de.name, "s") ? 12 : -1;
        if (want >= 0) {
            CHECK(de.type == want);
            seen++;
        }
    }
    CHECK(seen == 5);
    CHECK(img_fsck(&im));
    img_close(&im);
    char *out = img_debugfs(&im, "stat /f", NULL);
    CHECK(strstr(out, "User: 100000") && strstr(out, "Group:     7"));
    free(out);
    out = img_debugfs(&im, "stat /b", NULL);
    CHECK(strstr(out, "300:70000") != NULL);
    free(out);
    out = img_debugfs(&im, "stat /c", NULL);
    CHECK(strstr(out, "1:3") || strstr(out, "01:03"));
    free(out);
}

#endif
