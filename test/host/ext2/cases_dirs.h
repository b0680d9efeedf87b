/*
 * ext2 host test cases about directories: a huge one, readdir cookies
 * across changes, htree (dir_index) directories, images without file types
 * in entries, extended attribute blocks, statfs. Included by test_ext2.c.
 */
#ifndef TEST_EXT2_CASES_DIRS_H
#define TEST_EXT2_CASES_DIRS_H

#include "harness.h"

#ifndef BIG_DIR
#define BIG_DIR 60000
#endif

static void big_dir(void)
{
    struct img im;
    img_make(&im, "bigdir", 4096, "128M", NULL, "-N 65536");
    CHECK(img_mount(&im) == 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_t cpu0 = clock();
    struct ext2_fileid d = make_dir(&im, root_of(), "many"), g;
    static uint32_t ino[BIG_DIR];
    static uint8_t seen[BIG_DIR];
    char name[16];
    int bad = 0;
    for (int i = 0; i < BIG_DIR; i++) {
        snprintf(name, sizeof name, "f%05d", i);
        bad += ext2_create(im.fs, d, name, 6, 0100644, 0, 0, 0, &g) != 0;
        ino[i] = g.ino;
    }
    CHECK(bad == 0);
    double t_create = seconds_since(&t0);
    for (int i = 0; i < BIG_DIR; i += 59) {
        snprintf(name, sizeof name, "f%05d", i);
        bad += ext2_lookup(im.fs, d, name, 6, &g) != 0 || g.ino != ino[i];
    }
    CHECK(bad == 0 && ext2_lookup(im.fs, d, "f60000", 6, &g) == -ENOENT);
    struct ext2_dirent de;
    int count = 0, dup = 0;
    for (uint64_t k = 0; ext2_readdir(im.fs, d, k, &de) == 1; k = de.next) {
        count++;
        if (de.name[0] != 'f')
            continue;
        int i = atoi(de.name + 1);
        dup += seen[i]++ != 0 || de.ino != ino[i];
    }
    CHECK(count == BIG_DIR + 2 && dup == 0);
    for (int i = 7; i < BIG_DIR; i += 601) {
        snprintf(name, sizeof name, "f%05d", i);
        bad += ext2_create(im.fs, d, name, 6, 0100644, 0, 0, 0, &g) != -EEXIST;
    }
    CHECK(bad == 0);
    CHECK(img_fsck(&im));
    CHECK(stat_field(&im, "/many/f54321", "Links: ") == 1);
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (int i = 0; i < BIG_DIR; i++) {
        snprintf(name, sizeof name, "f%05d", i);
        bad += ext2_unlink(im.fs, d, name, 6) != 0;
    }
    CHECK(bad == 0);
    double t_unlink = seconds_since(&t1);
    count = 0;
    for (uint64_t k = 0; ext2_readdir(im.fs, d, k, &de) == 1; k = de.next)
        count++;
    CHECK(count == 2 && stat_of(&im, d).size > 4096);
    CHECK(ext2_rmdir(im.fs, root_of(), "many", 4) == 0);
    CHECK(img_fsck(&im));
    img_close(&im);
    printf("     %d files: create %.1f s, unlink %.1f s, all %.1f s (%.1f s of CPU)\n", BIG_DIR,
           t_create, t_unlink, seconds_since(&t0), (double)(clock() - cpu0) / CLOCKS_PER_SEC);
}

/* Random creates, unlinks, renames and lookups in two directories large
 * enough for the core's directory summary, checked against a model; the
 * work switches between them so the summary is rebuilt often. */
static void dir_summary(void)
{
    struct img im;
    img_make(&im, "summary", 1024, "16M", NULL, "-N 8192");
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid d[2] = { make_dir(&im, root_of(), "d0"), make_dir(&im, root_of(), "d1") };
    static bool present[2][3000];
    struct ext2_fileid g;
    char name[32], other[32];
    uint64_t x = 12345;
    int wrong = 0;
    for (int i = 0; i < 30000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int k = (i / 64) % 2, j = (int)(x >> 33) % 3000, j2 = (int)(x >> 45) % 3000;
        int op = (int)(x >> 20) % 8;
        snprintf(name, sizeof name, "name-%d-%04d", k, j);
        snprintf(other, sizeof other, "name-%d-%04d", k, j2);
        size_t len = strlen(name);
        int r;
        if (op < 4) {               /* mostly creates, so the directories grow */
            r = ext2_create(im.fs, d[k], name, len, 0100644, 0, 0, 0, &g);
            wrong += present[k][j] ? r != -EEXIST : r != 0;
            present[k][j] = true;
        } else if (op < 5) {
            r = ext2_unlink(im.fs, d[k], name, len);
            wrong += present[k][j] ? r != 0 : r != -ENOENT;
            present[k][j] = false;
        } else if (op < 6) {
            r = ext2_rename(im.fs, d[k], name, len, d[k], other, strlen(other), true);
            int want = !present[k][j] ? -ENOENT : j == j2 || present[k][j2] ? -EEXIST : 0;
            wrong += r != want;
            if (r == 0) {
                present[k][j] = false;
                present[k][j2] = true;
            }
        } else {
            r = ext2_lookup(im.fs, d[k], name, len, &g);
            wrong += present[k][j] ? r != 0 : r != -ENOENT;
        }
    }
    CHECK(wrong == 0);
    for (int k = 0; k < 2; k++) {
        static bool seen[3000];
        struct ext2_dirent de;
        int extra = 0;
        memset(seen, 0, sizeof seen);
        for (uint64_t c = 0; ext2_readdir(im.fs, d[k], c, &de) == 1; c = de.next) {
            if (de.name[0] == '.')
                continue;
            int j = atoi(de.name + 7);
            extra += seen[j] || !present[k][j];
            seen[j] = true;
        }
        for (int j = 0; j < 3000; j++)
            extra += present[k][j] && !seen[j];
        CHECK(extra == 0);
    }
    CHECK(stat_of(&im, d[0]).size / 1024 >= 8);
    CHECK(img_fsck(&im));
    img_close(&im);
}

/* Cookies stay good while entries before and after them come and go. */
static void readdir_cookies(void)
{
    struct img im;
    img_make(&im, "cookies", 1024, "8M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid d = make_dir(&im, root_of(), "d"), g;
    char name[16];
    static int seen[400];       /* e000..e299 as 0..299, n000..n049 as 300.. */
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "e%03d", i);
        CHECK(ext2_create(im.fs, d, name, 4, 0100644, 0, 0, 0, &g) == 0);
    }
    struct ext2_dirent de;
    uint64_t k = 0;
    int got = 0;
    while (got < 100 && ext2_readdir(im.fs, d, k, &de) == 1) {
        k = de.next;
        if (de.name[0] == 'e') {
            seen[atoi(de.name + 1)]++;
            got++;
        }
    }
    /* Remove 50 seen and 50 unseen, add 50. */
    int removed[300] = { 0 }, early[300], rs = 0, ru = 0;
    memcpy(early, seen, sizeof early);
    for (int i = 0; i < 300; i++) {
        bool take = seen[i] ? rs < 50 : i % 3 == 0 && ru < 50;
        if (!take)
            continue;
        rs += seen[i] != 0;
        ru += seen[i] == 0;
        snprintf(name, sizeof name, "e%03d", i);
        CHECK(ext2_unlink(im.fs, d, name, 4) == 0);
        removed[i] = 1;
    }
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof name, "n%03d", i);
        CHECK(ext2_create(im.fs, d, name, 4, 0100644, 0, 0, 0, &g) == 0);
    }
    while (ext2_readdir(im.fs, d, k, &de) == 1) {
        k = de.next;
        if (de.name[0] == 'e')
            seen[atoi(de.name + 1)]++;
        else if (de.name[0] == 'n')
            seen[300 + atoi(de.name + 1)]++;
    }
    /* Nothing twice, every survivor once, nothing removed before it was
     * reached. New entries may or may not show. */
    int twice = 0, lost = 0, ghost = 0;
    for (int i = 0; i < 350; i++)
        twice += seen[i] > 1;
    for (int i = 0; i < 300; i++) {
        lost += !removed[i] && !seen[i];
        ghost += removed[i] && !early[i] && seen[i];
    }
    CHECK(rs == 50 && ru == 50 && twice == 0 && lost == 0 && ghost == 0);
    CHECK(img_fsck(&im));
    img_close(&im);
}

/* Indexed directories are read linearly; a change clears the index flag,
 * except a rename onto an existing name, which keeps the names. */
static void dir_index(void)
{
    struct img im;
    img_make(&im, "htree", 4096, "32M", "", NULL);
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid d = make_dir(&im, root_of(), "idx"), g;
    struct ext2_fileid other = make_dir(&im, root_of(), "other");
    char name[16];
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "file%04d", i);
        CHECK(ext2_create(im.fs, d, name, 8, 0100644, 0, 0, 0, &g) == 0);
    }
    put_file(&im, other, "x", "x", 1);
    img_close(&im);
    sh("e2fsck -fyD '%s' >/dev/null 2>&1", im.path);
    CHECK(img_fsck(&im));
    CHECK(stat_field(&im, "/idx", "Flags: ") == 0x1000);
    CHECK(img_mount(&im) == 0);
    int bad = 0, count = 0;
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "file%04d", i);
        bad += ext2_lookup(im.fs, d, name, 8, &g) != 0;
    }
    struct ext2_dirent de;
    for (uint64_t k = 0; ext2_readdir(im.fs, d, k, &de) == 1; k = de.next)
        count++;
    CHECK(bad == 0 && count == 2002);
    CHECK(ext2_rename(im.fs, other, "x", 1, d, "file0200", 8, false) == 0);
    img_close(&im);
    CHECK(stat_field(&im, "/idx", "Flags: ") == 0x1000);
    CHECK(img_fsck(&im));
    CHECK(img_mount(&im) == 0);
    put_file(&im, d, "new", "new", 3);
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "file%04d", i);
        CHECK(ext2_unlink(im.fs, d, name, 8) == 0);
    }
    img_close(&im);
    CHECK(stat_field(&im, "/idx", "Flags: ") == 0);
    CHECK(img_fsck(&im));
    CHECK(cat_is(&im, "/idx/new", "new", 3) && cat_is(&im, "/idx/file0200", "x", 1));
}

/* Images without file types in entries, and revision 0. */
static void no_filetype(void)
{
    struct img im;
    img_make(&im, "nofiletype", 1024, "8M", "none", NULL);
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid r = root_of(), g;
    put_file(&im, r, "f", "f", 1);
    struct ext2_fileid a = make_dir(&im, r, "a");
    make_dir(&im, a, "sub");
    CHECK(ext2_symlink(im.fs, r, "l", 1, "f", 1, 0, 0, &g) == 0);
    CHECK(ext2_create(im.fs, r, "p", 1, 0010644, 0, 0, 0, &g) == 0);
    CHECK(ext2_rename(im.fs, a, "sub", 3, r, "sub", 3, false) == 0);
    struct ext2_dirent de;
    int types = 0;
    for (uint64_t k = 0; ext2_readdir(im.fs, r, k, &de) == 1; k = de.next) {
        types += !strcmp(de.name, "f") && de.type == 8;
        types += !strcmp(de.name, "a") && de.type == 4;
        types += !strcmp(de.name, "l") && de.type == 10;
        types += !strcmp(de.name, "p") && de.type == 1;
    }
    CHECK(types == 4);
    CHECK(img_fsck(&im));
    img_close(&im);

    /* Revision 0: 128-byte inodes, no features at all. */
    img_make(&im, "rev0", 1024, "4M", "", "-r 0");
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid d = make_dir(&im, r, "d");
    put_file(&im, d, "f", "hello", 5);
    CHECK(ext2_symlink(im.fs, d, "l", 1, "f", 1, 0, 0, &g) == 0);
    CHECK(ext2_rename(im.fs, d, "f", 1, r, "g", 1, false) == 0);
    CHECK(img_fsck(&im));
    img_close(&im);
    CHECK(cat_is(&im, "/g", "hello", 5));
}

/* Freeing an inode drops its extended attribute block. */
static void ext_attr(void)
{
    struct img im;
    img_make(&im, "xattr", 4096, "8M", "", NULL);
    CHECK(img_mount(&im) == 0);
    uint64_t blocks = free_blocks(&im);
    put_file(&im, root_of(), "f", "data", 4);
    put_file(&im, root_of(), "g", "data", 4);
    img_close(&im);
    char val[600];
    snprintf(val, sizeof val, "%s/xattr.value", scratch);
    FILE *v = fopen(val, "w");
    for (int i = 0; v && i < 600; i++)
        fputc('a' + i % 26, v);
    if (v)
        fclose(v);
    sh("debugfs -w -R 'ea_set -f %s /f user.big' '%s' >/dev/null 2>&1", val, im.path);
    sh("debugfs -w -R 'ea_set /g user.small tiny' '%s' >/dev/null 2>&1", im.path);
    CHECK(img_fsck(&im));
    CHECK(img_mount(&im) == 0);
    struct ext2_fileid f;
    CHECK(walk(&im, "/f", &f) == 0 && stat_of(&im, f).blocks == 16);
    CHECK(free_blocks(&im) == blocks - 3);
    CHECK(ext2_write(im.fs, f, 4096, "more", 4) == 4);
    CHECK(ext2_unlink(im.fs, root_of(), "f", 1) == 0);
    CHECK(ext2_unlink(im.fs, root_of(), "g", 1) == 0);
    CHECK(free_blocks(&im) == blocks);
    CHECK(img_fsck(&im));
    img_close(&im);
    unlink(val);
}

static void statfs_counts(void)
{
    struct img im;
    img_make(&im, "statfs", 4096, "32M", NULL, NULL);
    CHECK(img_mount(&im) == 0);
    struct ext2_statfs s;
    CHECK(ext2_statfs(im.fs, &s) == 0);
    char *out = sh_out(NULL, NULL, "dumpe2fs -h '%s' 2>/dev/null", im.path);
    CHECK(s.block_size == 4096 && s.name_max == 255);
    CHECK((long long)s.blocks == field_of(out, "Block count:"));
    CHECK((long long)s.free_blocks == field_of(out, "Free blocks:"));
    CHECK((long long)s.avail_blocks ==
          field_of(out, "Free blocks:") - field_of(out, "Reserved block count:"));
    CHECK((long long)s.inodes == field_of(out, "Inode count:"));
    CHECK((long long)s.free_inodes == field_of(out, "Free inodes:"));
    free(out);
    img_close(&im);
}

#endif
